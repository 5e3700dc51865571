/* The structured Spherical Compression body, written in parallel: every
 * block knows its bit offset from the scan, so one thread a block ORs its
 * norm code and Rice code into place (32-bit atomics, since neighbouring
 * blocks share words), after a pass that zeroes the body.
 *
 * The body starts at dst + 64, at any alignment, and may end inside a
 * word. A word-wide atomic on such an edge word would touch bytes the
 * payload does not own (past dstCapacity, possibly past the allocation),
 * so the bits of the first and last words, when they reach outside the
 * body, are gathered in the state and stored byte by byte at the end. */
#include "device_spherical.cuh"

#include "shared/bits.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

struct pack_job {
  gcomp_sc_region r;
  uint64_t nb;
  uint8_t *dst;
  gcomp_dev_call *call;
};

/* The body as 32-bit words counted from the aligned word holding its first
 * byte, `lead` bytes of which come before the body. */
struct body_words {
  uint32_t *base;
  uint32_t lead;
  uint64_t bytes, last; /* body bytes; index of the word holding the last */
  uint32_t *edge;
};

__device__ body_words words_of(const pack_job &j) {
  uintptr_t a = (uintptr_t)(j.dst + 64);
  body_words w;
  w.lead = (uint32_t)(a & 3u);
  w.base = reinterpret_cast<uint32_t *>(a - w.lead);
  w.bytes = (j.call->body_bits + 7) / 8;
  w.last = (w.lead + w.bytes - 1) / 4;
  w.edge = j.r.st->edge;
  return w;
}

/* -1 for a word wholly inside the body, else its staging slot. */
__device__ int edge_slot(const body_words &w, uint64_t i) {
  bool staged = (i == 0 && w.lead) || (i == w.last && (w.lead + w.bytes) % 4);
  return staged ? (i == 0 ? 0 : 1) : -1;
}

__device__ void or_word(const body_words &w, uint64_t i, uint32_t v) {
  if (v == 0) return;
  int slot = edge_slot(w, i);
  atomicOr(slot < 0 ? w.base + i : w.edge + slot, v);
}

/* The low n <= 32 bits of v at body bit pos, LSB first. */
__device__ void put_bits(const body_words &w, uint64_t pos, uint32_t v, unsigned n) {
  uint64_t at = 8 * (uint64_t)w.lead + pos, lo = (uint64_t)v << (at & 31u);
  or_word(w, at >> 5, (uint32_t)lo);
  if ((at & 31u) + n > 32) or_word(w, (at >> 5) + 1, (uint32_t)(lo >> 32));
}

__device__ bool structured(const pack_job &j) {
  return !gcomp_dev_failed(j.call) && j.r.st->packing == gcompPackStructured;
}

__global__ void __launch_bounds__(kThreads) sc_clear(pack_job j) {
  if (!structured(j)) return;
  body_words w = words_of(j);
  uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i <= w.last; i += stride)
    if (edge_slot(w, i) < 0) w.base[i] = 0;
}

__global__ void __launch_bounds__(kThreads) sc_pack(pack_job j) {
  if (!structured(j)) return;
  body_words w = words_of(j);
  const gcomp_sc_state *st = j.r.st;
  unsigned k = st->k;
  uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  uint64_t first = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (first == 0) {
    put_bits(w, 0, gcomp_f2u(st->R), GCOMP_SC_R_BITS);
    if (st->R != 0.0f) put_bits(w, GCOMP_SC_R_BITS, k, GCOMP_SC_K_BITS);
  }
  if (st->R == 0.0f) return; /* the body is R alone */
  for (uint64_t b = first; b < j.nb; b += stride) {
    uint64_t word = j.r.words[b], pos = GCOMP_SC_HEAD_BITS + j.r.offsets[b];
    unsigned code = (unsigned)(word & 255u);
    put_bits(w, pos, code, GCOMP_SC_CODE_BITS);
    if (code == 0) continue;
    /* gcomp_rice_put's bits: q ones, a zero, the k low bits of T - 1 */
    uint64_t t1 = word >> 8, q = t1 >> k;
    pos += GCOMP_SC_CODE_BITS;
    for (; q >= 32; q -= 32, pos += 32) put_bits(w, pos, 0xffffffffu, 32);
    put_bits(w, pos, (1u << q) - 1u, (unsigned)q);
    pos += q + 1;
    put_bits(w, pos, (uint32_t)(t1 & (((uint64_t)1 << k) - 1u)), k);
  }
}

/* The staged edge words' body bytes, one store each. */
__global__ void sc_edges(pack_job j) {
  if (!structured(j)) return;
  body_words w = words_of(j);
  uint8_t *body = j.dst + 64;
  if (edge_slot(w, 0) == 0)
    for (uint32_t b = w.lead; b < 4 && b - w.lead < w.bytes; b++)
      body[b - w.lead] = (uint8_t)(w.edge[0] >> (8 * b));
  if (w.last == 0 || edge_slot(w, w.last) != 1) return;
  for (uint32_t b = 0; b < 4; b++) {
    uint64_t at = 4 * w.last + b - w.lead;
    if (at < w.bytes) body[at] = (uint8_t)(w.edge[1] >> (8 * b));
  }
}

}  // namespace

gcompResult_t gcomp_sc_pack_structured(const gcomp_sc_region *r, uint64_t nb, uint8_t *dst,
                                       gcomp_dev_call *call, cudaStream_t s) {
  pack_job j = {*r, nb, dst, call};
  /* The body is at most 37 bytes a block plus 5: a word per thread. */
  sc_clear<<<gcomp_dev_blocks(10 * nb + 2, kThreads, 8192), kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  sc_pack<<<gcomp_dev_blocks(nb, kThreads, 8192), kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  sc_edges<<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}
