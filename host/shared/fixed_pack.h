/* The decisions of the fixed-width section (docs/FORMAT.md) that a GPU
 * encoder must make exactly as the CPU does: chunk geometry, the escape
 * marker, and which width a chunk uses. */
#ifndef GCOMP_SHARED_FIXED_PACK_H
#define GCOMP_SHARED_FIXED_PACK_H

#include "gcomp_hd.h"

#include <stddef.h>

#define GCOMP_FIXED_CHUNK 4096u
#define GCOMP_FIXED_HEAD 3u /* width u8, escape count u16 */

GCOMP_HD_INLINE size_t gcomp_fixed_chunk_bytes(uint32_t len, unsigned w, uint32_t n_esc) {
  return GCOMP_FIXED_HEAD + ((size_t)len * w + 7) / 8 + 4u * (size_t)n_esc;
}

/* Stored value meaning "take the next escape" (1 <= w < 32); no escapes at
 * w = 32. Symbols >= the marker are escaped. */
GCOMP_HD_INLINE uint32_t gcomp_fixed_marker(unsigned w) {
  return w >= 32 ? 0xffffffffu : (uint32_t)(((uint64_t)1 << w) - 1);
}

/* The width minimising len * w + 32 * esc[w], where esc[w] counts the
 * symbols >= 2^w - 1 (1 <= w < 32); ties go to the smaller width; an all-zero
 * chunk (max == 0) has width 0; w = 32 when nothing narrower is shorter. */
GCOMP_HD_INLINE unsigned gcomp_fixed_choose_width(const uint32_t *esc, uint32_t len,
                                                  uint32_t max, uint32_t *n_esc) {
  *n_esc = 0;
  if (max == 0) return 0;
  unsigned best_w = 32;
  uint64_t best_bits = (uint64_t)len * 32;
  for (unsigned w = 1; w < 32; w++) {
    uint64_t bits = (uint64_t)len * w + 32ull * esc[w];
    if (bits < best_bits) {
      best_bits = bits;
      best_w = w;
      *n_esc = esc[w];
    }
  }
  return best_w;
}

#endif
