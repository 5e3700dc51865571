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
 * idx[0..k), ascending. 1 <= k <= n. O(n): a radix select, no sort (on
 * sampled candidates when k is small next to n). */
gcompResult_t gcomp_select_largest(const void *words, uint32_t mask, uint64_t n,
                                   uint64_t k, uint64_t *idx);

/* The k-th largest rank, and how many ranks equal to it are kept: the
 * first ones in index order. */
typedef struct {
  uint32_t rank;
  uint64_t ties;
} gcomp_select_threshold;

/* Candidates for a selection: indices (ascending) and ranks of everything
 * that reached a threshold, for producers that make their ranks batch by
 * batch (Rand-k's keys) instead of holding n of them. */
typedef struct {
  uint64_t *idx;
  uint32_t *rank;
  uint64_t count, cap;
  int overflow; /* more than cap reached it: use the full select */
} gcomp_candidates;

#define GCOMP_SELECT_BATCH 4096u /* ranks a producer hands over at once */

/* Allocates room for cap candidates; 0 when that fails. */
int gcomp_cand_init(gcomp_candidates *c, uint64_t cap);
void gcomp_cand_free(gcomp_candidates *c);
/* Room for a threshold expected to let `expect` ranks through, with a
 * margin no random set of ranks exceeds. */
uint64_t gcomp_cand_room(double expect);
/* Appends rank_j = (32-bit word j of `words` & mask) ^ flip for every
 * rank_j >= t, as index base + j (j < len <= GCOMP_SELECT_BATCH); batches in
 * index order. */
void gcomp_cand_scan(gcomp_candidates *c, const void *words, uint32_t mask, uint32_t flip,
                     uint32_t len, uint64_t base, uint32_t t);
/* The k largest candidates by the rule above, ascending, into idx. When at
 * least k ranks reached the threshold, these are the k largest of all. */
gcompResult_t gcomp_cand_select(const gcomp_candidates *c, uint64_t k, uint64_t *idx);

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
