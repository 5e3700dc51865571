/* Writing a bit stream (shared/bitio.h's order, LSB first) in parallel:
 * every thread knows the bit offset of what it writes, ORs it into place
 * with 32-bit atomics (neighbours share words), after a pass that zeroes
 * the body.
 *
 * The body starts at dst + 64, at any alignment, and may end inside a
 * word. A word-wide atomic on such an edge word would touch bytes the
 * payload does not own (past dstCapacity, possibly past the allocation),
 * so the bits of the first and last words, when they reach outside the
 * body, are gathered in two staging words (zeroed by the caller) and
 * stored byte by byte at the end. Spherical (codecs/spherical_pack.cu) and
 * Top-k (codecs/topk.cu) write their structured bodies with it. */
#ifndef GCOMP_KERNELS_PACK_BITPACK_CUH
#define GCOMP_KERNELS_PACK_BITPACK_CUH

#include "core/common.cuh"

/* The body as 32-bit words counted from the aligned word holding its first
 * byte, `lead` bytes of which come before the body. */
struct gcomp_dev_words {
  uint32_t *base;
  uint32_t lead;
  uint64_t bytes, last; /* body bytes; index of the word holding the last */
  uint32_t *edge;       /* two staging words */
};

__device__ inline gcomp_dev_words gcomp_dev_words_of(uint8_t *body, uint64_t body_bits,
                                                     uint32_t *edge) {
  uintptr_t a = (uintptr_t)body;
  gcomp_dev_words w;
  w.lead = (uint32_t)(a & 3u);
  w.base = reinterpret_cast<uint32_t *>(a - w.lead);
  w.bytes = (body_bits + 7) / 8;
  w.last = w.bytes ? (w.lead + w.bytes - 1) / 4 : 0;
  w.edge = edge;
  return w;
}

/* -1 for a word wholly inside the body, else its staging slot. */
__device__ inline int gcomp_dev_edge_slot(const gcomp_dev_words &w, uint64_t i) {
  bool staged = (i == 0 && w.lead) || (i == w.last && (w.lead + w.bytes) % 4);
  return staged ? (i == 0 ? 0 : 1) : -1;
}

__device__ inline void gcomp_dev_or_word(const gcomp_dev_words &w, uint64_t i, uint32_t v) {
  if (v == 0) return;
  int slot = gcomp_dev_edge_slot(w, i);
  atomicOr(slot < 0 ? w.base + i : w.edge + slot, v);
}

/* The low n <= 32 bits of v (the rest must be zero) at body bit pos. */
__device__ inline void gcomp_dev_put_bits(const gcomp_dev_words &w, uint64_t pos, uint32_t v,
                                          unsigned n) {
  uint64_t at = 8 * (uint64_t)w.lead + pos, lo = (uint64_t)v << (at & 31u);
  gcomp_dev_or_word(w, at >> 5, (uint32_t)lo);
  if ((at & 31u) + n > 32) gcomp_dev_or_word(w, (at >> 5) + 1, (uint32_t)(lo >> 32));
}

/* gcomp_rice_put's bits at body bit pos (q = v >> k ones, a zero, the k
 * low bits of v; k <= 32), the zero coming from the cleared body. */
__device__ inline void gcomp_dev_put_rice(const gcomp_dev_words &w, uint64_t pos, uint64_t v,
                                          unsigned k) {
  uint64_t q = v >> k;
  for (; q >= 32; q -= 32, pos += 32) gcomp_dev_put_bits(w, pos, 0xffffffffu, 32);
  gcomp_dev_put_bits(w, pos, (1u << q) - 1u, (unsigned)q);
  gcomp_dev_put_bits(w, pos + q + 1, (uint32_t)(v & ((1ull << k) - 1u)), k);
}

/* Zeroes the words wholly inside the body, grid-stride from `first`. */
__device__ inline void gcomp_dev_clear_words(const gcomp_dev_words &w, uint64_t first,
                                             uint64_t stride) {
  if (w.bytes == 0) return;
  for (uint64_t i = first; i <= w.last; i += stride)
    if (gcomp_dev_edge_slot(w, i) < 0) w.base[i] = 0;
}

/* One thread, after every put: the staged edge words' body bytes. */
__device__ inline void gcomp_dev_store_edges(const gcomp_dev_words &w, uint8_t *body) {
  if (w.bytes == 0) return;
  if (gcomp_dev_edge_slot(w, 0) == 0)
    for (uint32_t b = w.lead; b < 4 && b - w.lead < w.bytes; b++)
      body[b - w.lead] = (uint8_t)(w.edge[0] >> (8 * b));
  if (w.last == 0 || gcomp_dev_edge_slot(w, w.last) != 1) return;
  for (uint32_t b = 0; b < 4; b++) {
    uint64_t at = 4 * w.last + b - w.lead;
    if (at < w.bytes) body[at] = (uint8_t)(w.edge[1] >> (8 * b));
  }
}

/* Reads n <= 32 bits at body bit pos, touching only the bytes that hold
 * them (the caller has checked pos + n <= body bits). */
__device__ inline uint32_t gcomp_dev_get_bits(const uint8_t *body, uint64_t pos, unsigned n) {
  if (n == 0) return 0;
  uint64_t first = pos >> 3, last = (pos + n - 1) >> 3, v = 0;
  for (uint64_t b = last + 1; b-- > first;) v = v << 8 | body[b];
  v >>= pos & 7u;
  return (uint32_t)(n == 32 ? v : v & ((1ull << n) - 1));
}

#endif
