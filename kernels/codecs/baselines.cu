/* The baseline codecs on the device: QSGD, natural dithering and TernGrad
 * (levels in the fixed section), natural compression (symbols in the fixed
 * section), fp16 / bf16 (device_cast.cu) and scaled sign (device_sign.cu).
 * Host code strings each codec's stages together in the order of its CPU
 * file; the kernels here are the scalars: the exact maximum of |x_i| and
 * the one-thread step that turns a reduction into the codec's scale, or
 * into its refusal with the CPU's code.
 *
 * Every refusal of the CPU encoders happens before a byte is written: the
 * check_finite of encode.c comes out of the same reduction (a NaN or Inf
 * makes the sum or the maximum non-finite), and the range checks of
 * natural.c and cast.c are a comparison of the maximum with their limit. */
#include "codecs/baselines.cuh"
#include "stages/stages.cuh"
#include "pack/rans.cuh"

#include "shared/half.h"
#include "shared/natural.h"
#include "shared/scaled_sign.h"
#include "shared/terngrad.h"
extern "C" {
#include "core/wire.h"
}

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;
constexpr uint32_t kNonFiniteBits = 0x7f800000u; /* gcomp_abs_bits of Inf; NaN lies above */

/* call->absmax = max gcomp_abs_bits(x_i): an integer maximum, so the
 * order of the atomics does not matter. */
__global__ void __launch_bounds__(kThreads)
    absmax(const float *x, uint64_t n, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  uint32_t m = 0;
  uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
    m = max(m, gcomp_abs_bits(x[i]));
  m = __reduce_max_sync(0xffffffffu, m);
  if ((threadIdx.x & 31u) == 0 && m) atomicMax(&call->absmax, m);
}

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

/* After the body, whose size the host knew: a refused vector leaves no
 * header behind. */
__global__ void bl_header(uint8_t *dst, size_t cap, gcomp_dev_header h, uint64_t body_bytes,
                          gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  gcomp_dev_put_header(dst, cap, h, body_bytes, call);
}

gcomp_dev_symbols symbols_of(int method) {
  switch (method) {
  case gcompNaturalDithering: return GCOMP_DEV_SYM_ND;
  case gcompNaturalCompression: return GCOMP_DEV_SYM_NATURAL;
  default: return GCOMP_DEV_SYM_UNBIASED; /* qsgd, terngrad */
  }
}

/* Body bytes of the codecs whose size does not depend on the data. */
uint64_t known_body_bytes(gcomp_dev_bl_family fam, uint64_t n) {
  return fam == GCOMP_DEV_BL_CAST ? 2 * n : (31 + n + 7) / 8;
}

}  // namespace

gcompResult_t gcomp_dev_bl_supported(const gcompCodecConfig_t *cfg) {
  gcomp_dev_bl_family fam = gcomp_dev_bl_family_of(cfg->method);
  gcompPacking_t p = cfg->packing, want = gcomp_dev_bl_packing(cfg->method);
  const char *name = gcompMethodName(cfg->method);
  /* Where the CPU's auto always writes one packing, that one. */
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

gcompPacking_t gcomp_dev_bl_packing(gcompMethod_t m) {
  return gcomp_dev_bl_family_of(m) == GCOMP_DEV_BL_SIGN ? gcompPackStructured : gcompPackFixed;
}

int gcomp_dev_bl_fixed(gcompMethod_t m) {
  gcomp_dev_bl_family fam = gcomp_dev_bl_family_of(m);
  return fam == GCOMP_DEV_BL_LEVELS || fam == GCOMP_DEV_BL_NATURAL;
}

gcompResult_t gcomp_dev_bl_encode(const gcomp_dev_bl_args *a, const float *x, uint64_t seed,
                                  const gcomp_dev_fixed *f, double *na, double *nb,
                                  uint8_t *dst, size_t cap, const gcomp_dev_header *h,
                                  gcomp_dev_call *call, cudaStream_t s) {
  int m = a->method;
  gcomp_dev_bl_family fam = gcomp_dev_bl_family_of(m);
  uint64_t body = known_body_bytes(fam, a->n);
  /* As for identity: a size known in advance is refused by the call. */
  if ((fam == GCOMP_DEV_BL_CAST || fam == GCOMP_DEV_BL_SIGN) && cap - GCOMP_HEADER_BYTES < body)
    return gcomp_fail(gcompDstTooSmall, "dst holds %zu bytes, %s needs %llu", cap,
                      gcompMethodName(a->method), (unsigned long long)(GCOMP_HEADER_BYTES + body));
  if (m == gcompQsgd || m == gcompNaturalDithering)
    GCOMP_TRY(gcomp_dev_sumsq(x, a->n, na, nb, call, s));
  else if (m == gcompScaledSign)
    GCOMP_TRY(gcomp_dev_sumabs(x, a->n, na, nb, call, s));
  else
    absmax<<<gcomp_dev_blocks(a->n, kThreads, 4096), kThreads, 0, s>>>(x, a->n, call);
  GCOMP_LAUNCHED();
  bl_scale<<<1, 1, 0, s>>>(m, a->n, (uint32_t)a->iparam, call);
  GCOMP_LAUNCHED();
  if (gcomp_dev_bl_fixed(a->method) && a->rans)
    return gcomp_dev_encode_rans(symbols_of(m), x, seed, f, a->rans, dst, cap, h, call, s);
  if (gcomp_dev_bl_fixed(a->method))
    return gcomp_dev_encode_fixed(symbols_of(m), x, seed, f, dst, cap, h, call, s);
  if (fam == GCOMP_DEV_BL_CAST)
    GCOMP_TRY(gcomp_dev_cast_encode(m == gcompBf16, x, a->n, dst, call, s));
  else
    GCOMP_TRY(gcomp_dev_sign_encode(x, a->n, dst, call, s));
  bl_header<<<1, 1, 0, s>>>(dst, cap, *h, body, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_bl_decode(const gcomp_dev_bl_args *a, const uint8_t *src,
                                  const gcomp_dev_fixed *f, float *out, int to_dst, float beta,
                                  gcomp_dev_call *call, cudaStream_t s) {
  int m = a->method;
  if (gcomp_dev_bl_fixed(a->method) && a->rans)
    return gcomp_dev_decode_rans(symbols_of(m), src, f, a->rans, out, to_dst, beta, call, s);
  if (gcomp_dev_bl_fixed(a->method))
    return gcomp_dev_decode_fixed(symbols_of(m), src, f, out, to_dst, beta, call, s);
  if (gcomp_dev_bl_family_of(m) == GCOMP_DEV_BL_CAST)
    return gcomp_dev_cast_decode(m == gcompBf16, src, a->n, out, to_dst, beta, call, s);
  return gcomp_dev_sign_decode(src, a->n, out, to_dst, beta, call, s);
}
