// The device path against the CPU reference: the GPU must write gcompEncode's
// bytes exactly, decode either side's payloads to gcompDecode's floats bit for
// bit (also when accumulating), and report bad inputs through the status word
// with the codes the CPU returns. Skipped, loudly, without a CUDA device.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "device_util.h"
#include "launch_helpers.h"
#include "../sd_extreme_levels.h"
#include "shared/sparse_dithering.h"

namespace {

using gth::Codec;
using namespace gpu_test;

std::vector<Spec> specs() {
  std::vector<Spec> out;
  for (const char *rot : {"0", "1"}) {
    out.push_back({"identity", {{"rotate", rot}}});
    out.push_back({"sd", {{"nu", "0.1"}, {"packing", "fixed"}, {"rotate", rot}}});
    out.push_back({"sd-unbiased", {{"omega", "0.25"}, {"packing", "fixed"}, {"rotate", rot}}});
  }
  return out;
}

TEST(DeviceParity, PayloadsAndDecodesMatchTheCpuBitForBit) {
  REQUIRE_DEVICE();
  check_parity_sizes(specs());
}

TEST(DeviceParity, ZeroVectorSeedsAndRotationSplits) {
  REQUIRE_DEVICE();
  check_parity_zeros_and_seeds(specs());
}

// 2^26 for one codec and one family: the multi-level norm reduction, grids
// far beyond one wave, and 64-bit offsets in the chunk scan.
TEST(DeviceParity, TwoToTheTwentySix) {
  REQUIRE_DEVICE();
  Codec c("sd", {{"nu", "0.1"}, {"packing", "fixed"}});
  check_parity(c, gtv::family("gaussian", 1ull << 26, 8), 11, "sd fixed d=2^26 gaussian");
}

// Levels near 2^23, 2^24 and the format's limit: the exact level
// correction and the double-width dequantization give the CPU's bytes and
// floats on the device too.
TEST(DeviceParity, ExtremeLevelsMatchTheCpu) {
  REQUIRE_DEVICE();
  for (uint64_t d : {1ull, 4ull, 64ull, 1000ull}) {
    for (const auto &in : gsx::inputs(d, 3)) {
      for (double q : gsx::top_levels()) {
        for (const char *name : {"sd", "sd-unbiased"}) {
          double p = gsx::param_for_top_level(in.x, q);
          bool rnd = std::string(name) == "sd-unbiased";
          if (gcomp_sd_level_limit(p, d, rnd) == 0) continue;
          char text[64];
          std::snprintf(text, sizeof text, "%.17g", p);
          Codec c(name, {{rnd ? "omega" : "nu", text}, {"packing", "fixed"}});
          check_parity(c, in.x, 5, std::string(name) + " " + in.name + " d=" +
                                       std::to_string(d) + " q=" + std::to_string(q));
        }
      }
    }
  }
}

TEST(DeviceStatus, CorruptPayloadsGiveTheCpusCode) {
  REQUIRE_DEVICE();
  for (const char *rot : {"0", "1"}) {
    Codec c("sd", {{"nu", "0.1"}, {"packing", "fixed"}, {"rotate", rot}});
    for (uint64_t d : {33ull, 10000ull}) {
      auto x = gtv::family("gaussian", d, 2);
      std::vector<uint8_t> p = gth::encode(c, x, 7);
      check_flips(c, p, d,
                  {0, 4, 5, 6, 7, 8, 9, 16, 23, 24, 32, 40, 47, 48, 56, 63, 64, 66, 67, 68, 72,
                   p.size() / 2, p.size() - 1},
                  {0x01, 0x80}, "rotate " + std::string(rot) + " d " + std::to_string(d));
      std::vector<float> acc(d, 1.0f);
      // Truncated, and a size the buffer cannot hold.
      DecodeResult t = gpu_decode(c, p, d, 0.0f, acc, p.size() - 1);
      EXPECT_EQ(t.status, gcompCorruptPayload);
      t = gpu_decode(c, p, d, 0.0f, acc, p.size() + 1);
      EXPECT_EQ(t.status, gcompCorruptPayload);
    }
  }
}

TEST(DeviceStatus, NonFiniteInputIsReported) {
  REQUIRE_DEVICE();
  for (const Spec &spec : specs()) {
    Codec c(spec.name, spec.params);
    for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                      std::numeric_limits<float>::infinity()}) {
      auto x = gtv::family("gaussian", 9000, 1);
      x[4321] = bad;
      SCOPED_TRACE(describe(spec, x.size(), std::to_string(bad)));
      size_t size = 0;
      std::vector<uint8_t> cpu_out(1 << 16);
      ASSERT_EQ(gcompEncode(c.h, x.data(), x.size(), 1, cpu_out.data(), cpu_out.size(), &size),
                gcompNonFiniteInput);
      EncodeResult g = gpu_encode(c, x, 1);
      EXPECT_EQ(g.status, gcompNonFiniteInput);
      EXPECT_TRUE(g.payload.empty()) << "*dstSize must be 0 after a failure";
    }
  }
}

TEST(DeviceStatus, DstTooSmallWritesNothingPastCapacity) {
  REQUIRE_DEVICE();
  for (const char *name : {"sd", "sd-unbiased"}) {
    Codec c(name, {{"packing", "fixed"}});
    auto x = gtv::family("gaussian", 10000, 3);
    std::vector<uint8_t> cpu = gth::encode(c, x, 2);
    EncodeResult exact = gpu_encode(c, x, 2, cpu.size());
    EXPECT_EQ(exact.status, gcompSuccess);
    EXPECT_TRUE(exact.payload == cpu);
    EncodeResult small = gpu_encode(c, x, 2, cpu.size() - 1);
    EXPECT_EQ(small.status, gcompDstTooSmall);
    EXPECT_TRUE(small.payload.empty());
    for (size_t i = cpu.size() - 1; i < small.whole.size(); i++)
      ASSERT_EQ(small.whole[i], kGuard) << "byte " << i << " written past the capacity";
  }
  // Identity's size is known in advance: the call itself refuses.
  Codec id("identity");
  size_t ws_size = 0;
  ASSERT_EQ(gcompEncodeDevice(id.h, nullptr, 100, 0, nullptr, 0, nullptr, nullptr, &ws_size,
                              nullptr),
            gcompSuccess);
  DevBuf ws(ws_size), src(400), dst(464), size(8);
  EXPECT_EQ(gcompEncodeDevice(id.h, src.as<float>(), 100, 0, dst.p, 463, size.as<uint64_t>(),
                              ws.p, &ws_size, nullptr),
            gcompDstTooSmall);
  EXPECT_EQ(gcompEncodeDevice(id.h, src.as<float>(), 100, 0, dst.p, 63, size.as<uint64_t>(),
                              ws.p, &ws_size, nullptr),
            gcompDstTooSmall);
}

// docs/GPU.md: an encoder's refusal leaves dst untouched. Identity checks
// its input before the body is written, wherever the NaN sits.
TEST(DeviceStatus, RefusedIdentityEncodeWritesNothing) {
  REQUIRE_DEVICE();
  Codec c("identity");
  for (uint64_t d : {1ull, 5000ull, (1ull << 20) + 3}) {
    for (uint64_t at : {(uint64_t)0, d / 2, d - 1}) {
      SCOPED_TRACE("d " + std::to_string(d) + " NaN at " + std::to_string(at));
      auto x = gtv::family("gaussian", d, 4);
      x[at] = std::numeric_limits<float>::quiet_NaN();
      EncodeResult g = gpu_encode(c, x, 3);
      EXPECT_EQ(g.status, gcompNonFiniteInput);
      EXPECT_TRUE(g.payload.empty()) << "*dstSize must be 0 after a failure";
      for (size_t i = 0; i < g.whole.size(); i++)
        ASSERT_EQ(g.whole[i], kGuard) << "byte " << i << " written by a refused encode";
    }
  }
}

TEST(DeviceStatus, FirstFailureStaysUntilRead) {
  REQUIRE_DEVICE();
  Codec c("sd", {{"packing", "fixed"}});
  auto good = gtv::family("gaussian", 5000, 1), nan = good;
  nan[7] = std::numeric_limits<float>::quiet_NaN();
  size_t ws_size = 0, cap = 0;
  ASSERT_EQ(gcompEncodeBound(c.h, 5000, &cap), gcompSuccess);
  ASSERT_EQ(gcompEncodeDevice(c.h, nullptr, 5000, 0, nullptr, 0, nullptr, nullptr, &ws_size,
                              nullptr),
            gcompSuccess);
  DevBuf ws(ws_size), a(20000), b(20000), dst(cap), size(8);
  to_device(a, nan);
  to_device(b, good);
  gcompResult_t st;
  EXPECT_EQ(gcompEncodeDevice(c.h, a.as<float>(), 5000, 0, dst.p, cap, size.as<uint64_t>(), ws.p,
                              &ws_size, nullptr),
            gcompSuccess);
  EXPECT_EQ(gcompEncodeDevice(c.h, b.as<float>(), 5000, 0, dst.p, cap, size.as<uint64_t>(), ws.p,
                              &ws_size, nullptr),
            gcompSuccess);
  ASSERT_EQ(gcompDeviceGetStatus(ws.p, nullptr, &st), gcompSuccess);
  EXPECT_EQ(st, gcompNonFiniteInput);
  ASSERT_EQ(gcompDeviceGetStatus(ws.p, nullptr, &st), gcompSuccess);
  EXPECT_EQ(st, gcompSuccess);
  // The second encode was not held back by the first one's failure.
  EXPECT_NE(from_device<uint64_t>(size, 1)[0], 0u);
}

TEST(DeviceStatus, PayloadOfAnotherCodecIsInvalidUsage) {
  REQUIRE_DEVICE();
  Codec sd("sd", {{"packing", "fixed"}}), sdu("sd-unbiased", {{"packing", "fixed"}});
  auto x = gtv::family("gaussian", 300, 1);
  std::vector<uint8_t> p = gth::encode(sd, x, 1);
  EXPECT_EQ(gpu_decode(sdu, p, 300, 0.0f, x).status, gcompInvalidUsage);
  EXPECT_EQ(gpu_decode(sd, p, 301, 0.0f, std::vector<float>(301)).status, gcompInvalidUsage);
}

// Argument handling happens before any CUDA call, so these run anywhere.
TEST(DeviceApi, WorkspaceQueryAndUnsupportedCodecs) {
  Codec id("identity");
  size_t ws = 0;
  gcompResult_t r = gcompEncodeDevice(id.h, nullptr, 1000, 0, nullptr, 0, nullptr, nullptr, &ws,
                                      nullptr);
  if (r == gcompNotAvailable) GTEST_SKIP() << "built without CUDA: " << gcompGetLastErrorDetail();
  ASSERT_EQ(r, gcompSuccess) << gcompGetLastErrorDetail();
  EXPECT_GT(ws, 0u);
  size_t ws2 = 0;
  ASSERT_EQ(gcompDecodeDevice(id.h, nullptr, nullptr, 0, nullptr, 1000, 0.0f, nullptr, &ws2,
                              nullptr),
            gcompSuccess);
  EXPECT_EQ(ws, ws2) << "encode and decode share one workspace size";
  EXPECT_EQ(gcompEncodeDevice(id.h, nullptr, 1000, 0, nullptr, 0, nullptr, nullptr, nullptr,
                              nullptr),
            gcompInvalidArgument);
  EXPECT_EQ(gcompEncodeDevice(id.h, nullptr, 0, 0, nullptr, 0, nullptr, nullptr, &ws, nullptr),
            gcompInvalidArgument);
  const std::vector<Spec> later = {{"sd", {{"packing", "auto"}}},
                                   {"sd", {{"packing", "structured"}}},
                                   {"sd-unbiased", {{"packing", "structured"}}},
                                   {"sd-unbiased", {{"packing", "direct"}}}};
  for (const Spec &s : later) {
    Codec c(s.name, s.params);
    EXPECT_EQ(gcompEncodeDevice(c.h, nullptr, 1000, 0, nullptr, 0, nullptr, nullptr, &ws, nullptr),
              gcompNotAvailable)
        << s.name;
    EXPECT_NE(std::string(gcompGetLastErrorDetail()), "");
    EXPECT_EQ(gcompDecodeDevice(c.h, nullptr, nullptr, 0, nullptr, 1000, 0.0f, nullptr, &ws,
                                nullptr),
              gcompNotAvailable)
        << s.name;
  }
}

TEST(DeviceApi, WorkspaceSizeIsChecked) {
  REQUIRE_DEVICE();
  Codec c("sd", {{"packing", "fixed"}, {"rotate", "1"}});
  size_t ws_size = 0;
  ASSERT_EQ(gcompEncodeDevice(c.h, nullptr, 5000, 0, nullptr, 0, nullptr, nullptr, &ws_size,
                              nullptr),
            gcompSuccess);
  EXPECT_GE(ws_size, 8192u * sizeof(float)) << "the rotation buffer lives in the workspace";
  DevBuf ws(ws_size), src(20000), dst(1 << 16), size(8);
  size_t less = ws_size - 1;
  EXPECT_EQ(gcompEncodeDevice(c.h, src.as<float>(), 5000, 0, dst.p, 1 << 16, size.as<uint64_t>(),
                              ws.p, &less, nullptr),
            gcompInvalidArgument);
}

// A CUDA error the caller left pending (here a launch of theirs that failed)
// is theirs: the device API neither clears it nor runs over it, and once
// the caller has read it the same calls work.
TEST(DeviceApi, PendingCudaErrorIsLeftToTheCaller) {
  REQUIRE_DEVICE();
  const std::vector<Spec> specs = {{"identity", {}}, {"sd", {{"packing", "fixed"}}}};
  for (const Spec &spec : specs) {
    SCOPED_TRACE(spec.name);
    Codec c(spec.name, spec.params);
    auto x = gtv::family("gaussian", 5000, 6);
    size_t ws_size = 0, ws2 = 0, cap = 0;
    ASSERT_EQ(gcompEncodeBound(c.h, 5000, &cap), gcompSuccess);
    ASSERT_EQ(gcompEncodeDevice(c.h, nullptr, 5000, 0, nullptr, 0, nullptr, nullptr, &ws_size,
                                nullptr),
              gcompSuccess);
    ASSERT_EQ(gcompDecodeDevice(c.h, nullptr, nullptr, 0, nullptr, 5000, 0.0f, nullptr, &ws2,
                                nullptr),
              gcompSuccess);
    DevBuf ws(ws_size), src(4 * 5000), dst(cap), size(8), out(4 * 5000);
    to_device(src, x);
    ASSERT_EQ(leave_launch_error(), cudaErrorInvalidConfiguration);
    EXPECT_EQ(gcompEncodeDevice(c.h, src.as<float>(), 5000, 3, dst.p, cap, size.as<uint64_t>(),
                                ws.p, &ws_size, nullptr),
              gcompSystemError);
    EXPECT_NE(std::string(gcompGetLastErrorDetail()).find("pending"), std::string::npos)
        << gcompGetLastErrorDetail();
    EXPECT_EQ(gcompDecodeDevice(c.h, dst.p, size.as<uint64_t>(), cap, out.as<float>(), 5000,
                                0.0f, ws.p, &ws_size, nullptr),
              gcompSystemError);
    EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidConfiguration)
        << "the caller's error must still be there for the caller";
    EncodeResult g = gpu_encode(c, x, 3);
    EXPECT_EQ(g.status, gcompSuccess);
    EXPECT_TRUE(g.payload == gth::encode(c, x, 3));
  }
}

}  // namespace
