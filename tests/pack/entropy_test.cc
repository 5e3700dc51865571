// rANS section (docs/FORMAT-rans.md): round trips, compression against the
// empirical entropy, the size bound, golden bytes, and hostile input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "shared/bitio.h"
#include "shared/rans.h"
#include "pack/entropy.h"

namespace {

using Bytes = std::vector<uint8_t>;
using Syms = std::vector<uint32_t>;

Bytes Encode(const Syms &s) {
  size_t bound = gcomp_rans_bound(s.size());
  EXPECT_GT(bound, 0u);
  Bytes out(bound);
  size_t written = 0;
  gcompResult_t r = gcomp_rans_encode(s.data(), s.size(), out.data(),
                                      out.size(), &written);
  EXPECT_EQ(r, gcompSuccess) << gcompGetLastErrorDetail();
  EXPECT_LE(written, bound);
  out.resize(written);
  return out;
}

gcompResult_t Decode(const Bytes &b, size_t size, uint64_t n, Syms *out,
                     size_t *consumed) {
  out->assign(n, 0);
  // An empty vector's data() may be NULL; the decoder must still see a
  // pointer when size is 0 (and never read it).
  static const uint8_t kNothing = 0;
  return gcomp_rans_decode(b.empty() ? &kNothing : b.data(), size, out->data(),
                           n, consumed);
}

void RoundTrip(const Syms &s) {
  Bytes enc = Encode(s);
  Syms dec;
  size_t consumed = 0;
  ASSERT_EQ(Decode(enc, enc.size(), s.size(), &dec, &consumed), gcompSuccess)
      << gcompGetLastErrorDetail();
  EXPECT_EQ(consumed, enc.size());
  ASSERT_EQ(dec, s);
  // Trailing bytes belong to the caller: same result, same length.
  Bytes padded = enc;
  padded.insert(padded.end(), {0xde, 0xad, 0xbe, 0xef});
  ASSERT_EQ(Decode(padded, padded.size(), s.size(), &dec, &consumed),
            gcompSuccess);
  EXPECT_EQ(consumed, enc.size());
  ASSERT_EQ(dec, s);
}

double EntropyBits(const Syms &s) {
  std::map<uint32_t, uint64_t> cnt;
  for (uint32_t v : s) cnt[v]++;
  double h = 0;
  for (auto &kv : cnt) {
    double p = double(kv.second) / double(s.size());
    h -= double(kv.second) * std::log2(p);
  }
  return h;
}

// Mostly small levels, as zigzag-mapped quantized gradients look.
Syms Geometric(size_t n, double p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::geometric_distribution<uint32_t> g(p);
  Syms s(n);
  for (auto &v : s) v = std::min<uint32_t>(g(rng), 254);
  return s;
}

Syms Uniform(size_t n, uint32_t hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint32_t> u(0, hi);
  Syms s(n);
  for (auto &v : s) v = u(rng);
  return s;
}

Syms WithOutliers(size_t n, uint64_t seed) {
  Syms s = Geometric(n, 0.3, seed);
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
  static const uint32_t kEdges[] = {254u, 255u, 256u, 257u, 0xffffffffu,
                                    0xfffffffeu, 0x8000007du, 0x8000007eu,
                                    65789u, 65790u};
  for (size_t i = 0; i < n; i++) {
    uint64_t r = rng();
    if (r % 97 == 0) s[i] = (uint32_t)(rng() >> (rng() % 32));
    if (r % 211 == 0) s[i] = kEdges[rng() % 10];
  }
  if (n > 0) s[n - 1] = 0xffffffffu;
  return s;
}

const size_t kSizes[] = {1, 2, 4095, 4096, 4097, 1000003};

TEST(Rans, RoundTripAllZeros) {
  for (size_t n : kSizes) RoundTrip(Syms(n, 0));
}

TEST(Rans, RoundTripGeometric) {
  for (size_t n : kSizes) RoundTrip(Geometric(n, 0.35, n));
}

TEST(Rans, RoundTripUniform) {
  for (size_t n : kSizes) RoundTrip(Uniform(n, 254, n + 1));
}

TEST(Rans, RoundTripOutliers) {
  for (size_t n : kSizes) RoundTrip(WithOutliers(n, n + 2));
}

TEST(Rans, RoundTripSingleSymbol) {
  for (size_t n : kSizes) {
    RoundTrip(Syms(n, 7));
    RoundTrip(Syms(n, 254));
    RoundTrip(Syms(n, 0xffffffffu));
  }
}

TEST(Rans, RoundTripEscapeBoundaries) {
  // Each bit count of the escape payload, at both ends.
  Syms s;
  for (unsigned nb = 0; nb < 32; nb++) {
    uint64_t lo = (uint64_t(1) << nb) + 254u;
    uint64_t hi = (uint64_t(2) << nb) + 253u;
    if (hi > 0xffffffffu) hi = 0xffffffffu;
    s.push_back(uint32_t(lo));
    s.push_back(uint32_t(hi));
    s.push_back(uint32_t(nb));
  }
  RoundTrip(s);
  for (uint32_t v : s) RoundTrip(Syms{v});
}

TEST(Rans, RoundTripFullRange) {
  RoundTrip(Uniform(100000, 0xffffffffu, 5));
  RoundTrip(Uniform(100000, 255, 6));  // A = 256, ESC only for 255
  RoundTrip(Uniform(100000, 253, 7));  // A = 254
}

TEST(Rans, CompressionNearEntropy) {
  const size_t n = 1000000;
  for (double p : {0.2, 0.5, 0.8}) {
    Syms s = Geometric(n, p, 42);
    Bytes enc = Encode(s);
    double h = EntropyBits(s);
    // What the entropy does not pay for: the table, and per chunk a 4-byte
    // length and the 4-byte final state.
    gcomp_bitreader r;
    gcomp_br_init(&r, enc.data() + 1, (enc.size() - 1) * 8);
    for (unsigned sym = 0; sym <= enc[0]; sym++) {
      unsigned z = 0;
      while (gcomp_br_get_bit(&r) == 0) z++;
      gcomp_br_get(&r, z);
    }
    double table = 8.0 * (1 + (r.pos + 7) / 8);
    double chunks = 64.0 * ((n + 4095) / 4096);
    double bits = 8.0 * enc.size();
    EXPECT_LE(bits - table - chunks, 1.01 * h) << "p=" << p;
    printf("geometric p=%.1f: %.4f bits/symbol, entropy %.4f: +%.3f%% in "
           "all, +%.3f%% without table (%.0f bytes) and chunk framing\n",
           p, bits / n, h / n, 100.0 * (bits - h) / h,
           100.0 * (bits - table - chunks - h) / h, table / 8);
  }
}

// The cheap division must agree with x / f wherever the encoder divides.
TEST(Rans, ReciprocalDivisionExact) {
  std::mt19937_64 rng(3);
  for (uint32_t f = 1; f <= GCOMP_RANS_PROB_SCALE; f++) {
    gcomp_rans_esym e;
    gcomp_rans_esym_init(&e, 0, f);
    uint64_t lim = uint64_t(GCOMP_RANS_XMAX_UNIT) * f;  // x < lim <= 2^31
    ASSERT_LE(lim, uint64_t(1) << 31);
    auto check = [&](uint64_t x) {
      if (x >= lim) return;
      uint32_t q = uint32_t((x * e.rcp) >> e.shift);
      ASSERT_EQ(q, uint32_t(x) / f) << "f=" << f << " x=" << x;
    };
    for (uint64_t k : {uint64_t(1), uint64_t(2), lim / f - 1, lim / f}) {
      check(k * f - 1);
      check(k * f);
      check(k * f + 1);
    }
    check(lim - 1);
    for (int i = 0; i < 64; i++) check(rng() % lim);
  }
}

TEST(Rans, FastAndReferenceStepsAgree) {
  std::mt19937_64 rng(4);
  for (int t = 0; t < 200000; t++) {
    uint32_t f = 1 + rng() % GCOMP_RANS_PROB_SCALE;
    uint32_t start = rng() % (GCOMP_RANS_PROB_SCALE - f + 1);
    uint32_t x = GCOMP_RANS_L + uint32_t(rng() % (255ull * GCOMP_RANS_L));
    uint8_t a[8], b[8];
    uint8_t *pa = a + 8, *pb = b + 8;
    gcomp_rans_esym e;
    gcomp_rans_esym_init(&e, start, f);
    uint32_t xa = gcomp_rans_enc_put(x, &pa, &e);
    uint32_t xb = gcomp_rans_enc_put_div(x, &pb, start, f);
    ASSERT_EQ(xa, xb);
    ASSERT_EQ(pa - a, pb - b);
    ASSERT_EQ(0, memcmp(pa, pb, size_t(a + 8 - pa)));
    ASSERT_GE(xa, GCOMP_RANS_L);
    ASSERT_LT(xa, GCOMP_RANS_L << 8);
  }
}

// The bytes themselves: the GPU encoder must reproduce these.
TEST(Rans, GoldenBytes) {
  // A = 1, f = {4096}: gamma(4097) is 12 zeros, a one, then 0x001 in 12
  // bits; the only chunk is the untouched initial state.
  const Bytes zeros = {0x00, 0x00, 0x30, 0x00, 0x00, 0x04, 0x00,
                       0x00, 0x00, 0x00, 0x00, 0x80, 0x00};
  EXPECT_EQ(Encode(Syms{0, 0, 0}), zeros);

  // Produced by a separate model written from docs/FORMAT-rans.md alone.
  const Bytes mixed = {
      0x05, 0x00, 0xec, 0x16, 0x40, 0x25, 0x00, 0x2a, 0x19, 0x80, 0x93,
      0x00, 0x05, 0x00, 0x00, 0x00, 0x0d, 0x7e, 0xe4, 0x0e, 0x76};
  EXPECT_EQ(Encode(Syms{5, 0, 0, 1, 5, 0, 2}), mixed);
  const Bytes escapes = {
      0xff, 0x00, 0x0c, 0x00, 0xc0, 0x00, 0x01, 0x0c, 0xf0, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0x7f, 0x00, 0x0c, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x25,
      0x97, 0x3f, 0x20, 0x0e, 0x3f, 0x7f, 0xff, 0x24, 0x0b, 0xc0, 0x50, 0x00,
      0x00};
  const Syms esc_syms = {3, 0, 300, 0xffffffffu, 1, 255, 0, 70000};
  EXPECT_EQ(Encode(esc_syms), escapes);
  Syms dec;
  size_t consumed;
  ASSERT_EQ(Decode(escapes, escapes.size(), esc_syms.size(), &dec, &consumed),
            gcompSuccess);
  EXPECT_EQ(dec, esc_syms);

  // A = 3: counts {2, 1, 1} of 4 -> f = {2048, 1024, 1024}.
  Bytes small = Encode(Syms{0, 2, 1, 0});
  gcomp_bitreader r;
  ASSERT_GE(small.size(), 2u);
  EXPECT_EQ(small[0], 2);
  gcomp_br_init(&r, small.data() + 1, (small.size() - 1) * 8);
  const uint32_t want[] = {2048, 1024, 1024};
  for (uint32_t f : want) {
    unsigned z = 0;
    while (gcomp_br_get_bit(&r) == 0) z++;
    uint32_t v = (1u << z) | uint32_t(gcomp_br_get(&r, z));
    EXPECT_EQ(v - 1, f);
  }
}

// Normalization across the cases that force the repair loops both ways.
TEST(Rans, TableSumsAndRareSymbols) {
  // 200 symbols seen once among a million zeros: each raised to f = 1,
  // the excess taken back from symbol 0.
  Syms s(1000000, 0);
  for (uint32_t i = 0; i < 200; i++) s[i * 4999] = 1 + i;
  RoundTrip(s);
  // 64 letters of count 1000 and 191 singletons: the excess of 127 units
  // exceeds what any one letter (f = 63) can give up.
  Syms u;
  for (uint32_t v = 0; v < 64; v++) u.insert(u.end(), 1000, v);
  for (uint32_t v = 64; v < 255; v++) u.push_back(v);
  RoundTrip(u);
  // 256 equally likely symbols: shares of exactly 16, no repair.
  RoundTrip(Uniform(256 * 4096, 255, 9));
  // Counts 1..255 once each plus ESC: many tiny remainders to hand out.
  Syms t;
  for (uint32_t v = 0; v < 256; v++)
    for (uint32_t k = 0; k <= v; k++) t.push_back(v == 255 ? 1000 + k : v);
  RoundTrip(t);
}

// ---------------------------------------------------------------- bounds

TEST(Rans, BoundHoldsForAdversarialInput) {
  for (size_t n : kSizes) {
    for (const Syms &s : {Syms(n, 0xffffffffu), Uniform(n, 0xffffffffu, n),
                          Uniform(n, 255, n)}) {
      size_t bound = gcomp_rans_bound(n);
      Bytes out(bound);
      size_t written = 0;
      ASSERT_EQ(gcomp_rans_encode(s.data(), n, out.data(), bound, &written),
                gcompSuccess)
          << gcompGetLastErrorDetail();
      EXPECT_LE(written, bound);
    }
  }
}

// The most expensive chunk possible: all its symbols are escapes with 31
// payload bits while ESC has frequency 1 because the rest is zeros.
TEST(Rans, ChunkBoundHoldsForWorstChunk) {
  const size_t n = size_t(1) << 24;
  Syms s(n, 0);
  for (size_t i = 0; i < GCOMP_RANS_CHUNK; i++) s[i] = 0xffffffffu - uint32_t(i);
  Bytes enc = Encode(s);
  // Table: A = 256, then find the chunk length table after it.
  gcomp_bitreader r;
  gcomp_br_init(&r, enc.data() + 1, (enc.size() - 1) * 8);
  uint32_t fesc = 0;
  for (unsigned sym = 0; sym < 256; sym++) {
    unsigned z = 0;
    while (gcomp_br_get_bit(&r) == 0) z++;
    fesc = ((1u << z) | uint32_t(gcomp_br_get(&r, z))) - 1u;
  }
  ASSERT_EQ(fesc, 1u);
  size_t lens = 1 + (r.pos + 7) / 8;
  uint32_t len0 = uint32_t(enc[lens]) | uint32_t(enc[lens + 1]) << 8 |
                  uint32_t(enc[lens + 2]) << 16 | uint32_t(enc[lens + 3]) << 24;
  EXPECT_LE(len0, GCOMP_RANS_CHUNK_BOUND(GCOMP_RANS_CHUNK));
  printf("worst chunk: %u bytes, bound %u\n", len0,
         GCOMP_RANS_CHUNK_BOUND(GCOMP_RANS_CHUNK));
  EXPECT_GT(len0, 6u * GCOMP_RANS_CHUNK - 64u);  // the bound is nearly tight
  Syms dec;
  size_t consumed;
  ASSERT_EQ(Decode(enc, enc.size(), n, &dec, &consumed), gcompSuccess);
  EXPECT_EQ(dec, s);
}

TEST(Rans, DstTooSmallAndArguments) {
  Syms s = WithOutliers(10000, 11);
  Bytes enc = Encode(s);
  Bytes out(enc.size());
  size_t written = 1;
  for (size_t cap : {size_t(0), size_t(1), size_t(20), enc.size() - 1}) {
    EXPECT_EQ(gcomp_rans_encode(s.data(), s.size(), out.data(), cap, &written),
              gcompDstTooSmall)
        << cap;
    EXPECT_EQ(written, 0u);
  }
  EXPECT_EQ(gcomp_rans_encode(s.data(), s.size(), out.data(), enc.size(),
                              &written),
            gcompSuccess);
  EXPECT_EQ(out, enc);
  EXPECT_EQ(gcomp_rans_encode(s.data(), 0, out.data(), out.size(), &written),
            gcompInvalidArgument);
  EXPECT_EQ(gcomp_rans_encode(nullptr, 1, out.data(), out.size(), &written),
            gcompInvalidArgument);
  EXPECT_EQ(gcomp_rans_encode(s.data(), GCOMP_MAX_DIM + 1, out.data(),
                              out.size(), &written),
            gcompSizeOverflow);
  EXPECT_EQ(gcomp_rans_bound(0), 0u);
  EXPECT_EQ(gcomp_rans_bound(GCOMP_MAX_DIM + 1), 0u);
  Syms dec(1);
  size_t consumed;
  EXPECT_EQ(gcomp_rans_decode(enc.data(), enc.size(), dec.data(), 0, &consumed),
            gcompInvalidArgument);
  EXPECT_EQ(gcomp_rans_decode(enc.data(), enc.size(), nullptr, 1, &consumed),
            gcompInvalidArgument);
}

// --------------------------------------------------------- hostile input

// Two chunks, every kind of step: small symbols, escapes of all sizes.
Syms SmallHostileSource() {
  Syms s = WithOutliers(4096 + 40, 77);
  return s;
}

void ExpectCorrupt(const Bytes &b, uint64_t n, const char *what) {
  Syms dec;
  size_t consumed = 123;
  EXPECT_EQ(Decode(b, b.size(), n, &dec, &consumed), gcompCorruptPayload)
      << what;
  EXPECT_EQ(consumed, 0u) << what;
  EXPECT_STRNE(gcompGetLastErrorDetail(), "") << what;
}

TEST(RansHostile, EveryTruncation) {
  Syms s = SmallHostileSource();
  Bytes enc = Encode(s);
  for (size_t len = 0; len < enc.size(); len++) {
    Bytes t(enc.begin(), enc.begin() + long(len));
    Syms dec;
    size_t consumed = 1;
    ASSERT_EQ(Decode(t, len, s.size(), &dec, &consumed), gcompCorruptPayload)
        << len;
    ASSERT_EQ(consumed, 0u);
  }
}

// Flips every bit; returns how many corrupted sections still decoded. rANS
// has no redundancy besides the table checks and the final state: a flip
// in bypass bits, or between two symbols of frequency 1, gives another
// valid section (over the same table) of other symbols.
size_t AcceptedFlips(const Syms &s, size_t *flips) {
  Bytes enc = Encode(s);
  size_t accepted = 0;
  Syms dec;
  *flips = enc.size() * 8;
  for (size_t bit = 0; bit < *flips; bit++) {
    Bytes t = enc;
    t[bit / 8] ^= uint8_t(1u << (bit % 8));
    size_t consumed = 0;
    gcompResult_t r = Decode(t, t.size(), s.size(), &dec, &consumed);
    if (r != gcompSuccess) {
      EXPECT_EQ(r, gcompCorruptPayload);
      continue;
    }
    accepted++;
    EXPECT_EQ(consumed, t.size());
    EXPECT_NE(dec, s);
  }
  return accepted;
}

TEST(RansHostile, EverySingleBitFlip) {
  size_t flips = 0;
  // Without escapes every byte feeds the state, which must end at L.
  size_t accepted = AcceptedFlips(Geometric(4096 + 40, 0.3, 78), &flips);
  printf("bit flips accepted, no escapes: %zu of %zu\n", accepted, flips);
  EXPECT_LE(accepted * 1000, flips);
  accepted = AcceptedFlips(SmallHostileSource(), &flips);
  printf("bit flips accepted, with escapes: %zu of %zu\n", accepted, flips);
  EXPECT_LE(accepted * 4, flips);
}

TEST(RansHostile, RandomGarbage) {
  std::mt19937_64 rng(12);
  Syms dec;
  for (int t = 0; t < 3000; t++) {
    Bytes b(rng() % 3000);
    for (auto &v : b) v = uint8_t(rng());
    uint64_t n = 1 + rng() % 9000;
    size_t consumed = 0;
    gcompResult_t r = Decode(b, b.size(), n, &dec, &consumed);
    ASSERT_TRUE(r == gcompSuccess || r == gcompCorruptPayload);
    if (r == gcompSuccess) {
      ASSERT_LE(consumed, b.size());
    }
  }
}

// Garbage behind a valid table and length table reaches the chunk decoder.
TEST(RansHostile, GarbageChunks) {
  Syms s = SmallHostileSource();
  Bytes enc = Encode(s);
  gcomp_bitreader r;
  gcomp_br_init(&r, enc.data() + 1, (enc.size() - 1) * 8);
  for (unsigned sym = 0; sym <= enc[0]; sym++) {
    unsigned z = 0;
    while (gcomp_br_get_bit(&r) == 0) z++;
    gcomp_br_get(&r, z);
  }
  size_t body = 1 + (r.pos + 7) / 8 + 8;
  std::mt19937_64 rng(13);
  Syms dec;
  size_t accepted = 0;
  for (int t = 0; t < 2000; t++) {
    Bytes b = enc;
    for (size_t i = body; i < b.size(); i++) b[i] = uint8_t(rng());
    size_t consumed = 0;
    gcompResult_t res = Decode(b, b.size(), s.size(), &dec, &consumed);
    ASSERT_TRUE(res == gcompSuccess || res == gcompCorruptPayload);
    accepted += res == gcompSuccess;
  }
  EXPECT_EQ(accepted, 0u);
}

TEST(RansHostile, LyingChunkLengths) {
  Syms s = SmallHostileSource();
  Bytes enc = Encode(s);
  gcomp_bitreader r;
  gcomp_br_init(&r, enc.data() + 1, (enc.size() - 1) * 8);
  for (unsigned sym = 0; sym <= enc[0]; sym++) {
    unsigned z = 0;
    while (gcomp_br_get_bit(&r) == 0) z++;
    gcomp_br_get(&r, z);
  }
  size_t lens = 1 + (r.pos + 7) / 8;
  auto get = [&](const Bytes &b, int c) {
    const uint8_t *p = b.data() + lens + 4 * c;
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
           uint32_t(p[3]) << 24;
  };
  auto set = [&](Bytes &b, int c, uint32_t v) {
    uint8_t *p = b.data() + lens + 4 * c;
    for (int i = 0; i < 4; i++) p[i] = uint8_t(v >> (8 * i));
  };
  uint32_t l0 = get(enc, 0), l1 = get(enc, 1);
  ASSERT_EQ(lens + 8 + l0 + l1, enc.size());
  const uint32_t lies[][2] = {{l0 + 1, l1},     {l0 - 1, l1},     {l0, l1 + 1},
                              {l0, l1 - 1},     {l0 + 1, l1 - 1}, {l0 - 1, l1 + 1},
                              {0, l1},          {3, l1},          {l0, 0},
                              {0xffffffffu, l1}, {l0, 0xffffffffu}, {l1, l0},
                              {l0 + l1, 0}};
  for (auto &lie : lies) {
    Bytes b = enc;
    set(b, 0, lie[0]);
    set(b, 1, lie[1]);
    ExpectCorrupt(b, s.size(), "lying length");
  }
  // Lengths that add up but exceed the buffer because it was cut short.
  Bytes cut(enc.begin(), enc.end() - 1);
  ExpectCorrupt(cut, s.size(), "cut");
}

// Hand-made tables: section = A - 1, gamma codes, then (maybe) chunks.
Bytes MakeTable(const std::vector<uint32_t> &freq, unsigned pad = 0,
                int zeros_extra = 0) {
  Bytes b(1 + 1000);
  b[0] = uint8_t(freq.size() - 1);
  gcomp_bitwriter w;
  gcomp_bw_init(&w, b.data() + 1, 1000);
  for (uint32_t f : freq) {
    uint32_t v = f + 1;
    unsigned z = 0;
    while ((v >> z) > 1) z++;
    gcomp_bw_put(&w, uint64_t(1) << (z + unsigned(zeros_extra)),
                 z + unsigned(zeros_extra) + 1);
    gcomp_bw_put(&w, v, z);
  }
  if (pad && (w.pos & 7)) gcomp_bw_put(&w, 1, 1);
  gcomp_bw_align(&w);
  b.resize(1 + w.pos / 8);
  return b;
}

// A one-chunk section over a single-symbol table decodes n copies of it
// from the bare initial state.
void AppendTrivialChunk(Bytes *b) {
  const uint8_t chunk[] = {4, 0, 0, 0, 0x00, 0x00, 0x80, 0x00};
  b->insert(b->end(), chunk, chunk + 8);
}

TEST(RansHostile, FrequencyTables) {
  {
    Bytes ok = MakeTable({0, 0, 4096});
    AppendTrivialChunk(&ok);
    Syms dec;
    size_t consumed;
    ASSERT_EQ(Decode(ok, ok.size(), 10, &dec, &consumed), gcompSuccess)
        << gcompGetLastErrorDetail();
    EXPECT_EQ(dec, Syms(10, 2));
    EXPECT_EQ(consumed, ok.size());
  }
  const std::vector<std::vector<uint32_t>> bad = {
      {4095},                     // sum one short
      {4097},                     // sum one over
      {2048, 2047},               // one short over two symbols
      {2048, 2049},               // one over
      {4096, 0},                  // highest symbol absent
      {0, 0},                     // nothing
  };
  for (auto &f : bad) {
    Bytes b = MakeTable(f);
    AppendTrivialChunk(&b);
    ExpectCorrupt(b, 10, "bad frequencies");
  }
  std::vector<uint32_t> all(256, 16);
  all[255] = 17;
  Bytes b2 = MakeTable(all);
  AppendTrivialChunk(&b2);
  ExpectCorrupt(b2, 1, "sum 4097 at A = 256");
  {
    Bytes padded = MakeTable({1, 4095}, 1);
    AppendTrivialChunk(&padded);
    ExpectCorrupt(padded, 1, "nonzero padding");
  }
  {
    Bytes longcode = MakeTable({4096}, 0, 1);  // 13 leading zeros
    AppendTrivialChunk(&longcode);
    ExpectCorrupt(longcode, 1, "overlong gamma code");
  }
}

TEST(RansHostile, BadStatesAndEscapes) {
  Bytes ok = MakeTable({4096});
  Bytes b = ok;
  // Initial state below L and at 2^31.
  const uint8_t low[] = {4, 0, 0, 0, 0xff, 0xff, 0x7f, 0x00};
  b.insert(b.end(), low, low + 8);
  ExpectCorrupt(b, 1, "state below L");
  b = ok;
  const uint8_t high[] = {4, 0, 0, 0, 0x00, 0x00, 0x00, 0x80};
  b.insert(b.end(), high, high + 8);
  ExpectCorrupt(b, 1, "state at 2^31");
  // Final state off by one.
  b = ok;
  const uint8_t off[] = {4, 0, 0, 0, 0x01, 0x00, 0x80, 0x00};
  b.insert(b.end(), off, off + 8);
  ExpectCorrupt(b, 1, "final state");
  // An escape whose payload exceeds 0xffffffff: ESC alone (A = 256),
  // nb = 31, payload all ones. Built with the shared encoder steps.
  std::vector<uint32_t> f(256, 0);
  f[255] = 4096;
  Bytes e = MakeTable(f);
  gcomp_rans_esym esc;
  gcomp_rans_esym_init(&esc, 0, 4096);
  uint8_t buf[32];
  uint8_t *p = buf + sizeof buf;
  uint32_t x = GCOMP_RANS_L;
  x = gcomp_rans_enc_put_bits(x, &p, 0x7fff, 15);
  x = gcomp_rans_enc_put_bits(x, &p, 0xffff, 16);
  x = gcomp_rans_enc_put_bits(x, &p, 31, 5);
  x = gcomp_rans_enc_put(x, &p, &esc);
  gcomp_rans_enc_flush(x, &p);
  uint32_t len = uint32_t(buf + sizeof buf - p);
  const uint8_t lenb[] = {uint8_t(len), 0, 0, 0};
  Bytes good = e;
  good.insert(good.end(), lenb, lenb + 4);
  good.insert(good.end(), p, buf + sizeof buf);
  ExpectCorrupt(good, 1, "escape above 0xffffffff");
  // The largest legal payload decodes to 0xffffffff.
  p = buf + sizeof buf;
  x = GCOMP_RANS_L;
  x = gcomp_rans_enc_put_escape(x, &p, 0xffffffffu, &esc);
  gcomp_rans_enc_flush(x, &p);
  len = uint32_t(buf + sizeof buf - p);
  const uint8_t lenc[] = {uint8_t(len), 0, 0, 0};
  good = e;
  good.insert(good.end(), lenc, lenc + 4);
  good.insert(good.end(), p, buf + sizeof buf);
  Syms dec;
  size_t consumed;
  ASSERT_EQ(Decode(good, good.size(), 1, &dec, &consumed), gcompSuccess)
      << gcompGetLastErrorDetail();
  EXPECT_EQ(dec[0], 0xffffffffu);
  // Same section claiming more symbols than it holds.
  ExpectCorrupt(good, 2, "too few symbols in chunk");
}

}  // namespace
