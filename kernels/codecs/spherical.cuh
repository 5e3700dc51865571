/* What the Spherical Compression encoder (codecs/spherical.cu) and decoder
 * (codecs/spherical_decode.cu) share: how they carve their workspace region
 * and the scalars one call passes from kernel to kernel. */
#ifndef GCOMP_KERNELS_CODECS_SPHERICAL_CUH
#define GCOMP_KERNELS_CODECS_SPHERICAL_CUH

#include "core/method.cuh"

#include "codecs/spherical_walk.cuh"
#include "shared/spherical.h"

/* One call's scalars, zeroed when the call starts. */
struct gcomp_sc_state {
  unsigned long long worst; /* bits of the largest block sum of squares */
  double total;             /* sum of the block sums, in block order (underflow only) */
  double c;                 /* sqrt(1 - alpha_s) */
  float R;
  uint32_t k;
  int32_t underflow, replaced, packing, direct_in;
  /* Bits bound for the first and last 32-bit words of the body when they
   * reach outside it: staged here, stored byte by byte at the end, so no
   * word-wide atomic touches a byte the payload does not own. */
  uint32_t edge[2];
};

/* The region: the state, then per block the packed (T - 1) << 8 | code,
 * its bit length, and a double that holds the block's sum of squares until
 * the scan overwrites it with the bit offset (encode reads the sums before
 * the scan runs), CUB's scan storage, and the decoder's segment arrays. */
struct gcomp_sc_region {
  gcomp_sc_state *st;
  uint64_t *words, *bits, *offsets;
  double *rr; /* = offsets */
  void *scan_temp;
  size_t scan_bytes;
  gcomp_sc_walk walk;
};

__host__ inline uint64_t gcomp_sc_blocks(uint64_t n, uint64_t m) { return (n + m - 1) / m; }

__host__ __device__ inline uint32_t gcomp_sc_block_len(uint64_t n, uint64_t m, uint64_t b) {
  uint64_t left = n - b * m;
  return (uint32_t)(left < m ? left : m);
}

struct gcomp_dev_sc_args {
  uint64_t n, m; /* coded length, block */
  double alpha;
  int packing;   /* as configured: auto, structured or direct */
};

/* Workspace bytes of the spherical region for n coordinates in blocks of m. */
gcompResult_t gcomp_dev_sc_bytes(uint64_t n, uint64_t m, size_t *bytes);

/* The body and the header (the packing byte decided on the device, as
 * host/codecs/spherical.c decides it), x[0..n) already rotated. */
gcompResult_t gcomp_dev_sc_encode(const float *x, const gcomp_dev_sc_args *a, uint64_t seed,
                                  void *region, uint8_t *dst, size_t cap,
                                  const gcomp_dev_header *h, gcomp_dev_call *call,
                                  cudaStream_t s);

/* A verified spherical payload into out[0..n), as gcomp_dev_decode_fixed. */
gcompResult_t gcomp_dev_sc_decode(const uint8_t *src, uint64_t n, uint64_t m, void *region,
                                  float *out, int to_dst, float beta, gcomp_dev_call *call,
                                  cudaStream_t s);

/* The structured body once sc_layout has written the header (nothing when
 * the packing is direct or the call failed): codecs/spherical_pack.cu. */
gcompResult_t gcomp_sc_pack_structured(const gcomp_sc_region *r, uint64_t nb, uint8_t *dst,
                                       gcomp_dev_call *call, cudaStream_t s);

/* Carves region (NULL: only counts) for nb blocks; returns its bytes. */
gcompResult_t gcomp_sc_carve(void *region, uint64_t nb, gcomp_sc_region *r, size_t *bytes);

#endif
