/* The session engine over C: outpaint_engine_run with host callbacks (an in-memory
 * store written in C, a scriptable provider), and poll/submit by hand. Error paths: a
 * storage callback that fails, a provider that fails or returns a corrupt image, a
 * callback that does not answer, answering twice. Prints "N passed, M failed". */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outpaint.h"

#include "check.h"

#include "memory_store.h"

static uint64_t now_ms(void *user_data) {
  host_state *h = user_data;
  return h->now;
}


static void provider(void *user_data, outpaint_engine *engine, const outpaint_effect *e) {
  host_state *h = user_data;
  h->calls++;
  if (h->provider_mode == 3) return; /* never answers */
  if (h->provider_mode == 1) {
    outpaint_engine_submit_failure(engine, true, false,
                                   outpaint_str_c("500 upstream: key sk-proj-ABCdef0123456789xyz bad"));
    return;
  }
  if (h->provider_mode == 2) {
    static const unsigned char junk[] = "\x89PNG\r\n\x1a\nnope";
    outpaint_engine_submit_image(engine, junk, sizeof junk - 1);
    return;
  }
  if (e->job.len == 8 && memcmp(e->job.ptr, "generate", 8) == 0) {
    uint8_t px[32 * 32 * 4];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 7);
    outpaint_image_view v = {32, 32, px, sizeof px};
    outpaint_bytes png = {NULL, 0};
    outpaint_encode_png(v, &png);
    outpaint_engine_submit_image(engine, png.data, png.len);
    outpaint_bytes_free(&png);
  } else if (e->canvas_png) {
    /* outpaint: hand the pre-filled canvas back as the "generated" picture */
    outpaint_engine_submit_image(engine, e->canvas_png, e->canvas_png_len);
  } else {
    outpaint_engine_submit_image(engine, e->source, e->source_len);
  }
}

/* Runs an operation; returns the status and copies the outcome JSON into out. */
static outpaint_status run(host_state *h, const char *op, char *out, size_t cap) {
  outpaint_host host = {h, now_ms, storage, provider};
  outpaint_bytes json = {NULL, 0};
  outpaint_status s =
      outpaint_engine_run(outpaint_str_c(op), (outpaint_str){NULL, 0}, NULL, 0, &host, h->now, &json);
  if (out) {
    size_t n = json.len < cap - 1 ? json.len : cap - 1;
    if (json.data) memcpy(out, json.data, n);
    out[n] = 0;
  }
  outpaint_bytes_free(&json);
  return s;
}

static void session_id(const char *json, char id[37]) {
  const char *p = strstr(json, "\"sessionId\":\"");
  id[0] = 0;
  if (p) {
    memcpy(id, p + 13, 36);
    id[36] = 0;
  }
}

static char out[1 << 16];

int main(void) {
  host_state h;
  memset(&h, 0, sizeof h);
  h.now = 1767225600000ULL;

  CHECK(run(&h, "{\"op\":\"generate\",\"prompt\":\"a lake\",\"models\":[\"flux\",\"openai\"]}", out,
            sizeof out) == OUTPAINT_STATUS_OK);
  char id[37];
  session_id(out, id);
  CHECK(strlen(id) == 36);
  CHECK(strstr(out, "\"status\":\"completed\"") != NULL);
  CHECK(h.calls == 2);

  char op[512];
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"flux\",\"prompt\":\"warmer\"}", id);
  CHECK(run(&h, op, out, sizeof out) == OUTPAINT_STATUS_OK);
  CHECK(strstr(out, "\"iterationIndex\":1") != NULL);
  snprintf(op, sizeof op,
           "{\"op\":\"outpaint\",\"sessionId\":\"%s\",\"model\":\"openai\",\"preset\":\"16:9\",\"iterationIndex\":0}", id);
  CHECK(run(&h, op, out, sizeof out) == OUTPAINT_STATUS_OK);
  CHECK(strstr(out, "\"outpaintPreset\":\"16:9\"") != NULL);
  /* The composited result is stored at full resolution: 32x32 -> 16:9 = 57x32. */
  long k = find(&h, outpaint_str_c("sessions/"));
  (void)k;
  char key[128];
  snprintf(key, sizeof key, "sessions/%s/images/openai-1.png", id);
  long ki = find(&h, outpaint_str_c(key));
  CHECK(ki >= 0);
  if (ki >= 0) {
    outpaint_image img = {0, 0, NULL, 0};
    CHECK(outpaint_decode(h.val[ki], h.len[ki], &img) == OUTPAINT_STATUS_OK);
    CHECK(img.width == 57 && img.height == 32);
    outpaint_image_free(&img);
  }
  snprintf(op, sizeof op, "{\"op\":\"status\",\"sessionId\":\"%s\"}", id);
  CHECK(run(&h, op, out, sizeof out) == OUTPAINT_STATUS_OK && strstr(out, "\"version\":6") != NULL);
  CHECK(run(&h, "{\"op\":\"gallery\"}", out, sizeof out) == OUTPAINT_STATUS_OK &&
        strstr(out, "\"totalIterations\":4") != NULL);

  /* Provider fails twice (retried once after a 2 s sleep): the iteration is in error,
   * the message redacted; the operation itself succeeds. */
  h.provider_mode = 1;
  uint64_t before = h.now;
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"flux\",\"prompt\":\"again\"}", id);
  CHECK(run(&h, op, out, sizeof out) == OUTPAINT_STATUS_OK);
  CHECK(h.now - before >= 2000);
  CHECK(strstr(out, "PROVIDER_ERROR: 500 upstream: key [REDACTED] bad") != NULL);
  CHECK(strstr(out, "sk-proj") == NULL);
  h.provider_mode = 2;
  CHECK(run(&h, op, out, sizeof out) == OUTPAINT_STATUS_OK);
  CHECK(strstr(out, "unusable image") != NULL);

  /* A provider callback that never answers: STORAGE_ERROR, no crash, no leak. */
  h.provider_mode = 3;
  CHECK(run(&h, op, NULL, 0) == OUTPAINT_STATUS_STORAGE_ERROR);
  CHECK(strstr(outpaint_last_error_message(), "without answering") != NULL);
  h.provider_mode = 0;

  /* Storage failure surfaces as STORAGE_ERROR with the host's message. */
  h.fail_storage = 1;
  CHECK(run(&h, op, NULL, 0) == OUTPAINT_STATUS_STORAGE_ERROR);
  CHECK(strstr(outpaint_last_error_message(), "disk on fire") != NULL);
  h.fail_storage = 0;

  /* Bad requests keep their codes. */
  CHECK(run(&h, "{\"op\":\"status\",\"sessionId\":\"nope\"}", NULL, 0) == OUTPAINT_STATUS_INVALID_SESSION_ID);
  CHECK(run(&h, "{\"op\":\"generate\",\"prompt\":\"  \"}", NULL, 0) == OUTPAINT_STATUS_PROMPT_REQUIRED);
  CHECK(run(&h, "{\"op\":\"teleport\"}", NULL, 0) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(run(&h, "not json", NULL, 0) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(run(&h, "{\"op\":\"generate\"}", NULL, 0) == OUTPAINT_STATUS_PROMPT_REQUIRED);
  CHECK(run(&h, "{\"op\":\"generate\",\"prompt\":\"p\",\"models\":[\"flux\",\"dalle\"]}", NULL, 0) ==
        OUTPAINT_STATUS_MODEL_NOT_FOUND);
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"dalle\",\"prompt\":\"p\"}", id);
  CHECK(run(&h, op, NULL, 0) == OUTPAINT_STATUS_MODEL_NOT_FOUND);
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"gemini\",\"prompt\":\"p\"}", id);
  CHECK(run(&h, op, NULL, 0) == OUTPAINT_STATUS_MODEL_DISABLED);
  outpaint_host nohost = {&h, NULL, NULL, NULL};
  outpaint_bytes json = {NULL, 0};
  CHECK(outpaint_engine_run(outpaint_str_c("{\"op\":\"gallery\"}"), (outpaint_str){NULL, 0}, NULL, 0, &nohost, 1,
                            &json) == OUTPAINT_STATUS_STORAGE_ERROR);
  CHECK(outpaint_engine_run(outpaint_str_c("{\"op\":\"gallery\"}"), (outpaint_str){NULL, 0}, NULL, 0, NULL, 1,
                            &json) == OUTPAINT_STATUS_NULL_PARAMETER);

  /* Poll/submit by hand: answering twice, or before polling, is CONFLICT. */
  outpaint_engine *eng = NULL;
  CHECK(outpaint_engine_new(outpaint_str_c("{\"op\":\"gallery\"}"), (outpaint_str){NULL, 0}, NULL, 0, 0, 1, &eng) ==
        OUTPAINT_STATUS_OK);
  CHECK(outpaint_engine_submit_slept(eng) == OUTPAINT_STATUS_CONFLICT);
  CHECK(outpaint_engine_submit_local(eng) == OUTPAINT_STATUS_CONFLICT);
  outpaint_effect e;
  CHECK(outpaint_engine_poll(eng, 0, &e) == OUTPAINT_STATUS_OK && e.kind == OUTPAINT_EFFECT_LIST);
  CHECK(e.key.len == 9 && memcmp(e.key.ptr, "sessions/", 9) == 0);
  CHECK(outpaint_engine_poll(eng, 0, &e) == OUTPAINT_STATUS_OK && e.kind == OUTPAINT_EFFECT_LIST);
  CHECK(outpaint_engine_submit_local(eng) == OUTPAINT_STATUS_CONFLICT); /* a LIST waits */
  CHECK(outpaint_engine_submit_list(eng, NULL, 0) == OUTPAINT_STATUS_OK);
  CHECK(outpaint_engine_submit_list(eng, NULL, 0) == OUTPAINT_STATUS_CONFLICT);
  CHECK(outpaint_engine_poll(eng, 0, &e) == OUTPAINT_STATUS_OK && e.kind == OUTPAINT_EFFECT_DONE);
  CHECK(e.status == OUTPAINT_STATUS_OK && e.text.len > 0 && memcmp(e.text.ptr, "{", 1) == 0);
  CHECK(outpaint_engine_poll(eng, 0, &e) == OUTPAINT_STATUS_OK && e.kind == OUTPAINT_EFFECT_DONE);
  CHECK(outpaint_engine_poll(eng, 0, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  outpaint_engine_free(eng);
  outpaint_engine_free(NULL);
  CHECK(outpaint_engine_poll(NULL, 0, &e) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_new(outpaint_str_c("{\"op\":\"gallery\"}"), (outpaint_str){NULL, 0}, NULL, 0, 0, 1, NULL) ==
        OUTPAINT_STATUS_NULL_PARAMETER);

  free_host(&h);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
