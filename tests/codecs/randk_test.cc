// Rand-k, class U(d/k - 1): the kept set against an independent draw of the
// documented keys, selection frequencies, unbiasedness and variance by Monte
// Carlo, sizes, parameters, and hostile payloads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "codec_helpers.h"
#include "forge.h"
#include "shared/philox.h"
#include "vectors.h"

namespace {

using gth::Codec;

const uint64_t kDims[] = {1, 2, 3, 7, 1000, (1u << 20) + 3};

uint64_t default_k(uint64_t d) { return (d + 99) / 100; }

// docs/FORMAT.md: the k smallest keys, key i = word i % 4 of Philox draw
// i / 4 on stream 4 << 48, ties to the lower index; here by a full sort.
std::vector<uint64_t> reference_indices(uint64_t seed, uint64_t d, uint64_t k) {
  std::vector<uint32_t> key(d);
  for (uint64_t i = 0; i < d; i++) key[i] = gcomp_philox(seed, (uint64_t)4 << 48, i / 4).v[i % 4];
  std::vector<uint64_t> order(d);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint64_t a, uint64_t b) { return key[a] < key[b]; });
  order.resize(k);
  std::sort(order.begin(), order.end());
  return order;
}

float scale_of(uint64_t d, uint64_t k) { return (float)((double)d / (double)k); }

void expect_randk(const std::vector<float> &x, const std::vector<float> &y, uint64_t seed,
                  uint64_t k) {
  std::vector<char> kept(x.size(), 0);
  for (uint64_t i : reference_indices(seed, x.size(), k)) kept[i] = 1;
  float s = scale_of(x.size(), k);
  for (size_t i = 0; i < x.size(); i++)
    ASSERT_EQ(gtf::bits_of(y[i]), kept[i] ? gtf::bits_of(x[i] * s) : 0u) << "coordinate " << i;
}

TEST(RandK, EveryPackingDecodesToTheSeedsSelection) {
  for (uint64_t d : kDims) {
    for (const auto &fam : gtv::families()) {
      if (d > 100000 && fam != "gaussian" && fam != "sparse") continue;
      auto x = gtv::family(fam, d, 7);
      std::vector<uint64_t> ks = {default_k(d), std::max<uint64_t>(1, d / 10)};
      if (d < 100000) ks.insert(ks.end(), {1, d});
      for (uint64_t k : ks) {
        std::string kt = std::to_string(k);
        Codec ref_codec("randk", {{"k", kt}, {"packing", "direct"}});
        auto ref = gth::decode(gth::encode(ref_codec, x, 3), d);
        expect_randk(x, ref, 3, k);
        for (const char *pk : {"structured", "auto"}) {
          Codec codec("randk", {{"k", kt}, {"packing", pk}});
          auto p = gth::encode(codec, x, 3);
          auto info = gth::info(p);
          EXPECT_EQ(info.iparam, k);
          EXPECT_EQ(info.packing, gcompPackStructured);
          // the indices cost nothing: k float32 values
          EXPECT_EQ(info.bodyBits, 32 * k);
          ASSERT_TRUE(gth::bitwise_equal(gth::decode(p, d), ref))
              << fam << " d=" << d << " k=" << k << " " << pk;
        }
      }
    }
  }
}

TEST(RandK, SameSeedSameSelectionOtherSeedOther) {
  Codec codec("randk", {{"k", "10"}});
  auto x = gtv::family("gaussian", 1000, 1);
  EXPECT_EQ(gth::encode(codec, x, 5), gth::encode(codec, x, 5));
  EXPECT_NE(gth::decode(gth::encode(codec, x, 5), 1000), gth::decode(gth::encode(codec, x, 6), 1000));
}

// Each coordinate is kept with probability k/d: counts over T seeds within
// 5 binomial standard deviations, and exactly k kept every time.
TEST(RandK, EveryCoordinateKeptWithFrequencyKOverD) {
  const int T = 20000;
  for (uint64_t k : {1ull, 3ull, 12ull}) {
    const uint64_t d = 24;
    Codec codec("randk", {{"k", std::to_string(k)}});
    std::vector<float> x(d, 1.0f);
    std::vector<int> count(d, 0);
    for (int t = 0; t < T; t++) {
      auto y = gth::decode(gth::encode(codec, x, 9000 + t), d);
      uint64_t kept = 0;
      for (uint64_t i = 0; i < d; i++) {
        kept += y[i] != 0;
        count[i] += y[i] != 0;
      }
      ASSERT_EQ(kept, k);
    }
    double p = (double)k / d, sd = std::sqrt(T * p * (1 - p));
    for (uint64_t i = 0; i < d; i++) EXPECT_NEAR(count[i], T * p, 5 * sd) << "k=" << k << " i=" << i;
  }
}

// E y_i = x_i: y_i is x_i s with probability p = k/d, so the mean of T
// draws has standard error |x_i s| sqrt(p (1 - p) / T); s = fl(d/k) moves
// the mean by at most 2^-24 relative.
TEST(RandK, MeanMatchesInputWithinCltTolerance) {
  const int T = 20000;
  for (uint64_t k : {2ull, 8ull}) {
    auto x = gtv::family("heavy", 24, 3);
    Codec codec("randk", {{"k", std::to_string(k)}});
    std::vector<double> mean(x.size(), 0.0);
    for (int t = 0; t < T; t++) {
      auto y = gth::decode(gth::encode(codec, x, 100 + t), x.size());
      for (size_t i = 0; i < x.size(); i++) mean[i] += y[i] / (double)T;
    }
    double p = (double)k / x.size();
    float s = scale_of(x.size(), k);
    for (size_t i = 0; i < x.size(); i++) {
      double se = std::fabs((double)x[i] * s) * std::sqrt(p * (1 - p) / T);
      EXPECT_NEAR(mean[i], x[i], 5 * se + 1e-6 * std::fabs(x[i])) << "k=" << k << " i=" << i;
    }
  }
}

// E|C(x) - x|^2 = sum p (y_i - x_i)^2 + (1 - p) x_i^2 exactly (y_i the kept
// value), which is (d/k - 1) |x|^2 up to the rounding of y_i; the sample mean
// matches it within 5 standard errors.
TEST(RandK, VarianceMatchesOmega) {
  const int T = 4000;
  for (uint64_t k : {1ull, 20ull, 100ull}) {
    const uint64_t d = 200;
    Codec codec("randk", {{"k", std::to_string(k)}});
    double omega = 0;
    ASSERT_EQ(gcompCodecGetOmega(codec.h, d, &omega), gcompSuccess);
    EXPECT_DOUBLE_EQ(omega, (double)d / k - 1);
    for (const auto &fam : gtv::families()) {
      auto x = gtv::family(fam, d, 11);
      double p = (double)k / d, s1 = 0, s2 = 0, exact = 0;
      float s = scale_of(d, k);
      for (float v : x) {
        double e = (double)(v * s) - v;
        exact += p * e * e + (1 - p) * (double)v * v;
      }
      for (int t = 0; t < T; t++) {
        double e = gtv::err2(x, gth::decode(gth::encode(codec, x, 77 + t), d));
        s1 += e;
        s2 += e * e;
      }
      double m = s1 / T, sd = std::sqrt(std::max(0.0, s2 / T - m * m));
      double norm2 = gtv::sumsq(x);
      EXPECT_LE(exact, omega * norm2 * (1 + 1e-6)) << fam;
      EXPECT_NEAR(m, exact, 5 * sd / std::sqrt((double)T) + 1e-9 * norm2) << fam << " k=" << k;
    }
  }
}

TEST(RandK, BitsAreExactlyKValuesAndWithinTheBound) {
  for (uint64_t d : {1ull, 7ull, 1000ull, 65536ull}) {
    for (const char *pk : {"structured", "direct", "auto"}) {
      Codec codec("randk", {{"packing", pk}});
      size_t bound = 0;
      ASSERT_EQ(gcompEncodeBound(codec.h, d, &bound), gcompSuccess);
      for (const auto &fam : gtv::families()) {
        auto p = gth::encode(codec, gtv::family(fam, d, 2));
        uint64_t want = std::string(pk) == "direct" ? 32 * d : 32 * default_k(d);
        EXPECT_EQ(gth::info(p).bodyBits, want);
        EXPECT_LE(p.size(), bound);
      }
    }
  }
}

TEST(RandK, RotatedVectorsRoundTripWithTheirOwnK) {
  for (uint64_t d : {3ull, 7ull, 1000ull}) {
    auto x = gtv::family("heavy", d, 4);
    Codec ref_codec("randk", {{"rotate", "1"}, {"packing", "direct"}});
    Codec codec("randk", {{"rotate", "1"}});
    auto p = gth::encode(codec, x, 8);
    uint64_t n = 1;
    while (n < d) n <<= 1;
    EXPECT_EQ(gth::info(p).iparam, default_k(n));
    EXPECT_TRUE(gth::bitwise_equal(gth::decode(p, d), gth::decode(gth::encode(ref_codec, x, 8), d)));
    double omega = 0;
    ASSERT_EQ(gcompCodecGetOmega(codec.h, d, &omega), gcompSuccess);
    EXPECT_DOUBLE_EQ(omega, (double)n / default_k(n) - 1);
  }
}

TEST(RandK, BadParametersAreRefused) {
  for (const char *k : {"0", "-3"}) {
    gcompCodecConfig_t cfg;
    ASSERT_EQ(gcompCodecConfigInit(&cfg, "randk"), gcompSuccess);
    EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "k", k), gcompParameterOutOfRange) << k;
    cfg.k = std::strtoll(k, nullptr, 10);  // the same value through the struct
    gcompCodec_t h = nullptr;
    EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompParameterOutOfRange) << k;
  }
  std::vector<uint8_t> dst(4096, 0xab);
  size_t size = 0;
  // k above d
  Codec big("randk", {{"k", "5"}});
  std::vector<float> x(4, 1.0f);
  EXPECT_EQ(gcompEncode(big.h, x.data(), 4, 1, dst.data(), dst.size(), &size),
            gcompParameterOutOfRange);
  // x_i * d/k overflowing float32
  Codec one("randk", {{"k", "1"}});
  std::vector<float> huge(10, 3e38f);
  EXPECT_EQ(gcompEncode(one.h, huge.data(), 10, 1, dst.data(), dst.size(), &size),
            gcompParameterOutOfRange);
  for (uint8_t b : dst) ASSERT_EQ(b, 0xab);
  gtf::expect_non_finite_refused(Codec("randk"), 300);
}

TEST(RandK, HostilePayloadsAreCorrupt) {
  for (const char *pk : {"structured", "direct"}) {
    Codec codec("randk", {{"k", "5"}, {"packing", pk}});
    auto p = gth::encode(codec, gtv::family("heavy", 50, 9), 4);
    gtf::expect_every_truncation_corrupt(p, 50);
    gtf::expect_forged_bodies_survive(p, 50, 12);
  }
  const auto M = gcompRandK;
  auto values = [](std::vector<float> v) {
    gtf::Bits b;
    for (float f : v) b.f32(f);
    return b;
  };
  auto S = gcompPackStructured;
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values({1, 2, 3})), 10), gcompSuccess);
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values({1, NAN, 3})), 10), gcompCorruptPayload);
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values({1, 2, -INFINITY})), 10),
            gcompCorruptPayload);
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values({1, 2})), 10), gcompCorruptPayload);
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values({1, 2, 3, 4})), 10), gcompCorruptPayload);
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values({1, 2, 3}).put(0, 3)), 10),
            gcompCorruptPayload);
  for (uint64_t k : {0ull, 11ull})
    EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, k, values({1, 2, 3})), 10), gcompCorruptPayload);
  // a direct body nonzero where the seed keeps nothing
  auto kept = reference_indices(1, 10, 3);
  std::vector<float> y(10, 0.0f);
  for (uint64_t i : kept) y[i] = 1.0f;
  EXPECT_EQ(gtf::decode(gtf::payload(M, gcompPackDirect, 10, 3, values(y)), 10), gcompSuccess);
  uint64_t other = 0;
  while (std::find(kept.begin(), kept.end(), other) != kept.end()) other++;
  y[other] = -0.0f;
  EXPECT_EQ(gtf::decode(gtf::payload(M, gcompPackDirect, 10, 3, values(y)), 10),
            gcompCorruptPayload);
}

}  // namespace
