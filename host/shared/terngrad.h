/* TernGrad (Wen et al. 2017), per coordinate: with m = max |x_i|, the
 * symbol is sign(x_i) with probability |x_i| / m, else 0; decoded m *
 * symbol: Sparse Dithering's unbiased rounding with the grid step m
 * (gcomp_level_round_unbiased, gcomp_level_value). q = |x_i| / m <= 1, and
 * the largest coordinate has q = 1 exactly, so a nonzero vector always keeps
 * a nonzero symbol. m is the maximum of gcomp_abs_bits (bits.h): exact in
 * any order, so any reduction tree gives the same scale. */
#ifndef GCOMP_SHARED_TERNGRAD_H
#define GCOMP_SHARED_TERNGRAD_H

#include "gcomp_hd.h"

/* 1 when m (finite) can be the scale: zero (the zero vector) or normal. */
GCOMP_HD_INLINE int gcomp_terngrad_scale_ok(float m) {
  return m == 0.0f || m >= 0x1p-126f;
}

#endif
