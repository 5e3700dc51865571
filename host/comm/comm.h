/* The communicator behind gcompComm_t: a transport that moves bytes
 * (transport.h), a side that holds the buffers and runs the codecs (host
 * memory or device memory: side.h), and what every collective shares:
 * payload seeds, the agreement record, chunks, the algorithm choice. */
#ifndef GCOMP_COMM_COMM_H
#define GCOMP_COMM_COMM_H

#include "gcomp.h"

#include <stddef.h>
#include <stdint.h>

#include "comm/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

struct gcomp_side_ops;

struct gcompComm {
  const gcomp_transport *tr;
  void *tr_ctx;
  const struct gcomp_side_ops *side;
  void *side_ctx;
  int rank, size;
  uint64_t seed;
  gcompAlgo_t algo;
  double timeout; /* seconds, 0: none (device sides) */
  uint64_t pipeline; /* gcompCommConfig_t.pipelineValues */
  int aborted;    /* a timeout aborted the transport: every call fails */
  uint64_t calls;             /* collectives so far: the same on every rank */
  uint64_t encoded, received; /* frame bytes, for gcompCommGetStats (host side) */
  uint64_t body_encoded;      /* of `encoded`, the bodies */
};

/* Takes ownership of both contexts (freed by gcompCommFree, or here on
 * failure). */
gcompResult_t gcomp_comm_create(gcompComm_t *out, const gcomp_transport *tr, void *tr_ctx,
                                const struct gcomp_side_ops *side, void *side_ctx, int rank,
                                int size, const gcompCommConfig_t *cfg);

/* Phases of a collective, for seeds: distinct payloads never share one. */
enum { GCOMP_PHASE_SEND = 0, GCOMP_PHASE_CHUNK = 1, GCOMP_PHASE_RECOMPRESS = 2,
       GCOMP_PHASE_BCAST = 3 };

/* Seed of the payload that `rank` encodes for `chunk` in `phase` of
 * collective number `call` (docs/COLLECTIVES.md). */
uint64_t gcomp_payload_seed(uint64_t base, uint64_t call, int rank, int phase,
                            uint64_t chunk);

/* The agreement record: the same fixed fields for every collective, so
 * ranks that call different collectives, or that refuse their arguments
 * before knowing them all, still exchange records of one length and never
 * wait on each other. Unused fields are 0. */
enum { GCOMP_REC_KIND, GCOMP_REC_COUNT, GCOMP_REC_CODEC, GCOMP_REC_OP, GCOMP_REC_TWO_PHASE,
       GCOMP_REC_EF, GCOMP_REC_ROOT, GCOMP_REC_TENSORS, GCOMP_REC_PIPELINE, GCOMP_REC_FIELDS };
enum { GCOMP_KIND_ALLREDUCE = 1, GCOMP_KIND_ALLGATHER = 2, GCOMP_KIND_BROADCAST = 3 };
extern const char *const gcomp_rec_field_names[GCOMP_REC_FIELDS];

/* One max-allreduce of the record (each field and its negation) and of the
 * local status. The refusing rank gets `local` back, the others
 * gcompRemoteError; then any field that differs: gcompInvalidUsage on every
 * rank. */
gcompResult_t gcomp_agree(gcompComm_t comm, const int64_t *rec, gcompResult_t local);

/* Combines every rank's status: success only if all succeeded; a rank that
 * failed keeps its own code, the others get gcompRemoteError. */
gcompResult_t gcomp_agree_status(gcompComm_t comm, gcompResult_t local);

/* A value that differs between codecs that encode differently (>= 0). */
int64_t gcomp_codec_signature(gcompCodec_t codec);

/* FNV-1a of a record: equal on ranks that agree, never INT64_MIN. */
int64_t gcomp_rec_hash(const int64_t *rec);

gcompResult_t gcomp_transport_fail(gcompComm_t comm, int err, const char *what);

/* Start of chunk r of `parts` (two-phase): [r*count/parts, (r+1)*count/parts). */
static inline uint64_t gcomp_chunk_start(uint64_t count, int parts, int r) {
  return count * (uint64_t)r / (uint64_t)parts;
}

/* The algorithm choice (comm/algorithms.c). */
int gcomp_use_two_phase(gcompAlgo_t algo, uint64_t count, int P);

/* Values a pipelined chunk for an allgather allreduce of `count` values on
 * a host side, 0 when not pipelined (comm/algorithms.c). */
uint64_t gcomp_pipeline_chunk(uint64_t setting, uint64_t count);

#ifdef __cplusplus
}
#endif

#endif
