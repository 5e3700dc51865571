#include "launch_helpers.h"

#include <cstdint>

namespace {

__global__ void nothing() {}

__device__ uint64_t now_ns() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

__global__ void spin_kernel(uint64_t ns) {
  uint64_t t0 = now_ns();
  while (now_ns() - t0 < ns) __nanosleep(1000);
}

}  // namespace

namespace gpu_test {

cudaError_t leave_launch_error() {
  nothing<<<1, 4096>>>();
  return cudaPeekAtLastError();
}

cudaError_t spin(cudaStream_t s, unsigned ms) {
  spin_kernel<<<1, 1, 0, s>>>((uint64_t)ms * 1000000u);
  return cudaGetLastError();
}

}  // namespace gpu_test
