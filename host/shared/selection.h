/* What Top-k and Rand-k select, as one rule a GPU can reproduce: every
 * coordinate has a 32-bit rank, the k largest ranks are kept, and equal
 * ranks go to the lower index. Any exact selection algorithm (the host's
 * radix select, a GPU's) then keeps the same set. */
#ifndef GCOMP_SHARED_SELECTION_H
#define GCOMP_SHARED_SELECTION_H

#include "bits.h"
#include "gcomp_hd.h"
#include "philox.h"

/* Top-k: a finite float's bits without the sign order magnitudes as
 * integers, so the rank is exact and needs no float compare (and -0 ties
 * with +0). */
#define GCOMP_TOPK_RANK_MASK 0x7fffffffu
GCOMP_HD_INLINE uint32_t gcomp_topk_rank(float x) { return gcomp_f2u(x) & GCOMP_TOPK_RANK_MASK; }

/* Rand-k: coordinate i's key is word i % 4 of Philox draw i / 4 on
 * GCOMP_STREAM_SELECTION; the k smallest keys win, i.e. the k largest
 * complements. A uniformly random order of the keys makes the kept set a
 * uniform k-subset; ties (32-bit keys) move a coordinate's chance of being
 * kept by about 2^-32. */
GCOMP_HD_INLINE uint32_t gcomp_randk_rank(uint32_t key) { return ~key; }

GCOMP_HD_INLINE gcomp_u32x4 gcomp_randk_keys(uint64_t seed, uint64_t draw) {
  return gcomp_philox(seed, GCOMP_STREAM_SELECTION, draw);
}

/* n / k rounded once to float (n, k <= 2^40 are exact in double). */
GCOMP_HD_INLINE float gcomp_randk_scale(uint64_t n, uint64_t k) {
  return (float)((double)n / (double)k);
}

/* The default k of both codecs, ceil(n / 100), at least 1. */
GCOMP_HD_INLINE uint64_t gcomp_default_k(uint64_t n) { return (n + 99) / 100; }

#endif
