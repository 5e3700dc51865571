/* Rand-k (docs/FORMAT.md, codec 8) on the device, making
 * host/codecs/randk.c's bytes: a Philox key per coordinate, the selection
 * stage (stages/select.cu) keeps the k smallest, the values x_i * (n/k) in
 * index order. Decode draws the same keys from the payload's seed. */
#include "stages/select.cuh"

#include "core/verify.cuh"
#include "shared/bits.h"
#include "shared/selection.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

__device__ uint64_t first_item() { return (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ uint64_t stride() { return (uint64_t)gridDim.x * blockDim.x; }

/* pipeline.c's check_finite. */
__global__ void __launch_bounds__(kThreads)
    sel_finite(const float *x, uint64_t n, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  bool bad = false;
  for (uint64_t i = first_item(); i < n; i += stride()) bad |= !gcomp_dev_finite(x[i]);
  if (bad) gcomp_dev_fail(call, gcompNonFiniteInput);
}

/* Coordinate i's key and index; the seed is the call's or, decoding, the
 * payload's. */
__global__ void __launch_bounds__(kThreads)
    sel_keys(uint64_t seed, bool payload_seed, uint64_t n, uint32_t *keys, uint64_t *idx,
             const gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  if (payload_seed) seed = call->seed;
  for (uint64_t g = first_item(); g < (n + 3) / 4; g += stride()) {
    gcomp_u32x4 r = gcomp_randk_keys(seed, g);
    for (uint32_t q = 0; q < 4 && 4 * g + q < n; q++) {
      keys[4 * g + q] = r.v[q];
      idx[4 * g + q] = 4 * g + q;
    }
  }
}

/* randk.c's scaled_values: all of them before a byte of the body. */
__global__ void __launch_bounds__(kThreads)
    sel_values(const float *x, const uint64_t *idx, uint64_t k, float scale, float *val,
               gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  bool bad = false;
  for (uint64_t j = first_item(); j < k; j += stride()) {
    val[j] = x[idx[j]] * scale;
    bad |= !gcomp_dev_finite(val[j]);
  }
  if (bad) gcomp_dev_fail(call, gcompParameterOutOfRange);
}

/* Structured: the k values in index order. Direct (zero first): the n
 * floats, +0 where nothing is kept. */
__global__ void __launch_bounds__(kThreads)
    sel_body(uint8_t *dst, const uint64_t *idx, const float *val, uint64_t count, bool scatter,
             const gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  uint8_t *body = dst + 64;
  for (uint64_t j = first_item(); j < count; j += stride())
    gcomp_dev_st_u32(body + 4 * (scatter ? idx[j] : j), val ? gcomp_f2u(val[j]) : 0u);
}

/* randk_decode's length checks; the header's k against the call's. */
__global__ void sel_check(const uint8_t *src, uint64_t n, uint64_t k, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  uint64_t kk = gcomp_dev_ld_u64(src + 48);
  gcompResult_t r = gcompSuccess;
  if (kk > n) /* k_header_ok's other half */
    r = gcompCorruptPayload;
  else if (kk != k)
    r = gcompInvalidUsage;
  else if (call->body_bits != 32 * (src[7] == gcompPackDirect ? n : k))
    r = gcompCorruptPayload;
  if (r != gcompSuccess) gcomp_dev_fail(call, r);
}

/* Kept coordinates: their flag, and for a structured body their value. */
__global__ void __launch_bounds__(kThreads)
    sel_scatter(const uint8_t *src, const uint64_t *idx, uint64_t k, float *y, uint32_t *kept,
                gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  bool direct = src[7] == gcompPackDirect, bad = false;
  for (uint64_t j = first_item(); j < k; j += stride()) {
    kept[idx[j]] = 1;
    if (direct) continue;
    float v = gcomp_u2f(gcomp_dev_ld_u32(src + 64 + 4 * j));
    bad |= !gcomp_dev_finite(v);
    y[idx[j]] = v;
  }
  if (bad) gcomp_dev_fail(call, gcompCorruptPayload);
}

/* The decoded vector into out, with beta as pipeline.c applies it; a direct
 * body is checked here (finite, +0 wherever nothing is kept). */
__global__ void __launch_bounds__(kThreads)
    sel_combine(const uint8_t *src, uint64_t n, const float *y, const uint32_t *kept, float *out,
                int to_dst, float beta, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  bool direct = src[7] == gcompPackDirect, bad = false;
  for (uint64_t i = first_item(); i < n; i += stride()) {
    float v = y[i];
    if (direct) {
      v = gcomp_u2f(gcomp_dev_ld_u32(src + 64 + 4 * i));
      bad |= !gcomp_dev_finite(v) || (!kept[i] && gcomp_f2u(v) != 0);
    }
    gcomp_dev_put(out, i, v, to_dst, beta);
  }
  if (bad) gcomp_dev_fail(call, gcompCorruptPayload);
}

/* The k smallest keys of the call's seed or, decoding, the payload's. */
gcompResult_t select_kept(void *region, const gcomp_dev_sel_region &r, uint64_t seed,
                          bool payload_seed, uint64_t n, uint64_t k, uint64_t **kept,
                          gcomp_dev_call *call, cudaStream_t s) {
  sel_keys<<<gcomp_dev_blocks((n + 3) / 4, kThreads, 8192), kThreads, 0, s>>>(
      seed, payload_seed, n, r.keys_a, r.idx_a, call);
  GCOMP_LAUNCHED();
  return gcomp_dev_sel_sort(region, n, k, kept, nullptr, s);
}

gcompResult_t plan(gcomp_dev_plan *p, size_t *at) {
  size_t bytes;
  GCOMP_TRY(gcomp_dev_k_plan(p));
  GCOMP_TRY(gcomp_dev_sel_bytes(p->n, &bytes));
  p->region = gcomp_dev_take(at, bytes);
  return gcompSuccess;
}

gcompResult_t encode(const gcomp_dev_plan *p, const gcomp_dev_enc *e) {
  const uint64_t n = p->n, k = p->k;
  cudaStream_t s = e->s;
  void *region = gcomp_dev_at<void>(e->ws, p->region);
  gcomp_dev_sel_region r;
  size_t bytes;
  GCOMP_TRY(gcomp_dev_sel_carve(region, n, &r, &bytes));
  unsigned grid = gcomp_dev_blocks(n, kThreads, 8192);
  if (e->check_finite) {
    sel_finite<<<grid, kThreads, 0, s>>>(e->x, n, e->call);
    GCOMP_LAUNCHED();
  }
  uint64_t *idx;
  GCOMP_TRY(select_kept(region, r, e->seed, false, n, k, &idx, e->call, s));
  float *val = reinterpret_cast<float *>(r.keys_a); /* free after the sort */
  sel_values<<<grid, kThreads, 0, s>>>(e->x, idx, k, gcomp_randk_scale(n, k), val, e->call);
  GCOMP_LAUNCHED();
  /* Auto is structured (never longer); the header holds the k used. */
  bool direct = p->c.packing == gcompPackDirect;
  gcomp_dev_header h = *e->h;
  h.b[GCOMP_WIRE_PACKING] = (uint8_t)(direct ? gcompPackDirect : gcompPackStructured);
  gcomp_wire_put_u64(h.b + GCOMP_WIRE_IPARAM, k);
  GCOMP_TRY(gcomp_dev_header_after(e->dst, e->cap, &h, 4 * (direct ? n : k), e->call, s));
  if (direct) {
    sel_body<<<grid, kThreads, 0, s>>>(e->dst, nullptr, nullptr, n, false, e->call);
    GCOMP_LAUNCHED();
  }
  sel_body<<<grid, kThreads, 0, s>>>(e->dst, idx, val, k, direct, e->call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

/* The payload's k must be the plan's (another k: gcompInvalidUsage, ranks
 * disagree). */
gcompResult_t decode(const gcomp_dev_plan *p, const gcomp_dev_dec *d) {
  const uint64_t n = p->n, k = p->k;
  cudaStream_t s = d->s;
  void *region = gcomp_dev_at<void>(d->ws, p->region);
  gcomp_dev_sel_region r;
  size_t bytes;
  GCOMP_TRY(gcomp_dev_sel_carve(region, n, &r, &bytes));
  unsigned grid = gcomp_dev_blocks(n, kThreads, 8192);
  sel_check<<<1, 1, 0, s>>>(d->src, n, k, d->call);
  GCOMP_LAUNCHED();
  uint64_t *idx;
  GCOMP_TRY(select_kept(region, r, 0, true, n, k, &idx, d->call, s));
  float *y = reinterpret_cast<float *>(r.keys_a);
  GCOMP_CUDA_TRY(cudaMemsetAsync(r.keys_a, 0, 4 * n, s));
  GCOMP_CUDA_TRY(cudaMemsetAsync(r.keys_b, 0, 4 * n, s));
  sel_scatter<<<grid, kThreads, 0, s>>>(d->src, idx, k, y, r.keys_b, d->call);
  GCOMP_LAUNCHED();
  sel_combine<<<grid, kThreads, 0, s>>>(d->src, n, y, r.keys_b, d->out, d->to_dst, d->beta,
                                       d->call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

/* The body's lengths are sel_check's. */
struct rules : gcomp_dev_k_rules, gcomp_dev_no_framing {};

}  // namespace

const gcomp_dev_method gcomp_dev_method_randk = {
    gcompRandK,                      /* id */
    0,                               /* reduces */
    gcomp_dev_any_packing,           /* supported: structured, direct, auto */
    gcomp_dev_packing_as_configured, /* packing */
    plan,                            /* plan: k, the selection region */
    nullptr,                         /* known_body */
    encode,                          /* encode */
    gcomp_dev_verify<rules>,         /* verify */
    decode,                          /* decode */
};
