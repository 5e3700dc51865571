/* Spherical Compression encoder (docs/FORMAT-spherical.md), making
 * host/codecs/spherical.c's bytes. Stages, on the caller's stream:
 *
 *   sc_norms   one thread a block: its sum of squares, the largest by an
 *              atomic max on the bits (non-negative doubles order as
 *              integers, so the max is exact in any order)
 *   sc_scale   one thread: R, and the block-order total when underflow is
 *              possible at all
 *   sc_search  one warp a block: lanes try trials t, t + 1, ..., t + 31 at
 *              once, a ballot keeps the first that passes, so T is the
 *              CPU's sequential answer; then the block's bit length
 *   CUB scan   bit lengths to offsets
 *   sc_layout  one thread: the underflow check, the packing, the header
 *   sc_clear, sc_pack, sc_edges   the structured body (codecs/spherical_pack.cu)
 *   sc_direct  the direct body: each block's output, recomputed from T
 *
 * The decision rules live in shared/spherical.h, which the CPU calls too. */
#include "codecs/spherical.cuh"

#include <cub/device/device_scan.cuh>

#include "core/verify.cuh"
#include "shared/bits.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;
constexpr uint32_t kWarps = kThreads / 32;
constexpr unsigned kAll = 0xffffffffu;

struct enc_job {
  const float *x;
  uint64_t n, m, nb, seed, max_trial;
  double alpha, one_minus_as, c;
  uint32_t k;
  int packing; /* as configured: auto, structured or direct */
  gcomp_sc_region r;
  uint8_t *dst;
  size_t cap;
  gcomp_dev_header h;
  gcomp_dev_call *call;
};

__device__ uint64_t warp_max(uint64_t v) {
  for (int o = 16; o > 0; o >>= 1) {
    uint64_t u = __shfl_down_sync(kAll, v, o);
    v = u > v ? u : v;
  }
  return v;
}

/* Lane 0's reading for the whole warp: another block may fail while this
 * one runs, and lanes must agree to reach the warp's collectives. */
__device__ bool warp_failed(const gcomp_dev_call *call) {
  return __shfl_sync(kAll, (int)gcomp_dev_failed(call), 0) != 0;
}

__global__ void __launch_bounds__(kThreads) sc_norms(enc_job j) {
  if (warp_failed(j.call)) return;
  uint64_t worst = 0, stride = (uint64_t)gridDim.x * blockDim.x;
  bool bad = false;
  for (uint64_t b = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; b < j.nb; b += stride) {
    double rr = gcomp_sc_sumsq(j.x + b * j.m, gcomp_sc_block_len(j.n, j.m, b));
    /* Only NaN or Inf make it non-finite: 64 squares of floats fit. */
    if (!(rr <= 1.7976931348623157e308)) {
      bad = true;
      continue;
    }
    j.r.rr[b] = rr;
    uint64_t u = (uint64_t)__double_as_longlong(rr);
    worst = u > worst ? u : worst;
  }
  /* pipeline.c's check_finite (rotate = 1 has checked before rotating). */
  if (bad) gcomp_dev_fail(j.call, gcompNonFiniteInput);
  worst = warp_max(worst);
  if ((threadIdx.x & 31u) == 0 && worst)
    atomicMax(&j.r.st->worst, (unsigned long long)worst);
}

__global__ void sc_scale(enc_job j) {
  if (gcomp_dev_failed(j.call)) return;
  gcomp_sc_state *st = j.r.st;
  st->k = j.k;
  st->c = j.c;
  double worst = __longlong_as_double((long long)st->worst);
  float R;
  if (gcomp_sc_scale(worst, &R) != 0) {
    gcomp_dev_fail(j.call, gcompParameterOutOfRange);
    return;
  }
  st->R = R;
  /* The total is at least the largest term (partial sums of non-negative
   * terms never fall), so only vectors whose every block is below the
   * threshold need the CPU's sequential sum: a slow loop for a case no
   * gradient reaches, and exact. */
  double threshold = (double)j.n * 0x1p-250;
  if (R == 0.0f || worst >= threshold) return;
  double total = 0.0;
  for (uint64_t b = 0; b < j.nb; b++) total += j.r.rr[b];
  st->total = total;
  st->underflow = total < threshold;
}

__global__ void __launch_bounds__(kThreads) sc_search(enc_job j) {
  uint32_t lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
  if (warp_failed(j.call)) return;
  __shared__ float xs[kWarps][GCOMP_SC_MAX_BLOCK];
  __shared__ double tail[kWarps][GCOMP_SC_MAX_BLOCK / 4 + 1];
  const gcomp_sc_state *st = j.r.st;
  double R = (double)st->R;
  unsigned k = j.k;
  uint64_t warps = (uint64_t)gridDim.x * kWarps;
  for (uint64_t b = (uint64_t)blockIdx.x * kWarps + warp; b < j.nb; b += warps) {
    if (R == 0.0) { /* the zero vector: no blocks in the body */
      if (lane == 0) j.r.bits[b] = 0;
      continue;
    }
    uint32_t mb = gcomp_sc_block_len(j.n, j.m, b);
    for (uint32_t i = lane; i < mb; i += 32) xs[warp][i] = j.x[b * j.m + i];
    double rr = j.r.rr[b];
    unsigned code = gcomp_sc_norm_code(gcomp_sqrt_rn(rr), R);
    uint64_t T = 0;
    if (code != 0) {
      __syncwarp();
      if (lane == 0) gcomp_sc_tail_squares(xs[warp], mb, tail[warp]);
      __syncwarp();
      float g[GCOMP_SC_MAX_BLOCK];
      double gg;
      for (uint64_t base = 1;; base += 32) {
        uint64_t t = base + lane;
        bool ok = t <= j.max_trial && gcomp_sc_try(j.seed, b, t, xs[warp], mb, rr, tail[warp],
                                                   j.one_minus_as, g, &gg);
        unsigned hit = __ballot_sync(kAll, ok);
        if (hit) {
          T = base + (uint64_t)(__ffs(hit) - 1);
          break;
        }
        if (base + 32 > j.max_trial) break; /* every t <= max_trial tried */
      }
    }
    if (lane == 0) {
      if (code != 0 && T == 0) gcomp_dev_fail(j.call, gcompInternalError); /* as the CPU */
      j.r.words[b] = code ? (T - 1) << 8 | code : 0;
      j.r.bits[b] = GCOMP_SC_CODE_BITS + (code ? gcomp_rice_len(T - 1, k) : 0);
    }
    __syncwarp(); /* xs and tail are rewritten for the next block */
  }
}

/* The reference output of block b (what the structured decoder makes). */
__device__ void block_output(const enc_job &j, uint64_t b, uint32_t mb, float *y) {
  uint64_t w = j.r.words[b];
  unsigned code = (unsigned)(w & 255u);
  if (code == 0 ||
      !gcomp_sc_block_output(j.seed, b, (w >> 8) + 1, mb, (double)j.r.st->R, code, j.c, y))
    for (uint32_t i = 0; i < mb; i++) y[i] = 0.0f;
}

/* spherical.c's within_alpha, i ascending, on one thread: it only runs for
 * vectors below the underflow threshold. */
__device__ bool within_alpha(const enc_job &j, double total) {
  double err = 0.0;
  float y[GCOMP_SC_MAX_BLOCK];
  for (uint64_t b = 0; b < j.nb; b++) {
    uint32_t mb = gcomp_sc_block_len(j.n, j.m, b);
    block_output(j, b, mb, y);
    for (uint32_t i = 0; i < mb; i++) {
      double d = (double)y[i] - (double)j.x[b * j.m + i];
      err += d * d;
    }
  }
  return err <= j.alpha * (1.0 - 0x1p-10) * total;
}

/* spherical_encode's choices after the search, in its order. */
__global__ void sc_layout(enc_job j) {
  if (gcomp_dev_failed(j.call)) return;
  gcomp_sc_state *st = j.r.st;
  int packing = j.packing == gcompPackDirect ? gcompPackDirect : gcompPackStructured;
  uint64_t bits = GCOMP_SC_R_BITS; /* the zero vector, unless direct */
  if (st->R != 0.0f) {
    if (st->underflow && !within_alpha(j, st->total)) {
      if (j.packing == gcompPackStructured) {
        gcomp_dev_fail(j.call, gcompParameterOutOfRange);
        return;
      }
      st->replaced = 1; /* x itself, exact, goes out direct */
    }
    bits = GCOMP_SC_HEAD_BITS + j.r.offsets[j.nb - 1] + j.r.bits[j.nb - 1];
    if (j.packing == gcompPackAuto && (st->replaced || bits > 32 * j.n))
      packing = gcompPackDirect;
  }
  if (packing == gcompPackDirect) bits = 32 * j.n;
  st->packing = packing;
  gcomp_dev_header h = j.h;
  h.b[7] = (uint8_t)packing;
  if (gcomp_dev_put_header(j.dst, j.cap, h, (bits + 7) / 8, j.call)) {
    gcomp_dev_st_u64(j.dst + 32, bits); /* not a whole number of bytes */
    j.call->body_bits = bits;
  }
}

__global__ void __launch_bounds__(kThreads) sc_direct(enc_job j) {
  if (gcomp_dev_failed(j.call) || j.r.st->packing != gcompPackDirect) return;
  const gcomp_sc_state *st = j.r.st;
  uint8_t *body = j.dst + 64;
  float y[GCOMP_SC_MAX_BLOCK];
  uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t b = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; b < j.nb; b += stride) {
    uint32_t mb = gcomp_sc_block_len(j.n, j.m, b);
    const float *v = y;
    if (st->replaced)
      v = j.x + b * j.m;
    else if (st->R != 0.0f)
      block_output(j, b, mb, y);
    else
      for (uint32_t i = 0; i < mb; i++) y[i] = 0.0f;
    for (uint32_t i = 0; i < mb; i++) gcomp_dev_st_u32(body + 4 * (b * j.m + i), gcomp_f2u(v[i]));
  }
}

}  // namespace

gcompResult_t gcomp_sc_carve(void *region, uint64_t nb, gcomp_sc_region *r, size_t *bytes) {
  auto take = [&](size_t n) {
    size_t o = *bytes;
    *bytes += (n + 255) / 256 * 256;
    return region ? static_cast<uint8_t *>(region) + o : nullptr;
  };
  *bytes = 0;
  r->st = reinterpret_cast<gcomp_sc_state *>(take(sizeof(gcomp_sc_state)));
  r->words = reinterpret_cast<uint64_t *>(take(nb * 8));
  r->bits = reinterpret_cast<uint64_t *>(take(nb * 8));
  r->offsets = reinterpret_cast<uint64_t *>(take(nb * 8));
  r->rr = reinterpret_cast<double *>(r->offsets);
  r->scan_bytes = 0;
  /* nb <= 2^40 blocks would overflow an int count: CUB's 64-bit offsets. */
  GCOMP_CUDA_TRY(cub::DeviceScan::ExclusiveSum(nullptr, r->scan_bytes, (uint64_t *)nullptr,
                                               (uint64_t *)nullptr, (int64_t)nb));
  r->scan_temp = take(r->scan_bytes);
  /* Bodies run about 15 bits a block and segments at least 4096 bits, so
   * nb / 16 segments are plenty; past 2^15 the segments grow instead,
   * which keeps the sweep's serial part short. */
  uint64_t cap = nb / 16 + 1 < 32768 ? nb / 16 + 1 : 32768;
  uint64_t *seg = reinterpret_cast<uint64_t *>(take(5 * cap * 8));
  auto part = [&](uint64_t q) { return seg ? seg + q * cap : nullptr; };
  r->walk = {part(0), part(1), part(2), part(3), part(4), cap};
  return gcompSuccess;
}

gcompResult_t gcomp_dev_sc_bytes(uint64_t n, uint64_t m, size_t *bytes) {
  gcomp_sc_region r;
  return gcomp_sc_carve(nullptr, gcomp_sc_blocks(n, m), &r, bytes);
}

gcompResult_t gcomp_dev_sc_encode(const float *x, const gcomp_dev_sc_args *a, uint64_t seed,
                                  void *region, uint8_t *dst, size_t cap,
                                  const gcomp_dev_header *h, gcomp_dev_call *call,
                                  cudaStream_t s) {
  double as = gcomp_sc_alpha_s(a->alpha), lp;
  /* The configured codec passed these checks already; k is the CPU's. */
  if (!(as > 0) || gcompSphericalCapLog2(as, a->m, &lp) != gcompSuccess)
    return gcomp_fail(gcompInternalError, "log2 P(%g, %llu) failed", as,
                      (unsigned long long)a->m);
  uint32_t k = gcomp_sc_rice_parameter(lp);
  uint64_t nb = gcomp_sc_blocks(a->n, a->m);
  enc_job j = {x,        a->n,     a->m,
               nb,       seed,     (uint64_t)(GCOMP_SC_ENCODE_MAX_QUOTIENT + 1) << k,
               a->alpha, 1.0 - as, gcomp_sqrt_rn(1.0 - as),
               k,        a->packing, {},
               dst,      cap,      *h,
               call};
  size_t bytes;
  GCOMP_TRY(gcomp_sc_carve(region, nb, &j.r, &bytes));
  GCOMP_CUDA_TRY(cudaMemsetAsync(j.r.st, 0, sizeof *j.r.st, s));
  unsigned per_thread = gcomp_dev_blocks(nb, kThreads, 8192);
  sc_norms<<<per_thread, kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  sc_scale<<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  sc_search<<<gcomp_dev_blocks(nb, kWarps, 1u << 16), kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  size_t scan_bytes = j.r.scan_bytes;
  GCOMP_CUDA_TRY(cub::DeviceScan::ExclusiveSum(j.r.scan_temp, scan_bytes, j.r.bits,
                                               j.r.offsets, (int64_t)nb, s));
  sc_layout<<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  GCOMP_TRY(gcomp_sc_pack_structured(&j.r, nb, dst, call, s));
  sc_direct<<<per_thread, kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

namespace {

gcompResult_t plan(gcomp_dev_plan *p, size_t *at) {
  size_t bytes;
  GCOMP_TRY(gcomp_dev_sc_bytes(p->n, p->c.iparam, &bytes));
  p->region = gcomp_dev_take(at, bytes);
  return gcompSuccess;
}

gcompResult_t encode(const gcomp_dev_plan *p, const gcomp_dev_enc *e) {
  gcomp_dev_sc_args a = {p->n, p->c.iparam, p->c.param, (int)p->c.packing};
  return gcomp_dev_sc_encode(e->x, &a, e->seed, gcomp_dev_at<void>(e->ws, p->region), e->dst,
                             e->cap, e->h, e->call, e->s);
}

gcompResult_t decode(const gcomp_dev_plan *p, const gcomp_dev_dec *d) {
  return gcomp_dev_sc_decode(d->src, p->n, p->c.iparam, gcomp_dev_at<void>(d->ws, p->region),
                             d->out, d->to_dst, d->beta, d->call, d->s);
}

/* spherical.c's header_ok; the body is gcomp_dev_sc_decode's to check. */
struct rules : gcomp_dev_no_framing {
  __device__ static bool header_ok(double param, uint64_t iparam) {
    return param > 0.0 && param < 1.0 && gcomp_sc_alpha_s(param) > 0 && iparam >= 1 &&
           iparam <= 64;
  }
};

}  // namespace

const gcomp_dev_method gcomp_dev_method_spherical = {
    gcompSpherical,                  /* id */
    0,                               /* reduces: the blocks' own sums */
    gcomp_dev_any_packing,           /* supported: structured, direct, auto */
    gcomp_dev_packing_as_configured, /* packing */
    plan,                            /* plan: the spherical region */
    nullptr,                         /* known_body */
    encode,                          /* encode */
    gcomp_dev_verify<rules>,         /* verify */
    decode,                          /* decode */
};
