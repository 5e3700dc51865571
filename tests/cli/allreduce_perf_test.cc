// allreduce_perf takes nccl-tests' flags with their meanings: run as a
// user would, through scripts/mpirun.sh (root and small machines allowed)
// at 2 ranks on tiny sizes, its rows read back column by column.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cli_files.h"

namespace {

namespace fs = std::filesystem;
using gcomp_test::quote;
using Result = gcomp_test::CliResult;

// Under ASan, OpenMPI's own allocations kept until exit are not ours.
const std::string kEnv = "LSAN_OPTIONS=suppressions=" GCOMP_TEST_DIR
                         "/comm/mpi/lsan.supp:print_suppressions=0 "
                         "ASAN_OPTIONS=fast_unwind_on_malloc=0 ";

struct Row {
  std::vector<std::string> f;  // size count type redop root time algbw busbw #wrong ...
  double num(size_t i) const { return std::strtod(f.at(i).c_str(), nullptr); }
};

struct PerfRun {
  Result r;
  std::vector<Row> rows;
  std::string header;  // the column names line
};

class AllreducePerf : public ::testing::Test {
 protected:
  fs::path dir_;

  void SetUp() override {
    dir_ = gcomp_test::make_temp_dir("gcomp_perf");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // ranks 0: the program alone (a singleton MPI job; a command line it
  // refuses ends before MPI starts, where mpirun takes seconds to end a
  // job whose rank exits non-zero).
  PerfRun perf(const std::string &args, int ranks = 2) const {
    std::string launch = ranks ? quote(GCOMP_TEST_DIR "/../scripts/mpirun.sh") + " -n " +
                                     std::to_string(ranks) + " "
                               : "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ";
    PerfRun run;
    run.r = gcomp_test::run_shell(dir_, kEnv + launch + quote(GCOMP_ALLREDUCE_PERF_PATH) + " " +
                                            args);
    std::istringstream in(run.r.out);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("#       size", 0) == 0) run.header = line;
      if (line.empty() || line[0] == '#') continue;
      Row row;
      std::istringstream cells(line);
      for (std::string c; cells >> c;) row.f.push_back(c);
      run.rows.push_back(row);
    }
    return run;
  }

  // What allreduce_perf said: one line (mpirun would add its own banner).
  static std::string said(const PerfRun &run) {
    EXPECT_EQ(gcomp_test::count_lines(run.r.err), 1u) << run.r.err;
    EXPECT_EQ(run.r.err.rfind("allreduce_perf: ", 0), 0u) << run.r.err;
    return run.r.err;
  }
};

// nccl-tests' columns first, each with its meaning: bytes, floats, the
// type and op, root -1, time in us, algbw = bytes / time, busbw = algbw *
// 2 (P - 1) / P, #wrong.
void expect_nccl_columns(const Row &row, const char *op, int ranks) {
  ASSERT_GE(row.f.size(), 14u);
  double size = row.num(0), time_us = row.num(5), algbw = row.num(6), busbw = row.num(7);
  EXPECT_EQ(row.num(1), size / 4);
  EXPECT_EQ(row.f[2], "float");
  EXPECT_EQ(row.f[3], op);
  EXPECT_EQ(row.f[4], "-1");
  ASSERT_GT(time_us, 0);
  // printed with 2 decimals (or fewer): half a unit of the last place
  EXPECT_NEAR(algbw, size / time_us / 1e3, 0.005 + 0.01 * algbw);
  EXPECT_NEAR(busbw, algbw * 2.0 * (ranks - 1) / ranks, 0.01 + 0.01 * busbw);
  EXPECT_GT(row.num(10), 1.0) << "ratio: sd must compress";
  EXPECT_GT(row.num(11), 0.0) << "relerr: sd is lossy";
  EXPECT_LT(row.num(11), 0.5) << "relerr: sd nu = 0.1 keeps |C(x) - x| <= 0.32 |x|";
  EXPECT_GT(row.num(14), 0.0) << "codec(us)";
  EXPECT_GT(row.num(15), 0.0) << "wire(us)";
}

TEST_F(AllreducePerf, SweepsByFactorAndChecksEveryResult) {
  PerfRun run = perf("-b 4K -e 16K -f 2 -n 2 -w 1 -c 1");
  ASSERT_EQ(run.r.status, 0) << run.r.out << run.r.err;
  for (const char *col : {"size", "count", "type", "redop", "root", "time", "algbw", "busbw",
                          "#wrong", "bytes/rank", "ratio", "relerr", "fp32(us)", "bf16(us)",
                          "codec(us)", "wire(us)"})
    EXPECT_NE(run.header.find(col), std::string::npos) << col << "\n" << run.header;
  ASSERT_EQ(run.rows.size(), 3u) << run.r.out;
  const double sizes[] = {4096, 8192, 16384};
  for (size_t i = 0; i < 3; i++) {
    SCOPED_TRACE(i);
    EXPECT_EQ(run.rows[i].num(0), sizes[i]);
    expect_nccl_columns(run.rows[i], "sum", 2);
    EXPECT_EQ(run.rows[i].f[8], "0") << "#wrong";
  }
  EXPECT_NE(run.r.out.find("# Out of bounds values : 0 OK"), std::string::npos) << run.r.out;
}

TEST_F(AllreducePerf, SweepsByStepWithoutCheckAndAverages) {
  // -f 1 (the default) adds -i; -c 0 leaves #wrong N/A; -o avg is the mean
  PerfRun run = perf("-b 4K -e 12K -i 4K -n 1 -w 0 -c 0 -o avg -a 3 -z 1 -d float");
  ASSERT_EQ(run.r.status, 0) << run.r.out << run.r.err;
  ASSERT_EQ(run.rows.size(), 3u) << run.r.out;
  for (size_t i = 0; i < 3; i++) {
    EXPECT_EQ(run.rows[i].num(0), 4096.0 * (double)(i + 1));
    expect_nccl_columns(run.rows[i], "avg", 2);
    EXPECT_EQ(run.rows[i].f[8], "N/A");
  }
  EXPECT_NE(run.r.out.find("time: max over ranks, blocking 1"), std::string::npos) << run.r.out;
}

TEST_F(AllreducePerf, RefusesWhatItCannotMeasureInOneLine) {
  const struct {
    const char *args, *says;
  } cases[] = {
      {"-d half", "-d half: only float"},
      {"-o prod", "-o prod: gcomp reduces by sum or avg"},
      {"-c sd", "the codec is --codec NAME"},
      {"-p nu=0.1", "codec parameters are --param NAME=VALUE"},
      {"-a twophase", "the algorithm is --algo NAME"},
      {"-R 1", "-R 1: no buffer registration"},
      {"-z 4", "-z: '4' is not an integer in 0..3"},
      {"--no-such-flag", "unknown option '--no-such-flag'"},
      {"-b", "-b needs a value"},
      {"-b 8K -e 4K", "-e 4096 is below -b 8192"},
      {"--codec nosuch", "nosuch"},
  };
  // mpirun passes the status on, its banner aside
  PerfRun ranks = perf("-d half", 2);
  EXPECT_EQ(ranks.r.status, 2) << ranks.r.err;
  EXPECT_NE(ranks.r.err.find("allreduce_perf: -d half: only float"), std::string::npos);
  for (const auto &c : cases) {
    SCOPED_TRACE(c.args);
    PerfRun run = perf(std::string("-n 1 ") + c.args, 0);
    EXPECT_EQ(run.r.status, 2) << run.r.err;
    EXPECT_NE(said(run).find(c.says), std::string::npos) << run.r.err;
    EXPECT_TRUE(run.rows.empty()) << run.r.out;
  }
}

TEST_F(AllreducePerf, HelpListsEveryFlagWithItsDefault) {
  PerfRun run = perf("--help", 0);
  ASSERT_EQ(run.r.status, 0) << run.r.err;
  for (const char *s : {"-b, --minbytes", "(default 32M)", "-e, --maxbytes", "-i, --stepbytes",
                        "(default 1M)", "-f, --stepfactor", "-n, --iters", "(default 20)",
                        "-w, --warmup_iters", "-c, --check", "-o, --op", "-d, --datatype",
                        "-a, --average", "-z, --blocking", "-N, --run_cycles", "-T, --timeout",
                        "-u, --unalign", "-C, --report_cputime", "-S, --report_timestamps",
                        "-M, --memory", "--codec NAME", "(default sd", "--param NAME=VALUE",
                        "--algo", "(default auto)", "--link-gbps", "exit status"})
    EXPECT_NE(run.r.out.find(s), std::string::npos) << s;
}

}  // namespace
