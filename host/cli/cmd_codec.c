/* gcomp encode / decode / info. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 32

#define STATUS_HELP "exit status: 0 done; 1 failed (one line on stderr); 2 usage error\n"

static const char encode_help[] =
    "usage: gcomp encode [-f] [--device] -c CODEC [-p NAME=VALUE]... [-s SEED] IN OUT\n"
    "Compresses IN, raw little-endian float32 (d = its size / 4), into the\n"
    "self-describing payload OUT. IN '-': standard input; OUT '-': standard output.\n"
    "  -c, --codec NAME        the codec (required): identity, sd, sd-unbiased,\n"
    "                          spherical, qsgd, natural-dithering, natural, topk,\n"
    "                          randk, sign, terngrad, fp16, bf16\n"
    "  -p, --param NAME=VALUE  a codec parameter, repeatable (defaults below)\n"
    "  -s, --seed SEED         payload seed, 0..2^64-1 (default 0)\n"
    "  -f, --force             replace an existing OUT (never IN itself); write\n"
    "                          to a terminal (default: refuse both)\n"
    "      --device            encode on the GPU, the same bytes (default: CPU)\n"
    "  -h, --help              this text\n"
    "parameters (default): sd nu (0.1); sd-unbiased omega (0.25); spherical\n"
    "alpha (0.5), block (auto), max_trials (2^24); qsgd levels (8);\n"
    "natural-dithering levels (4); topk, randk k (ceil(d/100)); every codec\n"
    "rotate=0|1 (0) and packing=auto|fixed|entropy|structured|direct (auto: the\n"
    "shortest; each codec has its own subset).\n"
    "OUT is written whole or not at all (a temporary file in its folder, renamed).\n"
    STATUS_HELP;

static int parse_seed(const char *text, uint64_t *seed) {
  char *end = NULL;
  if (*text == '-') return cli_usage_error("encode: seed must be a non-negative integer");
  errno = 0;
  unsigned long long v = strtoull(text, &end, 0);
  if (end == text || *end || errno == ERANGE)
    return cli_usage_error("encode: seed '%s' is not an integer in 0..2^64-1", text);
  *seed = v;
  return 0;
}

/* IN then OUT; a third operand is a usage error. */
static int operand(const char *cmd, const char *a, const char **in, const char **out) {
  if (!*in) *in = a;
  else if (!*out) *out = a;
  else return cli_bad_argument(cmd, a);
  return 0;
}

static int is_flag(const char *a, const char *s, const char *l) {
  return !strcmp(a, s) || !strcmp(a, l);
}

int gcomp_cmd_encode(int argc, char **argv) {
  const char *codec_name = NULL, *in = NULL, *out = NULL;
  char *params[MAX_PARAMS];
  int nparams = 0, rc = 0, force = 0, device = 0, options = 1;
  uint64_t seed = 0;
  for (int i = 0; i < argc && !rc; i++) {
    const char *a = argv[i];
    int valued = options && (is_flag(a, "-c", "--codec") || is_flag(a, "-p", "--param") ||
                             is_flag(a, "-s", "--seed"));
    if (valued && i + 1 == argc) return cli_usage_error("encode: %s needs a value", a);
    if (!options || !strcmp(a, "-") || a[0] != '-') rc = operand("encode", a, &in, &out);
    else if (!strcmp(a, "--")) options = 0;
    else if (cli_is_help(a)) return fputs(encode_help, stdout), 0;
    else if (is_flag(a, "-f", "--force")) force = 1;
    else if (!strcmp(a, "--device")) device = 1;
    else if (is_flag(a, "-c", "--codec")) codec_name = argv[++i];
    else if (is_flag(a, "-s", "--seed")) rc = parse_seed(argv[++i], &seed);
    else if (!is_flag(a, "-p", "--param")) rc = cli_bad_argument("encode", a);
    else if (nparams == MAX_PARAMS) rc = cli_usage_error("encode: more than %d -p", MAX_PARAMS);
    else params[nparams++] = argv[++i];
  }
  if (rc) return rc;
  if (!codec_name) return cli_usage_error("encode: -c CODEC is required (gcomp encode --help)");
  if (!in || !out) return cli_usage_error("encode: needs IN and OUT (gcomp encode --help)");
  gcompCodec_t codec;
  if (cli_make_codec(codec_name, params, nparams, &codec)) return CLI_EXIT_USAGE;
  if (cli_check_output("encode", in, out, force)) {
    gcompCodecFree(codec);
    return CLI_EXIT_FAILURE;
  }
  uint8_t *data = NULL, *payload = NULL;
  size_t size = 0, bound = 0, written = 0;
  rc = cli_read_file(in, &data, &size);
  if (!rc && (size == 0 || size % 4))
    rc = cli_error("%s: %zu bytes is not a non-empty float32 array", cli_name(in, 0), size);
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
  if (!rc) rc = cli_write_file(out, payload, written, force);
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
    return cli_usage_error("decode: --max-d: '%s' must be an integer in 1..%" PRIu64
                           " (GCOMP_MAX_DIM)", text, GCOMP_MAX_DIM);
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
                     cli_name(in, 0), d, size, max_d);
  if (d > SIZE_MAX / 4)
    return cli_error("%s: %s of output is too large for this machine", cli_name(in, 0), size);
  return cli_check_space(out, 4 * d);
}

static const char decode_help[] =
    "usage: gcomp decode [-f] [--device] [--max-d N] IN OUT\n"
    "Decodes the payload IN into OUT, raw little-endian float32. IN '-': standard\n"
    "input; OUT '-': standard output.\n"
    "  --max-d N     refuse a payload of more than N floats before allocating\n"
    "                anything for it, 1..2^40 (default 67108864 = 2^26: 256 MiB\n"
    "                of output); so is an output too large for its filesystem\n"
    "  -f, --force   replace an existing OUT (never IN itself); write to a\n"
    "                terminal (default: refuse both)\n"
    "  --device      decode on the GPU, the same floats (default: the CPU)\n"
    "  -h, --help    this text\n"
    "OUT is written whole or not at all (a temporary file in its folder, renamed).\n"
    STATUS_HELP;

int gcomp_cmd_decode(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  uint64_t max_d = CLI_DEFAULT_MAX_D;
  int rc = 0, force = 0, device = 0, options = 1;
  for (int i = 0; i < argc && !rc; i++) {
    const char *a = argv[i];
    if (!options || !strcmp(a, "-") || a[0] != '-') rc = operand("decode", a, &in, &out);
    else if (!strcmp(a, "--")) options = 0;
    else if (cli_is_help(a)) return fputs(decode_help, stdout), 0;
    else if (is_flag(a, "-f", "--force")) force = 1;
    else if (!strcmp(a, "--device")) device = 1;
    else if (strcmp(a, "--max-d")) rc = cli_bad_argument("decode", a);
    else if (i + 1 == argc) rc = cli_usage_error("decode: --max-d needs a value");
    else rc = parse_max_d(argv[++i], &max_d);
  }
  if (rc) return rc;
  if (!in || !out) return cli_usage_error("decode: needs IN and OUT (gcomp decode --help)");
  if (cli_check_output("decode", in, out, force)) return CLI_EXIT_FAILURE;
  uint8_t *data = NULL;
  size_t size = 0;
  if (cli_read_file(in, &data, &size)) return CLI_EXIT_FAILURE;
  gcompPayloadInfo_t info;
  gcompResult_t r = gcompPayloadGetInfo(data, size, &info);
  rc = r == gcompSuccess ? check_output_size(in, out, info.d, max_d)
                         : cli_lib_error(cli_name(in, 0), r);
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
    if (r != gcompSuccess) rc = cli_lib_error(cli_name(in, 0), r);
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
    rc = cli_write_file(out, raw, (size_t)info.d * 4, force);
  }
  free(x);
  return rc;
}

static const char info_help[] =
    "usage: gcomp info FILE\n"
    "Prints what the payload FILE ('-': standard input) holds: codec, parameters,\n"
    "packing, d, seed, bytes and bits a coordinate, without decoding it.\n"
    "  -h, --help    this text\n"
    STATUS_HELP;

int gcomp_cmd_info(int argc, char **argv) {
  const char *file = NULL, *none = NULL;
  int rc = 0, options = 1;
  for (int i = 0; i < argc && !rc; i++) {
    const char *a = argv[i];
    if (!options || !strcmp(a, "-") || a[0] != '-') rc = operand("info", a, &file, &none);
    else if (!strcmp(a, "--")) options = 0;
    else if (cli_is_help(a)) return fputs(info_help, stdout), 0;
    else rc = cli_bad_argument("info", a);
    if (!rc && none) rc = cli_bad_argument("info", a);
  }
  if (rc) return rc;
  if (!file) return cli_usage_error("info: needs FILE (gcomp info --help)");
  uint8_t *data = NULL;
  size_t size = 0;
  if (cli_read_file(file, &data, &size)) return CLI_EXIT_FAILURE;
  gcompPayloadInfo_t in;
  gcompResult_t r = gcompPayloadGetInfo(data, size, &in);
  free(data);
  if (r != gcompSuccess) return cli_lib_error(cli_name(file, 0), r);
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
