// TernGrad: max|x| sign(x_i) Bernoulli(|x_i| / max|x|). Exact round trips
// of every packing, unbiasedness and variance against their exact values
// and the documented omega = (sqrt(d) - 1) / 2, the structured code's length
// bound, and hostile payloads.
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

float max_abs(const std::vector<float> &x) {
  float m = 0;
  for (float v : x) m = std::max(m, std::fabs(v));
  return m;
}

// Every output is 0 or m sign(x_i); the largest coordinates always keep m.
void expect_ternary(const std::vector<float> &x, const std::vector<float> &y) {
  float m = max_abs(x);
  for (size_t i = 0; i < x.size(); i++) {
    if (std::fabs(x[i]) == m) {
      ASSERT_EQ(y[i], x[i]) << i;
    }
    ASSERT_TRUE(y[i] == 0 || y[i] == (x[i] < 0 ? -m : m)) << i << ": " << y[i];
  }
}

TEST(TernGrad, EveryPackingDecodesToTheDirectPackingsVector) {
  Codec ref_codec("terngrad", {{"packing", "direct"}});
  Codec auto_codec("terngrad");
  for (uint64_t d : kDims) {
    for (const auto &fam : gtv::families()) {
      if (d > 100000 && fam != "gaussian" && fam != "spike") continue;
      auto x = gtv::family(fam, d, 7);
      auto ref = gth::decode(gth::encode(ref_codec, x, 99), d);
      expect_ternary(x, ref);
      for (const char *pk : kPackings) {
        Codec codec("terngrad", {{"packing", pk}});
        auto p = gth::encode(codec, x, 99);
        ASSERT_FALSE(p.empty());
        if (std::string(pk) != "direct") {
          EXPECT_EQ(gtf::body_scale(p), max_abs(x));
        }
        ASSERT_TRUE(gth::bitwise_equal(gth::decode(p, d), ref))
            << fam << " d=" << d << " packing " << pk << " decodes differently";
      }
      ASSERT_TRUE(gth::bitwise_equal(gth::decode(gth::encode(auto_codec, x, 99), d), ref))
          << fam << " d=" << d << " auto";
    }
  }
}

TEST(TernGrad, ZeroVectorDecodesToZero) {
  for (const char *pk : kPackings) {
    Codec codec("terngrad", {{"packing", pk}});
    std::vector<float> x(37, 0.0f);
    for (float v : gth::decode(gth::encode(codec, x), x.size())) EXPECT_EQ(v, 0.0f);
  }
}

TEST(TernGrad, MeanMatchesInputWithinCltTolerance) {
  const int T = 10000;
  Codec codec("terngrad", {{"packing", "fixed"}});
  auto x = gtv::family("heavy", 24, 3);
  std::vector<double> mean(x.size(), 0.0);
  for (int t = 0; t < T; t++) {
    auto y = gth::decode(gth::encode(codec, x, 5000 + t), x.size());
    for (size_t i = 0; i < x.size(); i++) mean[i] += y[i] / (double)T;
  }
  double m = max_abs(x);
  for (size_t i = 0; i < x.size(); i++) {
    double q = std::fabs(x[i]) / m;
    double se = m * std::sqrt(q * (1 - q) / T);
    EXPECT_NEAR(mean[i], x[i], 5 * se + 1e-6 * std::fabs(x[i])) << "coordinate " << i;
  }
}

// E|C(x) - x|^2 = sum m^2 q_i (1 - q_i) = m |x|_1 - |x|^2: the sample mean
// within 5 standard errors of it, and it within omega |x|^2 = (sqrt(d) - 1)
// / 2 |x|^2. The last input reaches that supremum: x = (1, t, ..., t),
// t = 1 / (sqrt(d) + 1).
TEST(TernGrad, VarianceMatchesItsExactValueAndStaysWithinOmega) {
  const int T = 3000;
  const uint64_t d = 200;
  Codec codec("terngrad", {{"packing", "fixed"}});
  double omega = 0;
  ASSERT_EQ(gcompCodecGetOmega(codec.h, d, &omega), gcompSuccess);
  EXPECT_DOUBLE_EQ(omega, (std::sqrt(200.0) - 1) / 2);
  std::vector<std::vector<float>> inputs;
  for (const auto &fam : gtv::families()) inputs.push_back(gtv::family(fam, d, 11));
  std::vector<float> worst(d, (float)(1 / (std::sqrt((double)d) + 1)));
  worst[0] = 1;
  inputs.push_back(worst);
  for (size_t k = 0; k < inputs.size(); k++) {
    const auto &x = inputs[k];
    double s1 = 0, s2 = 0, exact = 0, m = max_abs(x);
    for (int t = 0; t < T; t++) {
      double e = gtv::err2(x, gth::decode(gth::encode(codec, x, 77 + t), d));
      s1 += e;
      s2 += e * e;
    }
    for (float v : x) {
      double q = (double)(std::fabs(v) / (float)m);
      exact += m * m * q * (1 - q);
    }
    double mean = s1 / T, sd = std::sqrt(std::max(0.0, s2 / T - mean * mean));
    double norm2 = gtv::sumsq(x);
    EXPECT_LE(exact, omega * norm2 * (1 + 1e-6)) << "input " << k;  // the last one is the supremum
    EXPECT_NEAR(mean, exact, 5 * sd / std::sqrt((double)T) + 1e-9 * norm2) << "input " << k;
    if (k + 1 == inputs.size()) {
      EXPECT_NEAR(exact / norm2, (std::sqrt(200.0) - 1) / 2, 1e-5);
    }
  }
}

// docs/FORMAT.md: per block of L <= 64 at most 7 bits of zero count, one
// more than log2 C(L, z) for the mask and a sign per nonzero (the unary
// level is empty at K = 1), and log2 C(L, z) + L - z <= L log2 3.
double structured_bound(uint64_t n) {
  double dn = (double)n;
  return 31 + 8 * std::ceil(dn / 64) + dn * std::log2(3.0);
}

TEST(TernGrad, StructuredBitsWithinTheirWorstCaseBoundOnEveryInput) {
  Codec structured("terngrad", {{"packing", "structured"}});
  Codec automatic("terngrad");
  for (uint64_t d : {1ull, 2ull, 3ull, 7ull, 64ull, 65ull, 1000ull, 65536ull}) {
    double bound = structured_bound(d);
    size_t byte_bound = 0;
    ASSERT_EQ(gcompEncodeBound(structured.h, d, &byte_bound), gcompSuccess);
    EXPECT_GE(8.0 * (double)(byte_bound - 64), bound);
    for (const auto &fam : gtv::families()) {
      for (uint64_t seed = 0; seed < (d > 10000 ? 1u : 4u); seed++) {
        auto x = gtv::family(fam, d, seed);
        double bits = (double)gth::info(gth::encode(structured, x, seed)).bodyBits;
        ASSERT_LE(bits, bound) << "d=" << d << " " << fam;
        double best = (double)gth::info(gth::encode(automatic, x, seed)).bodyBits;
        ASSERT_LE(best, std::min(bits, 32.0 * (double)d)) << "d=" << d;
      }
    }
  }
}

TEST(TernGrad, HasNoParameters) {
  gcompCodecConfig_t cfg;
  ASSERT_EQ(gcompCodecConfigInit(&cfg, "terngrad"), gcompSuccess);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "levels", "4"), gcompInvalidArgument);
  cfg.levels = 4;
  gcompCodec_t h = nullptr;
  EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompInvalidArgument);
  EXPECT_EQ(h, nullptr);
}

TEST(TernGrad, NonFiniteInputAndSubnormalScalesAreRefused) {
  Codec codec("terngrad");
  std::vector<std::vector<float>> bad = {{1.0f, NAN}, {INFINITY}};
  for (const auto &x : bad) {
    std::vector<uint8_t> out(1024, 0xAB);
    size_t size = 0;
    EXPECT_EQ(gcompEncode(codec.h, x.data(), x.size(), 1, out.data(), out.size(), &size),
              gcompNonFiniteInput);
    for (uint8_t b : out) ASSERT_EQ(b, 0xAB);
  }
  std::vector<float> tiny = {1e-38f, -5e-39f};
  std::vector<uint8_t> out(1024);
  size_t size = 0;
  EXPECT_EQ(gcompEncode(codec.h, tiny.data(), tiny.size(), 1, out.data(), out.size(), &size),
            gcompParameterOutOfRange);
  std::vector<float> huge = {3.4e38f, -3.4e38f};  // max|x| is a fine scale
  EXPECT_TRUE(gth::bitwise_equal(gth::decode(gth::encode(codec, huge), 2), huge));
}

// A QSGD payload (s = 2) holds a level 2; relabelled TernGrad (K = 1) the
// stream packings must refuse it. (The structured code cannot express a
// level above 1: its unary part is empty.)
TEST(TernGrad, ForgedLevelsAboveTheLimitAreCorrupt) {
  auto x = gtv::family("spike", 300, 2);
  for (const char *pk : {"entropy", "fixed"}) {
    Codec qsgd("qsgd", {{"levels", "2"}, {"packing", pk}});
    auto p = gth::encode(qsgd, x);
    p[6] = gcompTernGrad;
    gcomp_store_u64(p.data() + 48, 0);
    reseal(p);
    EXPECT_EQ(try_decode(p, x.size()), gcompCorruptPayload) << pk;
  }
}

TEST(TernGrad, ForgedHeaderParametersAreCorrupt) {
  Codec codec("terngrad");
  auto base = gth::encode(codec, gtv::family("gaussian", 50, 1));
  auto p = base;
  gcomp_store_u64(p.data() + 48, 1);
  reseal(p);
  EXPECT_EQ(try_decode(p, 50), gcompCorruptPayload);
  p = base;
  gcomp_store_u64(p.data() + 40, 0x8000000000000000ull);  // param -0.0
  reseal(p);
  EXPECT_EQ(try_decode(p, 50), gcompCorruptPayload);
}

// A lone block (n <= 64) always holds a nonzero, so its zero count ranges
// over 0..n-1: a forged all-zero mask cannot be written, and a body cut
// short (honest header, resealed) is always corrupt.
TEST(TernGrad, TruncatedBodiesAreCorrupt) {
  for (uint64_t d : {1ull, 60ull, 130ull}) {
    auto x = gtv::family("heavy", d, 4);
    for (const char *pk : kPackings) {
      Codec codec("terngrad", {{"packing", pk}});
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
        EXPECT_EQ(try_decode(t, d), gcompCorruptPayload) << pk << " d=" << d << " bits " << b;
      }
    }
  }
}

TEST(TernGrad, ForgedBodiesNeverCrash) {
  std::mt19937_64 rng(2026);
  for (const char *pk : {"structured", "entropy", "fixed"}) {
    for (uint64_t d : {1ull, 7ull, 300ull, 5000ull}) {
      Codec codec("terngrad", {{"packing", pk}});
      auto base = gth::encode(codec, gtv::family("heavy", d, 9), 4);
      gtf::expect_byte_edits_survive(base, d, rng, 200, pk);
    }
  }
}

TEST(TernGrad, SameSeedSameBytesOtherSeedOtherRounding) {
  Codec codec("terngrad");
  auto x = gtv::family("gaussian", 1000, 1);
  EXPECT_EQ(gth::encode(codec, x, 5), gth::encode(codec, x, 5));
  EXPECT_NE(gth::encode(codec, x, 5), gth::encode(codec, x, 6));
}

}  // namespace
