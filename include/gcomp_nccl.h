/* gcomp collectives over NCCL: device buffers, a cudaStream_t on every call,
 * an ncclComm_t that gcomp uses but never destroys. Link with gcomp_nccl
 * (and NCCL, CUDA). docs/COLLECTIVES.md, section "The NCCL engine".
 *
 * With such a communicator gcompAllReduce, gcompAllReduceEF,
 * gcompAllReduceMulti, gcompAllGather and gcompBroadcast take device
 * pointers and only enqueue work on `stream` (encode with
 * gcompEncodeDevice, exchange with NCCL, decode with gcompDecodeDevice):
 * in the default exchange mode nothing in a collective waits for the
 * device. What the kernels find (NaN input, a corrupt or missing peer
 * payload, ranks that disagree) is reported by gcompCommGetAsyncError. */
#ifndef GCOMP_NCCL_H
#define GCOMP_NCCL_H

#include <nccl.h>

#include "gcomp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Collective over `nccl`: every rank calls it with the same config. gcomp
 * issues its own NCCL calls on `nccl` from inside its collectives, so the
 * caller's NCCL calls on it must not be interleaved with a gcomp call on
 * another thread. The current CUDA device must be the communicator's. */
GCOMP_API gcompResult_t gcompCommInitNccl(gcompComm_t *comm, ncclComm_t nccl,
                                          const gcompCommConfig_t *config);

/* How variable-length payloads cross NCCL, whose counts are host values. */
typedef enum {
  /* Every payload travels in a slot of fixed capacity (the encode bound,
   * or slotBits a value: see below); its true length travels beside it and
   * stays on the device. No host synchronization; wire bytes = capacity. */
  gcompNcclSlots = 0,
  /* The lengths are gathered first and copied to the host (one
   * cudaStreamSynchronize a collective); then only the payloads' own bytes
   * travel, and disagreements or failed encodes are returned as result
   * codes on every rank, as over MPI. */
  gcompNcclExact = 1
} gcompNcclExchange_t;

/* Sets the exchange mode (the same on every rank; default gcompNcclSlots,
 * slotBits 0). slotBits > 0 caps a slot at 1 KiB + slotBits * n / 8 bytes
 * for n values (never above gcompEncodeBound): a payload that does not fit
 * fails the collective on every rank (gcompDstTooSmall on its rank,
 * gcompRemoteError elsewhere) instead of overflowing. */
GCOMP_API gcompResult_t gcompCommNcclSetExchange(gcompComm_t comm, gcompNcclExchange_t mode,
                                                 double slotBits);

/* Waits for `stream`, then reports (and clears) the first failure the
 * communicator's kernels met since the last query: this rank's own
 * (gcompNonFiniteInput, gcompDstTooSmall, ...) first, then another rank's
 * (gcompRemoteError) or a disagreement (gcompInvalidUsage), then a payload
 * that failed to decode (gcompCorruptPayload). After a failure the
 * collective's outputs, and an error feedback state it used, are
 * undefined (gcompErrorFeedbackReset). */
GCOMP_API gcompResult_t gcompCommGetAsyncError(gcompComm_t comm, gcompStream_t stream,
                                               gcompResult_t *status);

#ifdef __cplusplus
}
#endif

#endif
