// The word-at-a-time bit I/O of the host codecs (host/stages/bitstream.h)
// against the definition, shared/bitio.h and shared/golomb_rice.h: the same
// bytes written, the same fields and Rice codes read, the same refusals of
// truncated streams and long quotients.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "shared/bitio.h"
#include "shared/golomb_rice.h"
#include "stages/bitstream.h"

namespace {

struct Field {
  uint64_t v;
  unsigned n;
};

std::vector<Field> random_fields(std::mt19937_64 &rng, size_t count, unsigned max_bits) {
  std::vector<Field> f(count);
  for (auto &x : f) {
    x.n = (unsigned)(rng() % (max_bits + 1));
    x.v = rng();  // bits above n must be ignored
  }
  return f;
}

TEST(Bitstream, WriterMatchesBitio) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 300; trial++) {
    auto fields = random_fields(rng, 1 + rng() % 200, 64);
    uint64_t bits = 0;
    for (const auto &f : fields) bits += f.n;
    size_t bytes = (size_t)((bits + 7) / 8);
    std::vector<uint8_t> want(bytes + 8, 0xa5), got(bytes + 8, 0x5a);
    gcomp_bitwriter w;
    gcomp_bw_init(&w, want.data(), bytes);
    gcomp_fast_writer fw;
    gcomp_fw_init(&fw, got.data());
    for (const auto &f : fields) {
      gcomp_bw_put(&w, f.v, f.n);
      gcomp_fw_put(&fw, f.v, f.n);
    }
    gcomp_fw_finish(&fw);
    ASSERT_FALSE(w.overflow);
    ASSERT_EQ(fw.pos, bits);
    // bitio leaves the unused high bits of the last byte zero, as must we
    for (size_t i = 0; i < bytes; i++) ASSERT_EQ(got[i], want[i]) << "trial " << trial << " byte " << i;
    EXPECT_EQ(got[bytes], 0x5a) << "wrote past the stream";
  }
}

TEST(Bitstream, ReaderMatchesBitioUpToAndPastTheEnd) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 300; trial++) {
    size_t bytes = 1 + rng() % 40;
    std::vector<uint8_t> buf(bytes);
    for (auto &b : buf) b = (uint8_t)rng();
    uint64_t bits = 8 * bytes - rng() % 8;  // a stream may end inside its last byte
    gcomp_bitreader r;
    gcomp_br_init(&r, buf.data(), bits);
    gcomp_fast_reader fr;
    gcomp_fr_init(&fr, buf.data(), bits);
    while (!r.overrun) {
      unsigned n = (unsigned)(rng() % 58);
      uint64_t want = gcomp_br_get(&r, n), got = gcomp_fr_get(&fr, n);
      ASSERT_EQ(got, want) << "trial " << trial << " at " << r.pos;
      ASSERT_EQ(fr.overrun, r.overrun);
      ASSERT_EQ(fr.pos, r.pos);
    }
  }
}

// The quotient limit is exact in both readers: max_q ones then a zero is a
// code, max_q + 1 ones is refused, for limits inside one 64-bit window and
// across several.
TEST(Bitstream, RiceQuotientLimitIsExact) {
  for (uint64_t max_q : {0u, 1u, 20u, 62u, 63u, 64u, 200u}) {
    for (unsigned k : {0u, 3u}) {
      for (uint64_t q : {max_q, max_q + 1}) {
        std::vector<uint8_t> buf(64, 0);
        gcomp_bitwriter w;
        gcomp_bw_init(&w, buf.data(), buf.size());
        for (uint64_t i = 0; i < q; i++) gcomp_bw_put(&w, 1, 1);
        gcomp_bw_put(&w, 0, 1);
        gcomp_bw_put(&w, k ? 5 : 0, k);
        gcomp_bw_put(&w, 0x5a5a, 16);  // what follows the code
        ASSERT_FALSE(w.overflow);
        gcomp_bitreader r;
        gcomp_br_init(&r, buf.data(), w.pos);
        gcomp_fast_reader fr;
        gcomp_fr_init(&fr, buf.data(), w.pos);
        uint64_t a = 0, b = 0;
        int ok = q <= max_q;
        EXPECT_EQ(gcomp_rice_get(&r, k, max_q, &a), ok) << "max_q " << max_q << ", q " << q;
        EXPECT_EQ(gcomp_fr_rice(&fr, k, max_q, &b), ok) << "max_q " << max_q << ", q " << q;
        if (ok) {
          EXPECT_EQ(a, q << k | (k ? 5u : 0u));
          EXPECT_EQ(b, a);
        }
      }
    }
  }
}

TEST(Bitstream, RiceMatchesGolombRiceIncludingRefusals) {
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 400; trial++) {
    unsigned k = (unsigned)(rng() % 33);
    std::vector<uint64_t> vals(1 + rng() % 50);
    for (auto &v : vals) {
      uint64_t q = rng() % 4 == 0 ? rng() % 300 : rng() % 4;  // long runs too
      v = (q << k) | (k ? rng() & ((1ull << k) - 1) : 0);
    }
    std::vector<uint8_t> buf(8 * 1024, 0);
    gcomp_bitwriter w;
    gcomp_bw_init(&w, buf.data(), buf.size());
    for (uint64_t v : vals) gcomp_rice_put(&w, v, k);
    ASSERT_FALSE(w.overflow);
    // cut the stream short now and then: both must refuse at the same code
    uint64_t bits = trial % 5 == 0 ? w.pos - 1 - rng() % w.pos / 2 : w.pos;
    uint64_t max_q = trial % 7 == 0 ? 20 : 1000;  // 20: refused within one window
    gcomp_bitreader r;
    gcomp_br_init(&r, buf.data(), bits);
    gcomp_fast_reader fr;
    gcomp_fr_init(&fr, buf.data(), bits);
    for (size_t i = 0; i < vals.size(); i++) {
      uint64_t want = 0, got = 0;
      int ok_want = gcomp_rice_get(&r, k, max_q, &want);
      int ok_got = gcomp_fr_rice(&fr, k, max_q, &got);
      ASSERT_EQ(ok_got, ok_want) << "trial " << trial << " code " << i;
      if (!ok_want) break;
      ASSERT_EQ(got, want);
      ASSERT_EQ(got, vals[i]);
      ASSERT_EQ(fr.pos, r.pos);
    }
  }
}

}  // namespace
