// gcomp bench-bits --frontier, run as a user would: the real binary
// (GCOMP_CLI_PATH) through the shell. The quick frontier runs once for the
// whole suite; each test reads its CSV or its tables.
#include <gtest/gtest.h>

#include "cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

namespace {

namespace fs = std::filesystem;

const char kHeader[] =
    "family,d,codec,param,value,packing,backend,bits_per_coord,alpha_hat,omega_hat,"
    "alpha_eff,lb_avg,lb_unc,seeds";
enum { kFamily, kD, kCodec, kParam, kValue, kPacking, kBackend, kBits, kAlphaHat, kOmegaHat,
       kAlphaEff, kLbAvg, kLbUnc, kSeeds, kColumns };

const std::vector<std::string> kQuickDims = {"10", "100", "10000"};
// (codec, packing): one curve each
const std::set<std::pair<std::string, std::string>> kCurves = {
    {"sd", "auto"},      {"sd", "fixed"},   {"sd-unbiased", "auto"},
    {"spherical", "auto"}, {"qsgd", "auto"}, {"natural-dithering", "auto"},
    {"natural", "auto"}, {"topk", "auto"},  {"randk", "auto"},
    {"sign", "auto"},    {"terngrad", "auto"}, {"fp16", "auto"},
    {"bf16", "auto"}};

using gcomp_test::quote;
using gcomp_test::slurp;
using Result = gcomp_test::CliResult;

// `args` is shell text; `env` goes before the command (VAR=value ...).
Result run(const fs::path &dir, const std::string &args, const std::string &env = "") {
  return gcomp_test::run_cli(dir, "bench-bits --frontier " + args, env);
}

std::vector<std::string> split(const std::string &line) {
  std::vector<std::string> f;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) f.push_back(cell);
  if (!line.empty() && line.back() == ',') f.push_back("");
  return f;
}

double num(const std::string &s) { return std::strtod(s.c_str(), nullptr); }

bool have_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

// ctest runs each test in its own process: the quick run (seconds, a minute
// under sanitizers) happens only in those that read it.
class Frontier : public ::testing::Test {
 protected:
  static fs::path dir_;
  static bool ran_;
  static Result quick_;
  static std::vector<std::vector<std::string>> rows_;

  static void TearDownTestSuite() {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  void SetUp() override {
    if (dir_.empty()) dir_ = gcomp_test::make_temp_dir("gcomp_frontier");
    ASSERT_FALSE(dir_.empty()) << "no temporary folder";
  }
  static void run_quick() {
    if (ran_) return;
    ran_ = true;
    quick_ = run(dir_, "--quick --csv " + quote((dir_ / "quick.csv").string()));
    std::istringstream in(slurp((dir_ / "quick.csv").string()));
    std::string line;
    std::getline(in, line);
    if (line != kHeader) return;
    while (std::getline(in, line)) rows_.push_back(split(line));
  }
};

fs::path Frontier::dir_;
bool Frontier::ran_ = false;
Result Frontier::quick_;
std::vector<std::vector<std::string>> Frontier::rows_;

TEST_F(Frontier, QuickRunHasEveryCodecAtEveryDimension) {
  run_quick();
  ASSERT_EQ(quick_.status, 0) << quick_.err;
  ASSERT_FALSE(rows_.empty()) << "CSV missing, empty or with another header";
  std::map<std::pair<std::string, std::string>, std::set<std::pair<std::string, std::string>>>
      curves;  // (family, d) -> curves present
  for (const auto &r : rows_) {
    ASSERT_EQ(r.size(), (size_t)kColumns) << r.size() << " columns";
    curves[{r[kFamily], r[kD]}].insert({r[kCodec], r[kPacking]});
    EXPECT_GT(num(r[kBits]), 0.0);
    EXPECT_GE(std::stoi(r[kSeeds]), 1);
  }
  for (const char *family : {"gaussian", "heavy", "sparse", "spike"})
    for (const std::string &d : kQuickDims)
      EXPECT_EQ(curves[std::make_pair(std::string(family), d)], kCurves) << family << " d=" << d;
  // heart_scale is optional: when it is there, it comes at its own d only.
  for (const auto &kv : curves)
    if (kv.first.first == "heart") {
      EXPECT_EQ(kv.first.second, "13");
      EXPECT_EQ(kv.second, kCurves);
    }
  EXPECT_NE(quick_.err.find("frontier [1/"), std::string::npos) << "no progress on stderr";
}

TEST_F(Frontier, SparseDitheringStaysWithinNu) {
  run_quick();
  int seen = 0;
  for (const auto &r : rows_) {
    if (r[kCodec] != "sd" || r[kParam] != "nu") continue;
    seen++;
    EXPECT_LE(num(r[kAlphaHat]), num(r[kValue]) * (1 + 1e-9))
        << r[kFamily] << " d=" << r[kD] << " nu=" << r[kValue] << " " << r[kPacking];
  }
  EXPECT_GT(seen, 0);
}

// A coarser setting may not cost more bits: nu, omega, alpha up; levels, k
// down. Slack: 2% for the seeds' noise, plus 2 bits a payload because at
// d = 10 spherical's default block moves with alpha (6+4 coordinates at
// 0.15, 9+1 at 0.3) and the 1-coordinate tail block pays the 9-block's
// Rice parameter.
TEST_F(Frontier, BitsFallAsTheParameterCoarsens) {
  run_quick();
  std::map<std::string, std::vector<std::pair<double, double>>> sweeps;  // -> (value, bits)
  std::map<std::string, double> dims;
  for (const auto &r : rows_) {
    if (r[kParam].empty()) continue;
    double coarseness = r[kParam] == "levels" || r[kParam] == "k" ? -num(r[kValue])
                                                                  : num(r[kValue]);
    sweeps[r[kFamily] + " d=" + r[kD] + " " + r[kCodec] + "/" + r[kPacking]].push_back(
        {coarseness, num(r[kBits])});
    dims[r[kFamily] + " d=" + r[kD] + " " + r[kCodec] + "/" + r[kPacking]] = num(r[kD]);
  }
  EXPECT_GE(sweeps.size(), 4u * 3u * 8u);
  for (auto &kv : sweeps) {
    std::sort(kv.second.begin(), kv.second.end());
    double slack = 2.0 / dims[kv.first];
    for (size_t i = 1; i < kv.second.size(); i++)
      EXPECT_LE(kv.second[i].second, kv.second[i - 1].second * 1.02 + slack)
          << kv.first << ": value " << std::abs(kv.second[i].first) << " costs more than "
          << std::abs(kv.second[i - 1].first);
  }
}

// Tables "best codec per distortion level: FAMILY d=D", one row per level
// (a, codec, setting, bits, avg LB, unc LB, ratio) up to a blank line.
TEST_F(Frontier, BestCodecNeverBeatsTheBoundOnGaussian) {
  run_quick();
  std::istringstream in(quick_.out);
  std::string line;
  std::set<std::string> tables;
  while (std::getline(in, line)) {
    const std::string head = "best codec per distortion level: gaussian d=";
    if (line.rfind(head, 0) != 0) continue;
    std::string d = line.substr(head.size());
    tables.insert(d);
    std::getline(in, line);  // column names
    int levels = 0;
    while (std::getline(in, line) && !line.empty()) {
      std::istringstream cells(line);
      std::string a, codec, setting, bits, avg;
      cells >> a >> codec >> setting >> bits >> avg;
      levels++;
      if (codec == "(none)") continue;
      EXPECT_GE(num(bits), num(avg) - 0.05) << "d=" << d << " a=" << a << " " << codec;
    }
    EXPECT_EQ(levels, 8) << "d=" << d;
  }
  EXPECT_EQ(tables, std::set<std::string>(kQuickDims.begin(), kQuickDims.end()));
}

TEST_F(Frontier, PlotIsAPng) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot not installed (gnuplot-nox)";
  fs::path png = dir_ / "frontier.png";
  Result r = run(dir_, "--quick --dims 100 --plot-d 100 --plot " + quote(png.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  std::string bytes = slurp(png.string());
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // gnuplot's data file is gone again
  for (const auto &e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().rfind("gcomp_frontier_", 0), std::string::npos);
}

TEST_F(Frontier, PlotWithoutGnuplotSaysWhatToInstall) {
  fs::path csv = dir_ / "nognuplot.csv", png = dir_ / "nognuplot.png";
  Result r = run(dir_,
                 "--dims 10 --plot-d 10 --seeds 1 --csv " + quote(csv.string()) + " --plot " +
                     quote(png.string()),
                 "PATH=/nonexistent TMPDIR=" + quote(dir_.string()));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("gnuplot-nox"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(png));
  EXPECT_EQ(slurp(csv.string()).rfind(std::string(kHeader) + "\n", 0), 0u)
      << "the CSV is written before the plot fails";
  EXPECT_NE(r.out.find("best codec per distortion level"), std::string::npos);
}

TEST_F(Frontier, BadArgumentsAreOneLineUsageErrors) {
  for (const char *args : {"--dims 0", "--dims 10,x", "--dims ''", "--seeds 0",
                           "--plot x.png --plot-d 77", "--plot-family moon", "--bogus",
                           "--csv"}) {
    Result r = run(dir_, args);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("gcomp: ", 0), 0u) << r.err;
  }
}

}  // namespace
