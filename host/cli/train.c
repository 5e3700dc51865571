/* gcomp train: the paper's experiment (PAPER.md section 7). Distributed
 * gradient descent on ridge or logistic regression, each worker's gradient
 * compressed every step; for every codec the bytes each worker sends until
 * |x^t - x*|^2 / |x^0 - x*|^2 reaches the target.
 *
 * Step sizes are the theory's, never tuned (a tuned step would measure the
 * tuning, not the codec):
 *   GD   (identity, none): gamma = 1 / L
 *   DCGD (unbiased, U(omega), one worker or algo=dcgd): gamma = 1 / (L (1 + omega / N))
 *   DIANA (unbiased, several workers or algo=diana): gamma = 1 / (L (1 + 6 omega / N)), shift
 *        rate a = 1 / (1 + omega) (Horvath et al. 2019, strongly convex case)
 *   EF21 (biased, distortion alpha): gamma = 1 / (L + L~ sqrt(beta / theta)),
 *        theta = 1 - sqrt(alpha), beta = alpha / (1 - sqrt(alpha)),
 *        L~ = sqrt(mean_i L_i^2): the EF21 paper's theta = 1 - sqrt(1 - a),
 *        beta = (1 - a) / (1 - sqrt(1 - a)) with its contraction a = 1 - alpha. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "plot.h"
#include "problems.h"
#include "train_algos.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USAGE \
  "usage: gcomp train --problem ridge|logistic [--data FILE] [--codecs LIST]\n"     \
  "         [--workers N] [--target T] [--max-iters N] [--csv FILE]\n"              \
  "         [--plot FILE.png] [--lambda L] [--seed S] [--mpi]\n"                    \
  "Distributed gradient descent, each worker's gradient compressed every step,\n"   \
  "with the theory's step sizes: bytes a worker sends to reach the target.\n"       \
  "  --problem P      ridge or logistic (required)\n"                               \
  "  --data FILE      LibSVM, or dense CSV (label,x1,...,xd a row; optional\n"      \
  "                   header) when its name ends in .csv, or synthetic:M,D,KAPPA\n" \
  "                   (default heart_scale, a bias column appended)\n"              \
  "  --codecs LIST    comma-separated NAME[:PARAM=VALUE]... (default identity,\n"   \
  "                   sd,sd-unbiased:algo=dcgd,sd-unbiased,spherical,topk);\n"      \
  "                   'topk' without k sweeps k and keeps the best; 'none'\n"       \
  "                   sends raw floats; an unbiased codec trains with DIANA's\n"    \
  "                   shifts when there are several workers, else with DCGD\n"     \
  "                   (algo=dcgd or algo=diana chooses)\n"                          \
  "  --workers N      workers, 1..4096 (default 4; under mpirun one a rank)\n"      \
  "  --target T       relative error |x - x*|^2 / |x0 - x*|^2 to reach, in\n"       \
  "                   (0, 1] (default 1e-4)\n"                                      \
  "  --max-iters N    at most N iterations, 1..10^7 (default 100000)\n"             \
  "  --lambda L       L2 regularization, 0..1e6 (default 1/m; synthetic\n"          \
  "                   ridge: 0)\n"                                                  \
  "  --seed S         seed of the codecs' randomness (default 0)\n"                 \
  "  --csv FILE       every curve as CSV (default: none)\n"                         \
  "  --plot FILE.png  the curves, drawn by gnuplot (default: no plot)\n"            \
  "  --mpi            one worker per MPI rank (default: on under mpirun)\n"         \
  "  -h, --help       this text\n"                                                  \
  "exit status: 0 done; 1 failed (one line on stderr); 2 usage error"

#define MAX_RUNS 64
#define DEFAULT_CODECS "identity,sd,sd-unbiased:algo=dcgd,sd-unbiased,spherical,topk"

/* algo=: the training algorithm of an unbiased codec. Auto: DIANA with
 * several workers (DCGD stalls at a noise floor of (omega/N) mean_i
 * |grad f_i(x*)|^2 there: docs/EXPERIMENTS.md), DCGD with one. */
enum { ALGO_AUTO, ALGO_DCGD, ALGO_DIANA };

typedef struct {
  char label[96];
  train_method_t method;
  double param;  /* omega (DCGD) or alpha (EF21) */
  int sweep;     /* 1: one k of the Top-k sweep */
  int k;
  train_curve_t curve;
  double seconds; /* wall clock of the run, to the target or max-iters */
} run_t;

typedef struct {
  problem_kind_t kind;
  int have_kind, workers, use_mpi;
  const char *data, *codecs, *csv, *plot;
  double target, lambda;
  uint64_t max_iters, seed;
} options_t;

static const char *const algo_names[] = {"GD", "DCGD", "EF21", "DIANA"};

static int usage_error(const char *fmt, const char *arg) {
  char msg[256];
  snprintf(msg, sizeof msg, fmt, arg);
  cli_error("train: %s (gcomp train --help)", msg);
  return 2;
}

static int parse_number(const char *opt, const char *text, double lo, double hi, double *out) {
  char *end = NULL;
  double v = strtod(text, &end);
  if (end == text || *end || !(v >= lo && v <= hi)) {
    cli_error("train: %s must be a number in [%g, %g], got '%s'", opt, lo, hi, text);
    return 2;
  }
  *out = v;
  return 0;
}

/* Silent: the caller words the message, so an error stays one line. */
static int is_integer_in(const char *text, double lo, double hi, double *out) {
  char *end = NULL;
  double v = strtod(text, &end);
  if (end == text || *end || !(v >= lo && v <= hi) || v != floor(v)) return 0;
  *out = v;
  return 1;
}

static int parse_options(int argc, char **argv, options_t *o) {
  *o = (options_t){PROBLEM_RIDGE, 0, 0, 0, NULL, DEFAULT_CODECS, NULL, NULL, 1e-4, -1.0, 100000,
                   0};
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      puts(USAGE);
      return -1;
    }
    if (!strcmp(a, "--mpi")) {
      o->use_mpi = 1;
      continue;
    }
    static const char *const valued[] = {"--problem", "--data",  "--codecs", "--workers",
                                         "--target",  "--max-iters", "--csv", "--plot",
                                         "--lambda",  "--seed"};
    int known = 0;
    for (size_t k = 0; k < sizeof valued / sizeof *valued; k++) known |= !strcmp(a, valued[k]);
    if (!known) return cli_bad_argument("train", a);
    if (i + 1 >= argc) return usage_error("%s needs a value", a);
    const char *v = argv[++i];
    double num;
    if (!strcmp(a, "--problem")) {
      if (!strcmp(v, "ridge")) o->kind = PROBLEM_RIDGE;
      else if (!strcmp(v, "logistic")) o->kind = PROBLEM_LOGISTIC;
      else return usage_error("--problem must be ridge or logistic, got '%s'", v);
      o->have_kind = 1;
    } else if (!strcmp(a, "--data")) {
      o->data = v;
    } else if (!strcmp(a, "--codecs")) {
      o->codecs = v;
    } else if (!strcmp(a, "--csv")) {
      o->csv = v;
    } else if (!strcmp(a, "--plot")) {
      o->plot = v;
    } else if (!strcmp(a, "--workers")) {
      if (!is_integer_in(v, 1, 4096, &num))
        return usage_error("--workers must be an integer in 1..4096, got '%s'", v);
      o->workers = (int)num;
    } else if (!strcmp(a, "--target")) {
      if (parse_number(a, v, 1e-300, 1, &o->target)) return 2;
    } else if (!strcmp(a, "--max-iters")) {
      if (!is_integer_in(v, 1, 1e7, &num))
        return usage_error("--max-iters must be an integer in 1..10^7, got '%s'", v);
      o->max_iters = (uint64_t)num;
    } else if (!strcmp(a, "--lambda")) {
      if (parse_number(a, v, 0, 1e6, &o->lambda)) return 2;
    } else {
      char *end = NULL;
      o->seed = strtoull(v, &end, 0);
      if (*v == '-' || end == v || *end) return usage_error("--seed must be an integer, got '%s'", v);
    }
  }
  if (!o->have_kind) return usage_error("%s", "--problem ridge|logistic is required");
  return 0;
}

/* A label that is itself a valid --codecs item, without commas (CSV). */
static void label_of(gcompCodec_t codec, char *out, size_t size) {
  gcompCodecConfig_t c;
  gcompCodecGetConfig(codec, &c);
  const char *name = gcompMethodName(c.method);
  int n;
  switch (c.method) {
  case gcompSparseDithering: n = snprintf(out, size, "%s:nu=%g", name, c.nu); break;
  case gcompSparseDitheringUnbiased: n = snprintf(out, size, "%s:omega=%g", name, c.omega); break;
  case gcompSpherical:
    n = snprintf(out, size, "%s:alpha=%g:block=%lld", name, c.alpha, (long long)c.block);
    break;
  case gcompQsgd:
  case gcompNaturalDithering:
    n = snprintf(out, size, "%s:levels=%lld", name, (long long)c.levels);
    break;
  case gcompTopK:
  case gcompRandK: n = snprintf(out, size, "%s:k=%lld", name, (long long)c.k); break;
  default: n = snprintf(out, size, "%s", name); break;
  }
  if (c.rotate && n > 0 && (size_t)n < size) snprintf(out + n, size - (size_t)n, ":rotate=1");
}

/* The algorithm that fits the codec's class, and its step size. */
static int choose_method(const problem_t *p, run_t *r, int algo) {
  train_method_t *m = &r->method;
  gcompClass_t cls = gcompClassExact;
  if (m->codec && gcompCodecGetClass(m->codec, &cls) != gcompSuccess)
    return cli_lib_error("codec class", gcompCodecGetClass(m->codec, &cls));
  if (algo != ALGO_AUTO && cls != gcompClassUnbiased)
    return cli_error("train: algo=%s needs an unbiased codec (%s is not)",
                     algo == ALGO_DIANA ? "diana" : "dcgd", r->label) + 1;
  int diana = algo == ALGO_DIANA || (algo == ALGO_AUTO && p->N > 1);
  if (cls == gcompClassExact) {
    m->algo = TRAIN_GD;
    m->gamma = 1.0 / p->L;
  } else if (cls == gcompClassUnbiased) {
    gcompResult_t res = gcompCodecGetOmega(m->codec, p->d, &r->param);
    if (res != gcompSuccess) return cli_lib_error("codec omega", res);
    double w = r->param;
    m->algo = diana ? TRAIN_DIANA : TRAIN_DCGD;
    m->gamma = 1.0 / (p->L * (1.0 + (diana ? 6.0 : 1.0) * w / p->N));
    m->shift_rate = (float)(1.0 / (1.0 + w));
  } else {
    gcompResult_t res = gcompCodecGetAlpha(m->codec, p->d, &r->param);
    if (res != gcompSuccess) return cli_lib_error("codec alpha", res);
    double a = r->param, theta = 1.0 - sqrt(a), beta = a / theta;
    m->algo = TRAIN_EF21;
    m->gamma = 1.0 / (p->L + p->Ltilde * sqrt(beta / theta));
  }
  return 0;
}

static int add_run(run_t *runs, int *n, const problem_t *p, const char *name, char **params,
                   int np, int sweep, int k, int algo) {
  if (*n == MAX_RUNS) return cli_error("train: more than %d runs", MAX_RUNS);
  run_t *r = &runs[*n];
  memset(r, 0, sizeof *r);
  if (!strcmp(name, "none")) {
    if (np) return cli_error("train: codec 'none' takes no parameters") + 1;
    snprintf(r->label, sizeof r->label, "none");
  } else {
    if (cli_make_codec(name, params, np, &r->method.codec)) return 2;
    label_of(r->method.codec, r->label, sizeof r->label);
  }
  if (algo != ALGO_AUTO)
    strncat(r->label, algo == ALGO_DIANA ? ":algo=diana" : ":algo=dcgd",
            sizeof r->label - strlen(r->label) - 1);
  r->sweep = sweep;
  r->k = k;
  (*n)++;
  return choose_method(p, r, algo);
}

static int next_k(int k, int d) {
  int n = k + (k + 1) / 2;
  return k < d - 1 && n > d - 1 ? d - 1 : n;
}

/* Expands --codecs into runs: the paper's parameters unless given. */
static int build_runs(const options_t *o, const problem_t *p, run_t *runs, int *n) {
  char *list = strdup(o->codecs), *save = NULL;
  if (!list) return cli_error("train: out of memory");
  int rc = 0;
  for (char *item = strtok_r(list, ",", &save); item && !rc; item = strtok_r(NULL, ",", &save)) {
    char *params[10], *psave = NULL, *name = strtok_r(item, ":", &psave);
    int np = 0, has_k = 0, has_alpha = 0, algo = ALGO_AUTO;
    for (char *q; np < 8 && (q = strtok_r(NULL, ":", &psave)) != NULL;) {
      if (!strncmp(q, "algo=", 5)) { /* the training algorithm, not a codec parameter */
        const char *a = q + 5;
        algo = !strcmp(a, "diana") ? ALGO_DIANA : !strcmp(a, "dcgd") ? ALGO_DCGD : ALGO_AUTO;
        if (algo == ALGO_AUTO && strcmp(a, "auto"))
          rc = usage_error("algo must be auto, dcgd or diana, got '%s'", a);
        continue;
      }
      has_k |= !strncmp(q, "k=", 2);
      has_alpha |= !strncmp(q, "alpha=", 6);
      params[np++] = q;
    }
    if (rc) break;
    char alpha[32], kbuf[32];
    if (!strcmp(name, "spherical") && !has_alpha) {
      snprintf(alpha, sizeof alpha, "alpha=%s", o->kind == PROBLEM_RIDGE ? "0.15" : "0.2");
      params[np++] = alpha;
    }
    if (!strcmp(name, "topk") && !has_k) {
      /* k grows by about 1.5x, and ends at d - 1: a few points of the k axis */
      for (int k = 1; !rc && (uint64_t)k < p->d; k = next_k(k, (int)p->d)) {
        snprintf(kbuf, sizeof kbuf, "k=%d", k);
        params[np] = kbuf;
        rc = add_run(runs, n, p, name, params, np + 1, 1, k, algo);
      }
    } else {
      rc = add_run(runs, n, p, name, params, np, 0, 0, algo);
    }
  }
  free(list);
  if (!rc && *n == 0) rc = usage_error("%s", "--codecs lists no codec");
  return rc;
}

static double bytes_to_target(const train_curve_t *c, int body) {
  return c->reached ? (body ? c->body : c->bytes)[c->n - 1] : INFINITY;
}

/* The best k of the sweep stays in the table; the others only in the CSV. */
static void mark_best_topk(run_t *runs, int n, int *best) {
  *best = -1;
  for (int i = 0; i < n; i++)
    if (runs[i].sweep &&
        (*best < 0 || bytes_to_target(&runs[i].curve, 0) < bytes_to_target(&runs[*best].curve, 0)))
      *best = i;
}

static int shown(const run_t *runs, int i, int best) { return !runs[i].sweep || i == best; }

static int basic_index(const run_t *runs, int n) {
  for (int i = 0; i < n; i++)
    if (!runs[i].sweep && runs[i].method.codec && runs[i].method.algo == TRAIN_GD) return i;
  for (int i = 0; i < n; i++)
    if (!runs[i].method.codec) return i;
  return -1;
}

static void print_header(const problem_t *p, const options_t *o, int mpi) {
  printf("gcomp train: %s regression on %s: m = %llu, d = %llu%s, N = %d workers (%s)\n",
         p->kind == PROBLEM_RIDGE ? "ridge" : "L2-regularized logistic", p->data,
         (unsigned long long)p->m, (unsigned long long)p->d,
         p->bias ? " (last column: constant 1, the bias)" : "", p->N,
         mpi ? "MPI ranks, gcompAllReduce[EF], allgather" : "in-process");
  printf("lambda = %.6g, L = %.6g, L~ = %.6g (L_i from %.6g to %.6g), mu = %.6g%s, "
         "condition number L/mu = %.6g\n",
         p->lambda, p->L, p->Ltilde, p->Li[0], p->Li[p->N - 1], p->mu,
         p->kind == PROBLEM_LOGISTIC ? " (= lambda)" : "", p->L / p->mu);
  printf("x*: %s, |grad f(x*)| = %.2g; x^0 = 0; target %.3g; at most %llu iterations; seed %llu\n",
         p->kind == PROBLEM_RIDGE ? "Cholesky on the normal equations" : "Newton",
         p->xstar_grad, o->target, (unsigned long long)o->max_iters,
         (unsigned long long)o->seed);
  printf("steps: GD 1/L; DCGD 1/(L (1 + omega/N)); DIANA 1/(L (1 + 6 omega/N)), shifts "
         "learn at 1/(1 + omega); EF21 1/(L + L~ sqrt(beta/theta)), theta = 1 - sqrt(alpha), "
         "beta = alpha/(1 - sqrt(alpha)), alpha = gcomp's distortion\n");
  printf("bytes: per worker, as sent (frames: a few bytes plus the body); BODY: the bodies alone "
         "(the paper's accounting); RATIO: bytes / Basic's bytes; WALL_S: wall clock of the "
         "run (gradients, codec, exchange), rank 0's\n\n");
}

static void fmt_bytes(char *buf, size_t size, double v) {
  if (isfinite(v)) snprintf(buf, size, "%.0f", v);
  else snprintf(buf, size, "-");
}

static void print_table(const run_t *runs, int n, int best, double L) {
  int basic = basic_index(runs, n);
  printf("%-34s %15s %7s %7s %5s %10s %8s %10s %10s %10s %8s\n", "CODEC", "BYTES_TO_TARGET",
         "RATIO", "ITERS", "ALGO", "STEP", "STEP*L", "BODY", "BODY_RATIO", "FINAL_ERR", "WALL_S");
  for (int i = 0; i < n; i++) {
    if (!shown(runs, i, best)) continue;
    const run_t *r = &runs[i];
    double b = bytes_to_target(&r->curve, 0), y = bytes_to_target(&r->curve, 1);
    double b0 = basic >= 0 ? bytes_to_target(&runs[basic].curve, 0) : NAN;
    double y0 = basic >= 0 ? bytes_to_target(&runs[basic].curve, 1) : NAN;
    char bb[32], yb[32], ratio[32], bratio[32];
    fmt_bytes(bb, sizeof bb, b);
    fmt_bytes(yb, sizeof yb, y);
    if (isfinite(b / b0)) snprintf(ratio, sizeof ratio, "%.3f", b / b0);
    else snprintf(ratio, sizeof ratio, "-");
    if (isfinite(y / y0)) snprintf(bratio, sizeof bratio, "%.3f", y / y0);
    else snprintf(bratio, sizeof bratio, "-");
    char label[128];
    snprintf(label, sizeof label, "%s%s", r->label, i == basic ? " (Basic)" : "");
    printf("%-34s %15s %7s %7llu %5s %10.4g %8.4f %10s %10s %10.3g %8.3f\n", label, bb, ratio,
           (unsigned long long)(r->curve.n - 1), algo_names[r->method.algo], r->method.gamma,
           r->method.gamma * L, yb, bratio, r->curve.err[r->curve.n - 1], r->seconds);
  }
}

static int write_csv(const char *path, const run_t *runs, int n) {
  FILE *f = fopen(path, "w");
  if (!f) return cli_error("train: cannot create %s", path);
  fputs("codec,algorithm,iteration,bytes,body_bytes,rel_error\n", f);
  for (int i = 0; i < n; i++)
    for (uint64_t t = 0; t < runs[i].curve.n; t++)
      fprintf(f, "%s,%s,%llu,%.17g,%.17g,%.17g\n", runs[i].label,
              algo_names[runs[i].method.algo], (unsigned long long)t, runs[i].curve.bytes[t],
              runs[i].curve.body[t], runs[i].curve.err[t]);
  if (fclose(f)) {
    remove(path);
    return cli_error("train: cannot write %s", path);
  }
  return 0;
}

static int draw(const options_t *o, const problem_t *p, const run_t *runs, int n, int best,
                int basic) {
  plot_curve_t whole[MAX_RUNS], body[MAX_RUNS];
  char labels[MAX_RUNS][128];
  int nc = 0;
  double xw = 0, xb = 0;
  for (int i = 0; i < n; i++) {
    if (!shown(runs, i, best)) continue;
    const train_curve_t *c = &runs[i].curve;
    snprintf(labels[nc], sizeof labels[nc], "%s%s", runs[i].label, i == basic ? " (Basic)" : "");
    whole[nc] = (plot_curve_t){labels[nc], c->bytes, c->err, c->n};
    body[nc] = (plot_curve_t){labels[nc], c->body, c->err, c->n};
    /* the axis ends a little after the last codec reaching the target */
    if (c->reached) {
      xw = fmax(xw, c->bytes[c->n - 1]);
      xb = fmax(xb, c->body[c->n - 1]);
    }
    nc++;
  }
  /* ... but a DCGD run that reaches it by a lucky excursion from its noise
   * floor must not squash everything else into the left edge */
  if (basic >= 0 && runs[basic].curve.reached) {
    const train_curve_t *c = &runs[basic].curve;
    xw = fmin(xw, 2.5 * c->bytes[c->n - 1]);
    xb = fmin(xb, 2.5 * c->body[c->n - 1]);
  }
  char title[512];
  snprintf(title, sizeof title, "%s regression on %s, N = %d workers, theory step sizes",
           p->kind == PROBLEM_RIDGE ? "Ridge" : "Logistic", p->data, p->N);
  const char *ylabel = "relative error |x^t - x*|^2 / |x^0 - x*|^2";
  plot_panel_t panels[2] = {
      {"as sent (frames), framing included", "bytes sent per worker", ylabel, whole, nc,
       xw > 0 ? 1.1 * xw : 1, o->target / 5, o->target},
      {"payload bodies (the paper's accounting)", "body bytes sent per worker", ylabel, body, nc,
       xb > 0 ? 1.1 * xb : 1, o->target / 5, o->target}};
  char err[512];
  if (cli_plot_panels(o->plot, title, panels, 2, err, (int)sizeof err))
    return cli_error("train: %s", err);
  printf("plot: %s\n", o->plot);
  return 0;
}

static void print_sweep(const run_t *runs, int n, int best) {
  if (best < 0) return;
  printf("\ntopk sweep, bytes to target:");
  for (int i = 0; i < n; i++) {
    if (!runs[i].sweep) continue;
    char b[32];
    fmt_bytes(b, sizeof b, bytes_to_target(&runs[i].curve, 0));
    printf(" k=%d %s;", runs[i].k, b);
  }
  printf(" best k=%d\n", runs[best].k);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs every codec; rank 0 reports. Every rank takes every collective step
 * (the runs stop on the same iteration everywhere: x is bit-identical). */
static int train_all(const options_t *o, problem_t *p, int mpi, int rank) {
  run_t *runs = calloc(MAX_RUNS, sizeof *runs);
  int n = 0, rc = runs ? build_runs(o, p, runs, &n) : cli_error("train: out of memory");
  train_engine_t *eng = NULL;
  char err[512];
  if (!rc && train_engine_open(&eng, p, mpi, o->seed, err, sizeof err))
    rc = cli_error("train: %s", err);
  double t0 = now_s();
  if (!rc && rank == 0) {
    print_header(p, o, mpi);
    fflush(stdout);
  }
  for (int i = 0; !rc && i < n; i++) {
    double start = now_s();
    if (train_run(eng, &runs[i].method, o->target, o->max_iters, &runs[i].curve, err,
                  sizeof err))
      rc = rank == 0 ? cli_error("train: %s: %s", runs[i].label, err) : 1;
    runs[i].seconds = now_s() - start;
  }
  if (!rc && rank == 0) {
    int best;
    mark_best_topk(runs, n, &best);
    print_table(runs, n, best, p->L);
    print_sweep(runs, n, best);
    printf("\ntime: %.2f s\n", now_s() - t0);
    if (o->csv) {
      rc = write_csv(o->csv, runs, n);
      if (!rc) printf("csv: %s\n", o->csv);
    }
    fflush(stdout);
    if (!rc && o->plot) rc = draw(o, p, runs, n, best, basic_index(runs, n));
  }
  train_engine_close(eng);
  for (int i = 0; runs && i < n; i++) {
    gcompCodecFree(runs[i].method.codec);
    train_curve_free(&runs[i].curve);
  }
  free(runs);
  return rc;
}

int gcomp_cmd_train(int argc, char **argv) {
  options_t o;
  int rc = parse_options(argc, argv, &o);
  if (rc) return rc < 0 ? 0 : rc;
  /* started by mpirun: one worker per rank */
  const char *world = getenv("OMPI_COMM_WORLD_SIZE");
  int mpi = o.use_mpi || (world && *world && (train_have_mpi() || atoi(world) > 1));
  int rank = 0, size = 1;
  char err[512];
  if (mpi && train_mpi_start(&rank, &size, err, sizeof err)) return cli_error("train: %s", err);
  if (mpi && o.workers && o.workers != size) {
    rc = rank == 0 ? cli_error("train: --workers %d but %d MPI ranks (one worker a rank)",
                               o.workers, size) + 1
                   : 2;
  }
  problem_t p;
  memset(&p, 0, sizeof p);
  if (!rc && (problem_load(&p, o.kind, o.data, o.lambda, err, sizeof err) ||
              problem_setup(&p, mpi ? size : o.workers ? o.workers : 4, err, sizeof err)))
    rc = rank == 0 ? cli_error("train: %s", err) : 1;
  if (!rc) rc = train_all(&o, &p, mpi, rank);
  problem_free(&p);
  if (mpi) train_mpi_stop();
  return rc;
}
