// Hostile payloads: every decoder checks every length and field, and a bad
// payload is an error code, never a crash, an out-of-bounds access (this
// suite also runs under ASan + UBSan) or non-finite output.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "codec_helpers.h"
#include "forge.h"
#include "vectors.h"
#include "core/wire.h"

namespace {

using gth::Codec;

struct Variant {
  const char *codec;
  const char *packing;
};

const Variant kVariants[] = {
    {"identity", "direct"},  {"sd", "structured"},          {"sd", "entropy"},
    {"sd", "fixed"},         {"sd", "direct"},              {"sd-unbiased", "structured"},
    {"sd-unbiased", "entropy"}, {"sd-unbiased", "fixed"},   {"spherical", "structured"},
    {"spherical", "direct"},
};

std::vector<uint8_t> sample(const Variant &v, uint64_t d = 50) {
  Codec codec(v.codec, {{"packing", v.packing}});
  return gth::encode(codec, gtv::family("heavy", d, 9), 4);
}

gcompResult_t try_decode(const std::vector<uint8_t> &p, uint64_t d = 4096) {
  std::vector<float> y(d);
  uint8_t none = 0;  // an empty payload is a valid pointer to zero bytes
  gcompResult_t r = gcompDecode(p.empty() ? &none : p.data(), p.size(), y.data(), d, 0.0f);
  if (r == gcompSuccess) {
    gcompPayloadInfo_t info;
    EXPECT_EQ(gcompPayloadGetInfo(p.data(), p.size(), &info), gcompSuccess);
    for (uint64_t i = 0; i < info.d; i++) EXPECT_TRUE(std::isfinite(y[i]));
  }
  return r;
}

using gtf::reseal;  // the forgery reaches the body decoders

TEST(Payload, TruncationAtEveryLengthIsCorrupt) {
  for (const auto &v : kVariants) {
    auto p = sample(v);
    for (size_t len = 0; len < p.size(); len++) {
      std::vector<uint8_t> t(p.begin(), p.begin() + len);
      EXPECT_EQ(try_decode(t), gcompCorruptPayload) << v.codec << "/" << v.packing << " len " << len;
    }
    EXPECT_EQ(try_decode(p), gcompSuccess);
  }
}

TEST(Payload, EverySingleBitFlipIsDetected) {
  for (const auto &v : kVariants) {
    auto p = sample(v, 20);
    for (size_t bit = 0; bit < 8 * p.size(); bit++) {
      auto q = p;
      q[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      gcompResult_t r = try_decode(q);
      EXPECT_TRUE(r == gcompCorruptPayload || r == gcompUnsupportedPayload)
          << v.codec << "/" << v.packing << " bit " << bit << " gave " << r;
    }
  }
}

TEST(Payload, TrailingBytesAreRefusedByDecodeButAllowedByInfo) {
  auto p = sample(kVariants[1]);
  size_t n = p.size();
  p.push_back(0);
  EXPECT_EQ(try_decode(p), gcompCorruptPayload);
  gcompPayloadInfo_t info;
  EXPECT_EQ(gcompPayloadGetInfo(p.data(), p.size(), &info), gcompSuccess);
  EXPECT_EQ(info.totalBytes, n);
}

TEST(Payload, ForgedHeaderFieldsAreRejected) {
  auto base = sample(kVariants[1]);
  struct Forge {
    size_t offset;
    uint64_t value;
    int width;
    gcompResult_t want;
  } forges[] = {
      {0, 'X', 1, gcompCorruptPayload},          // magic
      {4, 0, 1, gcompCorruptPayload},            // version 0
      {4, 9, 1, gcompUnsupportedPayload},        // newer version
      {5, 32, 1, gcompCorruptPayload},           // header size
      {6, 200, 1, gcompUnsupportedPayload},      // codec id
      {7, 0, 1, gcompCorruptPayload},            // packing "auto" never on the wire
      {7, 9, 1, gcompCorruptPayload},            // packing id
      {8, 2, 1, gcompCorruptPayload},            // unknown flag
      {12, 1, 1, gcompCorruptPayload},           // reserved
      {16, 0, 8, gcompCorruptPayload},           // d = 0
      {16, (1ull << 40) + 1, 8, gcompCorruptPayload},  // d too large
      {16, 1ull << 40, 8, gcompDstTooSmall},     // d valid but beyond dst
      {32, 1ull << 62, 8, gcompCorruptPayload},  // body length lie (long)
      {32, 8, 8, gcompCorruptPayload},           // body length lie (short)
      {40, 0x7ff8000000000000ull, 8, gcompCorruptPayload},  // nu = NaN
      {40, 0x3ff0000000000000ull, 8, gcompCorruptPayload},  // nu = 1
      {48, 3, 8, gcompCorruptPayload},           // block for a non-spherical codec
  };
  for (const auto &f : forges) {
    auto p = base;
    for (int b = 0; b < f.width; b++) p[f.offset + (size_t)b] = (uint8_t)(f.value >> (8 * b));
    reseal(p);
    EXPECT_EQ(try_decode(p), f.want) << "offset " << f.offset;
  }
}

TEST(Payload, ForgedBodiesNeverCrash) {
  std::mt19937_64 rng(12345);
  for (const auto &v : kVariants) {
    for (uint64_t d : {1ull, 7ull, 300ull, 5000ull}) {
      auto base = sample(v, d);
      ASSERT_GE(base.size(), 64u) << v.codec << "/" << v.packing;
      for (int trial = 0; trial < 300; trial++) {
        auto p = base;
        int edits = 1 + (int)(rng() % 4);
        for (int e = 0; e < edits && p.size() > 64; e++) {
          size_t at = 64 + rng() % (p.size() - 64);
          p[at] = (uint8_t)rng();
        }
        if (trial % 10 == 0 && p.size() > 65) p.resize(64 + rng() % (p.size() - 64));
        if (trial % 10 == 0) {  // keep the header's length honest
          gcomp_store_u64(p.data() + 32, 8 * (uint64_t)(p.size() - 64));
        }
        reseal(p);
        gcompResult_t r = try_decode(p, d);
        EXPECT_TRUE(r == gcompSuccess || r == gcompCorruptPayload)
            << v.codec << "/" << v.packing << " gave " << r;
      }
    }
  }
}

// Found by fuzz_decode_identity: a forged rotated payload whose inverse
// transform overflows must not decode to Inf.
TEST(Payload, ForgedRotatedPayloadThatOverflowsIsCorrupt) {
  Codec codec("identity", {{"rotate", "1"}});
  auto p = gth::encode(codec, {1.0f, 2.0f, 3.0f});
  float big = 3.0e38f;
  for (int i = 0; i < 4; i++) std::memcpy(p.data() + 64 + 4 * i, &big, 4);
  reseal(p);
  EXPECT_EQ(try_decode(p), gcompCorruptPayload);
}

TEST(Payload, RandomGarbageIsNotAPayload) {
  std::mt19937_64 rng(7);
  for (int t = 0; t < 2000; t++) {
    std::vector<uint8_t> p(rng() % 300);
    for (auto &b : p) b = (uint8_t)rng();
    if (p.size() >= 4 && t % 2) std::memcpy(p.data(), "GCMP", 4);
    gcompResult_t r = try_decode(p);
    EXPECT_TRUE(r == gcompCorruptPayload || r == gcompUnsupportedPayload) << r;
  }
}

}  // namespace
