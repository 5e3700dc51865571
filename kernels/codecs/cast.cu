/* fp16 and bf16 bodies (half_floats.c, packing fixed): n little-endian 16-bit
 * words, converted by host/shared/half.h's integer code, so the words do
 * not depend on which side converted. The range checks come first
 * (codecs/baselines.cu), so the body kernel never meets a value that
 * rounds to Inf. Four values a thread: one 16-byte load, one 8-byte store
 * when both sides are aligned, else byte by byte (the body sits at any
 * offset of the caller's dst). */
#include "codecs/baselines.cuh"

#include "shared/half.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

template <bool BF16>
__device__ uint16_t to16(float x) {
  return BF16 ? gcomp_f32_to_bf16_rn(x) : gcomp_f32_to_f16_rn(x);
}

template <bool BF16>
__device__ float from16(uint16_t h) {
  return BF16 ? gcomp_bf16_to_f32(h) : gcomp_f16_to_f32(h);
}

template <bool BF16>
__global__ void __launch_bounds__(kThreads)
    cast_body(const float *x, uint64_t n, uint8_t *dst, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  uint8_t *body = dst + 64;
  bool vec = ((uintptr_t)x & 15u) == 0 && ((uintptr_t)body & 7u) == 0;
  uint64_t groups = (n + 3) / 4, stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t g = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += stride) {
    uint64_t i = 4 * g;
    if (vec && i + 4 <= n) {
      float4 v = *reinterpret_cast<const float4 *>(x + i);
      uint32_t lo = (uint32_t)to16<BF16>(v.x) | (uint32_t)to16<BF16>(v.y) << 16;
      uint32_t hi = (uint32_t)to16<BF16>(v.z) | (uint32_t)to16<BF16>(v.w) << 16;
      *reinterpret_cast<uint2 *>(body + 2 * i) = make_uint2(lo, hi);
    } else {
      for (uint64_t k = i; k < n && k < i + 4; k++) {
        uint16_t h = to16<BF16>(x[k]);
        body[2 * k] = (uint8_t)h;
        body[2 * k + 1] = (uint8_t)(h >> 8);
      }
    }
  }
}

/* half_floats.c's read_fixed: a word with every exponent bit set (Inf or NaN) is
 * one no encoder writes. */
template <bool BF16>
__global__ void __launch_bounds__(kThreads)
    cast_read(const uint8_t *src, uint64_t n, float *out, int to_dst, float beta,
              gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  const uint8_t *body = src + 64;
  const uint32_t mask = BF16 ? GCOMP_BF16_EXP_MASK : GCOMP_F16_EXP_MASK;
  bool vec = ((uintptr_t)body & 7u) == 0, bad = false;
  uint64_t groups = (n + 3) / 4, stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t g = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += stride) {
    uint64_t i = 4 * g;
    uint32_t m = n - i < 4 ? (uint32_t)(n - i) : 4, w[4];
    if (vec && m == 4) {
      uint2 u = *reinterpret_cast<const uint2 *>(body + 2 * i);
      w[0] = u.x & 0xffffu, w[1] = u.x >> 16, w[2] = u.y & 0xffffu, w[3] = u.y >> 16;
    } else {
      for (uint32_t k = 0; k < m; k++)
        w[k] = (uint32_t)body[2 * (i + k)] | (uint32_t)body[2 * (i + k) + 1] << 8;
    }
    for (uint32_t k = 0; k < m; k++) {
      if ((w[k] & mask) == mask) {
        bad = true;
        continue;
      }
      gcomp_dev_put(out, i + k, from16<BF16>((uint16_t)w[k]), to_dst, beta);
    }
  }
  if (bad) gcomp_dev_fail(call, gcompCorruptPayload);
}

unsigned grid(uint64_t n) { return gcomp_dev_blocks((n + 3) / 4, kThreads, 8192); }

}  // namespace

gcompResult_t gcomp_dev_cast_encode(int bf16, const float *x, uint64_t n, uint8_t *dst,
                                    gcomp_dev_call *call, cudaStream_t s) {
  if (bf16)
    cast_body<true><<<grid(n), kThreads, 0, s>>>(x, n, dst, call);
  else
    cast_body<false><<<grid(n), kThreads, 0, s>>>(x, n, dst, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_cast_decode(int bf16, const uint8_t *src, uint64_t n, float *out,
                                    int to_dst, float beta, gcomp_dev_call *call,
                                    cudaStream_t s) {
  if (bf16)
    cast_read<true><<<grid(n), kThreads, 0, s>>>(src, n, out, to_dst, beta, call);
  else
    cast_read<false><<<grid(n), kThreads, 0, s>>>(src, n, out, to_dst, beta, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}
