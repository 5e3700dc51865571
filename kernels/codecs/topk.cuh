/* Top-k on the device (docs/FORMAT.md, codec 7), making host/codecs/topk.c's
 * bytes: codecs/topk.cu encodes, codecs/topk_decode.cu decodes. The
 * selection stage's stable radix sort (stages/select.cuh) runs on the key
 * ~rank, so ascending keys are descending ranks with ties to the lower
 * index; the index code and packing auto are shared/topk.h's choice. */
#ifndef GCOMP_KERNELS_CODECS_TOPK_CUH
#define GCOMP_KERNELS_CODECS_TOPK_CUH

#include "stages/select.cuh"

#include "shared/topk.h"

struct gcomp_dev_tk_args {
  uint64_t n, k; /* coded length; k as gcomp_k_resolve gives it for n */
  int packing;   /* as configured: auto, structured or direct */
};

/* What one call decides on the device, read by its later kernels. */
struct gcomp_tk_state {
  uint64_t sums[GCOMP_TOPK_RICE_PARAMS]; /* encode: sum_j (g_j >> r) */
  uint64_t k;                            /* decode: the header's k */
  uint64_t index_bits;                   /* choice bit excluded */
  uint64_t nonzeros;                     /* decode, direct: values other than +0 */
  uint32_t rice, r, packing;
  uint32_t edge[2]; /* pack/bitpack.cuh's staging words */
};

/* The region: the selection's buffers, the state, and scan storage for n
 * 64-bit items. */
struct gcomp_tk_region {
  void *sel;
  gcomp_tk_state *st;
  void *scan;
  size_t scan_bytes;
};

/* With region NULL only *bytes is meaningful. */
gcompResult_t gcomp_dev_tk_carve(void *region, uint64_t n, gcomp_tk_region *r, size_t *bytes);

/* Workspace bytes of the Top-k region for n coordinates. */
gcompResult_t gcomp_dev_tk_bytes(uint64_t n, size_t *bytes);

/* The Top-k payload of x[0..n) (already rotated); check_finite: refuse
 * NaN/Inf as pipeline.c does when there was no rotation. The packing byte
 * (auto resolved as the CPU does) and k go into the header. */
gcompResult_t gcomp_dev_topk_encode(const float *x, const gcomp_dev_tk_args *a,
                                    int check_finite, void *region, uint8_t *dst, size_t cap,
                                    const gcomp_dev_header *h, gcomp_dev_call *call,
                                    cudaStream_t s);

/* A verified Top-k payload into out[0..n), as gcomp_dev_decode_fixed. Any
 * k in 1..n is decoded (the header's, as the CPU does). */
gcompResult_t gcomp_dev_topk_decode(const uint8_t *src, uint64_t n, void *region, float *out,
                                    int to_dst, float beta, gcomp_dev_call *call,
                                    cudaStream_t s);

#endif
