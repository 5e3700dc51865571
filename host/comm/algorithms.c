/* The allreduce algorithms over any side (side.h): the same steps, seeds,
 * chunks and decode order for host and device buffers, so every engine
 * gives the same bits. */
#include "comm/algorithms.h"

#include "shared/check.h"

#include <string.h>

gcompResult_t gcomp_coll_start(gcomp_coll *c, gcompComm_t comm, gcompCodec_t codec,
                               gcompStream_t stream, int kind, gcompResult_t local) {
  memset(c, 0, sizeof *c);
  c->comm = comm;
  c->codec = codec;
  c->stream = stream;
  c->call = comm->calls++;
  c->P = comm->size;
  c->me = comm->rank;
  c->rec[GCOMP_REC_KIND] = kind;
  if (local == gcompSuccess && comm->aborted)
    local = gcomp_fail(gcompSystemError, "this communicator was aborted after a timeout");
  if (local == gcompSuccess && stream && !comm->side->on_device)
    local = gcomp_fail(gcompInvalidArgument, "a host (%s) communicator takes no CUDA stream",
                       comm->tr->name);
  return local;
}

gcompResult_t gcomp_check_codec(gcompCodec_t codec) {
  return codec ? gcompSuccess : gcomp_fail(gcompInvalidArgument, "codec must not be NULL");
}

void gcomp_run_allgather(gcomp_coll *c, const float *x, float *recv, float *own,
                         uint64_t count) {
  const gcomp_side_ops *S = c->comm->side;
  uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, c->me, GCOMP_PHASE_SEND, 0);
  S->encode(c, x, count, seed, 0);
  S->exchange(c, GCOMP_XCHG_GATHER, 0);
  for (int j = 0; j < c->P; j++) /* rank order: the same bits on every rank */
    S->decode_recv(c, j, recv, count, j ? 1.0f : 0.0f);
  if (own) S->decode_recv(c, c->me, own, count, 0.0f);
}

/* Phase 1: chunk j of every rank to rank j, decode-summed at the owner into
 * recv's chunk; phase 2: the owner re-compresses its partial sum (adding its
 * previous error first, keeping the new one), all ranks gather every
 * chunk. */
void gcomp_run_two_phase(gcomp_coll *c, const float *x, float *recv, float *own, float *e,
                         float *dec, uint64_t count) {
  const gcomp_side_ops *S = c->comm->side;
  int P = c->P, me = c->me;
  for (int j = 0; j < P; j++) {
    uint64_t a = gcomp_chunk_start(count, P, j), b = gcomp_chunk_start(count, P, j + 1);
    uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, me, GCOMP_PHASE_CHUNK,
                                       (uint64_t)j);
    S->encode(c, x + a, b - a, seed, j);
    if (own) S->decode_sent(c, j, own + a, b - a, 0.0f);
  }
  S->exchange(c, GCOMP_XCHG_SCATTER, 0);
  uint64_t lo = gcomp_chunk_start(count, P, me);
  uint64_t len = gcomp_chunk_start(count, P, me + 1) - lo;
  float *part = recv + lo;
  for (int j = 0; j < P; j++) S->decode_recv(c, j, part, len, j ? 1.0f : 0.0f);
  if (e) S->add(c, part, e, len);
  uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, me, GCOMP_PHASE_RECOMPRESS, 0);
  S->encode(c, part, len, seed, 0);
  if (e) { /* e = what the re-compression dropped */
    S->decode_sent(c, 0, dec, len, 0.0f);
    S->sub(c, e, part, dec, len);
  }
  S->exchange(c, GCOMP_XCHG_GATHER, 0);
  for (int j = 0; j < P; j++) {
    uint64_t a = gcomp_chunk_start(count, P, j), b = gcomp_chunk_start(count, P, j + 1);
    S->decode_recv(c, j, recv + a, b - a, 0.0f);
  }
}

/* Two-phase needs chunks worth compressing: from 4 ranks on, and only with
 * at least 2^16 values a chunk (below that, latency dominates). */
int gcomp_use_two_phase(gcompAlgo_t algo, uint64_t count, int P) {
  if (P < 2 || count < (uint64_t)P) return 0;
  if (algo == gcompAlgoTwoPhase) return 1;
  if (algo == gcompAlgoAllGather) return 0;
  return P >= 4 && count / (uint64_t)P >= 65536;
}
