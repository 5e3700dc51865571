/* Inside the NCCL engine: the communicator's device scratch, one
 * collective's plan, and the steps the collectives are made of
 * (exchange_nccl.c). docs/COLLECTIVES.md, "The NCCL engine". */
#ifndef GCOMP_HOST_NCCL_ENGINE_H
#define GCOMP_HOST_NCCL_ENGINE_H

#include "gcomp_nccl.h"

#include <cuda_runtime_api.h>

#include "comm/comm.h"
#include "kernels/comm/kernels_nccl.h"

/* Device memory that only grows (cudaFree and cudaMalloc synchronize: a
 * collective larger than any before pays that once). */
typedef struct {
  void *p;
  size_t cap;
} nccl_buf;

typedef struct {
  ncclComm_t nccl;
  int P, me;
  gcompNcclExchange_t mode;
  double slot_bits;
  gcomp_nccl_state *st; /* device */
  uint64_t *my_rec;     /* device, P + 1 words: sig, payload sizes */
  uint64_t *rec;        /* device, P records gathered */
  uint64_t *host_rec;   /* pinned copy (exact mode) */
  nccl_buf send, recv;  /* slots: up to P to send, P received */
  nccl_buf enc_ws, dec_ws, floats, bucket;
} nccl_ctx;

/* One collective: every slot has the same capacity. */
typedef struct {
  gcompComm_t comm;
  nccl_ctx *x;
  gcompCodec_t codec;
  cudaStream_t s;
  uint64_t call;
  int64_t sig;
  size_t slot;       /* bytes, a multiple of 256 */
  size_t ws_bytes;   /* of each workspace */
  float *scratch;    /* x->floats: 2 count + one chunk, when asked for */
} nccl_coll;

static inline nccl_ctx *nccl_of(gcompComm_t comm) { return (nccl_ctx *)comm->ctx; }

/* Sizes the slots and workspaces for vectors of each length in ns[0..nn),
 * grows the buffers (nslots send slots, P receive slots, nfloats scratch
 * floats for error feedback), starts the call's bookkeeping and, on
 * success only, takes the call's number. args: what ranks must agree on. */
gcompResult_t gcomp_nccl_prepare(nccl_coll *c, gcompComm_t comm, gcompCodec_t codec,
                                 const uint64_t *ns, int nn, int nslots, uint64_t nfloats,
                                 const int64_t *args, int nargs, gcompStream_t stream);

/* The exact mode's way to fail a collective without hanging the others:
 * this rank's record says so, every rank returns an error. Slots mode:
 * returns `local` at once (as NCCL, peers are left to the caller). */
gcompResult_t gcomp_nccl_fail_early(gcompComm_t comm, gcompResult_t local,
                                    gcompStream_t stream);

/* Slot j of a buffer. */
static inline uint8_t *nccl_slot(const nccl_coll *c, const nccl_buf *b, int j) {
  return (uint8_t *)b->p + (size_t)j * c->slot;
}

/* Where the gathered records keep the size of j's payload number k. */
static inline const uint64_t *nccl_size_of(const nccl_coll *c, int j, int k) {
  return c->x->rec + (size_t)j * ((size_t)c->x->P + 1) + 1 + (size_t)k;
}

/* gcompEncodeDevice of x[0..n) into slot `dst`, its size to my record's
 * entry k; gcompDecodeDevice of a slot (size on the device) into y. */
gcompResult_t gcomp_nccl_encode(const nccl_coll *c, const float *x, uint64_t n, uint64_t seed,
                                uint8_t *dst, int k);
gcompResult_t gcomp_nccl_decode(const nccl_coll *c, const uint8_t *src, const uint64_t *size,
                                float *y, uint64_t n, float beta);

/* Exchanges the records (sizes, sig) then the payloads: kind
 * GCOMP_NCCL_GATHER (my send slot 0 to every rank's recv slot me),
 * GCOMP_NCCL_SCATTER (my send slot j to rank j's recv slot me),
 * GCOMP_NCCL_BCAST (root's send slot 0 to every recv slot 0). */
gcompResult_t gcomp_nccl_exchange(nccl_coll *c, int kind, int root);

gcompResult_t gcomp_nccl_ncclfail(ncclResult_t r, const char *what);
gcompResult_t gcomp_nccl_cudafail(cudaError_t e, const char *what);

/* GCOMP_TRY(gcomp_cuda_ok(cudaX(...), "what")): engine codes to ours. */
static inline gcompResult_t gcomp_cuda_ok(cudaError_t e, const char *what) {
  return e == cudaSuccess ? gcompSuccess : gcomp_nccl_cudafail(e, what);
}
static inline gcompResult_t gcomp_nccl_ok(ncclResult_t r, const char *what) {
  return r == ncclSuccess ? gcompSuccess : gcomp_nccl_ncclfail(r, what);
}

/* The collectives (allreduce_nccl.c, collectives_nccl.c). */
gcompResult_t gcomp_nccl_allreduce(gcompComm_t comm, const float *send, float *recv,
                                   uint64_t count, gcompCodec_t codec, gcompRedOp_t op,
                                   gcompErrorFeedback_t ef, gcompStream_t stream);
gcompResult_t gcomp_nccl_allreduce_multi(gcompComm_t comm, const float *const *sends,
                                         float *const *recvs, const uint64_t *counts, int n,
                                         gcompCodec_t codec, gcompRedOp_t op,
                                         gcompErrorFeedback_t ef, gcompStream_t stream);
gcompResult_t gcomp_nccl_allgather(gcompComm_t comm, const float *send, float *recv,
                                   uint64_t count, gcompCodec_t codec, gcompStream_t stream);
gcompResult_t gcomp_nccl_broadcast(gcompComm_t comm, const float *send, float *recv,
                                   uint64_t count, gcompCodec_t codec, int root,
                                   gcompStream_t stream);
extern const gcomp_device_coll gcomp_nccl_collectives;

#endif
