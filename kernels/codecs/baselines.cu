/* The baseline codecs on the device: QSGD, natural dithering and TernGrad
 * (levels in a section), natural compression (symbols in a section), fp16 /
 * bf16 (codecs/cast.cu) and scaled sign (codecs/sign.cu). Host code strings
 * each codec's stages together in the order of its CPU file; the kernel
 * here is the one-thread step that turns a reduction (stages/norm.cu) into
 * the codec's scale, or into its refusal with the CPU's code.
 *
 * Every refusal of the CPU encoders happens before a byte is written: the
 * check_finite of host/core/pipeline.c comes out of the same reduction (a
 * NaN or Inf makes the sum or the maximum non-finite), and the range checks
 * of natural.c and half_floats.c are a comparison of the maximum with their
 * limit. */
#include "codecs/baselines.cuh"
#include "codecs/levels.cuh"
#include "core/verify.cuh"
#include "stages/stages.cuh"

#include "shared/bits.h"
#include "shared/half.h"
#include "shared/natural.h"
#include "shared/scaled_sign.h"
#include "shared/terngrad.h"

namespace {

constexpr uint32_t kNonFiniteBits = 0x7f800000u; /* gcomp_abs_bits of Inf; NaN lies above */

/* A float sum of squares or magnitudes is finite unless an input is not. */
__device__ bool finite_sum(double s) { return s <= 1.7976931348623157e308; }

/* The prepare step of each CPU codec, on the reduction it needs. */
__device__ gcompResult_t scale_of(int method, uint64_t n, uint32_t levels,
                                  gcomp_dev_call *call) {
  if (method == gcompQsgd || method == gcompNaturalDithering) {
    if (!finite_sum(call->sumsq)) return gcompNonFiniteInput;
    float g;
    int bad = method == gcompQsgd ? gcomp_qsgd_scale(call->sumsq, levels, &g)
                                  : gcomp_nd_scale(call->sumsq, &g);
    if (bad) return gcompParameterOutOfRange;
    call->gamma = g;
    call->K = levels;
    return gcompSuccess;
  }
  if (method == gcompScaledSign) {
    if (!finite_sum(call->sumabs)) return gcompNonFiniteInput;
    call->gamma = gcomp_sign_scale(call->sumabs, n);
    return gcompSuccess;
  }
  if (call->absmax >= kNonFiniteBits) return gcompNonFiniteInput;
  float m = gcomp_u2f(call->absmax);
  switch (method) {
  case gcompTernGrad:
    if (!gcomp_terngrad_scale_ok(m)) return gcompParameterOutOfRange;
    call->gamma = m;
    call->K = 1;
    return gcompSuccess;
  case gcompNaturalCompression:
    return gcomp_natural_too_large(m) ? gcompParameterOutOfRange : gcompSuccess;
  default: /* fp16, bf16 */
    return gcomp_half_overflows(m, method == gcompBf16) ? gcompParameterOutOfRange
                                                        : gcompSuccess;
  }
}

__global__ void bl_scale(int method, uint64_t n, uint32_t levels, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  gcompResult_t r = scale_of(method, n, levels, call);
  if (r != gcompSuccess) gcomp_dev_fail(call, r);
}

/* Where the CPU's auto always writes one packing, that one. */
gcompPacking_t packing_of(gcompMethod_t m) {
  return gcomp_dev_bl_family_of(m) == GCOMP_DEV_BL_SIGN ? gcompPackStructured : gcompPackFixed;
}

gcompResult_t supported(const gcomp_codec_view *c) {
  gcomp_dev_bl_family fam = gcomp_dev_bl_family_of(c->method);
  gcompPacking_t p = c->packing, want = packing_of(c->method);
  const char *name = gcompMethodName(c->method);
  if (p == want || (p == gcompPackAuto && (fam == GCOMP_DEV_BL_CAST || fam == GCOMP_DEV_BL_SIGN)))
    return gcompSuccess;
  /* The symbols of a fixed section can go to the entropy section instead. */
  if (p == gcompPackEntropy && (fam == GCOMP_DEV_BL_LEVELS || fam == GCOMP_DEV_BL_NATURAL))
    return gcompSuccess;
  if (p == gcompPackAuto)
    return gcomp_fail(gcompNotAvailable,
                      "%s: packing auto picks the shortest of several back ends; only "
                      "packing=%s is on the GPU yet",
                      name, gcomp_packing_name(want));
  return gcomp_fail(gcompNotAvailable, "%s: packing %s is not yet on the GPU (only %s)", name,
                    gcomp_packing_name(p), gcomp_packing_name(want));
}

/* What supported() let through: entropy, or the packing auto resolves to. */
int packing(const gcomp_codec_view *c) {
  return c->packing == gcompPackEntropy ? (int)gcompPackEntropy : (int)packing_of(c->method);
}

/* Body bytes of the codecs whose size does not depend on the data. */
uint64_t cast_bytes(uint64_t n) { return 2 * n; }
uint64_t sign_bytes(uint64_t n) { return (31 + n + 7) / 8; }

/* The symbol functions of a section codec: what encode makes, and the value
 * rule decode needs (QSGD and TernGrad round unbiased, decode as sd). */
template <int M>
struct symbols {
  using encode = gcomp_sym_unbiased;
  using decode = gcomp_sym_sd;
};
template <>
struct symbols<gcompNaturalDithering> {
  using encode = gcomp_sym_nd;
  using decode = gcomp_sym_nd;
};
template <>
struct symbols<gcompNaturalCompression> {
  using encode = gcomp_sym_natural;
  using decode = gcomp_sym_natural;
};

template <int M>
gcompResult_t encode(const gcomp_dev_plan *p, const gcomp_dev_enc *e) {
  constexpr gcomp_dev_bl_family fam = gcomp_dev_bl_family_of(M);
  double *na = gcomp_dev_at<double>(e->ws, p->norm_a), *nb = gcomp_dev_at<double>(e->ws, p->norm_b);
  if (M == gcompQsgd || M == gcompNaturalDithering)
    GCOMP_TRY(gcomp_dev_sumsq(e->x, p->n, na, nb, e->call, e->s));
  else if (M == gcompScaledSign)
    GCOMP_TRY(gcomp_dev_sumabs(e->x, p->n, na, nb, e->call, e->s));
  else
    GCOMP_TRY(gcomp_dev_absmax(e->x, p->n, e->call, e->s));
  bl_scale<<<1, 1, 0, e->s>>>(M, p->n, (uint32_t)p->c.iparam, e->call);
  GCOMP_LAUNCHED();
  if constexpr (fam == GCOMP_DEV_BL_LEVELS || fam == GCOMP_DEV_BL_NATURAL) {
    return gcomp_dev_levels_encode<typename symbols<M>::encode>(p, e);
  } else if constexpr (fam == GCOMP_DEV_BL_CAST) {
    GCOMP_TRY(gcomp_dev_cast_encode(M == gcompBf16, e->x, p->n, e->dst, e->call, e->s));
    return gcomp_dev_header_after(e->dst, e->cap, e->h, cast_bytes(p->n), e->call, e->s);
  } else {
    GCOMP_TRY(gcomp_dev_sign_encode(e->x, p->n, e->dst, e->call, e->s));
    return gcomp_dev_header_after(e->dst, e->cap, e->h, sign_bytes(p->n), e->call, e->s);
  }
}

template <int M>
gcompResult_t decode(const gcomp_dev_plan *p, const gcomp_dev_dec *d) {
  constexpr gcomp_dev_bl_family fam = gcomp_dev_bl_family_of(M);
  if constexpr (fam == GCOMP_DEV_BL_LEVELS || fam == GCOMP_DEV_BL_NATURAL)
    return gcomp_dev_levels_decode<typename symbols<M>::decode>(p, d);
  else if constexpr (fam == GCOMP_DEV_BL_CAST)
    return gcomp_dev_cast_decode(M == gcompBf16, d->src, p->n, d->out, d->to_dst, d->beta,
                                 d->call, d->s);
  else
    return gcomp_dev_sign_decode(d->src, p->n, d->out, d->to_dst, d->beta, d->call, d->s);
}

/* The methods' header_ok (param +0.0, bit for bit; the block field holds s
 * or is 0), then the body checks the CPU decoders make before reading any
 * value. Sign keeps its scale in call->gamma. */
template <int M>
struct rules {
  __device__ static bool header_ok(double param, uint64_t iparam) {
    if (M == gcompQsgd || M == gcompNaturalDithering)
      return gcomp_is_plus_zero(param) && gcomp_dev_bl_limit(M, iparam) != 0;
    return gcomp_is_plus_zero(param) && iparam == 0;
  }
  __device__ static gcompResult_t framing(const gcomp_dev_hdr_job &j) {
    uint64_t bits = j.call->body_bits, n = j.e.n;
    switch (gcomp_dev_bl_family_of(M)) {
    case GCOMP_DEV_BL_LEVELS:
      return gcomp_dev_levels_framing(
          j, gcomp_dev_bl_limit(M, gcomp_dev_ld_u64(j.src + GCOMP_WIRE_IPARAM)));
    case GCOMP_DEV_BL_NATURAL: /* natural.c read_section, the section's chunk table */
      return bits % 8 || j.e.chunks > bits / 8 / 4 ? gcompCorruptPayload : gcompSuccess;
    case GCOMP_DEV_BL_CAST: return bits == 16 * n ? gcompSuccess : gcompCorruptPayload;
    case GCOMP_DEV_BL_SIGN: { /* sign.c read_structured; 31 + n >= 32 bits are there */
      if (bits != 31 + n) return gcompCorruptPayload;
      uint32_t u = gcomp_dev_ld_u32(j.src + GCOMP_HEADER_BYTES) & 0x7fffffffu;
      if ((u >> 23) == 0xffu) return gcompCorruptPayload;
      j.call->gamma = gcomp_u2f(u);
      return gcompSuccess;
    }
    default: return gcompInternalError;
    }
  }
};

}  // namespace

/* Fields: id, reduces (each scale comes from a reduction of x), supported,
 * packing, plan (the section's scratch; none for a body of known size),
 * known_body, encode, verify, decode. */
#define GCOMP_DEV_BL_ENTRY(M, plan, known) \
  {M, 1, supported, packing, plan, known, encode<M>, gcomp_dev_verify<rules<M>>, decode<M>}

const gcomp_dev_method gcomp_dev_method_qsgd =
    GCOMP_DEV_BL_ENTRY(gcompQsgd, gcomp_dev_levels_plan, nullptr);
const gcomp_dev_method gcomp_dev_method_natural_dithering =
    GCOMP_DEV_BL_ENTRY(gcompNaturalDithering, gcomp_dev_levels_plan, nullptr);
const gcomp_dev_method gcomp_dev_method_terngrad =
    GCOMP_DEV_BL_ENTRY(gcompTernGrad, gcomp_dev_levels_plan, nullptr);
const gcomp_dev_method gcomp_dev_method_natural =
    GCOMP_DEV_BL_ENTRY(gcompNaturalCompression, gcomp_dev_levels_plan, nullptr);
const gcomp_dev_method gcomp_dev_method_fp16 = GCOMP_DEV_BL_ENTRY(gcompFp16, nullptr, cast_bytes);
const gcomp_dev_method gcomp_dev_method_bf16 = GCOMP_DEV_BL_ENTRY(gcompBf16, nullptr, cast_bytes);
const gcomp_dev_method gcomp_dev_method_sign =
    GCOMP_DEV_BL_ENTRY(gcompScaledSign, nullptr, sign_bytes);
