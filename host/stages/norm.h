#ifndef GCOMP_HOST_NORM_H
#define GCOMP_HOST_NORM_H

#include "gcomp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sum of squares of x[0..n) in the canonical order of shared/norm.h.
 * Also reports whether every value is finite (NaN/Inf would otherwise only
 * show up as a NaN/Inf sum, and an overflowing finite vector cannot occur:
 * squares of floats stay far below DBL_MAX). */
gcompResult_t gcomp_sumsq(const float *x, uint64_t n, double *sumsq);

/* Sum of |x_i| in the same order (the L1 norm of scaled sign), with the
 * same finiteness report: n float magnitudes sum far below DBL_MAX. */
gcompResult_t gcomp_sumabs(const float *x, uint64_t n, double *sumabs);

#ifdef __cplusplus
}
#endif

#endif
