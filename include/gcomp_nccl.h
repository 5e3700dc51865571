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
GCOMP_API gcompResult_t gcompCommCreateNccl(gcompComm_t *comm, ncclComm_t nccl,
                                          const gcompCommConfig_t *config);

#ifdef __cplusplus
}
#endif

#endif
