// Packing entropy (the rANS section, docs/FORMAT-rans.md) on the device
// path, for the level codecs and natural compression: gcompEncode's bytes
// exactly, either side's payloads decoded to gcompDecode's floats bit for
// bit, and forged tables, chunk lengths and chunk states refused with the
// CPU's code. Skipped, loudly, without a CUDA device.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "shared/rans_table.h"
#include "status_checks.h"

namespace {

using gth::Codec;
using namespace gpu_test;

// Levels that make escapes (qsgd 1000, natural's symbols up to 509) as
// well as the defaults.
std::vector<Spec> specs() {
  return with_rotations({{"sd", {{"nu", "0.1"}, {"packing", "entropy"}}},
                         {"sd-unbiased", {{"omega", "0.25"}, {"packing", "entropy"}}},
                         {"qsgd", {{"packing", "entropy"}}},
                         {"qsgd", {{"levels", "1000"}, {"packing", "entropy"}}},
                         {"natural-dithering", {{"packing", "entropy"}}},
                         {"natural-dithering", {{"levels", "30"}, {"packing", "entropy"}}},
                         {"terngrad", {{"packing", "entropy"}}},
                         {"natural", {{"packing", "entropy"}}}});
}

TEST(EntropyParity, PayloadsAndDecodesMatchTheCpuBitForBit) {
  REQUIRE_DEVICE();
  check_parity_sizes(specs());
}

TEST(EntropyParity, ZeroVectorsSeedsAndRotationSplits) {
  REQUIRE_DEVICE();
  check_parity_zeros_and_seeds(specs());
}

// Many chunks: 16384 lanes, 64-bit offsets in the scan of chunk lengths.
TEST(EntropyParity, TwoToTheTwentySix) {
  REQUIRE_DEVICE();
  Codec c("sd", {{"nu", "0.1"}, {"packing", "entropy"}});
  check_parity(c, gtv::family("gaussian", 1ull << 26, 8), 11, "sd entropy d=2^26 gaussian");
}

TEST(EntropyStatus, DstTooSmallWritesNothingPastCapacity) {
  REQUIRE_DEVICE();
  for (const Spec &spec : specs()) {
    Codec c(spec.name, spec.params);
    check_dst_too_small(c, gtv::family("gaussian", 10000, 3), 4);
  }
}

TEST(EntropyStatus, RandomlyForgedBodiesGiveTheCpusAnswer) {
  REQUIRE_DEVICE();
  for (const Spec &spec : specs()) {
    Codec c(spec.name, spec.params);
    const uint64_t d = 9000;
    check_forged_bodies(c, gth::encode(c, gtv::family("gaussian", d, 5), 6), d, 40, 77);
  }
}

// Where a level codec's section starts: after the header and the scale.
constexpr size_t kSection = 64 + 4;

// p with `edit` applied to its section, resealed so that the checksum holds
// and the forgery reaches the section decoder: the device must give the
// CPU's code, gcompCorruptPayload for every rule of FORMAT-rans.md.
template <class Edit>
void check_forged(const Codec &c, const std::vector<uint8_t> &p, uint64_t d, Edit edit,
                  const std::string &what) {
  SCOPED_TRACE(what);
  std::vector<uint8_t> bad = p;
  edit(bad);
  gcomp_store_u64(bad.data() + GCOMP_CHECKSUM_OFFSET,
                  gcomp_payload_checksum(bad.data(), bad.size()));
  std::vector<float> acc(d, 1.0f);
  gcompResult_t want;
  cpu_decode(bad, d, 0.5f, acc, &want);
  EXPECT_EQ(want, gcompCorruptPayload) << "the forgery is not one";
  DecodeResult g = gpu_decode(c, bad, d, 0.5f, acc);
  EXPECT_EQ(g.status, want) << gcompGetErrorString(g.status) << " vs "
                            << gcompGetErrorString(want);
  EXPECT_TRUE(g.guard_intact);
}

TEST(EntropyStatus, ForgedTablesAndChunksGiveTheCpusCode) {
  REQUIRE_DEVICE();
  for (const char *rot : {"0", "1"}) {
    Codec c("qsgd", {{"levels", "1000"}, {"packing", "entropy"}, {"rotate", rot}});
    const uint64_t d = 3 * 4096 + 100;
    std::vector<uint8_t> p = gth::encode(c, gtv::family("gaussian", d, 2), 7);
    const uint8_t *sec = p.data() + kSection;
    uint32_t freq[GCOMP_RANS_MAX_ALPHABET];
    unsigned A = 0, where = 0;
    uint32_t sum = 0;
    size_t tb = 0;
    ASSERT_EQ(gcomp_rans_read_table(sec, p.size() - kSection, freq, &A, &tb, &where, &sum),
              GCOMP_RANS_TABLE_OK);
    const uint64_t chunks = 4;  // 12388 values, or 16384 rotated
    const size_t lens = kSection + tb, first = lens + 4 * chunks;
    std::string r = std::string("rotate ") + rot + ": ";
    // Rules 2-5: an extra letter, a too long code, the sum, the padding.
    check_forged(c, p, d, [&](std::vector<uint8_t> &b) { b[kSection] += 1; }, r + "A + 1");
    check_forged(c, p, d, [&](std::vector<uint8_t> &b) { b[kSection + 1] = b[kSection + 2] = 0; },
                 r + "13 leading zeros");
    // One letter: gamma(2) (f = 1, bits 0 1 0) sums to 1; gamma(4097) (f = 4096,
    // bits 12 and 13 set of 25) is whole, and a padding bit after it is set.
    check_forged(c, p, d, [&](std::vector<uint8_t> &b) { b[kSection] = 0, b[kSection + 1] = 0x02; },
                 r + "sum 1");
    check_forged(c, p, d,
                 [&](std::vector<uint8_t> &b) {
                   const uint8_t t[5] = {0x00, 0x00, 0x30, 0x00, 0x80};
                   for (int k = 0; k < 5; k++) b[kSection + k] = t[k];
                 },
                 r + "padding bit");
    // Rules 6-7: lengths below 4, past the section, or leaving bytes over.
    for (uint32_t len : {0u, 3u, 0xffffffffu})
      check_forged(c, p, d, [&](std::vector<uint8_t> &b) { gcomp_store_u32(b.data() + lens, len); },
                   r + "chunk 0 length " + std::to_string(len));
    check_forged(c, p, d,
                 [&](std::vector<uint8_t> &b) {
                   uint8_t *last = b.data() + lens + 4 * (chunks - 1);
                   gcomp_store_u32(last, gcomp_load_u32(last) - 1);
                 },
                 r + "last chunk one byte short");
    // Rule 8: initial states outside [2^23, 2^31).
    for (uint32_t x : {0u, (1u << 23) - 1, 1u << 31})
      check_forged(c, p, d, [&](std::vector<uint8_t> &b) { gcomp_store_u32(b.data() + first, x); },
                   r + "chunk 0 state " + std::to_string(x));
    // Rules 9 and 11: a chunk's bytes changed under it.
    check_forged(c, p, d, [&](std::vector<uint8_t> &b) { b[first + 4] ^= 0x80; },
                 r + "chunk 0 byte 4");
  }
}

TEST(EntropyApi, AutoStaysOffTheDevice) {
  Codec c("sd", {{"nu", "0.1"}, {"packing", "auto"}});
  size_t ws = 0;
  EXPECT_EQ(gcompEncodeDevice(c.h, nullptr, 1000, 1, nullptr, 0, nullptr, nullptr, &ws, nullptr),
            gcompNotAvailable);
}

}  // namespace
