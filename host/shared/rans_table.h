/* The frequency table of a rANS section (docs/FORMAT-rans.md,
 * "Alphabet", "Frequencies", "Table"): letters, the normalization of counts
 * to frequencies out of 4096, and the table's Elias-gamma bits, written and
 * read. host/pack/entropy.c and kernels/device_rans.cu both call these, so
 * the CPU and the GPU build the same table from the same counts and refuse
 * the same forged ones. One thread runs them: the table is small. */
#ifndef GCOMP_SHARED_RANS_TABLE_H
#define GCOMP_SHARED_RANS_TABLE_H

#include "bitio.h"
#include "rans.h"

/* A - 1 in one byte, then at most 256 Elias-gamma codes of f + 1 <= 4097,
 * 25 bits each. */
#define GCOMP_RANS_TABLE_MAX_BYTES (1u + (256u * 25u + 7u) / 8u)
/* Longest Elias-gamma prefix for f + 1 <= 4097 (13 significant bits). */
#define GCOMP_RANS_GAMMA_MAX_ZEROS 12u

/* The letter of symbol v: v itself below ESC, else ESC. */
GCOMP_HD_INLINE unsigned gcomp_rans_letter(uint32_t v) {
  return v < GCOMP_RANS_ESC ? (unsigned)v : GCOMP_RANS_ESC;
}

/* Frequencies out of 4096 for the counts cnt[0..A) (total n), as
 * docs/FORMAT-rans.md specifies: proportional shares rounded down (present
 * symbols at least 1), then the sum repaired one unit at a time where the
 * unit costs least. Keys compare c / (2f +- 1), the first-order change of
 * c * log(f) for one unit, by cross multiplication: c <= 2^40 and
 * 2f + 1 < 2^14 keep the products within 64 bits. The document defines the
 * pick as a scan for the best key; a heap ordered by (key, letter) picks
 * the same letter in O(log A) instead of O(A), which matters for short
 * sections over many letters. */
typedef struct {
  const uint64_t *cnt;
  uint32_t *f;
  int grow;                         /* 1: adding units, 0: removing */
  uint8_t heap[GCOMP_RANS_MAX_ALPHABET];
  unsigned size;
} gcomp_rans_unit_heap;

/* 1 if letter a gets the next unit before letter b. */
GCOMP_HD_INLINE int gcomp_rans_picked_before(const gcomp_rans_unit_heap *h, unsigned a,
                                             unsigned b) {
  uint64_t ka, kb; /* a first iff ka > kb */
  if (h->grow) {   /* largest c / (2f + 1) */
    ka = h->cnt[a] * (2u * h->f[b] + 1u);
    kb = h->cnt[b] * (2u * h->f[a] + 1u);
  } else {         /* smallest c / (2f - 1) */
    ka = h->cnt[b] * (2u * h->f[a] - 1u);
    kb = h->cnt[a] * (2u * h->f[b] - 1u);
  }
  return ka != kb ? ka > kb : a < b;
}

GCOMP_HD_INLINE void gcomp_rans_sift_down(gcomp_rans_unit_heap *h, unsigned i) {
  for (;;) {
    unsigned l = 2u * i + 1u, r = l + 1u, best = i;
    uint8_t t;
    if (l < h->size && gcomp_rans_picked_before(h, h->heap[l], h->heap[best])) best = l;
    if (r < h->size && gcomp_rans_picked_before(h, h->heap[r], h->heap[best])) best = r;
    if (best == i) return;
    t = h->heap[i];
    h->heap[i] = h->heap[best];
    h->heap[best] = t;
    i = best;
  }
}

GCOMP_HD_INLINE void gcomp_rans_heap_build(gcomp_rans_unit_heap *h, unsigned A,
                                           uint32_t min_f) {
  unsigned s, i;
  h->size = 0;
  for (s = 0; s < A; s++)
    if (h->f[s] >= min_f && h->cnt[s] != 0) h->heap[h->size++] = (uint8_t)s;
  for (i = h->size / 2u; i-- > 0;) gcomp_rans_sift_down(h, i);
}

GCOMP_HD_INLINE void gcomp_rans_normalize(const uint64_t *cnt, unsigned A, uint64_t n,
                                          uint32_t *f) {
  gcomp_rans_unit_heap h;
  uint32_t sum = 0;
  unsigned s;
  for (s = 0; s < A; s++) {
    uint64_t q = cnt[s] * GCOMP_RANS_PROB_SCALE / n;
    f[s] = cnt[s] == 0 ? 0u : q == 0 ? 1u : (uint32_t)q;
    sum += f[s];
  }
  h.cnt = cnt;
  h.f = f;
  if (sum < GCOMP_RANS_PROB_SCALE) {
    h.grow = 1;
    gcomp_rans_heap_build(&h, A, 1);
    for (; sum < GCOMP_RANS_PROB_SCALE; sum++) {
      f[h.heap[0]]++;
      gcomp_rans_sift_down(&h, 0);
    }
  } else if (sum > GCOMP_RANS_PROB_SCALE) {
    /* A sum above 4096 over at most 256 entries leaves some entry >= 2. */
    h.grow = 0;
    gcomp_rans_heap_build(&h, A, 2);
    for (; sum > GCOMP_RANS_PROB_SCALE; sum--) {
      if (--f[h.heap[0]] < 2) h.heap[0] = h.heap[--h.size];
      gcomp_rans_sift_down(&h, 0);
    }
  }
}

/* The table after the byte A - 1: the gamma code of f + 1 for each
 * letter, then zero bits to a byte boundary. */
GCOMP_HD_INLINE void gcomp_rans_write_table(gcomp_bitwriter *w, const uint32_t *freq,
                                            unsigned A) {
  unsigned s;
  for (s = 0; s < A; s++) {
    uint32_t v = freq[s] + 1u;
    unsigned z = gcomp_rans_bitlen(v) - 1u;
    gcomp_bw_put(w, (uint64_t)1 << z, z + 1u);
    gcomp_bw_put(w, v, z);
  }
  gcomp_bw_align(w);
}

/* Why a table is refused: rules 1 to 5 of "What a decoder must reject". */
typedef enum {
  GCOMP_RANS_TABLE_OK,
  GCOMP_RANS_TABLE_EMPTY,     /* no byte at all */
  GCOMP_RANS_TABLE_TRUNCATED, /* runs past the buffer */
  GCOMP_RANS_TABLE_LONG_CODE, /* more than 12 leading zeros */
  GCOMP_RANS_TABLE_EXCEEDS,   /* running sum above 4096 */
  GCOMP_RANS_TABLE_SUM,       /* total not 4096 */
  GCOMP_RANS_TABLE_TOP_ZERO,  /* f[A - 1] = 0 */
  GCOMP_RANS_TABLE_PADDING    /* a padding bit is 1 */
} gcomp_rans_table_error;

/* Reads the table at the start of src[0..size) into freq[0..A); on
 * success *table_bytes is its length, byte A - 1 included. *where is the
 * letter a per-letter refusal concerns, *sum the total for _SUM. */
GCOMP_HD_INLINE gcomp_rans_table_error gcomp_rans_read_table(const uint8_t *src, size_t size,
                                                             uint32_t *freq, unsigned *alphabet,
                                                             size_t *table_bytes,
                                                             unsigned *where, uint32_t *sum) {
  gcomp_bitreader r;
  unsigned A, s;
  size_t avail;
  *sum = 0;
  *where = 0;
  if (size < 1) return GCOMP_RANS_TABLE_EMPTY;
  A = (unsigned)src[0] + 1u;
  /* The table never exceeds its maximum; capping keeps the bit count far
   * from overflow whatever size is. */
  avail = size - 1u < GCOMP_RANS_TABLE_MAX_BYTES ? size - 1u : GCOMP_RANS_TABLE_MAX_BYTES;
  gcomp_br_init(&r, src + 1, (uint64_t)avail * 8u);
  for (s = 0; s < A; s++) {
    unsigned z = 0;
    uint32_t v;
    *where = s;
    while (gcomp_br_get_bit(&r) == 0) {
      if (r.overrun) return GCOMP_RANS_TABLE_TRUNCATED;
      if (++z > GCOMP_RANS_GAMMA_MAX_ZEROS) return GCOMP_RANS_TABLE_LONG_CODE;
    }
    v = (1u << z) | (uint32_t)gcomp_br_get(&r, z);
    if (r.overrun) return GCOMP_RANS_TABLE_TRUNCATED;
    if (v - 1u > GCOMP_RANS_PROB_SCALE - *sum) return GCOMP_RANS_TABLE_EXCEEDS;
    freq[s] = v - 1u;
    *sum += v - 1u;
  }
  *where = A - 1u;
  if (*sum != GCOMP_RANS_PROB_SCALE) return GCOMP_RANS_TABLE_SUM;
  if (freq[A - 1u] == 0) return GCOMP_RANS_TABLE_TOP_ZERO;
  if (!gcomp_br_align_zero(&r)) return GCOMP_RANS_TABLE_PADDING;
  *alphabet = A;
  *table_bytes = 1u + (size_t)(r.pos / 8u);
  return GCOMP_RANS_TABLE_OK;
}

#endif
