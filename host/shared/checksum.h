/* Payload checksum (docs/FORMAT.md): the sum, mod 2^64, of a bijective mix
 * of each little-endian 64-bit word xor-ed with a multiple of its index.
 * A sum, not a chained hash, so a GPU computes it as a plain reduction in
 * any order; the mix is bijective for a fixed index, so any change confined
 * to one word always changes the result. */
#ifndef GCOMP_SHARED_CHECKSUM_H
#define GCOMP_SHARED_CHECKSUM_H

#include "gcomp_hd.h"

#define GCOMP_CHECKSUM_STEP 0x9E3779B97F4A7C15ull

GCOMP_HD_INLINE uint64_t gcomp_mix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

GCOMP_HD_INLINE uint64_t gcomp_checksum_term(uint64_t word, uint64_t index) {
  return gcomp_mix64(word ^ (index * GCOMP_CHECKSUM_STEP));
}

#endif
