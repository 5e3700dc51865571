/* QSGD / standard dithering with s levels (Alistarh et al. 2017): the
 * scale gamma ~ |x| / s and the Elias-gamma codes of QSGD's own message.
 * The level of x_i is Sparse Dithering's unbiased rounding of |x_i| / gamma
 * (gcomp_level_round_unbiased, same Philox words), decoded
 * gcomp_level_value. Shared by the CPU reference and the kernels. */
#ifndef GCOMP_SHARED_QSGD_H
#define GCOMP_SHARED_QSGD_H

#include "bitio.h"
#include "bits.h"
#include "gcomp_hd.h"

#define GCOMP_QSGD_MAX_LEVELS ((uint32_t)1 << 20)

/* K from the header's block field s, as the decoder sees it: s itself, or
 * 0 when s is outside 1..2^20. */
GCOMP_HD_INLINE uint32_t gcomp_qsgd_level_limit(uint64_t s) {
  return s >= 1 && s <= GCOMP_QSGD_MAX_LEVELS ? (uint32_t)s : 0;
}

/* gamma = (float)(|x| / s), raised to the next float when gamma * s < |x|
 * (that product is exact in double: 24 + 20 bits). Then every |x_i| /
 * gamma <= s exactly, so no level exceeds s. Returns 0, or -1 when gamma
 * is not a normal float; *gamma = 0 for the zero vector. */
GCOMP_HD_INLINE int gcomp_qsgd_scale(double sumsq, uint32_t s, float *gamma) {
  *gamma = 0.0f;
  if (sumsq == 0.0) return 0;
  double norm = gcomp_sqrt_rn(sumsq);
  double g = norm / (double)s;
  if (!(g >= 1.1754943508222875e-38 && g <= 3.4028234663852886e38)) return -1;
  float f = (float)g;
  while ((double)f * (double)s < norm) f = gcomp_u2f(gcomp_f2u(f) + 1u);
  if (!(f <= 3.4028234663852886e38f)) return -1; /* rounded to inf */
  *gamma = f;
  return 0;
}

/* Elias gamma code of v >= 1, as in FORMAT-rans.md: z = floor(log2 v) zero
 * bits, a one bit, then the low z bits of v (LSB first). */
GCOMP_HD_INLINE unsigned gcomp_elias_zeros(uint64_t v) {
  unsigned z = 0;
  while (v >> (z + 1)) z++;
  return z;
}


GCOMP_HD_INLINE void gcomp_elias_put(gcomp_bitwriter *w, uint64_t v) {
  unsigned z = gcomp_elias_zeros(v);
  gcomp_bw_put(w, (uint64_t)1 << z, z + 1u);
  gcomp_bw_put(w, v, z);
}

/* Returns 0 (with *v unset) on a truncated stream or a code of more than
 * max_zeros leading zeros (max_zeros <= 62), so a hostile stream costs at
 * most that many reads. */
GCOMP_HD_INLINE int gcomp_elias_get(gcomp_bitreader *r, unsigned max_zeros, uint64_t *v) {
  unsigned z = 0;
  while (gcomp_br_get_bit(r) == 0) {
    if (r->overrun || ++z > max_zeros) return 0;
  }
  uint64_t low = gcomp_br_get(r, z);
  if (r->overrun) return 0;
  *v = ((uint64_t)1 << z) | low;
  return 1;
}

#endif
