/* The NCCL transport (include/gcomp_transport.h, public API only, so the
 * layer is a library of its own over libgcomp) under the device side: gcomp
 * issues its NCCL calls on the caller's ncclComm_t (never destroyed here)
 * and on the collective's stream. Variable lengths: an all-gather is a
 * group of broadcasts (one a root), an all-to-all a group of send/receive
 * pairs. */
#include "gcomp_nccl.h"
#include "gcomp_transport.h"

#include <cuda_runtime_api.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct {
  ncclComm_t nccl;
  int P;
  cudaStream_t own; /* for the blocking reduction only */
  int64_t *vals;    /* device, 64 words */
} nccl_ctx;

/* NCCL results travel as ints; cudaError_t values are told apart by an
 * offset (transport errors are opaque ints to the callers). */
#define CUDA_BASE 100000

static int nccl_allreduce_max(void *ctx, int64_t *vals, int n) {
  nccl_ctx *x = ctx;
  if (n > 64) return ncclInvalidArgument;
  size_t bytes = (size_t)n * sizeof *vals;
  cudaError_t e = cudaMemcpyAsync(x->vals, vals, bytes, cudaMemcpyHostToDevice, x->own);
  if (e != cudaSuccess) return CUDA_BASE + (int)e;
  ncclResult_t r = ncclAllReduce(x->vals, x->vals, (size_t)n, ncclInt64, ncclMax, x->nccl, x->own);
  if (r != ncclSuccess) return (int)r;
  e = cudaMemcpyAsync(vals, x->vals, bytes, cudaMemcpyDeviceToHost, x->own);
  if (e == cudaSuccess) e = cudaStreamSynchronize(x->own);
  return e == cudaSuccess ? 0 : CUDA_BASE + (int)e;
}

static int nccl_allgather(void *ctx, const void *mine, void *all, size_t bytes, void *stream) {
  nccl_ctx *x = ctx;
  return (int)ncclAllGather(mine, all, bytes, ncclUint8, x->nccl, (cudaStream_t)stream);
}

static int nccl_allgatherv(void *ctx, const void *mine, size_t bytes, void *all,
                           const size_t *sizes, const size_t *displs, void *stream) {
  nccl_ctx *x = ctx;
  (void)bytes;
  ncclResult_t r = ncclGroupStart();
  for (int j = 0; r == ncclSuccess && j < x->P; j++)
    r = ncclBroadcast(mine, (uint8_t *)all + displs[j], sizes[j], ncclUint8, j, x->nccl,
                      (cudaStream_t)stream);
  ncclResult_t end = ncclGroupEnd();
  return (int)(r != ncclSuccess ? r : end);
}

static int nccl_alltoallv(void *ctx, const void *send, const size_t *send_sizes,
                          const size_t *send_displs, void *recv, const size_t *recv_sizes,
                          const size_t *recv_displs, void *stream) {
  nccl_ctx *x = ctx;
  cudaStream_t s = (cudaStream_t)stream;
  ncclResult_t r = ncclGroupStart();
  for (int j = 0; r == ncclSuccess && j < x->P; j++) {
    r = ncclSend((const uint8_t *)send + send_displs[j], send_sizes[j], ncclUint8, j, x->nccl, s);
    if (r == ncclSuccess)
      r = ncclRecv((uint8_t *)recv + recv_displs[j], recv_sizes[j], ncclUint8, j, x->nccl, s);
  }
  ncclResult_t end = ncclGroupEnd();
  return (int)(r != ncclSuccess ? r : end);
}

static int nccl_bcast(void *ctx, const void *send, void *recv, size_t bytes, int root,
                      void *stream) {
  nccl_ctx *x = ctx;
  return (int)ncclBroadcast(send, recv, bytes, ncclUint8, root, x->nccl, (cudaStream_t)stream);
}

static const char *nccl_error_string(int err) {
  if (err >= CUDA_BASE) return cudaGetErrorString((cudaError_t)(err - CUDA_BASE));
  return ncclGetErrorString((ncclResult_t)err);
}

/* The peer is gone: every pending NCCL operation gives up. ncclCommAbort
 * also frees the communicator, so nothing of it may be used again. */
static void nccl_abort(void *ctx) {
  nccl_ctx *x = ctx;
  if (x->nccl) ncclCommAbort(x->nccl);
  x->nccl = NULL;
}

static void nccl_destroy(void *ctx) {
  nccl_ctx *x = ctx;
  if (!x) return;
  cudaFree(x->vals);
  if (x->own) cudaStreamDestroy(x->own);
  free(x);
}

static const gcompTransport_t nccl_transport = {
    .size = sizeof(gcompTransport_t),
    .name = "NCCL",
    .onDevice = 1,
    .allreduceMaxI64 = nccl_allreduce_max,
    .allgather = nccl_allgather,
    .allgatherv = nccl_allgatherv,
    .alltoallv = nccl_alltoallv,
    .bcast = nccl_bcast,
    .errorString = nccl_error_string,
    .abort = nccl_abort,
    .destroy = nccl_destroy,
};

static gcompResult_t failed(gcompResult_t code, const char *what, const char *why) {
  char text[256];
  snprintf(text, sizeof text, "%s%s%s", what, why ? ": " : "", why ? why : "");
  return gcompSetError(code, text);
}

GCOMP_API gcompResult_t gcompCommCreateNccl(gcompComm_t *comm, ncclComm_t nccl,
                                            const gcompCommConfig_t *config) {
  if (!comm) return gcompSetError(gcompInvalidArgument, "comm must not be NULL");
  *comm = NULL;
  if (!nccl) return gcompSetError(gcompInvalidArgument, "nccl must not be NULL");
  int rank = 0, size = 0, dev = -1, current = -1;
  ncclResult_t nr = ncclCommUserRank(nccl, &rank);
  if (nr == ncclSuccess) nr = ncclCommCount(nccl, &size);
  if (nr == ncclSuccess) nr = ncclCommCuDevice(nccl, &dev);
  if (nr != ncclSuccess)
    return failed(gcompSystemError, "reading the communicator", ncclGetErrorString(nr));
  /* gcomp's scratch is allocated on the current device: it must be the comm's */
  if (cudaGetDevice(&current) != cudaSuccess)
    return gcompSetError(gcompSystemError, "no current CUDA device");
  if (current != dev)
    return gcompSetError(gcompInvalidUsage,
                         "the current CUDA device is not the NCCL communicator's");
  nccl_ctx *x = calloc(1, sizeof *x);
  if (!x) return gcompSetError(gcompOutOfMemory, "NCCL transport allocation failed");
  x->nccl = nccl;
  x->P = size;
  cudaError_t e = cudaStreamCreateWithFlags(&x->own, cudaStreamNonBlocking);
  if (e == cudaSuccess) e = cudaMalloc((void **)&x->vals, 64 * sizeof *x->vals);
  if (e != cudaSuccess) {
    nccl_destroy(x);
    return failed(gcompSystemError, "NCCL transport state", cudaGetErrorString(e));
  }
  return gcompCommCreateCustom(comm, &nccl_transport, x, rank, size, config);
}
