/* The reductions of x the codecs' scales come from: the canonical sums of
 * squares and of magnitudes (shared/norm.h), and the largest magnitude.
 * The sums take one 256-thread block per 4096-value chunk, then one per
 * group of 256 partials, level by level: exactly the CPU's lanes and
 * trees, so the double that decides a scale is the same bits on both
 * sides. The level count follows from len alone, so the host enqueues
 * every level without waiting. */
#include "stages/stages.cuh"

#include "shared/bits.h"
#include "shared/norm.h"

namespace {

static_assert(GCOMP_NORM_LANES == GCOMP_DEV_THREADS, "one thread per lane");

/* gcomp_tree_reduce over p[0..n) with thread i doing index i: within a
 * step the reads p[i + half] sit in the part no thread writes. */
__device__ double tree_reduce(double *p, uint32_t n) {
  __syncthreads();
  while (n > 1) {
    uint32_t half = (n + 1) / 2;
    if (threadIdx.x + half < n) p[threadIdx.x] += p[threadIdx.x + half];
    __syncthreads();
    n = half;
  }
  return p[0];
}

/* l1: the sum of |x_i| (gcomp_chunk_sumabs) instead of the squares. */
__global__ void __launch_bounds__(GCOMP_NORM_LANES)
    norm_chunks(const float *x, uint64_t len, int l1, double *out, const gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  __shared__ double p[GCOMP_NORM_LANES];
  uint64_t off = (uint64_t)blockIdx.x * GCOMP_NORM_CHUNK;
  uint32_t m = (uint32_t)(len - off < GCOMP_NORM_CHUNK ? len - off : GCOMP_NORM_CHUNK);
  double acc = 0.0;
  /* no DFMA in the adds: the file is built with --fmad=false */
  for (uint32_t k = threadIdx.x; k < m; k += GCOMP_NORM_LANES)
    acc += l1 ? gcomp_norm_abs_term(x[off + k]) : gcomp_norm_sq_term(x[off + k]);
  p[threadIdx.x] = acc;
  double r = tree_reduce(p, GCOMP_NORM_LANES);
  if (threadIdx.x == 0) out[blockIdx.x] = r;
}

__global__ void __launch_bounds__(GCOMP_NORM_LANES)
    norm_groups(const double *in, uint64_t m, double *out, const gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  __shared__ double p[GCOMP_NORM_LANES];
  uint64_t off = (uint64_t)blockIdx.x * GCOMP_NORM_LANES;
  uint32_t len = (uint32_t)(m - off < GCOMP_NORM_LANES ? m - off : GCOMP_NORM_LANES);
  p[threadIdx.x] = threadIdx.x < len ? in[off + threadIdx.x] : 0.0;
  double r = tree_reduce(p, len);
  if (threadIdx.x == 0) out[blockIdx.x] = r;
}

/* Squares are never negative, so "not <= DBL_MAX" is exactly NaN or Inf. */
__device__ bool finite_sum(double s) { return s <= 1.7976931348623157e308; }

__global__ void check_rotatable(gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  double s = call->sumsq;
  if (!finite_sum(s))
    gcomp_dev_fail(call, gcompNonFiniteInput);
  else if (s > 0x1p200) /* pipeline.c's GCOMP_ROTATE_MAX_SUMSQ */
    gcomp_dev_fail(call, gcompParameterOutOfRange);
}

__global__ void __launch_bounds__(GCOMP_DEV_THREADS)
    absmax(const float *x, uint64_t n, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  uint32_t m = 0;
  uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
    m = max(m, gcomp_abs_bits(x[i]));
  m = __reduce_max_sync(0xffffffffu, m);
  if ((threadIdx.x & 31u) == 0 && m) atomicMax(&call->absmax, m);
}

/* The canonical sum into *sum, a device address. */
gcompResult_t canonical_sum(const float *x, uint64_t len, int l1, double *a, double *b,
                            double *sum, gcomp_dev_call *call, cudaStream_t s) {
  uint64_t m = (len + GCOMP_NORM_CHUNK - 1) / GCOMP_NORM_CHUNK;
  /* n <= 2^40 gives at most 2^28 chunks: within the grid's x limit. */
  norm_chunks<<<(unsigned)m, GCOMP_NORM_LANES, 0, s>>>(x, len, l1, m == 1 ? sum : a, call);
  GCOMP_LAUNCHED();
  /* Ping-pong: a block of a level reads a group another block may be
   * overwriting if the level worked in place. */
  double *in = a, *out = b;
  while (m > 1) {
    uint64_t groups = (m + GCOMP_NORM_LANES - 1) / GCOMP_NORM_LANES;
    norm_groups<<<(unsigned)groups, GCOMP_NORM_LANES, 0, s>>>(
        in, m, groups == 1 ? sum : out, call);
    GCOMP_LAUNCHED();
    double *t = in;
    in = out;
    out = t;
    m = groups;
  }
  return gcompSuccess;
}

}  // namespace

gcompResult_t gcomp_dev_sumsq(const float *x, uint64_t len, double *a, double *b,
                              gcomp_dev_call *call, cudaStream_t s) {
  return canonical_sum(x, len, 0, a, b, &call->sumsq, call, s);
}

gcompResult_t gcomp_dev_sumabs(const float *x, uint64_t len, double *a, double *b,
                               gcomp_dev_call *call, cudaStream_t s) {
  return canonical_sum(x, len, 1, a, b, &call->sumabs, call, s);
}

gcompResult_t gcomp_dev_check_rotatable(gcomp_dev_call *call, cudaStream_t s) {
  check_rotatable<<<1, 1, 0, s>>>(call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_absmax(const float *x, uint64_t n, gcomp_dev_call *call,
                               cudaStream_t s) {
  absmax<<<gcomp_dev_blocks(n, GCOMP_DEV_THREADS, 4096), GCOMP_DEV_THREADS, 0, s>>>(x, n, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}
