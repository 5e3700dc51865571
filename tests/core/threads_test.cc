// Threads inside one call (docs/DECISIONS.md, "Threads"): every codec and
// packing gives the same payload, the same decoded floats and the same
// accumulated floats for every thread count, at sizes that make one piece,
// two, and many; a corrupt payload fails with the same detail. And the
// thread count's API: the codec field, its text form, gcompSetThreads, and
// configs of the 0.1.0 size.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "codec_helpers.h"
#include "core/pool.h"
#include "vectors.h"

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

struct Spec {
  const char *codec;
  Params params;
  uint64_t max_d; // the chunked sections' codecs go to the largest sizes
};

const std::vector<Spec> &specs() {
  static const std::vector<Spec> s = {
      {"identity", {}, 131075},
      {"sd", {}, UINT64_MAX},
      {"sd", {{"nu", "0.002"}}, UINT64_MAX}, // levels past 127: rANS escapes
      {"sd", {{"rotate", "1"}}, 600001},
      {"sd-unbiased", {{"omega", "4"}}, 600001},
      {"spherical", {{"alpha", "0.8"}, {"block", "4"}}, 1000},
      {"qsgd", {}, 131075},
      {"qsgd", {{"levels", "1000"}}, 600001},
      {"natural-dithering", {}, 131075},
      {"natural", {}, 600001},
      {"topk", {}, 131075},
      {"randk", {}, 131075},
      {"sign", {}, 131075},
      {"terngrad", {{"rotate", "1"}}, 131075},
      {"fp16", {}, 131075},
      {"bf16", {}, 131075},
  };
  return s;
}

const char *const kPackings[] = {"auto", "fixed", "entropy", "structured", "direct"};
const int kThreadCounts[] = {1, 2, 3, 8};
// 1 chunk; 32 chunks and a bit (two pieces); 147 (nine); 513 (32).
const uint64_t kSizes[] = {1000, 131075, 600001, 2097155};

// A codec with `packing` and `threads`, or nullptr when the codec has no
// such packing.
gcompCodec_t make(const Spec &s, const char *packing, int threads) {
  gcompCodecConfig_t cfg;
  EXPECT_EQ(gcompCodecConfigInit(&cfg, s.codec), gcompSuccess);
  for (const auto &kv : s.params)
    EXPECT_EQ(gcompCodecConfigSetParam(&cfg, kv.first.c_str(), kv.second.c_str()), gcompSuccess);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "threads", std::to_string(threads).c_str()),
            gcompSuccess);
  if (gcompCodecConfigSetParam(&cfg, "packing", packing) != gcompSuccess) return nullptr;
  gcompCodec_t h = nullptr;
  if (gcompCodecCreate(&h, &cfg) != gcompSuccess) return nullptr;
  return h;
}

struct Outcome {
  std::vector<uint8_t> payload;
  std::vector<float> decoded, accumulated;
};

Outcome run(gcompCodec_t h, const std::vector<float> &x, int threads) {
  Outcome o;
  size_t bound = 0, size = 0;
  EXPECT_EQ(gcompEncodeBound(h, x.size(), &bound), gcompSuccess);
  o.payload.resize(bound);
  EXPECT_EQ(gcompEncode(h, x.data(), x.size(), 5, o.payload.data(), bound, &size), gcompSuccess)
      << gcompGetLastErrorDetail();
  o.payload.resize(size);
  EXPECT_EQ(gcompSetThreads(threads), gcompSuccess);
  o.decoded.assign(x.size(), 0.0f);
  EXPECT_EQ(gcompDecode(o.payload.data(), size, o.decoded.data(), x.size(), 0.0f), gcompSuccess)
      << gcompGetLastErrorDetail();
  o.accumulated = gtv::family("gaussian", x.size(), 77);
  EXPECT_EQ(gcompDecode(o.payload.data(), size, o.accumulated.data(), x.size(), 0.75f),
            gcompSuccess)
      << gcompGetLastErrorDetail();
  EXPECT_EQ(gcompSetThreads(GCOMP_DEFAULT), gcompSuccess);
  return o;
}

TEST(Threads, EveryCodecAndPackingGivesTheSameBytesAndFloatsForEveryThreadCount) {
  for (uint64_t d : kSizes) {
    auto x = gtv::family("heavy", d, d);
    for (const auto &s : specs()) {
      if (d > s.max_d) continue;
      for (const char *pk : kPackings) {
        // the large size only where the sections are chunked
        if (d == kSizes[3] && (std::string(pk) != "fixed" && std::string(pk) != "entropy"))
          continue;
        Outcome first;
        for (int t : kThreadCounts) {
          gcompCodec_t h = make(s, pk, t);
          if (!h) break;
          Outcome o = run(h, x, t);
          gcompCodecFree(h);
          std::string what = std::string(s.codec) + " " + pk + " d=" + std::to_string(d) +
                             " threads=" + std::to_string(t);
          for (const auto &kv : s.params) what += " " + kv.first + "=" + kv.second;
          ASSERT_FALSE(o.payload.empty()) << what;
          if (t == 1) {
            first = std::move(o);
            continue;
          }
          ASSERT_EQ(o.payload, first.payload) << what;
          ASSERT_TRUE(gth::bitwise_equal(o.decoded, first.decoded)) << what;
          ASSERT_TRUE(gth::bitwise_equal(o.accumulated, first.accumulated)) << what;
        }
      }
    }
  }
}

struct Failure {
  gcompResult_t r;
  std::string detail;
};

Failure decode_with(const std::vector<uint8_t> &p, uint64_t d, int threads, float beta) {
  std::vector<float> y(d, 1.0f);
  EXPECT_EQ(gcompSetThreads(threads), gcompSuccess);
  gcompResult_t r = gcompDecode(p.data(), p.size(), y.data(), d, beta);
  Failure f{r, gcompGetLastErrorDetail()};
  EXPECT_EQ(gcompSetThreads(GCOMP_DEFAULT), gcompSuccess);
  return f;
}

// The checksum catches any flip, so the forged payloads get theirs again.
void reseal(std::vector<uint8_t> &p);

// A payload corrupt in two chunks of its section fails, with every thread
// count, with the detail a single pass reports: the earlier chunk's.
TEST(Threads, ACorruptSectionFailsWithTheSameDetailForEveryThreadCount) {
  const uint64_t d = 600001;
  auto x = gtv::family("gaussian", d, 1);
  for (const char *pk : {"fixed", "entropy"}) {
    gth::Codec c("sd", {{"packing", pk}, {"threads", "1"}});
    auto good = gth::encode(c, x, 3);
    gcompPayloadInfo_t info = gth::info(good);
    size_t body = info.headerBytes, end = info.totalBytes;
    // damage: bytes in the chunks at a third, half and three quarters, and
    // a chunk length (fixed; a table byte or chunk length for entropy), each
    // with a second flip further on
    std::vector<std::vector<uint8_t>> forged;
    for (size_t at : {body + (end - body) / 2, body + (end - body) * 3 / 4, body + (end - body) / 3,
                      body + 4 + 4 * 140 + 1}) {
      for (uint8_t flip : {0x01, 0x40}) {
        auto p = good;
        p[at] ^= flip;
        p[(at + (end - body) / 7) % (end - body) + body] ^= 0x10;
        reseal(p);
        forged.push_back(p);
      }
    }
    int failing = 0;
    for (const auto &p : forged) {
      for (float beta : {0.0f, 0.5f}) {
        Failure one = decode_with(p, d, 1, beta);
        failing += one.r != gcompSuccess;
        for (int t : {2, 3, 8}) {
          Failure f = decode_with(p, d, t, beta);
          EXPECT_EQ(f.r, one.r) << pk << " threads=" << t;
          EXPECT_EQ(f.detail, one.detail) << pk << " threads=" << t;
        }
      }
    }
    EXPECT_GE(failing, 4) << pk << ": most forgeries should fail";
  }
}

// The checksum of docs/FORMAT.md over the header (field zeroed) and body.
void reseal(std::vector<uint8_t> &p) {
  for (int i = 0; i < 8; i++) p[56 + i] = 0;
  std::vector<uint8_t> padded(p);
  padded.resize((p.size() + 7) / 8 * 8, 0);
  uint64_t sum = 0;
  for (size_t j = 0; j < padded.size() / 8; j++) {
    uint64_t w;
    std::memcpy(&w, &padded[8 * j], 8);
    uint64_t k = w ^ ((uint64_t)j * 0x9E3779B97F4A7C15ull);
    k ^= k >> 33, k *= 0xff51afd7ed558ccdull, k ^= k >> 33, k *= 0xc4ceb9fe1a85ec53ull,
        k ^= k >> 33;
    sum += k;
  }
  std::memcpy(&p[56], &sum, 8);
}

TEST(Threads, TheCountIsAFieldATextParameterAndAProcessDefault) {
  gcompCodecConfig_t cfg;
  ASSERT_EQ(gcompCodecConfigInit(&cfg, "sd"), gcompSuccess);
  EXPECT_EQ(cfg.threads, GCOMP_DEFAULT);
  for (const char *bad : {"0", "257", "-1", "2.5", "", " 2", "two", "99999999999999999999"})
    EXPECT_NE(gcompCodecConfigSetParam(&cfg, "threads", bad), gcompSuccess) << bad;
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "threads", "0"), gcompParameterOutOfRange);
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "threads", "x"), gcompInvalidArgument);
  EXPECT_EQ(cfg.threads, GCOMP_DEFAULT); // unchanged by the refusals
  ASSERT_EQ(gcompCodecConfigSetParam(&cfg, "threads", "256"), gcompSuccess);
  EXPECT_EQ(cfg.threads, 256);
  for (int bad : {0, -2, 257}) {
    gcompCodecConfig_t c = cfg;
    c.threads = bad;
    gcompCodec_t h = nullptr;
    EXPECT_EQ(gcompCodecCreate(&h, &c), gcompParameterOutOfRange) << bad;
    EXPECT_EQ(h, nullptr);
  }
  // GCOMP_DEFAULT resolves to the process count when the codec is made
  ASSERT_EQ(gcompSetThreads(3), gcompSuccess);
  cfg.threads = GCOMP_DEFAULT;
  gth::Codec made;
  ASSERT_EQ(gcompCodecCreate(&made.h, &cfg), gcompSuccess);
  gcompCodecConfig_t got;
  ASSERT_EQ(gcompCodecGetConfig(made.h, &got), gcompSuccess);
  EXPECT_EQ(got.threads, 3);
  ASSERT_EQ(gcompSetThreads(GCOMP_DEFAULT), gcompSuccess);
  EXPECT_EQ(gcompSetThreads(0), gcompParameterOutOfRange);
  EXPECT_EQ(gcompSetThreads(GCOMP_MAX_THREADS + 1), gcompParameterOutOfRange);
  EXPECT_EQ(gcompSetThreads(-2), gcompParameterOutOfRange);
  int machine = (int)std::thread::hardware_concurrency();
  EXPECT_GE(gcomp_par_default(), 1);
  EXPECT_LE(gcomp_par_default(), machine < 8 ? std::max(machine, 1) : 8);
}

// A caller built against 0.1.0 has a struct that ends before `threads`:
// created with the default, and nothing past its end is read.
TEST(Threads, AConfigOfTheOldSizeIsAccepted) {
  const size_t old = offsetof(gcompCodecConfig_t, threads);
  std::vector<uint8_t> mem(old);
  gcompCodecConfig_t cfg;
  ASSERT_EQ(gcompCodecConfigInit(&cfg, "qsgd"), gcompSuccess);
  cfg.size = old;
  cfg.levels = 12;
  std::memcpy(mem.data(), &cfg, old); // exactly the old size: ASan sees any overread
  gth::Codec c;
  ASSERT_EQ(gcompCodecCreate(&c.h, reinterpret_cast<const gcompCodecConfig_t *>(mem.data())),
            gcompSuccess)
      << gcompGetLastErrorDetail();
  gcompCodecConfig_t got;
  ASSERT_EQ(gcompCodecGetConfig(c.h, &got), gcompSuccess);
  EXPECT_EQ(got.levels, 12);
  EXPECT_EQ(got.threads, gcomp_par_default());
  EXPECT_EQ(got.size, sizeof(gcompCodecConfig_t));
  // text cannot set a field the caller's struct does not have
  EXPECT_EQ(gcompCodecConfigSetParam(&cfg, "threads", "2"), gcompInvalidArgument);
  cfg.size = old + 1;
  gcompCodec_t h = nullptr;
  EXPECT_EQ(gcompCodecCreate(&h, &cfg), gcompInvalidArgument);
}

// The pool itself: pieces run once each, on several threads when the call
// has them, and a piece that asks for threads runs its own pieces alone.
TEST(Threads, PoolRunsEveryPieceOnceOnSeveralThreads) {
  struct Job {
    std::mutex m;
    std::set<std::thread::id> ids;
    std::vector<int> runs = std::vector<int>(16, 0);
    std::atomic<int> inner{0};
  } job;
  int previous = gcomp_par_begin(4);
  EXPECT_EQ(gcomp_par_threads(), 4);
  EXPECT_EQ(gcomp_par_pieces(1000, 16), 16u); // 4 a thread
  EXPECT_EQ(gcomp_par_pieces(31, 16), 1u);    // too small to share
  gcomp_par_run(
      16,
      [](void *ctx, unsigned p) {
        Job *j = static_cast<Job *>(ctx);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        gcomp_par_run(
            4, [](void *c, unsigned) { static_cast<Job *>(c)->inner++; }, j);
        std::lock_guard<std::mutex> lock(j->m);
        j->ids.insert(std::this_thread::get_id());
        j->runs[p]++;
      },
      &job);
  gcomp_par_end(previous);
  EXPECT_EQ(gcomp_par_threads(), 1);
  for (int r : job.runs) EXPECT_EQ(r, 1);
  EXPECT_EQ(job.inner.load(), 64);
  EXPECT_GE(job.ids.size(), 2u);
  EXPECT_LE(job.ids.size(), 4u);
  // ranges cover the items in order
  uint64_t next = 0;
  for (unsigned p = 0; p < 7; p++) {
    uint64_t first, end;
    gcomp_par_range(100, 7, p, &first, &end);
    EXPECT_EQ(first, next);
    EXPECT_GE(end - first, 14u);
    EXPECT_LE(end - first, 15u);
    next = end;
  }
  EXPECT_EQ(next, 100u);
}

} // namespace
