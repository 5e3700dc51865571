/* The training algorithms of `gcomp train` (plain GD, DCGD, EF21, DIANA)
 * through gcomp's collectives: N workers as threads of one process on an
 * in-process communicator, or one worker per MPI rank. */
#ifndef GCOMP_CLI_TRAIN_ALGOS_H
#define GCOMP_CLI_TRAIN_ALGOS_H

#include "gcomp.h"
#include "problems.h"

#include <stddef.h>
#include <stdint.h>

/* The `gcomp train` command itself (train.c), for main.c's dispatch. */
int gcomp_cmd_train(int argc, char **argv);

typedef enum {
  TRAIN_GD = 0,   /* exact gradients: identity, or no codec at all */
  TRAIN_DCGD = 1, /* unbiased codecs: x -= gamma mean_i C(grad_i) */
  TRAIN_EF21 = 2, /* biased codecs: x -= gamma mean_i g_i, g_i += C(grad_i - g_i) */
  TRAIN_DIANA = 3 /* unbiased codecs, shifted: c_i = C(grad_i - h_i),
                     x -= gamma (H + sum_i c_i) / N, h_i += a c_i, H += a sum_i c_i */
} train_algo_t;

typedef struct {
  gcompCodec_t codec; /* NULL: raw float32, not through gcomp at all */
  train_algo_t algo;
  double gamma;
  float shift_rate; /* DIANA's a = 1 / (1 + omega) */
} train_method_t;

/* One point per iteration t = 0..n-1 (t = 0: x^0, nothing sent yet). Bytes
 * are cumulative and per worker (the mean over workers of what each sent):
 * whole payloads with their headers, and their bodies alone. */
typedef struct {
  uint64_t n, cap;
  double *bytes, *body, *err;
  int reached; /* err[n-1] <= target */
} train_curve_t;

typedef struct train_engine train_engine_t;

/* MPI, when this build has it: MPI_Init and the world's rank and size.
 * Returns 0, or 1 with a message in err. */
int train_mpi_start(int *rank, int *size, char *err, size_t errsize);
void train_mpi_stop(void);
int train_have_mpi(void);

/* use_mpi: this process is worker `rank` of p->N MPI ranks. seed: the
 * communicator's base seed, from which every payload seed derives. */
int train_engine_open(train_engine_t **e, const problem_t *p, int use_mpi, uint64_t seed,
                      char *err, size_t errsize);
void train_engine_close(train_engine_t *e);

/* Runs from x^0 = 0 until the relative error |x - x*|^2 / |x^0 - x*|^2 is
 * <= target or max_iters steps are done. Collective under MPI. Returns 0,
 * or 1 with a message in err (on every rank). */
int train_run(train_engine_t *e, const train_method_t *m, double target, uint64_t max_iters,
              train_curve_t *curve, char *err, size_t errsize);

void train_curve_free(train_curve_t *c);

#endif
