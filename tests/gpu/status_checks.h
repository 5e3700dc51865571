// Status checks the spherical and rand-k device suites share: the CPU's
// refusal codes, forged bodies, a too small dst, and payloads of the other
// packing. They build on device_util.h's parity contract.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../forge.h"
#include "device_util.h"

namespace gpu_test {

// The device decodes payload p as gcompDecode does: the same code, the same
// floats on success, and nothing written past dst[d).
inline void expect_cpu_result(const gth::Codec &c, const std::vector<uint8_t> &p, uint64_t d,
                              float beta, const std::vector<float> &acc) {
  gcompResult_t want;
  std::vector<float> y = cpu_decode(p, d, beta, acc, &want);
  DecodeResult g = gpu_decode(c, p, d, beta, acc);
  ASSERT_EQ(g.status, want) << gcompGetErrorString(g.status) << " vs "
                            << gcompGetErrorString(want);
  EXPECT_TRUE(g.guard_intact);
  if (want == gcompSuccess) {
    EXPECT_TRUE(gth::bitwise_equal(g.y, y));
  }
}

// Random bit flips and cuts of a real body, resealed with a valid checksum
// so they reach the body decoder: the device must accept exactly what
// gcompDecode accepts, with the same floats, and refuse the rest with the
// same code.
inline void check_forged_bodies(const gth::Codec &c, const std::vector<uint8_t> &base,
                                uint64_t d, int trials, uint64_t seed) {
  uint64_t s = seed;
  auto next = [&s]() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return s >> 33;
  };
  std::vector<float> acc(d, 1.0f);
  for (int trial = 0; trial < trials; trial++) {
    SCOPED_TRACE("forged body " + std::to_string(trial));
    std::vector<uint8_t> p = base;
    for (int e = 0, edits = (int)(next() % 3); e < edits; e++)
      p[64 + next() % (p.size() - 64)] ^= (uint8_t)(1u << (next() % 8));
    if (trial % 4 == 0) {  // cut, or claim fewer bits than the bytes hold
      p.resize(65 + next() % (p.size() - 64));
      unsigned unused = (unsigned)(next() % 8);  // their bits must be zero
      gcomp_store_u64(p.data() + 32, 8 * (uint64_t)(p.size() - 64) - unused);
      p.back() &= (uint8_t)(0xffu >> unused);
    }
    gcomp_store_u64(p.data() + GCOMP_CHECKSUM_OFFSET, gcomp_payload_checksum(p.data(), p.size()));
    expect_cpu_result(c, p, d, 0.5f, acc);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Truncated, and a size the buffer cannot hold.
  EXPECT_EQ(gpu_decode(c, base, d, 0.0f, acc, base.size() - 1).status, gcompCorruptPayload);
  EXPECT_EQ(gpu_decode(c, base, d, 0.0f, acc, base.size() + 1).status, gcompCorruptPayload);
}

// Parity where the CPU encodes x, else the CPU's refusal code on the device.
inline void check_parity_or_refusal(const gth::Codec &c, const std::vector<float> &x,
                                    uint64_t seed, const std::string &what) {
  SCOPED_TRACE(what);
  size_t cap = 0, size = 0;
  ASSERT_EQ(gcompEncodeBound(c.h, x.size(), &cap), gcompSuccess);
  std::vector<uint8_t> out(cap);
  gcompResult_t want = gcompEncode(c.h, x.data(), x.size(), seed, out.data(), cap, &size);
  if (want == gcompSuccess) {
    check_parity(c, x, seed, what);
    return;
  }
  EncodeResult g = gpu_encode(c, x, seed);
  EXPECT_EQ(g.status, want) << gcompGetErrorString(g.status) << " vs "
                            << gcompGetErrorString(want);
  EXPECT_TRUE(g.payload.empty()) << "*dstSize must be 0 after a failure";
}

// Capacity one byte short of the CPU's payload: gcompDstTooSmall, no
// *dstSize, and not a byte written past the capacity.
inline void check_dst_too_small(const gth::Codec &c, const std::vector<float> &x,
                                uint64_t seed) {
  std::vector<uint8_t> cpu = gth::encode(c, x, seed);
  EncodeResult exact = gpu_encode(c, x, seed, cpu.size());
  EXPECT_EQ(exact.status, gcompSuccess);
  EXPECT_TRUE(exact.payload == cpu);
  EncodeResult small = gpu_encode(c, x, seed, cpu.size() - 1);
  EXPECT_EQ(small.status, gcompDstTooSmall);
  EXPECT_TRUE(small.payload.empty());
  for (size_t i = cpu.size() - 1; i < small.whole.size(); i++)
    ASSERT_EQ(small.whole[i], kGuard) << "byte " << i << " written past the capacity";
}

// A codec with packing auto decodes the payloads of both packings as the
// CPU does; one that names a packing refuses the other's payload
// (gcompInvalidUsage: the ranks disagree).
inline void check_packings_across_ranks(const gth::Codec &structured, const gth::Codec &direct,
                                        const gth::Codec &any, const std::vector<float> &x) {
  const uint64_t d = x.size();
  std::vector<uint8_t> ps = gth::encode(structured, x, 1), pd = gth::encode(direct, x, 1);
  gcompResult_t rc;
  for (const auto *p : {&ps, &pd}) {
    std::vector<float> want = cpu_decode(*p, d, 0.0f, x, &rc);
    DecodeResult g = gpu_decode(any, *p, d, 0.0f, x);
    EXPECT_EQ(g.status, gcompSuccess);
    EXPECT_TRUE(gth::bitwise_equal(g.y, want));
  }
  EXPECT_EQ(gpu_decode(direct, ps, d, 0.0f, x).status, gcompInvalidUsage);
  EXPECT_EQ(gpu_decode(structured, pd, d, 0.0f, x).status, gcompInvalidUsage);
}

}  // namespace gpu_test
