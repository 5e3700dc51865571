// Kernels whose blocks set the call's status themselves, driven so that
// many blocks fail while their neighbours of the same launch do not: every
// block must take its early exit as a whole (a warp leaving while the rest
// of its block waits at a barrier is undefined behaviour). A plain run shows
// the CPU's code and an untouched dst; `compute-sanitizer --tool synccheck`
// on these tests (scripts/gpu_check.sh) is what sees a divergent barrier.
// Skipped without a CUDA device.
#include <gtest/gtest.h>

#include <cfloat>
#include <cstdint>
#include <string>
#include <vector>

#include "../forge.h"
#include "device_util.h"

namespace {

using gth::Codec;
using namespace gpu_test;

constexpr uint64_t kChunk = 4096;  // a fixed-section chunk: one block

// QSGD with 1000 levels over 127 chunks, +-FLT_MAX in every odd chunk and
// zeros elsewhere: the scale is finite, but each odd chunk's largest level
// rounds (unbiased, so per seed) to one that decodes to Inf, which its
// fixed_count block refuses while the even chunks' blocks pass their check.
TEST(BlockSync, FixedCountBlocksRefuseWhileOthersPass) {
  REQUIRE_DEVICE();
  Codec c("qsgd", {{"levels", "1000"}, {"packing", "fixed"}});
  const uint64_t chunks = 127, d = chunks * kChunk;
  std::vector<float> x(d, 0.0f);
  for (uint64_t k = 1; k < chunks; k += 2) x[k * kChunk + 7] = k % 4 == 1 ? FLT_MAX : -FLT_MAX;
  for (uint64_t seed = 1; seed <= 5; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    size_t bound = 0, size = 0;
    ASSERT_EQ(gcompEncodeBound(c.h, d, &bound), gcompSuccess);
    std::vector<uint8_t> cpu(bound);
    ASSERT_EQ(gcompEncode(c.h, x.data(), d, seed, cpu.data(), bound, &size),
              gcompParameterOutOfRange)
        << "the scenario needs the CPU's level check to refuse";
    EncodeResult g = gpu_encode(c, x, seed);
    EXPECT_EQ(g.status, gcompParameterOutOfRange) << gcompGetErrorString(g.status);
    EXPECT_TRUE(g.payload.empty());
    for (size_t i = 0; i < g.whole.size(); i++)
      ASSERT_EQ(g.whole[i], kGuard) << "byte " << i << " written by a refused encode";
  }
}

// A fixed-section payload of 127 chunks whose odd chunks claim width 33:
// those fixed_unpack blocks fail their framing check while the even
// chunks' blocks decode. Nothing may reach dst past the values, and the
// code is the CPU's.
TEST(BlockSync, FixedUnpackBlocksFailWhileOthersDecode) {
  REQUIRE_DEVICE();
  Codec c("sd", {{"nu", "0.1"}, {"packing", "fixed"}});
  const uint64_t chunks = 127, d = chunks * kChunk;
  auto x = gtv::family("gaussian", d, 8);
  std::vector<uint8_t> p = gth::encode(c, x, 5);
  ASSERT_FALSE(p.empty());
  // body: 31-bit gamma and pad bit, the chunk table, then each chunk's
  // width byte, escape count and bits
  const size_t table = GCOMP_HEADER_BYTES + 4, first = table + 4 * chunks;
  size_t at = first;
  for (uint64_t k = 0; k < chunks; k++) {
    if (k % 2) p[at] = 33;
    at += gcomp_load_u32(p.data() + table + 4 * k);
  }
  ASSERT_EQ(at, p.size()) << "the chunk table walks the whole body";
  gcomp_store_u64(p.data() + GCOMP_CHECKSUM_OFFSET, gcomp_payload_checksum(p.data(), p.size()));
  std::vector<float> acc(d, 1.0f);
  gcompResult_t want;
  cpu_decode(p, d, 0.5f, acc, &want);
  ASSERT_EQ(want, gcompCorruptPayload);
  for (int rep = 0; rep < 5; rep++) {
    DecodeResult g = gpu_decode(c, p, d, 0.5f, acc);
    EXPECT_EQ(g.status, gcompCorruptPayload) << gcompGetErrorString(g.status);
    EXPECT_TRUE(g.guard_intact);
  }
}

}  // namespace
