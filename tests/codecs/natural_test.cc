// Natural compression, class U(1/8): every packing decodes to the same
// powers of two, unbiasedness and variance by Monte Carlo against the exact
// rounding variance, sizes, range limits, and hostile payloads.
#include <gtest/gtest.h>

#include <cmath>

#include "codec_helpers.h"
#include "pack/fixed.h"
#include "forge.h"
#include "pack/entropy.h"
#include "vectors.h"

namespace {

using gth::Codec;

const uint64_t kDims[] = {1, 2, 3, 7, 1000, (1u << 20) + 3};

// The two powers of two around |v|: [a, b] with a <= |v| < b, and the exact
// variance (b - |v|)(|v| - a) of rounding to them without bias. Below 2^-126
// the pair is (0, 2^-126).
struct Bracket {
  double a, b;
};

Bracket bracket(float v) {
  double m = std::fabs((double)v);
  if (m < 0x1p-126) return {0.0, 0x1p-126};
  double a = std::ldexp(1.0, std::ilogb(m));
  return {a, 2 * a};
}

double rounding_variance(float v) {
  Bracket br = bracket(v);
  double m = std::fabs((double)v);
  return (br.b - m) * (m - br.a);
}

void expect_natural(const std::vector<float> &x, const std::vector<float> &y) {
  for (size_t i = 0; i < x.size(); i++) {
    Bracket br = bracket(x[i]);
    double m = std::fabs((double)y[i]);
    ASSERT_TRUE(m == br.a || (m == br.b && std::fabs((double)x[i]) != br.a)) << "coordinate " << i;
    if (y[i] != 0) {
      ASSERT_EQ(std::signbit(y[i]), std::signbit(x[i])) << i;
    } else {
      ASSERT_EQ(gtf::bits_of(y[i]), 0u) << i;
    }
  }
}

TEST(NaturalCompression, EveryPackingDecodesToTheSamePowersOfTwo) {
  for (uint64_t d : kDims) {
    for (const auto &fam : gtv::families()) {
      if (d > 100000 && fam != "gaussian" && fam != "heavy") continue;
      auto x = gtv::family(fam, d, 7);
      Codec ref_codec("natural", {{"packing", "direct"}});
      auto ref = gth::decode(gth::encode(ref_codec, x, 5), d);
      expect_natural(x, ref);
      for (const char *pk : {"fixed", "entropy", "auto"}) {
        Codec codec("natural", {{"packing", pk}});
        auto p = gth::encode(codec, x, 5);
        ASSERT_TRUE(gth::bitwise_equal(gth::decode(p, d), ref)) << fam << " d=" << d << " " << pk;
      }
    }
  }
}

TEST(NaturalCompression, SameSeedSameBytesOtherSeedOtherRounding) {
  Codec codec("natural");
  auto x = gtv::family("gaussian", 1000, 1);
  EXPECT_EQ(gth::encode(codec, x, 5), gth::encode(codec, x, 5));
  EXPECT_NE(gth::encode(codec, x, 5), gth::encode(codec, x, 6));
}

TEST(NaturalCompression, RotatedVectorsDecodeAlikeInEveryPacking) {
  for (uint64_t d : {3ull, 7ull, 1000ull}) {
    auto x = gtv::family("heavy", d, 4);
    Codec ref_codec("natural", {{"rotate", "1"}, {"packing", "direct"}});
    auto ref = gth::decode(gth::encode(ref_codec, x, 8), d);
    for (const char *pk : {"fixed", "entropy", "auto"}) {
      Codec codec("natural", {{"rotate", "1"}, {"packing", pk}});
      EXPECT_TRUE(gth::bitwise_equal(gth::decode(gth::encode(codec, x, 8), d), ref)) << pk;
    }
  }
}

// Mean of T draws within 5 standard errors sqrt(var / T) of x_i, subnormal
// coordinates included (they round between 0 and 2^-126, also unbiased).
TEST(NaturalCompression, MeanMatchesInputWithinCltTolerance) {
  const int T = 20000;
  auto x = gtv::family("heavy", 24, 3);
  x[5] = 3e-39f;       // subnormal
  x[6] = -1.5e-44f;    // a few ulps above zero
  x[7] = 0.75f;        // mid-bracket
  x[8] = 0x1p-3f;      // exact power: never moves
  Codec codec("natural");
  std::vector<double> mean(x.size(), 0.0);
  for (int t = 0; t < T; t++) {
    auto y = gth::decode(gth::encode(codec, x, 500 + t), x.size());
    for (size_t i = 0; i < x.size(); i++) mean[i] += y[i] / (double)T;
    ASSERT_EQ(y[8], x[8]);
  }
  for (size_t i = 0; i < x.size(); i++) {
    double se = std::sqrt(rounding_variance(x[i]) / T);
    EXPECT_NEAR(mean[i], x[i], 5 * se + 1e-12 * std::fabs(x[i])) << "coordinate " << i;
  }
}

// E|C(x) - x|^2 = sum (b_i - |x_i|)(|x_i| - a_i) <= |x|^2 / 8 for inputs in
// the normal range; the sample mean matches it within 5 standard errors.
TEST(NaturalCompression, VarianceWithinOneEighth) {
  const int T = 4000;
  Codec codec("natural");
  double omega = 0;
  ASSERT_EQ(gcompCodecGetOmega(codec.h, 200, &omega), gcompSuccess);
  EXPECT_EQ(omega, 0.125);
  for (const auto &fam : gtv::families()) {
    auto x = gtv::family(fam, 200, 11);
    double s1 = 0, s2 = 0, exact = 0;
    for (float v : x) exact += rounding_variance(v);
    for (int t = 0; t < T; t++) {
      double e = gtv::err2(x, gth::decode(gth::encode(codec, x, 77 + t), x.size()));
      s1 += e;
      s2 += e * e;
    }
    double m = s1 / T, sd = std::sqrt(std::max(0.0, s2 / T - m * m));
    double norm2 = gtv::sumsq(x);
    EXPECT_LE(exact, omega * norm2) << fam;
    EXPECT_NEAR(m, exact, 5 * sd / std::sqrt((double)T) + 1e-12 * norm2) << fam;
  }
  // the worst case of one coordinate: |x| = 4/3 2^E gives exactly 1/8 in the limit
  for (float v : {1.3333333f, 0.6666666f, 3e30f}) EXPECT_LE(rounding_variance(v), v * (double)v / 8);
}

// Documented worst case of the fixed section over 9-bit symbols: per chunk
// of L <= 4096 symbols a 4-byte length, a 3-byte head and ceil(9 L / 8).
uint64_t fixed_worst_bits(uint64_t n) {
  uint64_t bytes = 0;
  for (uint64_t off = 0; off < n; off += 4096) bytes += 7 + (9 * std::min<uint64_t>(4096, n - off) + 7) / 8;
  return 8 * bytes;
}

TEST(NaturalCompression, BitsWithinTheDocumentedBounds) {
  for (uint64_t d : {1ull, 2ull, 7ull, 1000ull, 4096ull, 4097ull, 65536ull}) {
    std::vector<std::vector<float>> inputs;
    for (const auto &fam : gtv::families()) inputs.push_back(gtv::family(fam, d, 4));
    std::vector<float> wide(d);  // every exponent and both signs: the widest symbols
    for (uint64_t i = 0; i < d; i++) wide[i] = std::ldexp(i % 2 ? -1.0f : 1.0f, (int)(i % 253) - 126);
    inputs.push_back(wide);
    for (const char *pk : {"fixed", "entropy", "direct", "auto"}) {
      Codec codec("natural", {{"packing", pk}});
      size_t bound = 0;
      ASSERT_EQ(gcompEncodeBound(codec.h, d, &bound), gcompSuccess);
      for (const auto &x : inputs) {
        auto p = gth::encode(codec, x);
        auto info = gth::info(p);
        std::string k = pk;
        if (k == "fixed" || k == "auto") {
          ASSERT_LE(info.bodyBits, fixed_worst_bits(d)) << pk << " d=" << d;
        }
        if (k == "direct") {
          ASSERT_EQ(info.bodyBits, 32 * d);
        }
        ASSERT_LE(p.size(), bound) << pk << " d=" << d;
      }
    }
  }
}

TEST(NaturalCompression, InputsThatWouldOverflowAreRefused) {
  Codec codec("natural");
  std::vector<uint8_t> dst(4096, 0xab);
  size_t size = 0;
  for (float big : {0x1p127f, -0x1p127f, 3.4e38f}) {
    std::vector<float> x = {1.0f, big, 2.0f};
    EXPECT_EQ(gcompEncode(codec.h, x.data(), 3, 1, dst.data(), dst.size(), &size),
              gcompParameterOutOfRange);
  }
  for (uint8_t b : dst) ASSERT_EQ(b, 0xab);
  // just below: may round up to 2^127, which is finite
  std::vector<float> x = {std::nextafter(0x1p127f, 0.0f), -std::nextafter(0x1p127f, 0.0f)};
  for (uint64_t s = 0; s < 20; s++)
    for (float v : gth::decode(gth::encode(codec, x, s), 2)) EXPECT_TRUE(std::isfinite(v));
  gtf::expect_non_finite_refused(Codec("natural"), 300);
}

using gtf::section;

TEST(NaturalCompression, HostilePayloadsAreCorrupt) {
  for (const char *pk : {"fixed", "entropy", "direct"}) {
    Codec codec("natural", {{"packing", pk}});
    auto p = gth::encode(codec, gtv::family("heavy", 50, 9), 4);
    gtf::expect_every_truncation_corrupt(p, 50);
    gtf::expect_forged_bodies_survive(p, 50, 14);
  }
  const auto M = gcompNaturalCompression;
  for (bool fixed : {true, false}) {
    auto P = fixed ? gcompPackFixed : gcompPackEntropy;
    auto wrap = [&](std::vector<uint8_t> body) {
      return gtf::payload(M, P, 4, 0, body, 8 * (uint64_t)body.size());
    };
    EXPECT_EQ(gtf::decode(wrap(section(fixed, {0, 2, 254, 509})), 4), gcompSuccess);
    // a negative zero, exponent 255 (Inf), beyond 9 bits
    for (uint32_t bad : {1u, 510u, 511u, 4096u})
      EXPECT_EQ(gtf::decode(wrap(section(fixed, {0, bad, 254, 3})), 4), gcompCorruptPayload) << bad;
    // a symbol short, a trailing byte
    EXPECT_EQ(gtf::decode(wrap(section(fixed, {0, 2, 254})), 4), gcompCorruptPayload);
    auto extra = section(fixed, {0, 2, 254, 3});
    extra.push_back(0);
    EXPECT_EQ(gtf::decode(wrap(extra), 4), gcompCorruptPayload);
    // a length that is not whole bytes
    auto body = section(fixed, {0, 2, 254, 3});
    EXPECT_EQ(gtf::decode(gtf::payload(M, P, 4, 0, body, 8 * body.size() - 1), 4),
              gcompCorruptPayload);
  }
  auto direct = [](std::vector<float> v) {
    gtf::Bits b;
    for (float f : v) b.f32(f);
    return b;
  };
  const auto D = gcompPackDirect;
  EXPECT_EQ(gtf::decode(gtf::payload(M, D, 3, 0, direct({0.5f, -0x1p-126f, 0})), 3), gcompSuccess);
  for (float bad : {0.75f, -0.0f, 0x1p-130f})
    EXPECT_EQ(gtf::decode(gtf::payload(M, D, 3, 0, direct({0.5f, bad, 0})), 3),
              gcompCorruptPayload)
        << bad;
  EXPECT_EQ(gtf::decode(gtf::payload(M, D, 3, 5, direct({0.5f, 1, 0})), 3), gcompCorruptPayload);
}

}  // namespace
