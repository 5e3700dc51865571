// Packing auto of the level codecs (docs/DECISIONS.md, "Auto") decides from
// bounds on the back ends' lengths and writes only the one it picks. The
// rule it implements is the exhaustive one: encode structured, entropy,
// fixed and direct, keep the shortest, the earliest on ties. Checked
// against actually encoding all four on every vector family at several d
// and parameters: the same packing and the same payload. And the bounds
// themselves: a rANS section's length lies within gcomp_rans_size_span, the
// paper code's within its span, on symbol streams made to stress them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "codec_helpers.h"
#include "pack/entropy.h"
#include "pack/levels.h"
#include "pack/rans_estimate.h"
#include "pack/structured_sd.h"
#include "shared/levels.h"
#include "shared/rans.h"
#include "vectors.h"

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

const std::vector<std::pair<std::string, Params>> &specs() {
  static const std::vector<std::pair<std::string, Params>> s = {
      {"sd", {{"nu", "0.5"}}},
      {"sd", {{"nu", "0.1"}}},
      {"sd", {{"nu", "0.01"}}},
      {"sd", {{"nu", "0.0005"}}}, // levels past 127: escapes
      {"sd-unbiased", {{"omega", "0.25"}}},
      {"sd-unbiased", {{"omega", "4"}}},
      {"sd-unbiased", {{"omega", "100"}}},
      {"qsgd", {{"levels", "1"}}},
      {"qsgd", {{"levels", "8"}}},
      {"qsgd", {{"levels", "300"}}},
      {"qsgd", {{"levels", "100000"}}},
      {"natural-dithering", {{"levels", "2"}}},
      {"natural-dithering", {{"levels", "8"}}},
      {"terngrad", {}},
      {"terngrad", {{"rotate", "1"}}},
  };
  return s;
}

const char *const kOrder[] = {"structured", "entropy", "fixed", "direct"};

TEST(Auto, PicksWhatEncodingEveryBackEndPicksAndWritesTheSamePayload) {
  int cases = 0, wins[4] = {0, 0, 0, 0}, close = 0;
  for (const auto &spec : specs()) {
    Params with_auto = spec.second;
    gth::Codec automatic(spec.first, with_auto);
    std::vector<gth::Codec *> each;
    for (const char *pk : kOrder) {
      Params p = spec.second;
      p.push_back({"packing", pk});
      each.push_back(new gth::Codec(spec.first, p));
    }
    for (uint64_t d : {1ull, 2ull, 7ull, 64ull, 65ull, 1000ull, 4096ull, 4097ull, 70001ull,
                       300000ull}) {
      for (const auto &fam : gtv::families()) {
        for (uint64_t seed = 1; seed <= (d < 5000 ? 3u : 1u); seed++) {
          auto x = gtv::family(fam, d, seed);
          std::vector<std::vector<uint8_t>> payloads;
          int best = -1;
          uint64_t best_bits = 0, second = UINT64_MAX;
          for (int p = 0; p < 4; p++) {
            payloads.push_back(gth::encode(*each[p], x, seed));
            uint64_t bits = gth::info(payloads.back()).bodyBits;
            if (best < 0 || bits < best_bits) {
              if (best >= 0) second = std::min(second, best_bits);
              best = p, best_bits = bits;
            } else {
              second = std::min(second, bits);
            }
          }
          auto got = gth::encode(automatic, x, seed);
          std::string what = spec.first + " " + (spec.second.empty() ? "" : spec.second[0].second) +
                             " " + fam + " d=" + std::to_string(d) +
                             " seed=" + std::to_string(seed);
          ASSERT_EQ(gth::info(got).packing, gth::info(payloads[best]).packing) << what;
          ASSERT_EQ(got, payloads[best]) << what;
          cases++;
          wins[best]++;
          close += second - best_bits <= best_bits / 100; // within 1%: a hard case
        }
      }
    }
    for (auto *c : each) delete c;
  }
  std::printf("auto: %d cases; shortest: structured %d, entropy %d, fixed %d, direct %d; "
              "runner-up within 1%%: %d\n",
              cases, wins[0], wins[1], wins[2], wins[3], close);
  // every back end wins somewhere, so the rule is exercised on all four
  for (int w : wins) EXPECT_GT(w, 0);
}

// Streams that stress the bounds: near-empty and near-uniform alphabets,
// escapes of every length, lengths around the chunk size.
std::vector<uint32_t> stream(int kind, uint64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> s(n);
  std::geometric_distribution<uint32_t> g(kind == 0 ? 0.02 : kind == 1 ? 0.5 : 0.97);
  for (auto &v : s) {
    switch (kind) {
    case 0: case 1: case 2: v = std::min<uint32_t>(g(rng), 254); break;
    case 3: v = (uint32_t)(rng() % 255); break;                    // near uniform
    case 4: v = 7; break;                                           // one letter
    case 5: v = (uint32_t)(rng() >> (rng() % 64)) & 0xffffffffu; break; // escapes of all lengths
    default: v = rng() % 50 == 0 ? 255 + (uint32_t)(rng() % 70000) : (uint32_t)(rng() % 3);
    }
  }
  return s;
}

TEST(Auto, RansLengthLiesWithinItsBounds) {
  double widest = 0;
  for (int kind = 0; kind < 7; kind++) {
    for (uint64_t n : {1ull, 5ull, 100ull, 4095ull, 4096ull, 4097ull, 50000ull, 300001ull}) {
      auto s = stream(kind, n, n * 7 + (uint64_t)kind);
      uint64_t cnt[GCOMP_RANS_MAX_ALPHABET], esc[GCOMP_RANS_ESCAPE_LENGTHS] = {0};
      gcomp_rans_histogram(s.data(), n, cnt);
      for (uint32_t v : s)
        if (v >= 255) esc[gcomp_rans_escape_length(v)]++;
      uint64_t lo = 0, hi = 0;
      gcomp_rans_size_span(cnt, esc, n, &lo, &hi);
      std::vector<uint8_t> out(gcomp_rans_bound(n));
      size_t written = 0;
      ASSERT_EQ(gcomp_rans_encode(s.data(), n, out.data(), out.size(), &written), gcompSuccess);
      EXPECT_LE(lo, written) << "kind " << kind << " n " << n;
      EXPECT_GE(hi, written) << "kind " << kind << " n " << n;
      widest = std::max(widest, (double)(hi - lo) / (double)written);
    }
  }
  std::printf("rANS bounds: widest (hi - lo) / length %.4f\n", widest);
}

TEST(Auto, PaperCodeLengthLiesWithinItsSpan) {
  std::mt19937_64 rng(11);
  for (uint64_t n : {1ull, 3ull, 64ull, 65ull, 4096ull, 4100ull, 20000ull}) {
    for (double zeros : {0.0, 0.5, 0.97, 1.0}) {
      for (uint32_t K : {1u, 3u, 200u}) {
        for (int alo = 0; alo <= 1; alo++) {
          std::vector<uint32_t> z(n);
          for (auto &v : z)
            v = std::uniform_real_distribution<double>(0, 1)(rng) < zeros
                    ? 0
                    : gcomp_zigzag((int32_t)(1 + rng() % K) * ((rng() & 1) ? 1 : -1));
          if (alo) z[n / 2] = 2 * K;
          uint64_t lo = 0, hi = 0;
          for (uint64_t off = 0; off < n; off += 4096)
            gcomp_structured_span_zigzag(z.data() + off, (uint32_t)std::min<uint64_t>(4096, n - off),
                                         n, K, alo, &lo, &hi);
          uint64_t exact = gcomp_structured_bits_zigzag(z.data(), n, K, alo);
          std::vector<int32_t> v(n);
          for (uint64_t i = 0; i < n; i++) v[i] = gcomp_unzigzag(z[i]);
          EXPECT_EQ(exact, gcomp_structured_bits(v.data(), n, K, alo));
          EXPECT_LE(lo, exact) << n << " " << zeros << " " << K;
          EXPECT_GE(hi, exact) << n << " " << zeros << " " << K;
          EXPECT_LE(hi - lo, (n + 63) / 64); // at most a bit a block
        }
      }
    }
  }
}

} // namespace
