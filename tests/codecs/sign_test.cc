// Scaled sign, (|x|_1 / d) sign(x): round trips, the exact distortion
// alpha(x) = 1 - |x|_1^2 / (d |x|^2) on every input, sizes, and hostile
// payloads.
#include <gtest/gtest.h>

#include <cmath>

#include "codec_helpers.h"
#include "forge.h"
#include "vectors.h"

namespace {

using gth::Codec;

const uint64_t kDims[] = {1, 2, 3, 7, 1000, (1u << 20) + 3};

double sumabs(const std::vector<float> &x) {
  double s = 0;
  for (float v : x) s += std::fabs((double)v);
  return s;
}

// Every output is +-s, s = |x|_1 / d (rounded once to float; the test sums
// in another order, hence the tolerance), negative exactly where x is.
void expect_scaled_sign(const std::vector<float> &x, const std::vector<float> &y) {
  double s = sumabs(x) / (double)x.size();
  uint32_t mag = gtf::bits_of(y[0]) & 0x7fffffffu;
  EXPECT_NEAR(std::fabs(y[0]), s, 1e-6 * s);
  for (size_t i = 0; i < x.size(); i++) {
    ASSERT_EQ(gtf::bits_of(y[i]) & 0x7fffffffu, mag) << i;
    ASSERT_EQ(std::signbit(y[i]), x[i] < 0 && s > 0) << i;
  }
}

TEST(ScaledSign, EveryPackingDecodesToTheScaledSigns) {
  for (uint64_t d : kDims) {
    for (const auto &fam : gtv::families()) {
      if (d > 100000 && fam != "gaussian" && fam != "spike") continue;
      auto x = gtv::family(fam, d, 7);
      Codec ref_codec("sign", {{"packing", "direct"}});
      auto ref = gth::decode(gth::encode(ref_codec, x), d);
      expect_scaled_sign(x, ref);
      for (const char *pk : {"structured", "auto"}) {
        Codec codec("sign", {{"packing", pk}});
        auto p = gth::encode(codec, x);
        EXPECT_EQ(gth::info(p).packing, gcompPackStructured);
        EXPECT_EQ(gth::info(p).bodyBits, 31 + d);
        ASSERT_TRUE(gth::bitwise_equal(gth::decode(p, d), ref)) << fam << " d=" << d << " " << pk;
      }
    }
  }
}

TEST(ScaledSign, ZeroVectorAndZeroCoordinatesDecodeToPlusScale) {
  Codec codec("sign");
  std::vector<float> zero(37, 0.0f);
  zero[3] = -0.0f;
  for (float v : gth::decode(gth::encode(codec, zero), zero.size())) EXPECT_EQ(gtf::bits_of(v), 0u);
  std::vector<float> x = {-1.0f, 0.0f, -0.0f, 3.0f};
  auto y = gth::decode(gth::encode(codec, x), x.size());
  std::vector<float> want = {-1.0f, 1.0f, 1.0f, 1.0f};
  EXPECT_TRUE(gth::bitwise_equal(y, want));
}

// |C(x) - x|^2 = |x|^2 - |x|_1^2 / d for every x, zeros included: the scale
// is the minimiser, so its float rounding changes the error only to second
// order. Deterministic, so "in expectation" is "on every input".
TEST(ScaledSign, DistortionIsExactlyAlphaOfX) {
  for (uint64_t d : {1ull, 2ull, 3ull, 7ull, 100ull, 1000ull, 4099ull}) {
    Codec codec("sign");
    double theory = 0;
    ASSERT_EQ(gcompCodecGetAlpha(codec.h, d, &theory), gcompSuccess);
    EXPECT_DOUBLE_EQ(theory, 1.0 - 1.0 / (double)d);
    for (const auto &fam : gtv::families()) {
      for (uint64_t s = 0; s < 5; s++) {
        auto x = gtv::family(fam, d, s);
        auto y = gth::decode(gth::encode(codec, x, s), d);
        double n2 = gtv::sumsq(x), l1 = sumabs(x);
        double alpha = 1.0 - l1 * l1 / ((double)d * n2);
        EXPECT_NEAR(gtv::err2(x, y), alpha * n2, 1e-9 * n2) << fam << " d=" << d;
        EXPECT_LE(alpha, theory + 1e-12);
      }
    }
  }
}

TEST(ScaledSign, RotatedVectorsKeepTheWorstCase) {
  for (uint64_t d : {3ull, 7ull, 1000ull}) {
    Codec ref_codec("sign", {{"rotate", "1"}, {"packing", "direct"}});
    Codec codec("sign", {{"rotate", "1"}});
    double alpha = 0;
    ASSERT_EQ(gcompCodecGetAlpha(codec.h, d, &alpha), gcompSuccess);
    for (const auto &fam : gtv::families()) {
      auto x = gtv::family(fam, d, 4);
      auto y = gth::decode(gth::encode(codec, x, 8), d);
      EXPECT_TRUE(gth::bitwise_equal(y, gth::decode(gth::encode(ref_codec, x, 8), d)));
      EXPECT_LE(gtv::err2(x, y), (alpha + 1e-6) * gtv::sumsq(x)) << fam << " d=" << d;
    }
  }
}

TEST(ScaledSign, BitsWithinTheBound) {
  for (uint64_t d : {1ull, 7ull, 64ull, 1000ull, 65537ull}) {
    for (const char *pk : {"structured", "direct", "auto"}) {
      Codec codec("sign", {{"packing", pk}});
      size_t bound = 0;
      ASSERT_EQ(gcompEncodeBound(codec.h, d, &bound), gcompSuccess);
      for (const auto &fam : gtv::families()) {
        auto p = gth::encode(codec, gtv::family(fam, d, 1));
        EXPECT_EQ(gth::info(p).bodyBits, std::string(pk) == "direct" ? 32 * d : 31 + d);
        EXPECT_LE(p.size(), bound);
      }
    }
  }
}

TEST(ScaledSign, BadInputsAreRefused) {
  gcompCodecConfig_t cfg;
  ASSERT_EQ(gcompCodecConfigInit(&cfg, "sign"), gcompSuccess);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "k", "3"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "packing", "entropy"), gcompSuccess);
  gcompCodec_t h = nullptr;
  EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompInvalidArgument);
  gtf::expect_non_finite_refused(Codec("sign"), 300);
}

TEST(ScaledSign, HostilePayloadsAreCorrupt) {
  for (const char *pk : {"structured", "direct"}) {
    Codec codec("sign", {{"packing", pk}});
    auto p = gth::encode(codec, gtv::family("heavy", 50, 9), 4);
    gtf::expect_every_truncation_corrupt(p, 50);
    gtf::expect_forged_bodies_survive(p, 50, 13);
  }
  const auto M = gcompScaledSign;
  const auto S = gcompPackStructured;
  auto body = [](uint32_t scale, uint64_t signs, unsigned n) {
    gtf::Bits b;
    b.put(scale, 31).put(signs, n);
    return b;
  };
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 0, body(0x3f800000u, 0x2a5, 10)), 10), gcompSuccess);
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 0, body(1, 0x2a5, 10)), 10), gcompSuccess);
  // Inf and NaN scales
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 0, body(0x7f800000u, 0, 10)), 10),
            gcompCorruptPayload);
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 0, body(0x7fc00000u, 0, 10)), 10),
            gcompCorruptPayload);
  // a zero scale with a negative sign: -0 is not what an encoder writes
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 0, body(0, 0x10, 10)), 10), gcompCorruptPayload);
  // a sign short, a sign too many
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 0, body(0x3f800000u, 0, 9)), 10),
            gcompCorruptPayload);
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 0, body(0x3f800000u, 0, 11)), 10),
            gcompCorruptPayload);
  // header fields a sign payload never has
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 1, body(0x3f800000u, 0, 10)), 10),
            gcompCorruptPayload);
  // direct bodies: not one magnitude; a negative zero
  auto direct = [](std::vector<float> v) {
    gtf::Bits b;
    for (float f : v) b.f32(f);
    return b;
  };
  EXPECT_EQ(gtf::decode(gtf::payload(M, gcompPackDirect, 3, 0, direct({2, -2, 2})), 3), gcompSuccess);
  EXPECT_EQ(gtf::decode(gtf::payload(M, gcompPackDirect, 3, 0, direct({2, -2, 1})), 3),
            gcompCorruptPayload);
  EXPECT_EQ(gtf::decode(gtf::payload(M, gcompPackDirect, 3, 0, direct({0, -0.0f, 0})), 3),
            gcompCorruptPayload);
}

}  // namespace
