// Sparse Dithering, deterministic (C(nu)) and randomized (U(omega)): exact
// round trips against the paper's construction, the class guarantees by
// Monte Carlo, and the published bit bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "codec_helpers.h"
#include "forge.h"
#include "vectors.h"

namespace {

using gth::Codec;

const uint64_t kDims[] = {1, 2, 3, 7, 1000, (1u << 20) + 3};
const char *const kPackings[] = {"structured", "entropy", "fixed", "direct"};

// The paper's grid: every output is gamma * integer, gamma = 2 h |x| (up to
// the documented 2^-12 safety margin), h = sqrt(param / d).
void expect_on_grid(const std::vector<float> &x, const std::vector<float> &y, float gamma,
                    double param, bool nearest) {
  double norm = std::sqrt(gtv::sumsq(x));
  double h = std::sqrt(param / (double)x.size());
  double ratio = gamma / (2 * h * norm);
  EXPECT_NEAR(ratio, 1.0 - 1.0 / 4096, 1e-6);
  for (size_t i = 0; i < x.size(); i++) {
    float k = std::rint(y[i] / gamma);
    ASSERT_EQ(y[i], gamma * k) << "coordinate " << i << " is not on the grid";
    double q = std::fabs((double)x[i]) / gamma;
    if (nearest) {
      ASSERT_LE(std::fabs(std::fabs((double)k) - q), 0.5 + 1e-5) << i;
    } else {
      ASSERT_TRUE(std::fabs(k) == std::floor(q) || std::fabs(k) == std::floor(q) + 1) << i;
    }
    if (k != 0) {
      ASSERT_EQ(std::signbit(k), std::signbit(x[i])) << i;
    }
  }
}

struct Case {
  const char *codec;
  const char *param;
  const char *value;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.codec << " " << c.param << "=" << c.value; }

class RoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(RoundTrip, EveryPackingDecodesToThePapersQuantizedVector) {
  Case c = GetParam();
  bool det = std::strcmp(c.codec, "sd") == 0;
  for (uint64_t d : kDims) {
    for (const auto &fam : gtv::families()) {
      if (d > 100000 && fam != "gaussian" && fam != "spike") continue;
      auto x = gtv::family(fam, d, 7);
      std::vector<float> first;
      float gamma = 0;
      for (const char *pk : kPackings) {
        Codec codec(c.codec, {{c.param, c.value}, {"packing", pk}});
        auto p = gth::encode(codec, x, 99);
        ASSERT_FALSE(p.empty());
        auto info = gth::info(p);
        EXPECT_EQ(info.headerBytes, 64u);
        EXPECT_EQ(info.d, d);
        auto y = gth::decode(p, d);
        if (first.empty()) {
          first = y;
          gamma = gtf::body_scale(p);
          expect_on_grid(x, y, gamma, std::atof(c.value), det);
        } else {
          ASSERT_TRUE(gth::bitwise_equal(first, y))
              << fam << " d=" << d << " packing " << pk << " decodes differently";
        }
      }
      // auto picks one of them: same output again
      Codec codec(c.codec, {{c.param, c.value}});
      auto y = gth::decode(gth::encode(codec, x, 99), d);
      ASSERT_TRUE(gth::bitwise_equal(first, y)) << fam << " d=" << d << " auto";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SparseDithering, RoundTrip,
                         ::testing::Values(Case{"sd", "nu", "0.1"}, Case{"sd", "nu", "0.01"},
                                           Case{"sd-unbiased", "omega", "0.25"},
                                           Case{"sd-unbiased", "omega", "4"}),
                         [](const auto &info) {
                           std::string s = std::string(info.param.codec) + "_" +
                                           info.param.value;
                           for (auto &ch : s)
                             if (!std::isalnum((unsigned char)ch)) ch = '_';
                           return s;
                         });

TEST(SparseDithering, DistortionNeverExceedsNu) {
  for (const char *nu : {"0.5", "0.1", "0.01"}) {
    for (int rotate = 0; rotate <= 1; rotate++) {
      Codec codec("sd", {{"nu", nu}, {"rotate", rotate ? "1" : "0"}});
      double v = std::atof(nu);
      for (uint64_t d : {1ull, 2ull, 3ull, 7ull, 100ull, 1000ull, 4099ull}) {
        std::vector<std::vector<float>> inputs;
        for (const auto &fam : gtv::families())
          for (uint64_t s = 0; s < 5; s++) inputs.push_back(gtv::family(fam, d, s));
        if (d > 1) {
          inputs.push_back(gtv::straddle_h(d, v, 1e-3));
          for (double tau : {0.0, 0.17, 0.5, 0.9})
            inputs.push_back(gtv::near_threshold(d, v, tau, 1e-4, d));
        }
        for (size_t t = 0; t < inputs.size(); t++) {
          const auto &x = inputs[t];
          auto y = gth::decode(gth::encode(codec, x, 1000 + t), d);
          ASSERT_LE(gtv::err2(x, y), v * gtv::sumsq(x))
              << "nu=" << nu << " rotate=" << rotate << " d=" << d << " input " << t;
        }
      }
    }
  }
}

TEST(SparseDithering, ZeroVectorDecodesToZero) {
  for (const char *name : {"sd", "sd-unbiased"}) {
    Codec codec(name);
    std::vector<float> x(37, 0.0f);
    auto p = gth::encode(codec, x);
    EXPECT_LE(gth::info(p).bodyBits, 32u);
    auto y = gth::decode(p, x.size());
    for (float v : y) EXPECT_EQ(v, 0.0f);
  }
}

// Per-coordinate mean over many seeds: within 5 standard errors of x_i,
// where the standard error follows from the rounding's Bernoulli variance
// gamma^2 f (1 - f) / T, f the fractional part of |x_i| / gamma.
TEST(SparseDitheringUnbiased, MeanMatchesInputWithinCltTolerance) {
  const int T = 20000;
  for (const char *omega : {"0.25", "2"}) {
    Codec codec("sd-unbiased", {{"omega", omega}});
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
      double q = std::fabs((double)x[i]) / gamma;
      double f = q - std::floor(q);
      double se = gamma * std::sqrt(f * (1 - f) / T);
      EXPECT_NEAR(mean[i], x[i], 5 * se + 1e-6 * std::fabs(x[i]))
          << "omega=" << omega << " coordinate " << i;
    }
  }
}

// E|C(x) - x|^2 = sum gamma^2 f_i (1 - f_i) <= omega |x|^2: the sample mean
// matches the exact expectation within 5 standard errors, and the
// expectation is within the class bound.
TEST(SparseDitheringUnbiased, VarianceWithinOmega) {
  const int T = 4000;
  for (const char *omega : {"0.25", "1", "9"}) {
    double w = std::atof(omega);
    Codec codec("sd-unbiased", {{"omega", omega}});
    for (const auto &fam : gtv::families()) {
      auto x = gtv::family(fam, 200, 11);
      double s1 = 0, s2 = 0, exact = 0;
      float gamma = 0;
      for (int t = 0; t < T; t++) {
        auto p = gth::encode(codec, x, 77 + t);
        gamma = gtf::body_scale(p);
        double e = gtv::err2(x, gth::decode(p, x.size()));
        s1 += e;
        s2 += e * e;
      }
      for (float v : x) {
        double q = std::fabs((double)v) / gamma;
        double f = q - std::floor(q);
        exact += (double)gamma * gamma * f * (1 - f);
      }
      double m = s1 / T, sd = std::sqrt(std::max(0.0, s2 / T - m * m));
      double norm2 = gtv::sumsq(x);
      EXPECT_LE(exact, w * norm2) << fam;
      EXPECT_NEAR(m, exact, 5 * sd / std::sqrt((double)T) + 1e-9 * norm2) << fam;
    }
  }
}

double log2d(uint64_t d) { return std::log2((double)d); }

// PAPER.md section 3: at nu = 0.1 every input costs at most
// 3.35 d + log2 d + 30 bits after the header.
TEST(SparseDithering, BitsWithinPublishedBoundOnEveryInput) {
  Codec codec("sd", {{"nu", "0.1"}});
  for (uint64_t d : {1ull, 2ull, 3ull, 4ull, 5ull, 7ull, 16ull, 64ull, 65ull, 1000ull,
                     65536ull}) {
    std::vector<std::vector<float>> inputs;
    for (const auto &fam : gtv::families())
      for (uint64_t s = 0; s < 3; s++) inputs.push_back(gtv::family(fam, d, s));
    if (d > 1) {
      for (double rel : {1e-3, -1e-3}) inputs.push_back(gtv::straddle_h(d, 0.1, rel));
      for (double tau : {0.0, 0.05, 0.1, 0.17, 0.25, 0.4, 0.6, 0.9})
        for (double rel : {1e-3, 0.4})
          inputs.push_back(gtv::near_threshold(d, 0.1, tau, rel, d + 3));
    }
    double bound = 3.35 * (double)d + log2d(d) + 30;
    for (size_t t = 0; t < inputs.size(); t++) {
      auto p = gth::encode(codec, inputs[t]);
      auto info = gth::info(p);
      EXPECT_EQ(info.headerBytes, 64u);
      ASSERT_LE((double)info.bodyBits, bound) << "d=" << d << " input " << t;
    }
  }
}

// PAPER.md section 4: expected length at most (log2 3 + 1/(2 sqrt omega)) d
// + log2 d + 30; checked on the average over seeds for each input.
TEST(SparseDitheringUnbiased, AverageBitsWithinPublishedBound) {
  for (const char *omega : {"0.25", "1"}) {
    double w = std::atof(omega);
    Codec codec("sd-unbiased", {{"omega", omega}});
    for (uint64_t d : {1ull, 2ull, 3ull, 7ull, 100ull, 1000ull, 65536ull}) {
      int seeds = d > 10000 ? 5 : 100;
      double bound = (std::log2(3.0) + 1 / (2 * std::sqrt(w))) * (double)d + log2d(d) + 30;
      for (const auto &fam : gtv::families()) {
        auto x = gtv::family(fam, d, 5);
        double total = 0;
        for (int s = 0; s < seeds; s++) total += (double)gth::info(gth::encode(codec, x, s)).bodyBits;
        EXPECT_LE(total / seeds, bound) << "omega=" << omega << " d=" << d << " " << fam;
      }
    }
  }
}

TEST(SparseDithering, SameSeedSameBytesOtherSeedOtherRounding) {
  Codec codec("sd-unbiased");
  auto x = gtv::family("gaussian", 1000, 1);
  EXPECT_EQ(gth::encode(codec, x, 5), gth::encode(codec, x, 5));
  EXPECT_NE(gth::encode(codec, x, 5), gth::encode(codec, x, 6));
}

}  // namespace
