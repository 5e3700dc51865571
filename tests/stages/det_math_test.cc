#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <vector>

#include "shared/det_math.h"
#include "shared/philox.h"

namespace {

float bits_to_float(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

uint32_t float_to_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// Error in units of the float ulp at the reference's magnitude (subnormal
// spacing below 2^-126), so errors near a zero of the function are judged
// relative to the value, not to 1.
double ulp_error(float got, long double ref) {
  if (ref == 0) return got == 0.0f ? 0.0 : INFINITY;
  int e;
  std::frexp(static_cast<double>(std::fabs(ref)), &e);
  const long double ulp = std::ldexp(1.0L, std::max(e - 24, -149));
  return static_cast<double>(std::fabs(static_cast<long double>(got) - ref) /
                             ulp);
}

// Measured maxima (each test prints its own): det_log 0.83 ulp, sincos
// 1.30 ulp. The limits leave some room but would catch a reordering that
// loses the exact leading terms.
constexpr double kLogMaxUlp = 1.5;
constexpr double kSinCosMaxUlp = 2.0;

struct MaxErr {
  double ulp = 0;
  float at = 0;
  void add(double e, float x) {
    if (e > ulp) {
      ulp = e;
      at = x;
    }
  }
};

void check_log(float x, MaxErr *m) {
  const float got = gcomp_det_log(x);
  const double e = ulp_error(got, std::log(static_cast<long double>(x)));
  m->add(e, x);
  ASSERT_LE(e, kLogMaxUlp) << "x=" << std::hexfloat << x << " got " << got;
}

TEST(DetLog, ExactPoints) {
  EXPECT_EQ(float_to_bits(gcomp_det_log(1.0f)), 0u);  // +0, not -0
  EXPECT_LT(gcomp_det_log(0x1p-24f), 0.0f);
  EXPECT_GT(gcomp_det_log(2.0f), 0.0f);
}

// Every input gcomp_normals4 can feed it: k * 2^-24, k = 1 .. 2^24.
TEST(DetLog, ExhaustiveOnBoxMullerGrid) {
  MaxErr m;
  for (uint32_t k = 1; k <= (1u << 24); ++k) {
    check_log(static_cast<float>(k) * 0x1p-24f, &m);
    if (HasFatalFailure()) return;
  }
  std::cout << "det_log max error on Box-Muller grid: " << m.ulp << " ulp at "
            << std::hexfloat << m.at << std::defaultfloat << "\n";
}

TEST(DetLog, SweepOfAllPositiveFloats) {
  MaxErr m;
  // Stride 251 (prime) visits every exponent, subnormals included, at many
  // mantissa positions.
  for (uint32_t b = 1; b <= 0x7f7fffffu; b += 251) {
    check_log(bits_to_float(b), &m);
    if (HasFatalFailure()) return;
  }
  check_log(bits_to_float(0x7f7fffffu), &m);
  check_log(bits_to_float(1u), &m);
  std::cout << "det_log max error on sweep: " << m.ulp << " ulp at "
            << std::hexfloat << m.at << std::defaultfloat << "\n";
}

TEST(DetLog, PowersOfTwoAndNeighbourhoods) {
  MaxErr m;
  for (int e = -149; e <= 127; ++e) {
    check_log(std::ldexp(1.0f, e), &m);
    if (HasFatalFailure()) return;
  }
  // Around 1 the result is tiny and only relative accuracy is meaningful.
  for (int i = 1; i <= 100000; ++i) {
    check_log(bits_to_float(0x3f800000u + static_cast<uint32_t>(i)), &m);
    check_log(bits_to_float(0x3f800000u - static_cast<uint32_t>(i)), &m);
    if (HasFatalFailure()) return;
  }
  // The mantissa split at sqrt(2), in several binades.
  for (int e = -130; e <= 120; e += 10) {
    for (int i = -2000; i <= 2000; ++i) {
      check_log(std::ldexp(bits_to_float(0x3fb504f3u + i), e), &m);
      if (HasFatalFailure()) return;
    }
  }
  std::cout << "det_log max error near edges: " << m.ulp << " ulp at "
            << std::hexfloat << m.at << std::defaultfloat << "\n";
}

void check_sincos(float u, MaxErr *ms, MaxErr *mc) {
  float s, c;
  gcomp_det_sincos_2pi(u, &s, &c);
  // Multiples of a quarter turn: exact answers, where the reference would be
  // a tiny nonzero residue of its own rounded pi.
  if (u == 0.0f || u == 0.25f || u == 0.5f || u == 0.75f) {
    const int q = static_cast<int>(u * 4.0f);
    const float want_s[4] = {0.0f, 1.0f, 0.0f, -1.0f};
    const float want_c[4] = {1.0f, 0.0f, -1.0f, 0.0f};
    ASSERT_EQ(s, want_s[q]) << "u=" << u;
    ASSERT_EQ(c, want_c[q]) << "u=" << u;
    return;
  }
  // A double reference is enough: rounding 2*pi*u costs at most ~1.5e-15
  // absolute, about 0.1 float ulp of the smallest nonzero results tested
  // (sin of u one float below 1/2, ~2e-7) and relatively negligible for
  // tiny u. long double sinl/cosl gave the same maxima at 3x the run time.
  const double two_pi = 6.283185307179586;
  const double a = two_pi * static_cast<double>(u);
  const double rs = std::sin(a), rc = std::cos(a);
  const double es = ulp_error(s, rs), ec = ulp_error(c, rc);
  ms->add(es, u);
  mc->add(ec, u);
  ASSERT_LE(es, kSinCosMaxUlp) << "sin u=" << std::hexfloat << u << " got "
                               << s << " want " << static_cast<double>(rs);
  ASSERT_LE(ec, kSinCosMaxUlp) << "cos u=" << std::hexfloat << u << " got "
                               << c << " want " << static_cast<double>(rc);
  ASSERT_EQ(std::signbit(s), rs < 0) << "u=" << u;
  ASSERT_EQ(std::signbit(c), rc < 0) << "u=" << u;
}

void report(const char *what, const MaxErr &ms, const MaxErr &mc) {
  std::cout << "det_sincos_2pi " << what << ": sin max " << ms.ulp
            << " ulp at u=" << std::hexfloat << ms.at << std::defaultfloat
            << ", cos max " << mc.ulp << " ulp at u=" << std::hexfloat << mc.at
            << std::defaultfloat << "\n";
}

// Every u gcomp_normals4 can feed it: k * 2^-24.
TEST(DetSinCos, ExhaustiveOnUnitGrid) {
  MaxErr ms, mc;
  for (uint32_t k = 0; k < (1u << 24); ++k) {
    check_sincos(static_cast<float>(k) * 0x1p-24f, &ms, &mc);
    if (HasFatalFailure()) return;
  }
  report("on 2^-24 grid", ms, mc);
}

TEST(DetSinCos, SweepOfFloatsBelowOne) {
  MaxErr ms, mc;
  // All bit patterns of [0, 1) at a prime stride: tiny and subnormal u too,
  // where only the exact reduction keeps sin accurate.
  for (uint32_t b = 1; b < 0x3f800000u; b += 1009) {
    check_sincos(bits_to_float(b), &ms, &mc);
    if (HasFatalFailure()) return;
  }
  check_sincos(bits_to_float(0x3f7fffffu), &ms, &mc);
  report("sweep", ms, mc);
}

TEST(DetSinCos, QuadrantAndOctantBoundaries) {
  MaxErr ms, mc;
  for (int j = 0; j <= 8; ++j) {
    const uint32_t centre = float_to_bits(static_cast<float>(j) / 8.0f);
    for (int i = -3000; i <= 3000; ++i) {
      if (j == 0 && i < 0) continue;
      const float u = bits_to_float(centre + static_cast<uint32_t>(i));
      if (!(u >= 0.0f && u < 1.0f)) continue;
      check_sincos(u, &ms, &mc);
      if (HasFatalFailure()) return;
    }
  }
  report("near boundaries", ms, mc);
}

TEST(Normals4, EdgeInputs) {
  float out[4];
  gcomp_u32x4 r;
  // u1 = 1: log is exactly 0, so every output is exactly 0.
  r.v[0] = 0xffffffffu;
  r.v[1] = 0x12345678u;
  r.v[2] = 0xffffff00u;
  r.v[3] = 0x9abcdef0u;
  gcomp_normals4(r, out);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(std::fabs(out[i]), 0.0f) << i;

  // Smallest u1 = 2^-24 gives the largest radius, sqrt(48 ln 2); u2 = 0 puts
  // it all on the cosine output, u2 = 1/4 all on the sine output.
  r.v[0] = 0;
  r.v[1] = 0;
  r.v[2] = 0xff;
  r.v[3] = 0x40000000u;
  gcomp_normals4(r, out);
  const double rmax = std::sqrt(48.0 * std::log(2.0));
  EXPECT_LE(ulp_error(out[0], rmax), 2.0) << out[0];
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(std::fabs(out[2]), 0.0f);
  EXPECT_LE(ulp_error(out[3], rmax), 2.0) << out[3];
}

TEST(Normals4, DistributionIsStandardNormal) {
  const uint64_t seed = 0x5eed0f6c0ffee123ull;
  const uint32_t blocks = 250000;  // 10^6 variates
  std::vector<float> z;
  z.reserve(4u * blocks);
  double lane_sum[4] = {0, 0, 0, 0}, lane_sq[4] = {0, 0, 0, 0};
  double cross01 = 0, cross02 = 0;
  for (uint32_t d = 0; d < blocks; ++d) {
    float out[4];
    gcomp_normals4(gcomp_philox(seed, GCOMP_STREAM_SPHERICAL, d), out);
    for (int k = 0; k < 4; ++k) {
      ASSERT_TRUE(std::isfinite(out[k]));
      z.push_back(out[k]);
      lane_sum[k] += out[k];
      lane_sq[k] += static_cast<double>(out[k]) * out[k];
    }
    cross01 += static_cast<double>(out[0]) * out[1];
    cross02 += static_cast<double>(out[0]) * out[2];
  }
  const double n = static_cast<double>(z.size());

  double sum = 0;
  for (float x : z) sum += x;
  const double mean = sum / n;
  double ss = 0;
  for (float x : z) ss += (x - mean) * (x - mean);
  const double var = ss / (n - 1);

  // Standard error of the mean is sigma/sqrt(n) = 1/sqrt(n). For the sample
  // variance, Var(s^2) ~ (mu4 - sigma^4)/n and a normal has mu4 = 3 sigma^4,
  // so its standard error is sqrt(2/n).
  const double se_mean = 1.0 / std::sqrt(n);
  const double se_var = std::sqrt(2.0 / n);
  std::cout << "normals4: n=" << n << " mean=" << mean << " ("
            << mean / se_mean << " se) var=" << var << " ("
            << (var - 1.0) / se_var << " se)\n";
  EXPECT_LT(std::fabs(mean), 5.0 * se_mean);
  EXPECT_LT(std::fabs(var - 1.0), 5.0 * se_var);

  // Each lane on its own (the cos and sin outputs of a pair go through
  // different code), and no correlation within a pair or across pairs:
  // under independence the sample correlation has standard error 1/sqrt(m).
  const double m = blocks;
  for (int k = 0; k < 4; ++k) {
    const double lm = lane_sum[k] / m;
    const double lv = lane_sq[k] / m - lm * lm;
    EXPECT_LT(std::fabs(lm), 5.0 / std::sqrt(m)) << "lane " << k;
    EXPECT_LT(std::fabs(lv - 1.0), 5.0 * std::sqrt(2.0 / m)) << "lane " << k;
  }
  EXPECT_LT(std::fabs(cross01 / m), 5.0 / std::sqrt(m));
  EXPECT_LT(std::fabs(cross02 / m), 5.0 / std::sqrt(m));

  // Kolmogorov-Smirnov: sqrt(n) * D is asymptotically Kolmogorov
  // distributed, whose 1% critical value is 1.628.
  std::sort(z.begin(), z.end());
  double d = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    const double f = 0.5 * std::erfc(-static_cast<double>(z[i]) / std::sqrt(2.0));
    d = std::max(d, std::max((i + 1) / n - f, f - i / n));
  }
  std::cout << "normals4: KS D=" << d << " (sqrt(n) D=" << d * std::sqrt(n)
            << ")\n";
  EXPECT_LT(d, 1.63 / std::sqrt(n));
}

}  // namespace
