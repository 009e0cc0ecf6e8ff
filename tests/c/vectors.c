/* Replays tests/vectors (expansion, mask, canvas) through liboutpaint: the same files
 * the Rust tests replay. Prints "N passed, M failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "outpaint.h"

static int passed = 0, failed = 0;

static void check(int ok, const char *file, size_t i, const char *what) {
  if (ok) {
    passed++;
  } else {
    failed++;
    fprintf(stderr, "%s case %zu: %s (last error: %s)\n", file, i, what,
            outpaint_last_error_message());
  }
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (fread(s, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(2); }
  s[n] = 0;
  fclose(f);
  return s;
}

static int load(const char *dir, const char *name, jval *root) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  char *text = slurp(path);
  int ok = j_parse(text, root) != NULL;
  free(text);
  if (!ok) fprintf(stderr, "%s: bad JSON\n", path);
  return ok;
}

static outpaint_status expand_case(const jval *c, outpaint_expansion *e) {
  return outpaint_expand(j_u32(c, "width"), j_u32(c, "height"), outpaint_str_c(j_str(c, "target")),
                         outpaint_str_c(j_str(c, "anchor")), e);
}

static void expansion(const char *dir) {
  jval root;
  if (!load(dir, "expansion.json", &root)) { failed++; return; }
  const jval *cases = j_get(&root, "cases");
  for (size_t i = 0; i < cases->n; i++) {
    const jval *c = &cases->items[i];
    outpaint_expansion e;
    memset(&e, 0, sizeof e);
    outpaint_status s = expand_case(c, &e);
    const jval *x = j_get(c, "expect");
    if (x) {
      check(s == OUTPAINT_STATUS_OK && e.left == j_u32(x, "left") && e.right == j_u32(x, "right") &&
                e.top == j_u32(x, "top") && e.bottom == j_u32(x, "bottom") &&
                e.new_width == j_u32(x, "newWidth") && e.new_height == j_u32(x, "newHeight"),
            "expansion.json", i, "expansion differs");
    } else {
      check(s != OUTPAINT_STATUS_OK && strcmp(outpaint_status_name(s), j_str(c, "error")) == 0,
            "expansion.json", i, "error code differs");
    }
  }
  j_free(&root);
}

static int same_bytes(const unsigned char *got, const jval *want, size_t len) {
  if (!want || want->n != len) return 0;
  for (size_t k = 0; k < len; k++)
    if (got[k] != (unsigned char)want->items[k].num) return 0;
  return 1;
}

static void masks(const char *dir) {
  jval root;
  if (!load(dir, "mask.json", &root)) { failed++; return; }
  const jval *cases = j_get(&root, "cases");
  for (size_t i = 0; i < cases->n; i++) {
    const jval *c = &cases->items[i];
    const jval *x = j_get(c, "expect");
    outpaint_expansion e;
    if (expand_case(c, &e) != OUTPAINT_STATUS_OK) { check(0, "mask.json", i, "expand"); continue; }
    size_t len = (size_t)e.new_width * e.new_height;
    unsigned char *buf = malloc(len);
    uint32_t ef = 0, eo = 0;
    outpaint_status s = outpaint_mask_into(&e, j_u32(c, "feather"), j_u32(c, "overlap"),
                                           outpaint_str_c(j_str(c, "curve")),
                                           outpaint_str_c(j_str(c, "kind")), buf, len, &ef, &eo);
    check(s == OUTPAINT_STATUS_OK && ef == j_u32(x, "feather") && eo == j_u32(x, "overlap") &&
              same_bytes(buf, j_get(x, "data"), len),
          "mask.json", i, "mask differs");
    free(buf);
  }
  j_free(&root);
}

static void canvases(const char *dir) {
  jval root;
  if (!load(dir, "canvas.json", &root)) { failed++; return; }
  const jval *cases = j_get(&root, "cases");
  for (size_t i = 0; i < cases->n; i++) {
    const jval *c = &cases->items[i];
    const jval *x = j_get(c, "expect");
    const jval *src = j_get(c, "source");
    outpaint_expansion e;
    if (expand_case(c, &e) != OUTPAINT_STATUS_OK) { check(0, "canvas.json", i, "expand"); continue; }
    unsigned char *px = malloc(src->n);
    for (size_t k = 0; k < src->n; k++) px[k] = (unsigned char)src->items[k].num;
    outpaint_image_view v = {j_u32(c, "width"), j_u32(c, "height"), px, src->n};
    size_t len = (size_t)e.new_width * e.new_height * 4;
    unsigned char *buf = malloc(len);
    outpaint_status s = outpaint_pad_into(v, &e, outpaint_str_c(j_str(c, "fill")), buf, len);
    check(s == OUTPAINT_STATUS_OK && same_bytes(buf, j_get(x, "data"), len), "canvas.json", i,
          "canvas differs");
    free(buf);
    free(px);
  }
  j_free(&root);
}

static int same_u32s(const jval *want, const unsigned *got, size_t n) {
  if (!want) return 1; /* not every case states every field */
  if (want->n != n) return 0;
  for (size_t k = 0; k < n; k++)
    if ((unsigned)want->items[k].num != got[k]) return 0;
  return 1;
}

static unsigned u(const jval *o, const char *a, const char *b) {
  return j_u32(j_get(o, a), b);
}

static void fits(const char *dir) {
  jval root;
  if (!load(dir, "fit.json", &root)) { failed++; return; }
  const jval *cases = j_get(&root, "cases");
  for (size_t i = 0; i < cases->n; i++) {
    const jval *c = &cases->items[i];
    const jval *x = j_get(c, "expect");
    outpaint_expansion e;
    if (expand_case(c, &e) != OUTPAINT_STATUS_OK) { check(0, "fit.json", i, "expand"); continue; }
    outpaint_bytes json = {NULL, 0};
    outpaint_status s = outpaint_fit(&e, outpaint_str_c(j_str(c, "target")),
                                     outpaint_str_c(j_str(c, "profile")), &json);
    jval plan;
    char *text = malloc(json.len + 1);
    memcpy(text, json.data, json.len);
    text[json.len] = 0;
    int ok = s == OUTPAINT_STATUS_OK && j_parse(text, &plan) != NULL;
    if (ok) {
      unsigned size[2] = {u(&plan, "size", "width"), u(&plan, "size", "height")};
      unsigned image[4] = {u(&plan, "image", "x"), u(&plan, "image", "y"), u(&plan, "image", "width"),
                           u(&plan, "image", "height")};
      unsigned edges[4] = {u(&plan, "edges", "left"), u(&plan, "edges", "right"), u(&plan, "edges", "top"),
                           u(&plan, "edges", "bottom")};
      unsigned padding[4] = {u(&plan, "padding", "left"), u(&plan, "padding", "right"),
                             u(&plan, "padding", "top"), u(&plan, "padding", "bottom")};
      ok = same_u32s(j_get(x, "size"), size, 2) && same_u32s(j_get(x, "image"), image, 4) &&
           same_u32s(j_get(x, "edges"), edges, 4) && same_u32s(j_get(x, "padding"), padding, 4);
      const char *want_aspect = j_str(x, "aspectRatio");
      if (want_aspect) ok = ok && j_str(&plan, "aspectRatio") && strcmp(j_str(&plan, "aspectRatio"), want_aspect) == 0;
      const jval *scale = j_get(x, "scale");
      if (scale) ok = ok && j_get(&plan, "scale") && j_get(&plan, "scale")->num == scale->num;
      j_free(&plan);
    }
    check(ok, "fit.json", i, "plan differs");
    free(text);
    outpaint_bytes_free(&json);
  }
  j_free(&root);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "tests/vectors";
  expansion(dir);
  masks(dir);
  canvases(dir);
  fits(dir);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
