// Test vector families (gaussian, heavy-tailed, sparse, spike, equal) and
// adversarial inputs for Sparse Dithering, all from fixed seeds.
#ifndef GCOMP_TESTS_VECTORS_H
#define GCOMP_TESTS_VECTORS_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace gtv {

inline std::vector<float> family(const std::string &name, uint64_t d, uint64_t seed) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + d);
  std::normal_distribution<double> normal;
  std::vector<float> x(d);
  if (name == "gaussian") {
    for (auto &v : x) v = (float)normal(rng);
  } else if (name == "heavy") {  // Student-t with 2 degrees of freedom
    std::chi_squared_distribution<double> chi(2.0);
    for (auto &v : x) v = (float)(normal(rng) / std::sqrt(chi(rng) / 2.0));
  } else if (name == "sparse") {  // about 1% nonzero, never all zero
    std::uniform_real_distribution<double> u(0, 1);
    for (auto &v : x) v = u(rng) < 0.01 ? (float)normal(rng) : 0.0f;
    x[rng() % d] = 1.5f;
  } else if (name == "spike") {
    x[rng() % d] = -3.25f;
  } else if (name == "equal") {
    for (auto &v : x) v = 0.125f;
  } else if (name == "signs") {  // equal magnitudes, random signs
    for (auto &v : x) v = (rng() & 1) ? 2.0f : -2.0f;
  } else {
    throw std::runtime_error("unknown family " + name);
  }
  return x;
}

inline const std::vector<std::string> &families() {
  static const std::vector<std::string> f = {"gaussian", "heavy", "sparse",
                                             "spike", "equal", "signs"};
  return f;
}

// Unit vectors built around the dithering grid of step 2h, h = sqrt(nu/d):
// a fraction tau of the coordinates sits just below h (they become zero),
// the rest share the remaining mass; `jitter` moves them around a grid
// midpoint so rounding goes both ways.
inline std::vector<float> near_threshold(uint64_t d, double nu, double tau, double rel,
                                         uint64_t seed) {
  std::mt19937_64 rng(seed);
  double h = std::sqrt(nu / (double)d);
  uint64_t zeros = (uint64_t)(tau * (double)d);
  if (zeros >= d) zeros = d - 1;
  std::vector<double> u(d);
  double mass = 0;
  for (uint64_t i = 0; i < zeros; i++) {
    u[i] = h * (1.0 - rel) * ((rng() & 1) ? 1 : -1);
    mass += u[i] * u[i];
  }
  double rest = std::sqrt((1.0 - mass) / (double)(d - zeros));
  for (uint64_t i = zeros; i < d; i++) u[i] = rest * ((rng() & 1) ? 1 : -1);
  std::shuffle(u.begin(), u.end(), rng);
  std::vector<float> x(d);
  for (uint64_t i = 0; i < d; i++) x[i] = (float)(u[i] * 7.0);
  return x;
}

// Coordinates just below and just above h (relative offset rel), with one
// large coordinate carrying the rest of the unit norm.
inline std::vector<float> straddle_h(uint64_t d, double nu, double rel) {
  double h = std::sqrt(nu / (double)d);
  std::vector<float> x(d);
  double mass = 0;
  for (uint64_t i = 1; i < d; i++) {
    double v = h * (i % 2 ? 1.0 - rel : 1.0 + rel);
    x[i] = (float)v;
    mass += v * v;
  }
  x[0] = (float)std::sqrt(std::max(0.0, 1.0 - mass));
  return x;
}

inline double sumsq(const std::vector<float> &x) {
  double s = 0;
  for (float v : x) s += (double)v * v;
  return s;
}

inline double err2(const std::vector<float> &a, const std::vector<float> &b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); i++) {
    double e = (double)a[i] - b[i];
    s += e * e;
  }
  return s;
}

}  // namespace gtv

#endif
