// Device parity for the shared Philox and det_math code: the CPU reference
// is only useful if the kernels draw exactly the same bits, and gcomp_philox
// claims to be cuRAND's Philox4_32_10 stream, which only a GPU can confirm.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "shared/det_math.h"
#include "device_util.h"
#include "shared/philox.h"
#include "philox_check.h"

namespace {

using gpu_test::have_cuda_device;

uint32_t float_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

struct Case {
  uint64_t seed;
  uint64_t stream;
  uint64_t first_draw;
  uint32_t n;
};

const Case kCases[] = {
    {0, 0, 0, 1024},
    {42, GCOMP_STREAM_ROTATION + 3, 1000, 1024},
    // Draw counter crossing 2^32: the carry into counter word 1.
    {0x0123456789abcdefull, GCOMP_STREAM_SPHERICAL + 5, 0xfffffe00ull, 1024},
    // Largest stream index of a domain, draws past 2^40.
    {0xfedcba9876543210ull, GCOMP_STREAM_ROUNDING + ((uint64_t{1} << 48) - 1),
     (uint64_t{1} << 40) + 17, 512},
    // All-ones seed and stream, draws ending at cuRAND's 2^62 limit.
    {~uint64_t{0}, ~uint64_t{0}, (uint64_t{1} << 62) - 512, 512},
    // Stream crossing into its high word, seed with only the high word set.
    {uint64_t{0xdeadbeef} << 32, 0x100000000ull, 123456789, 512},
};

TEST(PhiloxGpu, MatchesCurandAndHostBitForBit) {
  if (!have_cuda_device()) GTEST_SKIP() << "no CUDA device";

  for (const Case &c : kCases) {
    SCOPED_TRACE(testing::Message()
                 << std::hex << "seed 0x" << c.seed << " stream 0x" << c.stream
                 << " first_draw 0x" << c.first_draw);
    const size_t words = size_t{4} * c.n;
    std::vector<uint32_t> ours(words), curand_out(words);
    std::vector<float> normals(words);
    const int rc = gcomp_cuda_philox_check(c.seed, c.stream, c.first_draw, c.n,
                                           ours.data(), curand_out.data(),
                                           normals.data());
    if (rc == GCOMP_PHILOX_CHECK_NO_DEVICE) GTEST_SKIP() << "no CUDA device";
    ASSERT_EQ(rc, GCOMP_PHILOX_CHECK_OK);

    for (uint32_t i = 0; i < c.n; ++i) {
      const uint64_t draw = c.first_draw + i;
      const gcomp_u32x4 host = gcomp_philox(c.seed, c.stream, draw);
      float host_normals[4];
      gcomp_normals4(host, host_normals);
      for (int k = 0; k < 4; ++k) {
        const size_t j = size_t{4} * i + k;
        ASSERT_EQ(ours[j], curand_out[j]) << "draw " << draw << " word " << k;
        ASSERT_EQ(ours[j], host.v[k]) << "draw " << draw << " word " << k;
        ASSERT_EQ(float_bits(normals[j]), float_bits(host_normals[k]))
            << "draw " << draw << " normal " << k << ": device " << normals[j]
            << " host " << host_normals[k];
      }
    }
  }
}

TEST(PhiloxGpu, RejectsDrawsPastCurandOffsetRange) {
  uint32_t a[4], b[4];
  float f[4];
  // Argument checks come before the device probe, so this runs anywhere.
  EXPECT_EQ(gcomp_cuda_philox_check(1, 2, uint64_t{1} << 62, 1, a, b, f),
            GCOMP_PHILOX_CHECK_BAD_ARGS);
  EXPECT_EQ(gcomp_cuda_philox_check(1, 2, 0, 1, nullptr, b, f),
            GCOMP_PHILOX_CHECK_BAD_ARGS);
}

}  // namespace
