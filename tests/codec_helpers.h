// Small RAII helpers over the public API for the test suites.
#ifndef GCOMP_TESTS_CODEC_HELPERS_H
#define GCOMP_TESTS_CODEC_HELPERS_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "gcomp.h"

namespace gth {

struct Codec {
  gcompCodec_t h = nullptr;
  Codec() = default;
  Codec(const std::string &name, const std::vector<std::pair<std::string, std::string>> &p = {}) {
    gcompCodecConfig_t cfg;
    EXPECT_EQ(gcompCodecConfigInit(&cfg, name.c_str()), gcompSuccess);
    for (auto &kv : p)
      EXPECT_EQ(gcompCodecConfigSetParam(&cfg, kv.first.c_str(), kv.second.c_str()),
                gcompSuccess)
          << kv.first << "=" << kv.second << ": " << gcompGetLastErrorDetail();
    EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompSuccess) << gcompGetLastErrorDetail();
  }
  Codec(const Codec &) = delete;
  Codec &operator=(const Codec &) = delete;
  ~Codec() { gcompCodecFree(h); }
};

inline std::vector<uint8_t> encode(const Codec &c, const std::vector<float> &x,
                                   uint64_t seed = 1) {
  size_t bound = 0;
  EXPECT_EQ(gcompEncodeBound(c.h, x.size(), &bound), gcompSuccess);
  std::vector<uint8_t> out(bound);
  size_t size = 0;
  gcompResult_t r = gcompEncode(c.h, x.data(), x.size(), seed, out.data(), out.size(), &size);
  EXPECT_EQ(r, gcompSuccess) << gcompGetLastErrorDetail();
  out.resize(r == gcompSuccess ? size : 0);
  return out;
}

inline std::vector<float> decode(const std::vector<uint8_t> &p, uint64_t d) {
  std::vector<float> y(d, 0.0f);
  gcompResult_t r = gcompDecode(p.data(), p.size(), y.data(), d, 0.0f);
  EXPECT_EQ(r, gcompSuccess) << gcompGetLastErrorDetail();
  return y;
}

inline gcompPayloadInfo_t info(const std::vector<uint8_t> &p) {
  gcompPayloadInfo_t i{};
  EXPECT_EQ(gcompPayloadGetInfo(p.data(), p.size(), &i), gcompSuccess)
      << gcompGetLastErrorDetail();
  return i;
}

inline bool bitwise_equal(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

}  // namespace gth

#endif
