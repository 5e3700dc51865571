/* Scaled sign bodies (sign.c, packing structured): the scale's 31 bits,
 * then bit 31 + i = x_i's sign bit (shared/scaled_sign.h). The scale is in
 * call->gamma: from the canonical sum of |x_i| when encoding
 * (codecs/baselines.cu), from the verified header when decoding.
 *
 * Encode makes the body as 32-bit words, one warp a word: lane b owns body
 * bit 32 k + b, which is scale bit b in word 0 and otherwise the sign of
 * x_(32 k + b - 31), so one ballot is the word. Reads stay coalesced (the
 * warp's 32 values are consecutive) and nothing has to be shifted across
 * words. */
#include "codecs/baselines.cuh"

#include "shared/scaled_sign.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;
constexpr uint32_t kScaleBits = 31;

__global__ void __launch_bounds__(kThreads)
    sign_body(const float *x, uint64_t n, uint8_t *dst, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  float scale = call->gamma;
  uint32_t lane = threadIdx.x & 31u, scale_bits = gcomp_f2u(scale);
  uint8_t *body = dst + 64;
  uint64_t bytes = (kScaleBits + n + 7) / 8, words = (bytes + 3) / 4;
  bool aligned = ((uintptr_t)body & 3u) == 0;
  uint64_t warps = (uint64_t)gridDim.x * (blockDim.x / 32);
  for (uint64_t k = ((uint64_t)blockIdx.x * blockDim.x + threadIdx.x) / 32; k < words;
       k += warps) {
    uint64_t p = 32 * k + lane;
    unsigned bit;
    if (p < kScaleBits)
      bit = (scale_bits >> p) & 1u;
    else
      bit = p - kScaleBits < n ? gcomp_sign_bit(x[p - kScaleBits], scale) : 0u;
    uint32_t word = __ballot_sync(0xffffffffu, bit);
    if (lane == 0 && aligned && 4 * k + 4 <= bytes) {
      reinterpret_cast<uint32_t *>(body)[k] = word;
    } else if (lane == 0) { /* the last word, or a body at an odd offset */
      for (uint64_t b = 4 * k; b < bytes && b < 4 * k + 4; b++)
        body[b] = (uint8_t)(word >> (8 * (b - 4 * k)));
    }
  }
}

/* sign.c's read_structured: a zero scale with a sign bit set is refused
 * (the zero vector has one encoding). */
__global__ void __launch_bounds__(kThreads)
    sign_read(const uint8_t *src, uint64_t n, float *out, int to_dst, float beta,
              gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  const uint8_t *body = src + 64;
  float scale = call->gamma;
  bool bad = false;
  uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    uint64_t p = kScaleBits + i;
    unsigned bit = (body[p / 8] >> (p % 8)) & 1u;
    bad |= bit && scale == 0.0f;
    gcomp_dev_put(out, i, gcomp_sign_value(bit, scale), to_dst, beta);
  }
  if (bad) gcomp_dev_fail(call, gcompCorruptPayload);
}

}  // namespace

gcompResult_t gcomp_dev_sign_encode(const float *x, uint64_t n, uint8_t *dst,
                                    gcomp_dev_call *call, cudaStream_t s) {
  uint64_t words = ((kScaleBits + n + 7) / 8 + 3) / 4;
  sign_body<<<gcomp_dev_blocks(words, kThreads / 32, 8192), kThreads, 0, s>>>(x, n, dst, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_sign_decode(const uint8_t *src, uint64_t n, float *out, int to_dst,
                                    float beta, gcomp_dev_call *call, cudaStream_t s) {
  sign_read<<<gcomp_dev_blocks(n, kThreads, 8192), kThreads, 0, s>>>(src, n, out, to_dst,
                                                                    beta, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}
