/* What every level codec (Sparse Dithering, QSGD, TernGrad, natural
 * dithering) does with its integer levels, shared by the CPU path and the
 * kernels: signs, unbiased rounding, the decoded value, and the zigzag map
 * that turns signed levels into the unsigned symbols the back ends pack. */
#ifndef GCOMP_SHARED_LEVELS_H
#define GCOMP_SHARED_LEVELS_H

#include "gcomp_hd.h"

#include <math.h>
#include <stdint.h>

/* k with the sign of x (a negative zero keeps level 0). */
GCOMP_HD_INLINE int32_t gcomp_level_signed(int32_t k, float x) {
  int32_t s = -(int32_t)(x < 0.0f);
  return (k ^ s) - s;
}

/* Randomized (unbiased) rounding of |x| / gamma: up with probability
 * frac(q), decided by a 24-bit uniform r24 (the top bits of one Philox
 * word). frac * 2^24 is an exact product, so the comparison is exact
 * integer-vs-float. */
GCOMP_HD_INLINE int32_t gcomp_level_round_unbiased(float x, float gamma, uint32_t r) {
  float q = fabsf(x) / gamma;
  int32_t k = (int32_t)q;
  float frac = q - (float)k;
  k += (float)(r >> 8) < frac * 16777216.0f;
  return gcomp_level_signed(k, x);
}

/* gamma * v rounded once: the product is exact in double for every level a
 * codec allows (below 2^29), and for levels below 2^24, exact floats, this
 * equals the float product gamma * (float)v. */
GCOMP_HD_INLINE float gcomp_level_value(int32_t v, float gamma) {
  return (float)((double)gamma * (double)v);
}

GCOMP_HD_INLINE uint32_t gcomp_zigzag(int32_t v) {
  return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

GCOMP_HD_INLINE int32_t gcomp_unzigzag(uint32_t u) {
  return (int32_t)(u >> 1) ^ -(int32_t)(u & 1u);
}

#endif
