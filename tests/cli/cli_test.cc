// The gcomp command line, run as a user would: the real binary
// (GCOMP_CLI_PATH) through the shell, files in a private temp folder.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_files.h"
#include "cli_runner.h"
#include "codec_helpers.h"
#include "forge.h"
#include "vectors.h"

namespace {

namespace fs = std::filesystem;

using gcomp_test::from_f32;
using gcomp_test::spit;
using gcomp_test::to_f32;
using gcomp_test::count_lines;
using gcomp_test::quote;
using gcomp_test::slurp;
using Result = gcomp_test::CliResult;

class Cli : public ::testing::Test {
 protected:
  fs::path dir_;

  void SetUp() override {
    dir_ = gcomp_test::make_temp_dir("gcomp_cli");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string path(const std::string &name) const { return (dir_ / name).string(); }

  // `args` is shell text: callers quote what needs quoting.
  Result run(const std::string &args) const { return gcomp_test::run_cli(dir_, args); }

  // A failure must say so in exactly one line and exit non-zero.
  void expect_one_line_failure(const std::string &args) const {
    Result r = run(args);
    EXPECT_NE(r.status, 0) << args;
    EXPECT_EQ(count_lines(r.err), 1u) << args << "\nstderr: " << r.err;
    EXPECT_EQ(r.err.rfind("gcomp: ", 0), 0u) << r.err;
  }
};

const char *const kCodecs[] = {"identity", "sd",      "sd-unbiased", "spherical", "qsgd",
                               "natural-dithering", "natural", "topk", "randk",
                               "sign",     "terngrad", "fp16",       "bf16"};

TEST_F(Cli, EncodeInfoDecodeRoundTripEveryCodec) {
  const uint64_t d = 1000;
  std::vector<float> x = gtv::family("gaussian", d, 3);
  spit(path("x.f32"), to_f32(x));
  int tested = 0;
  for (const char *name : kCodecs) {
    SCOPED_TRACE(name);
    // Baselines land one by one: test each codec this build knows.
    gcompCodecConfig_t cfg;
    if (gcompCodecConfigInit(&cfg, name) != gcompSuccess) continue;
    tested++;
    // -f: each codec replaces the previous codec's files
    Result enc = run(std::string("encode -f -c ") + name + " -s 7 " + quote(path("x.f32")) + " " +
                     quote(path("x.gcmp")));
    ASSERT_EQ(enc.status, 0) << enc.err;
    EXPECT_EQ(enc.err, "");
    std::string payload = slurp(path("x.gcmp"));
    gth::Codec codec(name);
    std::vector<uint8_t> lib = gth::encode(codec, x, 7);
    EXPECT_EQ(payload, std::string(lib.begin(), lib.end())) << "CLI and library payloads differ";

    Result info = run("info " + quote(path("x.gcmp")));
    ASSERT_EQ(info.status, 0) << info.err;
    EXPECT_NE(info.out.find(std::string("codec        ") + name + "\n"), std::string::npos)
        << info.out;
    EXPECT_NE(info.out.find("d            1000\n"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("bytes        " + std::to_string(payload.size()) + " "),
              std::string::npos)
        << info.out;
    EXPECT_NE(info.out.find("bits/coord   "), std::string::npos) << info.out;

    Result dec = run("decode -f " + quote(path("x.gcmp")) + " " + quote(path("y.f32")));
    ASSERT_EQ(dec.status, 0) << dec.err;
    std::vector<uint8_t> bytes(payload.begin(), payload.end());
    std::vector<float> want = gth::decode(bytes, d);
    EXPECT_TRUE(gth::bitwise_equal(from_f32(slurp(path("y.f32"))), want));
  }
  EXPECT_GE(tested, 4);  // identity, sd, sd-unbiased, spherical at least
}

// --device: the GPU's payload is the CPU's, byte for byte, and decodes to the
// same floats; without a CUDA build or device it is one clear stderr line.
TEST_F(Cli, DeviceFlagMatchesTheCpuOrSaysWhyNot) {
  spit(path("x.f32"), to_f32(gtv::family("gaussian", 1000, 3)));
  const std::string args = "-c sd -p nu=0.1 -p packing=fixed -s 9 " + quote(path("x.f32")) + " ";
  ASSERT_EQ(run("encode " + args + quote(path("cpu.g"))).status, 0);
  Result r = run("encode --device " + args + quote(path("gpu.g")));
  if (r.status != 0) {
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("--device: "), std::string::npos) << r.err;
    r = run("decode --device " + quote(path("cpu.g")) + " " + quote(path("y.f32")));
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("--device: "), std::string::npos) << r.err;
    GTEST_SKIP() << "no device path here: " << r.err;
  }
  EXPECT_EQ(slurp(path("gpu.g")), slurp(path("cpu.g")));
  ASSERT_EQ(run("decode --device " + quote(path("cpu.g")) + " " + quote(path("g.f32"))).status, 0);
  ASSERT_EQ(run("decode " + quote(path("cpu.g")) + " " + quote(path("c.f32"))).status, 0);
  EXPECT_EQ(slurp(path("g.f32")), slurp(path("c.f32")));
}

TEST_F(Cli, FailuresAreOneStderrLine) {
  spit(path("x.f32"), to_f32(gtv::family("gaussian", 100, 1)));
  spit(path("odd.f32"), std::string(5, '\1'));
  spit(path("empty.f32"), "");
  const std::string x = quote(path("x.f32")), out = quote(path("out"));
  const std::vector<std::string> bad = {
      "encode",
      "encode -c sd " + x,
      "decode",
      "decode " + x,
      "info",
      "nosuchcommand",
      "encode -c nosuch " + x + " " + out,
      "encode -c sd -p nu " + x + " " + out,
      "encode -c sd -p nu=abc " + x + " " + out,
      "encode -c sd -p nu=1.5 " + x + " " + out,
      "encode -c sd -p levels=3 " + x + " " + out,
      "encode -c sd -s -1 " + x + " " + out,
      "encode -c sd " + quote(path("odd.f32")) + " " + out,
      "encode -c sd " + quote(path("empty.f32")) + " " + out,
      "encode -c sd " + quote(path("missing.f32")) + " " + out,
      "decode " + quote(path("missing.gcmp")) + " " + out,
      "info " + quote(path("missing.gcmp")),
      "info " + quote(path("empty.f32")),
      "decode " + quote(path("empty.f32")) + " " + out,
  };
  for (const std::string &args : bad) expect_one_line_failure(args);
  EXPECT_FALSE(fs::exists(path("out"))) << "a failed command left its output behind";
}

TEST_F(Cli, CorruptPayloadsAreOneStderrLine) {
  spit(path("x.f32"), to_f32(gtv::family("gaussian", 500, 2)));
  ASSERT_EQ(run("encode -c sd " + quote(path("x.f32")) + " " + quote(path("x.gcmp"))).status, 0);
  const std::string good = slurp(path("x.gcmp"));
  ASSERT_GT(good.size(), 80u);
  std::vector<std::string> corrupt;
  for (size_t at : {(size_t)0, (size_t)9, good.size() / 2, good.size() - 1}) {
    std::string b = good;
    b[at] = (char)(b[at] ^ 0x20);
    corrupt.push_back(b);
  }
  corrupt.push_back(good.substr(0, good.size() - 3));  // truncated body
  corrupt.push_back(good.substr(0, 10));               // truncated header
  for (size_t i = 0; i < corrupt.size(); i++) {
    SCOPED_TRACE("variant " + std::to_string(i));
    spit(path("bad.gcmp"), corrupt[i]);
    expect_one_line_failure("decode " + quote(path("bad.gcmp")) + " " + quote(path("out")));
    expect_one_line_failure("info " + quote(path("bad.gcmp")));
    EXPECT_FALSE(fs::exists(path("out")));
  }
}

// -p text the codec does not understand is refused, quoted, never taken as
// the default (GCOMP_DEFAULT is -1).
TEST_F(Cli, ParameterTextIsRefusedQuoted) {
  spit(path("x.f32"), to_f32(gtv::family("gaussian", 100, 1)));
  const struct {
    const char *codec, *param, *quoted;
  } cases[] = {{"sd", "nu=-1", "nu: '-1' must be in (0, 1)"},
               {"topk", "k=-1", "k: '-1' must be in 1..2^40"},
               {"qsgd", "levels=abc", "levels: 'abc' is not an integer"},
               {"sd-unbiased", "omega=nan", "omega: 'nan' is not a finite number"},
               {"spherical", "block=", "block: '' is not an integer"},
               {"sd", "nu=0.1x", "nu: '0.1x' is not a finite number"}};
  for (const auto &c : cases) {
    const std::string args = std::string("encode -c ") + c.codec + " -p " + quote(c.param) + " " +
                             quote(path("x.f32")) + " " + quote(path("out"));
    expect_one_line_failure(args);
    Result r = run(args);
    EXPECT_NE(r.err.find(c.quoted), std::string::npos) << args << "\nstderr: " << r.err;
    EXPECT_FALSE(fs::exists(path("out"))) << args;
  }
}

// --- decompression bombs -----------------------------------------------------

// A payload with its header's d replaced and the checksum made good again.
// Still a valid payload: the zero vector's sd body (a zero scale, nothing
// after it) does not depend on d, and top-k's Rice-coded indices stay below
// any larger d.
std::string with_d(const std::string &payload, uint64_t d) {
  std::vector<uint8_t> p(payload.begin(), payload.end());
  gcomp_store_u64(p.data() + 16, d);
  gtf::reseal(p);
  EXPECT_EQ(gth::info(p).d, d);
  return std::string(p.begin(), p.end());
}

class CliBomb : public Cli {
 protected:
  std::string sd_zero_, topk_;  // small payloads, d = 1000 and 2000

  void SetUp() override {
    Cli::SetUp();
    spit(path("zero.f32"), to_f32(std::vector<float>(1000, 0.0f)));
    ASSERT_EQ(run("encode -c sd " + quote(path("zero.f32")) + " " + quote(path("z.g"))).status, 0);
    sd_zero_ = slurp(path("z.g"));
    ASSERT_EQ(sd_zero_.size(), 68u);
    spit(path("x.f32"), to_f32(gtv::family("gaussian", 2000, 4)));
    const std::string x = quote(path("x.f32")), t = quote(path("t.g"));
    ASSERT_EQ(run("encode -c topk -p k=5 " + x + " " + t).status, 0);
    topk_ = slurp(path("t.g"));
    ASSERT_LT(topk_.size(), 128u);
  }

  Result decode(const std::string &payload, const std::string &flags = "") {
    spit(path("bomb.g"), payload);
    return run("decode -f " + flags + quote(path("bomb.g")) + " " + quote(path("out.f32")));
  }
};

TEST_F(CliBomb, HugeDIsRefusedBeforeAnyAllocation) {
  const struct {
    std::string payload, says;
  } bombs[] = {{with_d(sd_zero_, 1ull << 28),
                "payload declares d = 268435456 (1 GiB of float32), above --max-d 67108864; "
                "pass --max-d to raise it"},
               {with_d(topk_, 1ull << 32),
                "payload declares d = 4294967296 (16 GiB of float32), above --max-d 67108864"}};
  for (const auto &b : bombs) {
    Result r = decode(b.payload);
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find(b.says), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(path("out.f32")));
    EXPECT_EQ(run("info " + quote(path("bomb.g"))).status, 0) << "a valid payload all the same";
  }
}

TEST_F(CliBomb, MaxDRaisesTheLimit) {
  const uint64_t d = 1 << 20;
  Result r = decode(with_d(sd_zero_, d), "--max-d 524288 ");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("d = 1048576 (4 MiB of float32), above --max-d 524288"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(path("out.f32")));

  r = decode(with_d(sd_zero_, d), "--max-d 1048576 ");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(from_f32(slurp(path("out.f32"))), std::vector<float>(d, 0.0f));

  // The forged top-k payload is as valid: its 5 values where d = 2000 had them.
  r = decode(with_d(topk_, d), "--device --max-d 1048575 ");
  EXPECT_NE(r.err.find("above --max-d 1048575"), std::string::npos) << r.err;
  r = decode(with_d(topk_, d), "--max-d 1048576 ");
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<float> want = gth::decode(std::vector<uint8_t>(topk_.begin(), topk_.end()), 2000);
  want.resize(d, 0.0f);
  EXPECT_TRUE(gth::bitwise_equal(from_f32(slurp(path("out.f32"))), want));

  for (const char *bad : {"0", "abc", "-5", "+5", " 5", "5x", "1099511627777", "''"}) {
    SCOPED_TRACE(bad);
    expect_one_line_failure("decode --max-d " + std::string(bad) + " " + quote(path("bomb.g")) +
                            " " + quote(path("o")));
  }
  expect_one_line_failure("decode " + quote(path("bomb.g")) + " " + quote(path("o")) + " --max-d");
  EXPECT_FALSE(fs::exists(path("o")));
}

// Under the limit, an output larger than the free space of its filesystem
// is refused before it is decoded; /dev/null is not a file to measure.
TEST_F(CliBomb, OutputThatDoesNotFitOnTheDiskIsRefused) {
  const uint64_t d = GCOMP_MAX_DIM;  // 4 TiB of float32
  struct statvfs fs_info;
  ASSERT_EQ(statvfs(dir_.c_str(), &fs_info), 0);
  if ((double)fs_info.f_bavail * (double)fs_info.f_frsize >= 4.0 * (double)d)
    GTEST_SKIP() << "this filesystem has 4 TiB free";
  Result r = decode(with_d(sd_zero_, d), "--max-d 1099511627776 ");
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("out.f32: 4 TiB of output would not fit in the "), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(path("out.f32")));

  spit(path("small.g"), with_d(sd_zero_, 5000));
  r = run("decode " + quote(path("small.g")) + " /dev/null");
  EXPECT_EQ(r.status, 0) << r.err;
}

// A failed write removes a partial output file, never what is not a file:
// our own /dev/full node (root only; skipped elsewhere) must survive.
TEST_F(CliBomb, FailedWriteRemovesOnlyFiles) {
  const std::string full = path("full");
  if (mknod(full.c_str(), S_IFCHR | 0666, makedev(1, 7)) != 0)
    GTEST_SKIP() << "cannot make a device node here (not root)";
  spit(path("small.g"), sd_zero_);
  Result r = run("decode " + quote(path("small.g")) + " " + quote(full));
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  struct stat st;
  ASSERT_EQ(stat(full.c_str(), &st), 0) << "the CLI removed a device node";
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

// --- bench-bits -------------------------------------------------------------

const char kCsvHeader[] =
    "family,d,codec,packing,bits_per_coord,bits_per_coord_with_header,measure,"
    "distortion_mean,distortion_max,class_bound,avg_case_lb_per_coord,"
    "uncertainty_lb_per_coord,gap";

struct Row {
  std::vector<std::string> f;
  double num(size_t i) const {
    char *end = nullptr;
    double v = std::strtod(f.at(i).c_str(), &end);
    EXPECT_TRUE(!f[i].empty() && *end == '\0' && std::isfinite(v))
        << "column " << i << " '" << f[i] << "' is not a number";
    return v;
  }
};

std::vector<Row> parse_csv(const std::string &out) {
  std::vector<Row> rows;
  std::istringstream in(out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, kCsvHeader);
  while (std::getline(in, line)) {
    Row r;
    std::string cell;
    std::istringstream cells(line);
    while (std::getline(cells, cell, ',')) r.f.push_back(cell);
    if (!line.empty() && line.back() == ',') r.f.push_back("");
    EXPECT_EQ(r.f.size(), 13u) << line;
    if (r.f.size() == 13) rows.push_back(r);
  }
  return rows;
}

const std::vector<std::string> kBenchCodecs = {
    "identity",    "sd nu=0.1",         "sd nu=0.1 packing=fixed", "sd-unbiased omega=0.25",
    "spherical alpha=0.15", "spherical alpha=0.5"};

// Checks every row against what the codecs promise; returns rows per family.
std::map<std::string, std::vector<Row>> check_rows(const std::vector<Row> &rows) {
  std::map<std::string, std::vector<Row>> by_family;
  for (const Row &r : rows) {
    SCOPED_TRACE(r.f[0] + " / " + r.f[2]);
    by_family[r.f[0]].push_back(r);
    double d = r.num(1), bits = r.num(4), mean = r.num(7), max = r.num(8);
    EXPECT_GE(r.num(5), bits);  // the header only adds
    EXPECT_LE(mean, max * (1 + 1e-12));
    if (r.f[2] == "identity") {
      EXPECT_EQ(mean, 0.0);
      for (int c : {9, 10, 11, 12}) EXPECT_EQ(r.f[c], "") << "column " << c;
      continue;
    }
    double bound = r.num(9);
    if (r.f[6] == "alpha") {  // contractive codecs: every outcome within alpha
      EXPECT_LE(max, bound * (1 + 1e-9));
    }
    if (mean > 0) {
      double avg = r.num(10), unc = r.num(11), gap = r.num(12);
      EXPECT_GT(avg, 0);
      EXPECT_GT(unc, 0);
      EXPECT_NEAR(gap, bits - avg, 1e-6 * (1 + std::fabs(bits)));
      // The bounds hold for the worst input of a class, not for each input:
      // a spike, a 1%-sparse vector or heavy Student-t tails are cheaper
      // than that (sd goes well below on them). On the dense families a
      // codec must not beat the bound by more than rounding noise.
      if (r.f[0] == "gaussian" || r.f[0] == "heart") {
        EXPECT_GE(gap, -0.05);
      }
    }
    if (r.f[2] == "sd nu=0.1") {  // PAPER.md section 3, the paper's own code
      EXPECT_LT(bits, 3.35 + (std::log2(d) + 30) / d);
      EXPECT_LE(max, 0.1);
    }
    if (r.f[2] == "sd-unbiased omega=0.25") {
      EXPECT_EQ(r.f[6], "omega");
      EXPECT_LE(mean, 0.25 * 1.1);
    }
  }
  for (auto &kv : by_family) {
    SCOPED_TRACE(kv.first);
    EXPECT_EQ(kv.second.size(), kBenchCodecs.size());
    if (kv.second.size() != kBenchCodecs.size()) continue;
    for (size_t i = 0; i < kBenchCodecs.size(); i++)
      EXPECT_EQ(kv.second[i].f[2].rfind(kBenchCodecs[i], 0), 0u) << kv.second[i].f[2];
  }
  return by_family;
}

TEST_F(Cli, BenchBitsQuickCsv) {
  Result r = run("bench-bits --quick --csv");
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<Row> rows = parse_csv(r.out);
  auto fam = check_rows(rows);
  std::set<std::string> names;
  for (auto &kv : fam) names.insert(kv.first);
  std::set<std::string> want = {"gaussian", "heavy", "sparse", "spike"};
  // heart is there when heart_scale is installed; otherwise one warning says so.
  if (names.count("heart")) {
    want.insert("heart");
    EXPECT_EQ(r.err, "");
  } else {
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("liblinear-tools"), std::string::npos) << r.err;
  }
  EXPECT_EQ(names, want);
  EXPECT_EQ(rows.size(), want.size() * kBenchCodecs.size());
  for (const Row &row : rows) {
    if (row.f[0] != "heart") {
      EXPECT_EQ(row.f[1], "1000");
    }
  }
}

TEST_F(Cli, BenchBitsHeartFromDataFile) {
  // Four features, two classes: the heart family follows the file.
  spit(path("tiny.svm"),
       "+1 1:0.5 2:-1 4:0.25\n-1 1:-0.5 3:1\n+1 2:1 3:0.5 4:-1\n-1 1:0.75 4:0.5\n");
  Result r = run("bench-bits --csv --dim 64 --seeds 2 --data " + quote(path("tiny.svm")));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto fam = check_rows(parse_csv(r.out));
  ASSERT_EQ(fam.count("heart"), 1u);
  for (const Row &row : fam["heart"]) EXPECT_EQ(row.f[1], "4");
  for (const Row &row : fam["gaussian"]) EXPECT_EQ(row.f[1], "64");
}

TEST_F(Cli, BenchBitsTable) {
  spit(path("tiny.svm"), "1 1:1 2:2\n-1 1:2 2:-1 3:1\n");
  Result r = run("bench-bits --quick --dim 200 --seeds 1 --data " + quote(path("tiny.svm")));
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line.rfind("family", 0), 0u) << line;
  EXPECT_NE(line.find("bits/coord"), std::string::npos);
  EXPECT_NE(line.find("gap"), std::string::npos);
  size_t data = 0, blank = 0;
  while (std::getline(in, line)) {
    if (line.empty()) blank++;
    else if (line.find("  ") != std::string::npos && line.rfind("bits/coord:", 0) != 0 &&
             line.rfind("LB:", 0) != 0)
      data++;
  }
  EXPECT_EQ(data, 5 * kBenchCodecs.size());
  EXPECT_EQ(blank, 5u);  // between the five families, and before the footer
  EXPECT_NE(r.out.find("header excluded"), std::string::npos);
}

TEST_F(Cli, BenchBitsBadArguments) {
  for (const char *args : {"--dim 0", "--dim 16777217", "--dim 12x", "--dim -5", "--dim",
                           "--seeds 0", "--seeds 1001", "--seeds", "--bogus", "extra"}) {
    Result r = run(std::string("bench-bits ") + args);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_EQ(count_lines(r.err), 1u) << args << "\nstderr: " << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
  Result missing = run("bench-bits --quick --data " + quote(path("nope.svm")));
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(count_lines(missing.err), 1u) << missing.err;
  EXPECT_NE(missing.err.find("nope.svm"), std::string::npos) << missing.err;
  EXPECT_EQ(missing.out, "");

  spit(path("bad.svm"), "+1 1:1\n-1 2:1 1:3\n");
  Result bad = run("bench-bits --quick --data " + quote(path("bad.svm")));
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(count_lines(bad.err), 1u) << bad.err;
  EXPECT_NE(bad.err.find("bad.svm:2: index 1 not increasing"), std::string::npos) << bad.err;

  spit(path("one_class.svm"), "+1 1:1\n+1 2:1\n");
  Result one = run("bench-bits --quick --data " + quote(path("one_class.svm")));
  EXPECT_EQ(one.status, 1);
  EXPECT_EQ(count_lines(one.err), 1u) << one.err;
}

}  // namespace
