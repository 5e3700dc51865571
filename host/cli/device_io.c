/* `gcomp encode --device` / `gcomp decode --device`: the same payloads
 * through the GPU path (gcompEncodeDevice / gcompDecodeDevice), so a user
 * can check a device against the CPU from the shell. Host buffers in,
 * host buffers out; the device copies live only inside one call. */
#include "cli.h"

#ifdef GCOMP_HAVE_CUDA
#include <cuda_runtime_api.h>

/* Device buffers of one call, freed together. */
typedef struct {
  void *ws, *src, *dst, *size;
} dev_bufs_t;

static void dev_free(dev_bufs_t *b) {
  cudaFree(b->ws);
  cudaFree(b->src);
  cudaFree(b->dst);
  cudaFree(b->size);
}

static int cuda_error(const char *what, cudaError_t e) {
  return cli_error("--device: %s: %s", what, cudaGetErrorString(e));
}

static int need_device(void) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0)
    return cli_error("--device: no CUDA device here (%s); drop --device for the CPU path",
                     e != cudaSuccess ? cudaGetErrorString(e) : "none found");
  return 0;
}

/* Copies in, allocates the rest; the workspace size comes from a query. */
static int dev_alloc(dev_bufs_t *b, const void *in, size_t in_bytes, size_t out_bytes,
                     size_t ws_bytes) {
  cudaError_t e = cudaMalloc(&b->ws, ws_bytes ? ws_bytes : 1);
  if (e == cudaSuccess) e = cudaMalloc(&b->src, in_bytes);
  if (e == cudaSuccess) e = cudaMalloc(&b->dst, out_bytes);
  if (e == cudaSuccess) e = cudaMalloc(&b->size, sizeof(uint64_t));
  if (e == cudaSuccess) e = cudaMemcpy(b->src, in, in_bytes, cudaMemcpyHostToDevice);
  return e == cudaSuccess ? 0 : cuda_error("device memory", e);
}

/* The call was enqueued; its outcome is in the workspace's status word. */
static int dev_status(const char *what, gcompResult_t call, void *ws) {
  if (call != gcompSuccess) return cli_lib_error(what, call);
  gcompResult_t st = gcompSuccess;
  gcompResult_t r = gcompDeviceGetStatus(ws, NULL, &st);
  if (r != gcompSuccess) return cli_lib_error(what, r);
  return st == gcompSuccess ? 0 : cli_lib_error(what, st);
}

int cli_device_encode(gcompCodec_t codec, const float *x, uint64_t d, uint64_t seed,
                      uint8_t *payload, size_t cap, size_t *written) {
  if (need_device()) return 1;
  size_t ws_size = 0;
  gcompResult_t r =
      gcompEncodeDevice(codec, NULL, d, seed, NULL, 0, NULL, NULL, &ws_size, NULL);
  if (r != gcompSuccess) return cli_lib_error("encode --device", r);
  dev_bufs_t b = {NULL, NULL, NULL, NULL};
  int rc = dev_alloc(&b, x, (size_t)d * sizeof(float), cap, ws_size);
  if (!rc)
    rc = dev_status("encode --device",
                    gcompEncodeDevice(codec, b.src, d, seed, b.dst, cap, b.size, b.ws,
                                      &ws_size, NULL),
                    b.ws);
  uint64_t n = 0;
  cudaError_t e = cudaSuccess;
  if (!rc) e = cudaMemcpy(&n, b.size, sizeof n, cudaMemcpyDeviceToHost);
  if (!rc && e == cudaSuccess && n <= cap) e = cudaMemcpy(payload, b.dst, n, cudaMemcpyDeviceToHost);
  if (!rc && e != cudaSuccess) rc = cuda_error("copy back", e);
  if (!rc && n > cap) rc = cli_error("encode --device: payload size %llu past the buffer",
                                     (unsigned long long)n);
  *written = (size_t)n;
  dev_free(&b);
  return rc;
}

int cli_device_decode(gcompCodec_t codec, const uint8_t *payload, size_t size, float *y,
                      uint64_t d) {
  if (need_device()) return 1;
  size_t ws_size = 0;
  gcompResult_t r =
      gcompDecodeDevice(codec, NULL, NULL, 0, NULL, d, 0.0f, NULL, &ws_size, NULL);
  if (r != gcompSuccess) return cli_lib_error("decode --device", r);
  dev_bufs_t b = {NULL, NULL, NULL, NULL};
  int rc = dev_alloc(&b, payload, size, (size_t)d * sizeof(float), ws_size);
  uint64_t n = size;
  cudaError_t e = cudaSuccess;
  if (!rc) e = cudaMemcpy(b.size, &n, sizeof n, cudaMemcpyHostToDevice);
  if (!rc && e != cudaSuccess) rc = cuda_error("copy", e);
  if (!rc)
    rc = dev_status("decode --device",
                    gcompDecodeDevice(codec, b.src, b.size, size, b.dst, d, 0.0f, b.ws,
                                      &ws_size, NULL),
                    b.ws);
  if (!rc) e = cudaMemcpy(y, b.dst, (size_t)d * sizeof(float), cudaMemcpyDeviceToHost);
  if (!rc && e != cudaSuccess) rc = cuda_error("copy back", e);
  dev_free(&b);
  return rc;
}

#else

int cli_device_encode(gcompCodec_t codec, const float *x, uint64_t d, uint64_t seed,
                      uint8_t *payload, size_t cap, size_t *written) {
  (void)codec, (void)x, (void)d, (void)seed, (void)payload, (void)cap, (void)written;
  return cli_error("--device: this gcomp was built without CUDA (no nvcc at build time)");
}

int cli_device_decode(gcompCodec_t codec, const uint8_t *payload, size_t size, float *y,
                      uint64_t d) {
  (void)codec, (void)payload, (void)size, (void)y, (void)d;
  return cli_error("--device: this gcomp was built without CUDA (no nvcc at build time)");
}

#endif
