/* Rand-k on the device (device_select.cu): the selection rule of
 * shared/selection.h by a stable CUB radix sort. */
#ifndef GCOMP_KERNELS_STAGES_SELECT_CUH
#define GCOMP_KERNELS_STAGES_SELECT_CUH

#include "stages/stages.cuh"

struct gcomp_dev_sel_args {
  uint64_t n, k; /* coded length; k as gcomp_k_resolve gives it for n */
  int packing;   /* as configured: auto, structured or direct */
};

/* Workspace bytes of the selection region for n coordinates. */
gcompResult_t gcomp_dev_sel_bytes(uint64_t n, size_t *bytes);

/* For a codec with its own keys (Top-k): where to put the key and the
 * index of each of the n coordinates (keys[i], idx[i] = i). */
gcompResult_t gcomp_dev_sel_keys_of(void *region, uint64_t n, uint32_t **keys, uint64_t **idx);

/* Those keys sorted stably: the k coordinates with the smallest keys (ties
 * to the lower index), ascending, in *kept; *spare (may be NULL) is the
 * other index buffer, 8 n bytes free for the caller. The key buffers (8 n
 * bytes) are free too after this. */
gcompResult_t gcomp_dev_sel_sort(void *region, uint64_t n, uint64_t k, uint64_t **kept,
                                 uint64_t **spare, cudaStream_t s);

/* The Rand-k payload of x[0..n) (already rotated); check_finite: refuse
 * NaN/Inf as encode.c does when there was no rotation. */
gcompResult_t gcomp_dev_randk_encode(const float *x, const gcomp_dev_sel_args *a,
                                     int check_finite, uint64_t seed, void *region,
                                     uint8_t *dst, size_t cap, const gcomp_dev_header *h,
                                     gcomp_dev_call *call, cudaStream_t s);

/* A verified Rand-k payload into out[0..n), as gcomp_dev_sd_decode_fixed. The
 * payload's k must be a->k (another k: gcompInvalidUsage, ranks disagree). */
gcompResult_t gcomp_dev_randk_decode(const uint8_t *src, const gcomp_dev_sel_args *a,
                                     void *region, float *out, int to_dst, float beta,
                                     gcomp_dev_call *call, cudaStream_t s);

#endif
