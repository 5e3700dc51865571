/* gcompBroadcast: the root's vector, compressed, to every rank (the root
 * decodes the same payload, so every rank holds the same bits). */
#include "comm/algorithms.h"
#include "shared/check.h"

static gcompResult_t check_args(gcompComm_t comm, const float *send, const float *recv,
                                uint64_t count, gcompCodec_t codec, int root) {
  if (root < 0 || root >= comm->size)
    return gcomp_fail(gcompInvalidArgument, "root %d outside 0..%d", root, comm->size - 1);
  if (!recv || (root == comm->rank && !send))
    return gcomp_fail(gcompInvalidArgument, "NULL buffer");
  if (count == 0 || count > GCOMP_MAX_DIM)
    return gcomp_fail(gcompInvalidArgument, "count = %llu outside 1..2^40",
                      (unsigned long long)count);
  return gcomp_check_codec(codec);
}

GCOMP_API gcompResult_t gcompBroadcast(const float *sendbuff, float *recvbuff, uint64_t count,
                                       gcompCodec_t codec, int root, gcompComm_t comm,
                                       gcompStream_t stream) {
  gcomp_clear_error();
  if (!comm) return gcomp_fail(gcompInvalidArgument, "comm must not be NULL");
  const gcomp_side_ops *S = comm->side;
  gcomp_coll c;
  gcompResult_t local = check_args(comm, sendbuff, recvbuff, count, codec, root);
  local = gcomp_coll_start(&c, comm, codec, stream, GCOMP_KIND_BROADCAST, local);
  c.rec[GCOMP_REC_COUNT] = (int64_t)count;
  c.rec[GCOMP_REC_CODEC] = codec ? gcomp_codec_signature(codec) : -1;
  c.rec[GCOMP_REC_ROOT] = root;
  c.rec[GCOMP_REC_TENSORS] = 1;
  S->begin(&c, local, &count, 1, 1, 0);
  if (gcomp_coll_ok(&c)) {
    if (c.me == root) {
      uint64_t seed = gcomp_payload_seed(comm->seed, c.call, root, GCOMP_PHASE_BCAST, 0);
      S->encode(&c, sendbuff, count, seed, 0);
    }
    S->exchange(&c, GCOMP_XCHG_BCAST, root);
    S->decode_recv(&c, root, gcomp_coll_seed(&c, root, GCOMP_PHASE_BCAST, 0), recvbuff, count,
                   0.0f);
  }
  return S->end(&c);
}
