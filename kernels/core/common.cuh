/* What every file under kernels/ shares: CUDA error checks that return a
 * gcompResult_t (llm.c's cudaCheck, file:line kept, exit() dropped), the
 * workspace's status words, and byte-exact little-endian access to payload
 * bytes, which sit at any alignment. */
#ifndef GCOMP_KERNELS_CORE_COMMON_CUH
#define GCOMP_KERNELS_CORE_COMMON_CUH

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

#include "gcomp.h"
extern "C" {
#include "shared/check.h" /* a C header without its own extern "C" */
}

/* ------------------------------------------------------------ host side */

static inline gcompResult_t gcomp_cuda_fail(cudaError_t e, const char *what,
                                            const char *file, int line) {
  return gcomp_fail(gcompSystemError, "%s:%d: %s: %s", file, line, what,
                    cudaGetErrorString(e));
}

#define GCOMP_CUDA_TRY(call)                                                  \
  do {                                                                        \
    cudaError_t gcomp_cuda_e_ = (call);                                       \
    if (gcomp_cuda_e_ != cudaSuccess)                                         \
      return gcomp_cuda_fail(gcomp_cuda_e_, #call, __FILE__, __LINE__);       \
  } while (0)

/* Before a call's first CUDA work: an error the caller left pending (a
 * failed launch of theirs, a broken context) is theirs to read with
 * cudaGetLastError, so the call neither clears it nor runs over it (CUB
 * stops its launches when it sees one): gcompSystemError, the error left in
 * place. From here on, the last error after a launch is the launch's own. */
#define GCOMP_NO_PENDING_ERROR()                                                   \
  do {                                                                             \
    cudaError_t gcomp_pending_e_ = cudaPeekAtLastError();                         \
    if (gcomp_pending_e_ != cudaSuccess)                                           \
      return gcomp_fail(gcompSystemError,                                          \
                        "a CUDA error from before this call is pending (%s); it "  \
                        "is left for the caller to read with cudaGetLastError",   \
                        cudaGetErrorString(gcomp_pending_e_));                     \
  } while (0)

/* After every <<<...>>>: a bad configuration only shows up here. With
 * GCOMP_NO_PENDING_ERROR at the start of the call, it is this launch's. */
#define GCOMP_LAUNCHED() GCOMP_CUDA_TRY(cudaGetLastError())

#define GCOMP_DEV_THREADS 256u

static inline unsigned gcomp_dev_blocks(uint64_t items, uint64_t per_block, unsigned cap) {
  uint64_t b = (items + per_block - 1) / per_block;
  if (b == 0) b = 1;
  return b > cap ? cap : (unsigned)b;
}

/* ------------------------------------------------------- status words */

/* At offset 0 of every workspace: the status gcompDeviceGetStatus reports.
 * Sticky (the first failure since the last report wins). `magic` marks a
 * workspace the library has written, so a fresh cudaMalloc'd one needs no
 * clearing by the caller: a status is only trusted next to the magic. */
#define GCOMP_DEV_MAGIC 0x53574347u /* "GCWS" */
struct gcomp_dev_head {
  uint32_t magic;
  int32_t status;
};

/* One call's scalars, zeroed by the call's first operation. Kernels return
 * at once when `status` is set, so a failure stops the rest of the call
 * without the host looking; the last kernel folds it into the head. */
struct gcomp_dev_call {
  int32_t status;
  uint32_t K;         /* sd level limit */
  float gamma;        /* sd grid spacing */
  uint32_t unused;
  double sumsq;       /* canonical sum of squares */
  uint64_t total;     /* payload bytes */
  uint64_t body_bits;
  uint64_t checksum;  /* reduction of gcomp_checksum_term */
  uint64_t stored;    /* decode: the header's checksum field */
  uint64_t seed;      /* decode: the header's seed */
  double param;       /* decode: the header's nu / omega */
  double sumabs;      /* canonical sum of |x_i| (scaled sign) */
  uint32_t absmax;    /* max gcomp_abs_bits(x_i), by atomicMax (exact) */
  uint32_t unused2;
};

/* The 64 header bytes as gcomp_header_write makes them with body_bits = 0
 * and the checksum field zeroed; kernels fill in body_bits, and the
 * checksum last. Passed by value to kernels. */
struct gcomp_dev_header {
  uint8_t b[64];
};

#ifdef __CUDACC__

__device__ inline void gcomp_dev_fail(gcomp_dev_call *c, gcompResult_t r) {
  atomicCAS(&c->status, 0, (int32_t)r);
}

__device__ inline bool gcomp_dev_failed(const gcomp_dev_call *c) {
  return *(volatile const int32_t *)&c->status != 0;
}

__device__ inline bool gcomp_dev_finite(float v) {
  return (__float_as_uint(v) & 0x7f800000u) != 0x7f800000u;
}

/* A decoded value into out[i]: written, or accumulated as pipeline.c does
 * (a float multiply then a float add; the kernels are built without FMA). */
__device__ inline void gcomp_dev_put(float *out, uint64_t i, float v, int to_dst, float beta) {
  out[i] = !to_dst || beta == 0.0f ? v : v + beta * out[i];
}

/* ------------------------------------------------ little-endian bytes */

__device__ inline uint32_t gcomp_dev_ld_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

__device__ inline uint64_t gcomp_dev_ld_u64(const uint8_t *p) {
  return (uint64_t)gcomp_dev_ld_u32(p) | (uint64_t)gcomp_dev_ld_u32(p + 4) << 32;
}

__device__ inline void gcomp_dev_st_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

__device__ inline void gcomp_dev_st_u64(uint8_t *p, uint64_t v) {
  gcomp_dev_st_u32(p, (uint32_t)v);
  gcomp_dev_st_u32(p + 4, (uint32_t)(v >> 32));
}

/* Copies the header with its body length once the body's size is known,
 * unless the payload would pass dst + cap: then nothing is written at all
 * and the call fails with gcompDstTooSmall. */
__device__ inline bool gcomp_dev_put_header(uint8_t *dst, size_t cap,
                                            const gcomp_dev_header &h,
                                            uint64_t body_bytes, gcomp_dev_call *call) {
  uint64_t total = 64 + body_bytes;
  if (total > cap) {
    gcomp_dev_fail(call, gcompDstTooSmall);
    return false;
  }
  for (int k = 0; k < 64; k++) dst[k] = h.b[k];
  gcomp_dev_st_u64(dst + 32, 8 * body_bytes);
  call->total = total;
  call->body_bits = 8 * body_bytes;
  return true;
}

#endif /* __CUDACC__ */

#endif
