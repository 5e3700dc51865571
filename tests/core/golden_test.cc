// Golden payloads (tests/golden/): bytes written by this format version for
// a fixed input. Encoding must reproduce them exactly (any change to the
// wire format or to a codec's arithmetic shows up here), and they must
// decode to the stored vectors. Regenerate only on a deliberate format
// change: GCOMP_WRITE_GOLDEN=1 gcomp_tests --gtest_filter='Golden.*'.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "codec_helpers.h"
#include "vectors.h"

namespace {

using gth::Codec;

struct Golden {
  const char *file;
  const char *codec;
  std::vector<std::pair<std::string, std::string>> params;
};

const std::vector<Golden> &goldens() {
  static const std::vector<Golden> g = {
      {"identity", "identity", {}},
      {"sd_structured", "sd", {{"packing", "structured"}}},
      {"sd_entropy", "sd", {{"packing", "entropy"}}},
      {"sd_fixed", "sd", {{"packing", "fixed"}}},
      {"sd_fixed_rotate", "sd", {{"packing", "fixed"}, {"rotate", "1"}}},
      {"sd_unbiased_structured", "sd-unbiased", {{"packing", "structured"}}},
      {"sd_unbiased_entropy", "sd-unbiased", {{"packing", "entropy"}, {"omega", "1"}}},
      {"spherical", "spherical", {{"alpha", "0.5"}, {"block", "6"}}},
      {"fp16", "fp16", {}},
      {"fp16_direct", "fp16", {{"packing", "direct"}}},
      {"bf16", "bf16", {}},
      {"bf16_direct", "bf16", {{"packing", "direct"}}},
      {"topk", "topk", {{"packing", "structured"}}},
      {"topk_bitmap", "topk", {{"k", "350"}, {"packing", "structured"}}},
      {"randk", "randk", {{"k", "70"}}},
      {"sign", "sign", {}},
      {"natural_fixed", "natural", {{"packing", "fixed"}}},
      {"natural_entropy", "natural", {{"packing", "entropy"}}},
      {"qsgd_structured", "qsgd", {{"packing", "structured"}}},
      {"qsgd_fixed", "qsgd", {{"packing", "fixed"}, {"levels", "64"}}},
      {"natural_dithering_structured", "natural-dithering", {{"packing", "structured"}}},
      {"natural_dithering_entropy", "natural-dithering", {{"packing", "entropy"}, {"levels", "8"}}},
      {"terngrad_structured", "terngrad", {{"packing", "structured"}}},
      {"terngrad_fixed_rotate", "terngrad", {{"packing", "fixed"}, {"rotate", "1"}}},
  };
  return g;
}

std::string path(const std::string &name) { return std::string(GCOMP_TEST_DIR) + "/golden/" + name; }

std::vector<uint8_t> read(const std::string &p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

void write(const std::string &p, const void *data, size_t n) {
  std::ofstream f(p, std::ios::binary);
  f.write((const char *)data, (std::streamsize)n);
}

TEST(Golden, EncodingReproducesStoredPayloadsAndTheyDecodeToStoredVectors) {
  auto x = gtv::family("heavy", 700, 2024);
  bool regenerate = std::getenv("GCOMP_WRITE_GOLDEN") != nullptr;
  for (const auto &g : goldens()) {
    Codec codec(g.codec, g.params);
    auto p = gth::encode(codec, x, 31337);
    auto y = gth::decode(p, x.size());
    if (regenerate) {
      write(path(std::string(g.file) + ".gcmp"), p.data(), p.size());
      write(path(std::string(g.file) + ".f32"), y.data(), y.size() * sizeof(float));
      continue;
    }
    auto stored = read(path(std::string(g.file) + ".gcmp"));
    auto vec = read(path(std::string(g.file) + ".f32"));
    ASSERT_FALSE(stored.empty()) << "missing golden " << g.file;
    EXPECT_EQ(p, stored) << g.file << ": encoder output changed";
    std::vector<float> want(vec.size() / sizeof(float));
    std::memcpy(want.data(), vec.data(), vec.size());
    EXPECT_TRUE(gth::bitwise_equal(gth::decode(stored, x.size()), want))
        << g.file << ": decoding the stored payload changed";
  }
}

}  // namespace
