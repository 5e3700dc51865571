// gcomp train, run as a user would (the binary at GCOMP_CLI_PATH), on small
// synthetic problems so every case takes a fraction of a second and needs
// no data file. The curves come back through --csv.
#include <gtest/gtest.h>

#include "cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Point {
  long iteration;
  double bytes, body, err;
};
using Curves = std::map<std::string, std::vector<Point>>;

using CliRun = gcomp_test::CliResult;

class Train : public ::testing::Test {
 protected:
  fs::path dir_;

  void SetUp() override {
    dir_ = gcomp_test::make_temp_dir("gcomp_train");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string &name) const { return (dir_ / name).string(); }

  // `args` is shell text; `env` goes in front of the command (VAR=value).
  // `args` is shell text; `env` goes in front of the command (VAR=value).
  CliRun run(const std::string &args, const std::string &env = "") const {
    return gcomp_test::run_cli(dir_, "train " + args, env);
  }

  // Runs with --csv and returns every curve by codec label.
  Curves curves(const std::string &args, CliRun *r = nullptr) const {
    CliRun local = run(args + " --csv '" + path("c.csv") + "'");
    EXPECT_EQ(local.status, 0) << args << "\n" << local.err;
    if (r) *r = local;
    Curves c;
    std::ifstream f(path("c.csv"));
    std::string line;
    std::getline(f, line);
    EXPECT_EQ(line, "codec,algorithm,iteration,bytes,body_bytes,rel_error");
    while (std::getline(f, line)) {
      std::replace(line.begin(), line.end(), ',', ' ');
      std::istringstream s(line);
      std::string codec, algo;
      Point p;
      s >> codec >> algo >> p.iteration >> p.bytes >> p.body >> p.err;
      c[codec].push_back(p);
    }
    return c;
  }

  void expect_one_line_failure(const std::string &args, int status = -1) const {
    CliRun r = run(args);
    EXPECT_NE(r.status, 0) << args;
    if (status >= 0) {
      EXPECT_EQ(r.status, status) << args;
    }
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("gcomp: ", 0), 0u) << r.err;
  }
};

// A value printed in the header as "NAME = VALUE".
double header_value(const std::string &out, const std::string &name) {
  size_t at = out.find(" " + name + " = ");
  if (at == std::string::npos) return NAN;
  return std::strtod(out.c_str() + at + name.size() + 4, nullptr);
}

const std::string kRidge = "--problem ridge --data synthetic:200,10,50 ";

// Ridge is quadratic: grad f(x) = H (x - x*), so GD with gamma = 1/L gives
// x^{t+1} - x* = (I - H/L)(x^t - x*), and the eigenvalues of I - H/L lie in
// [0, 1 - mu/L]. Hence |x^t - x*| <= (1 - mu/L)^t |x^0 - x*|, i.e. the
// relative error is at most (1 - mu/L)^(2t). The gradients travel as
// float32 (relative rounding 2^-24 a step), so allow 1% and a 1e-12 floor.
// The bound is also nearly attained (x^0 - x* has a component along the
// smallest eigenvector): the run needs at least half the predicted steps.
TEST_F(Train, GdMeetsTheLinearRate) {
  CliRun r;
  Curves c = curves(kRidge + "--workers 2 --codecs none --target 1e-8", &r);
  double L = header_value(r.out, "L"), mu = header_value(r.out, "mu");
  // synthetic:M,D,KAPPA has A^T A / m with spectrum [1/kappa, 1]; equal
  // shards and lambda = 0 keep it
  EXPECT_NEAR(L, 1.0, 1e-5);
  EXPECT_NEAR(mu, 1.0 / 50, 1e-7);
  const std::vector<Point> &gd = c["none"];
  ASSERT_GT(gd.size(), 10u);
  double q = 1.0 - mu / L;
  for (const Point &p : gd)
    EXPECT_LE(p.err, 1.01 * std::pow(q, 2.0 * p.iteration) + 1e-12) << "t = " << p.iteration;
  EXPECT_LE(gd.back().err, 1e-8);
  double predicted = std::log(1e-8) / (2.0 * std::log(q));
  EXPECT_GE((double)gd.back().iteration, 0.5 * predicted);
}

TEST_F(Train, IdentityCodecReproducesUncompressedGd) {
  Curves c = curves(kRidge + "--workers 3 --codecs none,identity --target 1e-6");
  const std::vector<Point> &none = c["none"], &id = c["identity"];
  ASSERT_EQ(none.size(), id.size());
  for (size_t t = 0; t < id.size(); t++) {
    EXPECT_EQ(none[t].err, id[t].err) << "t = " << t;  // bit for bit
    // per step and worker: 10 floats raw, the same in a frame: a packing
    // byte and the body's 320 bits as a two-byte varint
    EXPECT_EQ(none[t].bytes, 40.0 * (double)t);
    EXPECT_EQ(id[t].bytes, (40.0 + 3.0) * (double)t);
    EXPECT_EQ(id[t].body, none[t].bytes);
  }
}

// With one worker grad f(x*) = 0, so DCGD with an unbiased codec converges
// linearly (several heterogeneous workers leave a noise floor instead:
// docs/EXPERIMENTS.md).
TEST_F(Train, UnbiasedCodecsConverge) {
  CliRun r;
  Curves c = curves(kRidge + "--workers 1 --codecs sd-unbiased,qsgd --target 1e-6", &r);
  ASSERT_EQ(c.size(), 2u);
  for (const auto &[codec, pts] : c) {
    EXPECT_LE(pts.back().err, 1e-6) << codec;
    EXPECT_GT(pts.back().bytes, 0) << codec;
  }
  EXPECT_NE(r.out.find(" DCGD "), std::string::npos) << r.out;
}

// Several workers with different data: grad f_i(x*) != 0, so DCGD keeps a
// noise floor of (omega/N) mean_i |grad f_i(x*)|^2 times the step, while
// DIANA's shifts learn grad f_i(x*) and the error keeps shrinking linearly.
TEST_F(Train, DianaConvergesWhereDcgdStalls) {
  for (const char *problem : {"ridge", "logistic"}) {
    SCOPED_TRACE(problem);
    CliRun r;
    Curves c = curves(std::string("--problem ") + problem +
                          " --data synthetic:200,10,50 --workers 4 --codecs "
                          "sd-unbiased:algo=dcgd,sd-unbiased:algo=diana --target 1e-8 --max-iters 3000",
                      &r);
    const auto &dcgd = c["sd-unbiased:omega=0.25:algo=dcgd"], &diana = c["sd-unbiased:omega=0.25:algo=diana"];
    ASSERT_FALSE(dcgd.empty());
    ASSERT_FALSE(diana.empty());
    EXPECT_LE(diana.back().err, 1e-8);
    EXPECT_GT(dcgd.back().err, 1e-7);  // the floor, 100x above DIANA's target
    EXPECT_EQ(dcgd.back().iteration, 3000);
    EXPECT_NE(r.out.find(" DIANA "), std::string::npos) << r.out;
  }
  expect_one_line_failure("--problem ridge --data synthetic:200,10,50 --codecs sd:algo=diana");
  expect_one_line_failure("--problem ridge --data synthetic:200,10,50 --codecs sd:algo=dcgd");
  expect_one_line_failure("--problem ridge --data synthetic:200,10,50 --codecs sd-unbiased:algo=x");
}

// Unbiased codecs without algo=: DIANA where DCGD would stall (several
// workers), DCGD where it converges (one); the explicit choice is the same
// run, bit for bit.
TEST_F(Train, UnbiasedCodecsDefaultToDianaWithSeveralWorkers) {
  const std::string args = kRidge + "--codecs sd-unbiased:algo=diana,sd-unbiased,sd-unbiased:algo=dcgd";
  CliRun four, one;
  Curves c4 = curves(args + " --workers 4 --target 1e-4", &four);
  Curves c1 = curves(args + " --workers 1 --target 1e-4", &one);
  const auto &def4 = c4["sd-unbiased:omega=0.25"], &def1 = c1["sd-unbiased:omega=0.25"];
  ASSERT_FALSE(def4.empty());
  ASSERT_FALSE(def1.empty());
  const auto &diana4 = c4["sd-unbiased:omega=0.25:algo=diana"];
  const auto &dcgd1 = c1["sd-unbiased:omega=0.25:algo=dcgd"];
  ASSERT_EQ(def4.size(), diana4.size());
  ASSERT_EQ(def1.size(), dcgd1.size());
  for (size_t t = 0; t < def4.size(); t++) ASSERT_EQ(def4[t].err, diana4[t].err) << t;
  for (size_t t = 0; t < def1.size(); t++) ASSERT_EQ(def1[t].err, dcgd1[t].err) << t;
  EXPECT_NE(c4["sd-unbiased:omega=0.25:algo=dcgd"].size(), def4.size());
}

TEST_F(Train, Ef21WithBiasedCodecsConverges) {
  for (const char *problem : {"ridge", "logistic"}) {
    SCOPED_TRACE(problem);
    CliRun r;
    Curves c = curves(std::string("--problem ") + problem +
                          " --data synthetic:200,10,20 --workers 4 --codecs "
                          "topk:k=2,sd,spherical:alpha=0.3 --target 1e-6",
                      &r);
    ASSERT_EQ(c.size(), 3u) << r.out;
    for (const auto &[codec, pts] : c) EXPECT_LE(pts.back().err, 1e-6) << codec;
    EXPECT_NE(r.out.find("topk:k=2 "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" EF21 "), std::string::npos) << r.out;
  }
}

TEST_F(Train, TopkSweepKeepsTheCheapestK) {
  CliRun r;
  Curves c = curves(kRidge + "--codecs topk --target 1e-3", &r);
  // d = 10: k = 1, 2, 3, 5, 8, 9
  ASSERT_EQ(c.size(), 6u);
  std::string best;
  double least = INFINITY;
  for (const auto &[codec, pts] : c)
    if (pts.back().err <= 1e-3 && pts.back().bytes < least) least = pts.back().bytes, best = codec;
  EXPECT_NE(r.out.find("best k=" + best.substr(best.find("k=") + 2) + "\n"), std::string::npos)
      << best << "\n" << r.out;
}

TEST_F(Train, SameSeedSameCurvesOtherSeedOtherCurves) {
  const std::string args = kRidge + "--codecs sd-unbiased,spherical --target 1e-4";
  Curves a = curves(args + " --seed 5"), b = curves(args + " --seed 5"),
         c = curves(args + " --seed 6");
  EXPECT_EQ(a["sd-unbiased:omega=0.25"].back().err, b["sd-unbiased:omega=0.25"].back().err);
  EXPECT_EQ(a["spherical:alpha=0.15:block=10"].size(), b["spherical:alpha=0.15:block=10"].size());
  EXPECT_NE(a["sd-unbiased:omega=0.25"][5].err, c["sd-unbiased:omega=0.25"][5].err);
}

TEST_F(Train, MalformedDataNamesItsLine) {
  std::ofstream(path("bad.svm")) << "+1 1:0.5 2:1\n-1 1:0.25\n+1 2:x\n";
  for (const char *problem : {"ridge", "logistic"}) {
    CliRun r = run(std::string("--problem ") + problem + " --data '" + path("bad.svm") + "'");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("bad.svm:3: value 'x' of index 2 is not a number"), std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  std::ofstream(path("three.svm")) << "1 1:1\n2 1:2\n3 1:3\n";
  expect_one_line_failure("--problem logistic --data '" + path("three.svm") + "'", 1);
  expect_one_line_failure("--problem ridge --data '" + path("missing.svm") + "'", 1);
}

// The same rows as dense CSV and as LibSVM are the same problem, step for step.
TEST_F(Train, DenseCsvTrainsLikeTheSameLibSvmRows) {
  std::ofstream(path("d.csv")) << "y,a,b,c\n1,0.5,0,-1\n-1,0,2,0.25\n1,1,1,1\n-1,-0.5,0,2\n"
                                  "1,0.75,-1,0\n-1,0,0,-2\n";
  std::ofstream(path("d.svm")) << "1 1:0.5 3:-1\n-1 2:2 3:0.25\n1 1:1 2:1 3:1\n-1 1:-0.5 3:2\n"
                                  "1 1:0.75 2:-1\n-1 3:-2\n";
  for (const char *problem : {"ridge", "logistic"}) {
    SCOPED_TRACE(problem);
    const std::string common =
        std::string("--problem ") + problem + " --workers 2 --codecs sd,identity --target 1e-6 ";
    Curves a = curves(common + "--data '" + path("d.csv") + "'");
    Curves b = curves(common + "--data '" + path("d.svm") + "'");
    ASSERT_EQ(a.size(), 2u);
    for (const auto &[codec, pts] : a) {
      ASSERT_EQ(pts.size(), b[codec].size()) << codec;
      EXPECT_EQ(pts.back().err, b[codec].back().err) << codec;
      EXPECT_EQ(pts.back().bytes, b[codec].back().bytes) << codec;
    }
  }
  std::ofstream(path("bad.csv")) << "1,2,3\n1,2\n";
  CliRun r = run("--problem ridge --data '" + path("bad.csv") + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad.csv:2: 1 features, the first row had 2"), std::string::npos) << r.err;
}

TEST_F(Train, BadArgumentsAreOneLine) {
  const std::vector<std::string> bad = {
      "",
      "--problem",
      "--problem lasso",
      kRidge + "--bogus",
      kRidge + "--codecs nosuch",
      kRidge + "--codecs sd:nu=2",
      kRidge + "--codecs sd:levels=3",
      kRidge + "--codecs none:k=1",
      kRidge + "--workers 0",
      kRidge + "--workers 2.5",
      kRidge + "--target abc",
      kRidge + "--max-iters 0",
      kRidge + "--lambda -1",
      kRidge + "--seed x",
      kRidge + "--workers 201",
      "--problem ridge --data synthetic:5,10,2",
      "--problem ridge --data synthetic:100,10,0.5",
      "--problem ridge --data synthetic:100,10",
  };
  for (const std::string &args : bad) expect_one_line_failure(args);
}

TEST_F(Train, PlotWithoutGnuplotStillWritesTableAndCsv) {
  CliRun r = run(kRidge + "--codecs identity --csv '" + path("p.csv") + "' --plot '" +
                  path("p.png") + "'",
              "PATH=/nonexistent");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("gnuplot-nox"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.out.find("CODEC"), std::string::npos);
  EXPECT_TRUE(fs::exists(path("p.csv")));
}

}  // namespace
