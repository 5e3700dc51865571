/* Exact selection of the k largest 32-bit ranks, ties to the lower index
 * (shared/selection.h), for Top-k and Rand-k. */
#ifndef GCOMP_HOST_SELECT_H
#define GCOMP_HOST_SELECT_H

#include "core/codec.h"
#include "gcomp.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* rank_i = (32-bit word i of `words`, native order) & mask; the words may be
 * floats (Top-k masks off the sign). Writes the k kept indices to
 * idx[0..k), ascending. 1 <= k <= n. O(n): a radix select, no sort. */
gcompResult_t gcomp_select_largest(const void *words, uint32_t mask, uint64_t n,
                                   uint64_t k, uint64_t *idx);

/* The parameter k that Top-k and Rand-k share. The header's iparam is the k
 * used: a configured k, or the default ceil(n / 100) resolved per vector
 * (the codec then holds iparam 0). */
#define GCOMP_K_PARAM {"k", 1, (double)GCOMP_MAX_DIM, 0, 0, "1..2^40"}
gcompResult_t gcomp_k_configure(gcompCodecConfig_t *cfg, double *param, uint64_t *iparam);
int gcomp_k_header_ok(double param, uint64_t iparam, uint64_t n);
/* k for a vector of n coded coordinates; gcompParameterOutOfRange above n. */
gcompResult_t gcomp_k_resolve(const struct gcompCodec *c, uint64_t n, uint64_t *k);
/* The same without the check, capped at n: for theory and size bounds. */
uint64_t gcomp_k_capped(const struct gcompCodec *c, uint64_t n);

#ifdef __cplusplus
}
#endif

#endif
