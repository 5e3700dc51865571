// Hand-made payloads for the hostile-payload tests of the baseline codecs:
// a body written bit by bit, under a valid header with a valid checksum, so
// the forgery reaches the body decoder.
#ifndef GCOMP_TESTS_FORGE_H
#define GCOMP_TESTS_FORGE_H

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "shared/bitio.h"
#include "codec_helpers.h"
#include "gcomp.h"
#include "core/wire.h"

namespace gtf {

struct Bits {
  std::vector<uint8_t> buf = std::vector<uint8_t>(1 << 16);
  gcomp_bitwriter w;
  Bits() { gcomp_bw_init(&w, buf.data(), buf.size()); }
  Bits(const Bits &o) : buf(o.buf), w(o.w) { w.buf = buf.data(); }
  Bits &operator=(const Bits &) = delete;
  Bits &put(uint64_t v, unsigned n) {
    gcomp_bw_put(&w, v, n);
    return *this;
  }
  Bits &f32(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return put(u, 32);
  }
};

// header + body; bits defaults to what was written.
inline std::vector<uint8_t> payload(gcompMethod_t m, gcompPacking_t p, uint64_t d,
                                    uint64_t iparam, const std::vector<uint8_t> &body,
                                    uint64_t bits, uint64_t seed = 1) {
  std::vector<uint8_t> out(GCOMP_HEADER_BYTES + (bits + 7) / 8, 0);
  std::memcpy(out.data() + GCOMP_HEADER_BYTES, body.data(),
              std::min(body.size(), out.size() - GCOMP_HEADER_BYTES));
  if (bits % 8) out.back() &= (uint8_t)((1u << (bits % 8)) - 1);
  gcomp_header h = {m, p, 0, d, seed, bits, 0.0, iparam};
  gcomp_header_write(&h, out.data());
  return out;
}

inline std::vector<uint8_t> payload(gcompMethod_t m, gcompPacking_t p, uint64_t d,
                                    uint64_t iparam, const Bits &b, uint64_t seed = 1) {
  return payload(m, p, d, iparam, b.buf, b.w.pos, seed);
}

// The body of a real payload under a forged header (d, iparam, length).
inline std::vector<uint8_t> rewrap(const std::vector<uint8_t> &p, uint64_t iparam,
                                   uint64_t bits) {
  gcompPayloadInfo_t i = gth::info(p);
  std::vector<uint8_t> body(p.begin() + GCOMP_HEADER_BYTES, p.end());
  body.resize((bits + 7) / 8 + 8, 0);
  return payload(i.method, i.packing, i.d, iparam, body, bits, i.seed);
}

// A new checksum after an edit, so the edit reaches the body decoder.
inline void reseal(std::vector<uint8_t> &p) {
  if (p.size() < GCOMP_HEADER_BYTES) return;
  gcomp_store_u64(p.data() + GCOMP_CHECKSUM_OFFSET, gcomp_payload_checksum(p.data(), p.size()));
}

// The scale (gamma) the level codecs write as the first 31 bits of every
// non-direct body.
inline float body_scale(const std::vector<uint8_t> &p) {
  uint32_t u;
  std::memcpy(&u, p.data() + GCOMP_HEADER_BYTES, 4);
  u &= 0x7fffffffu;
  float g;
  std::memcpy(&g, &u, 4);
  return g;
}

// gcompDecode into exactly d floats: its code, and finite values on success.
inline gcompResult_t try_decode(const std::vector<uint8_t> &p, uint64_t d) {
  std::vector<float> y(d);
  uint8_t none = 0;
  gcompResult_t r = gcompDecode(p.empty() ? &none : p.data(), p.size(), y.data(), d, 0.0f);
  if (r == gcompSuccess) {
    for (float v : y) EXPECT_TRUE(std::isfinite(v));
  }
  return r;
}

// `trials` copies of a valid payload with 1 to 4 body bytes overwritten
// from rng, resealed: each decodes or is refused as corrupt, never worse.
inline void expect_byte_edits_survive(const std::vector<uint8_t> &base, uint64_t d,
                                      std::mt19937_64 &rng, int trials, const char *what) {
  for (int trial = 0; trial < trials; trial++) {
    auto p = base;
    for (int e = 1 + (int)(rng() % 4); e > 0 && p.size() > 64; e--)
      p[64 + rng() % (p.size() - 64)] = (uint8_t)rng();
    reseal(p);
    gcompResult_t r = try_decode(p, d);
    EXPECT_TRUE(r == gcompSuccess || r == gcompCorruptPayload) << what << " gave " << r;
  }
}

inline gcompResult_t decode(const std::vector<uint8_t> &p, uint64_t d) {
  std::vector<float> y(d + 1);
  uint8_t none = 0;
  gcompResult_t r = gcompDecode(p.empty() ? &none : p.data(), p.size(), y.data(), d + 1, 0.0f);
  for (uint64_t i = 0; r == gcompSuccess && i < d; i++) {
    EXPECT_TRUE(std::isfinite(y[i])) << i;
  }
  return r;
}

inline void expect_every_truncation_corrupt(const std::vector<uint8_t> &p, uint64_t d) {
  for (size_t len = 0; len < p.size(); len++) {
    std::vector<uint8_t> t(p.begin(), p.begin() + (ptrdiff_t)len);
    ASSERT_EQ(decode(t, d), gcompCorruptPayload) << "length " << len;
  }
  EXPECT_EQ(decode(p, d), gcompSuccess);
}

// Random byte edits (and cuts) of a valid body, resealed: an error code or
// a finite vector, never a crash (the suite also runs under ASan/UBSan).
inline void expect_forged_bodies_survive(const std::vector<uint8_t> &base, uint64_t d,
                                         uint64_t seed) {
  uint64_t s = seed;
  auto next = [&s]() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return s >> 33;
  };
  for (int trial = 0; trial < 300; trial++) {
    std::vector<uint8_t> p = base;
    for (int e = 0, edits = 1 + (int)(next() % 4); e < edits && p.size() > 64; e++)
      p[64 + next() % (p.size() - 64)] = (uint8_t)next();
    if (trial % 10 == 0 && p.size() > 65) {
      p.resize(64 + next() % (p.size() - 64));
      gcomp_store_u64(p.data() + 32, 8 * (uint64_t)(p.size() - 64));
    }
    reseal(p);
    gcompResult_t r = decode(p, d);
    ASSERT_TRUE(r == gcompSuccess || r == gcompCorruptPayload) << "trial " << trial << ": " << r;
  }
}

// NaN and Inf are refused before a byte of dst changes.
inline void expect_non_finite_refused(const gth::Codec &c, uint64_t d) {
  for (float bad : {NAN, INFINITY, -INFINITY}) {
    std::vector<float> x(d, 0.5f);
    x[d / 2] = bad;
    std::vector<uint8_t> dst(GCOMP_HEADER_BYTES + 40 * d + 64, 0xab);
    size_t size = 0;
    EXPECT_EQ(gcompEncode(c.h, x.data(), d, 1, dst.data(), dst.size(), &size),
              gcompNonFiniteInput);
    for (uint8_t b : dst) ASSERT_EQ(b, 0xab);
  }
}

inline uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

}  // namespace gtf

#endif
