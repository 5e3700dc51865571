/* gcompAllGather: every rank's vector, compressed, to every rank. */
#include "comm/algorithms.h"
#include "shared/check.h"

static gcompResult_t check_args(gcompComm_t comm, const float *send, const float *recv,
                                uint64_t count, gcompCodec_t codec) {
  if (!send || !recv) return gcomp_fail(gcompInvalidArgument, "NULL buffer");
  if (count == 0 || count > GCOMP_MAX_DIM / (uint64_t)comm->size)
    return gcomp_fail(gcompInvalidArgument, "sendcount = %llu out of range",
                      (unsigned long long)count);
  return gcomp_check_codec(codec);
}

GCOMP_API gcompResult_t gcompAllGather(const float *sendbuff, float *recvbuff,
                                       uint64_t sendcount, gcompCodec_t codec,
                                       gcompComm_t comm, gcompStream_t stream) {
  gcomp_clear_error();
  if (!comm) return gcomp_fail(gcompInvalidArgument, "comm must not be NULL");
  const gcomp_side_ops *S = comm->side;
  gcomp_coll c;
  gcompResult_t local = check_args(comm, sendbuff, recvbuff, sendcount, codec);
  local = gcomp_coll_start(&c, comm, codec, stream, GCOMP_KIND_ALLGATHER, local);
  c.rec[GCOMP_REC_COUNT] = (int64_t)sendcount;
  c.rec[GCOMP_REC_CODEC] = codec ? gcomp_codec_signature(codec) : -1;
  c.rec[GCOMP_REC_TENSORS] = 1;
  S->begin(&c, local, &sendcount, 1, 1, 0);
  if (gcomp_coll_ok(&c)) {
    uint64_t seed = gcomp_payload_seed(comm->seed, c.call, c.me, GCOMP_PHASE_SEND, 0);
    S->encode(&c, sendbuff, sendcount, seed, 0);
    S->exchange(&c, GCOMP_XCHG_GATHER, 0);
    for (int j = 0; j < c.P; j++)
      S->decode_recv(&c, j, gcomp_coll_seed(&c, j, GCOMP_PHASE_SEND, 0),
                     recvbuff + (uint64_t)j * sendcount, sendcount, 0.0f);
  }
  return S->end(&c);
}
