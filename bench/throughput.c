/* CPU throughput of every codec: encode and decode MB/s of float32 input on
 * one core (or threads=N of a codec's own, which its decode uses too),
 * next to memcpy of the same buffer in the same run. Spherical
 * Compression pays ~1/P(alpha, m) candidate trials a block, so it runs on
 * the first 2^16 coordinates only (its row says so).
 *
 *   throughput [-n LOG2_D] [-r REPS] [-c CODEC[:NAME=VALUE,...]]...
 *
 * Each figure is the best of REPS runs (the machine's noise only ever slows
 * a run down). Ratios are against the memcpy measured in this run. */
#define _POSIX_C_SOURCE 199309L
#include "gcomp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Gaussian test vector from a fixed-seed xorshift + Box-Muller. */
static void fill(float *x, uint64_t d) {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  for (uint64_t i = 0; i < d; i += 2) {
    double u[2];
    for (int k = 0; k < 2; k++) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      u[k] = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
    }
    double r = sqrt(-2 * log(u[0]));
    x[i] = (float)(r * cos(6.283185307179586 * u[1]));
    if (i + 1 < d) x[i + 1] = (float)(r * sin(6.283185307179586 * u[1]));
  }
}

static const char *const default_codecs[] = {
    "identity",
    "sd:packing=fixed",
    "sd:packing=entropy",
    "sd:packing=structured",
    "sd",
    "sd-unbiased:packing=fixed",
    "sd-unbiased:packing=entropy",
    "sd:packing=fixed,rotate=1",
    "spherical:alpha=0.5",
    "qsgd:levels=8,packing=fixed",
    "qsgd:levels=8,packing=structured",
    "qsgd:levels=8",
    "natural-dithering:levels=4,packing=fixed",
    "natural:packing=fixed",
    "natural",
    "topk:k=167773",
    "randk:k=167773",
    "sign",
    "terngrad:packing=fixed",
    "fp16",
    "bf16",
};

/* "NAME:K=V,K=V" -> codec; returns 0 on success. */
static int make_codec(const char *spec, gcompCodec_t *codec) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", spec);
  char *params = strchr(buf, ':');
  if (params) *params++ = '\0';
  gcompCodecConfig_t cfg;
  if (gcompCodecConfigInit(&cfg, buf) != gcompSuccess) return -1;
  cfg.threads = 1; /* one core unless the spec says threads=N */
  for (char *kv = params ? strtok(params, ",") : NULL; kv; kv = strtok(NULL, ",")) {
    char *eq = strchr(kv, '=');
    if (!eq) return -1;
    *eq = '\0';
    if (gcompCodecConfigSetParam(&cfg, kv, eq + 1) != gcompSuccess) return -1;
  }
  return gcompCodecCreate(codec, &cfg) == gcompSuccess ? 0 : -1;
}

static double best_memcpy(const float *x, float *y, uint64_t d, int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    double t = now();
    memcpy(y, x, d * sizeof *x);
    t = now() - t;
    if (t < best) best = t;
  }
  return best;
}

static void bench(const char *spec, const float *x, float *y, uint64_t d, int reps,
                  double t_copy) {
  gcompCodec_t codec;
  if (make_codec(spec, &codec) != 0) {
    fprintf(stderr, "throughput: bad codec '%s': %s\n", spec, gcompGetLastErrorDetail());
    return;
  }
  gcompCodecConfig_t cfg;
  gcompCodecGetConfig(codec, &cfg);
  gcompSetThreads(cfg.threads); /* for gcompDecode */
  /* memcpy time scales with size: compare per byte */
  double copy_per_byte = t_copy / ((double)d * sizeof *x);
  if (cfg.method == gcompSpherical && d > (1u << 16)) d = 1u << 16;
  double mb = (double)d * sizeof *x / 1e6;
  double t_ref = copy_per_byte * (double)d * sizeof *x;
  size_t bound = 0, size = 0;
  gcompEncodeBound(codec, d, &bound);
  uint8_t *p = malloc(bound);
  double te = 1e30, td = 1e30;
  for (int r = 0; r < reps; r++) {
    double t = now();
    gcompResult_t res = gcompEncode(codec, x, d, (uint64_t)r, p, bound, &size);
    t = now() - t;
    if (res != gcompSuccess) {
      fprintf(stderr, "throughput: %s: %s\n", spec, gcompGetLastErrorDetail());
      goto out;
    }
    te = t < te ? t : te;
    t = now();
    res = gcompDecode(p, size, y, d, 0.0f);
    t = now() - t;
    if (res != gcompSuccess) {
      fprintf(stderr, "throughput: %s decode: %s\n", spec, gcompGetLastErrorDetail());
      goto out;
    }
    td = t < td ? t : td;
  }
  printf("%-32s %9llu %8.3f %10.1f %7.3f %10.1f %7.3f\n", spec, (unsigned long long)d,
         8.0 * (double)size / (double)d, mb / te, t_ref / te, mb / td, t_ref / td);
  fflush(stdout);
out:
  free(p);
  gcompCodecFree(codec);
}

int main(int argc, char **argv) {
  int log2d = 24, reps = 5, ncodecs = 0;
  const char *codecs[64];
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-n") && i + 1 < argc) log2d = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-r") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-c") && i + 1 < argc && ncodecs < 64) codecs[ncodecs++] = argv[++i];
    else {
      fprintf(stderr, "usage: throughput [-n LOG2_D] [-r REPS] [-c CODEC[:K=V,...]]...\n");
      return 2;
    }
  }
  if (log2d < 4 || log2d > 30 || reps < 1) {
    fprintf(stderr, "throughput: -n must be in 4..30 and -r >= 1\n");
    return 2;
  }
  if (!ncodecs) {
    ncodecs = (int)(sizeof default_codecs / sizeof *default_codecs);
    memcpy(codecs, default_codecs, sizeof default_codecs);
  }
  uint64_t d = (uint64_t)1 << log2d;
  float *x = malloc(d * sizeof *x), *y = malloc(d * sizeof *y);
  if (!x || !y) {
    fprintf(stderr, "throughput: out of memory\n");
    return 1;
  }
  fill(x, d);
  memset(y, 0, d * sizeof *y);
  double mb = (double)d * sizeof *x / 1e6;
  double t_copy = best_memcpy(x, y, d, reps * 2);
  printf("d = 2^%d floats (%.1f MB), best of %d, one core unless threads=N\n", log2d, mb, reps);
  printf("memcpy: %.1f MB/s\n\n", mb / t_copy);
  printf("%-32s %9s %8s %10s %7s %10s %7s\n", "codec", "d", "bits/c", "enc MB/s", "enc/cp",
         "dec MB/s", "dec/cp");
  for (int c = 0; c < ncodecs; c++) bench(codecs[c], x, y, d, reps, t_copy);
  free(x);
  free(y);
  return 0;
}
