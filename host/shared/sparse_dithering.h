/* Per-coordinate math of Sparse Dithering (PAPER.md sections 3 and 4),
 * shared by the CPU reference and the kernels.
 *
 * Grid: spacing gamma = 2 h |x| with h = sqrt(param / n). The scale is
 * shrunk by GCOMP_SD_MARGIN so the guarantees (|C(x) - x|^2 <= nu |x|^2 on
 * every draw, variance <= omega |x|^2) survive float rounding of the scale,
 * the division and the rotation with room to spare; it costs nothing
 * measurable in bits. */
#ifndef GCOMP_SHARED_SPARSE_DITHERING_H
#define GCOMP_SHARED_SPARSE_DITHERING_H

#include "bits.h"
#include "gcomp_hd.h"
#include "levels.h"

#include <math.h>

#define GCOMP_SD_MARGIN (1.0 - 1.0 / 4096.0)
/* Largest level the format allows (Q below it, see gcomp_sd_level_limit):
 * the float quotient |x| / gamma then errs by less than one level, so one
 * exact correction settles the nearest level (gcomp_sd_level), and
 * gamma * k (24 + 25 significant bits) is exact in double, so the decoded
 * value is one rounding of the exact product (gcomp_level_value). */
#define GCOMP_SD_MAX_LEVEL ((uint32_t)1 << 25)

typedef struct {
  float gamma;  /* grid spacing; 0 for the zero vector */
  uint32_t K;   /* no level k can exceed K (truncates the unary code) */
} gcomp_sd_scale;

/* Limit on k, from param and n alone, so the decoder knows it too. q =
 * |x_i| / gamma is at most 1 / (2 h MARGIN) up to a few float roundings; the
 * factor (1 + 2^-20) covers those. Returns 0 when K would not fit. */
GCOMP_HD_INLINE uint32_t gcomp_sd_level_limit(double param, uint64_t n,
                                              int randomized) {
  double h = gcomp_sqrt_rn(param / (double)n);
  double q = 1.0 / (2.0 * h * GCOMP_SD_MARGIN) * (1.0 + 1.0 / 1048576.0);
  if (!(q < (double)GCOMP_SD_MAX_LEVEL)) return 0;
  double k = randomized ? floor(q) + 1.0 : floor(q + 0.5);
  return (uint32_t)k;
}

/* gamma from the canonical sum of squares; double math with IEEE sqrt and
 * division only, so every platform rounds it the same way. Returns 0 on
 * success, -1 when gamma is not a normal float (norm too large or too
 * small for a float32 scale). */
GCOMP_HD_INLINE int gcomp_sd_scale_init(double param, uint64_t n,
                                        double sumsq, gcomp_sd_scale *s) {
  s->gamma = 0.0f;
  if (sumsq == 0.0) return 0;
  double h = gcomp_sqrt_rn(param / (double)n);
  double g = 2.0 * h * gcomp_sqrt_rn(sumsq) * GCOMP_SD_MARGIN;
  if (!(g >= 1.1754943508222875e-38 && g <= 3.4028234663852886e38)) return -1;
  s->gamma = (float)g;
  if (!(s->gamma <= 3.4028234663852886e38f)) return -1; /* rounded to inf */
  return 0;
}

/* Level of one coordinate: the integer nearest to |x| / gamma (ties up),
 * exactly. Rounding the float quotient q alone is not enough: q + 0.5f ties
 * to even above 2^23 (a whole grid step off), and q itself carries an error
 * up to q 2^-24, which decides near-ties wrongly. So the float estimate k is
 * checked against the exact boundaries gamma (k -+ 1/2): products of 24 and
 * 26 significant bits, exact in double, so both comparisons are exact and
 * move k by at most one (|k - |x|/gamma| < 1.5 since q < 2^25). No division
 * in double, no branch: the CPU loop still vectorizes. */
GCOMP_HD_INLINE int32_t gcomp_sd_level(float x, float gamma) {
  float a = fabsf(x);
  float q = a / gamma;
  int32_t k = (int32_t)q;
  k += q - (float)k >= 0.5f;
  double g = (double)gamma, kd = (double)k, ad = (double)a;
  k += ad >= g * (kd + 0.5);
  k -= ad < g * (kd - 0.5);
  return k;
}

GCOMP_HD_INLINE int32_t gcomp_sd_quantize(float x, float gamma) {
  return gcomp_level_signed(gcomp_sd_level(x, gamma), x);
}

#endif
