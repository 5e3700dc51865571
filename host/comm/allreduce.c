/* gcompAllReduce, gcompAllReduceEF and gcompAllReduceMulti: argument
 * checks, the agreement record, then one allreduce of a vector (a bucket
 * of the tensors, for Multi) by the allgather or two-phase algorithm, with
 * EF21 error feedback (docs/COLLECTIVES.md). */
#include "comm/algorithms.h"
#include "comm/error_feedback.h"
#include "shared/check.h"

#include <stdlib.h>

static gcompResult_t check_args(const float *const *sends, float *const *recvs,
                                const uint64_t *counts, int n, gcompCodec_t codec,
                                gcompRedOp_t op, gcompErrorFeedback_t ef, uint64_t *total) {
  *total = 0;
  if (!sends || !recvs || !counts || n < 1)
    return gcomp_fail(gcompInvalidArgument, "tensor lists must be non-empty (%d tensors)", n);
  for (int i = 0; i < n; i++) {
    if (!sends[i] || !recvs[i])
      return gcomp_fail(gcompInvalidArgument, "tensor %d: NULL buffer", i);
    if (counts[i] == 0 || counts[i] > GCOMP_MAX_DIM - *total)
      return gcomp_fail(gcompInvalidArgument, "tensor %d: count = %llu out of range", i,
                        (unsigned long long)counts[i]);
    *total += counts[i];
  }
  GCOMP_TRY(gcomp_check_codec(codec));
  if (op != gcompSum && op != gcompMean)
    return gcomp_fail(gcompInvalidArgument, "reduction op %d unknown", (int)op);
  if (ef && ef->count != *total)
    return gcomp_fail(gcompInvalidArgument, "error feedback state holds %llu values, not %llu",
                      (unsigned long long)ef->count, (unsigned long long)*total);
  return gcompSuccess;
}

/* `local` is the caller's verdict on its arguments: a rank that refuses
 * them still takes part in the agreement, so every rank returns. */
static gcompResult_t allreduce(gcompComm_t comm, const float *const *sends,
                               float *const *recvs, const uint64_t *counts, int ntensors,
                               gcompCodec_t codec, gcompRedOp_t op, gcompErrorFeedback_t ef,
                               gcompStream_t stream, gcompResult_t local) {
  const gcomp_side_ops *S = comm->side;
  int P = comm->size, me = comm->rank;
  uint64_t total = 0;
  if (local == gcompSuccess)
    local = check_args(sends, recvs, counts, ntensors, codec, op, ef, &total);
  gcomp_coll c;
  local = gcomp_coll_start(&c, comm, codec, stream, GCOMP_KIND_ALLREDUCE, local);
  int two = local == gcompSuccess && gcomp_use_two_phase(comm->algo, total, P);
  int bucket = ntensors > 1;
  /* two-phase chunks hold floor or ceil of total / P values */
  uint64_t ns[2] = {two ? total / (uint64_t)P : total, (total + (uint64_t)P - 1) / (uint64_t)P};
  uint64_t len = gcomp_chunk_start(total, P, me + 1) - gcomp_chunk_start(total, P, me);
  uint64_t nfloats = (bucket ? total : 0) + (ef ? 2 * total + (two ? ns[1] : 0) : 0);
  c.rec[GCOMP_REC_COUNT] = (int64_t)total;
  c.rec[GCOMP_REC_CODEC] = codec ? gcomp_codec_signature(codec) : -1;
  c.rec[GCOMP_REC_OP] = op;
  c.rec[GCOMP_REC_TWO_PHASE] = two;
  c.rec[GCOMP_REC_EF] = ef != NULL;
  c.rec[GCOMP_REC_TENSORS] = ntensors;
  /* pipelining is the host side's (the device side never blocks anyway);
   * the choice depends on the setting and the count only */
  if (local == gcompSuccess && !two && !S->on_device && S->exchange_begin)
    c.pipe = gcomp_pipeline_chunk(comm->pipeline, total);
  c.rec[GCOMP_REC_PIPELINE] = (int64_t)c.pipe;
  S->begin(&c, local, ns, two ? 2 : 1, c.pipe ? 2 : two ? P : 1, nfloats);
  if (gcomp_coll_ok(&c)) {
    float *scratch = S->scratch(&c);
    const float *x = sends[0];
    float *recv = recvs[0];
    if (bucket) { /* the tensors travel as one vector */
      uint64_t at = 0;
      for (int i = 0; i < ntensors; at += counts[i++])
        S->copy(&c, scratch + at, sends[i], counts[i]);
      x = recv = scratch;
      scratch += total;
    }
    float *g = NULL, *G = NULL, *e = NULL, *own = NULL, *dec = NULL;
    if (ef) { /* EF21: send C(x - g) */
      S->ef_state(&c, ef, two ? len : 0, &g, &G, &e);
      float *diff = scratch;
      own = scratch + total;
      dec = scratch + 2 * total;
      S->sub(&c, diff, x, g, total);
      x = diff;
    }
    if (two) gcomp_run_two_phase(&c, x, recv, own, e, dec, total);
    else gcomp_run_allgather(&c, x, recv, own, total);
    if (ef) S->ef_commit(&c, g, G, own, recv, total);
    if (op == gcompMean) S->scale(&c, recv, total, (float)(1.0 / P));
    uint64_t at = 0;
    for (int i = 0; bucket && i < ntensors; at += counts[i++])
      S->copy(&c, recvs[i], recv + at, counts[i]);
  }
  return S->end(&c);
}

static gcompResult_t check_comm(gcompComm_t comm) {
  return comm ? gcompSuccess : gcomp_fail(gcompInvalidArgument, "comm must not be NULL");
}

GCOMP_API gcompResult_t gcompAllReduce(const float *sendbuff, float *recvbuff, uint64_t count,
                                       gcompCodec_t codec, gcompRedOp_t op, gcompComm_t comm,
                                       gcompStream_t stream) {
  gcomp_clear_error();
  GCOMP_TRY(check_comm(comm)); /* a NULL comm cannot even tell the others */
  return allreduce(comm, &sendbuff, &recvbuff, &count, 1, codec, op, NULL, stream,
                   gcompSuccess);
}

GCOMP_API gcompResult_t gcompAllReduceEF(const float *sendbuff, float *recvbuff,
                                         uint64_t count, gcompCodec_t codec, gcompRedOp_t op,
                                         gcompErrorFeedback_t ef, gcompComm_t comm,
                                         gcompStream_t stream) {
  gcomp_clear_error();
  GCOMP_TRY(check_comm(comm));
  gcompResult_t local =
      ef ? gcompSuccess : gcomp_fail(gcompInvalidArgument, "ef must not be NULL");
  return allreduce(comm, &sendbuff, &recvbuff, &count, 1, codec, op, ef, stream, local);
}

GCOMP_API gcompResult_t gcompAllReduceMulti(const float *const *sendbuffs,
                                            float *const *recvbuffs, const uint64_t *counts,
                                            int ntensors, gcompCodec_t codec, gcompRedOp_t op,
                                            gcompErrorFeedback_t ef, gcompComm_t comm,
                                            gcompStream_t stream) {
  gcomp_clear_error();
  GCOMP_TRY(check_comm(comm));
  return allreduce(comm, sendbuffs, recvbuffs, counts, ntensors, codec, op, ef, stream,
                   gcompSuccess);
}
