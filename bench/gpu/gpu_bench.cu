/* GPU throughput of the device path: encode, decode and decode-accumulate
 * (beta = 1) of fp32 vectors, in GB/s of fp32 input, next to a
 * device-to-device cudaMemcpyAsync of the same bytes timed in the same run.
 *
 *   gpu_bench [-b LOG2_MIN] [-e LOG2_MAX] [-r REPS] [-w WARMUP]
 *
 * Sizes go from 2^b to 2^e in x4 steps (default 2^16 .. 2^28; a size that
 * does not fit the free device memory is skipped with a note). Each figure
 * is the mean of REPS back-to-back calls on one stream, timed with CUDA
 * events after WARMUP untimed calls, so it includes the launch gaps a real
 * caller sees. "x cpy" is time(memcpy) / time(call): 1.00 means as fast as
 * copying the input once. */
#include <cuda_runtime.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcomp.h"
#include "shared/philox.h"

#define CHECK(call)                                                                 \
  do {                                                                              \
    cudaError_t e_ = (call);                                                        \
    if (e_ != cudaSuccess) {                                                        \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,                 \
              cudaGetErrorString(e_));                                              \
      exit(1);                                                                      \
    }                                                                               \
  } while (0)

#define GCHECK(call)                                                                \
  do {                                                                              \
    gcompResult_t r_ = (call);                                                      \
    if (r_ != gcompSuccess) {                                                       \
      fprintf(stderr, "%s:%d: %s: %s (%s)\n", __FILE__, __LINE__, #call,            \
              gcompGetErrorString(r_), gcompGetLastErrorDetail());                  \
      exit(1);                                                                      \
    }                                                                               \
  } while (0)

/* Gaussian input (Box-Muller on Philox words): the bench's data only has to
 * look like a gradient, so fast math is fine here. */
__global__ void fill_gaussian(float *x, uint64_t d) {
  uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= d) return;
  gcomp_u32x4 r = gcomp_philox(12345, 0, i);
  float u1 = ((float)(r.v[0] >> 8) + 0.5f) * 0x1p-24f;
  float u2 = (float)(r.v[1] >> 8) * 0x1p-24f;
  x[i] = sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2);
}

static const char *const codecs[] = {"identity", "sd:packing=fixed",
                                     "sd-unbiased:packing=fixed",
                                     "sd:packing=fixed,rotate=1",
                                     "qsgd:packing=fixed",
                                     "natural-dithering:packing=fixed",
                                     "terngrad:packing=fixed",
                                     "natural:packing=fixed",
                                     /* rANS: one lane per 4096-value chunk */
                                     "sd:packing=entropy",
                                     "sd:packing=entropy,rotate=1",
                                     "qsgd:packing=entropy",
                                     "natural:packing=entropy",
                                     "fp16",
                                     "bf16",
                                     "sign",
                                     /* SC's cost is set by alpha and m (docs/GPU.md) */
                                     "spherical:alpha=0.15,block=4",
                                     "spherical:alpha=0.2,block=6",
                                     "spherical:alpha=0.5,block=8",
                                     "spherical:alpha=0.8,block=16",
                                     "randk",
                                     "topk"};

/* "NAME:K=V,K=V" -> codec. */
static gcompCodec_t make_codec(const char *spec) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", spec);
  char *params = strchr(buf, ':');
  if (params) *params++ = '\0';
  gcompCodecConfig_t cfg;
  GCHECK(gcompCodecConfigInit(&cfg, buf));
  for (char *kv = params ? strtok(params, ",") : NULL; kv; kv = strtok(NULL, ",")) {
    char *eq = strchr(kv, '=');
    if (!eq) exit(1);
    *eq = '\0';
    GCHECK(gcompCodecConfigSetParam(&cfg, kv, eq + 1));
  }
  gcompCodec_t c;
  GCHECK(gcompCodecCreate(&c, &cfg));
  return c;
}

struct bufs {
  float *x, *y;
  void *payload, *ws;
  uint64_t *size;
  size_t cap, ws_size;
};

enum op { OP_COPY, OP_ENCODE, OP_DECODE, OP_ACCUMULATE };

static void run_op(enum op o, gcompCodec_t c, struct bufs *b, uint64_t d, cudaStream_t s) {
  switch (o) {
  case OP_COPY: CHECK(cudaMemcpyAsync(b->y, b->x, d * sizeof(float), cudaMemcpyDeviceToDevice, s)); break;
  case OP_ENCODE:
    GCHECK(gcompEncodeDevice(c, b->x, d, 42, b->payload, b->cap, b->size, b->ws, &b->ws_size, s));
    break;
  case OP_DECODE:
  case OP_ACCUMULATE:
    GCHECK(gcompDecodeDevice(c, b->payload, b->size, b->cap, b->y, d, o == OP_DECODE ? 0.0f : 1.0f,
                             b->ws, &b->ws_size, s));
    break;
  }
}

/* Mean seconds of one call. */
static double timed(enum op o, gcompCodec_t c, struct bufs *b, uint64_t d, int reps, int warm,
                    cudaStream_t s) {
  cudaEvent_t t0, t1;
  CHECK(cudaEventCreate(&t0));
  CHECK(cudaEventCreate(&t1));
  for (int i = 0; i < warm; i++) run_op(o, c, b, d, s);
  CHECK(cudaEventRecord(t0, s));
  for (int i = 0; i < reps; i++) run_op(o, c, b, d, s);
  CHECK(cudaEventRecord(t1, s));
  CHECK(cudaEventSynchronize(t1));
  float ms = 0;
  CHECK(cudaEventElapsedTime(&ms, t0, t1));
  CHECK(cudaEventDestroy(t0));
  CHECK(cudaEventDestroy(t1));
  return ms * 1e-3 / reps;
}

static int parse_int(const char *s, int lo, int hi, const char *what) {
  int v = atoi(s);
  if (v < lo || v > hi) {
    fprintf(stderr, "gpu_bench: %s must be in [%d, %d]\n", what, lo, hi);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  int lo = 16, hi = 28, reps = 20, warm = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "-b")) lo = parse_int(argv[i + 1], 1, 34, "-b");
    else if (!strcmp(argv[i], "-e")) hi = parse_int(argv[i + 1], 1, 34, "-e");
    else if (!strcmp(argv[i], "-r")) reps = parse_int(argv[i + 1], 1, 100000, "-r");
    else if (!strcmp(argv[i], "-w")) warm = parse_int(argv[i + 1], 0, 100000, "-w");
    else {
      fprintf(stderr, "usage: gpu_bench [-b LOG2_MIN] [-e LOG2_MAX] [-r REPS] [-w WARMUP]\n");
      return 2;
    }
  }
  int devices = 0;
  cudaError_t e = cudaGetDeviceCount(&devices);
  if (e != cudaSuccess || devices == 0) {
    printf("gpu_bench: no CUDA device (%s); nothing to measure\n",
           e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
    return 0;
  }
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  printf("# gpu_bench: %s, %d SMs, %.1f GiB, CUDA %d.%d; reps %d, warm-up %d\n", prop.name,
         prop.multiProcessorCount, (double)prop.totalGlobalMem / (1 << 30), CUDART_VERSION / 1000,
         CUDART_VERSION % 1000 / 10, reps, warm);
  printf("# GB/s = fp32 input bytes (4 d) / time; x cpy = memcpy time / call time\n");
  printf("# %11s %-26s %6s %8s | %9s %7s %5s | %9s %7s %5s | %9s %7s %5s\n", "d", "codec",
         "bits", "cpy GB/s", "enc us", "GB/s", "x cpy", "dec us", "GB/s", "x cpy", "acc us",
         "GB/s", "x cpy");
  cudaStream_t s;
  CHECK(cudaStreamCreate(&s));
  for (int lg = lo; lg <= hi; lg += 2) {
    uint64_t d = (uint64_t)1 << lg;
    size_t free_b, total_b;
    CHECK(cudaMemGetInfo(&free_b, &total_b));
    /* x, y, a payload bound of about 4 d, a workspace up to 4 n + scratch */
    if ((double)free_b < 1.1 * (double)(4 * 4 * d + (64 << 20))) {
      printf("# d = 2^%d skipped: %.1f GiB free on the device\n", lg, (double)free_b / (1 << 30));
      continue;
    }
    struct bufs b;
    memset(&b, 0, sizeof b);
    CHECK(cudaMalloc(&b.x, d * sizeof(float)));
    CHECK(cudaMalloc(&b.y, d * sizeof(float)));
    CHECK(cudaMalloc(&b.size, sizeof(uint64_t)));
    fill_gaussian<<<(unsigned)((d + 255) / 256), 256, 0, s>>>(b.x, d);
    CHECK(cudaGetLastError());
    double copy = timed(OP_COPY, NULL, &b, d, reps, warm, s);
    double gb = 4.0 * (double)d / 1e9;
    for (size_t k = 0; k < sizeof codecs / sizeof codecs[0]; k++) {
      gcompCodec_t c = make_codec(codecs[k]);
      GCHECK(gcompEncodeBound(c, d, &b.cap));
      GCHECK(gcompEncodeDevice(c, NULL, d, 0, NULL, 0, NULL, NULL, &b.ws_size, NULL));
      CHECK(cudaMalloc(&b.payload, b.cap));
      CHECK(cudaMalloc(&b.ws, b.ws_size));
      double enc = timed(OP_ENCODE, c, &b, d, reps, warm, s);
      double dec = timed(OP_DECODE, c, &b, d, reps, warm, s);
      double acc = timed(OP_ACCUMULATE, c, &b, d, reps, warm, s);
      gcompResult_t st;
      GCHECK(gcompDeviceGetStatus(b.ws, s, &st));
      uint64_t bytes = 0;
      CHECK(cudaMemcpy(&bytes, b.size, sizeof bytes, cudaMemcpyDeviceToHost));
      printf("  %11llu %-26s %6.2f %8.1f | %9.1f %7.1f %5.2f | %9.1f %7.1f %5.2f | %9.1f %7.1f "
             "%5.2f %s\n",
             (unsigned long long)d, codecs[k], 8.0 * (double)bytes / (double)d, gb / copy,
             enc * 1e6, gb / enc, copy / enc, dec * 1e6, gb / dec, copy / dec, acc * 1e6,
             gb / acc, copy / acc, st == gcompSuccess ? "" : gcompGetErrorString(st));
      fflush(stdout);
      CHECK(cudaFree(b.payload));
      CHECK(cudaFree(b.ws));
      GCHECK(gcompCodecFree(c));
    }
    CHECK(cudaFree(b.x));
    CHECK(cudaFree(b.y));
    CHECK(cudaFree(b.size));
  }
  CHECK(cudaStreamDestroy(s));
  return 0;
}
