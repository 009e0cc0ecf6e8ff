/* A folder store for the session engine: key "a/b.json" is ROOT/a/b.json; the version
 * tag is a hash of the file's bytes; writes go to a temporary file renamed into place.
 * (Single process; a real host would add a lock around compare-and-swap.) */
#define _POSIX_C_SOURCE 200809L
#include "folder_store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int path_of(const folder_store *s, outpaint_str key, char *out, size_t cap) {
  if (key.len == 0 || key.len + strlen(s->root) + 2 > cap) return -1;
  for (size_t i = 0; i + 1 < key.len; i++)
    if (key.ptr[i] == '.' && key.ptr[i + 1] == '.') return -1; /* no escaping the root */
  snprintf(out, cap, "%s/%.*s", s->root, (int)key.len, key.ptr);
  return 0;
}

static unsigned char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
  *len = buf ? fread(buf, 1, (size_t)n, f) : 0;
  fclose(f);
  return buf;
}

static void tag_of(const unsigned char *data, size_t len, char out[40]) {
  unsigned long long h = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) h = (h ^ data[i]) * 1099511628211ULL;
  snprintf(out, 40, "%016llx-%zu", h, len);
}

static int mkdirs(char *path) { /* creates the parents of a file path */
  for (char *p = path + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      int r = mkdir(path, 0755);
      *p = '/';
      if (r != 0 && errno != EEXIST) return -1;
    }
  return 0;
}

static void list_into(const char *root, const char *dir, outpaint_str prefix, outpaint_str *keys,
                      char **owned, size_t *n, size_t cap) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *ent;
  while ((ent = readdir(d)) && *n < cap) {
    if (ent->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    struct stat st;
    if (stat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      list_into(root, path, prefix, keys, owned, n, cap);
    } else {
      const char *key = path + strlen(root) + 1;
      if (strncmp(key, prefix.ptr, prefix.len) == 0 && !strstr(key, ".tmp")) {
        owned[*n] = strdup(key);
        keys[*n] = outpaint_str_c(owned[*n]);
        (*n)++;
      }
    }
  }
  closedir(d);
}

void folder_store_answer(void *user_data, const outpaint_engine *engine, const outpaint_effect *e) {
  const folder_store *s = user_data;
  char path[4096], tag[40];
  uint64_t id = e->id;
  if (e->kind == OUTPAINT_EFFECT_LIST) {
    enum { CAP = 4096 };
    outpaint_str *keys = calloc(CAP, sizeof *keys);
    char **owned = calloc(CAP, sizeof *owned);
    size_t n = 0;
    list_into(s->root, s->root, e->data.list.prefix, keys, owned, &n, CAP);
    outpaint_engine_handle_list(engine, id, keys, n);
    for (size_t i = 0; i < n; i++) free(owned[i]);
    free(owned);
    free(keys);
    return;
  }
  outpaint_str key = e->kind == OUTPAINT_EFFECT_GET ? e->data.get.key : e->data.put.key;
  if (path_of(s, key, path, sizeof path) != 0) {
    outpaint_engine_handle_storage_error(engine, id, outpaint_str_c("refused key"));
    return;
  }
  size_t len = 0;
  unsigned char *current = read_all(path, &len);
  if (e->kind == OUTPAINT_EFFECT_GET) {
    if (!current) {
      outpaint_engine_handle_get(engine, id, false, NULL, 0, (outpaint_str){NULL, 0});
    } else {
      tag_of(current, len, tag);
      outpaint_engine_handle_get(engine, id, true, current, len, outpaint_str_c(tag));
    }
    free(current);
    return;
  }
  /* PUT */
  const outpaint_effect_put *put = &e->data.put;
  int ok = put->expect == OUTPAINT_EXPECT_ANY || (put->expect == OUTPAINT_EXPECT_ABSENT && !current);
  if (put->expect == OUTPAINT_EXPECT_TAG && current) {
    tag_of(current, len, tag);
    ok = strlen(tag) == put->expect_tag.len && memcmp(tag, put->expect_tag.ptr, put->expect_tag.len) == 0;
  }
  free(current);
  if (!ok) {
    outpaint_engine_handle_put(engine, id, false, (outpaint_str){NULL, 0});
    return;
  }
  char tmp[4200];
  /* One temporary file per effect: effects of one operation may run side by side. */
  snprintf(tmp, sizeof tmp, "%s.tmp%llu", path, (unsigned long long)id);
  FILE *f = NULL;
  if (mkdirs(path) != 0 || !(f = fopen(tmp, "wb")) || fwrite(put->body, 1, put->body_len, f) != put->body_len ||
      fclose(f) != 0 || rename(tmp, path) != 0) {
    outpaint_engine_handle_storage_error(engine, id, outpaint_str_c(strerror(errno)));
    return;
  }
  tag_of(put->body, put->body_len, tag);
  outpaint_engine_handle_put(engine, id, true, outpaint_str_c(tag));
}
