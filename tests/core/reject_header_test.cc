// Reject rules of the 64-byte header and the framing (docs/FORMAT.md,
// "Header", the padding rule, and each codec's header fields).
#include "reject_rules.h"

#include <cmath>
#include <limits>

namespace {

using grr::Bytes;
using grr::header_row;
using grr::heavy;
using grr::make;
using grr::Row;
using gtf::with_field;

Bytes base() { return make("sd", {{"packing", "structured"}}, heavy(50)); }

// Rows that set one header field of the base payload to each of `values`.
std::vector<Row> field_rows(size_t offset, int width, std::vector<uint64_t> values,
                            const char *detail, gcompResult_t want = gcompCorruptPayload) {
  std::vector<Row> rows;
  Bytes p = base();
  for (uint64_t v : values)
    rows.push_back(header_row("value " + std::to_string(v), p, with_field(p, offset, width, v),
                              detail, want));
  return rows;
}

struct CodecBase {
  const char *codec;
  grr::Params params;
};

// Rows that set the 8-byte field at `offset` of each codec's payload to
// each of `values`.
std::vector<Row> codec_rows(const std::vector<CodecBase> &codecs, size_t offset,
                            const std::vector<uint64_t> &values) {
  std::vector<Row> rows;
  for (const auto &c : codecs) {
    Bytes p = make(c.codec, c.params, heavy(50));
    for (uint64_t v : values)
      rows.push_back(header_row(std::string(c.codec) + " offset " + std::to_string(offset) +
                                    " = " + std::to_string(v),
                                p, with_field(p, offset, 8, v), "header parameters out of range"));
  }
  return rows;
}

// param, offset 40: a double.
std::vector<Row> param_rows(const std::vector<CodecBase> &codecs, std::vector<double> values) {
  std::vector<uint64_t> bits;
  for (double v : values) {
    uint64_t u;
    std::memcpy(&u, &v, 8);
    bits.push_back(u);
  }
  return codec_rows(codecs, 40, bits);
}

// block, offset 48: spherical's block size, QSGD's and natural dithering's
// s, k, else 0.
std::vector<Row> block_rows(const std::vector<CodecBase> &codecs, std::vector<uint64_t> values) {
  return codec_rows(codecs, 48, values);
}

// A payload of `codec` whose body_bits is not a multiple of 8.
Bytes with_padding(const char *codec, const grr::Params &params) {
  for (uint64_t seed = 1;; seed++) {
    Bytes p = make(codec, params, heavy(50, seed));
    if (gtf::body_bits(p) % 8 || seed == 50) return p;
  }
}

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

const std::vector<grr::Rule> kRules = {
    {"Magic",
     [] {
       std::vector<Row> rows;
       Bytes p = base();
       for (size_t i = 0; i < 4; i++) {
         Bytes bad = p;
         bad[i] ^= 0x20;
         gtf::reseal(bad);
         rows.push_back(header_row("byte " + std::to_string(i), p, bad, "bad magic"));
       }
       return rows;
     }},
    {"VersionZero", [] { return field_rows(4, 1, {0}, "format version 0"); }},
    {"VersionNewer",
     [] { return field_rows(4, 1, {2, 255}, "newer than this library", gcompUnsupportedPayload); }},
    {"HeaderSize", [] { return field_rows(5, 1, {0, 63, 65, 255}, "header size"); }},
    {"UnknownCodec",
     [] {
       return field_rows(6, 1, {gcompNumMethods, 255}, "unknown to this build",
                         gcompUnsupportedPayload);
     }},
    {"PackingOutOfRange", [] { return field_rows(7, 1, {0, 5, 255}, "packing id"); }},
    {"PackingUnusedByCodec",
     [] {
       // the packings each codec never writes (FORMAT.md, each codec's body)
       const struct {
         const char *codec;
         std::vector<uint64_t> unused;
       } table[] = {{"identity", {1, 2, 3}}, {"spherical", {1, 2}}, {"natural", {3}},
                    {"topk", {1, 2}},        {"randk", {1, 2}},     {"sign", {1, 2}},
                    {"fp16", {2, 3}},        {"bf16", {2, 3}}};
       std::vector<Row> rows;
       for (const auto &t : table) {
         Bytes p = make(t.codec, {}, heavy(50));
         for (uint64_t pk : t.unused)
           rows.push_back(header_row(std::string(t.codec) + " packing " + std::to_string(pk), p,
                                     with_field(p, 7, 1, pk), "never uses packing"));
       }
       return rows;
     }},
    {"UnknownFlags", [] { return field_rows(8, 1, {2, 3, 0x80}, "unknown flags"); }},
    {"ReservedHeaderByte",
     [] {
       std::vector<Row> rows;
       Bytes p = base();
       for (size_t at = 9; at < 16; at++)
         rows.push_back(header_row("byte " + std::to_string(at), p, with_field(p, at, 1, 0x80),
                                   "reserved header byte"));
       return rows;
     }},
    {"DimensionOutOfRange",
     [] {
       return field_rows(16, 8, {0, (1ull << 40) + 1, UINT64_MAX}, "out of range");
     }},
    {"DimensionAboveCapacity",
     [] {
       // the bytes are sound: the forgery is a dst one float short of d
       Bytes p = base();
       Row r = grr::row("dst one short", p, p, "dst only");
       r.want = gcompDstTooSmall;
       r.info = grr::kInfoAccepts;
       r.cap = grr::dim(p) - 1;
       return std::vector<Row>{r};
     }},
    {"BodyShorterThanBodyBits",
     [] {
       // body_bits says one byte more than is handed over; the buffer holds
       // that byte (and the checksum covers it), so only the length check
       // keeps gcompPayloadGetInfo from reading it
       Bytes p = base();
       Bytes body = gtf::body_of(p);
       body.push_back(0);
       Row r = header_row("one byte short", p,
                          gtf::with_body(p, body, gtf::body_bits(p) + 8), "bytes follow");
       r.size = p.size();
       return std::vector<Row>{r};
     }},
    {"TrailingBytes",
     [] {
       Bytes p = base();
       Bytes bad = p;
       bad.push_back(0);
       Row r = grr::row("one byte more", p, bad, "header says");
       r.info = grr::kInfoAccepts;  // a stream of payloads
       return std::vector<Row>{r};
     }},
    {"ChecksumMismatch",
     [] {
       std::vector<Row> rows;
       Bytes p = make("identity", {}, heavy(50));
       for (size_t at : {(size_t)64, (size_t)24}) {  // a value's low byte, the seed
         Bytes bad = p;
         bad[at] ^= 1;
         Row r = header_row("byte " + std::to_string(at), p, bad, "checksum mismatch");
         r.sealed = false;
         rows.push_back(r);
       }
       return rows;
     }},
    {"PaddingBits",
     [] {
       const grr::Params st = {{"packing", "structured"}};
       const CodecBase codecs[] = {{"sd", st},   {"qsgd", st},      {"terngrad", st},
                                   {"sign", st}, {"spherical", st}, {"topk", st}};
       std::vector<Row> rows;
       for (const auto &c : codecs) {
         Bytes p = with_padding(c.codec, c.params);
         EXPECT_NE(gtf::body_bits(p) % 8, 0u) << c.codec;
         // the highest padding bit, and the lowest (the one right after the
         // body's last bit, which an off-by-one check would miss)
         for (unsigned bit : {7u, (unsigned)(gtf::body_bits(p) % 8)}) {
           Bytes bad = p;
           bad.back() |= (uint8_t)(1u << bit);
           gtf::reseal(bad);
           rows.push_back(header_row(c.codec, p, bad, "padding bits are not zero"));
         }
       }
       return rows;
     }},
    {"SdNuOutOfRange",
     [] { return param_rows({{"sd", {}}}, {0.0, -0.0, 1.0, 1.5, -0.1, kNan, kInf}); }},
    {"SdUnbiasedOmegaOutOfRange",
     [] {
       return param_rows({{"sd-unbiased", {}}},
                         {0.0, -1.0, std::nextafter(1e6, 2e6), kNan, kInf});
     }},
    {"SphericalAlphaOutOfRange",
     [] { return param_rows({{"spherical", {}}}, {0.0, 1.0, -0.5, kNan, kInf}); }},
    {"SphericalAlphaLeavesNoBudget",
     [] {
       // alpha_s <= 0 (FORMAT-spherical.md, "Blocks and constants"), in
       // either packing
       return param_rows({{"spherical", {{"packing", "structured"}}},
                          {"spherical", {{"packing", "direct"}}}},
                         {0.001, 0.0019});
     }},
    {"SphericalBlockOutOfRange",
     [] { return block_rows({{"spherical", {}}}, {0, 65, 1ull << 32}); }},
    {"BlockFieldNotZero",
     [] {
       return block_rows({{"sd", {}},
                          {"sd-unbiased", {}},
                          {"identity", {}},
                          {"natural", {}},
                          {"sign", {}},
                          {"terngrad", {}},
                          {"fp16", {}},
                          {"bf16", {}}},
                         {1, 1ull << 63});
     }},
    {"ParamNotZero",
     [] {
       auto rows = param_rows({{"identity", {}},
                               {"qsgd", {}},
                               {"natural-dithering", {}},
                               {"natural", {}},
                               {"topk", {}},
                               {"randk", {}},
                               {"sign", {}},
                               {"terngrad", {}},
                               {"fp16", {}},
                               {"bf16", {}}},
                              {0.5, 1.0, kNan});
       // "+0.0" bit for bit; -0.0 for the other codecs is another helper's
       auto minus = param_rows({{"qsgd", {}}, {"natural-dithering", {}}, {"terngrad", {}}}, {-0.0});
       rows.insert(rows.end(), minus.begin(), minus.end());
       return rows;
     }},
    {"QsgdLevelsOutOfRange",
     [] { return block_rows({{"qsgd", {}}}, {0, (1ull << 20) + 1, 1ull << 32}); }},
    {"NaturalDitheringLevelsOutOfRange",
     [] { return block_rows({{"natural-dithering", {}}}, {0, 31, 1ull << 32}); }},
    {"KOutOfRange",
     [] {
       // k in 1..n (n = d = 50 here)
       return block_rows({{"topk", {{"k", "5"}}}, {"randk", {{"k", "5"}}}}, {0, 51, 1ull << 40});
     }},
};

const bool registered = grr::register_rules(kRules, __FILE__);

}  // namespace
