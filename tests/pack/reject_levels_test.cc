// Reject rules of the level-stream codecs (Sparse Dithering, QSGD, natural
// dithering, TernGrad: docs/FORMAT.md "Body: Sparse Dithering" and the
// sections that refer to it), QSGD's Elias code, and the symbol sections
// they share with natural compression: the fixed section (FORMAT.md) and
// the rANS section (FORMAT-rans.md, "What a decoder must reject").
#include "reject_rules.h"

#include "pack/levels.h"
#include "shared/qsgd.h"
#include "shared/sparse_dithering.h"

namespace {

using grr::Bytes;
using grr::heavy;
using grr::make;
using grr::Row;
using gtf::with_section;

const char *const kLevelCodecs[] = {"sd", "sd-unbiased", "qsgd", "natural-dithering",
                                    "terngrad"};
const char *const kStreamPackings[] = {"fixed", "entropy"};

Bytes level(const char *codec, const char *packing, uint64_t d = 50,
            const std::vector<float> *x = nullptr) {
  return make(codec, {{"packing", packing}}, x ? *x : heavy(d));
}

std::string name(const char *codec, const char *packing) {
  return std::string(codec) + "/" + packing;
}

// p with the 31-bit scale replaced by u (bit 31, the pad bit, kept).
Bytes with_scale(const Bytes &p, uint32_t u) { return gtf::with_bits_at(p, 0, 31, u); }

Bytes with_pad_bit(const Bytes &p) { return gtf::with_bits_at(p, 31, 1, 1); }

// p with `extra` zero bits after its body.
Bytes longer(const Bytes &p, uint64_t extra) {
  return gtf::with_bits(p, gtf::body_bits(p) + extra);
}

// The level limit K the decoder derives from the header.
uint32_t limit_of(const Bytes &p) {
  double param;
  std::memcpy(&param, p.data() + 40, 8);
  uint64_t iparam = gcomp_load_u64(p.data() + 48), n = gtf::coded_length(p);
  switch (p[6]) {
  case gcompSparseDithering: return gcomp_sd_level_limit(param, n, 0);
  case gcompSparseDitheringUnbiased: return gcomp_sd_level_limit(param, n, 1);
  case gcompTernGrad: return 1;
  default: return (uint32_t)iparam;  // QSGD, natural dithering: s
  }
}

// ------------------------------------------------------- fixed sections

// Chunk 0 of a fixed section: width, escape count, packed bytes.
unsigned width(const std::vector<uint8_t> &chunk) { return chunk[0]; }
uint32_t escapes(const std::vector<uint8_t> &chunk) { return chunk[1] | chunk[2] << 8; }

// A fixed payload of `codec` over d coordinates whose chunk 0 satisfies ok.
template <class Ok>
Bytes fixed_where(const char *codec, Ok ok) {
  for (uint64_t d = 49; d < 80; d++) {
    Bytes p = level(codec, "fixed", d);
    if (ok(gtf::split_fixed(p).chunks[0], d)) return p;
  }
  ADD_FAILURE() << "no " << codec << " payload fits";
  return level(codec, "fixed");
}

// p with chunk 0 replaced and its length field set to `len`.
Bytes with_chunk0(const Bytes &p, std::vector<uint8_t> chunk, uint32_t len) {
  gtf::Split s = gtf::split_fixed(p);
  s.chunks[0] = std::move(chunk);
  s.lens[0] = len;
  return with_section(p, s.bytes());
}

Bytes with_chunk0(const Bytes &p, std::vector<uint8_t> chunk) {
  uint32_t len = (uint32_t)chunk.size();
  return with_chunk0(p, std::move(chunk), len);
}

// ---------------------------------------------------------- rANS sections

Bytes entropy(const char *codec, uint64_t seed = 9) {
  return make(codec, {{"packing", "entropy"}}, heavy(50, seed));
}

Bytes with_rans(const Bytes &p, const gtf::Split &s) { return with_section(p, s.bytes()); }

std::vector<uint32_t> freq_of(const Bytes &p) {
  size_t table = 0;
  return gtf::rans_freq(gtf::section_of(p), &table);
}

// ------------------------------------------------------ QSGD's Elias code

struct Triple {
  uint64_t gap;
  unsigned neg;
  uint64_t k;
  uint64_t at, level_at;  // bit offsets of the triple and of its level code
};

std::vector<Triple> triples(const Bytes &p) {
  gcomp_bitreader r = gtf::body_reader(p);
  gcomp_br_get(&r, GCOMP_SCALE_BITS);
  std::vector<Triple> t;
  while (gcomp_br_remaining(&r) > 0) {
    Triple x{0, 0, 0, r.pos, 0};
    EXPECT_TRUE(gcomp_elias_get(&r, 62, &x.gap));
    x.neg = gcomp_br_get_bit(&r);
    x.level_at = r.pos;
    EXPECT_TRUE(gcomp_elias_get(&r, 62, &x.k));
    t.push_back(x);
  }
  return t;
}

// An Elias code with `zeros` leading zeros and low bits v: the code of
// 2^zeros + v, longer than any field may be. With 64 zeros and v = 0 a
// reader without the prefix limit computes 1 << 64, which x86 makes 1: the
// forgery then reads as a code of 1, so only the limit refuses it.
void put_elias(gtf::Bits &b, uint64_t v, unsigned zeros) {
  for (unsigned z = zeros; z > 0; z -= z < 32 ? z : 32) b.put(0, z < 32 ? z : 32);
  b.put(1, 1);
  for (unsigned z = zeros; z > 0; z -= z < 32 ? z : 32) {
    b.put(v, z < 32 ? z : 32);
    v = z < 32 ? 0 : v >> 32;
  }
}

// p's Elias body written again from its triples: edit(bits, j, triple)
// writes triple j its own way and returns true, or returns false to keep it.
template <class Edit>
Bytes elias_body(const Bytes &p, Edit edit) {
  gtf::Bits b;
  gcomp_bitreader r = gtf::body_reader(p);
  b.put(gcomp_br_get(&r, GCOMP_SCALE_BITS), GCOMP_SCALE_BITS);
  auto t = triples(p);
  for (size_t j = 0; j < t.size(); j++) {
    if (edit(b, j, t[j])) continue;
    gcomp_elias_put(&b.w, t[j].gap);
    b.put(t[j].neg, 1);
    gcomp_elias_put(&b.w, t[j].k);
  }
  return gtf::with_body(p, b.buf, b.w.pos);
}

Bytes qsgd() { return make("qsgd", {{"packing", "structured"}}, heavy(50)); }

// The first triple whose field is 1 (a code whose long forgery decodes to
// 1 again if the prefix limit were gone).
size_t first_one(const std::vector<Triple> &t, uint64_t Triple::*field) {
  for (size_t j = 0; j < t.size(); j++)
    if (t[j].*field == 1) return j;
  ADD_FAILURE() << "no field of 1";
  return 0;
}

const std::vector<grr::Rule> kRules = {
    // -------------------------------------------------------- the scale
    {"ScaleNotNormal",
     [] {
       std::vector<Row> rows;
       for (const char *c : kLevelCodecs)
         for (const char *pk : {"structured", "fixed", "entropy"}) {
           Bytes p = level(c, pk);
           rows.push_back(grr::row(name(c, pk) + " subnormal", p, with_scale(p, 1),
                                   "scale is not a normal finite float"));
         }
       Bytes p = level("sd", "fixed");
       for (uint32_t u : {0x7f800000u, 0x7fc00000u})
         rows.push_back(grr::row("sd/fixed " + std::to_string(u), p, with_scale(p, u),
                                 "scale is not a normal finite float"));
       return rows;
     }},
    {"ScaleTruncated",
     [] {
       std::vector<Row> rows;
       for (const char *pk : {"structured", "fixed", "entropy"}) {
         Bytes p = level("sd", pk);
         rows.push_back(grr::row(pk, p, gtf::with_bits(p, 20), "too short for the scale"));
       }
       return rows;
     }},
    {"ZeroScaleBodyEnds",
     [] {
       std::vector<Row> rows;
       const std::vector<float> zero(50, 0.0f);
       for (const char *c : {"sd", "qsgd", "terngrad"})
         for (const char *pk : {"structured", "fixed", "entropy"}) {
           Bytes p = level(c, pk, 50, &zero);
           for (uint64_t extra : {1, 8})
             rows.push_back(grr::row(name(c, pk) + " +" + std::to_string(extra), p,
                                     longer(p, extra), "zero-vector body has extra bits"));
         }
       return rows;
     }},
    {"ZeroScalePadBit",
     [] {
       std::vector<Row> rows;
       const std::vector<float> zero(50, 0.0f);
       for (const char *pk : kStreamPackings) {
         Bytes p = level("sd", pk, 50, &zero);
         rows.push_back(grr::row(pk, p, with_pad_bit(p), "pad bit"));
       }
       return rows;
     }},
    {"ScalePadBit",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"sd", "terngrad"})
         for (const char *pk : kStreamPackings) {
           Bytes p = level(c, pk);
           rows.push_back(
               grr::row(name(c, pk), p, with_pad_bit(p), "framing invalid"));
         }
       return rows;
     }},
    {"NoNonFiniteOutput",
     [] {
       // FORMAT.md: a decoder never emits NaN or Inf
       std::vector<Row> rows;
       for (const char *pk : {"structured", "fixed", "entropy"}) {
         Bytes p = level("sd", pk);
         rows.push_back(grr::row(std::string("sd/") + pk + " gamma FLT_MAX", p,
                                 with_scale(p, 0x7f7fffffu), "overflows float32"));
       }
       Bytes p = make("identity", {{"rotate", "1"}}, {1.0f, 2.0f, 3.0f});
       gtf::Bits b;
       for (int i = 0; i < 4; i++) b.f32(3.0e38f);
       rows.push_back(grr::row("identity rotated", p, gtf::with_body(p, b.buf, b.w.pos),
                               "rotated values overflow"));
       return rows;
     }},
    // ------------------------------------------------ the symbol stream
    {"SectionNotWholeBytes",
     [] {
       std::vector<Row> rows;
       for (const char *pk : kStreamPackings) {
         Bytes p = level("sd", pk);
         rows.push_back(grr::row(pk, p, longer(p, 4), "framing invalid"));
       }
       return rows;
     }},
    {"SectionTrailingBytes",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"sd", "qsgd"})
         for (const char *pk : kStreamPackings) {
           Bytes p = level(c, pk);
           rows.push_back(grr::row(name(c, pk), p, longer(p, 8), "trailing bytes"));
         }
       return rows;
     }},
    {"LevelAboveLimit",
     [] {
       std::vector<Row> rows;
       for (const char *c : kLevelCodecs)
         for (const char *pk : kStreamPackings) {
           Bytes p = level(c, pk);
           auto sym = gtf::section_symbols(p);
           sym[std::max_element(sym.begin(), sym.end()) - sym.begin()] = 2 * (limit_of(p) + 1);
           rows.push_back(grr::row(name(c, pk), p, gtf::with_symbols(p, sym),
                                   "level above the limit"));
         }
       return rows;
     }},
    // ------------------------------------------- the paper's structured code
    {"StructuredTrailingBits",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"sd", "sd-unbiased", "natural-dithering", "terngrad"}) {
         Bytes p = level(c, "structured");
         rows.push_back(grr::row(c, p, longer(p, 1), "trailing bits"));
       }
       return rows;
     }},
    {"StructuredTruncated",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"sd", "sd-unbiased", "natural-dithering", "terngrad"}) {
         Bytes p = level(c, "structured");
         for (uint64_t cut : {1, 7})
           rows.push_back(grr::row(std::string(c) + " -" + std::to_string(cut), p,
                                   gtf::with_bits(p, gtf::body_bits(p) - cut),
                                   "structured code truncated"));
       }
       return rows;
     }},
    // ------------------------------------------------ QSGD's Elias code
    {"QsgdGapPastEnd",
     [] {
       Bytes p = qsgd();
       auto t = triples(p);
       uint64_t next = 0;  // one past the second-to-last nonzero
       for (size_t j = 0; j + 1 < t.size(); j++) next += t[j].gap;
       Bytes bad = elias_body(p, [&](gtf::Bits &b, size_t j, const Triple &x) {
         if (j + 1 != t.size()) return false;
         gcomp_elias_put(&b.w, 50 - next + 1);  // points at coordinate n
         b.put(x.neg, 1);
         gcomp_elias_put(&b.w, x.k);
         return true;
       });
       return std::vector<Row>{grr::row("last gap", p, bad, "bad gap")};
     }},
    {"QsgdGapCodeTooLong",
     [] {
       std::vector<Row> rows;
       Bytes p = qsgd();
       size_t one = first_one(triples(p), &Triple::gap);
       for (unsigned zeros : {41u, 64u}) {
         Bytes bad = elias_body(p, [&](gtf::Bits &b, size_t j, const Triple &x) {
           if (j != one) return false;
           put_elias(b, zeros == 64 ? 0 : 1, zeros);
           b.put(x.neg, 1);
           gcomp_elias_put(&b.w, x.k);
           return true;
         });
         rows.push_back(grr::row(std::to_string(zeros) + " zeros", p, bad, "bad gap"));
       }
       return rows;
     }},
    {"QsgdLevelAboveS",
     [] {
       Bytes p = qsgd();
       Bytes bad = elias_body(p, [&](gtf::Bits &b, size_t j, const Triple &x) {
         if (j != 0) return false;
         gcomp_elias_put(&b.w, x.gap);
         b.put(x.neg, 1);
         gcomp_elias_put(&b.w, limit_of(p) + 1);
         return true;
       });
       return std::vector<Row>{grr::row("first level s + 1", p, bad, "bad level")};
     }},
    {"QsgdLevelCodeTooLong",
     [] {
       std::vector<Row> rows;
       Bytes p = qsgd();
       size_t one = first_one(triples(p), &Triple::k);
       for (unsigned zeros : {21u, 64u}) {
         Bytes bad = elias_body(p, [&](gtf::Bits &b, size_t j, const Triple &x) {
           if (j != one) return false;
           gcomp_elias_put(&b.w, x.gap);
           b.put(x.neg, 1);
           put_elias(b, zeros == 64 ? 0 : 1, zeros);
           return true;
         });
         rows.push_back(grr::row(std::to_string(zeros) + " zeros", p, bad, "bad level"));
       }
       return rows;
     }},
    {"QsgdTripleCut",
     [] {
       // the last coordinate is the largest and follows zeros: the last
       // triple has a long gap code and the level s (z = 3 low bits)
       std::vector<float> x = heavy(50);
       for (size_t i = 40; i < 49; i++) x[i] = 0.0f;
       x[49] = 100.0f;
       Bytes p = make("qsgd", {{"packing", "structured"}}, x);
       Triple last = triples(p).back();
       EXPECT_GE(last.gap, 2u);
       EXPECT_GE(last.k, 2u);
       return std::vector<Row>{
           grr::row("inside the gap", p, gtf::with_bits(p, last.at + 1), "bad gap"),
           grr::row("after the sign", p, gtf::with_bits(p, last.level_at), "bad level"),
           grr::row("inside the level", p, gtf::with_bits(p, gtf::body_bits(p) - 1),
                    "bad level")};
     }},
    // ------------------------------------------------ the fixed section
    {"FixedChunkTableTruncated",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"sd", "natural"}) {
         Bytes p = level(c, "fixed", 5000);  // two chunks, 8 bytes of lengths
         auto sec = gtf::section_of(p);
         rows.push_back(grr::row(c, p, with_section(p, Bytes(sec.begin(), sec.begin() + 4)),
                                 "chunk table"));
       }
       return rows;
     }},
    {"FixedChunkOverrun",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"sd", "natural"}) {
         Bytes p = level(c, "fixed");
         auto sec = gtf::section_of(p);
         sec.pop_back();
         rows.push_back(grr::row(c, p, with_section(p, sec), "overruns the section"));
       }
       return rows;
     }},
    {"FixedChunkLength",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"sd", "natural"}) {
         Bytes p = level(c, "fixed");
         auto chunk = gtf::split_fixed(p).chunks[0];
         rows.push_back(grr::row(std::string(c) + " head only in part", p,
                                 with_chunk0(p, {chunk[0], chunk[1]}), "shorter than its head"));
         chunk.push_back(0);
         rows.push_back(grr::row(std::string(c) + " +1", p, with_chunk0(p, chunk),
                                 "does not match its head"));
       }
       return rows;
     }},
    {"FixedWidthOutOfRange",
     [] {
       std::vector<Row> rows;
       Bytes p = level("sd", "fixed");
       auto chunk = gtf::split_fixed(p).chunks[0];
       for (unsigned w : {33u, 255u}) {
         auto bad = chunk;
         bad[0] = (uint8_t)w;
         bad.resize(gcomp_fixed_chunk_bytes(50, w, escapes(chunk)), 0);
         rows.push_back(grr::row("w " + std::to_string(w), p, with_chunk0(p, bad), "head invalid"));
       }
       return rows;
     }},
    {"FixedEscapeCount",
     [] {
       std::vector<Row> rows;
       Bytes p = level("sd", "fixed");
       auto chunk = gtf::split_fixed(p).chunks[0];
       auto more = chunk;  // one escape declared beyond the markers
       uint32_t e = escapes(chunk) + 1;
       more[1] = (uint8_t)e, more[2] = (uint8_t)(e >> 8);
       more.resize(more.size() + 4, 0);
       rows.push_back(grr::row("e + 1", p, with_chunk0(p, more), "escape markers"));
       auto all = chunk;  // more escapes than symbols
       all[1] = 51, all[2] = 0;
       all.resize(gcomp_fixed_chunk_bytes(50, width(chunk), 51), 0);
       rows.push_back(grr::row("e > L", p, with_chunk0(p, all), "head invalid"));
       // w = 0 and w = 32 have no markers, so no escapes
       rows.push_back(grr::row("w 0", p, with_chunk0(p, {0, 1, 0, 0, 0, 0, 0}), "head invalid"));
       Bytes wide = {32, 1, 0};
       for (uint32_t s : gtf::section_symbols(p)) {
         auto b = gtf::u32le(s);
         wide.insert(wide.end(), b.begin(), b.end());
       }
       wide.resize(wide.size() + 4, 0);
       rows.push_back(grr::row("w 32", p, with_chunk0(p, wide), "head invalid"));
       return rows;
     }},
    {"FixedEscapeSmall",
     [] {
       Bytes p = fixed_where("sd", [](const std::vector<uint8_t> &ch, uint64_t) {
         return escapes(ch) > 0;
       });
       auto chunk = gtf::split_fixed(p).chunks[0];
       size_t at = GCOMP_FIXED_HEAD + (grr::dim(p) * width(chunk) + 7) / 8;
       auto small = gtf::u32le(gcomp_fixed_marker(width(chunk)) - 1);
       std::copy(small.begin(), small.end(), chunk.begin() + (ptrdiff_t)at);
       return std::vector<Row>{grr::row("escape 2^w - 2", p, with_chunk0(p, chunk), "small value")};
     }},
    {"FixedChunkPadding",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"sd", "natural"}) {
         Bytes p = fixed_where(c, [](const std::vector<uint8_t> &ch, uint64_t d) {
           return width(ch) != 0 && width(ch) != 32 && (d * width(ch)) % 8 != 0;
         });
         uint64_t d = grr::dim(p);
         // each padding bit alone: the lowest one next to the data up to bit 7
         unsigned w = width(gtf::split_fixed(p).chunks[0]);
         for (unsigned bit = (unsigned)(d * w % 8); bit < 8; bit++) {
           auto chunk = gtf::split_fixed(p).chunks[0];
           chunk[GCOMP_FIXED_HEAD + (d * w + 7) / 8 - 1] |= (uint8_t)(1u << bit);
           rows.push_back(grr::row(std::string(c) + " bit " + std::to_string(bit), p,
                                   with_chunk0(p, chunk), "padding bits not zero"));
         }
       }
       return rows;
     }},
    // ------------------------------------------ the rANS section, rules 1-11
    {"RansEmptySection",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"sd", "natural"}) {
         Bytes p = entropy(c);
         rows.push_back(grr::row(c, p, with_section(p, {}), "empty section"));
       }
       return rows;
     }},
    {"RansTableTruncated",
     [] {
       std::vector<Row> rows;
       Bytes p = entropy("sd");
       auto sec = gtf::section_of(p);
       size_t table = 0;
       gtf::rans_freq(sec, &table);
       for (size_t len = 1; len < table; len++)
         rows.push_back(grr::row(std::to_string(len) + " bytes", p,
                                 with_section(p, Bytes(sec.begin(), sec.begin() + (ptrdiff_t)len)),
                                 "truncated table"));
       return rows;
     }},
    {"RansLongGammaCode",
     [] {
       std::vector<Row> rows;
       Bytes p = entropy("sd");
       auto f = freq_of(p);
       for (unsigned zeros : {13u, 20u}) {
         gtf::Bits b;
         b.put(f.size() - 1, 8);
         put_elias(b, f[0] + 1, zeros);  // letter 0's code, too long
         gcomp_rans_write_table(&b.w, f.data() + 1, (unsigned)f.size() - 1);
         gtf::Split s = gtf::split_rans(p);
         s.head.assign(b.buf.begin(), b.buf.begin() + (ptrdiff_t)(b.w.pos / 8));
         rows.push_back(grr::row(std::to_string(zeros) + " zeros", p, with_rans(p, s), "too long"));
       }
       return rows;
     }},
    {"RansFrequencySum",
     [] {
       Bytes p = entropy("sd");
       auto f = freq_of(p);
       gtf::Split over = gtf::split_rans(p), under = over;
       auto g = f;
       g[0] += 1;
       over.head = gtf::rans_table(g);
       g = f;
       g[std::max_element(g.begin(), g.end()) - g.begin()] -= 1;
       under.head = gtf::rans_table(g);
       return std::vector<Row>{grr::row("4097", p, with_rans(p, over), "exceed"),
                               grr::row("4095", p, with_rans(p, under), "sum to")};
     }},
    {"RansTopLetterZero",
     [] {
       Bytes p = entropy("sd");
       auto f = freq_of(p);
       EXPECT_LT(f.size(), 255u);
       f.push_back(0);  // a letter no symbol uses, as the alphabet's last
       gtf::Split s = gtf::split_rans(p);
       s.head = gtf::rans_table(f);
       return std::vector<Row>{grr::row("f[A] = 0", p, with_rans(p, s), "has frequency 0")};
     }},
    {"RansTablePadding",
     [] {
       for (uint64_t seed = 9; seed < 60; seed++) {
         Bytes p = entropy("sd", seed);
         uint64_t bits = 0;  // of the gamma codes
         for (uint32_t f : freq_of(p)) bits += 2 * gcomp_elias_zeros(f + 1) + 1;  // Elias gamma length
         if (bits % 8 == 0) continue;
         // every padding bit alone, from the one next to the last code up
         // (the head is the letter count's byte, then the codes)
         std::vector<Row> rows;
         for (unsigned bit = (unsigned)(bits % 8); bit < 8; bit++) {
           gtf::Split s = gtf::split_rans(p);
           s.head.back() |= (uint8_t)(1u << bit);
           rows.push_back(grr::row("bit " + std::to_string(bit), p, with_rans(p, s),
                                   "table padding"));
         }
         return rows;
       }
       ADD_FAILURE() << "every table ends on a byte";
       return std::vector<Row>{};
     }},
    {"RansLengthsTruncated",
     [] {
       Bytes p = entropy("sd");
       gtf::Split s = gtf::split_rans(p);
       Bytes cut = s.head;
       cut.push_back(s.chunks[0].size() & 0xff);
       cut.push_back(0);
       return std::vector<Row>{grr::row("2 of 4 bytes", p, with_section(p, cut), "length table")};
     }},
    {"RansChunkLength",
     [] {
       Bytes p = entropy("sd");
       gtf::Split shorter = gtf::split_rans(p), beyond = shorter;
       shorter.chunks[0].resize(3);
       shorter.lens[0] = 3;
       beyond.lens[0] += 1;
       return std::vector<Row>{grr::row("3 bytes", p, with_rans(p, shorter), "does not fit"),
                               grr::row("past the end", p, with_rans(p, beyond), "does not fit")};
     }},
    {"RansInitialState",
     [] {
       std::vector<Row> rows;
       Bytes p = entropy("sd");
       for (uint32_t x : {GCOMP_RANS_L - 1u, GCOMP_RANS_L << 8}) {
         gtf::Split s = gtf::split_rans(p);
         auto b = gtf::u32le(x);
         std::copy(b.begin(), b.end(), s.chunks[0].begin());
         rows.push_back(grr::row("x " + std::to_string(x), p, with_rans(p, s), "initial state"));
       }
       return rows;
     }},
    {"RansRenormPastChunk",
     [] {
       // the last byte of a chunk is read by the renormalization after the
       // first step the encoder emitted a byte in: a letter, or the 16 low
       // bits of an escape of nb > 16 (a level near K = 79000: nu = 2e-9)
       std::vector<float> spike(50, 0.0f);
       spike[49] = 1.0f;
       std::vector<Row> rows;
       for (Bytes p : {entropy("sd"), make("sd", {{"packing", "entropy"}, {"nu", "2e-9"}}, spike)}) {
         gtf::Split s = gtf::split_rans(p);
         s.chunks[0].pop_back();
         s.lens[0] -= 1;
         bool escape = rows.size() == 1;
         rows.push_back(grr::row(escape ? "in an escape" : "after a letter", p, with_rans(p, s),
                                 escape ? "bad escape" : "runs out of bytes"));
       }
       return rows;
     }},
    {"RansEscapeOverflow",
     [] {
       // natural compression: |x| >= 2 gives symbols >= 256, so A = 256
       Bytes p = entropy("natural");
       auto f = freq_of(p);
       EXPECT_EQ(f.size(), 256u);
       auto sym = gtf::section_symbols(p);
       gtf::Split s = gtf::split_rans(p);
       EXPECT_EQ(gtf::rans_chunk(f, sym), s.chunks[0]) << "rans_chunk is not the encoder";
       size_t i = (size_t)(std::find_if(sym.begin(), sym.end(), [](uint32_t v) { return v < 254; }) -
                           sym.begin());
       s.chunks[0] = gtf::rans_chunk(f, sym, GCOMP_RANS_L, i);
       s.lens[0] = (uint32_t)s.chunks[0].size();
       return std::vector<Row>{grr::row("2^32 + v", p, with_rans(p, s), "bad escape")};
     }},
    {"RansChunkEnd",
     [] {
       Bytes p = entropy("sd");
       auto f = freq_of(p);
       auto sym = gtf::section_symbols(p);
       gtf::Split unread = gtf::split_rans(p), state = unread;
       EXPECT_EQ(gtf::rans_chunk(f, sym), unread.chunks[0]) << "rans_chunk is not the encoder";
       unread.chunks[0].push_back(0);
       unread.lens[0] += 1;
       state.chunks[0] = gtf::rans_chunk(f, sym, GCOMP_RANS_L + 1);
       state.lens[0] = (uint32_t)state.chunks[0].size();
       return std::vector<Row>{grr::row("a byte unread", p, with_rans(p, unread), "unread"),
                               grr::row("ends in L + 1", p, with_rans(p, state), "ends in state")};
     }},
};

const bool registered = grr::register_rules(kRules, __FILE__);

}  // namespace
