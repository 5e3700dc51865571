#include "philox_check.h"

#include <cuda_runtime.h>
#include <curand_kernel.h>
#include <stddef.h>

#include "shared/det_math.h"
#include "shared/philox.h"

namespace {

__global__ void philox_check_kernel(uint64_t seed, uint64_t stream,
                                    uint64_t first_draw, uint32_t n,
                                    uint32_t *ours, uint32_t *curand_out,
                                    float *normals) {
  uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  uint64_t draw = first_draw + i;

  gcomp_u32x4 r = gcomp_philox(seed, stream, draw);
  for (int k = 0; k < 4; ++k) ours[4u * i + k] = r.v[k];

  curandStatePhilox4_32_10_t state;
  curand_init(seed, stream, 4u * draw, &state);
  uint4 c = curand4(&state);
  curand_out[4u * i + 0] = c.x;
  curand_out[4u * i + 1] = c.y;
  curand_out[4u * i + 2] = c.z;
  curand_out[4u * i + 3] = c.w;

  float z[4];
  gcomp_normals4(r, z);
  for (int k = 0; k < 4; ++k) normals[4u * i + k] = z[k];
}

/* Device buffers freed on every exit path; cudaFree(NULL) is a no-op. */
struct DeviceBuffers {
  uint32_t *ours = nullptr;
  uint32_t *curand_out = nullptr;
  float *normals = nullptr;
  ~DeviceBuffers() {
    cudaFree(ours);
    cudaFree(curand_out);
    cudaFree(normals);
  }
};

}  // namespace

extern "C" int gcomp_cuda_philox_check(uint64_t seed, uint64_t stream,
                                       uint64_t first_draw, uint32_t n,
                                       uint32_t *ours, uint32_t *curand_out,
                                       float *normals) {
  const uint64_t draw_limit = (uint64_t)1 << 62;
  if (ours == NULL || curand_out == NULL || normals == NULL) {
    return GCOMP_PHILOX_CHECK_BAD_ARGS;
  }
  if (first_draw > draw_limit || n > draw_limit - first_draw) {
    return GCOMP_PHILOX_CHECK_BAD_ARGS;
  }

  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    cudaGetLastError(); /* do not leave the error for the next caller */
    return GCOMP_PHILOX_CHECK_NO_DEVICE;
  }
  if (n == 0) return GCOMP_PHILOX_CHECK_OK;

  const size_t words = (size_t)n * 4u;
  DeviceBuffers d;
  if (cudaMalloc((void **)&d.ours, words * sizeof(uint32_t)) != cudaSuccess ||
      cudaMalloc((void **)&d.curand_out, words * sizeof(uint32_t)) !=
          cudaSuccess ||
      cudaMalloc((void **)&d.normals, words * sizeof(float)) != cudaSuccess) {
    return GCOMP_PHILOX_CHECK_CUDA_ERROR;
  }

  const uint32_t threads = 128;
  const uint32_t blocks = n / threads + (n % threads != 0u);
  philox_check_kernel<<<blocks, threads>>>(seed, stream, first_draw, n, d.ours,
                                           d.curand_out, d.normals);
  if (cudaGetLastError() != cudaSuccess ||
      cudaDeviceSynchronize() != cudaSuccess) {
    return GCOMP_PHILOX_CHECK_CUDA_ERROR;
  }

  if (cudaMemcpy(ours, d.ours, words * sizeof(uint32_t),
                 cudaMemcpyDeviceToHost) != cudaSuccess ||
      cudaMemcpy(curand_out, d.curand_out, words * sizeof(uint32_t),
                 cudaMemcpyDeviceToHost) != cudaSuccess ||
      cudaMemcpy(normals, d.normals, words * sizeof(float),
                 cudaMemcpyDeviceToHost) != cudaSuccess) {
    return GCOMP_PHILOX_CHECK_CUDA_ERROR;
  }
  return GCOMP_PHILOX_CHECK_OK;
}
