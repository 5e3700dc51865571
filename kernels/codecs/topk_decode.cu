/* Top-k decode on the device, host/codecs/topk.c's reader and its reject rules
 * (docs/FORMAT.md, codec 7), every one gcompCorruptPayload as the CPU's:
 *   tk_head       one thread: k <= n, the body length against the packing,
 *                 the choice bit and the bitmap's framing
 *   bitmap        tk_popcounts per 32-bit word, CUB inclusive scan, exactly
 *                 k bits set (tk_count_check), tk_bitmap_slots: slot[i] =
 *                 j + 1 for the j-th kept index i
 *   Rice gaps     tk_gaps, one thread walking the gaps with the CPU's own
 *                 gcomp_rice_get: a code's r low bits make the stream
 *                 impossible to resynchronise from an arbitrary bit, so a
 *                 parallel reader would need a walk per segment as
 *                 spherical's decoder does (later work, docs/GPU.md)
 *   values        tk_values: every kept value finite before a float is
 *                 written; direct: tk_direct_scan, tk_direct_check
 *   tk_combine    the decoded vector, accumulated with beta
 * slot[] holds j + 1 (0: not kept) in the selection's first index buffer. */
#include "pack/bitpack.cuh"
#include "stages/select.cuh"
#include "codecs/topk.cuh"

#include <cub/device/device_scan.cuh>

#include "shared/bitio.h"
#include "shared/bits.h"
#include "shared/golomb_rice.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

__device__ uint64_t first_item() { return (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ uint64_t stride() { return (uint64_t)gridDim.x * blockDim.x; }

__device__ gcompResult_t head(const uint8_t *src, uint64_t n, gcomp_tk_state *st,
                              const gcomp_dev_call *call) {
  uint64_t k = gcomp_dev_ld_u64(src + 48), bits = call->body_bits;
  st->k = k;
  st->packing = src[7];
  if (k > n) return gcompCorruptPayload; /* gcomp_k_header_ok's other half */
  if (src[7] == gcompPackDirect) return bits == 32 * n ? gcompSuccess : gcompCorruptPayload;
  if (bits < 1 + GCOMP_TOPK_VALUE_BITS * k) return gcompCorruptPayload;
  const uint8_t *body = src + 64;
  st->rice = gcomp_dev_get_bits(body, 0, 1);
  if (st->rice) { /* 1 + 32 k >= 33 bits: the parameter is there */
    st->r = gcomp_dev_get_bits(body, 1, GCOMP_TOPK_RICE_PARAM_BITS);
    return gcompSuccess;
  }
  st->index_bits = n;
  if (bits - 1 < n || bits - 1 - n != GCOMP_TOPK_VALUE_BITS * k) return gcompCorruptPayload;
  return gcompSuccess;
}

__global__ void tk_head(const uint8_t *src, uint64_t n, gcomp_tk_state *st,
                        gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  gcompResult_t r = head(src, n, st, call);
  if (r != gcompSuccess) gcomp_dev_fail(call, r);
}

__device__ bool bitmap(const gcomp_tk_state *st, const gcomp_dev_call *call) {
  return !gcomp_dev_failed(call) && st->packing == gcompPackStructured && !st->rice;
}

/* Bitmap word w: bits 32 w .. of the n, at body bit 1 + 32 w. */
__device__ uint32_t bitmap_word(const uint8_t *body, uint64_t n, uint64_t w) {
  uint64_t len = n - 32 * w < 32 ? n - 32 * w : 32;
  return gcomp_dev_get_bits(body, 1 + 32 * w, (unsigned)len);
}

__global__ void __launch_bounds__(kThreads)
    tk_popcounts(const uint8_t *src, uint64_t n, const gcomp_tk_state *st, uint64_t *count,
                 const gcomp_dev_call *call) {
  if (!bitmap(st, call)) return;
  for (uint64_t w = first_item(); w < (n + 31) / 32; w += stride())
    count[w] = (uint64_t)__popc(bitmap_word(src + 64, n, w));
}

/* read_bitmap's rule: exactly k bits set. */
__global__ void tk_count_check(uint64_t n, const gcomp_tk_state *st, const uint64_t *inclusive,
                               gcomp_dev_call *call) {
  if (!bitmap(st, call)) return;
  if (inclusive[(n + 31) / 32 - 1] != st->k) gcomp_dev_fail(call, gcompCorruptPayload);
}

__global__ void __launch_bounds__(kThreads)
    tk_bitmap_slots(const uint8_t *src, uint64_t n, const gcomp_tk_state *st,
                    const uint64_t *inclusive, uint64_t *slot, const gcomp_dev_call *call) {
  if (!bitmap(st, call)) return;
  for (uint64_t w = first_item(); w < (n + 31) / 32; w += stride()) {
    uint32_t word = bitmap_word(src + 64, n, w);
    uint64_t j = inclusive[w] - (uint64_t)__popc(word);
    for (; word; word &= word - 1) slot[32 * w + (uint64_t)(__ffs(word) - 1)] = ++j;
  }
}

/* host/codecs/topk.c's read_gaps, one thread: quotients above n >> r, an index
 * >= n, a truncated code, or a length other than 32 k value bits after
 * the gaps: reject. */
__global__ void tk_gaps(const uint8_t *src, uint64_t n, gcomp_tk_state *st, uint64_t *slot,
                        gcomp_dev_call *call) {
  if (gcomp_dev_failed(call) || st->packing != gcompPackStructured || !st->rice) return;
  gcomp_bitreader br;
  gcomp_br_init(&br, src + 64, call->body_bits);
  br.pos = 1 + GCOMP_TOPK_RICE_PARAM_BITS;
  unsigned r = st->r;
  uint64_t next = 0, g = 0, k = st->k;
  for (uint64_t j = 0; j < k; j++) {
    if (!gcomp_rice_get(&br, r, n >> r, &g) || g >= n - next) {
      gcomp_dev_fail(call, gcompCorruptPayload);
      return;
    }
    slot[next + g] = j + 1;
    next += g + 1;
  }
  st->index_bits = br.pos - 1;
  if (gcomp_br_remaining(&br) != GCOMP_TOPK_VALUE_BITS * k)
    gcomp_dev_fail(call, gcompCorruptPayload);
}

__device__ float value_of(const uint8_t *src, const gcomp_tk_state *st, uint64_t j) {
  uint64_t pos = 1 + st->index_bits + GCOMP_TOPK_VALUE_BITS * j;
  return gcomp_u2f(gcomp_dev_get_bits(src + 64, pos, GCOMP_TOPK_VALUE_BITS));
}

__global__ void __launch_bounds__(kThreads)
    tk_values(const uint8_t *src, const gcomp_tk_state *st, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call) || st->packing != gcompPackStructured) return;
  bool bad = false;
  for (uint64_t j = first_item(); j < st->k; j += stride())
    bad |= !gcomp_dev_finite(value_of(src, st, j));
  if (bad) gcomp_dev_fail(call, gcompCorruptPayload);
}

/* gcomp_direct_read's finiteness, and the values other than +0 counted
 * (a warp's count in one atomic). */
__global__ void __launch_bounds__(kThreads)
    tk_direct_scan(const uint8_t *src, uint64_t n, gcomp_tk_state *st, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call) || st->packing != gcompPackDirect) return;
  bool bad = false;
  unsigned nonzero = 0;
  for (uint64_t i = first_item(); i < n; i += stride()) {
    uint32_t u = gcomp_dev_ld_u32(src + 64 + 4 * i);
    bad |= !gcomp_dev_finite(gcomp_u2f(u));
    nonzero += u != 0;
  }
  unsigned mask = __activemask();
  unsigned warp = __reduce_add_sync(mask, nonzero);
  if ((threadIdx.x & 31u) == (unsigned)(__ffs(mask) - 1) && warp)
    atomicAdd(reinterpret_cast<unsigned long long *>(&st->nonzeros), (unsigned long long)warp);
  if (bad) gcomp_dev_fail(call, gcompCorruptPayload);
}

/* read_direct's rule: at most k values other than +0. */
__global__ void tk_direct_check(const gcomp_tk_state *st, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call) || st->packing != gcompPackDirect) return;
  if (st->nonzeros > st->k) gcomp_dev_fail(call, gcompCorruptPayload);
}

__global__ void __launch_bounds__(kThreads)
    tk_combine(const uint8_t *src, uint64_t n, const gcomp_tk_state *st, const uint64_t *slot,
               float *out, int to_dst, float beta, const gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  bool direct = st->packing == gcompPackDirect;
  for (uint64_t i = first_item(); i < n; i += stride()) {
    float v = 0.0f;
    if (direct)
      v = gcomp_u2f(gcomp_dev_ld_u32(src + 64 + 4 * i));
    else if (slot[i])
      v = value_of(src, st, slot[i] - 1);
    gcomp_dev_put(out, i, v, to_dst, beta);
  }
}

}  // namespace

gcompResult_t gcomp_dev_topk_decode(const uint8_t *src, uint64_t n, void *region, float *out,
                                    int to_dst, float beta, gcomp_dev_call *call,
                                    cudaStream_t s) {
  gcomp_tk_region r;
  size_t bytes;
  GCOMP_TRY(gcomp_dev_tk_carve(region, n, &r, &bytes));
  uint32_t *keys;
  uint64_t *slot, *count;
  GCOMP_TRY(gcomp_dev_sel_keys_of(r.sel, n, &keys, &slot));
  count = reinterpret_cast<uint64_t *>(keys); /* ceil(n / 32) counts fit its 4 n bytes */
  const uint64_t words = (n + 31) / 32;
  unsigned grid_n = gcomp_dev_blocks(n, kThreads, 8192);
  unsigned grid_w = gcomp_dev_blocks(words, kThreads, 8192);
  GCOMP_CUDA_TRY(cudaMemsetAsync(r.st, 0, sizeof *r.st, s));
  GCOMP_CUDA_TRY(cudaMemsetAsync(slot, 0, 8 * n, s));
  tk_head<<<1, 1, 0, s>>>(src, n, r.st, call);
  GCOMP_LAUNCHED();
  tk_popcounts<<<grid_w, kThreads, 0, s>>>(src, n, r.st, count, call);
  GCOMP_LAUNCHED();
  size_t scan_bytes = r.scan_bytes;
  GCOMP_CUDA_TRY(cub::DeviceScan::InclusiveSum(r.scan, scan_bytes, count, count,
                                               (int64_t)words, s));
  tk_count_check<<<1, 1, 0, s>>>(n, r.st, count, call);
  GCOMP_LAUNCHED();
  tk_bitmap_slots<<<grid_w, kThreads, 0, s>>>(src, n, r.st, count, slot, call);
  GCOMP_LAUNCHED();
  tk_gaps<<<1, 1, 0, s>>>(src, n, r.st, slot, call);
  GCOMP_LAUNCHED();
  tk_values<<<grid_n, kThreads, 0, s>>>(src, r.st, call);
  GCOMP_LAUNCHED();
  tk_direct_scan<<<grid_n, kThreads, 0, s>>>(src, n, r.st, call);
  GCOMP_LAUNCHED();
  tk_direct_check<<<1, 1, 0, s>>>(r.st, call);
  GCOMP_LAUNCHED();
  tk_combine<<<grid_n, kThreads, 0, s>>>(src, n, r.st, slot, out, to_dst, beta, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}
