/* The training problems of `gcomp train`: ridge and L2-regularized logistic
 * regression on a dense copy of a LibSVM data set (or a synthetic one),
 * rows split into N contiguous shards, one per worker.
 *
 * Worker i owns rows S_i (m_i of them) and the local loss
 *   ridge:    f_i(x) = 1/(2 m_i) |A_i x - b_i|^2            + lambda/2 |x|^2
 *   logistic: f_i(x) = 1/m_i sum_j log(1 + exp(-b_j a_j.x)) + lambda/2 |x|^2
 * and the problem is min f(x) = (1/N) sum_i f_i(x): the function distributed
 * gradient methods actually minimize (with equal shards it is the usual
 * loss averaged over all rows). */
#ifndef GCOMP_CLI_PROBLEMS_H
#define GCOMP_CLI_PROBLEMS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { PROBLEM_RIDGE = 0, PROBLEM_LOGISTIC = 1 } problem_kind_t;

typedef struct {
  problem_kind_t kind;
  char data[256];      /* what the rows came from, for the report */
  int bias;            /* 1: a constant-1 column was appended as the last one */
  int synthetic;
  uint64_t m, d;
  double *A;           /* m x d, row-major */
  double *b;           /* ridge targets, or logistic labels in {-1, +1} */
  double lambda;
  int N;               /* workers */
  uint64_t *start;     /* [N + 1]: worker i owns rows start[i] .. start[i+1]-1 */
  double *Li;          /* [N] smoothness constant of f_i */
  double L;            /* smoothness constant of f */
  double Ltilde;       /* sqrt(mean L_i^2), EF21's constant */
  double mu;           /* strong convexity constant of f */
  double *xstar;       /* [d] the minimizer of f */
  double xstar_grad;   /* |grad f(x*)|, how exact x* is */
} problem_t;

/* Reads `data` (NULL: heart_scale, looked up as bench-bits does) or builds
 * "synthetic:m,d,kappa". lambda < 0 picks the default: 1/m, except 0 for
 * synthetic ridge (so kappa is the condition number). Returns 0, or 1 with
 * one line in err (a malformed file: "file:line: ..."). */
int problem_load(problem_t *p, problem_kind_t kind, const char *data, double lambda,
                 char *err, size_t errsize);

/* Splits the rows over N workers and computes L_i, L, L~, mu and x*.
 * Returns 0, or 1 with a message in err. */
int problem_setup(problem_t *p, int N, char *err, size_t errsize);

/* grad f_i(x) into g[0..d). */
void problem_grad(const problem_t *p, int worker, const double *x, double *g);

/* |x - x*|^2. */
double problem_dist2(const problem_t *p, const double *x);

void problem_free(problem_t *p);

#endif
