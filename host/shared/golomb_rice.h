/* Rice codes (Golomb codes with a power-of-two parameter 2^k): the quotient
 * v >> k in unary (ones ended by a zero), then the k low bits. Spherical
 * Compression sends its geometric trial counts this way. */
#ifndef GCOMP_SHARED_GOLOMB_RICE_H
#define GCOMP_SHARED_GOLOMB_RICE_H

#include "bitio.h"
#include "gcomp_hd.h"

/* k <= 32. */
GCOMP_HD_INLINE void gcomp_rice_put(gcomp_bitwriter *w, uint64_t v, unsigned k) {
  uint64_t q = v >> k;
  while (q >= 32) {
    gcomp_bw_put(w, 0xffffffffu, 32);
    q -= 32;
  }
  gcomp_bw_put(w, ((uint64_t)1 << q) - 1u, (unsigned)q + 1u); /* q ones, a zero */
  gcomp_bw_put(w, v, k);
}

GCOMP_HD_INLINE uint64_t gcomp_rice_len(uint64_t v, unsigned k) { return (v >> k) + 1 + k; }

/* Returns 0 on a truncated stream or a quotient above max_quotient (so a
 * hostile stream costs at most that many reads); max_quotient << k must fit
 * 64 bits. */
GCOMP_HD_INLINE int gcomp_rice_get(gcomp_bitreader *r, unsigned k, uint64_t max_quotient,
                                   uint64_t *v) {
  uint64_t q = 0;
  while (gcomp_br_get_bit(r)) {
    if (++q > max_quotient) return 0;
  }
  if (r->overrun) return 0;
  uint64_t low = gcomp_br_get(r, k);
  if (r->overrun) return 0;
  *v = (q << k) | low;
  return 1;
}

#endif
