// The device decoder's twin of param_zero_test.cc: a header holding -0.0
// where FORMAT.md says +0.0 is corrupt on the GPU path too, as on the CPU.
// Skipped, loudly, without a CUDA device.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "device_util.h"
#include "core/wire.h"

namespace {

using namespace gpu_test;

TEST(ParamZeroGpu, MinusZeroInTheHeaderIsCorrupt) {
  REQUIRE_DEVICE();
  const std::vector<Spec> specs = {{"identity", {}},
                                   {"topk", {}},
                                   {"randk", {}},
                                   {"qsgd", {{"packing", "fixed"}}},
                                   {"natural-dithering", {{"packing", "fixed"}}},
                                   {"terngrad", {{"packing", "fixed"}}},
                                   {"natural", {{"packing", "fixed"}}},
                                   {"fp16", {{"packing", "fixed"}}},
                                   {"bf16", {{"packing", "fixed"}}},
                                   {"sign", {{"packing", "structured"}}}};
  const uint64_t d = 300;
  for (const Spec &s : specs) {
    SCOPED_TRACE(describe(s, d, "param -0.0"));
    Codec c(s.name, s.params);
    std::vector<uint8_t> p = gth::encode(c, gtv::family("gaussian", d, 5), 3);
    ASSERT_GT(p.size(), GCOMP_HEADER_BYTES);
    ASSERT_EQ(gpu_decode(c, p, d, 0.0f, {}).status, gcompSuccess);
    gcomp_store_u64(p.data() + 40, 0x8000000000000000ull);
    gcomp_store_u64(p.data() + GCOMP_CHECKSUM_OFFSET, gcomp_payload_checksum(p.data(), p.size()));
    DecodeResult g = gpu_decode(c, p, d, 0.0f, {});
    EXPECT_EQ(g.status, gcompCorruptPayload) << gcompGetErrorString(g.status);
    EXPECT_TRUE(g.guard_intact);
  }
}

}  // namespace
