// The CPU rotation (host/stages/rotate.c) runs its butterflies cache-blocked and
// three stages per pass; FORMAT.md defines the rotation as the plain
// stage-by-stage transform. Every element must see the same operations in
// the same order, so the two are compared bit for bit here, at every
// power-of-two length up to 2^20, forward and inverse.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "codec_helpers.h"
#include "shared/hadamard.h"
#include "stages/rotate.h"
#include "vectors.h"

namespace {

// FORMAT.md's definition, written as plainly as possible.
void plain_fwht(std::vector<float> &y) {
  const uint64_t n = y.size();
  for (uint64_t span = 1; span < n; span <<= 1)
    for (uint64_t i = 0; i < n; i += 2 * span)
      for (uint64_t j = i; j < i + span; j++) {
        float u = y[j], v = y[j + span];
        y[j] = u + v;
        y[j + span] = u - v;
      }
}

void plain_signs(std::vector<float> &y, uint64_t seed) {
  for (uint64_t i = 0; i < y.size(); i++)
    if (gcomp_rotation_negate(seed, i)) y[i] = -y[i];
}

void plain_scale(std::vector<float> &y) {
  const float s = gcomp_rotation_scale(y.size());
  for (float &v : y) v *= s;
}

TEST(Rotate, BlockedTransformIsThePlainOneBitForBit) {
  for (int lg = 0; lg <= 20; lg++) {
    const uint64_t n = 1ull << lg, d = n - n / 3;  // some zero padding
    SCOPED_TRACE("n = 2^" + std::to_string(lg));
    const uint64_t seed = 77 + (uint64_t)lg;
    std::vector<float> x = gtv::family(lg % 2 ? "heavy" : "gaussian", d, 3);
    std::vector<float> want(n, 0.0f);
    for (uint64_t i = 0; i < d; i++) want[i] = x[i];
    plain_signs(want, seed);
    plain_fwht(want);
    plain_scale(want);
    std::vector<float> got(n);
    gcomp_rotate_forward(x.data(), d, n, seed, got.data());
    ASSERT_TRUE(gth::bitwise_equal(got, want)) << "forward";

    std::vector<float> back = want;
    plain_fwht(back);
    plain_scale(back);
    plain_signs(back, seed);
    gcomp_rotate_inverse(got.data(), n, seed);
    ASSERT_TRUE(gth::bitwise_equal(got, back)) << "inverse";
    double err = 0, norm = 0;
    for (uint64_t i = 0; i < d; i++) {
      err += ((double)got[i] - x[i]) * ((double)got[i] - x[i]);
      norm += (double)x[i] * x[i];
    }
    EXPECT_LE(err, 1e-10 * norm + 1e-30);  // and it is an inverse
  }
}

}  // namespace
