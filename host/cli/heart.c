/* The heart_scale data set (LibSVM, liblinear-tools' examples): where to
 * find it, and the gradient the bench-bits "heart" family compresses. */
#define _POSIX_C_SOURCE 200809L
#include "heart.h"

#include "libsvm.h"
#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The heart family: gradient at w = 0 of logistic regression on `path`.
 * Returns 0 with *x (malloc'ed) and *d set, or 1 with a message in err. */
int cli_heart_gradient(const char *path, float **x, uint64_t *d, char *err, size_t errsize) {
  cli_libsvm_t data;
  if (cli_libsvm_read(path, &data, err, errsize)) return 1;
  if (data.d == 0) {
    snprintf(err, errsize, "%s: no features", path);
    cli_libsvm_free(&data);
    return 1;
  }
  double *y = malloc(data.n * sizeof *y);
  double *w = calloc(data.d, sizeof *w), *g = malloc(data.d * sizeof *g);
  *x = malloc(data.d * sizeof **x);
  int rc = 0;
  char msg[160];
  if (!y || !w || !g || !*x) {
    snprintf(err, errsize, "%s: out of memory", path);
    rc = 1;
  } else if (cli_binary_labels(&data, y, msg, sizeof msg)) {
    snprintf(err, errsize, "%s: %s", path, msg); /* named like the reader's messages */
    rc = 1;
  } else {
    cli_logistic_gradient(&data, y, w, 1.0 / (double)data.n, g);
    for (uint64_t j = 0; j < data.d; j++) (*x)[j] = (float)g[j];
    *d = data.d;
  }
  if (rc) {
    free(*x);
    *x = NULL;
  }
  free(g);
  free(w);
  free(y);
  cli_libsvm_free(&data);
  return rc;
}

/* First readable candidate of --data, $GCOMP_HEART_SCALE, the Debian
 * package's copy, the repository's .deps copy (scripts/deps.sh). */
const char *cli_heart_path(void) {
  const char *env = getenv("GCOMP_HEART_SCALE");
  if (env && *env && access(env, R_OK) == 0) return env;
  if (access(CLI_HEART_SYSTEM, R_OK) == 0) return CLI_HEART_SYSTEM;
#ifdef GCOMP_DEPS_DIR
  if (access(GCOMP_DEPS_DIR "/heart_scale", R_OK) == 0) return GCOMP_DEPS_DIR "/heart_scale";
#endif
  return NULL;
}

