/* Randomized Hadamard rotation (DESIGN.md: rotate stage): y = H D x / sqrt(n)
 * with D a diagonal of random signs and H the Walsh-Hadamard matrix of
 * order n (a power of two; x is zero-padded). Float results depend on the
 * order of operations, so the order is part of the contract: signs first,
 * then butterfly stages with span 1, 2, 4, ..., n/2 (each stage maps
 * (a, b) to (a + b, a - b) for pairs j, j + span), then one multiply by the
 * float scale. The inverse is the same transform followed by the signs. */
#ifndef GCOMP_SHARED_HADAMARD_H
#define GCOMP_SHARED_HADAMARD_H

#include "bits.h"
#include "gcomp_hd.h"
#include "philox.h"

#include <math.h>

/* Sign of coordinate i: bit i % 128 of Philox draw i / 128 on the rotation
 * stream; 1 means negate. */
GCOMP_HD_INLINE int gcomp_rotation_negate(uint64_t seed, uint64_t i) {
  gcomp_u32x4 r = gcomp_philox(seed, GCOMP_STREAM_ROTATION, i >> 7);
  unsigned bit = (unsigned)(i & 127u);
  return (int)((r.v[bit >> 5] >> (bit & 31u)) & 1u);
}

/* 1 / sqrt(n) rounded once to float, from double IEEE ops. */
GCOMP_HD_INLINE float gcomp_rotation_scale(uint64_t n) {
  return (float)(1.0 / gcomp_sqrt_rn((double)n));
}

#endif
