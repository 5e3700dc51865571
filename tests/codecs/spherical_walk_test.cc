// The GPU decoder finds the blocks of a structured Spherical Compression
// body with a segment-parallel walk (kernels/device_spherical_walk.cuh:
// speculative walks from each segment's first bit, then a sweep that
// corrects the starts). That logic is plain host/device C, so it is checked
// here, on every CI run, against the sequential parse the CPU decoder does:
// the same blocks for every real payload, and the same verdict and blocks
// for forged ones. Segments are run one after another, as the kernels'
// threads would in any order (each writes only its own entries).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <utility>
#include <string>
#include <vector>

#include "../../kernels/codecs/spherical_walk.cuh"
#include "shared/bitio.h"
#include "codec_helpers.h"
#include "vectors.h"

namespace {

using gth::Codec;

struct Body {
  const uint8_t *p;
  uint64_t bits;
  unsigned k;
  uint64_t nb;  // blocks: ceil(d / m)
};

Body body_of(const std::vector<uint8_t> &payload, uint64_t m) {
  gcompPayloadInfo_t in = gth::info(payload);
  Body b{payload.data() + in.headerBytes, in.bodyBits, 0, (in.d + m - 1) / m};
  gcomp_bitreader br;
  gcomp_br_init(&br, b.p, b.bits);
  gcomp_br_get(&br, GCOMP_SC_R_BITS);
  b.k = (unsigned)gcomp_br_get(&br, GCOMP_SC_K_BITS);
  return b;
}

// The CPU decoder's order: block after block from the head to the end.
bool sequential(const Body &b, std::vector<uint64_t> *words) {
  gcomp_bitreader br;
  gcomp_br_init(&br, b.p, b.bits);
  br.pos = GCOMP_SC_HEAD_BITS;
  while (br.pos < b.bits) {
    unsigned code;
    uint64_t t1;
    if (gcomp_sc_read_block(&br, b.k, &code, &t1) != GCOMP_SC_READ_OK) return false;
    words->push_back(t1 << 8 | code);
  }
  return words->size() == b.nb;
}

// The kernels' three steps: guess every segment, sweep, walk again writing.
bool segmented(const Body &b, uint64_t cap, std::vector<uint64_t> *words) {
  std::vector<uint64_t> start(cap), exit(cap), count(cap), base(cap), bad(cap);
  gcomp_sc_walk w = {start.data(), exit.data(), count.data(), base.data(), bad.data(), cap};
  uint64_t segs = gcomp_sc_segments(b.bits, cap);
  EXPECT_LE(segs, cap);
  for (uint64_t i = 0; i < segs; i++) gcomp_sc_walk_guess(&w, b.p, b.bits, b.k, i);
  if (!gcomp_sc_walk_sweep(&w, b.p, b.bits, b.k, b.nb)) return false;
  words->assign(b.nb, ~0ull);
  for (uint64_t i = 0; i < segs; i++)
    gcomp_sc_walk_segment(&w, b.p, b.bits, b.k, i, words->data(), b.nb);
  return true;
}

TEST(SphericalWalk, SegmentsFindTheSequentialBlocks) {
  int segmented_cases = 0;
  // (alpha, block) pairs whose expected trials stay small: encoding is the
  // slow part of this test
  const std::pair<const char *, const char *> settings[] = {
      {"0.15", "4"}, {"0.5", "8"}, {"0.5", "15"}, {"0.8", "16"}};
  for (const auto &[alpha, block] : settings) {
    Codec c("spherical", {{"alpha", alpha}, {"block", block}, {"packing", "structured"}});
    for (uint64_t d : {1ull, 100ull, 5000ull, (1ull << 16) + 3}) {
      for (const std::string fam : {"gaussian", "sparse", "spike"}) {
        SCOPED_TRACE(std::string(alpha) + " m=" + block + " d=" + std::to_string(d) + " " + fam);
        std::vector<uint8_t> p = gth::encode(c, gtv::family(fam, d, 5), 9);
        Body b = body_of(p, std::stoull(block));
        if (b.bits == GCOMP_SC_R_BITS) continue;  // the zero vector: no blocks
        std::vector<uint64_t> want, got;
        ASSERT_TRUE(sequential(b, &want));
        for (uint64_t cap : {1ull, 3ull, 64ull, 4096ull}) {
          ASSERT_TRUE(segmented(b, cap, &got)) << "cap " << cap;
          ASSERT_EQ(got, want) << "cap " << cap;
          segmented_cases += gcomp_sc_segments(b.bits, cap) > 1;
        }
      }
    }
  }
  EXPECT_GT(segmented_cases, 20);  // the sweep really had segments to join
}

// Forged bodies: flipped bits, cut or lengthened streams. Whatever the
// sequential parse concludes, the segmented one concludes too, and when the
// body is sound it finds the same blocks.
TEST(SphericalWalk, ForgedBodiesGetTheSequentialVerdict) {
  Codec c("spherical", {{"alpha", "0.5"}, {"block", "8"}, {"packing", "structured"}});
  std::vector<uint8_t> p = gth::encode(c, gtv::family("gaussian", 20000, 2), 4);
  const Body good = body_of(p, 8);
  std::mt19937_64 rng(11);
  int sound = 0, unsound = 0;
  for (int trial = 0; trial < 3000; trial++) {
    std::vector<uint8_t> bytes(good.p, good.p + (good.bits + 7) / 8 + 8);
    Body b = good;
    b.p = bytes.data();
    switch (trial % 3) {
      case 0:  // flip 1 to 4 bits after the head
        for (int f = 0, nf = 1 + (int)(rng() % 4); f < nf; f++) {
          uint64_t bit = GCOMP_SC_HEAD_BITS + rng() % (b.bits - GCOMP_SC_HEAD_BITS);
          bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        break;
      case 1:  // cut
        b.bits = GCOMP_SC_HEAD_BITS + rng() % (b.bits - GCOMP_SC_HEAD_BITS);
        break;
      default:  // claim more or fewer blocks than the body holds
        b.nb = good.nb + (rng() % 2 ? 1 : -1);
        break;
    }
    std::vector<uint64_t> want, got;
    bool ok = sequential(b, &want);
    for (uint64_t cap : {3ull, 64ull}) {
      ASSERT_EQ(segmented(b, cap, &got), ok) << "trial " << trial << " cap " << cap;
      if (ok) {
        ASSERT_EQ(got, want) << "trial " << trial;
      }
    }
    ok ? sound++ : unsound++;
  }
  // both verdicts occur, or the comparison proves little
  EXPECT_GT(sound, 10);
  EXPECT_GT(unsound, 1000);
}

}  // namespace
