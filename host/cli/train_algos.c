/* GD, DCGD, EF21 and DIANA over gcomp's compressed collectives.
 *
 * Every worker runs the same step code with a communicator: one worker per
 * MPI rank (--mpi), or N workers as threads of this process on an
 * in-process communicator (gcompCommCreateLocal). Both go through the same
 * library calls, so both give the same curves, bit for bit (a ctest checks
 * it at 4 ranks). Each worker keeps its own copy of x and moves it the same
 * way; worker 0's curve is the run's.
 *
 * - DCGD: x -= gamma mean_i C(grad_i) (gcompAllReduce, gcompMean).
 * - EF21: gcompAllReduceEF: worker i sends C(grad_i - g_i), g_i += c_i,
 *   the result is the mean of the g_i. EF21's g_i start at 0, as
 *   gcompErrorFeedbackCreate leaves them: the first step then sends
 *   C(grad_i(x^0)), and that first message is counted like every other.
 * - DIANA (Mishchenko et al. 2019) keeps a shift h_i per worker and their
 *   sum H on every worker, all from 0: worker i sends c_i = C(grad_i - h_i)
 *   by gcompAllGather (every worker gets every c_j, its own included), sums
 *   them in rank order (the allgather allreduce's order and float
 *   operations), then H += a sum, h_i += a c_i. The shifts learn
 *   grad_i(x*), so the compression noise vanishes at x* and the method
 *   converges linearly where DCGD stalls at a noise floor.
 * - GD: the float gradients themselves, through an identity codec
 *   (exact); d * 4 bytes a worker and step. */
#include "train_algos.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef GCOMP_CLI_HAVE_MPI
#include "gcomp_mpi.h"
#endif

struct train_engine {
  const problem_t *p;
  int mpi, rank;
  uint64_t seed;
};

/* One worker's state: its communicator, its copy of x, its EF21 / DIANA
 * state (g = g_i or h_i, G = the shared sum). */
typedef struct {
  const train_engine_t *e;
  int rank;
  gcompComm_t comm;
  gcompErrorFeedback_t ef;
  gcompCodec_t identity;
  double *x, *grad;
  float *gf, *mean, *g, *G, *diff, *all;
  gcompCommStats_t last; /* the communicator's counts after the last step */
} worker_t;

static int fail(char *err, size_t errsize, const char *what, gcompResult_t r) {
  const char *detail = gcompGetLastErrorDetail();
  snprintf(err, errsize, "%s: %s%s%s", what, gcompGetErrorString(r), *detail ? ": " : "",
           detail);
  return 1;
}

int train_have_mpi(void) {
#ifdef GCOMP_CLI_HAVE_MPI
  return 1;
#else
  return 0;
#endif
}

int train_mpi_start(int *rank, int *size, char *err, size_t errsize) {
#ifdef GCOMP_CLI_HAVE_MPI
  if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
    snprintf(err, errsize, "MPI_Init failed");
    return 1;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  return 0;
#else
  *rank = 0;
  *size = 1;
  snprintf(err, errsize, "this gcomp was built without MPI (install libopenmpi-dev and "
           "rebuild), so it cannot run as MPI ranks");
  return 1;
#endif
}

void train_mpi_stop(void) {
#ifdef GCOMP_CLI_HAVE_MPI
  MPI_Finalize();
#endif
}

int train_engine_open(train_engine_t **out, const problem_t *p, int use_mpi, uint64_t seed,
                      char *err, size_t errsize) {
  *out = NULL;
  train_engine_t *e = calloc(1, sizeof *e);
  if (!e) return snprintf(err, errsize, "out of memory"), 1;
  e->p = p;
  e->mpi = use_mpi;
  e->seed = seed;
#ifdef GCOMP_CLI_HAVE_MPI
  if (use_mpi) MPI_Comm_rank(MPI_COMM_WORLD, &e->rank);
#endif
  *out = e;
  return 0;
}

void train_engine_close(train_engine_t *e) { free(e); }

void train_curve_free(train_curve_t *c) {
  free(c->bytes);
  free(c->body);
  free(c->err);
  memset(c, 0, sizeof *c);
}

static int curve_push(train_curve_t *c, double bytes, double body, double err) {
  if (c->n == c->cap) {
    uint64_t cap = c->cap ? 2 * c->cap : 1024;
    double *b = realloc(c->bytes, cap * sizeof *b);
    if (b) c->bytes = b;
    double *y = b ? realloc(c->body, cap * sizeof *y) : NULL;
    if (y) c->body = y;
    double *r = y ? realloc(c->err, cap * sizeof *r) : NULL;
    if (!r) return 1;
    c->err = r;
    c->cap = cap;
  }
  c->bytes[c->n] = bytes;
  c->body[c->n] = body;
  c->err[c->n] = err;
  c->n++;
  return 0;
}

static void worker_close(worker_t *w) {
  gcompErrorFeedbackFree(w->ef);
  gcompCommFree(w->comm);
  gcompCodecFree(w->identity);
  free(w->x);
  free(w->grad);
  free(w->gf);
  free(w->mean);
  free(w->g);
  free(w->G);
  free(w->diff);
  free(w->all);
  memset(w, 0, sizeof *w);
}

/* The communicator is made first, so a worker that runs out of memory
 * later still answers the others' collectives (with an error). */
static int worker_open(worker_t *w, const train_engine_t *e, int rank, gcompLocalGroup_t group,
                       const train_method_t *m, char *err, size_t errsize) {
  memset(w, 0, sizeof *w);
  w->e = e;
  w->rank = rank;
  const problem_t *p = e->p;
  gcompCommConfig_t cfg = GCOMP_COMM_CONFIG_INITIALIZER;
  cfg.seed = e->seed;
  cfg.algorithm = gcompAlgoAllGather; /* exactly the mean of the compressed vectors */
  gcompResult_t r = gcompNotAvailable;
#ifdef GCOMP_CLI_HAVE_MPI
  if (e->mpi) r = gcompCommCreateMpi(&w->comm, MPI_COMM_WORLD, &cfg);
#endif
  if (!e->mpi) r = gcompCommCreateLocal(&w->comm, group, rank, &cfg);
  if (r != gcompSuccess) return fail(err, errsize, "communicator", r);
  if (m->algo == TRAIN_EF21) r = gcompErrorFeedbackCreate(&w->ef, p->d);
  if (r == gcompSuccess && !m->codec) {
    gcompCodecConfig_t c;
    r = gcompCodecConfigInit(&c, "identity");
    if (r == gcompSuccess) r = gcompCodecCreate(&w->identity, &c);
  }
  if (r != gcompSuccess) return fail(err, errsize, "worker state", r);
  size_t d = (size_t)p->d;
  w->x = calloc(d, sizeof *w->x);
  w->grad = malloc(d * sizeof *w->grad);
  w->gf = malloc(d * sizeof *w->gf);
  w->mean = malloc(d * sizeof *w->mean);
  w->g = calloc(d, sizeof *w->g); /* EF21's g_i, DIANA's h_i: from 0 */
  w->G = calloc(d, sizeof *w->G);
  w->diff = malloc(d * sizeof *w->diff);
  w->all = malloc((size_t)p->N * d * sizeof *w->all);
  if (!w->x || !w->grad || !w->gf || !w->mean || !w->g || !w->G || !w->diff || !w->all)
    return snprintf(err, errsize, "out of memory"), 1;
  return 0;
}

/* mean = the blocks of w->all summed in rank order (the allgather
 * allreduce's decode order and float operations). */
static void sum_blocks(const worker_t *w, float *mean) {
  uint64_t d = w->e->p->d;
  for (uint64_t k = 0; k < d; k++) mean[k] = w->all[k];
  for (int j = 1; j < w->e->p->N; j++)
    for (uint64_t k = 0; k < d; k++) mean[k] = w->all[(size_t)j * d + k] + mean[k];
}

/* DIANA's shared state from the sum s of the c_i, and the step's aggregate
 * (before the mean) into s: s = H + s, H += a s_old; the worker's own
 * shift h_i += a c_i. */
static void diana_update(worker_t *w, const train_method_t *m) {
  uint64_t d = w->e->p->d;
  const float *own = w->all + (size_t)w->rank * d;
  for (uint64_t k = 0; k < d; k++) w->g[k] = w->g[k] + m->shift_rate * own[k];
  for (uint64_t k = 0; k < d; k++) {
    float sum = w->mean[k];
    w->mean[k] = w->G[k] + sum;
    w->G[k] = w->G[k] + m->shift_rate * sum;
  }
}

/* One step of worker w: w->mean = the aggregate; sent[0] = the bytes this
 * worker sent, as they travel; sent[1] = of those, the codecs' bodies. */
static int worker_step(worker_t *w, const train_method_t *m, uint64_t sent[2], char *err,
                       size_t errsize) {
  const problem_t *p = w->e->p;
  uint64_t d = p->d;
  float inv = (float)(1.0 / p->N);
  problem_grad(p, w->rank, w->x, w->grad);
  for (uint64_t k = 0; k < d; k++) w->gf[k] = (float)w->grad[k];
  gcompResult_t r;
  if (!m->codec) {
    r = gcompAllGather(w->gf, w->all, d, w->identity, w->comm, NULL);
    if (r != gcompSuccess) return fail(err, errsize, "allgather", r);
    sum_blocks(w, w->mean);
    for (uint64_t k = 0; k < d; k++) w->mean[k] *= inv;
    sent[0] = sent[1] = d * sizeof(float);
    return 0;
  }
  if (m->algo == TRAIN_DIANA) {
    for (uint64_t k = 0; k < d; k++) w->diff[k] = w->gf[k] - w->g[k];
    r = gcompAllGather(w->diff, w->all, d, m->codec, w->comm, NULL);
    if (r != gcompSuccess) return fail(err, errsize, "allgather", r);
    sum_blocks(w, w->mean);
    diana_update(w, m);
    for (uint64_t k = 0; k < d; k++) w->mean[k] *= inv;
  } else {
    r = w->ef ? gcompAllReduceEF(w->gf, w->mean, d, m->codec, gcompMean, w->ef, w->comm, NULL)
              : gcompAllReduce(w->gf, w->mean, d, m->codec, gcompMean, w->comm, NULL);
    if (r != gcompSuccess) return fail(err, errsize, "allreduce", r);
  }
  gcompCommStats_t st;
  r = gcompCommGetStats(w->comm, &st);
  if (r != gcompSuccess) return fail(err, errsize, "communicator stats", r);
  sent[0] = st.bytesEncoded - w->last.bytesEncoded;
  sent[1] = st.bodyBytesEncoded - w->last.bodyBytesEncoded;
  w->last = st;
  return 0;
}

/* Runs worker w from x^0 = 0; `sent[2t]` and `sent[2t + 1]` collect the
 * bytes it sent at step t (worker_step). Every worker stops at the same step: their x are equal. */
static int worker_run(worker_t *w, const train_method_t *m, double target, uint64_t max_iters,
                      train_curve_t *c, uint64_t **sent_out, char *err, size_t errsize) {
  const problem_t *p = w->e->p;
  uint64_t *sent = NULL, cap = 0;
  int rc = 0;
  double e0 = problem_dist2(p, w->x);
  if (!(e0 > 0)) rc = (snprintf(err, errsize, "x* = x^0 = 0: nothing to train"), 1);
  if (!rc) rc = curve_push(c, 0, 0, 1.0);
  for (uint64_t t = 0; !rc && t < max_iters && c->err[c->n - 1] > target; t++) {
    if (t == cap) {
      cap = cap ? 2 * cap : 1024;
      uint64_t *s = realloc(sent, 2 * cap * sizeof *s);
      if (!s) {
        rc = (snprintf(err, errsize, "out of memory"), 1);
        break;
      }
      sent = s;
    }
    rc = worker_step(w, m, &sent[2 * t], err, errsize);
    if (rc) break;
    for (uint64_t k = 0; k < p->d; k++) w->x[k] -= m->gamma * (double)w->mean[k];
    double rel = problem_dist2(p, w->x) / e0;
    rc = curve_push(c, 0, 0, rel);
    if (!rc && !isfinite(rel)) break; /* diverged: the curve shows it */
  }
  *sent_out = sent;
  return rc;
}

/* ------------------------------------------------ the in-process run */

typedef struct {
  const train_engine_t *e;
  const train_method_t *m;
  gcompLocalGroup_t group;
  int rank;
  double target;
  uint64_t max_iters;
  train_curve_t curve;
  uint64_t *sent;
  int rc;
  char err[256];
} thread_job;

static void *worker_thread(void *arg) {
  thread_job *j = arg;
  worker_t w;
  j->rc = worker_open(&w, j->e, j->rank, j->group, j->m, j->err, sizeof j->err);
  if (!j->rc)
    j->rc = worker_run(&w, j->m, j->target, j->max_iters, &j->curve, &j->sent, j->err,
                       sizeof j->err);
  worker_close(&w);
  return NULL;
}

/* N threads, one a worker: worker 0's curve, everyone's bytes summed. */
static int run_local(const train_engine_t *e, const train_method_t *m, double target,
                     uint64_t max_iters, train_curve_t *c, uint64_t **sent, char *err,
                     size_t errsize) {
  int N = e->p->N;
  gcompLocalGroup_t group = NULL;
  gcompResult_t r = gcompLocalGroupCreate(&group, N);
  if (r != gcompSuccess) return fail(err, errsize, "in-process group", r);
  thread_job *jobs = calloc((size_t)N, sizeof *jobs);
  pthread_t *threads = calloc((size_t)N, sizeof *threads);
  if (!jobs || !threads) {
    free(jobs);
    free(threads);
    gcompLocalGroupFree(group);
    return snprintf(err, errsize, "out of memory"), 1;
  }
  for (int i = 0; i < N; i++) {
    jobs[i] = (thread_job){e, m, group, i, target, max_iters, {0}, NULL, 0, ""};
    if (pthread_create(&threads[i], NULL, worker_thread, &jobs[i])) {
      /* the started workers would wait for this one forever: a process
       * that cannot start N threads cannot run N in-process workers */
      fprintf(stderr, "gcomp: train: could not start worker thread %d of %d\n", i, N);
      exit(1);
    }
  }
  for (int i = 0; i < N; i++) pthread_join(threads[i], NULL);
  int rc = 0;
  for (int i = 0; !rc && i < N; i++)
    if (jobs[i].rc) rc = (snprintf(err, errsize, "%s", jobs[i].err), 1);
  if (!rc) {
    *c = jobs[0].curve;
    memset(&jobs[0].curve, 0, sizeof jobs[0].curve);
    *sent = jobs[0].sent;
    jobs[0].sent = NULL;
    uint64_t steps = c->n ? c->n - 1 : 0;
    for (int i = 1; i < N; i++)
      for (uint64_t t = 0; t < 2 * steps; t++) (*sent)[t] += jobs[i].sent[t];
  }
  for (int i = 0; i < N; i++) {
    train_curve_free(&jobs[i].curve);
    free(jobs[i].sent);
  }
  free(jobs);
  free(threads);
  gcompLocalGroupFree(group);
  return rc;
}

int train_run(train_engine_t *e, const train_method_t *m, double target, uint64_t max_iters,
              train_curve_t *c, char *err, size_t errsize) {
  const problem_t *p = e->p;
  memset(c, 0, sizeof *c);
  uint64_t *sent = NULL;
  int rc;
  if (e->mpi) {
    worker_t w;
    rc = worker_open(&w, e, e->rank, NULL, m, err, errsize);
    if (!rc) rc = worker_run(&w, m, target, max_iters, c, &sent, err, errsize);
    worker_close(&w);
  } else {
    rc = run_local(e, m, target, max_iters, c, &sent, err, errsize);
  }
  uint64_t steps = c->n ? c->n - 1 : 0;
#ifdef GCOMP_CLI_HAVE_MPI
  if (e->mpi && steps) { /* each rank knows its own bytes: add them up */
    int bad = rc;
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (!bad) MPI_Allreduce(MPI_IN_PLACE, sent, (int)(2 * steps), MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  }
#endif
  uint64_t total = 0, body = 0;
  for (uint64_t t = 0; !rc && t < steps; t++) {
    total += sent[2 * t];
    body += sent[2 * t + 1];
    c->bytes[t + 1] = (double)total / p->N;
    c->body[t + 1] = (double)body / p->N;
  }
  free(sent);
  c->reached = !rc && c->n && c->err[c->n - 1] <= target;
  return rc;
}
