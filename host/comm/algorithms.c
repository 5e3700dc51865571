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

uint64_t gcomp_coll_seed(const gcomp_coll *c, int rank, int phase, uint64_t chunk) {
  return gcomp_payload_seed(c->comm->seed, c->call, rank, phase, chunk);
}

gcompResult_t gcomp_check_codec(gcompCodec_t codec) {
  return codec ? gcompSuccess : gcomp_fail(gcompInvalidArgument, "codec must not be NULL");
}

/* Chunk k's payload travels while chunk k+1 is encoded and chunk k-1 is
 * decoded: two exchanges in flight at most, two send slots alternating. */
static void run_allgather_pipelined(gcomp_coll *c, const float *x, float *recv, float *own,
                                    uint64_t count) {
  const gcomp_side_ops *S = c->comm->side;
  uint64_t chunks = (count + c->pipe - 1) / c->pipe;
  for (uint64_t k = 0; k <= chunks; k++) {
    if (k < chunks) {
      uint64_t a = k * c->pipe, b = a + c->pipe < count ? a + c->pipe : count;
      uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, c->me, GCOMP_PHASE_SEND, k);
      S->encode(c, x + a, b - a, seed, (int)(k & 1));
      S->exchange_begin(c, GCOMP_XCHG_GATHER, (int)(k & 1));
    }
    if (k > 0) {
      uint64_t a = (k - 1) * c->pipe, b = a + c->pipe < count ? a + c->pipe : count;
      S->exchange_end(c);
      for (int j = 0; j < c->P; j++)
        S->decode_recv(c, j, gcomp_coll_seed(c, j, GCOMP_PHASE_SEND, k - 1), recv + a, b - a,
                       j ? 1.0f : 0.0f);
      if (own)
        S->decode_recv(c, c->me, gcomp_coll_seed(c, c->me, GCOMP_PHASE_SEND, k - 1), own + a, b - a,
                       0.0f);
    }
  }
}

void gcomp_run_allgather(gcomp_coll *c, const float *x, float *recv, float *own,
                         uint64_t count) {
  const gcomp_side_ops *S = c->comm->side;
  if (c->pipe) return run_allgather_pipelined(c, x, recv, own, count);
  uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, c->me, GCOMP_PHASE_SEND, 0);
  S->encode(c, x, count, seed, 0);
  S->exchange(c, GCOMP_XCHG_GATHER, 0);
  for (int j = 0; j < c->P; j++) /* rank order: the same bits on every rank */
    S->decode_recv(c, j, gcomp_coll_seed(c, j, GCOMP_PHASE_SEND, 0), recv, count, j ? 1.0f : 0.0f);
  if (own) S->decode_recv(c, c->me, seed, own, count, 0.0f);
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
  for (int j = 0; j < P; j++)
    S->decode_recv(c, j, gcomp_coll_seed(c, j, GCOMP_PHASE_CHUNK, (uint64_t)me), part, len,
                   j ? 1.0f : 0.0f);
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
    S->decode_recv(c, j, gcomp_coll_seed(c, j, GCOMP_PHASE_RECOMPRESS, 0), recv + a, b - a, 0.0f);
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

/* Auto: from 2^20 values on, 8 chunks of at least 2^17 values each: enough
 * chunks to overlap compute with the wire, few enough that the per-chunk
 * size exchange (a small round trip) and header (64 bytes) stay negligible. */
uint64_t gcomp_pipeline_chunk(uint64_t setting, uint64_t count) {
  if (setting == GCOMP_PIPELINE_OFF) return 0;
  uint64_t chunk = setting;
  if (chunk == 0) {
    if (count < ((uint64_t)1 << 20)) return 0;
    chunk = (count + 7) / 8;
    if (chunk < ((uint64_t)1 << 17)) chunk = (uint64_t)1 << 17;
  }
  return chunk < count ? chunk : 0;
}
