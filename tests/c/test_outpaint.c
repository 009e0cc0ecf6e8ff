/* C tests of liboutpaint: every function, every error path. Built with
 * -Wall -Wextra -Werror -std=c11 by scripts/c-tests.sh (also under ASan/UBSan and
 * valgrind in later work). Prints "N passed, M failed". */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outpaint.h"

#include "check.h"

static int has(const outpaint_bytes *b, const char *needle);

static const outpaint_str NONE = {NULL, 0};

static void test_expand(void) {
  outpaint_expansion e;
  memset(&e, 0, sizeof e);
  CHECK(outpaint_expand(1024, 1024, outpaint_str_c("16:9"), NONE, &e) == OUTPAINT_STATUS_OK);
  CHECK(e.left == 398 && e.right == 398 && e.new_width == 1820 && e.new_height == 1024);
  CHECK(strcmp(outpaint_last_error_message(), "") == 0);
  CHECK(outpaint_expand(1920, 1080, outpaint_str_c("9:16"), NONE, &e) == OUTPAINT_STATUS_OK);
  CHECK(e.top == 1166 && e.bottom == 1167 && e.new_height == 3413);
  CHECK(outpaint_expand(1024, 1024, outpaint_str_c("expand_all"), outpaint_str_c("top-left"), &e) ==
        OUTPAINT_STATUS_OK);
  CHECK(e.left == 0 && e.right == 512 && e.top == 0 && e.bottom == 512);
  /* A target given with a length, not NUL-terminated. */
  const char buf[] = {'4', ':', '3', 'X'};
  outpaint_str t = {buf, 3};
  CHECK(outpaint_expand(1024, 1024, t, NONE, &e) == OUTPAINT_STATUS_OK && e.new_width == 1365);

  /* Errors: outputs untouched, codes and messages. */
  outpaint_expansion before = e;
  CHECK(outpaint_expand(10, 10, outpaint_str_c("wide"), NONE, &e) == OUTPAINT_STATUS_INVALID_TARGET);
  CHECK(memcmp(&before, &e, sizeof e) == 0);
  CHECK(strncmp(outpaint_last_error_message(), "INVALID_TARGET: ", 16) == 0);
  CHECK(outpaint_expand(0, 10, outpaint_str_c("16:9"), NONE, &e) == OUTPAINT_STATUS_INVALID_DIMENSIONS);
  CHECK(outpaint_expand(20000, 10, outpaint_str_c("16:9"), NONE, &e) == OUTPAINT_STATUS_IMAGE_TOO_LARGE);
  CHECK(outpaint_expand(10, 10, outpaint_str_c("16:9"), outpaint_str_c("middle"), &e) ==
        OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_expand(10, 10, NONE, NONE, &e) == OUTPAINT_STATUS_INVALID_TARGET);
  CHECK(outpaint_expand(10, 10, outpaint_str_c("16:9"), NONE, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  outpaint_str dangling = {NULL, 5};
  CHECK(outpaint_expand(10, 10, dangling, NONE, &e) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(strcmp(outpaint_status_name(OUTPAINT_STATUS_STORAGE_ERROR), "STORAGE_ERROR") == 0);
  CHECK(strcmp(outpaint_status_name(OUTPAINT_STATUS_OK), "OK") == 0);
  CHECK(strcmp(outpaint_status_name(12345), "UNKNOWN") == 0);
}

static uint8_t *gradient(uint32_t w, uint32_t h) {
  uint8_t *px = malloc((size_t)w * h * 4);
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++) {
      uint8_t *p = px + ((size_t)y * w + x) * 4;
      p[0] = (uint8_t)(x * 4);
      p[1] = (uint8_t)(y * 4);
      p[2] = 100;
      p[3] = 255;
    }
  return px;
}

static void test_codec(void) {
  uint8_t *px = gradient(40, 30);
  outpaint_image_view v = {40, 30, px, 40 * 30 * 4};
  outpaint_bytes png = {NULL, 0};
  CHECK(outpaint_encode_png(v, &png) == OUTPAINT_STATUS_OK && png.len > 8);
  outpaint_image img = {0, 0, NULL, 0};
  CHECK(outpaint_decode(png.data, png.len, &img) == OUTPAINT_STATUS_OK);
  CHECK(img.width == 40 && img.height == 30 && img.len == 40 * 30 * 4);
  CHECK(img.data && memcmp(img.data, px, img.len) == 0);
  outpaint_image_free(&img);
  CHECK(img.data == NULL);
  outpaint_image_free(&img); /* twice: no-op */
  outpaint_image_free(NULL);

  /* Corrupt and unsupported bytes, zero length, NULL. */
  outpaint_image untouched = {7, 7, NULL, 0};
  CHECK(outpaint_decode(png.data, png.len / 2, &untouched) == OUTPAINT_STATUS_CORRUPT_IMAGE);
  CHECK(untouched.width == 7);
  const uint8_t gif[] = "GIF89a....";
  CHECK(outpaint_decode(gif, sizeof gif, &untouched) == OUTPAINT_STATUS_UNSUPPORTED_FORMAT);
  CHECK(outpaint_decode(png.data, 0, &untouched) == OUTPAINT_STATUS_UNSUPPORTED_FORMAT);
  CHECK(outpaint_decode(NULL, 10, &untouched) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_decode(png.data, png.len, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  outpaint_bytes_free(&png);
  outpaint_bytes_free(&png);
  outpaint_bytes_free(NULL);

  /* A view whose length does not match its size. */
  outpaint_image_view bad = {40, 30, px, 10};
  outpaint_bytes out = {NULL, 0};
  CHECK(outpaint_encode_png(bad, &out) == OUTPAINT_STATUS_INVALID_DIMENSIONS);
  outpaint_image_view zero = {0, 30, px, 0};
  CHECK(outpaint_encode_png(zero, &out) == OUTPAINT_STATUS_INVALID_DIMENSIONS);
  CHECK(out.data == NULL);
  free(px);
}

static void test_prepare_composite(void) {
  uint8_t *px = gradient(64, 64);
  outpaint_image_view src = {64, 64, px, 64 * 64 * 4};
  outpaint_prepare_options o = outpaint_prepare_options_default();
  o.target = outpaint_str_c("16:9");
  o.fill = outpaint_str_c("edge");
  o.profile = outpaint_str_c("flux-fill");
  o.feather = 8;
  outpaint_image canvas = {0, 0, NULL, 0};
  outpaint_bytes mask = {NULL, 0}, plan = {NULL, 0};
  CHECK(outpaint_prepare(src, &o, &canvas, &mask, &plan) == OUTPAINT_STATUS_OK);
  /* 64x64 -> 114x64 -> flux-fill pads to 128x64 (multiples of 16). */
  CHECK(canvas.width == 128 && canvas.height == 64 && mask.len == 128 * 64);
  CHECK(mask.data[0] == 255 && mask.data[32 * 128 + 64] == 0);
  /* Edge fill: first pixel of a row repeats the original's first pixel. */
  CHECK(canvas.data[0] == px[0] && canvas.data[3] == 255);
  CHECK(plan.len > 0 && memchr(plan.data, '{', plan.len) == plan.data);

  outpaint_image_view result = {canvas.width, canvas.height, canvas.data, canvas.len};
  outpaint_str plan_s = {(const char *)plan.data, plan.len};
  outpaint_image out = {0, 0, NULL, 0};
  CHECK(outpaint_composite(src, result, plan_s, 8, 0, NONE, &out) == OUTPAINT_STATUS_OK);
  CHECK(out.width == 114 && out.height == 64);
  /* Outside the 8 px band the original comes back byte-identical. */
  size_t left = 25;
  CHECK(memcmp(out.data + (10 * 114 + left + 20) * 4, px + (10 * 64 + 20) * 4, 4 * 20) == 0);
  outpaint_image_free(&out);

  CHECK(outpaint_composite(src, result, outpaint_str_c("{not a plan"), 8, 0, NONE, &out) ==
        OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_composite(src, result, NONE, 8, 0, NONE, &out) == OUTPAINT_STATUS_INVALID_OPTION);
  outpaint_image_view other = {32, 32, px, 32 * 32 * 4};
  CHECK(outpaint_composite(other, result, plan_s, 8, 0, NONE, &out) ==
        OUTPAINT_STATUS_INVALID_DIMENSIONS);

  /* The seam report, and the colour match, on a result with a red cast. */
  uint8_t *cast = malloc(canvas.len);
  CHECK(cast != NULL);
  memcpy(cast, canvas.data, canvas.len);
  for (size_t i = 0; i < canvas.len; i += 4) {
    unsigned r = cast[i] * 9u / 8u;
    cast[i] = (uint8_t)(r > 255 ? 255 : r);
  }
  outpaint_image_view tinted = {canvas.width, canvas.height, cast, canvas.len};
  outpaint_bytes report = {NULL, 0};
  CHECK(outpaint_composite_report(src, tinted, plan_s, outpaint_str_c("{\"feather\":8}"), &out,
                                  &report) == OUTPAINT_STATUS_OK);
  CHECK(out.width == 114 && out.height == 64);
  CHECK(memcmp(out.data + (10 * 114 + left + 20) * 4, px + (10 * 64 + 20) * 4, 4 * 20) == 0);
  /* The new area lost the cast: its red is back near the original's edge colour. */
  CHECK(abs((int)out.data[(10 * 114) * 4] - (int)px[(10 * 64) * 4]) <= 3);
  CHECK(report.len > 0 && has(&report, "\"colour\":\"field\""));
  CHECK(has(&report, "\"edges\":[{\"edge\":\"left\""));
  CHECK(has(&report, "\"seamJump\":"));
  outpaint_image_free(&out);
  outpaint_bytes_free(&report);
  /* Off: the cast stays; the report alone (out NULL). */
  CHECK(outpaint_composite_report(src, tinted, plan_s,
                                  outpaint_str_c("{\"feather\":8,\"colour\":\"off\"}"), NULL,
                                  &report) == OUTPAINT_STATUS_OK);
  CHECK(has(&report, "\"colour\":\"off\""));
  outpaint_bytes_free(&report);
  CHECK(outpaint_composite_report(src, tinted, plan_s, outpaint_str_c("{\"colour\":\"sepia\"}"),
                                  NULL, &report) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_composite_report(src, tinted, plan_s, outpaint_str_c("{\"detail\":3}"), NULL,
                                  &report) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_composite_report(src, tinted, plan_s, outpaint_str_c("[1"), NULL, &report) ==
        OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_composite_report(src, tinted, plan_s, NONE, NULL, NULL) ==
        OUTPAINT_STATUS_NULL_PARAMETER);
  free(cast);

  o.fill = outpaint_str_c("smear");
  CHECK(outpaint_prepare(src, &o, &canvas, &mask, &plan) == OUTPAINT_STATUS_INVALID_OPTION);
  o.fill = outpaint_str_c("blur");
  o.feather = 1000000;
  CHECK(outpaint_prepare(src, &o, &canvas, &mask, &plan) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_prepare(src, NULL, &canvas, &mask, &plan) == OUTPAINT_STATUS_NULL_PARAMETER);
  o.feather = 8;

  /* The offline local provider, end to end. */
  outpaint_image full = {0, 0, NULL, 0};
  CHECK(outpaint_run_local(src, &o, &full) == OUTPAINT_STATUS_OK);
  CHECK(full.width == 114 && full.height == 64 && full.data[3] == 255);
  outpaint_image_free(&full);

  /* Caller-allocated canvas. */
  outpaint_expansion e;
  CHECK(outpaint_expand(64, 64, outpaint_str_c("16:9"), NONE, &e) == OUTPAINT_STATUS_OK);
  size_t n = (size_t)e.new_width * e.new_height * 4;
  uint8_t *buf = malloc(n);
  CHECK(outpaint_pad_into(src, &e, outpaint_str_c("mirror"), buf, n) == OUTPAINT_STATUS_OK);
  CHECK(memcmp(buf + (size_t)e.left * 4, px, 4) == 0);
  CHECK(outpaint_pad_into(src, &e, NONE, buf, n - 1) == OUTPAINT_STATUS_INVALID_DIMENSIONS);
  CHECK(outpaint_pad_into(src, NULL, NONE, buf, n) == OUTPAINT_STATUS_NULL_PARAMETER);
  free(buf);

  /* Masks into a caller buffer: clamping reported, error paths. */
  size_t mn = (size_t)e.new_width * e.new_height;
  uint8_t *m = malloc(mn);
  uint32_t ef = 0, eo = 0;
  CHECK(outpaint_mask_into(&e, 500, 4, NONE, outpaint_str_c("binary"), m, mn, &ef, &eo) ==
        OUTPAINT_STATUS_OK);
  CHECK(ef == 28 && eo == 4); /* 64 px wide, grown both sides: 32 per side - 4 overlap */
  CHECK(m[0] == 255 && m[(size_t)e.left + 4] == 0 && m[(size_t)e.left + 3] == 255);
  CHECK(outpaint_mask_into(&e, 0, 0, NONE, NONE, m, mn, NULL, NULL) == OUTPAINT_STATUS_OK);
  CHECK(outpaint_mask_into(&e, 0, 0, NONE, outpaint_str_c("grey"), m, mn, NULL, NULL) ==
        OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_mask_into(&e, 0, 0, NONE, outpaint_str_c("alpha"), m, mn, NULL, NULL) ==
        OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_mask_into(&e, 0, 0, NONE, NONE, m, mn - 1, NULL, NULL) ==
        OUTPAINT_STATUS_INVALID_DIMENSIONS);
  CHECK(outpaint_mask_into(&e, 0, 0, NONE, NONE, NULL, mn, NULL, NULL) ==
        OUTPAINT_STATUS_NULL_PARAMETER);
  outpaint_expansion broken = e;
  broken.left = broken.new_width;
  CHECK(outpaint_mask_into(&broken, 0, 0, NONE, NONE, m, mn, NULL, NULL) ==
        OUTPAINT_STATUS_INVALID_DIMENSIONS);
  free(m);

  outpaint_image_free(&canvas);
  outpaint_bytes_free(&mask);
  outpaint_bytes_free(&plan);
  free(px);
}

/* Whether library bytes (not NUL-terminated) contain `needle`. */
static int has(const outpaint_bytes *b, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; b->data && i + n <= b->len; i++)
    if (memcmp(b->data + i, needle, n) == 0) return 1;
  return 0;
}

static void test_data(void) {
  /* Decode with the caller's limits: refused before pixels are allocated. */
  uint8_t *px = gradient(40, 30);
  outpaint_image_view v = {40, 30, px, 40 * 30 * 4};
  outpaint_bytes png = {NULL, 0};
  CHECK(outpaint_encode_png(v, &png) == OUTPAINT_STATUS_OK);
  outpaint_limits l = outpaint_limits_default();
  CHECK(l.max_side == 16384 && l.max_bytes == 50000000);
  outpaint_image img = {0, 0, NULL, 0};
  CHECK(outpaint_decode_limited(png.data, png.len, &l, &img) == OUTPAINT_STATUS_OK && img.width == 40);
  outpaint_image_free(&img);
  l.max_side = 32;
  CHECK(outpaint_decode_limited(png.data, png.len, &l, &img) == OUTPAINT_STATUS_IMAGE_TOO_LARGE);
  l = outpaint_limits_default();
  l.max_bytes = 10;
  CHECK(outpaint_decode_limited(png.data, png.len, &l, &img) == OUTPAINT_STATUS_IMAGE_TOO_LARGE);
  CHECK(outpaint_decode_limited(png.data, png.len, NULL, &img) == OUTPAINT_STATUS_NULL_PARAMETER);
  /* The working-memory budget: a 40x30 decode needs its 16 MB header allowance. */
  l = outpaint_limits_default();
  CHECK(l.size == sizeof(outpaint_limits) && l.max_memory_bytes == 1073741824ull);
  CHECK(l.max_pixels == 36000000u && l.max_canvas_pixels == 36000000u);
  l.max_memory_bytes = 1000000;
  CHECK(outpaint_decode_limited(png.data, png.len, &l, &img) == OUTPAINT_STATUS_IMAGE_TOO_LARGE);
  CHECK(strstr(outpaint_last_error_message(), "working memory") != NULL);
  /* A size no release had is refused, never read past. */
  l = outpaint_limits_default();
  l.size = 0;
  CHECK(outpaint_decode_limited(png.data, png.len, &l, &img) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(strstr(outpaint_last_error_message(), "outpaint_limits.size is 0") != NULL);
  l.size = sizeof(outpaint_limits) + 8;
  CHECK(outpaint_decode_limited(png.data, png.len, &l, &img) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(img.data == NULL);
  outpaint_bytes_free(&png);
  free(px);

  /* Options with limits: the 1x14999 strip of the reliability audit to 16:9 is a
     400 MP canvas; with the canvas limit raised, the memory budget refuses it at once. */
  {
    uint8_t *strip = gradient(1, 14999);
    outpaint_image_view sv = {1, 14999, strip, 14999 * 4};
    outpaint_limits big = outpaint_limits_default();
    big.max_canvas_pixels = 1000000000u;
    outpaint_prepare_options so = outpaint_prepare_options_default();
    CHECK(so.size == sizeof(outpaint_prepare_options) && so.limits == NULL);
    so.target = outpaint_str_c("16:9");
    so.limits = &big;
    outpaint_image out = {0, 0, NULL, 0};
    CHECK(outpaint_run_local(sv, &so, &out) == OUTPAINT_STATUS_IMAGE_TOO_LARGE);
    CHECK(strstr(outpaint_last_error_message(), "working memory") != NULL && out.data == NULL);
    /* Without the raised limit, the canvas limit refuses it. */
    so.limits = NULL;
    CHECK(outpaint_run_local(sv, &so, &out) == OUTPAINT_STATUS_IMAGE_TOO_LARGE);
    CHECK(strstr(outpaint_last_error_message(), "canvas would be") != NULL);
    /* = {0} options are refused, naming the struct. */
    outpaint_prepare_options zero;
    memset(&zero, 0, sizeof zero);
    zero.target = outpaint_str_c("16:9");
    CHECK(outpaint_run_local(sv, &zero, &out) == OUTPAINT_STATUS_INVALID_OPTION);
    CHECK(strstr(outpaint_last_error_message(), "outpaint_prepare_options.size") != NULL);
    /* And the library is fine after every refusal: a small run succeeds. */
    outpaint_image_view small = {1, 100, strip, 100 * 4};
    so.target = outpaint_str_c("1:1");
    CHECK(outpaint_run_local(small, &so, &out) == OUTPAINT_STATUS_OK && out.width == 100);
    outpaint_image_free(&out);
    free(strip);
  }

  /* Fitting. */
  outpaint_expansion e;
  CHECK(outpaint_expand(1024, 1024, outpaint_str_c("16:9"), NONE, &e) == OUTPAINT_STATUS_OK);
  outpaint_bytes plan = {NULL, 0};
  CHECK(outpaint_fit(&e, outpaint_str_c("16:9"), outpaint_str_c("openai"), &plan) == OUTPAINT_STATUS_OK);
  /* gpt-image-2: any size divisible by 16; the 1820x1024 canvas padded to 1824x1024. */
  CHECK(plan.len > 0 && has(&plan, "\"size\":{\"width\":1824,\"height\":1024}"));
  outpaint_bytes_free(&plan);

  /* The model registry: built in, patched, and a patch that breaks it. */
  outpaint_bytes reg = {NULL, 0};
  CHECK(outpaint_registry(NONE, &reg) == OUTPAINT_STATUS_OK);
  CHECK(has(&reg, "\"generate\":\"gpt-image-2\"") && has(&reg, "\"recraft-outpaint\""));
  outpaint_bytes_free(&reg);
  CHECK(outpaint_registry(outpaint_str_c("{\"columns\":{\"recraft\":{\"generate\":\"recraftv3\"}}}"), &reg) ==
        OUTPAINT_STATUS_OK);
  CHECK(has(&reg, "\"generate\":\"recraftv3\""));
  outpaint_bytes_free(&reg);
  CHECK(outpaint_registry(outpaint_str_c("{\"columns\":{\"recraft\":{\"generate\":\"nope\"}}}"), &reg) ==
        OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(strstr(outpaint_last_error_message(), "not in models") != NULL);
  CHECK(outpaint_registry(outpaint_str_c("{not json"), &reg) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_registry(NONE, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
  CHECK(outpaint_fit(&e, outpaint_str_c("16:9"), outpaint_str_c("dalle"), &plan) == OUTPAINT_STATUS_INVALID_OPTION);
  CHECK(outpaint_fit(&e, NONE, NONE, &plan) == OUTPAINT_STATUS_INVALID_TARGET);
  CHECK(outpaint_fit(NULL, outpaint_str_c("16:9"), NONE, &plan) == OUTPAINT_STATUS_NULL_PARAMETER);

  /* Standalone planning with a patched registry: a host's own profile, in fit and prepare. */
  {
    outpaint_str studio =
        outpaint_str_c("{\"profiles\":{\"studio\":{\"send\":\"canvas\",\"multipleOf\":64,\"maxPixels\":1048576}}}");
    CHECK(outpaint_fit_registry(&e, outpaint_str_c("16:9"), outpaint_str_c("studio"), studio, &plan) == OUTPAINT_STATUS_OK);
    /* 1820x1024 scaled under 1 MP, padded to multiples of 64: 1344x768. */
    CHECK(has(&plan, "\"profile\":\"studio\"") && has(&plan, "\"size\":{\"width\":1344,\"height\":768}"));
    outpaint_bytes_free(&plan);
    /* Without the patch the profile is unknown, and so is a patch that is not JSON. */
    CHECK(outpaint_fit_registry(&e, outpaint_str_c("16:9"), outpaint_str_c("studio"), NONE, &plan) ==
          OUTPAINT_STATUS_INVALID_OPTION);
    CHECK(strstr(outpaint_last_error_message(), "unknown profile \"studio\"") != NULL);
    CHECK(outpaint_fit_registry(&e, outpaint_str_c("16:9"), outpaint_str_c("studio"), outpaint_str_c("{"), &plan) ==
          OUTPAINT_STATUS_INVALID_OPTION);
    CHECK(strstr(outpaint_last_error_message(), "the registry patch is not JSON") != NULL);
    CHECK(outpaint_fit_registry(&e, NONE, NONE, NONE, &plan) == OUTPAINT_STATUS_INVALID_TARGET);
    CHECK(outpaint_fit_registry(&e, outpaint_str_c("16:9"), NONE, NONE, NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
    uint8_t *px2 = gradient(64, 64);
    outpaint_image_view v2 = {64, 64, px2, 64 * 64 * 4};
    outpaint_prepare_options po = outpaint_prepare_options_default();
    CHECK(po.registry.ptr == NULL && po.registry.len == 0);
    po.target = outpaint_str_c("16:9");
    po.profile = outpaint_str_c("studio");
    po.registry = studio;
    outpaint_image canvas = {0, 0, NULL, 0};
    outpaint_bytes mask = {NULL, 0}, pplan = {NULL, 0};
    CHECK(outpaint_prepare(v2, &po, &canvas, &mask, &pplan) == OUTPAINT_STATUS_OK);
    CHECK(canvas.width % 64 == 0 && canvas.height % 64 == 0 && has(&pplan, "\"profile\":\"studio\""));
    outpaint_image_free(&canvas);
    outpaint_bytes_free(&mask);
    outpaint_bytes_free(&pplan);
    /* A caller built against the header before `registry` (size 120) still works: its
       struct ends before the field, which takes its default (the built-in registry). */
    po.size = offsetof(outpaint_prepare_options, registry);
    CHECK(po.size == 120);
    CHECK(outpaint_prepare(v2, &po, &canvas, &mask, &pplan) == OUTPAINT_STATUS_INVALID_OPTION);
    CHECK(strstr(outpaint_last_error_message(), "unknown profile \"studio\"") != NULL);
    po.profile = outpaint_str_c("flux-fill");
    CHECK(outpaint_prepare(v2, &po, &canvas, &mask, &pplan) == OUTPAINT_STATUS_OK && has(&pplan, "\"flux-fill\""));
    outpaint_image_free(&canvas);
    outpaint_bytes_free(&mask);
    outpaint_bytes_free(&pplan);
    free(px2);
  }

  /* Context prompts. */
  const char *window =
      "{\"model\":\"flux\",\"sessionId\":\"s\",\"window\":["
      "{\"iteration\":0,\"prompt\":\"a lake\",\"imageKey\":\"k0\",\"timestamp\":\"t\"},"
      "{\"iteration\":1,\"prompt\":\"wider\",\"imageKey\":\"k1\",\"timestamp\":\"t\",\"outpaintPreset\":\"16:9\"}]}";
  outpaint_bytes p = {NULL, 0};
  CHECK(outpaint_context_prompt(outpaint_str_c(window), outpaint_str_c("flux"), outpaint_str_c(" warmer "), NONE, &p) ==
        OUTPAINT_STATUS_OK);
  const char *want = "Previous: a lake | outpaint 16:9: wider. Now: warmer";
  CHECK(p.len == strlen(want) && memcmp(p.data, want, p.len) == 0);
  outpaint_bytes_free(&p);
  CHECK(outpaint_context_prompt(outpaint_str_c("{broken"), outpaint_str_c("flux"), outpaint_str_c("x"), NONE, &p) ==
        OUTPAINT_STATUS_OK);
  CHECK(p.len == 1 && p.data[0] == 'x');
  outpaint_bytes_free(&p);
  CHECK(outpaint_context_prompt(NONE, outpaint_str_c("Dall E"), outpaint_str_c("x"), NONE, &p) ==
        OUTPAINT_STATUS_MODEL_NOT_FOUND);
  CHECK(outpaint_context_prompt(NONE, outpaint_str_c("flux"), outpaint_str_c("  "), NONE, &p) ==
        OUTPAINT_STATUS_PROMPT_REQUIRED);

  /* Session JSON: tolerant parse, statuses recomputed. */
  const char *stored =
      "{\"sessionId\":\"6f1c2b8e-3a4d-4f5e-8a9b-0c1d2e3f4a5b\",\"status\":\"pending\",\"extra\":1,\"models\":{\"flux\":{\"enabled\":true,"
      "\"iterations\":[{\"index\":0,\"status\":\"completed\",\"prompt\":\"p\",\"startedAt\":\"t\",\"imageKey\":\"k\"}]}}}";
  outpaint_bytes norm = {NULL, 0};
  CHECK(outpaint_session_normalize(outpaint_str_c(stored), &norm) == OUTPAINT_STATUS_OK);
  CHECK(has(&norm, "\"status\": \"completed\""));
  CHECK(has(&norm, "\"iterationCount\": 1"));
  CHECK(!has(&norm, "extra"));
  outpaint_bytes_free(&norm);
  CHECK(outpaint_session_normalize(outpaint_str_c("{not json"), &norm) == OUTPAINT_STATUS_STORAGE_ERROR);
  CHECK(outpaint_session_normalize(outpaint_str_c("{}"), NULL) == OUTPAINT_STATUS_NULL_PARAMETER);
}

int main(void) {
  CHECK(OUTPAINT_VERSION_MAJOR == 0 && OUTPAINT_VERSION_MINOR == 1);
  CHECK(strcmp(outpaint_version(), "0.1.0") == 0);
  test_expand();
  test_codec();
  test_prepare_composite();
  test_data();
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
