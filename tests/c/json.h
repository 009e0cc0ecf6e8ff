/* A small JSON reader for the C tests: enough for tests/vectors (objects, arrays,
 * strings without escapes beyond \" and \\, integers, true/false/null). Not for use
 * outside the tests. */
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

static const char *j_string(const char *p, char **out) {
  const char *s = ++p;
  size_t n = 0;
  while (*p && *p != '"') { if (*p == '\\') p++; p++; n++; }
  if (*p != '"') return NULL;
  char *d = malloc(n + 1), *w = d;
  for (const char *q = s; q < p; q++) { if (*q == '\\') q++; *w++ = *q; }
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
