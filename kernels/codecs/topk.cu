/* Top-k encode on the device, host/codecs/topk.c's bytes in parallel:
 *   tk_keys     key ~rank and index per coordinate (NaN/Inf refused first)
 *   CUB sorts   the stable sort of stages/select.cu, cut at k, then the k
 *               indices into index order
 *   tk_costs    sum_j (g_j >> r) for every r: integer sums, so a reduction
 *               in any order equals the CPU's loop
 *   tk_layout   one thread: shared/topk.h's code and packing, the header
 *   tk_lengths  Rice code length per index, scanned in place to offsets
 *   tk_clear, tk_pack, tk_edges   the structured body (pack/bitpack.cuh)
 *   tk_direct_zero, tk_direct_put the direct body
 * Every kernel after tk_layout reads the packing it chose, so packing auto
 * costs no host round trip. */
#include "pack/bitpack.cuh"
#include "stages/select.cuh"
#include "codecs/topk.cuh"

#include <cub/device/device_scan.cuh>

#include "core/verify.cuh"
#include "shared/bits.h"
#include "shared/golomb_rice.h"
#include "shared/selection.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

__device__ uint64_t first_item() { return (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ uint64_t stride() { return (uint64_t)gridDim.x * blockDim.x; }

__device__ uint64_t gap_of(const uint64_t *kept, uint64_t j) {
  return gcomp_topk_gap(kept[j], j ? kept[j - 1] : 0, j);
}

__global__ void __launch_bounds__(kThreads)
    tk_keys(const float *x, uint64_t n, int check_finite, uint32_t *keys, uint64_t *idx,
            gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  bool bad = false;
  for (uint64_t i = first_item(); i < n; i += stride()) {
    float v = x[i];
    bad |= check_finite && !gcomp_dev_finite(v);
    keys[i] = ~gcomp_topk_rank(v); /* ascending keys: descending ranks */
    idx[i] = i;
  }
  if (bad) gcomp_dev_fail(call, gcompNonFiniteInput);
}

/* Per thread, then per block in shared memory, then one atomic a block
 * and r: 64-bit integer adds, exact in any order. */
__global__ void __launch_bounds__(kThreads)
    tk_costs(const uint64_t *kept, uint64_t k, gcomp_tk_state *st, const gcomp_dev_call *call) {
  __shared__ unsigned long long block[GCOMP_TOPK_RICE_PARAMS];
  if (gcomp_dev_failed(call)) return; /* status only changes between kernels here */
  if (threadIdx.x < GCOMP_TOPK_RICE_PARAMS) block[threadIdx.x] = 0;
  __syncthreads();
  uint64_t sums[GCOMP_TOPK_RICE_PARAMS] = {0};
  for (uint64_t j = first_item(); j < k; j += stride()) gcomp_topk_add_gap(sums, gap_of(kept, j));
  for (unsigned r = 0; r < GCOMP_TOPK_RICE_PARAMS; r++)
    if (sums[r]) atomicAdd(&block[r], (unsigned long long)sums[r]);
  __syncthreads();
  if (threadIdx.x < GCOMP_TOPK_RICE_PARAMS && block[threadIdx.x])
    atomicAdd(reinterpret_cast<unsigned long long *>(&st->sums[threadIdx.x]), block[threadIdx.x]);
}

__global__ void tk_layout(gcomp_dev_tk_args a, gcomp_tk_state *st, uint8_t *dst, size_t cap,
                          gcomp_dev_header h, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  gcomp_topk_code c = gcomp_topk_choose(st->sums, a.k, a.n);
  int packing = a.packing;
  if (packing == gcompPackAuto)
    packing = gcomp_topk_auto_structured(c, a.k, a.n) ? gcompPackStructured : gcompPackDirect;
  uint64_t bits = packing == gcompPackDirect ? 32 * a.n : gcomp_topk_body_bits(c, a.k);
  st->rice = (uint32_t)c.rice;
  st->r = c.r;
  st->index_bits = c.index_bits;
  st->packing = (uint32_t)packing;
  h.b[7] = (uint8_t)packing;
  for (int q = 0; q < 8; q++) h.b[48 + q] = (uint8_t)(a.k >> (8 * q)); /* the k used */
  if (gcomp_dev_put_header(dst, cap, h, (bits + 7) / 8, call)) {
    gcomp_dev_st_u64(dst + 32, bits); /* not a whole number of bytes */
    call->body_bits = bits;
  }
}

__device__ bool rice_body(const gcomp_tk_state *st, const gcomp_dev_call *call) {
  return !gcomp_dev_failed(call) && st->packing == gcompPackStructured && st->rice;
}

__global__ void __launch_bounds__(kThreads)
    tk_lengths(const uint64_t *kept, uint64_t k, const gcomp_tk_state *st, uint64_t *len,
               const gcomp_dev_call *call) {
  if (!rice_body(st, call)) return;
  for (uint64_t j = first_item(); j < k; j += stride())
    len[j] = gcomp_rice_len(gap_of(kept, j), st->r);
}

__device__ bool structured(const gcomp_tk_state *st, const gcomp_dev_call *call) {
  return !gcomp_dev_failed(call) && st->packing == gcompPackStructured;
}

__global__ void __launch_bounds__(kThreads)
    tk_clear(uint8_t *dst, gcomp_tk_state *st, const gcomp_dev_call *call) {
  if (!structured(st, call)) return;
  gcomp_dev_clear_words(gcomp_dev_words_of(dst + 64, call->body_bits, st->edge), first_item(),
                        stride());
}

/* One thread a kept index: its bitmap bit or Rice code, and its value. */
__global__ void __launch_bounds__(kThreads)
    tk_pack(const float *x, const uint64_t *kept, const uint64_t *offset, uint64_t k,
            gcomp_tk_state *st, uint8_t *dst, const gcomp_dev_call *call) {
  if (!structured(st, call)) return;
  gcomp_dev_words w = gcomp_dev_words_of(dst + 64, call->body_bits, st->edge);
  unsigned r = st->r;
  bool rice = st->rice != 0;
  uint64_t values = 1 + st->index_bits;
  if (first_item() == 0) {
    gcomp_dev_put_bits(w, 0, rice ? 1u : 0u, 1);
    if (rice) gcomp_dev_put_bits(w, 1, r, GCOMP_TOPK_RICE_PARAM_BITS);
  }
  for (uint64_t j = first_item(); j < k; j += stride()) {
    uint64_t i = kept[j];
    if (rice)
      gcomp_dev_put_rice(w, 1 + GCOMP_TOPK_RICE_PARAM_BITS + offset[j], gap_of(kept, j), r);
    else
      gcomp_dev_put_bits(w, 1 + i, 1u, 1);
    gcomp_dev_put_bits(w, values + GCOMP_TOPK_VALUE_BITS * j, gcomp_f2u(x[i]),
                       GCOMP_TOPK_VALUE_BITS);
  }
}

__global__ void tk_edges(uint8_t *dst, gcomp_tk_state *st, const gcomp_dev_call *call) {
  if (!structured(st, call)) return;
  gcomp_dev_store_edges(gcomp_dev_words_of(dst + 64, call->body_bits, st->edge), dst + 64);
}

__device__ bool direct(const gcomp_tk_state *st, const gcomp_dev_call *call) {
  return !gcomp_dev_failed(call) && st->packing == gcompPackDirect;
}

/* The direct body: +0 everywhere, then x_i at the kept i (a kept -0 stays
 * -0), as host/codecs/topk.c's write_direct. */
__global__ void __launch_bounds__(kThreads)
    tk_direct_zero(uint8_t *dst, uint64_t n, const gcomp_tk_state *st,
                   const gcomp_dev_call *call) {
  if (!direct(st, call)) return;
  for (uint64_t i = first_item(); i < n; i += stride()) gcomp_dev_st_u32(dst + 64 + 4 * i, 0u);
}

__global__ void __launch_bounds__(kThreads)
    tk_direct_put(const float *x, const uint64_t *kept, uint64_t k, uint8_t *dst,
                  const gcomp_tk_state *st, const gcomp_dev_call *call) {
  if (!direct(st, call)) return;
  for (uint64_t j = first_item(); j < k; j += stride())
    gcomp_dev_st_u32(dst + 64 + 4 * kept[j], gcomp_f2u(x[kept[j]]));
}

}  // namespace

gcompResult_t gcomp_dev_tk_carve(void *region, uint64_t n, gcomp_tk_region *r, size_t *bytes) {
  auto take = [&](size_t len) {
    size_t o = *bytes;
    *bytes += (len + 255) / 256 * 256;
    return region ? static_cast<uint8_t *>(region) + o : nullptr;
  };
  size_t sel = 0;
  GCOMP_TRY(gcomp_dev_sel_bytes(n, &sel));
  *bytes = 0;
  r->sel = take(sel);
  r->st = reinterpret_cast<gcomp_tk_state *>(take(sizeof(gcomp_tk_state)));
  /* The scans: Rice lengths (k <= n items) and bitmap word counts. */
  uint64_t *none = nullptr;
  r->scan_bytes = 0;
  GCOMP_CUDA_TRY(cub::DeviceScan::ExclusiveSum(nullptr, r->scan_bytes, none, none, (int64_t)n));
  size_t inclusive = 0;
  GCOMP_CUDA_TRY(cub::DeviceScan::InclusiveSum(nullptr, inclusive, none, none, (int64_t)n));
  if (inclusive > r->scan_bytes) r->scan_bytes = inclusive;
  r->scan = take(r->scan_bytes);
  return gcompSuccess;
}

gcompResult_t gcomp_dev_tk_bytes(uint64_t n, size_t *bytes) {
  gcomp_tk_region r;
  return gcomp_dev_tk_carve(nullptr, n, &r, bytes);
}

gcompResult_t gcomp_dev_topk_encode(const float *x, const gcomp_dev_tk_args *a,
                                    int check_finite, void *region, uint8_t *dst, size_t cap,
                                    const gcomp_dev_header *h, gcomp_dev_call *call,
                                    cudaStream_t s) {
  gcomp_tk_region r;
  size_t bytes;
  GCOMP_TRY(gcomp_dev_tk_carve(region, a->n, &r, &bytes));
  const uint64_t n = a->n, k = a->k;
  unsigned grid_n = gcomp_dev_blocks(n, kThreads, 8192);
  unsigned grid_k = gcomp_dev_blocks(k, kThreads, 8192);
  GCOMP_CUDA_TRY(cudaMemsetAsync(r.st, 0, sizeof *r.st, s));
  uint32_t *keys;
  uint64_t *idx, *kept, *offset;
  GCOMP_TRY(gcomp_dev_sel_keys_of(r.sel, n, &keys, &idx));
  tk_keys<<<grid_n, kThreads, 0, s>>>(x, n, check_finite, keys, idx, call);
  GCOMP_LAUNCHED();
  GCOMP_TRY(gcomp_dev_sel_sort(r.sel, n, k, &kept, &offset, s));
  /* Few blocks: each ends in 32 global atomics. */
  tk_costs<<<gcomp_dev_blocks(k, 16 * kThreads, 512), kThreads, 0, s>>>(kept, k, r.st, call);
  GCOMP_LAUNCHED();
  tk_layout<<<1, 1, 0, s>>>(*a, r.st, dst, cap, *h, call);
  GCOMP_LAUNCHED();
  tk_lengths<<<grid_k, kThreads, 0, s>>>(kept, k, r.st, offset, call);
  GCOMP_LAUNCHED();
  size_t scan_bytes = r.scan_bytes;
  GCOMP_CUDA_TRY(cub::DeviceScan::ExclusiveSum(r.scan, scan_bytes, offset, offset, (int64_t)k, s));
  /* The body is at most 1 + n + 32 k bits: a word per thread. */
  tk_clear<<<gcomp_dev_blocks((n + 32 * k) / 32 + 2, kThreads, 8192), kThreads, 0, s>>>(
      dst, r.st, call);
  GCOMP_LAUNCHED();
  tk_pack<<<grid_k, kThreads, 0, s>>>(x, kept, offset, k, r.st, dst, call);
  GCOMP_LAUNCHED();
  tk_edges<<<1, 1, 0, s>>>(dst, r.st, call);
  GCOMP_LAUNCHED();
  tk_direct_zero<<<grid_n, kThreads, 0, s>>>(dst, n, r.st, call);
  GCOMP_LAUNCHED();
  tk_direct_put<<<grid_k, kThreads, 0, s>>>(x, kept, k, dst, r.st, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

namespace {

gcompResult_t plan(gcomp_dev_plan *p, size_t *at) {
  size_t bytes;
  GCOMP_TRY(gcomp_dev_k_plan(p));
  GCOMP_TRY(gcomp_dev_tk_bytes(p->n, &bytes));
  p->region = gcomp_dev_take(at, bytes);
  return gcompSuccess;
}

gcompResult_t encode(const gcomp_dev_plan *p, const gcomp_dev_enc *e) {
  gcomp_dev_tk_args a = {p->n, p->k, (int)p->c.packing};
  return gcomp_dev_topk_encode(e->x, &a, e->check_finite, gcomp_dev_at<void>(e->ws, p->region),
                               e->dst, e->cap, e->h, e->call, e->s);
}

/* Any k in 1..n: the header's, as the CPU's decoder takes it. */
gcompResult_t decode(const gcomp_dev_plan *p, const gcomp_dev_dec *d) {
  return gcomp_dev_topk_decode(d->src, p->n, gcomp_dev_at<void>(d->ws, p->region), d->out,
                               d->to_dst, d->beta, d->call, d->s);
}

/* The body's framing is tk_head's. */
struct rules : gcomp_dev_k_rules, gcomp_dev_no_framing {};

}  // namespace

const gcomp_dev_method gcomp_dev_method_topk = {
    gcompTopK,                       /* id */
    0,                               /* reduces */
    gcomp_dev_any_packing,           /* supported: structured, direct, auto */
    gcomp_dev_packing_as_configured, /* packing */
    plan,                            /* plan: k, the Top-k region */
    nullptr,                         /* known_body */
    encode,                          /* encode */
    gcomp_dev_verify<rules>,         /* verify */
    decode,                          /* decode */
};
