#include "stages/norm.h"

#include "shared/check.h"
#include "core/hot.h"
#include "core/pool.h"
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

/* Level-0 partials of chunks [first, end) into p: each chunk alone, so the
 * pieces of a parallel pass compute what one pass would. One function a
 * kernel, so the kernel inlines into each (cloned) loop. */
typedef struct {
  const float *x;
  uint64_t n;
  double *p;
} partials_job;

#define CHUNK_LEN(n, c) \
  ((uint32_t)((n) - (c) * GCOMP_NORM_CHUNK < GCOMP_NORM_CHUNK ? (n) - (c) * GCOMP_NORM_CHUNK \
                                                                : GCOMP_NORM_CHUNK))

/* flatten: the chunk kernel is inlined into each clone; called, it would
 * be its one baseline (SSE2) copy, and the AVX2 clone would gain nothing
 * (as it did, unnoticed, after the threads merge). */
__attribute__((flatten)) GCOMP_HOT static void sumsq_partials(void *ctx, uint64_t first,
                                                              uint64_t end) {
  const partials_job *j = ctx;
  for (uint64_t c = first; c < end; c++)
    j->p[c] = gcomp_chunk_sumsq(j->x + c * GCOMP_NORM_CHUNK, CHUNK_LEN(j->n, c));
}

__attribute__((flatten)) GCOMP_HOT static void sumabs_partials(void *ctx, uint64_t first,
                                                               uint64_t end) {
  const partials_job *j = ctx;
  for (uint64_t c = first; c < end; c++)
    j->p[c] = gcomp_chunk_sumabs(j->x + c * GCOMP_NORM_CHUNK, CHUNK_LEN(j->n, c));
}

/* The canonical order: chunk partials (in parallel), then reduce_partials. */
static gcompResult_t chunked_sum(const float *x, uint64_t n, gcomp_par_range_fn partials,
                                 double *out) {
  uint64_t chunks = (n + GCOMP_NORM_CHUNK - 1) / GCOMP_NORM_CHUNK;
  double *p = malloc((size_t)chunks * sizeof *p);
  if (!p) return gcomp_fail(gcompOutOfMemory, "norm scratch allocation failed");
  partials_job j = {x, n, p};
  gcomp_par_for(chunks, GCOMP_PAR_GRAIN / GCOMP_NORM_CHUNK, partials, &j);
  double s = reduce_partials(p, chunks);
  free(p);
  if (!isfinite(s))
    return gcomp_fail(gcompNonFiniteInput, "the vector holds NaN or Inf");
  *out = s;
  return gcompSuccess;
}

gcompResult_t gcomp_sumsq(const float *x, uint64_t n, double *sumsq) {
  return chunked_sum(x, n, sumsq_partials, sumsq);
}

gcompResult_t gcomp_sumabs(const float *x, uint64_t n, double *sumabs) {
  return chunked_sum(x, n, sumabs_partials, sumabs);
}
