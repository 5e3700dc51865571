// The collective scenarios (../scenarios.h) over real MPI ranks: ctest
// runs this binary under mpirun -np 2 and -np 4.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>

#include "../scenarios.h"
#include "gcomp_mpi.h"

namespace {

struct MpiWorld : gsc::World {
  MpiWorld() {
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &P);
  }
  gcompResult_t make_comm(gcompComm_t *comm, const gcompCommConfig_t *cfg) override {
    return gcompCommCreateMpi(comm, MPI_COMM_WORLD, cfg);
  }
};

TEST(MpiAllReduce, AllGatherResultIsExactlyTheSumOfDecodedPayloads) { gsc::AllReduce_AllGatherResultIsExactlyTheSumOfDecodedPayloads(); }
TEST(MpiAllReduce, StatsCountEncodedAndReceivedPayloadBytes) { gsc::AllReduce_StatsCountEncodedAndReceivedPayloadBytes(); }
TEST(MpiAllReduce, MeanIsTheSumTimesOneOverP) { gsc::AllReduce_MeanIsTheSumTimesOneOverP(); }
TEST(MpiAllReduce, InPlaceMatchesOutOfPlace) { gsc::AllReduce_InPlaceMatchesOutOfPlace(); }
TEST(MpiAllReduce, TwoPhaseMatchesItsLocalRecomputation) { gsc::AllReduce_TwoPhaseMatchesItsLocalRecomputation(); }
TEST(MpiAllReduce, TwoPhaseErrorWithinTheBoundOfTwoCompressions) { gsc::AllReduce_TwoPhaseErrorWithinTheBoundOfTwoCompressions(); }
TEST(MpiAllReduce, UnbiasedCodecGivesTheTrueSumInExpectation) { gsc::AllReduce_UnbiasedCodecGivesTheTrueSumInExpectation(); }
TEST(MpiAllReduce, ErrorFeedbackConvergesToTheTrueSumForABiasedCodec) { gsc::AllReduce_ErrorFeedbackConvergesToTheTrueSumForABiasedCodec(); }
TEST(MpiAllReduce, ErrorFeedbackResetEqualsAFreshState) { gsc::AllReduce_ErrorFeedbackResetEqualsAFreshState(); }
TEST(MpiAllGatherBroadcast, BlocksAreEachRanksDecodedPayload) { gsc::AllGatherBroadcast_BlocksAreEachRanksDecodedPayload(); }
TEST(MpiAllReduce, ManyTensorsEqualOneConcatenatedVector) { gsc::AllReduce_ManyTensorsEqualOneConcatenatedVector(); }
TEST(MpiAllReduce, OutputsAreOverwrittenNotAccumulated) { gsc::Outputs_AreOverwrittenNotAccumulated(); }
TEST(MpiAllReduce, TwoPhaseWithFewerValuesThanRanksIsAllGather) { gsc::AllReduce_TwoPhaseWithFewerValuesThanRanksIsAllGather(); }
TEST(MpiAllReduce, BucketBytesAreWithinFivePercentOfTheBodies) { gsc::AllReduce_BucketBytesAreWithinFivePercentOfTheBodies(); }
TEST(MpiErrors, MismatchedCountOrCodecFailsOnEveryRank) { gsc::Errors_MismatchedCountOrCodecFailsOnEveryRank(); }
TEST(MpiErrors, MismatchedPipelineFailsOnEveryRank) { gsc::Errors_MismatchedPipelineFailsOnEveryRank(); }
TEST(MpiErrors, ACorruptPayloadFailsOnEveryRank) { gsc::Errors_ACorruptPayloadFailsOnEveryRank(); }
TEST(MpiErrors, HostCommunicatorRefusesAStream) { gsc::Errors_HostCommunicatorRefusesAStream(); }
TEST(MpiErrors, BroadcastRootOutOfRangeIsRefused) { gsc::Errors_BroadcastRootOutOfRangeIsRefused(); }
TEST(MpiErrors, AFailedEncodeOnOneRankFailsEveryRank) { gsc::Errors_AFailedEncodeOnOneRankFailsEveryRank(); }
TEST(MpiErrors, OneRanksMistakeFailsEveryRankWithoutHanging) { gsc::Errors_OneRanksMistakeFailsEveryRankWithoutHanging(); }

TEST(MpiAllReduce, PipelinedChunksAreTheSumOfChunkPayloads) { gsc::AllReduce_PipelinedChunksAreTheSumOfChunkPayloads(); }

}  // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  MpiWorld world;
  gsc::current_world() = &world;
  if (world.me != 0) {  // one report, from rank 0; failures elsewhere still fail the exit code
    auto &listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  int worst = 0;
  MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (world.me == 0 && worst && !rc) fprintf(stderr, "a test failed on another rank\n");
  MPI_Finalize();
  return worst;
}
