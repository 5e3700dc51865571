// Top-k, class C(1 - k/d): exact round trips against an independent top-k,
// the contraction on every input, the documented size bounds, parameters,
// and hostile payloads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <utility>

#include "codec_helpers.h"
#include "forge.h"
#include "vectors.h"

namespace {

using gth::Codec;

const uint64_t kDims[] = {1, 2, 3, 7, 1000, (1u << 20) + 3};

uint64_t default_k(uint64_t d) { return (d + 99) / 100; }

// By a full sort: magnitudes descending, a stable sort keeps equal ones in
// index order, so the lower index wins a tie.
std::vector<uint64_t> reference_topk(const std::vector<float> &x, uint64_t k) {
  std::vector<uint64_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) {
    return std::fabs(x[a]) > std::fabs(x[b]);
  });
  order.resize(k);
  std::sort(order.begin(), order.end());
  return order;
}

// x itself, bit for bit, on the kept coordinates; +0 everywhere else.
void expect_topk(const std::vector<float> &x, const std::vector<float> &y, uint64_t k) {
  std::vector<char> kept(x.size(), 0);
  for (uint64_t i : reference_topk(x, k)) kept[i] = 1;
  for (size_t i = 0; i < x.size(); i++)
    ASSERT_EQ(gtf::bits_of(y[i]), kept[i] ? gtf::bits_of(x[i]) : 0u) << "coordinate " << i;
}

// Documented worst case of the structured body (docs/FORMAT.md).
uint64_t worst_bits(uint64_t n, uint64_t k) {
  uint64_t best = n;
  for (unsigned r = 0; r < 32; r++) best = std::min(best, 5 + k * (r + 1) + ((n - k) >> r));
  return 1 + best + 32 * k;
}

std::vector<uint64_t> ks_for(uint64_t d) {
  std::vector<uint64_t> ks = {default_k(d), std::max<uint64_t>(1, d / 10)};
  if (d < 100000) ks.insert(ks.end(), {1, d});
  return ks;
}

TEST(TopK, EveryPackingDecodesToTheTrueTopK) {
  for (uint64_t d : kDims) {
    for (const auto &fam : gtv::families()) {
      if (d > 100000 && fam != "gaussian" && fam != "equal") continue;
      auto x = gtv::family(fam, d, 7);
      for (uint64_t k : ks_for(d)) {
        std::string ks = std::to_string(k);
        Codec ref_codec("topk", {{"k", ks}, {"packing", "direct"}});
        auto ref = gth::decode(gth::encode(ref_codec, x, 3), d);
        expect_topk(x, ref, k);
        for (const char *pk : {"structured", "auto"}) {
          Codec codec("topk", {{"k", ks}, {"packing", pk}});
          auto p = gth::encode(codec, x, 3);
          EXPECT_EQ(gth::info(p).iparam, k);
          ASSERT_TRUE(gth::bitwise_equal(gth::decode(p, d), ref))
              << fam << " d=" << d << " k=" << k << " " << pk;
        }
      }
    }
  }
}

TEST(TopK, DefaultKIsResolvedPerVectorIntoTheHeader) {
  Codec codec("topk");
  for (uint64_t d : {1ull, 99ull, 100ull, 101ull, 1000ull, 12345ull}) {
    auto x = gtv::family("heavy", d, 1);
    auto p = gth::encode(codec, x);
    EXPECT_EQ(gth::info(p).iparam, default_k(d));
    expect_topk(x, gth::decode(p, d), default_k(d));
    double alpha = 0;
    ASSERT_EQ(gcompCodecGetAlpha(codec.h, d, &alpha), gcompSuccess);
    EXPECT_DOUBLE_EQ(alpha, 1.0 - (double)default_k(d) / (double)d);
  }
}

// Ties: equal magnitudes, either sign, go to the lower index.
TEST(TopK, TiesGoToTheLowerIndex) {
  std::vector<float> x = {1, -2, 2, 0.5f, -2, 2, -0.0f, 0};
  Codec codec("topk", {{"k", "3"}});
  auto y = gth::decode(gth::encode(codec, x), x.size());
  std::vector<float> want = {0, -2, 2, 0, -2, 0, 0, 0};
  EXPECT_TRUE(gth::bitwise_equal(y, want));
  Codec all("topk", {{"k", "8"}});
  EXPECT_TRUE(gth::bitwise_equal(gth::decode(gth::encode(all, x), x.size()), x));
}

// Large d with k small takes the sampled path of the selection
// (host/stages/select.c): a threshold from every (d / 16384)-th rank, the
// candidates above it, a select among them. Inputs that defeat the sample
// fall back to the full select: its positions hold the largest values (too
// few candidates pass), or everything ties (too many do). Heavy ties at the
// k-th value must still go to the lower indices. Checked against the
// stable sort, once per input.
TEST(TopK, SampledSelectionIsExactOnInputsThatFoolTheSample) {
  const uint64_t d = (1u << 20) + 5, stride = d / 16384;
  std::mt19937_64 rng(13);
  std::normal_distribution<float> normal;
  std::vector<std::pair<std::string, std::vector<float>>> cases;
  std::vector<float> spiked(d);
  for (uint64_t i = 0; i < d; i++) spiked[i] = i % stride == 0 ? 1000.0f + (float)i : normal(rng);
  cases.push_back({"sample positions largest", spiked});
  std::vector<float> coarse(d);
  for (uint64_t i = 0; i < d; i++) coarse[i] = std::round(normal(rng) * 64.0f) / 64.0f;
  cases.push_back({"many ties", coarse});
  cases.push_back({"all equal", std::vector<float>(d, -0.5f)});
  for (const auto &c : cases) {
    const auto &x = c.second;
    std::vector<uint64_t> rank(d);
    std::iota(rank.begin(), rank.end(), 0);
    std::stable_sort(rank.begin(), rank.end(), [&](uint64_t a, uint64_t b) {
      return std::fabs(x[a]) > std::fabs(x[b]);
    });
    for (uint64_t k : {(uint64_t)1, (uint64_t)300, default_k(d), d / 20}) {
      Codec codec("topk", {{"k", std::to_string(k)}, {"packing", "structured"}});
      auto y = gth::decode(gth::encode(codec, x), d);
      std::vector<char> kept(d, 0);
      for (uint64_t j = 0; j < k; j++) kept[rank[j]] = 1;
      for (uint64_t i = 0; i < d; i++)
        ASSERT_EQ(gtf::bits_of(y[i]), kept[i] ? gtf::bits_of(x[i]) : 0u)
            << c.first << " k=" << k << " coordinate " << i;
    }
  }
}

// |C(x) - x|^2 is the sum of the d - k smallest squares <= (1 - k/d) |x|^2,
// on every input (deterministic: no Monte Carlo needed beyond many inputs).
TEST(TopK, ContractionOnEveryInput) {
  for (uint64_t d : {1ull, 2ull, 3ull, 7ull, 64ull, 1000ull, 4099ull}) {
    for (uint64_t k : ks_for(d)) {
      Codec codec("topk", {{"k", std::to_string(k)}});
      for (const auto &fam : gtv::families()) {
        for (uint64_t s = 0; s < 5; s++) {
          auto x = gtv::family(fam, d, s);
          auto y = gth::decode(gth::encode(codec, x, s), d);
          double bound = (1.0 - (double)k / (double)d) * gtv::sumsq(x);
          ASSERT_LE(gtv::err2(x, y), bound * (1 + 1e-12)) << fam << " d=" << d << " k=" << k;
        }
      }
    }
  }
}

// Index sets that stress each code: evenly spread (every gap equal), bunched
// at the end (one long gap), random, and dense.
std::vector<std::vector<float>> index_patterns(uint64_t d, uint64_t k) {
  std::vector<std::vector<float>> out;
  std::vector<float> spread(d, 0.01f), tail(d, 0.01f);
  for (uint64_t j = 0; j < k; j++) spread[j * d / k] = 1.0f + (float)j;
  for (uint64_t j = 0; j < k; j++) tail[d - 1 - j] = 1.0f + (float)j;
  out.push_back(spread);
  out.push_back(tail);
  for (const auto &fam : gtv::families()) out.push_back(gtv::family(fam, d, 5));
  return out;
}

TEST(TopK, BitsWithinTheDocumentedWorstCase) {
  int rice = 0, bitmap = 0;
  for (uint64_t d : {1ull, 2ull, 3ull, 7ull, 64ull, 65ull, 1000ull, 65536ull}) {
    for (uint64_t k : ks_for(d)) {
      for (const char *pk : {"structured", "auto"}) {
        Codec codec("topk", {{"k", std::to_string(k)}, {"packing", pk}});
        size_t bound = 0;
        ASSERT_EQ(gcompEncodeBound(codec.h, d, &bound), gcompSuccess);
        for (const auto &x : index_patterns(d, k)) {
          auto p = gth::encode(codec, x);
          auto info = gth::info(p);
          uint64_t worst = worst_bits(d, k);
          if (std::string(pk) == "auto") worst = std::min<uint64_t>(worst, 32 * d);
          ASSERT_LE(info.bodyBits, worst) << "d=" << d << " k=" << k << " " << pk;
          ASSERT_LE(p.size(), bound);
          if (info.packing == gcompPackStructured) (p[64] & 1 ? rice : bitmap)++;
        }
      }
    }
  }
  EXPECT_GT(rice, 0);
  EXPECT_GT(bitmap, 0);
}

// With rotate=1 the codec keeps the top k of the n >= d rotated values: the
// class bound is 1 - k/n (what gcompCodecGetAlpha reports), up to the float
// rounding of the transform.
TEST(TopK, RotatedVectorsKeepTheirBound) {
  for (uint64_t d : {3ull, 7ull, 1000ull}) {
    auto x = gtv::family("heavy", d, 4);
    for (const char *k : {"1", "3"}) {
      Codec ref_codec("topk", {{"k", k}, {"rotate", "1"}, {"packing", "direct"}});
      Codec codec("topk", {{"k", k}, {"rotate", "1"}, {"packing", "structured"}});
      auto ref = gth::decode(gth::encode(ref_codec, x, 8), d);
      ASSERT_TRUE(gth::bitwise_equal(gth::decode(gth::encode(codec, x, 8), d), ref));
      double alpha = 0;
      ASSERT_EQ(gcompCodecGetAlpha(codec.h, d, &alpha), gcompSuccess);
      uint64_t n = 1;
      while (n < d) n <<= 1;
      EXPECT_DOUBLE_EQ(alpha, 1.0 - std::atof(k) / (double)n);
      EXPECT_LE(gtv::err2(x, ref), (alpha + 1e-6) * gtv::sumsq(x)) << "d=" << d << " k=" << k;
    }
  }
}

TEST(TopK, BadParametersAreRefused) {
  for (const char *k : {"0", "-2", "1099511627777"}) {
    gcompCodecConfig_t cfg;
    ASSERT_EQ(gcompCodecConfigInit(&cfg, "topk"), gcompSuccess);
    EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "k", k), gcompParameterOutOfRange) << k;
    cfg.k = std::strtoll(k, nullptr, 10);  // the same value through the struct
    gcompCodec_t h = nullptr;
    EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompParameterOutOfRange) << k;
    EXPECT_EQ(h, nullptr);
  }
  gcompCodecConfig_t cfg;
  ASSERT_EQ(gcompCodecConfigInit(&cfg, "topk"), gcompSuccess);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "k", "ten"), gcompInvalidArgument);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "nu", "0.1"), gcompInvalidArgument);
  // k above d: refused at encode, nothing written
  Codec codec("topk", {{"k", "8"}});
  std::vector<float> x(7, 1.0f);
  std::vector<uint8_t> dst(4096, 0xab);
  size_t size = 0;
  EXPECT_EQ(gcompEncode(codec.h, x.data(), 7, 1, dst.data(), dst.size(), &size),
            gcompParameterOutOfRange);
  for (uint8_t b : dst) ASSERT_EQ(b, 0xab);
  gtf::expect_non_finite_refused(Codec("topk"), 300);
}

TEST(TopK, HostilePayloadsAreCorrupt) {
  for (const char *pk : {"structured", "direct"}) {
    for (const char *k : {"3", "30"}) {
      Codec codec("topk", {{"k", k}, {"packing", pk}});
      auto p = gth::encode(codec, gtv::family("heavy", 50, 9), 4);
      gtf::expect_every_truncation_corrupt(p, 50);
      gtf::expect_forged_bodies_survive(p, 50, 11);
    }
  }
  const auto M = gcompTopK;
  const auto S = gcompPackStructured;
  auto rice = [](unsigned r, std::vector<uint64_t> gaps) {
    gtf::Bits b;
    b.put(1, 1).put(r, 5);
    for (uint64_t g : gaps) {
      for (uint64_t q = g >> r; q; q--) b.put(1, 1);
      b.put(0, 1).put(g, r);
    }
    return b;
  };
  auto values = [](gtf::Bits b, std::vector<float> v) {
    for (float f : v) b.f32(f);
    return b;
  };
  // the reference: indices 2, 6, 9 of 10 decode
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values(rice(1, {2, 3, 2}), {1, 2, 3})), 10),
            gcompSuccess);
  // an index past n
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values(rice(1, {2, 3, 3}), {1, 2, 3})), 10),
            gcompCorruptPayload);
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values(rice(0, {0, 0, 40}), {1, 2, 3})), 10),
            gcompCorruptPayload);
  // a value that is not finite
  for (float bad : {NAN, INFINITY})
    EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values(rice(1, {2, 3, 2}), {1, bad, 3})), 10),
              gcompCorruptPayload);
  // a value short, a bit too many
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values(rice(1, {2, 3, 2}), {1, 2})), 10),
            gcompCorruptPayload);
  EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values(rice(1, {2, 3, 2}), {1, 2, 3}).put(0, 1)),
                        10),
            gcompCorruptPayload);
  // bitmaps marking k - 1 and k + 1 indices
  for (uint64_t map : {0x204ull, 0x24cull}) {
    gtf::Bits b;
    b.put(0, 1).put(map, 10);
    EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, 3, values(b, {1, 2, 3})), 10),
              gcompCorruptPayload)
        << map;
  }
  // header k outside 1..n
  for (uint64_t k : {0ull, 11ull})
    EXPECT_EQ(gtf::decode(gtf::payload(M, S, 10, k, values(rice(1, {2, 3, 2}), {1, 2, 3})), 10),
              gcompCorruptPayload);
  // a direct body with more nonzeros than k
  gtf::Bits direct;
  for (int i = 0; i < 10; i++) direct.f32(i < 4 ? 1.0f : 0.0f);
  EXPECT_EQ(gtf::decode(gtf::payload(M, gcompPackDirect, 10, 3, direct), 10), gcompCorruptPayload);
  EXPECT_EQ(gtf::decode(gtf::payload(M, gcompPackDirect, 10, 4, direct), 10), gcompSuccess);
}

}  // namespace
