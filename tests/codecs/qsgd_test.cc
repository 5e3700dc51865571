// QSGD / standard dithering with s levels: exact round trips of every
// packing, unbiasedness and variance against their exact values and the
// class bound min(d/s^2, sqrt(d)/s), the Elias code's length bound, and
// hostile payloads.
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

// q = |x_i| / gamma as the codec computes it (float division).
float q_of(float x, float gamma) { return std::fabs(x) / gamma; }

// QSGD's grid: y_i = gamma k_i with |k_i| = floor(q) or floor(q) + 1, at
// most s, the sign of x_i; gamma the smallest float with gamma s >= |x|.
void expect_qsgd_output(const std::vector<float> &x, const std::vector<float> &y, float gamma,
                        int s) {
  double norm = std::sqrt(gtv::sumsq(x));
  EXPECT_GE((double)gamma * s, norm * (1 - 1e-12));
  EXPECT_LE((double)gamma * s, norm * (1 + 2.5e-7));
  for (size_t i = 0; i < x.size(); i++) {
    float k = std::rint(y[i] / gamma);
    ASSERT_EQ(y[i], gamma * k) << "coordinate " << i << " is not on the grid";
    float q = q_of(x[i], gamma);
    ASSERT_LE(q, (float)s) << i;
    ASSERT_TRUE(std::fabs(k) == std::floor(q) || std::fabs(k) == std::floor(q) + 1) << i;
    if (k != 0) {
      ASSERT_EQ(std::signbit(k), std::signbit(x[i])) << i;
    }
  }
}

class QsgdRoundTrip : public ::testing::TestWithParam<int> {};

TEST_P(QsgdRoundTrip, EveryPackingDecodesToTheDirectPackingsVector) {
  int s = GetParam();
  std::string levels = std::to_string(s);
  for (uint64_t d : kDims) {
    for (const auto &fam : gtv::families()) {
      if (d > 100000 && fam != "gaussian" && fam != "spike") continue;
      auto x = gtv::family(fam, d, 7);
      Codec ref_codec("qsgd", {{"levels", levels}, {"packing", "direct"}});
      auto ref = gth::decode(gth::encode(ref_codec, x, 99), d);
      for (const char *pk : kPackings) {
        Codec codec("qsgd", {{"levels", levels}, {"packing", pk}});
        auto p = gth::encode(codec, x, 99);
        ASSERT_FALSE(p.empty());
        auto info = gth::info(p);
        EXPECT_EQ(info.iparam, (uint64_t)s);
        EXPECT_EQ(info.param, 0.0);
        ASSERT_TRUE(gth::bitwise_equal(gth::decode(p, d), ref))
            << fam << " d=" << d << " packing " << pk << " decodes differently";
        if (std::string(pk) == "structured") expect_qsgd_output(x, ref, gtf::body_scale(p), s);
      }
      Codec codec("qsgd", {{"levels", levels}});
      ASSERT_TRUE(gth::bitwise_equal(gth::decode(gth::encode(codec, x, 99), d), ref))
          << fam << " d=" << d << " auto";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Qsgd, QsgdRoundTrip, ::testing::Values(1, 8, 1000));

// A lone spike is level s at its position, all else 0: the body is the
// scale, the Elias code of the gap p + 1, a sign bit, the code of s.
TEST(Qsgd, EliasBodyOfASpikeIsGapSignLevel) {
  for (uint64_t d : {1ull, 7ull, 1000ull}) {
    auto x = gtv::family("spike", d, 3);
    uint64_t p = 0;
    while (x[p] == 0) p++;
    for (int s : {1, 5}) {
      Codec codec("qsgd", {{"levels", std::to_string(s)}, {"packing", "structured"}});
      auto pay = gth::encode(codec, x);
      auto elias = [](uint64_t v) { return 2 * (uint64_t)std::floor(std::log2((double)v)) + 1; };
      EXPECT_EQ(gth::info(pay).bodyBits, 31 + elias(p + 1) + 1 + elias((uint64_t)s)) << d;
      auto y = gth::decode(pay, d);
      float top = gtf::body_scale(pay) * (float)(x[p] < 0 ? -s : s);
      for (uint64_t i = 0; i < d; i++) {
        EXPECT_EQ(y[i], i == p ? top : 0.0f) << i;
      }
    }
  }
}

TEST(Qsgd, ZeroVectorDecodesToZero) {
  for (const char *pk : kPackings) {
    Codec codec("qsgd", {{"packing", pk}});
    std::vector<float> x(37, 0.0f);
    auto p = gth::encode(codec, x);
    if (std::string(pk) != "direct") {
      EXPECT_LE(gth::info(p).bodyBits, 32u);
    }
    for (float v : gth::decode(p, x.size())) EXPECT_EQ(v, 0.0f);
  }
}

// Per-coordinate mean over many seeds within 5 standard errors of x_i; the
// standard error from the Bernoulli rounding, gamma sqrt(f (1 - f) / T).
TEST(Qsgd, MeanMatchesInputWithinCltTolerance) {
  const int T = 10000;
  for (const char *s : {"1", "8"}) {
    Codec codec("qsgd", {{"levels", s}, {"packing", "fixed"}});
    auto x = gtv::family("heavy", 24, 3);
    std::vector<double> mean(x.size(), 0.0);
    float gamma = 0;
    for (int t = 0; t < T; t++) {
      auto p = gth::encode(codec, x, 5000 + t);
      gamma = gtf::body_scale(p);
      auto y = gth::decode(p, x.size());
      for (size_t i = 0; i < x.size(); i++) mean[i] += y[i] / (double)T;
    }
    for (size_t i = 0; i < x.size(); i++) {
      double q = q_of(x[i], gamma), f = q - std::floor(q);
      double se = gamma * std::sqrt(f * (1 - f) / T);
      EXPECT_NEAR(mean[i], x[i], 5 * se + 1e-6 * std::fabs(x[i])) << "s=" << s << " i=" << i;
    }
  }
}

// E|C(x) - x|^2 = sum gamma^2 f_i (1 - f_i): the sample mean within 5
// standard errors of it, and it within omega |x|^2.
TEST(Qsgd, VarianceMatchesItsExactValueAndStaysWithinOmega) {
  const int T = 3000;
  const uint64_t d = 200;
  for (const char *s : {"1", "4", "64"}) {
    Codec codec("qsgd", {{"levels", s}, {"packing", "fixed"}});
    double omega = 0;
    ASSERT_EQ(gcompCodecGetOmega(codec.h, d, &omega), gcompSuccess);
    for (const auto &fam : gtv::families()) {
      auto x = gtv::family(fam, d, 11);
      double s1 = 0, s2 = 0, exact = 0;
      float gamma = 0;
      for (int t = 0; t < T; t++) {
        auto p = gth::encode(codec, x, 77 + t);
        gamma = gtf::body_scale(p);
        double e = gtv::err2(x, gth::decode(p, d));
        s1 += e;
        s2 += e * e;
      }
      for (float v : x) {
        double q = q_of(v, gamma), f = q - std::floor(q);
        exact += (double)gamma * gamma * f * (1 - f);
      }
      double m = s1 / T, sd = std::sqrt(std::max(0.0, s2 / T - m * m));
      double norm2 = gtv::sumsq(x);
      EXPECT_LE(exact, omega * norm2) << fam;
      EXPECT_NEAR(m, exact, 5 * sd / std::sqrt((double)T) + 1e-9 * norm2) << "s=" << s << fam;
    }
  }
}

// docs/FORMAT.md: with m nonzero levels the Elias body is at most 31 +
// m (3 + 2 log2(n/m) + 2 log2(1 + s / sqrt m)) bits; the bound is the
// maximum over m (m = 0: 31).
double elias_bound(uint64_t n, double s) {
  double best = 31;
  for (uint64_t m = 1; m <= n; m++) {
    double dm = (double)m;
    double b = 31 + dm * (3 + 2 * std::log2((double)n / dm) +
                          2 * std::log2(1 + s * (1 + 1e-6) / std::sqrt(dm)));
    best = std::max(best, b);
  }
  return best;
}

TEST(Qsgd, EliasBitsWithinTheirWorstCaseBoundOnEveryInput) {
  for (int s : {1, 3, 8, 100, 1 << 20}) {
    for (uint64_t d : {1ull, 2ull, 3ull, 7ull, 64ull, 65ull, 1000ull, 65536ull}) {
      double bound = elias_bound(d, s);
      Codec structured("qsgd", {{"levels", std::to_string(s)}, {"packing", "structured"}});
      Codec automatic("qsgd", {{"levels", std::to_string(s)}});
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

gcompResult_t create(int64_t levels) {
  gcompCodecConfig_t cfg;
  EXPECT_EQ(gcompCodecConfigInit(&cfg, "qsgd"), gcompSuccess);
  cfg.levels = levels;
  gcompCodec_t h = nullptr;
  gcompResult_t r = gcompCodecCreate(&h, &cfg);
  EXPECT_EQ(h == nullptr, r != gcompSuccess);
  gcompCodecFree(h);
  return r;
}

// -1 is GCOMP_DEFAULT (8 levels), so the first negative value refused is -2.
TEST(Qsgd, LevelsOutsideOneToTwoToTheTwentyAreRefused) {
  for (int64_t v : {0ll, -2ll, -1000ll, (1ll << 20) + 1, 1ll << 40})
    EXPECT_EQ(create(v), gcompParameterOutOfRange) << v;
  for (int64_t v : {-1ll, 1ll, 1ll << 20}) EXPECT_EQ(create(v), gcompSuccess) << v;
  gcompCodecConfig_t cfg;
  ASSERT_EQ(gcompCodecConfigInit(&cfg, "qsgd"), gcompSuccess);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "0.1"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "levels", "x"), gcompInvalidArgument);
}

TEST(Qsgd, NonFiniteInputAndScalesOutsideNormalFloatsAreRefused) {
  Codec codec("qsgd", {{"levels", "1"}});
  std::vector<std::vector<float>> bad = {{1.0f, NAN}, {INFINITY}, {-INFINITY, 0.0f}};
  for (const auto &x : bad) {
    std::vector<uint8_t> out(1024, 0xAB);
    size_t size = 0;
    EXPECT_EQ(gcompEncode(codec.h, x.data(), x.size(), 1, out.data(), out.size(), &size),
              gcompNonFiniteInput);
    for (uint8_t b : out) ASSERT_EQ(b, 0xAB);  // nothing written
  }
  // |x| / s below FLT_MIN, and |x| above FLT_MAX with s = 1
  std::vector<std::vector<float>> out_of_range = {{1e-38f, 0.0f}, {3e38f, 3e38f}};
  for (const auto &x : out_of_range) {
    std::vector<uint8_t> out(1024);
    size_t size = 0;
    EXPECT_EQ(gcompEncode(codec.h, x.data(), x.size(), 1, out.data(), out.size(), &size),
              gcompParameterOutOfRange);
  }
}

// A payload of s = 16 levels relabelled s = 8 carries levels above its
// limit: every packing that stores levels must refuse it.
TEST(Qsgd, ForgedLevelsAboveTheLimitAreCorrupt) {
  auto x = gtv::family("spike", 300, 2);  // the spike is level s
  for (const char *pk : {"structured", "entropy", "fixed"}) {
    Codec codec("qsgd", {{"levels", "16"}, {"packing", pk}});
    auto p = gth::encode(codec, x);
    ASSERT_EQ(try_decode(p, x.size()), gcompSuccess);
    gcomp_store_u64(p.data() + 48, 8);
    reseal(p);
    EXPECT_EQ(try_decode(p, x.size()), gcompCorruptPayload) << pk;
  }
}

TEST(Qsgd, ForgedHeaderParametersAreCorrupt) {
  Codec codec("qsgd");
  auto base = gth::encode(codec, gtv::family("gaussian", 50, 1));
  for (uint64_t iparam : {0ull, (1ull << 20) + 1, ~0ull}) {
    auto p = base;
    gcomp_store_u64(p.data() + 48, iparam);
    reseal(p);
    EXPECT_EQ(try_decode(p, 50), gcompCorruptPayload) << iparam;
  }
  for (double param : {-0.0, 1.0, (double)NAN}) {
    auto p = base;
    uint64_t u;
    std::memcpy(&u, &param, 8);
    gcomp_store_u64(p.data() + 40, u);
    reseal(p);
    EXPECT_EQ(try_decode(p, 50), gcompCorruptPayload) << param;
  }
}

// Cut at every length (header kept honest, checksum resealed): the paper
// and stream codes must notice; Elias bodies may legitimately end at a
// triple boundary, and then decode to a prefix of the full vector.
TEST(Qsgd, TruncatedBodiesAreCorruptOrAPrefix) {
  const uint64_t d = 60;
  auto x = gtv::family("heavy", d, 4);
  for (const char *pk : kPackings) {
    Codec codec("qsgd", {{"levels", "4"}, {"packing", pk}});
    auto full = gth::encode(codec, x, 8);
    auto ref = gth::decode(full, d);
    uint64_t bits = gth::info(full).bodyBits, prefixes = 0;
    for (size_t len = 0; len < full.size(); len++) {
      std::vector<uint8_t> t(full.begin(), full.begin() + len);
      EXPECT_EQ(try_decode(t, d), gcompCorruptPayload) << pk << " len " << len;
    }
    for (uint64_t b = 0; b < bits; b++) {
      std::vector<uint8_t> t(full.begin(), full.begin() + 64 + (b + 7) / 8);
      if (b % 8) t.back() &= (uint8_t)((1u << (b % 8)) - 1);
      gcomp_store_u64(t.data() + 32, b);
      reseal(t);
      std::vector<float> y(d);
      gcompResult_t r = gcompDecode(t.data(), t.size(), y.data(), d, 0.0f);
      if (std::string(pk) != "structured" || r != gcompSuccess) {
        EXPECT_EQ(r, gcompCorruptPayload) << pk << " bits " << b;
        continue;
      }
      prefixes++;
      bool zero_tail = false;
      for (uint64_t i = d; i-- > 0;) {
        if (y[i] != 0) zero_tail = true;
        if (zero_tail) {
          ASSERT_EQ(y[i], ref[i]) << "bits " << b << " i " << i;
        }
      }
    }
    EXPECT_EQ(prefixes > 10, std::string(pk) == "structured") << pk;
  }
}

TEST(Qsgd, ForgedBodiesNeverCrash) {
  std::mt19937_64 rng(2024);
  for (const char *pk : {"structured", "entropy", "fixed"}) {
    for (uint64_t d : {1ull, 7ull, 300ull, 5000ull}) {
      Codec codec("qsgd", {{"levels", "6"}, {"packing", pk}});
      auto base = gth::encode(codec, gtv::family("heavy", d, 9), 4);
      gtf::expect_byte_edits_survive(base, d, rng, 200, pk);
    }
  }
}

TEST(Qsgd, SameSeedSameBytesOtherSeedOtherRounding) {
  Codec codec("qsgd");
  auto x = gtv::family("gaussian", 1000, 1);
  EXPECT_EQ(gth::encode(codec, x, 5), gth::encode(codec, x, 5));
  EXPECT_NE(gth::encode(codec, x, 5), gth::encode(codec, x, 6));
}

}  // namespace
