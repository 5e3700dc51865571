// Every codec at every size of issue 2: the `direct` packing stores the
// encoder's own quantized vector, so every other packing must decode to it
// bit for bit, and decoding must be deterministic and seed-driven.
#include <gtest/gtest.h>

#include "codec_helpers.h"
#include "vectors.h"

namespace {

using gth::Codec;

struct Spec {
  const char *codec;
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<const char *> packings;
};

TEST(RoundTrip, EveryCodecEverySizeMatchesItsReferenceBitForBit) {
  const std::vector<Spec> specs = {
      {"identity", {}, {"direct"}},
      {"identity", {{"rotate", "1"}}, {"direct"}},
      {"sd", {{"nu", "0.1"}}, {"structured", "entropy", "fixed"}},
      {"sd", {{"nu", "0.1"}, {"rotate", "1"}}, {"structured", "entropy", "fixed"}},
      {"sd-unbiased", {{"omega", "0.25"}}, {"structured", "entropy", "fixed"}},
      {"spherical", {{"alpha", "0.8"}, {"block", "4"}}, {"structured"}},
      {"spherical", {{"alpha", "0.8"}, {"block", "4"}, {"rotate", "1"}}, {"structured"}},
  };
  for (uint64_t d : {1ull, 2ull, 3ull, 7ull, 1000ull, (1ull << 20) + 3}) {
    for (const auto &spec : specs) {
      for (const auto &fam : gtv::families()) {
        if (d > 100000 && fam != "gaussian" && fam != "sparse") continue;
        auto x = gtv::family(fam, d, 17);
        auto params = spec.params;
        params.push_back({"packing", "direct"});
        Codec ref_codec(spec.codec, params);
        auto ref = gth::decode(gth::encode(ref_codec, x, 5), d);
        for (const char *pk : spec.packings) {
          params.back().second = pk;
          Codec codec(spec.codec, params);
          auto p = gth::encode(codec, x, 5);
          EXPECT_EQ(gth::info(p).packing == gcompPackDirect, std::string(pk) == "direct");
          ASSERT_TRUE(gth::bitwise_equal(gth::decode(p, d), ref))
              << spec.codec << " " << pk << " d=" << d << " " << fam;
        }
      }
    }
  }
}

}  // namespace
