/* What the fixed section (pack/fixed.cu, docs/FORMAT.md) and the entropy
 * section (pack/rans*.cu, docs/FORMAT-rans.md) share: both cut n symbols
 * into chunks of 4096, keep per-chunk scratch in the workspace, scan chunk
 * lengths into offsets, and compute each symbol with a codec's symbol
 * function S, a functor that gives:
 *
 *   kBase    bytes before the section: 4 for the level codecs (the 31-bit
 *            scale and a pad bit; a zero scale is the zero vector and ends
 *            the body), 0 for natural compression (the section alone);
 *   kRandom  whether encode uses the Philox word r;
 *   encode(x, scale, K, r)      the u32 symbol of x;
 *   check(zmax, scale, K)       pack/levels.c's check_levels on the
 *                               largest symbol: a status code;
 *   decode(z, scale, K, &v)     false for a symbol no encoder writes.
 *
 * The codecs' functors are in codecs/levels.cuh, which lists the ones each
 * section is built for (GCOMP_DEV_SECTION_ENCODERS, _DECODERS). */
#ifndef GCOMP_KERNELS_PACK_SECTION_CUH
#define GCOMP_KERNELS_PACK_SECTION_CUH

#include "core/method.cuh"

#include "shared/fixed_pack.h"
#include "shared/philox.h"

/* Per-chunk scratch of a section (C = ceil(n / 4096) chunks). */
struct gcomp_dev_fixed {
  uint64_t n, chunks;
  uint32_t *width, *escapes; /* per chunk: w and e (fixed encode) */
  uint64_t *sizes, *offsets; /* chunk bytes and their exclusive scan */
  void *scan_temp;           /* CUB DeviceScan storage */
  size_t scan_bytes;
};

/* The scratch for n symbols in a plan, carved at *at. */
gcompResult_t gcomp_dev_section_plan(uint64_t n, gcomp_dev_section_layout *l, size_t *at);

/* The scratch of a plan in its workspace. */
gcomp_dev_fixed gcomp_dev_section_of(const gcomp_dev_plan *p, void *ws);

/* The exclusive scan of f->sizes into f->offsets: chunk lengths to offsets,
 * for the fixed and the entropy section alike. */
gcompResult_t gcomp_dev_chunk_scan(const gcomp_dev_fixed *f, cudaStream_t s);

/* A fixed-packed body, x[0..n) already rotated, the scale (gamma) and K in
 * call; writes the header too once the size is known (and nothing at all
 * if the payload would pass dst + cap). */
template <class S>
gcompResult_t gcomp_dev_encode_fixed(const float *x, uint64_t seed, const gcomp_dev_fixed *f,
                                     uint8_t *dst, size_t cap, const gcomp_dev_header *h,
                                     gcomp_dev_call *call, cudaStream_t s);

/* Decodes a verified fixed-packed body into out[0..n): straight into the
 * caller's dst (`to_dst`, with beta) or into a buffer for the inverse
 * rotation. Decoding depends on the value rule only: sd and the unbiased
 * codecs share gamma * level. */
template <class S>
gcompResult_t gcomp_dev_decode_fixed(const uint8_t *src, const gcomp_dev_fixed *f, float *out,
                                     int to_dst, float beta, gcomp_dev_call *call,
                                     cudaStream_t s);

#ifdef __CUDACC__

/* Symbols of x[i .. i + 4), i a multiple of 4 so the four share one
 * Philox draw as on the CPU; values past n give 0. Shared by the fixed
 * (pack/fixed.cu) and entropy (pack/rans_encode.cu) sections. */
template <class S>
__device__ void gcomp_dev_quantize4(const float *x, uint64_t n, uint64_t seed, uint64_t i,
                                    float gamma, uint32_t K, uint32_t z[4]) {
  float v[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  if (i >= n) {
    for (int k = 0; k < 4; k++) z[k] = 0;
    return;
  }
  if (i + 4 <= n && ((uintptr_t)x & 15u) == 0) {
    float4 q = *reinterpret_cast<const float4 *>(x + i);
    v[0] = q.x, v[1] = q.y, v[2] = q.z, v[3] = q.w;
  } else {
    for (int k = 0; k < 4; k++) v[k] = i + k < n ? x[i + k] : 0.0f;
  }
  gcomp_u32x4 r = {{0u, 0u, 0u, 0u}};
  if (S::kRandom) r = gcomp_philox(seed, GCOMP_STREAM_ROUNDING, i >> 2);
  for (int k = 0; k < 4; k++) z[k] = S::encode(v[k], gamma, K, r.v[k]);
}

/* Quantizes the chunk at x[off, off + len) with the block's threads and
 * counts key(z) of each symbol in the shared hist; returns the largest
 * symbol the thread saw (padding symbols, 0, included). Every thread runs
 * the same trip count, so whole warps meet in __match_any_sync: one shared
 * atomic per distinct key per warp instead of 32 colliding ones (most
 * symbols share a handful of keys). For the fixed section's escape counts
 * and the entropy section's letter counts. */
template <class S, class Key>
__device__ uint32_t gcomp_dev_count_keys(const float *x, uint64_t n, uint64_t seed, uint64_t off,
                                         uint32_t len, float gamma, uint32_t K, Key key,
                                         uint32_t *hist) {
  uint32_t lane = threadIdx.x & 31u, zmax = 0;
  for (uint32_t g = threadIdx.x; g < GCOMP_FIXED_CHUNK / 4; g += blockDim.x) {
    uint32_t z[4];
    gcomp_dev_quantize4<S>(x, n, seed, off + 4 * g, gamma, K, z);
    for (int k = 0; k < 4; k++) {
      bool in = 4 * g + k < len;
      uint32_t kk = in ? key(z[k]) : 0xffffffffu;
      zmax = max(zmax, z[k]);
      unsigned peers = __match_any_sync(0xffffffffu, kk);
      if (in && lane == (uint32_t)__ffs(peers) - 1) atomicAdd(&hist[kk], __popc(peers));
    }
  }
  return zmax;
}

/* Symbols in chunk c of n: the fixed and the entropy section both cut the
 * symbols into chunks of 4096. */
__device__ inline uint32_t gcomp_dev_chunk_len(uint64_t n, uint64_t c) {
  uint64_t left = n - c * GCOMP_FIXED_CHUNK;
  return left < GCOMP_FIXED_CHUNK ? (uint32_t)left : GCOMP_FIXED_CHUNK;
}

/* A scaled codec's zero scale is the zero vector: no section at all. */
template <class S>
__device__ bool gcomp_dev_zero_vector(float gamma) {
  return S::kBase != 0 && gamma == 0.0f;
}

#endif /* __CUDACC__ */

#endif
