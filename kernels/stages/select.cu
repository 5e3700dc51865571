/* Rand-k (docs/FORMAT.md, codec 8) on the device, making host/randk.c's
 * bytes. The rule of shared/selection.h, the k smallest Philox keys with
 * ties to the lower index, is exactly a stable sort of (key, index) pairs
 * that start in index order, cut after k: CUB's radix sort is stable. The
 * k indices are then sorted once more into index order, the order of the
 * body's values. Decode draws the same keys from the payload's seed. */
#include "stages/select.cuh"

#include <cub/device/device_radix_sort.cuh>

#include "shared/bits.h"
#include "shared/selection.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

/* Keys and indices, double-buffered for the sort; after it the key buffers
 * are free and hold values (encode) or the decoded vector and a kept-flag
 * per coordinate (decode). */
struct sel_region {
  uint32_t *keys_a, *keys_b;
  uint64_t *idx_a, *idx_b;
  void *temp;
  size_t temp_bytes;
};

int index_bits(uint64_t n) {
  int b = 1;
  while (b < 64 && ((uint64_t)1 << b) < n) b++;
  return b;
}

gcompResult_t carve(void *region, uint64_t n, sel_region *r, size_t *bytes) {
  auto take = [&](size_t len) {
    size_t o = *bytes;
    *bytes += (len + 255) / 256 * 256;
    return region ? static_cast<uint8_t *>(region) + o : nullptr;
  };
  *bytes = 0;
  r->keys_a = reinterpret_cast<uint32_t *>(take(4 * n));
  r->keys_b = reinterpret_cast<uint32_t *>(take(4 * n));
  r->idx_a = reinterpret_cast<uint64_t *>(take(8 * n));
  r->idx_b = reinterpret_cast<uint64_t *>(take(8 * n));
  size_t pairs = 0, keys = 0;
  cub::DoubleBuffer<uint32_t> kb(nullptr, nullptr);
  cub::DoubleBuffer<uint64_t> vb(nullptr, nullptr);
  GCOMP_CUDA_TRY(cub::DeviceRadixSort::SortPairs(nullptr, pairs, kb, vb, (int64_t)n));
  GCOMP_CUDA_TRY(cub::DeviceRadixSort::SortKeys(nullptr, keys, vb, (int64_t)n));
  r->temp_bytes = pairs > keys ? pairs : keys;
  r->temp = take(r->temp_bytes);
  return gcompSuccess;
}

__device__ uint64_t first_item() { return (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ uint64_t stride() { return (uint64_t)gridDim.x * blockDim.x; }

/* encode.c's check_finite. */
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

__global__ void sel_header(uint8_t *dst, size_t cap, gcomp_dev_header h, uint64_t body_bytes,
                           gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  gcomp_dev_put_header(dst, cap, h, body_bytes, call);
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

/* The decoded vector into out, with beta as encode.c applies it; a direct
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
    out[i] = !to_dst || beta == 0.0f ? v : v + beta * out[i];
  }
  if (bad) gcomp_dev_fail(call, gcompCorruptPayload);
}

/* The kept indices, ascending: a stable sort of the keys, cut at k, then a
 * sort of those k indices. */
gcompResult_t sort_kept(const sel_region &r, uint64_t n, uint64_t k, uint64_t **kept,
                        uint64_t **spare, cudaStream_t s) {
  cub::DoubleBuffer<uint32_t> kb(r.keys_a, r.keys_b);
  cub::DoubleBuffer<uint64_t> vb(r.idx_a, r.idx_b);
  size_t bytes = r.temp_bytes;
  GCOMP_CUDA_TRY(cub::DeviceRadixSort::SortPairs(r.temp, bytes, kb, vb, (int64_t)n, 0, 32, s));
  cub::DoubleBuffer<uint64_t> ib(vb.Current(), vb.Alternate());
  bytes = r.temp_bytes;
  GCOMP_CUDA_TRY(cub::DeviceRadixSort::SortKeys(r.temp, bytes, ib, (int64_t)k, 0,
                                                index_bits(n), s));
  *kept = ib.Current();
  if (spare) *spare = ib.Alternate();
  return gcompSuccess;
}

gcompResult_t select_kept(const sel_region &r, uint64_t seed, bool payload_seed, uint64_t n,
                          uint64_t k, uint64_t **kept, gcomp_dev_call *call, cudaStream_t s) {
  sel_keys<<<gcomp_dev_blocks((n + 3) / 4, kThreads, 8192), kThreads, 0, s>>>(
      seed, payload_seed, n, r.keys_a, r.idx_a, call);
  GCOMP_LAUNCHED();
  return sort_kept(r, n, k, kept, nullptr, s);
}

}  // namespace

gcompResult_t gcomp_dev_sel_bytes(uint64_t n, size_t *bytes) {
  sel_region r;
  return carve(nullptr, n, &r, bytes);
}

gcompResult_t gcomp_dev_sel_keys_of(void *region, uint64_t n, uint32_t **keys,
                                    uint64_t **idx) {
  sel_region r;
  size_t bytes;
  GCOMP_TRY(carve(region, n, &r, &bytes));
  *keys = r.keys_a;
  *idx = r.idx_a;
  return gcompSuccess;
}

gcompResult_t gcomp_dev_sel_sort(void *region, uint64_t n, uint64_t k, uint64_t **kept,
                                 uint64_t **spare, cudaStream_t s) {
  sel_region r;
  size_t bytes;
  GCOMP_TRY(carve(region, n, &r, &bytes));
  return sort_kept(r, n, k, kept, spare, s);
}

gcompResult_t gcomp_dev_randk_encode(const float *x, const gcomp_dev_sel_args *a,
                                     int check_finite, uint64_t seed, void *region,
                                     uint8_t *dst, size_t cap, const gcomp_dev_header *h,
                                     gcomp_dev_call *call, cudaStream_t s) {
  sel_region r;
  size_t bytes;
  GCOMP_TRY(carve(region, a->n, &r, &bytes));
  unsigned grid = gcomp_dev_blocks(a->n, kThreads, 8192);
  if (check_finite) {
    sel_finite<<<grid, kThreads, 0, s>>>(x, a->n, call);
    GCOMP_LAUNCHED();
  }
  uint64_t *idx;
  GCOMP_TRY(select_kept(r, seed, false, a->n, a->k, &idx, call, s));
  float *val = reinterpret_cast<float *>(r.keys_a); /* free after the sort */
  sel_values<<<grid, kThreads, 0, s>>>(x, idx, a->k, gcomp_randk_scale(a->n, a->k), val, call);
  GCOMP_LAUNCHED();
  /* Auto is structured (never longer); the header holds the k used. */
  bool direct = a->packing == gcompPackDirect;
  gcomp_dev_header hh = *h;
  hh.b[7] = (uint8_t)(direct ? gcompPackDirect : gcompPackStructured);
  for (int q = 0; q < 8; q++) hh.b[48 + q] = (uint8_t)(a->k >> (8 * q));
  sel_header<<<1, 1, 0, s>>>(dst, cap, hh, 4 * (direct ? a->n : a->k), call);
  GCOMP_LAUNCHED();
  if (direct) {
    sel_body<<<grid, kThreads, 0, s>>>(dst, nullptr, nullptr, a->n, false, call);
    GCOMP_LAUNCHED();
  }
  sel_body<<<grid, kThreads, 0, s>>>(dst, idx, val, a->k, direct, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_randk_decode(const uint8_t *src, const gcomp_dev_sel_args *a,
                                     void *region, float *out, int to_dst, float beta,
                                     gcomp_dev_call *call, cudaStream_t s) {
  sel_region r;
  size_t bytes;
  GCOMP_TRY(carve(region, a->n, &r, &bytes));
  unsigned grid = gcomp_dev_blocks(a->n, kThreads, 8192);
  sel_check<<<1, 1, 0, s>>>(src, a->n, a->k, call);
  GCOMP_LAUNCHED();
  uint64_t *idx;
  GCOMP_TRY(select_kept(r, 0, true, a->n, a->k, &idx, call, s));
  float *y = reinterpret_cast<float *>(r.keys_a);
  GCOMP_CUDA_TRY(cudaMemsetAsync(r.keys_a, 0, 4 * a->n, s));
  GCOMP_CUDA_TRY(cudaMemsetAsync(r.keys_b, 0, 4 * a->n, s));
  sel_scatter<<<grid, kThreads, 0, s>>>(src, idx, a->k, y, r.keys_b, call);
  GCOMP_LAUNCHED();
  sel_combine<<<grid, kThreads, 0, s>>>(src, a->n, y, r.keys_b, out, to_dst, beta, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}
