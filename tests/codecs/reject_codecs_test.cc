// Reject rules of the codecs with bodies of their own (docs/FORMAT.md:
// natural compression, Top-k, Rand-k, scaled sign, fp16/bf16, the direct
// packing every codec shares) and of Spherical Compression
// (docs/FORMAT-spherical.md).
#include "reject_rules.h"

#include <cmath>
#include <limits>

#include "shared/golomb_rice.h"
#include "shared/spherical.h"

namespace {

using grr::Bytes;
using grr::heavy;
using grr::make;
using grr::Row;
using gtf::with_bits;
using gtf::with_float;

const float kNanF = std::numeric_limits<float>::quiet_NaN();
const float kInfF = std::numeric_limits<float>::infinity();

Bytes packed(const char *codec, const char *packing, grr::Params params = {},
             uint64_t d = 50) {
  params.push_back({"packing", packing});
  return make(codec, params, heavy(d));
}

Bytes longer(const Bytes &p, uint64_t extra) { return with_bits(p, gtf::body_bits(p) + extra); }
Bytes shorter(const Bytes &p, uint64_t cut) { return with_bits(p, gtf::body_bits(p) - cut); }

// The first coordinate a direct body holds as +0.
uint64_t first_plus_zero(const Bytes &p) {
  for (uint64_t i = 0; 32 * i < gtf::body_bits(p); i++)
    if (gcomp_load_u32(p.data() + 64 + 4 * i) == 0) return i;
  ADD_FAILURE() << "no +0 in the body";
  return 0;
}

// ------------------------------------------------------------ Top-k

struct TopkBody {
  unsigned r;
  std::vector<uint64_t> gaps;
  uint64_t values_at;  // bit offset of the k values
};

// A Top-k body coded with Rice gaps (choice bit 1).
TopkBody rice_gaps(const Bytes &p, uint64_t n, uint64_t k) {
  gcomp_bitreader br = gtf::body_reader(p);
  EXPECT_EQ(gcomp_br_get_bit(&br), 1u) << "the bitmap, not Rice gaps";
  TopkBody t{(unsigned)gcomp_br_get(&br, 5), {}, 0};
  for (uint64_t j = 0; j < k; j++) {
    uint64_t g = 0;
    EXPECT_TRUE(gcomp_rice_get(&br, t.r, n >> t.r, &g));
    t.gaps.push_back(g);
  }
  t.values_at = br.pos;
  return t;
}

// p with its Rice gaps rewritten; gap j = `at` written by put instead.
template <class Put>
Bytes with_gaps(const Bytes &p, const TopkBody &t, size_t at, Put put) {
  gtf::Bits b;
  b.put(1, 1).put(t.r, 5);
  for (size_t j = 0; j < t.gaps.size(); j++) {
    if (j == at)
      put(b);
    else
      gcomp_rice_put(&b.w, t.gaps[j], t.r);
  }
  gcomp_bitreader br = gtf::body_reader(p);
  br.pos = t.values_at;
  while (gcomp_br_remaining(&br) > 0) b.put(gcomp_br_get_bit(&br), 1);
  return gtf::with_body(p, b.buf, b.w.pos);
}

// --------------------------------------------------------- spherical

struct SphericalBody {
  uint32_t R;
  unsigned k;
  std::vector<unsigned> codes;
  std::vector<uint64_t> t1;  // T_b - 1 of each nonzero block
  uint64_t rice_at = 0, rice_end = 0;  // bits of block 0's Rice code
};

SphericalBody spherical_body(const Bytes &p) {
  uint64_t m = gcomp_load_u64(p.data() + 48), n = gtf::coded_length(p);
  gcomp_bitreader br = gtf::body_reader(p);
  SphericalBody s{(uint32_t)gcomp_br_get(&br, 31), (unsigned)gcomp_br_get(&br, 5), {}, {}};
  for (uint64_t b = 0; b < (n + m - 1) / m; b++) {
    unsigned code = 0;
    uint64_t t1 = 0;
    uint64_t before = br.pos + 8;
    EXPECT_EQ(gcomp_sc_read_block(&br, s.k, &code, &t1), GCOMP_SC_READ_OK);
    if (b == 0) s.rice_at = before, s.rice_end = br.pos;
    s.codes.push_back(code);
    s.t1.push_back(t1);
  }
  return s;
}

// The body written back with Rice parameter k.
Bytes with_spherical(const Bytes &p, const SphericalBody &s, unsigned k) {
  gtf::Bits b;
  b.put(s.R, 31).put(k, 5);
  for (size_t j = 0; j < s.codes.size(); j++) {
    b.put(s.codes[j], 8);
    if (s.codes[j]) gcomp_rice_put(&b.w, s.t1[j], k);
  }
  return gtf::with_body(p, b.buf, b.w.pos);
}

Bytes spherical(const char *packing = "structured", const std::vector<float> &x = heavy(50)) {
  return make("spherical", {{"packing", packing}}, x);
}

const std::vector<grr::Rule> kRules = {
    // ------------------------------------------------ natural compression
    {"NaturalSymbolInvalid",
     [] {
       std::vector<Row> rows;
       for (const char *pk : {"fixed", "entropy"}) {
         Bytes p = packed("natural", pk);
         for (uint32_t bad : {1u, 510u, 0xffffffffu}) {
           auto sym = gtf::section_symbols(p);
           sym[0] = bad;
           rows.push_back(grr::row(std::string(pk) + " " + std::to_string(bad), p,
                                   gtf::with_symbols(p, sym), "natural symbol"));
         }
       }
       return rows;
     }},
    {"NaturalSectionLength",
     [] {
       std::vector<Row> rows;
       for (const char *pk : {"fixed", "entropy"}) {
         Bytes p = packed("natural", pk);
         rows.push_back(grr::row(std::string(pk) + " +byte", p, longer(p, 8), "trailing bytes"));
         rows.push_back(grr::row(std::string(pk) + " +4 bits", p, longer(p, 4), "whole bytes"));
       }
       return rows;
     }},
    {"NaturalDirectValue",
     [] {
       std::vector<Row> rows;
       Bytes p = packed("natural", "direct");
       for (float bad : {1.5f, -0.0f, 0x1p-130f, 3.0f, 0x1.000002p0f, -0x1.fffffep-5f})
         rows.push_back(grr::row(std::to_string(bad), p, with_float(p, 0, bad), "non-power of two"));
       return rows;
     }},
    // ---------------------------------------------------------- Top-k
    {"TopkBitmapCount",
     [] {
       Bytes p = packed("topk", "structured", {{"k", "25"}});
       gcomp_bitreader br = gtf::body_reader(p);
       EXPECT_EQ(gcomp_br_get_bit(&br), 0u) << "Rice gaps, not the bitmap";
       uint64_t set = 1, clear = 1;  // body bits of a kept and a dropped index
       while (!(gcomp_br_get_bit(&br) == 1)) set++;
       br.pos = 1;
       while (!(gcomp_br_get_bit(&br) == 0)) clear++;
       return std::vector<Row>{
           grr::row("k + 1 set", p, gtf::with_bits_at(p, clear, 1, 1), "more than k"),
           grr::row("k - 1 set", p, gtf::with_bits_at(p, set, 1, 0), "marks")};
     }},
    {"TopkRiceQuotient",
     [] {
       Bytes p = packed("topk", "structured", {{"k", "10"}}, 1000);
       TopkBody t = rice_gaps(p, 1000, 10);
       Bytes bad = with_gaps(p, t, 0, [&](gtf::Bits &b) {
         for (uint64_t q = 0; q <= (1000u >> t.r); q++) b.put(1, 1);  // (n >> r) + 1 ones
         b.put(0, 1).put(0, t.r);
       });
       return std::vector<Row>{grr::row("quotient (n >> r) + 1", p, bad, "too long")};
     }},
    {"TopkIndexPastEnd",
     [] {
       Bytes p = packed("topk", "structured", {{"k", "10"}}, 1000);
       TopkBody t = rice_gaps(p, 1000, 10);
       uint64_t next = 0;  // one past the second-to-last index
       for (size_t j = 0; j + 1 < t.gaps.size(); j++) next += t.gaps[j] + 1;
       Bytes bad = with_gaps(p, t, t.gaps.size() - 1,
                             [&](gtf::Bits &b) { gcomp_rice_put(&b.w, 1000 - next, t.r); });
       return std::vector<Row>{grr::row("last index n", p, bad, "index beyond n")};
     }},
    {"TopkValueNotFinite",
     [] {
       std::vector<Row> rows;
       Bytes p = packed("topk", "structured", {{"k", "10"}});
       uint64_t at = gtf::body_bits(p) - 32 * 10;
       for (float bad : {kNanF, kInfF})
         rows.push_back(grr::row(std::to_string(bad), p,
                                 gtf::with_bits_at(p, at, 32, gtf::bits_of(bad)), "not finite"));
       return rows;
     }},
    {"TopkBodyLength",
     [] {
       Bytes p = packed("topk", "structured", {{"k", "10"}});
       Bytes rice = packed("topk", "structured", {{"k", "10"}}, 1000);
       return std::vector<Row>{
           grr::row("bitmap cut short", rice, gtf::with_bits_at(rice, 0, 1, 0),
                    "too short for its bitmap"),
           grr::row("+1 bit", p, longer(p, 1), "value bits"),
           grr::row("-1 bit", p, shorter(p, 1), "value bits"),
           grr::row("values only", p, with_bits(p, 32 * 10), "too short for k values")};
     }},
    {"TopkDirectTooManyNonzeros",
     [] {
       std::vector<Row> rows;
       Bytes p = packed("topk", "direct", {{"k", "10"}});
       uint64_t i = first_plus_zero(p);
       for (float bad : {1.0f, -0.0f})
         rows.push_back(grr::row(std::to_string(bad), p, with_float(p, i, bad), "nonzeros"));
       return rows;
     }},
    // ---------------------------------------------------------- Rand-k
    {"RandkBodyLength",
     [] {
       Bytes s = packed("randk", "structured", {{"k", "10"}});
       Bytes d = packed("randk", "direct", {{"k", "10"}});
       return std::vector<Row>{grr::row("structured +32", s, longer(s, 32), "rand-k body has"),
                               grr::row("structured -32", s, shorter(s, 32), "rand-k body has"),
                               grr::row("direct +32", d, longer(d, 32), "rand-k body has")};
     }},
    {"RandkValueNotFinite",
     [] {
       std::vector<Row> rows;
       Bytes p = packed("randk", "structured", {{"k", "10"}});
       for (float bad : {kNanF, kInfF})
         rows.push_back(grr::row(std::to_string(bad), p, with_float(p, 3, bad), "not finite"));
       return rows;
     }},
    {"RandkDirectOffSample",
     [] {
       // every coordinate of x is nonzero, so +0 marks an index not drawn
       Bytes p = packed("randk", "direct", {{"k", "10"}});
       return std::vector<Row>{
           grr::row("1.0", p, with_float(p, first_plus_zero(p), 1.0f), "not drawn")};
     }},
    // ----------------------------------------------------- scaled sign
    {"SignScaleNotFinite",
     [] {
       std::vector<Row> rows;
       Bytes p = packed("sign", "structured");
       for (uint32_t u : {0x7f800000u, 0x7fc00000u, 0x7fffffffu})
         rows.push_back(
             grr::row(std::to_string(u), p, gtf::with_bits_at(p, 0, 31, u), "not finite"));
       return rows;
     }},
    {"SignBodyLength",
     [] {
       Bytes p = packed("sign", "structured");
       return std::vector<Row>{grr::row("+1", p, longer(p, 1), "sign body has"),
                               grr::row("-1", p, shorter(p, 1), "sign body has")};
     }},
    {"SignZeroScaleWithSign",
     [] {
       Bytes p = make("sign", {{"packing", "structured"}}, std::vector<float>(50, 0.0f));
       std::vector<Row> rows;  // the first and last sign, and both sides of a 32-sign word
       for (int i : {0, 3, 31, 32, 49})
         rows.push_back(grr::row("sign " + std::to_string(i) + " set", p,
                                 gtf::with_bits_at(p, 31 + (uint64_t)i, 1, 1),
                                 "zero scale with negative signs"));
       return rows;
     }},
    {"SignDirectMagnitude",
     [] {
       Bytes p = packed("sign", "direct");
       Bytes zero = make("sign", {{"packing", "direct"}}, std::vector<float>(50, 0.0f));
       uint32_t u = gcomp_load_u32(p.data() + 64);  // + 1 in the exponent: twice the scale
       return std::vector<Row>{
           grr::row("two magnitudes", p, gtf::with_bits_at(p, 0, 32, u + (1u << 23)),
                    "not +-one scale"),
           grr::row("-0 in the zero vector", zero, with_float(zero, 2, -0.0f),
                    "not +-one scale")};
     }},
    // ------------------------------------------------------- fp16, bf16
    {"CastFixedLength",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"fp16", "bf16"}) {
         Bytes p = packed(c, "fixed");
         rows.push_back(grr::row(std::string(c) + " +16", p, longer(p, 16), "body has"));
         rows.push_back(grr::row(std::string(c) + " -16", p, shorter(p, 16), "body has"));
       }
       return rows;
     }},
    {"CastFixedInfNan",
     [] {
       std::vector<Row> rows;
       const struct {
         const char *codec;
         std::vector<uint16_t> words;  // Inf, NaN, -NaN
       } table[] = {{"fp16", {0x7c00, 0x7e00, 0xfc01}}, {"bf16", {0x7f80, 0x7fc0, 0xff81}}};
       for (const auto &t : table) {
         Bytes p = packed(t.codec, "fixed");
         for (uint16_t w : t.words)
           rows.push_back(grr::row(std::string(t.codec) + " " + std::to_string(w), p,
                                   gtf::with_bits_at(p, 16 * 7, 16, w), "Inf or NaN word"));
       }
       return rows;
     }},
    {"CastDirectLength",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"fp16", "bf16"}) {
         Bytes p = packed(c, "direct");
         rows.push_back(grr::row(std::string(c) + " +32", p, longer(p, 32), "body has"));
         rows.push_back(grr::row(std::string(c) + " -32", p, shorter(p, 32), "body has"));
       }
       return rows;
     }},
    {"CastDirectNotRepresentable",
     [] {
       std::vector<Row> rows;
       const struct {
         const char *codec;
         std::vector<float> values;
       } table[] = {{"fp16", {1.0f + 0x1p-20f, 65536.0f, 1e-10f, kInfF, kNanF}},
                    {"bf16", {1.0f + 0x1p-10f, kInfF, kNanF}}};
       for (const auto &t : table) {
         Bytes p = packed(t.codec, "direct");
         for (float v : t.values)
           rows.push_back(grr::row(std::string(t.codec) + " " + std::to_string(v), p,
                                   with_float(p, 7, v), "not a finite 16-bit"));
       }
       return rows;
     }},
    // ---------------------------------------------- direct, every codec
    {"DirectLength",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"identity", "sd", "qsgd", "natural", "topk", "spherical"}) {
         Bytes p = packed(c, "direct");
         rows.push_back(grr::row(std::string(c) + " +32", p, longer(p, 32), "direct body has"));
         rows.push_back(grr::row(std::string(c) + " -32", p, shorter(p, 32), "direct body has"));
       }
       return rows;
     }},
    {"DirectNotFinite",
     [] {
       std::vector<Row> rows;
       for (const char *c : {"identity", "sd", "sd-unbiased", "qsgd", "natural-dithering",
                             "terngrad", "natural", "topk", "randk", "sign", "spherical"}) {
         Bytes p = packed(c, "direct");
         for (float bad : {kNanF, -kInfF})
           rows.push_back(grr::row(std::string(c) + " " + std::to_string(bad), p,
                                   with_float(p, 0, bad), "non-finite value"));
       }
       return rows;
     }},
    // ------------------------------------------------------- spherical
    {"SphericalZeroScaleBodyEnds",
     [] {
       Bytes p = spherical("structured", std::vector<float>(50, 0.0f));
       return std::vector<Row>{
           grr::row("+1", p, longer(p, 1), "zero-vector body has extra bits"),
           grr::row("+8", p, longer(p, 8), "zero-vector body has extra bits")};
     }},
    {"SphericalScaleNotNormal",
     [] {
       std::vector<Row> rows;
       Bytes p = spherical();
       for (uint32_t u : {1u, 0x7f800000u, 0x7fc00000u})
         rows.push_back(grr::row(std::to_string(u), p, gtf::with_bits_at(p, 0, 31, u),
                                 "scale R is not a normal"));
       return rows;
     }},
    {"SphericalTrialCountTooLarge",
     [] {
       Bytes p = spherical();
       SphericalBody s = spherical_body(p);
       EXPECT_NE(s.codes[0], 0u);
       s.t1[0] = uint64_t(1) << 40;  // T = 2^40 + 1
       return std::vector<Row>{
           grr::row("T 2^40 + 1", p, with_spherical(p, s, 31), "trial count above 2^40")};
     }},
    {"SphericalTruncated",
     [] {
       Bytes p = spherical();
       SphericalBody s = spherical_body(p);
       EXPECT_NE(s.codes[0], 0u);
       return std::vector<Row>{
           grr::row("inside R", p, with_bits(p, 20), "too short for the scale R"),
           grr::row("inside k", p, with_bits(p, 33), "too short for k"),
           grr::row("inside a norm code", p, with_bits(p, 36 + 4), "before the norm code"),
           grr::row("inside a Rice code", p, with_bits(p, s.rice_end - 1), "truncated")};
     }},
    {"SphericalTrailingBits",
     [] {
       Bytes p = spherical();
       return std::vector<Row>{grr::row("+1", p, longer(p, 1), "trailing bits")};
     }},
    {"SphericalZeroCandidate",
     [] {
       // Block size 1, seed 5: the candidate of block 0 at trial T_ZERO is
       // exactly 0 (its radius draw is u1 = 1), found by a search over T.
       const uint64_t T_ZERO = 3540461;
       float g[4];
       gcomp_sc_candidate(5, 0, T_ZERO, 1, g);
       EXPECT_EQ(gcomp_sc_sumsq(g, 1), 0.0) << "the search result no longer holds";
       Bytes p = make("spherical", {{"packing", "structured"}, {"block", "1"}}, heavy(50), 5);
       SphericalBody s = spherical_body(p);
       EXPECT_NE(s.codes[0], 0u);
       s.t1[0] = T_ZERO - 1;
       return std::vector<Row>{grr::row("T with g = 0", p, with_spherical(p, s, 31),
                                        "zero candidate")};
     }},
};

const bool registered = grr::register_rules(kRules, __FILE__);

}  // namespace
