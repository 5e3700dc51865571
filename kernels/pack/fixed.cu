/* The fixed section (docs/FORMAT.md), one 256-thread block per
 * 4096-symbol chunk, making host/pack/fixed.c's bytes for every codec
 * that uses it: the kernels are templates on the codec's symbol function
 * (pack/section.cuh), so the section's logic exists once.
 *
 * Encode is two passes over x with a CUB scan between them: `fixed_count`
 * quantizes a chunk and picks its width from the escape counts, the scan
 * turns chunk sizes into offsets, `fixed_pack` quantizes again and writes
 * the chunk at its offset. Quantizing twice reads x twice (8 bytes a value)
 * where caching the symbols would write and read them too (12 bytes a value
 * and 4n bytes more workspace); the extra Philox of sd-unbiased is cheap
 * next to that traffic.
 *
 * Decode reads the chunk table, scans it, and unpacks each chunk; every
 * length, count and escape is checked as host/pack/fixed.c does before it
 * is used, so a forged payload cannot make a block read out of bounds. */
#include "pack/section.cuh"

#include <cub/block/block_scan.cuh>
#include <cub/device/device_scan.cuh>

#include "codecs/levels.cuh" /* the symbol functions to build */
#include "shared/bits.h"
#include "shared/fixed_pack.h"
#include "shared/philox.h"

namespace {

constexpr uint32_t kChunk = GCOMP_FIXED_CHUNK;
constexpr uint32_t kThreads = GCOMP_DEV_THREADS;
/* For escapes, thread t owns the contiguous symbols [16 t, 16 t + 16): a
 * block scan of per-thread counts then gives each escape's place in
 * coordinate order. */
constexpr uint32_t kOwn = kChunk / kThreads;
using BlockScan = cub::BlockScan<uint32_t, kThreads>;

struct enc_job {
  const float *x;
  uint64_t n, chunks, seed;
  uint32_t *width, *escapes;
  uint64_t *sizes, *offsets;
  uint8_t *dst;
  size_t cap;
  gcomp_dev_header h;
  gcomp_dev_call *call;
};

__device__ uint32_t chunk_len(uint64_t n, uint64_t c) { return gcomp_dev_chunk_len(n, c); }

template <class S>
__device__ void quantize4(const enc_job &j, uint64_t i, float gamma, uint32_t K, uint32_t z[4]) {
  gcomp_dev_quantize4<S>(j.x, j.n, j.seed, i, gamma, K, z);
}

template <class S>
__device__ bool zero_vector(float gamma) {
  return gcomp_dev_zero_vector<S>(gamma);
}

/* Histogram key of a symbol: 2 * bit length + (is 2^b - 1). Then esc[w],
 * the count of symbols >= 2^w - 1, is "longer than w bits" plus "exactly w
 * one-bits", as pack/fixed.c's escape_counts builds it. */
constexpr uint32_t kKeys = 2 * 33;
__device__ uint32_t sym_key(uint32_t z) {
  uint32_t b = 32u - (uint32_t)__clz(z);
  uint32_t ones = b && z == (uint32_t)(((uint64_t)1 << b) - 1);
  return 2 * b + ones;
}
struct fixed_key {
  __device__ uint32_t operator()(uint32_t z) const { return sym_key(z); }
};

/* Blocks of fixed_count and fixed_unpack set the status themselves, so a
 * warp can see a failure another block raised after its neighbours looked:
 * the block decides together, before its first barrier. */
__device__ bool block_failed(const gcomp_dev_call *call) {
  return __syncthreads_or(gcomp_dev_failed(call)) != 0;
}

template <class S>
__global__ void __launch_bounds__(kThreads) fixed_count(enc_job j) {
  if (block_failed(j.call)) return;
  float gamma = j.call->gamma;
  uint32_t K = j.call->K;
  uint64_t c = blockIdx.x, off = c * kChunk;
  uint32_t len = chunk_len(j.n, c);
  if (zero_vector<S>(gamma)) {
    if (threadIdx.x == 0) j.sizes[c] = 0;
    return;
  }
  __shared__ uint32_t hist[kKeys];
  __shared__ uint32_t warp_max[kThreads / 32];
  for (uint32_t k = threadIdx.x; k < kKeys; k += kThreads) hist[k] = 0;
  __syncthreads();
  uint32_t lane = threadIdx.x & 31u;
  uint32_t zmax = gcomp_dev_count_keys<S>(j.x, j.n, j.seed, off, len, gamma, K, fixed_key(), hist);
  zmax = __reduce_max_sync(0xffffffffu, zmax);
  if (lane == 0) warp_max[threadIdx.x >> 5] = zmax;
  __syncthreads();
  if (threadIdx.x != 0) return;
  for (uint32_t w = 0; w < kThreads / 32; w++) zmax = max(zmax, warp_max[w]);
  gcompResult_t checked = S::check(zmax, gamma, K);
  if (checked != gcompSuccess) gcomp_dev_fail(j.call, checked);
  uint32_t esc[33] = {0};
  uint32_t longer = len - hist[0] - hist[1];
  for (uint32_t w = 1; w < 32; w++) {
    longer -= hist[2 * w] + hist[2 * w + 1];
    esc[w] = longer + hist[2 * w + 1];
  }
  uint32_t n_esc;
  unsigned w = gcomp_fixed_choose_width(esc, len, zmax, &n_esc);
  j.width[c] = w;
  j.escapes[c] = n_esc;
  j.sizes[c] = gcomp_fixed_chunk_bytes(len, w, n_esc);
}

/* The body's size is known once the scan is done: header, or DstTooSmall. */
template <class S>
__global__ void fixed_layout(enc_job j) {
  if (gcomp_dev_failed(j.call)) return;
  uint64_t body = S::kBase;
  if (!zero_vector<S>(j.call->gamma))
    body += 4 * j.chunks + j.offsets[j.chunks - 1] + j.sizes[j.chunks - 1];
  gcomp_dev_put_header(j.dst, j.cap, j.h, body, j.call);
}

template <class S>
__global__ void __launch_bounds__(kThreads) fixed_pack(enc_job j) {
  if (gcomp_dev_failed(j.call)) return;
  float gamma = j.call->gamma;
  uint32_t K = j.call->K;
  uint8_t *body = j.dst + 64;
  uint64_t c = blockIdx.x, off = c * kChunk;
  /* gamma's 31 bits then the zero pad bit: gamma is never negative. */
  if (S::kBase && c == 0 && threadIdx.x == 0) gcomp_dev_st_u32(body, gcomp_f2u(gamma));
  if (zero_vector<S>(gamma)) return;
  uint8_t *section = body + S::kBase;
  __shared__ uint32_t z[kChunk];
  __shared__ uint32_t words[kChunk]; /* the packed bits, LSB first */
  __shared__ BlockScan::TempStorage scan;
  uint32_t len = chunk_len(j.n, c);
  for (uint32_t g = threadIdx.x; g < kChunk / 4; g += kThreads) {
    uint32_t q[4];
    quantize4<S>(j, off + 4 * g, gamma, K, q);
    for (uint32_t k = 0; k < 4; k++)
      if (4 * g + k < len) z[4 * g + k] = q[k];
  }
  unsigned w = j.width[c];
  uint32_t n_esc = j.escapes[c];
  uint8_t *out = section + 4 * j.chunks + j.offsets[c];
  if (threadIdx.x == 0) {
    gcomp_dev_st_u32(section + 4 * c, (uint32_t)j.sizes[c]);
    out[0] = (uint8_t)w;
    out[1] = (uint8_t)n_esc;
    out[2] = (uint8_t)(n_esc >> 8);
  }
  if (w == 0) return;
  uint32_t nbytes = (len * w + 7) / 8, nwords = (nbytes + 3) / 4;
  for (uint32_t k = threadIdx.x; k < nwords; k += kThreads) words[k] = 0;
  __syncthreads();
  uint32_t marker = gcomp_fixed_marker(w);
  for (uint32_t k = threadIdx.x; k < len; k += kThreads) {
    uint32_t v = w < 32 && z[k] >= marker ? marker : z[k];
    uint32_t bit = k * w, wi = bit >> 5, sh = bit & 31u;
    atomicOr(&words[wi], v << sh);
    if (sh + w > 32) atomicOr(&words[wi + 1], v >> (32 - sh));
  }
  __syncthreads();
  /* Little-endian words read as bytes are the LSB-first stream; the chunk
   * sits at any byte offset, so byte stores, consecutive across a warp. */
  const uint8_t *bytes = reinterpret_cast<const uint8_t *>(words);
  for (uint32_t b = threadIdx.x; b < nbytes; b += kThreads) out[3 + b] = bytes[b];
  if (n_esc == 0) return;
  uint32_t first = threadIdx.x * kOwn, mine = 0, rank;
  for (uint32_t q = 0; q < kOwn; q++) mine += first + q < len && z[first + q] >= marker;
  BlockScan(scan).ExclusiveSum(mine, rank);
  uint8_t *esc = out + 3 + nbytes;
  for (uint32_t q = 0; q < kOwn; q++) {
    uint32_t k = first + q;
    if (k < len && z[k] >= marker) gcomp_dev_st_u32(esc + 4 * (size_t)rank++, z[k]);
  }
}

struct dec_job {
  const uint8_t *src;
  uint64_t n, chunks;
  uint64_t *sizes;
  const uint64_t *offsets;
  float *out;
  int to_dst;
  float beta;
  gcomp_dev_call *call;
};

/* The verified table (gcomp_dev_verify checked it fits) as u64 for the scan. */
template <class S>
__global__ void fixed_table(dec_job j) {
  bool read = !gcomp_dev_failed(j.call) && !zero_vector<S>(j.call->gamma);
  for (uint64_t c = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; c < j.chunks;
       c += (uint64_t)gridDim.x * blockDim.x)
    j.sizes[c] = read ? gcomp_dev_ld_u32(j.src + 64 + S::kBase + 4 * c) : 0;
}

template <class S>
__global__ void __launch_bounds__(kThreads) fixed_unpack(dec_job j) {
  if (block_failed(j.call)) return;
  __shared__ uint32_t words[kChunk];
  __shared__ float vals[kChunk];
  __shared__ BlockScan::TempStorage scan;
  __shared__ int bad;
  float gamma = j.call->gamma;
  uint32_t K = j.call->K;
  uint64_t c = blockIdx.x, off = c * kChunk;
  uint32_t len = chunk_len(j.n, c);
  if (threadIdx.x == 0) bad = 0;
  if (zero_vector<S>(gamma)) {
    for (uint32_t k = threadIdx.x; k < len; k += kThreads) vals[k] = 0.0f;
  } else {
    /* Framing, as decode_chunk and gcomp_fixed_decode check it; every
     * thread reads the same bytes and takes the same branch. */
    uint64_t section = j.call->body_bits / 8 - S::kBase;
    uint64_t pos = 4 * j.chunks + j.offsets[c], size = j.sizes[c];
    const uint8_t *p = j.src + 64 + S::kBase + pos;
    bool ok = pos <= section && size <= section - pos &&
              (c + 1 < j.chunks || pos + size == section) && size >= GCOMP_FIXED_HEAD;
    unsigned w = ok ? p[0] : 0;
    uint32_t n_esc = ok ? (uint32_t)p[1] | (uint32_t)p[2] << 8 : 0;
    ok = ok && w <= 32 && n_esc <= len && !(w == 0 && n_esc) && !(w == 32 && n_esc) &&
         size == gcomp_fixed_chunk_bytes(len, w, n_esc);
    if (!ok) {
      if (threadIdx.x == 0) gcomp_dev_fail(j.call, gcompCorruptPayload);
      return;
    }
    uint32_t nbytes = (len * w + 7) / 8, nwords = (nbytes + 3) / 4;
    uint8_t *bytes = reinterpret_cast<uint8_t *>(words);
    for (uint32_t b = threadIdx.x; b < 4 * nwords; b += kThreads)
      bytes[b] = b < nbytes ? p[3 + b] : 0;
    __syncthreads();
    unsigned tail = (len * w) & 7u;
    if (threadIdx.x == 0 && tail && (p[3 + nbytes - 1] >> tail)) bad = 1;
    bool escapes = w >= 1 && w < 32;
    uint32_t marker = gcomp_fixed_marker(w), first = threadIdx.x * kOwn, mine = 0;
    uint32_t zs[kOwn];
#pragma unroll
    for (uint32_t q = 0; q < kOwn; q++) {
      uint32_t k = first + q;
      zs[q] = 0;
      if (k < len && w) {
        uint32_t bit = k * w, wi = bit >> 5, sh = bit & 31u;
        uint64_t pair = words[wi];
        if (sh + w > 32) pair |= (uint64_t)words[wi + 1] << 32;
        zs[q] = (uint32_t)(pair >> sh) & marker; /* marker(32) is all ones */
        mine += escapes && zs[q] == marker;
      }
    }
    uint32_t rank, markers;
    BlockScan(scan).ExclusiveSum(mine, rank, markers);
    if (escapes && markers != n_esc) {
      if (threadIdx.x == 0) gcomp_dev_fail(j.call, gcompCorruptPayload);
      return;
    }
    const uint8_t *esc = p + 3 + nbytes;
#pragma unroll
    for (uint32_t q = 0; q < kOwn; q++) {
      uint32_t k = first + q;
      if (k >= len) continue;
      uint32_t zz = zs[q];
      if (escapes && zz == marker) {
        zz = gcomp_dev_ld_u32(esc + 4 * (size_t)rank++);
        if (zz < marker) bad = 1;
      }
      float v = 0.0f;
      if (!S::decode(zz, gamma, K, &v)) bad = 1;
      vals[k] = v;
    }
  }
  __syncthreads();
  if (bad) {
    if (threadIdx.x == 0) gcomp_dev_fail(j.call, gcompCorruptPayload);
    return;
  }
  for (uint32_t k = threadIdx.x; k < len; k += kThreads)
    gcomp_dev_put(j.out, off + k, vals[k], j.to_dst, j.beta);
}

template <class S>
gcompResult_t encode(const enc_job &j, const gcomp_dev_fixed *f, cudaStream_t s) {
  unsigned blocks = (unsigned)f->chunks;
  fixed_count<S><<<blocks, kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  gcompResult_t r = gcomp_dev_chunk_scan(f, s);
  if (r != gcompSuccess) return r;
  fixed_layout<S><<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  fixed_pack<S><<<blocks, kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

template <class S>
gcompResult_t decode(const dec_job &j, const gcomp_dev_fixed *f, cudaStream_t s) {
  fixed_table<S><<<gcomp_dev_blocks(f->chunks, kThreads, 4096), kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  gcompResult_t r = gcomp_dev_chunk_scan(f, s);
  if (r != gcompSuccess) return r;
  fixed_unpack<S><<<(unsigned)f->chunks, kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

}  // namespace

gcompResult_t gcomp_dev_chunk_scan(const gcomp_dev_fixed *f, cudaStream_t s) {
  size_t bytes = f->scan_bytes;
  /* chunks <= 2^28 (n <= 2^40): an int count is enough. */
  GCOMP_CUDA_TRY(cub::DeviceScan::ExclusiveSum(f->scan_temp, bytes, f->sizes, f->offsets,
                                               (int)f->chunks, s));
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_section_plan(uint64_t n, gcomp_dev_section_layout *l, size_t *at) {
  l->chunks = (n + GCOMP_FIXED_CHUNK - 1) / GCOMP_FIXED_CHUNK;
  l->width = gcomp_dev_take(at, (size_t)l->chunks * 4);
  l->escapes = gcomp_dev_take(at, (size_t)l->chunks * 4);
  l->sizes = gcomp_dev_take(at, (size_t)l->chunks * 8);
  l->offsets = gcomp_dev_take(at, (size_t)l->chunks * 8);
  l->scan_bytes = 0;
  GCOMP_CUDA_TRY(cub::DeviceScan::ExclusiveSum(nullptr, l->scan_bytes, (uint64_t *)nullptr,
                                               (uint64_t *)nullptr, (int)l->chunks));
  l->scan = gcomp_dev_take(at, l->scan_bytes);
  return gcompSuccess;
}

gcomp_dev_fixed gcomp_dev_section_of(const gcomp_dev_plan *p, void *ws) {
  const gcomp_dev_section_layout &l = p->sec;
  gcomp_dev_fixed f = {p->n,
                       l.chunks,
                       gcomp_dev_at<uint32_t>(ws, l.width),
                       gcomp_dev_at<uint32_t>(ws, l.escapes),
                       gcomp_dev_at<uint64_t>(ws, l.sizes),
                       gcomp_dev_at<uint64_t>(ws, l.offsets),
                       gcomp_dev_at<void>(ws, l.scan),
                       l.scan_bytes};
  return f;
}

template <class S>
gcompResult_t gcomp_dev_encode_fixed(const float *x, uint64_t seed, const gcomp_dev_fixed *f,
                                     uint8_t *dst, size_t cap, const gcomp_dev_header *h,
                                     gcomp_dev_call *call, cudaStream_t s) {
  enc_job j = {x,        f->n,       f->chunks, seed, f->width, f->escapes,
               f->sizes, f->offsets, dst,       cap,  *h,       call};
  return encode<S>(j, f, s);
}

template <class S>
gcompResult_t gcomp_dev_decode_fixed(const uint8_t *src, const gcomp_dev_fixed *f, float *out,
                                     int to_dst, float beta, gcomp_dev_call *call,
                                     cudaStream_t s) {
  dec_job j = {src, f->n, f->chunks, f->sizes, f->offsets, out, to_dst, beta, call};
  return decode<S>(j, f, s);
}

#define GCOMP_DEV_FIXED_ENCODER(S)                                                             \
  template gcompResult_t gcomp_dev_encode_fixed<S>(const float *, uint64_t,                    \
                                                   const gcomp_dev_fixed *, uint8_t *, size_t, \
                                                   const gcomp_dev_header *, gcomp_dev_call *, \
                                                   cudaStream_t);
#define GCOMP_DEV_FIXED_DECODER(S)                                                            \
  template gcompResult_t gcomp_dev_decode_fixed<S>(const uint8_t *, const gcomp_dev_fixed *,  \
                                                   float *, int, float, gcomp_dev_call *,     \
                                                   cudaStream_t);
GCOMP_DEV_SECTION_ENCODERS(GCOMP_DEV_FIXED_ENCODER)
GCOMP_DEV_SECTION_DECODERS(GCOMP_DEV_FIXED_DECODER)
