/* Vector families for bench-bits. Everything here uses only +, *, /, sqrt
 * and log, so the vectors are bit-identical wherever log is correctly
 * rounded (glibc, musl); the Student-t sampler needs no log at all. */
#include "vectors.h"

#include <math.h>
#include <stdio.h>

uint64_t cli_rng_next(cli_rng_t *rng) {
  uint64_t z = (rng->state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double cli_rng_uniform(cli_rng_t *rng) {
  /* 53 random bits, centred in their cell: never exactly 0 or 1, which the
   * t sampler and the log in the polar method both need. */
  return ((double)(cli_rng_next(rng) >> 11) + 0.5) * 0x1p-53;
}

double cli_rng_normal(cli_rng_t *rng) {
  /* Polar rather than Box-Muller: no sin/cos, whose last bit varies more
   * between libms than log's does. */
  for (;;) {
    double u = 2.0 * cli_rng_uniform(rng) - 1.0, v = 2.0 * cli_rng_uniform(rng) - 1.0;
    double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * sqrt(-2.0 * log(s) / s);
  }
}

const char *cli_family_name(cli_family_t family) {
  static const char *const names[CLI_NUM_FAMILIES] = {"gaussian", "heavy", "sparse", "spike"};
  return (unsigned)family < CLI_NUM_FAMILIES ? names[family] : "?";
}

void cli_family_fill(cli_family_t family, uint64_t d, uint64_t seed, float *x) {
  /* Mixing the family in keeps the families independent for equal seeds. */
  cli_rng_t rng = {seed * 0xD1B54A32D192ED03ull + (uint64_t)family + 1};
  for (uint64_t i = 0; i < d; i++) x[i] = 0.0f;
  switch (family) {
  case CLI_FAMILY_GAUSSIAN:
    for (uint64_t i = 0; i < d; i++) x[i] = (float)cli_rng_normal(&rng);
    break;
  case CLI_FAMILY_HEAVY:
    /* Inverse CDF of t with 2 dof: F(t) = 1/2 + t / (2 sqrt(2 + t^2)). */
    for (uint64_t i = 0; i < d; i++) {
      double u = cli_rng_uniform(&rng);
      x[i] = (float)((2.0 * u - 1.0) / sqrt(2.0 * u * (1.0 - u)));
    }
    break;
  case CLI_FAMILY_SPARSE: {
    /* Selection sampling (Knuth's algorithm S): exactly k positions, each
     * set equally likely, in one pass and no extra memory. */
    uint64_t k = d / 100 ? d / 100 : 1, left = k;
    for (uint64_t i = 0; i < d && left; i++)
      if (cli_rng_uniform(&rng) * (double)(d - i) < (double)left) {
        x[i] = (float)cli_rng_normal(&rng);
        if (x[i] == 0.0f) x[i] = 1.0f; /* "nonzero" must hold exactly */
        left--;
      }
    break;
  }
  case CLI_FAMILY_SPIKE:
    x[cli_rng_next(&rng) % d] = -2.5f;
    break;
  default:
    break;
  }
}

int cli_binary_labels(const cli_libsvm_t *data, double *y, char *err, size_t errsize) {
  double lo = data->labels[0], hi = lo;
  for (uint64_t i = 1; i < data->n; i++) {
    double v = data->labels[i];
    if (v == lo || v == hi) continue;
    if (lo == hi) {
      if (v < lo) lo = v;
      else hi = v;
      continue;
    }
    snprintf(err, errsize, "more than two labels (%g, %g, %g): not a binary problem", lo, hi, v);
    return -1;
  }
  if (lo == hi) {
    snprintf(err, errsize, "every example has label %g: not a binary problem", lo);
    return -1;
  }
  for (uint64_t i = 0; i < data->n; i++) y[i] = data->labels[i] == hi ? 1.0 : -1.0;
  return 0;
}

void cli_logistic_gradient(const cli_libsvm_t *data, const double *y, const double *w,
                           double lambda, double *grad) {
  for (uint64_t j = 0; j < data->d; j++) grad[j] = lambda * w[j];
  double inv_n = 1.0 / (double)data->n;
  for (uint64_t i = 0; i < data->n; i++) {
    double margin = 0.0;
    for (uint64_t e = data->row_ptr[i]; e < data->row_ptr[i + 1]; e++)
      margin += data->val[e] * w[data->col[e]];
    /* d/dm log(1 + exp(-m)) = -1 / (1 + exp(m)); exp overflowing to inf
     * gives the right limit 0. */
    double coef = -y[i] / (1.0 + exp(y[i] * margin)) * inv_n;
    for (uint64_t e = data->row_ptr[i]; e < data->row_ptr[i + 1]; e++)
      grad[data->col[e]] += coef * data->val[e];
  }
}
