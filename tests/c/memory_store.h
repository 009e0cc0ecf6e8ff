/* An in-memory store for the C engine tests: integer tags, CAS PUTs, prefix LISTs, and
 * a fake clock that waits advance. Header-only (static functions); include it once. */
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
  const char *fail_next[3]; /* GET, PUT, LIST: fail the next one with this message */
  const char *interfere; /* right after the next GET of a key ending with this, write it again */
  int provider_mode; /* 0 ok, 1 fail, 2 corrupt image, 3 never answer */
  int calls;
  uint64_t now;
  uint64_t waited; /* ms the engine waited, in total */
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

/* The outpaint_host storage callback: answers GET, PUT and LIST at once. */
static void storage(void *user_data, const outpaint_engine *engine, const outpaint_effect *e) {
  host_state *h = user_data;
  uint64_t id = e->id;
  if (h->fail_storage) {
    outpaint_engine_handle_storage_error(engine, id, outpaint_str_c("disk on fire"));
    return;
  }
  int slot = e->kind == OUTPAINT_EFFECT_GET ? 0 : e->kind == OUTPAINT_EFFECT_PUT ? 1 : 2;
  if (e->kind <= OUTPAINT_EFFECT_LIST && h->fail_next[slot]) {
    outpaint_engine_handle_storage_error(engine, id, outpaint_str_c(h->fail_next[slot]));
    h->fail_next[slot] = NULL;
    return;
  }
  char tagbuf[32];
  switch (e->kind) {
    case OUTPAINT_EFFECT_GET: {
      long i = find(h, e->data.get.key);
      if (i < 0) {
        outpaint_engine_handle_get(engine, id, false, NULL, 0, (outpaint_str){NULL, 0});
      } else {
        snprintf(tagbuf, sizeof tagbuf, "%u", h->tag[i]);
        outpaint_engine_handle_get(engine, id, true, h->val[i], h->len[i], outpaint_str_c(tagbuf));
        size_t k = h->interfere ? strlen(h->interfere) : 0;
        size_t n = strlen(h->key[i]);
        if (h->interfere && n >= k && strcmp(h->key[i] + n - k, h->interfere) == 0) {
          h->interfere = NULL;
          h->tag[i] = ++h->next_tag; /* another writer got in */
        }
      }
      return;
    }
    case OUTPAINT_EFFECT_PUT: {
      const outpaint_effect_put *p = &e->data.put;
      long i = find(h, p->key);
      bool ok = p->expect == OUTPAINT_EXPECT_ANY || (p->expect == OUTPAINT_EXPECT_ABSENT && i < 0);
      if (p->expect == OUTPAINT_EXPECT_TAG && i >= 0) {
        snprintf(tagbuf, sizeof tagbuf, "%u", h->tag[i]);
        ok = strlen(tagbuf) == p->expect_tag.len && memcmp(tagbuf, p->expect_tag.ptr, p->expect_tag.len) == 0;
      }
      if (!ok) {
        outpaint_engine_handle_put(engine, id, false, (outpaint_str){NULL, 0});
        return;
      }
      if (i < 0) {
        i = (long)h->n++;
        h->key[i] = dup_str(p->key);
        h->val[i] = NULL;
      }
      free(h->val[i]);
      h->val[i] = malloc(p->body_len ? p->body_len : 1);
      memcpy(h->val[i], p->body, p->body_len);
      h->len[i] = p->body_len;
      h->tag[i] = ++h->next_tag;
      snprintf(tagbuf, sizeof tagbuf, "%u", h->tag[i]);
      outpaint_engine_handle_put(engine, id, true, outpaint_str_c(tagbuf));
      return;
    }
    case OUTPAINT_EFFECT_LIST: {
      outpaint_str keys[MAX_KEYS];
      outpaint_str prefix = e->data.list.prefix;
      size_t n = 0;
      for (size_t k = 0; k < h->n; k++)
        if (strncmp(h->key[k], prefix.ptr, prefix.len) == 0) keys[n++] = outpaint_str_c(h->key[k]);
      outpaint_engine_handle_list(engine, id, keys, n);
      return;
    }
    default:
      outpaint_engine_handle_storage_error(engine, id, outpaint_str_c("unexpected effect"));
  }
}

/* The clock callbacks: now, and a wait that advances it. */
static uint64_t now_ms(void *user_data) {
  host_state *h = user_data;
  return h->now;
}

static void wait_until(void *user_data, uint64_t deadline_ms) {
  host_state *h = user_data;
  if (deadline_ms > h->now) {
    h->waited += deadline_ms - h->now;
    h->now = deadline_ms;
  }
}

static void free_host(host_state *h) {
  for (size_t i = 0; i < h->n; i++) {
    free(h->key[i]);
    free(h->val[i]);
  }
}

#endif
