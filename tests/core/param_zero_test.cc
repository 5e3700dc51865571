// FORMAT.md: a codec without a real parameter writes param = +0.0. A header
// holding -0.0 there compares equal to 0 as a double, yet no encoder writes
// it, so both gcompDecode and gcompPayloadGetInfo call it corrupt.
#include <gtest/gtest.h>

#include <string>

#include "codec_helpers.h"
#include "forge.h"
#include "vectors.h"
#include "core/wire.h"

namespace {

constexpr size_t kParamOffset = 40;
constexpr uint64_t kMinusZero = 0x8000000000000000ull;

class ParamZero : public ::testing::TestWithParam<const char *> {};

TEST_P(ParamZero, MinusZeroInTheHeaderIsCorrupt) {
  gth::Codec codec(GetParam());
  const uint64_t d = 300;
  const std::vector<uint8_t> good = gth::encode(codec, gtv::family("gaussian", d, 5), 3);
  ASSERT_GT(good.size(), GCOMP_HEADER_BYTES);
  ASSERT_EQ(gcomp_load_u64(good.data() + kParamOffset), 0u) << "the encoder writes +0.0";
  std::vector<uint8_t> same = good;
  gtf::reseal(same);
  ASSERT_EQ(same, good);  // resealing alone changes nothing
  ASSERT_EQ(gtf::try_decode(good, d), gcompSuccess);

  for (uint64_t bits : {kMinusZero, (uint64_t)1 /* the smallest subnormal */}) {
    SCOPED_TRACE(bits);
    std::vector<uint8_t> p = good;
    gcomp_store_u64(p.data() + kParamOffset, bits);
    gtf::reseal(p);
    EXPECT_EQ(gtf::try_decode(p, d), gcompCorruptPayload);
    EXPECT_NE(std::string(gcompGetLastErrorDetail()).find("header parameters"),
              std::string::npos)
        << gcompGetLastErrorDetail();
    gcompPayloadInfo_t info;
    EXPECT_EQ(gcompPayloadGetInfo(p.data(), p.size(), &info), gcompCorruptPayload);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryCodecWithoutARealParameter, ParamZero,
                         ::testing::Values("identity", "natural", "topk", "randk", "sign", "fp16",
                                           "bf16", "terngrad", "qsgd", "natural-dithering"),
                         [](const ::testing::TestParamInfo<const char *> &i) {
                           std::string n = i.param;
                           for (char &c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
