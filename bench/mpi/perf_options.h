/* allreduce_perf's command line: nccl-tests' flags with their meanings
 * (NVIDIA/nccl-tests, src/common.cu), plus gcomp's own long options. */
#ifndef GCOMP_BENCH_PERF_OPTIONS_H
#define GCOMP_BENCH_PERF_OPTIONS_H

#include <stddef.h>

#include "gcomp.h"

#define PERF_MAX_PARAMS 32

/* nccl-tests' -a: how one time is made of every rank's. */
typedef enum { PERF_RANK0 = 0, PERF_AVG = 1, PERF_MIN = 2, PERF_MAX = 3 } perf_average_t;

typedef struct {
  size_t min_bytes, max_bytes, step_bytes; /* -b -e -i */
  long step_factor;                        /* -f; 1: add step_bytes instead */
  int iters, warmup, check, cycles;        /* -n -w -c -N (0: forever) */
  int blocking;                            /* -z 0..3 */
  perf_average_t average;                  /* -a */
  int cputime, timestamps, memory;         /* -C -S -M */
  int unalign;                             /* -u, in floats */
  int timeout;                             /* -T, seconds; 0: none */
  gcompRedOp_t op;                         /* -o sum | avg */
  const char *codec;                       /* --codec */
  char *params[PERF_MAX_PARAMS];           /* --param NAME=VALUE */
  int nparams;
  gcompAlgo_t algo;                        /* --algo */
  double link_gbps;                        /* --link-gbps; 0: no model */
} perf_options_t;

/* 0: run; -1: --help was printed (exit 0); 2: a usage error, one line on
 * stderr when `speak` (rank 0 only, so P ranks do not say it P times). */
int perf_parse(int argc, char **argv, perf_options_t *o, int speak);

#endif
