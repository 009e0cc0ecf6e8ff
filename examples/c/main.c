/* outpaint-c: outpaints a photo to 16:9 offline through liboutpaint.
 *   outpaint-c IMAGE OUTDIR
 * writes OUTDIR/canvas.png, OUTDIR/mask.png (as a greyscale RGBA PNG), OUTDIR/plan.json
 * and OUTDIR/result.png; then runs a session through the engine with C callbacks (a
 * folder store in OUTDIR/store and the built-in local provider): generate from the
 * photo, outpaint it to 16:9, and prints the session JSON. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "folder_store.h"
#include "outpaint.h"

static int fail(const char *what) {
  fprintf(stderr, "outpaint-c: %s: %s\n", what, outpaint_last_error_message());
  return 1;
}

static unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      unsigned char *bigger = realloc(buf, cap *= 2);
      if (!bigger) { free(buf); buf = NULL; }
      else buf = bigger;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); return 1; }
  int bad = fwrite(data, 1, len, f) != len;
  bad |= fclose(f) != 0;
  if (bad) perror(path);
  return bad;
}

static int write_png(const char *dir, const char *name, outpaint_image_view v) {
  outpaint_bytes png = {NULL, 0};
  if (outpaint_encode_png(v, &png) != OUTPAINT_STATUS_OK) return fail(name);
  int r = write_file(dir, name, png.data, png.len);
  outpaint_bytes_free(&png);
  return r;
}

static uint64_t wall_ms(void *user_data) {
  (void)user_data;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void local_provider(void *user_data, const outpaint_engine *engine, const outpaint_effect *e) {
  (void)user_data;
  outpaint_engine_handle_local(engine, e->id);
}

/* Generates a session from the photo and outpaints it to 16:9. */
static int session(const char *outdir, const unsigned char *photo, size_t len) {
  char root[4096];
  snprintf(root, sizeof root, "%s/store", outdir);
  folder_store store = {root};
  outpaint_host host = {&store, wall_ms, folder_store_answer, local_provider, NULL, NULL, NULL};
  outpaint_bytes json = {NULL, 0};
  const char *gen = "{\"op\":\"generate\",\"prompt\":\"a lake\",\"models\":[\"flux\"]}";
  if (outpaint_engine_run(outpaint_str_c(gen), (outpaint_str){NULL, 0}, photo, len, &host,
                          wall_ms(NULL), &json) != OUTPAINT_STATUS_OK)
    return fail("session generate");
  const char *p = strstr((const char *)json.data, "\"sessionId\":\"");
  char id[37] = {0};
  if (p) memcpy(id, p + 13, 36);
  outpaint_bytes_free(&json);
  char op[256];
  snprintf(op, sizeof op,
           "{\"op\":\"outpaint\",\"sessionId\":\"%s\",\"model\":\"flux\",\"preset\":\"16:9\",\"iterationIndex\":0}",
           id);
  if (outpaint_engine_run(outpaint_str_c(op), (outpaint_str){NULL, 0}, NULL, 0, &host,
                          wall_ms(NULL) + 1, &json) != OUTPAINT_STATUS_OK)
    return fail("session outpaint");
  fwrite(json.data, 1, json.len, stdout);
  putchar('\n');
  outpaint_bytes_free(&json);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s IMAGE OUTDIR\n", argv[0]);
    return 2;
  }
  size_t len = 0;
  unsigned char *bytes = read_file(argv[1], &len);
  if (!bytes) { perror(argv[1]); return 1; }
  outpaint_image src = {0, 0, NULL, 0};
  outpaint_status s = outpaint_decode(bytes, len, &src);
  if (s != OUTPAINT_STATUS_OK) {
    free(bytes);
    return fail("decode");
  }
  outpaint_image_view view = {src.width, src.height, src.data, src.len};

  outpaint_prepare_options o = outpaint_prepare_options_default();
  o.target = outpaint_str_c("16:9");
  o.fill = outpaint_str_c("blur");
  o.feather = 32;

  outpaint_image canvas = {0, 0, NULL, 0};
  outpaint_bytes mask = {NULL, 0}, plan = {NULL, 0};
  outpaint_image result = {0, 0, NULL, 0};
  int rc = 0;
  if (outpaint_prepare(view, &o, &canvas, &mask, &plan) != OUTPAINT_STATUS_OK) {
    rc = fail("prepare");
    goto done;
  }
  /* The mask as a greyscale RGBA picture. */
  unsigned char *grey = malloc(mask.len * 4);
  for (size_t i = 0; grey && i < mask.len; i++) {
    memset(grey + i * 4, mask.data[i], 3);
    grey[i * 4 + 3] = 255;
  }
  outpaint_image_view cv = {canvas.width, canvas.height, canvas.data, canvas.len};
  outpaint_image_view mv = {canvas.width, canvas.height, grey, mask.len * 4};
  rc |= write_png(argv[2], "canvas.png", cv);
  rc |= grey ? write_png(argv[2], "mask.png", mv) : 1;
  rc |= write_file(argv[2], "plan.json", plan.data, plan.len);
  free(grey);

  if (outpaint_run_local(view, &o, &result) != OUTPAINT_STATUS_OK) {
    rc = fail("run");
    goto done;
  }
  outpaint_image_view rv = {result.width, result.height, result.data, result.len};
  rc |= write_png(argv[2], "result.png", rv);
  if (!rc)
    printf("%ux%u -> %ux%u: %s/result.png\n", src.width, src.height, result.width, result.height,
           argv[2]);
  if (!rc) rc = session(argv[2], bytes, len);
done:
  free(bytes);
  outpaint_image_free(&result);
  outpaint_image_free(&canvas);
  outpaint_bytes_free(&mask);
  outpaint_bytes_free(&plan);
  outpaint_image_free(&src);
  return rc;
}
