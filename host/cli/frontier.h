/* gcomp bench-bits --frontier (frontier.c), and the heart_scale helpers of
 * bench_bits.c that it shares. */
#ifndef GCOMP_CLI_FRONTIER_H
#define GCOMP_CLI_FRONTIER_H

#include <stddef.h>
#include <stdint.h>

/* argv holds every bench-bits argument, "--frontier" included. */
int gcomp_cmd_frontier(int argc, char **argv);

/* Gradient at w = 0 of logistic regression on the LibSVM file `path`.
 * Returns 0 with *x (malloc'ed) and *d set, or 1 with a message in err. */
int cli_heart_gradient(const char *path, float **x, uint64_t *d, char *err, size_t errsize);

/* First readable heart_scale: $GCOMP_HEART_SCALE, the Debian package's
 * copy, the repository's .deps copy; NULL if none. */
const char *cli_heart_path(void);

#endif
