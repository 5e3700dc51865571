// The conventions a user of any command-line tool expects from gcomp, run
// through the shell as a user would: --help on every command, usage errors
// with their own exit status, '-' for stdin and stdout, outputs that are
// never the input, never silently replaced, never left half written.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "cli_files.h"
#include "cli_runner.h"
#include "codec_helpers.h"
#include "vectors.h"

namespace {

namespace fs = std::filesystem;
using gcomp_test::count_lines;
using gcomp_test::quote;
using gcomp_test::slurp;
using gcomp_test::spit;
using gcomp_test::to_f32;
using Result = gcomp_test::CliResult;

const std::string G = quote(GCOMP_CLI_PATH);

class Conventions : public ::testing::Test {
 protected:
  fs::path dir_;

  void SetUp() override {
    dir_ = gcomp_test::make_temp_dir("gcomp_conv");
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_ / "ro", fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string &name) const { return (dir_ / name).string(); }
  std::string q(const std::string &name) const { return quote(path(name)); }

  Result run(const std::string &args) const { return gcomp_test::run_cli(dir_, args); }

  // A whole shell line (pipes, redirections, cd), $G standing for gcomp.
  Result sh(const std::string &line) const {
    return gcomp_test::run_shell(dir_, "G=" + G + "; " + line);
  }

  // The names in the temp folder, to see that nothing was left behind.
  std::set<std::string> files() const {
    std::set<std::string> names;
    for (const auto &e : fs::directory_iterator(dir_)) names.insert(e.path().filename());
    names.erase("stdout");
    names.erase("stderr");
    return names;
  }

  void expect_usage_error(const std::string &args, const std::string &says) const {
    Result r = run(args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << args << "\nstderr: " << r.err;
    EXPECT_EQ(r.err.rfind("gcomp: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(says), std::string::npos) << args << "\nstderr: " << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
};

struct Help {
  std::string command;
  std::vector<std::string> shows;  // every option, and the defaults
};

const std::vector<Help> kHelp = {
    {"", {"encode", "decode", "info", "bench-bits", "train", "help", "--version", "codecs:",
          "natural-dithering", "terngrad", "bf16",
          "exit status: 0 done; 1 failed", "2 usage error"}},
    {"encode", {"-c, --codec", "-p, --param", "-s, --seed", "(default 0)", "-f, --force",
                "--device", "-h, --help", "nu (0.1)", "omega (0.25)", "levels (8)",
                "k (ceil(d/100))", "rotate=0|1 (0)", "'-'", "2 usage error"}},
    {"decode", {"--max-d N", "(default 67108864", "-f, --force", "--device", "-h, --help",
                "'-'", "2 usage error"}},
    {"info", {"FILE", "'-'", "-h, --help", "2 usage error"}},
    {"bench-bits", {"--dim N", "(default 10000", "--seeds S", "(default 10", "--quick", "--csv",
                    "--data FILE", "--frontier", "-h, --help", "2 usage error"}},
    {"bench-bits --frontier", {"--dims LIST", "(default 10,14,100,10000,1000000", "--seeds S",
                               "--quick", "--csv FILE", "--plot FILE.png", "--plot-family",
                               "--plot-d D",
                               "(default 10000)", "--data FILE", "2 usage error"}},
    {"train", {"--problem", "--data FILE", "--codecs LIST", "--workers N", "(default 4",
               "--target T", "(default 1e-4)", "--max-iters N", "(default 100000)",
               "--lambda L", "--seed S", "--csv FILE", "--plot FILE.png", "--mpi",
               "2 usage error"}},
};

TEST_F(Conventions, EveryCommandHasHelpOnStdout) {
  for (const Help &h : kHelp) {
    for (const char *flag : {"-h", "--help"}) {
      SCOPED_TRACE(h.command + " " + flag);
      Result r = run(h.command + " " + flag);
      EXPECT_EQ(r.status, 0) << r.err;
      EXPECT_EQ(r.err, "");
      EXPECT_EQ(r.out.rfind("usage: gcomp", 0), 0u) << r.out;
      for (const std::string &s : h.shows) EXPECT_NE(r.out.find(s), std::string::npos) << s;
    }
  }
  // gcomp help CMD is CMD --help
  for (const char *cmd : {"encode", "decode", "info", "bench-bits", "train"}) {
    Result a = run(std::string("help ") + cmd), b = run(std::string(cmd) + " --help");
    EXPECT_EQ(a.status, 0) << cmd;
    EXPECT_EQ(a.out, b.out) << cmd;
  }
}

TEST_F(Conventions, UsageErrorsExitTwoWithOneLineNamingTheFlag) {
  spit(path("x.f32"), to_f32(gtv::family("gaussian", 64, 1)));
  const std::string x = q("x.f32"), o = q("o");
  for (const char *cmd : {"encode", "decode", "info", "bench-bits", "bench-bits --frontier",
                          "train --problem ridge"})
    expect_usage_error(std::string(cmd) + " --no-such-flag", "unknown option '--no-such-flag'");
  expect_usage_error("encode -c sd -Z " + x + " " + o, "unknown option '-Z'");
  expect_usage_error("--no-such-flag", "unknown option '--no-such-flag'");
  expect_usage_error("no-such-command", "unknown command 'no-such-command'");
  expect_usage_error("help no-such-command", "unknown command 'no-such-command'");
  expect_usage_error("encode -c sd " + x, "needs IN and OUT");
  expect_usage_error("encode " + x + " " + o, "-c CODEC is required");
  expect_usage_error("encode -c sd " + x + " " + o + " extra", "unexpected argument 'extra'");
  expect_usage_error("encode -c sd " + x + " " + o + " -s", "-s needs a value");
  expect_usage_error("encode -c sd -s 1x " + x + " " + o, "seed '1x'");
  expect_usage_error("encode -c nosuch " + x + " " + o, "nosuch");
  expect_usage_error("encode -c sd -p nu=2 " + x + " " + o, "nu: '2' must be in (0, 1)");
  expect_usage_error("decode " + x, "needs IN and OUT");
  expect_usage_error("decode --max-d 0 " + x + " " + o, "--max-d: '0'");
  expect_usage_error("info", "needs FILE");
  expect_usage_error("info " + x + " " + x, "unexpected argument");
  EXPECT_FALSE(fs::exists(path("o")));
  // A command that is well formed but cannot be done is a failure, 1.
  Result r = run("info " + q("missing"));
  EXPECT_EQ(r.status, 1) << r.err;
}

// '-' is stdin and stdout, byte for byte: a payload piped from encode into
// decode gives what the same commands give on files.
TEST_F(Conventions, DashIsStdinAndStdoutThroughPipes) {
  std::vector<float> x = gtv::family("gaussian", 3000, 5);
  // Bytes a text mode would mangle: \n, \r, ^Z, NUL in one float (finite).
  uint32_t tricky = 0x0A0D1A00u;
  std::memcpy(&x[7], &tricky, 4);
  spit(path("x.f32"), to_f32(x));
  ASSERT_EQ(run("encode -c sd -s 3 " + q("x.f32") + " " + q("file.g")).status, 0);
  ASSERT_EQ(run("decode " + q("file.g") + " " + q("file.f32")).status, 0);
  const std::string payload = slurp(path("file.g"));
  gth::Codec codec("sd");
  std::vector<uint8_t> lib = gth::encode(codec, x, 3);
  ASSERT_EQ(payload, std::string(lib.begin(), lib.end()));

  Result r = sh("cat " + q("x.f32") + " | $G encode -c sd -s 3 - - | $G decode - - > " +
                q("piped.f32"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(slurp(path("piped.f32")), slurp(path("file.f32")));

  r = sh("$G encode -c sd -s 3 " + q("x.f32") + " - > " + q("stdout.g"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(path("stdout.g")), payload);
  r = sh("$G decode - " + q("stdin.f32") + " < " + q("file.g"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(path("stdin.f32")), slurp(path("file.f32")));

  r = sh("$G info - < " + q("file.g"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("codec        sd\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("d            3000\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bytes        " + std::to_string(payload.size()) + " "), std::string::npos);
  // Errors about stdin name it.
  r = sh("printf 'abc' | $G info -");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("gcomp: stdin: ", 0), 0u) << r.err;
}

TEST_F(Conventions, ExistingOutputNeedsForce) {
  spit(path("x.f32"), to_f32(gtv::family("gaussian", 500, 2)));
  ASSERT_EQ(run("encode -c sd " + q("x.f32") + " " + q("x.g")).status, 0);
  spit(path("out"), "keep me");
  for (const std::string &cmd : {"encode -c sd " + q("x.f32"), "decode " + q("x.g")}) {
    SCOPED_TRACE(cmd);
    Result r = run(cmd + " " + q("out"));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("exists; pass -f to overwrite it"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(path("out")), "keep me");
    EXPECT_EQ(files(), (std::set<std::string>{"x.f32", "x.g", "out"}));
  }
  ASSERT_EQ(run("encode -f -c sd " + q("x.f32") + " " + q("out")).status, 0);
  EXPECT_EQ(slurp(path("out")), slurp(path("x.g")));
  spit(path("out"), "keep me");
  ASSERT_EQ(run("decode --force " + q("x.g") + " " + q("out")).status, 0);
  EXPECT_EQ(slurp(path("out")).size(), 500u * 4);
}

// `encode IN IN` used to replace a 16 KB vector by its 1.5 KB payload.
TEST_F(Conventions, NeverWritesItsOwnInputEvenWithForce) {
  const std::string x = to_f32(gtv::family("gaussian", 4096, 4));
  spit(path("x.f32"), x);
  ASSERT_EQ(run("encode -c sd " + q("x.f32") + " " + q("x.g")).status, 0);
  const std::string g = slurp(path("x.g"));
  ASSERT_EQ(symlink("x.f32", path("link").c_str()), 0);
  ASSERT_EQ(link(path("x.f32").c_str(), path("hard").c_str()), 0);
  ASSERT_EQ(symlink("x.g", path("glink").c_str()), 0);
  const std::vector<std::string> lines = {
      "$G encode -f -c sd " + q("x.f32") + " " + q("x.f32"),
      "$G encode -f -c sd " + q("x.f32") + " " + q("link"),
      "$G encode -f -c sd " + q("link") + " " + q("hard"),
      "$G encode -f -c sd " + q("x.f32") + " " + q("hard"),
      "cd " + quote(dir_.string()) + " && $G encode -f -c sd x.f32 ./x.f32",
      "cd " + quote(dir_.string()) + " && $G encode -f -c sd ./x.f32 ../" +
          quote(dir_.filename().string()) + "/x.f32",
      "$G encode -f -c sd - " + q("x.f32") + " < " + q("x.f32"),
      "$G decode -f " + q("x.g") + " " + q("glink"),
      "$G decode -f - " + q("x.g") + " < " + q("x.g"),
  };
  for (const std::string &line : lines) {
    SCOPED_TRACE(line);
    Result r = sh(line);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    EXPECT_NE(r.err.find("is the same file as input"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(path("x.f32")), x);
    EXPECT_EQ(slurp(path("x.g")), g);
  }
  struct stat st;
  ASSERT_EQ(lstat(path("link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
}

// A write that fails leaves the old output whole, or no output, and no
// temporary file: a 2 KB file-size limit (SIGXFSZ ignored, so write()
// fails with EFBIG) stops a 16 KB payload half way.
TEST_F(Conventions, FailedWritesLeaveTheOldOutputOrNothing) {
  spit(path("x.f32"), to_f32(gtv::family("gaussian", 4096, 6)));
  ASSERT_EQ(run("encode -c identity " + q("x.f32") + " " + q("id.g")).status, 0);
  ASSERT_GT(slurp(path("id.g")).size(), 16000u);
  spit(path("old.g"), "the old output");
  const std::string limit = "ulimit -f 4; trap '' XFSZ; ";
  Result r = sh(limit + "$G encode -f -c identity " + q("x.f32") + " " + q("old.g"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("cannot write"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(path("old.g")), "the old output");
  r = sh(limit + "$G decode " + q("id.g") + " " + q("new.f32"));
  EXPECT_EQ(r.status, 1);
  EXPECT_FALSE(fs::exists(path("new.f32")));
  EXPECT_EQ(files(), (std::set<std::string>{"x.f32", "id.g", "old.g"}));
  // The same commands without the limit succeed: the limit was the cause.
  EXPECT_EQ(run("encode -f -c identity " + q("x.f32") + " " + q("old.g")).status, 0);
  EXPECT_EQ(slurp(path("old.g")), slurp(path("id.g")));
}

// A folder we may not write into: no output, nothing left. Root writes
// anywhere, so there the case says nothing and is skipped.
TEST_F(Conventions, ReadOnlyFolderGetsNothing) {
  spit(path("x.f32"), to_f32(gtv::family("gaussian", 100, 6)));
  ASSERT_EQ(run("encode -c sd " + q("x.f32") + " " + q("x.g")).status, 0);
  fs::create_directory(path("ro"));
  fs::permissions(path("ro"), fs::perms::owner_read | fs::perms::owner_exec);
  if (access(path("ro").c_str(), W_OK) == 0) GTEST_SKIP() << "root writes into 0500 folders";
  Result r = run("decode " + q("x.g") + " " + q("ro/y.f32"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_TRUE(fs::is_empty(path("ro")));
}

// -f replaces through a symlink (the link stays, its target changes) and
// keeps the replaced file's permissions; a new file gets 0666 & ~umask.
TEST_F(Conventions, ReplacedFilesKeepLinksAndPermissions) {
  spit(path("x.f32"), to_f32(gtv::family("gaussian", 300, 7)));
  spit(path("target"), "old");
  ASSERT_EQ(chmod(path("target").c_str(), 0640), 0);
  ASSERT_EQ(symlink("target", path("link").c_str()), 0);
  ASSERT_EQ(run("encode -f -c sd " + q("x.f32") + " " + q("link")).status, 0);
  ASSERT_EQ(run("encode -c sd " + q("x.f32") + " " + q("want.g")).status, 0);
  struct stat st;
  ASSERT_EQ(lstat(path("link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(slurp(path("target")), slurp(path("want.g")));
  ASSERT_EQ(stat(path("target").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  Result r = sh("umask 027; $G decode " + q("want.g") + " " + q("new.f32"));
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(stat(path("new.f32").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

}  // namespace
