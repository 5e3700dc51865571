/* float32 <-> IEEE binary16 and bfloat16, round to nearest even, in integer
 * arithmetic on the bit patterns: the IEEE conversions that x86 F16C
 * (vcvtps2ph, vcvtph2ps) and CUDA's __float2half_rn / __half2float /
 * __float2bfloat16_rn compute, subnormals included (tests/cast_test.cc
 * checks every float32 against F16C). The codec's bytes must not depend on
 * which side converted, nor on MXCSR or --ftz settings that a
 * floating-point formulation would inherit. Branch-free so the host loops
 * vectorize. NaN never reaches them from a codec (inputs are checked); it
 * still comes out as a quiet NaN of the same sign. */
#ifndef GCOMP_SHARED_HALF_H
#define GCOMP_SHARED_HALF_H

#include "bits.h"
#include "gcomp_hd.h"

/* Smallest |x| (float32 bits, sign cleared) that rounds to infinity: the
 * midpoint between the largest finite value and the next power of two,
 * 65520 for fp16; ties go to the even neighbour, which is infinity. */
#define GCOMP_F16_OVERFLOW_BITS 0x477ff000u
#define GCOMP_BF16_OVERFLOW_BITS 0x7f7f8000u

/* A word with all exponent bits set (Inf or NaN). */
#define GCOMP_F16_EXP_MASK 0x7c00u
#define GCOMP_BF16_EXP_MASK 0x7f80u

/* 1 when x rounds to infinity in the 16-bit format (bf16 or fp16). */
GCOMP_HD_INLINE int gcomp_half_overflows(float x, int bf16) {
  return gcomp_abs_bits(x) >= (bf16 ? GCOMP_BF16_OVERFLOW_BITS : GCOMP_F16_OVERFLOW_BITS);
}

/* Adds below the kept bits so that the shift rounds to nearest, ties to the
 * even result: half - 1, plus one more when the kept lsb is odd. */
GCOMP_HD_INLINE uint32_t gcomp_shift_rne(uint32_t v, uint32_t s) {
  return (v + ((1u << (s - 1)) - 1u) + ((v >> s) & 1u)) >> s;
}

GCOMP_HD_INLINE uint16_t gcomp_f32_to_f16_rn(float x) {
  uint32_t u = gcomp_f2u(x);
  uint32_t sign = (u >> 16) & 0x8000u;
  uint32_t a = u & 0x7fffffffu;
  /* Normal results: rebias the exponent (127 -> 15) and drop 13 bits; a
   * carry out of the mantissa bumps the exponent, up to 0x7c00 = Inf. */
  uint32_t normal = gcomp_shift_rne(a - 0x38000000u, 13);
  normal = normal < 0x7c00u ? normal : 0x7c00u;
  /* Subnormal results count units of 2^-24: the 24-bit significand
   * (hidden bit included) shifted right by 126 - e. At 2^-25 and below
   * everything rounds to 0 (float32 subnormals too), so capping the shift
   * at 31 changes nothing. Rounding up from 0x3ff carries into 0x400, the
   * smallest normal: still right. */
  uint32_t e = a >> 23;
  uint32_t s = e < 112u ? 126u - e : 14u;
  s = s < 31u ? s : 31u;
  uint32_t sub = gcomp_shift_rne((a & 0x7fffffu) | 0x800000u, s);
  uint32_t h = a < 0x38800000u ? sub : normal;
  h = a > 0x7f800000u ? 0x7e00u : h;
  return (uint16_t)(sign | h);
}

GCOMP_HD_INLINE float gcomp_f16_to_f32(uint16_t h16) {
  /* 32-bit lanes throughout: mixing 16-bit compares in costs the loop. */
  uint32_t h = h16;
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t a = h & 0x7fffu, e = a >> 10, m = a & 0x3ffu;
  /* Rebias the exponent, 15 -> 127; Inf and NaN go on to 255 and keep
   * their payload, NaN quieted as vcvtph2ps does. */
  uint32_t r = (a << 13) + (112u << 23);
  r = e == 0x1fu ? (r + (112u << 23)) | (m ? 0x400000u : 0u) : r;
  /* A subnormal m * 2^-24 is normal in float32. Shift m left by k until
   * its leading one reaches bit 10 (k by a branch-free binary search); at
   * bit 23 after the final shift that one adds 1 to the exponent
   * 112 - k, giving 113 - k. */
  uint32_t t = m, k = 1u, c;
  c = t < 0x4u ? 8u : 0u;
  t <<= c, k += c;
  c = t < 0x40u ? 4u : 0u;
  t <<= c, k += c;
  c = t < 0x100u ? 2u : 0u;
  t <<= c, k += c;
  k += t < 0x200u ? 1u : 0u;
  uint32_t sub = m ? (m << (k + 13u)) + ((112u - k) << 23) : 0u;
  r = e == 0u ? sub : r;
  return gcomp_u2f(sign | r);
}

GCOMP_HD_INLINE uint16_t gcomp_f32_to_bf16_rn(float x) {
  uint32_t u = gcomp_f2u(x);
  /* bfloat16 is float32's top half: the same exponent range, so rounding
   * the low 16 bits works alike for subnormals, and a carry out of the
   * largest finite values lands exactly on Inf. */
  uint32_t r = gcomp_shift_rne(u, 16);
  uint32_t nan = (u >> 16) | 0x40u;
  return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? nan : r);
}

GCOMP_HD_INLINE float gcomp_bf16_to_f32(uint16_t h) {
  return gcomp_u2f((uint32_t)h << 16);
}

#endif
