/* The device side of a communicator: buffers in device memory, the device
 * codecs (gcompEncodeDevice / gcompDecodeDevice), a stream on every call,
 * exchanges over a device transport (NCCL, or the in-process device
 * transport). docs/COLLECTIVES.md, "The device side".
 *
 * gcompEncodeDevice leaves a payload's length in device memory, so every
 * exchange is two steps: the records (each rank's P + 1 words: a hash of
 * the call's agreement record, then the sizes of the payloads it sends) are
 * all-gathered, then the payloads. Slots mode never waits: every payload
 * travels in a slot of fixed capacity and the decoders read the true sizes
 * on the device. Exact mode copies the records to the host once an exchange
 * (the only cudaStreamSynchronize of a collective) and sends only the
 * payloads' own bytes; every rank sees the same records, so every rank
 * takes the same decision and none is left waiting. What kernels find
 * (NaN input, a peer with no payload, a corrupt payload) goes to status
 * words that gcompCommGetAsyncError reads. */
#define _POSIX_C_SOURCE 199309L
#include "comm/device/side_device.h"

#include "comm/error_feedback.h"
#include "shared/check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A record's hash when its rank gave up before exchanging (exact mode). */
#define GAVE_UP INT64_MIN

static gcompResult_t cudafail(cudaError_t e, const char *what) {
  return gcomp_fail(gcompSystemError, "%s: CUDA: %s", what, cudaGetErrorString(e));
}

static gcompResult_t cuda_ok(cudaError_t e, const char *what) {
  return e == cudaSuccess ? gcompSuccess : cudafail(e, what);
}

/* Waits for s, at most comm->timeout seconds (0: forever). Past it a peer
 * is taken for gone: the transport gives up everything pending and the
 * communicator refuses every later call (docs/COLLECTIVES.md). */
static gcompResult_t wait_stream(gcompComm_t comm, cudaStream_t s, const char *what) {
  if (comm->timeout <= 0) return cuda_ok(cudaStreamSynchronize(s), what);
  struct timespec t0, now, pause = {0, 20000};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    cudaError_t e = cudaStreamQuery(s);
    if (e == cudaSuccess) return gcompSuccess;
    if (e != cudaErrorNotReady) return cudafail(e, what);
    clock_gettime(CLOCK_MONOTONIC, &now);
    double waited = (double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec);
    if (waited > comm->timeout) {
      if (comm->tr->abort) comm->tr->abort(comm->tr_ctx);
      comm->aborted = 1;
      return gcomp_fail(gcompSystemError,
                        "%s: nothing finished within %g s (a peer gone?): the %s communicator "
                        "is aborted",
                        what, comm->timeout, comm->tr->name);
    }
    nanosleep(&pause, NULL);
  }
}

static dev_ctx *ctx_of(gcompComm_t comm) { return (dev_ctx *)comm->side_ctx; }
static dev_call *cur(gcomp_coll *c) { return c->state; }
static cudaStream_t stream_of(gcomp_coll *c) { return (cudaStream_t)c->stream; }

/* A failure that leaves this rank unable to go on (a launch or transport
 * error): peers may be left waiting, as with any broken engine. */
static void broken(gcomp_coll *c, gcompResult_t r) {
  gcomp_coll_fail(c, r);
  c->stop = 1;
}

static gcompResult_t transport_ok(gcomp_coll *c, int err, const char *what) {
  return err ? gcomp_transport_fail(c->comm, err, what) : gcompSuccess;
}

/* ------------------------------------------------------------ buffers */

static void free_buf(dev_buf *b) {
  cudaFree(b->p);
  b->p = NULL;
  b->cap = 0;
}

static gcompResult_t reserve(dev_buf *b, size_t bytes, int clear_head, cudaStream_t s) {
  if (bytes <= b->cap) return gcompSuccess;
  GCOMP_TRY(cuda_ok(cudaFree(b->p), "freeing scratch"));
  b->p = NULL;
  b->cap = 0;
  GCOMP_TRY(cuda_ok(cudaMalloc(&b->p, bytes), "device scratch"));
  b->cap = bytes;
  /* a workspace's status word: no stale magic from recycled memory; on the
   * collective's stream, so it is ordered with the kernels that follow */
  size_t head = bytes < 256 ? bytes : 256;
  if (clear_head) GCOMP_TRY(cuda_ok(cudaMemsetAsync(b->p, 0, head, s), "clearing a workspace"));
  return gcompSuccess;
}

/* A slot for n values: the encode bound, or the configured cap. */
static gcompResult_t slot_bytes(const dev_ctx *x, gcompCodec_t codec, uint64_t n,
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

static gcompResult_t prepare(gcomp_coll *c, const uint64_t *ns, int nn, int nslots,
                             uint64_t nfloats) {
  dev_ctx *x = ctx_of(c->comm);
  dev_call *k = &x->call;
  cudaStream_t s = stream_of(c);
  memset(k, 0, sizeof *k);
  k->sig = gcomp_rec_hash(c->rec);
  for (int i = 0; i < nn; i++) {
    size_t slot = 0, ws = 0;
    GCOMP_TRY(slot_bytes(x, c->codec, ns[i], &slot));
    GCOMP_TRY(workspace_bytes(c->codec, ns[i], &ws));
    if (slot > k->slot) k->slot = slot;
    if (ws > k->ws_bytes) k->ws_bytes = ws;
  }
  /* before any workspace is replaced: its status moves to the state */
  GCOMP_TRY(gcomp_nccl_begin(x->st, x->enc_ws.p, x->dec_ws.p, x->my_rec, k->sig, x->P, s));
  size_t P = (size_t)x->P;
  if (k->slot > SIZE_MAX / P / 2) return gcomp_fail(gcompSizeOverflow, "slots overflow");
  GCOMP_TRY(reserve(&x->send, (size_t)nslots * k->slot, 0, s));
  GCOMP_TRY(reserve(&x->recv, P * k->slot, 0, s));
  GCOMP_TRY(reserve(&x->enc_ws, k->ws_bytes, 1, s));
  GCOMP_TRY(reserve(&x->dec_ws, k->ws_bytes, 1, s));
  GCOMP_TRY(reserve(&x->floats, (size_t)nfloats * sizeof(float), 0, s));
  return gcompSuccess;
}

/* Exact mode's way to fail before the exchange without hanging the others:
 * this rank's record says so, every rank returns an error. Slots mode:
 * `local` at once (as with NCCL, peers are left to the caller). */
static void fail_early(gcomp_coll *c) {
  dev_ctx *x = ctx_of(c->comm);
  c->stop = 1;
  if (x->mode != gcompExchangeExact || c->comm->aborted) return;
  cudaStream_t s = stream_of(c);
  if (gcomp_nccl_begin(x->st, x->enc_ws.p, x->dec_ws.p, x->my_rec, GAVE_UP, x->P, s) ==
          gcompSuccess &&
      c->comm->tr->allgather(c->comm->tr_ctx, x->my_rec, x->rec, ((size_t)x->P + 1) * 8, s) ==
          0)
    wait_stream(c->comm, s, "telling the others"); /* our own error wins */
}

static void dev_begin(gcomp_coll *c, gcompResult_t local, const uint64_t *ns, int nn,
                      int nslots, uint64_t nfloats) {
  c->state = &ctx_of(c->comm)->call;
  if (local == gcompSuccess) local = prepare(c, ns, nn, nslots, nfloats);
  if (local != gcompSuccess) {
    gcomp_coll_fail(c, local);
    fail_early(c);
  }
}

/* Slot j of a buffer. */
static uint8_t *slot(const gcomp_coll *c, const dev_buf *b, int j) {
  return (uint8_t *)b->p + (size_t)j * cur((gcomp_coll *)c)->slot;
}

/* Where the gathered records keep the size of j's payload number k. */
static const uint64_t *size_of(gcomp_coll *c, int j, int k) {
  dev_ctx *x = ctx_of(c->comm);
  return x->rec + (size_t)j * ((size_t)x->P + 1) + 1 + (size_t)k;
}

static void dev_encode(gcomp_coll *c, const float *v, uint64_t n, uint64_t seed, int k) {
  if (c->stop) return;
  dev_ctx *x = ctx_of(c->comm);
  size_t ws = cur(c)->ws_bytes;
  gcompResult_t r = gcompEncodeDevice(c->codec, v, n, seed, slot(c, &x->send, k),
                                      cur(c)->slot, x->my_rec + 1 + k, x->enc_ws.p, &ws,
                                      c->stream);
  if (r != gcompSuccess) broken(c, r);
}

static void decode(gcomp_coll *c, const uint8_t *src, const uint64_t *size, float *y,
                   uint64_t n, float beta) {
  if (c->stop) return;
  size_t ws = cur(c)->ws_bytes;
  gcompResult_t r = gcompDecodeDevice(c->codec, src, size, cur(c)->slot, y, n, beta,
                                      ctx_of(c->comm)->dec_ws.p, &ws, c->stream);
  if (r != gcompSuccess) broken(c, r);
}

static void dev_decode_sent(gcomp_coll *c, int k, float *y, uint64_t n, float beta) {
  dev_ctx *x = ctx_of(c->comm);
  decode(c, slot(c, &x->send, k), x->my_rec + 1 + k, y, n, beta);
}

static void dev_decode_recv(gcomp_coll *c, int from, uint64_t seed, float *y, uint64_t n,
                            float beta) {
  (void)seed; /* device payloads keep their headers */
  dev_ctx *x = ctx_of(c->comm);
  dev_call *k = cur(c);
  int in = k->kind == GCOMP_XCHG_BCAST ? 0 : from;
  decode(c, slot(c, &x->recv, in), size_of(c, from, k->kind == GCOMP_XCHG_SCATTER ? c->me : 0),
         y, n, beta);
}

/* ---------------------------------------------------------- exchanges */

/* Exact mode: the records to the host, and the decision every rank makes
 * the same way from them. */
static gcompResult_t host_check(gcomp_coll *c, int kind, int root) {
  dev_ctx *x = ctx_of(c->comm);
  size_t w = (size_t)x->P + 1;
  size_t bytes = (size_t)x->P * w * sizeof(uint64_t);
  cudaStream_t s = stream_of(c);
  cudaError_t e = cudaMemcpyAsync(x->host_rec, x->rec, bytes, cudaMemcpyDeviceToHost, s);
  GCOMP_TRY(cuda_ok(e, "record copy"));
  GCOMP_TRY(wait_stream(c->comm, s, "record copy")); /* the one wait of exact mode */
  for (int j = 0; j < x->P; j++) {
    int64_t sig = (int64_t)x->host_rec[(size_t)j * w];
    if (sig == GAVE_UP)
      return gcomp_fail(gcompRemoteError, "rank %d gave up before the exchange", j);
    if (sig != cur(c)->sig)
      return gcomp_fail(gcompInvalidUsage, "rank %d called with other arguments", j);
  }
  for (int j = 0; j < x->P; j++) {
    const uint64_t *r = x->host_rec + (size_t)j * w + 1;
    int n = kind == GCOMP_XCHG_SCATTER ? x->P : 1;
    if (kind == GCOMP_XCHG_BCAST && j != root) continue;
    for (int k = 0; k < n; k++) {
      if (r[k] != 0 && r[k] <= cur(c)->slot) continue;
      if (j != x->me)
        return gcomp_fail(gcompRemoteError, "rank %d sent no payload (it failed)", j);
      /* mine: an encode failure, or (a two-phase owner) a chunk it could not decode */
      gcompResult_t enc = gcompSuccess, dec = gcompSuccess;
      GCOMP_TRY(gcompDeviceGetStatus(x->enc_ws.p, c->stream, &enc));
      GCOMP_TRY(gcompDeviceGetStatus(x->dec_ws.p, c->stream, &dec));
      gcompResult_t own = enc != gcompSuccess ? enc : dec != gcompSuccess ? dec : gcompRemoteError;
      return gcomp_fail(own, "this rank has no payload to send (%s)", gcompGetErrorString(own));
    }
  }
  return gcompSuccess;
}

/* Bytes of rank j's payload number k that travel. */
static size_t wire(gcomp_coll *c, int j, int k) {
  dev_ctx *x = ctx_of(c->comm);
  if (x->mode != gcompExchangeExact) return cur(c)->slot;
  return (size_t)x->host_rec[(size_t)j * ((size_t)x->P + 1) + 1 + (size_t)k];
}

static gcompResult_t payloads(gcomp_coll *c, int kind, int root) {
  dev_ctx *x = ctx_of(c->comm);
  const gcomp_transport *tr = c->comm->tr;
  size_t S = cur(c)->slot, P = (size_t)x->P;
  void *s = c->stream;
  if (kind == GCOMP_XCHG_BCAST)
    return transport_ok(c, tr->bcast(c->comm->tr_ctx, x->send.p, x->recv.p, wire(c, root, 0),
                                      root, s),
                        "payload broadcast");
  if (kind == GCOMP_XCHG_GATHER && x->mode != gcompExchangeExact)
    return transport_ok(c, tr->allgather(c->comm->tr_ctx, x->send.p, x->recv.p, S, s),
                        "payload all-gather");
  for (size_t j = 0; j < P; j++) {
    x->displs[j] = j * S;
    x->in_sizes[j] = wire(c, (int)j, kind == GCOMP_XCHG_SCATTER ? x->me : 0);
    x->out_sizes[j] = kind == GCOMP_XCHG_SCATTER ? wire(c, x->me, (int)j) : 0;
  }
  if (kind == GCOMP_XCHG_GATHER)
    return transport_ok(c, tr->allgatherv(c->comm->tr_ctx, x->send.p, wire(c, x->me, 0),
                                          x->recv.p, x->in_sizes, x->displs, s),
                        "payload exchange");
  return transport_ok(c, tr->alltoallv(c->comm->tr_ctx, x->send.p, x->out_sizes, x->displs,
                                       x->recv.p, x->in_sizes, x->displs, s),
                      "payload exchange");
}

static gcompResult_t exchange(gcomp_coll *c, int kind, int root) {
  dev_ctx *x = ctx_of(c->comm);
  dev_call *k = cur(c);
  cudaStream_t s = stream_of(c);
  /* a failure so far on this rank empties its slot (a two-phase owner that
   * could not decode a chunk): every rank then fails */
  if (kind == GCOMP_XCHG_GATHER && k->exchanges > 0)
    GCOMP_TRY(gcomp_nccl_poison(x->my_rec + 1, x->st, x->enc_ws.p, x->dec_ws.p, s));
  k->kind = kind;
  k->exchanges++;
  GCOMP_TRY(transport_ok(c, c->comm->tr->allgather(c->comm->tr_ctx, x->my_rec, x->rec,
                                                    ((size_t)x->P + 1) * 8, s),
                         "record all-gather"));
  if (x->mode == gcompExchangeExact) GCOMP_TRY(host_check(c, kind, root));
  GCOMP_TRY(gcomp_nccl_check(x->st, x->rec, x->P, x->me, k->sig, kind, root, s));
  return payloads(c, kind, root);
}

static void dev_exchange(gcomp_coll *c, int kind, int root) {
  if (c->stop) return;
  gcompResult_t r = exchange(c, kind, root);
  if (r != gcompSuccess) broken(c, r);
}

/* ------------------------------------------------------ element-wise */

static float *dev_scratch(gcomp_coll *c) { return ctx_of(c->comm)->floats.p; }

static void launched(gcomp_coll *c, gcompResult_t r) {
  if (r != gcompSuccess) broken(c, r);
}

static void dev_sub(gcomp_coll *c, float *out, const float *a, const float *b, uint64_t n) {
  if (!c->stop) launched(c, gcomp_nccl_sub(out, a, b, n, stream_of(c)));
}

static void dev_add(gcomp_coll *c, float *a, const float *b, uint64_t n) {
  if (!c->stop) launched(c, gcomp_nccl_add(a, b, n, stream_of(c)));
}

static void dev_scale(gcomp_coll *c, float *v, uint64_t n, float f) {
  if (!c->stop) launched(c, gcomp_nccl_scale(v, n, f, stream_of(c)));
}

static void dev_copy(gcomp_coll *c, float *dst, const float *src, uint64_t n) {
  if (c->stop || dst == src) return;
  launched(c, cuda_ok(cudaMemcpyAsync(dst, src, (size_t)n * sizeof *dst,
                                      cudaMemcpyDeviceToDevice, stream_of(c)),
                      "bucket copy"));
}

static void dev_ef_commit(gcomp_coll *c, float *g, float *G, const float *own, float *recv,
                          uint64_t n) {
  if (!c->stop) launched(c, gcomp_nccl_ef_commit(g, G, own, recv, n, stream_of(c)));
}

/* ------------------------------------------------- error feedback state */

typedef struct {
  float *g, *G; /* count values each */
  float *e;     /* the owner's re-compression error, e_count values */
  uint64_t count, e_count;
} dev_ef;

static void ef_free(void *p) {
  dev_ef *d = p;
  cudaFree(d->g);
  cudaFree(d->G);
  cudaFree(d->e);
  free(d);
}

static int ef_reset(void *p) {
  dev_ef *d = p;
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

static gcompResult_t ef_state(gcompErrorFeedback_t ef, uint64_t e_len, cudaStream_t s,
                              dev_ef **out) {
  if (ef->dev && ef->dev_free != ef_free)
    return gcomp_fail(gcompInvalidUsage, "this error feedback state belongs to another engine");
  if (!ef->dev) {
    dev_ef *d = calloc(1, sizeof *d);
    if (!d) return gcomp_fail(gcompOutOfMemory, "error feedback state");
    d->count = ef->count;
    ef->dev = d;
    ef->dev_free = ef_free;
    ef->dev_reset = ef_reset;
    cudaError_t e = zeroed(&d->g, d->count, s);
    if (e == cudaSuccess) e = zeroed(&d->G, d->count, s);
    if (e != cudaSuccess) return cudafail(e, "error feedback state");
  }
  dev_ef *d = ef->dev;
  if (e_len && !d->e) {
    cudaError_t e = zeroed(&d->e, e_len, s);
    if (e != cudaSuccess) return cudafail(e, "owner error feedback state");
    d->e_count = e_len;
  }
  if (e_len && d->e_count != e_len)
    return gcomp_fail(gcompInvalidUsage, "owner error state holds %llu values, not %llu",
                      (unsigned long long)d->e_count, (unsigned long long)e_len);
  *out = d;
  return gcompSuccess;
}

static void dev_ef_state(gcomp_coll *c, gcompErrorFeedback_t ef, uint64_t e_len, float **g,
                         float **G, float **e) {
  *g = *G = *e = NULL;
  if (c->stop) return;
  dev_ef *d = NULL;
  gcompResult_t r = ef_state(ef, e_len, stream_of(c), &d);
  if (r != gcompSuccess) return broken(c, r);
  *g = d->g;
  *G = d->G;
  *e = e_len ? d->e : NULL;
}

static gcompResult_t dev_end(gcomp_coll *c) {
  c->state = NULL;
  return c->status;
}

/* ------------------------------------------------ state and queries */

static gcompResult_t read_state(gcompComm_t comm, cudaStream_t s, gcomp_nccl_state *out) {
  GCOMP_TRY(cuda_ok(cudaMemcpyAsync(out, ctx_of(comm)->st, sizeof *out, cudaMemcpyDeviceToHost,
                                    s),
                    "reading the status"));
  return wait_stream(comm, s, "reading the status");
}

static gcompResult_t dev_async_error(gcompComm_t comm, gcompStream_t stream,
                                     gcompResult_t *status) {
  dev_ctx *x = ctx_of(comm);
  if (comm->aborted)
    return gcomp_fail(gcompSystemError, "this communicator was aborted after a timeout");
  cudaStream_t s = (cudaStream_t)stream;
  gcomp_nccl_state st;
  GCOMP_TRY(read_state(comm, s, &st));
  gcompResult_t enc = gcompSuccess, dec = gcompSuccess;
  if (x->enc_ws.p) GCOMP_TRY(gcompDeviceGetStatus(x->enc_ws.p, stream, &enc));
  if (x->dec_ws.p) GCOMP_TRY(gcompDeviceGetStatus(x->dec_ws.p, stream, &dec));
  /* begin_kernel's precedence: earlier calls, own, peers', decoding */
  int32_t order[4] = {st.sticky, enc, st.call, dec};
  *status = gcompSuccess;
  for (int i = 0; i < 4 && *status == gcompSuccess; i++) *status = (gcompResult_t)order[i];
  GCOMP_TRY(cuda_ok(cudaMemsetAsync(x->st, 0, 2 * sizeof(int32_t), s), /* sticky, call */
                    "clearing the status"));
  return wait_stream(comm, s, "clearing the status");
}

/* Waits for the device (the counts are kept by the kernels). */
static gcompResult_t dev_stats(gcompComm_t comm, gcompCommStats_t *stats) {
  gcomp_nccl_state st;
  cudaError_t e = cudaDeviceSynchronize(); /* streams that do not wait for stream 0 too */
  if (e == cudaSuccess) e = cudaMemcpy(&st, ctx_of(comm)->st, sizeof st, cudaMemcpyDeviceToHost);
  if (e != cudaSuccess) return cudafail(e, "reading the counters");
  stats->bytesEncoded = st.encoded;
  stats->bytesReceived = st.received;
  stats->collectives = comm->calls;
  stats->bodyBytesEncoded = st.body_encoded;
  return gcompSuccess;
}

static void dev_destroy(void *p) {
  dev_ctx *x = p;
  if (!x) return;
  cudaFree(x->st);
  cudaFree(x->my_rec);
  cudaFree(x->rec);
  cudaFreeHost(x->host_rec);
  free_buf(&x->send);
  free_buf(&x->recv);
  free_buf(&x->enc_ws);
  free_buf(&x->dec_ws);
  free_buf(&x->floats);
  free(x->displs);
  free(x->in_sizes);
  free(x->out_sizes);
  free(x);
}

gcompResult_t gcomp_device_side_new(int rank, int size, dev_ctx **out) {
  *out = NULL;
  dev_ctx *x = calloc(1, sizeof *x);
  if (!x) return gcomp_fail(gcompOutOfMemory, "device side allocation failed");
  x->P = size;
  x->me = rank;
  size_t P = (size_t)size, words = P * (P + 1);
  x->displs = malloc(P * sizeof *x->displs);
  x->in_sizes = malloc(P * sizeof *x->in_sizes);
  x->out_sizes = malloc(P * sizeof *x->out_sizes);
  if (!x->displs || !x->in_sizes || !x->out_sizes) {
    dev_destroy(x);
    return gcomp_fail(gcompOutOfMemory, "device side allocation failed");
  }
  cudaError_t e = cudaMalloc((void **)&x->st, sizeof *x->st);
  if (e == cudaSuccess) e = cudaMemset(x->st, 0, sizeof *x->st);
  if (e == cudaSuccess) e = cudaMalloc((void **)&x->my_rec, (P + 1) * 8);
  if (e == cudaSuccess) e = cudaMalloc((void **)&x->rec, words * 8);
  if (e == cudaSuccess) e = cudaMallocHost((void **)&x->host_rec, words * 8);
  if (e == cudaSuccess) e = cudaDeviceSynchronize(); /* st zeroed before any stream's work */
  if (e != cudaSuccess) {
    dev_destroy(x);
    return cudafail(e, "device side state");
  }
  *out = x;
  return gcompSuccess;
}

const gcomp_side_ops gcomp_device_side = {
    .begin = dev_begin,
    .encode = dev_encode,
    .decode_sent = dev_decode_sent,
    .exchange = dev_exchange,
    .decode_recv = dev_decode_recv,
    .scratch = dev_scratch,
    .sub = dev_sub,
    .add = dev_add,
    .scale = dev_scale,
    .copy = dev_copy,
    .ef_commit = dev_ef_commit,
    .ef_state = dev_ef_state,
    .end = dev_end,
    .stats = dev_stats,
    .async_error = dev_async_error,
    .destroy = dev_destroy,
    .on_device = 1,
};

GCOMP_API gcompResult_t gcompCommSetExchange(gcompComm_t comm, gcompExchange_t mode,
                                             double slotBits) {
  gcomp_clear_error();
  if (!comm) return gcomp_fail(gcompInvalidArgument, "comm must not be NULL");
  if (comm->side != &gcomp_device_side)
    return gcomp_fail(gcompInvalidArgument, "a %s communicator on host buffers, not a device one",
                      comm->tr->name);
  if (mode != gcompExchangeSlots && mode != gcompExchangeExact)
    return gcomp_fail(gcompInvalidArgument, "exchange mode %d unknown", (int)mode);
  if (!(slotBits >= 0 && slotBits <= 64))
    return gcomp_fail(gcompParameterOutOfRange, "slotBits = %g outside [0, 64]", slotBits);
  ctx_of(comm)->mode = mode;
  ctx_of(comm)->slot_bits = slotBits;
  return gcompSuccess;
}
