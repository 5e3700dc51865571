// Natural dithering with s levels {0} U {2^(1-s), ..., 1/2, 1} (times |x|):
// exact round trips of every packing, unbiasedness and variance against
// their exact values and the class bound 1/8 + min(sqrt(d) / 2^(s-1),
// d / 4^(s-1)), the structured code's length bound, and hostile payloads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "codec_helpers.h"
#include "forge.h"
#include "vectors.h"
#include "core/wire.h"

namespace {

using gth::Codec;
using gtf::reseal;
using gtf::try_decode;

const uint64_t kDims[] = {1, 2, 3, 7, 1000, (1u << 20) + 3};
const char *const kPackings[] = {"structured", "entropy", "fixed", "direct"};

// The two levels around u = |x_i| / scale (in units of the scale) and the
// probability f of the upper one, from the definition.
struct Bracket {
  double lo, hi, f;
};

Bracket bracket(float x, float scale, int s) {
  double u = (double)(std::fabs(x) / scale), smallest = std::ldexp(1.0, 1 - s);
  Bracket b{0, smallest, 0};
  if (u >= 1) return Bracket{1, 1, 0};
  if (u >= smallest) {
    int e;
    std::frexp(u, &e);  // u = m 2^e, m in [1/2, 1)
    b = Bracket{std::ldexp(1.0, e - 1), std::ldexp(1.0, e), 0};
  }
  b.f = (u - b.lo) / (b.hi - b.lo);
  return b;
}

void expect_nd_output(const std::vector<float> &x, const std::vector<float> &y, float scale,
                      int s) {
  double norm = std::sqrt(gtv::sumsq(x));
  EXPECT_NEAR(scale, norm, norm * 1.2e-7);
  for (size_t i = 0; i < x.size(); i++) {
    Bracket b = bracket(x[i], scale, s);
    float lo = scale * (float)b.lo, hi = scale * (float)b.hi;
    ASSERT_TRUE(std::fabs(y[i]) == lo || std::fabs(y[i]) == hi)
        << "coordinate " << i << ": " << y[i] << " is not " << lo << " or " << hi;
    if (y[i] != 0) {
      ASSERT_EQ(std::signbit(y[i]), std::signbit(x[i])) << i;
    }
  }
}

class NaturalDitheringRoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(NaturalDitheringRoundTrip, EveryPackingDecodesToTheDirectPackingsVector) {
  int s = GetParam();
  std::string levels = std::to_string(s);
  for (uint64_t d : kDims) {
    for (const auto &fam : gtv::families()) {
      if (d > 100000 && fam != "gaussian" && fam != "spike") continue;
      auto x = gtv::family(fam, d, 7);
      Codec ref_codec("natural-dithering", {{"levels", levels}, {"packing", "direct"}});
      auto ref = gth::decode(gth::encode(ref_codec, x, 99), d);
      for (const char *pk : kPackings) {
        Codec codec("natural-dithering", {{"levels", levels}, {"packing", pk}});
        auto p = gth::encode(codec, x, 99);
        ASSERT_FALSE(p.empty());
        EXPECT_EQ(gth::info(p).iparam, (uint64_t)s);
        ASSERT_TRUE(gth::bitwise_equal(gth::decode(p, d), ref))
            << fam << " d=" << d << " packing " << pk << " decodes differently";
        if (std::string(pk) == "structured") expect_nd_output(x, ref, gtf::body_scale(p), s);
      }
      Codec codec("natural-dithering", {{"levels", levels}});
      ASSERT_TRUE(gth::bitwise_equal(gth::decode(gth::encode(codec, x, 99), d), ref))
          << fam << " d=" << d << " auto";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(NaturalDithering, NaturalDitheringRoundTrip, ::testing::Values(1, 4, 30));

// Equal magnitudes with d = 4^k give u = 2^-k, itself a level when k < s:
// no randomness is left.
TEST(NaturalDithering, PowerOfTwoRatiosAreExactLevels) {
  for (uint64_t d : {1ull, 4ull, 16ull, 1024ull}) {
    auto x = gtv::family("signs", d, 5);
    Codec codec("natural-dithering", {{"levels", "8"}});
    for (uint64_t seed = 0; seed < 5; seed++) {
      auto y = gth::decode(gth::encode(codec, x, seed), d);
      ASSERT_TRUE(gth::bitwise_equal(x, y)) << "d=" << d;
    }
  }
}

TEST(NaturalDithering, ZeroVectorDecodesToZero) {
  for (const char *pk : kPackings) {
    Codec codec("natural-dithering", {{"packing", pk}});
    std::vector<float> x(37, 0.0f);
    for (float v : gth::decode(gth::encode(codec, x), x.size())) EXPECT_EQ(v, 0.0f);
  }
}

TEST(NaturalDithering, MeanMatchesInputWithinCltTolerance) {
  const int T = 10000;
  for (int s : {2, 5}) {
    Codec codec("natural-dithering", {{"levels", std::to_string(s)}, {"packing", "fixed"}});
    auto x = gtv::family("heavy", 24, 3);
    std::vector<double> mean(x.size(), 0.0);
    float scale = 0;
    for (int t = 0; t < T; t++) {
      auto p = gth::encode(codec, x, 5000 + t);
      scale = gtf::body_scale(p);
      auto y = gth::decode(p, x.size());
      for (size_t i = 0; i < x.size(); i++) mean[i] += y[i] / (double)T;
    }
    for (size_t i = 0; i < x.size(); i++) {
      Bracket b = bracket(x[i], scale, s);
      double se = scale * (b.hi - b.lo) * std::sqrt(b.f * (1 - b.f) / T);
      EXPECT_NEAR(mean[i], x[i], 5 * se + 1e-6 * std::fabs(x[i])) << "s=" << s << " i=" << i;
    }
  }
}

// E|C(x) - x|^2 = scale^2 sum (hi - lo)^2 f (1 - f): the sample mean within
// 5 standard errors of it, and it within omega |x|^2.
TEST(NaturalDithering, VarianceMatchesItsExactValueAndStaysWithinOmega) {
  const int T = 3000;
  const uint64_t d = 200;
  for (int s : {1, 3, 8}) {
    Codec codec("natural-dithering", {{"levels", std::to_string(s)}, {"packing", "fixed"}});
    double omega = 0;
    ASSERT_EQ(gcompCodecGetOmega(codec.h, d, &omega), gcompSuccess);
    EXPECT_DOUBLE_EQ(omega, 0.125 + std::min(std::sqrt(200.0) / std::ldexp(1.0, s - 1),
                                             200.0 / std::ldexp(1.0, 2 * (s - 1))));
    for (const auto &fam : gtv::families()) {
      auto x = gtv::family(fam, d, 11);
      double s1 = 0, s2 = 0, exact = 0;
      float scale = 0;
      for (int t = 0; t < T; t++) {
        auto p = gth::encode(codec, x, 77 + t);
        scale = gtf::body_scale(p);
        double e = gtv::err2(x, gth::decode(p, d));
        s1 += e;
        s2 += e * e;
      }
      for (float v : x) {
        Bracket b = bracket(v, scale, s);
        exact += (double)scale * scale * (b.hi - b.lo) * (b.hi - b.lo) * b.f * (1 - b.f);
      }
      double m = s1 / T, sd = std::sqrt(std::max(0.0, s2 / T - m * m));
      double norm2 = gtv::sumsq(x);
      EXPECT_LE(exact, omega * norm2) << fam;
      EXPECT_NEAR(m, exact, 5 * sd / std::sqrt((double)T) + 1e-9 * norm2) << "s=" << s << fam;
    }
  }
}

// The 1/8 of omega is tight: nine equal magnitudes have u = 1/3 = (4/3) /
// 4, where rounding between 1/4 and 1/2 has variance u^2 / 8.
TEST(NaturalDithering, EqualNinthsReachTheOneEighthTerm) {
  const int T = 20000;
  auto x = gtv::family("signs", 9, 1);
  Codec codec("natural-dithering", {{"levels", "8"}, {"packing", "fixed"}});
  double s1 = 0, s2 = 0, norm2 = gtv::sumsq(x);
  for (int t = 0; t < T; t++) {
    double e = gtv::err2(x, gth::decode(gth::encode(codec, x, t), 9)) / norm2;
    s1 += e;
    s2 += e * e;
  }
  double m = s1 / T, sd = std::sqrt(s2 / T - m * m);
  EXPECT_NEAR(m, 0.125, 5 * sd / std::sqrt((double)T));
}

// docs/FORMAT.md: 31 + 8 ceil(n/64) + n log2 5 + min((s-1) n, 4^s / (2 e ln 2))
// bits, plus one for the rounding of the scale.
double structured_bound(uint64_t n, int s) {
  double dn = (double)n;
  return 31 + 8 * std::ceil(dn / 64) + dn * std::log2(5.0) +
         std::min((s - 1) * dn, std::pow(4.0, s) / (2 * std::exp(1.0) * std::log(2.0))) + 1;
}

TEST(NaturalDithering, StructuredBitsWithinTheirWorstCaseBoundOnEveryInput) {
  for (int s : {1, 2, 4, 8, 30}) {
    for (uint64_t d : {1ull, 2ull, 3ull, 7ull, 64ull, 65ull, 1000ull, 65536ull}) {
      double bound = structured_bound(d, s);
      Codec structured("natural-dithering",
                       {{"levels", std::to_string(s)}, {"packing", "structured"}});
      Codec automatic("natural-dithering", {{"levels", std::to_string(s)}});
      size_t byte_bound = 0;
      ASSERT_EQ(gcompEncodeBound(structured.h, d, &byte_bound), gcompSuccess);
      EXPECT_GE(8.0 * (double)(byte_bound - 64), bound);
      for (const auto &fam : gtv::families()) {
        for (uint64_t seed = 0; seed < (d > 10000 ? 1u : 4u); seed++) {
          auto x = gtv::family(fam, d, seed);
          double bits = (double)gth::info(gth::encode(structured, x, seed)).bodyBits;
          ASSERT_LE(bits, bound) << "s=" << s << " d=" << d << " " << fam;
          double best = (double)gth::info(gth::encode(automatic, x, seed)).bodyBits;
          ASSERT_LE(best, std::min(bits, 32.0 * (double)d)) << "s=" << s << " d=" << d;
        }
      }
    }
  }
}

TEST(NaturalDithering, LevelsOutsideOneToThirtyAreRefused) {
  auto create = [](int64_t levels) {
    gcompCodecConfig_t cfg;
    EXPECT_EQ(gcompCodecConfigInit(&cfg, "natural-dithering"), gcompSuccess);
    cfg.levels = levels;
    gcompCodec_t h = nullptr;
    gcompResult_t r = gcompCodecCreate(&h, &cfg);
    gcompCodecFree(h);
    return r;
  };
  // -1 is GCOMP_DEFAULT (4 levels)
  for (int64_t v : {0ll, -2ll, 31ll, 1ll << 20}) EXPECT_EQ(create(v), gcompParameterOutOfRange) << v;
  for (int64_t v : {-1ll, 1ll, 30ll}) EXPECT_EQ(create(v), gcompSuccess) << v;
}

TEST(NaturalDithering, NonFiniteInputAndScalesOutsideNormalFloatsAreRefused) {
  Codec codec("natural-dithering");
  std::vector<std::vector<float>> bad = {{1.0f, NAN}, {INFINITY}};
  for (const auto &x : bad) {
    std::vector<uint8_t> out(1024, 0xAB);
    size_t size = 0;
    EXPECT_EQ(gcompEncode(codec.h, x.data(), x.size(), 1, out.data(), out.size(), &size),
              gcompNonFiniteInput);
    for (uint8_t b : out) ASSERT_EQ(b, 0xAB);
  }
  for (const auto &x : std::vector<std::vector<float>>{{1e-38f, 0.0f}, {3e38f, 3e38f}}) {
    std::vector<uint8_t> out(1024);
    size_t size = 0;
    EXPECT_EQ(gcompEncode(codec.h, x.data(), x.size(), 1, out.data(), out.size(), &size),
              gcompParameterOutOfRange);
  }
}

// A spike at s = 8 is index 8; relabelled s = 4 it is above the limit (the
// structured code then stops its unary at 4 and finds trailing bits).
TEST(NaturalDithering, ForgedLevelsAboveTheLimitAreCorrupt) {
  auto x = gtv::family("spike", 300, 2);
  for (const char *pk : {"structured", "entropy", "fixed"}) {
    Codec codec("natural-dithering", {{"levels", "8"}, {"packing", pk}});
    auto p = gth::encode(codec, x);
    ASSERT_EQ(try_decode(p, x.size()), gcompSuccess);
    gcomp_store_u64(p.data() + 48, 4);
    reseal(p);
    EXPECT_EQ(try_decode(p, x.size()), gcompCorruptPayload) << pk;
  }
}

TEST(NaturalDithering, ForgedHeaderParametersAreCorrupt) {
  Codec codec("natural-dithering");
  auto base = gth::encode(codec, gtv::family("gaussian", 50, 1));
  for (uint64_t iparam : {0ull, 31ull, ~0ull}) {
    auto p = base;
    gcomp_store_u64(p.data() + 48, iparam);
    reseal(p);
    EXPECT_EQ(try_decode(p, 50), gcompCorruptPayload) << iparam;
  }
  auto p = base;
  gcomp_store_u64(p.data() + 40, 0x3ff0000000000000ull);  // param 1.0
  reseal(p);
  EXPECT_EQ(try_decode(p, 50), gcompCorruptPayload);
}

// Every packing's body is self-delimiting for a known n: a body cut short
// (with an honest header and checksum) is always corrupt.
TEST(NaturalDithering, TruncatedBodiesAreCorrupt) {
  const uint64_t d = 60;
  auto x = gtv::family("heavy", d, 4);
  for (const char *pk : kPackings) {
    Codec codec("natural-dithering", {{"levels", "5"}, {"packing", pk}});
    auto full = gth::encode(codec, x, 8);
    for (size_t len = 0; len < full.size(); len++) {
      std::vector<uint8_t> t(full.begin(), full.begin() + len);
      EXPECT_EQ(try_decode(t, d), gcompCorruptPayload) << pk << " len " << len;
    }
    for (uint64_t b = 0; b < gth::info(full).bodyBits; b++) {
      std::vector<uint8_t> t(full.begin(), full.begin() + 64 + (b + 7) / 8);
      if (b % 8) t.back() &= (uint8_t)((1u << (b % 8)) - 1);
      gcomp_store_u64(t.data() + 32, b);
      reseal(t);
      EXPECT_EQ(try_decode(t, d), gcompCorruptPayload) << pk << " bits " << b;
    }
  }
}

TEST(NaturalDithering, ForgedBodiesNeverCrash) {
  std::mt19937_64 rng(2025);
  for (const char *pk : {"structured", "entropy", "fixed"}) {
    for (uint64_t d : {1ull, 7ull, 300ull, 5000ull}) {
      Codec codec("natural-dithering", {{"levels", "6"}, {"packing", pk}});
      auto base = gth::encode(codec, gtv::family("heavy", d, 9), 4);
      gtf::expect_byte_edits_survive(base, d, rng, 200, pk);
    }
  }
}

TEST(NaturalDithering, SameSeedSameBytesOtherSeedOtherRounding) {
  Codec codec("natural-dithering");
  auto x = gtv::family("gaussian", 1000, 1);
  EXPECT_EQ(gth::encode(codec, x, 5), gth::encode(codec, x, 5));
  EXPECT_NE(gth::encode(codec, x, 5), gth::encode(codec, x, 6));
}

}  // namespace
