// The public API's contract: configuration, validation, queries, bounds,
// and every bad-input path returning its documented code.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "codec_helpers.h"
#include "vectors.h"

namespace {

using gth::Codec;

TEST(Api, VersionAndErrorStrings) {
  EXPECT_EQ(gcompGetVersion(), GCOMP_VERSION);
  for (int r = 0; r < gcompNumResults; r++) {
    const char *s = gcompGetErrorString((gcompResult_t)r);
    ASSERT_NE(s, nullptr);
    EXPECT_GT(std::strlen(s), 3u);
  }
  EXPECT_STREQ(gcompGetErrorString((gcompResult_t)999), "unknown result code");
}

TEST(Api, ClassesAndTheoreticalParameters) {
  struct {
    const char *name, *param, *value;
    gcompClass_t cls;
    double alpha;
  } cases[] = {
      {"identity", nullptr, nullptr, gcompClassExact, 0.0},
      {"sd", "nu", "0.1", gcompClassContractive, 0.1},
      {"sd-unbiased", "omega", "0.25", gcompClassUnbiased, 0.2},
      {"spherical", "alpha", "0.5", gcompClassContractive, 0.5},
  };
  for (auto &c : cases) {
    Codec codec = c.param ? Codec(c.name, {{c.param, c.value}}) : Codec(c.name);
    gcompClass_t cls;
    ASSERT_EQ(gcompCodecGetClass(codec.h, &cls), gcompSuccess);
    EXPECT_EQ(cls, c.cls) << c.name;
    double a = -1, w = -1;
    ASSERT_EQ(gcompCodecGetAlpha(codec.h, 100, &a), gcompSuccess);
    EXPECT_DOUBLE_EQ(a, c.alpha) << c.name;
    gcompResult_t r = gcompCodecGetOmega(codec.h, 100, &w);
    if (c.cls == gcompClassUnbiased) {
      EXPECT_EQ(r, gcompSuccess);
      EXPECT_DOUBLE_EQ(w, 0.25);
    } else {
      EXPECT_EQ(r, gcompInvalidArgument);
    }
    EXPECT_EQ(gcompCodecGetAlpha(codec.h, 0, &a), gcompInvalidArgument);
  }
}

TEST(Api, DefaultsAreResolvedAndReported) {
  Codec codec("sd");
  gcompCodecConfig_t cfg;
  ASSERT_EQ(gcompCodecGetConfig(codec.h, &cfg), gcompSuccess);
  EXPECT_DOUBLE_EQ(cfg.nu, 0.1);
  EXPECT_EQ(cfg.packing, gcompPackAuto);
  Codec u("sd-unbiased");
  ASSERT_EQ(gcompCodecGetConfig(u.h, &cfg), gcompSuccess);
  EXPECT_DOUBLE_EQ(cfg.omega, 0.25);
}

TEST(Api, ConfigRejectsUnknownNamesAndValues) {
  gcompCodecConfig_t cfg;
  EXPECT_EQ(gcompCodecConfigInit(&cfg, "zstd"), gcompInvalidArgument);
  EXPECT_GT(std::strlen(gcompGetLastErrorDetail()), 0u);
  EXPECT_EQ(gcompCodecConfigInit(nullptr, "sd"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigInit(&cfg, nullptr), gcompInvalidArgument);
  ASSERT_EQ(gcompCodecConfigInit(&cfg, "sd"), gcompSuccess);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "alpha", "0.5"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "abc"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "0.1x"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "nan"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "1e999"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "rotate", "2"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "packing", "zip"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "packing", "entropy"), gcompSuccess);
  EXPECT_EQ(cfg.packing, gcompPackEntropy);
}

gcompCodecConfig_t config_of(const char *name) {
  gcompCodecConfig_t cfg;
  EXPECT_EQ(gcompCodecConfigInit(&cfg, name), gcompSuccess);
  return cfg;
}

gcompResult_t create(const gcompCodecConfig_t &cfg) {
  gcompCodec_t h = nullptr;
  gcompResult_t r = gcompCodecCreate(&h, &cfg);
  EXPECT_EQ(h == nullptr, r != gcompSuccess);
  gcompCodecFree(h);
  return r;
}

// Every field as gcompCodecConfigInit leaves it.
bool is_default(const gcompCodecConfig_t &c) {
  for (double v : {c.nu, c.omega, c.alpha, c.maxTrials})
    if (v != (double)GCOMP_DEFAULT) return false;
  for (int64_t v : {c.block, c.levels, c.k})
    if (v != GCOMP_DEFAULT) return false;
  return c.rotate == 0 && c.packing == gcompPackAuto;
}

TEST(Api, CreateRejectsOutOfRangeParameters) {
  for (double v : {0.0, -0.0, 1.0, -0.1, 1.5, -2.0, (double)NAN}) {
    gcompCodecConfig_t cfg = config_of("sd");
    cfg.nu = v;
    EXPECT_EQ(create(cfg), gcompParameterOutOfRange) << v;
  }
  for (double v : {0.0, -0.5, 1e7}) {
    gcompCodecConfig_t cfg = config_of("sd-unbiased");
    cfg.omega = v;
    EXPECT_EQ(create(cfg), gcompParameterOutOfRange) << v;
  }
  gcompCodecConfig_t cfg = config_of("identity");
  cfg.packing = gcompPackEntropy;
  EXPECT_EQ(create(cfg), gcompInvalidArgument);

  gcompCodec_t h = nullptr;
  cfg = GCOMP_CODEC_CONFIG_INITIALIZER;
  cfg.method = gcompSparseDithering;
  cfg.omega = 0.3;  // a parameter of another codec: a mistake, not ignored
  EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompInvalidArgument);
  cfg = GCOMP_CODEC_CONFIG_INITIALIZER;
  cfg.size = 8;
  EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompInvalidArgument);
  cfg = GCOMP_CODEC_CONFIG_INITIALIZER;
  cfg.method = (gcompMethod_t)77;
  EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecCreate(nullptr, &cfg), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecCreate(&h, nullptr), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecFree(nullptr), gcompSuccess);
}

// GCOMP_DEFAULT is -1 exactly; any other negative value in any field, used
// by the codec or not, is out of range rather than a quiet default.
TEST(Api, OnlyMinusOneExactlyMeansDefaultInTheStruct) {
  gcompCodecConfig_t cfg = config_of("sd");
  cfg.nu = -1.0;
  EXPECT_EQ(create(cfg), gcompSuccess);
  for (double v : {-2.0, -1.0000001, -0.5, -0.0}) {
    cfg = config_of("sd");
    cfg.nu = v;
    EXPECT_EQ(create(cfg), gcompParameterOutOfRange) << "nu " << v;
    cfg = config_of("sd");
    cfg.omega = v;  // not sd's
    gcompCodec_t h = nullptr;
    EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompParameterOutOfRange) << "omega " << v;
    EXPECT_NE(std::string(gcompGetLastErrorDetail()).find("GCOMP_DEFAULT"), std::string::npos)
        << gcompGetLastErrorDetail();
  }
  for (int64_t v : {(int64_t)-2, (int64_t)-1000, INT64_MIN}) {
    cfg = config_of("topk");
    cfg.k = v;
    EXPECT_EQ(create(cfg), gcompParameterOutOfRange) << "k " << v;
    cfg = config_of("sd");
    cfg.levels = v;  // not sd's
    EXPECT_EQ(create(cfg), gcompParameterOutOfRange) << "levels " << v;
    cfg = config_of("spherical");
    cfg.block = v;
    EXPECT_EQ(create(cfg), gcompParameterOutOfRange) << "block " << v;
  }
  cfg = config_of("spherical");
  cfg.maxTrials = -0.5;
  EXPECT_EQ(create(cfg), gcompParameterOutOfRange);
  cfg = config_of("topk");
  cfg.k = GCOMP_DEFAULT;
  EXPECT_EQ(create(cfg), gcompSuccess);
}

// -p NAME=VALUE text: a number in the codec's range, or a refusal whose
// detail names the parameter and quotes the text; the config is untouched.
TEST(Api, TextParametersAreRefusedQuoted) {
  const struct {
    const char *codec, *name, *text;
    gcompResult_t want;
  } cases[] = {
      {"sd", "nu", "-1", gcompParameterOutOfRange},
      {"sd", "nu", "0.1x", gcompInvalidArgument},
      {"sd", "nu", "", gcompInvalidArgument},
      {"sd", "nu", " 0.1", gcompInvalidArgument},
      {"sd", "nu", "0.1 ", gcompInvalidArgument},
      {"sd", "nu", "inf", gcompInvalidArgument},
      {"sd", "nu", "-inf", gcompInvalidArgument},
      {"sd", "nu", "1e999", gcompInvalidArgument},
      {"sd", "nu", "-0", gcompParameterOutOfRange},
      {"sd", "nu", "1", gcompParameterOutOfRange},
      {"sd", "nu", "1e-400", gcompParameterOutOfRange},
      {"sd-unbiased", "omega", "nan", gcompInvalidArgument},
      {"sd-unbiased", "omega", "-1", gcompParameterOutOfRange},
      {"sd-unbiased", "omega", "1000001", gcompParameterOutOfRange},
      {"spherical", "alpha", "-1", gcompParameterOutOfRange},
      {"spherical", "block", "", gcompInvalidArgument},
      {"spherical", "block", "1.5", gcompInvalidArgument},
      {"spherical", "block", "-1", gcompParameterOutOfRange},
      {"spherical", "block", "65", gcompParameterOutOfRange},
      {"spherical", "max_trials", "-1", gcompParameterOutOfRange},
      {"spherical", "max_trials", "0.5", gcompParameterOutOfRange},
      {"qsgd", "levels", "abc", gcompInvalidArgument},
      {"qsgd", "levels", "0x10", gcompInvalidArgument},
      {"qsgd", "levels", "-1", gcompParameterOutOfRange},
      {"qsgd", "levels", "1048577", gcompParameterOutOfRange},
      {"qsgd", "levels", "99999999999999999999", gcompParameterOutOfRange},
      {"natural-dithering", "levels", "31", gcompParameterOutOfRange},
      {"topk", "k", "-1", gcompParameterOutOfRange},
      {"topk", "k", "0", gcompParameterOutOfRange},
      {"topk", "k", "1e3", gcompInvalidArgument},
      {"topk", "k", "1099511627777", gcompParameterOutOfRange},
      {"randk", "k", "-1", gcompParameterOutOfRange},
      {"sd", "rotate", "-1", gcompInvalidArgument},
      {"sd", "packing", "", gcompInvalidArgument},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(std::string(c.codec) + " " + c.name + "='" + c.text + "'");
    gcompCodecConfig_t cfg = config_of(c.codec);
    EXPECT_EQ(gcompCodecConfigSetParam(&cfg, c.name, c.text), c.want);
    EXPECT_TRUE(is_default(cfg)) << "a refused text changed the config";
    std::string detail = gcompGetLastErrorDetail();
    EXPECT_EQ(detail.rfind(std::string(c.name) + ": '" + c.text + "'", 0), 0u) << detail;
  }
  gcompCodecConfig_t cfg = config_of("sd");
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "-1"), gcompParameterOutOfRange);
  EXPECT_STREQ(gcompGetLastErrorDetail(), "nu: '-1' must be in (0, 1)");
  // Bytes that would break a one-line message are escaped.
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "0.1\n2"), gcompInvalidArgument);
  EXPECT_STREQ(gcompGetLastErrorDetail(), "nu: '0.1\\x0a2' is not a finite number");
}

TEST(Api, TextParametersInRangeAreStored) {
  gcompCodecConfig_t cfg = config_of("sd");
  ASSERT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "0x1p-3"), gcompSuccess);
  EXPECT_EQ(cfg.nu, 0.125);
  ASSERT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "+0.25"), gcompSuccess);
  EXPECT_EQ(cfg.nu, 0.25);
  cfg = config_of("sd-unbiased");
  ASSERT_EQ(gcompCodecConfigSetParam(&cfg, "omega", "1e6"), gcompSuccess);
  EXPECT_EQ(cfg.omega, 1e6);
  cfg = config_of("topk");
  ASSERT_EQ(gcompCodecConfigSetParam(&cfg, "k", "1099511627776"), gcompSuccess);
  EXPECT_EQ(cfg.k, (int64_t)1 << 40);
  cfg = config_of("qsgd");
  ASSERT_EQ(gcompCodecConfigSetParam(&cfg, "levels", "1048576"), gcompSuccess);
  EXPECT_EQ(cfg.levels, 1 << 20);
  cfg = config_of("spherical");
  ASSERT_EQ(gcompCodecConfigSetParam(&cfg, "max_trials", "16777216"), gcompSuccess);
  ASSERT_EQ(gcompCodecConfigSetParam(&cfg, "block", "1"), gcompSuccess);
  EXPECT_EQ(cfg.maxTrials, 16777216.0);
  EXPECT_EQ(cfg.block, 1);
  EXPECT_EQ(create(cfg), gcompSuccess);
}

// Whatever the codec and the parameter, no text stores GCOMP_DEFAULT.
TEST(Api, NoTextMeansDefault) {
  for (const char *codec : {"identity", "sd", "sd-unbiased", "spherical", "qsgd",
                            "natural-dithering", "natural", "topk", "randk", "sign", "terngrad",
                            "fp16", "bf16"}) {
    for (const char *name : {"nu", "omega", "alpha", "max_trials", "block", "levels", "k"}) {
      for (const char *text : {"-1", "-1.0", "-1e0", "-0", "-01", "- 1"}) {
        gcompCodecConfig_t cfg = config_of(codec);
        EXPECT_NE(gcompCodecConfigSetParam(&cfg, name, text), gcompSuccess)
            << codec << " " << name << "=" << text;
      }
    }
  }
}

TEST(Api, EncodeRejectsBadArguments) {
  Codec codec("sd");
  std::vector<float> x = {1, 2, 3};
  std::vector<uint8_t> out(1024);
  size_t size = 0;
  EXPECT_EQ(gcompEncode(nullptr, x.data(), 3, 0, out.data(), out.size(), &size),
            gcompInvalidArgument);
  EXPECT_EQ(gcompEncode(codec.h, nullptr, 3, 0, out.data(), out.size(), &size),
            gcompInvalidArgument);
  EXPECT_EQ(gcompEncode(codec.h, x.data(), 3, 0, nullptr, out.size(), &size),
            gcompInvalidArgument);
  EXPECT_EQ(gcompEncode(codec.h, x.data(), 3, 0, out.data(), out.size(), nullptr),
            gcompInvalidArgument);
  EXPECT_EQ(gcompEncode(codec.h, x.data(), 0, 0, out.data(), out.size(), &size),
            gcompInvalidArgument);
  // d beyond the format: refused before src is read (src is only 3 floats)
  EXPECT_EQ(gcompEncode(codec.h, x.data(), GCOMP_MAX_DIM + 1, 0, out.data(), out.size(),
                        &size),
            gcompSizeOverflow);
  EXPECT_EQ(gcompEncode(codec.h, x.data(), UINT64_MAX, 0, out.data(), out.size(), &size),
            gcompSizeOverflow);
  EXPECT_EQ(gcompEncode(codec.h, x.data(), 3, 0, out.data(), 10, &size), gcompDstTooSmall);
}

TEST(Api, BoundsAreSafeAtTheLimits) {
  for (const char *name : {"identity", "sd", "sd-unbiased", "spherical"}) {
    for (const char *pk : {"auto", "direct"}) {
      Codec codec(name, {{"packing", pk}});
      size_t b = 0;
      EXPECT_EQ(gcompEncodeBound(codec.h, GCOMP_MAX_DIM, &b), gcompSuccess) << name;
      EXPECT_GE(b, (size_t)(GCOMP_MAX_DIM * 4)) << name;
      EXPECT_EQ(gcompEncodeBound(codec.h, GCOMP_MAX_DIM + 1, &b), gcompSizeOverflow);
      EXPECT_EQ(gcompEncodeBound(codec.h, 0, &b), gcompInvalidArgument);
    }
  }
  for (const char *pk : {"structured", "fixed", "entropy"}) {
    Codec codec("sd", {{"packing", pk}, {"nu", "0.001"}});
    size_t b = 0;
    EXPECT_EQ(gcompEncodeBound(codec.h, GCOMP_MAX_DIM, &b), gcompSuccess) << pk;
  }
}

// Documented behaviour for NaN/Inf: every codec refuses the vector with
// gcompNonFiniteInput and writes nothing.
TEST(Api, NonFiniteInputIsRefused) {
  const float bad[] = {std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity(),
                       -std::numeric_limits<float>::infinity()};
  for (const char *name : {"identity", "sd", "sd-unbiased", "spherical"}) {
    Codec codec(name);
    for (float b : bad) {
      std::vector<float> x(100, 1.0f);
      x[57] = b;
      std::vector<uint8_t> out(4096, 0xAB);
      size_t size = 12345;
      EXPECT_EQ(gcompEncode(codec.h, x.data(), x.size(), 0, out.data(), out.size(), &size),
                gcompNonFiniteInput)
          << name;
      EXPECT_EQ(size, 12345u);
      EXPECT_EQ(out[0], 0xAB) << "nothing may be written";
    }
  }
}

TEST(Api, HugeMagnitudesAreEncodedOrRefusedCleanly) {
  Codec codec("sd");
  std::vector<float> x(16, 3.0e38f);
  std::vector<uint8_t> out(4096);
  size_t size = 0;
  gcompResult_t r = gcompEncode(codec.h, x.data(), x.size(), 0, out.data(), out.size(), &size);
  if (r == gcompSuccess) {
    auto y = gth::decode(std::vector<uint8_t>(out.begin(), out.begin() + size), x.size());
    for (float v : y) EXPECT_TRUE(std::isfinite(v));
  } else {
    EXPECT_EQ(r, gcompParameterOutOfRange);
  }
  std::vector<float> tiny(16, 1e-44f);  // subnormal: grid step below FLT_MIN
  r = gcompEncode(codec.h, tiny.data(), tiny.size(), 0, out.data(), out.size(), &size);
  EXPECT_EQ(r, gcompParameterOutOfRange);
}

// Found by fuzz_roundtrip: with rotate=1 the transform's sums of values near
// FLT_MAX overflowed. Rotation is refused above |x| = 2^100 instead.
TEST(Api, RotationRefusesMagnitudesThatWouldOverflow) {
  std::vector<float> x = {-3.38728977e38f, 9.6e-35f};
  for (const char *name : {"identity", "sd", "sd-unbiased", "spherical"}) {
    Codec codec(name, {{"rotate", "1"}});
    std::vector<uint8_t> out(1024);
    size_t size = 0;
    EXPECT_EQ(gcompEncode(codec.h, x.data(), x.size(), 0, out.data(), out.size(), &size),
              gcompParameterOutOfRange)
        << name;
  }
  std::vector<float> ok = {1e29f, -1e29f, 3.0f};
  Codec codec("sd", {{"rotate", "1"}});
  auto y = gth::decode(gth::encode(codec, ok), ok.size());
  EXPECT_LE(gtv::err2(ok, y), 0.1 * gtv::sumsq(ok));
}

TEST(Api, DecodeAccumulatesWithBeta) {
  Codec codec("sd");
  auto x = gtv::family("gaussian", 500, 2);
  auto p = gth::encode(codec, x);
  auto y = gth::decode(p, x.size());
  std::vector<float> acc(x.size());
  for (size_t i = 0; i < acc.size(); i++) acc[i] = (float)i;
  ASSERT_EQ(gcompDecode(p.data(), p.size(), acc.data(), acc.size(), 0.5f), gcompSuccess);
  for (size_t i = 0; i < acc.size(); i++) ASSERT_EQ(acc[i], y[i] + 0.5f * (float)i);
  // beta = 0 never reads dst: NaN there must not leak into the result
  std::vector<float> nan(x.size(), std::numeric_limits<float>::quiet_NaN());
  ASSERT_EQ(gcompDecode(p.data(), p.size(), nan.data(), nan.size(), 0.0f), gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(nan, y));
  EXPECT_EQ(gcompDecode(p.data(), p.size(), acc.data(), acc.size() - 1, 0.0f),
            gcompDstTooSmall);
  EXPECT_EQ(gcompDecode(p.data(), p.size(), acc.data(), acc.size(), NAN), gcompInvalidArgument);
  EXPECT_EQ(gcompDecode(nullptr, p.size(), acc.data(), acc.size(), 0), gcompInvalidArgument);
}

// Accumulation fused into decoding (packing fixed of the level codecs) and
// accumulation after decoding (every other case) must be the same
// arithmetic: dst = decoded + beta * dst, bit for bit, chunk edges and the
// zero vector included.
TEST(Api, AccumulationMatchesDecodeThenAxpyForEveryCodec) {
  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
      codecs = {{"sd", {{"packing", "fixed"}}},
                {"sd", {{"packing", "entropy"}}},
                {"sd", {{"packing", "fixed"}, {"rotate", "1"}}},
                {"sd-unbiased", {{"packing", "fixed"}}},
                {"sd-unbiased", {{"packing", "structured"}}},
                {"qsgd", {{"packing", "fixed"}}},
                {"natural-dithering", {{"packing", "fixed"}}},
                {"terngrad", {{"packing", "fixed"}}},
                {"natural", {{"packing", "fixed"}}},
                {"spherical", {{"alpha", "0.5"}}},
                {"topk", {}},
                {"fp16", {}},
                {"identity", {}}};
  for (const auto &[name, params] : codecs) {
    Codec codec(name, params);
    for (uint64_t d : {1ull, 4095ull, 4097ull, 10000ull}) {
      for (const std::string fam : {"gaussian", "sparse", "zero"}) {
        SCOPED_TRACE(name + " d=" + std::to_string(d) + " " + fam);
        auto x = fam == "zero" ? std::vector<float>(d, 0.0f) : gtv::family(fam, d, 6);
        auto p = gth::encode(codec, x, 3);
        ASSERT_FALSE(p.empty());
        auto y = gth::decode(p, d);
        auto acc = gtv::family("heavy", d, 8);
        acc[0] = -0.0f;
        std::vector<float> want(d);
        for (uint64_t i = 0; i < d; i++) want[i] = y[i] + -0.75f * acc[i];
        ASSERT_EQ(gcompDecode(p.data(), p.size(), acc.data(), d, -0.75f), gcompSuccess)
            << gcompGetLastErrorDetail();
        ASSERT_TRUE(gth::bitwise_equal(acc, want));
      }
    }
  }
}

TEST(Api, IdentityIsExact) {
  Codec codec("identity");
  for (uint64_t d : {1ull, 7ull, 1000ull}) {
    auto x = gtv::family("heavy", d, 4);
    auto p = gth::encode(codec, x);
    EXPECT_EQ(gth::info(p).bodyBits, 32 * d);
    EXPECT_TRUE(gth::bitwise_equal(gth::decode(p, d), x));
  }
}

TEST(Api, RotationIsNearlyOrthonormalAndSeeded) {
  Codec codec("identity", {{"rotate", "1"}});
  auto x = gtv::family("spike", 1000, 1);
  auto p = gth::encode(codec, x, 3);
  EXPECT_EQ(gth::info(p).bodyBits, 32u * 1024);
  auto y = gth::decode(p, x.size());
  EXPECT_LE(gtv::err2(x, y), 1e-10 * gtv::sumsq(x));
  EXPECT_NE(p, gth::encode(codec, x, 4));
}

}  // namespace
