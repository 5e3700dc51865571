/* allreduce_perf's data and its -c check. */
#ifndef GCOMP_BENCH_PERF_CHECK_H
#define GCOMP_BENCH_PERF_CHECK_H

#include <stddef.h>

#include "gcomp.h"

/* Rank `rank`'s vector of repetition `rep` (0: the timed one; the checks
 * 1, 2, ...): uniform in [-0.5, 0.5), reproducible on any rank. */
void perf_fill(float *x, size_t n, int rank, int rep);

/* Collective over MPI_COMM_WORLD: one allreduce of every rank's
 * perf_fill(.., rep) on a fresh MPI communicator (config `cfg`), then the
 * same on rank 0 over gcomp's in-process transport, P threads (same codec,
 * seeds, op and rank count: the same bits, docs/COLLECTIVES.md). Returns
 * the floats of all ranks' results that differ from that reference bit
 * for bit, or -1 when a collective failed (rank 0 says why). x and y hold
 * n floats. */
long long perf_check(gcompCodec_t codec, gcompRedOp_t op, const gcompCommConfig_t *cfg,
                     size_t n, int rep, float *x, float *y);

#endif
