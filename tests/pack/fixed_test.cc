// The fixed-width section: exact round trips at every width, escapes, the
// width choice, and hostile sections.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "pack/fixed.h"
#include "core/wire.h"

namespace {

std::vector<uint8_t> encode(const std::vector<uint32_t> &s) {
  std::vector<uint8_t> out(gcomp_fixed_bound(s.size()));
  size_t used = 0;
  EXPECT_EQ(gcomp_fixed_encode(s.data(), s.size(), out.data(), out.size(), &used), gcompSuccess);
  EXPECT_LE(used, out.size());
  out.resize(used);
  return out;
}

std::vector<uint32_t> decode(const std::vector<uint8_t> &b, uint64_t n, gcompResult_t want = gcompSuccess) {
  std::vector<uint32_t> s(n);
  size_t used = 0;
  uint8_t none = 0;
  EXPECT_EQ(gcomp_fixed_decode(b.empty() ? &none : b.data(), b.size(), s.data(), n, &used), want);
  if (want == gcompSuccess) {
    EXPECT_EQ(used, b.size());
  }
  return s;
}

TEST(FixedStream, RoundTripsEveryWidthAndLength) {
  std::mt19937_64 rng(1);
  for (unsigned bits = 0; bits <= 32; bits++) {
    for (uint64_t n : {1ull, 7ull, 8ull, 15ull, 16ull, 17ull, 4095ull, 4096ull, 4097ull, 10000ull}) {
      std::vector<uint32_t> s(n);
      for (auto &v : s) v = bits == 32 ? (uint32_t)rng() : (uint32_t)(rng() & ((1ull << bits) - 1));
      auto b = encode(s);
      ASSERT_EQ(decode(b, n), s) << "bits " << bits << " n " << n;
    }
  }
}

TEST(FixedStream, RareOutliersBecomeEscapesNotWiderSymbols) {
  std::mt19937_64 rng(2);
  std::vector<uint32_t> s(4096);
  for (auto &v : s) v = rng() % 7;  // fits 3 bits
  s[100] = 0xffffffffu;
  s[2000] = 7;  // exactly the 3-bit marker: must escape too
  auto b = encode(s);
  ASSERT_EQ(decode(b, s.size()), s);
  // chunk table (4) + head (3) + 4096 * 3 bits + two 4-byte escapes
  EXPECT_EQ(b.size(), 4u + 3u + 4096u * 3 / 8 + 8u);
  EXPECT_EQ(b[4], 3u);  // the width
}

TEST(FixedStream, AllZeroChunkIsThreeBytes) {
  std::vector<uint32_t> s(4096, 0);
  auto b = encode(s);
  EXPECT_EQ(b.size(), 4u + 3u);
  ASSERT_EQ(decode(b, s.size()), s);
}

TEST(FixedStream, HostileSectionsAreCorrupt) {
  std::mt19937_64 rng(3);
  std::vector<uint32_t> s(5000);
  for (auto &v : s) v = rng() % 40;
  s[17] = 1u << 30;
  auto b = encode(s);
  for (size_t len = 0; len < b.size(); len++)
    decode(std::vector<uint8_t>(b.begin(), b.begin() + len), s.size(), gcompCorruptPayload);
  auto lie = b;
  gcomp_store_u32(lie.data(), gcomp_load_u32(lie.data()) + 1);  // chunk length
  decode(lie, s.size(), gcompCorruptPayload);
  auto wide = b;
  wide[8] = 33;  // width of the first chunk
  decode(wide, s.size(), gcompCorruptPayload);
  auto escapes = b;
  escapes[9] ^= 1;  // escape count
  decode(escapes, s.size(), gcompCorruptPayload);
  for (int t = 0; t < 3000; t++) {  // random damage: an error or a clean decode
    auto d = b;
    d[rng() % d.size()] = (uint8_t)rng();
    std::vector<uint32_t> out(s.size());
    size_t used = 0;
    gcompResult_t r = gcomp_fixed_decode(d.data(), d.size(), out.data(), s.size(), &used);
    EXPECT_TRUE(r == gcompSuccess || r == gcompCorruptPayload);
  }
}

TEST(FixedStream, DstTooSmallFailsCleanly) {
  std::vector<uint32_t> s(5000, 3);
  std::vector<uint8_t> out(100, 0xEE);
  size_t used = 0;
  EXPECT_EQ(gcomp_fixed_encode(s.data(), s.size(), out.data(), 30, &used), gcompDstTooSmall);
  for (size_t i = 30; i < out.size(); i++) ASSERT_EQ(out[i], 0xEE);
}

}  // namespace
