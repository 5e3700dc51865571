/* The selection stage (stages/select.cu): the k smallest keys, ties to the
 * lower index (shared/selection.h's rule), by a stable CUB radix sort; and
 * the k parameter Top-k and Rand-k share. */
#ifndef GCOMP_KERNELS_STAGES_SELECT_CUH
#define GCOMP_KERNELS_STAGES_SELECT_CUH

#include "core/method.cuh"

#include "shared/bits.h"

/* Keys and indices, double-buffered for the sort; after it the key buffers
 * are free for the codec (values, a decoded vector, flags). */
struct gcomp_dev_sel_region {
  uint32_t *keys_a, *keys_b;
  uint64_t *idx_a, *idx_b;
  void *temp;
  size_t temp_bytes;
};

/* The region for n coordinates carved at `region` (NULL: only *bytes). */
gcompResult_t gcomp_dev_sel_carve(void *region, uint64_t n, gcomp_dev_sel_region *r,
                                  size_t *bytes);

/* Workspace bytes of the selection region for n coordinates. */
gcompResult_t gcomp_dev_sel_bytes(uint64_t n, size_t *bytes);

/* Where a codec puts the key and the index of each of the n coordinates
 * (keys[i], idx[i] = i). */
gcompResult_t gcomp_dev_sel_keys_of(void *region, uint64_t n, uint32_t **keys, uint64_t **idx);

/* Those keys sorted stably: the k coordinates with the smallest keys (ties
 * to the lower index), ascending, in *kept; *spare (may be NULL) is the
 * other index buffer, 8 n bytes free for the caller. The key buffers (8 n
 * bytes) are free too after this. */
gcompResult_t gcomp_dev_sel_sort(void *region, uint64_t n, uint64_t k, uint64_t **kept,
                                 uint64_t **spare, cudaStream_t s);

/* The plan's k: the codec's, or the default for n; above n the call is
 * refused (gcompParameterOutOfRange, as the CPU's encoder). */
static inline gcompResult_t gcomp_dev_k_plan(gcomp_dev_plan *p) {
  return gcomp_k_for(p->c.iparam, p->n, &p->k);
}

#ifdef __CUDACC__

/* The k parameter's header_ok (host/stages/select.c's gcomp_k_header_ok
 * but k <= n, which each decoder checks with its own code). */
struct gcomp_dev_k_rules {
  __device__ static bool header_ok(double param, uint64_t iparam) {
    return gcomp_is_plus_zero(param) && iparam >= 1;
  }
};

#endif /* __CUDACC__ */

#endif
