// Spherical Compression on the device against host/codecs/spherical.c: the GPU's
// warp-parallel candidate search must find the CPU's T for every block, so
// payloads match byte for byte, each side decodes the other's to the same
// floats, and refusals carry the CPU's codes. Skipped without a CUDA device.
#include <gtest/gtest.h>

#include <cmath>
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

// (alpha, block, packing): the default block, short and long blocks, a
// block that is not a multiple of 4 (a candidate's last Philox draw is
// partly unused), and all three packings.
std::vector<Params> settings(const char *rot) {
  return {{{"alpha", "0.5"}, {"rotate", rot}},
          {{"alpha", "0.15"}, {"block", "4"}, {"packing", "structured"}, {"rotate", rot}},
          {{"alpha", "0.8"}, {"block", "16"}, {"packing", "direct"}, {"rotate", rot}},
          {{"alpha", "0.3"}, {"block", "1"}, {"packing", "structured"}, {"rotate", rot}},
          {{"alpha", "0.5"}, {"block", "13"}, {"packing", "auto"}, {"rotate", rot}}};
}

std::string describe(const Params &p, uint64_t d, const std::string &what) {
  std::string t = "spherical";
  for (auto &kv : p) t += " " + kv.first + "=" + kv.second;
  return t + " d=" + std::to_string(d) + " " + what;
}

std::vector<float> scaled(std::vector<float> x, float s) {
  for (float &v : x) v *= s;
  return x;
}

TEST(SphericalParity, PayloadsAndDecodesMatchTheCpuBitForBit) {
  REQUIRE_DEVICE();
  const uint64_t sizes[] = {1, 31, 32, 33, 4095, (1ull << 20) + 7};
  for (const char *rot : {"0", "1"}) {
    for (const Params &p : settings(rot)) {
      Codec c("spherical", p);
      // The CPU's sequential search makes 2^20 slow: two families, and the
      // settings with the fewest expected trials (alpha 0.8, m 16: 2^4.8;
      // alpha 0.3, m 1: 2).
      bool cheap = p[0].second == "0.8" || p[0].second == "0.3";
      for (uint64_t d : sizes) {
        for (const auto &fam : gtv::families()) {
          if (d > 100000 && ((fam != "gaussian" && fam != "sparse") || !cheap)) continue;
          check_parity(c, gtv::family(fam, d, 17), 5, describe(p, d, fam));
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(SphericalParity, ZeroVectorsAndSeeds) {
  REQUIRE_DEVICE();
  for (const char *rot : {"0", "1"}) {
    for (const Params &p : settings(rot)) {
      Codec c("spherical", p);
      for (uint64_t d : {1ull, 5000ull}) {
        check_parity(c, std::vector<float>(d, 0.0f), 3, describe(p, d, "zeros"));
        check_parity(c, gtv::family("heavy", d, 4), 0xfedcba9876543210ull,
                     describe(p, d, "heavy, high seed"));
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

// Below |x|^2 = n 2^-250 the encoder checks its actual output and, where it
// misses alpha, sends x itself (auto, direct) or refuses (structured). The
// device must take the same branch: here the sums run in block order on one
// thread, as on the CPU.
TEST(SphericalParity, UnderflowRegimeTakesTheCpusBranch) {
  REQUIRE_DEVICE();
  for (const char *packing : {"auto", "direct", "structured"}) {
    // docs/spherical.md's example: 0.45 * 2^-149 rounds to 0, missing alpha.
    Codec one("spherical", {{"alpha", "0.8"}, {"block", "1"}, {"packing", packing}});
    check_parity_or_refusal(one, {std::ldexp(1.0f, -149)}, 1,
                            std::string("2^-149 ") + packing);
    for (float s : {1e-39f, 1e-43f}) {
      Codec c("spherical", {{"alpha", "0.5"}, {"block", "4"}, {"packing", packing}});
      check_parity_or_refusal(c, scaled(gtv::family("gaussian", 4097, 9), s), 2,
                              std::string(packing) + " scale " + std::to_string(s));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

TEST(SphericalStatus, BadInputsGiveTheCpusCode) {
  REQUIRE_DEVICE();
  for (const char *rot : {"0", "1"}) {
    Codec c("spherical", {{"alpha", "0.5"}, {"block", "8"}, {"rotate", rot}});
    for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                      std::numeric_limits<float>::infinity()}) {
      auto x = gtv::family("gaussian", 9000, 1);
      x[4321] = bad;
      check_parity_or_refusal(c, x, 1, std::string("rotate ") + rot + " non-finite");
    }
  }
  // A block norm beyond float32 cannot be the scale R.
  Codec c("spherical", {{"alpha", "0.5"}, {"block", "8"}});
  auto x = gtv::family("gaussian", 100, 1);
  x[40] = x[41] = 3e38f;
  check_parity_or_refusal(c, x, 1, "block norm above FLT_MAX");
}

TEST(SphericalStatus, DstTooSmallWritesNothingPastCapacity) {
  REQUIRE_DEVICE();
  for (const char *packing : {"structured", "direct", "auto"}) {
    SCOPED_TRACE(packing);
    check_dst_too_small(Codec("spherical", {{"alpha", "0.5"}, {"packing", packing}}),
                        gtv::family("gaussian", 10000, 3), 2);
  }
}

// Edited and cut bodies reach the body parser (status_checks.h).
TEST(SphericalStatus, ForgedBodiesGiveTheCpusResult) {
  REQUIRE_DEVICE();
  for (const char *rot : {"0", "1"}) {
    Codec c("spherical", {{"alpha", "0.5"}, {"block", "8"}, {"packing", "structured"},
                          {"rotate", rot}});
    for (uint64_t d : {33ull, 10000ull}) {
      SCOPED_TRACE("rotate " + std::string(rot) + " d " + std::to_string(d));
      check_forged_bodies(c, gth::encode(c, gtv::family("gaussian", d, 2), 7), d, 100, d);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// Auto accepts either packing; a codec that names one refuses the other,
// and a payload of another block size does not fit the workspace: the ranks
// disagree (gcompInvalidUsage), as for another codec or d.
TEST(SphericalStatus, PackingsAndBlockSizesAcrossRanks) {
  REQUIRE_DEVICE();
  auto x = gtv::family("gaussian", 300, 1);
  Codec st("spherical", {{"block", "8"}, {"packing", "structured"}});
  Codec di("spherical", {{"block", "8"}, {"packing", "direct"}});
  Codec au("spherical", {{"block", "8"}, {"packing", "auto"}});
  Codec other("spherical", {{"block", "6"}, {"packing", "structured"}});
  check_packings_across_ranks(st, di, au, x);
  EXPECT_EQ(gpu_decode(other, gth::encode(st, x, 1), 300, 0.0f, x).status, gcompInvalidUsage);
}

TEST(SphericalApi, EncodeAndDecodeShareOneWorkspaceSize) {
  REQUIRE_DEVICE();
  for (const char *rot : {"0", "1"}) {
    Codec c("spherical", {{"block", "4"}, {"rotate", rot}});
    size_t enc = 0, dec = 0;
    ASSERT_EQ(gcompEncodeDevice(c.h, nullptr, 5000, 0, nullptr, 0, nullptr, nullptr, &enc,
                                nullptr),
              gcompSuccess)
        << gcompGetLastErrorDetail();
    ASSERT_EQ(gcompDecodeDevice(c.h, nullptr, nullptr, 0, nullptr, 5000, 0.0f, nullptr, &dec,
                                nullptr),
              gcompSuccess);
    EXPECT_EQ(enc, dec);
    EXPECT_GE(enc, 1250u * 24) << "three words a block";
  }
}

}  // namespace
