// Sparse Dithering at parameters so small that levels reach 2^23, 2^24 and
// the format's limit (2^25): the inputs and the parameter that puts an
// input's largest quotient |x_i| / gamma at a chosen level. Shared by the
// CPU suite (sd_extreme_levels_test.cc) and the GPU parity suite.
#ifndef GCOMP_TESTS_SD_EXTREME_LEVELS_H
#define GCOMP_TESTS_SD_EXTREME_LEVELS_H

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace gsx {

// gamma = 2 sqrt(param / d) |x| (1 - 2^-12) (FORMAT.md), so the largest
// quotient |x|_inf / gamma equals q for this param.
inline double param_for_top_level(const std::vector<float> &x, double q) {
  double s = 0, top = 0;
  for (float v : x) {
    s += (double)v * v;
    top = std::fmax(top, std::fabs((double)v));
  }
  double r = top / (2.0 * q * (1.0 - 1.0 / 4096) * std::sqrt(s));
  return (double)x.size() * r * r;
}

struct Input {
  std::string name;
  std::vector<float> x;
};

// All-equal, one spike, random signs, and coordinates spread over one
// binade (so their quotients carry every fractional part) with a few tiny
// ones (level 0 next to huge levels).
inline std::vector<Input> inputs(uint64_t d, uint64_t seed) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + d);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Input> out;
  out.push_back({"ones", std::vector<float>(d, 1.0f)});
  std::vector<float> spike(d, 0.0f);
  spike[rng() % d] = -3.0f;
  out.push_back({"spike", spike});
  std::vector<float> signs(d), spread(d);
  for (uint64_t i = 0; i < d; i++) {
    signs[i] = (rng() & 1) ? 1.5f : -1.5f;
    spread[i] = (float)((1.0 + u(rng)) * ((rng() & 1) ? 1 : -1));
    if (d > 4 && i % 5 == 4) spread[i] *= 1e-6f;
  }
  out.push_back({"signs", signs});
  out.push_back({"spread", spread});
  return out;
}

// Largest levels the tests aim at: around 2^23 (where q + 0.5f ties to
// even), 2^24 (levels stop being exact floats), and just under the limit.
inline std::vector<double> top_levels() {
  return {8388607.5, 8388608.5, 8388609.25, 16777215.5, 16777216.5, 16777217.75,
          33554400.0};
}

}  // namespace gsx

#endif
