/* The public collectives: argument checks, then the shared algorithms (or,
 * for a device engine, its own collectives: comm->dev). */
#include "comm/exchange.h"
#include "shared/check.h"
#include "comm/error_feedback.h"

#include <stdlib.h>
#include <string.h>

/* Checks that need no peer. A NULL comm cannot even tell the others. */
static gcompResult_t check_comm(gcompComm_t comm, gcompStream_t stream) {
  if (!comm) return gcomp_fail(gcompInvalidArgument, "comm must not be NULL");
  if (stream) return gcomp_fail(gcompInvalidArgument,
                                "a host (%s) communicator takes no CUDA stream",
                                comm->eng->name);
  return gcompSuccess;
}

/* ------------------------------------------------ argument checks
 * The local checks of every engine (comm.h): a code and its detail. */

gcompResult_t gcomp_check_allgather_args(gcompComm_t comm, const float *send, const float *recv,
                                         uint64_t count, gcompCodec_t codec) {
  if (!send || !recv || !codec) return gcomp_fail(gcompInvalidArgument, "NULL buffer or codec");
  if (count == 0 || count > GCOMP_MAX_DIM / (uint64_t)comm->size)
    return gcomp_fail(gcompInvalidArgument, "sendcount = %llu out of range",
                      (unsigned long long)count);
  return gcompSuccess;
}

gcompResult_t gcomp_check_bcast_args(gcompComm_t comm, const float *send, const float *recv,
                                     uint64_t count, gcompCodec_t codec, int root) {
  if (!recv || !codec || (root == comm->rank && !send))
    return gcomp_fail(gcompInvalidArgument, "NULL buffer or codec");
  if (count == 0 || count > GCOMP_MAX_DIM)
    return gcomp_fail(gcompInvalidArgument, "count = %llu outside 1..2^40",
                      (unsigned long long)count);
  if (root < 0 || root >= comm->size)
    return gcomp_fail(gcompInvalidArgument, "root %d outside 0..%d", root, comm->size - 1);
  return gcompSuccess;
}

gcompResult_t gcomp_check_multi_args(const float *const *sends, float *const *recvs,
                                     const uint64_t *counts, int n, uint64_t *total) {
  *total = 0;
  if (!sends || !recvs || !counts || n < 1)
    return gcomp_fail(gcompInvalidArgument, "tensor lists must be non-empty");
  for (int i = 0; i < n; i++) {
    if (!sends[i] || !recvs[i] || counts[i] == 0 || counts[i] > GCOMP_MAX_DIM - *total)
      return gcomp_fail(gcompInvalidArgument, "tensor %d: NULL buffer or bad count", i);
    *total += counts[i];
  }
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompAllReduce(const float *sendbuff, float *recvbuff, uint64_t count,
                                       gcompCodec_t codec, gcompRedOp_t op, gcompComm_t comm,
                                       gcompStream_t stream) {
  gcomp_clear_error();
  if (comm && comm->dev)
    return comm->dev->allreduce(comm, sendbuff, recvbuff, count, codec, op, NULL, stream);
  GCOMP_TRY(check_comm(comm, stream));
  return gcomp_allreduce(comm, sendbuff, recvbuff, count, codec, op, NULL);
}

GCOMP_API gcompResult_t gcompAllReduceEF(const float *sendbuff, float *recvbuff,
                                         uint64_t count, gcompCodec_t codec, gcompRedOp_t op,
                                         gcompErrorFeedback_t ef, gcompComm_t comm,
                                         gcompStream_t stream) {
  gcomp_clear_error();
  if (comm && comm->dev) {
    if (!ef)
      return comm->dev->fail(comm, gcomp_fail(gcompInvalidArgument, "ef must not be NULL"),
                             stream);
    return comm->dev->allreduce(comm, sendbuff, recvbuff, count, codec, op, ef, stream);
  }
  GCOMP_TRY(check_comm(comm, stream));
  if (!ef) {
    /* still a collective: the others must learn this rank gave up */
    gcompResult_t r = gcomp_fail(gcompInvalidArgument, "ef must not be NULL");
    int64_t none = 0;
    comm->calls++;
    return gcomp_agree(comm, &none, 1, r);
  }
  return gcomp_allreduce(comm, sendbuff, recvbuff, count, codec, op, ef);
}

/* The tensors travel as one vector: gathered into a bucket, reduced,
 * scattered back. */
GCOMP_API gcompResult_t gcompAllReduceMulti(const float *const *sendbuffs,
                                            float *const *recvbuffs, const uint64_t *counts,
                                            int ntensors, gcompCodec_t codec, gcompRedOp_t op,
                                            gcompErrorFeedback_t ef, gcompComm_t comm,
                                            gcompStream_t stream) {
  gcomp_clear_error();
  if (comm && comm->dev)
    return comm->dev->allreduce_multi(comm, sendbuffs, recvbuffs, counts, ntensors, codec, op,
                                      ef, stream);
  GCOMP_TRY(check_comm(comm, stream));
  uint64_t total = 0;
  gcompResult_t local = gcomp_check_multi_args(sendbuffs, recvbuffs, counts, ntensors, &total);
  float *bucket = local == gcompSuccess ? malloc((size_t)total * sizeof *bucket) : NULL;
  if (local == gcompSuccess && !bucket)
    local = gcomp_fail(gcompOutOfMemory, "bucket of %llu floats", (unsigned long long)total);
  if (local != gcompSuccess) {
    int64_t none = 0;
    comm->calls++;
    return gcomp_agree(comm, &none, 1, local);
  }
  uint64_t at = 0;
  for (int i = 0; i < ntensors; i++, at += counts[i - 1])
    memcpy(bucket + at, sendbuffs[i], (size_t)counts[i] * sizeof *bucket);
  gcompResult_t r = gcomp_allreduce(comm, bucket, bucket, total, codec, op, ef);
  at = 0;
  for (int i = 0; r == gcompSuccess && i < ntensors; i++, at += counts[i - 1])
    memcpy(recvbuffs[i], bucket + at, (size_t)counts[i] * sizeof *bucket);
  free(bucket);
  return r;
}

GCOMP_API gcompResult_t gcompAllGather(const float *sendbuff, float *recvbuff,
                                       uint64_t sendcount, gcompCodec_t codec,
                                       gcompComm_t comm, gcompStream_t stream) {
  gcomp_clear_error();
  if (comm && comm->dev)
    return comm->dev->allgather(comm, sendbuff, recvbuff, sendcount, codec, stream);
  GCOMP_TRY(check_comm(comm, stream));
  gcompResult_t local = gcomp_check_allgather_args(comm, sendbuff, recvbuff, sendcount, codec);
  uint64_t call = comm->calls++;
  gcomp_coll c;
  memset(&c, 0, sizeof c);
  if (local == gcompSuccess) local = gcomp_coll_init(&c, comm, codec, sendcount, call);
  int64_t args[2] = {(int64_t)sendcount, codec ? gcomp_codec_signature(codec) : -1};
  local = gcomp_agree(comm, args, 2, local);
  if (local == gcompSuccess) {
    uint64_t seed = gcomp_payload_seed(comm->seed, call, comm->rank, GCOMP_PHASE_SEND, 0);
    gcompResult_t st = gcompSuccess;
    uint64_t size = gcomp_coll_encode(codec, sendbuff, sendcount, seed, &c.mine, 0, &st);
    local = gcomp_coll_allgather(&c, size, st);
    for (int j = 0; local == gcompSuccess && j < c.P; j++)
      local = gcomp_coll_decode(c.all.buf + c.displs[j], c.sizes[j],
                                recvbuff + (uint64_t)j * sendcount, sendcount, 0.0f);
    if (local != gcompSystemError) local = gcomp_agree_status(comm, local);
  }
  gcomp_coll_free(&c);
  return local;
}

GCOMP_API gcompResult_t gcompBroadcast(const float *sendbuff, float *recvbuff, uint64_t count,
                                       gcompCodec_t codec, int root, gcompComm_t comm,
                                       gcompStream_t stream) {
  gcomp_clear_error();
  if (comm && comm->dev)
    return comm->dev->broadcast(comm, sendbuff, recvbuff, count, codec, root, stream);
  GCOMP_TRY(check_comm(comm, stream));
  gcompResult_t local = gcomp_check_bcast_args(comm, sendbuff, recvbuff, count, codec, root);
  int is_root = root == comm->rank;
  uint64_t call = comm->calls++;
  gcomp_coll c;
  memset(&c, 0, sizeof c);
  if (local == gcompSuccess) local = gcomp_coll_init(&c, comm, codec, count, call);
  int64_t args[3] = {(int64_t)count, codec ? gcomp_codec_signature(codec) : -1, root};
  local = gcomp_agree(comm, args, 3, local);
  if (local == gcompSuccess) {
    uint64_t size = 0;
    if (is_root) {
      uint64_t seed = gcomp_payload_seed(comm->seed, call, root, GCOMP_PHASE_BCAST, 0);
      size = gcomp_coll_encode(codec, sendbuff, count, seed, &c.mine, 0, &local);
    }
    int err = comm->eng->bcast(comm->ctx, &size, sizeof size, root);
    if (err) local = gcomp_engine_fail(comm, err, "size broadcast");
    else if (size == GCOMP_COLL_FAILED)
      local = is_root ? local : gcomp_fail(gcompRemoteError, "the root could not encode");
    else {
      /* the root sends from its own payload buffer, the others receive */
      gcomp_scratch *buf = is_root ? &c.mine : &c.all;
      size_t xfer = gcomp_coll_padded((size_t)size);
      local = gcomp_agree_status(comm, gcomp_scratch_reserve(buf, xfer));
      if (local == gcompSuccess) {
        err = comm->eng->bcast(comm->ctx, buf->buf, xfer, root);
        if (is_root) comm->encoded += size;
        else comm->received += size;
        local = err ? gcomp_engine_fail(comm, err, "payload broadcast")
                    : gcomp_coll_decode(buf->buf, (size_t)size, recvbuff, count, 0.0f);
        if (local != gcompSystemError) local = gcomp_agree_status(comm, local);
      }
    }
  }
  gcomp_coll_free(&c);
  return local;
}
