/* Natural compression (Horvath et al. 2019): each coordinate rounded
 * stochastically to one of the two powers of two around it, sign kept.
 *
 * Symbol: s = 2 e + sign, e the biased exponent of the result (1..254 for
 * 2^(e - 127)), and s = 0 for zero. Sign in the low bit keeps |x| < 1 below
 * 256, so the fixed back end stores 8 bits and rANS needs no escapes for
 * typical gradients.
 *
 * For |x| = 2^E (1 + m 2^-23) the result is 2^(E+1) with probability
 * m 2^-23 and 2^E otherwise: unbiased, variance (2^(E+1) - |x|)(|x| - 2^E)
 * <= |x|^2 / 8. A subnormal |x| = m 2^-149 rounds the same way between 0 and
 * 2^-126, which the same integer test gives for free; there the variance is
 * not bounded by |x|^2 / 8. The decision compares the 23 top bits of a
 * Philox word with m: integers only, exact on every platform. */
#ifndef GCOMP_SHARED_NATURAL_H
#define GCOMP_SHARED_NATURAL_H

#include "bits.h"
#include "gcomp_hd.h"

/* Rounding up from a biased exponent of 254 would overflow: such inputs
 * (|x| >= 2^127) are refused. */
#define GCOMP_NATURAL_LIMIT_BITS 0x7f000000u
#define GCOMP_NATURAL_MAX_SYMBOL 509u /* 2 * 254 + 1 */

GCOMP_HD_INLINE int gcomp_natural_too_large(float x) {
  return gcomp_abs_bits(x) >= GCOMP_NATURAL_LIMIT_BITS;
}

/* r: word i % 4 of Philox draw i / 4 on GCOMP_STREAM_ROUNDING. */
GCOMP_HD_INLINE uint32_t gcomp_natural_symbol(float x, uint32_t r) {
  uint32_t u = gcomp_f2u(x);
  uint32_t mant = u & 0x7fffffu;
  uint32_t e = ((u >> 23) & 0xffu) + (uint32_t)((r >> 9) < mant);
  return (2u * e + (u >> 31)) & (0u - (uint32_t)(e != 0)); /* 0 when e = 0 */
}

/* What a decoder accepts: exponents 1..254 with either sign, or 0 itself. */
GCOMP_HD_INLINE int gcomp_natural_symbol_ok(uint32_t s) {
  return s <= GCOMP_NATURAL_MAX_SYMBOL && s != 1u;
}

GCOMP_HD_INLINE float gcomp_natural_value(uint32_t s) {
  return gcomp_u2f(((s & 1u) << 31) | ((s >> 1) << 23));
}

#endif
