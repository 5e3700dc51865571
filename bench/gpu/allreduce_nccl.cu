// allreduce_nccl: gcomp's compressed allreduce over NCCL on device buffers,
// the columns of bench/mpi/allreduce_perf.c (nccl-tests' conventions).
//
//   allreduce_nccl [-b 1K] [-e 64M] [-f 2] [-n 20] [-w 5] [--codec CODEC]
//       [--param NAME=VALUE]... [--algo auto|allgather|twophase] [-x slots|exact]
//       [--slot-bits B] [--link-gbps G]
//
// One process, one GPU, one rank (ncclCommInitAll over device 0): the time
// is encode + exchange machinery + decode on this GPU. Each row: gcomp's
// time (CUDA events, after warm-up), algbw and busbw, the payload bytes a
// rank encodes and the bytes it puts on the wire per peer (slots mode: the
// slot capacity), the ratio, the relative error against the exact sum,
// then ncclAllReduce of the same buffer in fp32 and in bf16. With
// --link-gbps: the modelled time at P = 8 ranks on a link of G Gbit/s,
// measured time plus wire bytes / bandwidth, against a bf16 ring.
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <nccl.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gcomp.h"
#include "gcomp_nccl.h"

namespace {

struct Options {
  size_t min_bytes = 1024, max_bytes = 64u << 20;
  double factor = 2;
  int iters = 20, warmup = 5;
  const char *codec = "sd";
  std::vector<const char *> params;
  gcompAlgo_t algo = gcompAlgoAuto;
  gcompExchange_t mode = gcompExchangeSlots;
  double slot_bits = 0, link_gbps = 0;
};

#define CHECK(x)                                                                  \
  do {                                                                            \
    if (!(x)) {                                                                   \
      std::fprintf(stderr, "allreduce_nccl: %s:%d: %s failed (%s)\n", __FILE__, __LINE__, \
                   #x, gcompGetLastErrorDetail());                                \
      std::exit(1);                                                               \
    }                                                                             \
  } while (0)

size_t parse_size(const char *s) {
  char *end;
  double v = std::strtod(s, &end);
  if (*end == 'K' || *end == 'k') v *= 1024;
  if (*end == 'M' || *end == 'm') v *= 1024.0 * 1024;
  if (*end == 'G' || *end == 'g') v *= 1024.0 * 1024 * 1024;
  return v > 0 ? (size_t)v : 0;
}

bool parse(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (i + 1 >= argc) return false;
    const char *v = argv[++i];
    if (!std::strcmp(a, "-b")) o->min_bytes = parse_size(v);
    else if (!std::strcmp(a, "-e")) o->max_bytes = parse_size(v);
    else if (!std::strcmp(a, "-f")) o->factor = std::atof(v);
    else if (!std::strcmp(a, "-n")) o->iters = std::atoi(v);
    else if (!std::strcmp(a, "-w")) o->warmup = std::atoi(v);
    else if (!std::strcmp(a, "--codec")) o->codec = v;
    else if (!std::strcmp(a, "--param")) o->params.push_back(v);
    else if (!std::strcmp(a, "--slot-bits")) o->slot_bits = std::atof(v);
    else if (!std::strcmp(a, "--link-gbps")) o->link_gbps = std::atof(v);
    else if (!std::strcmp(a, "-x"))
      o->mode = std::strcmp(v, "exact") ? gcompExchangeSlots : gcompExchangeExact;
    else if (!std::strcmp(a, "--algo"))
      o->algo = !std::strcmp(v, "allgather") ? gcompAlgoAllGather
                : !std::strcmp(v, "twophase") ? gcompAlgoTwoPhase
                                              : gcompAlgoAuto;
    else return false;
  }
  return o->min_bytes >= 4 && o->max_bytes >= o->min_bytes && o->factor > 1 && o->iters >= 1 &&
         o->warmup >= 0;
}

gcompCodec_t make_codec(const Options &o) {
  gcompCodecConfig_t cfg;
  CHECK(gcompCodecConfigInit(&cfg, o.codec) == gcompSuccess);
  for (const char *p : o.params) {
    const char *eq = std::strchr(p, '=');
    CHECK(eq != nullptr);
    std::string name(p, (size_t)(eq - p));
    CHECK(gcompCodecConfigSetParam(&cfg, name.c_str(), eq + 1) == gcompSuccess);
  }
  gcompCodec_t codec;
  CHECK(gcompCodecCreate(&codec, &cfg) == gcompSuccess);
  return codec;
}

__global__ void fill(float *x, size_t n) {  // xorshift of the index: no RNG state
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    uint32_t s = (uint32_t)i * 2654435761u + 12345u;
    s ^= s << 13, s ^= s >> 17, s ^= s << 5;
    x[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
  }
}

__global__ void to_bf16(const float *x, __nv_bfloat16 *h, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x)
    h[i] = __float2bfloat16_rn(x[i]);
}

// Average seconds a call over `iters`, after `warmup` untimed calls.
template <typename F>
double time_it(const Options &o, cudaStream_t s, F body) {
  for (int i = 0; i < o.warmup; i++) body();
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a) == cudaSuccess && cudaEventCreate(&b) == cudaSuccess);
  CHECK(cudaEventRecord(a, s) == cudaSuccess);
  for (int i = 0; i < o.iters; i++) body();
  CHECK(cudaEventRecord(b, s) == cudaSuccess);
  CHECK(cudaEventSynchronize(b) == cudaSuccess);
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return ms / 1e3 / o.iters;
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  if (!parse(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: allreduce_nccl [-b SIZE] [-e SIZE] [-f F] [-n ITERS] [-w WARMUP]\n"
                 "       [--codec CODEC] [--param NAME=VALUE]... [--algo auto|allgather|twophase]\n"
                 "       [-x slots|exact] [--slot-bits B] [--link-gbps G]\n");
    return 2;
  }
  int ndev = 0;
  if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0) {
    std::fprintf(stderr, "allreduce_nccl: no CUDA device\n");
    return 1;
  }
  gcompCodec_t codec = make_codec(o);
  int dev = 0;
  ncclComm_t nccl;
  CHECK(ncclCommInitAll(&nccl, 1, &dev) == ncclSuccess);
  cudaStream_t s;
  CHECK(cudaStreamCreate(&s) == cudaSuccess);
  gcompCommConfig_t cfg = GCOMP_COMM_CONFIG_INITIALIZER;
  cfg.algorithm = o.algo;
  gcompComm_t comm;
  CHECK(gcompCommCreateNccl(&comm, nccl, &cfg) == gcompSuccess);
  CHECK(gcompCommSetExchange(comm, o.mode, o.slot_bits) == gcompSuccess);
  size_t maxn = o.max_bytes / 4;
  float *x, *y, *ref;
  __nv_bfloat16 *h;
  CHECK(cudaMalloc(&x, maxn * 4) == cudaSuccess && cudaMalloc(&y, maxn * 4) == cudaSuccess);
  CHECK(cudaMalloc(&ref, maxn * 4) == cudaSuccess && cudaMalloc(&h, maxn * 2) == cudaSuccess);
  std::printf("# gcomp allreduce_nccl: 1 rank, codec %s", o.codec);
  for (const char *p : o.params) std::printf(" %s", p);
  std::printf(", exchange %s, %d iters after %d warm-up\n",
              o.mode == gcompExchangeExact ? "exact" : "slots", o.iters, o.warmup);
  std::printf("# %12s %12s %10s %8s %8s %12s %12s %7s %9s %10s %10s", "size(B)", "count",
              "time(us)", "algbw", "busbw", "bytes/rank", "wire/peer", "ratio", "relerr",
              "fp32(us)", "bf16(us)");
  if (o.link_gbps > 0) std::printf(" %11s %11s %7s", "model8(us)", "bf16m8(us)", "speedup");
  std::printf("\n");
  std::vector<float> hy, hx;
  for (size_t bytes = o.min_bytes;;) {
    size_t n = bytes / 4;
    fill<<<1024, 256, 0, s>>>(x, n);
    gcompCommStats_t st0, st1;
    CHECK(gcompCommGetStats(comm, &st0) == gcompSuccess);
    double t = time_it(o, s, [&] {
      CHECK(gcompAllReduce(x, y, n, codec, gcompSum, comm, s) == gcompSuccess);
    });
    gcompResult_t status;
    CHECK(gcompCommGetAsyncError(comm, s, &status) == gcompSuccess);
    if (status != gcompSuccess) {
      std::fprintf(stderr, "allreduce_nccl: %s\n", gcompGetErrorString(status));
      break;
    }
    CHECK(gcompCommGetStats(comm, &st1) == gcompSuccess);
    double payload = (double)(st1.bytesEncoded - st0.bytesEncoded) / (o.iters + o.warmup);
    size_t bound = 0;
    CHECK(gcompEncodeBound(codec, n, &bound) == gcompSuccess);
    double slot = o.slot_bits > 0 ? std::fmin((double)bound, 1024 + o.slot_bits * n / 8)
                                  : (double)bound;
    double wire = o.mode == gcompExchangeExact ? payload : slot;
    // relative error against the exact sum (one rank: x itself)
    hx.resize(n), hy.resize(n);
    cudaMemcpy(hx.data(), x, n * 4, cudaMemcpyDeviceToHost);
    cudaMemcpy(hy.data(), y, n * 4, cudaMemcpyDeviceToHost);
    double e2 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
      e2 += ((double)hy[i] - hx[i]) * ((double)hy[i] - hx[i]);
      s2 += (double)hx[i] * hx[i];
    }
    double t32 = time_it(o, s, [&] {
      CHECK(ncclAllReduce(x, ref, n, ncclFloat32, ncclSum, nccl, s) == ncclSuccess);
    });
    to_bf16<<<1024, 256, 0, s>>>(x, h, n);
    double t16 = time_it(o, s, [&] {
      CHECK(ncclAllReduce(h, h, n, ncclBfloat16, ncclSum, nccl, s) == ncclSuccess);
    });
    double algbw = (double)bytes / t / 1e9, busbw = 0; /* 2 (P-1)/P = 0 at one rank */
    std::printf("  %12zu %12zu %10.1f %8.3f %8.3f %12.0f %12.0f %7.2f %9.2e %10.1f %10.1f",
                bytes, n, t * 1e6, algbw, busbw, payload, wire, 4.0 * n / payload,
                s2 > 0 ? std::sqrt(e2 / s2) : 0.0, t32 * 1e6, t16 * 1e6);
    if (o.link_gbps > 0) {  // allgather at P = 8: 7 payloads in; bf16 ring: 2 (P-1)/P 2n
      double bw = o.link_gbps * 1e9 / 8, P = 8;
      double model = t + (P - 1) * wire / bw, ring = t16 + 2 * (P - 1) / P * 2.0 * n / bw;
      std::printf(" %11.1f %11.1f %7.2f", model * 1e6, ring * 1e6, ring / model);
    }
    std::printf("\n");
    std::fflush(stdout);
    if (bytes >= o.max_bytes) break;
    size_t next = (size_t)std::ceil((double)bytes * o.factor);
    bytes = next < o.max_bytes ? next : o.max_bytes;
  }
  cudaFree(x), cudaFree(y), cudaFree(ref), cudaFree(h);
  gcompCommFree(comm);
  ncclCommDestroy(nccl);
  cudaStreamDestroy(s);
  gcompCodecFree(codec);
  return 0;
}
