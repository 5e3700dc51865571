/* The selection stage (host/stages/select.c's role) for Top-k and Rand-k:
 * the rule of shared/selection.h, the k smallest keys with ties to the
 * lower index, is exactly a stable sort of (key, index) pairs that start
 * in index order, cut after k: CUB's radix sort is stable. The k indices
 * are then sorted once more into index order, the order of the bodies'
 * values. Each codec brings its keys: Philox draws (codecs/randk.cu), or
 * ~rank (codecs/topk.cu). */
#include "stages/select.cuh"

#include <cub/device/device_radix_sort.cuh>

namespace {

int index_bits(uint64_t n) {
  int b = 1;
  while (b < 64 && ((uint64_t)1 << b) < n) b++;
  return b;
}

/* The kept indices, ascending: a stable sort of the keys, cut at k, then a
 * sort of those k indices. */
gcompResult_t sort_kept(const gcomp_dev_sel_region &r, uint64_t n, uint64_t k, uint64_t **kept,
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

}  // namespace

gcompResult_t gcomp_dev_sel_carve(void *region, uint64_t n, gcomp_dev_sel_region *r,
                                  size_t *bytes) {
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

gcompResult_t gcomp_dev_sel_bytes(uint64_t n, size_t *bytes) {
  gcomp_dev_sel_region r;
  return gcomp_dev_sel_carve(nullptr, n, &r, bytes);
}

gcompResult_t gcomp_dev_sel_keys_of(void *region, uint64_t n, uint32_t **keys,
                                    uint64_t **idx) {
  gcomp_dev_sel_region r;
  size_t bytes;
  GCOMP_TRY(gcomp_dev_sel_carve(region, n, &r, &bytes));
  *keys = r.keys_a;
  *idx = r.idx_a;
  return gcompSuccess;
}

gcompResult_t gcomp_dev_sel_sort(void *region, uint64_t n, uint64_t k, uint64_t **kept,
                                 uint64_t **spare, cudaStream_t s) {
  gcomp_dev_sel_region r;
  size_t bytes;
  GCOMP_TRY(gcomp_dev_sel_carve(region, n, &r, &bytes));
  return sort_kept(r, n, k, kept, spare, s);
}

