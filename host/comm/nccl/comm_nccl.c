/* The NCCL engine's communicator: wraps a caller's ncclComm_t (never
 * destroyed here), owns the device scratch the collectives grow, and reads
 * the device-resident status and counters back when asked. */
#include "comm/nccl/nccl_engine.h"

#include "shared/check.h"

#include <stdlib.h>

static void free_buf(nccl_buf *b) {
  cudaFree(b->p);
  b->p = NULL;
  b->cap = 0;
}

static void nccl_destroy(void *ctx) {
  nccl_ctx *x = ctx;
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
  free_buf(&x->bucket);
  free(x);
}

/* The host primitives of comm.h are never called: comm->dev takes every
 * collective first. */
static const gcomp_engine nccl_engine = {"NCCL", NULL, NULL, NULL, NULL, NULL, nccl_destroy};

GCOMP_API gcompResult_t gcompCommInitNccl(gcompComm_t *comm, ncclComm_t nccl,
                                          const gcompCommConfig_t *config) {
  gcomp_clear_error();
  if (!comm) return gcomp_fail(gcompInvalidArgument, "comm must not be NULL");
  *comm = NULL;
  if (!nccl) return gcomp_fail(gcompInvalidArgument, "nccl must not be NULL");
  int rank = 0, size = 0, dev = -1, current = -1;
  ncclResult_t nr = ncclCommUserRank(nccl, &rank);
  if (nr == ncclSuccess) nr = ncclCommCount(nccl, &size);
  if (nr == ncclSuccess) nr = ncclCommCuDevice(nccl, &dev);
  if (nr != ncclSuccess) return gcomp_nccl_ncclfail(nr, "reading the communicator");
  /* gcomp's scratch is allocated on the current device: it must be the comm's */
  GCOMP_TRY(gcomp_cuda_ok(cudaGetDevice(&current), "current device"));
  if (current != dev)
    return gcomp_fail(gcompInvalidUsage, "the current CUDA device is %d, the communicator's %d",
                      current, dev);
  nccl_ctx *x = calloc(1, sizeof *x);
  if (!x) return gcomp_fail(gcompOutOfMemory, "NCCL engine allocation failed");
  x->nccl = nccl;
  x->P = size;
  x->me = rank;
  size_t words = (size_t)size * ((size_t)size + 1);
  cudaError_t e = cudaMalloc((void **)&x->st, sizeof *x->st);
  if (e == cudaSuccess) e = cudaMemset(x->st, 0, sizeof *x->st);
  if (e == cudaSuccess) e = cudaMalloc((void **)&x->my_rec, ((size_t)size + 1) * 8);
  if (e == cudaSuccess) e = cudaMalloc((void **)&x->rec, words * 8);
  if (e == cudaSuccess) e = cudaMallocHost((void **)&x->host_rec, words * 8);
  if (e == cudaSuccess) e = cudaDeviceSynchronize(); /* st zeroed before any stream's work */
  if (e != cudaSuccess) {
    nccl_destroy(x);
    return gcomp_nccl_cudafail(e, "NCCL engine state");
  }
  gcompResult_t r = gcomp_comm_create(comm, &nccl_engine, x, rank, size, config);
  if (r != gcompSuccess) {
    nccl_destroy(x);
    return r;
  }
  (*comm)->dev = &gcomp_nccl_collectives;
  return gcompSuccess;
}

static gcompResult_t check_nccl_comm(gcompComm_t comm) {
  if (!comm) return gcomp_fail(gcompInvalidArgument, "comm must not be NULL");
  if (comm->dev != &gcomp_nccl_collectives)
    return gcomp_fail(gcompInvalidArgument, "a %s communicator, not an NCCL one",
                      comm->eng->name);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCommNcclSetExchange(gcompComm_t comm, gcompNcclExchange_t mode,
                                                 double slotBits) {
  gcomp_clear_error();
  GCOMP_TRY(check_nccl_comm(comm));
  if (mode != gcompNcclSlots && mode != gcompNcclExact)
    return gcomp_fail(gcompInvalidArgument, "exchange mode %d unknown", (int)mode);
  if (!(slotBits >= 0 && slotBits <= 64))
    return gcomp_fail(gcompParameterOutOfRange, "slotBits = %g outside [0, 64]", slotBits);
  nccl_of(comm)->mode = mode;
  nccl_of(comm)->slot_bits = slotBits;
  return gcompSuccess;
}

static gcompResult_t read_state(gcompComm_t comm, cudaStream_t s, gcomp_nccl_state *out) {
  cudaError_t e = cudaMemcpyAsync(out, nccl_of(comm)->st, sizeof *out, cudaMemcpyDeviceToHost, s);
  if (e == cudaSuccess) e = cudaStreamSynchronize(s);
  return e == cudaSuccess ? gcompSuccess : gcomp_nccl_cudafail(e, "reading the status");
}

GCOMP_API gcompResult_t gcompCommGetAsyncError(gcompComm_t comm, gcompStream_t stream,
                                               gcompResult_t *status) {
  gcomp_clear_error();
  GCOMP_TRY(check_nccl_comm(comm));
  if (!status) return gcomp_fail(gcompInvalidArgument, "status must not be NULL");
  nccl_ctx *x = nccl_of(comm);
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
  cudaError_t e = cudaMemsetAsync(x->st, 0, 2 * sizeof(int32_t), s); /* sticky, call */
  if (e == cudaSuccess) e = cudaStreamSynchronize(s);
  return e == cudaSuccess ? gcompSuccess : gcomp_nccl_cudafail(e, "clearing the status");
}

/* Waits for the device (the counts are kept by the kernels). */
static gcompResult_t nccl_stats(gcompComm_t comm, gcompCommStats_t *stats) {
  gcomp_nccl_state st;
  cudaError_t e = cudaDeviceSynchronize(); /* streams that do not wait for stream 0 too */
  if (e == cudaSuccess) e = cudaMemcpy(&st, nccl_of(comm)->st, sizeof st, cudaMemcpyDeviceToHost);
  if (e != cudaSuccess) return gcomp_nccl_cudafail(e, "reading the counters");
  stats->bytesEncoded = st.encoded;
  stats->bytesReceived = st.received;
  stats->collectives = comm->calls;
  return gcompSuccess;
}

const gcomp_device_coll gcomp_nccl_collectives = {
    gcomp_nccl_allreduce, gcomp_nccl_allreduce_multi, gcomp_nccl_allgather,
    gcomp_nccl_broadcast, nccl_stats, gcomp_nccl_fail_early,
};
