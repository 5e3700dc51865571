/* Sparse Dithering (codecs 1 and 2, docs/FORMAT.md) on the device, packings
 * fixed and entropy: the canonical sum of squares (stages/norm.cu), the
 * scale, then the section of levels (codecs/levels.cuh), in the order of
 * host/codecs/sparse_dithering.c. K follows from (nu or omega, n) alone, so
 * the host computes it, and a parameter too small for n is refused by the
 * call. */
#include "codecs/levels.cuh"
#include "core/verify.cuh"
#include "stages/stages.cuh"

namespace {

/* Squares are never negative, so "not <= DBL_MAX" is exactly NaN or Inf. */
__device__ bool finite_sum(double s) { return s <= 1.7976931348623157e308; }

__global__ void sd_scale(double param, uint64_t n, uint32_t K, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  double s = call->sumsq;
  if (!finite_sum(s)) {
    gcomp_dev_fail(call, gcompNonFiniteInput);
    return;
  }
  gcomp_sd_scale sc;
  if (gcomp_sd_scale_init(param, n, s, &sc) != 0) {
    gcomp_dev_fail(call, gcompParameterOutOfRange);
    return;
  }
  call->gamma = sc.gamma;
  call->K = K;
}

gcompResult_t supported(const gcomp_codec_view *c) {
  if (c->packing == gcompPackFixed || c->packing == gcompPackEntropy) return gcompSuccess;
  if (c->packing == gcompPackAuto)
    return gcomp_fail(gcompNotAvailable,
                      "packing auto picks the shortest of four back ends; only "
                      "packings fixed and entropy are on the GPU yet");
  return gcomp_fail(gcompNotAvailable, "packing %s is not yet on the GPU",
                    gcomp_packing_name(c->packing));
}

template <bool Unbiased>
gcompResult_t plan(gcomp_dev_plan *p, size_t *at) {
  p->K = gcomp_sd_level_limit(p->c.param, p->n, Unbiased);
  if (p->K == 0)
    return gcomp_fail(gcompParameterOutOfRange,
                      "%s = %g is too small for d = %llu (levels exceed 2^25)",
                      Unbiased ? "omega" : "nu", p->c.param, (unsigned long long)p->n);
  return gcomp_dev_levels_plan(p, at);
}

template <bool Unbiased>
gcompResult_t encode(const gcomp_dev_plan *p, const gcomp_dev_enc *e) {
  GCOMP_TRY(gcomp_dev_sumsq(e->x, p->n, gcomp_dev_at<double>(e->ws, p->norm_a),
                            gcomp_dev_at<double>(e->ws, p->norm_b), e->call, e->s));
  sd_scale<<<1, 1, 0, e->s>>>(p->c.param, p->n, p->K, e->call);
  GCOMP_LAUNCHED();
  if (Unbiased) return gcomp_dev_levels_encode<gcomp_sym_unbiased>(p, e);
  return gcomp_dev_levels_encode<gcomp_sym_sd>(p, e);
}

/* Both decode as gamma * level. */
gcompResult_t decode(const gcomp_dev_plan *p, const gcomp_dev_dec *d) {
  return gcomp_dev_levels_decode<gcomp_sym_sd>(p, d);
}

/* sparse_dithering.c's header_ok (nu in (0, 1), omega in (0, 1e6], block
 * 0), then the levels' framing with the payload's own K. */
template <bool Unbiased>
struct rules {
  __device__ static bool header_ok(double param, uint64_t iparam) {
    if (iparam != 0) return false;
    return Unbiased ? param > 0.0 && param <= 1e6 : param > 0.0 && param < 1.0;
  }
  __device__ static gcompResult_t framing(const gcomp_dev_hdr_job &j) {
    return gcomp_dev_levels_framing(j, gcomp_sd_level_limit(j.call->param, j.e.n, Unbiased));
  }
};

}  // namespace

const gcomp_dev_method gcomp_dev_method_sd = {
    gcompSparseDithering,           /* id */
    1,                              /* reduces: sum of squares */
    supported,                      /* supported: fixed, entropy */
    gcomp_dev_packing_as_configured, /* packing */
    plan<false>,                    /* plan: K, section */
    nullptr,                        /* known_body */
    encode<false>,                  /* encode */
    gcomp_dev_verify<rules<false>>, /* verify */
    decode,                         /* decode */
};

const gcomp_dev_method gcomp_dev_method_sd_unbiased = {
    gcompSparseDitheringUnbiased,  /* id */
    1,                             /* reduces: sum of squares */
    supported,                     /* supported: fixed, entropy */
    gcomp_dev_packing_as_configured, /* packing */
    plan<true>,                    /* plan: K, section */
    nullptr,                       /* known_body */
    encode<true>,                  /* encode */
    gcomp_dev_verify<rules<true>>, /* verify */
    decode,                        /* decode */
};
