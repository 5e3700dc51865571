// Running the gcomp binary (GCOMP_CLI_PATH) from tests as a user would:
// through the shell, output captured in files of a private temp folder.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace gcomp_test {

// Single-quoted for /bin/sh, embedded quotes included.
inline std::string quote(const std::string &s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string slurp(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline size_t count_lines(const std::string &s) {
  return (size_t)std::count(s.begin(), s.end(), '\n');
}

struct CliResult {
  int status = -1;  // exit status; -1 when the shell could not run it or it was killed
  std::string out, err;
};

// An empty path when no folder could be made (callers assert on it).
inline std::filesystem::path make_temp_dir(const std::string &prefix) {
  const char *tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "_XXXXXX";
  if (!mkdtemp(&tmpl[0])) return {};
  return tmpl;
}

// `args` is shell text (callers quote what needs quoting); `env` goes in
// front of the command (VAR=value ...). stdout/stderr land in `dir`.
inline CliResult run_cli(const std::filesystem::path &dir, const std::string &args,
                         const std::string &env = "") {
  std::string out = (dir / "stdout").string(), err = (dir / "stderr").string();
  std::string cmd =
      env + " " + quote(GCOMP_CLI_PATH) + " " + args + " >" + quote(out) + " 2>" + quote(err);
  int st = std::system(cmd.c_str());
  CliResult r;
  r.status = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace gcomp_test
