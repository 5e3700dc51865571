/* The device path in a build without CUDA: every call says so. With CUDA
 * the real functions come from kernels/device_api.cu and this file is
 * empty (CMake defines GCOMP_HAVE_CUDA for the library's C files then). */
#ifndef GCOMP_HAVE_CUDA

#include "shared/check.h"

static gcompResult_t no_cuda(void) {
  gcomp_clear_error();
  return gcomp_fail(gcompNotAvailable, "this build of gcomp has no CUDA device path");
}

GCOMP_API gcompResult_t gcompEncodeDevice(gcompCodec_t codec, const float *src, uint64_t d,
                                          uint64_t seed, void *dst, size_t dstCapacity,
                                          uint64_t *dstSize, void *workspace,
                                          size_t *workspaceSize, gcompStream_t stream) {
  (void)codec, (void)src, (void)d, (void)seed, (void)dst, (void)dstCapacity;
  (void)dstSize, (void)workspace, (void)workspaceSize, (void)stream;
  return no_cuda();
}

GCOMP_API gcompResult_t gcompDecodeDevice(gcompCodec_t codec, const void *src,
                                          const uint64_t *srcSize, size_t srcCapacity,
                                          float *dst, uint64_t d, float beta, void *workspace,
                                          size_t *workspaceSize, gcompStream_t stream) {
  (void)codec, (void)src, (void)srcSize, (void)srcCapacity, (void)dst, (void)d;
  (void)beta, (void)workspace, (void)workspaceSize, (void)stream;
  return no_cuda();
}

GCOMP_API gcompResult_t gcompDeviceGetStatus(void *workspace, gcompStream_t stream,
                                             gcompResult_t *status) {
  (void)workspace, (void)stream, (void)status;
  return no_cuda();
}

#else
typedef int gcomp_device_stub_is_empty; /* ISO C: no empty translation units */
#endif
