/* Natural dithering with s levels (Horvath et al. 2019), per coordinate:
 * u = |x_i| / |x| is rounded at random, unbiasedly, to one of the levels
 * {0} U {2^(1-s), ..., 1/2, 1} around it. A level 2^-(s-t) is sent as its
 * index t in 1..s. Every step is exact in float (a power-of-two scaling
 * or a mantissa read), so CPU and GPU agree bit for bit. */
#ifndef GCOMP_SHARED_NATURAL_DITHERING_H
#define GCOMP_SHARED_NATURAL_DITHERING_H

#include "bits.h"
#include "gcomp_hd.h"
#include "levels.h"

#include <math.h>

#define GCOMP_ND_MAX_LEVELS 30u

/* K from the header's block field s: s itself, or 0 outside 1..30. */
GCOMP_HD_INLINE uint32_t gcomp_nd_level_limit(uint64_t s) {
  return s >= 1 && s <= GCOMP_ND_MAX_LEVELS ? (uint32_t)s : 0;
}

/* The scale |x| as a float: rounding is monotone and every |x_i| <= |x| is
 * a float, so |x_i| / scale <= 1. Returns 0, or -1 when the scale is not a
 * normal float; *scale = 0 for the zero vector. */
GCOMP_HD_INLINE int gcomp_nd_scale(double sumsq, float *scale) {
  *scale = 0.0f;
  if (sumsq == 0.0) return 0;
  double norm = gcomp_sqrt_rn(sumsq);
  if (!(norm >= 1.1754943508222875e-38 && norm <= 3.4028234663852886e38)) return -1;
  float f = (float)norm;
  if (!(f <= 3.4028234663852886e38f)) return -1; /* rounded to inf */
  *scale = f;
  return 0;
}

/* 2^e as a float, -126 <= e <= 127. */
GCOMP_HD_INLINE float gcomp_nd_pow2(int32_t e) { return gcomp_u2f((uint32_t)(e + 127) << 23); }

/* c ? a : b for floats as a bit mask: a branch would make the host loop's
 * float products conditional, which gcc then refuses to vectorize (they
 * could trap). */
GCOMP_HD_INLINE float gcomp_nd_select(int c, float a, float b) {
  uint32_t m = 0u - (uint32_t)(c != 0);
  return gcomp_u2f((gcomp_f2u(a) & m) | (gcomp_f2u(b) & ~m));
}

/* Signed level index of x (s <= 30), decided by the 32 random bits r as
 * Sparse Dithering decides: up when (r >> 8) < frac * 2^24. For u in
 * [2^e, 2^(e+1)) the candidates are the indices of 2^e and 2^(e+1) and
 * frac = u / 2^e - 1, the mantissa; below 2^(1-s) they are 0 and 1 with
 * frac = u 2^(s-1). Both products are exact. */
GCOMP_HD_INLINE int32_t gcomp_nd_quantize(float x, float scale, uint32_t s, uint32_t r) {
  float u = fabsf(x) / scale;
  uint32_t bits = gcomp_f2u(u);
  int32_t e = (int32_t)(bits >> 23) - 127; /* floor(log2 u) for a normal u */
  int small = e < 1 - (int32_t)s;
  float below = u * gcomp_nd_pow2((int32_t)s - 1);
  float mant = gcomp_u2f((bits & 0x007fffffu) | 0x3f800000u) - 1.0f;
  int32_t lo = small ? 0 : (int32_t)s + (e < 0 ? e : 0); /* e >= 0: u = 1, level s */
  float frac = gcomp_nd_select(small, below, gcomp_nd_select(e < 0, mant, 0.0f));
  int32_t k = lo + ((float)(r >> 8) < frac * 16777216.0f);
  return gcomp_level_signed(k, x);
}

/* scale * 2^-(s - |v|) with the sign of v; 0 for v = 0 (|v| <= s). */
GCOMP_HD_INLINE float gcomp_nd_dequantize(int32_t v, float scale, uint32_t s) {
  int32_t t = v < 0 ? -v : v;
  float y = scale * gcomp_nd_pow2(t - (int32_t)s);
  y = v < 0 ? -y : y;
  return v == 0 ? 0.0f : y;
}

#endif
