// The NCCL engine on one rank (a single-device ncclCommInitAll): every
// result is recomputed on the CPU from the documented seed rule and compared
// bit for bit. One rank exercises the allgather algorithm only (two-phase
// needs two ranks), both exchange modes, error feedback, the argument
// checks and the asynchronous status. Skipped without a device.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "comm/comm.h"
#include "shared/wire_layout.h"
#include "device_util.h"
#include "gcomp_nccl.h"
#include "launch_helpers.h"

namespace {

using gpu_test::DevBuf;
using gpu_test::have_cuda_device;
using gth::Codec;

// A one-rank NCCL communicator and gcomp's view of it.
struct NcclComm {
  ncclComm_t nccl = nullptr;
  gcompComm_t h = nullptr;
  cudaStream_t s = nullptr;
  explicit NcclComm(gcompExchange_t mode = gcompExchangeSlots, uint64_t seed = 77,
                    unsigned stream_flags = cudaStreamDefault) {
    int dev = 0;
    EXPECT_EQ(ncclCommInitAll(&nccl, 1, &dev), ncclSuccess);
    EXPECT_EQ(cudaStreamCreateWithFlags(&s, stream_flags), cudaSuccess);
    gcompCommConfig_t cfg = GCOMP_COMM_CONFIG_INITIALIZER;
    cfg.seed = seed;
    EXPECT_EQ(gcompCommCreateNccl(&h, nccl, &cfg), gcompSuccess) << gcompGetLastErrorDetail();
    EXPECT_EQ(gcompCommSetExchange(h, mode, 0.0), gcompSuccess);
  }
  ~NcclComm() {
    gcompCommFree(h);
    cudaStreamDestroy(s);
    ncclCommDestroy(nccl);
  }
  gcompResult_t async_status() {
    gcompResult_t st = gcompInternalError;
    EXPECT_EQ(gcompCommGetAsyncError(h, s, &st), gcompSuccess) << gcompGetLastErrorDetail();
    return st;
  }
};

std::vector<float> input(uint64_t count, uint64_t salt = 0) {
  return gtv::family("gaussian", count, 1000 + salt);
}

// What rank 0's payload of collective `call` decodes to, on the CPU.
std::vector<float> cpu_result(const Codec &codec, const std::vector<float> &x, uint64_t base,
                              uint64_t call, int phase = GCOMP_PHASE_SEND) {
  return gth::decode(gth::encode(codec, x, gcomp_payload_seed(base, call, 0, phase, 0)),
                     x.size());
}

// gcompAllReduce of x on the device; the result back on the host.
std::vector<float> device_allreduce(NcclComm &comm, const Codec &codec,
                                    const std::vector<float> &x, gcompRedOp_t op) {
  DevBuf send(x.size() * 4), recv(x.size() * 4);
  gpu_test::to_device(send, x);
  EXPECT_EQ(gcompAllReduce(send.as<float>(), recv.as<float>(), x.size(), codec.h, op, comm.h,
                           comm.s),
            gcompSuccess)
      << gcompGetLastErrorDetail();
  EXPECT_EQ(comm.async_status(), gcompSuccess);
  return gpu_test::from_device<float>(recv, x.size());
}

TEST(NcclAllReduce, OneRankResultIsTheLocalDecodeOfItsPayload) {
  REQUIRE_DEVICE();
  for (gcompExchange_t mode : {gcompExchangeSlots, gcompExchangeExact}) {
    NcclComm comm(mode);
    for (const char *name : {"sd", "sd-unbiased", "identity"}) {
      Codec codec(name, std::string(name) == "identity"
                            ? std::vector<std::pair<std::string, std::string>>{}
                            : std::vector<std::pair<std::string, std::string>>{
                                  {"packing", "fixed"}});
      for (uint64_t count : {1ull, 1000ull, 100003ull}) {
        SCOPED_TRACE(std::string(name) + " count " + std::to_string(count) + " mode " +
                     std::to_string(mode));
        auto x = input(count);
        auto y = device_allreduce(comm, codec, x, gcompSum);
        EXPECT_TRUE(gth::bitwise_equal(y, cpu_result(codec, x, 77, comm.h->calls - 1)));
      }
    }
  }
}

TEST(NcclAllReduce, MeanIsTheSumTimesOneOverP) {
  REQUIRE_DEVICE();
  NcclComm a(gcompExchangeSlots, 5), b(gcompExchangeSlots, 5);
  Codec codec("sd", {{"packing", "fixed"}});
  auto x = input(5000);
  auto sum = device_allreduce(a, codec, x, gcompSum);
  auto mean = device_allreduce(b, codec, x, gcompMean);
  for (size_t i = 0; i < x.size(); i++) ASSERT_EQ(mean[i], sum[i] * 1.0f);
}

TEST(NcclAllReduce, InPlaceMatchesOutOfPlace) {
  REQUIRE_DEVICE();
  NcclComm a, b;
  Codec codec("sd", {{"packing", "fixed"}});
  auto x = input(3000);
  auto y = device_allreduce(a, codec, x, gcompSum);
  DevBuf buf(x.size() * 4);
  gpu_test::to_device(buf, x);
  EXPECT_EQ(gcompAllReduce(buf.as<float>(), buf.as<float>(), x.size(), codec.h, gcompSum, b.h,
                           b.s),
            gcompSuccess);
  EXPECT_EQ(b.async_status(), gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(y, gpu_test::from_device<float>(buf, x.size())));
}

TEST(NcclAllReduce, StatsCountThePayloadBytes) {
  REQUIRE_DEVICE();
  NcclComm comm(gcompExchangeSlots, 3);
  Codec codec("sd", {{"packing", "fixed"}});
  auto x = input(2000);
  device_allreduce(comm, codec, x, gcompSum);
  gcompCommStats_t st{};
  EXPECT_EQ(gcompCommGetStats(comm.h, &st), gcompSuccess);
  auto p = gth::encode(codec, x, gcomp_payload_seed(3, 0, 0, GCOMP_PHASE_SEND, 0));
  EXPECT_EQ(st.bytesEncoded, p.size());  // device communicators send whole payloads
  EXPECT_EQ(st.bodyBytesEncoded, p.size() - GCOMP_HEADER_BYTES);
  EXPECT_EQ(st.bytesReceived, 0u);
  EXPECT_EQ(st.collectives, 1u);
}

TEST(NcclAllReduce, InvalidArgumentsAreRefused) {
  REQUIRE_DEVICE();
  NcclComm comm;
  Codec codec("sd", {{"packing", "fixed"}});
  DevBuf a(4000), b(4000);
  float *x = a.as<float>(), *y = b.as<float>();
  EXPECT_EQ(gcompAllReduce(nullptr, y, 100, codec.h, gcompSum, comm.h, comm.s),
            gcompInvalidArgument);
  EXPECT_EQ(gcompAllReduce(x, y, 0, codec.h, gcompSum, comm.h, comm.s), gcompInvalidArgument);
  EXPECT_EQ(gcompAllReduce(x, y, 100, nullptr, gcompSum, comm.h, comm.s), gcompInvalidArgument);
  EXPECT_EQ(gcompAllReduce(x, y, 100, codec.h, (gcompRedOp_t)7, comm.h, comm.s),
            gcompInvalidArgument);
  EXPECT_EQ(gcompAllReduceEF(x, y, 100, codec.h, gcompSum, nullptr, comm.h, comm.s),
            gcompInvalidArgument);
  gcompErrorFeedback_t ef = nullptr;
  ASSERT_EQ(gcompErrorFeedbackCreate(&ef, 50), gcompSuccess);
  EXPECT_EQ(gcompAllReduceEF(x, y, 100, codec.h, gcompSum, ef, comm.h, comm.s),
            gcompInvalidArgument);
  gcompErrorFeedbackFree(ef);
  EXPECT_EQ(gcompBroadcast(x, y, 100, codec.h, 3, comm.h, comm.s), gcompInvalidArgument);
  EXPECT_EQ(gcompCommSetExchange(comm.h, (gcompExchange_t)9, 0), gcompInvalidArgument);
  EXPECT_EQ(gcompCommSetExchange(comm.h, gcompExchangeSlots, -1), gcompParameterOutOfRange);
  gcompResult_t st;
  EXPECT_EQ(gcompCommGetAsyncError(nullptr, comm.s, &st), gcompInvalidArgument);
  // a codec the device path does not have (yet): refused before any exchange
  Codec sph("spherical");
  size_t ws = 0;
  if (gcompEncodeDevice(sph.h, nullptr, 100, 0, nullptr, 0, nullptr, nullptr, &ws, nullptr) ==
      gcompNotAvailable) {
    EXPECT_EQ(gcompAllReduce(x, y, 100, sph.h, gcompSum, comm.h, comm.s), gcompNotAvailable);
  }
  EXPECT_EQ(gcompCommGetAsyncError(comm.h, comm.s, &st), gcompSuccess);
  EXPECT_EQ(st, gcompSuccess);
}

TEST(NcclAllReduce, NonFiniteInputIsReportedAsynchronously) {
  REQUIRE_DEVICE();
  for (gcompExchange_t mode : {gcompExchangeSlots, gcompExchangeExact}) {
    NcclComm comm(mode);
    Codec codec("sd", {{"packing", "fixed"}});
    auto x = input(1000);
    x[17] = std::numeric_limits<float>::quiet_NaN();
    DevBuf send(x.size() * 4), recv(x.size() * 4);
    gpu_test::to_device(send, x);
    gcompResult_t r = gcompAllReduce(send.as<float>(), recv.as<float>(), x.size(), codec.h,
                                     gcompSum, comm.h, comm.s);
    // exact mode sees the empty payload on the host; slots mode only later
    gcompResult_t st = comm.async_status();
    if (mode == gcompExchangeExact) EXPECT_EQ(r, gcompNonFiniteInput);
    else EXPECT_EQ(st, gcompNonFiniteInput);
    // the next collective runs normally
    auto ok = input(1000);
    auto y = device_allreduce(comm, codec, ok, gcompSum);
    EXPECT_TRUE(gth::bitwise_equal(y, cpu_result(codec, ok, 77, comm.h->calls - 1)));
  }
}

// A new workspace's status head is cleared on the collective's stream. On a
// non-blocking stream (PyTorch's kind) a clear on the legacy stream is not
// ordered with the encode: held up here behind a spinning kernel, it would
// land after the encode's status and wipe the NaN's report.
TEST(NcclAllReduce, WorkspaceClearIsOrderedOnTheCollectivesStream) {
  REQUIRE_DEVICE();
  NcclComm comm(gcompExchangeSlots, 77, cudaStreamNonBlocking);
  Codec codec("sd", {{"packing", "fixed"}});
  auto x = input(1000);
  x[17] = std::numeric_limits<float>::quiet_NaN();
  DevBuf send(x.size() * 4), recv(x.size() * 4);
  gpu_test::to_device(send, x);
  ASSERT_EQ(gpu_test::spin(0, 300), cudaSuccess);  // the legacy stream, busy for 0.3 s
  EXPECT_EQ(gcompAllReduce(send.as<float>(), recv.as<float>(), x.size(), codec.h, gcompSum,
                           comm.h, comm.s),
            gcompSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(comm.async_status(), gcompNonFiniteInput);
}

// A slot cap the payload cannot fit: the collective fails, nothing hangs.
TEST(NcclAllReduce, PayloadAboveTheSlotCapFails) {
  REQUIRE_DEVICE();
  NcclComm comm;
  ASSERT_EQ(gcompCommSetExchange(comm.h, gcompExchangeSlots, 0.01), gcompSuccess);
  Codec codec("sd", {{"packing", "fixed"}});
  auto x = input(200000);
  DevBuf send(x.size() * 4), recv(x.size() * 4);
  gpu_test::to_device(send, x);
  EXPECT_EQ(gcompAllReduce(send.as<float>(), recv.as<float>(), x.size(), codec.h, gcompSum,
                           comm.h, comm.s),
            gcompSuccess);
  EXPECT_EQ(comm.async_status(), gcompDstTooSmall);
}

// EF21 over two steps, recomputed on the CPU: c_t = C(x_t - g), g += c_t,
// G += c_t (one rank), result G.
TEST(NcclAllReduceEF, StateFollowsTheCpuDefinition) {
  REQUIRE_DEVICE();
  NcclComm comm(gcompExchangeSlots, 21);
  Codec codec("sd", {{"packing", "fixed"}, {"nu", "0.5"}});
  const uint64_t n = 4099;
  gcompErrorFeedback_t ef = nullptr;
  ASSERT_EQ(gcompErrorFeedbackCreate(&ef, n), gcompSuccess);
  std::vector<float> g(n, 0.0f), G(n, 0.0f);
  DevBuf send(n * 4), recv(n * 4);
  for (uint64_t step = 0; step < 3; step++) {
    auto x = input(n, step);
    gpu_test::to_device(send, x);
    ASSERT_EQ(gcompAllReduceEF(send.as<float>(), recv.as<float>(), n, codec.h, gcompSum, ef,
                               comm.h, comm.s),
              gcompSuccess)
        << gcompGetLastErrorDetail();
    ASSERT_EQ(comm.async_status(), gcompSuccess);
    std::vector<float> diff(n);
    for (uint64_t i = 0; i < n; i++) diff[i] = x[i] - g[i];
    auto c = cpu_result(codec, diff, 21, step);
    for (uint64_t i = 0; i < n; i++) {
      g[i] += c[i];
      G[i] += c[i];
    }
    EXPECT_TRUE(gth::bitwise_equal(gpu_test::from_device<float>(recv, n), G)) << "step " << step;
  }
  // Reset clears the device copy too: the next step is a first step again
  ASSERT_EQ(gcompErrorFeedbackReset(ef), gcompSuccess);
  auto x = input(n, 9);
  gpu_test::to_device(send, x);
  ASSERT_EQ(gcompAllReduceEF(send.as<float>(), recv.as<float>(), n, codec.h, gcompSum, ef,
                             comm.h, comm.s),
            gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(gpu_test::from_device<float>(recv, n),
                                 cpu_result(codec, x, 21, 3)));
  gcompErrorFeedbackFree(ef);
}

TEST(NcclCollectives, AllGatherBroadcastAndMultiMatchTheCpu) {
  REQUIRE_DEVICE();
  NcclComm comm(gcompExchangeExact, 8);
  Codec codec("sd", {{"packing", "fixed"}});
  auto x = input(3000);
  DevBuf send(x.size() * 4), recv(x.size() * 4);
  gpu_test::to_device(send, x);
  ASSERT_EQ(gcompAllGather(send.as<float>(), recv.as<float>(), x.size(), codec.h, comm.h, comm.s),
            gcompSuccess);
  EXPECT_EQ(comm.async_status(), gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(gpu_test::from_device<float>(recv, x.size()),
                                 cpu_result(codec, x, 8, 0)));
  ASSERT_EQ(gcompBroadcast(send.as<float>(), recv.as<float>(), x.size(), codec.h, 0, comm.h,
                           comm.s),
            gcompSuccess);
  EXPECT_EQ(comm.async_status(), gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(gpu_test::from_device<float>(recv, x.size()),
                                 cpu_result(codec, x, 8, 1, GCOMP_PHASE_BCAST)));
  // two tensors travel as their concatenation
  const float *sends[2] = {send.as<float>(), send.as<float>() + 1000};
  DevBuf out(x.size() * 4);
  float *recvs[2] = {out.as<float>(), out.as<float>() + 1000};
  const uint64_t counts[2] = {1000, 2000};
  ASSERT_EQ(gcompAllReduceMulti(sends, recvs, counts, 2, codec.h, gcompSum, nullptr, comm.h,
                                comm.s),
            gcompSuccess);
  EXPECT_EQ(comm.async_status(), gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(gpu_test::from_device<float>(out, x.size()),
                                 cpu_result(codec, x, 8, 2)));
}

}  // namespace
