// What the device test suites share: the skip when no GPU exists, device
// buffers, one encode / decode through the device API with guard bytes, and
// the parity contract (GPU bytes == CPU bytes, each side decodes the other's
// payload to the same floats, bit for bit, with and without accumulation).
#pragma once

#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../codec_helpers.h"
#include "../vectors.h"
#include "gcomp.h"

namespace gpu_test {

using gth::Codec;

inline bool have_cuda_device() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return n > 0;
}

#define REQUIRE_DEVICE() \
  if (!have_cuda_device()) GTEST_SKIP() << "no CUDA device: the GPU path is not tested here"

// Device memory freed on every exit path.
struct DevBuf {
  void *p = nullptr;
  explicit DevBuf(size_t bytes) { EXPECT_EQ(cudaMalloc(&p, bytes ? bytes : 1), cudaSuccess); }
  DevBuf(const DevBuf &) = delete;
  DevBuf &operator=(const DevBuf &) = delete;
  ~DevBuf() { cudaFree(p); }
  template <typename T>
  T *as() const {
    return static_cast<T *>(p);
  }
};

template <typename T>
inline void to_device(const DevBuf &b, const std::vector<T> &v) {
  ASSERT_EQ(cudaMemcpy(b.p, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice), cudaSuccess);
}

template <typename T>
inline std::vector<T> from_device(const DevBuf &b, size_t count) {
  std::vector<T> v(count);
  EXPECT_EQ(cudaMemcpy(v.data(), b.p, count * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
  return v;
}

constexpr uint8_t kGuard = 0xA5;

struct EncodeResult {
  gcompResult_t status = gcompInternalError;
  std::vector<uint8_t> payload;  // dstSize bytes
  std::vector<uint8_t> whole;    // the whole dst buffer, guard bytes included
};

// One gcompEncodeDevice with a fresh workspace; `capacity` as given to the
// call, the buffer 256 guard bytes longer.
inline EncodeResult gpu_encode(const Codec &c, const std::vector<float> &x, uint64_t seed,
                        size_t capacity = 0) {
  EncodeResult r;
  if (capacity == 0) {
    EXPECT_EQ(gcompEncodeBound(c.h, x.size(), &capacity), gcompSuccess);
  }
  size_t ws_size = 0;
  EXPECT_EQ(gcompEncodeDevice(c.h, nullptr, x.size(), seed, nullptr, 0, nullptr, nullptr,
                              &ws_size, nullptr),
            gcompSuccess)
      << gcompGetLastErrorDetail();
  DevBuf ws(ws_size), src(x.size() * sizeof(float)), dst(capacity + 256), size(8);
  to_device(src, x);
  EXPECT_EQ(cudaMemset(dst.p, kGuard, capacity + 256), cudaSuccess);
  cudaStream_t s;
  EXPECT_EQ(cudaStreamCreate(&s), cudaSuccess);
  gcompResult_t call = gcompEncodeDevice(c.h, src.as<float>(), x.size(), seed, dst.p, capacity,
                                         size.as<uint64_t>(), ws.p, &ws_size, s);
  EXPECT_EQ(call, gcompSuccess) << gcompGetLastErrorDetail();
  EXPECT_EQ(gcompDeviceGetStatus(ws.p, s, &r.status), gcompSuccess);
  cudaStreamDestroy(s);
  uint64_t n = from_device<uint64_t>(size, 1)[0];
  r.whole = from_device<uint8_t>(dst, capacity + 256);
  EXPECT_LE(n, capacity);
  if (n <= capacity) r.payload.assign(r.whole.begin(), r.whole.begin() + (ptrdiff_t)n);
  return r;
}

struct DecodeResult {
  gcompResult_t status = gcompInternalError;
  std::vector<float> y;  // d values
  bool guard_intact = false;
};

// gcompDecodeDevice into dst = init (d values, then 64 guard floats).
inline DecodeResult gpu_decode(const Codec &c, const std::vector<uint8_t> &payload, uint64_t d,
                        float beta, const std::vector<float> &init, uint64_t src_size = UINT64_MAX) {
  DecodeResult r;
  if (src_size == UINT64_MAX) src_size = payload.size();
  size_t ws_size = 0;
  EXPECT_EQ(gcompDecodeDevice(c.h, nullptr, nullptr, 0, nullptr, d, beta, nullptr, &ws_size,
                              nullptr),
            gcompSuccess)
      << gcompGetLastErrorDetail();
  std::vector<float> y0 = init;
  y0.resize(d + 64, -7.5f);
  DevBuf ws(ws_size), src(payload.size()), dst(y0.size() * sizeof(float)), size(8);
  to_device(src, payload);
  to_device(dst, y0);
  to_device(size, std::vector<uint64_t>{src_size});
  cudaStream_t s;
  EXPECT_EQ(cudaStreamCreate(&s), cudaSuccess);
  EXPECT_EQ(gcompDecodeDevice(c.h, src.p, size.as<uint64_t>(), payload.size(), dst.as<float>(), d,
                              beta, ws.p, &ws_size, s),
            gcompSuccess)
      << gcompGetLastErrorDetail();
  EXPECT_EQ(gcompDeviceGetStatus(ws.p, s, &r.status), gcompSuccess);
  cudaStreamDestroy(s);
  std::vector<float> all = from_device<float>(dst, y0.size());
  r.guard_intact = std::memcmp(all.data() + d, y0.data() + d, 64 * sizeof(float)) == 0;
  r.y.assign(all.begin(), all.begin() + (ptrdiff_t)d);
  return r;
}

inline std::vector<float> cpu_decode(const std::vector<uint8_t> &p, uint64_t d, float beta,
                              const std::vector<float> &init, gcompResult_t *r) {
  std::vector<float> y = init;
  *r = gcompDecode(p.data(), p.size(), y.data(), d, beta);
  return y;
}

// Everything the parity tests demand of one (codec, vector, seed).
inline void check_parity(const Codec &c, const std::vector<float> &x, uint64_t seed,
                  const std::string &what) {
  SCOPED_TRACE(what);
  const uint64_t d = x.size();
  std::vector<uint8_t> cpu = gth::encode(c, x, seed);
  ASSERT_FALSE(cpu.empty());
  EncodeResult g = gpu_encode(c, x, seed);
  ASSERT_EQ(g.status, gcompSuccess) << gcompGetErrorString(g.status);
  ASSERT_EQ(g.payload.size(), cpu.size());
  ASSERT_TRUE(g.payload == cpu) << "GPU payload differs from gcompEncode's bytes";
  const std::vector<float> acc = gtv::family("gaussian", d, 99);
  for (float beta : {0.0f, 0.5f}) {
    SCOPED_TRACE("beta " + std::to_string(beta));
    gcompResult_t rc;
    std::vector<float> want = cpu_decode(cpu, d, beta, acc, &rc);
    ASSERT_EQ(rc, gcompSuccess) << gcompGetLastErrorDetail();
    DecodeResult gd = gpu_decode(c, cpu, d, beta, acc);
    ASSERT_EQ(gd.status, gcompSuccess) << gcompGetErrorString(gd.status);
    EXPECT_TRUE(gd.guard_intact) << "GPU decode wrote past dst[d)";
    ASSERT_TRUE(gth::bitwise_equal(gd.y, want)) << "GPU decode of the CPU payload";
    std::vector<float> back = cpu_decode(g.payload, d, beta, acc, &rc);
    ASSERT_EQ(rc, gcompSuccess) << gcompGetLastErrorDetail();
    ASSERT_TRUE(gth::bitwise_equal(back, want)) << "CPU decode of the GPU payload";
  }
}


}  // namespace gpu_test
