// The reject rules of docs/FORMAT.md, FORMAT-rans.md and FORMAT-spherical.md
// as tables: one GoogleTest case per rule, RejectRules.<Rule>. Each row is a
// valid payload from the encoder and a copy with that one rule broken and
// the checksum resealed, so the checksum cannot be what refuses it. The
// refusal's detail names the check that fired: a case fails when its check
// is removed, even where a later check would still refuse the payload.
#ifndef GCOMP_TESTS_REJECT_RULES_H
#define GCOMP_TESTS_REJECT_RULES_H

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "codec_helpers.h"
#include "forge.h"
#include "vectors.h"

namespace grr {

using Bytes = std::vector<uint8_t>;
using Params = std::vector<std::pair<std::string, std::string>>;

// What gcompPayloadGetInfo must say of a row: nothing (a body rule), the
// decoder's refusal (a header rule), or success (rules of gcompDecode alone).
enum Info { kBodyRule, kInfoRefuses, kInfoAccepts };

struct Row {
  std::string what;
  Bytes valid, bad;
  const char *detail;  // a part of gcompGetLastErrorDetail() after the refusal
  gcompResult_t want = gcompCorruptPayload;
  Info info = kBodyRule;
  size_t size = 0;     // bytes handed over when fewer than bad.size()
  uint64_t cap = 0;    // dst capacity when not the valid payload's d
  bool sealed = true;  // the checksum matches the forged bytes
};

inline Row row(std::string what, Bytes valid, Bytes bad, const char *detail) {
  Row r;
  r.what = std::move(what);
  r.valid = std::move(valid);
  r.bad = std::move(bad);
  r.detail = detail;
  return r;
}

inline Row header_row(std::string what, Bytes valid, Bytes bad, const char *detail,
                      gcompResult_t want = gcompCorruptPayload) {
  Row r = row(std::move(what), std::move(valid), std::move(bad), detail);
  r.want = want;
  r.info = kInfoRefuses;
  return r;
}

struct Rule {
  const char *name;
  std::function<std::vector<Row>()> rows;
};

inline Bytes make(const char *codec, const Params &params, const std::vector<float> &x,
                  uint64_t seed = 5) {
  gth::Codec c(codec, params);
  return gth::encode(c, x, seed);
}

inline std::vector<float> heavy(uint64_t d, uint64_t seed = 9) {
  return gtv::family("heavy", d, seed);
}

inline uint64_t dim(const Bytes &p) { return gcomp_load_u64(p.data() + 16); }

// gcompDecode into exactly cap floats (ASan sees any write past them).
inline gcompResult_t decode(const Bytes &p, size_t size, uint64_t cap, float beta) {
  std::vector<float> y(cap, 1.0f);
  return gcompDecode(p.data(), size, y.data(), cap, beta);
}

inline std::string detail() { return gcompGetLastErrorDetail(); }

inline void expect_refused(gcompResult_t got, const Row &r, const char *how) {
  EXPECT_EQ(got, r.want) << how << ": " << detail();
  if (got == r.want && r.want != gcompSuccess) {
    EXPECT_NE(detail().find(r.detail), std::string::npos)
        << how << ": refused by another check: \"" << detail() << "\", expected \"" << r.detail
        << "\"";
  }
}

inline void check_row(const Row &r) {
  SCOPED_TRACE(r.what);
  uint64_t cap = r.cap ? r.cap : dim(r.valid);
  ASSERT_EQ(decode(r.valid, r.valid.size(), dim(r.valid), 0.0f), gcompSuccess)
      << "the base payload: " << detail();
  if (!r.cap) {
    ASSERT_NE(r.bad, r.valid) << "nothing forged";
  }
  size_t size = r.size ? r.size : r.bad.size();
  if (r.sealed) {
    uint64_t total = GCOMP_HEADER_BYTES + (gtf::body_bits(r.bad) + 7) / 8;
    if (total > r.bad.size()) total = r.bad.size();
    ASSERT_EQ(gcomp_payload_checksum(r.bad.data(), (size_t)total),
              gcomp_load_u64(r.bad.data() + GCOMP_CHECKSUM_OFFSET))
        << "forgery not resealed";
  }
  expect_refused(decode(r.bad, size, cap, 0.0f), r, "gcompDecode");
  // beta != 0 takes the fused decode-and-accumulate path where a codec has one
  expect_refused(decode(r.bad, size, cap, 0.5f), r, "gcompDecode with beta");
  if (r.info == kBodyRule) return;
  gcompPayloadInfo_t info;
  gcompResult_t got = gcompPayloadGetInfo(r.bad.data(), size, &info);
  if (r.info == kInfoAccepts) {
    EXPECT_EQ(got, gcompSuccess) << "gcompPayloadGetInfo: " << detail();
  } else {
    expect_refused(got, r, "gcompPayloadGetInfo");
  }
}

class RuleTest : public ::testing::Test {
 public:
  explicit RuleTest(const Rule *rule) : rule_(rule) {}
  void TestBody() override {
    std::vector<Row> rows = rule_->rows();
    ASSERT_FALSE(rows.empty());
    for (const Row &r : rows) check_row(r);
  }

 private:
  const Rule *rule_;
};

// Registers RejectRules.<name> for each rule; rules must outlive the run.
inline bool register_rules(const std::vector<Rule> &rules, const char *file) {
  for (const Rule &rule : rules) {
    const Rule *p = &rule;
    ::testing::RegisterTest("RejectRules", rule.name, nullptr, nullptr, file, 0,
                            [p]() -> ::testing::Test * { return new RuleTest(p); });
  }
  return true;
}

}  // namespace grr

#endif
