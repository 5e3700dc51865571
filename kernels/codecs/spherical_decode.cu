/* Spherical Compression decoder (docs/FORMAT-spherical.md): host/codecs/spherical.c's
 * floats and rejects. `sc_head` reads R and k; the blocks of the structured
 * body are found by codecs/spherical_walk.cuh's segment walks (`sc_guess`
 * in parallel, the `sc_sweep` that makes them exact, `sc_words` to record
 * each block's (T - 1, code)), all with shared/spherical.h's reader, the
 * CPU's own checks; then `sc_emit`, one thread a block, rebuilds each
 * block's candidate and writes the output. */
#include "codecs/spherical.cuh"

#include "shared/bits.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

struct dec_job {
  const uint8_t *src;
  uint64_t n, m, nb;
  gcomp_sc_region r;
  float *out;
  int to_dst;
  float beta;
  gcomp_dev_call *call;
};

/* spherical_decode's checks up to the blocks, in its order (gcomp_dev_verify
 * has checked the header, the packing against the method, alpha and the
 * block range). */
__device__ gcompResult_t head(const dec_job &j) {
  gcomp_sc_state *st = j.r.st;
  uint64_t bits = j.call->body_bits;
  /* The workspace holds the codec's blocks: a payload of another block
   * size means the ranks disagree, as for another packing or d. */
  if (gcomp_dev_ld_u64(j.src + 48) != j.m) return gcompInvalidUsage;
  if (j.src[7] == gcompPackDirect) {
    st->direct_in = 1;
    return bits == 32 * j.n ? gcompSuccess : gcompCorruptPayload;
  }
  double as = gcomp_sc_alpha_s(j.call->param);
  if (!(as > 0)) return gcompCorruptPayload;
  gcomp_bitreader br;
  gcomp_br_init(&br, j.src + 64, bits);
  uint32_t u = (uint32_t)gcomp_br_get(&br, GCOMP_SC_R_BITS), exp = u >> 23;
  if (br.overrun) return gcompCorruptPayload;
  if (u != 0 && (exp == 0 || exp == 255)) return gcompCorruptPayload;
  if (u == 0) return bits == GCOMP_SC_R_BITS ? gcompSuccess : gcompCorruptPayload;
  st->k = (uint32_t)gcomp_br_get(&br, GCOMP_SC_K_BITS);
  if (br.overrun) return gcompCorruptPayload;
  st->R = gcomp_u2f(u);
  st->c = gcomp_sqrt_rn(1.0 - as);
  return gcompSuccess;
}

__global__ void sc_head(dec_job j) {
  if (gcomp_dev_failed(j.call)) return;
  gcompResult_t r = head(j);
  if (r != gcompSuccess) gcomp_dev_fail(j.call, r);
}

/* A structured body with blocks to find (R > 0), and no failure so far. */
__device__ bool walking(const dec_job &j) {
  return !gcomp_dev_failed(j.call) && !j.r.st->direct_in && j.r.st->R != 0.0f;
}

__global__ void __launch_bounds__(kThreads) sc_guess(dec_job j) {
  uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (!walking(j) || i >= gcomp_sc_segments(j.call->body_bits, j.r.walk.cap)) return;
  gcomp_sc_walk_guess(&j.r.walk, j.src + 64, j.call->body_bits, j.r.st->k, i);
}

__global__ void sc_sweep(dec_job j) {
  if (walking(j) && !gcomp_sc_walk_sweep(&j.r.walk, j.src + 64, j.call->body_bits,
                                         j.r.st->k, j.nb))
    gcomp_dev_fail(j.call, gcompCorruptPayload);
}

__global__ void __launch_bounds__(kThreads) sc_words(dec_job j) {
  uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (!walking(j) || i >= gcomp_sc_segments(j.call->body_bits, j.r.walk.cap)) return;
  gcomp_sc_walk_segment(&j.r.walk, j.src + 64, j.call->body_bits, j.r.st->k, i, j.r.words,
                        j.nb);
}

__global__ void __launch_bounds__(kThreads) sc_emit(dec_job j) {
  if (gcomp_dev_failed(j.call)) return;
  const gcomp_sc_state *st = j.r.st;
  uint64_t seed = j.call->seed, stride = (uint64_t)gridDim.x * blockDim.x;
  float y[GCOMP_SC_MAX_BLOCK];
  for (uint64_t b = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; b < j.nb; b += stride) {
    uint32_t mb = gcomp_sc_block_len(j.n, j.m, b);
    uint64_t at = b * j.m;
    bool ok = true;
    if (st->direct_in) {
      for (uint32_t i = 0; i < mb; i++) {
        y[i] = gcomp_u2f(gcomp_dev_ld_u32(j.src + 64 + 4 * (at + i)));
        ok = ok && gcomp_dev_finite(y[i]); /* no encoder writes NaN or Inf */
      }
    } else {
      uint64_t w = st->R == 0.0f ? 0 : j.r.words[b];
      unsigned code = (unsigned)(w & 255u);
      if (code == 0)
        for (uint32_t i = 0; i < mb; i++) y[i] = 0.0f;
      else /* a zero candidate: no encoder picks one */
        ok = gcomp_sc_block_output(seed, b, (w >> 8) + 1, mb, (double)st->R, code, st->c, y);
    }
    if (!ok) {
      gcomp_dev_fail(j.call, gcompCorruptPayload);
      continue;
    }
    /* mul then add, no FMA (--fmad=false): pipeline.c's rounding */
    for (uint32_t i = 0; i < mb; i++)
      j.out[at + i] = !j.to_dst || j.beta == 0.0f ? y[i] : y[i] + j.beta * j.out[at + i];
  }
}

}  // namespace

gcompResult_t gcomp_dev_sc_decode(const uint8_t *src, uint64_t n, uint64_t m, void *region,
                                  float *out, int to_dst, float beta, gcomp_dev_call *call,
                                  cudaStream_t s) {
  uint64_t nb = gcomp_sc_blocks(n, m);
  dec_job j = {src, n, m, nb, {}, out, to_dst, beta, call};
  size_t bytes;
  GCOMP_TRY(gcomp_sc_carve(region, nb, &j.r, &bytes));
  GCOMP_CUDA_TRY(cudaMemsetAsync(j.r.st, 0, sizeof *j.r.st, s));
  unsigned segs = gcomp_dev_blocks(j.r.walk.cap, kThreads, 1024);
  sc_head<<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  sc_guess<<<segs, kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  sc_sweep<<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  sc_words<<<segs, kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  sc_emit<<<gcomp_dev_blocks(nb, kThreads, 8192), kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}
