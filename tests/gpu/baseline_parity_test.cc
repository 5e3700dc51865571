// The baseline codecs on the device path (QSGD, natural dithering,
// TernGrad, natural compression, fp16, bf16, scaled sign) against the CPU
// reference: gcompEncode's bytes exactly, either side's payloads decoded to
// gcompDecode's floats bit for bit, and every refusal of the CPU encoder
// given with the same code through the status word, nothing written.
// Skipped, loudly, without a CUDA device.
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

namespace {

using gth::Codec;
using namespace gpu_test;

// Levels that make wide symbols (escapes, w > 8) as well as the defaults.
std::vector<Spec> specs() {
  return with_rotations({{"qsgd", {{"packing", "fixed"}}},
                         {"qsgd", {{"levels", "1000"}, {"packing", "fixed"}}},
                         {"natural-dithering", {{"packing", "fixed"}}},
                         {"natural-dithering", {{"levels", "30"}, {"packing", "fixed"}}},
                         {"terngrad", {{"packing", "fixed"}}},
                         {"natural", {{"packing", "fixed"}}},
                         {"fp16", {{"packing", "fixed"}}},
                         {"bf16", {{"packing", "auto"}}},
                         {"sign", {{"packing", "structured"}}}});
}

TEST(BaselineParity, PayloadsAndDecodesMatchTheCpuBitForBit) {
  REQUIRE_DEVICE();
  check_parity_sizes(specs());
}

TEST(BaselineParity, ZeroVectorsSeedsAndRotationSplits) {
  REQUIRE_DEVICE();
  check_parity_zeros_and_seeds(specs());
}

// Whatever gcompEncode says of x, the device says too: the same bytes, or
// the same code with *dstSize 0 and not one byte of dst written.
void check_same_outcome(const Codec &c, const std::vector<float> &x, const std::string &what) {
  SCOPED_TRACE(what);
  size_t bound = 0, size = 0;
  ASSERT_EQ(gcompEncodeBound(c.h, x.size(), &bound), gcompSuccess);
  std::vector<uint8_t> cpu(bound);
  gcompResult_t want = gcompEncode(c.h, x.data(), x.size(), 9, cpu.data(), cpu.size(), &size);
  if (want == gcompSuccess) {
    check_parity(c, x, 9, what + " (accepted)");
    return;
  }
  EncodeResult g = gpu_encode(c, x, 9);
  EXPECT_EQ(g.status, want) << gcompGetErrorString(g.status) << " vs " << gcompGetErrorString(want);
  EXPECT_TRUE(g.payload.empty()) << "*dstSize must be 0 after a failure";
  for (size_t i = 0; i < g.whole.size(); i++)
    ASSERT_EQ(g.whole[i], kGuard) << "byte " << i << " written by a refused encode";
}

std::vector<float> with(std::vector<float> x, size_t at, float v) {
  x[at] = v;
  return x;
}

TEST(BaselineStatus, NonFiniteInputIsReported) {
  REQUIRE_DEVICE();
  for (const Spec &spec : specs()) {
    Codec c(spec.name, spec.params);
    for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                      std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()}) {
      auto x = with(gtv::family("gaussian", 9000, 1), 4321, bad);
      check_same_outcome(c, x, describe(spec, x.size(), std::to_string(bad)));
      // A NaN and a value out of range: encode.c's finiteness check first.
      check_same_outcome(c, with(x, 17, 3.0e38f), describe(spec, x.size(), "NaN and huge"));
    }
  }
}

// Each codec's own limits, on both sides of them, and values near FLT_MAX
// whose levels decode to Inf.
TEST(BaselineStatus, RangeRefusalsGiveTheCpusCode) {
  REQUIRE_DEVICE();
  const float big = std::numeric_limits<float>::max();
  auto bits = [](uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  };
  const auto g = gtv::family("gaussian", 5000, 2);
  const std::vector<std::pair<std::string, std::vector<float>>> inputs = {
      {"2^127", with(g, 77, 0x1p127f)},
      {"-(2^127 - ulp)", with(g, 77, -bits(0x7effffffu))},
      {"fp16 65520", with(g, 4999, 65520.0f)},
      {"fp16 65519.996", with(g, 4999, bits(0x477fefffu))},
      {"bf16 limit", with(g, 0, bits(0x7f7f8000u))},
      {"bf16 below the limit", with(g, 0, -bits(0x7f7f7fffu))},
      {"FLT_MAX alone", {big}},
      {"FLT_MAX twice", {big, -big}},
      {"3e38 x 3", {3e38f, 3e38f, -3e38f}},
      {"subnormal max", std::vector<float>(300, 1e-40f)},
      {"smallest normal", with(std::vector<float>(300, 1e-40f), 5, 0x1p-126f)},
      {"above 2^100", with(g, 3, 0x1p101f)},
  };
  // QSGD's gamma * s rounds above FLT_MAX more easily with few levels.
  std::vector<Spec> all = specs();
  for (const Spec &q : with_rotations({{"qsgd", {{"levels", "1"}, {"packing", "fixed"}}},
                                       {"qsgd", {{"levels", "3"}, {"packing", "fixed"}}}}))
    all.push_back(q);
  for (const Spec &spec : all) {
    Codec c(spec.name, spec.params);
    for (const auto &in : inputs)
      check_same_outcome(c, in.second, describe(spec, in.second.size(), in.first));
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(BaselineStatus, CorruptPayloadsGiveTheCpusCode) {
  REQUIRE_DEVICE();
  for (const Spec &spec : specs()) {
    Codec c(spec.name, spec.params);
    for (uint64_t d : {33ull, 10000ull}) {
      auto x = gtv::family("heavy", d, 2);
      std::vector<uint8_t> p = gth::encode(c, x, 7);
      ASSERT_FALSE(p.empty());
      check_flips(c, p, d,
                  {0, 6, 7, 8, 16, 32, 40, 47, 48, 55, 56, 64, 66, 67, 68, 70, 72, p.size() / 2,
                   p.size() - 1},
                  {0x01, 0x40, 0x80}, describe(spec, d, ""));
      std::vector<float> acc(d, 1.0f);
      EXPECT_EQ(gpu_decode(c, p, d, 0.0f, acc, p.size() - 1).status, gcompCorruptPayload);
    }
  }
}

// fp16, bf16 and sign know their size before any kernel runs: the call
// refuses a small dst, as it does for identity.
TEST(BaselineStatus, KnownSizesRefuseASmallDst) {
  REQUIRE_DEVICE();
  for (const char *name : {"fp16", "bf16", "sign"}) {
    Codec c(name);
    auto x = gtv::family("gaussian", 1000, 3);
    std::vector<uint8_t> cpu = gth::encode(c, x, 2);
    EncodeResult exact = gpu_encode(c, x, 2, cpu.size());
    EXPECT_EQ(exact.status, gcompSuccess) << name;
    EXPECT_TRUE(exact.payload == cpu) << name;
    size_t ws_size = 0;
    ASSERT_EQ(gcompEncodeDevice(c.h, nullptr, 1000, 0, nullptr, 0, nullptr, nullptr, &ws_size,
                                nullptr),
              gcompSuccess);
    DevBuf ws(ws_size), src(4000), dst(cpu.size()), size(8);
    EXPECT_EQ(gcompEncodeDevice(c.h, src.as<float>(), 1000, 0, dst.p, cpu.size() - 1,
                                size.as<uint64_t>(), ws.p, &ws_size, nullptr),
              gcompDstTooSmall)
        << name;
  }
}

TEST(BaselineStatus, FixedSectionDstTooSmallWritesNothing) {
  REQUIRE_DEVICE();
  for (const char *name : {"qsgd", "natural-dithering", "terngrad", "natural"}) {
    Codec c(name, {{"packing", "fixed"}});
    auto x = gtv::family("gaussian", 10000, 3);
    std::vector<uint8_t> cpu = gth::encode(c, x, 2);
    EncodeResult small = gpu_encode(c, x, 2, cpu.size() - 1);
    EXPECT_EQ(small.status, gcompDstTooSmall) << name;
    EXPECT_TRUE(small.payload.empty());
    for (size_t i = 0; i < small.whole.size(); i++)
      ASSERT_EQ(small.whole[i], kGuard) << name << ": byte " << i;
  }
}

TEST(BaselineStatus, PayloadOfAnotherCodecIsInvalidUsage) {
  REQUIRE_DEVICE();
  Codec qsgd("qsgd", {{"packing", "fixed"}}), tern("terngrad", {{"packing", "fixed"}}),
      fp16("fp16"), bf16("bf16");
  auto x = gtv::family("gaussian", 300, 1);
  EXPECT_EQ(gpu_decode(tern, gth::encode(qsgd, x, 1), 300, 0.0f, x).status, gcompInvalidUsage);
  EXPECT_EQ(gpu_decode(bf16, gth::encode(fp16, x, 1), 300, 0.0f, x).status, gcompInvalidUsage);
}

// Argument handling happens before any CUDA call, so this runs anywhere.
TEST(BaselineApi, PackingsNotOnTheGpuAreNotAvailable) {
  Codec id("identity");
  size_t ws = 0;
  if (gcompEncodeDevice(id.h, nullptr, 1000, 0, nullptr, 0, nullptr, nullptr, &ws, nullptr) ==
      gcompNotAvailable)
    GTEST_SKIP() << "built without CUDA: " << gcompGetLastErrorDetail();
  const std::vector<Spec> later = {{"qsgd", {{"packing", "auto"}}},
                                   {"qsgd", {{"packing", "structured"}}},
                                   {"natural-dithering", {{"packing", "structured"}}},
                                   {"terngrad", {{"packing", "direct"}}},
                                   {"natural", {{"packing", "auto"}}},
                                   {"fp16", {{"packing", "direct"}}},
                                   {"sign", {{"packing", "direct"}}}};
  for (const Spec &s : later) {
    Codec c(s.name, s.params);
    EXPECT_EQ(gcompEncodeDevice(c.h, nullptr, 1000, 0, nullptr, 0, nullptr, nullptr, &ws, nullptr),
              gcompNotAvailable)
        << describe(s, 1000, "");
    EXPECT_NE(std::string(gcompGetLastErrorDetail()), "");
    EXPECT_EQ(gcompDecodeDevice(c.h, nullptr, nullptr, 0, nullptr, 1000, 0.0f, nullptr, &ws,
                                nullptr),
              gcompNotAvailable);
  }
  // Auto where the CPU's auto has one choice. (A fixed section's size query
  // asks CUB, which needs a device.)
  for (const Spec &s : std::vector<Spec>{{"fp16", {{"packing", "auto"}}},
                                         {"bf16", {{"packing", "fixed"}}},
                                         {"sign", {{"packing", "auto"}}}}) {
    Codec c(s.name, s.params);
    EXPECT_EQ(gcompEncodeDevice(c.h, nullptr, 1000, 0, nullptr, 0, nullptr, nullptr, &ws, nullptr),
              gcompSuccess)
        << describe(s, 1000, "") << ": " << gcompGetLastErrorDetail();
  }
}

}  // namespace
