/* Scaled sign: every coordinate decodes to +-s, s = |x|_1 / n, the sign bit
 * set for negative coordinates only (zeros, -0 included, get +s). */
#ifndef GCOMP_SHARED_SCALED_SIGN_H
#define GCOMP_SHARED_SCALED_SIGN_H

#include "bits.h"
#include "gcomp_hd.h"

/* sumabs from the canonical order of norm.h; one IEEE division in double,
 * one rounding to float. Finite: sumabs / n <= max |x_i| <= FLT_MAX. */
GCOMP_HD_INLINE float gcomp_sign_scale(double sumabs, uint64_t n) {
  return (float)(sumabs / (double)n);
}

/* With a zero scale every bit is 0, so a zero vector has one encoding. */
GCOMP_HD_INLINE unsigned gcomp_sign_bit(float x, float scale) {
  return (unsigned)(x < 0.0f && scale != 0.0f);
}

GCOMP_HD_INLINE float gcomp_sign_value(unsigned bit, float scale) {
  return gcomp_u2f(gcomp_f2u(scale) | ((uint32_t)bit << 31));
}

#endif
