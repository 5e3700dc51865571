/* The entropy section's decoder: gcomp_rans_decode's checks, in the same
 * terms, with the values of the fixed section's symbol functions.
 *
 *   rans_read_table<S>  one thread: the table (gcomp_rans_read_table, the
 *                       CPU's own reader, rules 1-5) and room for the
 *                       chunk lengths (rule 6);
 *   rans_lengths<S>     the chunk lengths as u64 for the CUB scan;
 *   rans_decode<S>      one lane per chunk, 32 chunks a one-warp block,
 *                       the slot table in shared memory: rules 7-11, the
 *                       level check against K, then the values, written
 *                       through a shared tile so that each row of 32 is one
 *                       coalesced store (y, or y + beta * dst).
 *
 * Every failure is gcompCorruptPayload, the CPU's code for all of them;
 * which chunk fails first does not change the code. */
#include "pack/rans.cuh"

#include "codecs/levels.cuh" /* the symbol functions to build */

namespace {

constexpr uint32_t kChunk = GCOMP_RANS_CHUNK;
static_assert(GCOMP_RANS_CHUNK == GCOMP_FIXED_CHUNK, "gcomp_dev_chunk_len, the chunk scan");
constexpr uint32_t kThreads = GCOMP_DEV_THREADS;
constexpr uint32_t kLanes = 32; /* chunks per rans_decode block */
constexpr uint32_t kTile = 32;  /* symbols a lane decodes between stores */

struct dec_job {
  const uint8_t *src;
  uint64_t n, chunks;
  gcomp_dev_rans_state *st;
  uint64_t *sizes;
  const uint64_t *offsets;
  float *out;
  int to_dst;
  float beta;
  gcomp_dev_call *call;
};

/* The section's bytes: the body after the scale (the verified framing
 * makes body_bits a multiple of 8 and at least kBase bytes). */
template <class S>
__device__ uint64_t section_bytes(const gcomp_dev_call *call) {
  return call->body_bits / 8 - S::kBase;
}

template <class S>
__global__ void rans_read_table(dec_job j) {
  if (gcomp_dev_failed(j.call) || gcomp_dev_zero_vector<S>(j.call->gamma)) return;
  uint64_t size = section_bytes<S>(j.call);
  const uint8_t *section = j.src + 64 + S::kBase;
  unsigned A = 0, where = 0;
  uint32_t sum = 0;
  size_t tb = 0;
  if (gcomp_rans_read_table(section, (size_t)size, j.st->freq, &A, &tb, &where, &sum) !=
          GCOMP_RANS_TABLE_OK ||
      (size - tb) / 4 < j.chunks) {
    gcomp_dev_fail(j.call, gcompCorruptPayload);
    return;
  }
  j.st->alphabet = A;
  j.st->table_bytes = (uint32_t)tb;
}

template <class S>
__global__ void rans_lengths(dec_job j) {
  bool read = !gcomp_dev_failed(j.call) && !gcomp_dev_zero_vector<S>(j.call->gamma);
  const uint8_t *lens = j.src + 64 + S::kBase + (read ? j.st->table_bytes : 0);
  for (uint64_t c = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; c < j.chunks;
       c += (uint64_t)gridDim.x * blockDim.x)
    j.sizes[c] = read ? gcomp_dev_ld_u32(lens + 4 * c) : 0;
}

/* The decode table of gcomp_rans_decode, built by the block: slot k
 * belongs to the last letter whose start is <= k (f[A - 1] > 0, so that
 * letter has f > 0). */
__device__ void build_slots(const gcomp_dev_rans_state *st, uint32_t *starts, uint32_t *tab) {
  unsigned A = st->alphabet;
  if (threadIdx.x == 0) {
    uint32_t start = 0;
    for (unsigned t = 0; t < A; t++) {
      starts[t] = start;
      start += st->freq[t];
    }
  }
  __syncwarp();
  for (uint32_t k = threadIdx.x; k < GCOMP_RANS_PROB_SCALE; k += kLanes) {
    unsigned lo = 0, hi = A - 1;
    while (lo < hi) {
      unsigned mid = (lo + hi + 1) / 2;
      if (starts[mid] <= k) lo = mid;
      else hi = mid - 1;
    }
    tab[k] = gcomp_rans_dslot(lo, starts[lo], st->freq[lo], k);
  }
  __syncwarp();
}

/* decode_chunk's per-lane state, advanced a tile at a time. */
struct lane_state {
  const uint8_t *p, *end;
  uint32_t x;
  bool bad;
};

template <class S>
__global__ void __launch_bounds__(kLanes) rans_decode(dec_job j) {
  /* One answer for the whole warp: it meets in __syncwarp below. */
  if (__any_sync(0xffffffffu, gcomp_dev_failed(j.call))) return;
  float gamma = j.call->gamma;
  uint32_t K = j.call->K, lane = threadIdx.x;
  uint64_t c0 = (uint64_t)blockIdx.x * kLanes, c = c0 + lane;
  bool live = c < j.chunks;
  __shared__ uint32_t tab[GCOMP_RANS_PROB_SCALE];
  __shared__ uint32_t starts[GCOMP_RANS_MAX_ALPHABET];
  __shared__ float tile[kLanes][kTile + 1]; /* +1: rows in distinct banks */
  __shared__ uint32_t bad_rows;
  bool zero = gcomp_dev_zero_vector<S>(gamma);
  if (lane == 0) bad_rows = 0;
  if (!zero) build_slots(j.st, starts, tab);
  __syncwarp();
  uint32_t m = live ? gcomp_dev_chunk_len(j.n, c) : 0;
  lane_state ls = {nullptr, nullptr, GCOMP_RANS_L, false};
  uint32_t esc = GCOMP_RANS_MAX_ALPHABET;
  if (!zero && live) {
    uint64_t size = section_bytes<S>(j.call), tb = j.st->table_bytes;
    uint64_t avail = size - tb - 4 * j.chunks, pos = j.offsets[c], len = j.sizes[c];
    /* Rule 7, and the section's end: the last chunk ends the body. */
    ls.bad = len < 4 || pos > avail || len > avail - pos ||
             (c + 1 == j.chunks && pos + len != avail);
    if (!ls.bad) {
      ls.p = j.src + 64 + S::kBase + tb + 4 * j.chunks + pos;
      ls.end = ls.p + len;
      ls.x = gcomp_rans_dec_init(&ls.p);
      ls.bad = ls.x < GCOMP_RANS_L || ls.x >= (GCOMP_RANS_L << 8); /* rule 8 */
    }
    if (j.st->alphabet == GCOMP_RANS_MAX_ALPHABET) esc = GCOMP_RANS_ESC;
  }
  uint32_t tiles = (gcomp_dev_chunk_len(j.n, c0) + kTile - 1) / kTile;
  for (uint32_t t = 0; t < tiles; t++) {
    uint32_t base = t * kTile, top = m < base ? 0 : min(m - base, kTile);
    for (uint32_t i = 0; i < top; i++) {
      float v = 0.0f;
      if (!zero && !ls.bad) {
        uint32_t e = tab[gcomp_rans_dec_slot(ls.x)], s = gcomp_rans_dslot_sym(e);
        ls.x = gcomp_rans_dec_renorm(gcomp_rans_dec_advance(ls.x, e), &ls.p, ls.end);
        ls.bad = ls.x < GCOMP_RANS_L; /* rule 9 */
        if (!ls.bad && s == esc) ls.bad = !gcomp_rans_dec_get_escape(&ls.x, &ls.p, ls.end, &s);
        if (!ls.bad) ls.bad = !S::decode(s, gamma, K, &v); /* level above K, or Inf */
      }
      tile[lane][i] = v;
    }
    if (ls.bad) atomicOr(&bad_rows, 1u << lane);
    __syncwarp();
    uint32_t bad = bad_rows;
    for (uint32_t r = 0; r < kLanes && c0 + r < j.chunks; r++) {
      uint32_t mr = gcomp_dev_chunk_len(j.n, c0 + r);
      if (!((bad >> r) & 1u) && base + lane < mr)
        gcomp_dev_put(j.out, (c0 + r) * kChunk + base + lane, tile[r][lane], j.to_dst, j.beta);
    }
    __syncwarp();
  }
  /* Rule 11: every byte read, and the state back at L. */
  if (!zero && live && !ls.bad && (ls.p != ls.end || ls.x != GCOMP_RANS_L)) ls.bad = true;
  if (ls.bad) gcomp_dev_fail(j.call, gcompCorruptPayload);
}

template <class S>
gcompResult_t decode(const dec_job &j, const gcomp_dev_fixed *f, cudaStream_t s) {
  rans_read_table<S><<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  rans_lengths<S><<<gcomp_dev_blocks(f->chunks, kThreads, 4096), kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  GCOMP_TRY(gcomp_dev_chunk_scan(f, s));
  unsigned blocks = (unsigned)((f->chunks + kLanes - 1) / kLanes);
  rans_decode<S><<<blocks, kLanes, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

}  // namespace

template <class S>
gcompResult_t gcomp_dev_decode_rans(const uint8_t *src, const gcomp_dev_fixed *f, void *region,
                                    float *out, int to_dst, float beta, gcomp_dev_call *call,
                                    cudaStream_t s) {
  dec_job j = {src,
               f->n,
               f->chunks,
               static_cast<gcomp_dev_rans_state *>(region),
               f->sizes,
               f->offsets,
               out,
               to_dst,
               beta,
               call};
  return decode<S>(j, f, s);
}

/* As for the fixed section, decoding depends on the value rule only. */
#define GCOMP_DEV_RANS_DECODER(S)                                                             \
  template gcompResult_t gcomp_dev_decode_rans<S>(const uint8_t *, const gcomp_dev_fixed *,   \
                                                  void *, float *, int, float,                \
                                                  gcomp_dev_call *, cudaStream_t);
GCOMP_DEV_SECTION_DECODERS(GCOMP_DEV_RANS_DECODER)
