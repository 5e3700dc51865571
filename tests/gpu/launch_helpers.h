// Kernels of the test suites' own, to put the device in a state a caller of
// gcomp might leave it in (launch_helpers.cu).
#pragma once

#include <cuda_runtime_api.h>

namespace gpu_test {

// Launches a kernel with 4096 threads a block, which no device allows: the
// launch fails with cudaErrorInvalidConfiguration and leaves that error
// pending (cudaGetLastError would return it). Returns the pending error.
cudaError_t leave_launch_error();

// Enqueues a kernel on s that spins for `ms` milliseconds of device time.
cudaError_t spin(cudaStream_t s, unsigned ms);

}  // namespace gpu_test
