/* The collective algorithms, written once for every transport and both
 * sides (docs/COLLECTIVES.md): how a collective starts, the allreduce
 * algorithms (allgather, two-phase), and the algorithm choice. */
#ifndef GCOMP_COMM_ALGORITHMS_H
#define GCOMP_COMM_ALGORITHMS_H

#include "comm/side.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fills c for collective `kind` of comm (taking the call's number, on every
 * rank, failed or not) and adds the checks every collective makes before
 * any peer is involved: the stream must suit the side. Returns `local` or
 * the first of those failures; c->rec is zeroed, kind set. */
gcompResult_t gcomp_coll_start(gcomp_coll *c, gcompComm_t comm, gcompCodec_t codec,
                               gcompStream_t stream, int kind, gcompResult_t local);

/* recv = sum over ranks of the decoded payloads of x (allgather), or of the
 * re-compressed partial sums (two-phase); own, when not NULL, = what this
 * rank's own payloads decode to (EF21's c); e, when not NULL, the chunk
 * owner's re-compression error (dec: scratch of ceil(count/P) floats). */
void gcomp_run_allgather(gcomp_coll *c, const float *x, float *recv, float *own,
                         uint64_t count);
void gcomp_run_two_phase(gcomp_coll *c, const float *x, float *recv, float *own, float *e,
                         float *dec, uint64_t count);

/* The seed of the payload `rank` encodes for `chunk` in `phase` of this
 * collective (gcomp_payload_seed). */
uint64_t gcomp_coll_seed(const gcomp_coll *c, int rank, int phase, uint64_t chunk);

/* Checks a codec handle as far as a collective can (NULL). */
gcompResult_t gcomp_check_codec(gcompCodec_t codec);

#ifdef __cplusplus
}
#endif

#endif
