/* The session engine over C.
 * 1. outpaint_engine_run with host callbacks: an in-memory store written in C and a
 *    scriptable provider (ok, failing, corrupt image); storage failures; bad requests.
 * 2. The engine running the provider adapters itself: HTTP effects answered from a
 *    scripted fake of Black Forest Labs and Recraft (every request's method, URL, key
 *    header and body checked; the whole sequence compared), 429 + retry-after, transport
 *    timeouts, a 401 echoing the key.
 * 3. By hand: a four-model generate with every call in flight at once, answered in
 *    reverse order; deadlines; every misuse with its C-only status.
 * Prints "N passed, M failed". */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outpaint.h"

#include "check.h"
#include "memory_store.h"

static const outpaint_str NONE = {NULL, 0};
#define FLUX_KEY "bfl-test-key-0123456789"
#define RECRAFT_KEY "rc-test-key-0123456789"

static bool eq(outpaint_str s, const char *c) { return s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0; }

static bool starts(outpaint_str s, const char *c) { return s.len >= strlen(c) && memcmp(s.ptr, c, strlen(c)) == 0; }

static bool contains(const unsigned char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; k <= n && i <= n - k; i++)
    if (memcmp(hay + i, needle, k) == 0) return true;
  return false;
}

static void small_png(outpaint_bytes *png, int seed) {
  uint8_t px[32 * 32 * 4];
  for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * (size_t)seed);
  outpaint_image_view v = {32, 32, px, sizeof px};
  CHECK(outpaint_encode_png(v, png) == OUTPAINT_STATUS_OK);
}

/* ---------- 1. callbacks ---------- */

static void provider(void *user_data, const outpaint_engine *engine, const outpaint_effect *e) {
  host_state *h = user_data;
  const outpaint_effect_call *c = &e->data.call;
  h->calls++;
  if (h->provider_mode == 1) {
    outpaint_engine_handle_failure(engine, e->id, OUTPAINT_FAILURE_TRANSIENT,
                                   outpaint_str_c("500 upstream: key sk-proj-ABCdef0123456789xyz bad"), 0);
    return;
  }
  if (h->provider_mode == 2) {
    static const unsigned char junk[] = "\x89PNG\r\n\x1a\nnope";
    outpaint_engine_handle_image(engine, e->id, junk, sizeof junk - 1);
    return;
  }
  if (c->job == OUTPAINT_JOB_GENERATE) {
    outpaint_bytes png = {NULL, 0};
    small_png(&png, 7);
    outpaint_engine_handle_image(engine, e->id, png.data, png.len);
    outpaint_bytes_free(&png);
  } else if (c->job == OUTPAINT_JOB_OUTPAINT) {
    /* the plan and direction come with the canvas; hand the canvas back as "generated" */
    CHECK(c->canvas_png && c->mask_png && c->plan_json.len > 0 && c->direction.len > 0);
    CHECK(starts(c->plan_json, "{\"profile\":"));
    outpaint_engine_handle_image(engine, e->id, c->canvas_png, c->canvas_png_len);
  } else {
    outpaint_engine_handle_image(engine, e->id, c->source, c->source_len);
  }
}

static char out[1 << 16];

static outpaint_status run_with(host_state *h, const char *op, const char *config, outpaint_host host) {
  outpaint_bytes json = {NULL, 0};
  outpaint_status s = outpaint_engine_run(outpaint_str_c(op), config ? outpaint_str_c(config) : NONE, NULL, 0, &host,
                                          h->now, &json);
  size_t n = json.len < sizeof out - 1 ? json.len : sizeof out - 1;
  if (json.data) memcpy(out, json.data, n);
  out[n] = 0;
  outpaint_bytes_free(&json);
  return s;
}

static outpaint_status run(host_state *h, const char *op) {
  outpaint_host host = {h, now_ms, storage, provider, NULL, wait_until, NULL};
  return run_with(h, op, NULL, host);
}

static void session_id(const char *json, char id[37]) {
  const char *p = strstr(json, "\"sessionId\":\"");
  id[0] = 0;
  if (p) {
    memcpy(id, p + 13, 36);
    id[36] = 0;
  }
}

static void test_callbacks(host_state *h) {
  CHECK(run(h, "{\"op\":\"generate\",\"prompt\":\"a lake\",\"models\":[\"flux\",\"openai\"]}") == OUTPAINT_STATUS_OK);
  char id[37];
  session_id(out, id);
  CHECK(strlen(id) == 36);
  CHECK(strstr(out, "\"status\":\"completed\"") != NULL);
  CHECK(h->calls == 2);

  char op[512];
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"flux\",\"prompt\":\"warmer\"}", id);
  CHECK(run(h, op) == OUTPAINT_STATUS_OK);
  CHECK(strstr(out, "\"iterationIndex\":1") != NULL);
  snprintf(op, sizeof op,
           "{\"op\":\"outpaint\",\"sessionId\":\"%s\",\"model\":\"openai\",\"preset\":\"16:9\",\"iterationIndex\":0}", id);
  CHECK(run(h, op) == OUTPAINT_STATUS_OK);
  CHECK(strstr(out, "\"outpaintPreset\":\"16:9\"") != NULL);
  /* The composited result is stored at full resolution: 32x32 -> 16:9 = 57x32. */
  char key[128];
  snprintf(key, sizeof key, "sessions/%s/images/openai-1.png", id);
  long ki = find(h, outpaint_str_c(key));
  CHECK(ki >= 0);
  if (ki >= 0) {
    outpaint_image img = {0, 0, NULL, 0};
    CHECK(outpaint_decode(h->val[ki], h->len[ki], &img) == OUTPAINT_STATUS_OK);
    CHECK(img.width == 57 && img.height == 32);
    outpaint_image_free(&img);
  }
  snprintf(op, sizeof op, "{\"op\":\"status\",\"sessionId\":\"%s\"}", id);
  CHECK(run(h, op) == OUTPAINT_STATUS_OK && strstr(out, "\"version\":6") != NULL);
  CHECK(run(h, "{\"op\":\"gallery\"}") == OUTPAINT_STATUS_OK && strstr(out, "\"totalIterations\":4") != NULL);

  /* Provider fails twice (retried once after a 2 s wait on the host's clock): the
   * iteration is in error, the message redacted; the operation itself succeeds. */
  h->provider_mode = 1;
  uint64_t waited = h->waited;
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"flux\",\"prompt\":\"again\"}", id);
  CHECK(run(h, op) == OUTPAINT_STATUS_OK);
  CHECK(h->waited - waited == 2000);
  CHECK(strstr(out, "PROVIDER_ERROR: 500 upstream: key [REDACTED] bad") != NULL);
  CHECK(strstr(out, "sk-proj") == NULL);
  h->provider_mode = 2;
  CHECK(run(h, op) == OUTPAINT_STATUS_OK);
  CHECK(strstr(out, "unusable image") != NULL);
  h->provider_mode = 0;

  /* Storage failure surfaces as STORAGE_ERROR with the host's message. */
  h->fail_storage = 1;
  CHECK(run(h, op) == OUTPAINT_STATUS_STORAGE_ERROR);
  CHECK(strstr(outpaint_last_error_message(), "disk on fire") != NULL);
  h->fail_storage = 0;

  /* Bad requests keep their codes. */
  CHECK(run(h, "{\"op\":\"status\",\"sessionId\":\"nope\"}") == OUTPAINT_STATUS_INVALID_SESSION_ID);
  CHECK(run(h, "{\"op\":\"generate\",\"prompt\":\"  \"}") == OUTPAINT_STATUS_PROMPT_REQUIRED);
  CHECK(run(h, "{\"op\":\"teleport\"}") == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(run(h, "not json") == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(run(h, "{\"op\":\"generate\"}") == OUTPAINT_STATUS_PROMPT_REQUIRED);
  CHECK(run(h, "{\"op\":\"generate\",\"prompt\":\"p\",\"models\":[\"flux\",\"dalle\"]}") ==
        OUTPAINT_STATUS_MODEL_NOT_FOUND);
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"dalle\",\"prompt\":\"p\"}", id);
  CHECK(run(h, op) == OUTPAINT_STATUS_MODEL_NOT_FOUND);
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"gemini\",\"prompt\":\"p\"}", id);
  CHECK(run(h, op) == OUTPAINT_STATUS_MODEL_DISABLED);
  /* An unusable provider config is refused before anything runs (the same rule as every
   * door: a zero timeout would time every request out at once). */
  outpaint_host host = {h, now_ms, storage, provider, NULL, wait_until, NULL};
  CHECK(run_with(h, "{\"op\":\"gallery\"}", "{\"providers\":{\"flux\":{\"apiKey\":\"k\",\"timeoutMs\":0}}}", host) ==
        OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(strstr(outpaint_last_error_message(), "providers.flux: timeoutMs is 0") != NULL);
  CHECK(run_with(h, "{\"op\":\"gallery\"}", "{\"providers\":{\"flux\":{}}}", host) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(run_with(h, "{\"op\":\"gallery\"}", "{\"retryBackoffMs\":\"soon\"}", host) == OUTPAINT_STATUS_INVALID_OPTION);
  /* No storage callback: its effects fail. */
  outpaint_host nohost = {h, now_ms, NULL, NULL, NULL, NULL, NULL};
  CHECK(run_with(h, "{\"op\":\"gallery\"}", NULL, nohost) == OUTPAINT_STATUS_STORAGE_ERROR);
  outpaint_bytes json = {NULL, 0};
  CHECK(outpaint_engine_run(outpaint_str_c("{\"op\":\"gallery\"}"), NONE, NULL, 0, NULL, 1, &json) ==
        OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_run(outpaint_str_c("{\"op\":\"gallery\"}"), NONE, NULL, 0, &host, 1, NULL) ==
        OUTPAINT_STATUS_NULL_PARAMETER);
}

/* ---------- 2. the engine's own HTTP exchanges ---------- */

typedef enum { FAULT_NONE, FAULT_429_ONCE, FAULT_TIMEOUT, FAULT_401 } fault;

typedef struct {
  host_state *store;
  fault fault;
  int polls; /* polls of the current task */
  int posts;
  char log[4096]; /* "POST /v1/flux-2-pro\nWAIT 500\n..." */
  int bad; /* requests that broke the provider's contract */
  outpaint_bytes png; /* what a download answers: a 32x32 PNG */
} server;

static const outpaint_header *header(const outpaint_effect_http *r, const char *name) {
  for (size_t i = 0; i < r->header_count; i++)
    if (eq(r->headers[i].name, name)) return &r->headers[i];
  return NULL;
}

static bool header_is(const outpaint_effect_http *r, const char *name, const char *value) {
  const outpaint_header *h = header(r, name);
  return h && eq(h->value, value);
}

static void note(server *srv, const char *line) {
  strncat(srv->log, line, sizeof srv->log - strlen(srv->log) - 1);
  strncat(srv->log, "\n", sizeof srv->log - strlen(srv->log) - 1);
}

static void reply_json(const outpaint_engine *engine, uint64_t id, int status, const char *json) {
  outpaint_header h[] = {{outpaint_str_c("content-type"), outpaint_str_c("application/json")}};
  CHECK(outpaint_engine_handle_response(engine, id, (uint16_t)status, h, 1, (const uint8_t *)json, strlen(json)) ==
        OUTPAINT_STATUS_OK);
}

/* The HTTP callback: answers one request as the provider would. */
static void serve(void *user_data, const outpaint_engine *engine, const outpaint_effect *e) {
  server *srv = user_data;
  const outpaint_effect_http *r = &e->data.http;
  uint64_t id = e->id;
  bool post = r->method == OUTPAINT_METHOD_POST;
  char line[512];
  snprintf(line, sizeof line, "%s %.*s", post ? "POST" : "GET", (int)(r->url.len - strlen("http://mock")),
           r->url.ptr + strlen("http://mock"));
  note(srv, line);
  if (post) srv->posts++;
  if (!starts(r->url, "http://mock/") || r->timeout_ms != 30000 || r->max_response_bytes != (64u << 20)) srv->bad++;
  /* Keyed requests (submits, BFL polls) must not follow redirects; downloads may. */
  bool keyed = false;
  for (size_t i = 0; i < r->header_count; i++) {
    outpaint_str n = r->headers[i].name;
    keyed |= (n.len == 5 && memcmp(n.ptr, "x-key", 5) == 0) || (n.len == 13 && memcmp(n.ptr, "authorization", 13) == 0);
  }
  if (r->follow_redirects == keyed) srv->bad++;

  if (srv->fault == FAULT_TIMEOUT) {
    CHECK(outpaint_engine_handle_transport_error(engine, id, true, outpaint_str_c("timed out after 30000 ms")) ==
          OUTPAINT_STATUS_OK);
    return;
  }
  if (srv->fault == FAULT_401) {
    reply_json(engine, id, 401, "{\"detail\":\"invalid key " FLUX_KEY "\"}");
    return;
  }
  if (srv->fault == FAULT_429_ONCE) {
    srv->fault = FAULT_NONE;
    outpaint_header h[] = {{outpaint_str_c("retry-after"), outpaint_str_c("3")}};
    CHECK(outpaint_engine_handle_response(engine, id, 429, h, 1, (const uint8_t *)"{}", 2) == OUTPAINT_STATUS_OK);
    return;
  }
  if (post && starts(r->url, "http://mock/v1/flux-")) {
    /* Black Forest Labs submit: x-key, JSON with the prompt (and image + mask for fill) */
    if (!header_is(r, "x-key", FLUX_KEY) || !header_is(r, "content-type", "application/json")) srv->bad++;
    if (!contains(r->body, r->body_len, "\"prompt\":")) srv->bad++;
    if (eq(r->url, "http://mock/v1/flux-tools/outpainting-v1") &&
        !(contains(r->body, r->body_len, "\"input_image\":\"") && contains(r->body, r->body_len, "\"height\":64") &&
          contains(r->body, r->body_len, "\"reference_offset_x\":")))
      srv->bad++;
    srv->polls = 0;
    reply_json(engine, id, 200, "{\"id\":\"t1\",\"polling_url\":\"http://mock/v1/get_result?id=t1\"}");
  } else if (!post && eq(r->url, "http://mock/v1/get_result?id=t1")) {
    if (!header_is(r, "x-key", FLUX_KEY) || r->body != NULL) srv->bad++;
    reply_json(engine, id, 200,
               ++srv->polls < 2 ? "{\"id\":\"t1\",\"status\":\"Pending\"}"
                                : "{\"id\":\"t1\",\"status\":\"Ready\",\"result\":{\"sample\":"
                                  "\"http://mock/files/t1.png\"}}");
  } else if (post && eq(r->url, "http://mock/v1/images/generations")) {
    if (!header_is(r, "authorization", "Bearer " RECRAFT_KEY)) srv->bad++;
    if (!contains(r->body, r->body_len, "\"prompt\":\"a lake\"")) srv->bad++;
    reply_json(engine, id, 200, "{\"data\":[{\"url\":\"http://mock/files/r1.png\"}]}");
  } else if (post && eq(r->url, "http://mock/v1/images/imageToImage")) {
    /* multipart: the source image and the prompt */
    if (!header_is(r, "authorization", "Bearer " RECRAFT_KEY)) srv->bad++;
    const outpaint_header *ct = header(r, "content-type");
    if (!ct || !starts(ct->value, "multipart/form-data; boundary=")) srv->bad++;
    if (!contains(r->body, r->body_len, "name=\"image\"; filename=") ||
        !contains(r->body, r->body_len, "name=\"prompt\"\r\n\r\n"))
      srv->bad++;
    reply_json(engine, id, 200, "{\"data\":[{\"url\":\"http://mock/files/r1.png\"}]}");
  } else if (!post && starts(r->url, "http://mock/files/")) {
    /* downloads go without the key */
    if (header(r, "x-key") || header(r, "authorization")) srv->bad++;
    outpaint_header h[] = {{outpaint_str_c("content-type"), outpaint_str_c("image/png")}};
    CHECK(outpaint_engine_handle_response(engine, id, 200, h, 1, srv->png.data, srv->png.len) == OUTPAINT_STATUS_OK);
  } else {
    srv->bad++;
    reply_json(engine, id, 404, "{\"detail\":\"Not Found\"}");
  }
}

static void srv_storage(void *user_data, const outpaint_engine *engine, const outpaint_effect *e) {
  storage(((server *)user_data)->store, engine, e);
}

static uint64_t srv_now(void *user_data) { return ((server *)user_data)->store->now; }

static void srv_wait(void *user_data, uint64_t deadline) {
  server *srv = user_data;
  char line[64];
  snprintf(line, sizeof line, "WAIT %llu", (unsigned long long)(deadline - srv->store->now));
  note(srv, line);
  wait_until(srv->store, deadline);
}

static void srv_event(void *user_data, const outpaint_event *ev) {
  server *srv = user_data;
  char line[512];
  if (ev->kind == OUTPAINT_EVENT_RETRYING) {
    snprintf(line, sizeof line, "RETRY in %llu: %.*s", (unsigned long long)ev->ms, (int)ev->message.len,
             ev->message.ptr);
    note(srv, line);
  }
}

#define HTTP_CONFIG                                                                                             \
  "{\"providers\":{\"flux\":{\"apiKey\":\"" FLUX_KEY "\",\"baseUrl\":\"http://mock\",\"pollIntervalMs\":500," \
  "\"timeoutMs\":30000},\"recraft\":{\"apiKey\":\"" RECRAFT_KEY "\",\"baseUrl\":\"http://mock\","            \
  "\"timeoutMs\":30000}}}"

static outpaint_status run_http(server *srv, const char *op) {
  outpaint_host host = {srv, srv_now, srv_storage, NULL, serve, srv_wait, srv_event};
  srv->log[0] = 0;
  return run_with(srv->store, op, HTTP_CONFIG, host);
}

static void test_http(server *srv, char id[37]) {
  /* generate on flux (submit, two polls 500 ms apart, download) and recraft, side by
   * side: both submits go out before anything is answered. */
  CHECK(run_http(srv, "{\"op\":\"generate\",\"prompt\":\"a lake\",\"models\":[\"flux\",\"recraft\"]}") ==
        OUTPAINT_STATUS_OK);
  CHECK(strstr(out, "\"status\":\"completed\"") != NULL);
  const char *want = "POST /v1/flux-2-pro\nPOST /v1/images/generations\nGET /files/r1.png\nWAIT 500\n"
                     "GET /v1/get_result?id=t1\nWAIT 500\nGET /v1/get_result?id=t1\nGET /files/t1.png\n";
  CHECK(strcmp(srv->log, want) == 0);
  if (strcmp(srv->log, want) != 0) fprintf(stderr, "requests:\n%s", srv->log);
  session_id(out, id);

  /* outpaint flux to 16:9: the outpainting endpoint gets the original placed on a canvas
   * scaled to its 64 px minimum side (114x64); the 32x32 answer is composited back at
   * full resolution (57x32) */
  char op[256];
  snprintf(op, sizeof op,
           "{\"op\":\"outpaint\",\"sessionId\":\"%s\",\"model\":\"flux\",\"preset\":\"16:9\",\"iterationIndex\":0}", id);
  CHECK(run_http(srv, op) == OUTPAINT_STATUS_OK);
  CHECK(strncmp(srv->log, "POST /v1/flux-tools/outpainting-v1\nWAIT 500\n", 44) == 0);
  char key[128];
  snprintf(key, sizeof key, "sessions/%s/images/flux-1.png", id);
  long ki = find(srv->store, outpaint_str_c(key));
  CHECK(ki >= 0);
  if (ki >= 0) {
    outpaint_image img = {0, 0, NULL, 0};
    CHECK(outpaint_decode(srv->store->val[ki], srv->store->len[ki], &img) == OUTPAINT_STATUS_OK);
    CHECK(img.width == 57 && img.height == 32);
    outpaint_image_free(&img);
  }
  CHECK(srv->bad == 0);

  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"recraft\",\"prompt\":\"warmer\"}", id);
  /* 429 with retry-after: 3 -> the engine waits the provider's 3 s, then retries */
  srv->fault = FAULT_429_ONCE;
  int posts = srv->posts;
  CHECK(run_http(srv, op) == OUTPAINT_STATUS_OK);
  CHECK(srv->posts == posts + 2);
  CHECK(strcmp(srv->log, "POST /v1/images/imageToImage\n"
                         "RETRY in 3000: recraft is rate limiting (HTTP 429): {}\nWAIT 3000\n"
                         "POST /v1/images/imageToImage\nGET /files/r1.png\n") == 0);
  CHECK(strstr(out, "\"status\":\"completed\"") != NULL);

  /* transport timeouts twice -> the iteration fails with PROVIDER_TIMEOUT */
  srv->fault = FAULT_TIMEOUT;
  posts = srv->posts;
  CHECK(run_http(srv, op) == OUTPAINT_STATUS_OK);
  CHECK(srv->posts == posts + 2);
  CHECK(strcmp(srv->log, "POST /v1/images/imageToImage\n"
                         "RETRY in 2000: recraft: timed out after 30000 ms\nWAIT 2000\n"
                         "POST /v1/images/imageToImage\n") == 0);
  CHECK(strstr(out, "PROVIDER_TIMEOUT: recraft: timed out after 30000 ms") != NULL);

  /* 401 echoing the key: not retried, the key redacted everywhere */
  srv->fault = FAULT_401;
  posts = srv->posts;
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"flux\",\"prompt\":\"cooler\"}", id);
  CHECK(run_http(srv, op) == OUTPAINT_STATUS_OK);
  CHECK(srv->posts == posts + 1);
  CHECK(strcmp(srv->log, "POST /v1/flux-2-pro\n") == 0);
  CHECK(strstr(out, "PROVIDER_AUTH: flux refused the API key (HTTP 401): invalid key [REDACTED]") != NULL);
  CHECK(strstr(out, FLUX_KEY) == NULL);
  srv->fault = FAULT_NONE;
  CHECK(srv->bad == 0);
}

/* ---------- 3. by hand ---------- */

/* Answers storage effects until none is left; collects the others. */
static size_t drain(outpaint_engine *eng, host_state *h, outpaint_effect *calls, size_t cap) {
  size_t n = 0;
  outpaint_effect e;
  for (;;) {
    CHECK(outpaint_engine_poll_effect(eng, h->now, &e) == OUTPAINT_STATUS_OK);
    if (e.kind == OUTPAINT_EFFECT_NONE) return n;
    if (e.kind == OUTPAINT_EFFECT_CALL || e.kind == OUTPAINT_EFFECT_HTTP) {
      if (n < cap) calls[n++] = e;
    } else {
      storage(h, eng, &e);
    }
  }
}

static void test_by_hand(host_state *h) {
  outpaint_engine *eng = NULL;
  CHECK(outpaint_engine_new(outpaint_str_c("{\"op\":\"generate\",\"prompt\":\"a lake\"}"), NONE, NULL, 0, h->now, 9,
                            &eng) == OUTPAINT_STATUS_OK);
  outpaint_effect calls[8];
  size_t n = drain(eng, h, calls, 8);
  /* All four models at once, in model order, each a CALL with its enum. */
  CHECK(n == 4);
  outpaint_model want[] = {OUTPAINT_MODEL_FLUX, OUTPAINT_MODEL_RECRAFT, OUTPAINT_MODEL_GEMINI, OUTPAINT_MODEL_OPENAI};
  for (size_t i = 0; i < n && i < 4; i++) {
    CHECK(calls[i].kind == OUTPAINT_EFFECT_CALL && calls[i].data.call.model == want[i]);
    CHECK(calls[i].data.call.job == OUTPAINT_JOB_GENERATE && eq(calls[i].data.call.prompt, "a lake"));
  }
  outpaint_outcome o;
  CHECK(outpaint_engine_poll_outcome(eng, &o) == OUTPAINT_STATUS_OK && !o.done);

  /* Misuse: each refused with its status, the engine unchanged. */
  CHECK(outpaint_engine_handle_local(eng, 999) == OUTPAINT_STATUS_UNKNOWN_EFFECT);
  CHECK(strstr(outpaint_last_error_message(), "UNKNOWN_EFFECT: effect #999 was never handed out") != NULL);
  CHECK(outpaint_engine_handle_put(eng, calls[0].id, true, outpaint_str_c("1")) == OUTPAINT_STATUS_WRONG_ANSWER);
  CHECK(strstr(outpaint_last_error_message(), "is a call effect, answered as put") != NULL);
  CHECK(outpaint_engine_handle_storage_error(eng, calls[0].id, outpaint_str_c("x")) == OUTPAINT_STATUS_WRONG_ANSWER);
  CHECK(outpaint_engine_handle_transport_error(eng, calls[0].id, false, outpaint_str_c("x")) ==
        OUTPAINT_STATUS_WRONG_ANSWER);
  CHECK(outpaint_engine_handle_failure(eng, calls[0].id, 7, outpaint_str_c("x"), 0) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_engine_handle_failure(eng, calls[0].id, UINT32_MAX, outpaint_str_c("x"), 0) ==
        OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_engine_handle_list(eng, calls[0].id, NULL, 3) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_handle_response(eng, calls[0].id, 200, NULL, 2, NULL, 0) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_handle_image(eng, calls[0].id, NULL, 5) == OUTPAINT_STATUS_INVALID_DIMENSIONS);
  CHECK(outpaint_engine_handle_local(NULL, calls[0].id) == OUTPAINT_STATUS_NULL_PARAMETER);

  /* Answer in reverse order; the openai call fails and is retried after a deadline. */
  CHECK(outpaint_engine_handle_failure(eng, calls[3].id, OUTPAINT_FAILURE_TRANSIENT, outpaint_str_c("busy"), 0) ==
        OUTPAINT_STATUS_OK);
  CHECK(outpaint_engine_handle_failure(eng, calls[3].id, OUTPAINT_FAILURE_TRANSIENT, outpaint_str_c("busy"), 0) ==
        OUTPAINT_STATUS_ALREADY_ANSWERED);
  for (int i = 2; i >= 0; i--) CHECK(outpaint_engine_handle_local(eng, calls[i].id) == OUTPAINT_STATUS_OK);
  CHECK(drain(eng, h, calls, 8) == 0);
  outpaint_event ev;
  CHECK(outpaint_engine_poll_event(eng, &ev) == OUTPAINT_STATUS_OK && ev.kind == OUTPAINT_EVENT_RETRYING);
  CHECK(ev.model == OUTPAINT_MODEL_OPENAI && ev.ms == 2000 && eq(ev.message, "busy"));
  CHECK(outpaint_engine_poll_event(eng, &ev) == OUTPAINT_STATUS_OK && ev.kind == OUTPAINT_EVENT_NONE);
  bool has = false;
  uint64_t deadline = 0;
  CHECK(outpaint_engine_poll_timeout(eng, &has, &deadline) == OUTPAINT_STATUS_OK && has);
  CHECK(deadline == h->now + 2000);
  CHECK(outpaint_engine_handle_timeout(eng, deadline - 1) == OUTPAINT_STATUS_OK);
  CHECK(drain(eng, h, calls, 8) == 0);
  h->now = deadline;
  CHECK(outpaint_engine_handle_timeout(eng, deadline) == OUTPAINT_STATUS_OK);
  CHECK(drain(eng, h, calls, 8) == 1);
  CHECK(calls[0].data.call.model == OUTPAINT_MODEL_OPENAI);
  CHECK(outpaint_engine_handle_local(eng, calls[0].id) == OUTPAINT_STATUS_OK);
  CHECK(drain(eng, h, calls, 8) == 0);
  CHECK(outpaint_engine_poll_outcome(eng, &o) == OUTPAINT_STATUS_OK && o.done && o.status == OUTPAINT_STATUS_OK);
  CHECK(starts(o.text, "{\"session\":") && contains((const unsigned char *)o.text.ptr, o.text.len,
                                                     "\"providerRetries\":1"));
  CHECK(outpaint_engine_poll_timeout(eng, &has, &deadline) == OUTPAINT_STATUS_OK && !has);
  CHECK(outpaint_engine_handle_local(eng, calls[0].id) == OUTPAINT_STATUS_ALREADY_ANSWERED);

  /* NULLs */
  outpaint_effect e;
  CHECK(outpaint_engine_poll_effect(eng, 0, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_poll_effect(NULL, 0, &e) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_poll_outcome(eng, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_poll_timeout(eng, NULL, &deadline) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_poll_event(eng, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  outpaint_engine_free(eng);
  outpaint_engine_free(NULL);
  CHECK(outpaint_engine_new(outpaint_str_c("{\"op\":\"gallery\"}"), NONE, NULL, 0, 0, 1, NULL) ==
        OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_new(outpaint_str_c("{\"op\":\"gallery\"}"), NONE, (const uint8_t *)"x", 1, 0, 1, &eng) ==
        OUTPAINT_STATUS_INVALID_OPTION);
}

/* A column of the host's own (a registry patch's): OUTPAINT_MODEL_CUSTOM in the effect
 * and the event, its name from outpaint_engine_effect_model / _event_model. */
static void test_custom_column(host_state *h) {
  const char *config = "{\"registry\":{\"columns\":{\"studio\":{\"adapter\":\"host\",\"outpaint\":\"full\"}}}}";
  outpaint_engine *eng = NULL;
  CHECK(outpaint_engine_new(outpaint_str_c("{\"op\":\"generate\",\"prompt\":\"a lake\",\"models\":[\"studio\",\"flux\"]}"),
                            outpaint_str_c(config), NULL, 0, h->now, 41, &eng) == OUTPAINT_STATUS_OK);
  outpaint_effect calls[8];
  CHECK(drain(eng, h, calls, 8) == 2);
  /* Built-in columns first, then the host's own. */
  CHECK(calls[0].data.call.model == OUTPAINT_MODEL_FLUX && calls[1].data.call.model == OUTPAINT_MODEL_CUSTOM);
  outpaint_str name = {NULL, 0};
  CHECK(outpaint_engine_effect_model(eng, calls[0].id, &name) == OUTPAINT_STATUS_OK && eq(name, "flux"));
  CHECK(outpaint_engine_effect_model(eng, calls[1].id, &name) == OUTPAINT_STATUS_OK && eq(name, "studio"));
  CHECK(outpaint_engine_effect_model(eng, 999, &name) == OUTPAINT_STATUS_UNKNOWN_EFFECT);
  CHECK(strstr(outpaint_last_error_message(), "effect 999 is no CALL or HTTP effect") != NULL);
  CHECK(outpaint_engine_effect_model(eng, calls[1].id, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_effect_model(NULL, calls[1].id, &name) == OUTPAINT_STATUS_NULL_PARAMETER);
  /* No event yet: an empty name. */
  name = outpaint_str_c("x");
  CHECK(outpaint_engine_event_model(eng, &name) == OUTPAINT_STATUS_OK && name.ptr == NULL && name.len == 0);
  CHECK(outpaint_engine_handle_local(eng, calls[0].id) == OUTPAINT_STATUS_OK);
  CHECK(outpaint_engine_handle_failure(eng, calls[1].id, OUTPAINT_FAILURE_TRANSIENT, outpaint_str_c("busy"), 0) ==
        OUTPAINT_STATUS_OK);
  /* Answered: the effect's name is gone with it. */
  CHECK(outpaint_engine_effect_model(eng, calls[1].id, &name) == OUTPAINT_STATUS_UNKNOWN_EFFECT);
  CHECK(drain(eng, h, calls, 8) == 0);
  outpaint_event ev;
  CHECK(outpaint_engine_poll_event(eng, &ev) == OUTPAINT_STATUS_OK && ev.kind == OUTPAINT_EVENT_RETRYING);
  CHECK(ev.model == OUTPAINT_MODEL_CUSTOM);
  CHECK(outpaint_engine_event_model(eng, &name) == OUTPAINT_STATUS_OK && eq(name, "studio"));
  CHECK(outpaint_engine_event_model(eng, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  outpaint_engine_free(eng);
  /* A name the registry has no column of: the operation ends with MODEL_NOT_FOUND. */
  CHECK(outpaint_engine_new(outpaint_str_c("{\"op\":\"generate\",\"prompt\":\"a lake\",\"models\":[\"studio\"]}"), NONE,
                            NULL, 0, h->now, 42, &eng) == OUTPAINT_STATUS_OK);
  CHECK(drain(eng, h, calls, 8) == 0);
  outpaint_outcome o;
  CHECK(outpaint_engine_poll_outcome(eng, &o) == OUTPAINT_STATUS_OK && o.done);
  CHECK(o.status == OUTPAINT_STATUS_MODEL_NOT_FOUND);
  CHECK(eq(o.text, "MODEL_NOT_FOUND: unknown model \"studio\"; expected flux, recraft, gemini or openai"));
  outpaint_engine_free(eng);
}

int main(void) {
  host_state h;
  memset(&h, 0, sizeof h);
  h.now = 1767225600000ULL;
  test_callbacks(&h);
  test_by_hand(&h);
  test_custom_column(&h);
  free_host(&h);

  host_state store;
  memset(&store, 0, sizeof store);
  store.now = 1767225600000ULL;
  server srv;
  memset(&srv, 0, sizeof srv);
  srv.store = &store;
  small_png(&srv.png, 5);
  char id[37];
  test_http(&srv, id);
  outpaint_bytes_free(&srv.png);
  free_host(&store);

  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
