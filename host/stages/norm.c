#include "stages/norm.h"

#include "shared/check.h"
#include "core/hot.h"
#include "shared/norm.h"

#include <math.h>
#include <stdlib.h>

/* Higher levels of the canonical order over the chunk partials p[0..m):
 * groups of 256 partials, each reduced by the tree, the results packed to
 * the front for the next level. */
static double reduce_partials(double *p, uint64_t m) {
  if (m == 0) return 0.0;
  while (m > 1) {
    uint64_t groups = (m + GCOMP_NORM_LANES - 1) / GCOMP_NORM_LANES;
    for (uint64_t g = 0; g < groups; g++) {
      uint64_t off = g * GCOMP_NORM_LANES;
      uint64_t len = m - off < GCOMP_NORM_LANES ? m - off : GCOMP_NORM_LANES;
      p[g] = gcomp_tree_reduce(p + off, (uint32_t)len);
    }
    m = groups;
  }
  return p[0];
}

/* The canonical order for any per-chunk kernel of shared/norm.h: chunk
 * partials, then reduce_partials. */
typedef double (*chunk_kernel)(const float *x, uint32_t len);

static inline gcompResult_t chunked_sum(const float *x, uint64_t n, chunk_kernel kernel,
                                        double *out) {
  uint64_t chunks = (n + GCOMP_NORM_CHUNK - 1) / GCOMP_NORM_CHUNK;
  double *p = malloc((size_t)chunks * sizeof *p);
  if (!p) return gcomp_fail(gcompOutOfMemory, "norm scratch allocation failed");
  for (uint64_t c = 0; c < chunks; c++) {
    uint64_t off = c * GCOMP_NORM_CHUNK;
    uint64_t len = n - off < GCOMP_NORM_CHUNK ? n - off : GCOMP_NORM_CHUNK;
    p[c] = kernel(x + off, (uint32_t)len);
  }
  double s = reduce_partials(p, chunks);
  free(p);
  if (!isfinite(s))
    return gcomp_fail(gcompNonFiniteInput, "the vector holds NaN or Inf");
  *out = s;
  return gcompSuccess;
}

/* flatten: chunked_sum and the chunk kernel it is given are inlined into
 * each clone, so the constant kernel is a direct, vectorized loop. */
__attribute__((flatten)) GCOMP_HOT gcompResult_t gcomp_sumsq(const float *x, uint64_t n,
                                                            double *sumsq) {
  return chunked_sum(x, n, gcomp_chunk_sumsq, sumsq);
}

__attribute__((flatten)) GCOMP_HOT gcompResult_t gcomp_sumabs(const float *x, uint64_t n,
                                                             double *sumabs) {
  return chunked_sum(x, n, gcomp_chunk_sumabs, sumabs);
}
