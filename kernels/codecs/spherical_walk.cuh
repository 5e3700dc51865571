/* Finding the blocks of a structured Spherical Compression body in
 * parallel. Each block is an 8-bit code and, when nonzero, a Rice code, so
 * where block b starts depends on every block before it. The body after
 * the 36 head bits is cut into segments; a segment owns the blocks that
 * start inside it, and one thread walks each, speculatively from the
 * segment's first bit. A walk from a wrong bit soon falls onto a true block
 * start (the codes resynchronise) and is right from there on, so the walk
 * of segment i - 1 usually ends exactly where segment i's true first block
 * starts. One thread then sweeps the segments in order and walks again only
 * those whose start was wrong: the answer is the sequential walk's in every
 * case, and costs about one sequential walk when resynchronisation fails
 * (forged bodies), a few loads a segment when it works.
 *
 * Plain host/device C so the walk can be checked off the GPU. */
#ifndef GCOMP_KERNELS_CODECS_SPHERICAL_WALK_CUH
#define GCOMP_KERNELS_CODECS_SPHERICAL_WALK_CUH

#include "shared/spherical.h"

/* Per-segment arrays, in the decode workspace. */
struct gcomp_sc_walk {
  uint64_t *start, *exit, *count, *base, *bad;
  uint64_t cap; /* segments the arrays hold */
};

/* The cut for a body of `bits` bits: at least 4096 bits a segment (a few
 * hundred blocks), more when the body would need more than cap segments. */
GCOMP_HD_INLINE uint64_t gcomp_sc_seg_bits(uint64_t bits, uint64_t cap) {
  uint64_t len = bits - GCOMP_SC_HEAD_BITS, s = (len + cap - 1) / cap;
  return s < 4096 ? 4096 : s;
}

GCOMP_HD_INLINE uint64_t gcomp_sc_segments(uint64_t bits, uint64_t cap) {
  uint64_t len = bits - GCOMP_SC_HEAD_BITS, s = gcomp_sc_seg_bits(bits, cap);
  return len == 0 ? 1 : (len + s - 1) / s;
}

/* Walks the blocks starting in [start, end of segment i) of a body of
 * `bits` bits; words (unless NULL) gets (T - 1) << 8 | code of each, from
 * index base on, never at nb or beyond. A block the format rejects ends
 * the walk, flagged, at the body's end. */
GCOMP_HD_INLINE void gcomp_sc_walk_segment(const gcomp_sc_walk *w, const uint8_t *body,
                                           uint64_t bits, unsigned k, uint64_t i,
                                           uint64_t *words, uint64_t nb) {
  uint64_t seg = gcomp_sc_seg_bits(bits, w->cap);
  uint64_t hi = GCOMP_SC_HEAD_BITS + (i + 1) * seg, n = 0, base = words ? w->base[i] : 0;
  gcomp_bitreader br;
  if (hi > bits || i + 1 == gcomp_sc_segments(bits, w->cap)) hi = bits;
  gcomp_br_init(&br, body, bits);
  br.pos = w->start[i];
  w->bad[i] = 0;
  while (br.pos < hi) {
    unsigned code;
    uint64_t t1;
    if (gcomp_sc_read_block(&br, k, &code, &t1) != GCOMP_SC_READ_OK) {
      w->bad[i] = 1;
      br.pos = bits;
      break;
    }
    if (words && base + n < nb) words[base + n] = t1 << 8 | code;
    n++;
  }
  w->count[i] = n;
  w->exit[i] = br.pos;
}

/* Speculative start of segment i: its first bit (segment 0's is true). */
GCOMP_HD_INLINE void gcomp_sc_walk_guess(const gcomp_sc_walk *w, const uint8_t *body,
                                         uint64_t bits, unsigned k, uint64_t i) {
  w->start[i] = GCOMP_SC_HEAD_BITS + i * gcomp_sc_seg_bits(bits, w->cap);
  gcomp_sc_walk_segment(w, body, bits, k, i, 0, 0);
}

/* The sweep: corrects every start to where the previous segment's walk
 * ended, walking again where it moved; then each segment's first block
 * index. Returns 1 when the body is exactly nb sound blocks. */
GCOMP_HD_INLINE int gcomp_sc_walk_sweep(const gcomp_sc_walk *w, const uint8_t *body,
                                        uint64_t bits, unsigned k, uint64_t nb) {
  uint64_t segs = gcomp_sc_segments(bits, w->cap), total = 0, i;
  for (i = 0; i < segs; i++) {
    if (i > 0 && w->start[i] != w->exit[i - 1]) {
      w->start[i] = w->exit[i - 1];
      gcomp_sc_walk_segment(w, body, bits, k, i, 0, 0);
    }
    if (w->bad[i]) return 0;
    w->base[i] = total;
    total += w->count[i];
  }
  return total == nb && w->exit[segs - 1] == bits;
}

#endif
