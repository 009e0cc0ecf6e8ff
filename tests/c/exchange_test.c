/* The provider adapters over C: outpaint_exchange turns the engine's CALL into HTTP
 * requests that this test answers from a scripted fake of Black Forest Labs and Recraft
 * (every request's method, URL, key header and body checked; the whole sequence
 * compared), through outpaint_engine_run; then 429 + retry-after, transport timeouts,
 * a 401 echoing the key, and every misuse of the poll/submit pair by hand. Prints
 * "N passed, M failed". */
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

/* ---- the fake server ---- */
typedef enum { FAULT_NONE, FAULT_429_ONCE, FAULT_TIMEOUT, FAULT_401 } fault;

typedef struct {
  host_state *store;
  fault fault;
  int polls; /* polls of the current task */
  char log[4096]; /* "POST /v1/flux-pro-1.1\nWAIT 500\n..." */
  int bad; /* requests that broke the provider's contract */
  outpaint_bytes png; /* what a download answers: a 32x32 PNG */
} server;

static bool eq(outpaint_str s, const char *c) { return s.len == strlen(c) && memcmp(s.ptr, c, s.len) == 0; }

static bool starts(outpaint_str s, const char *c) { return s.len >= strlen(c) && memcmp(s.ptr, c, strlen(c)) == 0; }

static bool contains(const unsigned char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; k <= n && i <= n - k; i++)
    if (memcmp(hay + i, needle, k) == 0) return true;
  return false;
}

static const char *header(const outpaint_http_step *s, const char *name, size_t *len) {
  for (size_t i = 0; i < s->headers_len; i++)
    if (eq(s->headers[i].name, name)) {
      *len = s->headers[i].value.len;
      return s->headers[i].value.ptr;
    }
  return NULL;
}

static bool header_is(const outpaint_http_step *s, const char *name, const char *value) {
  size_t n = 0;
  const char *v = header(s, name, &n);
  return v && n == strlen(value) && memcmp(v, value, n) == 0;
}

static void note(server *srv, const char *line) {
  strncat(srv->log, line, sizeof srv->log - strlen(srv->log) - 1);
  strncat(srv->log, "\n", sizeof srv->log - strlen(srv->log) - 1);
}

static void reply_json(outpaint_exchange *x, int status, const char *json) {
  outpaint_header h[] = {{outpaint_str_c("content-type"), outpaint_str_c("application/json")}};
  CHECK(outpaint_exchange_submit_response(x, (uint16_t)status, h, 1, (const uint8_t *)json, strlen(json)) ==
        OUTPAINT_STATUS_OK);
}

/* Answers one SEND as the provider would. */
static void serve(server *srv, outpaint_exchange *x, const outpaint_http_step *s) {
  char line[512];
  const char *path = s->url.ptr + strlen("http://mock");
  snprintf(line, sizeof line, "%.*s %.*s", (int)s->method.len, s->method.ptr,
           (int)(s->url.len - strlen("http://mock")), path);
  note(srv, line);
  if (!starts(s->url, "http://mock/") || s->timeout_ms != 30000 || s->max_response_bytes != (64u << 20)) srv->bad++;

  if (srv->fault == FAULT_TIMEOUT) {
    CHECK(outpaint_exchange_submit_transport_error(x, true, outpaint_str_c("timed out after 30000 ms")) ==
          OUTPAINT_STATUS_OK);
    return;
  }
  if (srv->fault == FAULT_401) {
    reply_json(x, 401, "{\"detail\":\"invalid key " FLUX_KEY "\"}");
    return;
  }
  if (srv->fault == FAULT_429_ONCE) {
    srv->fault = FAULT_NONE;
    outpaint_header h[] = {{outpaint_str_c("retry-after"), outpaint_str_c("3")}};
    CHECK(outpaint_exchange_submit_response(x, 429, h, 1, (const uint8_t *)"{}", 2) == OUTPAINT_STATUS_OK);
    return;
  }
  if (eq(s->method, "POST") && starts(s->url, "http://mock/v1/flux-")) {
    /* Black Forest Labs submit: x-key, JSON with the prompt (and image + mask for fill) */
    if (!header_is(s, "x-key", FLUX_KEY) || !header_is(s, "content-type", "application/json")) srv->bad++;
    if (!contains(s->body, s->body_len, "\"prompt\":")) srv->bad++;
    if (eq(s->url, "http://mock/v1/flux-pro-1.0-fill") &&
        !(contains(s->body, s->body_len, "\"image\":\"") && contains(s->body, s->body_len, "\"mask\":\"")))
      srv->bad++;
    srv->polls = 0;
    reply_json(x, 200, "{\"id\":\"t1\",\"polling_url\":\"http://mock/v1/get_result?id=t1\"}");
  } else if (eq(s->method, "GET") && eq(s->url, "http://mock/v1/get_result?id=t1")) {
    if (!header_is(s, "x-key", FLUX_KEY) || s->body != NULL) srv->bad++;
    reply_json(x, 200, ++srv->polls < 2 ? "{\"id\":\"t1\",\"status\":\"Pending\"}"
                                        : "{\"id\":\"t1\",\"status\":\"Ready\",\"result\":{\"sample\":"
                                          "\"http://mock/files/t1.png\"}}");
  } else if (eq(s->method, "POST") && eq(s->url, "http://mock/v1/images/generations")) {
    if (!header_is(s, "authorization", "Bearer " RECRAFT_KEY)) srv->bad++;
    if (!contains(s->body, s->body_len, "\"prompt\":\"a lake\"")) srv->bad++;
    reply_json(x, 200, "{\"data\":[{\"url\":\"http://mock/files/r1.png\"}]}");
  } else if (eq(s->method, "POST") && eq(s->url, "http://mock/v1/images/imageToImage")) {
    /* multipart: the source image and the prompt */
    if (!header_is(s, "authorization", "Bearer " RECRAFT_KEY)) srv->bad++;
    size_t n = 0;
    const char *ct = header(s, "content-type", &n);
    if (!ct || n < 30 || memcmp(ct, "multipart/form-data; boundary=", 30) != 0) srv->bad++;
    if (!contains(s->body, s->body_len, "name=\"image\"; filename=") ||
        !contains(s->body, s->body_len, "name=\"prompt\"\r\n\r\n"))
      srv->bad++;
    reply_json(x, 200, "{\"data\":[{\"url\":\"http://mock/files/r1.png\"}]}");
  } else if (eq(s->method, "GET") && starts(s->url, "http://mock/files/")) {
    size_t n;
    /* downloads go without the key */
    if (header(s, "x-key", &n) || header(s, "authorization", &n)) srv->bad++;
    outpaint_header h[] = {{outpaint_str_c("content-type"), outpaint_str_c("image/png")}};
    CHECK(outpaint_exchange_submit_response(x, 200, h, 1, srv->png.data, srv->png.len) == OUTPAINT_STATUS_OK);
  } else {
    srv->bad++;
    reply_json(x, 404, "{\"detail\":\"Not Found\"}");
  }
}

/* The provider callback: one exchange per CALL, driven to the end. */
static void provider_over_http(void *user_data, outpaint_engine *engine, const outpaint_effect *e) {
  server *srv = user_data;
  srv->store->calls++;
  const char *config = eq(e->model, "flux")
                           ? "{\"apiKey\":\"" FLUX_KEY "\",\"baseUrl\":\"http://mock\",\"pollIntervalMs\":500,"
                             "\"timeoutMs\":30000}"
                           : "{\"apiKey\":\"" RECRAFT_KEY "\",\"baseUrl\":\"http://mock\",\"timeoutMs\":30000}";
  outpaint_exchange *x = NULL;
  if (outpaint_exchange_new(engine, outpaint_str_c(config), &x) != OUTPAINT_STATUS_OK) {
    outpaint_engine_submit_failure(engine, false, false, outpaint_str_c(outpaint_last_error_message()));
    return;
  }
  outpaint_http_step s;
  for (;;) {
    CHECK(outpaint_exchange_step(x, &s) == OUTPAINT_STATUS_OK);
    if (s.kind == OUTPAINT_HTTP_SEND) {
      serve(srv, x, &s);
    } else if (s.kind == OUTPAINT_HTTP_WAIT) {
      char line[64];
      snprintf(line, sizeof line, "WAIT %llu", (unsigned long long)s.wait_ms);
      note(srv, line);
      srv->store->now += s.wait_ms;
      CHECK(outpaint_exchange_submit_waited(x) == OUTPAINT_STATUS_OK);
    } else {
      break;
    }
  }
  if (s.status != OUTPAINT_STATUS_OK) {
    char line[1024];
    snprintf(line, sizeof line, "DONE %d retryable=%d timeout=%d retry_after=%llu %.*s", (int)s.status, s.retryable,
             s.timeout, (unsigned long long)s.retry_after_ms, (int)s.message.len, s.message.ptr);
    note(srv, line);
  }
  CHECK(outpaint_engine_submit_exchange(engine, x) == OUTPAINT_STATUS_OK);
  outpaint_exchange_free(x);
}

static void store_cb(void *user_data, outpaint_engine *engine, const outpaint_effect *e) {
  server *srv = user_data;
  storage(srv->store, engine, e);
}

static uint64_t clock_cb(void *user_data) { return ((server *)user_data)->store->now; }

static char out[1 << 16];

static outpaint_status run(server *srv, const char *op) {
  outpaint_host host = {srv, clock_cb, store_cb, provider_over_http};
  outpaint_bytes json = {NULL, 0};
  srv->log[0] = 0;
  outpaint_status s = outpaint_engine_run(outpaint_str_c(op), NONE, NULL, 0, &host, srv->store->now, &json);
  size_t n = json.len < sizeof out - 1 ? json.len : sizeof out - 1;
  if (json.data) memcpy(out, json.data, n);
  out[n] = 0;
  outpaint_bytes_free(&json);
  return s;
}

static void test_session_over_http(server *srv, char id[37]) {
  /* generate on flux (submit, two polls 500 ms apart, download) and recraft */
  CHECK(run(srv, "{\"op\":\"generate\",\"prompt\":\"a lake\",\"models\":[\"flux\",\"recraft\"]}") == OUTPAINT_STATUS_OK);
  CHECK(strstr(out, "\"status\":\"completed\"") != NULL);
  const char *want = "POST /v1/flux-pro-1.1\nWAIT 500\nGET /v1/get_result?id=t1\nWAIT 500\n"
                     "GET /v1/get_result?id=t1\nGET /files/t1.png\n"
                     "POST /v1/images/generations\nGET /files/r1.png\n";
  CHECK(strcmp(srv->log, want) == 0);
  if (strcmp(srv->log, want) != 0) fprintf(stderr, "requests:\n%s", srv->log);
  const char *p = strstr(out, "\"sessionId\":\"");
  id[0] = 0;
  if (p) {
    memcpy(id, p + 13, 36);
    id[36] = 0;
  }

  /* outpaint flux to 16:9: the fill endpoint gets canvas + mask, the 32x32 answer is
   * composited back at full resolution (57x32) */
  char op[256];
  snprintf(op, sizeof op,
           "{\"op\":\"outpaint\",\"sessionId\":\"%s\",\"model\":\"flux\",\"preset\":\"16:9\",\"iterationIndex\":0}", id);
  CHECK(run(srv, op) == OUTPAINT_STATUS_OK);
  CHECK(strncmp(srv->log, "POST /v1/flux-pro-1.0-fill\nWAIT 500\n", 36) == 0);
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
}

static void test_failures(server *srv, const char *id) {
  char op[256];
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"recraft\",\"prompt\":\"warmer\"}", id);

  /* 429 with retry-after: 3 -> the engine sleeps the provider's 3 s, then retries */
  srv->fault = FAULT_429_ONCE;
  int calls = srv->store->calls;
  uint64_t before = srv->store->now;
  CHECK(run(srv, op) == OUTPAINT_STATUS_OK);
  CHECK(srv->store->calls == calls + 2);
  CHECK(srv->store->now - before >= 3000);
  CHECK(strcmp(srv->log, "POST /v1/images/imageToImage\n"
                         "DONE 7016 retryable=1 timeout=0 retry_after=3000 recraft is rate limiting (HTTP 429): {}\n"
                         "POST /v1/images/imageToImage\nGET /files/r1.png\n") == 0);
  CHECK(strstr(out, "\"status\":\"completed\"") != NULL);

  /* transport timeouts twice -> the iteration fails with PROVIDER_TIMEOUT */
  srv->fault = FAULT_TIMEOUT;
  calls = srv->store->calls;
  CHECK(run(srv, op) == OUTPAINT_STATUS_OK);
  CHECK(srv->store->calls == calls + 2);
  CHECK(strcmp(srv->log, "POST /v1/images/imageToImage\n"
                         "DONE 7017 retryable=1 timeout=1 retry_after=0 recraft: timed out after 30000 ms\n"
                         "POST /v1/images/imageToImage\n"
                         "DONE 7017 retryable=1 timeout=1 retry_after=0 recraft: timed out after 30000 ms\n") == 0);
  CHECK(strstr(out, "PROVIDER_TIMEOUT") != NULL);

  /* 401 echoing the key: not retried, the key redacted everywhere */
  srv->fault = FAULT_401;
  calls = srv->store->calls;
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"flux\",\"prompt\":\"cooler\"}", id);
  CHECK(run(srv, op) == OUTPAINT_STATUS_OK);
  CHECK(srv->store->calls == calls + 1);
  CHECK(strcmp(srv->log, "POST /v1/flux-kontext-pro\n"
                         "DONE 7016 retryable=0 timeout=0 retry_after=0 flux refused the API key (HTTP 401): "
                         "invalid key [REDACTED]\n") == 0);
  CHECK(strstr(srv->log, FLUX_KEY) == NULL && strstr(out, FLUX_KEY) == NULL);
  CHECK(strstr(out, "PROVIDER_ERROR") != NULL);
  srv->fault = FAULT_NONE;
  CHECK(srv->bad == 0);
}

/* Poll/submit by hand: every misuse has its status. */
static void test_misuse(server *srv, const char *id) {
  outpaint_engine *eng = NULL;
  outpaint_exchange *x = NULL;
  outpaint_effect e;
  outpaint_http_step s;
  char op[256];
  snprintf(op, sizeof op, "{\"op\":\"iterate\",\"sessionId\":\"%s\",\"model\":\"flux\",\"prompt\":\"p\"}", id);
  CHECK(outpaint_engine_new(outpaint_str_c(op), NONE, NULL, 0, srv->store->now, 7, &eng) == OUTPAINT_STATUS_OK);
  CHECK(outpaint_engine_poll(eng, srv->store->now, &e) == OUTPAINT_STATUS_OK && e.kind == OUTPAINT_EFFECT_GET);
  /* not at a CALL yet */
  CHECK(outpaint_exchange_new(eng, outpaint_str_c("{\"apiKey\":\"k\"}"), &x) == OUTPAINT_STATUS_CONFLICT);
  while (e.kind != OUTPAINT_EFFECT_CALL && e.kind != OUTPAINT_EFFECT_DONE) {
    storage(srv->store, eng, &e);
    CHECK(outpaint_engine_poll(eng, srv->store->now, &e) == OUTPAINT_STATUS_OK);
  }
  CHECK(e.kind == OUTPAINT_EFFECT_CALL && eq(e.model, "flux"));

  /* bad configs */
  CHECK(outpaint_exchange_new(eng, NONE, &x) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_exchange_new(eng, outpaint_str_c("{}"), &x) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(strstr(outpaint_last_error_message(), "apiKey is required") != NULL);
  CHECK(outpaint_exchange_new(eng, outpaint_str_c("{\"apiKey\":\"k\",\"timeoutMs\":0}"), &x) ==
        OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_exchange_new(eng, outpaint_str_c("{\"apiKey\":7}"), &x) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_exchange_new(eng, outpaint_str_c("nope"), &x) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_exchange_new(NULL, outpaint_str_c("{\"apiKey\":\"k\"}"), &x) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_exchange_new(eng, outpaint_str_c("{\"apiKey\":\"k\"}"), NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(x == NULL);

  CHECK(outpaint_exchange_new(eng, outpaint_str_c("{\"apiKey\":\"" FLUX_KEY "\",\"baseUrl\":\"http://mock\"}"), &x) ==
        OUTPAINT_STATUS_OK);
  /* answering before the first step, the engine before the exchange is done */
  CHECK(outpaint_exchange_submit_response(x, 200, NULL, 0, NULL, 0) == OUTPAINT_STATUS_CONFLICT);
  CHECK(outpaint_engine_submit_exchange(eng, x) == OUTPAINT_STATUS_CONFLICT);
  CHECK(outpaint_exchange_step(x, &s) == OUTPAINT_STATUS_OK && s.kind == OUTPAINT_HTTP_SEND);
  CHECK(eq(s.method, "POST") && eq(s.url, "http://mock/v1/flux-kontext-pro"));
  CHECK(s.timeout_ms == 120000 && s.max_response_bytes == (64u << 20) && s.body_len > 0);
  CHECK(header_is(&s, "x-key", FLUX_KEY));
  CHECK(contains(s.body, s.body_len, "\"input_image\":\""));
  /* stepping again repeats the request; acknowledging a wait is a conflict */
  CHECK(outpaint_exchange_step(x, &s) == OUTPAINT_STATUS_OK && s.kind == OUTPAINT_HTTP_SEND);
  CHECK(outpaint_exchange_submit_waited(x) == OUTPAINT_STATUS_CONFLICT);
  CHECK(outpaint_exchange_submit_response(x, 200, NULL, 1, NULL, 0) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_exchange_submit_response(x, 200, NULL, 0, NULL, 5) == OUTPAINT_STATUS_INVALID_DIMENSIONS);
  /* a malformed answer ends the exchange with a retryable PROVIDER_ERROR */
  CHECK(outpaint_exchange_submit_response(x, 200, NULL, 0, (const uint8_t *)"<html>", 6) == OUTPAINT_STATUS_OK);
  CHECK(outpaint_exchange_submit_response(x, 200, NULL, 0, (const uint8_t *)"{}", 2) == OUTPAINT_STATUS_CONFLICT);
  CHECK(outpaint_exchange_step(x, &s) == OUTPAINT_STATUS_OK && s.kind == OUTPAINT_HTTP_DONE);
  CHECK(s.status == OUTPAINT_STATUS_PROVIDER_ERROR && s.retryable && !s.timeout && s.image == NULL);
  CHECK(starts(s.message, "flux: the response is not JSON"));
  CHECK(outpaint_exchange_step(x, &s) == OUTPAINT_STATUS_OK && s.kind == OUTPAINT_HTTP_DONE);
  CHECK(outpaint_exchange_submit_transport_error(x, false, outpaint_str_c("late")) == OUTPAINT_STATUS_CONFLICT);
  CHECK(outpaint_exchange_step(NULL, &s) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_exchange_step(x, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_engine_submit_exchange(eng, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);

  /* the engine takes the failure once, then sleeps 2 s before its retry */
  CHECK(outpaint_engine_submit_exchange(eng, x) == OUTPAINT_STATUS_OK);
  CHECK(outpaint_engine_submit_exchange(eng, x) == OUTPAINT_STATUS_CONFLICT);
  CHECK(outpaint_engine_poll(eng, srv->store->now, &e) == OUTPAINT_STATUS_OK && e.kind == OUTPAINT_EFFECT_SLEEP);
  CHECK(e.sleep_ms == 2000);
  outpaint_exchange *y = NULL;
  CHECK(outpaint_exchange_new(eng, outpaint_str_c("{\"apiKey\":\"k\"}"), &y) == OUTPAINT_STATUS_CONFLICT && !y);
  outpaint_engine_free(eng);
  outpaint_exchange_free(x);
  outpaint_exchange_free(NULL);
}

int main(void) {
  host_state store;
  memset(&store, 0, sizeof store);
  store.now = 1767225600000ULL;
  server srv;
  memset(&srv, 0, sizeof srv);
  srv.store = &store;
  uint8_t px[32 * 32 * 4];
  for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 5);
  outpaint_image_view v = {32, 32, px, sizeof px};
  CHECK(outpaint_encode_png(v, &srv.png) == OUTPAINT_STATUS_OK);

  char id[37];
  test_session_over_http(&srv, id);
  test_failures(&srv, id);
  test_misuse(&srv, id);

  outpaint_bytes_free(&srv.png);
  free_host(&store);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
