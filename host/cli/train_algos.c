/* GD, DCGD, EF21 and DIANA over gcomp's compressed allreduce.
 *
 * The in-process engine is the MPI engine unrolled: worker w's payload of
 * step t gets seed gcomp_payload_seed(seed, t, w, SEND, 0) (t is the
 * collective's number on a fresh communicator, docs/COLLECTIVES.md), the
 * payloads are decoded and summed in worker order exactly as the allgather
 * algorithm does (first with beta = 0, then beta = 1), and the EF21 state
 * moves as host/allreduce.c moves it (g_w += own decoded c_w; G += sum;
 * result G), the mean taken last by multiplying with (float)(1.0 / N). So
 * both engines produce the same bits, and either one checks the other.
 *
 * EF21's g_i start at 0, as gcompErrorFeedbackCreate leaves them: the first
 * step then sends C(grad_i(x^0)), i.e. EF21 with g_i^0 = C(grad_i(x^0)),
 * and that first message is counted like every other.
 *
 * DIANA (Mishchenko et al. 2019) keeps a shift h_i per worker and their sum
 * H on every worker, all from 0: worker i sends c_i = C(grad_i - h_i), the
 * sum of the c_i comes back from a plain gcompAllReduce (sum), and every
 * worker moves H += a sum, its own h_i += a c_i (c_i re-decoded from its own
 * payload, which it re-encodes with the allreduce's seed under MPI). The
 * shifts learn grad_i(x*), so the compression noise vanishes at x* and the
 * method converges linearly where DCGD stalls at a noise floor. */
#include "train_algos.h"

#include "comm/comm.h"

#include <math.h>
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
  size_t header; /* bytes of a payload header: body = payload - header */
  double *x, *grad;
  float *gf, *mean; /* gf: every worker's float gradient (in-process) or ours */
  /* EF21's g_i / DIANA's h_i (in-process: every worker's; MPI: ours), their
   * sum, the codec's input and a worker's own decoded payload */
  float *g, *G, *diff, *own;
  uint8_t *payloads;
  size_t *sizes, cap;
};

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

/* The header length is a property of the format, read off a real payload
 * rather than assumed. */
static int probe_header(size_t *header, char *err, size_t errsize) {
  gcompCodecConfig_t cfg;
  gcompCodec_t codec = NULL;
  uint8_t buf[256];
  size_t size = 0;
  float one = 1.0f;
  gcompPayloadInfo_t info;
  gcompResult_t r = gcompCodecConfigInit(&cfg, "identity");
  if (r == gcompSuccess) r = gcompCodecCreate(&codec, &cfg);
  if (r == gcompSuccess) r = gcompEncode(codec, &one, 1, 0, buf, sizeof buf, &size);
  if (r == gcompSuccess) r = gcompPayloadGetInfo(buf, size, &info);
  gcompCodecFree(codec);
  if (r != gcompSuccess) return fail(err, errsize, "payload header probe", r);
  *header = info.headerBytes;
  return 0;
}

int train_engine_open(train_engine_t **out, const problem_t *p, int use_mpi, uint64_t seed,
                      char *err, size_t errsize) {
  *out = NULL;
  train_engine_t *e = calloc(1, sizeof *e);
  if (!e) return snprintf(err, errsize, "out of memory"), 1;
  e->p = p;
  e->mpi = use_mpi;
  e->seed = seed;
  size_t d = (size_t)p->d, workers = use_mpi ? 1 : (size_t)p->N;
#ifdef GCOMP_CLI_HAVE_MPI
  if (use_mpi) MPI_Comm_rank(MPI_COMM_WORLD, &e->rank);
#endif
  e->x = malloc(d * sizeof *e->x);
  e->grad = malloc(d * sizeof *e->grad);
  e->gf = malloc(workers * d * sizeof *e->gf);
  e->mean = malloc(d * sizeof *e->mean);
  int ok = e->x && e->grad && e->gf && e->mean;
  if (ok) {
    e->g = malloc(workers * d * sizeof *e->g);
    e->G = malloc(d * sizeof *e->G);
    e->diff = malloc(d * sizeof *e->diff);
    e->own = malloc(d * sizeof *e->own);
    e->sizes = malloc(workers * sizeof *e->sizes);
    ok = e->g && e->G && e->diff && e->own && e->sizes;
  }
  if (!ok) {
    train_engine_close(e);
    return snprintf(err, errsize, "out of memory"), 1;
  }
  if (probe_header(&e->header, err, errsize)) {
    train_engine_close(e);
    return 1;
  }
  *out = e;
  return 0;
}

void train_engine_close(train_engine_t *e) {
  if (!e) return;
  free(e->x);
  free(e->grad);
  free(e->gf);
  free(e->mean);
  free(e->g);
  free(e->G);
  free(e->diff);
  free(e->own);
  free(e->payloads);
  free(e->sizes);
  free(e);
}

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

/* Worker w's gradient at e->x, rounded to float as it enters the codec. */
static void worker_gradient(train_engine_t *e, int w, float *out) {
  problem_grad(e->p, w, e->x, e->grad);
  for (uint64_t k = 0; k < e->p->d; k++) out[k] = (float)e->grad[k];
}

/* A worker's own state from its decoded payload c: EF21 g += c, DIANA
 * h += a c. Both engines call this, so they move the same bits. */
static void shift_update(const train_method_t *m, float *g, const float *c, uint64_t d) {
  if (m->algo == TRAIN_DIANA)
    for (uint64_t k = 0; k < d; k++) g[k] = g[k] + m->shift_rate * c[k];
  else
    for (uint64_t k = 0; k < d; k++) g[k] += c[k];
}

/* The shared state from the sum s of the decoded payloads, and the step's
 * aggregate (before the mean) into s: EF21 G += s, s = G; DIANA s = H + s,
 * H += a s_old. */
static void state_update(const train_method_t *m, float *G, float *s, uint64_t d) {
  for (uint64_t k = 0; k < d; k++) {
    float sum = s[k];
    if (m->algo == TRAIN_DIANA) {
      s[k] = G[k] + sum;
      G[k] = G[k] + m->shift_rate * sum;
    } else {
      G[k] += sum;
      s[k] = G[k];
    }
  }
}

/* One in-process step t: e->mean = the aggregate; *sent = bytes of all the
 * payloads of this step (whole, headers included). */
static int local_step(train_engine_t *e, const train_method_t *m, uint64_t t, uint64_t *sent,
                      char *err, size_t errsize) {
  const problem_t *p = e->p;
  uint64_t d = p->d;
  int N = p->N;
  for (int w = 0; w < N; w++) worker_gradient(e, w, e->gf + (size_t)w * d);
  if (!m->codec) {
    for (uint64_t k = 0; k < d; k++) e->mean[k] = e->gf[k];
    for (int w = 1; w < N; w++)
      for (uint64_t k = 0; k < d; k++) e->mean[k] = e->gf[(size_t)w * d + k] + e->mean[k];
    *sent = (uint64_t)N * d * sizeof(float);
  } else {
    *sent = 0;
    for (int w = 0; w < N; w++) {
      const float *src = e->gf + (size_t)w * d;
      if (m->algo == TRAIN_EF21 || m->algo == TRAIN_DIANA) {
        for (uint64_t k = 0; k < d; k++) e->diff[k] = src[k] - e->g[(size_t)w * d + k];
        src = e->diff;
      }
      uint64_t seed = gcomp_payload_seed(e->seed, t, w, GCOMP_PHASE_SEND, 0);
      gcompResult_t r = gcompEncode(m->codec, src, d, seed, e->payloads + (size_t)w * e->cap,
                                    e->cap, &e->sizes[w]);
      if (r != gcompSuccess) return fail(err, errsize, "encode", r);
      *sent += e->sizes[w];
    }
    for (int w = 0; w < N; w++) {
      gcompResult_t r = gcompDecode(e->payloads + (size_t)w * e->cap, e->sizes[w], e->mean, d,
                                    w ? 1.0f : 0.0f);
      if (r != gcompSuccess) return fail(err, errsize, "decode", r);
    }
    if (m->algo == TRAIN_EF21 || m->algo == TRAIN_DIANA) {
      for (int w = 0; w < N; w++) {
        gcompResult_t r =
            gcompDecode(e->payloads + (size_t)w * e->cap, e->sizes[w], e->own, d, 0.0f);
        if (r != gcompSuccess) return fail(err, errsize, "decode", r);
        shift_update(m, e->g + (size_t)w * d, e->own, d);
      }
      state_update(m, e->G, e->mean, d);
    }
  }
  float inv = (float)(1.0 / N);
  for (uint64_t k = 0; k < d; k++) e->mean[k] *= inv;
  return 0;
}

#ifdef GCOMP_CLI_HAVE_MPI
typedef struct {
  gcompComm_t comm;
  gcompErrorFeedback_t ef;
  uint64_t encoded;
} mpi_run_t;

/* One step as MPI rank e->rank: *sent = the bytes this rank sent. */
/* DIANA as MPI rank e->rank, step t (the communicator's collective t):
 * e->mean = H + the sum of the c_i; our own c_i re-encoded with the seed
 * the allreduce gave it. */
static int mpi_diana(train_engine_t *e, const train_method_t *m, mpi_run_t *run, uint64_t t,
                     char *err, size_t errsize) {
  uint64_t d = e->p->d;
  for (uint64_t k = 0; k < d; k++) e->diff[k] = e->gf[k] - e->g[k];
  gcompResult_t r = gcompAllReduce(e->diff, e->mean, d, m->codec, gcompSum, run->comm, NULL);
  if (r != gcompSuccess) return fail(err, errsize, "allreduce", r);
  uint64_t seed = gcomp_payload_seed(e->seed, t, e->rank, GCOMP_PHASE_SEND, 0);
  r = gcompEncode(m->codec, e->diff, d, seed, e->payloads, e->cap, &e->sizes[0]);
  if (r == gcompSuccess) r = gcompDecode(e->payloads, e->sizes[0], e->own, d, 0.0f);
  if (r != gcompSuccess) return fail(err, errsize, "own payload", r);
  shift_update(m, e->g, e->own, d);
  state_update(m, e->G, e->mean, d);
  float inv = (float)(1.0 / e->p->N);
  for (uint64_t k = 0; k < d; k++) e->mean[k] *= inv;
  return 0;
}

static int mpi_step(train_engine_t *e, const train_method_t *m, mpi_run_t *run, uint64_t t,
                    uint64_t *sent, char *err, size_t errsize) {
  uint64_t d = e->p->d;
  worker_gradient(e, e->rank, e->gf);
  if (!m->codec) {
    int N = e->p->N;
    float *all = malloc((size_t)N * d * sizeof *all);
    int bad = !all;
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (bad) {
      free(all);
      return snprintf(err, errsize, "out of memory"), 1;
    }
    MPI_Allgather(e->gf, (int)d, MPI_FLOAT, all, (int)d, MPI_FLOAT, MPI_COMM_WORLD);
    for (uint64_t k = 0; k < d; k++) e->mean[k] = all[k];
    for (int w = 1; w < N; w++)
      for (uint64_t k = 0; k < d; k++) e->mean[k] = all[(size_t)w * d + k] + e->mean[k];
    float inv = (float)(1.0 / N);
    for (uint64_t k = 0; k < d; k++) e->mean[k] *= inv;
    free(all);
    *sent = d * sizeof(float);
    return 0;
  }
  gcompResult_t r = gcompSuccess;
  if (m->algo == TRAIN_DIANA) {
    if (mpi_diana(e, m, run, t, err, errsize)) return 1;
  } else {
    r = run->ef ? gcompAllReduceEF(e->gf, e->mean, d, m->codec, gcompMean, run->ef, run->comm,
                                   NULL)
                : gcompAllReduce(e->gf, e->mean, d, m->codec, gcompMean, run->comm, NULL);
    if (r != gcompSuccess) return fail(err, errsize, "allreduce", r);
  }
  gcompCommStats_t st;
  r = gcompCommGetStats(run->comm, &st);
  if (r != gcompSuccess) return fail(err, errsize, "communicator stats", r);
  *sent = st.bytesEncoded - run->encoded;
  run->encoded = st.bytesEncoded;
  return 0;
}
#endif

/* Iterates; `sent[t]` collects the bytes sent at step t (this process's
 * workers), turned into per-worker means by the caller. */
static int iterate(train_engine_t *e, const train_method_t *m, double target, uint64_t max_iters,
                   train_curve_t *c, uint64_t **sent_out, char *err, size_t errsize) {
  const problem_t *p = e->p;
  uint64_t *sent = NULL, cap = 0;
  int rc = 0;
#ifdef GCOMP_CLI_HAVE_MPI
  mpi_run_t run = {NULL, NULL, 0};
  if (e->mpi) {
    gcompCommConfig_t cfg = GCOMP_COMM_CONFIG_INITIALIZER;
    cfg.seed = e->seed;
    cfg.algorithm = gcompAlgoAllGather; /* exactly the mean of the compressed vectors */
    gcompResult_t r = gcompCommInitMpi(&run.comm, MPI_COMM_WORLD, &cfg);
    if (r == gcompSuccess && m->algo == TRAIN_EF21) r = gcompErrorFeedbackCreate(&run.ef, p->d);
    if (r != gcompSuccess) rc = fail(err, errsize, "MPI communicator", r);
  }
#endif
  for (uint64_t k = 0; k < p->d; k++) e->x[k] = 0.0;
  double e0 = problem_dist2(p, e->x);
  if (!(e0 > 0)) rc = rc ? rc : (snprintf(err, errsize, "x* = x^0 = 0: nothing to train"), 1);
  if (!rc) rc = curve_push(c, 0, 0, 1.0);
  for (uint64_t t = 0; !rc && t < max_iters && c->err[c->n - 1] > target; t++) {
    if (t == cap) {
      cap = cap ? 2 * cap : 1024;
      uint64_t *s = realloc(sent, cap * sizeof *s);
      if (!s) {
        rc = (snprintf(err, errsize, "out of memory"), 1);
        break;
      }
      sent = s;
    }
#ifdef GCOMP_CLI_HAVE_MPI
    rc = e->mpi ? mpi_step(e, m, &run, t, &sent[t], err, errsize)
                : local_step(e, m, t, &sent[t], err, errsize);
#else
    rc = local_step(e, m, t, &sent[t], err, errsize);
#endif
    if (rc) break;
    for (uint64_t k = 0; k < p->d; k++) e->x[k] -= m->gamma * (double)e->mean[k];
    double rel = problem_dist2(p, e->x) / e0;
    rc = curve_push(c, 0, 0, rel);
    if (!rc && !isfinite(rel)) break; /* diverged: the curve shows it */
  }
#ifdef GCOMP_CLI_HAVE_MPI
  gcompErrorFeedbackFree(run.ef);
  gcompCommDestroy(run.comm);
#endif
  *sent_out = sent;
  return rc;
}

int train_run(train_engine_t *e, const train_method_t *m, double target, uint64_t max_iters,
              train_curve_t *c, char *err, size_t errsize) {
  const problem_t *p = e->p;
  memset(c, 0, sizeof *c);
  size_t workers = e->mpi ? 1 : (size_t)p->N; /* whose payloads and state we hold */
  if (m->codec) {
    gcompResult_t r = gcompEncodeBound(m->codec, p->d, &e->cap);
    if (r != gcompSuccess) return fail(err, errsize, "encode bound", r);
    free(e->payloads);
    e->payloads = malloc(workers * e->cap);
    if (!e->payloads) return snprintf(err, errsize, "out of memory"), 1;
  }
  /* EF21's g_i and G start at 0, as a new gcompErrorFeedback_t; so do
   * DIANA's shifts */
  memset(e->g, 0, workers * p->d * sizeof *e->g);
  memset(e->G, 0, p->d * sizeof *e->G);
  uint64_t *sent = NULL;
  int rc = iterate(e, m, target, max_iters, c, &sent, err, errsize);
  uint64_t steps = c->n ? c->n - 1 : 0;
#ifdef GCOMP_CLI_HAVE_MPI
  if (e->mpi && steps) { /* each rank knows its own bytes: add them up */
    int bad = rc;
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (!bad) MPI_Allreduce(MPI_IN_PLACE, sent, (int)steps, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  }
#endif
  uint64_t total = 0, body = 0;
  size_t headers = m->codec ? e->header * (size_t)p->N : 0;
  for (uint64_t t = 0; !rc && t < steps; t++) {
    total += sent[t];
    body += sent[t] - headers;
    c->bytes[t + 1] = (double)total / p->N;
    c->body[t + 1] = (double)body / p->N;
  }
  free(sent);
  c->reached = !rc && c->n && c->err[c->n - 1] <= target;
  return rc;
}
