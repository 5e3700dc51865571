/* gcomp encode / decode / info. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 32

static int parse_seed(const char *text, uint64_t *seed) {
  char *end = NULL;
  if (*text == '-') return cli_error("seed must be a non-negative integer");
  unsigned long long v = strtoull(text, &end, 0);
  if (end == text || *end) return cli_error("seed '%s' is not an integer", text);
  *seed = v;
  return 0;
}

int gcomp_cmd_encode(int argc, char **argv) {
  const char *codec_name = NULL, *in = NULL, *out = NULL;
  char *params[MAX_PARAMS];
  int nparams = 0;
  uint64_t seed = 0;
  int device = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(a, "--device")) {
      device = 1;
    } else if (!strcmp(a, "-c") && has_value) {
      codec_name = argv[++i];
    } else if (!strcmp(a, "-p") && has_value) {
      if (nparams == MAX_PARAMS) return cli_error("too many -p options");
      params[nparams++] = argv[++i];
    } else if (!strcmp(a, "-s") && has_value) {
      if (parse_seed(argv[++i], &seed)) return 1;
    } else if (a[0] == '-' && a[1]) {
      return cli_error("encode: unknown or incomplete option '%s'", a);
    } else if (!in) {
      in = a;
    } else if (!out) {
      out = a;
    } else {
      return cli_error("encode: unexpected argument '%s'", a);
    }
  }
  if (!codec_name || !in || !out)
    return cli_error(
        "usage: gcomp encode [--device] -c CODEC [-p NAME=VALUE]... [-s SEED] IN OUT");
  gcompCodec_t codec;
  if (cli_make_codec(codec_name, params, nparams, &codec)) return 1;
  uint8_t *data = NULL, *payload = NULL;
  size_t size = 0, bound = 0, written = 0;
  int rc = cli_read_file(in, &data, &size);
  if (!rc && (size == 0 || size % 4))
    rc = cli_error("%s: %zu bytes is not a non-empty float32 array", in, size);
  uint64_t d = size / 4;
  float *x = NULL;
  if (!rc) {
    x = malloc(size);
    if (!x) rc = cli_error("out of memory");
  }
  if (!rc) {
    for (uint64_t i = 0; i < d; i++) { /* little-endian on every host */
      uint32_t u = (uint32_t)data[4 * i] | (uint32_t)data[4 * i + 1] << 8 |
                   (uint32_t)data[4 * i + 2] << 16 | (uint32_t)data[4 * i + 3] << 24;
      memcpy(&x[i], &u, 4);
    }
    gcompResult_t r = gcompEncodeBound(codec, d, &bound);
    if (r != gcompSuccess) rc = cli_lib_error("encode", r);
  }
  if (!rc && !(payload = malloc(bound))) rc = cli_error("out of memory");
  if (!rc && device) {
    rc = cli_device_encode(codec, x, d, seed, payload, bound, &written);
  } else if (!rc) {
    gcompResult_t r = gcompEncode(codec, x, d, seed, payload, bound, &written);
    if (r != gcompSuccess) rc = cli_lib_error("encode", r);
  }
  if (!rc) rc = cli_write_file(out, payload, written);
  free(payload);
  free(x);
  free(data);
  gcompCodecFree(codec);
  return rc;
}

static const char *packing_text(gcompPacking_t p) {
  static const char *const names[] = {"auto", "fixed", "entropy", "structured", "direct"};
  return (int)p >= 0 && p < gcompNumPackings ? names[p] : "?";
}

/* The codec a payload names, for the device decoder (which, unlike
 * gcompDecode, is told the codec by its caller). */
static int codec_of_payload(const gcompPayloadInfo_t *in, gcompCodec_t *codec) {
  gcompCodecConfig_t cfg;
  gcompResult_t r = gcompCodecConfigInit(&cfg, gcompMethodName(in->method));
  char value[64];
  const char *name = NULL, *iname = NULL;
  switch (in->method) {
  case gcompSparseDithering: name = "nu"; break;
  case gcompSparseDitheringUnbiased: name = "omega"; break;
  case gcompSpherical: name = "alpha", iname = "block"; break;
  case gcompQsgd:
  case gcompNaturalDithering: iname = "levels"; break;
  case gcompTopK:
  case gcompRandK: iname = "k"; break;
  default: break;
  }
  if (r == gcompSuccess && name) {
    snprintf(value, sizeof value, "%.17g", in->param);
    r = gcompCodecConfigSetParam(&cfg, name, value);
  }
  if (r == gcompSuccess && iname) {
    snprintf(value, sizeof value, "%" PRIu64, in->iparam);
    r = gcompCodecConfigSetParam(&cfg, iname, value);
  }
  if (r == gcompSuccess) r = gcompCodecConfigSetParam(&cfg, "rotate", in->rotate ? "1" : "0");
  if (r == gcompSuccess) r = gcompCodecConfigSetParam(&cfg, "packing", packing_text(in->packing));
  if (r == gcompSuccess) r = gcompCodecCreate(codec, &cfg);
  return r == gcompSuccess ? 0 : cli_lib_error("decode --device", r);
}

/* "--max-d N": a plain decimal in 1..GCOMP_MAX_DIM. */
static int parse_max_d(const char *text, uint64_t *max_d) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = isdigit((unsigned char)*text) ? strtoull(text, &end, 10) : 0;
  if (!end || *end || errno == ERANGE || v == 0 || v > GCOMP_MAX_DIM)
    return cli_error("--max-d: '%s' must be an integer in 1..%" PRIu64 " (GCOMP_MAX_DIM)",
                     text, GCOMP_MAX_DIM);
  *max_d = v;
  return 0;
}

/* A payload's header names the output size, and a forged one can name 4
 * TiB in 68 bytes: nothing is allocated for d until it passes the limit
 * and the output fits on its filesystem. */
static int check_output_size(const char *in, const char *out, uint64_t d, uint64_t max_d) {
  char size[32];
  cli_format_bytes(4 * d, size, sizeof size);
  if (d > max_d)
    return cli_error("%s: payload declares d = %" PRIu64 " (%s of float32), above --max-d %" PRIu64
                     "; pass --max-d to raise it",
                     in, d, size, max_d);
  if (d > SIZE_MAX / 4)
    return cli_error("%s: %s of output is too large for this machine", in, size);
  return cli_check_space(out, 4 * d);
}

int gcomp_cmd_decode(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  uint64_t max_d = CLI_DEFAULT_MAX_D;
  int device = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--device")) {
      device = 1;
    } else if (!strcmp(a, "--max-d") && i + 1 < argc) {
      if (parse_max_d(argv[++i], &max_d)) return 1;
    } else if (a[0] == '-' && a[1]) {
      return cli_error("decode: unknown or incomplete option '%s'", a);
    } else if (!in) {
      in = a;
    } else if (!out) {
      out = a;
    } else {
      return cli_error("decode: unexpected argument '%s'", a);
    }
  }
  if (!in || !out) return cli_error("usage: gcomp decode [--device] [--max-d N] IN OUT");
  uint8_t *data = NULL;
  size_t size = 0;
  if (cli_read_file(in, &data, &size)) return 1;
  gcompPayloadInfo_t info;
  gcompResult_t r = gcompPayloadGetInfo(data, size, &info);
  int rc = r == gcompSuccess ? check_output_size(in, out, info.d, max_d) : cli_lib_error(in, r);
  float *x = NULL;
  if (!rc && !(x = malloc((size_t)info.d * 4)))
    rc = cli_error("out of memory for d = %" PRIu64, info.d);
  if (!rc && device) {
    gcompCodec_t codec = NULL;
    rc = codec_of_payload(&info, &codec);
    if (!rc) rc = cli_device_decode(codec, data, size, x, info.d);
    gcompCodecFree(codec);
  } else if (!rc) {
    r = gcompDecode(data, size, x, info.d, 0.0f);
    if (r != gcompSuccess) rc = cli_lib_error(in, r);
  }
  free(data);
  if (!rc) {
    /* Little-endian in place, each value read whole before its bytes are
     * written: the output needs no second buffer. */
    uint8_t *raw = (uint8_t *)x;
    for (uint64_t i = 0; i < info.d; i++) {
      uint32_t u;
      memcpy(&u, &x[i], 4);
      for (int b = 0; b < 4; b++) raw[4 * i + (uint64_t)b] = (uint8_t)(u >> (8 * b));
    }
    rc = cli_write_file(out, raw, (size_t)info.d * 4);
  }
  free(x);
  return rc;
}

int gcomp_cmd_info(int argc, char **argv) {
  if (argc != 1) return cli_error("usage: gcomp info FILE");
  uint8_t *data = NULL;
  size_t size = 0;
  if (cli_read_file(argv[0], &data, &size)) return 1;
  gcompPayloadInfo_t in;
  gcompResult_t r = gcompPayloadGetInfo(data, size, &in);
  free(data);
  if (r != gcompSuccess) return cli_lib_error(argv[0], r);
  printf("codec        %s\n", gcompMethodName(in.method));
  printf("parameters  ");
  switch (in.method) {
  case gcompSparseDithering: printf(" nu=%g", in.param); break;
  case gcompSparseDitheringUnbiased: printf(" omega=%g", in.param); break;
  case gcompSpherical: printf(" alpha=%g block=%" PRIu64, in.param, in.iparam); break;
  case gcompQsgd:
  case gcompNaturalDithering: printf(" levels=%" PRIu64, in.iparam); break;
  case gcompTopK:
  case gcompRandK: printf(" k=%" PRIu64, in.iparam); break;
  default: break;
  }
  printf(" rotate=%d\n", in.rotate);
  printf("packing      %s\n", packing_text(in.packing));
  printf("d            %" PRIu64 "\n", in.d);
  printf("seed         %" PRIu64 "\n", in.seed);
  printf("bytes        %zu (header %zu, body %zu)\n", in.totalBytes, in.headerBytes,
         in.totalBytes - in.headerBytes);
  printf("bits/coord   %.4f (body only %.4f)\n", 8.0 * (double)in.totalBytes / (double)in.d,
         (double)in.bodyBits / (double)in.d);
  if (size > in.totalBytes)
    printf("trailing     %zu bytes after the payload\n", size - in.totalBytes);
  return 0;
}
