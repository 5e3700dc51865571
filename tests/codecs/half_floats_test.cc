// fp16 and bf16: the conversions of host/shared/half.h against the hardware
// (x86 F16C) and an independent reference over every float32 bit pattern,
// then the codecs: bit-exact round trips, the contraction bound, refused
// inputs and hostile payloads.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <thread>

#include "codec_helpers.h"
#include "forge.h"
#include "shared/half.h"
#include "vectors.h"
#include "core/wire.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HF_X86 1
#endif

// Under ASan + UBSan the instrumented conversions are slow: there the
// exhaustive sweeps visit every 7th block of 4096 patterns (all signs and
// exponents still show up), plus the blocks where the rounding changes kind.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr uint64_t kBlockStride = 7;
#else
constexpr uint64_t kBlockStride = 1;
#endif

namespace {

using gth::Codec;
using gtf::reseal;
using gtf::try_decode;

constexpr uint32_t kBlock = 4096;

float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

bool is_nan_bits(uint32_t u) { return (u & 0x7fffffffu) > 0x7f800000u; }

// Blocks holding 2^-25 (fp16 rounds to 0 below), 2^-14 (subnormal/normal),
// 65520 (overflow) and the bf16 overflow boundary, for both signs.
bool must_visit(uint64_t block) {
  for (uint32_t at : {0x33000000u, 0x38800000u, 0x477ff000u, 0x7f7f8000u, 0u, 0x7f800000u})
    for (uint32_t sign : {0u, 0x80000000u})
      if (block == ((at | sign) >> 12)) return true;
  return false;
}

// Runs check(first block, end block) over the 2^20 blocks on every core;
// returns the number of patterns compared and the first mismatch found.
template <class Check>
void sweep(Check check, uint64_t *compared, uint32_t *first_bad, uint64_t *bad_count) {
  unsigned nt = std::max(1u, std::thread::hardware_concurrency());
  std::vector<uint64_t> cmp(nt, 0), bad(nt, 0);
  std::vector<uint32_t> first(nt, 0);
  std::vector<std::thread> th;
  const uint64_t blocks = (1ull << 32) / kBlock;
  for (unsigned t = 0; t < nt; t++) {
    th.emplace_back([&, t] {
      for (uint64_t b = t; b < blocks; b += nt) {
        if (b % kBlockStride != 0 && !must_visit(b)) continue;
        check((uint32_t)(b * kBlock), &cmp[t], &first[t], &bad[t]);
      }
    });
  }
  for (auto &x : th) x.join();
  *compared = 0, *bad_count = 0, *first_bad = 0;
  for (unsigned t = 0; t < nt; t++) {
    *compared += cmp[t];
    if (bad[t] && !*bad_count) *first_bad = first[t];
    *bad_count += bad[t];
  }
}

void note_bad(uint32_t u, uint32_t *first, uint64_t *bad) {
  if (!*bad) *first = u;
  ++*bad;
}

#ifdef HF_X86
// F16C from CPUID itself: clang 14's __builtin_cpu_supports does not know
// "f16c". AVX2 too, for f16_block.
bool have_f16c() {
  unsigned a, b, c, d;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) &&
         __builtin_cpu_supports("avx") && __builtin_cpu_supports("avx2");
}

__attribute__((target("avx,f16c"))) uint16_t hw_f32_to_f16(float x) {
  return (uint16_t)_cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT);
}

__attribute__((target("avx,f16c"))) float hw_f16_to_f32(uint16_t h) { return _cvtsh_ss(h); }

// One block of 4096 patterns starting at `start`: the hardware eight at a
// time, ours in a plain loop that the compiler may vectorize for AVX2.
__attribute__((target("avx2,f16c"))) void f16_block(uint32_t start, uint64_t *cmp,
                                                    uint32_t *first, uint64_t *bad) {
  alignas(32) uint16_t ours[kBlock], ref[kBlock];
  for (uint32_t i = 0; i < kBlock; i++) ours[i] = gcomp_f32_to_f16_rn(bits_float(start + i));
  const __m256i step = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (uint32_t i = 0; i < kBlock; i += 8) {
    __m256i u = _mm256_add_epi32(_mm256_set1_epi32((int)(start + i)), step);
    __m128i h = _mm256_cvtps_ph(_mm256_castsi256_ps(u), _MM_FROUND_TO_NEAREST_INT);
    _mm_store_si128((__m128i *)(ref + i), h);
  }
  bool nan_block = is_nan_bits(start) || is_nan_bits(start + kBlock - 1);
  *cmp += kBlock;
  if (!nan_block && std::memcmp(ours, ref, sizeof ours) == 0) return;
  for (uint32_t i = 0; i < kBlock; i++) {
    if (is_nan_bits(start + i)) {
      --*cmp;
      continue;
    }
    if (ours[i] != ref[i]) note_bad(start + i, first, bad);
  }
}
#endif

// Independent bf16 reference: the two bf16 neighbours of |x| are the
// truncation lo and the next pattern lo + 1; inside one binade the bit
// patterns count ulps, so the distances are r and 2^16 - r in units of x's
// ulp (also when lo + 1 is the next power of two, or Inf past the largest
// finite value). Nearer wins, a tie goes to the even pattern.
uint16_t ref_f32_to_bf16(uint32_t u) {
  uint32_t sign = u & 0x80000000u, a = u & 0x7fffffffu;
  uint32_t lo = a >> 16, r = a & 0xffffu;
  uint32_t below = r, above = 0x10000u - r;
  uint32_t pick = below < above ? lo : below > above ? lo + 1 : (lo & 1 ? lo + 1 : lo);
  return (uint16_t)((sign >> 16) | pick);
}

// Both sides into arrays first: loops the compiler vectorizes.
#ifdef HF_X86
__attribute__((target("avx2")))
#endif
void bf16_block(uint32_t start, uint64_t *cmp, uint32_t *first, uint64_t *bad) {
  uint16_t ours[kBlock], ref[kBlock];
  for (uint32_t i = 0; i < kBlock; i++) ours[i] = gcomp_f32_to_bf16_rn(bits_float(start + i));
  for (uint32_t i = 0; i < kBlock; i++) ref[i] = ref_f32_to_bf16(start + i);
  bool nan_block = is_nan_bits(start) || is_nan_bits(start + kBlock - 1);
  *cmp += kBlock;
  if (!nan_block && std::memcmp(ours, ref, sizeof ours) == 0) return;
  for (uint32_t i = 0; i < kBlock; i++) {
    if (is_nan_bits(start + i)) {
      --*cmp;
      continue;
    }
    if (ours[i] != ref[i]) note_bad(start + i, first, bad);
  }
}

constexpr uint64_t kNonNan = (1ull << 32) - 2 * ((1ull << 23) - 1);

TEST(Half, Fp16MatchesF16cOnEveryNonNanFloat) {
#ifdef HF_X86
  if (!have_f16c()) GTEST_SKIP() << "this CPU has no F16C: no hardware reference";
  auto t0 = std::chrono::steady_clock::now();
  uint64_t compared, bad;
  uint32_t first;
  sweep(f16_block, &compared, &first, &bad);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(bad, 0u) << "first mismatch at float bits 0x" << std::hex << first;
  if (kBlockStride == 1) {
    EXPECT_EQ(compared, kNonNan);
  }
  std::printf("[          ] fp16: %llu patterns against vcvtps2ph in %.1f s\n",
              (unsigned long long)compared, s);
#else
  GTEST_SKIP() << "not x86-64: no F16C reference";
#endif
}

TEST(Half, Fp16ToFloatMatchesF16cOnEveryHalf) {
#ifdef HF_X86
  if (!have_f16c()) GTEST_SKIP() << "this CPU has no F16C: no hardware reference";
  for (uint32_t h = 0; h < 0x10000u; h++) {
    uint32_t ours = float_bits(gcomp_f16_to_f32((uint16_t)h));
    uint32_t ref = float_bits(hw_f16_to_f32((uint16_t)h));
    ASSERT_EQ(ours, ref) << "half 0x" << std::hex << h;
  }
#else
  GTEST_SKIP() << "not x86-64: no F16C reference";
#endif
}

TEST(Half, Fp16KnownValues) {
  struct {
    float x;
    uint16_t h;
  } cases[] = {
      {0.0f, 0x0000},          {-0.0f, 0x8000},           {1.0f, 0x3c00},
      {65504.0f, 0x7bff},      {65519.996f, 0x7bff},      {65520.0f, 0x7c00},
      {-65520.0f, 0xfc00},     {0x1p-24f, 0x0001},        {0x1p-25f, 0x0000},
      {0x1.000002p-25f, 0x0001}, {0x1.8p-24f, 0x0002},    {0x1p-14f, 0x0400},
      {0x1.ff8p-15f, 0x03ff},  {0x1.ffcp-15f, 0x0400},  {1.0f + 0x1p-11f, 0x3c00}, {1.0f + 0x3p-11f, 0x3c02},
      {std::numeric_limits<float>::infinity(), 0x7c00},   {1e-45f, 0x0000},
  };
  for (auto &c : cases) {
    EXPECT_EQ(gcomp_f32_to_f16_rn(c.x), c.h) << c.x;
#ifdef HF_X86
    if (have_f16c()) {
      EXPECT_EQ(hw_f32_to_f16(c.x), c.h) << c.x;
    }
#endif
  }
  EXPECT_EQ(gcomp_f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(gcomp_f16_to_f32(0x0001), 0x1p-24f);
  EXPECT_EQ(gcomp_f16_to_f32(0x03ff), 0x1.ff8p-15f);
  uint16_t nan = gcomp_f32_to_f16_rn(-std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0xfe00, 0xfe00) << "a quiet NaN of the same sign";
  EXPECT_TRUE(std::isnan(gcomp_f16_to_f32(nan)));
}

TEST(Half, Bf16MatchesNearestNeighbourReferenceOnEveryNonNanFloat) {
  auto t0 = std::chrono::steady_clock::now();
  uint64_t compared, bad;
  uint32_t first;
  sweep(bf16_block, &compared, &first, &bad);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(bad, 0u) << "first mismatch at float bits 0x" << std::hex << first;
  if (kBlockStride == 1) {
    EXPECT_EQ(compared, kNonNan);
  }
  std::printf("[          ] bf16: %llu patterns against the reference in %.1f s\n",
              (unsigned long long)compared, s);
}

// Back to float: every bf16 pattern from its fields, in double.
TEST(Half, Bf16ToFloatIsExactOnEveryPattern) {
  for (uint32_t h = 0; h < 0x10000u; h++) {
    int e = (int)((h >> 7) & 0xff);
    double m = (double)(h & 0x7f) / 128.0;
    double v = e == 0 ? std::ldexp(m, -126) : std::ldexp(1.0 + m, e - 127);
    if (h & 0x8000) v = -v;
    float got = gcomp_bf16_to_f32((uint16_t)h);
    if (e == 0xff) {
      EXPECT_EQ(std::isnan(got), (h & 0x7f) != 0) << std::hex << h;
      EXPECT_EQ(float_bits(got) >> 16, h);
      continue;
    }
    ASSERT_EQ((double)got, v) << "bf16 0x" << std::hex << h;
    ASSERT_EQ(std::signbit(got), (h & 0x8000) != 0);
  }
}

TEST(Half, Bf16KnownValues) {
  EXPECT_EQ(gcomp_f32_to_bf16_rn(1.0f), 0x3f80);
  EXPECT_EQ(gcomp_f32_to_bf16_rn(1.0f + 0x1p-8f), 0x3f80);        // tie, even below
  EXPECT_EQ(gcomp_f32_to_bf16_rn(1.0f + 0x3p-8f), 0x3f82);        // tie, even above
  EXPECT_EQ(gcomp_f32_to_bf16_rn(bits_float(0x7f7f7fffu)), 0x7f7f);  // largest finite
  EXPECT_EQ(gcomp_f32_to_bf16_rn(bits_float(0x7f7f8000u)), 0x7f80);  // overflow tie
  EXPECT_EQ(gcomp_f32_to_bf16_rn(-std::numeric_limits<float>::max()), 0xff80);
  EXPECT_EQ(gcomp_f32_to_bf16_rn(bits_float(0x00008000u)), 0x0000);  // subnormal tie
  EXPECT_EQ(gcomp_f32_to_bf16_rn(bits_float(0x00018000u)), 0x0002);
  EXPECT_EQ(gcomp_f32_to_bf16_rn(bits_float(0x007fffffu)), 0x0080);  // up to FLT_MIN
  uint16_t nan = gcomp_f32_to_bf16_rn(bits_float(0xff800001u));  // signalling
  EXPECT_EQ(nan & 0xffc0, 0xffc0) << "a quiet NaN of the same sign";
}

// ------------------------------------------------------------- the codecs

uint16_t cast16(const std::string &codec, float x) {
  return codec == "bf16" ? gcomp_f32_to_bf16_rn(x) : gcomp_f32_to_f16_rn(x);
}

float round16(const std::string &codec, float x) {
  return codec == "bf16" ? gcomp_bf16_to_f32(gcomp_f32_to_bf16_rn(x))
                         : gcomp_f16_to_f32(gcomp_f32_to_f16_rn(x));
}

// Coordinates below the 16-bit normal range moved up to its edge, so the
// contraction bound applies; the rest of each family is kept.
std::vector<float> normal_range(const std::string &codec, std::vector<float> x) {
  float tiny = codec == "bf16" ? 0x1p-126f : 0x1p-14f;
  for (auto &v : x)
    if (v != 0 && std::fabs(v) < tiny) v = std::copysign(tiny, v);
  return x;
}

const char *const kCasts[] = {"fp16", "bf16"};

TEST(Cast, ClassAndAlpha) {
  for (const char *name : kCasts) {
    Codec codec(name);
    gcompClass_t cls;
    ASSERT_EQ(gcompCodecGetClass(codec.h, &cls), gcompSuccess);
    EXPECT_EQ(cls, gcompClassContractive);
    double a = 0, w = 0;
    ASSERT_EQ(gcompCodecGetAlpha(codec.h, 1000, &a), gcompSuccess);
    EXPECT_EQ(a, std::string(name) == "bf16" ? 0x1p-16 : 0x1p-22);
    EXPECT_EQ(gcompCodecGetOmega(codec.h, 1000, &w), gcompInvalidArgument);
    size_t b = 0;
    ASSERT_EQ(gcompEncodeBound(codec.h, GCOMP_MAX_DIM, &b), gcompSuccess);
    EXPECT_EQ(b, 64 + 2 * (size_t)GCOMP_MAX_DIM);
    gcompCodecConfig_t cfg;
    ASSERT_EQ(gcompCodecConfigInit(&cfg, name), gcompSuccess);
    EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "0.1"), gcompInvalidArgument);
    EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "packing", "entropy"), gcompSuccess);
    gcompCodec_t h = nullptr;
    EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompInvalidArgument);
  }
}

TEST(Cast, RoundTripIsTheCastOfEachCoordinate) {
  for (uint64_t d : {1ull, 2ull, 3ull, 7ull, 1000ull, (1ull << 20) + 3}) {
    for (const char *name : kCasts) {
      Codec fixed(name, {{"packing", "fixed"}}), direct(name, {{"packing", "direct"}}),
          autop(name);
      for (const auto &fam : gtv::families()) {
        if (d > 100000 && fam != "gaussian" && fam != "sparse") continue;
        auto x = gtv::family(fam, d, 23);
        auto pf = gth::encode(fixed, x, 3);
        auto pd = gth::encode(direct, x, 3);
        ASSERT_EQ(gth::info(pf).packing, gcompPackFixed);
        ASSERT_EQ(gth::info(pd).packing, gcompPackDirect);
        EXPECT_EQ(gth::info(pf).bodyBits, 16 * d);
        EXPECT_EQ(gth::encode(autop, x, 3), pf) << "auto packing is fixed";
        for (uint64_t i = 0; i < d; i++)
          ASSERT_EQ(gcomp_load_u32(pd.data() + 64 + 4 * i),
                    float_bits(round16(name, x[i])));
        for (uint64_t i = 0; i < d; i++)
          ASSERT_EQ((uint32_t)(pf[64 + 2 * i] | pf[64 + 2 * i + 1] << 8),
                    (uint32_t)cast16(name, x[i]));
        auto y = gth::decode(pf, d);
        ASSERT_TRUE(gth::bitwise_equal(y, gth::decode(pd, d))) << name << " d=" << d;
        for (uint64_t i = 0; i < d; i++)
          ASSERT_EQ(float_bits(y[i]), float_bits(round16(name, x[i])))
              << name << " " << fam << " d=" << d << " i=" << i;
      }
    }
  }
}

TEST(Cast, RotatedPackingsAgree) {
  for (const char *name : kCasts) {
    auto x = gtv::family("heavy", 1000, 5);
    Codec fixed(name, {{"packing", "fixed"}, {"rotate", "1"}});
    Codec direct(name, {{"packing", "direct"}, {"rotate", "1"}});
    auto y = gth::decode(gth::encode(fixed, x, 8), x.size());
    EXPECT_TRUE(gth::bitwise_equal(y, gth::decode(gth::encode(direct, x, 8), x.size())));
    EXPECT_LE(gtv::err2(x, y), 2 * (std::string(name) == "bf16" ? 0x1p-16 : 0x1p-22) *
                                   gtv::sumsq(x));
  }
}

TEST(Cast, ContractionHoldsOnEveryNormalRangeInput) {
  for (const char *name : kCasts) {
    Codec codec(name);
    double alpha = 0;
    ASSERT_EQ(gcompCodecGetAlpha(codec.h, 1, &alpha), gcompSuccess);
    double u = std::sqrt(alpha);
    std::vector<std::vector<float>> inputs;
    for (uint64_t d : {1ull, 7ull, 1000ull, 100000ull})
      for (const auto &fam : gtv::families())
        inputs.push_back(normal_range(name, gtv::family(fam, d, 41)));
    // The worst case: every coordinate a tie just above a power of two, at
    // both ends of the normal range and at the overflow edge.
    float top = std::string(name) == "bf16" ? bits_float(0x7f7f7fffu) : 65519.996f;
    float tie = 1.0f + (float)u;
    float low = std::string(name) == "bf16" ? 0x1p-126f : 0x1p-14f;
    inputs.push_back({tie, -tie, low * tie, -low * tie, low, top});
    for (const auto &x : inputs) {
      auto y = gth::decode(gth::encode(codec, x), x.size());
      for (size_t i = 0; i < x.size(); i++) {
        double e = std::fabs((double)y[i] - x[i]);
        ASSERT_LE(e, u * std::fabs((double)x[i])) << name << " x=" << x[i];
      }
      EXPECT_LE(gtv::err2(x, y), alpha * gtv::sumsq(x)) << name;
    }
  }
}

// Below the normal range the relative error is not bounded by alpha: the
// documented limit of the class.
TEST(Cast, SubnormalRangeLosesRelativeAccuracy) {
  std::vector<float> x = {0x1.8p-24f * 0.9f};  // fp16 subnormal territory
  Codec codec("fp16");
  auto y = gth::decode(gth::encode(codec, x), 1);
  EXPECT_GT(gtv::err2(x, y), 0x1p-22 * gtv::sumsq(x));
}

void expect_refused(const Codec &codec, std::vector<float> x, gcompResult_t want,
                    const std::string &what) {
  std::vector<uint8_t> out(64 + 4 * x.size() + 16, 0xAB);
  size_t size = 12345;
  EXPECT_EQ(gcompEncode(codec.h, x.data(), x.size(), 0, out.data(), out.size(), &size), want)
      << what;
  EXPECT_EQ(size, 12345u) << what;
  for (auto b : out) ASSERT_EQ(b, 0xAB) << what << ": nothing may be written";
}

TEST(Cast, InputsThatOverflowAreRefusedAndNothingIsWritten) {
  for (const char *pk : {"fixed", "direct"}) {
    Codec f16("fp16", {{"packing", pk}}), bf16("bf16", {{"packing", pk}});
    std::vector<float> x(300, 1.0f);
    for (float big : {65520.0f, -65520.0f, 1e30f, -std::numeric_limits<float>::max()}) {
      x[299] = big;
      expect_refused(f16, x, gcompParameterOutOfRange, "fp16 " + std::to_string(big));
    }
    x[299] = 65519.996f;  // rounds down to 65504
    EXPECT_EQ(gth::decode(gth::encode(f16, x), x.size())[299], 65504.0f);
    x[299] = bits_float(0xff7f8000u);
    expect_refused(bf16, x, gcompParameterOutOfRange, "bf16 overflow");
    x[299] = bits_float(0xff7f7fffu);
    EXPECT_EQ(float_bits(gth::decode(gth::encode(bf16, x), x.size())[299]), 0xff7f0000u);
    // NaN and Inf are the generic path's: non-finite, not out of range
    for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                      std::numeric_limits<float>::infinity()}) {
      x[7] = bad;
      x[299] = 1e30f;
      expect_refused(f16, x, gcompNonFiniteInput, "fp16 non-finite");
      expect_refused(bf16, x, gcompNonFiniteInput, "bf16 non-finite");
      x[7] = 1.0f;
    }
  }
  // A rotation can lift coordinates past the limit: refused after it.
  Codec rot("fp16", {{"rotate", "1"}});
  expect_refused(rot, {60000.0f, 60000.0f}, gcompParameterOutOfRange, "rotated");
}

// ------------------------------------------------------- hostile payloads

TEST(CastPayload, TruncationAtEveryLengthIsCorrupt) {
  for (const char *name : kCasts) {
    for (const char *pk : {"fixed", "direct"}) {
      Codec codec(name, {{"packing", pk}});
      auto p = gth::encode(codec, gtv::family("heavy", 37, 2), 1);
      for (size_t len = 0; len < p.size(); len++) {
        std::vector<uint8_t> t(p.begin(), p.begin() + (long)len);
        EXPECT_EQ(try_decode(t, 37), gcompCorruptPayload) << name << "/" << pk << " " << len;
        // with the header's length made to agree, the body decoder refuses it
        if (len >= 64) {
          gcomp_store_u64(t.data() + 32, 8 * (uint64_t)(len - 64));
          reseal(t);
          EXPECT_EQ(try_decode(t, 37), gcompCorruptPayload) << name << "/" << pk << " " << len;
        }
      }
      EXPECT_EQ(try_decode(p, 37), gcompSuccess);
    }
  }
}

TEST(CastPayload, ForgedInfAndNanWordsAreCorrupt) {
  struct {
    const char *codec;
    uint16_t word;
  } forged[] = {{"fp16", 0x7c00}, {"fp16", 0xfc00}, {"fp16", 0x7e00}, {"fp16", 0x7c01},
                {"bf16", 0x7f80}, {"bf16", 0xff80}, {"bf16", 0x7fc0}, {"bf16", 0xff81}};
  for (auto &f : forged) {
    Codec codec(f.codec, {{"packing", "fixed"}});
    auto p = gth::encode(codec, gtv::family("gaussian", 20, 3), 1);
    for (size_t at : {0u, 13u, 19u}) {
      auto q = p;
      q[64 + 2 * at] = (uint8_t)f.word;
      q[64 + 2 * at + 1] = (uint8_t)(f.word >> 8);
      reseal(q);
      EXPECT_EQ(try_decode(q, 20), gcompCorruptPayload) << f.codec << " " << std::hex << f.word;
    }
  }
}

TEST(CastPayload, ForgedDirectValuesOutsideTheFormatAreCorrupt) {
  const uint32_t fp16_bad[] = {0x7f800000u, 0xffc00000u, float_bits(1.0f + 0x1p-12f),
                               float_bits(65536.0f), float_bits(0x1p-25f)};
  const uint32_t bf16_bad[] = {0x7f800000u, 0x7fc00000u, 0x3f800001u, 0x00000001u};
  for (const char *name : kCasts) {
    Codec codec(name, {{"packing", "direct"}});
    auto p = gth::encode(codec, gtv::family("gaussian", 20, 3), 1);
    bool bf = std::string(name) == "bf16";
    for (uint32_t v : bf ? std::vector<uint32_t>(std::begin(bf16_bad), std::end(bf16_bad))
                         : std::vector<uint32_t>(std::begin(fp16_bad), std::end(fp16_bad))) {
      auto q = p;
      gcomp_store_u32(q.data() + 64 + 4 * 11, v);
      reseal(q);
      EXPECT_EQ(try_decode(q, 20), gcompCorruptPayload) << name << " " << std::hex << v;
    }
    auto q = p;  // a different but representable value is a valid payload
    gcomp_store_u32(q.data() + 64 + 4 * 11, float_bits(bf ? 0x1p-133f : 0x1p-24f));
    reseal(q);
    EXPECT_EQ(try_decode(q, 20), gcompSuccess) << name;
  }
}

TEST(CastPayload, ForgedHeaderFieldsAreCorrupt) {
  for (const char *name : kCasts) {
    Codec codec(name);
    auto base = gth::encode(codec, gtv::family("gaussian", 20, 3), 1);
    struct {
      size_t offset;
      uint64_t value;
      int width;
    } forges[] = {
        {40, 0x3ff0000000000000ull, 8},  // param 1.0
        {40, 0x7ff8000000000000ull, 8},  // param NaN
        {48, 1, 8},                      // iparam
        {7, gcompPackEntropy, 1},        // packings the codec never writes
        {7, gcompPackStructured, 1},
        {7, gcompPackDirect, 1},         // a fixed body read as direct: wrong length
    };
    for (auto &f : forges) {
      auto p = base;
      for (int b = 0; b < f.width; b++) p[f.offset + (size_t)b] = (uint8_t)(f.value >> (8 * b));
      reseal(p);
      EXPECT_EQ(try_decode(p, 20), gcompCorruptPayload) << name << " offset " << f.offset;
    }
  }
}

TEST(CastPayload, RandomBodyEditsDecodeOrFailCleanly) {
  std::mt19937_64 rng(99);
  for (const char *name : kCasts) {
    for (const char *pk : {"fixed", "direct"}) {
      Codec codec(name, {{"packing", pk}});
      auto base = gth::encode(codec, gtv::family("heavy", 50, 4), 1);
      for (int t = 0; t < 500; t++) {
        auto p = base;
        for (int e = 0; e < 1 + (int)(rng() % 4); e++) p[64 + rng() % (p.size() - 64)] = (uint8_t)rng();
        reseal(p);
        gcompResult_t r = try_decode(p, 50);
        EXPECT_TRUE(r == gcompSuccess || r == gcompCorruptPayload) << name << "/" << pk;
      }
    }
  }
}

}  // namespace
