/* Top-k's structured body (docs/FORMAT.md, codec 7): which index code the
 * encoder picks and how long the body is. host/codecs/topk.c and the device
 * (kernels/device_topk*.cu) both decide through these, so the choice bit,
 * the Rice parameter and packing auto agree by construction. */
#ifndef GCOMP_SHARED_TOPK_H
#define GCOMP_SHARED_TOPK_H

#include "gcomp_hd.h"

#define GCOMP_TOPK_RICE_PARAM_BITS 5u
#define GCOMP_TOPK_VALUE_BITS 32u
#define GCOMP_TOPK_RICE_PARAMS 32u

typedef struct {
  int rice;            /* 0: bitmap */
  unsigned r;          /* Rice parameter */
  uint64_t index_bits; /* choice bit excluded */
} gcomp_topk_code;

/* The gap of the j-th kept index (ascending): an offset past the previous. */
GCOMP_HD_INLINE uint64_t gcomp_topk_gap(uint64_t index, uint64_t previous, uint64_t j) {
  return j == 0 ? index : index - previous - 1u;
}

/* sums[r] += g >> r for every r; the terms that are zero are skipped. Any
 * order of gaps gives the same sums (integers), so a GPU may reduce them. */
GCOMP_HD_INLINE void gcomp_topk_add_gap(uint64_t *sums, uint64_t g) {
  for (unsigned r = 0; r < GCOMP_TOPK_RICE_PARAMS && (g >> r); r++) sums[r] += g >> r;
}

/* Rice length with parameter r is k (r + 1) + sums[r]; every r is tried
 * (smallest wins ties), and the bitmap wins ties with Rice. */
GCOMP_HD_INLINE gcomp_topk_code gcomp_topk_choose(const uint64_t *sums, uint64_t k, uint64_t n) {
  gcomp_topk_code c = {1, 0, UINT64_MAX};
  for (unsigned r = 0; r < GCOMP_TOPK_RICE_PARAMS; r++) {
    uint64_t bits = GCOMP_TOPK_RICE_PARAM_BITS + k * (r + 1) + sums[r];
    if (bits < c.index_bits) {
      c.index_bits = bits;
      c.r = r;
    }
  }
  if (n <= c.index_bits) {
    c.rice = 0;
    c.index_bits = n;
  }
  return c;
}

/* The structured body: choice bit, indices, k float32 values. */
GCOMP_HD_INLINE uint64_t gcomp_topk_body_bits(gcomp_topk_code c, uint64_t k) {
  return 1 + c.index_bits + GCOMP_TOPK_VALUE_BITS * k;
}

/* Packing auto: structured unless direct (32 n bits) is shorter. */
GCOMP_HD_INLINE int gcomp_topk_auto_structured(gcomp_topk_code c, uint64_t k, uint64_t n) {
  return gcomp_topk_body_bits(c, k) <= GCOMP_TOPK_VALUE_BITS * n;
}

#endif
