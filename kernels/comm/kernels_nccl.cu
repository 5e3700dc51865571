/* The NCCL engine's small kernels: status bookkeeping around a collective
 * (one thread: a handful of words), and the element-wise float steps of
 * error feedback and mean (grid-stride; single adds and multiplies, so the
 * bits are the CPU path's whatever the contraction flags). */
#include "kernels_nccl.h"

#include "core/common.cuh" /* the status word, the launch checks */
#include "shared/wire_layout.h"

/* The engine's kernels run where the caller may have left a CUDA error
 * pending: they check their own launch only and leave that error alone, so
 * a rank still reaches the exchange (its encode then stops, see
 * GCOMP_NO_PENDING_ERROR) and the error is the caller's to read. */
#define GCOMP_NCCL_LAUNCH(...)                                                    \
  do {                                                                            \
    cudaError_t gcomp_before_ = cudaPeekAtLastError();                            \
    __VA_ARGS__;                                                                  \
    cudaError_t gcomp_after_ = cudaPeekAtLastError();                             \
    if (gcomp_after_ != gcomp_before_) {                                          \
      (void)cudaGetLastError();                                                   \
      return gcomp_cuda_fail(gcomp_after_, #__VA_ARGS__, __FILE__, __LINE__);     \
    }                                                                             \
  } while (0)

namespace {

/* The status a device API call left at the start of its workspace, 0 if no
 * call has finished in it yet. */
__device__ int32_t ws_status(const void *ws) {
  if (!ws) return 0;
  const gcomp_dev_head *h = static_cast<const gcomp_dev_head *>(ws);
  return h->magic == GCOMP_DEV_MAGIC ? h->status : 0;
}

__device__ void ws_clear(void *ws) {
  gcomp_dev_head *h = static_cast<gcomp_dev_head *>(ws);
  if (ws && h->magic == GCOMP_DEV_MAGIC) h->status = 0;
}

__device__ void first_failure(int32_t *word, int32_t r) {
  if (*word == 0 && r != 0) *word = r;
}

__global__ void begin_kernel(gcomp_nccl_state *st, void *enc_ws, void *dec_ws,
                             uint64_t *rec, int64_t sig, int P) {
  /* the query's precedence: own failure, then a peer's, then decoding */
  first_failure(&st->sticky, ws_status(enc_ws));
  first_failure(&st->sticky, st->call);
  first_failure(&st->sticky, ws_status(dec_ws));
  ws_clear(enc_ws);
  ws_clear(dec_ws);
  st->call = 0;
  rec[0] = (uint64_t)sig;
  for (int j = 1; j <= P; j++) rec[j] = 0;
}

__global__ void check_kernel(gcomp_nccl_state *st, const uint64_t *rec, int P, int me,
                             int64_t sig, int kind, int root) {
  const size_t w = (size_t)P + 1;
  for (int j = 0; j < P; j++)
    if (rec[j * w] != (uint64_t)sig) first_failure(&st->call, gcompInvalidUsage);
  for (int j = 0; j < P; j++) {
    uint64_t in, out; /* the size of what j sent me, of what I sent j */
    if (kind == GCOMP_NCCL_SCATTER) {
      in = rec[j * w + 1 + (size_t)me];
      out = rec[(size_t)me * w + 1 + (size_t)j];
    } else if (kind == GCOMP_NCCL_GATHER || j == root) {
      in = rec[j * w + 1];
      out = j == me ? in : 0;
    } else {
      continue; /* a broadcast hears from its root only */
    }
    /* my own empty payload is already in the encode workspace's status */
    if (j != me && in == 0) first_failure(&st->call, gcompRemoteError);
    st->encoded += out;
    if (out > GCOMP_HEADER_BYTES) st->body_encoded += out - GCOMP_HEADER_BYTES;
    if (j != me) st->received += in;
  }
}

__global__ void poison_kernel(uint64_t *size, const gcomp_nccl_state *st, const void *enc_ws,
                              const void *dec_ws) {
  if (st->call || ws_status(enc_ws) || ws_status(dec_ws)) *size = 0;
}

enum { SUB, ADD, SCALE };

__global__ void elementwise(int op, float *out, const float *a, const float *b, float f,
                            uint64_t n) {
  uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    if (op == SUB) out[i] = a[i] - b[i];
    else if (op == ADD) out[i] = out[i] + b[i];
    else out[i] = out[i] * f;
  }
}

__global__ void ef_commit_kernel(float *g, float *G, const float *own, float *recv,
                                 uint64_t n) {
  uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    g[i] = g[i] + own[i];
    float sum = G[i] + recv[i];
    G[i] = sum;
    recv[i] = sum;
  }
}

unsigned blocks_for(uint64_t n) { return gcomp_dev_blocks(n, GCOMP_DEV_THREADS * 4ull, 65535u); }

gcompResult_t run_elementwise(int op, float *out, const float *a, const float *b, float f,
                              uint64_t n, cudaStream_t s) {
  GCOMP_NCCL_LAUNCH(
      elementwise<<<blocks_for(n), GCOMP_DEV_THREADS, 0, s>>>(op, out, a, b, f, n));
  return gcompSuccess;
}

}  // namespace

extern "C" gcompResult_t gcomp_nccl_begin(gcomp_nccl_state *st, void *enc_ws, void *dec_ws,
                                          uint64_t *my_record, int64_t sig, int P,
                                          cudaStream_t s) {
  GCOMP_NCCL_LAUNCH(begin_kernel<<<1, 1, 0, s>>>(st, enc_ws, dec_ws, my_record, sig, P));
  return gcompSuccess;
}

extern "C" gcompResult_t gcomp_nccl_check(gcomp_nccl_state *st, const uint64_t *records, int P,
                                          int me, int64_t sig, int kind, int root,
                                          cudaStream_t s) {
  GCOMP_NCCL_LAUNCH(check_kernel<<<1, 1, 0, s>>>(st, records, P, me, sig, kind, root));
  return gcompSuccess;
}

extern "C" gcompResult_t gcomp_nccl_poison(uint64_t *size, const gcomp_nccl_state *st,
                                           const void *enc_ws, const void *dec_ws,
                                           cudaStream_t s) {
  GCOMP_NCCL_LAUNCH(poison_kernel<<<1, 1, 0, s>>>(size, st, enc_ws, dec_ws));
  return gcompSuccess;
}

extern "C" gcompResult_t gcomp_nccl_sub(float *out, const float *a, const float *b, uint64_t n,
                                        cudaStream_t s) {
  return run_elementwise(SUB, out, a, b, 0.0f, n, s);
}

extern "C" gcompResult_t gcomp_nccl_add(float *a, const float *b, uint64_t n, cudaStream_t s) {
  return run_elementwise(ADD, a, nullptr, b, 0.0f, n, s);
}

extern "C" gcompResult_t gcomp_nccl_scale(float *x, uint64_t n, float f, cudaStream_t s) {
  return run_elementwise(SCALE, x, nullptr, nullptr, f, n, s);
}

extern "C" gcompResult_t gcomp_nccl_ef_commit(float *g, float *G, const float *own, float *recv,
                                              uint64_t n, cudaStream_t s) {
  GCOMP_NCCL_LAUNCH(
      ef_commit_kernel<<<blocks_for(n), GCOMP_DEV_THREADS, 0, s>>>(g, G, own, recv, n));
  return gcompSuccess;
}
