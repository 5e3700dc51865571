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
#ifndef GCOMP_KERNELS_DEVICE_SYMBOLS_CUH
#define GCOMP_KERNELS_DEVICE_SYMBOLS_CUH

#include "device_common.cuh"

#include "shared/natural.h"
#include "shared/natural_dithering.h"
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

#endif
