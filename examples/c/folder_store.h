/* A folder store for the outpaint session engine, in plain C (POSIX). */
#ifndef FOLDER_STORE_H
#define FOLDER_STORE_H

#include "outpaint.h"

typedef struct {
  const char *root; /* keys are files below this folder */
} folder_store;

/* The outpaint_host storage callback: answers GET, PUT and LIST effects at once. */
void folder_store_answer(void *user_data, const outpaint_engine *engine, const outpaint_effect *effect);

#endif
