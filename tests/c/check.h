/* The C tests' check macro: counts passes and failures, prints each failure with the
 * library's last error message. */
#ifndef OUTPAINT_TEST_CHECK_H
#define OUTPAINT_TEST_CHECK_H
#include <stdio.h>

#include "outpaint.h"

static int passed = 0, failed = 0;
#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (cond) passed++;                                                                  \
    else {                                                                               \
      failed++;                                                                          \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__, \
              #cond, outpaint_last_error_message());                                     \
    }                                                                                    \
  } while (0)
#endif
