/* gcomp bench-bits --frontier: every codec's parameter swept, and each
 * point's bits per coordinate set against the distortion it delivers. The
 * unbiased codecs join the same axis through omega/(1+omega) (PAPER.md
 * section 1), so one table per (family, d) ranks them all against the lower
 * bounds of section 2. Public API only, as bench-bits. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "frontier.h"
#include "heart.h"
#include "plot.h"
#include "vectors.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DIM ((uint64_t)1 << 24)
#define MAX_DIMS 16
#define MAX_SEEDS 1000
#define MAX_POINTS 64
/* A spherical encode draws about d / P(alpha, m) Gaussian coordinates;
 * 2^27 of them take ~2 s on one core of the 2-vCPU CI VM. Beyond that one
 * point would cost more than a whole (family, d) of every other codec. */
#define SPHERICAL_MAX_LOG2_DRAWS 27.0
#define USAGE \
  "usage: gcomp bench-bits --frontier [--quick] [--dims D1,D2,...] [--seeds S]\n"    \
  "         [--csv FILE] [--plot FILE.png] [--plot-family NAME] [--plot-d D]\n"      \
  "         [--data FILE]\n"                                                         \
  "Sweeps every codec's parameter on the gaussian, heavy, sparse and spike\n"        \
  "vectors and the heart_scale gradient (d = 13), and ranks the points against\n"    \
  "the lower bounds.\n"                                                              \
  "  --dims LIST         d of the synthetic vectors, up to 16 in 1..2^24\n"          \
  "                      (default 10,14,100,10000,1000000; --quick: 10,100,10000)\n" \
  "  --seeds S           encodes a point, 1..1000 (default 5; 2 at d >= 10^6;\n"     \
  "                      100 below d = 1000; --quick: 2, 20 below d = 1000)\n"       \
  "  --quick             the smaller defaults above\n"                               \
  "  --csv FILE          every point as CSV (default: none)\n"                       \
  "  --plot FILE.png     bits against distortion of one (family, d), drawn by\n"     \
  "                      gnuplot (default: no plot)\n"                               \
  "  --plot-family NAME  gaussian, heavy, sparse, spike or heart (default\n"         \
  "                      gaussian)\n"                                                \
  "  --plot-d D          the d plotted, one of --dims (default 10000)\n"             \
  "  --data FILE         LibSVM file of the heart family (default: as\n"             \
  "                      bench-bits)\n"                                              \
  "  -h, --help          this text\n"                                                \
  "exit status: 0 done; 1 failed (one line on stderr); 2 usage error"

typedef struct {
  const char *label;  /* curve name in the tables and the plot */
  const char *method; /* as gcompCodecConfigInit takes it */
  const char *param;  /* the swept parameter; NULL: a single point */
  const double *values;
  int nvalues;
  gcompPacking_t packing;
  int per_d;  /* values are fractions f of d, swept as k = ceil(f d) */
  int seeded; /* 0: the payload ignores the seed, so one seed says it all */
} sweep_t;

static const double nus[] = {0.01, 0.03, 0.1, 0.2, 0.4, 0.7};
/* Past 10 so that the matched-variance table reaches QSGD's coarse levels:
 * its variance grows like sqrt(d)/s, randomized SD's measured one only like
 * omega^0.55 (the class bound d h^2 is loose there). */
static const double omegas[] = {0.05, 0.1, 0.25, 0.5, 1, 2, 4, 10, 30, 100, 300, 1000, 3000};
static const double alphas[] = {0.15, 0.3, 0.5, 0.7, 0.85};
static const double qsgd_levels[] = {1, 2, 4, 8, 16, 32, 64, 128};
static const double nd_levels[] = {2, 3, 4, 6, 8, 12};
static const double fractions[] = {0.01, 0.05, 0.1, 0.25, 0.5};
#define N(a) (int)(sizeof a / sizeof a[0])

static const sweep_t sweeps[] = {
    {"sd", "sd", "nu", nus, N(nus), gcompPackAuto, 0, 0},
    {"sd(fixed)", "sd", "nu", nus, N(nus), gcompPackFixed, 0, 0},
    {"sd-unbiased", "sd-unbiased", "omega", omegas, N(omegas), gcompPackAuto, 0, 1},
    {"spherical", "spherical", "alpha", alphas, N(alphas), gcompPackAuto, 0, 1},
    {"qsgd", "qsgd", "levels", qsgd_levels, N(qsgd_levels), gcompPackAuto, 0, 1},
    {"natural-dithering", "natural-dithering", "levels", nd_levels, N(nd_levels),
     gcompPackAuto, 0, 1},
    {"natural", "natural", NULL, NULL, 0, gcompPackAuto, 0, 1},
    {"topk", "topk", "k", fractions, N(fractions), gcompPackAuto, 1, 0},
    {"randk", "randk", "k", fractions, N(fractions), gcompPackAuto, 1, 1},
    {"sign", "sign", NULL, NULL, 0, gcompPackAuto, 0, 0},
    {"terngrad", "terngrad", NULL, NULL, 0, gcompPackAuto, 0, 1},
    {"fp16", "fp16", NULL, NULL, 0, gcompPackAuto, 0, 0},
    {"bf16", "bf16", NULL, NULL, 0, gcompPackAuto, 0, 0},
};
#define NUM_SWEEPS N(sweeps)

static const double levels[] = {0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9};

typedef struct {
  int sweep;
  double value;
  char backend[16]; /* the packing auto chose; "mixed" if seeds differ */
  int unbiased, seeds;
  double bits; /* body bits per coordinate, mean over seeds */
  double dist; /* mean |C(x)-x|^2/|x|^2: alpha_hat, or omega_hat if unbiased */
  double a;    /* alpha_eff */
  int has_lb;
  double lb_avg, lb_unc; /* per coordinate, at a */
} point_t;

typedef struct {
  const char *family;
  uint64_t d;
  int n;
  point_t pts[MAX_POINTS]; /* sorted by a once measured */
  char note[256];
} group_t;

typedef struct {
  int quick, seeds, ndims;
  uint64_t dims[MAX_DIMS], plot_d;
  const char *csv, *plot, *plot_family, *data;
} options_t;

static const char *packing_name(gcompPacking_t p) {
  static const char *const names[] = {"auto", "fixed", "entropy", "structured", "direct"};
  return (unsigned)p < gcompNumPackings ? names[p] : "?";
}

static int parse_u64(const char *opt, const char *text, uint64_t hi, uint64_t *out) {
  char *end = NULL;
  unsigned long long v = text[0] >= '0' && text[0] <= '9' ? strtoull(text, &end, 10) : 0;
  if (!end || *end || v < 1 || v > hi)
    return cli_usage_error("bench-bits: %s takes integers in 1..%" PRIu64 ", got '%s'", opt,
                           hi, text);
  *out = v;
  return 0;
}

static int parse_dims(const char *text, options_t *o) {
  char buf[256];
  if (strlen(text) >= sizeof buf) return cli_usage_error("bench-bits: --dims list too long");
  snprintf(buf, sizeof buf, "%s", text);
  o->ndims = 0;
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    if (o->ndims == MAX_DIMS)
      return cli_usage_error("bench-bits: --dims takes at most %d values", MAX_DIMS);
    if (parse_u64("--dims", tok, MAX_DIM, &o->dims[o->ndims++])) return 2;
  }
  return o->ndims ? 0 : cli_usage_error("bench-bits: --dims needs at least one value");
}

static int is_family(const char *name) {
  for (int f = 0; f < CLI_NUM_FAMILIES; f++)
    if (!strcmp(name, cli_family_name((cli_family_t)f))) return 1;
  return !strcmp(name, "heart");
}

/* 0, CLI_EXIT_USAGE on a usage error, -1 after --help. */
static int parse_options(int argc, char **argv, options_t *o) {
  static const uint64_t defaults[] = {10, 14, 100, 10000, 1000000}, quick[] = {10, 100, 10000};
  uint64_t seeds = 0;
  int have_dims = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--frontier")) continue;
    if (!strcmp(a, "--quick")) {
      o->quick = 1;
      continue;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      puts(USAGE);
      return -1;
    }
    static const char *const valued[] = {"--dims", "--seeds", "--csv", "--plot",
                                         "--plot-family", "--plot-d", "--data"};
    int known = 0;
    for (int k = 0; k < N(valued); k++) known |= !strcmp(a, valued[k]);
    if (!known) return cli_bad_argument("bench-bits --frontier", a);
    if (i + 1 >= argc) return cli_usage_error("bench-bits: %s needs a value", a);
    const char *v = argv[++i];
    if (!strcmp(a, "--dims")) {
      if (parse_dims(v, o)) return 2;
      have_dims = 1;
    } else if (!strcmp(a, "--seeds")) {
      if (parse_u64(a, v, MAX_SEEDS, &seeds)) return 2;
    } else if (!strcmp(a, "--plot-d")) {
      if (parse_u64(a, v, MAX_DIM, &o->plot_d)) return 2;
    } else if (!strcmp(a, "--csv")) {
      o->csv = v;
    } else if (!strcmp(a, "--plot")) {
      o->plot = v;
    } else if (!strcmp(a, "--plot-family")) {
      if (!is_family(v))
        return cli_usage_error("bench-bits: unknown --plot-family '%s' (gaussian, heavy, "
                               "sparse, spike, heart)", v);
      o->plot_family = v;
    } else {
      o->data = v;
    }
  }
  if (!have_dims) {
    const uint64_t *src = o->quick ? quick : defaults;
    o->ndims = o->quick ? N(quick) : N(defaults);
    memcpy(o->dims, src, (size_t)o->ndims * sizeof *src);
  }
  o->seeds = (int)seeds;
  if (!o->plot_family) o->plot_family = "gaussian";
  if (strcmp(o->plot_family, "heart")) {
    if (!o->plot_d) o->plot_d = 10000;
    int found = 0;
    for (int k = 0; k < o->ndims; k++) found |= o->dims[k] == o->plot_d;
    if (o->plot && !found)
      return cli_usage_error("bench-bits: --plot-d %" PRIu64
                             " is not among the measured d (--dims)", o->plot_d);
  }
  return 0;
}

/* Below d = 1000 an unbiased codec's error is mostly zero outputs and a
 * rare large one (sd-unbiased at d = 10, omega = 100: C(x) = 0 two times in
 * three), so a few seeds miss the variance entirely; there seeds are cheap. */
static int seeds_for(const options_t *o, uint64_t d) {
  if (o->seeds) return o->seeds;
  if (d < 1000) return o->quick ? 20 : 100;
  return o->quick || d >= 1000000 ? 2 : 5;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int lib_failed(const char *what, const sweep_t *s, double v, uint64_t d, gcompResult_t r) {
  if (r == gcompSuccess) return 0;
  char where[160], set[48] = "";
  if (s->param) snprintf(set, sizeof set, " %s=%g", s->param, v);
  snprintf(where, sizeof where, "bench-bits: %s%s at d = %" PRIu64 ": %s", s->label, set, d,
           what);
  return cli_lib_error(where, r);
}

#define SKIPPED (-1)

/* 0, 1 on failure, SKIPPED for a spherical encode too slow to run
 * (*log2_draws says how slow). */
static int make_codec(const sweep_t *s, double v, uint64_t d, gcompCodec_t *codec,
                      double *log2_draws) {
  gcompCodecConfig_t cfg;
  char text[32];
  snprintf(text, sizeof text, "%.17g", v);
  gcompResult_t r = gcompCodecConfigInit(&cfg, s->method);
  if (r == gcompSuccess && s->param) r = gcompCodecConfigSetParam(&cfg, s->param, text);
  cfg.packing = s->packing;
  if (r == gcompSuccess) r = gcompCodecCreate(codec, &cfg);
  if (r == gcompSuccess) r = gcompCodecGetConfig(*codec, &cfg);
  if (r == gcompSuccess && cfg.method == gcompSpherical) {
    double log2p = 0.0;
    uint64_t m = (uint64_t)cfg.block < d ? (uint64_t)cfg.block : d;
    r = gcompSphericalCapLog2(cfg.alpha, m, &log2p);
    *log2_draws = log2((double)d) - log2p;
    if (r == gcompSuccess && *log2_draws > SPHERICAL_MAX_LOG2_DRAWS) return SKIPPED;
  }
  return lib_failed("codec", s, v, d, r);
}

/* Encodes and decodes x with `seeds` seeds; fills p but its bounds. */
static int run_seeds(gcompCodec_t codec, const float *x, uint64_t d, double xx, int seeds,
                     point_t *p) {
  gcompClass_t cls = gcompClassBiased;
  size_t bound = 0;
  uint8_t *payload = NULL;
  float *y = malloc(d * sizeof *y);
  gcompResult_t r = gcompCodecGetClass(codec, &cls);
  if (r == gcompSuccess) r = gcompEncodeBound(codec, d, &bound);
  if (r == gcompSuccess && (!y || !(payload = malloc(bound)))) r = gcompOutOfMemory;
  p->unbiased = cls == gcompClassUnbiased;
  p->seeds = seeds;
  for (int k = 0; k < seeds && r == gcompSuccess; k++) {
    size_t size = 0;
    gcompPayloadInfo_t info;
    r = gcompEncode(codec, x, d, (uint64_t)k, payload, bound, &size);
    if (r == gcompSuccess) r = gcompPayloadGetInfo(payload, size, &info);
    if (r == gcompSuccess) r = gcompDecode(payload, size, y, d, 0.0f);
    if (r != gcompSuccess) break;
    double e2 = 0.0;
    for (uint64_t i = 0; i < d; i++) e2 += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
    p->dist += e2 / xx / seeds;
    p->bits += (double)info.bodyBits / (double)d / seeds;
    const char *used = packing_name(info.packing);
    if (k == 0) snprintf(p->backend, sizeof p->backend, "%s", used);
    else if (strcmp(p->backend, used)) snprintf(p->backend, sizeof p->backend, "mixed");
  }
  free(payload);
  free(y);
  return r;
}

/* One point: 0, 1 on failure, or SKIPPED. */
static int measure(const sweep_t *s, double v, const float *x, uint64_t d, double xx,
                   int seeds, point_t *p, double *log2_draws) {
  gcompCodec_t codec = NULL;
  memset(p, 0, sizeof *p);
  p->value = v;
  int rc = make_codec(s, v, d, &codec, log2_draws);
  if (!rc)
    rc = lib_failed("measure", s, v, d, run_seeds(codec, x, d, xx, s->seeded ? seeds : 1, p));
  if (codec) gcompCodecFree(codec);
  if (rc) return rc;
  /* C/(1+omega) is in B(omega/(1+omega)): one axis for every codec */
  p->a = p->unbiased ? p->dist / (1.0 + p->dist) : p->dist;
  if (p->a > 0.0 && p->a < 1.0) {
    double avg = 0.0, unc = 0.0;
    gcompResult_t r = gcompAverageCaseBound(p->a, d, &avg);
    if (r == gcompSuccess) r = gcompUncertaintyBound(p->a, d, &unc);
    if (lib_failed("bounds", s, v, d, r)) return 1;
    p->has_lb = 1;
    p->lb_avg = avg / (double)d;
    p->lb_unc = unc / (double)d;
  }
  return 0;
}

static int by_distortion(const void *l, const void *r) {
  const point_t *a = l, *b = r;
  if (a->a != b->a) return a->a < b->a ? -1 : 1;
  return (a->bits > b->bits) - (a->bits < b->bits);
}

static int run_group(const float *x, int seeds, group_t *g) {
  double xx = 0.0;
  for (uint64_t i = 0; i < g->d; i++) xx += (double)x[i] * x[i];
  size_t note_len = 0;
  for (int s = 0; s < NUM_SWEEPS; s++) {
    const sweep_t *sw = &sweeps[s];
    double last = 0.0;
    for (int j = 0; j < (sw->param ? sw->nvalues : 1); j++) {
      double v = sw->param ? sw->values[j] : 0.0;
      if (sw->per_d) {
        /* the epsilon keeps f d = 5.000000000000001 at k = 5 */
        v = fmax(1.0, fmin((double)g->d, ceil(v * (double)g->d - 1e-9)));
        if (v == last) continue; /* small d: several fractions give the same k */
        last = v;
      }
      if (g->n == MAX_POINTS) return cli_error("bench-bits: more than %d points", MAX_POINTS);
      double log2_draws = 0.0;
      int rc = measure(sw, v, x, g->d, xx, seeds, &g->pts[g->n], &log2_draws);
      if (rc == SKIPPED) {
        note_len += (size_t)snprintf(g->note + note_len, sizeof g->note - note_len,
                                     "%s%s=%g (2^%.0f draws)", note_len ? ", " : "",
                                     sw->param, v, log2_draws);
        if (note_len >= sizeof g->note) note_len = sizeof g->note - 1;
        continue;
      }
      if (rc) return rc;
      g->pts[g->n++].sweep = s;
    }
  }
  qsort(g->pts, (size_t)g->n, sizeof g->pts[0], by_distortion);
  return 0;
}

static void setting(const point_t *p, char *buf, size_t size) {
  const sweep_t *s = &sweeps[p->sweep];
  if (s->param) snprintf(buf, size, "%s=%g", s->param, p->value);
  else snprintf(buf, size, "-");
}

static void print_group(const group_t *g) {
  printf("== %s, d = %" PRIu64 ": %d points ==\n", g->family, g->d, g->n);
  printf("%-18s %-13s %-10s %5s %10s %-5s %10s %10s %8s %8s\n", "codec", "setting",
         "backend", "seeds", "bits/coord", "meas", "value", "alpha_eff", "avg LB", "unc LB");
  for (int i = 0; i < g->n; i++) {
    const point_t *p = &g->pts[i];
    char set[32];
    setting(p, set, sizeof set);
    printf("%-18s %-13s %-10s %5d %10.4f %-5s %10.4g %10.4g ", sweeps[p->sweep].label, set,
           p->backend, p->seeds, p->bits, p->unbiased ? "omega" : "alpha", p->dist, p->a);
    if (p->has_lb) printf("%8.4f %8.4f\n", p->lb_avg, p->lb_unc);
    else printf("%8s %8s\n", "-", "-");
  }
  if (g->note[0])
    printf("note: spherical skipped at d = %" PRIu64 " for %s: one encode would draw more "
           "than 2^%.0f Gaussian coordinates (seconds each)\n",
           g->d, g->note, SPHERICAL_MAX_LOG2_DRAWS);
}

/* Fewest bits with which sweep s reaches distortion <= a, its curve taken
 * as linear in (log a, bits) between measured points; -1 if every point is
 * above a. *lo, *hi: the points it rests on. */
static double bits_at(const group_t *g, int s, double a, int *lo, int *hi) {
  double best = -1.0;
  int prev = -1;
  for (int i = 0; i < g->n; i++) {
    const point_t *p = &g->pts[i];
    if (p->sweep != s) continue;
    if (p->a <= a) {
      if (best < 0 || p->bits < best) best = p->bits, *lo = *hi = i;
    } else if (prev >= 0 && g->pts[prev].a <= a && g->pts[prev].a > 0.0) {
      const point_t *q = &g->pts[prev];
      double b = q->bits + (p->bits - q->bits) * log(a / q->a) / log(p->a / q->a);
      if (b < best) best = b, *lo = prev, *hi = i;
    }
    prev = i;
  }
  return best;
}

static void print_best(const group_t *g) {
  printf("\nbest codec per distortion level: %s d=%" PRIu64 "\n", g->family, g->d);
  printf("%6s %-18s %-22s %10s %8s %8s %8s\n", "a", "codec", "setting", "bits/coord", "avg LB",
         "unc LB", "bits/LB");
  for (int l = 0; l < N(levels); l++) {
    double a = levels[l], best = -1.0, avg = 0.0, unc = 0.0;
    int who = -1, lo = 0, hi = 0;
    for (int s = 0; s < NUM_SWEEPS; s++) {
      int l2 = 0, h2 = 0;
      double b = bits_at(g, s, a, &l2, &h2);
      if (b >= 0 && (best < 0 || b < best)) best = b, who = s, lo = l2, hi = h2;
    }
    gcompAverageCaseBound(a, g->d, &avg);
    gcompUncertaintyBound(a, g->d, &unc);
    avg /= (double)g->d;
    unc /= (double)g->d;
    if (who < 0) {
      printf("%6g %-18s %-22s %10s %8.4f %8.4f %8s\n", a, "(none)", "-", "-", avg, unc, "-");
      continue;
    }
    char set[48];
    setting(&g->pts[lo], set, sizeof set);
    if (hi != lo && sweeps[who].param)
      snprintf(set + strlen(set), sizeof set - strlen(set), "..%g", g->pts[hi].value);
    printf("%6g %-18s %-22s %10.4f %8.4f %8.4f %8.2f\n", a, sweeps[who].label, set, best, avg,
           unc, best / avg);
  }
}

static int sweep_index(const char *label) {
  for (int s = 0; s < NUM_SWEEPS; s++)
    if (!strcmp(sweeps[s].label, label)) return s;
  return -1;
}

/* QSGD against randomized SD at equal measured variance: sd-unbiased's
 * bits interpolated in (log omega_hat, bits) at each QSGD point's
 * omega_hat, no extrapolation. QSGD is also measured with its own Elias
 * code (packing=structured), the code the paper compared against. */
static int print_sd_vs_qsgd(const group_t *g, const float *x, int seeds) {
  static const sweep_t elias = {"qsgd", "qsgd", "levels", NULL, 0, gcompPackStructured, 0, 1};
  int q = sweep_index("qsgd"), u = sweep_index("sd-unbiased");
  double xx = 0.0;
  for (uint64_t i = 0; i < g->d; i++) xx += (double)x[i] * x[i];
  printf("\nSD vs QSGD at matched variance: %s d=%" PRIu64 "\n", g->family, g->d);
  printf("%6s %10s %10s %12s %7s %12s %7s\n", "levels", "omega_hat", "qsgd bits", "sd-unb bits",
         "ratio", "qsgd Elias", "ratio");
  for (int i = 0; i < g->n; i++) {
    const point_t *p = &g->pts[i];
    if (p->sweep != q) continue;
    double b = -1.0, unused = 0.0;
    int prev = -1;
    for (int j = 0; j < g->n && b < 0; j++) {
      const point_t *r = &g->pts[j];
      if (r->sweep != u) continue;
      if (r->dist == p->dist) b = r->bits;
      else if (prev >= 0 && g->pts[prev].dist < p->dist && r->dist > p->dist) {
        const point_t *l = &g->pts[prev];
        b = l->bits + (r->bits - l->bits) * log(p->dist / l->dist) / log(r->dist / l->dist);
      }
      prev = j;
    }
    point_t e;
    if (measure(&elias, p->value, x, g->d, xx, seeds, &e, &unused)) return 1;
    printf("%6g %10.4g %10.4f ", p->value, p->dist, p->bits);
    if (b < 0) printf("%12s %7s ", "out of range", "-");
    else printf("%12.4f %7.3f ", b, b / p->bits);
    if (b < 0) printf("%12.4f %7s\n", e.bits, "-");
    else printf("%12.4f %7.3f\n", e.bits, b / e.bits);
  }
  printf("ratio: sd-unbiased bits / qsgd bits (auto packing, then QSGD's Elias code)\n");
  return 0;
}

static void write_csv(FILE *f, const group_t *g) {
  for (int i = 0; i < g->n; i++) {
    const point_t *p = &g->pts[i];
    const sweep_t *s = &sweeps[p->sweep];
    fprintf(f, "%s,%" PRIu64 ",%s,%s,", g->family, g->d, s->method, s->param ? s->param : "");
    if (s->param) fprintf(f, "%.10g", p->value);
    fprintf(f, ",%s,%s,%.10g,", packing_name(s->packing), p->backend, p->bits);
    if (p->unbiased) fprintf(f, ",%.10g,", p->dist);
    else fprintf(f, "%.10g,,", p->dist);
    fprintf(f, "%.10g,", p->a);
    if (p->has_lb) fprintf(f, "%.10g,%.10g", p->lb_avg, p->lb_unc);
    else fputc(',', f);
    fprintf(f, ",%d\n", p->seeds);
  }
}

/* gnuplot's single-quoted string: '' stands for ' and nothing else is special. */
static void put_quoted(FILE *f, const char *s) {
  fputc('\'', f);
  for (; *s; s++) fputs(*s == '\'' ? "''" : (char[2]){*s, 0}, f);
  fputc('\'', f);
}

/* The axes: x from the decade below the finest swept point (fp16 and bf16
 * sit near 1e-8 and would squeeze every curve against a = 1), y over the
 * bits those points need. */
typedef struct {
  double xmin, ymin, ymax;
} frame_t;

static frame_t frame_of(const group_t *g) {
  double amin = 1.0, bmin = 1e9, bmax = 0.0;
  for (int i = 0; i < g->n; i++)
    if (sweeps[g->pts[i].sweep].param && g->pts[i].a > 0.0) amin = fmin(amin, g->pts[i].a);
  frame_t fr = {pow(10.0, floor(log10(amin))), 0.0, 0.0};
  for (int i = 0; i < g->n; i++) {
    const point_t *p = &g->pts[i];
    if (p->a < fr.xmin || !(p->bits > 0.0)) continue;
    bmin = fmin(bmin, p->bits);
    bmax = fmax(bmax, p->bits);
  }
  fr.ymin = bmax > 0.0 ? pow(10.0, floor(log10(bmin))) : 0.01;
  fr.ymax = bmax > 0.0 ? 2.0 * bmax : 32.0;
  return fr;
}

static void draw(FILE *gp, const group_t *g, const frame_t *fr, const char *data,
                 const char *png, int seeds) {
  static const char *const colors[NUM_SWEEPS] = {
      "#1f77b4", "#6baed6", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
      "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000080", "#808000"};
  fputs("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
        "{ set terminal pngcairo size 1400,850 font ',11' } "
        "else { set terminal png size 1400,850 }\nset output ", gp);
  put_quoted(gp, png);
  fprintf(gp, "\nset title 'Bits per coordinate against distortion: %s, d = %" PRIu64
              " (mean over %d seeds; 1 where the payload ignores the seed)'\n",
          g->family, g->d, seeds);
  fprintf(gp, "set xlabel 'distortion a = E|C(x)-x|^2/|x|^2 (unbiased codecs: "
              "omega/(1+omega) with omega = the same mean)'\n"
              "set ylabel 'payload body bits per coordinate'\n"
              "set logscale xy\nset xrange [%g:1]\nset yrange [%g:%g]\n"
              "set format x '%%g'\nset xtics add ('0.3' 0.3, '0.5' 0.5, '0.7' 0.7)\n"
              "set grid xtics ytics mxtics mytics lc rgb '#dddddd'\n"
              "set key inside bottom left box opaque spacing 1.1\nplot ",
          fr->xmin, fr->ymin, fr->ymax);
  int block = 0;
  for (int s = 0; s < NUM_SWEEPS; s++) {
    const point_t *last = NULL;
    for (int i = 0; i < g->n; i++)
      if (g->pts[i].sweep == s && g->pts[i].a > 0.0) last = &g->pts[i];
    if (!last) continue;
    put_quoted(gp, data);
    fprintf(gp, " index %d using 1:2 with linespoints lw 1.5 pt %d ps 1.3 lc rgb '%s' "
                "title '%s", block++, 1 + s % 13, colors[s], sweeps[s].label);
    if (last->a < fr->xmin) fprintf(gp, " (%.0f bits at a = %.1e, off scale)", last->bits, last->a);
    fputs("', ", gp);
  }
  put_quoted(gp, data);
  fprintf(gp, " index %d using 1:2 with lines lw 3 dt 2 lc rgb 'black' "
              "title 'lower bound -log_2 P(a,d)/d'\n", block);
}

typedef struct {
  const group_t *g;
  const frame_t *fr;
  const char *png;
  int seeds;
} draw_job_t;

static void draw_script(FILE *gp, const char *data_path, const void *ctx) {
  const draw_job_t *j = ctx;
  draw(gp, j->g, j->fr, data_path, j->png, j->seeds);
}

static int plot(const group_t *g, const char *png, int seeds) {
  if (!cli_have_gnuplot())
    return cli_error("bench-bits: --plot needs gnuplot: install gnuplot-nox "
                     "(apt-get install gnuplot-nox, or run scripts/frontier.sh)");
  char data[4096], err[512];
  FILE *f = cli_plot_data_file("gcomp_frontier", data, sizeof data);
  if (!f) return cli_error("bench-bits: cannot create a temporary file for gnuplot's data");
  frame_t fr = frame_of(g);
  /* one gnuplot data block per curve (index n), then the bound */
  for (int s = 0; s < NUM_SWEEPS; s++) {
    int any = 0;
    for (int i = 0; i < g->n; i++) {
      const point_t *p = &g->pts[i];
      if (p->sweep != s || !(p->a > 0.0)) continue;
      fprintf(f, "%.10g %.10g\n", p->a, p->bits);
      any = 1;
    }
    if (any) fputs("\n\n", f);
  }
  for (int i = 0; i <= 400; i++) {
    double a = exp(log(fr.xmin) + (log(0.999) - log(fr.xmin)) * i / 400.0), lb = 0.0;
    if (gcompAverageCaseBound(a, g->d, &lb) == gcompSuccess)
      fprintf(f, "%.10g %.10g\n", a, lb / (double)g->d);
  }
  draw_job_t job = {g, &fr, png, seeds};
  if (cli_plot_run(f, data, png, draw_script, &job, err, sizeof err))
    return cli_error("bench-bits: %s", err);
  return 0;
}

int gcomp_cmd_frontier(int argc, char **argv) {
  options_t o;
  memset(&o, 0, sizeof o);
  int rc = parse_options(argc, argv, &o);
  if (rc) return rc < 0 ? 0 : rc;

  float *heart_x = NULL;
  uint64_t heart_d = 0;
  const char *heart = o.data ? o.data : cli_heart_path();
  char err[512];
  if (heart && cli_heart_gradient(heart, &heart_x, &heart_d, err, sizeof err)) {
    if (o.data) return cli_error("bench-bits: %s", err);
    cli_error("bench-bits: %s; skipping the heart family", err);
  } else if (!heart) {
    cli_error("bench-bits: heart_scale not found (install liblinear-tools or pass --data "
              "FILE); skipping the heart family");
  }
  if (!strcmp(o.plot_family, "heart") && o.plot && !heart_x)
    return cli_error("bench-bits: --plot-family heart needs heart_scale");

  FILE *csv = o.csv ? fopen(o.csv, "w") : NULL;
  if (o.csv && !csv) {
    free(heart_x);
    return cli_error("bench-bits: cannot write %s", o.csv);
  }
  if (csv)
    fputs("family,d,codec,param,value,packing,backend,bits_per_coord,alpha_hat,omega_hat,"
          "alpha_eff,lb_avg,lb_unc,seeds\n", csv);

  group_t *g = malloc(sizeof *g), *shown = calloc(1, sizeof *shown);
  int ngroups = CLI_NUM_FAMILIES * o.ndims + (heart_x != NULL), done = 0, plot_seeds = 0;
  double t0 = now_s();
  if (!g || !shown) rc = cli_error("bench-bits: out of memory");
  for (int f = 0; f <= CLI_NUM_FAMILIES && !rc; f++) {
    int is_heart = f == CLI_NUM_FAMILIES;
    if (is_heart && !heart_x) break;
    for (int k = 0; k < (is_heart ? 1 : o.ndims) && !rc; k++) {
      double t1 = now_s();
      memset(g, 0, sizeof *g);
      g->family = is_heart ? "heart" : cli_family_name((cli_family_t)f);
      g->d = is_heart ? heart_d : o.dims[k];
      float *x = is_heart ? heart_x : malloc(g->d * sizeof *x);
      if (!x) {
        rc = cli_error("bench-bits: out of memory for d = %" PRIu64, g->d);
        break;
      }
      /* one fixed vector per family, as plain bench-bits: seeds vary the codec */
      if (!is_heart) cli_family_fill((cli_family_t)f, g->d, 2020, x);
      int seeds = seeds_for(&o, g->d);
      rc = run_group(x, seeds, g);
      if (!rc) {
        print_group(g);
        print_best(g);
        if (!strcmp(g->family, "gaussian") && g->d == 10000) rc = print_sd_vs_qsgd(g, x, seeds);
      }
      if (!is_heart) free(x);
      if (rc) break;
      putchar('\n');
      fflush(stdout);
      if (csv) write_csv(csv, g);
      if (!strcmp(g->family, o.plot_family) && (is_heart || g->d == o.plot_d))
        *shown = *g, plot_seeds = seeds;
      fprintf(stderr, "bench-bits: frontier [%d/%d] %s d=%" PRIu64 ": %d points, %.1f s "
              "(total %.0f s)\n", ++done, ngroups, g->family, g->d, g->n, now_s() - t1,
              now_s() - t0);
    }
  }
  if (csv && fclose(csv) && !rc) rc = cli_error("bench-bits: cannot write %s", o.csv);
  if (fflush(stdout) && !rc) rc = cli_error("bench-bits: cannot write the output");
  if (!rc && o.plot) rc = plot(shown, o.plot, plot_seeds);
  free(shown);
  free(g);
  free(heart_x);
  return rc;
}
