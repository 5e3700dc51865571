/* Reproducible input vectors for bench-bits: a small PRNG of our own (the
 * same numbers on every libc), the synthetic families, and the logistic
 * regression gradient behind the `heart` family. */
#ifndef GCOMP_CLI_VECTORS_H
#define GCOMP_CLI_VECTORS_H

#include "libsvm.h"

#include <stddef.h>
#include <stdint.h>

/* splitmix64: tiny, full period 2^64, good enough for test data. */
typedef struct {
  uint64_t state;
} cli_rng_t;

uint64_t cli_rng_next(cli_rng_t *rng);
/* Uniform in the open interval (0, 1). */
double cli_rng_uniform(cli_rng_t *rng);
/* Standard normal (Marsaglia's polar method). */
double cli_rng_normal(cli_rng_t *rng);

typedef enum {
  CLI_FAMILY_GAUSSIAN = 0,
  CLI_FAMILY_HEAVY,  /* Student-t, 2 degrees of freedom */
  CLI_FAMILY_SPARSE, /* 1% of the coordinates nonzero (at least one) */
  CLI_FAMILY_SPIKE,  /* a single nonzero coordinate */
  CLI_NUM_FAMILIES
} cli_family_t;

const char *cli_family_name(cli_family_t family);

/* x[0..d) of `family`, a pure function of (family, d, seed). */
void cli_family_fill(cli_family_t family, uint64_t d, uint64_t seed, float *x);

/* y[i] = +1 / -1 for the larger / smaller of the two label values in
 * `data`. Returns 0, or -1 with a message in err when there are not
 * exactly two classes. */
int cli_binary_labels(const cli_libsvm_t *data, double *y, char *err, size_t errsize);

/* Gradient at w[0..d) of the L2-regularized logistic loss
 *   (1/n) sum_i log(1 + exp(-y_i a_i.w)) + lambda/2 |w|^2
 * into grad[0..d), d = data->d. */
void cli_logistic_gradient(const cli_libsvm_t *data, const double *y, const double *w,
                           double lambda, double *grad);

#endif
