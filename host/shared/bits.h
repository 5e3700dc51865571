/* Bit casts and correctly rounded square roots that compile the same way
 * for the host (memcpy, libm sqrt = one IEEE instruction) and the device
 * (intrinsics that round to nearest whatever nvcc's --prec flags say). */
#ifndef GCOMP_SHARED_BITS_H
#define GCOMP_SHARED_BITS_H

#include "gcomp_hd.h"

#include <math.h>
#include <string.h>

GCOMP_HD_INLINE uint32_t gcomp_f2u(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
#endif
}

GCOMP_HD_INLINE float gcomp_u2f(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
#endif
}

/* |x| as its float bits: non-negative floats order as their bit patterns
 * (NaN above Inf above every finite value), so a maximum of magnitudes is
 * an integer maximum, exact in any order (a GPU atomicMax). */
GCOMP_HD_INLINE uint32_t gcomp_abs_bits(float x) { return gcomp_f2u(x) & 0x7fffffffu; }

GCOMP_HD_INLINE uint64_t gcomp_d2u(double v) {
#if defined(__CUDA_ARCH__)
  return (uint64_t)__double_as_longlong(v);
#else
  uint64_t u;
  memcpy(&u, &v, sizeof u);
  return u;
#endif
}

GCOMP_HD_INLINE double gcomp_u2d(uint64_t u) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double((long long)u);
#else
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
#endif
}

/* +0.0 exactly, the param field of the codecs without a real parameter
 * (FORMAT.md). Bitwise: -0.0 == 0.0 would let a header through that no
 * encoder writes. */
GCOMP_HD_INLINE int gcomp_is_plus_zero(double v) { return gcomp_d2u(v) == 0; }

GCOMP_HD_INLINE float gcomp_sqrtf_rn(float x) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(x);
#else
  return sqrtf(x);
#endif
}

GCOMP_HD_INLINE double gcomp_sqrt_rn(double v) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(v);
#else
  return sqrt(v);
#endif
}

#endif
