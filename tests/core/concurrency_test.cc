// Threads. A codec is immutable once created and the library keeps no
// global state but the per-thread error detail, so threads that create,
// encode and decode at once, on shared handles or on their own, get exactly
// the bytes one thread alone gets. `scripts/test.sh tsan` runs these under
// ThreadSanitizer, where any data race (lgamma's global signgam, written
// when spherical codecs are created or encode, was one) fails the run.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "codec_helpers.h"
#include "vectors.h"

namespace {

struct Spec {
  const char *codec;
  std::vector<std::pair<std::string, std::string>> params;
};

// Every codec; spherical with its default block, whose choice evaluates
// the cap fraction (lgamma) at creation, and with rotation.
const std::vector<Spec> &specs() {
  static const std::vector<Spec> s = {
      {"identity", {}},
      {"sd", {}},
      {"sd", {{"nu", "0.3"}, {"packing", "entropy"}, {"rotate", "1"}}},
      {"sd-unbiased", {}},
      {"spherical", {}},
      {"spherical", {{"alpha", "0.8"}, {"block", "4"}, {"rotate", "1"}}},
      {"qsgd", {}},
      {"qsgd", {{"packing", "entropy"}}},
      {"natural-dithering", {}},
      {"natural", {}},
      {"topk", {{"k", "10"}}},
      {"randk", {{"k", "10"}}},
      {"sign", {}},
      {"terngrad", {}},
      {"fp16", {}},
      {"bf16", {}},
  };
  return s;
}

constexpr int kThreads = 4;
constexpr uint64_t kD = 1000;
constexpr uint64_t kSeeds[] = {1, 2};

const std::vector<std::vector<float>> &vectors() {
  static const std::vector<std::vector<float>> v = {gtv::family("gaussian", kD, 3),
                                                    gtv::family("sparse", kD, 4)};
  return v;
}

// The worker side uses the plain API and reports by string: no gtest
// assertions off the main thread.
gcompResult_t create(const Spec &spec, gcompCodec_t *codec) {
  gcompCodecConfig_t cfg;
  gcompResult_t r = gcompCodecConfigInit(&cfg, spec.codec);
  for (const auto &kv : spec.params)
    if (r == gcompSuccess) r = gcompCodecConfigSetParam(&cfg, kv.first.c_str(), kv.second.c_str());
  return r == gcompSuccess ? gcompCodecCreate(codec, &cfg) : r;
}

struct Outcome {
  std::vector<uint8_t> payload;
  std::vector<float> decoded;
};

std::string run(gcompCodec_t codec, const std::vector<float> &x, uint64_t seed, Outcome *out) {
  size_t bound = 0, size = 0;
  if (gcompEncodeBound(codec, x.size(), &bound) != gcompSuccess) return "bound failed";
  out->payload.assign(bound, 0);
  if (gcompEncode(codec, x.data(), x.size(), seed, out->payload.data(), bound, &size) !=
      gcompSuccess)
    return std::string("encode failed: ") + gcompGetLastErrorDetail();
  out->payload.resize(size);
  out->decoded.assign(x.size(), 0.0f);
  if (gcompDecode(out->payload.data(), size, out->decoded.data(), x.size(), 0.0f) !=
      gcompSuccess)
    return std::string("decode failed: ") + gcompGetLastErrorDetail();
  return "";
}

// One outcome per (spec, vector, seed), in that order.
size_t job_count() { return specs().size() * vectors().size() * std::size(kSeeds); }

std::string label(size_t job) {
  size_t per_spec = vectors().size() * std::size(kSeeds);
  const Spec &s = specs()[job / per_spec];
  std::string l = s.codec;
  for (const auto &kv : s.params) l += " " + kv.first + "=" + kv.second;
  return l + " vector " + std::to_string(job % per_spec / std::size(kSeeds)) + " seed " +
         std::to_string(kSeeds[job % std::size(kSeeds)]);
}

std::string run_job(gcompCodec_t codec, size_t job, Outcome *out) {
  size_t per_spec = vectors().size() * std::size(kSeeds);
  return run(codec, vectors()[job % per_spec / std::size(kSeeds)],
             kSeeds[job % std::size(kSeeds)], out);
}

std::vector<Outcome> single_threaded() {
  std::vector<Outcome> ref(job_count());
  size_t per_spec = vectors().size() * std::size(kSeeds);
  for (size_t s = 0; s < specs().size(); s++) {
    gcompCodec_t c = nullptr;
    EXPECT_EQ(create(specs()[s], &c), gcompSuccess) << gcompGetLastErrorDetail();
    for (size_t j = s * per_spec; j < (s + 1) * per_spec; j++)
      EXPECT_EQ(run_job(c, j, &ref[j]), "") << label(j);
    gcompCodecFree(c);
  }
  return ref;
}

// Thread t walks every job, starting at a different one than its peers so
// that different codecs run side by side; with own_handles it creates (all
// threads at once) and frees its own codecs, otherwise it uses `shared`.
std::string worker(int t, const std::vector<gcompCodec_t> *shared,
                   const std::vector<Outcome> &ref) {
  std::vector<gcompCodec_t> own;
  if (!shared) {
    own.assign(specs().size(), nullptr);
    for (size_t s = 0; s < specs().size(); s++)
      if (create(specs()[s], &own[s]) != gcompSuccess)
        return "create " + std::string(specs()[s].codec) + ": " + gcompGetLastErrorDetail();
  }
  const std::vector<gcompCodec_t> &codecs = shared ? *shared : own;
  size_t n = job_count(), per_spec = vectors().size() * std::size(kSeeds);
  std::string bad;
  for (size_t i = 0; i < n && bad.empty(); i++) {
    size_t job = (i + (size_t)t * n / kThreads) % n;
    Outcome got;
    bad = run_job(codecs[job / per_spec], job, &got);
    if (bad.empty() && got.payload != ref[job].payload) bad = "payload differs";
    if (bad.empty() && !gth::bitwise_equal(got.decoded, ref[job].decoded))
      bad = "decoded vector differs";
    if (!bad.empty()) bad = "thread " + std::to_string(t) + ", " + label(job) + ": " + bad;
  }
  for (gcompCodec_t c : own) gcompCodecFree(c);
  return bad;
}

// Runs f(t) for t < kThreads on as many threads, released together.
template <class F>
void on_threads(F f) {
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++)
    threads.emplace_back([&, t] {
      ready++;
      while (ready < kThreads) std::this_thread::yield();
      f(t);
    });
  for (auto &th : threads) th.join();
}

void run_threads(const std::vector<gcompCodec_t> *shared, const std::vector<Outcome> &ref) {
  std::vector<std::string> result(kThreads);
  on_threads([&](int t) { result[t] = worker(t, shared, ref); });
  for (int t = 0; t < kThreads; t++) EXPECT_EQ(result[t], "") << "thread " << t;
}

TEST(Concurrency, SharedHandlesGiveTheSingleThreadedBytes) {
  auto ref = single_threaded();
  std::vector<gcompCodec_t> shared(specs().size(), nullptr);
  for (size_t s = 0; s < specs().size(); s++)
    ASSERT_EQ(create(specs()[s], &shared[s]), gcompSuccess) << gcompGetLastErrorDetail();
  run_threads(&shared, ref);
  for (gcompCodec_t c : shared) gcompCodecFree(c);
}

TEST(Concurrency, OwnHandlesCreatedAtOnceGiveTheSingleThreadedBytes) {
  auto ref = single_threaded();
  run_threads(nullptr, ref);
}

// The bounds evaluate the same cap fraction as spherical creation.
TEST(Concurrency, LowerBoundsAgreeAcrossThreads) {
  std::vector<double> ref;
  for (uint64_t d = 1; d <= 64; d++) {
    double b = 0;
    ASSERT_EQ(gcompAverageCaseBound(0.5, d, &b), gcompSuccess);
    ref.push_back(b);
  }
  std::vector<int> mismatches(kThreads, 0);
  on_threads([&](int t) {
    for (int round = 0; round < 4; round++)
      for (uint64_t d = 1; d <= 64; d++) {
        double b = 0;
        if (gcompAverageCaseBound(0.5, d, &b) != gcompSuccess ||
            std::memcmp(&b, &ref[d - 1], sizeof b) != 0)
          mismatches[t]++;
      }
  });
  for (int t = 0; t < kThreads; t++) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

// Each thread's failures leave its own detail, untouched by the others'
// failing at the same moment (they start together and fail in a tight loop).
TEST(Concurrency, ErrorDetailIsPerThread) {
  gth::Codec codec("sd");
  std::vector<int> wrong(kThreads, 0);
  on_threads([&](int t) {
    float x = 1.0f;
    uint8_t out[128];
    size_t size = 0;
    uint64_t d = GCOMP_MAX_DIM + 1 + (uint64_t)t;
    std::string want = "d = " + std::to_string(d) + " ";
    for (int i = 0; i < 50000; i++)
      if (gcompEncode(codec.h, &x, d, 1, out, sizeof out, &size) != gcompSizeOverflow ||
          std::string(gcompGetLastErrorDetail()).find(want) == std::string::npos)
        wrong[t]++;
  });
  for (int t = 0; t < kThreads; t++) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

}  // namespace
