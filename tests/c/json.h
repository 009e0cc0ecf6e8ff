/* A small JSON reader for the C tests: enough for tests/vectors (objects, arrays,
 * strings with the JSON escapes, \uXXXX within the BMP, numbers, true/false/null). Not
 * for use outside the tests. */
#ifndef OUTPAINT_TEST_JSON_H
#define OUTPAINT_TEST_JSON_H

#include <stdlib.h>
#include <string.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
  jtype type;
  double num;
  char *str;          /* J_STR: NUL-terminated copy */
  size_t n;           /* J_ARR / J_OBJ: element count */
  struct jval *items; /* J_ARR / J_OBJ: elements */
  char **keys;        /* J_OBJ: keys */
} jval;

static const char *j_ws(const char *p) {
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
  return p;
}

static const char *j_parse(const char *p, jval *v);

static int j_hex(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

static const char *j_string(const char *p, char **out) {
  const char *s = ++p;
  size_t n = 0;
  while (*p && *p != '"') { if (*p == '\\' && p[1]) p++; p++; n++; }
  if (*p != '"') return NULL;
  char *d = malloc(3 * n + 1), *w = d; /* \uXXXX needs at most 3 bytes of UTF-8 */
  for (const char *q = s; q < p; q++) {
    if (*q != '\\') { *w++ = *q; continue; }
    switch (*++q) {
      case 'n': *w++ = '\n'; break;
      case 't': *w++ = '\t'; break;
      case 'r': *w++ = '\r'; break;
      case 'b': *w++ = '\b'; break;
      case 'f': *w++ = '\f'; break;
      case 'u': {
        int c = q + 4 < p ? j_hex(q + 1) : -1;
        if (c < 0) { free(d); return NULL; }
        q += 4;
        if (c < 0x80) *w++ = (char)c;
        else if (c < 0x800) { *w++ = (char)(0xC0 | (c >> 6)); *w++ = (char)(0x80 | (c & 0x3F)); }
        else { *w++ = (char)(0xE0 | (c >> 12)); *w++ = (char)(0x80 | ((c >> 6) & 0x3F)); *w++ = (char)(0x80 | (c & 0x3F)); }
        break;
      }
      default: *w++ = *q; /* \" \\ \/ */
    }
  }
  *w = 0;
  *out = d;
  return p + 1;
}

static const char *j_list(const char *p, jval *v, char close, int keyed) {
  size_t cap = 8;
  v->items = malloc(cap * sizeof(jval));
  v->keys = keyed ? malloc(cap * sizeof(char *)) : NULL;
  v->n = 0;
  p = j_ws(p + 1);
  if (*p == close) return p + 1;
  for (;;) {
    if (v->n == cap) {
      cap *= 2;
      v->items = realloc(v->items, cap * sizeof(jval));
      if (keyed) v->keys = realloc(v->keys, cap * sizeof(char *));
    }
    if (keyed) {
      p = j_ws(p);
      if (*p != '"' || !(p = j_string(p, &v->keys[v->n]))) return NULL;
      p = j_ws(p);
      if (*p++ != ':') return NULL;
    }
    if (!(p = j_parse(p, &v->items[v->n]))) return NULL;
    v->n++;
    p = j_ws(p);
    if (*p == ',') { p++; continue; }
    if (*p == close) return p + 1;
    return NULL;
  }
}

static const char *j_parse(const char *p, jval *v) {
  memset(v, 0, sizeof *v);
  p = j_ws(p);
  switch (*p) {
    case '{': v->type = J_OBJ; return j_list(p, v, '}', 1);
    case '[': v->type = J_ARR; return j_list(p, v, ']', 0);
    case '"': v->type = J_STR; return j_string(p, &v->str);
    case 't': v->type = J_BOOL; v->num = 1; return p + 4;
    case 'f': v->type = J_BOOL; return p + 5;
    case 'n': v->type = J_NULL; return p + 4;
    default: {
      char *end;
      v->type = J_NUM;
      v->num = strtod(p, &end);
      return end == p ? NULL : end;
    }
  }
}

static void j_free(jval *v) {
  free(v->str);
  for (size_t i = 0; i < v->n; i++) {
    j_free(&v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
}

/* The member `key` of an object, or NULL. */
static const jval *j_get(const jval *o, const char *key) {
  if (!o || o->type != J_OBJ) return NULL;
  for (size_t i = 0; i < o->n; i++)
    if (strcmp(o->keys[i], key) == 0) return &o->items[i];
  return NULL;
}

static unsigned j_u32(const jval *o, const char *key) {
  const jval *v = j_get(o, key);
  return v ? (unsigned)v->num : 0;
}

static const char *j_str(const jval *o, const char *key) {
  const jval *v = j_get(o, key);
  return v && v->type == J_STR ? v->str : NULL;
}

#endif
