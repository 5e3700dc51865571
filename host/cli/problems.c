/* Ridge and logistic problems for `gcomp train`, in double precision: the
 * constants that set the step sizes, and x*, must be exact enough that a
 * relative error of 1e-6 still means something.
 *
 * Smoothness constants, with H_i = A_i^T A_i / m_i and H = (1/N) sum_i H_i:
 *   ridge:    L_i = lambda_max(H_i) + lambda,      L = lambda_max(H) + lambda,
 *             mu  = lambda_min(H) + lambda (the Hessian is constant);
 *   logistic: L_i = lambda_max(H_i) / 4 + lambda,  L = lambda_max(H) / 4 + lambda
 *             (the sigmoid's derivative is at most 1/4), mu = lambda.
 * With equal shards H = A^T A / m, the brief's formulas. Eigenvalues come
 * from cyclic Jacobi rotations: exact to rounding, and cheap at d <= 512. */
#define _POSIX_C_SOURCE 200809L
#include "problems.h"

#include "heart.h"
#include "libsvm.h"
#include "vectors.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYNTH_D 512
#define MAX_ENTRIES ((uint64_t)1 << 25) /* m * d doubles: 256 MiB */
#define SYNTH_SEED 20201006u           /* fixed: the problem must not move with --seed */

/* ------------------------------------------------------------ dense algebra */

/* All eigenvalues of the symmetric d x d matrix S (destroyed): min and max. */
static void sym_eig_range(double *S, int d, double *lo, double *hi) {
  for (int sweep = 0; sweep < 100; sweep++) {
    double off = 0.0, all = 0.0;
    for (int p = 0; p < d; p++)
      for (int q = 0; q < d; q++) {
        double v = S[p * d + q] * S[p * d + q];
        all += v;
        if (p != q) off += v;
      }
    if (off <= 1e-30 * all) break;
    for (int p = 0; p < d - 1; p++)
      for (int q = p + 1; q < d; q++) {
        double apq = S[p * d + q];
        if (apq == 0.0) continue;
        double theta = (S[q * d + q] - S[p * d + p]) / (2.0 * apq);
        /* the smaller root of t^2 + 2 theta t - 1 = 0: the rotation by at
         * most pi/4, which is what makes the sweeps converge */
        double t = fabs(theta) > 1e150 ? 0.5 / theta
                                       : (theta >= 0 ? 1.0 : -1.0) /
                                             (fabs(theta) + sqrt(theta * theta + 1.0));
        double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
        for (int k = 0; k < d; k++) {
          double kp = S[k * d + p], kq = S[k * d + q];
          S[k * d + p] = c * kp - s * kq;
          S[k * d + q] = s * kp + c * kq;
        }
        for (int k = 0; k < d; k++) {
          double pk = S[p * d + k], qk = S[q * d + k];
          S[p * d + k] = c * pk - s * qk;
          S[q * d + k] = s * pk + c * qk;
        }
      }
  }
  *lo = *hi = S[0];
  for (int k = 1; k < d; k++) {
    *lo = fmin(*lo, S[k * d + k]);
    *hi = fmax(*hi, S[k * d + k]);
  }
}

/* Solves S x = r for symmetric positive definite S (destroyed: its lower
 * triangle becomes the Cholesky factor). Returns 0, or -1 if S is not PD. */
static int cholesky_solve(double *S, int d, const double *r, double *x) {
  for (int j = 0; j < d; j++) {
    double v = S[j * d + j];
    for (int k = 0; k < j; k++) v -= S[j * d + k] * S[j * d + k];
    if (!(v > 0.0)) return -1;
    S[j * d + j] = sqrt(v);
    for (int i = j + 1; i < d; i++) {
      double w = S[i * d + j];
      for (int k = 0; k < j; k++) w -= S[i * d + k] * S[j * d + k];
      S[i * d + j] = w / S[j * d + j];
    }
  }
  for (int i = 0; i < d; i++) {
    double v = r[i];
    for (int k = 0; k < i; k++) v -= S[i * d + k] * x[k];
    x[i] = v / S[i * d + i];
  }
  for (int i = d - 1; i >= 0; i--) {
    double v = x[i];
    for (int k = i + 1; k < d; k++) v -= S[k * d + i] * x[k];
    x[i] = v / S[i * d + i];
  }
  return 0;
}

/* G += w * sum_j c_j a_j a_j^T over rows lo..hi-1 (c NULL: c_j = 1). */
static void add_gram(const problem_t *p, uint64_t lo, uint64_t hi, const double *c, double w,
                     double *G) {
  int d = (int)p->d;
  for (uint64_t j = lo; j < hi; j++) {
    const double *a = p->A + j * p->d;
    double cw = c ? c[j] * w : w;
    for (int r = 0; r < d; r++)
      for (int s = 0; s < d; s++) G[r * d + s] += cw * a[r] * a[s];
  }
}

/* ------------------------------------------------------------------ losses */

static double dot(const double *a, const double *b, uint64_t d) {
  double s = 0.0;
  for (uint64_t k = 0; k < d; k++) s += a[k] * b[k];
  return s;
}

/* log(1 + exp(-z)) without overflow for either sign of z. */
static double softplus_neg(double z) {
  return z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z));
}

void problem_grad(const problem_t *p, int worker, const double *x, double *g) {
  uint64_t lo = p->start[worker], hi = p->start[worker + 1], d = p->d;
  double inv = 1.0 / (double)(hi - lo);
  for (uint64_t k = 0; k < d; k++) g[k] = 0.0;
  for (uint64_t j = lo; j < hi; j++) {
    const double *a = p->A + j * d;
    double z = dot(a, x, d), coef;
    if (p->kind == PROBLEM_RIDGE) {
      coef = z - p->b[j];
    } else {
      /* d/dz log(1 + exp(-y z)) = -y / (1 + exp(y z)); exp -> inf gives 0 */
      coef = -p->b[j] / (1.0 + exp(p->b[j] * z));
    }
    for (uint64_t k = 0; k < d; k++) g[k] += coef * a[k];
  }
  for (uint64_t k = 0; k < d; k++) g[k] = g[k] * inv + p->lambda * x[k];
}

/* grad f = (1/N) sum_i grad f_i, into g; scratch holds d values. */
static void full_grad(const problem_t *p, const double *x, double *g, double *scratch) {
  for (uint64_t k = 0; k < p->d; k++) g[k] = 0.0;
  for (int i = 0; i < p->N; i++) {
    problem_grad(p, i, x, scratch);
    for (uint64_t k = 0; k < p->d; k++) g[k] += scratch[k];
  }
  for (uint64_t k = 0; k < p->d; k++) g[k] /= (double)p->N;
}

static double logistic_value(const problem_t *p, const double *x) {
  double f = 0.0;
  for (int i = 0; i < p->N; i++) {
    double fi = 0.0;
    for (uint64_t j = p->start[i]; j < p->start[i + 1]; j++)
      fi += softplus_neg(p->b[j] * dot(p->A + j * p->d, x, p->d));
    f += fi / (double)(p->start[i + 1] - p->start[i]);
  }
  return f / (double)p->N + 0.5 * p->lambda * dot(x, x, p->d);
}

double problem_dist2(const problem_t *p, const double *x) {
  double s = 0.0;
  for (uint64_t k = 0; k < p->d; k++) s += (x[k] - p->xstar[k]) * (x[k] - p->xstar[k]);
  return s;
}

/* ------------------------------------------------------------------- data */

static int from_libsvm(problem_t *p, const char *path, char *err, size_t errsize) {
  cli_libsvm_t data;
  if (cli_libsvm_read(path, &data, err, errsize)) return 1;
  int rc = 0;
  p->m = data.n;
  p->d = data.d + 1; /* the bias column */
  p->bias = 1;
  if (p->d > MAX_SYNTH_D || p->m * p->d > MAX_ENTRIES) {
    snprintf(err, errsize, "%s: %llu x %llu is too large for the dense solver (d <= %d)", path,
             (unsigned long long)data.n, (unsigned long long)data.d, MAX_SYNTH_D - 1);
    rc = 1;
  }
  if (!rc) {
    p->A = calloc(p->m * p->d, sizeof *p->A);
    p->b = malloc(p->m * sizeof *p->b);
    if (!p->A || !p->b) rc = 1, snprintf(err, errsize, "%s: out of memory", path);
  }
  if (!rc && p->kind == PROBLEM_LOGISTIC) {
    char msg[160];
    if (cli_binary_labels(&data, p->b, msg, sizeof msg))
      rc = 1, snprintf(err, errsize, "%s: %s", path, msg);
  } else if (!rc) {
    memcpy(p->b, data.labels, p->m * sizeof *p->b);
  }
  for (uint64_t i = 0; !rc && i < p->m; i++) {
    for (uint64_t e = data.row_ptr[i]; e < data.row_ptr[i + 1]; e++)
      p->A[i * p->d + data.col[e]] = data.val[e];
    p->A[i * p->d + p->d - 1] = 1.0;
  }
  const char *base = strrchr(path, '/');
  snprintf(p->data, sizeof p->data, "%s", base ? base + 1 : path);
  cli_libsvm_free(&data);
  return rc;
}

/* Columns of the m x d row-major M made orthonormal (Gram-Schmidt, twice:
 * once is not enough in floating point). */
static void orthonormalize(double *M, uint64_t m, uint64_t d) {
  for (uint64_t c = 0; c < d; c++)
    for (int pass = 0; pass < 2; pass++) {
      for (uint64_t q = 0; q < c; q++) {
        double s = 0.0;
        for (uint64_t r = 0; r < m; r++) s += M[r * d + q] * M[r * d + c];
        for (uint64_t r = 0; r < m; r++) M[r * d + c] -= s * M[r * d + q];
      }
      double n = 0.0;
      for (uint64_t r = 0; r < m; r++) n += M[r * d + c] * M[r * d + c];
      n = sqrt(n);
      for (uint64_t r = 0; r < m; r++) M[r * d + c] /= n;
    }
}

/* A = sqrt(m) Q diag(s) V^T with Q, V orthonormal: A^T A / m = V diag(s^2)
 * V^T, s^2 geometric from 1 down to 1/kappa. Ridge targets A x0 + 0.1 noise;
 * logistic labels drawn with P(+1) = sigmoid(a.x0), so the classes overlap
 * and x* exists even without regularization. No bias column. */
static int synthetic(problem_t *p, const char *spec, char *err, size_t errsize) {
  unsigned long long m = 0, d = 0;
  double kappa = 0.0;
  int used = 0;
  if (sscanf(spec, "%llu,%llu,%lf%n", &m, &d, &kappa, &used) != 3 || spec[used] || d < 1 ||
      m < d || d > MAX_SYNTH_D || m > MAX_ENTRIES / d || !(kappa >= 1.0) || !isfinite(kappa)) {
    snprintf(err, errsize, "synthetic:%s: expected synthetic:M,D,KAPPA with 1 <= D <= %d, "
             "D <= M, M*D <= %llu, KAPPA >= 1", spec, MAX_SYNTH_D,
             (unsigned long long)MAX_ENTRIES);
    return 1;
  }
  p->m = m;
  p->d = d;
  p->synthetic = 1;
  snprintf(p->data, sizeof p->data, "synthetic:%s", spec);
  p->A = malloc(m * d * sizeof *p->A);
  p->b = malloc(m * sizeof *p->b);
  double *Q = malloc(m * d * sizeof *Q), *V = malloc(d * d * sizeof *V);
  double *x0 = malloc(d * sizeof *x0);
  int rc = 0;
  if (!p->A || !p->b || !Q || !V || !x0) {
    snprintf(err, errsize, "synthetic: out of memory");
    rc = 1;
  }
  cli_rng_t rng = {SYNTH_SEED};
  for (uint64_t k = 0; !rc && k < m * d; k++) Q[k] = cli_rng_normal(&rng);
  for (uint64_t k = 0; !rc && k < d * d; k++) V[k] = cli_rng_normal(&rng);
  for (uint64_t k = 0; !rc && k < d; k++) x0[k] = 2.0 * cli_rng_normal(&rng) / sqrt((double)d);
  if (!rc) {
    orthonormalize(Q, m, d);
    orthonormalize(V, d, d);
    for (uint64_t r = 0; r < m; r++)
      for (uint64_t c = 0; c < d; c++) {
        double v = 0.0;
        for (uint64_t k = 0; k < d; k++) {
          double s = d > 1 ? pow(kappa, -0.5 * (double)k / (double)(d - 1)) : 1.0;
          v += Q[r * d + k] * s * V[c * d + k];
        }
        p->A[r * d + c] = sqrt((double)m) * v;
      }
    for (uint64_t r = 0; r < m; r++) {
      double z = dot(p->A + r * d, x0, d);
      if (p->kind == PROBLEM_RIDGE)
        p->b[r] = z + 0.1 * cli_rng_normal(&rng);
      else
        p->b[r] = cli_rng_uniform(&rng) < 1.0 / (1.0 + exp(-z)) ? 1.0 : -1.0;
    }
  }
  free(Q);
  free(V);
  free(x0);
  return rc;
}

int problem_load(problem_t *p, problem_kind_t kind, const char *data, double lambda,
                 char *err, size_t errsize) {
  memset(p, 0, sizeof *p);
  p->kind = kind;
  int rc;
  if (data && !strncmp(data, "synthetic:", 10)) {
    rc = synthetic(p, data + 10, err, errsize);
  } else {
    const char *path = data ? data : cli_heart_path();
    if (!path) {
      snprintf(err, errsize, "heart_scale not found: pass --data FILE, set GCOMP_HEART_SCALE, "
               "or install liblinear-tools (scripts/train.sh does)");
      return 1;
    }
    rc = from_libsvm(p, path, err, errsize);
  }
  if (rc) {
    problem_free(p);
    return 1;
  }
  p->lambda = lambda >= 0 ? lambda
              : p->synthetic && kind == PROBLEM_RIDGE ? 0.0
                                                      : 1.0 / (double)p->m;
  return 0;
}

/* ------------------------------------------------------------------ setup */

/* Newton with backtracking from 0 until |grad f| < 1e-13: logistic
 * regression with lambda > 0 is strongly convex, so this always ends. */
static int logistic_newton(problem_t *p, double *H, double *g, double *step, double *scratch,
                           char *err, size_t errsize) {
  int d = (int)p->d;
  double *w = malloc(p->m * sizeof *w), *trial = malloc(p->d * sizeof *trial);
  int rc = 1;
  for (int it = 0; w && trial && it < 200; it++) {
    full_grad(p, p->xstar, g, scratch);
    p->xstar_grad = sqrt(dot(g, g, p->d));
    if (p->xstar_grad < 1e-13) {
      rc = 0;
      break;
    }
    for (uint64_t j = 0; j < p->m; j++) {
      double s = 1.0 / (1.0 + exp(-p->b[j] * dot(p->A + j * p->d, p->xstar, p->d)));
      w[j] = s * (1.0 - s);
    }
    memset(H, 0, p->d * p->d * sizeof *H);
    for (int i = 0; i < p->N; i++)
      add_gram(p, p->start[i], p->start[i + 1], w,
               1.0 / ((double)(p->start[i + 1] - p->start[i]) * p->N), H);
    for (int k = 0; k < d; k++) H[k * d + k] += p->lambda;
    if (cholesky_solve(H, d, g, step)) break;
    double f0 = logistic_value(p, p->xstar), slope = dot(g, step, p->d), t = 1.0;
    for (int ls = 0; ls < 60; ls++, t *= 0.5) {
      for (int k = 0; k < d; k++) trial[k] = p->xstar[k] - t * step[k];
      /* near x* the values agree to rounding: accept the full step there */
      if (logistic_value(p, trial) <= f0 - 1e-4 * t * slope || t * sqrt(dot(step, step, p->d)) < 1e-10)
        break;
    }
    memcpy(p->xstar, trial, p->d * sizeof *trial);
  }
  if (rc)
    snprintf(err, errsize, "logistic x*: Newton stopped at |grad| = %.3g (> 1e-13)",
             p->xstar_grad);
  free(w);
  free(trial);
  return rc;
}

int problem_setup(problem_t *p, int N, char *err, size_t errsize) {
  if (N < 1 || (uint64_t)N > p->m) {
    snprintf(err, errsize, "%d workers for %llu rows: every worker needs a row", N,
             (unsigned long long)p->m);
    return 1;
  }
  if (p->kind == PROBLEM_LOGISTIC && !(p->lambda > 0)) {
    snprintf(err, errsize, "logistic regression needs --lambda > 0 (strong convexity)");
    return 1;
  }
  int d = (int)p->d;
  p->N = N;
  p->start = malloc((size_t)(N + 1) * sizeof *p->start);
  p->Li = malloc((size_t)N * sizeof *p->Li);
  p->xstar = calloc(p->d, sizeof *p->xstar);
  double *H = calloc(p->d * p->d, sizeof *H), *Hi = malloc(p->d * p->d * sizeof *Hi);
  double *g = malloc(p->d * sizeof *g), *step = malloc(p->d * sizeof *step);
  double *scratch = malloc(p->d * sizeof *scratch);
  int rc = 0;
  if (!p->start || !p->Li || !p->xstar || !H || !Hi || !g || !step || !scratch) {
    snprintf(err, errsize, "out of memory");
    rc = 1;
  }
  /* as equal as possible: the first m mod N shards get one row more */
  uint64_t q = p->m / (uint64_t)N, extra = p->m % (uint64_t)N;
  for (uint64_t i = 0; !rc && i <= (uint64_t)N; i++) p->start[i] = q * i + (i < extra ? i : extra);
  double scale = p->kind == PROBLEM_RIDGE ? 1.0 : 0.25, sum_sq = 0.0, lo, hi;
  for (int i = 0; !rc && i < N; i++) {
    memset(Hi, 0, p->d * p->d * sizeof *Hi);
    double mi = (double)(p->start[i + 1] - p->start[i]);
    add_gram(p, p->start[i], p->start[i + 1], NULL, 1.0 / mi, Hi);
    for (int k = 0; k < d * d; k++) H[k] += Hi[k] / N;
    sym_eig_range(Hi, d, &lo, &hi);
    p->Li[i] = scale * hi + p->lambda;
    sum_sq += p->Li[i] * p->Li[i];
  }
  if (!rc) {
    p->Ltilde = sqrt(sum_sq / N);
    memcpy(Hi, H, p->d * p->d * sizeof *H);
    sym_eig_range(Hi, d, &lo, &hi);
    p->L = scale * hi + p->lambda;
    p->mu = p->kind == PROBLEM_RIDGE ? lo + p->lambda : p->lambda;
  }
  if (!rc && p->kind == PROBLEM_RIDGE) {
    /* x* = (H + lambda I)^-1 (1/N) sum_i A_i^T b_i / m_i */
    double *zero = calloc(p->d, sizeof *zero);
    rc = !zero;
    if (zero) full_grad(p, zero, g, scratch); /* = -(that right-hand side) */
    for (int k = 0; !rc && k < d; k++) {
      g[k] = -g[k];
      H[k * d + k] += p->lambda;
    }
    if (!rc && cholesky_solve(H, d, g, p->xstar))
      rc = 1, snprintf(err, errsize, "ridge: A^T A / m + lambda I is singular; use --lambda > 0");
    else if (!rc) {
      full_grad(p, p->xstar, g, scratch);
      p->xstar_grad = sqrt(dot(g, g, p->d));
    }
    free(zero);
  } else if (!rc) {
    rc = logistic_newton(p, H, g, step, scratch, err, errsize);
  }
  free(H);
  free(Hi);
  free(g);
  free(step);
  free(scratch);
  return rc;
}

void problem_free(problem_t *p) {
  free(p->A);
  free(p->b);
  free(p->start);
  free(p->Li);
  free(p->xstar);
  memset(p, 0, sizeof *p);
}
