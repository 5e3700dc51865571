/* Identity (codec 0, docs/FORMAT.md): the n floats as they are, packing
 * direct. The body's size is known before any kernel runs, so the call
 * refuses a small dst itself. A NaN or Inf is refused by a pass of its own
 * before the body is written (docs/GPU.md: a refused encode leaves dst
 * untouched, as the CPU's); with rotate=1 the rotation has checked x. */
#include "core/method.cuh"
#include "core/verify.cuh"

#include "shared/bits.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

/* pipeline.c's check_finite, reading only. */
__global__ void __launch_bounds__(kThreads)
    identity_finite(const float *x, uint64_t n, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  bool vec = ((uintptr_t)x & 15u) == 0, bad = false;
  uint64_t groups = (n + 3) / 4, stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t g = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += stride) {
    uint64_t i = 4 * g;
    if (vec && i + 4 <= n) {
      float4 v = *reinterpret_cast<const float4 *>(x + i);
      bad |= !gcomp_dev_finite(v.x) || !gcomp_dev_finite(v.y) || !gcomp_dev_finite(v.z) ||
             !gcomp_dev_finite(v.w);
    } else {
      for (uint64_t k = i; k < n && k < i + 4; k++) bad |= !gcomp_dev_finite(x[k]);
    }
  }
  if (bad) gcomp_dev_fail(call, gcompNonFiniteInput);
}

__global__ void __launch_bounds__(kThreads)
    identity_body(const float *x, uint64_t n, uint8_t *dst, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  uint8_t *body = dst + 64;
  bool vec = ((uintptr_t)x & 15u) == 0 && ((uintptr_t)body & 15u) == 0;
  uint64_t groups = (n + 3) / 4, stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t g = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += stride) {
    uint64_t i = 4 * g;
    if (vec && i + 4 <= n) {
      float4 v = *reinterpret_cast<const float4 *>(x + i);
      *reinterpret_cast<uint4 *>(body + 4 * i) =
          make_uint4(gcomp_f2u(v.x), gcomp_f2u(v.y), gcomp_f2u(v.z), gcomp_f2u(v.w));
    } else {
      for (uint64_t k = i; k < n && k < i + 4; k++)
        gcomp_dev_st_u32(body + 4 * k, gcomp_f2u(x[k]));
    }
  }
}

__global__ void __launch_bounds__(kThreads)
    identity_read(const uint8_t *src, uint64_t n, float *out, int to_dst, float beta,
                  gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  const uint8_t *body = src + 64;
  bool vec = ((uintptr_t)body & 15u) == 0;
  bool bad = false;
  uint64_t groups = (n + 3) / 4, stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t g = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += stride) {
    uint64_t i = 4 * g;
    float v[4];
    uint32_t m = n - i < 4 ? (uint32_t)(n - i) : 4;
    if (vec && m == 4) {
      uint4 u = *reinterpret_cast<const uint4 *>(body + 4 * i);
      v[0] = gcomp_u2f(u.x), v[1] = gcomp_u2f(u.y), v[2] = gcomp_u2f(u.z), v[3] = gcomp_u2f(u.w);
    } else {
      for (uint32_t k = 0; k < m; k++) v[k] = gcomp_u2f(gcomp_dev_ld_u32(body + 4 * (i + k)));
    }
    for (uint32_t k = 0; k < m; k++) {
      /* No encoder writes NaN or Inf (identity.c's gcomp_direct_read). */
      if (!gcomp_dev_finite(v[k])) {
        bad = true;
        continue;
      }
      gcomp_dev_put(out, i + k, v[k], to_dst, beta);
    }
  }
  if (bad) gcomp_dev_fail(call, gcompCorruptPayload);
}

/* identity.c's header_ok: param +0.0, block 0; the body is n floats. */
struct rules {
  __device__ static bool header_ok(double param, uint64_t iparam) {
    return gcomp_is_plus_zero(param) && iparam == 0;
  }
  __device__ static gcompResult_t framing(const gcomp_dev_hdr_job &j) {
    return j.call->body_bits == 32 * j.e.n ? gcompSuccess : gcompCorruptPayload;
  }
};

unsigned grid(uint64_t n) { return gcomp_dev_blocks((n + 3) / 4, kThreads, 8192); }

int packing(const gcomp_codec_view *) { return gcompPackDirect; }

uint64_t known_body(uint64_t n) { return 4 * n; }

gcompResult_t encode(const gcomp_dev_plan *p, const gcomp_dev_enc *e) {
  if (e->check_finite) {
    identity_finite<<<grid(p->n), kThreads, 0, e->s>>>(e->x, p->n, e->call);
    GCOMP_LAUNCHED();
  }
  identity_body<<<grid(p->n), kThreads, 0, e->s>>>(e->x, p->n, e->dst, e->call);
  GCOMP_LAUNCHED();
  return gcomp_dev_header_after(e->dst, e->cap, e->h, 4 * p->n, e->call, e->s);
}

gcompResult_t decode(const gcomp_dev_plan *p, const gcomp_dev_dec *d) {
  identity_read<<<grid(p->n), kThreads, 0, d->s>>>(d->src, p->n, d->out, d->to_dst, d->beta,
                                                  d->call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

}  // namespace

const gcomp_dev_method gcomp_dev_method_identity = {
    gcompIdentity,           /* id */
    0,                       /* reduces */
    gcomp_dev_any_packing,   /* supported: always direct */
    packing,                 /* packing */
    nullptr,                 /* plan: no region */
    known_body,              /* known_body */
    encode,                  /* encode */
    gcomp_dev_verify<rules>, /* verify */
    decode,                  /* decode */
};
