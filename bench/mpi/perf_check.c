/* allreduce_perf -c: a compressed allreduce is not the exact sum, so the
 * check is against what gcomp defines it to be. Payload seeds are derived
 * from the communicator's seed and the call's number (COLLECTIVES.md,
 * "Seeds"), so a fresh communicator over any transport, given the same
 * inputs, must produce the same bits: the in-process one on rank 0 is the
 * reference, and every differing float is a wrong one, as in nccl-tests. */
#define _POSIX_C_SOURCE 200809L
#include "perf_check.h"

#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcomp_mpi.h"

void perf_fill(float *x, size_t n, int rank, int rep) {
  uint64_t s = 0x9E3779B97F4A7C15ull * (uint64_t)(rank + 1) +
               0xD1B54A32D192ED03ull * (uint64_t)rep; /* rep 0: the timed data */
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    x[i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
  }
}

typedef struct {
  gcompLocalGroup_t group;
  int rank, rep;
  const gcompCommConfig_t *cfg;
  gcompCodec_t codec;
  gcompRedOp_t op;
  size_t n;
  float *send, *recv;
  gcompResult_t r;
} ref_rank_t;

static void *ref_rank(void *arg) {
  ref_rank_t *a = arg;
  gcompComm_t comm;
  perf_fill(a->send, a->n, a->rank, a->rep);
  a->r = gcompCommCreateLocal(&comm, a->group, a->rank, a->cfg);
  if (a->r != gcompSuccess) return NULL;
  a->r = gcompAllReduce(a->send, a->recv, a->n, a->codec, a->op, comm, NULL);
  gcompCommFree(comm);
  return NULL;
}

/* Rank 0's result of P in-process ranks into ref; 0 or a message. */
static const char *reference(gcompCodec_t codec, gcompRedOp_t op, const gcompCommConfig_t *cfg,
                             size_t n, int rep, int nranks, float *ref) {
  ref_rank_t *ranks = calloc((size_t)nranks, sizeof *ranks);
  pthread_t *threads = calloc((size_t)nranks, sizeof *threads);
  float *bufs = malloc(2 * (size_t)nranks * n * sizeof *bufs);
  gcompLocalGroup_t group = NULL;
  const char *why = NULL;
  if (!ranks || !threads || !bufs) why = "out of memory for the reference";
  else if (gcompLocalGroupCreate(&group, nranks) != gcompSuccess) why = gcompGetLastErrorDetail();
  int started = 0;
  for (; !why && started < nranks; started++) {
    ref_rank_t *a = &ranks[started];
    *a = (ref_rank_t){group, started, rep, cfg, codec, op, n, bufs + 2 * (size_t)started * n,
                      bufs + (2 * (size_t)started + 1) * n, gcompSuccess};
    if (pthread_create(&threads[started], NULL, ref_rank, a)) {
      /* the ranks started wait for this one forever: nothing to do but stop */
      fprintf(stderr, "allreduce_perf: cannot start a reference thread\n");
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  for (int j = 0; j < started; j++) pthread_join(threads[j], NULL);
  for (int j = 0; !why && j < nranks; j++)
    if (ranks[j].r != gcompSuccess) why = gcompGetErrorString(ranks[j].r);
  if (!why) memcpy(ref, ranks[0].recv, n * sizeof *ref);
  if (group) gcompLocalGroupFree(group);
  free(bufs);
  free(threads);
  free(ranks);
  return why;
}

long long perf_check(gcompCodec_t codec, gcompRedOp_t op, const gcompCommConfig_t *cfg,
                     size_t n, int rep, float *x, float *y) {
  int rank, nranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  perf_fill(x, n, rank, rep);
  gcompComm_t comm;
  gcompResult_t r = gcompCommCreateMpi(&comm, MPI_COMM_WORLD, cfg);
  if (r == gcompSuccess) {
    r = gcompAllReduce(x, y, n, codec, op, comm, NULL);
    gcompCommFree(comm);
  }
  /* x is free now: the reference lands there */
  const char *why = r != gcompSuccess ? gcompGetLastErrorDetail() : NULL;
  if (rank == 0 && !why) why = reference(codec, op, cfg, n, rep, nranks, x);
  int failed = why != NULL;
  if (rank == 0 && why) fprintf(stderr, "allreduce_perf: check: %s\n", why);
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (failed) return -1;
  MPI_Bcast(x, (int)n, MPI_FLOAT, 0, MPI_COMM_WORLD);
  long long wrong = 0;
  for (size_t i = 0; i < n; i++) wrong += memcmp(&x[i], &y[i], sizeof *x) != 0;
  MPI_Allreduce(MPI_IN_PLACE, &wrong, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  return wrong;
}
