// Frames (host/comm/frame.h): what host communicators send instead of whole
// payloads. A frame decodes to exactly what gcompDecode makes of the
// payload it came from, and a frame from a hostile or broken peer is
// refused as gcompCorruptPayload without reading outside it.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "codec_helpers.h"
#include "comm/frame.h"
#include "shared/wire_layout.h"
#include "vectors.h"

namespace {

using gth::Codec;
using Params = std::vector<std::pair<std::string, std::string>>;

struct Spec {
  const char *name;
  Params params;
};

// Every codec, with the parameters that change what a frame must carry:
// rotation (the rebuilt header's flag), integer parameters the encoder
// resolves per vector (k of topk / randk from a fraction), each packing.
const std::vector<Spec> &specs() {
  static const std::vector<Spec> s = {
      {"sd", {{"nu", "0.1"}}},
      {"sd", {{"nu", "0.1"}, {"packing", "fixed"}}},
      {"sd", {{"nu", "0.1"}, {"packing", "entropy"}}},
      {"sd", {{"nu", "0.1"}, {"rotate", "1"}}},
      {"sd-unbiased", {{"omega", "0.25"}}},
      {"spherical", {}},
      {"qsgd", {}},
      {"natural", {}},
      {"natural-dithering", {}},
      {"topk", {}},
      {"randk", {}},
      {"sign", {}},
      {"terngrad", {}},
      {"fp16", {}},
      {"bf16", {}},
      {"identity", {}},
  };
  return s;
}

std::vector<uint8_t> frame_of(const Codec &c, const std::vector<float> &x, uint64_t seed) {
  auto p = gth::encode(c, x, seed);
  if (p.empty()) return p;
  p.resize(gcomp_frame_from_payload(p.data(), p.size(), c.h));
  return p;
}

// fn(codec, x, frame of x) for every spec, x of d values.
template <class F>
void for_each_frame(uint64_t d, uint64_t seed, uint64_t enc_seed, F fn) {
  for (const Spec &s : specs()) {
    SCOPED_TRACE(s.name);
    Codec c(s.name, s.params);
    auto x = gtv::family("gaussian", d, seed);
    fn(c, x, frame_of(c, x, enc_seed));
  }
}

gcompResult_t decode_frame(const std::vector<uint8_t> &f, const Codec &c, uint64_t n,
                           uint64_t seed, std::vector<float> *y) {
  y->assign(n, 0.0f);
  return gcomp_frame_decode(f.data(), f.size(), c.h, n, seed, y->data(), 0.0f);
}

TEST(Frame, DecodesAsTheWholePayloadDoesForEveryCodec) {
  for (const Spec &s : specs()) {
    SCOPED_TRACE(s.name);
    Codec c(s.name, s.params);
    for (uint64_t d : {1u, 7u, 1000u}) {
      auto x = gtv::family("gaussian", d, 40 + d);
      auto p = gth::encode(c, x, 9);
      auto want = gth::decode(p, d);
      auto f = frame_of(c, x, 9);
      ASSERT_FALSE(f.empty());
      EXPECT_LT(f.size(), p.size()) << "d = " << d;
      EXPECT_LE(f.size(), p.size() - GCOMP_HEADER_BYTES + 1 + 10 + 10);
      std::vector<float> y;
      ASSERT_EQ(decode_frame(f, c, d, 9, &y), gcompSuccess) << gcompGetLastErrorDetail();
      EXPECT_TRUE(gth::bitwise_equal(y, want)) << "d = " << d;
    }
  }
}

// The seed is not in the frame: the receiver derives it. A randomized
// codec decoded with another seed gives another vector (so the seed the
// collective passes is really used).
TEST(Frame, TheSeedComesFromTheReceiver) {
  Codec c("randk", {{"k", "10"}});
  auto x = gtv::family("gaussian", 1000, 3);
  auto f = frame_of(c, x, 21);
  std::vector<float> right, wrong;
  ASSERT_EQ(decode_frame(f, c, x.size(), 21, &right), gcompSuccess);
  ASSERT_EQ(decode_frame(f, c, x.size(), 22, &wrong), gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(right, gth::decode(gth::encode(c, x, 21), x.size())));
  EXPECT_FALSE(gth::bitwise_equal(right, wrong));
}

TEST(Frame, EveryTruncationAndEveryExtraByteIsRefused) {
  for_each_frame(300, 5, 4, [](const Codec &c, const std::vector<float> &x,
                               const std::vector<uint8_t> &f) {
    std::vector<float> y;
    for (size_t len = 0; len < f.size(); len++) {
      // an exact-size copy, so ASan sees any read past the end
      std::vector<uint8_t> cut(f.begin(), f.begin() + (long)len);
      EXPECT_EQ(decode_frame(cut, c, x.size(), 4, &y), gcompCorruptPayload) << "len " << len;
    }
    auto longer = f;
    longer.push_back(0);
    EXPECT_EQ(decode_frame(longer, c, x.size(), 4, &y), gcompCorruptPayload);
  });
}

TEST(Frame, BrokenFieldsAreRefused) {
  Codec c("sd", {{"nu", "0.1"}, {"packing", "fixed"}});
  auto x = gtv::family("gaussian", 300, 6);
  auto f = frame_of(c, x, 4);
  std::vector<float> y;
  ASSERT_EQ(decode_frame(f, c, x.size(), 4, &y), gcompSuccess);
  auto bad = [&](std::vector<uint8_t> g, const char *why) {
    EXPECT_EQ(decode_frame(g, c, x.size(), 4, &y), gcompCorruptPayload) << why;
  };
  for (unsigned bit = 3; bit < 7; bit++) {
    auto g = f;
    g[0] |= (uint8_t)(1u << bit);
    bad(g, "an unknown flag");
  }
  {
    auto g = f;
    g[0] = (uint8_t)((g[0] & ~7u) | 7u);
    bad(g, "packing id 7");
  }
  for (int p = 0; p < 7; p++) {
    auto g = f;
    if ((g[0] & 7) == p) continue;
    g[0] = (uint8_t)((g[0] & ~7u) | (unsigned)p);
    bad(g, "another packing: auto, or one whose body this is not");
  }
  {
    // the integer parameter flagged where sd has none to resolve: a
    // one-byte value steals the body's first byte, lengths disagree
    auto g = f;
    g[0] |= 0x80;
    bad(g, "an integer parameter out of nowhere");
  }
  {
    // body length as an overlong varint: eleven continuation bytes
    std::vector<uint8_t> g = {f[0]};
    for (int i = 0; i < 11; i++) g.push_back(0xff);
    g.insert(g.end(), f.begin() + 3, f.end());
    bad(g, "overlong varint");
  }
  {
    // ten bytes whose last holds more than the 64th bit: the value's own
    // bits followed by 2 << 63, which a careless reader drops unseen
    size_t len = 1;
    while (f[len] & 0x80) len++;  // the body length's bytes are f[1 .. len]
    ASSERT_LT(len, 9u);
    for (uint8_t top : {2, 3, 0x7f}) {
      std::vector<uint8_t> g(f.begin(), f.begin() + (long)len + 1);
      g.back() |= 0x80;
      while (g.size() < 10) g.push_back(0x80);
      g.push_back(top);
      g.insert(g.end(), f.begin() + (long)len + 1, f.end());
      bad(g, "a varint above 2^64");
    }
  }
}

// Where the body ends inside its last byte, the rest of that byte is 0 (as
// gcompDecode demands of a payload): a frame has one encoding only.
TEST(Frame, PaddingBitsMustBeZero) {
  Codec c("sign");
  auto x = gtv::family("gaussian", 301, 6);
  auto f = frame_of(c, x, 4);
  uint64_t bits = 0;
  int shift = 0;
  size_t at = 1;
  do {
    bits |= (uint64_t)(f[at] & 0x7f) << shift;
    shift += 7;
  } while (f[at++] & 0x80);
  ASSERT_NE(bits % 8, 0u) << "pick a count whose body ends inside a byte";
  std::vector<float> y;
  ASSERT_EQ(decode_frame(f, c, x.size(), 4, &y), gcompSuccess);
  for (unsigned b = (unsigned)(bits % 8); b < 8; b++) {
    auto g = f;
    g.back() ^= (uint8_t)(1u << b);
    EXPECT_EQ(decode_frame(g, c, x.size(), 4, &y), gcompCorruptPayload) << "bit " << b;
  }
}

// Frames hold no count: a frame of d values decoded as d' values must fail
// cleanly (never overrun dst) for every codec. Where a body happens to be
// valid for both counts the result is simply another vector; what matters
// is that nothing is written past n values.
TEST(Frame, AnotherCountNeverWritesPastTheDestination) {
  for_each_frame(64, 8, 2, [](const Codec &c, const std::vector<float> &,
                             const std::vector<uint8_t> &f) {
    for (uint64_t n : {1u, 63u, 65u, 128u}) {
      std::vector<float> y(n + 16, 7.0f);
      gcompResult_t r = gcomp_frame_decode(f.data(), f.size(), c.h, n, 2, y.data(), 0.0f);
      EXPECT_TRUE(r == gcompSuccess || r == gcompCorruptPayload) << n;
      for (uint64_t i = n; i < n + 16; i++) ASSERT_EQ(y[i], 7.0f) << "n " << n << " i " << i;
    }
  });
}

}  // namespace
