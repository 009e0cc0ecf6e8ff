/* The C door of the bombs test: `door FILE OP TARGET` decodes FILE with the default
   limits and runs outpaint_run_local (OP "run") or outpaint_prepare (OP "prepare") to
   TARGET with the blur fill, prints the outcome's status name, then proves the library still works: a
   small outpaint_run_local must succeed after whatever happened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outpaint.h"

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
  *len = fread(b, 1, (size_t)n, f);
  fclose(f);
  return b;
}

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  size_t len = 0;
  unsigned char *bytes = slurp(argv[1], &len);
  if (!bytes) return 2;
  outpaint_prepare_options o = outpaint_prepare_options_default();
  o.target = outpaint_str_c(argv[3]);
  o.fill = outpaint_str_c("blur");
  o.feather = 32;
  outpaint_image img = {0, 0, NULL, 0};
  outpaint_status s = outpaint_decode(bytes, len, &img);
  if (s == OUTPAINT_STATUS_OK) {
    outpaint_image_view v = {img.width, img.height, img.data, img.len};
    if (strcmp(argv[2], "run") == 0) {
      outpaint_image out = {0, 0, NULL, 0};
      s = outpaint_run_local(v, &o, &out);
      outpaint_image_free(&out);
    } else {
      outpaint_image canvas = {0, 0, NULL, 0};
      outpaint_bytes mask = {NULL, 0}, plan = {NULL, 0};
      s = outpaint_prepare(v, &o, &canvas, &mask, &plan);
      outpaint_image_free(&canvas);
      outpaint_bytes_free(&mask);
      outpaint_bytes_free(&plan);
    }
  }
  outpaint_image_free(&img);
  free(bytes);
  unsigned char px[8 * 6 * 4];
  memset(px, 200, sizeof px);
  outpaint_image_view small = {8, 6, px, sizeof px};
  outpaint_image out = {0, 0, NULL, 0};
  o.target = outpaint_str_c("16:9");
  if (outpaint_run_local(small, &o, &out) != OUTPAINT_STATUS_OK || out.width != 11) return 3;
  outpaint_image_free(&out);
  printf("%s\n", s == OUTPAINT_STATUS_OK ? "OK" : outpaint_status_name(s));
  return 0;
}
