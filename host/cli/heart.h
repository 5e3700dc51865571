/* The heart_scale data set (heart.c), shared by bench-bits, its frontier
 * and gcomp train. */
#ifndef GCOMP_CLI_HEART_H
#define GCOMP_CLI_HEART_H

#include <stddef.h>
#include <stdint.h>

/* Where Debian's liblinear-tools puts it. */
#define CLI_HEART_SYSTEM "/usr/share/doc/liblinear-tools/examples/heart_scale"

/* Gradient at w = 0 of logistic regression on the LibSVM file `path`.
 * Returns 0 with *x (malloc'ed) and *d set, or 1 with a message in err. */
int cli_heart_gradient(const char *path, float **x, uint64_t *d, char *err, size_t errsize);

/* First readable heart_scale: $GCOMP_HEART_SCALE, the Debian package's
 * copy, the repository's .deps copy; NULL if none. */
const char *cli_heart_path(void);

#endif
