// The LibSVM reader of the CLI (host/cli/libsvm.c): a good file parses into
// the expected CSR arrays, and every kind of malformed line is rejected
// with a message that names the file and the right line.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "libsvm.h"

namespace {

struct Parsed {
  cli_libsvm_t data{};
  cli_libsvm_status_t status = CLI_LIBSVM_OK;
  std::string err;
  Parsed(const std::string &text, const char *name = "t.svm", bool csv = false) {
    char buf[256];
    status = csv ? cli_csv_parse(text.data(), text.size(), name, &data, buf, sizeof buf)
                 : cli_libsvm_parse(text.data(), text.size(), name, &data, buf, sizeof buf);
    err = buf;
  }
  Parsed(const Parsed &) = delete;
  Parsed &operator=(const Parsed &) = delete;
  ~Parsed() { cli_libsvm_free(&data); }
};

TEST(LibSvm, GoodFileWithCommentsBlankLinesAndCrlf) {
  Parsed p(
      "# header comment\n"
      "+1 1:0.5 3:-2\r\n"
      "\n"
      "   \t\n"
      "-1\t2:1e-3   # trailing comment\n"
      "1\n"
      "-1 4:7");  // no final newline
  ASSERT_EQ(p.status, CLI_LIBSVM_OK) << p.err;
  EXPECT_EQ(p.err, "");
  EXPECT_EQ(p.data.n, 4u);
  EXPECT_EQ(p.data.d, 4u);
  EXPECT_EQ(p.data.nnz, 4u);
  EXPECT_EQ(std::vector<double>(p.data.labels, p.data.labels + 4),
            (std::vector<double>{1, -1, 1, -1}));
  EXPECT_EQ(std::vector<uint64_t>(p.data.row_ptr, p.data.row_ptr + 5),
            (std::vector<uint64_t>{0, 2, 3, 3, 4}));
  EXPECT_EQ(std::vector<uint32_t>(p.data.col, p.data.col + 4),
            (std::vector<uint32_t>{0, 2, 1, 3}));
  EXPECT_EQ(std::vector<double>(p.data.val, p.data.val + 4),
            (std::vector<double>{0.5, -2, 1e-3, 7}));
}

TEST(DenseCsv, HeaderCommentsBlankLinesCrlfAndZerosLeftOut) {
  Parsed p(
      "label, a, b, c\r\n"
      "# a comment\n"
      "1, 0.5, 0, -2\r\n"
      "\n"
      "-1,0,1e-3,0   # trailing comment\n"
      "1,0,0,0",  // no final newline
      "t.csv", true);
  ASSERT_EQ(p.status, CLI_LIBSVM_OK) << p.err;
  EXPECT_EQ(p.data.n, 3u);
  EXPECT_EQ(p.data.d, 3u);  // the width of the rows, even where the last column is all 0
  EXPECT_EQ(p.data.nnz, 3u);
  EXPECT_EQ(std::vector<double>(p.data.labels, p.data.labels + 3),
            (std::vector<double>{1, -1, 1}));
  EXPECT_EQ(std::vector<uint64_t>(p.data.row_ptr, p.data.row_ptr + 4),
            (std::vector<uint64_t>{0, 2, 3, 3}));
  EXPECT_EQ(std::vector<uint32_t>(p.data.col, p.data.col + 3), (std::vector<uint32_t>{0, 2, 1}));
  EXPECT_EQ(std::vector<double>(p.data.val, p.data.val + 3), (std::vector<double>{0.5, -2, 1e-3}));
}

TEST(DenseCsv, MalformedRowsNameTheirLine) {
  struct Case {
    std::string text, message;
  } cases[] = {
      {"1,2,3\n1,2\n", "t.csv:2: 1 features, the first row had 2"},
      {"1,2,3\n1,2,3,4\n", "t.csv:2: 3 features, the first row had 2"},
      {"1,2\n\n0,x\n", "t.csv:3: column 2: 'x' is not a number"},
      {"h1,h2\nlabel,1\n", "t.csv:2: column 1: 'label' is not a number"},  // one header only
      {"1,,2\n", "t.csv:1: column 2: '' is not a number"},
      {"1,1e999\n", "t.csv:1: column 2: '1e999' is not finite"},
      {"a,b\n", "t.csv: no examples"},
  };
  for (const Case &c : cases) {
    Parsed p(c.text, "t.csv", true);
    EXPECT_EQ(p.status, CLI_LIBSVM_SYNTAX) << c.text;
    EXPECT_EQ(p.err, c.message) << c.text;
    EXPECT_EQ(p.data.n, 0u);
  }
}

TEST(LibSvm, MalformedLinesNameTheirLine) {
  struct Case {
    std::string bad_line;
    cli_libsvm_status_t status;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"1 3:1 2:1", CLI_LIBSVM_SYNTAX, "index 2 not increasing (previous index 3)"},
      {"1 2:1 2:1", CLI_LIBSVM_SYNTAX, "index 2 not increasing"},
      {"1 2:abc", CLI_LIBSVM_SYNTAX, "value 'abc' of index 2 is not a number"},
      {"1 2:1.5x", CLI_LIBSVM_SYNTAX, "is not a number"},
      {"1 2:", CLI_LIBSVM_SYNTAX, "value '' of index 2 is not a number"},
      {"1 2:nan", CLI_LIBSVM_SYNTAX, "value 'nan' of index 2 is not finite"},
      {"1 2:-inf", CLI_LIBSVM_SYNTAX, "is not finite"},
      {"1 2:1e999", CLI_LIBSVM_SYNTAX, "is not finite"},
      {"abc 1:2", CLI_LIBSVM_SYNTAX, "label 'abc' is not a number"},
      {"1:2 3:4", CLI_LIBSVM_SYNTAX, "(missing label?)"},
      {"nan 1:2", CLI_LIBSVM_SYNTAX, "label 'nan' is not finite"},
      {"1 0:2", CLI_LIBSVM_SYNTAX, "index 0 (indices start at 1)"},
      {"1 2", CLI_LIBSVM_SYNTAX, "'2' is not INDEX:VALUE (missing colon)"},
      {"1 :3", CLI_LIBSVM_SYNTAX, "missing index"},
      {"1 -2:1", CLI_LIBSVM_SYNTAX, "index '-2' is not a positive integer"},
      {"1 x:1", CLI_LIBSVM_SYNTAX, "is not a positive integer"},
      {"1 4294967296:1", CLI_LIBSVM_OVERFLOW, "too large"},
      {"1 99999999999999999999999:1", CLI_LIBSVM_OVERFLOW, "too large"},
      {std::string("1 2:1\0", 6) + "3:1", CLI_LIBSVM_SYNTAX, "NUL byte"},
  };
  for (const Case &c : cases) {
    // Two good lines and a comment first, so the bad one is line 4.
    Parsed p("+1 1:1\n# note\n-1 2:0.25\n" + c.bad_line + "\n+1 1:2\n", "data.svm");
    EXPECT_EQ(p.status, c.status) << c.bad_line;
    EXPECT_EQ(p.err.rfind("data.svm:4: ", 0), 0u) << c.bad_line << " -> " << p.err;
    EXPECT_NE(p.err.find(c.message), std::string::npos) << c.bad_line << " -> " << p.err;
    EXPECT_EQ(p.err.find('\n'), std::string::npos);
    // A failed parse leaves nothing to free and nothing half-filled.
    EXPECT_EQ(p.data.n, 0u);
    EXPECT_EQ(p.data.labels, nullptr);
    EXPECT_EQ(p.data.col, nullptr);
  }
}

TEST(LibSvm, LargestIndexIsAccepted) {
  Parsed p("1 4294967295:1\n");
  ASSERT_EQ(p.status, CLI_LIBSVM_OK) << p.err;
  EXPECT_EQ(p.data.d, 4294967295u);
  EXPECT_EQ(p.data.col[0], 4294967294u);
}

TEST(LibSvm, NoExamplesIsAnError) {
  for (const char *text : {"", "\n\n", "# only a comment\n   \n"}) {
    Parsed p(text, "empty.svm");
    EXPECT_EQ(p.status, CLI_LIBSVM_SYNTAX);
    EXPECT_EQ(p.err, "empty.svm: no examples");
  }
}

TEST(LibSvm, SmallErrorBufferIsTruncatedNotOverrun) {
  cli_libsvm_t d;
  char buf[12];
  std::memset(buf, 'Z', sizeof buf);
  const std::string text = "1 3:1 2:1\n";
  EXPECT_EQ(cli_libsvm_parse(text.data(), text.size(), "long-name.svm", &d, buf, 8),
            CLI_LIBSVM_SYNTAX);
  EXPECT_EQ(std::string(buf), "long-na");
  EXPECT_EQ(buf[8], 'Z');
  // No buffer at all is fine too.
  EXPECT_EQ(cli_libsvm_parse(text.data(), text.size(), "x", &d, nullptr, 0), CLI_LIBSVM_SYNTAX);
  cli_libsvm_free(&d);
  cli_libsvm_free(nullptr);
}

TEST(LibSvm, ReadsFilesAndReportsMissingOnes) {
  const char *tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/gcomp_libsvm_XXXXXX";
  int fd = mkstemp(&path[0]);
  ASSERT_GE(fd, 0);
  const std::string text = "+1 1:1 2:2\n-1 2:-1\n+1 1:1 x:2\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), (ssize_t)text.size());
  close(fd);
  cli_libsvm_t d;
  char err[512];
  EXPECT_EQ(cli_libsvm_read(path.c_str(), &d, err, sizeof err), CLI_LIBSVM_SYNTAX);
  EXPECT_EQ(std::string(err), path + ":3: index 'x' is not a positive integer");
  std::remove(path.c_str());
  EXPECT_EQ(cli_libsvm_read(path.c_str(), &d, err, sizeof err), CLI_LIBSVM_IO);
  EXPECT_EQ(std::string(err).rfind(path + ": cannot open", 0), 0u) << err;
  EXPECT_EQ(d.n, 0u);
}

TEST(LibSvm, HeartScaleIfInstalled) {
  const char *path = "/usr/share/doc/liblinear-tools/examples/heart_scale";
  if (access(path, R_OK) != 0) GTEST_SKIP() << path << " missing (liblinear-tools)";
  cli_libsvm_t d;
  char err[512];
  ASSERT_EQ(cli_libsvm_read(path, &d, err, sizeof err), CLI_LIBSVM_OK) << err;
  EXPECT_EQ(d.n, 270u);
  EXPECT_EQ(d.d, 13u);
  EXPECT_EQ(d.row_ptr[d.n], d.nnz);
  for (uint64_t i = 0; i < d.n; i++) EXPECT_TRUE(d.labels[i] == 1 || d.labels[i] == -1);
  cli_libsvm_free(&d);
}

}  // namespace
