/* An in-memory store for the C engine tests: integer tags, CAS PUTs, prefix LISTs,
 * SLEEP advancing a fake clock. Header-only (static functions); include it once. */
#ifndef OUTPAINT_TEST_MEMORY_STORE_H
#define OUTPAINT_TEST_MEMORY_STORE_H
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outpaint.h"

#define MAX_KEYS 256
typedef struct {
  char *key[MAX_KEYS];
  unsigned char *val[MAX_KEYS];
  size_t len[MAX_KEYS];
  unsigned tag[MAX_KEYS];
  size_t n;
  unsigned next_tag;
  int fail_storage; /* answer every storage effect with an error */
  int provider_mode; /* 0 ok, 1 fail, 2 corrupt image, 3 never answer */
  int calls;
  uint64_t now;
} host_state;

static char *dup_str(outpaint_str s) {
  char *d = malloc(s.len + 1);
  memcpy(d, s.ptr, s.len);
  d[s.len] = 0;
  return d;
}

static long find(host_state *h, outpaint_str key) {
  for (size_t i = 0; i < h->n; i++)
    if (strlen(h->key[i]) == key.len && memcmp(h->key[i], key.ptr, key.len) == 0) return (long)i;
  return -1;
}

static void storage(void *user_data, outpaint_engine *engine, const outpaint_effect *e) {
  host_state *h = user_data;
  if (h->fail_storage) {
    outpaint_engine_submit_storage_error(engine, outpaint_str_c("disk on fire"));
    return;
  }
  char tagbuf[32];
  long i = find(h, e->key);
  switch (e->kind) {
    case OUTPAINT_EFFECT_GET:
      if (i < 0) {
        outpaint_engine_submit_get(engine, false, NULL, 0, (outpaint_str){NULL, 0});
      } else {
        snprintf(tagbuf, sizeof tagbuf, "%u", h->tag[i]);
        outpaint_engine_submit_get(engine, true, h->val[i], h->len[i], outpaint_str_c(tagbuf));
      }
      return;
    case OUTPAINT_EFFECT_PUT: {
      bool ok = e->expect == OUTPAINT_EXPECT_ANY ||
                (e->expect == OUTPAINT_EXPECT_ABSENT && i < 0);
      if (e->expect == OUTPAINT_EXPECT_TAG && i >= 0) {
        snprintf(tagbuf, sizeof tagbuf, "%u", h->tag[i]);
        ok = strlen(tagbuf) == e->expect_tag.len && memcmp(tagbuf, e->expect_tag.ptr, e->expect_tag.len) == 0;
      }
      if (!ok) {
        outpaint_engine_submit_put(engine, false, (outpaint_str){NULL, 0});
        return;
      }
      if (i < 0) {
        i = (long)h->n++;
        h->key[i] = dup_str(e->key);
        h->val[i] = NULL;
      }
      free(h->val[i]);
      h->val[i] = malloc(e->body_len ? e->body_len : 1);
      memcpy(h->val[i], e->body, e->body_len);
      h->len[i] = e->body_len;
      h->tag[i] = ++h->next_tag;
      snprintf(tagbuf, sizeof tagbuf, "%u", h->tag[i]);
      outpaint_engine_submit_put(engine, true, outpaint_str_c(tagbuf));
      return;
    }
    case OUTPAINT_EFFECT_LIST: {
      outpaint_str keys[MAX_KEYS];
      size_t n = 0;
      for (size_t k = 0; k < h->n; k++)
        if (strncmp(h->key[k], e->key.ptr, e->key.len) == 0) keys[n++] = outpaint_str_c(h->key[k]);
      outpaint_engine_submit_list(engine, keys, n);
      return;
    }
    case OUTPAINT_EFFECT_SLEEP:
      h->now += e->sleep_ms;
      outpaint_engine_submit_slept(engine);
      return;
    default:
      outpaint_engine_submit_storage_error(engine, outpaint_str_c("unexpected effect"));
  }
}

static void free_host(host_state *h) {
  for (size_t i = 0; i < h->n; i++) {
    free(h->key[i]);
    free(h->val[i]);
  }
}

#endif
