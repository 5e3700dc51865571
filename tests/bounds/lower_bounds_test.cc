// Lower bounds of PAPER.md section 2: the spherical cap fraction
// P(alpha, d) = 1/2 I_alpha((d-1)/2, 1/2) and the bounds built on it.
#include "gcomp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
const double kPi = std::acos(-1.0);

double Log2P(double alpha, uint64_t d) {
  double v = kNaN;
  EXPECT_EQ(gcompSphericalCapLog2(alpha, d, &v), gcompSuccess)
      << "alpha=" << alpha << " d=" << d << ": " << gcompGetLastErrorDetail();
  return v;
}

// P from the defining integral, independently of the library's method:
// with t = u^2, I_x(a, 1/2) = (2/B(a, 1/2)) int_0^sqrt(x) u^(d-2) / sqrt(1-u^2) du,
// which is smooth on [0, sqrt(alpha)] (the singularity sits at u = 1).
double SimpsonP(double alpha, int d) {
  const int n = 200000;  // even
  const double top = std::sqrt(alpha), h = top / n;
  auto f = [d](double u) { return std::pow(u, d - 2) / std::sqrt(1 - u * u); };
  double s = f(0) + f(top);
  for (int i = 1; i < n; i++)
    s += (i % 2 ? 4 : 2) * f(i * h);
  const double a = 0.5 * (d - 1);
  const double beta =
      std::exp(std::lgamma(a) + std::lgamma(0.5) - std::lgamma(a + 0.5));
  return s * h / 3 / beta;
}

TEST(LowerBounds, MatchesPaperCheckValues) {
  struct Case { double alpha; uint64_t d; double minus_log2p; };
  const Case cases[] = {
      {0.15, 14, 20.893}, {0.2, 10, 13.270}, {0.5, 8, 5.915}, {0.1, 100, 169.005}};
  for (const Case &c : cases) {
    EXPECT_NEAR(-Log2P(c.alpha, c.d), c.minus_log2p, 1e-3) << c.alpha << " " << c.d;
    double bits = 0;
    ASSERT_EQ(gcompAverageCaseBound(c.alpha, c.d, &bits), gcompSuccess);
    EXPECT_NEAR(bits, c.minus_log2p, 1e-3);
  }
}

// d = 1: the "sphere" is {-1, +1} and exactly one point is on u's side.
TEST(LowerBounds, OneDimensionIsExactlyHalf) {
  for (double alpha : {1e-300, 1e-9, 0.1, 0.5, 0.999, 1 - 1e-16})
    EXPECT_EQ(Log2P(alpha, 1), -1.0) << alpha;
}

// d = 2: points of the circle with cos(theta) >= sqrt(1 - alpha) form the arc
// |theta| <= acos(sqrt(1 - alpha)), a fraction acos(sqrt(1 - alpha)) / pi.
// asin(sqrt(alpha)) is the same angle without the cancellation for small alpha.
TEST(LowerBounds, TwoDimensionsMatchesArcOfCircle) {
  for (double alpha : {1e-12, 1e-4, 0.05, 0.3, 0.5, 0.8, 0.99, 1 - 1e-10}) {
    const double want = std::log2(std::asin(std::sqrt(alpha)) / kPi);
    EXPECT_NEAR(Log2P(alpha, 2), want, 1e-12 * std::fabs(want)) << alpha;
    if (alpha > 0.01) {
      EXPECT_NEAR(Log2P(alpha, 2), std::log2(std::acos(std::sqrt(1 - alpha)) / kPi),
                  1e-12 * std::fabs(want));
    }
  }
}

// d = 3: a cap of height h on the unit sphere has area 2 pi h (Archimedes),
// with h = 1 - sqrt(1 - alpha); P = h / 2 = alpha / (2 (1 + sqrt(1 - alpha))).
TEST(LowerBounds, ThreeDimensionsMatchesCapArea) {
  for (double alpha : {1e-12, 1e-4, 0.05, 0.3, 0.5, 0.8, 0.99, 1 - 1e-10}) {
    const double want = std::log2(alpha / (2 * (1 + std::sqrt(1 - alpha))));
    EXPECT_NEAR(Log2P(alpha, 3), want, 1e-12 * std::fabs(want)) << alpha;
  }
}

TEST(LowerBounds, MatchesNumericalIntegration) {
  for (int d : {4, 7, 20}) {
    for (double alpha : {0.01, 0.3, 0.7, 0.95}) {
      const double want = std::log2(SimpsonP(alpha, d));
      EXPECT_NEAR(Log2P(alpha, d), want, 1e-9 * std::fabs(want))
          << "d=" << d << " alpha=" << alpha;
    }
  }
}

TEST(LowerBounds, FollowsAlphaToTheHalfDAsymptotics) {
  for (int k : {20, 30, 40}) {
    const uint64_t d = uint64_t{1} << k;
    for (double alpha : {0.01, 0.1, 0.5, 0.9}) {
      const double lp = Log2P(alpha, d);
      ASSERT_TRUE(std::isfinite(lp));
      EXPECT_LE(std::fabs(lp - 0.5 * d * std::log2(alpha)), 2.0 * k + 10)
          << "d=2^" << k << " alpha=" << alpha;
    }
  }
}

// For fixed alpha and a = (d-1)/2 -> inf, I_x(a, 1/2) = x^a (1-x)^(-1/2) /
// (a B(a, 1/2)) (1 + O(1/(a(1-x)))) and B(a, 1/2) = sqrt(pi/a) (1 + O(1/a)),
// so log P has a closed form up to about 1e-5 at a = 2^19.
TEST(LowerBounds, LargeDimensionMatchesLaplaceLimit) {
  for (int k : {20, 30, 40}) {
    const uint64_t d = uint64_t{1} << k;
    const double a = 0.5 * (d - 1);
    for (double alpha : {1e-30, 0.01, 0.5, 0.9}) {
      const double ln_p = a * std::log(alpha) - 0.5 * std::log1p(-alpha) -
                          0.5 * std::log(kPi * a) - std::log(2.0);
      const double want = ln_p / std::log(2.0);
      // 1e-4 bits of model error plus rounding of values up to 5e13 bits.
      EXPECT_NEAR(Log2P(alpha, d), want, 1e-4 + 1e-14 * std::fabs(want))
          << "d=2^" << k << " alpha=" << alpha;
    }
  }
}

// With alpha = e^(-c/a) and a -> inf, a Beta(1/2, a) variable times a
// becomes Gamma(1/2), so I_alpha(a, 1/2) -> erfc(sqrt(c)), with corrections
// of relative order c/a and 1/a. This is where a plain continued fraction
// for I_x(a, b) loses about log10(a) digits.
TEST(LowerBounds, NearOneMatchesErfcLimitAtHugeDimension) {
  for (int k : {34, 40}) {
    const uint64_t d = uint64_t{1} << k;
    const double a = 0.5 * (d - 1);
    for (double c : {1e-3, 0.1, 1.0, 1.5, 3.0, 10.0, 100.0}) {
      const double alpha = std::exp(-c / a);
      const double c_exact = -a * std::log(alpha);  // alpha is rounded
      const double want = std::log2(0.5 * std::erfc(std::sqrt(c_exact)));
      EXPECT_NEAR(Log2P(alpha, d), want, 1e-9 * std::fabs(want))
          << "d=2^" << k << " c=" << c;
    }
  }
}

TEST(LowerBounds, DecreasesWithDimension) {
  for (double alpha : {1e-300, 1e-6, 0.1, 0.5, 0.9, 1 - 1e-9, 1 - 1e-15}) {
    double prev = 0;
    for (int k = 0; k <= 40; k++) {
      const double lp = Log2P(alpha, uint64_t{1} << k);
      ASSERT_TRUE(std::isfinite(lp)) << "alpha=" << alpha << " k=" << k;
      EXPECT_LT(lp, prev) << "alpha=" << alpha << " k=" << k;
      prev = lp;
    }
  }
}

TEST(LowerBounds, IncreasesWithAlpha) {
  std::vector<double> alphas = {1e-300, 1e-100, 1e-20, 1e-6, 1e-3};
  for (double x = 0.01; x < 0.995; x += 0.01)
    alphas.push_back(x);
  for (int k = 7; k <= 52; k++)  // 1 - 2^-7 > 0.99
    alphas.push_back(1 - std::ldexp(1.0, -k));
  for (uint64_t d : {uint64_t{2}, uint64_t{3}, uint64_t{14}, uint64_t{199},
                     uint64_t{201}, uint64_t{1} << 20, uint64_t{1} << 40}) {
    double prev = -kInf;
    for (double alpha : alphas) {
      const double lp = Log2P(alpha, d);
      ASSERT_TRUE(std::isfinite(lp)) << "d=" << d << " alpha=" << alpha;
      EXPECT_LE(lp, -1.0);
      EXPECT_GT(lp, prev) << "d=" << d << " alpha=" << alpha;
      prev = lp;
    }
  }
}

// The library switches method at a = (d-1)/2 = 100 (d = 201): lgamma and the
// continued fraction below, asymptotic series above. A jump delta there
// adds up to 20 delta to the sixth difference in d, whose smooth part is
// ~1e-12 here, while one step in d moves log2 P by up to tens of bits.
// Keep kSwitchD in step with LARGE_A in host/bounds/lower_bounds.c.
TEST(LowerBounds, ContinuousAcrossLargeDimensionSwitch) {
  const uint64_t kSwitchD = 201;
  for (double alpha : {1e-6, 0.05, 0.5, 0.9, 0.999}) {
    std::vector<double> f;
    for (uint64_t d = kSwitchD - 7; d <= kSwitchD + 6; d++)
      f.push_back(Log2P(alpha, d));
    const double tol = 1e-10 + 1e-13 * std::fabs(f[7]);
    for (size_t i = 0; i + 6 < f.size(); i++) {
      const double d6 = f[i] - 6 * f[i + 1] + 15 * f[i + 2] - 20 * f[i + 3] +
                        15 * f[i + 4] - 6 * f[i + 5] + f[i + 6];
      EXPECT_LE(std::fabs(d6), tol) << "alpha=" << alpha << " window " << i;
    }
    EXPECT_GT(f[6] - f[7], 1000 * tol);  // the step itself is not tiny
  }
}

// The method also switches in alpha: at 1/e for d >= 201, and where the
// continued fraction flips to the symmetric one, (a+1)/(a+2.5), below.
// Across one ulp either side, the middle difference must match its
// neighbours: they are equal steps of a smooth function.
TEST(LowerBounds, ContinuousAcrossAlphaSwitches) {
  struct Case { uint64_t d; double split; };
  std::vector<Case> cases;
  for (uint64_t d : {uint64_t{201}, uint64_t{1000}, uint64_t{1} << 20, uint64_t{1} << 40})
    cases.push_back({d, 0.36787944117144232160});
  for (uint64_t d : {uint64_t{2}, uint64_t{3}, uint64_t{14}, uint64_t{100}, uint64_t{200}}) {
    const double a = 0.5 * (d - 1);
    cases.push_back({d, (a + 1) / (a + 2.5)});
  }
  for (const Case &c : cases) {
    double x[5];
    x[2] = c.split;
    x[1] = std::nextafter(x[2], 0.0);
    x[0] = std::nextafter(x[1], 0.0);
    x[3] = std::nextafter(x[2], 1.0);
    x[4] = std::nextafter(x[3], 1.0);
    double f[5];
    for (int i = 0; i < 5; i++)
      f[i] = Log2P(x[i], c.d);
    const double tol = 1e-11 * std::fabs(f[2]);
    for (int i = 1; i <= 2; i++) {
      // step i straddles the split for one of i = 1, 2 (the split value
      // belongs to either side); compare it with the outer steps.
      const double step = f[i + 1] - f[i];
      const double outer = 0.5 * ((f[1] - f[0]) + (f[4] - f[3]));
      EXPECT_NEAR(step, outer, tol) << "d=" << c.d << " split=" << c.split;
    }
  }
}

TEST(LowerBounds, UncertaintyBoundIsHalfDLog2InverseAlpha) {
  for (uint64_t d : {uint64_t{1}, uint64_t{100}, uint64_t{1} << 40}) {
    double bits = 0;
    ASSERT_EQ(gcompUncertaintyBound(0.1, d, &bits), gcompSuccess);
    EXPECT_NEAR(bits / d, 1.6610, 5e-5);  // "1.66 d bits" in the paper
    EXPECT_NEAR(bits, 0.5 * d * std::log2(10.0), 1e-12 * bits);
  }
  double bits = 0;
  ASSERT_EQ(gcompUncertaintyBound(0.25, 8, &bits), gcompSuccess);
  EXPECT_DOUBLE_EQ(bits, 8.0);
}

TEST(LowerBounds, WorstCaseIsAverageCasePlusLog2D) {
  for (uint64_t d : {uint64_t{1}, uint64_t{7}, uint64_t{1000}, uint64_t{1} << 40}) {
    for (double alpha : {0.01, 0.5, 0.99}) {
      double avg = 0, worst = 0;
      ASSERT_EQ(gcompAverageCaseBound(alpha, d, &avg), gcompSuccess);
      ASSERT_EQ(gcompWorstCaseBound(alpha, d, &worst), gcompSuccess);
      EXPECT_DOUBLE_EQ(avg, -Log2P(alpha, d));
      EXPECT_NEAR(worst, avg + std::log2(static_cast<double>(d)), 1e-12 * worst);
    }
  }
}

using BoundFn = gcompResult_t (*)(double, uint64_t, double *);
const BoundFn kAllFunctions[] = {gcompSphericalCapLog2, gcompUncertaintyBound,
                                 gcompAverageCaseBound, gcompWorstCaseBound};

void ExpectFailure(BoundFn fn, double alpha, uint64_t d, double *out,
                   gcompResult_t want) {
  EXPECT_EQ(fn(alpha, d, out), want) << "alpha=" << alpha << " d=" << d;
  EXPECT_STRNE(gcompGetLastErrorDetail(), "") << "alpha=" << alpha << " d=" << d;
}

TEST(LowerBounds, RejectsAlphaOutsideOpenUnitInterval) {
  double out = 0;
  for (BoundFn fn : kAllFunctions)
    for (double alpha : {0.0, 1.0, -0.5, 1.5, kNaN, kInf, -kInf})
      ExpectFailure(fn, alpha, 10, &out, gcompParameterOutOfRange);
}

TEST(LowerBounds, RejectsZeroAndOversizedDimension) {
  double out = 0;
  for (BoundFn fn : kAllFunctions) {
    ExpectFailure(fn, 0.5, 0, &out, gcompInvalidArgument);
    ExpectFailure(fn, 0.5, GCOMP_MAX_DIM + 1, &out, gcompSizeOverflow);
    ExpectFailure(fn, 0.5, UINT64_MAX, &out, gcompSizeOverflow);
    EXPECT_EQ(fn(0.5, GCOMP_MAX_DIM, &out), gcompSuccess);
  }
}

TEST(LowerBounds, RejectsNullOutput) {
  for (BoundFn fn : kAllFunctions)
    ExpectFailure(fn, 0.5, 10, nullptr, gcompInvalidArgument);
}

TEST(LowerBounds, SuccessClearsPreviousErrorDetail) {
  double out = 0;
  for (BoundFn fn : kAllFunctions) {
    ASSERT_NE(fn(2.0, 10, &out), gcompSuccess);
    ASSERT_EQ(fn(0.5, 10, &out), gcompSuccess);
    EXPECT_STREQ(gcompGetLastErrorDetail(), "");
  }
}

}  // namespace
