/* Seed inputs for every fuzz target, made from real payloads: each codec
 * with each of its packings, with and without rotation, a few parameters,
 * dimensions and vectors. scripts/fuzz_seeds.sh keeps the subset that
 * libFuzzer's -merge=1 finds useful as tests/fuzz/corpus/<target>/.
 *   make_seeds OUTDIR   writes OUTDIR/<target>/<n> */
#include "sealed.h"
#include "pack/fixed.h"
#include "pack/entropy.h"
#include "comm/frame.h"
#include "frame_codecs.h"

#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

static const char *out_root;
static unsigned long written, unsealable;

static void put(const char *target, const uint8_t *a, size_t na, const uint8_t *b, size_t nb) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", out_root, target);
  mkdir(path, 0777);
  snprintf(path, sizeof path, "%s/%s/%lu", out_root, target, written++);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(a, 1, na, f) != na || (nb && fwrite(b, 1, nb, f) != nb) || fclose(f)) {
    fprintf(stderr, "make_seeds: cannot write %s\n", path);
    exit(1);
  }
}

/* Deterministic test vectors: Gaussian-like, or mostly zeros. */
static void vector(float *x, uint64_t d, int kind, uint32_t s) {
  for (uint64_t i = 0; i < d; i++) {
    double u = 0;
    for (int k = 0; k < 4; k++) {
      s = s * 1664525u + 1013904223u;
      u += (s >> 8) / 16777216.0 - 0.5;
    }
    x[i] = (kind == 1 && i % 7) ? 0.0f : (float)u;
  }
}

static gcompResult_t encode(const gcompCodecConfig_t *cfg, const float *x, uint64_t d,
                            uint64_t seed, uint8_t **p, size_t *n) {
  gcompCodec_t c;
  size_t bound;
  gcompResult_t r = gcompCodecCreate(&c, cfg);
  if (r != gcompSuccess) return r;
  r = gcompEncodeBound(c, d, &bound);
  if (r == gcompSuccess) {
    *p = malloc(bound);
    r = gcompEncode(c, x, d, seed, *p, bound, n);
    if (r != gcompSuccess) free(*p);
  }
  gcompCodecFree(c);
  return r;
}

/* The decode target's input (sealed.h) that seals back into exactly this
 * codec's payload of x: selector bytes choosing its header, then its body. */
static void decode_seeds(const gcompCodecConfig_t *cfg, const float *x, uint64_t d) {
  uint8_t *p;
  size_t n;
  if (d > FUZZ_MAX_D || encode(cfg, x, d, 0, &p, &n) != gcompSuccess) return;
  gcomp_header want, h;
  if (gcomp_header_read(p, n, 1, &want) != gcompSuccess) abort();
  put("fuzz_payload", p, n, NULL, 0);
  free(p);
  size_t body_bytes = (size_t)(want.body_bits + 7) / 8;
  uint8_t sel[FUZZ_SEL_BYTES] = {(uint8_t)((d - 1) & 0xff), (uint8_t)((d - 1) >> 8)};
  for (unsigned b = 0; b < 256 * 256; b++) {
    sel[2] = (uint8_t)((b & 0xef) | (unsigned)want.rotate << 4);
    sel[3] = (uint8_t)(b >> 8);
    if (!fuzz_header(want.method, sel, body_bytes, &h) || h.packing != want.packing ||
        h.param != want.param || h.iparam != want.iparam)
      continue;
    /* The seed is sel[3]; a randomized body may change length with it. */
    if (encode(cfg, x, d, sel[3], &p, &n) != gcompSuccess) abort();
    size_t body = n - GCOMP_HEADER_BYTES, sealed_n;
    if (gcomp_header_read(p, n, 1, &h) != gcompSuccess) abort();
    sel[4] = (uint8_t)(8 * body - h.body_bits);
    uint8_t *input = malloc(FUZZ_SEL_BYTES + body);
    memcpy(input, sel, FUZZ_SEL_BYTES);
    memcpy(input + FUZZ_SEL_BYTES, p + GCOMP_HEADER_BYTES, body);
    uint8_t *sealed = fuzz_seal(want.method, input, FUZZ_SEL_BYTES + body, &h, &sealed_n);
    if (!sealed || sealed_n != n || memcmp(sealed, p, n)) {
      fprintf(stderr, "make_seeds: a %s payload does not seal back into itself\n",
              gcompMethodName(want.method));
      exit(1);
    }
    char target[64];
    snprintf(target, sizeof target, "fuzz_decode_%s", gcompMethodName(want.method));
    for (char *c = target; *c; c++) *c = *c == '-' ? '_' : *c;
    put(target, input, FUZZ_SEL_BYTES + body, NULL, 0);
    /* dst_small: the method (beta 0 or 0.5) and a dst about half of d */
    uint8_t pre[2] = {(uint8_t)(want.method + (d % 2) * gcompNumMethods), 128};
    put("fuzz_dst_small", pre, 2, input, FUZZ_SEL_BYTES + body);
    free(sealed);
    free(input);
    free(p);
    return;
  }
  unsealable++; /* a parameter the selector cannot express */
}

static void codec_seeds(void) {
  static const char *const packings[] = {"fixed", "entropy", "structured", "direct"};
  static const uint64_t dims[] = {1, 5, 64, 300};
  struct { const char *name, *param; const char *values[4]; } codecs[] = {
      {"identity", NULL, {NULL}},
      {"sd", "nu", {"0.1", "0.5", "0.9", NULL}},
      {"sd-unbiased", "omega", {"0.25", "3", "0.5", NULL}},
      {"spherical", "alpha", {"0.5", "0.9", "0.25", NULL}},
      {"qsgd", "levels", {"1", "4", "16", "64"}},
      {"natural-dithering", "levels", {"1", "4", "8", "16"}},
      {"natural", NULL, {NULL}},
      {"topk", "k", {"1", "4", "16", NULL}},
      {"randk", "k", {"1", "4", "16", NULL}},
      {"sign", NULL, {NULL}},
      {"terngrad", NULL, {NULL}},
      {"fp16", NULL, {NULL}},
      {"bf16", NULL, {NULL}},
  };
  float x[300];
  for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++)
    for (int v = 0; v == 0 || (v < 4 && codecs[c].values[v]); v++)
      for (int pk = 0; pk < 4; pk++)
        for (int rot = 0; rot < 2; rot++)
          for (int di = 0; di < 4; di++)
            for (int kind = 0; kind < 2; kind++) {
              gcompCodecConfig_t cfg;
              gcompCodecConfigInit(&cfg, codecs[c].name);
              cfg.rotate = rot;
              if (gcompCodecConfigSetParam(&cfg, "packing", packings[pk]) != gcompSuccess)
                continue;
              if (codecs[c].param &&
                  gcompCodecConfigSetParam(&cfg, codecs[c].param, codecs[c].values[v]) !=
                      gcompSuccess)
                continue;
              if (!strcmp(codecs[c].name, "spherical")) cfg.block = (int64_t)1 << di;
              vector(x, dims[di], kind, (uint32_t)(c * 131 + (size_t)di * 7 + (size_t)kind));
              decode_seeds(&cfg, x, dims[di]);
            }
}

/* fuzz_frame: each codec's frames of a few vectors, as a host collective
 * sends them: [codec index, n - 1, the frame]. */
static void frame_seeds(void) {
  static const uint64_t dims[] = {1, 5, 64, 256};
  float x[256];
  for (size_t c = 0; c < FUZZ_FRAME_NCODECS; c++)
    for (int di = 0; di < 4; di++) {
      gcompCodecConfig_t cfg;
      uint8_t *p;
      size_t n;
      if (gcompCodecConfigInit(&cfg, fuzz_frame_codecs[c]) != gcompSuccess) abort();
      vector(x, dims[di], 0, (uint32_t)(c * 17 + (size_t)di));
      if (encode(&cfg, x, dims[di], FUZZ_FRAME_SEED, &p, &n) != gcompSuccess) abort();
      gcompCodec_t codec;
      if (gcompCodecCreate(&codec, &cfg) != gcompSuccess) abort();
      n = gcomp_frame_from_payload(p, n, codec);
      gcompCodecFree(codec);
      uint8_t pre[2] = {(uint8_t)c, (uint8_t)(dims[di] - 1)};
      put("fuzz_frame", pre, 2, p, n);
      free(p);
    }
}

/* fuzz_roundtrip: codec, packing, parameter, block, seed and rotation
 * bytes, then the vector's floats. */
static void roundtrip_seeds(void) {
  float x[40];
  for (uint8_t c = 0; c < 13; c++)
    for (uint8_t pk = 0; pk < 5; pk++)
      for (int rot = 0; rot < 2; rot++)
        for (int kind = 0; kind < 2; kind++) {
          uint8_t head[6] = {c, pk, (uint8_t)(kind ? 200 : 60), (uint8_t)(pk + 1), 7,
                             (uint8_t)(rot << 2)};
          uint64_t d = kind ? 40 : 9;
          vector(x, d, kind, c * 17u + pk);
          put("fuzz_roundtrip", head, 6, (const uint8_t *)x, d * sizeof *x);
        }
}

/* fuzz_sections: n and the section kind, then a fixed or rANS section of
 * symbols from a few shapes: all zero, small levels, wide values. */
static void section_seeds(void) {
  static const uint64_t ns[] = {1, 37, 1000, 4500};
  static uint32_t sym[4500];
  static uint8_t buf[8 * 4500 + 4096];
  for (int rans = 0; rans < 2; rans++)
    for (int ni = 0; ni < 4; ni++)
      for (int shape = 0; shape < 3; shape++) {
        uint64_t n = ns[ni];
        uint32_t s = 12345u + (uint32_t)(ni * 3 + shape);
        for (uint64_t i = 0; i < n; i++) {
          s = s * 1664525u + 1013904223u;
          sym[i] = shape == 0 ? 0 : shape == 1 ? (s >> 29) % 5 : (s >> 8) >> (s % 24);
        }
        size_t got = 0;
        gcompResult_t r = rans ? gcomp_rans_encode(sym, n, buf, sizeof buf, &got)
                               : gcomp_fixed_encode(sym, n, buf, sizeof buf, &got);
        if (r != gcompSuccess) continue; /* rANS refuses some alphabets */
        uint8_t head[2] = {(uint8_t)((n - 1) & 0xff), (uint8_t)((n - 1) >> 8 | rans << 7)};
        put("fuzz_sections", head, 2, buf, got);
      }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_seeds OUTDIR\n");
    return 2;
  }
  out_root = argv[1];
  mkdir(out_root, 0777);
  codec_seeds();
  frame_seeds();
  roundtrip_seeds();
  section_seeds();
  printf("make_seeds: %lu inputs in %s (%lu payloads without a selector)\n", written,
         out_root, unsealable);
  return 0;
}
