// Sparse Dithering's quantizer is exact at every level the format allows:
// the deterministic level is the integer nearest to the exact quotient
// |x_i| / gamma (checked against integer arithmetic), the decoded value is
// that grid point rounded once, and the C(nu) and U(omega) guarantees hold
// with levels near 2^23, 2^24 and the format's limit 2^25.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "codec_helpers.h"
#include "forge.h"
#include "sd_extreme_levels.h"
#include "shared/levels.h"
#include "shared/sparse_dithering.h"
#include "vectors.h"

namespace {

using gth::Codec;

// sign of 2a - gamma (2k + 1), by integer arithmetic on the significands.
int cmp_half(float a, float gamma, int64_t k) {
  int ea, eg;
  double ma = std::frexp((double)a, &ea), mg = std::frexp((double)gamma, &eg);
  unsigned __int128 lhs = (unsigned __int128)(uint64_t)std::ldexp(ma, 24) * 2u;
  unsigned __int128 rhs = (unsigned __int128)(uint64_t)std::ldexp(mg, 24) * (uint64_t)(2 * k + 1);
  int sh = ea - eg;
  if (sh > 60) return 1;
  if (sh < -60) return lhs == 0 ? -1 : -1;
  if (sh >= 0)
    lhs <<= sh;
  else
    rhs <<= -sh;
  return lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
}

// The nearest integer to a / gamma, ties up, exactly.
int64_t exact_nearest(float a, float gamma) {
  int64_t k = (int64_t)std::floor((double)a / (double)gamma);
  while (k > 0 && cmp_half(a, gamma, k - 1) < 0) k--;
  while (cmp_half(a, gamma, k) >= 0) k++;
  return k;
}

TEST(SdLevel, OddIntegersBetweenTwoToThe23And24StayPut) {
  // gamma = 1: the quotient is x itself; q + 0.5f would tie to the even
  // neighbour and err by a whole step.
  for (int64_t m = (1 << 23) + 1; m < (1 << 24); m += 2)
    ASSERT_EQ(gcomp_sd_level((float)m, 1.0f), m);
  // exact halves below 2^23 round up
  for (int64_t m = 1 << 22; m < (1 << 23); m += 7)
    ASSERT_EQ(gcomp_sd_level((float)m + 0.5f, 1.0f), m + 1);
}

TEST(SdLevel, NearestToTheExactQuotientAtEveryLevel) {
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> u(0, 1);
  uint64_t wrong = 0, n = 0;
  for (int i = 0; i < 400000; i++) {
    float gamma = (float)std::ldexp(1.0 + u(rng), (int)(rng() % 160) - 80);
    // levels log-uniform up to the format's limit, then a near-tie: the
    // float nearest gamma (m + 1/2), moved by -3..3 ulps
    double m = std::floor(std::ldexp(1.0, (int)(rng() % 26)) * u(rng));
    float a = (float)((double)gamma * (m + 0.5));
    int steps = (int)(rng() % 7) - 3;
    for (int s = 0; s < std::abs(steps); s++)
      a = std::nextafter(a, steps < 0 ? 0.0f : INFINITY);
    if (!(a / gamma < (float)GCOMP_SD_MAX_LEVEL)) continue;
    int64_t want = exact_nearest(a, gamma);
    n++;
    wrong += gcomp_sd_level(a, gamma) != want;
    wrong += gcomp_sd_level(-a, gamma) != want;
    if (wrong) {
      ADD_FAILURE() << "a=" << a << " gamma=" << gamma << " want " << want << " got "
                    << gcomp_sd_level(a, gamma);
      break;
    }
  }
  EXPECT_EQ(wrong, 0u);
  EXPECT_GT(n, 300000u);
}

// The randomized rounding over every one of its 2^24 draws: up exactly
// ceil(frac 2^24) times, so the bias of a level is below 2^-24 and zero
// when frac is a multiple of 2^-24 (every frac >= 1/2, and all small
// levels' fractions on a coarse grid). Not Monte Carlo: the whole law.
TEST(SdLevel, UnbiasedRoundingGoesUpWithProbabilityFracOverAllDraws) {
  const float gamma = 0.75f;
  for (float x : {0.5f, 0.6f, 0.375f, 1.1f, 3.0f * 0.75f + 0.1875f, -2.25f, 7.7f, 1e-3f,
                  0.75f * 8388607.5f}) {
    float q = std::fabs(x) / gamma;
    float frac = q - std::floor(q);
    double want = std::ceil((double)frac * 16777216.0);
    int64_t k = (int64_t)std::floor(q), up = 0, other = 0;
    for (uint32_t u = 0; u < (1u << 24); u++) {
      int64_t v = gcomp_level_round_unbiased(x, gamma, u << 8 | (u & 0xffu));
      int64_t mag = v < 0 ? -v : v;
      if (mag == k + 1) up++;
      else if (mag != k) other++;
      if (x < 0 && v > 0) other++;
    }
    EXPECT_EQ(other, 0) << x;
    EXPECT_EQ((double)up, want) << "x = " << x << ", frac = " << frac;
  }
}

TEST(SdLevel, DecodedValueIsTheGridPointRoundedOnce) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 200000; i++) {
    float gamma = (float)std::ldexp(1.0 + u(rng), (int)(rng() % 100) - 50);
    int32_t v = (int32_t)(u(rng) * (double)GCOMP_SD_MAX_LEVEL) * ((rng() & 1) ? 1 : -1);
    // 80-bit long double holds the 24 x 25-bit product exactly
    float want = (float)((long double)gamma * (long double)v);
    ASSERT_EQ(gcomp_level_value(v, gamma), want) << "v=" << v << " gamma=" << gamma;
  }
}

// With levels near 2^23, 2^24 and the limit, every packing decodes each
// coordinate to the exact nearest grid point rounded once to float32. That
// rounding (2^-24 relative) is as large as sqrt(nu) itself here, so the
// distortion is bounded by sqrt(nu) |x| plus it; the reported case, nu =
// 2^-48 on (1, 1, 1, 1), stays within nu |x|^2 outright.
TEST(SparseDithering, TinyNuDecodesToTheExactGridPoint) {
  {
    std::vector<float> x(4, 1.0f);
    Codec c("sd", {{"nu", "3.552713678800501e-15"}, {"packing", "fixed"}});
    auto y = gth::decode(gth::encode(c, x), 4);
    EXPECT_LE(gtv::err2(x, y), 3.552713678800501e-15 * gtv::sumsq(x));
  }
  int cases = 0;
  for (uint64_t d : {1ull, 2ull, 4ull, 7ull, 64ull, 1000ull}) {
    for (const auto &in : gsx::inputs(d, 3)) {
      for (double q : gsx::top_levels()) {
        double nu = gsx::param_for_top_level(in.x, q);
        if (gcomp_sd_level_limit(nu, d, 0) == 0) continue;  // beyond the format
        char text[64];
        std::snprintf(text, sizeof text, "%.17g", nu);
        for (const char *pk : {"fixed", "entropy", "structured"}) {
          Codec c("sd", {{"nu", text}, {"packing", pk}});
          auto p = gth::encode(c, in.x, 5);
          ASSERT_FALSE(p.empty()) << in.name << " d=" << d << " q=" << q;
          auto y = gth::decode(p, d);
          float gamma = gtf::body_scale(p);
          for (uint64_t i = 0; i < d; i++) {
            float a = std::fabs(in.x[i]);
            int64_t k = exact_nearest(a, gamma);
            float want = (float)((long double)gamma * (long double)k);
            ASSERT_EQ(std::fabs(y[i]), want)
                << in.name << " d=" << d << " q=" << q << " i=" << i << " " << pk;
          }
          double bound = std::sqrt(nu * gtv::sumsq(in.x)) +
                         std::ldexp(std::sqrt(gtv::sumsq(y)), -24) * (1 + 1e-6);
          ASSERT_LE(std::sqrt(gtv::err2(in.x, y)), bound)
              << in.name << " d=" << d << " q=" << q << " " << pk;
          cases++;
        }
      }
    }
  }
  EXPECT_GT(cases, 200);
}

// From nu = 2^-23 up, float32 rounding fits inside the grid's 2^-12 margin
// (docs/FORMAT.md), so C(nu) holds on every input even at levels near
// 2^23: a spike (and a spike over noise) in d = 2^25.
TEST(SparseDithering, LevelsNearTwoToThe23StayWithinNu) {
  const uint64_t d = 1ull << 25;
  std::vector<float> x(d, 0.0f);
  x[12345] = 3.0f;
  for (int noisy = 0; noisy <= 1; noisy++) {
    if (noisy)
      for (uint64_t i = 0; i < d; i += 97) x[i] += 1e-7f * (float)((i * 2654435761u) % 1000);
    for (double q : {8388607.5, 8388000.25}) {
      double nu = gsx::param_for_top_level(x, q);
      ASSERT_GE(nu, std::ldexp(1.0, -23));
      char text[64];
      std::snprintf(text, sizeof text, "%.17g", nu);
      Codec c("sd", {{"nu", text}, {"packing", "fixed"}});
      auto y = gth::decode(gth::encode(c, x, 1), d);
      EXPECT_LE(gtv::err2(x, y), nu * gtv::sumsq(x)) << "noisy=" << noisy << " q=" << q;
    }
  }
}

// The limit is a limit: the smallest parameter whose levels fit encodes, a
// slightly smaller one is refused by the encoder and, forged into a header,
// by the decoder.
// The level limit as docs/FORMAT.md writes it, computed here on its own:
// Q = (1 + 2^-20) / (2 sqrt(param / n) (1 - 2^-12)); Q >= 2^25 rejects;
// otherwise K = floor(Q + 1/2) (codec 1) or floor(Q) + 1 (codec 2). Just
// on each side of the nu where Q = 2^25, and at ordinary nu.
TEST(SparseDithering, LevelLimitIsTheFormatsFormula) {
  auto Q = [](double nu, double n) {
    return (1.0 + std::ldexp(1.0, -20)) / (2.0 * std::sqrt(nu / n) * (1.0 - std::ldexp(1.0, -12)));
  };
  for (uint64_t d : {1ull, 4ull, 1000ull, 1ull << 20}) {
    double n = (double)d;
    double edge = n * std::pow((1.0 + std::ldexp(1.0, -20)) /
                                   (2.0 * (1.0 - std::ldexp(1.0, -12)) * std::ldexp(1.0, 25)),
                               2.0);
    for (double nu : {edge * (1 + 1e-9), edge * (1 - 1e-9), 1e-3, 0.1, 0.9}) {
      double q = Q(nu, n);
      for (int rnd : {0, 1}) {
        uint32_t want = q >= std::ldexp(1.0, 25)
                            ? 0u
                            : (uint32_t)(rnd ? std::floor(q) + 1.0 : std::floor(q + 0.5));
        EXPECT_EQ(gcomp_sd_level_limit(nu, d, rnd), want)
            << "d " << d << ", nu " << nu << ", Q " << q << ", randomized " << rnd;
      }
    }
  }
}

TEST(SparseDithering, ParameterBelowTheLevelLimitIsRefused) {
  for (uint64_t d : {1ull, 4ull, 1000ull}) {
    double lo = 1e-30, hi = 1.0;  // bisect nu at which K becomes 0
    for (int it = 0; it < 200; it++) {
      double mid = std::sqrt(lo * hi);
      (gcomp_sd_level_limit(mid, d, 0) == 0 ? lo : hi) = mid;
    }
    ASSERT_GT(gcomp_sd_level_limit(hi, d, 0), (1u << 25) - 64);
    std::vector<float> x = gsx::inputs(d, 1)[1].x;  // the spike: its level is the largest
    char ok[64], bad[64];
    std::snprintf(ok, sizeof ok, "%.17g", hi * (1 + 1e-9));
    std::snprintf(bad, sizeof bad, "%.17g", lo * (1 - 1e-9));
    Codec good("sd", {{"nu", ok}, {"packing", "fixed"}});
    auto p = gth::encode(good, x, 1);
    ASSERT_FALSE(p.empty());
    auto y = gth::decode(p, d);
    EXPECT_LE(gtv::err2(x, y), std::atof(ok) * gtv::sumsq(x));
    gcompCodecConfig_t cfg;
    ASSERT_EQ(gcompCodecConfigInit(&cfg, "sd"), gcompSuccess);
    ASSERT_EQ(gcompCodecConfigSetParam(&cfg, "nu", bad), gcompSuccess);
    gcompCodec_t c = nullptr;
    ASSERT_EQ(gcompCodecCreate(&c, &cfg), gcompSuccess);
    std::vector<uint8_t> out(1 << 16);
    size_t size = 0;
    EXPECT_EQ(gcompEncode(c, x.data(), d, 1, out.data(), out.size(), &size),
              gcompParameterOutOfRange);
    gcompCodecFree(c);
    // the valid payload with its nu lowered below the limit
    double nu_bad = std::atof(bad);
    std::memcpy(p.data() + 40, &nu_bad, 8);
    gtf::reseal(p);
    EXPECT_EQ(gtf::try_decode(p, d), gcompCorruptPayload) << "d=" << d;
  }
}

// Randomized rounding at the same extreme levels: every level is one of the
// two neighbours of the float quotient, the mean over seeds is x up to that
// quotient's float32 rounding, and the variance stays within omega |x|^2.
TEST(SparseDitheringUnbiased, ExtremeLevelsStayUnbiasedWithinOmega) {
  const int seeds = 300;
  int tried = 0;
  for (uint64_t d : {1ull, 4ull, 64ull}) {
    for (const auto &in : gsx::inputs(d, 9)) {
      for (double q : {8388608.25, 16777216.75, 33554000.0}) {
        double omega = gsx::param_for_top_level(in.x, q);
        if (gcomp_sd_level_limit(omega, d, 1) == 0) continue;  // beyond the format
        tried++;
        char text[64];
        std::snprintf(text, sizeof text, "%.17g", omega);
        Codec c("sd-unbiased", {{"omega", text}, {"packing", "fixed"}});
        std::vector<double> mean(d, 0.0);
        double var = 0, gamma = 0;
        for (int s = 0; s < seeds; s++) {
          auto p = gth::encode(c, in.x, 1000 + s);
          ASSERT_FALSE(p.empty()) << in.name << " d=" << d << " q=" << q;
          gamma = gtf::body_scale(p);
          auto y = gth::decode(p, d);
          for (uint64_t i = 0; i < d; i++) {
            float qf = std::fabs(in.x[i]) / (float)gamma;
            double lo = std::floor(qf), k = std::fabs((double)y[i]) / gamma;
            ASSERT_TRUE(std::fabs(k - lo) <= 1e-6 * (lo + 1) ||
                        std::fabs(k - lo - 1) <= 1e-6 * (lo + 1))
                << in.name << " d=" << d << " i=" << i << " k=" << k << " floor(q)=" << lo;
            mean[i] += y[i];
          }
          var += gtv::err2(in.x, y);
        }
        for (uint64_t i = 0; i < d; i++) {
          // Bernoulli rounding: sd <= gamma / 2 per draw; plus the float
          // quotient's own rounding (2^-24 relative) and the output's
          double tol = 5 * 0.5 * gamma / std::sqrt((double)seeds) +
                       std::ldexp(std::fabs((double)in.x[i]), -22);
          EXPECT_NEAR(mean[i] / seeds, in.x[i], tol) << in.name << " d=" << d << " i=" << i;
        }
        // E|C(x) - x|^2 <= d gamma^2 / 4 <= omega |x|^2; the sample mean of
        // a variable in [0, d gamma^2] over 300 draws: 5 standard errors
        double bound = omega * gtv::sumsq(in.x);
        EXPECT_LE(var / seeds, bound * (1 + 5 * 2.0 / std::sqrt((double)seeds)))
            << in.name << " d=" << d << " q=" << q;
      }
    }
  }
  EXPECT_GT(tried, 20);
}

}  // namespace
