/* What the codecs with a fixed or entropy section share (Sparse Dithering,
 * QSGD, natural dithering, TernGrad, natural compression): their symbol
 * functions (the contract is pack/section.cuh's), each calling the
 * host/shared math its CPU codec calls, so the kernels decide every symbol
 * exactly as host/pack/levels.c and natural.c do; the plan, body and
 * framing of a section codec. */
#ifndef GCOMP_KERNELS_CODECS_LEVELS_CUH
#define GCOMP_KERNELS_CODECS_LEVELS_CUH

#include "core/method.cuh"
#include "pack/rans.cuh"
#include "pack/section.cuh"

#include "shared/bits.h"
#include "shared/natural.h"
#include "shared/natural_dithering.h"
#include "shared/sparse_dithering.h"
#include "shared/wire_layout.h"

/* The level rules: Q::level(x, scale, K, r) is the signed level,
 * Q::value(v, scale, K) its decoded value (|value| grows with |v|). */
struct gcomp_q_nearest { /* sd */
  static constexpr bool kRandom = false;
  __device__ static int32_t level(float x, float scale, uint32_t, uint32_t) {
    return gcomp_sd_quantize(x, scale);
  }
  __device__ static float value(int32_t v, float scale, uint32_t) {
    return gcomp_level_value(v, scale);
  }
};

struct gcomp_q_unbiased { /* sd-unbiased, qsgd, terngrad */
  static constexpr bool kRandom = true;
  __device__ static int32_t level(float x, float scale, uint32_t, uint32_t r) {
    return gcomp_level_round_unbiased(x, scale, r);
  }
  __device__ static float value(int32_t v, float scale, uint32_t) {
    return gcomp_level_value(v, scale);
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

/* The level codecs' symbol functions. */
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

/* The symbol functions the sections are built for (explicit instantiations
 * in pack/fixed.cu and pack/rans_*.cu): the encoders, and the value rules
 * of the decoders (the unbiased codecs decode as sd: gamma * level). */
#define GCOMP_DEV_SECTION_ENCODERS(X) \
  X(gcomp_sym_sd) X(gcomp_sym_unbiased) X(gcomp_sym_nd) X(gcomp_sym_natural)
#define GCOMP_DEV_SECTION_DECODERS(X) X(gcomp_sym_sd) X(gcomp_sym_nd) X(gcomp_sym_natural)

/* A section codec's part of the plan: the chunk scratch, and the rANS
 * region when it packs entropy. */
static inline gcompResult_t gcomp_dev_levels_plan(gcomp_dev_plan *p, size_t *at) {
  GCOMP_TRY(gcomp_dev_section_plan(p->n, &p->sec, at));
  if (p->c.packing == gcompPackEntropy) {
    size_t bytes;
    GCOMP_TRY(gcomp_dev_rans_bytes(p->n, &bytes));
    p->region = gcomp_dev_take(at, bytes);
  }
  return gcompSuccess;
}

/* The section of symbols S of e->x, entropy-packed when the plan has the
 * rANS region, else fixed; the scale and K in e->call. */
template <class S>
gcompResult_t gcomp_dev_levels_encode(const gcomp_dev_plan *p, const gcomp_dev_enc *e) {
  gcomp_dev_fixed f = gcomp_dev_section_of(p, e->ws);
  void *rans = gcomp_dev_at<void>(e->ws, p->region);
  if (rans)
    return gcomp_dev_encode_rans<S>(e->x, e->seed, &f, rans, e->dst, e->cap, e->h, e->call, e->s);
  return gcomp_dev_encode_fixed<S>(e->x, e->seed, &f, e->dst, e->cap, e->h, e->call, e->s);
}

/* A verified section of values S into d->out. */
template <class S>
gcompResult_t gcomp_dev_levels_decode(const gcomp_dev_plan *p, const gcomp_dev_dec *d) {
  gcomp_dev_fixed f = gcomp_dev_section_of(p, d->ws);
  void *rans = gcomp_dev_at<void>(d->ws, p->region);
  if (rans)
    return gcomp_dev_decode_rans<S>(d->src, &f, rans, d->out, d->to_dst, d->beta, d->call, d->s);
  return gcomp_dev_decode_fixed<S>(d->src, &f, d->out, d->to_dst, d->beta, d->call, d->s);
}

#ifdef __CUDACC__

/* host/pack/levels.c's decode up to the chunks, for the codecs whose body
 * is a 31-bit scale, a pad bit and a section of levels at most K (0: the
 * header's parameter allows none): K, gamma, framing. */
__device__ inline gcompResult_t gcomp_dev_levels_framing(const gcomp_dev_hdr_job &j, uint32_t K) {
  gcomp_dev_call *call = j.call;
  if (K == 0) return gcompCorruptPayload;
  uint64_t bits = call->body_bits;
  if (bits < 31) return gcompCorruptPayload;
  /* ceil(31 / 8) = 4 bytes are there */
  uint32_t word = gcomp_dev_ld_u32(j.src + GCOMP_HEADER_BYTES);
  uint32_t u = word & 0x7fffffffu, exp = u >> 23;
  if (u != 0 && (exp == 0 || exp == 255)) return gcompCorruptPayload;
  /* FORMAT.md: a zero gamma ends the body after 32 bits, the 32nd zero. */
  if (u == 0 && (bits != 32 || (word >> 31))) return gcompCorruptPayload;
  if (u != 0) {
    if (bits % 8 || (word >> 31)) return gcompCorruptPayload;
    if (j.e.chunks > (bits / 8 - 4) / 4) return gcompCorruptPayload; /* the table */
  }
  call->gamma = gcomp_u2f(u);
  call->K = K;
  return gcompSuccess;
}

#endif /* __CUDACC__ */

#endif
