// Top-k on the device against host/codecs/topk.c: the stable radix sort on ~rank
// must keep the CPU's k coordinates (ties to the lower index), the choice
// bit, Rice parameter and packing auto must be shared/topk.h's, so payloads
// match byte for byte; each side decodes the other's to the same floats, and
// refusals and forged bodies get the CPU's codes. Skipped without a device.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../forge.h"
#include "device_util.h"
#include "status_checks.h"

namespace {

using gth::Codec;
using namespace gpu_test;

uint64_t coded_length(uint64_t d, bool rotate) {
  uint64_t n = 1;
  if (!rotate) return d;
  while (n < d) n <<= 1;
  return n;
}

std::string describe(const Params &p, uint64_t d, const std::string &what) {
  std::string t = "topk";
  for (auto &kv : p) t += " " + kv.first + "=" + kv.second;
  return t + " d=" + std::to_string(d) + " " + what;
}

// k = 1, the default ceil(n / 100), n / 2 (a bitmap) and n (every
// coordinate; gaps all zero), each with packing auto and structured, and
// the default k direct too.
std::vector<Params> settings(uint64_t n, const char *rot) {
  std::vector<Params> out;
  for (std::string k : {std::string("1"), std::string(), std::to_string(n / 2 ? n / 2 : 1),
                        std::to_string(n)}) {
    for (const char *packing : {"auto", "structured"}) {
      Params p = {{"packing", packing}, {"rotate", rot}};
      if (!k.empty()) p.push_back({"k", k});
      out.push_back(p);
    }
  }
  out.push_back({{"packing", "direct"}, {"rotate", rot}});
  return out;
}

TEST(TopkParity, PayloadsAndDecodesMatchTheCpuBitForBit) {
  REQUIRE_DEVICE();
  const uint64_t sizes[] = {1, 31, 32, 33, 4095, (1ull << 20) + 7};
  for (const char *rot : {"0", "1"}) {
    for (uint64_t d : sizes) {
      for (const Params &p : settings(coded_length(d, rot[0] == '1'), rot)) {
        Codec c("topk", p);
        for (const auto &fam : gtv::families()) {
          if (d > 100000 && fam != "gaussian" && fam != "sparse" && fam != "equal") continue;
          check_parity(c, gtv::family(fam, d, 17), 5, describe(p, d, fam));
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

// Ties everywhere: zeros (every rank 0), -0 against +0, and equal
// magnitudes of both signs keep the lowest indices.
TEST(TopkParity, TiesGoToTheLowerIndex) {
  REQUIRE_DEVICE();
  for (const char *rot : {"0", "1"}) {
    for (const char *k : {"1", "7", "500"}) {
      Params p = {{"k", k}, {"rotate", rot}};
      Codec c("topk", p);
      check_parity(c, std::vector<float>(1000, 0.0f), 1, describe(p, 1000, "zeros"));
      std::vector<float> x(1000, 0.5f);
      for (size_t i = 0; i < x.size(); i += 3) x[i] = -0.5f;
      check_parity(c, x, 1, describe(p, 1000, "+-0.5"));
      std::vector<float> z(1000, 0.0f);
      for (size_t i = 1; i < z.size(); i += 2) z[i] = -0.0f;
      check_parity(c, z, 1, describe(p, 1000, "+-0"));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// k above the coded length: refused by the CPU's encoder and by the device
// call itself (already the workspace query), with the same code.
TEST(TopkStatus, KAboveTheLengthIsRefused) {
  REQUIRE_DEVICE();
  for (uint64_t d : {1ull, 33ull, 4095ull}) {
    Codec c("topk", {{"k", std::to_string(d + 1)}});
    size_t ws = 0;
    EXPECT_EQ(gcompEncodeDevice(c.h, nullptr, d, 0, nullptr, 0, nullptr, nullptr, &ws, nullptr),
              gcompParameterOutOfRange);
    auto x = gtv::family("gaussian", d, 1);
    std::vector<uint8_t> out(64 + 4 * d + 64);
    size_t size = 0;
    EXPECT_EQ(gcompEncode(c.h, x.data(), d, 5, out.data(), out.size(), &size),
              gcompParameterOutOfRange);
  }
}

TEST(TopkStatus, NonFiniteInputGivesTheCpusCode) {
  REQUIRE_DEVICE();
  for (const char *rot : {"0", "1"}) {
    Codec c("topk", {{"rotate", rot}});
    for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                      std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()}) {
      auto x = gtv::family("gaussian", 9000, 1);
      x[4321] = bad;
      check_parity_or_refusal(c, x, 1, std::string("rotate ") + rot + " non-finite");
    }
  }
}

TEST(TopkStatus, DstTooSmallWritesNothingPastCapacity) {
  REQUIRE_DEVICE();
  const std::vector<Params> specs = {{{"packing", "structured"}},             // Rice
                                     {{"packing", "structured"}, {"k", "5000"}},  // bitmap
                                     {{"packing", "direct"}},
                                     {{"packing", "auto"}, {"k", "9999"}}};   // direct
  for (const Params &p : specs) {
    SCOPED_TRACE(describe(p, 10000, "gaussian"));
    check_dst_too_small(Codec("topk", p), gtv::family("gaussian", 10000, 3), 2);
  }
}

TEST(TopkStatus, ForgedBodiesGiveTheCpusResult) {
  REQUIRE_DEVICE();
  for (const char *k : {"20", "1500"}) {  // Rice gaps, a bitmap
    for (const char *packing : {"structured", "direct"}) {
      for (const char *rot : {"0", "1"}) {
        Codec c("topk", {{"k", k}, {"packing", packing}, {"rotate", rot}});
        SCOPED_TRACE(std::string("k ") + k + " " + packing + " rotate " + rot);
        check_forged_bodies(c, gth::encode(c, gtv::family("gaussian", 3000, 2), 7), 3000, 60, 9);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

// Each reject rule of FORMAT.md, forged by hand under a valid checksum.
TEST(TopkStatus, EveryRejectRuleGivesTheCpusCode) {
  REQUIRE_DEVICE();
  const uint64_t d = 40;
  Codec c("topk", {{"k", "3"}});
  std::vector<float> acc(d, 1.0f);
  auto both = [&](const std::vector<uint8_t> &p, const std::string &what) {
    SCOPED_TRACE(what);
    expect_cpu_result(c, p, d, 0.5f, acc);
  };
  auto bitmap = [&](std::vector<uint64_t> idx, uint64_t k, float v) {
    gtf::Bits b;
    b.put(0, 1);
    for (uint64_t i = 0, j = 0; i < d; i++) {
      bool set = j < idx.size() && idx[j] == i;
      j += set;
      b.put(set, 1);
    }
    for (uint64_t j = 0; j < k; j++) b.f32(j == 0 ? v : 1.0f);
    return gtf::payload(gcompTopK, gcompPackStructured, d, k, b);
  };
  auto rice = [&](std::vector<uint64_t> gaps, unsigned r, uint64_t k, float v) {
    gtf::Bits b;
    b.put(1, 1).put(r, 5);
    for (uint64_t g : gaps) {
      for (uint64_t q = g >> r; q; q--) b.put(1, 1);
      b.put(0, 1).put(g, r);
    }
    for (uint64_t j = 0; j < k; j++) b.f32(j == 0 ? v : 2.0f);
    return gtf::payload(gcompTopK, gcompPackStructured, d, k, b);
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  both(bitmap({1, 5, 39}, 3, 3.0f), "sound bitmap");
  both(bitmap({1, 5}, 3, 3.0f), "bitmap with k - 1 bits");
  both(bitmap({1, 5, 7, 39}, 3, 3.0f), "bitmap with k + 1 bits");
  both(bitmap({1, 5, 39}, 3, nan), "bitmap, NaN value");
  both(rice({0, 6, 30}, 2, 3, -1.0f), "sound gaps");
  both(rice({0, 6, 33}, 2, 3, -1.0f), "index beyond n");
  both(rice({0, 6, 30}, 0, 3, -1.0f), "r = 0, long unary codes");
  both(rice({45, 0, 0}, 0, 3, -1.0f), "quotient above n >> r");
  both(rice({0, 6}, 2, 3, -1.0f), "gaps cut short");
  both(rice({0, 6, 30}, 2, 3, std::numeric_limits<float>::infinity()), "Inf value");
  std::vector<uint8_t> good = rice({0, 6, 30}, 2, 3, -1.0f);
  both(gtf::rewrap(good, d + 1, 8 * (good.size() - 64)), "k above n");
  both(gtf::rewrap(good, 4, 8 * (good.size() - 64)), "k larger than the body holds");
  both(gtf::rewrap(good, 3, 8 * (good.size() - 64) + 8), "a byte past the values");
  gtf::Bits b;
  for (uint64_t i = 0; i < d; i++) b.f32(i % 10 == 0 ? 1.0f : (i == 3 ? -0.0f : 0.0f));
  both(gtf::payload(gcompTopK, gcompPackDirect, d, 5, b), "direct, k nonzeros (-0 counts)");
  both(gtf::payload(gcompTopK, gcompPackDirect, d, 4, b), "direct, k + 1 nonzeros");
}

// Auto accepts either packing; unlike Rand-k any k is decoded (the CPU
// reads the header's).
TEST(TopkStatus, PackingsAndKAcrossRanks) {
  REQUIRE_DEVICE();
  auto x = gtv::family("gaussian", 3000, 1);
  Codec st("topk", {{"k", "20"}, {"packing", "structured"}});
  Codec di("topk", {{"k", "20"}, {"packing", "direct"}});
  Codec au("topk", {{"k", "20"}});
  Codec other("topk", {{"k", "21"}, {"packing", "structured"}});
  check_packings_across_ranks(st, di, au, x);
  std::vector<uint8_t> p = gth::encode(st, x, 1);
  gcompResult_t rc;
  std::vector<float> want = cpu_decode(p, 3000, 0.0f, x, &rc);
  DecodeResult g = gpu_decode(other, p, 3000, 0.0f, x);
  EXPECT_EQ(g.status, gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(g.y, want));
}

}  // namespace
