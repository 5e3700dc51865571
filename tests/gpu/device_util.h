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
#include <utility>
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

using Params = std::vector<std::pair<std::string, std::string>>;

// A codec by name and text parameters, as the parity suites list them.
struct Spec {
  const char *name;
  Params params;
};

// Each spec with rotate=0, then each with rotate=1.
inline std::vector<Spec> with_rotations(const std::vector<Spec> &base) {
  std::vector<Spec> out;
  for (const char *rot : {"0", "1"})
    for (Spec s : base) {
      s.params.push_back({"rotate", rot});
      out.push_back(s);
    }
  return out;
}

inline std::string describe(const Spec &s, uint64_t d, const std::string &what) {
  std::string t = std::string(s.name);
  for (auto &kv : s.params) t += " " + kv.first + "=" + kv.second;
  return t + " d=" + std::to_string(d) + " " + what;
}

// check_parity for each spec over the sizes every codec meets: 1, around a
// warp, a chunk less one, 2^20 + 7; every vector family up to 10^5, two
// above. Stops at the first fatal failure.
inline void check_parity_sizes(const std::vector<Spec> &specs) {
  for (const Spec &spec : specs) {
    Codec c(spec.name, spec.params);
    for (uint64_t d : {1ull, 31ull, 32ull, 33ull, 4095ull, (1ull << 20) + 7}) {
      for (const auto &fam : gtv::families()) {
        if (d > 100000 && fam != "gaussian" && fam != "sparse") continue;
        check_parity(c, gtv::family(fam, d, 17), 5, describe(spec, d, fam));
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

// Zero vectors, a seed with its high word set, and the sizes whose rotation
// splits its large spans differently: n = 2^13, 2^14, 2^16 take one, two,
// and three-then-one stages per kernel.
inline void check_parity_zeros_and_seeds(const std::vector<Spec> &specs) {
  for (const Spec &spec : specs) {
    Codec c(spec.name, spec.params);
    for (uint64_t d : {1ull, 5000ull, 10000ull, 40000ull}) {
      check_parity(c, std::vector<float>(d, 0.0f), 3, describe(spec, d, "zeros"));
      check_parity(c, gtv::family("heavy", d, 4), 0xfedcba9876543210ull,
                   describe(spec, d, "heavy, high seed"));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// Payload p with one byte at each of `where` (those inside p) xor each of
// `flips`: the device reports gcompDecode's code and writes nothing past
// dst[d).
inline void check_flips(const Codec &c, const std::vector<uint8_t> &p, uint64_t d,
                        const std::vector<size_t> &where, const std::vector<uint8_t> &flips,
                        const std::string &what) {
  std::vector<float> acc(d, 1.0f);
  for (size_t pos : where) {
    if (pos >= p.size()) continue;
    for (uint8_t flip : flips) {
      SCOPED_TRACE(what + " byte " + std::to_string(pos) + " ^ " + std::to_string(flip));
      std::vector<uint8_t> bad = p;
      bad[pos] ^= flip;
      gcompResult_t want;
      cpu_decode(bad, d, 0.0f, acc, &want);
      ASSERT_NE(want, gcompSuccess);
      DecodeResult g = gpu_decode(c, bad, d, 0.0f, acc);
      EXPECT_EQ(g.status, want) << gcompGetErrorString(g.status) << " vs "
                                << gcompGetErrorString(want);
      EXPECT_TRUE(g.guard_intact);
    }
  }
}

}  // namespace gpu_test
