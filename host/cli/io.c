#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("gcomp: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

int cli_lib_error(const char *what, gcompResult_t r) {
  const char *detail = gcompGetLastErrorDetail();
  return cli_error("%s: %s%s%s", what, gcompGetErrorString(r), *detail ? ": " : "",
                   detail);
}

int cli_read_file(const char *path, uint8_t **data, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return cli_error("cannot open %s: %s", path, strerror(errno));
  size_t cap = 1 << 16, len = 0;
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
  fclose(f);
  if (!buf) return cli_error("%s: out of memory", path);
  if (failed) {
    free(buf);
    return cli_error("cannot read %s", path);
  }
  *data = buf;
  *size = len;
  return 0;
}

int cli_write_file(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) return cli_error("cannot create %s: %s", path, strerror(errno));
  size_t put = fwrite(data, 1, size, f);
  int bad = put != size;
  if (fclose(f) != 0) bad = 1;
  if (bad) {
    remove(path); /* never leave a truncated output behind */
    return cli_error("cannot write %s", path);
  }
  return 0;
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
