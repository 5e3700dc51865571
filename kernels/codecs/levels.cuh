/* The symbol functions of the fixed section (device_fixed.cu): what one
 * codec turns a coordinate into, what a symbol decodes to, and what the
 * encoder checks on a chunk's largest symbol. Each calls the host/shared
 * math its CPU codec calls, so the kernels decide every symbol exactly as
 * level_stream.c and natural.c do.
 *
 * A functor S provides:
 *   kBase    bytes before the section: 4 for the level codecs (the 31-bit
 *            scale and a pad bit; a zero scale is the zero vector and ends
 *            the body), 0 for natural compression (the section alone);
 *   kRandom  whether encode uses the Philox word r;
 *   encode(x, scale, K, r)      the u32 symbol of x;
 *   check(zmax, scale, K)       level_stream.c's check_levels on the
 *                               chunk's largest symbol: a status code;
 *   decode(z, scale, K, &v)     false for a symbol no encoder writes. */
#ifndef GCOMP_KERNELS_CODECS_LEVELS_CUH
#define GCOMP_KERNELS_CODECS_LEVELS_CUH

#include "core/common.cuh"

#include "shared/fixed_pack.h"
#include "shared/natural.h"
#include "shared/natural_dithering.h"
#include "shared/philox.h"
#include "shared/sparse_dithering.h"

/* The level rules: Q::level(x, scale, K, r) is the signed level,
 * Q::value(v, scale, K) its decoded value (|value| grows with |v|). */
struct gcomp_q_nearest { /* sd */
  static constexpr bool kRandom = false;
  __device__ static int32_t level(float x, float scale, uint32_t, uint32_t) {
    return gcomp_sd_quantize(x, scale);
  }
  __device__ static float value(int32_t v, float scale, uint32_t) {
    return gcomp_sd_dequantize(v, scale);
  }
};

struct gcomp_q_unbiased { /* sd-unbiased, qsgd, terngrad */
  static constexpr bool kRandom = true;
  __device__ static int32_t level(float x, float scale, uint32_t, uint32_t r) {
    return gcomp_sd_quantize_unbiased(x, scale, r);
  }
  __device__ static float value(int32_t v, float scale, uint32_t) {
    return gcomp_sd_dequantize(v, scale);
  }
};

struct gcomp_q_natural_dithering { /* K = s, the number of levels */
  static constexpr bool kRandom = true;
  __device__ static int32_t level(float x, float scale, uint32_t K, uint32_t r) {
    return gcomp_nd_quantize(x, scale, K, r);
  }
  __device__ static float value(int32_t v, float scale, uint32_t K) {
    return gcomp_nd_dequantize(v, scale, K);
  }
};

/* A level codec: zigzag symbols of signed levels after the scale. */
template <class Q>
struct gcomp_sym_levels {
  static constexpr uint32_t kBase = 4;
  static constexpr bool kRandom = Q::kRandom;
  __device__ static uint32_t encode(float x, float scale, uint32_t K, uint32_t r) {
    return gcomp_zigzag(Q::level(x, scale, K, r));
  }
  /* zigzag is monotone in |level|, so the largest symbol holds the largest
   * level: above K means the rounding analysis is wrong; a level decoding
   * to Inf comes from inputs near FLT_MAX. */
  __device__ static gcompResult_t check(uint32_t zmax, float scale, uint32_t K) {
    uint32_t worst = (zmax >> 1) + (zmax & 1u);
    if (worst > K) return gcompInternalError;
    if (!gcomp_dev_finite(Q::value((int32_t)worst, scale, K))) return gcompParameterOutOfRange;
    return gcompSuccess;
  }
  __device__ static bool decode(uint32_t z, float scale, uint32_t K, float *v) {
    if ((z >> 1) + (z & 1u) > K) return false;
    *v = Q::value(gcomp_unzigzag(z), scale, K);
    return gcomp_dev_finite(*v);
  }
};

/* The level codecs' symbol functions, by gcomp_dev_symbols. */
using gcomp_sym_sd = gcomp_sym_levels<gcomp_q_nearest>;
using gcomp_sym_unbiased = gcomp_sym_levels<gcomp_q_unbiased>;
using gcomp_sym_nd = gcomp_sym_levels<gcomp_q_natural_dithering>;

/* Natural compression: the symbol carries exponent and sign; no scale, and
 * the range check before the section (|x_i| < 2^127) keeps every symbol
 * at most 509. */
struct gcomp_sym_natural {
  static constexpr uint32_t kBase = 0;
  static constexpr bool kRandom = true;
  __device__ static uint32_t encode(float x, float, uint32_t, uint32_t r) {
    return gcomp_natural_symbol(x, r);
  }
  __device__ static gcompResult_t check(uint32_t, float, uint32_t) { return gcompSuccess; }
  __device__ static bool decode(uint32_t z, float, uint32_t, float *v) {
    *v = gcomp_natural_value(z);
    return gcomp_natural_symbol_ok(z);
  }
};

/* Symbols of x[i .. i + 4), i a multiple of 4 so the four share one
 * Philox draw as on the CPU; values past n give 0. Shared by the fixed
 * (device_fixed.cu) and entropy (device_rans_encode.cu) sections. */
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

#endif
