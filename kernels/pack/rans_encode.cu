/* The entropy section's encoder: host/pack/entropy.c's bytes, with the
 * symbols of the section's symbol functions (pack/section.cuh).
 *
 *   rans_hist<S>    one 256-thread block per 4096-symbol chunk: quantize,
 *                   count letters (integer atomics: exact in any order),
 *                   largest symbol by atomicMax;
 *   rans_table<S>   one thread: the level check, A, the frequencies
 *                   (gcomp_rans_normalize, the CPU's own code), the coder
 *                   constants and the table bytes;
 *   rans_chunks<S>  one lane per chunk, 32 chunks a one-warp block: the
 *                   chunk encoded backwards into its scratch slot;
 *   CUB scan of the chunk lengths, rans_layout<S> (header or DstTooSmall),
 *   rans_compact<S> one block per chunk: scale, table, length, bytes.
 *
 * The format fixes the parallelism: chunks are independent streams of 4096
 * symbols each coded by one state, so a lane per chunk is all there is
 * (2^26 values: 16384 lanes). The symbols are computed twice, as the fixed
 * encoder does: reading x again costs less than storing 4n bytes of
 * symbols and reading them back. */
#include "pack/rans.cuh"

#include "codecs/levels.cuh" /* the symbol functions to build */
#include "shared/bits.h"

namespace {

constexpr uint32_t kChunk = GCOMP_RANS_CHUNK;
static_assert(GCOMP_RANS_CHUNK == GCOMP_FIXED_CHUNK, "gcomp_dev_chunk_len, the chunk scan");
constexpr uint32_t kThreads = GCOMP_DEV_THREADS;
constexpr uint32_t kLanes = 32; /* chunks per rans_chunks block */
/* Symbols a lane takes from the tile per step: the warp quantizes a tile of
 * 32 chunks x kTile symbols with coalesced loads, each lane then codes its
 * row backwards from shared memory. */
constexpr uint32_t kTile = 32;

struct enc_job {
  const float *x;
  uint64_t n, chunks, seed;
  gcomp_dev_rans_state *st;
  uint8_t *scratch;
  uint64_t *sizes, *offsets;
  uint8_t *dst;
  size_t cap;
  gcomp_dev_header h;
  gcomp_dev_call *call;
};

struct letter {
  __device__ uint32_t operator()(uint32_t z) const { return gcomp_rans_letter(z); }
};

template <class S>
__global__ void __launch_bounds__(kThreads) rans_hist(enc_job j) {
  if (gcomp_dev_failed(j.call) || gcomp_dev_zero_vector<S>(j.call->gamma)) return;
  float gamma = j.call->gamma;
  uint32_t K = j.call->K;
  __shared__ uint32_t hist[GCOMP_RANS_MAX_ALPHABET];
  for (uint32_t t = threadIdx.x; t < GCOMP_RANS_MAX_ALPHABET; t += kThreads) hist[t] = 0;
  __syncthreads();
  uint64_t off = (uint64_t)blockIdx.x * kChunk;
  uint32_t len = gcomp_dev_chunk_len(j.n, blockIdx.x), lane = threadIdx.x & 31u;
  uint32_t zmax = gcomp_dev_count_keys<S>(j.x, j.n, j.seed, off, len, gamma, K, letter(), hist);
  zmax = __reduce_max_sync(0xffffffffu, zmax);
  if (lane == 0 && zmax) atomicMax(&j.st->zmax, zmax);
  __syncthreads();
  for (uint32_t t = threadIdx.x; t < GCOMP_RANS_MAX_ALPHABET; t += kThreads)
    if (hist[t]) atomicAdd(&j.st->hist[t], (unsigned long long)hist[t]);
}

/* pack/levels.c's check_levels on the whole vector, then the table as
 * gcomp_rans_encode builds it. */
template <class S>
__global__ void rans_table(enc_job j) {
  if (gcomp_dev_failed(j.call) || gcomp_dev_zero_vector<S>(j.call->gamma)) return;
  gcomp_dev_rans_state *st = j.st;
  gcompResult_t checked = S::check(st->zmax, j.call->gamma, j.call->K);
  if (checked != gcompSuccess) {
    gcomp_dev_fail(j.call, checked);
    return;
  }
  uint64_t cnt[GCOMP_RANS_MAX_ALPHABET];
  unsigned A = 0;
  for (unsigned t = 0; t < GCOMP_RANS_MAX_ALPHABET; t++) {
    cnt[t] = st->hist[t];
    if (cnt[t]) A = t + 1;
  }
  gcomp_rans_normalize(cnt, A, j.n, st->freq);
  uint32_t start = 0;
  for (unsigned t = 0; t < A; t++) {
    if (st->freq[t]) gcomp_rans_esym_init(&st->es[t], start, st->freq[t]);
    start += st->freq[t];
  }
  gcomp_bitwriter w;
  st->table[0] = (uint8_t)(A - 1);
  gcomp_bw_init(&w, st->table + 1, GCOMP_RANS_TABLE_MAX_BYTES - 1);
  gcomp_rans_write_table(&w, st->freq, A);
  st->alphabet = A;
  st->table_bytes = 1 + (uint32_t)(w.pos / 8);
}

template <class S>
__global__ void __launch_bounds__(kLanes) rans_chunks(enc_job j) {
  /* One answer for the whole warp: it meets in __syncwarp below. */
  if (__any_sync(0xffffffffu, gcomp_dev_failed(j.call))) return;
  float gamma = j.call->gamma;
  uint32_t K = j.call->K, lane = threadIdx.x;
  uint64_t c0 = (uint64_t)blockIdx.x * kLanes, c = c0 + lane;
  bool live = c < j.chunks;
  if (gcomp_dev_zero_vector<S>(gamma)) {
    if (live) j.sizes[c] = 0;
    return;
  }
  __shared__ gcomp_rans_esym es[GCOMP_RANS_MAX_ALPHABET];
  __shared__ uint32_t tile[kLanes][kTile + 1]; /* +1: rows in distinct banks */
  for (uint32_t t = lane; t < GCOMP_RANS_MAX_ALPHABET; t += kLanes) es[t] = j.st->es[t];
  uint32_t m = live ? gcomp_dev_chunk_len(j.n, c) : 0;
  uint8_t *end = j.scratch + (live ? c + 1 : 1) * (uint64_t)GCOMP_DEV_RANS_SCRATCH, *p = end;
  uint32_t x = GCOMP_RANS_L;
  /* Only the vector's last chunk is short, so the block's first is the
   * longest. */
  uint32_t tiles = (gcomp_dev_chunk_len(j.n, c0) + kTile - 1) / kTile;
  for (uint32_t t = tiles; t-- > 0;) {
    uint32_t base = t * kTile;
    __syncwarp();
    for (uint32_t q = lane; q < kLanes * kTile / 4; q += kLanes) {
      uint32_t r = q / (kTile / 4), g = q % (kTile / 4);
      uint32_t z[4] = {0, 0, 0, 0};
      if (c0 + r < j.chunks)
        gcomp_dev_quantize4<S>(j.x, j.n, j.seed, (c0 + r) * kChunk + base + 4 * g, gamma, K, z);
      for (int k = 0; k < 4; k++) tile[r][4 * g + k] = z[k];
    }
    __syncwarp();
    uint32_t top = m < base ? 0 : min(m - base, kTile);
    for (uint32_t i = top; i-- > 0;) {
      uint32_t v = tile[lane][i];
      if (v < GCOMP_RANS_ESC)
        x = gcomp_rans_enc_put(x, &p, &es[v]);
      else
        x = gcomp_rans_enc_put_escape(x, &p, v, &es[GCOMP_RANS_ESC]);
    }
  }
  if (!live) return;
  gcomp_rans_enc_flush(x, &p);
  uint64_t len = (uint64_t)(end - p);
  /* gcomp_rans_encode's own check: the entropy argument's bound. */
  if (len > GCOMP_RANS_CHUNK_BOUND(m)) gcomp_dev_fail(j.call, gcompInternalError);
  j.sizes[c] = len;
}

template <class S>
__global__ void rans_layout(enc_job j) {
  if (gcomp_dev_failed(j.call)) return;
  uint64_t body = S::kBase;
  if (!gcomp_dev_zero_vector<S>(j.call->gamma))
    body += j.st->table_bytes + 4 * j.chunks + j.offsets[j.chunks - 1] + j.sizes[j.chunks - 1];
  gcomp_dev_put_header(j.dst, j.cap, j.h, body, j.call);
}

template <class S>
__global__ void __launch_bounds__(kThreads) rans_compact(enc_job j) {
  if (gcomp_dev_failed(j.call)) return;
  float gamma = j.call->gamma;
  uint8_t *body = j.dst + 64;
  uint64_t c = blockIdx.x;
  /* The scale's 31 bits then the zero pad bit: the scale is never negative. */
  if (S::kBase && c == 0 && threadIdx.x == 0) gcomp_dev_st_u32(body, gcomp_f2u(gamma));
  if (gcomp_dev_zero_vector<S>(gamma)) return;
  uint8_t *section = body + S::kBase;
  uint32_t tb = j.st->table_bytes;
  if (c == 0)
    for (uint32_t k = threadIdx.x; k < tb; k += kThreads) section[k] = j.st->table[k];
  uint8_t *lens = section + tb;
  uint64_t len = j.sizes[c];
  if (threadIdx.x == 0) gcomp_dev_st_u32(lens + 4 * c, (uint32_t)len);
  uint8_t *out = lens + 4 * j.chunks + j.offsets[c];
  const uint8_t *from = j.scratch + (c + 1) * (uint64_t)GCOMP_DEV_RANS_SCRATCH - len;
  for (uint64_t k = threadIdx.x; k < len; k += kThreads) out[k] = from[k];
}

template <class S>
gcompResult_t encode(const enc_job &j, const gcomp_dev_fixed *f, cudaStream_t s) {
  unsigned chunks = (unsigned)f->chunks;
  GCOMP_CUDA_TRY(cudaMemsetAsync(j.st, 0, sizeof *j.st, s));
  rans_hist<S><<<chunks, kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  rans_table<S><<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  rans_chunks<S><<<(chunks + kLanes - 1) / kLanes, kLanes, 0, s>>>(j);
  GCOMP_LAUNCHED();
  GCOMP_TRY(gcomp_dev_chunk_scan(f, s));
  rans_layout<S><<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  rans_compact<S><<<chunks, kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

}  // namespace

gcompResult_t gcomp_dev_rans_bytes(uint64_t n, size_t *bytes) {
  uint64_t chunks = (n + kChunk - 1) / kChunk;
  *bytes = GCOMP_DEV_RANS_STATE_BYTES + (size_t)(chunks * GCOMP_DEV_RANS_SCRATCH);
  return gcompSuccess;
}

template <class S>
gcompResult_t gcomp_dev_encode_rans(const float *x, uint64_t seed, const gcomp_dev_fixed *f,
                                    void *region, uint8_t *dst, size_t cap,
                                    const gcomp_dev_header *h, gcomp_dev_call *call,
                                    cudaStream_t s) {
  uint8_t *r = static_cast<uint8_t *>(region);
  enc_job j = {x,
               f->n,
               f->chunks,
               seed,
               reinterpret_cast<gcomp_dev_rans_state *>(r),
               r + GCOMP_DEV_RANS_STATE_BYTES,
               f->sizes,
               f->offsets,
               dst,
               cap,
               *h,
               call};
  return encode<S>(j, f, s);
}

#define GCOMP_DEV_RANS_ENCODER(S)                                                             \
  template gcompResult_t gcomp_dev_encode_rans<S>(const float *, uint64_t,                    \
                                                  const gcomp_dev_fixed *, void *, uint8_t *, \
                                                  size_t, const gcomp_dev_header *,           \
                                                  gcomp_dev_call *, cudaStream_t);
GCOMP_DEV_SECTION_ENCODERS(GCOMP_DEV_RANS_ENCODER)
