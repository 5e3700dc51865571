/* Shared helpers of the CLI: one-line errors, whole-file input, free-space
 * checks, and codecs from -p text (outputs: output.c). */
#define _POSIX_C_SOURCE 200809L /* fileno, stat, statvfs */

#include "cli.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

static void error_line(const char *fmt, va_list ap) {
  fputs("gcomp: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

int cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  error_line(fmt, ap);
  va_end(ap);
  return CLI_EXIT_FAILURE;
}

int cli_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  error_line(fmt, ap);
  va_end(ap);
  return CLI_EXIT_USAGE;
}

int cli_bad_argument(const char *cmd, const char *arg) {
  const char *what = arg[0] == '-' && arg[1] ? "unknown option" : "unexpected argument";
  return cli_usage_error("%s: %s '%s' (gcomp %s --help)", cmd, what, arg, cmd);
}

int cli_is_help(const char *arg) { return !strcmp(arg, "-h") || !strcmp(arg, "--help"); }

const char *cli_name(const char *path, int is_output) {
  return strcmp(path, "-") ? path : is_output ? "stdout" : "stdin";
}

int cli_lib_error(const char *what, gcompResult_t r) {
  const char *detail = gcompGetLastErrorDetail();
  return cli_error("%s: %s%s%s", what, gcompGetErrorString(r), *detail ? ": " : "",
                   detail);
}

int cli_read_file(const char *path, uint8_t **data, size_t *size) {
  int is_stdin = !strcmp(path, "-");
  FILE *f = is_stdin ? stdin : fopen(path, "rb");
  if (!f) return cli_error("cannot open %s: %s", path, strerror(errno));
  /* A regular file in one buffer of its size (one byte more shows that it
   * ended there); a pipe by doubling. */
  struct stat st;
  size_t cap = 1 << 16, len = 0;
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size < SIZE_MAX)
    cap = (size_t)st.st_size + 1;
  uint8_t *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (len < cap) break;
    uint8_t *bigger = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
    if (!bigger) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = bigger;
    cap *= 2;
  }
  int failed = ferror(f);
  if (!is_stdin) fclose(f);
  if (!buf) return cli_error("%s: out of memory", cli_name(path, 0));
  if (failed) {
    free(buf);
    return cli_error("cannot read %s", cli_name(path, 0));
  }
  *data = buf;
  *size = len;
  return 0;
}

void cli_format_bytes(uint64_t bytes, char *buf, size_t cap) {
  static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = (double)bytes;
  int u = 0;
  while (v >= 1024 && u < 6) v /= 1024, u++;
  snprintf(buf, cap, "%.4g %s", v, units[u]);
}

int cli_check_space(const char *path, uint64_t bytes) {
  struct stat st;
  if (!strcmp(path, "-") || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) return 0;
  char dir[4096];
  const char *slash = strrchr(path, '/');
  size_t len = slash ? (size_t)(slash - path) : 0;
  if (len >= sizeof dir) return 0;
  memcpy(dir, path, len);
  snprintf(dir + len, sizeof dir - len, "%s", slash ? (len ? "" : "/") : ".");
  struct statvfs fs;
  if (statvfs(dir, &fs) != 0) return 0; /* the write reports a missing folder */
  uint64_t avail = (uint64_t)fs.f_bavail * (uint64_t)fs.f_frsize;
  if (bytes <= avail) return 0;
  char need[32], have[32];
  cli_format_bytes(bytes, need, sizeof need);
  cli_format_bytes(avail, have, sizeof have);
  return cli_error("%s: %s of output would not fit in the %s free on its filesystem", path,
                   need, have);
}

int cli_make_codec(const char *name, char **params, int nparams,
                   gcompCodec_t *codec) {
  gcompCodecConfig_t cfg;
  gcompResult_t r = gcompCodecConfigInit(&cfg, name);
  if (r != gcompSuccess) return cli_lib_error("codec", r);
  for (int i = 0; i < nparams; i++) {
    char buf[256];
    const char *eq = strchr(params[i], '=');
    size_t klen = eq ? (size_t)(eq - params[i]) : 0;
    if (!eq || klen == 0 || klen >= sizeof buf)
      return cli_error("-p expects NAME=VALUE, got '%s'", params[i]);
    memcpy(buf, params[i], klen);
    buf[klen] = '\0';
    r = gcompCodecConfigSetParam(&cfg, buf, eq + 1);
    if (r != gcompSuccess) return cli_lib_error("parameter", r);
  }
  r = gcompCodecCreate(codec, &cfg);
  if (r != gcompSuccess) return cli_lib_error("codec", r);
  return 0;
}
