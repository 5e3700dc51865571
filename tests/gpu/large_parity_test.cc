// Every codec on the device at d = 2^26 (the largest size): grids
// far beyond one wave, multi-level reductions, 64-bit offsets in the scans
// and sorts. One family and one seed each: the CPU reference is the slow
// side here. The name keeps it out of the compute-sanitizer runs
// (scripts/gpu_check.sh filters *TwoToThe*).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "device_util.h"

namespace {

using gth::Codec;
using namespace gpu_test;

TEST(EveryCodecParity, TwoToTheTwentySix) {
  REQUIRE_DEVICE();
  const uint64_t d = 1ull << 26;
  const std::vector<float> x = gtv::family("gaussian", d, 21);
  const std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
      codecs = {{"identity", {}},
                {"sd-unbiased", {{"packing", "fixed"}}},
                {"sd", {{"packing", "entropy"}, {"rotate", "1"}}},
                {"qsgd", {{"levels", "16"}, {"packing", "fixed"}}},
                {"natural-dithering", {{"levels", "4"}, {"packing", "entropy"}}},
                {"terngrad", {{"packing", "fixed"}}},
                {"natural", {{"packing", "fixed"}}},
                {"fp16", {}},
                {"bf16", {}},
                {"sign", {}},
                {"topk", {}},
                {"randk", {}},
                // few expected trials a block, so the CPU side stays minutes, not hours
                {"spherical", {{"alpha", "0.8"}, {"block", "16"}}}};
  for (const auto &[name, params] : codecs) {
    Codec c(name, params);
    check_parity(c, x, 13, name + " d=2^26 gaussian");
  }
}

}  // namespace
