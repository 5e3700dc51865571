// Hand-made payloads for the hostile-payload tests of the baseline codecs:
// a body written bit by bit, under a valid header with a valid checksum, so
// the forgery reaches the body decoder.
#ifndef GCOMP_TESTS_FORGE_H
#define GCOMP_TESTS_FORGE_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "shared/bitio.h"
#include "codec_helpers.h"
#include "pack/fixed.h"
#include "gcomp.h"
#include "pack/entropy.h"
#include "shared/rans_table.h"
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

// ------------------------------------------------ edits of encoded payloads

inline uint64_t body_bits(const std::vector<uint8_t> &p) { return gcomp_load_u64(p.data() + 32); }

// The coded length n of a payload (d, or its power of two when rotated).
inline uint64_t coded_length(const std::vector<uint8_t> &p) {
  uint64_t d = gcomp_load_u64(p.data() + 16), n = 1;
  if (!(p[8] & 1)) return d;
  while (n < d) n <<= 1;
  return n;
}

// p with the little-endian header field at `offset` (`width` bytes) set to
// v, resealed.
inline std::vector<uint8_t> with_field(std::vector<uint8_t> p, size_t offset, int width,
                                       uint64_t v) {
  for (int b = 0; b < width; b++) p[offset + (size_t)b] = (uint8_t)(v >> (8 * b));
  reseal(p);
  return p;
}

// p's header over the first `bits` bits of body (padding bits cleared,
// body_bits updated), resealed.
inline std::vector<uint8_t> with_body(const std::vector<uint8_t> &p, std::vector<uint8_t> body,
                                      uint64_t bits) {
  body.resize((bits + 7) / 8, 0);
  if (bits % 8) body.back() &= (uint8_t)((1u << (bits % 8)) - 1);
  std::vector<uint8_t> out(GCOMP_HEADER_BYTES + body.size());
  std::copy(p.begin(), p.begin() + GCOMP_HEADER_BYTES, out.begin());
  std::copy(body.begin(), body.end(), out.begin() + GCOMP_HEADER_BYTES);
  gcomp_store_u64(out.data() + 32, bits);
  reseal(out);
  return out;
}

inline std::vector<uint8_t> body_of(const std::vector<uint8_t> &p) {
  return std::vector<uint8_t>(p.begin() + GCOMP_HEADER_BYTES, p.end());
}

// The body cut to (or padded with zero bits to) `bits` bits.
inline std::vector<uint8_t> with_bits(const std::vector<uint8_t> &p, uint64_t bits) {
  return with_body(p, body_of(p), bits);
}

// p with body bits [at, at + n) set to v (LSB first), resealed.
inline std::vector<uint8_t> with_bits_at(const std::vector<uint8_t> &p, uint64_t at, unsigned n,
                                         uint64_t v) {
  std::vector<uint8_t> out = p;
  for (unsigned i = 0; i < n; i++) {
    uint8_t &b = out[GCOMP_HEADER_BYTES + (size_t)((at + i) / 8)];
    uint8_t m = (uint8_t)(1u << ((at + i) % 8));
    b = (uint8_t)((v >> i) & 1 ? b | m : b & ~m);
  }
  reseal(out);
  return out;
}

// p with float32 number i of its body (direct packing) set to f.
inline std::vector<uint8_t> with_float(const std::vector<uint8_t> &p, uint64_t i, float f) {
  return with_bits_at(p, 32 * i, 32, bits_of(f));
}

// A reader over the body of p.
inline gcomp_bitreader body_reader(const std::vector<uint8_t> &p) {
  gcomp_bitreader r;
  gcomp_br_init(&r, p.data() + GCOMP_HEADER_BYTES, body_bits(p));
  return r;
}

// ------------------------------------------- fixed and entropy sections

// A fixed (gcomp_fixed_encode) or entropy (gcomp_rans_encode) section of sym.
inline std::vector<uint8_t> section(bool fixed, const std::vector<uint32_t> &sym) {
  std::vector<uint8_t> out(gcomp_rans_bound(sym.size()) + gcomp_fixed_bound(sym.size()));
  size_t used = 0;
  gcompResult_t r = fixed ? gcomp_fixed_encode(sym.data(), sym.size(), out.data(), out.size(), &used)
                          : gcomp_rans_encode(sym.data(), sym.size(), out.data(), out.size(), &used);
  EXPECT_EQ(r, gcompSuccess);
  out.resize(used);
  return out;
}

// Where the symbol section of a fixed or entropy body starts: after the
// 31-bit scale and its pad bit (FORMAT.md), or at once for natural
// compression, whose body is the section.
inline size_t section_offset(const std::vector<uint8_t> &p) {
  return p[6] == gcompNaturalCompression ? 0 : 4;
}

inline std::vector<uint8_t> section_of(const std::vector<uint8_t> &p) {
  return std::vector<uint8_t>(p.begin() + GCOMP_HEADER_BYTES + (ptrdiff_t)section_offset(p),
                              p.end());
}

// p with its section replaced by sec (the scale kept), resealed.
inline std::vector<uint8_t> with_section(const std::vector<uint8_t> &p,
                                         const std::vector<uint8_t> &sec) {
  std::vector<uint8_t> body(p.begin() + GCOMP_HEADER_BYTES,
                            p.begin() + GCOMP_HEADER_BYTES + (ptrdiff_t)section_offset(p));
  body.insert(body.end(), sec.begin(), sec.end());
  return with_body(p, body, 8 * (uint64_t)body.size());
}

// The n symbols of a valid payload's section (zigzag levels, or natural
// compression's symbols).
inline std::vector<uint32_t> section_symbols(const std::vector<uint8_t> &p) {
  auto sec = section_of(p);
  std::vector<uint32_t> sym(coded_length(p));
  size_t used = 0;
  gcompResult_t r = p[7] == gcompPackFixed
                        ? gcomp_fixed_decode(sec.data(), sec.size(), sym.data(), sym.size(), &used)
                        : gcomp_rans_decode(sec.data(), sec.size(), sym.data(), sym.size(), &used);
  EXPECT_EQ(r, gcompSuccess) << gcompGetLastErrorDetail();
  return sym;
}

// p with its section re-encoded from sym.
inline std::vector<uint8_t> with_symbols(const std::vector<uint8_t> &p,
                                         const std::vector<uint32_t> &sym) {
  return with_section(p, section(p[7] == gcompPackFixed, sym));
}

inline std::vector<uint8_t> u32le(uint32_t v) {
  return {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
}

// The fields of a section: `head` (the rANS table, empty for fixed), the
// stored chunk lengths, then the chunks. bytes() writes them back as they
// are, so a forgery may make them disagree.
struct Split {
  std::vector<uint8_t> head;
  std::vector<uint32_t> lens;
  std::vector<std::vector<uint8_t>> chunks;
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out = head;
    for (uint32_t l : lens) {
      auto b = u32le(l);
      out.insert(out.end(), b.begin(), b.end());
    }
    for (const auto &c : chunks) out.insert(out.end(), c.begin(), c.end());
    return out;
  }
};

// Splits a valid section of n symbols; head_bytes is the table's length
// (0 for fixed).
inline Split split(const std::vector<uint8_t> &sec, uint64_t n, size_t head_bytes) {
  Split s;
  s.head.assign(sec.begin(), sec.begin() + (ptrdiff_t)head_bytes);
  size_t pos = head_bytes, chunks = (size_t)((n + 4095) / 4096);
  for (size_t c = 0; c < chunks; c++, pos += 4) s.lens.push_back(gcomp_load_u32(sec.data() + pos));
  for (uint32_t l : s.lens) {
    s.chunks.emplace_back(sec.begin() + (ptrdiff_t)pos, sec.begin() + (ptrdiff_t)(pos + l));
    pos += l;
  }
  EXPECT_EQ(pos, sec.size());
  return s;
}

inline Split split_fixed(const std::vector<uint8_t> &p) {
  return split(section_of(p), coded_length(p), 0);
}

// The frequencies of a rANS table and its length in bytes (byte A - 1
// included).
inline std::vector<uint32_t> rans_freq(const std::vector<uint8_t> &sec, size_t *table_bytes) {
  std::vector<uint32_t> f(GCOMP_RANS_MAX_ALPHABET);
  unsigned A = 0, where = 0;
  uint32_t sum = 0;
  EXPECT_EQ(gcomp_rans_read_table(sec.data(), sec.size(), f.data(), &A, table_bytes, &where,
                                  &sum),
            GCOMP_RANS_TABLE_OK);
  f.resize(A);
  return f;
}

inline Split split_rans(const std::vector<uint8_t> &p) {
  auto sec = section_of(p);
  size_t table = 0;
  rans_freq(sec, &table);
  return split(sec, coded_length(p), table);
}

// A rANS table as FORMAT-rans.md writes it: byte A - 1, the gamma codes of
// f + 1, zero bits to a byte.
inline std::vector<uint8_t> rans_table(const std::vector<uint32_t> &f) {
  Bits b;
  b.put(f.size() - 1, 8);
  gcomp_rans_write_table(&b.w, f.data(), (unsigned)f.size());
  return std::vector<uint8_t>(b.buf.begin(), b.buf.begin() + (ptrdiff_t)(b.w.pos / 8));
}

// One rANS chunk of sym under the frequencies f, as gcomp_rans_encode
// writes it but for two forgeries: the encoder starts from state x0
// instead of L (the decoder then ends in x0), and symbol `wrap` (< 254) is
// sent as an escape of nb = 31 whose value 2^31 + r + 254 exceeds 32 bits
// by exactly 2^32.
inline std::vector<uint8_t> rans_chunk(const std::vector<uint32_t> &f,
                                       const std::vector<uint32_t> &sym,
                                       uint32_t x0 = GCOMP_RANS_L, size_t wrap = SIZE_MAX) {
  std::vector<gcomp_rans_esym> es(f.size());
  for (uint32_t t = 0, start = 0; t < f.size(); start += f[t++])
    if (f[t]) gcomp_rans_esym_init(&es[t], start, f[t]);
  std::vector<uint8_t> buf(8 * sym.size() + 8);
  uint8_t *p = buf.data() + buf.size();
  uint32_t x = x0;
  for (size_t i = sym.size(); i-- > 0;) {
    if (i == wrap) {
      uint32_t r = 0x80000000u + sym[i] - 254u;
      x = gcomp_rans_enc_put_bits(x, &p, r >> 16, 15);
      x = gcomp_rans_enc_put_bits(x, &p, r & 0xffffu, 16);
      x = gcomp_rans_enc_put_bits(x, &p, 31, GCOMP_RANS_ESC_LEN_BITS);
      x = gcomp_rans_enc_put(x, &p, &es[GCOMP_RANS_ESC]);
    } else if (sym[i] < GCOMP_RANS_ESC) {
      x = gcomp_rans_enc_put(x, &p, &es[sym[i]]);
    } else {
      x = gcomp_rans_enc_put_escape(x, &p, sym[i], &es[GCOMP_RANS_ESC]);
    }
  }
  gcomp_rans_enc_flush(x, &p);
  return std::vector<uint8_t>(p, buf.data() + buf.size());
}

}  // namespace gtf

#endif
