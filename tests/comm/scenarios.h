// The collective scenarios every transport must pass, written once: the
// MPI suite runs them as real ranks (mpirun -np 2 and 4), the in-process
// suite as threads of one process (P = 2, 3, 4, 8). Every rank runs every
// scenario and makes the same collective calls: assertions that could stop
// one rank early come only after the last collective of a scenario.
#ifndef GCOMP_TESTS_COMM_SCENARIOS_H
#define GCOMP_TESTS_COMM_SCENARIOS_H

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "codec_helpers.h"
#include "comm/comm.h"
#include "shared/wire_layout.h"
#include "comm/frame.h"
#include "vectors.h"

namespace gsc {

using gth::Codec;

// Where a scenario runs: this thread's rank, the rank count, and how to make
// a communicator (a collective call on every rank).
struct World {
  int me = 0, P = 1;
  virtual gcompResult_t make_comm(gcompComm_t *comm, const gcompCommConfig_t *cfg) = 0;
  virtual ~World() = default;
};

inline World *&current_world() {
  thread_local World *w = nullptr;
  return w;
}

inline int rank_of() { return current_world()->me; }
inline int size_of() { return current_world()->P; }

struct Comm {
  gcompComm_t h = nullptr;
  explicit Comm(gcompAlgo_t algo = gcompAlgoAuto, uint64_t seed = 77, uint64_t pipeline = 0) {
    gcompCommConfig_t cfg = GCOMP_COMM_CONFIG_INITIALIZER;
    cfg.seed = seed;
    cfg.algorithm = algo;
    cfg.pipelineValues = pipeline;
    EXPECT_EQ(current_world()->make_comm(&h, &cfg), gcompSuccess) << gcompGetLastErrorDetail();
  }
  Comm(const Comm &) = delete;
  Comm &operator=(const Comm &) = delete;
  ~Comm() { gcompCommFree(h); }
};


using gth::Codec;


inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline std::vector<float> input(int rank, uint64_t count, const char *family = "gaussian") {
  return gtv::family(family, count, 1000 + (uint64_t)rank);
}

// The exact sum of every rank's input, in double.
inline std::vector<double> exact_sum(uint64_t count, const char *family = "gaussian") {
  std::vector<double> s(count, 0.0);
  for (int j = 0; j < size_of(); j++) {
    auto xj = input(j, count, family);
    for (uint64_t i = 0; i < count; i++) s[i] += xj[i];
  }
  return s;
}

// What rank j's payload decodes to, recomputed locally from the documented
// seed rule.
inline std::vector<float> decoded(const Codec &codec, const std::vector<float> &x, uint64_t seed) {
  return gth::decode(gth::encode(codec, x, seed), x.size());
}

inline std::vector<float> local_allgather_sum(const Codec &codec, uint64_t base, uint64_t call,
                                       uint64_t count, int P) {
  std::vector<float> sum(count, 0.0f);
  for (int j = 0; j < P; j++) {
    auto y = decoded(codec, input(j, count),
                     gcomp_payload_seed(base, call, j, GCOMP_PHASE_SEND, 0));
    for (uint64_t i = 0; i < count; i++) sum[i] = j ? y[i] + 1.0f * sum[i] : y[i];
  }
  return sum;
}

inline void AllReduce_AllGatherResultIsExactlyTheSumOfDecodedPayloads() {
  int me = rank_of(), P = size_of();
  Comm comm(gcompAlgoAllGather);
  for (const char *name : {"sd", "sd-unbiased", "identity"}) {
    Codec codec(name);
    for (uint64_t count : {1ull, 7ull, 1000ull, 100003ull}) {
      auto x = input(me, count);
      std::vector<float> y(count);
      gcompResult_t r = gcompAllReduce(x.data(), y.data(), count, codec.h, gcompSum, comm.h, nullptr);
      EXPECT_EQ(r, gcompSuccess) << gcompGetLastErrorDetail();
      uint64_t call = comm.h->calls - 1;
      EXPECT_TRUE(gth::bitwise_equal(y, local_allgather_sum(codec, 77, call, count, P)))
          << name << " count " << count;
    }
  }
}

// The stats count this rank's own payload once (what a worker
// communicates) and the others' payloads as received.
inline void AllReduce_StatsCountEncodedAndReceivedPayloadBytes() {
  int me = rank_of(), P = size_of();
  Comm comm(gcompAlgoAllGather, 3);
  Codec codec("sd");
  auto x = input(me, 2000);
  std::vector<float> y(x.size());
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), x.size(), codec.h, gcompSum, comm.h, nullptr),
            gcompSuccess);
  gcompCommStats_t st{};
  EXPECT_EQ(gcompCommGetStats(comm.h, &st), gcompSuccess);
  // Host communicators send frames: the payload less its header, plus the
  // frame's own few bytes.
  uint64_t mine = 0, mine_body = 0, others = 0;
  for (int j = 0; j < P; j++) {
    auto p = gth::encode(codec, input(j, 2000), gcomp_payload_seed(3, 0, j, GCOMP_PHASE_SEND, 0));
    uint64_t body = p.size() - GCOMP_HEADER_BYTES;
    uint64_t s = gcomp_frame_from_payload(p.data(), p.size(), codec.h);
    EXPECT_GT(s, body);
    EXPECT_LE(s, body + 4);  // packing byte + a body length below 2^21 bits
    if (j == me) mine = s, mine_body = body;
    else others += s;
  }
  EXPECT_EQ(st.bytesEncoded, mine);
  EXPECT_EQ(st.bodyBytesEncoded, mine_body);
  EXPECT_EQ(st.bytesReceived, others);
  EXPECT_EQ(st.collectives, 1u);
}

inline void AllReduce_MeanIsTheSumTimesOneOverP() {
  int me = rank_of(), P = size_of();
  Comm a(gcompAlgoAllGather, 5), b(gcompAlgoAllGather, 5);
  Codec codec("sd");
  auto x = input(me, 5000);
  std::vector<float> sum(x.size()), mean(x.size());
  EXPECT_EQ(gcompAllReduce(x.data(), sum.data(), x.size(), codec.h, gcompSum, a.h, nullptr),
            gcompSuccess);
  EXPECT_EQ(gcompAllReduce(x.data(), mean.data(), x.size(), codec.h, gcompMean, b.h, nullptr),
            gcompSuccess);
  float inv = (float)(1.0 / P);
  for (size_t i = 0; i < x.size(); i++) ASSERT_EQ(mean[i], sum[i] * inv);
}

inline void AllReduce_InPlaceMatchesOutOfPlace() {
  int me = rank_of();
  Comm a(gcompAlgoAuto, 9), b(gcompAlgoAuto, 9);
  Codec codec("sd-unbiased");
  auto x = input(me, 3000);
  std::vector<float> y(x.size());
  auto z = x;
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), x.size(), codec.h, gcompSum, a.h, nullptr),
            gcompSuccess);
  EXPECT_EQ(gcompAllReduce(z.data(), z.data(), z.size(), codec.h, gcompSum, b.h, nullptr),
            gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(y, z));
}

// Two-phase recomputed locally: chunk payloads, the owners' decode-sums,
// their re-compressions, the final decode.
// Both phases' seeds matter for a randomized codec (sd-unbiased): frames
// carry none, so a rank encoding with another seed than the rule's would
// show here.
inline void AllReduce_TwoPhaseMatchesItsLocalRecomputation() {
  int me = rank_of(), P = size_of();
  for (const char *name : {"sd", "sd-unbiased"}) {
    SCOPED_TRACE(name);
    Comm comm(gcompAlgoTwoPhase, 11);
    Codec codec(name);
    const uint64_t count = 40001;
    auto x = input(me, count);
    std::vector<float> y(count);
    EXPECT_EQ(gcompAllReduce(x.data(), y.data(), count, codec.h, gcompSum, comm.h, nullptr),
              gcompSuccess)
        << gcompGetLastErrorDetail();
    std::vector<float> want(count);
    for (int r = 0; r < P; r++) {
      uint64_t a = count * r / P, b = count * (r + 1) / P;
      std::vector<float> part(b - a, 0.0f);
      for (int j = 0; j < P; j++) {
        auto xj = input(j, count);
        std::vector<float> chunk(xj.begin() + a, xj.begin() + b);
        auto dj = decoded(codec, chunk, gcomp_payload_seed(11, 0, j, GCOMP_PHASE_CHUNK, r));
        for (size_t i = 0; i < part.size(); i++) part[i] = j ? dj[i] + 1.0f * part[i] : dj[i];
      }
      auto out = decoded(codec, part, gcomp_payload_seed(11, 0, r, GCOMP_PHASE_RECOMPRESS, 0));
      std::copy(out.begin(), out.end(), want.begin() + a);
    }
    EXPECT_TRUE(gth::bitwise_equal(y, want));
  }
}

// |y - s| <= sqrt(nu) (|S| + sum_j |x_j|): the workers' compressions move
// the sum by at most sqrt(nu) sum |x_j|, the owners' by sqrt(nu)|S|.
inline void AllReduce_TwoPhaseErrorWithinTheBoundOfTwoCompressions() {
  int me = rank_of(), P = size_of();
  Comm comm(gcompAlgoTwoPhase, 13);
  const double nu = 0.1;
  Codec codec("sd", {{"nu", "0.1"}});
  const uint64_t count = 20000;
  auto x = input(me, count, "heavy");
  std::vector<float> y(count);
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), count, codec.h, gcompSum, comm.h, nullptr),
            gcompSuccess);
  std::vector<double> s(count, 0.0);
  double norms = 0;
  for (int j = 0; j < P; j++) {
    auto xj = input(j, count, "heavy");
    norms += std::sqrt(gtv::sumsq(xj));
    for (uint64_t i = 0; i < count; i++) s[i] += xj[i];
  }
  double err = 0, snorm = 0;
  for (uint64_t i = 0; i < count; i++) {
    err += (y[i] - s[i]) * (y[i] - s[i]);
    snorm += s[i] * s[i];
  }
  double S_bound = std::sqrt(snorm) + std::sqrt(nu) * norms;  // |S| <= |s| + sqrt(nu) sum|x_j|
  EXPECT_LE(std::sqrt(err), std::sqrt(nu) * (S_bound + norms) * (1 + 1e-6));
}

// An unbiased codec's allreduce is the true sum in expectation: the mean
// over T calls is within 5 standard errors (estimated from the calls).
inline void AllReduce_UnbiasedCodecGivesTheTrueSumInExpectation() {
  int me = rank_of();
  Comm comm(gcompAlgoAllGather, 17);
  Codec codec("sd-unbiased", {{"omega", "1"}});
  const uint64_t count = 64;
  const int T = 2000;
  auto x = input(me, count);
  std::vector<double> m1(count, 0), m2(count, 0);
  std::vector<float> y(count);
  for (int t = 0; t < T; t++) {
    EXPECT_EQ(gcompAllReduce(x.data(), y.data(), count, codec.h, gcompSum, comm.h, nullptr),
              gcompSuccess);
    for (uint64_t i = 0; i < count; i++) {
      m1[i] += y[i];
      m2[i] += (double)y[i] * y[i];
    }
  }
  auto s = exact_sum(count);
  for (uint64_t i = 0; i < count; i++) {
    double mean = m1[i] / T, var = m2[i] / T - mean * mean;
    EXPECT_NEAR(mean, s[i], 5 * std::sqrt(std::max(var, 0.0) / T) + 1e-6) << i;
  }
}

inline void AllReduce_ErrorFeedbackConvergesToTheTrueSumForABiasedCodec() {
  int me = rank_of();
  for (gcompAlgo_t algo : {gcompAlgoAllGather, gcompAlgoTwoPhase}) {
    Comm comm(algo, 19);
    Codec codec("sd", {{"nu", "0.3"}});
    const uint64_t count = 4096;
    auto x = input(me, count, "heavy");
    gcompErrorFeedback_t ef = nullptr;
    EXPECT_EQ(gcompErrorFeedbackCreate(&ef, count), gcompSuccess);
    std::vector<float> y(count);
    for (int t = 0; t < 40; t++)
      EXPECT_EQ(gcompAllReduceEF(x.data(), y.data(), count, codec.h, gcompSum, ef, comm.h,
                                 nullptr),
                gcompSuccess);
    gcompErrorFeedbackFree(ef);
    auto s = exact_sum(count, "heavy");
    double err = 0, norm = 0;
    for (uint64_t i = 0; i < count; i++) {
      err += (y[i] - s[i]) * (y[i] - s[i]);
      norm += s[i] * s[i];
    }
    // EF21 with a C(0.3) compressor contracts the error by 0.3 a step; the
    // owners' error feedback keeps the re-compression from accumulating.
    EXPECT_LE(err, 1e-6 * norm) << "algorithm " << algo;
  }
}

// One EF allreduce of x, whole (gcompAllReduceEF) or as three tensors
// (gcompAllReduceMulti, one bucket and one state for their sum).
inline std::vector<float> ef_step(const std::vector<float> &x, const Codec &codec,
                           gcompErrorFeedback_t ef, gcompComm_t comm, bool multi) {
  std::vector<float> y(x.size());
  gcompResult_t r;
  if (multi) {
    uint64_t a = x.size() / 3, b = x.size() / 2;
    std::vector<uint64_t> counts = {a, b - a, x.size() - b};
    std::vector<const float *> sends = {x.data(), x.data() + a, x.data() + b};
    std::vector<float *> recvs = {y.data(), y.data() + a, y.data() + b};
    r = gcompAllReduceMulti(sends.data(), recvs.data(), counts.data(), 3, codec.h, gcompSum, ef,
                            comm, nullptr);
  } else {
    r = gcompAllReduceEF(x.data(), y.data(), x.size(), codec.h, gcompSum, ef, comm, nullptr);
  }
  EXPECT_EQ(r, gcompSuccess) << gcompGetLastErrorDetail();
  return y;
}

// gcompErrorFeedbackReset returns a state to what gcompErrorFeedbackCreate
// gives: the worker's g and G and, after two-phase calls, the chunk
// owners' re-compression error. `used` runs kBefore EF steps, resets, runs
// kAfter more; `fresh` (same seed) makes kBefore plain allreduces, so its
// call counter, which keys every payload seed, keeps pace, then the kAfter
// steps with a new state: the results must agree bit for bit. `kept` skips
// the reset and must not.
inline void AllReduce_ErrorFeedbackResetEqualsAFreshState() {
  int me = rank_of();
  const uint64_t count = 4099;
  const int kBefore = 3, kAfter = 2;
  auto step_input = [&](int t) { return gtv::family("heavy", count, 5000 * (t + 1) + me); };
  Codec codec("sd", {{"nu", "0.3"}});
  for (gcompAlgo_t algo : {gcompAlgoAllGather, gcompAlgoTwoPhase})
    for (bool multi : {false, true}) {
      Comm used(algo, 31), fresh(algo, 31), kept(algo, 31);
      gcompErrorFeedback_t ef_used = nullptr, ef_fresh = nullptr, ef_kept = nullptr;
      EXPECT_EQ(gcompErrorFeedbackCreate(&ef_used, count), gcompSuccess);
      EXPECT_EQ(gcompErrorFeedbackCreate(&ef_fresh, count), gcompSuccess);
      EXPECT_EQ(gcompErrorFeedbackCreate(&ef_kept, count), gcompSuccess);
      std::vector<float> plain(count);
      for (int t = 0; t < kBefore; t++) {
        auto x = step_input(t);
        ef_step(x, codec, ef_used, used.h, multi);
        ef_step(x, codec, ef_kept, kept.h, multi);
        EXPECT_EQ(gcompAllReduce(x.data(), plain.data(), count, codec.h, gcompSum, fresh.h,
                                 nullptr),
                  gcompSuccess);
      }
      EXPECT_EQ(gcompErrorFeedbackReset(ef_used), gcompSuccess);
      for (int t = kBefore; t < kBefore + kAfter; t++) {
        auto x = step_input(t);
        auto y_used = ef_step(x, codec, ef_used, used.h, multi);
        auto y_fresh = ef_step(x, codec, ef_fresh, fresh.h, multi);
        auto y_kept = ef_step(x, codec, ef_kept, kept.h, multi);
        EXPECT_TRUE(gth::bitwise_equal(y_used, y_fresh))
            << "algorithm " << algo << (multi ? " multi" : "") << " step " << t;
        EXPECT_FALSE(gth::bitwise_equal(y_kept, y_fresh))
            << "algorithm " << algo << (multi ? " multi" : "") << " step " << t;
      }
      gcompErrorFeedbackFree(ef_used);
      gcompErrorFeedbackFree(ef_fresh);
      gcompErrorFeedbackFree(ef_kept);
    }
}

// Randomized codecs too: their payloads decode right only with the seed
// of the rank that encoded them (frames carry no seed), the root's for a
// broadcast whatever the root is.
inline void AllGatherBroadcast_BlocksAreEachRanksDecodedPayload() {
  int me = rank_of(), P = size_of();
  for (const char *name : {"sd", "sd-unbiased", "randk"}) {
    Comm comm(gcompAlgoAuto, 23);
    Codec codec(name);
    const uint64_t count = 777;
    auto x = input(me, count);
    std::vector<float> all(count * (uint64_t)P), b(count);
    EXPECT_EQ(gcompAllGather(x.data(), all.data(), count, codec.h, comm.h, nullptr),
              gcompSuccess);
    int root = P - 1;
    EXPECT_EQ(gcompBroadcast(me == root ? x.data() : nullptr, b.data(), count, codec.h, root,
                             comm.h, nullptr),
              gcompSuccess);
    for (int j = 0; j < P; j++) {
      auto want =
          decoded(codec, input(j, count), gcomp_payload_seed(23, 0, j, GCOMP_PHASE_SEND, 0));
      EXPECT_TRUE(gth::bitwise_equal(std::vector<float>(all.begin() + j * count,
                                                        all.begin() + (j + 1) * count),
                                     want))
          << name << ", block " << j;
    }
    auto want =
        decoded(codec, input(root, count), gcomp_payload_seed(23, 1, root, GCOMP_PHASE_BCAST, 0));
    EXPECT_TRUE(gth::bitwise_equal(b, want)) << name << ", broadcast from " << root;
  }
}

// Two-phase asked for with fewer values than ranks (empty chunks): the call
// runs allgather, so it succeeds with exactly allgather's result.
inline void AllReduce_TwoPhaseWithFewerValuesThanRanksIsAllGather() {
  int me = rank_of(), P = size_of();
  for (uint64_t count : {(uint64_t)1, (uint64_t)P - 1}) {
    if (count == 0) continue;
    Comm two(gcompAlgoTwoPhase, 31), all(gcompAlgoAllGather, 31);
    Codec codec("sd-unbiased");
    auto x = input(me, count);
    std::vector<float> y(count), z(count);
    EXPECT_EQ(gcompAllReduce(x.data(), y.data(), count, codec.h, gcompSum, two.h, nullptr),
              gcompSuccess)
        << "count " << count << ": " << gcompGetLastErrorDetail();
    EXPECT_EQ(gcompAllReduce(x.data(), z.data(), count, codec.h, gcompSum, all.h, nullptr),
              gcompSuccess);
    EXPECT_TRUE(gth::bitwise_equal(y, z)) << "count " << count;
  }
}

// recvbuff is output only: whatever it held before (here NaN and huge
// values) leaves no trace, in each algorithm, chunked or not, and in
// allgather's and broadcast's outputs.
inline void Outputs_AreOverwrittenNotAccumulated() {
  int me = rank_of(), P = size_of();
  const uint64_t n = 3001;
  auto dirty = [](std::vector<float> &v) {
    for (size_t i = 0; i < v.size(); i++)
      v[i] = i % 3 == 0 ? std::numeric_limits<float>::quiet_NaN() : (i % 3 == 1 ? 1e30f : -7.0f);
  };
  for (gcompAlgo_t algo : {gcompAlgoAllGather, gcompAlgoTwoPhase}) {
    for (uint64_t pipeline : {(uint64_t)GCOMP_PIPELINE_OFF, (uint64_t)1000}) {
      Comm a(algo, 41, pipeline), b(algo, 41, pipeline);
      Codec codec("sd");
      auto x = input(me, n);
      std::vector<float> clean(n, 0.0f), y(n);
      dirty(y);
      ASSERT_EQ(gcompAllReduce(x.data(), clean.data(), n, codec.h, gcompSum, a.h, nullptr),
                gcompSuccess);
      ASSERT_EQ(gcompAllReduce(x.data(), y.data(), n, codec.h, gcompSum, b.h, nullptr),
                gcompSuccess);
      EXPECT_TRUE(gth::bitwise_equal(y, clean))
          << "allreduce, algorithm " << (int)algo << ", pipeline " << pipeline;
    }
  }
  Comm a(gcompAlgoAuto, 43), b(gcompAlgoAuto, 43);
  Codec codec("sd");
  auto x = input(me, n);
  std::vector<float> clean(n * (uint64_t)P, 0.0f), all(n * (uint64_t)P), bc(n), bclean(n, 0.0f);
  dirty(all);
  dirty(bc);
  ASSERT_EQ(gcompAllGather(x.data(), clean.data(), n, codec.h, a.h, nullptr), gcompSuccess);
  ASSERT_EQ(gcompAllGather(x.data(), all.data(), n, codec.h, b.h, nullptr), gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(all, clean)) << "allgather";
  ASSERT_EQ(gcompBroadcast(x.data(), bclean.data(), n, codec.h, 0, a.h, nullptr), gcompSuccess);
  ASSERT_EQ(gcompBroadcast(x.data(), bc.data(), n, codec.h, 0, b.h, nullptr), gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(bc, bclean)) << "broadcast";
}

inline void AllReduce_ManyTensorsEqualOneConcatenatedVector() {
  int me = rank_of();
  Comm a(gcompAlgoAuto, 29), b(gcompAlgoAuto, 29);
  Codec codec("sd");
  std::vector<uint64_t> counts = {3, 1000, 17, 4096};
  uint64_t total = 0;
  for (auto c : counts) total += c;
  auto x = input(me, total);
  std::vector<float> y(total), z(total);
  std::vector<const float *> sends;
  std::vector<float *> recvs;
  uint64_t at = 0;
  for (auto c : counts) {
    sends.push_back(x.data() + at);
    recvs.push_back(z.data() + at);
    at += c;
  }
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), total, codec.h, gcompSum, a.h, nullptr),
            gcompSuccess);
  EXPECT_EQ(gcompAllReduceMulti(sends.data(), recvs.data(), counts.data(), (int)counts.size(),
                                codec.h, gcompSum, nullptr, b.h, nullptr),
            gcompSuccess);
  EXPECT_TRUE(gth::bitwise_equal(y, z));
}

// A framework's bucket of 100 tensors of 1000 values: one frame travels,
// so the bytes a rank sends are the bodies and a few bytes more, and the
// body is within 5% of the sum of the tensors' own bodies (issue 15).
inline void AllReduce_BucketBytesAreWithinFivePercentOfTheBodies() {
  int me = rank_of();
  Comm comm(gcompAlgoAllGather, 31);
  Codec codec("sd");
  std::vector<uint64_t> counts(100, 1000);
  auto x = input(me, 100 * 1000);
  std::vector<float> y(x.size());
  std::vector<const float *> sends;
  std::vector<float *> recvs;
  uint64_t own_bodies = 0;
  for (size_t i = 0; i < counts.size(); i++) {
    sends.push_back(x.data() + i * 1000);
    recvs.push_back(y.data() + i * 1000);
    std::vector<float> t(x.begin() + (long)(i * 1000), x.begin() + (long)((i + 1) * 1000));
    own_bodies += gth::encode(codec, t, 5).size() - GCOMP_HEADER_BYTES;
  }
  EXPECT_EQ(gcompAllReduceMulti(sends.data(), recvs.data(), counts.data(), (int)counts.size(),
                                codec.h, gcompSum, nullptr, comm.h, nullptr),
            gcompSuccess);
  gcompCommStats_t st{};
  EXPECT_EQ(gcompCommGetStats(comm.h, &st), gcompSuccess);
  EXPECT_LE(st.bytesEncoded, st.bodyBytesEncoded + 4);
  EXPECT_LE((double)st.bytesEncoded, 1.05 * (double)own_bodies)
      << st.bytesEncoded << " bytes sent, tensors' own bodies " << own_bodies;
}

// A disagreement is an error on every rank, not a hang or a crash.
// Chunking is part of the agreement: ranks that cut the vector differently
// would exchange frames of different counts.
inline void Errors_MismatchedPipelineFailsOnEveryRank() {
  int me = rank_of();
  Comm comm(gcompAlgoAllGather, 5, me == 0 ? 1024 : GCOMP_PIPELINE_OFF);
  Codec sd("sd");
  std::vector<float> x(4096, 1.0f), y(4096);
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), x.size(), sd.h, gcompSum, comm.h, nullptr),
            gcompInvalidUsage);
}

inline void Errors_MismatchedCountOrCodecFailsOnEveryRank() {
  int me = rank_of();
  Comm comm;
  Codec sd("sd"), other("sd", {{"nu", "0.2"}});
  std::vector<float> x(200, 1.0f), y(200);
  uint64_t count = me == 0 ? 100 : 200;
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), count, sd.h, gcompSum, comm.h, nullptr),
            gcompInvalidUsage);
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), 200, me == 0 ? other.h : sd.h, gcompSum, comm.h,
                           nullptr),
            gcompInvalidUsage);
  // a bad argument on one rank: that rank's own error, the others' remote one
  gcompResult_t r = gcompAllReduce(x.data(), me == 0 ? nullptr : y.data(), 200, sd.h, gcompSum,
                                   comm.h, nullptr);
  EXPECT_EQ(r, me == 0 ? gcompInvalidArgument : gcompRemoteError);
  // and the communicator still works afterwards
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), 200, sd.h, gcompSum, comm.h, nullptr),
            gcompSuccess);
}

// A transport wrapper that damages what rank 0 receives from rank 1 (per
// thread: in-process ranks each wrap their own communicator).
inline thread_local const gcomp_transport *real_transport;
inline thread_local gcomp_transport faulty;

inline int corrupt_allgatherv(void *ctx, const void *mine, size_t bytes, void *all,
                              const size_t *sizes, const size_t *displs, void *stream) {
  int err = real_transport->allgatherv(ctx, mine, bytes, all, sizes, displs, stream);
  if (!err && size_of() > 1 && rank_of() == 0 && sizes[1] > 100)
    ((uint8_t *)all)[displs[1] + 80] ^= 0x10;
  return err;
}

inline void Errors_ACorruptPayloadFailsOnEveryRank() {
  int me = rank_of();
  Comm comm(gcompAlgoAllGather);
  real_transport = comm.h->tr;
  faulty = *real_transport;
  faulty.allgatherv = corrupt_allgatherv;
  faulty.iallgatherv = nullptr;  // the blocking path, which the wrapper damages
  faulty.wait = nullptr;
  comm.h->tr = &faulty;
  Codec codec("sd");
  auto x = input(me, 5000);
  std::vector<float> y(x.size());
  gcompResult_t r = gcompAllReduce(x.data(), y.data(), x.size(), codec.h, gcompSum, comm.h, nullptr);
  comm.h->tr = real_transport;
  if (size_of() > 1) {
    EXPECT_EQ(r, me == 0 ? gcompCorruptPayload : gcompRemoteError);
  }
}

// A rank whose encode fails after the agreement (a NaN only it has) sends
// no payload: it gets its own error, every other rank a remote one, in
// each algorithm and with the pipeline's chunks, and nobody hangs.
inline void Errors_AFailedEncodeOnOneRankFailsEveryRank() {
  int me = rank_of(), P = size_of();
  const uint64_t n = 3000;
  for (int bad : {0, P - 1}) {
    for (gcompAlgo_t algo : {gcompAlgoAllGather, gcompAlgoTwoPhase}) {
      for (uint64_t pipeline : {(uint64_t)GCOMP_PIPELINE_OFF, (uint64_t)1000}) {
        Comm comm(algo, 5, pipeline);
        Codec codec("sd");
        auto x = input(me, n);
        if (me == bad) x[n - 2] = std::numeric_limits<float>::quiet_NaN();
        std::vector<float> y(n);
        auto t0 = std::chrono::steady_clock::now();
        gcompResult_t r =
            gcompAllReduce(x.data(), y.data(), n, codec.h, gcompSum, comm.h, nullptr);
        double t = seconds_since(t0);
        gcompResult_t want = me == bad ? gcompNonFiniteInput : gcompRemoteError;
        EXPECT_EQ(r, P > 1 || me == bad ? want : gcompSuccess)
            << "NaN on rank " << bad << ", algorithm " << (int)algo << ", pipeline "
            << pipeline;
        EXPECT_LT(t, 1.0);
        x[n - 2] = 0.0f;
        EXPECT_EQ(gcompAllReduce(x.data(), y.data(), n, codec.h, gcompSum, comm.h, nullptr),
                  gcompSuccess)
            << gcompGetLastErrorDetail();
      }
    }
  }
}

// A root outside 0..P-1 is the caller's mistake, on every rank that makes
// it; the others learn of it as a remote error.
inline void Errors_BroadcastRootOutOfRangeIsRefused() {
  int me = rank_of(), P = size_of();
  Comm comm;
  Codec codec("sd");
  std::vector<float> x(100, 1.0f), y(100);
  for (int root : {P, -1, P + 7}) {
    EXPECT_EQ(gcompBroadcast(x.data(), y.data(), 100, codec.h, root, comm.h, nullptr),
              gcompInvalidArgument)
        << "root " << root << " on every rank";
    gcompResult_t r = gcompBroadcast(x.data(), y.data(), 100, codec.h, me == 0 ? root : 0,
                                     comm.h, nullptr);
    EXPECT_EQ(r, me == 0 ? gcompInvalidArgument : gcompRemoteError) << "root " << root
                                                                      << " on rank 0 only";
  }
  EXPECT_EQ(gcompBroadcast(x.data(), y.data(), 100, codec.h, P - 1, comm.h, nullptr),
            gcompSuccess)
      << gcompGetLastErrorDetail();
}

inline void Errors_HostCommunicatorRefusesAStream() {
  Comm comm;
  Codec codec("sd");
  std::vector<float> x(10, 1.0f), y(10);
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), 10, codec.h, gcompSum, comm.h,
                           reinterpret_cast<gcompStream_t>(0x1)),
            gcompInvalidArgument);
}



// The calls that used to hang every rank (docs/COLLECTIVES.md): one rank
// refusing its own arguments (a NULL error feedback state, zero tensors) or
// calling another collective. Every rank returns an error, within a
// second, and the communicator still works afterwards.
inline void Errors_OneRanksMistakeFailsEveryRankWithoutHanging() {
  int me = rank_of(), P = size_of();
  Comm comm;
  Codec codec("sd");
  const uint64_t n = 1000;
  std::vector<float> x(n, 1.0f), y(n), all(n * (uint64_t)P);
  gcompErrorFeedback_t ef = nullptr;
  EXPECT_EQ(gcompErrorFeedbackCreate(&ef, n), gcompSuccess);
  const float *sends[1] = {x.data()};
  float *recvs[1] = {y.data()};
  uint64_t counts[1] = {n};
  const int bad = P - 1;  // the rank that makes the mistake

  auto t0 = std::chrono::steady_clock::now();
  gcompResult_t no_ef = gcompAllReduceEF(x.data(), y.data(), n, codec.h, gcompSum,
                                         me == bad ? nullptr : ef, comm.h, nullptr);
  double t_no_ef = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  gcompResult_t no_tensors =
      gcompAllReduceMulti(sends, recvs, counts, me == bad ? 0 : 1, codec.h, gcompSum, nullptr,
                          comm.h, nullptr);
  double t_no_tensors = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  gcompResult_t other = me == bad
                            ? gcompAllGather(x.data(), all.data(), n, codec.h, comm.h, nullptr)
                            : gcompAllReduce(x.data(), y.data(), n, codec.h, gcompSum, comm.h,
                                             nullptr);
  double t_other = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  gcompResult_t stream = gcompAllReduce(
      x.data(), y.data(), n, codec.h, gcompSum, comm.h,
      me == bad ? reinterpret_cast<gcompStream_t>(0x1) : nullptr);
  double t_stream = seconds_since(t0);
  gcompResult_t after =
      gcompAllReduce(x.data(), y.data(), n, codec.h, gcompSum, comm.h, nullptr);
  gcompErrorFeedbackFree(ef);

  gcompResult_t mine = me == bad ? gcompInvalidArgument : gcompRemoteError;
  EXPECT_EQ(no_ef, mine) << "NULL error feedback on rank " << bad;
  EXPECT_EQ(no_tensors, mine) << "zero tensors on rank " << bad;
  EXPECT_EQ(other, P > 1 ? gcompInvalidUsage : gcompSuccess) << "AllGather on rank " << bad;
  EXPECT_EQ(stream, mine) << "a stream on a host communicator on rank " << bad;
  EXPECT_EQ(after, gcompSuccess) << gcompGetLastErrorDetail();
  for (double t : {t_no_ef, t_no_tensors, t_other, t_stream}) EXPECT_LT(t, 1.0);
}

// Pipelined allgather: chunk k of every rank is its own payload, seeded
// with chunk index k; the result is each chunk's sum of decoded payloads in
// rank order, also with error feedback (own = this rank's decoded chunks).
inline void AllReduce_PipelinedChunksAreTheSumOfChunkPayloads() {
  int me = rank_of(), P = size_of();
  const uint64_t count = 4099, chunk = 1000;
  Comm comm(gcompAlgoAllGather, 91, chunk);
  Codec codec("sd");
  auto x = input(me, count);
  std::vector<float> y(count);
  EXPECT_EQ(gcompAllReduce(x.data(), y.data(), count, codec.h, gcompSum, comm.h, nullptr),
            gcompSuccess)
      << gcompGetLastErrorDetail();
  std::vector<float> want(count);
  for (uint64_t a = 0, k = 0; a < count; a += chunk, k++) {
    uint64_t b = std::min(count, a + chunk);
    for (int j = 0; j < P; j++) {
      auto xj = input(j, count);
      std::vector<float> part(xj.begin() + a, xj.begin() + b);
      auto dj = decoded(codec, part, gcomp_payload_seed(91, 0, j, GCOMP_PHASE_SEND, k));
      for (uint64_t i = a; i < b; i++) want[i] = j ? dj[i - a] + 1.0f * want[i] : dj[i - a];
    }
  }
  EXPECT_TRUE(gth::bitwise_equal(y, want));
  // an unpipelined communicator gives another (one-payload) result, and a
  // pipelined one with EF converges to the true sum as well
  Comm whole(gcompAlgoAllGather, 91, GCOMP_PIPELINE_OFF);
  std::vector<float> z(count);
  EXPECT_EQ(gcompAllReduce(x.data(), z.data(), count, codec.h, gcompSum, whole.h, nullptr),
            gcompSuccess);
  EXPECT_FALSE(gth::bitwise_equal(y, z));
  Comm ef_comm(gcompAlgoAllGather, 93, chunk);
  Codec biased("sd", {{"nu", "0.3"}});
  gcompErrorFeedback_t ef = nullptr;
  EXPECT_EQ(gcompErrorFeedbackCreate(&ef, count), gcompSuccess);
  for (int t = 0; t < 40; t++)
    EXPECT_EQ(gcompAllReduceEF(x.data(), y.data(), count, biased.h, gcompSum, ef, ef_comm.h,
                               nullptr),
              gcompSuccess);
  gcompErrorFeedbackFree(ef);
  auto s = exact_sum(count);
  double err = 0, norm = 0;
  for (uint64_t i = 0; i < count; i++) {
    err += (y[i] - s[i]) * (y[i] - s[i]);
    norm += s[i] * s[i];
  }
  EXPECT_LE(err, 1e-6 * norm);
}

}  // namespace gsc

#endif
