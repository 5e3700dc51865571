// The collective scenarios (scenarios.h) over the in-process transport: P
// ranks as threads of this process, P = 2, 3, 4 and 8, in the normal test
// run (no mpirun). A scenario that hangs here would hang over MPI too: the
// ctest timeout catches it.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "scenarios.h"

namespace {

struct LocalWorld : gsc::World {
  gcompLocalGroup_t group = nullptr;
  gcompResult_t make_comm(gcompComm_t *comm, const gcompCommConfig_t *cfg) override {
    return gcompCommCreateLocal(comm, group, me, cfg);
  }
};

class Local : public ::testing::TestWithParam<int> {
 protected:
  // Runs `scenario` on P threads, one a rank.
  void run(void (*scenario)()) {
    int P = GetParam();
    gcompLocalGroup_t group = nullptr;
    ASSERT_EQ(gcompLocalGroupCreate(&group, P), gcompSuccess);
    std::vector<std::thread> ranks;
    for (int r = 0; r < P; r++)
      ranks.emplace_back([=] {
        LocalWorld w;
        w.me = r;
        w.P = P;
        w.group = group;
        gsc::current_world() = &w;
        scenario();
        gsc::current_world() = nullptr;
      });
    for (auto &t : ranks) t.join();
    EXPECT_EQ(gcompLocalGroupFree(group), gcompSuccess);
  }
};

TEST_P(Local, AllReduce_AllGatherResultIsExactlyTheSumOfDecodedPayloads) { run(gsc::AllReduce_AllGatherResultIsExactlyTheSumOfDecodedPayloads); }
TEST_P(Local, AllReduce_StatsCountEncodedAndReceivedPayloadBytes) { run(gsc::AllReduce_StatsCountEncodedAndReceivedPayloadBytes); }
TEST_P(Local, AllReduce_MeanIsTheSumTimesOneOverP) { run(gsc::AllReduce_MeanIsTheSumTimesOneOverP); }
TEST_P(Local, AllReduce_InPlaceMatchesOutOfPlace) { run(gsc::AllReduce_InPlaceMatchesOutOfPlace); }
TEST_P(Local, AllReduce_TwoPhaseMatchesItsLocalRecomputation) { run(gsc::AllReduce_TwoPhaseMatchesItsLocalRecomputation); }
TEST_P(Local, AllReduce_TwoPhaseErrorWithinTheBoundOfTwoCompressions) { run(gsc::AllReduce_TwoPhaseErrorWithinTheBoundOfTwoCompressions); }
TEST_P(Local, AllReduce_UnbiasedCodecGivesTheTrueSumInExpectation) { run(gsc::AllReduce_UnbiasedCodecGivesTheTrueSumInExpectation); }
TEST_P(Local, AllReduce_ErrorFeedbackConvergesToTheTrueSumForABiasedCodec) { run(gsc::AllReduce_ErrorFeedbackConvergesToTheTrueSumForABiasedCodec); }
TEST_P(Local, AllReduce_ErrorFeedbackResetEqualsAFreshState) { run(gsc::AllReduce_ErrorFeedbackResetEqualsAFreshState); }
TEST_P(Local, AllGatherBroadcast_BlocksAreEachRanksDecodedPayload) { run(gsc::AllGatherBroadcast_BlocksAreEachRanksDecodedPayload); }
TEST_P(Local, AllReduce_ManyTensorsEqualOneConcatenatedVector) { run(gsc::AllReduce_ManyTensorsEqualOneConcatenatedVector); }
TEST_P(Local, Outputs_AreOverwrittenNotAccumulated) { run(gsc::Outputs_AreOverwrittenNotAccumulated); }
TEST_P(Local, AllReduce_TwoPhaseWithFewerValuesThanRanksIsAllGather) { run(gsc::AllReduce_TwoPhaseWithFewerValuesThanRanksIsAllGather); }
TEST_P(Local, AllReduce_BucketBytesAreWithinFivePercentOfTheBodies) { run(gsc::AllReduce_BucketBytesAreWithinFivePercentOfTheBodies); }
TEST_P(Local, Errors_MismatchedCountOrCodecFailsOnEveryRank) { run(gsc::Errors_MismatchedCountOrCodecFailsOnEveryRank); }
TEST_P(Local, Errors_MismatchedPipelineFailsOnEveryRank) { run(gsc::Errors_MismatchedPipelineFailsOnEveryRank); }
TEST_P(Local, Errors_ACorruptPayloadFailsOnEveryRank) { run(gsc::Errors_ACorruptPayloadFailsOnEveryRank); }
TEST_P(Local, Errors_HostCommunicatorRefusesAStream) { run(gsc::Errors_HostCommunicatorRefusesAStream); }
TEST_P(Local, Errors_BroadcastRootOutOfRangeIsRefused) { run(gsc::Errors_BroadcastRootOutOfRangeIsRefused); }
TEST_P(Local, Errors_AFailedEncodeOnOneRankFailsEveryRank) { run(gsc::Errors_AFailedEncodeOnOneRankFailsEveryRank); }
TEST_P(Local, Errors_OneRanksMistakeFailsEveryRankWithoutHanging) { run(gsc::Errors_OneRanksMistakeFailsEveryRankWithoutHanging); }

TEST_P(Local, AllReduce_PipelinedChunksAreTheSumOfChunkPayloads) { run(gsc::AllReduce_PipelinedChunksAreTheSumOfChunkPayloads); }

INSTANTIATE_TEST_SUITE_P(Ranks, Local, ::testing::Values(2, 3, 4, 8),
                         [](const auto &info) { return "P" + std::to_string(info.param); });

TEST(LocalGroup, BadArgumentsAreRefused) {
  gcompLocalGroup_t g = nullptr;
  EXPECT_EQ(gcompLocalGroupCreate(nullptr, 2), gcompInvalidArgument);
  EXPECT_EQ(gcompLocalGroupCreate(&g, 0), gcompInvalidArgument);
  ASSERT_EQ(gcompLocalGroupCreate(&g, 2), gcompSuccess);
  gcompComm_t c = nullptr;
  EXPECT_EQ(gcompCommCreateLocal(&c, g, 2, nullptr), gcompInvalidArgument);
  EXPECT_EQ(gcompCommCreateLocal(&c, nullptr, 0, nullptr), gcompInvalidArgument);
  EXPECT_EQ(gcompCommCreateLocal(nullptr, g, 0, nullptr), gcompInvalidArgument);
  EXPECT_EQ(gcompLocalGroupFree(g), gcompSuccess);
}

// One rank is a communicator of its own: every collective is a local round
// trip through the codec.
TEST(LocalGroup, OneRankReducesToItsOwnDecodedPayload) {
  gcompLocalGroup_t g = nullptr;
  ASSERT_EQ(gcompLocalGroupCreate(&g, 1), gcompSuccess);
  gcompComm_t c = nullptr;
  ASSERT_EQ(gcompCommCreateLocal(&c, g, 0, nullptr), gcompSuccess);
  EXPECT_EQ(gcompLocalGroupFree(g), gcompSuccess);
  gth::Codec codec("sd");
  auto x = gtv::family("gaussian", 999, 4);
  std::vector<float> y(x.size());
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), x.size(), codec.h, gcompSum, c, nullptr),
            gcompSuccess);
  auto want = gth::decode(gth::encode(codec, x, gcomp_payload_seed(0, 0, 0, GCOMP_PHASE_SEND, 0)),
                          x.size());
  EXPECT_TRUE(gth::bitwise_equal(y, want));
  gcompCommFree(c);
}

// A rank that never comes: with a timeout, the waiting rank's collective
// fails (gcompSystemError) instead of hanging, and the communicator stays
// failed for every rank afterwards.
TEST(LocalGroup, TimeoutEndsACollectiveWhoseRankNeverComes) {
  gcompLocalGroup_t g = nullptr;
  ASSERT_EQ(gcompLocalGroupCreate(&g, 2), gcompSuccess);
  gcompCommConfig_t cfg = GCOMP_COMM_CONFIG_INITIALIZER;
  cfg.timeoutSeconds = 0.3;
  gcompComm_t c[2] = {nullptr, nullptr};
  std::thread other([&] { EXPECT_EQ(gcompCommCreateLocal(&c[1], g, 1, &cfg), gcompSuccess); });
  ASSERT_EQ(gcompCommCreateLocal(&c[0], g, 0, &cfg), gcompSuccess);
  other.join();
  EXPECT_EQ(gcompLocalGroupFree(g), gcompSuccess);
  gth::Codec codec("sd");
  std::vector<float> x(100, 1.0f), y(100);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), 100, codec.h, gcompSum, c[0], nullptr),
            gcompSystemError);
  double waited = gsc::seconds_since(t0);
  EXPECT_GE(waited, 0.25);
  EXPECT_LT(waited, 2.0);
  EXPECT_NE(std::string(gcompGetLastErrorDetail()).find("timeout"), std::string::npos)
      << gcompGetLastErrorDetail();
  // rank 1 comes late: the communicator is broken for it too, at once
  t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), 100, codec.h, gcompSum, c[1], nullptr),
            gcompSystemError);
  EXPECT_LT(gsc::seconds_since(t0), 0.25);
  gcompCommFree(c[0]);
  gcompCommFree(c[1]);
}

TEST(LocalGroup, TimeoutOutOfRangeIsRefused) {
  gcompLocalGroup_t g = nullptr;
  ASSERT_EQ(gcompLocalGroupCreate(&g, 1), gcompSuccess);
  gcompCommConfig_t cfg = GCOMP_COMM_CONFIG_INITIALIZER;
  cfg.timeoutSeconds = -1;
  gcompComm_t c = nullptr;
  EXPECT_EQ(gcompCommCreateLocal(&c, g, 0, &cfg), gcompInvalidArgument);
  EXPECT_EQ(c, nullptr);
  EXPECT_EQ(gcompLocalGroupFree(g), gcompSuccess);
}

}  // namespace
