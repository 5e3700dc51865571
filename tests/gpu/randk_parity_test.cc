// Rand-k on the device against host/codecs/randk.c: the stable radix sort of
// (key, index) must keep the CPU's k coordinates, so payloads match byte for
// byte, each side decodes the other's to the same floats, and refusals and
// forged bodies get the CPU's codes. Skipped without a CUDA device.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "device_util.h"
#include "status_checks.h"

namespace {

using gth::Codec;
using namespace gpu_test;
using Params = std::vector<std::pair<std::string, std::string>>;

// The default k (ceil(n / 100)), k = 1, and a k above some of the sizes
// (refused by both sides), in all three packings.
std::vector<Params> settings(const char *rot) {
  return {{{"rotate", rot}},
          {{"k", "1"}, {"packing", "direct"}, {"rotate", rot}},
          {{"k", "33"}, {"packing", "structured"}, {"rotate", rot}},
          {{"k", "1000"}, {"packing", "auto"}, {"rotate", rot}}};
}

std::string describe(const Params &p, uint64_t d, const std::string &what) {
  std::string t = "randk";
  for (auto &kv : p) t += " " + kv.first + "=" + kv.second;
  return t + " d=" + std::to_string(d) + " " + what;
}

// k above the coded length: the CPU refuses in its encoder, the device in
// the call itself (already the workspace query), both with the same code.
gcompResult_t device_query(const Codec &c, uint64_t d) {
  size_t ws = 0;
  return gcompEncodeDevice(c.h, nullptr, d, 0, nullptr, 0, nullptr, nullptr, &ws, nullptr);
}

TEST(RandkParity, PayloadsAndDecodesMatchTheCpuBitForBit) {
  REQUIRE_DEVICE();
  const uint64_t sizes[] = {1, 31, 32, 33, 4095, (1ull << 20) + 7};
  for (const char *rot : {"0", "1"}) {
    for (const Params &p : settings(rot)) {
      Codec c("randk", p);
      for (uint64_t d : sizes) {
        for (const auto &fam : gtv::families()) {
          if (d > 100000 && fam != "gaussian" && fam != "sparse") continue;
          auto x = gtv::family(fam, d, 17);
          gcompResult_t q = device_query(c, d);
          if (q != gcompSuccess) {
            EXPECT_EQ(q, gcompParameterOutOfRange) << describe(p, d, fam);
            std::vector<uint8_t> out(64 + 4 * x.size() + 64);
            size_t size = 0;
            EXPECT_EQ(gcompEncode(c.h, x.data(), d, 5, out.data(), out.size(), &size), q);
            continue;
          }
          check_parity(c, x, 5, describe(p, d, fam));
          check_parity(c, x, 0xfedcba9876543210ull, describe(p, d, fam + ", high seed"));
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(RandkStatus, BadInputsGiveTheCpusCode) {
  REQUIRE_DEVICE();
  for (const char *rot : {"0", "1"}) {
    Codec c("randk", {{"rotate", rot}});
    for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                      std::numeric_limits<float>::infinity()}) {
      auto x = gtv::family("gaussian", 9000, 1);
      x[4321] = bad;
      check_parity_or_refusal(c, x, 1, std::string("rotate ") + rot + " non-finite");
    }
  }
  // x * n/k beyond float32 (n/k = 100): refused whether or not it is kept.
  Codec c("randk", {{"k", "10"}});
  std::vector<float> x(1000, 3e38f);
  check_parity_or_refusal(c, x, 1, "kept value overflows");
}

TEST(RandkStatus, DstTooSmallWritesNothingPastCapacity) {
  REQUIRE_DEVICE();
  for (const char *packing : {"structured", "direct"}) {
    SCOPED_TRACE(packing);
    check_dst_too_small(Codec("randk", {{"packing", packing}}), gtv::family("gaussian", 10000, 3),
                        2);
  }
}

TEST(RandkStatus, ForgedBodiesGiveTheCpusResult) {
  REQUIRE_DEVICE();
  for (const char *packing : {"structured", "direct"}) {
    for (const char *rot : {"0", "1"}) {
      Codec c("randk", {{"k", "20"}, {"packing", packing}, {"rotate", rot}});
      SCOPED_TRACE(std::string(packing) + " rotate " + rot);
      check_forged_bodies(c, gth::encode(c, gtv::family("gaussian", 3000, 2), 7), 3000, 60, 9);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// Auto accepts either packing; another k than the call's resolves to means
// the ranks disagree (gcompInvalidUsage).
TEST(RandkStatus, PackingsAndKAcrossRanks) {
  REQUIRE_DEVICE();
  auto x = gtv::family("gaussian", 3000, 1);
  Codec st("randk", {{"k", "20"}, {"packing", "structured"}});
  Codec di("randk", {{"k", "20"}, {"packing", "direct"}});
  Codec au("randk", {{"k", "20"}});
  Codec other("randk", {{"k", "21"}, {"packing", "structured"}});
  check_packings_across_ranks(st, di, au, x);
  EXPECT_EQ(gpu_decode(other, gth::encode(st, x, 1), 3000, 0.0f, x).status, gcompInvalidUsage);
}

}  // namespace
