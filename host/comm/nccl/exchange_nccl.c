/* The steps the NCCL collectives are made of: sizing and growing the
 * scratch, encode / decode through the public device API, and the
 * exchange of records (each rank's sig and payload sizes) and payloads.
 *
 * Slots mode never waits: every payload travels in a slot of c->slot
 * bytes, its true size in the records, and the decoders read the sizes on
 * the device. Exact mode copies the records to the host once (the only
 * cudaStreamSynchronize of a collective) and sends only the payloads' own
 * bytes; every rank sees the same records, so every rank takes the same
 * decision and none is left waiting. */
#include "comm/nccl/nccl_engine.h"

#include "shared/check.h"

#include <string.h>

/* A record's sig when its rank gave up before exchanging (exact mode). */
#define GAVE_UP INT64_MIN

gcompResult_t gcomp_nccl_ncclfail(ncclResult_t r, const char *what) {
  return gcomp_fail(gcompSystemError, "%s: NCCL: %s", what, ncclGetErrorString(r));
}

gcompResult_t gcomp_nccl_cudafail(cudaError_t e, const char *what) {
  return gcomp_fail(gcompSystemError, "%s: CUDA: %s", what, cudaGetErrorString(e));
}

static gcompResult_t reserve(nccl_buf *b, size_t bytes, int clear_head, cudaStream_t s) {
  if (bytes <= b->cap) return gcompSuccess;
  GCOMP_TRY(gcomp_cuda_ok(cudaFree(b->p), "freeing scratch"));
  b->p = NULL;
  b->cap = 0;
  GCOMP_TRY(gcomp_cuda_ok(cudaMalloc(&b->p, bytes), "device scratch"));
  b->cap = bytes;
  /* a workspace's status word: no stale magic from recycled memory; on the
   * collective's stream, so the clear is ordered before its encode/decode */
  size_t head = bytes < 256 ? bytes : 256;
  if (clear_head)
    GCOMP_TRY(gcomp_cuda_ok(cudaMemsetAsync(b->p, 0, head, s), "clearing a workspace"));
  return gcompSuccess;
}

/* A slot for n values: the encode bound, or the configured cap. */
static gcompResult_t slot_bytes(const nccl_ctx *x, gcompCodec_t codec, uint64_t n,
                                size_t *bytes) {
  GCOMP_TRY(gcompEncodeBound(codec, n, bytes));
  if (x->slot_bits > 0) {
    double cap = 1024.0 + x->slot_bits * (double)n / 8.0;
    if (cap < (double)*bytes) *bytes = (size_t)cap;
  }
  *bytes = (*bytes + 255) / 256 * 256;
  return gcompSuccess;
}

static gcompResult_t workspace_bytes(gcompCodec_t codec, uint64_t n, size_t *bytes) {
  size_t e = 0, d = 0;
  GCOMP_TRY(gcompEncodeDevice(codec, NULL, n, 0, NULL, 0, NULL, NULL, &e, NULL));
  GCOMP_TRY(gcompDecodeDevice(codec, NULL, NULL, 0, NULL, n, 0.0f, NULL, &d, NULL));
  *bytes = e > d ? e : d;
  return gcompSuccess;
}

/* FNV-1a over the arguments: equal on ranks that agree. */
static int64_t signature(const int64_t *args, int n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (int i = 0; i < n; i++) h = (h ^ (uint64_t)args[i]) * 0x100000001b3ull;
  return (int64_t)(h >> 1); /* never GAVE_UP */
}

gcompResult_t gcomp_nccl_prepare(nccl_coll *c, gcompComm_t comm, gcompCodec_t codec,
                                 const uint64_t *ns, int nn, int nslots, uint64_t nfloats,
                                 const int64_t *args, int nargs, gcompStream_t stream) {
  nccl_ctx *x = nccl_of(comm);
  memset(c, 0, sizeof *c);
  c->comm = comm;
  c->x = x;
  c->codec = codec;
  c->s = (cudaStream_t)stream;
  c->sig = signature(args, nargs);
  for (int i = 0; i < nn; i++) {
    size_t slot = 0, ws = 0;
    GCOMP_TRY(slot_bytes(x, codec, ns[i], &slot));
    GCOMP_TRY(workspace_bytes(codec, ns[i], &ws));
    if (slot > c->slot) c->slot = slot;
    if (ws > c->ws_bytes) c->ws_bytes = ws;
  }
  /* before any workspace is replaced: its status moves to the state */
  GCOMP_TRY(gcomp_nccl_begin(x->st, x->enc_ws.p, x->dec_ws.p, x->my_rec, c->sig, x->P, c->s));
  size_t P = (size_t)x->P;
  if (c->slot > SIZE_MAX / P / 2) return gcomp_fail(gcompSizeOverflow, "slots overflow");
  GCOMP_TRY(reserve(&x->send, (size_t)nslots * c->slot, 0, c->s));
  GCOMP_TRY(reserve(&x->recv, P * c->slot, 0, c->s));
  GCOMP_TRY(reserve(&x->enc_ws, c->ws_bytes, 1, c->s));
  GCOMP_TRY(reserve(&x->dec_ws, c->ws_bytes, 1, c->s));
  GCOMP_TRY(reserve(&x->floats, (size_t)nfloats * sizeof(float), 0, c->s));
  c->scratch = x->floats.p;
  c->call = comm->calls++; /* on failure gcomp_nccl_fail_early counts it */
  return gcompSuccess;
}

/* Exact mode: the records to the host, and the decision every rank makes
 * the same way from them. */
static gcompResult_t host_check(nccl_coll *c, int kind, int root) {
  nccl_ctx *x = c->x;
  size_t w = (size_t)x->P + 1;
  size_t bytes = (size_t)x->P * w * sizeof(uint64_t);
  cudaError_t e = cudaMemcpyAsync(x->host_rec, x->rec, bytes, cudaMemcpyDeviceToHost, c->s);
  if (e == cudaSuccess) e = cudaStreamSynchronize(c->s); /* the one wait of exact mode */
  GCOMP_TRY(gcomp_cuda_ok(e, "record copy"));
  for (int j = 0; j < x->P; j++) {
    int64_t sig = (int64_t)x->host_rec[(size_t)j * w];
    if (sig == GAVE_UP)
      return gcomp_fail(gcompRemoteError, "rank %d gave up before the exchange", j);
    if (sig != c->sig)
      return gcomp_fail(gcompInvalidUsage, "rank %d called with other arguments", j);
  }
  for (int j = 0; j < x->P; j++) {
    const uint64_t *r = x->host_rec + (size_t)j * w + 1;
    int n = kind == GCOMP_NCCL_SCATTER ? x->P : 1;
    if (kind == GCOMP_NCCL_BCAST && j != root) continue;
    for (int k = 0; k < n; k++) {
      if (r[k] != 0 && r[k] <= c->slot) continue;
      if (j != x->me)
        return gcomp_fail(gcompRemoteError, "rank %d sent no payload (it failed)", j);
      /* mine: an encode failure, or (a two-phase owner) a chunk it could not decode */
      gcompResult_t enc = gcompSuccess, dec = gcompSuccess;
      GCOMP_TRY(gcompDeviceGetStatus(x->enc_ws.p, c->s, &enc));
      GCOMP_TRY(gcompDeviceGetStatus(x->dec_ws.p, c->s, &dec));
      gcompResult_t own = enc != gcompSuccess ? enc : dec != gcompSuccess ? dec : gcompRemoteError;
      return gcomp_fail(own, "this rank has no payload to send (%s)", gcompGetErrorString(own));
    }
  }
  return gcompSuccess;
}

gcompResult_t gcomp_nccl_fail_early(gcompComm_t comm, gcompResult_t local,
                                    gcompStream_t stream) {
  nccl_ctx *x = nccl_of(comm);
  comm->calls++;
  if (x->mode != gcompNcclExact) return local;
  cudaStream_t s = (cudaStream_t)stream;
  if (gcomp_nccl_begin(x->st, x->enc_ws.p, x->dec_ws.p, x->my_rec, GAVE_UP, x->P, s) ==
          gcompSuccess &&
      ncclAllGather(x->my_rec, x->rec, (size_t)x->P + 1, ncclUint64, x->nccl, s) == ncclSuccess)
    cudaStreamSynchronize(s); /* the others now know; our own error wins */
  return local;
}

gcompResult_t gcomp_nccl_encode(const nccl_coll *c, const float *x, uint64_t n, uint64_t seed,
                                uint8_t *dst, int k) {
  size_t ws = c->ws_bytes;
  return gcompEncodeDevice(c->codec, x, n, seed, dst, c->slot, c->x->my_rec + 1 + k,
                           c->x->enc_ws.p, &ws, (gcompStream_t)c->s);
}

gcompResult_t gcomp_nccl_decode(const nccl_coll *c, const uint8_t *src, const uint64_t *size,
                                float *y, uint64_t n, float beta) {
  size_t ws = c->ws_bytes;
  return gcompDecodeDevice(c->codec, src, size, c->slot, y, n, beta, c->x->dec_ws.p, &ws,
                           (gcompStream_t)c->s);
}

/* Bytes of rank j's payload number k that travel. */
static size_t wire(const nccl_coll *c, int j, int k) {
  if (c->x->mode != gcompNcclExact) return c->slot;
  return (size_t)c->x->host_rec[(size_t)j * ((size_t)c->x->P + 1) + 1 + (size_t)k];
}

static gcompResult_t payloads(nccl_coll *c, int kind, int root) {
  nccl_ctx *x = c->x;
  const uint8_t *send = x->send.p;
  if (kind == GCOMP_NCCL_BCAST)
    return gcomp_nccl_ok(
        ncclBroadcast(send, x->recv.p, wire(c, root, 0), ncclUint8, root, x->nccl, c->s),
        "payload broadcast");
  if (kind == GCOMP_NCCL_GATHER && x->mode != gcompNcclExact)
    return gcomp_nccl_ok(ncclAllGather(send, x->recv.p, c->slot, ncclUint8, x->nccl, c->s),
                         "payload all-gather");
  /* variable lengths: an all-gather of broadcasts, an all-to-all of pairs */
  GCOMP_TRY(gcomp_nccl_ok(ncclGroupStart(), "group start"));
  for (int j = 0; j < x->P; j++) {
    uint8_t *in = nccl_slot(c, &x->recv, j);
    ncclResult_t r;
    if (kind == GCOMP_NCCL_GATHER) {
      r = ncclBroadcast(send, in, wire(c, j, 0), ncclUint8, j, x->nccl, c->s);
    } else {
      r = ncclSend(nccl_slot(c, &x->send, j), wire(c, x->me, j), ncclUint8, j, x->nccl, c->s);
      if (r == ncclSuccess) r = ncclRecv(in, wire(c, j, x->me), ncclUint8, j, x->nccl, c->s);
    }
    if (r != ncclSuccess) {
      ncclGroupEnd();
      return gcomp_nccl_ncclfail(r, "payload exchange");
    }
  }
  return gcomp_nccl_ok(ncclGroupEnd(), "payload exchange");
}

gcompResult_t gcomp_nccl_exchange(nccl_coll *c, int kind, int root) {
  nccl_ctx *x = c->x;
  GCOMP_TRY(gcomp_nccl_ok(
      ncclAllGather(x->my_rec, x->rec, (size_t)x->P + 1, ncclUint64, x->nccl, c->s),
      "record all-gather"));
  if (x->mode == gcompNcclExact) GCOMP_TRY(host_check(c, kind, root));
  GCOMP_TRY(gcomp_nccl_check(x->st, x->rec, x->P, x->me, c->sig, kind, root, c->s));
  return payloads(c, kind, root);
}
