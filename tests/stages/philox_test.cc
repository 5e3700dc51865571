#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "shared/philox.h"
#include "stages/philox_batch.h"

namespace {

struct Kat {
  int rounds;
  uint32_t ctr[4];
  uint32_t key[2];
  uint32_t expected[4];
};

// The "philox4x32" lines of tests/kat_vectors in the Random123 distribution
// (D. E. Shaw Research), as reproduced in DEShawResearch/Random123-Boost,
// libs/random/test/test_philox.cpp (commit 916db91a), whose comment says they
// are cut and pasted from that file. The 7-round lines only check the
// independent reference below; gcomp uses 10 rounds.
const Kat kKats[] = {
    {7, {0x00000000, 0x00000000, 0x00000000, 0x00000000},
     {0x00000000, 0x00000000},
     {0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48}},
    {7, {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662}},
    {7, {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a}},
    {10, {0x00000000, 0x00000000, 0x00000000, 0x00000000},
     {0x00000000, 0x00000000},
     {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {10, {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {10, {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

// A second, deliberately plain Philox4x32-R written from the paper's
// description (S-box as a permutation of the 4 words, key schedule k_r =
// k + r*W), sharing no code with philox.h. It must agree with the KATs
// itself before it is trusted on random inputs.
void reference_philox(int rounds, const uint32_t ctr_in[4],
                      const uint32_t key[2], uint32_t out[4]) {
  uint32_t x[4] = {ctr_in[0], ctr_in[1], ctr_in[2], ctr_in[3]};
  for (int r = 0; r < rounds; ++r) {
    const uint32_t k0 = key[0] + static_cast<uint32_t>(r) * 0x9E3779B9u;
    const uint32_t k1 = key[1] + static_cast<uint32_t>(r) * 0xBB67AE85u;
    const uint64_t p0 = uint64_t{0xD2511F53u} * x[0];
    const uint64_t p1 = uint64_t{0xCD9E8D57u} * x[2];
    const uint32_t y[4] = {
        static_cast<uint32_t>(p1 >> 32) ^ x[1] ^ k0,
        static_cast<uint32_t>(p1),
        static_cast<uint32_t>(p0 >> 32) ^ x[3] ^ k1,
        static_cast<uint32_t>(p0),
    };
    for (int i = 0; i < 4; ++i) x[i] = y[i];
  }
  for (int i = 0; i < 4; ++i) out[i] = x[i];
}

gcomp_u32x4 make_ctr(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  gcomp_u32x4 v;
  v.v[0] = a;
  v.v[1] = b;
  v.v[2] = c;
  v.v[3] = d;
  return v;
}

// SplitMix64, only to spread test inputs; any fixed sequence would do.
uint64_t next_u64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

TEST(Philox, ReferenceMatchesPublishedVectors) {
  for (const Kat &k : kKats) {
    uint32_t out[4];
    reference_philox(k.rounds, k.ctr, k.key, out);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(out[i], k.expected[i]) << "rounds " << k.rounds << " word " << i;
    }
  }
}

TEST(Philox, MatchesPublishedVectors) {
  int checked = 0;
  for (const Kat &k : kKats) {
    if (k.rounds != 10) continue;
    gcomp_u32x4 out = gcomp_philox4x32_10(
        make_ctr(k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3]), k.key[0], k.key[1]);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(out.v[i], k.expected[i]) << "kat " << checked << " word " << i;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST(Philox, MatchesIndependentReferenceOnRandomInputs) {
  uint64_t rng = 12345;
  for (int n = 0; n < 100000; ++n) {
    const uint64_t a = next_u64(&rng), b = next_u64(&rng), c = next_u64(&rng);
    const uint32_t ctr[4] = {static_cast<uint32_t>(a),
                             static_cast<uint32_t>(a >> 32),
                             static_cast<uint32_t>(b),
                             static_cast<uint32_t>(b >> 32)};
    const uint32_t key[2] = {static_cast<uint32_t>(c),
                             static_cast<uint32_t>(c >> 32)};
    uint32_t want[4];
    reference_philox(10, ctr, key, want);
    gcomp_u32x4 got =
        gcomp_philox4x32_10(make_ctr(ctr[0], ctr[1], ctr[2], ctr[3]), key[0],
                            key[1]);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(got.v[i], want[i]) << "input " << n;
  }
}

// gcomp_philox's documented layout, which is what makes it equal to cuRAND's
// curand_init(seed, stream, 4 * draw) + curand4 (checked on a GPU by
// tests/gpu/philox_gpu_test.cc).
TEST(Philox, SeedStreamDrawLayout) {
  std::vector<uint64_t> values = {0,
                                  1,
                                  0xffffffffull,
                                  0x100000000ull,
                                  0x0123456789abcdefull,
                                  (uint64_t{1} << 62) - 1,
                                  ~uint64_t{0}};
  uint64_t rng = 99;
  for (int i = 0; i < 20; ++i) values.push_back(next_u64(&rng));
  for (uint64_t seed : values) {
    for (uint64_t stream : values) {
      for (uint64_t draw : values) {
        gcomp_u32x4 want = gcomp_philox4x32_10(
            make_ctr(static_cast<uint32_t>(draw),
                     static_cast<uint32_t>(draw >> 32),
                     static_cast<uint32_t>(stream),
                     static_cast<uint32_t>(stream >> 32)),
            static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
        gcomp_u32x4 got = gcomp_philox(seed, stream, draw);
        for (int k = 0; k < 4; ++k) ASSERT_EQ(got.v[k], want.v[k]);
      }
    }
  }
}

TEST(Philox, AllZeroSeedStreamDrawIsTheZeroKat) {
  gcomp_u32x4 r = gcomp_philox(0, 0, 0);
  EXPECT_EQ(r.v[0], 0x6627e8d5u);
  EXPECT_EQ(r.v[1], 0xe169c58du);
  EXPECT_EQ(r.v[2], 0xbc57ac4cu);
  EXPECT_EQ(r.v[3], 0x9b00dbd8u);
}

TEST(Philox, StreamDomainsAreDisjoint) {
  const uint64_t index_limit = uint64_t{1} << 48;
  const uint64_t domains[] = {GCOMP_STREAM_ROTATION, GCOMP_STREAM_ROUNDING,
                              GCOMP_STREAM_SPHERICAL};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(domains[i] % index_limit, 0u);
    EXPECT_NE(domains[i], 0u);  // stream 0 stays free for ad-hoc use
    for (int j = i + 1; j < 3; ++j) {
      // Different domain bits: no index < 2^48 can make two uses collide.
      EXPECT_NE(domains[i] / index_limit, domains[j] / index_limit);
    }
  }
}

TEST(Philox, UnitFloatRangeAndExactness) {
  EXPECT_EQ(gcomp_u32_to_unit(0), 0.0f);
  EXPECT_EQ(gcomp_u32_to_unit(0xff), 0.0f);
  EXPECT_EQ(gcomp_u32_to_unit(0x100), 0x1p-24f);
  EXPECT_EQ(gcomp_u32_to_unit(0x80000000u), 0.5f);
  EXPECT_EQ(gcomp_u32_to_unit(0xffffffffu), 1.0f - 0x1p-24f);
  EXPECT_LT(gcomp_u32_to_unit(0xffffffffu), 1.0f);

  uint64_t rng = 7;
  for (int n = 0; n < 1000000; ++n) {
    const uint32_t r = static_cast<uint32_t>(next_u64(&rng));
    const float u = gcomp_u32_to_unit(r);
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    // Exact: scaling back by 2^24 recovers the top 24 bits with no rounding.
    ASSERT_EQ(static_cast<double>(u) * 16777216.0,
              static_cast<double>(r >> 8));
  }
}

}  // namespace

// The CPU encoders' batched Philox (host/stages/philox_batch.c, vector lanes) must
// be gcomp_philox word for word, across the 2^32 carry of the draw counter
// and for partial batches.
TEST(PhiloxBatch, EqualsOneDrawAtATime) {
  std::mt19937_64 rng(7);
  const uint64_t firsts[] = {0, 1, 5, 0xfffffff8ull, 0xffffffffull, (1ull << 40) - 3,
                             ~0ull - 20};
  for (int trial = 0; trial < 200; trial++) {
    uint64_t seed = trial < 2 ? (uint64_t)trial : rng();
    uint64_t stream = trial % 3 == 0 ? GCOMP_STREAM_ROUNDING : rng();
    uint64_t first = trial < 7 ? firsts[trial] : rng();
    uint32_t count = 1 + (uint32_t)(rng() % GCOMP_PHILOX_BATCH);
    uint32_t out[4 * GCOMP_PHILOX_BATCH + 1];
    out[4 * count] = 0xdeadbeefu;  // past the asked-for draws: untouched
    gcomp_philox_batch(seed, stream, first, count, out);
    for (uint32_t j = 0; j < count; j++) {
      gcomp_u32x4 want = gcomp_philox(seed, stream, first + j);
      for (int w = 0; w < 4; w++)
        ASSERT_EQ(out[4 * j + (uint32_t)w], want.v[w]) << "trial " << trial << " draw " << j;
    }
    if (count < GCOMP_PHILOX_BATCH) {
      EXPECT_EQ(out[4 * count], 0xdeadbeefu);
    }
  }
}

// The lanes form (Spherical Compression's trial search): any draws, each
// word in its own row of `stride` entries, nothing written past the first
// GCOMP_PHILOX_BATCH entries of a row.
TEST(PhiloxBatch, LanesEqualOneDrawAtATime) {
  std::mt19937_64 rng(11);
  const size_t stride = GCOMP_PHILOX_BATCH + 3;
  for (int trial = 0; trial < 200; trial++) {
    uint64_t seed = rng(), stream = trial % 2 ? GCOMP_STREAM_SPHERICAL + (rng() >> 20) : rng();
    uint32_t count = 1 + (uint32_t)(rng() % GCOMP_PHILOX_BATCH);
    uint64_t draw[GCOMP_PHILOX_BATCH] = {};
    for (uint32_t j = 0; j < count; j++)
      draw[j] = trial % 3 == 0 ? 0xffffffffull + j : rng() >> (rng() % 64);
    std::vector<uint32_t> out(4 * stride, 0xdeadbeefu);
    gcomp_philox_lanes(seed, stream, draw, count, out.data(), stride);
    for (uint32_t j = 0; j < count; j++) {
      gcomp_u32x4 want = gcomp_philox(seed, stream, draw[j]);
      for (int w = 0; w < 4; w++)
        ASSERT_EQ(out[(size_t)w * stride + j], want.v[w]) << "trial " << trial << " lane " << j;
    }
    for (int w = 0; w < 4; w++)
      for (size_t j = GCOMP_PHILOX_BATCH; j < stride; j++)
        EXPECT_EQ(out[(size_t)w * stride + j], 0xdeadbeefu);
  }
}
