// Files and shell lines for the command-line tests: raw float32 as the CLI
// reads and writes it on every host, and whole shell lines (pipes,
// redirections, mpirun) with their output captured like run_cli's.
#pragma once

#include <sys/wait.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace gcomp_test {

inline void spit(const std::string &path, const std::string &bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), (std::streamsize)bytes.size());
}

// Raw little-endian float32.
inline std::string to_f32(const std::vector<float> &x) {
  std::string b;
  for (float v : x) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    for (int i = 0; i < 4; i++) b += (char)(u >> (8 * i));
  }
  return b;
}

inline std::vector<float> from_f32(const std::string &b) {
  std::vector<float> x(b.size() / 4);
  for (size_t i = 0; i < x.size(); i++) {
    uint32_t u = 0;
    for (int k = 0; k < 4; k++) u |= (uint32_t)(uint8_t)b[4 * i + k] << (8 * k);
    std::memcpy(&x[i], &u, 4);
  }
  return x;
}

// `line` is shell text run by /bin/sh; stdout/stderr land in `dir`.
inline CliResult run_shell(const std::filesystem::path &dir, const std::string &line) {
  std::string out = (dir / "stdout").string(), err = (dir / "stderr").string();
  std::string cmd = "( " + line + " ) >" + quote(out) + " 2>" + quote(err);
  int st = std::system(cmd.c_str());
  CliResult r;
  r.status = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

}  // namespace gcomp_test
