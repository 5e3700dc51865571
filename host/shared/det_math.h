/* Transcendentals whose results are the same bits on every target. libm
 * (CPU) and CUDA's logf/sincosf (GPU) are each accurate but round
 * differently, and a single differing bit in a random direction changes
 * the encoded payload. These are built from IEEE-754 single + - * /, sqrtf
 * and integer operations only, each correctly rounded on both sides, in a
 * fixed order, so they agree exactly provided that:
 *   - the CPU build has no FMA contraction (-ffp-contract=off) and evaluates
 *     float in float (FLT_EVAL_METHOD 0: x86-64 SSE, AArch64; not x87);
 *   - nvcc keeps its IEEE defaults --prec-div=true and --ftz=false and runs
 *     with --fmad=false; --use_fast_math breaks this.
 * Accuracy is a few ulp, which is all the spherical codec needs. */
#ifndef GCOMP_SHARED_DET_MATH_H
#define GCOMP_SHARED_DET_MATH_H

#include "bits.h"
#include "gcomp_hd.h"
#include "philox.h"

#include <math.h>
#include <string.h>

/* Natural log for finite x > 0.
 *
 * x = 2^e * m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact, Sterbenz),
 * s = f / (2 + f), and log(m) = 2 atanh(s) = 2s + s*R(s^2) where
 * R = 2s^2/3 + 2s^4/5 + ... (|s| <= 0.172, so five terms leave < 1e-10).
 * Since 2s = f - s*f, log(m) = f - (f^2/2 - s*(f^2/2 + R)): the leading term
 * f is exact and the rounded parts are small corrections, which keeps the
 * error near 1 ulp even when log(m) is tiny. e*ln2 is added as an exact
 * e*ln2_hi (ln2_hi has 15 significant bits, |e| <= 149) plus e*ln2_lo.
 * Zero, negative, infinite and NaN inputs give unspecified results. */
GCOMP_HD_INLINE float gcomp_det_log(float x) {
  const float ln2_hi = 0x1.62e4p-1f;      /* 0.693145751953125 */
  const float ln2_lo = 0x1.7f7d1cp-20f;   /* ln2 - ln2_hi, rounded */
  const float c3 = 0x1.555556p-1f;        /* 2/3 */
  const float c5 = 0x1.99999ap-2f;        /* 2/5 */
  const float c7 = 0x1.24924ap-2f;        /* 2/7 */
  const float c9 = 0x1.c71c72p-3f;        /* 2/9 */
  const float c11 = 0x1.745d18p-3f;       /* 2/11 */
  uint32_t bits = gcomp_f2u(x);
  /* Subnormal: scaling by 2^25 is exact and makes it normal. Selects on
   * the bits rather than branches, here and below, so that a host loop of
   * logs vectorizes; the values are those of the branches. */
  uint32_t sub = 0u - (uint32_t)(bits < 0x00800000u);
  bits = (gcomp_f2u(x * 0x1p25f) & sub) | (bits & ~sub);
  int e = (int)(bits >> 23) - 127 - (int)(sub & 25u);
  bits &= 0x007fffffu;
  /* 0x3504f3 is the mantissa of sqrt(2) (0x3fb504f3): larger mantissas are
   * halved so that m straddles 1 and f stays small. */
  uint32_t big = (uint32_t)(bits > 0x003504f3u);
  float m = gcomp_u2f(bits | (0x3f800000u - (big << 23)));
  e += (int)big;
  float f, s, z, r, hfsq, fe;
  f = m - 1.0f;
  s = f / (2.0f + f);
  z = s * s;
  r = z * (c3 + z * (c5 + z * (c7 + z * (c9 + z * c11))));
  hfsq = 0.5f * f * f;
  fe = (float)e;
  return fe * ln2_hi - ((hfsq - (s * (hfsq + r) + fe * ln2_lo)) - f);
}

/* sin(pi/2 * r) and cos(pi/2 * r) for r in [0, 1/2] (angle <= pi/4), as
 * Taylor polynomials in r itself: the coefficients absorb (pi/2)^n, so no
 * rounded product r*pi/2 is ever formed. Truncation is below 2e-9 relative.
 * Coefficients are (-1)^k (pi/2)^n / n! rounded to float. sin is summed as
 * r + r*(pi/2 - 1 + ...) because r is exact: a rounded leading term r*pi/2
 * can sit in the binade above the result and cost a whole ulp (1.7 ulp max
 * measured that way, 1.3 this way). */
GCOMP_HD_INLINE float gcomp_det_sin_quarter(float r) {
  const float s1m1 = 0x1.243f6ap-1f; /* pi/2 - 1 */
  const float s3 = -0x1.4abbcep-1f;
  const float s5 = 0x1.466bc6p-4f;
  const float s7 = -0x1.32d2ccp-8f;
  const float s9 = 0x1.507834p-13f;
  const float s11 = -0x1.e3075p-19f;
  float z = r * r;
  float p = z * (s3 + z * (s5 + z * (s7 + z * (s9 + z * s11))));
  return r + r * (s1m1 + p);
}

GCOMP_HD_INLINE float gcomp_det_cos_quarter(float r) {
  const float c2 = -0x1.3bd3ccp+0f;
  const float c4 = 0x1.03c1f0p-2f;
  const float c6 = -0x1.55d3c8p-6f;
  const float c8 = 0x1.e1f506p-11f;
  const float c10 = -0x1.a6d1f2p-16f;
  float z = r * r;
  return 1.0f + z * (c2 + z * (c4 + z * (c6 + z * (c8 + z * c10))));
}

/* sin and cos of 2*pi*u for u in [0, 1).
 *
 * The reduction is exact, which is why the argument is a fraction of a turn
 * rather than radians: 4u is exact (power of two), its integer part q is the
 * quadrant, t = 4u - q is exact (Sterbenz), and for t > 1/2 the complement
 * 1 - t is exact as well, so the polynomials only ever see [0, 1/2] and
 * results near every zero of sin or cos keep full relative accuracy. */
GCOMP_HD_INLINE void gcomp_det_sincos_2pi(float u, float *s, float *c) {
  float u4 = u * 4.0f;
  unsigned q = (unsigned)(int32_t)u4; /* signed conversions: they vectorize */
  float t = u4 - (float)(int32_t)q;
  /* For t > 1/2 the polynomials take 1 - t and swap. Both arguments and
   * all four results are formed and then selected by bit masks (branches
   * would keep a host loop of these from vectorizing); the values are
   * those of the branches. */
  uint32_t hi = 0u - (uint32_t)(t > 0.5f);
  float r = gcomp_u2f((gcomp_f2u(1.0f - t) & hi) | (gcomp_f2u(t) & ~hi));
  uint32_t sr = gcomp_f2u(gcomp_det_sin_quarter(r));
  uint32_t cr = gcomp_f2u(gcomp_det_cos_quarter(r));
  uint32_t sa = (cr & hi) | (sr & ~hi); /* sin, cos of (pi/2) t */
  uint32_t ca = (sr & hi) | (cr & ~hi);
  /* 2*pi*u = (pi/2)(q + t): each quadrant rotates (sin, cos) by 90
   * degrees: odd quadrants swap them, quadrants 2 and 3 negate sin, 1 and
   * 2 negate cos (a sign flip, exact). */
  uint32_t odd = 0u - (q & 1u);
  uint32_t sv = (ca & odd) | (sa & ~odd), cv = (sa & odd) | (ca & ~odd);
  *s = gcomp_u2f(sv ^ ((q & 2u) << 30));
  *c = gcomp_u2f(cv ^ (((q + 1u) & 2u) << 30));
}

/* Four standard normals from one Philox block, by Box-Muller on the pairs
 * (v[0], v[1]) -> out[0], out[1] and (v[2], v[3]) -> out[2], out[3].
 *
 * Not curand_normal4: its Box-Muller (curand_normal.h) calls CUDA's device
 * logf and the __sincosf approximation intrinsic, whose roundings the CPU
 * cannot reproduce bit for bit (its host branch calls libm, which differs
 * again); here every step is a det_math operation.
 * u1 = (top 24 bits + 1) * 2^-24 lies in (0, 1], so log(u1) is finite and
 * the radius is at most sqrt(2 * 24 ln 2) ~ 5.77. gcomp_normal_pair is one
 * pair, for callers that vectorize across draws. */
GCOMP_HD_INLINE void gcomp_normal_pair(uint32_t a, uint32_t b, float *n0, float *n1) {
  float u1 = (float)(int32_t)((a >> 8) + 1u) * 0x1p-24f; /* <= 2^24: exact either way */
  float u2 = gcomp_u32_to_unit(b);
  float radius = gcomp_sqrtf_rn(-2.0f * gcomp_det_log(u1));
  float sn, cs;
  gcomp_det_sincos_2pi(u2, &sn, &cs);
  *n0 = radius * cs;
  *n1 = radius * sn;
}

GCOMP_HD_INLINE void gcomp_normals4(gcomp_u32x4 r, float out[4]) {
  gcomp_normal_pair(r.v[0], r.v[1], &out[0], &out[1]);
  gcomp_normal_pair(r.v[2], r.v[3], &out[2], &out[3]);
}

#endif
