// The paper's structured code (truncated binary, enumerative zero mask,
// truncated unary levels): exact lengths, round trips, and hostile input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "pack/structured_sd.h"

namespace {

TEST(TruncatedBinary, EveryValueRoundTripsWithTheDocumentedLength) {
  std::vector<uint8_t> buf(64);
  for (uint64_t count : {1ull, 2ull, 3ull, 5ull, 7ull, 64ull, 65ull, 1000ull, 1ull << 40}) {
    for (uint64_t v : {(uint64_t)0, (uint64_t)1, count / 3, count / 2, count - 1}) {
      if (v >= count) continue;
      gcomp_bitwriter w;
      gcomp_bw_init(&w, buf.data(), buf.size());
      gcomp_tb_put(&w, v, count);
      EXPECT_EQ(w.pos, gcomp_tb_len(v, count));
      unsigned k = (unsigned)std::floor(std::log2((double)count));
      EXPECT_TRUE(w.pos == k || w.pos == k + 1);
      gcomp_bitreader r;
      gcomp_br_init(&r, buf.data(), w.pos);
      EXPECT_EQ(gcomp_tb_get(&r, count), v);
      EXPECT_FALSE(r.overrun);
    }
  }
}

TEST(TruncatedBinary, ArbitraryBitsAlwaysDecodeBelowCount) {
  std::mt19937_64 rng(4);
  for (int t = 0; t < 10000; t++) {
    uint64_t count = 1 + rng() % 100000;
    uint64_t bits = rng();
    gcomp_bitreader r;
    gcomp_br_init(&r, (const uint8_t *)&bits, 64);
    EXPECT_LT(gcomp_tb_get(&r, count), count);
  }
}

std::vector<int32_t> levels(uint64_t n, double zero_frac, uint32_t K, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<int32_t> v(n);
  for (auto &x : v) {
    if (u(rng) < zero_frac) continue;
    int32_t k = 1 + (int32_t)(rng() % K);
    x = (rng() & 1) ? -k : k;
  }
  return v;
}

TEST(StructuredCode, RoundTripWithExactLength) {
  for (uint64_t n : {1ull, 2ull, 3ull, 63ull, 64ull, 65ull, 1000ull}) {
    for (double zf : {0.0, 0.3, 0.9, 1.0}) {
      for (uint32_t K : {1u, 2u, 5u, 40u}) {
        for (int at_least_one = 0; at_least_one <= 1; at_least_one++) {
          auto v = levels(n, zf, K, n * 31 + K);
          bool any = false;
          for (int32_t x : v) any |= x != 0;
          if (at_least_one && !any) v[n / 2] = (int32_t)K;
          std::vector<uint8_t> buf(8 * n + 64);
          gcomp_bitwriter w;
          gcomp_bw_init(&w, buf.data(), buf.size());
          ASSERT_EQ(gcomp_structured_write(&w, v.data(), n, K, at_least_one), gcompSuccess);
          EXPECT_EQ(w.pos, gcomp_structured_bits(v.data(), n, K, at_least_one));
          std::vector<int32_t> back(n, 99);
          gcomp_bitreader r;
          gcomp_br_init(&r, buf.data(), w.pos);
          ASSERT_EQ(gcomp_structured_read(&r, back.data(), n, K, at_least_one), gcompSuccess);
          EXPECT_EQ(r.pos, w.pos);
          ASSERT_EQ(back, v) << "n " << n << " zeros " << zf << " K " << K;
        }
      }
    }
  }
}

TEST(StructuredCode, LevelAtTheLimitSavesTheStopBit) {
  std::vector<uint8_t> buf(16);
  int32_t v[1] = {3};
  gcomp_bitwriter w;
  gcomp_bw_init(&w, buf.data(), buf.size());
  ASSERT_EQ(gcomp_structured_write(&w, v, 1, 3, 1), gcompSuccess);
  EXPECT_EQ(w.pos, 1u + 2u);  // sign + two ones, no zero: 3 is the largest level
  EXPECT_EQ(gcomp_structured_write(&w, v, 1, 2, 1), gcompInternalError);  // above K
}

TEST(StructuredCode, TruncatedStreamsAreCorrupt) {
  auto v = levels(300, 0.4, 7, 9);
  std::vector<uint8_t> buf(4096);
  gcomp_bitwriter w;
  gcomp_bw_init(&w, buf.data(), buf.size());
  ASSERT_EQ(gcomp_structured_write(&w, v.data(), v.size(), 7, 0), gcompSuccess);
  for (uint64_t bits = 0; bits < w.pos; bits++) {
    std::vector<int32_t> back(v.size());
    gcomp_bitreader r;
    gcomp_br_init(&r, buf.data(), bits);
    EXPECT_EQ(gcomp_structured_read(&r, back.data(), v.size(), 7, 0), gcompCorruptPayload) << bits;
  }
}

}  // namespace
