/* gcompAllGather, gcompBroadcast and gcompAllReduceMulti on device buffers
 * over NCCL: host/collectives.c's collectives with the NCCL engine's steps
 * (exchange_nccl.c). Seeds and decode order are the host path's. */
#include "comm/nccl/nccl_engine.h"

#include "shared/check.h"

gcompResult_t gcomp_nccl_allgather(gcompComm_t comm, const float *send, float *recv,
                                   uint64_t count, gcompCodec_t codec, gcompStream_t stream) {
  gcompResult_t local = gcomp_check_allgather_args(comm, send, recv, count, codec);
  int64_t args[3] = {(int64_t)count, codec ? gcomp_codec_signature(codec) : -1, 1};
  nccl_coll c;
  if (local == gcompSuccess)
    local = gcomp_nccl_prepare(&c, comm, codec, &count, 1, 1, 0, args, 3, stream);
  if (local != gcompSuccess) return gcomp_nccl_fail_early(comm, local, stream);
  uint64_t seed = gcomp_payload_seed(comm->seed, c.call, comm->rank, GCOMP_PHASE_SEND, 0);
  GCOMP_TRY(gcomp_nccl_encode(&c, send, count, seed, nccl_slot(&c, &c.x->send, 0), 0));
  GCOMP_TRY(gcomp_nccl_exchange(&c, GCOMP_NCCL_GATHER, 0));
  for (int j = 0; j < comm->size; j++)
    GCOMP_TRY(gcomp_nccl_decode(&c, nccl_slot(&c, &c.x->recv, j), nccl_size_of(&c, j, 0),
                                recv + (uint64_t)j * count, count, 0.0f));
  return gcompSuccess;
}

gcompResult_t gcomp_nccl_broadcast(gcompComm_t comm, const float *send, float *recv,
                                   uint64_t count, gcompCodec_t codec, int root,
                                   gcompStream_t stream) {
  gcompResult_t local = gcomp_check_bcast_args(comm, send, recv, count, codec, root);
  int is_root = root == comm->rank;
  int64_t args[4] = {(int64_t)count, codec ? gcomp_codec_signature(codec) : -1, root, 2};
  nccl_coll c;
  if (local == gcompSuccess)
    local = gcomp_nccl_prepare(&c, comm, codec, &count, 1, 1, 0, args, 4, stream);
  if (local != gcompSuccess) return gcomp_nccl_fail_early(comm, local, stream);
  if (is_root) {
    uint64_t seed = gcomp_payload_seed(comm->seed, c.call, root, GCOMP_PHASE_BCAST, 0);
    GCOMP_TRY(gcomp_nccl_encode(&c, send, count, seed, nccl_slot(&c, &c.x->send, 0), 0));
  }
  GCOMP_TRY(gcomp_nccl_exchange(&c, GCOMP_NCCL_BCAST, root));
  /* the root decodes the copy NCCL made, as every other rank does */
  return gcomp_nccl_decode(&c, nccl_slot(&c, &c.x->recv, 0), nccl_size_of(&c, root, 0), recv,
                           count, 0.0f);
}

/* The tensors travel as one vector: copied into a device bucket, reduced
 * in place, copied back (device-to-device copies, stream-ordered). */
gcompResult_t gcomp_nccl_allreduce_multi(gcompComm_t comm, const float *const *sends,
                                         float *const *recvs, const uint64_t *counts, int n,
                                         gcompCodec_t codec, gcompRedOp_t op,
                                         gcompErrorFeedback_t ef, gcompStream_t stream) {
  uint64_t total = 0;
  gcompResult_t local = gcomp_check_multi_args(sends, recvs, counts, n, &total);
  nccl_ctx *x = nccl_of(comm);
  cudaStream_t s = (cudaStream_t)stream;
  if (local == gcompSuccess && x->bucket.cap < total * sizeof(float)) {
    cudaFree(x->bucket.p);
    x->bucket.cap = 0;
    cudaError_t e = cudaMalloc(&x->bucket.p, (size_t)total * sizeof(float));
    if (e != cudaSuccess) local = gcomp_nccl_cudafail(e, "fusion bucket");
    else x->bucket.cap = (size_t)total * sizeof(float);
  }
  if (local != gcompSuccess) return gcomp_nccl_fail_early(comm, local, stream);
  float *bucket = x->bucket.p;
  for (uint64_t i = 0, at = 0; i < (uint64_t)n; at += counts[i++]) {
    cudaError_t e = cudaMemcpyAsync(bucket + at, sends[i], (size_t)counts[i] * sizeof(float),
                                    cudaMemcpyDeviceToDevice, s);
    if (e != cudaSuccess) return gcomp_nccl_cudafail(e, "filling the bucket");
  }
  GCOMP_TRY(gcomp_nccl_allreduce(comm, bucket, bucket, total, codec, op, ef, stream));
  for (uint64_t i = 0, at = 0; i < (uint64_t)n; at += counts[i++]) {
    cudaError_t e = cudaMemcpyAsync(recvs[i], bucket + at, (size_t)counts[i] * sizeof(float),
                                    cudaMemcpyDeviceToDevice, s);
    if (e != cudaSuccess) return gcomp_nccl_cudafail(e, "emptying the bucket");
  }
  return gcompSuccess;
}
