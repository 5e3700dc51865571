/* Compressed allreduce on host buffers: the allgather algorithm and the
 * two-phase one (docs/COLLECTIVES.md), with optional error feedback.
 *
 * Every rank runs the same sequence of engine calls whatever happens
 * locally: a rank that fails to encode announces it through its payload
 * size (UINT64_MAX), and a rank that cannot allocate its receive buffer
 * says so before the exchange, so nobody waits for bytes that never come. */
#include "comm/exchange.h"
#include "shared/check.h"
#include "comm/error_feedback.h"

#include <stdlib.h>
#include <string.h>

static gcompResult_t run_allgather(gcomp_coll *c, const float *x, float *recv, float *own) {
  gcompResult_t local = gcompSuccess;
  uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, c->me, GCOMP_PHASE_SEND, 0);
  uint64_t size = gcomp_coll_encode(c->codec, x, c->count, seed, &c->mine, 0, &local);
  GCOMP_TRY(gcomp_coll_allgather(c, size, local));
  local = gcomp_coll_decode_sum(c, recv, c->count);
  if (local == gcompSuccess && own)
    local = gcomp_coll_decode(c->all.buf + c->displs[c->me], c->sizes[c->me], own, c->count, 0.0f);
  return local;
}

/* Phase 1: this rank's chunk j goes to rank j; the sizes matrix is shared
 * first so every rank knows what it receives. */
static gcompResult_t scatter_chunks(gcomp_coll *c, const float *x, float *own) {
  int P = c->P;
  gcompResult_t local = gcompSuccess;
  uint64_t *mine = c->sizes64 + (size_t)P * (size_t)P; /* row after the matrix */
  size_t at = 0;
  for (int j = 0; j < P; j++) {
    uint64_t a = gcomp_chunk_start(c->count, P, j), b = gcomp_chunk_start(c->count, P, j + 1);
    uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, c->me, GCOMP_PHASE_CHUNK,
                                       (uint64_t)j);
    uint64_t s = local == gcompSuccess
                     ? gcomp_coll_encode(c->codec, x + a, b - a, seed, &c->mine, at, &local)
                     : GCOMP_COLL_FAILED;
    if (s != GCOMP_COLL_FAILED && own) /* EF21's c: what this rank's chunks decode to */
      local = gcompDecode(c->mine.buf + at, (size_t)s, own + a, b - a, 0.0f);
    mine[j] = local == gcompSuccess ? s : GCOMP_COLL_FAILED;
    c->send_sizes[j] = local == gcompSuccess ? gcomp_coll_padded((size_t)s) : 0;
    c->send_displs[j] = at;
    at += c->send_sizes[j];
  }
  int err = c->comm->eng->allgather_u64(c->comm->ctx, mine, (size_t)P, c->sizes64);
  if (err) return gcomp_engine_fail(c->comm, err, "chunk size exchange");
  GCOMP_TRY(gcomp_coll_check_sizes(c->sizes64, (size_t)P * (size_t)P, local));
  for (int j = 0; j < P; j++)
    c->sizes[j] = (size_t)c->sizes64[(size_t)j * (size_t)P + (size_t)c->me];
  GCOMP_TRY(gcomp_coll_reserve_all(c));
  err = c->comm->eng->alltoallv(c->comm->ctx, c->mine.buf, c->send_sizes, c->send_displs,
                                c->all.buf, c->xfer, c->displs);
  if (err) return gcomp_engine_fail(c->comm, err, "chunk exchange");
  for (int j = 0; j < P; j++) {
    c->comm->encoded += mine[j];
    if (j != c->me) c->comm->received += c->sizes[j];
  }
  return gcompSuccess;
}

/* Reduce-scatter of compressed chunks, decode-sum at the chunk's owner,
 * re-compression (with the owner's error feedback), all-gather. */
static gcompResult_t run_two_phase(gcomp_coll *c, const float *x, float *recv, float *own,
                                   gcompErrorFeedback_t ef) {
  int P = c->P, me = c->me;
  uint64_t lo = gcomp_chunk_start(c->count, P, me);
  uint64_t len = gcomp_chunk_start(c->count, P, me + 1) - lo;
  GCOMP_TRY(scatter_chunks(c, x, own));
  /* The owner's partial sum lives in recv's own chunk until phase 2. */
  float *part = recv + lo;
  gcompResult_t local = gcomp_coll_decode_sum(c, part, len);
  if (local == gcompSuccess && ef) {
    if (!ef->e) {
      ef->e = calloc((size_t)len, sizeof *ef->e);
      ef->e_count = ef->e ? len : 0;
    }
    if (!ef->e || ef->e_count != len)
      local = gcomp_fail(gcompOutOfMemory, "server error feedback state");
    for (uint64_t i = 0; local == gcompSuccess && i < len; i++) part[i] += ef->e[i];
  }
  uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, me, GCOMP_PHASE_RECOMPRESS, 0);
  uint64_t s = local == gcompSuccess
                   ? gcomp_coll_encode(c->codec, part, len, seed, &c->mine, 0, &local)
                   : GCOMP_COLL_FAILED;
  if (s != GCOMP_COLL_FAILED && ef) {
    /* e = what the re-compression dropped */
    float *dec = malloc((size_t)len * sizeof *dec);
    local = dec ? gcompDecode(c->mine.buf, (size_t)s, dec, len, 0.0f)
                : gcomp_fail(gcompOutOfMemory, "server error feedback scratch");
    for (uint64_t i = 0; local == gcompSuccess && i < len; i++) ef->e[i] = part[i] - dec[i];
    free(dec);
    if (local != gcompSuccess) s = GCOMP_COLL_FAILED;
  }
  GCOMP_TRY(gcomp_coll_allgather(c, s, local));
  for (int j = 0; j < P; j++) {
    uint64_t a = gcomp_chunk_start(c->count, P, j), b = gcomp_chunk_start(c->count, P, j + 1);
    GCOMP_TRY(gcomp_coll_decode(c->all.buf + c->displs[j], c->sizes[j], recv + a, b - a, 0.0f));
  }
  return gcompSuccess;
}

/* Two-phase needs chunks worth compressing: from 4 ranks on, and only with
 * at least 2^16 values a chunk (below that, latency dominates). */
int gcomp_use_two_phase(gcompAlgo_t algo, uint64_t count, int P) {
  if (P < 2 || count < (uint64_t)P) return 0;
  if (algo == gcompAlgoTwoPhase) return 1;
  if (algo == gcompAlgoAllGather) return 0;
  return P >= 4 && count / (uint64_t)P >= 65536;
}

gcompResult_t gcomp_check_allreduce_args(const float *send, const float *recv, uint64_t count,
                                         gcompCodec_t codec, gcompRedOp_t op,
                                         gcompErrorFeedback_t ef) {
  if (!send || !recv || !codec) return gcomp_fail(gcompInvalidArgument, "NULL buffer or codec");
  if (count == 0 || count > GCOMP_MAX_DIM)
    return gcomp_fail(gcompInvalidArgument, "count = %llu outside 1..2^40",
                      (unsigned long long)count);
  if (op != gcompSum && op != gcompMean)
    return gcomp_fail(gcompInvalidArgument, "reduction op %d unknown", (int)op);
  if (ef && ef->count != count)
    return gcomp_fail(gcompInvalidArgument, "error feedback state holds %llu values, not %llu",
                      (unsigned long long)ef->count, (unsigned long long)count);
  return gcompSuccess;
}

gcompResult_t gcomp_allreduce(gcompComm_t comm, const float *send, float *recv,
                              uint64_t count, gcompCodec_t codec, gcompRedOp_t op,
                              gcompErrorFeedback_t ef) {
  gcompResult_t local = gcomp_check_allreduce_args(send, recv, count, codec, op, ef);
  int two = gcomp_use_two_phase(comm->algo, count, comm->size);
  uint64_t call = comm->calls++; /* every rank, failed or not */
  gcomp_coll c;
  float *diff = NULL, *own = NULL;
  if (local == gcompSuccess) {
    local = gcomp_coll_init(&c, comm, codec, count, call);
    diff = ef ? malloc((size_t)count * sizeof *diff) : NULL;
    own = ef ? malloc((size_t)count * sizeof *own) : NULL;
    if (local == gcompSuccess && ef && (!diff || !own))
      local = gcomp_fail(gcompOutOfMemory, "error feedback scratch");
  } else {
    memset(&c, 0, sizeof c);
  }
  int64_t args[5] = {(int64_t)count, codec ? gcomp_codec_signature(codec) : -1, (int64_t)op,
                     two, ef != NULL};
  local = gcomp_agree(comm, args, 5, local);
  const float *x = send;
  if (local == gcompSuccess && ef) {
    for (uint64_t i = 0; i < count; i++) diff[i] = send[i] - ef->g[i];
    x = diff;
  }
  if (local == gcompSuccess) {
    local = two ? run_two_phase(&c, x, recv, own, ef) : run_allgather(&c, x, recv, own);
    if (local != gcompSystemError) local = gcomp_agree_status(comm, local);
  }
  if (local == gcompSuccess && ef) {
    for (uint64_t i = 0; i < count; i++) {
      ef->g[i] += own[i];
      ef->G[i] += recv[i];
      recv[i] = ef->G[i];
    }
  }
  if (local == gcompSuccess && op == gcompMean) {
    float inv = (float)(1.0 / comm->size);
    for (uint64_t i = 0; i < count; i++) recv[i] *= inv;
  }
  free(diff);
  free(own);
  gcomp_coll_free(&c);
  return local;
}
