/* The NCCL engine's own small kernels (kernels_nccl.cu): the per-call
 * status and record bookkeeping, and the element-wise steps of error
 * feedback and mean. Every function only enqueues on `s` and returns
 * gcompSuccess or gcompSystemError (a failed launch). */
#ifndef GCOMP_KERNELS_COMM_KERNELS_NCCL_H
#define GCOMP_KERNELS_COMM_KERNELS_NCCL_H

#include <cuda_runtime_api.h>
#include <stdint.h>

#include "gcomp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Device-resident status and counters of one communicator. */
typedef struct {
  int32_t sticky;    /* first failure of earlier calls, not yet queried */
  int32_t call;      /* this call's: a peer failed, ranks disagree */
  uint64_t encoded;  /* gcompCommStats_t's counts */
  uint64_t received;
  uint64_t body_encoded; /* of `encoded`, without the payloads' headers */
} gcomp_nccl_state;

/* Which sizes of the gathered records a check reads. */
enum { GCOMP_NCCL_GATHER = 0, GCOMP_NCCL_SCATTER = 1, GCOMP_NCCL_BCAST = 2 };

/* Start of a collective: folds the statuses of earlier calls (the two
 * workspaces' and st->call) into st->sticky and clears them, so the call's
 * own failures stand apart; then my record = {sig, 0...} (P + 1 words).
 * Workspaces may be NULL (not yet allocated). */
gcompResult_t gcomp_nccl_begin(gcomp_nccl_state *st, void *enc_ws, void *dec_ws,
                               uint64_t *my_record, int64_t sig, int P, cudaStream_t s);

/* After the records of all P ranks (P + 1 words each: sig, sizes) have been
 * gathered: a foreign sig -> gcompInvalidUsage, a peer's empty payload ->
 * gcompRemoteError (into st->call), and the byte counters. */
gcompResult_t gcomp_nccl_check(gcomp_nccl_state *st, const uint64_t *records, int P, int me,
                               int64_t sig, int kind, int root, cudaStream_t s);

/* *size = 0 if this call has failed on this rank so far: a two-phase owner
 * that could not decode a chunk publishes nothing, so every rank fails. */
gcompResult_t gcomp_nccl_poison(uint64_t *size, const gcomp_nccl_state *st, const void *enc_ws,
                                const void *dec_ws, cudaStream_t s);

/* out = a - b, a += b, x *= f: element-wise, the CPU path's float ops. */
gcompResult_t gcomp_nccl_sub(float *out, const float *a, const float *b, uint64_t n,
                             cudaStream_t s);
gcompResult_t gcomp_nccl_add(float *a, const float *b, uint64_t n, cudaStream_t s);
gcompResult_t gcomp_nccl_scale(float *x, uint64_t n, float f, cudaStream_t s);

/* EF21's end of a call: g += own; G += recv; recv = G. */
gcompResult_t gcomp_nccl_ef_commit(float *g, float *G, const float *own, float *recv,
                                   uint64_t n, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
