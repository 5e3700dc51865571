// The interleaved chunk coders (pack/rans_chunk.c) against the one-chunk
// coder they replaced, kept here as the reference: the same bytes for every
// input, and for every section, valid or forged, the same symbols, result,
// refusal detail and length.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "pack/entropy.h"
#include "pack/rans_chunk.h"
#include "shared/rans.h"
#include "shared/rans_table.h"

namespace {

using Bytes = std::vector<uint8_t>;
using Syms = std::vector<uint32_t>;

// ------------------------------------------- the one-chunk reference coder

uint32_t GetU32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

Bytes RefEncode(const Syms &sym) {
  uint64_t n = sym.size();
  std::vector<uint64_t> cnt(GCOMP_RANS_MAX_ALPHABET, 0);
  for (uint32_t v : sym) cnt[gcomp_rans_letter(v)]++;
  unsigned A = 0;
  for (unsigned s = 0; s < GCOMP_RANS_MAX_ALPHABET; s++)
    if (cnt[s]) A = s + 1;
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET] = {};
  gcomp_rans_normalize(cnt.data(), A, n, freq);
  Bytes out(GCOMP_RANS_TABLE_MAX_BYTES);
  out[0] = uint8_t(A - 1);
  gcomp_bitwriter w;
  gcomp_bw_init(&w, out.data() + 1, out.size() - 1);
  gcomp_rans_write_table(&w, freq, A);
  out.resize(1 + w.pos / 8);
  gcomp_rans_esym es[GCOMP_RANS_MAX_ALPHABET];
  for (uint32_t s = 0, start = 0; s < A; start += freq[s], s++)
    if (freq[s]) gcomp_rans_esym_init(&es[s], start, freq[s]);
  uint64_t chunks = (n + GCOMP_RANS_CHUNK - 1) / GCOMP_RANS_CHUNK;
  size_t lens = out.size();
  out.resize(lens + 4 * chunks);
  Bytes scratch(7 * GCOMP_RANS_CHUNK + 4);
  for (uint64_t c = 0; c < chunks; c++) {
    uint64_t first = c * GCOMP_RANS_CHUNK;
    uint32_t m = uint32_t(std::min<uint64_t>(n - first, GCOMP_RANS_CHUNK));
    uint8_t *end = scratch.data() + scratch.size(), *p = end;
    uint32_t x = GCOMP_RANS_L;
    for (uint32_t i = m; i-- > 0;) {
      uint32_t s = sym[first + i];
      x = s < GCOMP_RANS_ESC ? gcomp_rans_enc_put(x, &p, &es[s])
                             : gcomp_rans_enc_put_escape(x, &p, s, &es[GCOMP_RANS_ESC]);
    }
    gcomp_rans_enc_flush(x, &p);
    uint32_t len = uint32_t(end - p);
    for (int k = 0; k < 4; k++) out[lens + 4 * c + k] = uint8_t(len >> (8 * k));
    out.insert(out.end(), p, end);
  }
  return out;
}

struct Outcome {
  gcompResult_t r = gcompSuccess;
  std::string detail;
  size_t consumed = 0;
  Syms sym;
};

std::string Say(const char *fmt, unsigned long long a, unsigned b = 0, unsigned c = 0) {
  char buf[200];
  snprintf(buf, sizeof buf, fmt, a, b, c);
  return buf;
}

// The old gcomp_rans_decode, refusals and their details included.
Outcome RefDecode(const uint8_t *src, size_t size, uint64_t n) {
  Outcome o;
  o.sym.assign(n, 0);
  o.r = gcompCorruptPayload;
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET];
  unsigned A = 0, where = 0;
  uint32_t sum = 0;
  size_t pos = 0;
  switch (gcomp_rans_read_table(src, size, freq, &A, &pos, &where, &sum)) {
  case GCOMP_RANS_TABLE_OK: break;
  case GCOMP_RANS_TABLE_EMPTY: o.detail = "rans: empty section"; return o;
  case GCOMP_RANS_TABLE_TRUNCATED: o.detail = "rans: truncated table"; return o;
  case GCOMP_RANS_TABLE_LONG_CODE:
    o.detail = Say("rans: frequency code of symbol %llu too long", where);
    return o;
  case GCOMP_RANS_TABLE_EXCEEDS:
    o.detail = Say("rans: frequencies exceed %llu at symbol %u", GCOMP_RANS_PROB_SCALE, where);
    return o;
  case GCOMP_RANS_TABLE_SUM:
    o.detail = Say("rans: frequencies sum to %llu, not %u", sum, GCOMP_RANS_PROB_SCALE);
    return o;
  case GCOMP_RANS_TABLE_TOP_ZERO:
    o.detail = Say("rans: highest symbol %llu has frequency 0", where);
    return o;
  case GCOMP_RANS_TABLE_PADDING: o.detail = "rans: nonzero table padding"; return o;
  }
  std::vector<uint32_t> tab(GCOMP_RANS_PROB_SCALE);
  for (uint32_t s = 0, start = 0; s < A; start += freq[s], s++)
    for (uint32_t k = 0; k < freq[s]; k++)
      tab[start + k] = gcomp_rans_dslot(s, start, freq[s], start + k);
  uint32_t esc = A == GCOMP_RANS_MAX_ALPHABET ? GCOMP_RANS_ESC : GCOMP_RANS_MAX_ALPHABET;
  uint64_t chunks = (n + GCOMP_RANS_CHUNK - 1) / GCOMP_RANS_CHUNK;
  if ((size - pos) / 4 < chunks) {
    o.detail = "rans: truncated chunk length table";
    return o;
  }
  size_t lens = pos;
  pos += 4 * chunks;
  for (uint64_t c = 0; c < chunks; c++) {
    uint64_t first = c * GCOMP_RANS_CHUNK;
    uint32_t m = uint32_t(std::min<uint64_t>(n - first, GCOMP_RANS_CHUNK));
    uint32_t len = GetU32(src + lens + 4 * c);
    if (len < 4 || len > size - pos) {
      o.detail = Say("rans: chunk %llu length %u does not fit the section", c, len);
      return o;
    }
    const uint8_t *p = src + pos, *end = p + len;
    uint32_t x = gcomp_rans_dec_init(&p);
    if (x < GCOMP_RANS_L || x >= (GCOMP_RANS_L << 8)) {
      o.detail = Say("rans: chunk %llu: initial state %#x out of range", c, x);
      return o;
    }
    for (uint32_t i = 0; i < m; i++) {
      uint32_t e = tab[gcomp_rans_dec_slot(x)];
      uint32_t s = gcomp_rans_dslot_sym(e);
      x = gcomp_rans_dec_renorm(gcomp_rans_dec_advance(x, e), &p, end);
      if (x < GCOMP_RANS_L) {
        o.detail = Say("rans: chunk %llu runs out of bytes at symbol %u", c, i);
        return o;
      }
      if (s == esc && !gcomp_rans_dec_get_escape(&x, &p, end, &s)) {
        o.detail = Say("rans: chunk %llu: bad escape at symbol %u", c, i);
        return o;
      }
      o.sym[first + i] = s;
    }
    if (p != end) {
      o.detail = Say("rans: chunk %llu leaves %u bytes unread", c, unsigned(end - p));
      return o;
    }
    if (x != GCOMP_RANS_L) {
      o.detail = Say("rans: chunk %llu ends in state %#x, not %#x", c, x, GCOMP_RANS_L);
      return o;
    }
    pos += len;
  }
  o.r = gcompSuccess;
  o.consumed = pos;
  return o;
}

// ------------------------------------------------------------- the inputs

// Symbol streams of many shapes: geometric levels, a few or many letters,
// runs, escapes of every size, and lengths around the group boundaries.
Syms RandomSyms(std::mt19937_64 &rng) {
  const uint64_t group = GCOMP_RANS_LANES * GCOMP_RANS_CHUNK;
  static const uint64_t kLens[] = {1, 7, GCOMP_RANS_CHUNK - 1, GCOMP_RANS_CHUNK,
                                   GCOMP_RANS_CHUNK + 1, group - 1, group, group + 1,
                                   2 * group + GCOMP_RANS_CHUNK, 3 * group - 5};
  uint64_t n = rng() % 3 ? kLens[rng() % 10] : 1 + rng() % (3 * group);
  Syms s(n);
  std::geometric_distribution<uint32_t> geo(0.05 + 0.9 * double(rng() % 1000) / 1000);
  uint32_t letters = 1 + uint32_t(rng() % 256);
  unsigned shape = unsigned(rng() % 5);
  uint32_t esc_every = rng() % 2 ? 0 : 1 + uint32_t(rng() % 500);
  for (uint64_t i = 0; i < n; i++) {
    switch (shape) {
    case 0: s[i] = std::min<uint32_t>(geo(rng), 254); break;
    case 1: s[i] = uint32_t(rng() % letters); break;
    case 2: s[i] = i % 1000 < 700 ? 0 : uint32_t(rng() % 3); break;  // runs
    case 3: s[i] = uint32_t(rng() >> (rng() % 64)); break;            // escapes
    default: s[i] = geo(rng); break;                                  // a tail past 254
    }
    if (esc_every && rng() % esc_every == 0) s[i] = uint32_t(rng() >> (32 + rng() % 32));
  }
  return s;
}

Bytes Encode(const Syms &s) {
  Bytes out(gcomp_rans_bound(s.size()));
  size_t written = 0;
  EXPECT_EQ(gcomp_rans_encode(s.data(), s.size(), out.data(), out.size(), &written),
            gcompSuccess)
      << gcompGetLastErrorDetail();
  out.resize(written);
  return out;
}

void ExpectSameDecode(const Bytes &b, size_t size, uint64_t n, const char *what) {
  Outcome want = RefDecode(b.data(), size, n);
  Syms got(n, 0);
  size_t consumed = 77;
  gcompResult_t r = gcomp_rans_decode(b.data(), size, got.data(), n, &consumed);
  ASSERT_EQ(r, want.r) << what << ": " << gcompGetLastErrorDetail() << " / " << want.detail;
  if (r == gcompSuccess) {
    ASSERT_EQ(consumed, want.consumed) << what;
    ASSERT_EQ(got, want.sym) << what;
  } else {
    ASSERT_EQ(std::string(gcompGetLastErrorDetail()), want.detail) << what;
    ASSERT_EQ(consumed, 0u) << what;
  }
}

// ------------------------------------------------------------------ tests

TEST(RansChunks, SameBytesAsTheOneChunkCoder) {
  std::mt19937_64 rng(101);
  for (int t = 0; t < 150; t++) {
    Syms s = RandomSyms(rng);
    ASSERT_EQ(Encode(s), RefEncode(s)) << "input " << t << ", n = " << s.size();
  }
}

TEST(RansChunks, SameSymbolsAsTheOneChunkDecoder) {
  std::mt19937_64 rng(102);
  for (int t = 0; t < 150; t++) {
    Syms s = RandomSyms(rng);
    Bytes b = RefEncode(s);
    Outcome ref = RefDecode(b.data(), b.size(), s.size());
    ASSERT_EQ(ref.r, gcompSuccess) << ref.detail;
    ASSERT_EQ(ref.sym, s);
    ExpectSameDecode(b, b.size(), s.size(), "valid");
  }
}

// Forged sections reach every refusal, in any lane of a group and in the
// checked steps at the ends of chunks: the first refusal in section order
// is reported, in the same words.
TEST(RansChunks, SameRefusalsAsTheOneChunkDecoder) {
  std::mt19937_64 rng(103);
  size_t refused = 0, tried = 0;
  for (int t = 0; t < 60; t++) {
    Syms s = RandomSyms(rng);
    Bytes b = RefEncode(s);
    for (int f = 0; f < 40; f++) {
      Bytes x = b;
      size_t size = x.size();
      switch (rng() % 4) {
      case 0: x[rng() % x.size()] ^= uint8_t(1u << (rng() % 8)); break;
      case 1:
        for (int k = 0; k < 8; k++) x[x.size() - 1 - rng() % std::min<size_t>(x.size(), 64)] = uint8_t(rng());
        break;
      case 2: size = rng() % x.size(); break;
      default: x[rng() % x.size()] = uint8_t(rng()); break;
      }
      ExpectSameDecode(x, size, s.size(), "forged");
      refused += RefDecode(x.data(), size, s.size()).r != gcompSuccess;
      tried++;
    }
    // Too many or too few symbols claimed for the same bytes.
    ExpectSameDecode(b, b.size(), s.size() + 1, "n + 1");
    if (s.size() > 1) ExpectSameDecode(b, b.size(), s.size() - 1, "n - 1");
  }
  printf("%zu of %zu forged sections refused\n", refused, tried);
  EXPECT_GT(refused * 2, tried);
}

// A lying length in each position of a group: the chunks before it are
// judged first, then the length.
TEST(RansChunks, LyingLengthsInEveryLane) {
  std::mt19937_64 rng(104);
  Syms s(3 * GCOMP_RANS_LANES * GCOMP_RANS_CHUNK - 100);
  for (auto &v : s) v = uint32_t(rng() % 9);
  Bytes b = RefEncode(s);
  uint64_t chunks = (s.size() + GCOMP_RANS_CHUNK - 1) / GCOMP_RANS_CHUNK;
  // The length table follows the frequency table.
  gcomp_bitreader r;
  gcomp_br_init(&r, b.data() + 1, (b.size() - 1) * 8);
  for (unsigned sym = 0; sym <= b[0]; sym++) {
    unsigned z = 0;
    while (gcomp_br_get_bit(&r) == 0) z++;
    gcomp_br_get(&r, z);
  }
  size_t table_end = 1 + (r.pos + 7) / 8;
  std::vector<uint32_t> len(chunks);
  for (uint64_t c = 0; c < chunks; c++) len[c] = GetU32(b.data() + table_end + 4 * c);
  for (uint64_t c = 0; c < chunks; c++) {
    for (uint32_t lie : {0u, 3u, len[c] - 1, len[c] + 1, 0xffffffffu}) {
      Bytes x = b;
      for (int k = 0; k < 4; k++) x[table_end + 4 * c + k] = uint8_t(lie >> (8 * k));
      ExpectSameDecode(x, x.size(), s.size(), "lying length");
      // and with an earlier chunk corrupted too
      if (c > 0) {
        x[table_end + 4 * chunks + 5] ^= 0x10;
        ExpectSameDecode(x, x.size(), s.size(), "lying length after a bad chunk");
      }
    }
  }
}

// The group coder on its own: each chunk's bytes where the header says,
// the bytes around them untouched by another chunk.
TEST(RansChunks, GroupCoderRoundTripsEachLane) {
  std::mt19937_64 rng(105);
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET] = {};
  freq[0] = 2000, freq[1] = 1000, freq[2] = 1000, freq[3] = 95, freq[255] = 1;
  gcomp_rans_enc_table et;
  gcomp_rans_enc_table_init(&et, freq, 256);
  static gcomp_rans_dec_table dt;
  gcomp_rans_dec_table_init(&dt, freq, 256);
  for (uint32_t len : {1u, GCOMP_RANS_CHUNK, GCOMP_RANS_CHUNK + 3,
                       GCOMP_RANS_LANES * GCOMP_RANS_CHUNK - 1,
                       GCOMP_RANS_LANES * GCOMP_RANS_CHUNK}) {
    Syms s(len);
    for (auto &v : s) {
      uint64_t r = rng() % 4096;
      v = r < 2000 ? 0 : r < 3000 ? 1 : r < 4000 ? 2 : r < 4095 ? 3 : uint32_t(rng());
    }
    Bytes scratch(GCOMP_RANS_GROUP_SCRATCH, 0xa5);
    uint8_t *begin[GCOMP_RANS_LANES];
    gcomp_rans_encode_chunks(&et, s.data(), len, scratch.data(), begin);
    uint32_t k = gcomp_rans_chunks_of(len);
    const uint8_t *src[GCOMP_RANS_LANES];
    uint32_t bytes[GCOMP_RANS_LANES];
    for (uint32_t j = 0; j < k; j++) {
      uint8_t *end = scratch.data() + (j + 1) * GCOMP_RANS_CHUNK_SCRATCH;
      ASSERT_GE(begin[j], end - GCOMP_RANS_CHUNK_SCRATCH);
      ASSERT_LE(begin[j] + 4, end);
      src[j] = begin[j];
      bytes[j] = uint32_t(end - begin[j]);
    }
    Syms back(len, 7);
    ASSERT_EQ(gcomp_rans_decode_chunks(&dt, src, bytes, back.data(), len, 0), gcompSuccess)
        << gcompGetLastErrorDetail();
    ASSERT_EQ(back, s) << len;
  }
}

// An initial state above the range that still decodes: x = ((y / f) << 12)
// + y mod f + start (the encoder's step without its renormalization) gives
// back y in one step with no byte read, so a chunk that starts there and
// goes on with a valid chunk's bytes ends exactly as a valid one. FORMAT-rans
// rejects it (check 8); a decoder that only checks x >= L would accept it.
// Letters of frequency 16 .. 2048: for every y in [L, 2^31) one of them has
// y / f in [2^19, 2^20), so x lies in [L << 8, 2^32).
TEST(RansChunks, AnInitialStateAboveTheRangeIsRefusedEvenWhenItDecodes) {
  std::mt19937_64 rng(106);
  const unsigned A = 9;
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET] = {16, 16, 32, 64, 128, 256, 512, 1024, 2048};
  uint32_t start[GCOMP_RANS_MAX_ALPHABET] = {};
  for (unsigned a = 1; a < A; a++) start[a] = start[a - 1] + freq[a - 1];
  gcomp_rans_enc_table et;
  gcomp_rans_enc_table_init(&et, freq, A);
  static gcomp_rans_dec_table dt;
  gcomp_rans_dec_table_init(&dt, freq, A);
  for (uint32_t len : {300u, GCOMP_RANS_LANES * GCOMP_RANS_CHUNK}) {
    for (uint32_t lane = 0; lane < gcomp_rans_chunks_of(len); lane++) {
      Syms s(len);
      for (auto &v : s) {
        uint32_t r = uint32_t(rng() % 4096), a = 0;
        while (r >= start[a] + freq[a]) a++;
        v = a;
      }
      Bytes scratch(GCOMP_RANS_GROUP_SCRATCH);
      uint8_t *begin[GCOMP_RANS_LANES];
      gcomp_rans_encode_chunks(&et, s.data(), len, scratch.data(), begin);
      uint32_t k = gcomp_rans_chunks_of(len);
      std::vector<Bytes> chunk(k);
      for (uint32_t j = 0; j < k; j++)
        chunk[j].assign(begin[j], scratch.data() + (j + 1) * GCOMP_RANS_CHUNK_SCRATCH);

      // The state y after the lane's first step, and the bytes after it.
      const Bytes &b = chunk[lane];
      uint32_t x0 = GetU32(b.data()), slot = x0 & (GCOMP_RANS_PROB_SCALE - 1u);
      uint32_t y = gcomp_rans_lane_advance(x0, dt.step[slot]);
      size_t at = 4;
      while (y < GCOMP_RANS_L) y = y << 8 | b[at++];
      unsigned c = 0;
      while (!(y / freq[c] >= (1u << 19) && y / freq[c] < (1u << 20))) c++;
      ASSERT_LT(c, A) << y;
      uint32_t x = ((y / freq[c]) << GCOMP_RANS_PROB_BITS) + y % freq[c] + start[c];
      ASSERT_GE(x, GCOMP_RANS_L << 8);
      Bytes forged = {uint8_t(x), uint8_t(x >> 8), uint8_t(x >> 16), uint8_t(x >> 24)};
      forged.insert(forged.end(), b.begin() + long(at), b.end());
      ASSERT_EQ(gcomp_rans_lane_advance(x, dt.step[x & (GCOMP_RANS_PROB_SCALE - 1u)]), y);
      chunk[lane] = forged;

      const uint8_t *src[GCOMP_RANS_LANES];
      uint32_t bytes[GCOMP_RANS_LANES];
      for (uint32_t j = 0; j < k; j++) src[j] = chunk[j].data(), bytes[j] = uint32_t(chunk[j].size());
      Syms back(len);
      EXPECT_EQ(gcomp_rans_decode_chunks(&dt, src, bytes, back.data(), len, 0),
                gcompCorruptPayload)
          << "len " << len << ", lane " << lane;
      EXPECT_NE(std::string(gcompGetLastErrorDetail()).find("initial state"), std::string::npos)
          << gcompGetLastErrorDetail();
    }
  }
}

}  // namespace
