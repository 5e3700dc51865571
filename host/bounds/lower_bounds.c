/* Information-theoretic lower bounds of PAPER.md section 2.
 *
 * Everything hinges on the spherical cap fraction P(alpha, d) =
 * 1/2 I_alpha((d-1)/2, 1/2). For d up to 2^40 P underflows any floating
 * type (it is about alpha^(d/2)), so it is computed as a natural log from
 * start to finish and only converted to bits at the end. */
/* lgamma_r: lgamma itself writes the global signgam, a data race when
 * threads create or run spherical codecs at once. glibc declares it only with
 * _DEFAULT_SOURCE under -std=c11. */
#define _DEFAULT_SOURCE
#include "shared/check.h"

#include <math.h>
#include <stdint.h>

#define LN2 0.69314718055994530942
#define LOG_SQRT_PI 0.57236494292470008707 /* log Gamma(1/2) */
#define SQRT_PI 1.77245385090551602730
#define EXP_MINUS_1 0.36787944117144232160

/* lgamma(a + 1/2) - lgamma(a) cancels (both are ~a log a, so at d = 2^40 the
 * difference keeps only ~4 digits); from this a on the asymptotic series
 * below is exact to double precision (truncation ~1e-3 a^-7) and replaces
 * it. The large-a expansion of I_x(a, 1/2) takes over at the same point,
 * where its terms already fall fast. */
#define LARGE_A 100.0

/* Iteration cap for the continued fractions. Where they are used (see
 * log_ibeta_half) they stop after under a hundred terms; the cap only turns
 * a logic error into an error code instead of a hang. */
#define CF_MAX_ITER 10000L
#define CF_EPS 2.3e-16
#define CF_TINY 1e-300

/* Terms kept in the large-a expansion; it needs about 20. */
#define EXP_TERMS 40

/* log(Gamma(a + 1/2) / Gamma(a)). The large-a series follows from the
 * difference of the two Stirling series; its a^-2 and a^-4 terms cancel. */
static double log_gamma_ratio_half(double a) {
  if (a < LARGE_A) {
    int sign; /* Gamma > 0 here: a > 0 */
    return lgamma_r(a + 0.5, &sign) - lgamma_r(a, &sign);
  }
  double r = 1.0 / a, r2 = r * r;
  return 0.5 * log(a) - r * (1.0 / 8 - r2 * (1.0 / 192 - r2 * (1.0 / 640)));
}

/* The continued fraction 1 + d1/(1 + d2/(1 + ...)) of I_x(p, q) (DLMF 8.17.22)
 * by the modified Lentz method, so that I_x(p, q) = prefactor / result.
 * Returns a negative value if it fails to converge. */
static double beta_cf(double x, double p, double q) {
  double f = 1.0, c = 1.0, dd = 0.0;
  for (long j = 1; j <= CF_MAX_ITER; j++) {
    double m = (double)(j / 2);
    double coef;
    if (j % 2) /* j = 2m + 1 */
      coef = -(p + m) * (p + q + m) * x / ((p + 2 * m) * (p + 2 * m + 1));
    else
      coef = m * (q - m) * x / ((p + 2 * m - 1) * (p + 2 * m));
    dd = 1.0 + coef * dd;
    if (fabs(dd) < CF_TINY)
      dd = CF_TINY;
    c = 1.0 + coef / c;
    if (fabs(c) < CF_TINY)
      c = CF_TINY;
    dd = 1.0 / dd;
    double delta = c * dd;
    f *= delta;
    if (fabs(delta - 1.0) < CF_EPS)
      return f;
  }
  return -1.0;
}

/* sqrt(pi) e^(t^2) erfc(t), t >= 0, finite for any t. Past t = 2 the
 * Laplace continued fraction t + (1/2)/(t + (2/2)/(t + (3/2)/(t + ...)))
 * converges quickly and needs no exp(t^2). */
static double scaled_erfc(double t) {
  if (t < 2.0)
    return SQRT_PI * exp(t * t) * erfc(t);
  double f = t, c = t, dd = 0.0;
  for (long j = 1; j <= CF_MAX_ITER; j++) {
    double num = 0.5 * (double)j;
    dd = 1.0 / (t + num * dd);
    c = t + num / c;
    double delta = c * dd;
    f *= delta;
    if (fabs(delta - 1.0) < CF_EPS)
      break;
  }
  return 1.0 / f; /* converges for every t > 0; 60 terms at t = 2 */
}

/* log I_x(a, 1/2) for large a and x >= 1/e. There the continued fraction
 * is ill-conditioned: its odd terms tend to -x, and 1 + d_odd cancels to
 * lose about log10(1/(1-x)) digits, up to log10(a) at its split point (12
 * digits at d = 2^40). Substituting t = e^-u in the integral of I_x,
 *   I_x(a, 1/2) B(a, 1/2) = int_{u0}^inf e^(-a u) u^(-1/2) g(u) du,
 *   u0 = -log x,   g(u) = (u / (1 - e^-u))^(1/2) = sum_k g_k u^k,
 * and integrating the series term by term gives incomplete gammas:
 *   = e^(-a u0) sum_k g_k F_k,   F_k = e^(a u0) Gamma(k + 1/2, a u0) / a^(k + 1/2).
 * g has radius of convergence 2 pi, so term k shrinks roughly like
 * ((u0 + k/a) / (2 pi))^k: under 0.25^k for u0 <= 1, a >= LARGE_A. (For
 * fixed a the series is only asymptotic, but that shows only at k ~ a.)
 * All terms are positive in the recurrence
 *   F_{k+1} = ((k + 1/2) F_k + u0^(k + 1/2)) / a,
 * so it is stable upward. */
static double log_ibeta_half_large_a(double x, double a, double log_beta) {
  /* g = h^(-1/2), h(u) = (1 - e^-u)/u = sum_k (-1)^k u^k / (k+1)!, from
   * g' h = -1/2 h' g compared term by term. */
  double h[EXP_TERMS], g[EXP_TERMS];
  h[0] = 1.0;
  g[0] = 1.0;
  for (int n = 1; n < EXP_TERMS; n++) {
    h[n] = -h[n - 1] / (n + 1);
    double s = 0.0;
    for (int k = 1; k <= n; k++)
      s += (-0.5 * k - (n - k)) * h[k] * g[n - k];
    g[n] = s / n;
  }

  double u0 = -log(x), z = a * u0;
  double fk = scaled_erfc(sqrt(z)) / sqrt(a);
  double u_pow = sqrt(u0); /* u0^(k + 1/2) */
  double sum = fk;
  for (int k = 0; k + 1 < EXP_TERMS; k++) {
    fk = ((k + 0.5) * fk + u_pow) / a;
    u_pow *= u0;
    double term = g[k + 1] * fk;
    sum += term;
    if (fabs(term) < 1e-17 * sum)
      break;
  }
  return -z - log_beta + log(sum);
}

/* log(1 - e^v) for v < 0 without losing the small end of either side. */
static double log1mexp(double v) {
  return v > -LN2 ? log(-expm1(v)) : log1p(-exp(v));
}

/* Natural log of I_x(a, 1/2) for 0 < x < 1, a > 0. */
static gcompResult_t log_ibeta_half(double x, double a, double *out) {
  const double b = 0.5;
  /* log B(a, 1/2) = log Gamma(1/2) - log(Gamma(a + 1/2) / Gamma(a)). */
  double log_beta = LOG_SQRT_PI - log_gamma_ratio_half(a);

  if (a >= LARGE_A && x >= EXP_MINUS_1) {
    *out = log_ibeta_half_large_a(x, a, log_beta);
    return gcompSuccess;
  }

  /* The fraction for I_x(a, b) converges fast for x < (a+1)/(a+b+2); past
   * that point the one for I_{1-x}(b, a) does, and I = 1 - that. There
   * 1 - x < 1.5/(a + 2.5), so the complement stays above about 0.08 and
   * the subtraction costs at most a digit. Just left of the split the
   * first fraction loses about log10(a) digits (see above), harmless for
   * a < LARGE_A. */
  double log_x = log(x), log_1mx = log1p(-x);
  if (x * (a + b + 2.0) < a + 1.0) {
    double g = beta_cf(x, a, b);
    if (g <= 0.0)
      return gcomp_fail(gcompInternalError,
                        "incomplete beta continued fraction did not converge "
                        "(x = %.17g, a = %.17g)", x, a);
    *out = a * log_x + b * log_1mx - log(a) - log_beta - log(g);
  } else {
    double g = beta_cf(1.0 - x, b, a);
    if (g <= 0.0)
      return gcomp_fail(gcompInternalError,
                        "incomplete beta continued fraction did not converge "
                        "(x = %.17g, a = %.17g)", x, a);
    double log_comp = b * log_1mx + a * log_x - log(b) - log_beta - log(g);
    *out = log1mexp(log_comp);
  }
  return gcompSuccess;
}

static gcompResult_t check_args(double alpha, uint64_t d, const double *out) {
  if (!out)
    return gcomp_fail(gcompInvalidArgument, "output pointer is NULL");
  if (!(alpha > 0.0 && alpha < 1.0)) /* also rejects NaN */
    return gcomp_fail(gcompParameterOutOfRange,
                      "alpha must lie in (0, 1), got %g", alpha);
  if (d == 0)
    return gcomp_fail(gcompInvalidArgument, "dimension d must be >= 1");
  if (d > GCOMP_MAX_DIM)
    return gcomp_fail(gcompSizeOverflow,
                      "dimension d = %llu exceeds GCOMP_MAX_DIM = 2^40",
                      (unsigned long long)d);
  return gcompSuccess;
}

/* Arguments already checked. */
static gcompResult_t cap_log2(double alpha, uint64_t d, double *log2P) {
  if (d == 1) { /* I_x(0, b) = 1: the half-line on u's side. */
    *log2P = -1.0;
    return gcompSuccess;
  }
  double ln_i = 0.0;
  GCOMP_TRY(log_ibeta_half(alpha, 0.5 * (double)(d - 1), &ln_i));
  *log2P = ln_i / LN2 - 1.0;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompSphericalCapLog2(double alpha, uint64_t d,
                                              double *log2P) {
  gcomp_clear_error();
  GCOMP_TRY(check_args(alpha, d, log2P));
  return cap_log2(alpha, d, log2P);
}

GCOMP_API gcompResult_t gcompUncertaintyBound(double alpha, uint64_t d,
                                              double *bits) {
  gcomp_clear_error();
  GCOMP_TRY(check_args(alpha, d, bits));
  *bits = -0.5 * (double)d * (log(alpha) / LN2);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompAverageCaseBound(double alpha, uint64_t d,
                                              double *bits) {
  gcomp_clear_error();
  GCOMP_TRY(check_args(alpha, d, bits));
  double lp;
  GCOMP_TRY(cap_log2(alpha, d, &lp));
  *bits = -lp;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompWorstCaseBound(double alpha, uint64_t d,
                                            double *bits) {
  gcomp_clear_error();
  GCOMP_TRY(check_args(alpha, d, bits));
  double lp;
  GCOMP_TRY(cap_log2(alpha, d, &lp));
  *bits = -lp + log((double)d) / LN2;
  return gcompSuccess;
}
