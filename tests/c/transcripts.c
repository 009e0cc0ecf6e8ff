/* The engine transcripts (every JSON file of tests/vectors/engine) replayed through the C library:
 * the same steps and the same expected effects, deadlines, misuse statuses and outcomes
 * as core/tests/transcripts.rs (see there for the format). Usage: transcripts FILE...
 * Prints "N passed, M failed". */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outpaint.h"

#include "check.h"
#include "json.h"
#include "memory_store.h"

/* A growing string. */
typedef struct {
  char *s;
  size_t n, cap;
} buf;

static void put_n(buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->s = realloc(b->s, b->cap);
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
}

static void put_s(buf *b, const char *s) { put_n(b, s, strlen(s)); }

static void put_str(buf *b, outpaint_str s) { put_n(b, s.ptr ? s.ptr : "", s.len); }

static void put_u(buf *b, unsigned long long v) {
  char t[32];
  snprintf(t, sizeof t, "%llu", v);
  put_s(b, t);
}

/* JSON text as is, anything else by its size. */
static void put_body(buf *b, const uint8_t *p, size_t n) {
  if (n > 0 && p[0] == '{') {
    put_n(b, (const char *)p, n);
  } else {
    put_s(b, "<");
    put_u(b, n);
    put_s(b, " bytes>");
  }
}

static const char *model_name(outpaint_model m) {
  static const char *const names[] = {"flux", "recraft", "gemini", "openai"};
  return m < 4 ? names[m] : "?";
}

static void digest(buf *b, const outpaint_effect *e) {
  b->n = 0;
  put_s(b, "#");
  put_u(b, e->id);
  switch (e->kind) {
    case OUTPAINT_EFFECT_GET:
      put_s(b, " get ");
      put_str(b, e->data.get.key);
      break;
    case OUTPAINT_EFFECT_LIST:
      put_s(b, " list ");
      put_str(b, e->data.list.prefix);
      break;
    case OUTPAINT_EFFECT_PUT: {
      const outpaint_effect_put *p = &e->data.put;
      put_s(b, " put ");
      put_str(b, p->key);
      if (p->expect == OUTPAINT_EXPECT_ANY) put_s(b, " any ");
      else if (p->expect == OUTPAINT_EXPECT_ABSENT) put_s(b, " absent ");
      else {
        put_s(b, " tag:");
        put_str(b, p->expect_tag);
        put_s(b, " ");
      }
      put_body(b, p->body, p->body_len);
      break;
    }
    case OUTPAINT_EFFECT_CALL: {
      const outpaint_effect_call *c = &e->data.call;
      static const char *const kinds[] = {"generate", "iterate", "outpaint"};
      put_s(b, " call ");
      put_s(b, model_name(c->model));
      put_s(b, " ");
      put_s(b, c->job < 3 ? kinds[c->job] : "?");
      put_s(b, " ");
      put_str(b, c->prompt);
      if (c->job == OUTPAINT_JOB_OUTPAINT) {
        put_s(b, " canvas ");
        put_body(b, c->canvas_png, c->canvas_png_len);
        put_s(b, " mask ");
        put_body(b, c->mask_png, c->mask_png_len);
        put_s(b, " plan ");
        put_str(b, c->plan_json);
      }
      break;
    }
    case OUTPAINT_EFFECT_HTTP: {
      const outpaint_effect_http *r = &e->data.http;
      put_s(b, " http ");
      put_s(b, model_name(r->model));
      put_s(b, r->method == OUTPAINT_METHOD_POST ? " POST " : " GET ");
      put_str(b, r->url);
      put_s(b, " ");
      put_body(b, r->body, r->body_len);
      break;
    }
    default:
      put_s(b, " ?");
  }
}

static const char *status_of(outpaint_status s) { return outpaint_status_name(s); }

/* Replaces every "{session}" in `text` with `id`. */
static char *with_session(const char *text, const char *id) {
  buf b = {0};
  const char *p = text, *q;
  while ((q = strstr(p, "{session}"))) {
    put_n(&b, p, (size_t)(q - p));
    put_s(&b, id);
    p = q + 9;
  }
  put_s(&b, p);
  return b.s;
}

static uint64_t num(const jval *o, const char *key) {
  const jval *v = j_get(o, key);
  return v && v->type == J_NUM ? (uint64_t)v->num : 0;
}

/* json.h's 32-bit reader, unused here (times are 64-bit). */
static unsigned (*const unused_u32)(const jval *, const char *) = j_u32;

/* The calls in flight, oldest first (for "local": "all"). */
typedef struct {
  uint64_t ids[64];
  size_t n;
} calls;

static void forget(calls *c, uint64_t id) {
  for (size_t i = 0; i < c->n; i++)
    if (c->ids[i] == id) {
      memmove(&c->ids[i], &c->ids[i + 1], (c->n - i - 1) * sizeof *c->ids);
      c->n--;
      return;
    }
}

static void replay_run(const jval *run, host_state *store, char session[37], const char *name, int r) {
  char *op = with_session(j_str(run, "operation"), session);
  const char *config = j_str(run, "config");
  outpaint_engine *eng = NULL;
  CHECK(outpaint_engine_new(outpaint_str_c(op), config ? outpaint_str_c(config) : (outpaint_str){NULL, 0}, NULL, 0,
                            num(run, "now"), num(run, "seed"), &eng) == OUTPAINT_STATUS_OK);
  free(op);
  if (!eng) return;
  calls in_flight = {{0}, 0};
  buf d = {0};
  const jval *steps = j_get(run, "steps");
  for (size_t n = 0; steps && n < steps->n; n++) {
    const jval *st = &steps->items[n];
    const jval *v;
    if ((v = j_get(st, "drain"))) {
      const jval *want = j_get(st, "effects");
      size_t k = 0;
      outpaint_effect e;
      for (;;) {
        CHECK(outpaint_engine_poll_effect(eng, (uint64_t)v->num, &e) == OUTPAINT_STATUS_OK);
        if (e.kind == OUTPAINT_EFFECT_NONE) break;
        digest(&d, &e);
        bool same = want && k < want->n && want->items[k].type == J_STR && strcmp(want->items[k].str, d.s) == 0;
        CHECK(same);
        if (!same)
          fprintf(stderr, "%s run %d step %zu effect %zu:\n  got  %.300s\n  want %.300s\n", name, r, n, k, d.s,
                  want && k < want->n && want->items[k].str ? want->items[k].str : "(none)");
        k++;
        if (e.kind == OUTPAINT_EFFECT_CALL) {
          if (in_flight.n < 64) in_flight.ids[in_flight.n++] = e.id;
        } else if (e.kind != OUTPAINT_EFFECT_HTTP) {
          storage(store, eng, &e);
        }
      }
      CHECK(want && k == want->n);
    } else if ((v = j_get(st, "local"))) {
      if (v->type == J_STR) {
        calls all = in_flight;
        for (size_t i = 0; i < all.n; i++) {
          CHECK(outpaint_engine_handle_local(eng, all.ids[i]) == OUTPAINT_STATUS_OK);
          forget(&in_flight, all.ids[i]);
        }
      } else {
        for (size_t i = 0; i < v->n; i++) {
          uint64_t id = (uint64_t)v->items[i].num;
          CHECK(outpaint_engine_handle_local(eng, id) == OUTPAINT_STATUS_OK);
          forget(&in_flight, id);
        }
      }
    } else if ((v = j_get(st, "fail"))) {
      const char *kind = j_str(st, "kind");
      uint32_t k = strcmp(kind, "rejected") == 0 ? OUTPAINT_FAILURE_REJECTED
                   : strcmp(kind, "transient") == 0 ? OUTPAINT_FAILURE_TRANSIENT
                                                    : OUTPAINT_FAILURE_TIMEOUT;
      CHECK(outpaint_engine_handle_failure(eng, (uint64_t)v->num, k, outpaint_str_c(j_str(st, "message")),
                                           num(st, "retryAfterMs")) == OUTPAINT_STATUS_OK);
      forget(&in_flight, (uint64_t)v->num);
    } else if ((v = j_get(st, "respond"))) {
      outpaint_header hs[8];
      size_t nh = 0;
      const jval *headers = j_get(st, "headers");
      for (size_t i = 0; headers && i < headers->n && nh < 8; i++, nh++) {
        hs[nh].name = outpaint_str_c(headers->items[i].items[0].str);
        hs[nh].value = outpaint_str_c(headers->items[i].items[1].str);
      }
      const char *body = j_str(st, "body");
      CHECK(outpaint_engine_handle_response(eng, (uint64_t)v->num, (uint16_t)num(st, "status"), hs, nh,
                                            (const uint8_t *)body, strlen(body)) == OUTPAINT_STATUS_OK);
    } else if ((v = j_get(st, "transport"))) {
      const jval *t = j_get(st, "timeout");
      CHECK(outpaint_engine_handle_transport_error(eng, (uint64_t)v->num, t && t->num != 0,
                                                   outpaint_str_c(j_str(st, "message"))) == OUTPAINT_STATUS_OK);
    } else if ((v = j_get(st, "timeout"))) {
      bool has = false;
      uint64_t at = 0;
      CHECK(outpaint_engine_poll_timeout(eng, &has, &at) == OUTPAINT_STATUS_OK);
      const jval *want = j_get(st, "deadline");
      if (want && want->type == J_NUM) CHECK(has && at == (uint64_t)want->num);
      else CHECK(!has);
      CHECK(outpaint_engine_handle_timeout(eng, (uint64_t)v->num) == OUTPAINT_STATUS_OK);
    } else if ((v = j_get(st, "interfere"))) {
      store->interfere = v->str;
    } else if ((v = j_get(st, "failStorage"))) {
      int slot = strcmp(v->str, "get") == 0 ? 0 : strcmp(v->str, "put") == 0 ? 1 : 2;
      store->fail_next[slot] = j_str(st, "message");
    } else if ((v = j_get(st, "misuse"))) {
      uint64_t id = num(st, "id");
      outpaint_status s;
      if (strcmp(v->str, "get") == 0) s = outpaint_engine_handle_get(eng, id, false, NULL, 0, (outpaint_str){NULL, 0});
      else if (strcmp(v->str, "put") == 0) s = outpaint_engine_handle_put(eng, id, false, (outpaint_str){NULL, 0});
      else if (strcmp(v->str, "list") == 0) s = outpaint_engine_handle_list(eng, id, NULL, 0);
      else if (strcmp(v->str, "call") == 0)
        s = outpaint_engine_handle_failure(eng, id, OUTPAINT_FAILURE_REJECTED, outpaint_str_c("misuse"), 0);
      else s = outpaint_engine_handle_response(eng, id, 200, NULL, 0, NULL, 0);
      bool same = strcmp(status_of(s), j_str(st, "status")) == 0;
      CHECK(same);
      if (!same) fprintf(stderr, "%s run %d step %zu: misuse gave %s\n", name, r, n, status_of(s));
    } else {
      fprintf(stderr, "%s run %d step %zu: unknown step\n", name, r, n);
      CHECK(false);
    }
  }
  outpaint_outcome o;
  CHECK(outpaint_engine_poll_outcome(eng, &o) == OUTPAINT_STATUS_OK && o.done);
  const char *want = o.status == OUTPAINT_STATUS_OK ? j_str(run, "outcome") : j_str(run, "error");
  bool same = want && o.text.len == strlen(want) && memcmp(o.text.ptr, want, o.text.len) == 0;
  CHECK(same);
  if (!same) fprintf(stderr, "%s run %d: outcome\n  got  %.*s\n  want %s\n", name, r, (int)o.text.len, o.text.ptr, want);
  /* The view has no NUL: search a terminated copy. */
  buf copy = {0};
  put_str(&copy, o.text);
  const char *sid = copy.s ? strstr(copy.s, "\"sessionId\":\"") : NULL;
  if (o.status == OUTPAINT_STATUS_OK && sid && (size_t)(sid - copy.s) + 49 <= copy.n) {
    memcpy(session, sid + 13, 36);
    session[36] = 0;
  }
  free(copy.s);
  free(d.s);
  outpaint_engine_free(eng);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t got = fread(s, 1, (size_t)n, f);
  s[got] = 0;
  fclose(f);
  return s;
}

int main(int argc, char **argv) {
  for (int a = 1; a < argc; a++) {
    char *text = slurp(argv[a]);
    CHECK(text != NULL);
    if (!text) continue;
    jval t;
    CHECK(j_parse(text, &t) != NULL);
    host_state store;
    memset(&store, 0, sizeof store);
    char session[37] = {0};
    const jval *runs = j_get(&t, "runs");
    for (size_t r = 0; runs && r < runs->n; r++) replay_run(&runs->items[r], &store, session, argv[a], (int)r);
    j_free(&t);
    free(text);
    free_host(&store);
  }
  (void)unused_u32;
  (void)now_ms; /* the transcripts give the time themselves */
  (void)wait_until;
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
