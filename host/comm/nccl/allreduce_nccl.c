/* Compressed allreduce on device buffers over NCCL: the allgather and
 * two-phase algorithms of host/allreduce.c, step for step (same seeds,
 * chunks, decode order and float operations, so the bits are the CPU
 * path's), with EF21 error feedback in device memory. Nothing here waits
 * for the device; failures found by kernels go to the status words. */
#include "comm/nccl/nccl_engine.h"

#include "shared/check.h"
#include "comm/error_feedback.h"

#include <stdlib.h>

/* ------------------------------------------------- error feedback state */

typedef struct {
  float *g, *G; /* count values each */
  float *e;     /* the owner's re-compression error, e_count values */
  uint64_t count, e_count;
} nccl_ef;

static void ef_free(void *p) {
  nccl_ef *d = p;
  cudaFree(d->g);
  cudaFree(d->G);
  cudaFree(d->e);
  free(d);
}

static int ef_reset(void *p) {
  nccl_ef *d = p;
  cudaError_t e = cudaMemset(d->g, 0, (size_t)d->count * sizeof(float));
  if (e == cudaSuccess) e = cudaMemset(d->G, 0, (size_t)d->count * sizeof(float));
  if (e == cudaSuccess && d->e) e = cudaMemset(d->e, 0, (size_t)d->e_count * sizeof(float));
  if (e == cudaSuccess) e = cudaDeviceSynchronize(); /* before work on any stream */
  return e != cudaSuccess;
}

static cudaError_t zeroed(float **p, uint64_t n, cudaStream_t s) {
  cudaError_t e = cudaMalloc((void **)p, (size_t)n * sizeof(float));
  return e == cudaSuccess ? cudaMemsetAsync(*p, 0, (size_t)n * sizeof(float), s) : e;
}

/* The device copy of ef's state, made on first use (e on first two-phase
 * use: e_len > 0). */
static gcompResult_t ef_state(gcompErrorFeedback_t ef, uint64_t e_len, cudaStream_t s,
                              nccl_ef **out) {
  if (ef->dev && ef->dev_free != ef_free)
    return gcomp_fail(gcompInvalidUsage, "this error feedback state belongs to another engine");
  if (!ef->dev) {
    nccl_ef *d = calloc(1, sizeof *d);
    if (!d) return gcomp_fail(gcompOutOfMemory, "error feedback state");
    d->count = ef->count;
    ef->dev = d;
    ef->dev_free = ef_free;
    ef->dev_reset = ef_reset;
    cudaError_t e = zeroed(&d->g, d->count, s);
    if (e == cudaSuccess) e = zeroed(&d->G, d->count, s);
    if (e != cudaSuccess) return gcomp_nccl_cudafail(e, "error feedback state");
  }
  nccl_ef *d = ef->dev;
  if (e_len && !d->e) {
    cudaError_t e = zeroed(&d->e, e_len, s);
    if (e != cudaSuccess) return gcomp_nccl_cudafail(e, "owner error feedback state");
    d->e_count = e_len;
  }
  if (e_len && d->e_count != e_len)
    return gcomp_fail(gcompInvalidUsage, "owner error state holds %llu values, not %llu",
                      (unsigned long long)d->e_count, (unsigned long long)e_len);
  *out = d;
  return gcompSuccess;
}

/* ---------------------------------------------------------- algorithms */

static gcompResult_t run_allgather(nccl_coll *c, const float *x, float *recv, float *own,
                                   uint64_t count) {
  int me = c->x->me;
  uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, me, GCOMP_PHASE_SEND, 0);
  GCOMP_TRY(gcomp_nccl_encode(c, x, count, seed, nccl_slot(c, &c->x->send, 0), 0));
  GCOMP_TRY(gcomp_nccl_exchange(c, GCOMP_NCCL_GATHER, 0));
  for (int j = 0; j < c->x->P; j++) /* rank order: the same bits on every rank */
    GCOMP_TRY(gcomp_nccl_decode(c, nccl_slot(c, &c->x->recv, j), nccl_size_of(c, j, 0), recv,
                                count, j ? 1.0f : 0.0f));
  if (own)
    GCOMP_TRY(gcomp_nccl_decode(c, nccl_slot(c, &c->x->recv, me), nccl_size_of(c, me, 0), own,
                                count, 0.0f));
  return gcompSuccess;
}

/* Phase 1: chunk j of every rank to rank j, decode-summed into recv's
 * chunk me (EF21's `own` decoded from this rank's chunk payloads). */
static gcompResult_t scatter_chunks(nccl_coll *c, const float *x, float *recv, float *own,
                                    uint64_t count) {
  nccl_ctx *X = c->x;
  for (int j = 0; j < X->P; j++) {
    uint64_t a = gcomp_chunk_start(count, X->P, j), b = gcomp_chunk_start(count, X->P, j + 1);
    uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, X->me, GCOMP_PHASE_CHUNK,
                                       (uint64_t)j);
    uint8_t *slot = nccl_slot(c, &X->send, j);
    GCOMP_TRY(gcomp_nccl_encode(c, x + a, b - a, seed, slot, j));
    if (own) GCOMP_TRY(gcomp_nccl_decode(c, slot, X->my_rec + 1 + j, own + a, b - a, 0.0f));
  }
  GCOMP_TRY(gcomp_nccl_exchange(c, GCOMP_NCCL_SCATTER, 0));
  uint64_t lo = gcomp_chunk_start(count, X->P, X->me);
  uint64_t len = gcomp_chunk_start(count, X->P, X->me + 1) - lo;
  for (int j = 0; j < X->P; j++)
    GCOMP_TRY(gcomp_nccl_decode(c, nccl_slot(c, &X->recv, j), nccl_size_of(c, j, X->me),
                                recv + lo, len, j ? 1.0f : 0.0f));
  return gcompSuccess;
}

/* Phase 2: the owner re-compresses its partial sum (adding its previous
 * error first, keeping the new one), all ranks gather every chunk. */
static gcompResult_t run_two_phase(nccl_coll *c, const float *x, float *recv, float *own,
                                   nccl_ef *ef, float *dec, uint64_t count) {
  nccl_ctx *X = c->x;
  GCOMP_TRY(scatter_chunks(c, x, recv, own, count));
  uint64_t lo = gcomp_chunk_start(count, X->P, X->me);
  uint64_t len = gcomp_chunk_start(count, X->P, X->me + 1) - lo;
  float *part = recv + lo;
  if (ef) GCOMP_TRY(gcomp_nccl_add(part, ef->e, len, c->s));
  uint64_t seed = gcomp_payload_seed(c->comm->seed, c->call, X->me, GCOMP_PHASE_RECOMPRESS, 0);
  uint8_t *slot = nccl_slot(c, &X->send, 0);
  GCOMP_TRY(gcomp_nccl_encode(c, part, len, seed, slot, 0));
  if (ef) { /* e = what the re-compression dropped */
    GCOMP_TRY(gcomp_nccl_decode(c, slot, X->my_rec + 1, dec, len, 0.0f));
    GCOMP_TRY(gcomp_nccl_sub(ef->e, part, dec, len, c->s));
  }
  /* a failure so far on this rank empties its slot: every rank then fails */
  GCOMP_TRY(gcomp_nccl_poison(X->my_rec + 1, X->st, X->enc_ws.p, X->dec_ws.p, c->s));
  GCOMP_TRY(gcomp_nccl_exchange(c, GCOMP_NCCL_GATHER, 0));
  for (int j = 0; j < X->P; j++) {
    uint64_t a = gcomp_chunk_start(count, X->P, j), b = gcomp_chunk_start(count, X->P, j + 1);
    GCOMP_TRY(gcomp_nccl_decode(c, nccl_slot(c, &X->recv, j), nccl_size_of(c, j, 0), recv + a,
                                b - a, 0.0f));
  }
  return gcompSuccess;
}

gcompResult_t gcomp_nccl_allreduce(gcompComm_t comm, const float *send, float *recv,
                                   uint64_t count, gcompCodec_t codec, gcompRedOp_t op,
                                   gcompErrorFeedback_t ef, gcompStream_t stream) {
  gcompResult_t local = gcomp_check_allreduce_args(send, recv, count, codec, op, ef);
  int P = comm->size, two = local == gcompSuccess && gcomp_use_two_phase(comm->algo, count, P);
  /* two-phase chunks hold floor or ceil of count / P values */
  uint64_t ns[2] = {two ? count / (uint64_t)P : count, (count + (uint64_t)P - 1) / (uint64_t)P};
  uint64_t dec_len = two ? ns[1] : 0;
  int64_t args[6] = {(int64_t)count, codec ? gcomp_codec_signature(codec) : -1, (int64_t)op,
                     two, ef != NULL, 0 /* allreduce */};
  nccl_coll c;
  nccl_ef *state = NULL;
  if (local == gcompSuccess && ef) local = ef_state(ef, dec_len, (cudaStream_t)stream, &state);
  if (local == gcompSuccess) /* last: on success it counts the call */
    local = gcomp_nccl_prepare(&c, comm, codec, ns, two ? 2 : 1, two ? P : 1,
                               ef ? 2 * count + dec_len : 0, args, 6, stream);
  if (local != gcompSuccess) return gcomp_nccl_fail_early(comm, local, stream);
  const float *x = send;
  float *diff = ef ? c.scratch : NULL, *own = ef ? c.scratch + count : NULL;
  if (ef) { /* EF21: send C(x - g) */
    GCOMP_TRY(gcomp_nccl_sub(diff, send, state->g, count, c.s));
    x = diff;
  }
  if (two)
    GCOMP_TRY(run_two_phase(&c, x, recv, own, state, ef ? c.scratch + 2 * count : NULL, count));
  else GCOMP_TRY(run_allgather(&c, x, recv, own, count));
  if (ef) GCOMP_TRY(gcomp_nccl_ef_commit(state->g, state->G, own, recv, count, c.s));
  if (op == gcompMean) GCOMP_TRY(gcomp_nccl_scale(recv, count, (float)(1.0 / P), c.s));
  return gcompSuccess;
}
