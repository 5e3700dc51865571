/* The canonical order for the sum of squares behind every L2 norm (and for
 * the sum of magnitudes behind the L1 norm), so the CPU reference and the
 * GPU reduction produce the same double bit for bit.
 *
 * Squares are formed in double (exact: a float's square has 48 significant
 * bits). Level 0 cuts the vector into chunks of GCOMP_NORM_CHUNK values; in a
 * chunk, lane l (0 <= l < 256) adds x[l], x[l + 256], ... left to right, then
 * the 256 lanes meet in the pairwise tree below. Each further level groups
 * 256 consecutive partial sums and reduces every group with the same tree,
 * until one value remains. A GPU block of 256 threads does exactly one
 * chunk or one group. */
#ifndef GCOMP_SHARED_NORM_H
#define GCOMP_SHARED_NORM_H

#include "gcomp_hd.h"

#define GCOMP_NORM_CHUNK 4096u
#define GCOMP_NORM_LANES 256u

/* Pairwise tree over p[0..n): while more than one value remains, the upper
 * half (rounded down) is added onto the lower half. */
GCOMP_HD_INLINE double gcomp_tree_reduce(double *p, uint32_t n) {
  while (n > 1) {
    uint32_t half = (n + 1) / 2;
    for (uint32_t i = 0; i + half < n; i++) p[i] += p[i + half];
    n = half;
  }
  return n ? p[0] : 0.0;
}

/* The per-value terms, in double: a float's square (48 significant bits)
 * and its magnitude are exact, so only the order of the adds can differ,
 * and that order is fixed above. A GPU lane adds the same terms. */
GCOMP_HD_INLINE double gcomp_norm_sq_term(float x) {
  double v = (double)x;
  return v * v;
}

GCOMP_HD_INLINE double gcomp_norm_abs_term(float x) {
  double v = (double)x;
  return v < 0.0 ? -v : v;
}

/* Level-0 partial of one chunk, len <= GCOMP_NORM_CHUNK. */
GCOMP_HD_INLINE double gcomp_chunk_sumsq(const float *x, uint32_t len) {
  double lane[GCOMP_NORM_LANES];
  for (uint32_t l = 0; l < GCOMP_NORM_LANES; l++) lane[l] = 0.0;
  for (uint32_t base = 0; base < len; base += GCOMP_NORM_LANES) {
    uint32_t m = len - base < GCOMP_NORM_LANES ? len - base : GCOMP_NORM_LANES;
    for (uint32_t l = 0; l < m; l++) lane[l] += gcomp_norm_sq_term(x[base + l]);
  }
  return gcomp_tree_reduce(lane, GCOMP_NORM_LANES);
}

/* The same order for the L1 norm (scaled sign): |x| in double is exact. */
GCOMP_HD_INLINE double gcomp_chunk_sumabs(const float *x, uint32_t len) {
  double lane[GCOMP_NORM_LANES];
  for (uint32_t l = 0; l < GCOMP_NORM_LANES; l++) lane[l] = 0.0;
  for (uint32_t base = 0; base < len; base += GCOMP_NORM_LANES) {
    uint32_t m = len - base < GCOMP_NORM_LANES ? len - base : GCOMP_NORM_LANES;
    for (uint32_t l = 0; l < m; l++) lane[l] += gcomp_norm_abs_term(x[base + l]);
  }
  return gcomp_tree_reduce(lane, GCOMP_NORM_LANES);
}

#endif
