/* gcomp bench-bits: how many bits each codec spends per coordinate, the
 * distortion it actually delivers, and how far that is above the lower
 * bounds of PAPER.md section 2 at that distortion. Public API only, so the
 * numbers are what a user of the library would see. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "frontier.h"
#include "heart.h"
#include "vectors.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DIM ((uint64_t)1 << 24)
#define MAX_SEEDS 1000
#define HELP \
  "usage: gcomp bench-bits [--csv] [--dim N] [--seeds S] [--quick] [--data FILE]\n" \
  "       gcomp bench-bits --frontier ...   (every codec's parameter swept)\n"      \
  "Bits a coordinate, distortion and distance to the lower bounds of six codec\n"   \
  "settings on gaussian, heavy, sparse and spike vectors and on the heart_scale\n"  \
  "gradient.\n"                                                                     \
  "  --dim N      d of the synthetic vectors, 1..2^24 (default 10000;\n"            \
  "               --quick: 1000)\n"                                                 \
  "  --seeds S    encodes per codec and vector, 1..1000 (default 10; --quick: 3)\n" \
  "  --quick      the smaller defaults above (explicit --dim, --seeds win)\n"       \
  "  --csv        CSV on stdout instead of the table (default: the table)\n"        \
  "  --data FILE  LibSVM file of the heart family (default: $GCOMP_HEART_SCALE,\n"  \
  "               " CLI_HEART_SYSTEM ",\n"                                        \
  "               <repo>/.deps/heart_scale; none: the family is skipped)\n"         \
  "  -h, --help   this text (gcomp bench-bits --frontier --help: the sweep's)\n"    \
  "exit status: 0 done; 1 failed (one line on stderr); 2 usage error"

typedef struct {
  char *name;
  char *params[2];
  int nparams;
} codec_spec_t;

/* Not const: cli_make_codec takes the params as the char ** of argv. */
static codec_spec_t codec_specs[] = {
    {"identity", {NULL, NULL}, 0},
    {"sd", {"nu=0.1", NULL}, 1},
    {"sd", {"nu=0.1", "packing=fixed"}, 2},
    {"sd-unbiased", {"omega=0.25", NULL}, 1},
    {"spherical", {"alpha=0.15", NULL}, 1},
    {"spherical", {"alpha=0.5", NULL}, 1},
};
#define NUM_CODECS (int)(sizeof codec_specs / sizeof codec_specs[0])

typedef struct {
  char family[16];
  uint64_t d;
  char codec[64];
  char packing[16];
  const char *measure; /* "alpha", "omega" or "exact" */
  double bits, bits_hdr; /* per coordinate, mean over seeds */
  double mean, max;      /* |C(x)-x|^2 / |x|^2 over seeds */
  double class_bound;
  int has_bounds; /* 0 for identity, or a measured distortion of 0 */
  double lb_avg, lb_unc, gap;
} row_t;

typedef struct {
  int csv;
  uint64_t d;
  int seeds;
  const char *data;
} options_t;

static const char *packing_name(gcompPacking_t p) {
  static const char *const names[] = {"auto", "fixed", "entropy", "structured", "direct"};
  return (unsigned)p < gcompNumPackings ? names[p] : "?";
}

/* Decimal in [lo, hi]; anything else is a usage error. */
static int parse_count(const char *opt, const char *text, uint64_t lo, uint64_t hi,
                       uint64_t *out) {
  uint64_t v = 0;
  const char *c = text;
  for (; *c >= '0' && *c <= '9'; c++) {
    v = v * 10 + (uint64_t)(*c - '0');
    if (v > hi) break;
  }
  if (c == text || *c || v < lo || v > hi)
    return cli_usage_error("bench-bits: %s must be an integer in %" PRIu64 "..%" PRIu64
                           ", got '%s'", opt, lo, hi, text);
  *out = v;
  return 0;
}

static int parse_options(int argc, char **argv, options_t *o) {
  int quick = 0, have_dim = 0, have_seeds = 0;
  uint64_t dim = 10000, seeds = 10;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--csv")) {
      o->csv = 1;
    } else if (!strcmp(a, "--quick")) {
      quick = 1;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      puts(HELP);
      return -1;
    } else if (!strcmp(a, "--dim") || !strcmp(a, "--seeds") || !strcmp(a, "--data")) {
      if (i + 1 >= argc) return cli_usage_error("bench-bits: %s needs a value", a);
      const char *v = argv[++i];
      if (!strcmp(a, "--data")) {
        o->data = v;
      } else if (!strcmp(a, "--dim")) {
        if (parse_count(a, v, 1, MAX_DIM, &dim)) return 2;
        have_dim = 1;
      } else {
        if (parse_count(a, v, 1, MAX_SEEDS, &seeds)) return 2;
        have_seeds = 1;
      }
    } else {
      return cli_bad_argument("bench-bits", a);
    }
  }
  /* --quick only changes the defaults: explicit values win in any order. */
  o->d = have_dim ? dim : quick ? 1000 : dim;
  o->seeds = (int)(have_seeds ? seeds : quick ? 3 : seeds);
  return 0;
}

static int lib_failed(const char *what, gcompResult_t r) {
  if (r == gcompSuccess) return 0;
  return cli_lib_error(what, r);
}

/* Encodes x with seeds 0..seeds-1 and fills everything but the bounds. */
static int measure(gcompCodec_t codec, const float *x, uint64_t d, int seeds, row_t *row) {
  size_t bound = 0;
  if (lib_failed("encode bound", gcompEncodeBound(codec, d, &bound))) return 1;
  uint8_t *payload = malloc(bound);
  float *y = malloc(d * sizeof *y);
  int rc = 0;
  if (!payload || !y) rc = cli_error("bench-bits: out of memory for d = %" PRIu64, d);
  double xx = 0.0;
  for (uint64_t i = 0; i < d; i++) xx += (double)x[i] * x[i];
  double body = 0.0, total = 0.0;
  row->mean = 0.0;
  row->max = 0.0;
  for (int s = 0; s < seeds && !rc; s++) {
    size_t size = 0;
    gcompPayloadInfo_t info;
    rc = lib_failed("encode", gcompEncode(codec, x, d, (uint64_t)s, payload, bound, &size)) ||
         lib_failed("payload info", gcompPayloadGetInfo(payload, size, &info)) ||
         lib_failed("decode", gcompDecode(payload, size, y, d, 0.0f));
    if (rc) break;
    double e2 = 0.0;
    for (uint64_t i = 0; i < d; i++) {
      double e = (double)y[i] - x[i];
      e2 += e * e;
    }
    double ratio = e2 / xx;
    row->mean += ratio / seeds;
    if (ratio > row->max) row->max = ratio;
    body += (double)info.bodyBits;
    total += 8.0 * (double)info.totalBytes;
    /* auto may pick different back ends for different seeds */
    const char *p = packing_name(info.packing);
    if (s == 0) snprintf(row->packing, sizeof row->packing, "%s", p);
    else if (strcmp(row->packing, p)) snprintf(row->packing, sizeof row->packing, "mixed");
  }
  row->bits = body / seeds / (double)d;
  row->bits_hdr = total / seeds / (double)d;
  free(y);
  free(payload);
  return rc;
}

/* Class bound from the codec; lower bounds at the measured distortion. */
static int add_bounds(gcompCodec_t codec, row_t *row) {
  gcompClass_t cls;
  if (lib_failed("codec class", gcompCodecGetClass(codec, &cls))) return 1;
  double a;
  row->has_bounds = 0;
  if (cls == gcompClassExact) {
    row->measure = "exact";
    return 0;
  }
  if (cls == gcompClassUnbiased) {
    row->measure = "omega";
    if (lib_failed("omega", gcompCodecGetOmega(codec, row->d, &row->class_bound))) return 1;
    a = row->mean / (1.0 + row->mean); /* C/(1+omega) is in B(omega/(1+omega)) */
  } else {
    row->measure = "alpha";
    if (lib_failed("alpha", gcompCodecGetAlpha(codec, row->d, &row->class_bound))) return 1;
    a = row->mean;
  }
  if (!(a > 0.0 && a < 1.0)) return 0; /* exact on this input: no finite bound */
  double avg, unc;
  if (lib_failed("average-case bound", gcompAverageCaseBound(a, row->d, &avg)) ||
      lib_failed("uncertainty bound", gcompUncertaintyBound(a, row->d, &unc)))
    return 1;
  row->has_bounds = 1;
  row->lb_avg = avg / (double)row->d;
  row->lb_unc = unc / (double)row->d;
  row->gap = row->bits - row->lb_avg;
  return 0;
}

static int run_codec(codec_spec_t *spec, const char *family, const float *x, uint64_t d,
                     int seeds, row_t *row) {
  gcompCodec_t codec;
  if (cli_make_codec(spec->name, spec->params, spec->nparams, &codec)) return 1;
  memset(row, 0, sizeof *row);
  snprintf(row->family, sizeof row->family, "%s", family);
  row->d = d;
  int len = snprintf(row->codec, sizeof row->codec, "%s", spec->name);
  for (int i = 0; i < spec->nparams; i++)
    len += snprintf(row->codec + len, sizeof row->codec - (size_t)len, " %s", spec->params[i]);
  gcompCodecConfig_t cfg;
  int rc = lib_failed("codec config", gcompCodecGetConfig(codec, &cfg));
  if (!rc && cfg.method == gcompSpherical) /* the resolved default block */
    snprintf(row->codec + len, sizeof row->codec - (size_t)len, " block=%" PRId64, cfg.block);
  if (!rc) rc = measure(codec, x, d, seeds, row);
  if (!rc) rc = add_bounds(codec, row);
  gcompCodecFree(codec);
  return rc;
}

static void print_csv(const row_t *rows, int n) {
  puts("family,d,codec,packing,bits_per_coord,bits_per_coord_with_header,measure,"
       "distortion_mean,distortion_max,class_bound,avg_case_lb_per_coord,"
       "uncertainty_lb_per_coord,gap");
  for (int i = 0; i < n; i++) {
    const row_t *r = &rows[i];
    printf("%s,%" PRIu64 ",%s,%s,%.10g,%.10g,%s,%.10g,%.10g,", r->family, r->d, r->codec,
           r->packing, r->bits, r->bits_hdr, r->measure, r->mean, r->max);
    if (strcmp(r->measure, "exact")) printf("%.10g", r->class_bound);
    if (r->has_bounds) printf(",%.10g,%.10g,%.10g\n", r->lb_avg, r->lb_unc, r->gap);
    else puts(",,,");
  }
}

#define NCOLS 13

static void print_table(const row_t *rows, int n, int seeds) {
  /* wide enough for any row_t text field (codec names are up to 64) */
  enum { CELL = 72 };
  static const char *const head[NCOLS] = {
      "family", "d", "codec", "packing", "bits/coord", "+header", "measure",
      "mean", "max", "class", "avg LB", "unc LB", "gap"};
  static const int left[NCOLS] = {1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  char(*cell)[NCOLS][CELL] = malloc((size_t)n * sizeof *cell);
  if (!cell) return;
  int width[NCOLS];
  for (int c = 0; c < NCOLS; c++) width[c] = (int)strlen(head[c]);
  for (int i = 0; i < n; i++) {
    const row_t *r = &rows[i];
    int exact = !strcmp(r->measure, "exact");
    snprintf(cell[i][0], CELL, "%s", r->family);
    snprintf(cell[i][1], CELL, "%" PRIu64, r->d);
    snprintf(cell[i][2], CELL, "%s", r->codec);
    snprintf(cell[i][3], CELL, "%s", r->packing);
    snprintf(cell[i][4], CELL, "%.4f", r->bits);
    snprintf(cell[i][5], CELL, "%.4f", r->bits_hdr);
    snprintf(cell[i][6], CELL, "%s", r->measure);
    snprintf(cell[i][7], CELL, "%.4g", r->mean);
    snprintf(cell[i][8], CELL, "%.4g", r->max);
    snprintf(cell[i][9], CELL, exact ? "-" : "%.4g", r->class_bound);
    snprintf(cell[i][10], CELL, r->has_bounds ? "%.4f" : "-", r->lb_avg);
    snprintf(cell[i][11], CELL, r->has_bounds ? "%.4f" : "-", r->lb_unc);
    snprintf(cell[i][12], CELL, r->has_bounds ? "%+.4f" : "-", r->gap);
    for (int c = 0; c < NCOLS; c++)
      if ((int)strlen(cell[i][c]) > width[c]) width[c] = (int)strlen(cell[i][c]);
  }
  for (int i = -1; i < n; i++) {
    if (i > 0 && strcmp(rows[i].family, rows[i - 1].family)) putchar('\n');
    for (int c = 0; c < NCOLS; c++) {
      const char *s = i < 0 ? head[c] : cell[i][c];
      int last = c == NCOLS - 1;
      if (left[c] && !last) printf("%-*s  ", width[c], s);
      else printf("%*s%s", width[c], s, last ? "\n" : "  ");
    }
  }
  printf("\nbits/coord: payload body bits / d, mean over %d seeds; header excluded "
         "(+header: included). mean/max: |C(x)-x|^2/|x|^2 over seeds; class: the codec's "
         "alpha or omega.\n"
         "LB: lower bounds per coordinate at a = measured alpha, or omega/(1+omega): "
         "avg = -log2 P(a,d)/d, unc = log2(1/a)/2; gap = bits/coord - avg LB. They bound "
         "the worst input, so easy inputs (spike, sparse, heavy tails) may go below them.\n",
         seeds);
  free(cell);
}

int gcomp_cmd_bench_bits(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--frontier")) return gcomp_cmd_frontier(argc, argv);
  options_t opt = {0, 0, 0, NULL};
  int rc = parse_options(argc, argv, &opt);
  if (rc) return rc < 0 ? 0 : rc;

  const char *heart = opt.data ? opt.data : cli_heart_path();
  float *heart_x = NULL;
  uint64_t heart_d = 0;
  if (heart) {
    char err[512];
    if (cli_heart_gradient(heart, &heart_x, &heart_d, err, sizeof err)) {
      if (opt.data) return cli_error("bench-bits: %s", err);
      cli_error("bench-bits: %s; skipping the heart family", err);
    }
  } else {
    cli_error("bench-bits: heart_scale not found (GCOMP_HEART_SCALE, " CLI_HEART_SYSTEM
              ", <repo>/.deps/heart_scale); install liblinear-tools or pass --data FILE; "
              "skipping the heart family");
  }

  int nfam = CLI_NUM_FAMILIES + (heart_x != NULL);
  int total = nfam * NUM_CODECS, done = 0;
  row_t *rows = calloc((size_t)total, sizeof *rows);
  float *x = malloc(opt.d * sizeof *x);
  if (!rows || !x) rc = cli_error("bench-bits: out of memory for d = %" PRIu64, opt.d);
  int progress = isatty(STDERR_FILENO);
  for (int f = 0; f < nfam && !rc; f++) {
    const char *name = f < CLI_NUM_FAMILIES ? cli_family_name((cli_family_t)f) : "heart";
    const float *v = heart_x;
    uint64_t d = heart_d;
    if (f < CLI_NUM_FAMILIES) {
      /* one fixed vector per family: the seeds vary the codec, not x */
      cli_family_fill((cli_family_t)f, opt.d, 2020, x);
      v = x;
      d = opt.d;
    }
    for (int c = 0; c < NUM_CODECS && !rc; c++, done++) {
      codec_spec_t *s = &codec_specs[c];
      if (progress)
        fprintf(stderr, "bench-bits: [%d/%d] %s %s%s%s%s%s\n", done + 1, total, name,
                s->name, s->nparams ? " " : "", s->nparams ? s->params[0] : "",
                s->nparams > 1 ? " " : "", s->nparams > 1 ? s->params[1] : "");
      rc = run_codec(s, name, v, d, opt.seeds, &rows[done]);
    }
  }
  if (!rc) {
    if (opt.csv) print_csv(rows, done);
    else print_table(rows, done, opt.seeds);
    if (fflush(stdout) != 0) rc = cli_error("bench-bits: cannot write the output");
  }
  free(x);
  free(rows);
  free(heart_x);
  return rc;
}
