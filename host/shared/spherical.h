/* Per-block math of blockwise Spherical Compression (PAPER.md section 5,
 * docs/FORMAT-spherical.md, docs/spherical.md), shared by the CPU reference
 * and the CUDA kernels. Everything that decides a payload bit or an output
 * float is here, in double with + - * / and correctly rounded sqrt only, in
 * a fixed order, so both sides agree bit for bit (STYLE.md: parity). */
#ifndef GCOMP_SHARED_SPHERICAL_H
#define GCOMP_SHARED_SPHERICAL_H

#include "bits.h"
#include "det_math.h"
#include "gcomp_hd.h"
#include "golomb_rice.h"
#include "philox.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define GCOMP_SC_MAX_BLOCK 64u
#define GCOMP_SC_MAX_LEVEL 254u /* norm codes 1..255 are levels 0..254 */
#define GCOMP_SC_MAX_TRIALS ((uint64_t)1 << 40)

/* Body fields (docs/FORMAT-spherical.md). */
#define GCOMP_SC_R_BITS 31u
#define GCOMP_SC_K_BITS 5u
#define GCOMP_SC_CODE_BITS 8u
#define GCOMP_SC_HEAD_BITS (GCOMP_SC_R_BITS + GCOMP_SC_K_BITS)

/* The decoder's limit on a Rice quotient (format) and the encoders' own,
 * much lower one: with the k of gcomp_sc_rice_parameter, a quotient above
 * 256 has probability below 0.618^257 < 2^-178 a block, and the limit keeps
 * the structured bound finite. */
#define GCOMP_SC_READ_MAX_QUOTIENT ((uint64_t)1 << 32)
#define GCOMP_SC_ENCODE_MAX_QUOTIENT 256u

/* 2^(1/16) - 1: the worst relative error of a norm level (docs/spherical.md). */
#define GCOMP_SC_LEVEL_EPS 0x1.6ab0d9f3121ecp-5

/* The distortion each block is held to, alpha_s < alpha: the budget left
 * after a norm error of up to e' = eps + 2^-20 and a 2^-14 relative margin
 * for rounding and zero blocks. <= 0 means alpha is too small to use. */
GCOMP_HD_INLINE double gcomp_sc_alpha_s(double alpha) {
  double ep = GCOMP_SC_LEVEL_EPS + 0x1p-20;
  double ep2 = ep * ep;
  return (alpha * (1.0 - 0x1p-14) - ep2) / (1.0 - ep2);
}

/* Sum of squares of a block, in double, left to right (squares of floats
 * are exact in double). */
GCOMP_HD_INLINE double gcomp_sc_sumsq(const float *x, uint32_t m) {
  double s = 0.0;
  uint32_t i;
  for (i = 0; i < m; i++) s += (double)x[i] * (double)x[i];
  return s;
}

/* Norm code of a block of norm r under the scale R (0 < R, r <= R):
 * 0 for a zero block, else 1 + j for the level R * 2^(-j/8) nearest to r
 * in log scale. t = r / R is split as F * 2^-k, F in (1/2, 1], from its
 * bits, and F is compared with the midpoints 2^(-(i+0.5)/8): exact
 * comparisons, so CPU and GPU pick the same j. */
GCOMP_HD_INLINE unsigned gcomp_sc_norm_code(double r, double R) {
  const double mid[8] = {0x1.ea4afa2a490dap-1, 0x1.c199bdd85529cp-1,
                         0x1.9c49182a3f090p-1, 0x1.7a11473eb0187p-1,
                         0x1.5ab07dd485429p-1, 0x1.3dea64c123422p-1,
                         0x1.2387a6e756238p-1, 0x1.0b5586cf9890fp-1};
  double t, f;
  uint64_t bits, mant, j;
  int e;
  unsigned i = 0;
  if (!(r > 0.0)) return 0;
  t = r / R;
  if (t >= 1.0) return 1;
  bits = gcomp_d2u(t); /* t is a normal double: r >= 2^-149, R < 2^128 */
  e = (int)(bits >> 52) - 1023; /* t = 1.mant * 2^e, e <= -1 */
  mant = bits & (((uint64_t)1 << 52) - 1u);
  if (e < -40) return 0; /* j >= 8 * 39, far past the last level */
  if (mant == 0) {
    f = 1.0;
    j = (uint64_t)(-e) * 8u;
  } else {
    f = gcomp_u2d(mant | ((uint64_t)1022 << 52)); /* 1.mant / 2 */
    j = (uint64_t)(-e - 1) * 8u;
  }
  while (i < 8 && f < mid[i]) i++;
  j += i;
  return j > GCOMP_SC_MAX_LEVEL ? 0u : (unsigned)j + 1u;
}

/* The norm r~ a nonzero code stands for: R * 2^-(j/8 rounded down), exact
 * (a power of two, no underflow: R >= 2^-126, j/8 <= 31), times 2^(-(j%8)/8),
 * rounded once. */
GCOMP_HD_INLINE double gcomp_sc_norm_value(double R, unsigned code) {
  const double frac[8] = {0x1.0000000000000p+0, 0x1.d5818dcfba487p-1,
                          0x1.ae89f995ad3adp-1, 0x1.8ace5422aa0dbp-1,
                          0x1.6a09e667f3bcdp-1, 0x1.4bfdad5362a27p-1,
                          0x1.306fe0a31b715p-1, 0x1.172b83c7d517bp-1};
  unsigned j = code - 1u;
  double pow2 = gcomp_u2d((uint64_t)(1023u - (j >> 3)) << 52);
  return R * pow2 * frac[j & 7u];
}

/* Candidate `trial` (1, 2, ...) of block `block`, m coordinates: normals
 * from draws (trial-1)*ceil(m/4) + 0, 1, ... of the block's own stream,
 * in order. Group j writes g[4j..4j+3]; g must hold m rounded up to a
 * multiple of 4 (the excess normals are never used). */
GCOMP_HD_INLINE void gcomp_sc_candidate_group(uint64_t seed, uint64_t block,
                                              uint64_t trial, uint32_t m,
                                              uint32_t j, float *g) {
  uint64_t w = (m + 3u) / 4u;
  gcomp_normals4(
      gcomp_philox(seed, GCOMP_STREAM_SPHERICAL + block, (trial - 1u) * w + j),
      g + 4u * j);
}

GCOMP_HD_INLINE void gcomp_sc_candidate(uint64_t seed, uint64_t block,
                                        uint64_t trial, uint32_t m, float *g) {
  uint32_t j;
  for (j = 0; j < (m + 3u) / 4u; j++)
    gcomp_sc_candidate_group(seed, block, trial, m, j, g);
}

/* Acceptance of candidate g for block x with sum of squares rr:
 * <g, x> > 0 and <g, x>^2 >= (1 - alpha_s) |g|^2 rr, i.e. the angle to x is
 * within the cap. one_minus_as = 1 - alpha_s. Also returns |g|^2. */
GCOMP_HD_INLINE int gcomp_sc_accepts(double dot, double sq, double rr, double one_minus_as) {
  return dot > 0.0 && dot * dot >= one_minus_as * sq * rr;
}

GCOMP_HD_INLINE int gcomp_sc_accept(const float *g, const float *x, uint32_t m,
                                    double rr, double one_minus_as, double *gg) {
  double dot = 0.0, sq = 0.0;
  uint32_t i;
  for (i = 0; i < m; i++) {
    dot += (double)g[i] * (double)x[i];
    sq += (double)g[i] * (double)g[i];
  }
  *gg = sq;
  return gcomp_sc_accepts(dot, sq, rr, one_minus_as);
}

/* Block output y = r~ sqrt(1 - alpha_s) g / |g|, with s formed in double
 * in this order and each coordinate rounded once to float. c is
 * sqrt(1 - alpha_s); gg = |g|^2 > 0. */
GCOMP_HD_INLINE void gcomp_sc_output(const float *g, uint32_t m, double rt,
                                     double c, double gg, float *y) {
  double s = rt * c / gcomp_sqrt_rn(gg);
  uint32_t i;
  for (i = 0; i < m; i++) y[i] = (float)(s * (double)g[i]);
}

/* Host only (libm's exp2; device encoders are handed the result): the Rice
 * parameter minimising the expected length k + 1 + q / (1 - q) of a
 * geometric T with success probability P = 2^log2P, where q = (1 - P)^(2^k)
 * is the chance the quotient passes each unary step. Squaring keeps it to
 * IEEE arithmetic; the first minimum wins. */
static inline unsigned gcomp_sc_rice_parameter(double log2P) {
  double q = 1.0 - exp2(log2P), best = INFINITY;
  unsigned best_k = 0, k;
  for (k = 0; k <= 31; k++) {
    double len = (double)k + 1.0 + q / (1.0 - q);
    if (len < best) {
      best = len;
      best_k = k;
    }
    q *= q;
  }
  return best_k;
}

/* The scale R from the largest block sum of squares: sqrt(worst) rounded up
 * to a float, so r_b / R <= 1 for all b, and raised to FLT_MIN if below it,
 * since R must be 0 or normal. Returns 0, or -1 when a block norm is beyond
 * float32 (gcompParameterOutOfRange). */
GCOMP_HD_INLINE int gcomp_sc_scale(double worst, float *R) {
  double r = gcomp_sqrt_rn(worst);
  float f;
  if (!(r <= (double)FLT_MAX)) return -1;
  f = (float)r;
  /* the next float up (nextafterf): f is finite and >= 0 here */
  if ((double)f < r) f = gcomp_u2f(gcomp_f2u(f) + 1u);
  if (r > 0 && f < FLT_MIN) f = FLT_MIN;
  if (!((double)f <= (double)FLT_MAX)) return -1;
  *R = f;
  return 0;
}

/* Squares of x[4j..m) for each group j: what a candidate's remaining
 * coordinates could still line up with. tail holds ceil(m/4) + 1. */
GCOMP_HD_INLINE void gcomp_sc_tail_squares(const float *x, uint32_t m, double *tail) {
  uint32_t w = (m + 3u) / 4u, j;
  tail[w] = 0.0;
  for (j = w; j-- > 0;) {
    uint32_t end = 4u * j + 4u < m ? 4u * j + 4u : m;
    tail[j] = tail[j + 1] + gcomp_sc_sumsq(x + 4u * j, end - 4u * j);
  }
}

/* Does candidate `trial` of block `block` pass? Builds it four coordinates
 * at a time into g and gives up as soon as no completion can pass (an
 * encoder shortcut, not part of the format). With a = <g, x> and b = |g|^2
 * so far, the best cos^2 any completion reaches is (a^2 / b + tail) / rr
 * for a > 0 (the rest of g aligned with the rest of x, suitably scaled),
 * and tends to at most tail / rr for a <= 0. Rounding in these sums is
 * below 2^-44 rr, so a 2^-30 rr slack means every candidate dropped here
 * also fails gcomp_sc_accept: T is the same as without the shortcut. On
 * success g is complete and *gg = |g|^2. The CPU tries trials in order (its
 * encoder builds many side by side with the same sums and tests), the GPU a
 * warp's worth at once; both take the first that passes. */
GCOMP_HD_INLINE double gcomp_sc_need(double one_minus_as, double rr) {
  return one_minus_as * rr - 0x1p-30 * rr;
}

/* No completion of a candidate with partial sums a, sq can pass; tail is
 * the rest of x's sum of squares. */
GCOMP_HD_INLINE int gcomp_sc_hopeless(double a, double sq, double tail, double need) {
  return (a > 0.0 ? a * a / sq : 0.0) + tail < need;
}

GCOMP_HD_INLINE int gcomp_sc_try(uint64_t seed, uint64_t block, uint64_t trial,
                                 const float *x, uint32_t m, double rr,
                                 const double *tail, double one_minus_as, float *g,
                                 double *gg) {
  uint32_t w = (m + 3u) / 4u, j, i;
  double a = 0.0, sq = 0.0, need = gcomp_sc_need(one_minus_as, rr);
  for (j = 0; j < w; j++) {
    uint32_t end = 4u * j + 4u < m ? 4u * j + 4u : m;
    gcomp_sc_candidate_group(seed, block, trial, m, j, g);
    for (i = 4u * j; i < end; i++) {
      a += (double)g[i] * (double)x[i];
      sq += (double)g[i] * (double)g[i];
    }
    if (j + 1 < w && gcomp_sc_hopeless(a, sq, tail[j + 1], need)) return 0;
  }
  return gcomp_sc_accept(g, x, m, rr, one_minus_as, gg);
}

/* Output of a coded block (code != 0, trial T): y = the block's candidate
 * scaled to r~ sqrt(1 - alpha_s). Returns 0 for a zero candidate, which no
 * encoder selects (<g, x> > 0): the decoder rejects it. */
GCOMP_HD_INLINE int gcomp_sc_block_output(uint64_t seed, uint64_t block, uint64_t T,
                                          uint32_t m, double R, unsigned code,
                                          double c, float *y) {
  float g[GCOMP_SC_MAX_BLOCK];
  double gg;
  gcomp_sc_candidate(seed, block, T, m, g);
  gg = gcomp_sc_sumsq(g, m);
  if (!(gg > 0)) return 0;
  gcomp_sc_output(g, m, gcomp_sc_norm_value(R, code), c, gg, y);
  return 1;
}

/* Why gcomp_sc_read_block refused a block (the format's rejects). */
enum { GCOMP_SC_READ_OK, GCOMP_SC_READ_NO_CODE, GCOMP_SC_READ_BAD_RICE, GCOMP_SC_READ_BIG_T };

/* Reads a block's fields: the norm code and, when it is nonzero, T - 1. */
GCOMP_HD_INLINE int gcomp_sc_read_block(gcomp_bitreader *br, unsigned k,
                                        unsigned *code, uint64_t *t1) {
  *code = (unsigned)gcomp_br_get(br, GCOMP_SC_CODE_BITS);
  *t1 = 0;
  if (br->overrun) return GCOMP_SC_READ_NO_CODE;
  if (*code == 0) return GCOMP_SC_READ_OK;
  if (!gcomp_rice_get(br, k, GCOMP_SC_READ_MAX_QUOTIENT, t1)) return GCOMP_SC_READ_BAD_RICE;
  return *t1 < GCOMP_SC_MAX_TRIALS ? GCOMP_SC_READ_OK : GCOMP_SC_READ_BIG_T;
}

#endif
