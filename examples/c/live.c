/* outpaint-live: a session on a real provider from C, with libcurl moving the bytes.
 *   outpaint-live [--base-url URL] [--poll-ms N] [--registry PATCH.json] STORE MODEL PROMPT
 * generates an image with MODEL (flux, recraft, gemini, openai, or a column the registry
 * patch adds) from PROMPT, then outpaints it to 16:9 with the same model, keeping the
 * session in the folder STORE, and prints both outcomes as JSON lines. The key comes
 * from BFL_API_KEY, RECRAFT_API_KEY, GEMINI_API_KEY or OPENAI_API_KEY, a patch's own
 * column's from {NAME}_API_KEY (flux-eu: FLUX_EU_API_KEY); --base-url (or BFL_BASE_URL,
 * ..., {NAME}_BASE_URL) points at another endpoint, such as a mock.
 *
 * liboutpaint runs the provider's exchange itself (the engine config names the provider)
 * and hands out its HTTP requests as effects; this file only sends them: method, URL,
 * headers and body in; status, headers and body out, with the request's timeout and a
 * cap on the body size. Progress (polls, retries) arrives as events. */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "folder_store.h"
#include "outpaint.h"

typedef struct {
  const char *model;
  char *config; /* the engine config JSON: {"providers":{MODEL:{...}},"registry":...} */
  folder_store store;
  const outpaint_engine *engine; /* the running engine, as its effects name it */
} live;

/* ---- libcurl transport ---- */
typedef struct {
  unsigned char *data;
  size_t len, cap, limit;
  bool too_big;
} body_buf;

typedef struct {
  outpaint_header items[64];
  char *owned[128];
  size_t n;
} header_list;

static size_t on_body(char *ptr, size_t size, size_t n, void *user) {
  body_buf *b = user;
  size_t k = size * n;
  if (b->len + k > b->limit) {
    b->too_big = true;
    return 0; /* aborts the transfer */
  }
  if (b->len + k > b->cap) {
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + k) cap *= 2;
    unsigned char *d = realloc(b->data, cap);
    if (!d) return 0;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, ptr, k);
  b->len += k;
  return k;
}

static char *dup_n(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = 0;
  }
  return d;
}

static size_t on_header(char *line, size_t size, size_t n, void *user) {
  header_list *h = user;
  size_t k = size * n;
  if (k >= 5 && memcmp(line, "HTTP/", 5) == 0) { /* a new response (after a redirect): start over */
    for (size_t i = 0; i < 2 * h->n; i++) free(h->owned[i]);
    h->n = 0;
    return k;
  }
  char *colon = memchr(line, ':', k);
  if (!colon || h->n == 64) return k;
  size_t nl = (size_t)(colon - line);
  const char *v = colon + 1;
  size_t vl = k - nl - 1;
  while (vl && (*v == ' ' || *v == '\t')) v++, vl--;
  while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) vl--;
  char *name = dup_n(line, nl), *value = dup_n(v, vl);
  if (!name || !value) {
    free(name);
    free(value);
    return 0;
  }
  h->owned[2 * h->n] = name;
  h->owned[2 * h->n + 1] = value;
  h->items[h->n].name = (outpaint_str){name, nl};
  h->items[h->n].value = (outpaint_str){value, vl};
  h->n++;
  return k;
}

/* The engine's HTTP callback: sends one request and answers it with what came back. */
static void send_request(void *user_data, const outpaint_engine *engine, const outpaint_effect *e) {
  live *l = user_data;
  l->engine = engine;
  const outpaint_effect_http *s = &e->data.http;
  /* Whose request this is, by name (the enum says OUTPAINT_MODEL_CUSTOM for a registry
   * patch's own column): this host configured only its one column. */
  outpaint_str who = {NULL, 0};
  if (outpaint_engine_effect_model(engine, e->id, &who) != OUTPAINT_STATUS_OK || who.len != strlen(l->model) ||
      memcmp(who.ptr, l->model, who.len) != 0) {
    outpaint_engine_handle_transport_error(engine, e->id, false, outpaint_str_c("a request for another column"));
    return;
  }
  CURL *c = curl_easy_init();
  if (!c) {
    outpaint_engine_handle_transport_error(engine, e->id, false, outpaint_str_c("curl_easy_init failed"));
    return;
  }
  char *url = dup_n(s->url.ptr, s->url.len);
  struct curl_slist *headers = NULL;
  for (size_t i = 0; i < s->header_count; i++) {
    char line[8192];
    snprintf(line, sizeof line, "%.*s: %.*s", (int)s->headers[i].name.len, s->headers[i].name.ptr,
             (int)s->headers[i].value.len, s->headers[i].value.ptr);
    headers = curl_slist_append(headers, line);
  }
  headers = curl_slist_append(headers, "expect:"); /* no 100-continue round trip */
  body_buf body = {NULL, 0, 0, (size_t)s->max_response_bytes, false};
  header_list got = {0};
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  /* A keyed request is never followed across a redirect: the key would go along. */
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, s->follow_redirects ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &got);
  if (s->method == OUTPAINT_METHOD_POST) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, s->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body_len);
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    outpaint_engine_handle_response(engine, e->id, (uint16_t)status, got.items, got.n, body.data, body.len);
  } else {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", body.too_big ? "the response is larger than allowed" : curl_easy_strerror(rc));
    outpaint_engine_handle_transport_error(engine, e->id, rc == CURLE_OPERATION_TIMEDOUT, outpaint_str_c(msg));
  }
  for (size_t i = 0; i < 2 * got.n; i++) free(got.owned[i]);
  free(body.data);
  curl_slist_free_all(headers);
  free(url);
  curl_easy_cleanup(c);
}

/* Progress on stderr: polls of an asynchronous result, retries and why. The column's
 * name comes from the engine (a registry patch's own column reads OUTPAINT_MODEL_CUSTOM). */
static void on_event(void *user_data, const outpaint_event *ev) {
  live *l = user_data;
  outpaint_str name = {"?", 1};
  if (l->engine) outpaint_engine_event_model(l->engine, &name);
  if (ev->kind == OUTPAINT_EVENT_POLLING)
    fprintf(stderr, "%.*s: waiting for the result (poll %u)\n", (int)name.len, name.ptr, ev->polls);
  else if (ev->kind == OUTPAINT_EVENT_RETRYING)
    fprintf(stderr, "%.*s: %.*s (retrying in %llu ms)\n", (int)name.len, name.ptr, (int)ev->message.len,
            ev->message.ptr, (unsigned long long)ev->ms);
}

static void storage(void *user_data, const outpaint_engine *engine, const outpaint_effect *e) {
  live *l = user_data;
  l->engine = engine;
  folder_store_answer(&l->store, engine, e);
}

static uint64_t wall_ms(void *user_data) {
  (void)user_data;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int usage(const char *argv0) {
  fprintf(stderr, "usage: %s [--base-url URL] [--poll-ms N] [--registry PATCH.json] STORE MODEL PROMPT\n", argv0);
  return 2;
}

/* Runs one operation; prints its outcome; copies the session id out when asked. */
static int run(live *l, const char *op, char id[37]) {
  outpaint_host host = {l, wall_ms, storage, NULL, send_request, NULL, on_event};
  outpaint_bytes json = {NULL, 0};
  if (outpaint_engine_run(outpaint_str_c(op), outpaint_str_c(l->config), NULL, 0, &host, wall_ms(NULL), &json) !=
      OUTPAINT_STATUS_OK) {
    fprintf(stderr, "outpaint-live: %s\n", outpaint_last_error_message());
    return 1;
  }
  fwrite(json.data, 1, json.len, stdout);
  putchar('\n');
  /* A step the provider refused is recorded on the session: say why. */
  const char *err = strstr((const char *)json.data, "\"error\":\"");
  if (err) {
    const char *end = strchr(err + 9, '"');
    fprintf(stderr, "%s: %.*s\n", l->model, end ? (int)(end - err - 9) : 0, err + 9);
  }
  const char *p = id ? strstr((const char *)json.data, "\"sessionId\":\"") : NULL;
  if (p) {
    memcpy(id, p + 13, 36);
    id[36] = 0;
  }
  outpaint_bytes_free(&json);
  return 0;
}

int main(int argc, char **argv) {
  const char *base = NULL, *registry_file = NULL;
  long poll_ms = 0;
  int i = 1;
  for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (strcmp(argv[i], "--base-url") == 0) base = argv[i + 1];
    else if (strcmp(argv[i], "--poll-ms") == 0) poll_ms = strtol(argv[i + 1], NULL, 10);
    else if (strcmp(argv[i], "--registry") == 0) registry_file = argv[i + 1];
    else return usage(argv[0]);
  }
  if (argc - i != 3) return usage(argv[0]);
  live l;
  memset(&l, 0, sizeof l);
  l.store.root = argv[i];
  l.model = argv[i + 1];
  const char *prompt = argv[i + 2];

  static const char *const names[][3] = {{"flux", "BFL_API_KEY", "BFL_BASE_URL"},
                                         {"recraft", "RECRAFT_API_KEY", "RECRAFT_BASE_URL"},
                                         {"gemini", "GEMINI_API_KEY", "GEMINI_BASE_URL"},
                                         {"openai", "OPENAI_API_KEY", "OPENAI_BASE_URL"}};
  /* A built-in column's variables, or {NAME}_API_KEY / {NAME}_BASE_URL for another. */
  char key_var[64], base_var[64];
  snprintf(key_var, sizeof key_var, "%s", "");
  for (size_t m = 0; m < 4; m++)
    if (strcmp(l.model, names[m][0]) == 0) {
      snprintf(key_var, sizeof key_var, "%s", names[m][1]);
      snprintf(base_var, sizeof base_var, "%s", names[m][2]);
    }
  if (!*key_var) {
    size_t n = strlen(l.model);
    if (n == 0 || n > 32) return usage(argv[0]);
    char upper[33];
    for (size_t k = 0; k <= n; k++) {
      char c = l.model[k];
      upper[k] = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    snprintf(key_var, sizeof key_var, "%s_API_KEY", upper);
    snprintf(base_var, sizeof base_var, "%s_BASE_URL", upper);
  }
  const char *key = getenv(key_var);
  if (!base) base = getenv(base_var);
  if (!key || !*key) {
    fprintf(stderr, "outpaint-live: set %s\n", key_var);
    return 1;
  }
  /* The registry patch, as given (the engine checks it). */
  char *patch = NULL;
  if (registry_file) {
    FILE *f = fopen(registry_file, "rb");
    long size = -1;
    if (f && fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (patch = malloc((size_t)size + 1))) {
      if (fread(patch, 1, (size_t)size, f) != (size_t)size) size = -1;
      patch[size < 0 ? 0 : size] = 0;
    }
    if (f) fclose(f);
    if (size < 0 || !patch) {
      fprintf(stderr, "outpaint-live: cannot read the registry patch %s\n", registry_file);
      free(patch);
      return 1;
    }
  }
  /* The config JSON (keys and URLs are plain ASCII without quotes or backslashes). */
  if (strpbrk(key, "\"\\") || (base && strpbrk(base, "\"\\"))) {
    fprintf(stderr, "outpaint-live: the key and base URL must not contain quotes or backslashes\n");
    return 1;
  }
  size_t config_cap = 2048 + (patch ? strlen(patch) : 0);
  l.config = malloc(config_cap);
  if (!l.config) {
    free(patch);
    return 1;
  }
  int n = snprintf(l.config, config_cap, "{\"providers\":{\"%s\":{\"apiKey\":\"%s\"", l.model, key);
  if (base) n += snprintf(l.config + n, config_cap - (size_t)n, ",\"baseUrl\":\"%s\"", base);
  if (poll_ms > 0) n += snprintf(l.config + n, config_cap - (size_t)n, ",\"pollIntervalMs\":%ld", poll_ms);
  n += snprintf(l.config + n, config_cap - (size_t)n, "}}");
  if (patch) n += snprintf(l.config + n, config_cap - (size_t)n, ",\"registry\":%s", patch);
  snprintf(l.config + n, config_cap - (size_t)n, "}");
  free(patch);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  char id[37] = {0};
  int rc = 1;
  /* the prompt, JSON-escaped */
  size_t plen = strlen(prompt), cap = plen * 6 + 256;
  char *quoted = malloc(plen * 6 + 1), *op = malloc(cap);
  if (quoted && op) {
    char *q = quoted;
    for (const unsigned char *p = (const unsigned char *)prompt; *p; p++) {
      if (*p == '"' || *p == '\\') q += sprintf(q, "\\%c", *p);
      else if (*p < 0x20) q += sprintf(q, "\\u%04x", *p);
      else *q++ = (char)*p;
    }
    *q = 0;
    snprintf(op, cap, "{\"op\":\"generate\",\"prompt\":\"%s\",\"models\":[\"%s\"]}", quoted, l.model);
    rc = run(&l, op, id);
  }
  if (!rc) {
    snprintf(op, cap,
             "{\"op\":\"outpaint\",\"sessionId\":\"%s\",\"model\":\"%s\",\"preset\":\"16:9\",\"iterationIndex\":0}", id,
             l.model);
    rc = run(&l, op, NULL);
  }
  free(quoted);
  free(op);
  free(l.config);
  curl_global_cleanup();
  return rc;
}
