// The paper's structured code (truncated binary, enumerative zero mask,
// truncated unary levels): exact lengths, round trips, and hostile input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
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

// ------------------------------------- the bit-at-a-time reference coder

// The structured code as first written, one gcomp_bw_put / gcomp_br_get per
// field: the word-at-a-time coder must give the same bits, symbols,
// refusals and positions.
struct RefCode {
  uint64_t t[GCOMP_MASK_BLOCK + 1][GCOMP_MASK_BLOCK + 1] = {};
  RefCode() {
    for (unsigned n = 0; n <= GCOMP_MASK_BLOCK; n++) {
      t[n][0] = 1;
      for (unsigned k = 1; k <= n; k++) t[n][k] = t[n - 1][k - 1] + t[n - 1][k];
    }
  }
  static uint64_t Range(uint64_t n, unsigned len, int at_least_one) {
    return (n <= GCOMP_MASK_BLOCK && at_least_one) ? len : (uint64_t)len + 1;
  }
  gcompResult_t Write(gcomp_bitwriter *w, const int32_t *v, uint64_t n, uint32_t K,
                      int at_least_one) const {
    for (uint64_t off = 0; off < n; off += GCOMP_MASK_BLOCK) {
      unsigned len = (unsigned)std::min<uint64_t>(n - off, GCOMP_MASK_BLOCK);
      uint64_t zeros = 0, index = 0;
      for (unsigned p = 0; p < len; p++)
        if (v[off + p] == 0) index += t[p][++zeros];
      uint64_t range = Range(n, len, at_least_one);
      if (zeros >= range) return gcompInternalError;
      gcomp_tb_put(w, zeros, range);
      gcomp_tb_put(w, index, t[len][zeros]);
      for (unsigned i = 0; i < len; i++) {
        int32_t x = v[off + i];
        if (!x) continue;
        uint32_t k = (uint32_t)(x < 0 ? -x : x);
        if (k > K) return gcompInternalError;
        gcomp_bw_put_bit(w, x < 0);
        uint32_t ones = k - 1;
        while (ones >= 32) {
          gcomp_bw_put(w, 0xffffffffu, 32);
          ones -= 32;
        }
        gcomp_bw_put(w, ((uint64_t)1 << ones) - 1, ones);
        if (k != K) gcomp_bw_put_bit(w, 0);
      }
    }
    return w->overflow ? gcompDstTooSmall : gcompSuccess;
  }
  gcompResult_t Read(gcomp_bitreader *r, int32_t *v, uint64_t n, uint32_t K,
                     int at_least_one) const {
    for (uint64_t off = 0; off < n; off += GCOMP_MASK_BLOCK) {
      unsigned len = (unsigned)std::min<uint64_t>(n - off, GCOMP_MASK_BLOCK);
      uint64_t zeros = gcomp_tb_get(r, Range(n, len, at_least_one));
      uint64_t index = gcomp_tb_get(r, t[len][zeros]);
      if (r->overrun) break;
      uint64_t j = zeros;
      for (int p = (int)len - 1; p >= 0; p--) {
        if (j > 0 && t[p][j] <= index) {
          index -= t[p][j];
          j--;
          v[off + (unsigned)p] = 0;
        } else {
          v[off + (unsigned)p] = 1;
        }
      }
      if (j != 0 || index != 0) return gcompCorruptPayload;
      for (unsigned i = 0; i < len; i++) {
        if (!v[off + i]) continue;
        unsigned neg = gcomp_br_get_bit(r);
        uint32_t k = 1;
        while (k < K) {
          if (gcomp_br_get_bit(r) == 0) break;
          if (r->overrun) break;
          k++;
        }
        if (r->overrun) break;
        v[off + i] = neg ? -(int32_t)k : (int32_t)k;
      }
      if (r->overrun) break;
    }
    return r->overrun ? gcompCorruptPayload : gcompSuccess;
  }
};

// Levels of every size: mostly short fields, some past the 64-bit window,
// some at K (no stop bit), zeros in runs and scattered.
std::vector<int32_t> MixedLevels(std::mt19937_64 &rng, uint64_t n, uint32_t K) {
  std::vector<int32_t> v(n);
  double zf = double(rng() % 100) / 100;
  for (auto &x : v) {
    uint64_t r = rng() % 1000;
    if (double(rng() % 1000) / 1000 < zf) continue;
    uint32_t k = r < 900 ? 1 + uint32_t(rng() % std::min<uint32_t>(K, 6))
                 : r < 980 ? 1 + uint32_t(rng() % K)
                           : K;
    x = (rng() & 1) ? -(int32_t)k : (int32_t)k;
  }
  return v;
}

TEST(StructuredCode, SameBitsAsTheBitAtATimeCoder) {
  std::mt19937_64 rng(21);
  RefCode ref;
  for (int t = 0; t < 400; t++) {
    uint64_t n = rng() % 3 ? 1 + rng() % 700 : 1 + rng() % 64;
    static const uint32_t kK[] = {1, 2, 3, 7, 54, 55, 56, 60, 200, 100000};
    uint32_t K = kK[rng() % 10];
    int at_least_one = int(rng() % 2);
    auto v = MixedLevels(rng, n, K);
    if (at_least_one) v[rng() % n] = (int32_t)K;
    unsigned start = unsigned(rng() % 64);  // the body rarely starts on a byte
    // The capacity: exactly the bytes needed, a few more, or too few.
    uint64_t bits = start + gcomp_structured_bits(v.data(), n, K, at_least_one);
    size_t need = size_t((bits + 7) / 8), cap = need;
    switch (rng() % 4) {
    case 0: cap = need + rng() % 12; break;
    case 1: cap = need - 1 - rng() % std::min<size_t>(need, 12); break;
    case 2: cap = rng() % (need + 1); break;
    default: break;
    }
    std::vector<uint8_t> a(cap + 16, 0x5c), b(cap + 16, 0x5c);
    gcomp_bitwriter wa, wb;
    gcomp_bw_init(&wa, a.data(), cap);
    gcomp_bw_init(&wb, b.data(), cap);
    gcomp_bw_put(&wa, 0x2a5a5a5a5a5a5a5aull, start);
    gcomp_bw_put(&wb, 0x2a5a5a5a5a5a5a5aull, start);
    gcompResult_t ra = gcomp_structured_write(&wa, v.data(), n, K, at_least_one);
    gcompResult_t rb = ref.Write(&wb, v.data(), n, K, at_least_one);
    ASSERT_EQ(ra, rb) << "input " << t;
    ASSERT_EQ(wa.overflow, wb.overflow) << "input " << t;
    for (size_t i = cap; i < a.size(); i++) ASSERT_EQ(a[i], 0x5c) << "past the capacity, " << t;
    if (ra != gcompSuccess) continue;
    ASSERT_EQ(wa.pos, wb.pos) << "input " << t;
    ASSERT_EQ(wa.pos, bits) << "input " << t;
    ASSERT_EQ(0, memcmp(a.data(), b.data(), (wa.pos + 7) / 8)) << "input " << t;
  }
}

TEST(StructuredCode, SameLevelsAndRefusalsAsTheBitAtATimeDecoder) {
  std::mt19937_64 rng(22);
  RefCode ref;
  size_t refused = 0, tried = 0;
  for (int t = 0; t < 300; t++) {
    uint64_t n = 1 + rng() % 600;
    static const uint32_t kK[] = {1, 2, 5, 55, 56, 300};
    uint32_t K = kK[rng() % 6];
    int at_least_one = int(rng() % 2);
    auto v = MixedLevels(rng, n, K);
    if (at_least_one) v[rng() % n] = (int32_t)K;
    std::vector<uint8_t> buf(8 * n + size_t(K) * n / 4 + 64);
    gcomp_bitwriter w;
    gcomp_bw_init(&w, buf.data(), buf.size());
    unsigned start = unsigned(rng() % 16);
    gcomp_bw_put(&w, 0, start);
    ASSERT_EQ(ref.Write(&w, v.data(), n, K, at_least_one), gcompSuccess);
    for (int f = 0; f < 12; f++) {
      std::vector<uint8_t> x = buf;
      uint64_t bits = w.pos;
      if (f > 0) {
        if (rng() % 3 == 0) bits = rng() % (bits + 1);
        else x[rng() % ((w.pos + 7) / 8)] ^= uint8_t(1u << (rng() % 8));
      }
      gcomp_bitreader ra, rb;
      gcomp_br_init(&ra, x.data(), bits);
      gcomp_br_init(&rb, x.data(), bits);
      ra.pos = rb.pos = start;
      std::vector<int32_t> va(n, 9), vb(n, 9);
      gcompResult_t a = gcomp_structured_read(&ra, va.data(), n, K, at_least_one);
      gcompResult_t b = ref.Read(&rb, vb.data(), n, K, at_least_one);
      ASSERT_EQ(a, b) << "input " << t << " forgery " << f;
      tried++;
      refused += a != gcompSuccess;
      if (a != gcompSuccess) continue;
      ASSERT_EQ(ra.pos, rb.pos) << "input " << t << " forgery " << f;
      ASSERT_EQ(va, vb) << "input " << t << " forgery " << f;
      if (f == 0) {
        ASSERT_EQ(va, v);
      }
    }
  }
  printf("%zu of %zu forged streams refused\n", refused, tried);
  EXPECT_GT(refused, tried / 10);
}

}  // namespace
