// The device side of the collectives at P = 2, 4 and 8 ranks on ONE GPU:
// ranks are threads, each with its own stream and device buffers, joined by
// the in-process device transport (gcompCommCreateLocalDevice). Every result
// must equal, bit for bit, what the same ranks compute on host buffers over
// the in-process host transport: the two sides share the algorithms, so
// they must share the bits (both exchange modes, both algorithms, error
// feedback, many tensors, all-gather, broadcast), and failures must reach
// every rank. Skipped, loudly, without a CUDA device.
#include <gtest/gtest.h>

#include <cuda_runtime_api.h>

#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "device_util.h"

namespace {

using gpu_test::DevBuf;
using gpu_test::have_cuda_device;
using gth::Codec;

struct Rank {
  int me = 0, P = 1;
  gcompComm_t host = nullptr, dev = nullptr;
  cudaStream_t s = nullptr;
};

// Runs body(rank) on P threads, each with a host and a device communicator
// (same seed and algorithm).
template <class F>
void on_ranks(int P, gcompAlgo_t algo, gcompExchange_t mode, F body) {
  gcompLocalGroup_t hg = nullptr, dg = nullptr;
  ASSERT_EQ(gcompLocalGroupCreate(&hg, P), gcompSuccess);
  ASSERT_EQ(gcompLocalGroupCreate(&dg, P), gcompSuccess);
  std::vector<std::thread> threads;
  for (int r = 0; r < P; r++)
    threads.emplace_back([&, r] {
      Rank k;
      k.me = r;
      k.P = P;
      gcompCommConfig_t cfg = GCOMP_COMM_CONFIG_INITIALIZER;
      cfg.seed = 41;
      cfg.algorithm = algo;
      EXPECT_EQ(cudaSetDevice(0), cudaSuccess);
      EXPECT_EQ(cudaStreamCreateWithFlags(&k.s, cudaStreamNonBlocking), cudaSuccess);
      EXPECT_EQ(gcompCommCreateLocal(&k.host, hg, r, &cfg), gcompSuccess);
      EXPECT_EQ(gcompCommCreateLocalDevice(&k.dev, dg, r, &cfg), gcompSuccess)
          << gcompGetLastErrorDetail();
      EXPECT_EQ(gcompCommSetExchange(k.dev, mode, 0.0), gcompSuccess);
      body(k);
      gcompCommFree(k.dev);
      gcompCommFree(k.host);
      cudaStreamDestroy(k.s);
    });
  for (auto &t : threads) t.join();
  EXPECT_EQ(gcompLocalGroupFree(hg), gcompSuccess);
  EXPECT_EQ(gcompLocalGroupFree(dg), gcompSuccess);
}

gcompResult_t async_status(const Rank &k) {
  gcompResult_t st = gcompInternalError;
  EXPECT_EQ(gcompCommGetAsyncError(k.dev, k.s, &st), gcompSuccess) << gcompGetLastErrorDetail();
  return st;
}

// One allreduce (EF when ef_host/ef_dev are given) on both sides.
void both_allreduce(const Rank &k, const Codec &codec, const std::vector<float> &x,
                    gcompRedOp_t op, gcompErrorFeedback_t ef_host, gcompErrorFeedback_t ef_dev,
                    const std::string &what) {
  std::vector<float> want(x.size());
  EXPECT_EQ(ef_host ? gcompAllReduceEF(x.data(), want.data(), x.size(), codec.h, op, ef_host,
                                       k.host, nullptr)
                    : gcompAllReduce(x.data(), want.data(), x.size(), codec.h, op, k.host,
                                     nullptr),
            gcompSuccess)
      << what << ": " << gcompGetLastErrorDetail();
  DevBuf send(x.size() * 4), recv(x.size() * 4);
  gpu_test::to_device(send, x);
  EXPECT_EQ(ef_dev ? gcompAllReduceEF(send.as<float>(), recv.as<float>(), x.size(), codec.h,
                                      op, ef_dev, k.dev, k.s)
                   : gcompAllReduce(send.as<float>(), recv.as<float>(), x.size(), codec.h, op,
                                    k.dev, k.s),
            gcompSuccess)
      << what << ": " << gcompGetLastErrorDetail();
  EXPECT_EQ(async_status(k), gcompSuccess) << what;
  auto got = gpu_test::from_device<float>(recv, x.size());
  EXPECT_TRUE(gth::bitwise_equal(got, want)) << what << " rank " << k.me;
}

class LocalDevice : public ::testing::TestWithParam<int> {};

TEST_P(LocalDevice, AllReduceMatchesTheHostSideBitForBit) {
  REQUIRE_DEVICE();
  int P = GetParam();
  for (gcompAlgo_t algo : {gcompAlgoAllGather, gcompAlgoTwoPhase})
    for (gcompExchange_t mode : {gcompExchangeSlots, gcompExchangeExact})
      on_ranks(P, algo, mode, [&](const Rank &k) {
        for (const char *name : {"sd", "sd-unbiased", "qsgd"}) {
          Codec codec(name, {{"packing", "fixed"}});
          for (uint64_t count : {7ull, 4099ull, 100003ull}) {
            auto x = gtv::family("gaussian", count, 100 + (uint64_t)k.me);
            std::string what = std::string(name) + " count " + std::to_string(count) +
                               " algo " + std::to_string(algo) + " mode " +
                               std::to_string(mode);
            both_allreduce(k, codec, x, gcompSum, nullptr, nullptr, what);
            both_allreduce(k, codec, x, gcompMean, nullptr, nullptr, what + " mean");
          }
        }
      });
}

TEST_P(LocalDevice, ErrorFeedbackStateMovesAsOnTheHost) {
  REQUIRE_DEVICE();
  int P = GetParam();
  for (gcompAlgo_t algo : {gcompAlgoAllGather, gcompAlgoTwoPhase})
    on_ranks(P, algo, gcompExchangeSlots, [&](const Rank &k) {
      Codec codec("sd", {{"nu", "0.3"}, {"packing", "fixed"}});
      const uint64_t count = 20000;
      gcompErrorFeedback_t eh = nullptr, ed = nullptr;
      EXPECT_EQ(gcompErrorFeedbackCreate(&eh, count), gcompSuccess);
      EXPECT_EQ(gcompErrorFeedbackCreate(&ed, count), gcompSuccess);
      for (int t = 0; t < 4; t++) {
        auto x = gtv::family("heavy", count, 7 * (uint64_t)t + (uint64_t)k.me);
        both_allreduce(k, codec, x, gcompSum, eh, ed, "EF step " + std::to_string(t));
      }
      gcompErrorFeedbackFree(eh);
      gcompErrorFeedbackFree(ed);
    });
}

TEST_P(LocalDevice, AllGatherBroadcastAndMultiMatchTheHostSide) {
  REQUIRE_DEVICE();
  int P = GetParam();
  on_ranks(P, gcompAlgoAuto, gcompExchangeSlots, [&](const Rank &k) {
    Codec codec("sd", {{"packing", "fixed"}});
    const uint64_t n = 3001;
    auto x = gtv::family("gaussian", n, 300 + (uint64_t)k.me);
    std::vector<float> all_h(n * (uint64_t)P), b_h(n);
    EXPECT_EQ(gcompAllGather(x.data(), all_h.data(), n, codec.h, k.host, nullptr), gcompSuccess);
    EXPECT_EQ(gcompBroadcast(x.data(), b_h.data(), n, codec.h, P - 1, k.host, nullptr),
              gcompSuccess);
    DevBuf xs(n * 4), all_d(n * 4 * (uint64_t)P), b_d(n * 4);
    gpu_test::to_device(xs, x);
    EXPECT_EQ(gcompAllGather(xs.as<float>(), all_d.as<float>(), n, codec.h, k.dev, k.s),
              gcompSuccess);
    EXPECT_EQ(gcompBroadcast(xs.as<float>(), b_d.as<float>(), n, codec.h, P - 1, k.dev, k.s),
              gcompSuccess);
    EXPECT_EQ(async_status(k), gcompSuccess);
    EXPECT_TRUE(gth::bitwise_equal(gpu_test::from_device<float>(all_d, n * (uint64_t)P), all_h));
    EXPECT_TRUE(gth::bitwise_equal(gpu_test::from_device<float>(b_d, n), b_h));
    // three tensors as one bucket
    std::vector<uint64_t> counts = {1000, 17, n - 1017};
    std::vector<float> y_h(n);
    std::vector<const float *> hs = {x.data(), x.data() + 1000, x.data() + 1017};
    std::vector<float *> hr = {y_h.data(), y_h.data() + 1000, y_h.data() + 1017};
    EXPECT_EQ(gcompAllReduceMulti(hs.data(), hr.data(), counts.data(), 3, codec.h, gcompSum,
                                  nullptr, k.host, nullptr),
              gcompSuccess);
    DevBuf y_d(n * 4);
    std::vector<const float *> ds = {xs.as<float>(), xs.as<float>() + 1000,
                                     xs.as<float>() + 1017};
    std::vector<float *> dr = {y_d.as<float>(), y_d.as<float>() + 1000, y_d.as<float>() + 1017};
    EXPECT_EQ(gcompAllReduceMulti(ds.data(), dr.data(), counts.data(), 3, codec.h, gcompSum,
                                  nullptr, k.dev, k.s),
              gcompSuccess);
    EXPECT_EQ(async_status(k), gcompSuccess);
    EXPECT_TRUE(gth::bitwise_equal(gpu_test::from_device<float>(y_d, n), y_h));
  });
}

// A NaN on one rank: that rank reports its own failure, the others a
// peer's, in exact mode as results and in slots mode through the async
// status; nobody hangs.
TEST_P(LocalDevice, OneRanksFailureReachesEveryRank) {
  REQUIRE_DEVICE();
  int P = GetParam();
  for (gcompExchange_t mode : {gcompExchangeSlots, gcompExchangeExact})
    on_ranks(P, gcompAlgoAllGather, mode, [&](const Rank &k) {
      Codec codec("sd", {{"packing", "fixed"}});
      const uint64_t n = 5000;
      auto x = gtv::family("gaussian", n, (uint64_t)k.me);
      if (k.me == 0) x[123] = std::numeric_limits<float>::quiet_NaN();
      DevBuf send(n * 4), recv(n * 4);
      gpu_test::to_device(send, x);
      gcompResult_t r =
          gcompAllReduce(send.as<float>(), recv.as<float>(), n, codec.h, gcompSum, k.dev, k.s);
      gcompResult_t st = async_status(k);
      gcompResult_t seen = r != gcompSuccess ? r : st;
      EXPECT_EQ(seen, k.me == 0 ? gcompNonFiniteInput : gcompRemoteError)
          << "mode " << mode << " rank " << k.me;
    });
}

INSTANTIATE_TEST_SUITE_P(Ranks, LocalDevice, ::testing::Values(2, 4, 8),
                         [](const auto &info) { return "P" + std::to_string(info.param); });

}  // namespace
