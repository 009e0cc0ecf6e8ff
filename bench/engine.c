/* The engine benchmark, C side (bench/engine.sh): a four-model generate through
 * outpaint_engine_run whose provider callback starts a thread per call; each thread
 * waits --delay-ms (as a remote provider would take) and answers with the local
 * provider from its own thread. Storage is answered at once on the caller's thread.
 * Prints one JSON object. Never asserts timings. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outpaint.h"

#include "../tests/c/memory_store.h"

static long delay_ms = 1000;

typedef struct {
  const outpaint_engine *engine;
  uint64_t id;
} pending_call;

static void *answer_later(void *arg) {
  pending_call *c = arg;
  struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
  outpaint_engine_handle_local(c->engine, c->id);
  free(c);
  return NULL;
}

static void provider(void *user_data, const outpaint_engine *engine, const outpaint_effect *e) {
  (void)user_data;
  pending_call *c = malloc(sizeof *c);
  c->engine = engine;
  c->id = e->id;
  pthread_t t;
  pthread_create(&t, NULL, answer_later, c);
  pthread_detach(t);
}

static uint64_t wall_ms(void *user_data) {
  (void)user_data;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], "--delay-ms") == 0) delay_ms = strtol(argv[i + 1], NULL, 10);
  (void)now_ms; /* the store's fake clock is not used: this is wall time */
  (void)wait_until;
  host_state h;
  memset(&h, 0, sizeof h);
  outpaint_host host = {&h, wall_ms, storage, provider, NULL, NULL, NULL};
  outpaint_bytes json = {NULL, 0};
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  outpaint_status s = outpaint_engine_run(outpaint_str_c("{\"op\":\"generate\",\"prompt\":\"a lake at dawn\"}"),
                                          (outpaint_str){NULL, 0}, NULL, 0, &host, 1, &json);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
  if (s != OUTPAINT_STATUS_OK || !strstr((const char *)json.data, "\"status\":\"completed\"")) {
    fprintf(stderr, "generate failed: %s\n", outpaint_last_error_message());
    return 1;
  }
  outpaint_bytes_free(&json);
  free_host(&h);
  printf("{\"door\":\"c\",\"delayMs\":%ld,\"generateMs\":%.1f}\n", delay_ms, ms);
  return 0;
}
