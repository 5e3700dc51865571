/* Randomized Hadamard rotation (shared/hadamard.h) with host/stages/rotate.c's
 * operation order, which decides the float results: signs, butterflies by
 * increasing span, one multiply by the float scale (the inverse: butterflies,
 * scale, signs; a negation is exact, so it commutes with the scale anyway).
 *
 * Spans below 4096 run inside 4096-value tiles in shared memory, one block
 * a tile; larger spans run R = 3 at a time (8 values a thread, 3 stages in
 * registers), so n = 2^26 costs 1 + 5 passes over memory instead of 15.
 * Within a stage every pair is independent, so any assignment of pairs to
 * threads gives the CPU's bits. */
#include "stages/stages.cuh"

#include "shared/hadamard.h"

namespace {

constexpr uint32_t kTile = 4096; /* host/stages/rotate.c's CACHE_SPAN */

struct rot_job {
  const float *x; /* forward input, x[0..d); NULL for the inverse */
  float *y;       /* the n-value buffer, in place */
  float *dst;     /* inverse output, dst[0..d) */
  uint64_t d, n;
  uint64_t seed;  /* forward; the inverse takes the payload's, call->seed */
  float scale, beta;
  int inverse;
  gcomp_dev_call *call;
};

__device__ uint64_t job_seed(const rot_job &j) { return j.inverse ? j.call->seed : j.seed; }

/* Value v of coordinate i after this kernel's stages: stored for the next
 * kernel, or, after the very last stage, finished. */
__device__ void settle(const rot_job &j, uint64_t i, float v, bool last, bool negate) {
  if (!last) {
    j.y[i] = v;
    return;
  }
  v = v * j.scale;
  if (!j.inverse) {
    j.y[i] = v;
    return;
  }
  if (negate) v = -v;
  if (i >= j.d) return;
  /* pipeline.c bounds |x| so honest payloads never overflow here. */
  if (!gcomp_dev_finite(v)) {
    gcomp_dev_fail(j.call, gcompCorruptPayload);
    return;
  }
  j.dst[i] = j.beta == 0.0f ? v : v + j.beta * j.dst[i];
}

__global__ void __launch_bounds__(GCOMP_DEV_THREADS) rotate_tile(rot_job j) {
  if (gcomp_dev_failed(j.call)) return;
  __shared__ float t[kTile];
  /* The tile's sign bits: word k >> 5 holds coordinate k's, since a Philox
   * draw covers 128 coordinates in its 4 words. */
  __shared__ uint32_t signs[kTile / 32];
  uint32_t len = j.n < kTile ? (uint32_t)j.n : kTile;
  uint64_t base = (uint64_t)blockIdx.x * kTile;
  bool last = len == j.n;
  uint64_t seed = job_seed(j);
  for (uint32_t q = threadIdx.x; q < (len + 127) / 128; q += blockDim.x) {
    gcomp_u32x4 r = gcomp_philox(seed, GCOMP_STREAM_ROTATION, (base >> 7) + q);
    for (int k = 0; k < 4; k++) signs[4 * q + k] = r.v[k];
  }
  __syncthreads();
  for (uint32_t k = threadIdx.x; k < len; k += blockDim.x) {
    float v;
    if (j.inverse) {
      v = j.y[base + k];
    } else {
      v = base + k < j.d ? j.x[base + k] : 0.0f;
      if ((signs[k >> 5] >> (k & 31)) & 1u) v = -v; /* padding becomes -0.0 as on the CPU */
    }
    t[k] = v;
  }
  __syncthreads();
  for (uint32_t span = 1; span < len; span <<= 1) {
    for (uint32_t p = threadIdx.x; p < len / 2; p += blockDim.x) {
      uint32_t a = ((p & ~(span - 1)) << 1) | (p & (span - 1));
      float u = t[a], w = t[a + span];
      t[a] = u + w;
      t[a + span] = u - w;
    }
    __syncthreads();
  }
  for (uint32_t k = threadIdx.x; k < len; k += blockDim.x)
    settle(j, base + k, t[k], last, (signs[k >> 5] >> (k & 31)) & 1u);
}

/* Stages with spans 2^log_span .. 2^(log_span + R - 1): thread t owns the
 * 2^R coordinates i0 + k * span, which those stages only mix among
 * themselves. Consecutive threads take consecutive i0: coalesced. */
template <int R>
__global__ void __launch_bounds__(GCOMP_DEV_THREADS)
    rotate_spans(rot_job j, uint32_t log_span, int last) {
  if (gcomp_dev_failed(j.call)) return;
  constexpr int W = 1 << R;
  uint64_t t = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= (j.n >> R)) return;
  uint64_t span = (uint64_t)1 << log_span;
  uint64_t i0 = ((t >> log_span) << (log_span + R)) | (t & (span - 1));
  float v[W];
#pragma unroll
  for (int k = 0; k < W; k++) v[k] = j.y[i0 + k * span];
#pragma unroll
  for (int r = 0; r < R; r++) {
#pragma unroll
    for (int k = 0; k < W; k++) {
      if (k & (1 << r)) continue;
      float a = v[k], b = v[k + (1 << r)];
      v[k] = a + b;
      v[k + (1 << r)] = a - b;
    }
  }
  /* Only the inverse's last kernel needs signs, one Philox per value: the
   * simple form, at the price of recomputing each draw 128 times. */
  bool sign = last && j.inverse;
  uint64_t seed = sign ? job_seed(j) : 0;
#pragma unroll
  for (int k = 0; k < W; k++) {
    uint64_t i = i0 + k * span;
    settle(j, i, v[k], last, sign && gcomp_rotation_negate(seed, i));
  }
}

gcompResult_t run(const rot_job &j, cudaStream_t s) {
  uint64_t tile = j.n < kTile ? j.n : kTile;
  rotate_tile<<<(unsigned)(j.n / tile), GCOMP_DEV_THREADS, 0, s>>>(j);
  GCOMP_LAUNCHED();
  uint32_t log_n = 0;
  while (((uint64_t)1 << log_n) < j.n) log_n++;
  for (uint32_t log_span = 12; log_span < log_n;) {
    uint32_t R = log_n - log_span < 3 ? log_n - log_span : 3;
    int last = log_span + R == log_n;
    unsigned blocks = gcomp_dev_blocks(j.n >> R, GCOMP_DEV_THREADS, 0x7fffffffu);
    if (R == 3)
      rotate_spans<3><<<blocks, GCOMP_DEV_THREADS, 0, s>>>(j, log_span, last);
    else if (R == 2)
      rotate_spans<2><<<blocks, GCOMP_DEV_THREADS, 0, s>>>(j, log_span, last);
    else
      rotate_spans<1><<<blocks, GCOMP_DEV_THREADS, 0, s>>>(j, log_span, last);
    GCOMP_LAUNCHED();
    log_span += R;
  }
  return gcompSuccess;
}

}  // namespace

gcompResult_t gcomp_dev_rotate_forward(const float *x, uint64_t d, uint64_t n,
                                       uint64_t seed, float *y, gcomp_dev_call *call,
                                       cudaStream_t s) {
  rot_job j = {x, y, nullptr, d, n, seed, gcomp_rotation_scale(n), 0.0f, 0, call};
  return run(j, s);
}

gcompResult_t gcomp_dev_rotate_inverse(float *y, uint64_t n, float *dst, uint64_t d,
                                       float beta, gcomp_dev_call *call, cudaStream_t s) {
  rot_job j = {nullptr, y, dst, d, n, 0, gcomp_rotation_scale(n), beta, 1, call};
  return run(j, s);
}
