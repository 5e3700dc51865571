/* The communicator behind gcompComm_t: a host engine (MPI) seen through a
 * few collective primitives on host buffers, or a device engine (NCCL) that
 * runs whole collectives (gcomp_device_coll), plus what the algorithms
 * share: agreement between ranks, payload seeds, chunks, argument checks. */
#ifndef GCOMP_HOST_COMM_H
#define GCOMP_HOST_COMM_H

#include "gcomp.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every primitive is collective and returns 0 or a nonzero engine error.
 * Byte counts and displacements are per rank, in rank order. */
typedef struct gcomp_engine {
  const char *name;
  int (*allgather_u64)(void *ctx, const uint64_t *mine, size_t n, uint64_t *all);
  int (*allgatherv)(void *ctx, const void *mine, size_t bytes, void *all,
                    const size_t *sizes, const size_t *displs);
  int (*alltoallv)(void *ctx, const void *send, const size_t *send_sizes,
                   const size_t *send_displs, void *recv, const size_t *recv_sizes,
                   const size_t *recv_displs);
  int (*bcast)(void *ctx, void *buf, size_t bytes, int root);
  int (*allreduce_max_i64)(void *ctx, int64_t *vals, int n); /* in place */
  void (*destroy)(void *ctx);
} gcomp_engine;

/* A device engine (NCCL: device buffers, a CUDA stream) runs whole
 * collectives itself; the public calls hand them over unchanged, before any
 * host-buffer check. NULL for host engines. */
typedef struct gcomp_device_coll {
  gcompResult_t (*allreduce)(gcompComm_t comm, const float *send, float *recv, uint64_t count,
                             gcompCodec_t codec, gcompRedOp_t op, gcompErrorFeedback_t ef,
                             gcompStream_t stream);
  gcompResult_t (*allreduce_multi)(gcompComm_t comm, const float *const *sends,
                                   float *const *recvs, const uint64_t *counts, int n,
                                   gcompCodec_t codec, gcompRedOp_t op,
                                   gcompErrorFeedback_t ef, gcompStream_t stream);
  gcompResult_t (*allgather)(gcompComm_t comm, const float *send, float *recv, uint64_t count,
                             gcompCodec_t codec, gcompStream_t stream);
  gcompResult_t (*broadcast)(gcompComm_t comm, const float *send, float *recv, uint64_t count,
                             gcompCodec_t codec, int root, gcompStream_t stream);
  gcompResult_t (*stats)(gcompComm_t comm, gcompCommStats_t *stats);
  /* A local error before the collective started: returns `local` after
   * telling the peers where the engine can. */
  gcompResult_t (*fail)(gcompComm_t comm, gcompResult_t local, gcompStream_t stream);
} gcomp_device_coll;

struct gcompComm {
  const gcomp_engine *eng;
  const gcomp_device_coll *dev; /* device engines only */
  void *ctx;
  int rank, size;
  uint64_t seed;
  gcompAlgo_t algo;
  uint64_t calls; /* collectives so far: the same on every rank */
  uint64_t encoded, received; /* payload bytes, for gcompCommGetStats */
};

gcompResult_t gcomp_comm_create(gcompComm_t *out, const gcomp_engine *eng, void *ctx,
                                int rank, int size, const gcompCommConfig_t *cfg);

/* Phases of a collective, for seeds: distinct payloads never share one. */
enum { GCOMP_PHASE_SEND = 0, GCOMP_PHASE_CHUNK = 1, GCOMP_PHASE_RECOMPRESS = 2,
       GCOMP_PHASE_BCAST = 3 };

/* Seed of the payload that `rank` encodes for `chunk` in `phase` of
 * collective number `call` (docs/COLLECTIVES.md). */
uint64_t gcomp_payload_seed(uint64_t base, uint64_t call, int rank, int phase,
                            uint64_t chunk);

/* Checks that every rank passed the same arguments (as 64-bit values):
 * gcompInvalidUsage on every rank otherwise. Also fails fast on a bad
 * local argument, after telling the others. */
gcompResult_t gcomp_agree(gcompComm_t comm, const int64_t *args, int n,
                          gcompResult_t local);

/* Combines every rank's status: success only if all succeeded; a rank that
 * failed keeps its own code, the others get gcompRemoteError. */
gcompResult_t gcomp_agree_status(gcompComm_t comm, gcompResult_t local);

/* A value that differs between codecs that encode differently. */
int64_t gcomp_codec_signature(gcompCodec_t codec);

gcompResult_t gcomp_engine_fail(gcompComm_t comm, int err, const char *what);

/* Start of chunk r of `parts` (two-phase): [r*count/parts, (r+1)*count/parts). */
static inline uint64_t gcomp_chunk_start(uint64_t count, int parts, int r) {
  return count * (uint64_t)r / (uint64_t)parts;
}

/* The algorithm choice every engine makes the same way (allreduce.c). */
int gcomp_use_two_phase(gcompAlgo_t algo, uint64_t count, int P);

/* The local argument checks every engine makes (allreduce.c, collectives.c):
 * gcompInvalidArgument with its detail, or gcompSuccess. */
gcompResult_t gcomp_check_allreduce_args(const float *send, const float *recv, uint64_t count,
                                         gcompCodec_t codec, gcompRedOp_t op,
                                         gcompErrorFeedback_t ef);
gcompResult_t gcomp_check_allgather_args(gcompComm_t comm, const float *send, const float *recv,
                                         uint64_t count, gcompCodec_t codec);
gcompResult_t gcomp_check_bcast_args(gcompComm_t comm, const float *send, const float *recv,
                                     uint64_t count, gcompCodec_t codec, int root);
/* *total = the sum of the counts. */
gcompResult_t gcomp_check_multi_args(const float *const *sends, float *const *recvs,
                                     const uint64_t *counts, int n, uint64_t *total);

/* The internal allreduce every public variant ends in. ef may be NULL. */
gcompResult_t gcomp_allreduce(gcompComm_t comm, const float *send, float *recv,
                              uint64_t count, gcompCodec_t codec, gcompRedOp_t op,
                              gcompErrorFeedback_t ef);

#ifdef __cplusplus
}
#endif

#endif
