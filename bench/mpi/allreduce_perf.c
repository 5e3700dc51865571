/* allreduce_perf: compressed allreduce over MPI, in the shape of
 * nccl-tests' all_reduce_perf and with its flags (perf_options.c; the
 * whole list: allreduce_perf --help):
 *
 *   mpirun -np P allreduce_perf [-b 32M] [-e 32M] [-f 1 | -i 1M] [-n 20]
 *       [-w 1] [-c 1] [-a 1] [-z 0] [-o sum|avg] [-d float] ...
 *       [--codec sd] [--param NAME=VALUE]... [--algo auto] [--link-gbps G]
 *
 * Sizes are of the fp32 vector. Each row: nccl-tests' columns (time,
 * algbw, busbw, #wrong from -c), then the bytes a rank sends, the
 * compression ratio, the relative error against the exact sum, and MPI's
 * own allreduce of the same buffer in fp32 and in bf16 (a user-defined sum
 * over bf16 words), measured in the same run with the same -n, -w, -z and
 * -a. With --link-gbps every row adds a modelled end-to-end time: what was
 * measured here (encode, decode, local transport) plus the bytes a rank
 * puts on the wire divided by the link bandwidth, for gcomp and the bf16
 * ring (2 (P-1)/P * 2 bytes a value). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "gcomp.h"
#include "gcomp_mpi.h"
#include "perf_check.h"
#include "perf_options.h"

static int rank, nranks;

/* One collective, as the timing loop calls it. */
typedef struct {
  gcompComm_t comm;
  gcompCodec_t codec;
  gcompRedOp_t op;
  float *x, *y, *ref;
  const uint16_t *h;
  uint16_t *h2;
  int n;
  MPI_Op bf16_op;
  gcompResult_t r;
  uint8_t *payload, *gathered; /* call_codec's and call_wire's buffers */
  size_t cap, wire_bytes;
} calls_t;

typedef void (*call_fn)(calls_t *c);

static void call_gcomp(calls_t *c) {
  gcompResult_t r = gcompAllReduce(c->x, c->y, (uint64_t)c->n, c->codec, c->op, c->comm, NULL);
  if (c->r == gcompSuccess) c->r = r;
}
static void call_fp32(calls_t *c) {
  MPI_Allreduce(c->x, c->ref, c->n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static void call_bf16(calls_t *c) {
  MPI_Allreduce(c->h, c->h2, c->n, MPI_UINT16_T, c->bf16_op, MPI_COMM_WORLD);
}
/* The two halves of an allgather-algorithm allreduce, apart: the codec
 * work with no exchange (encode, then decode P payloads into y, as the
 * collective decodes), and the exchange of as many bytes with no codec. */
static void call_codec(calls_t *c) {
  size_t size = 0;
  gcompResult_t r = gcompEncode(c->codec, c->x, (uint64_t)c->n, 1, c->payload, c->cap, &size);
  for (int j = 0; r == gcompSuccess && j < nranks; j++)
    r = gcompDecode(c->payload, size, c->y, (uint64_t)c->n, j ? 1.0f : 0.0f);
  if (c->r == gcompSuccess) c->r = r;
}
static void call_wire(calls_t *c) {
  MPI_Allgather(c->payload, (int)c->wire_bytes, MPI_BYTE, c->gathered, (int)c->wire_bytes,
                MPI_BYTE, MPI_COMM_WORLD);
}

/* nccl-tests' -a: one time from every rank's. */
static double combine(double t, perf_average_t how) {
  static const MPI_Op ops[] = {MPI_SUM, MPI_SUM, MPI_MIN, MPI_MAX};
  if (how == PERF_RANK0) {
    MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    return t;
  }
  MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, ops[how], MPI_COMM_WORLD);
  return how == PERF_AVG ? t / nranks : t;
}

/* Seconds a call after -w untimed ones. -z 1 puts a barrier after each
 * call and times it, -z 3 too without timing it (nccl-tests' meanings);
 * 0 and 2 run back to back: a host collective returns with its result. */
static double timed(const perf_options_t *o, call_fn call, calls_t *c) {
  for (int w = 0; w < o->warmup; w++) call(c);
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime(), barriers = 0;
  for (int it = 0; it < o->iters; it++) {
    call(c);
    if (o->blocking == 1 || o->blocking == 3) {
      double b0 = MPI_Wtime();
      MPI_Barrier(MPI_COMM_WORLD);
      if (o->blocking == 3) barriers += MPI_Wtime() - b0;
    }
  }
  return combine((MPI_Wtime() - t0 - barriers) / o->iters, o->average);
}

/* bf16 words summed through float: the fair uncompressed baseline. */
static uint16_t to_bf16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  u += 0x7fffu + ((u >> 16) & 1u); /* round to nearest even (finite inputs) */
  return (uint16_t)(u >> 16);
}

static float from_bf16(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static void bf16_sum(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  const uint16_t *a = in;
  uint16_t *b = inout;
  for (int i = 0; i < *len; i++) b[i] = to_bf16(from_bf16(a[i]) + from_bf16(b[i]));
}

/* -T: the message is made before the alarm, the handler only writes it. */
static char timeout_msg[160];
static void on_timeout(int sig) {
  (void)sig;
  ssize_t put = write(STDERR_FILENO, timeout_msg, strlen(timeout_msg));
  (void)put;
  _exit(1);
}

static int make_codec(const perf_options_t *o, gcompCodec_t *codec) {
  gcompCodecConfig_t cfg;
  if (gcompCodecConfigInit(&cfg, o->codec) != gcompSuccess) goto bad;
  for (int i = 0; i < o->nparams; i++) {
    char name[64];
    const char *eq = strchr(o->params[i], '=');
    if (!eq || (size_t)(eq - o->params[i]) >= sizeof name) {
      if (rank == 0)
        fprintf(stderr, "allreduce_perf: --param expects NAME=VALUE, got '%s'\n", o->params[i]);
      return 2;
    }
    memcpy(name, o->params[i], (size_t)(eq - o->params[i]));
    name[eq - o->params[i]] = '\0';
    if (gcompCodecConfigSetParam(&cfg, name, eq + 1) != gcompSuccess) goto bad;
  }
  if (gcompCodecCreate(codec, &cfg) == gcompSuccess) return 0;
bad:
  if (rank == 0) fprintf(stderr, "allreduce_perf: codec: %s\n", gcompGetLastErrorDetail());
  return 2;
}

static void fmt_num(double v, int width, char *s) { /* nccl-tests' getFloatStr */
  if (snprintf(s, (size_t)width + 1, "%*.2f", width, v) <= width) return;
  if (snprintf(s, (size_t)width + 1, "%*.1f", width, v) <= width) return;
  if (snprintf(s, (size_t)width + 1, "%*.0f", width, v) <= width) return;
  snprintf(s, (size_t)width + 1, "%*.0e", width, v);
}

static void print_header(const perf_options_t *o) {
  static const char *const algos[] = {"auto", "allgather", "twophase"};
  static const char *const avgs[] = {"rank 0's", "mean", "min", "max"};
  printf("# gcomp allreduce_perf: %d ranks, codec %s", nranks, o->codec);
  for (int i = 0; i < o->nparams; i++) printf(" %s", o->params[i]);
  printf(", algorithm %s\n# %d iters after %d warm-up, time: %s over ranks, blocking %d, "
         "check %d\n#\n", algos[o->algo], o->iters, o->warmup, avgs[o->average], o->blocking,
         o->check);
  const char *t = o->cputime ? "cputime" : "time";
  printf("# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %12s %7s %9s %10s %10s %10s %10s",
         "size", "count", "type", "redop", "root", t, "algbw", "busbw", "#wrong", "bytes/rank",
         "ratio", "relerr", "fp32(us)", "bf16(us)", "codec(us)", "wire(us)");
  if (o->link_gbps > 0) printf(" %11s %11s %7s", "model(us)", "bf16mod(us)", "speedup");
  printf("%s\n", o->timestamps ? "  timestamp" : "");
  printf("# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s\n", "(B)", "(elements)", "", "", "", "(us)",
         "(GB/s)", "(GB/s)");
}

/* codec: this rank's encode and its P decodes alone; wire: an all-gather
 * of payload-sized messages alone. A pipelined allreduce takes about the
 * larger of the two, a serial one their sum (bench/RESULTS.md). */
typedef struct {
  double secs, fp32, bf16, sent, ratio, relerr, codec, wire;
  long long wrong; /* -1: no check */
} row_t;

static double print_row(const perf_options_t *o, size_t n, const row_t *w) {
  double bytes = 4.0 * (double)n, algbw = bytes / w->secs / 1e9;
  double busbw = algbw * 2.0 * (nranks - 1) / nranks;
  char ts[8], as[8], bs[8];
  fmt_num(w->secs * 1e6, 7, ts);
  fmt_num(algbw, 6, as);
  fmt_num(busbw, 6, bs);
  printf("%12zu  %12zu  %8s  %6s  %6d  %7s  %6s  %6s", 4 * n, n, "float",
         o->op == gcompMean ? "avg" : "sum", -1, ts, as, bs);
  if (w->wrong >= 0) printf("  %6lld", w->wrong);
  else printf("     N/A");
  printf("  %12.0f %7.2f %9.2e %10.1f %10.1f %10.1f %10.1f", w->sent, w->ratio, w->relerr,
         w->fp32 * 1e6, w->bf16 * 1e6, w->codec * 1e6, w->wire * 1e6);
  if (o->link_gbps > 0) {
    double bw = o->link_gbps * 1e9 / 8;
    double model = w->secs + w->sent / bw;
    double model_bf16 = w->bf16 + 2.0 * (nranks - 1) / nranks * 2.0 * (double)n / bw;
    printf(" %11.1f %11.1f %7.2f", model * 1e6, model_bf16 * 1e6, model_bf16 / model);
  }
  if (o->timestamps) {
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r(&now, &tm));
    printf("  %s", when);
  }
  printf("\n");
  fflush(stdout);
  return busbw;
}

static int measure_halves(const perf_options_t *o, calls_t *c, size_t n, size_t psize, row_t *w) {
  size_t bound = 0;
  gcompEncodeBound(c->codec, n, &bound);
  c->cap = bound;
  /* every rank's message as long as the longest payload: one count for all */
  unsigned long long longest = psize;
  MPI_Allreduce(MPI_IN_PLACE, &longest, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  c->wire_bytes = (size_t)longest;
  c->payload = calloc(1, bound); /* bytes past a short payload go out too */
  c->gathered = malloc((size_t)nranks * c->wire_bytes);
  int bad = !c->payload || !c->gathered;
  if (!bad) {
    c->r = gcompSuccess;
    w->codec = timed(o, call_codec, c);
    bad = c->r != gcompSuccess;
    w->wire = timed(o, call_wire, c);
  }
  free(c->payload);
  free(c->gathered);
  c->payload = c->gathered = NULL;
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (bad && rank == 0) fprintf(stderr, "allreduce_perf: codec timing: %s\n", gcompGetLastErrorDetail());
  return bad;
}

/* One size: timed gcomp, the baselines, the error, the checks. */
static int run_size(const perf_options_t *o, calls_t *c, gcompCommConfig_t *cfg, size_t n,
                    row_t *w) {
  float *x = c->x;
  perf_fill(x, n, rank, 0);
  c->n = (int)n;
  c->r = gcompSuccess;
  w->secs = timed(o, call_gcomp, c);
  int failed = c->r != gcompSuccess;
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (failed) {
    if (rank == 0) fprintf(stderr, "allreduce_perf: %s\n", gcompGetLastErrorDetail());
    return 1;
  }
  /* what one rank sends: its payload size, measured by encoding once */
  size_t bound = 0, psize = 0;
  gcompEncodeBound(c->codec, n, &bound);
  uint8_t *probe = malloc(bound);
  if (!probe || gcompEncode(c->codec, x, n, 1, probe, bound, &psize) != gcompSuccess)
    MPI_Abort(MPI_COMM_WORLD, 1);
  free(probe);
  int two = o->algo == gcompAlgoTwoPhase ||
            (o->algo == gcompAlgoAuto && nranks >= 4 && n / (size_t)nranks >= 65536);
  w->sent = two ? 2.0 * (nranks - 1) / nranks * (double)psize : (double)(nranks - 1) * psize;
  w->ratio = 4.0 * (double)n / (double)psize;
  MPI_Allreduce(MPI_IN_PLACE, &w->sent, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  call_fp32(c);
  double e2 = 0, s2 = 0, scale = o->op == gcompMean ? 1.0 / nranks : 1.0;
  for (size_t i = 0; i < n; i++) {
    double exact = scale * c->ref[i], e = (double)c->y[i] - exact;
    e2 += e * e;
    s2 += exact * exact;
  }
  w->relerr = s2 > 0 ? sqrt(e2 / s2) : 0.0;
  w->fp32 = timed(o, call_fp32, c);
  for (size_t i = 0; i < n; i++) ((uint16_t *)c->h)[i] = to_bf16(x[i]);
  w->bf16 = timed(o, call_bf16, c);
  w->wrong = o->check ? 0 : -1;
  for (int k = 0; k < o->check && w->wrong == 0; k++) {
    w->wrong = perf_check(c->codec, o->op, cfg, n, k + 1, x, c->y);
    if (w->wrong < 0) return 1;
  }
  return measure_halves(o, c, n, psize, w); /* last: it overwrites y */
}

/* nccl-tests' sweep: -f > 1 multiplies, else -i adds, up to -e. */
static size_t next_size(const perf_options_t *o, size_t bytes) {
  size_t next = o->step_factor > 1 ? bytes * (size_t)o->step_factor : bytes + o->step_bytes;
  return next <= bytes ? o->max_bytes + 1 : next; /* overflow ends the sweep */
}

/* nccl-tests' summary, then the bits a coordinate of rank 0's largest
 * vector (x has room for it). */
static void footer(const perf_options_t *o, long long wrong, double busbw_sum, int rows,
                   gcompCodec_t codec, float *x, size_t n) {
  long kib = 0;
  struct rusage ru;
  if (o->memory && getrusage(RUSAGE_SELF, &ru) == 0) kib = ru.ru_maxrss;
  MPI_Allreduce(MPI_IN_PLACE, &kib, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
  if (rank != 0) return;
  printf("# %-20s : %lld %s\n", "Out of bounds values", wrong, wrong ? "FAILED" : "OK");
  printf("# %-20s : %g\n", "Avg bus bandwidth", rows ? busbw_sum / rows : 0.0);
  if (o->memory) printf("# %-20s : %.1f MiB, max over ranks\n", "Peak resident memory",
                        (double)kib / 1024);
  size_t bound = 0, psize = 0;
  uint8_t *probe = NULL;
  perf_fill(x, n, 0, 0);
  if (n && gcompEncodeBound(codec, n, &bound) == gcompSuccess && (probe = malloc(bound)) &&
      gcompEncode(codec, x, n, 1, probe, bound, &psize) == gcompSuccess) {
    double bits = 8.0 * (double)psize / (double)n;
    printf("# %.3f bits a coordinate: the allgather algorithm moves fewer bytes than a bf16 "
           "ring\n# allreduce while ranks < 32 / bits = %.1f; two-phase while bits < 16.\n",
           bits, 32.0 / bits);
  }
  free(probe);
  printf("#\n# Collective test concluded: allreduce_perf\n");
}

/* The rank mpirun gives a process, before MPI_Init (OpenMPI, then PMI):
 * only rank 0 speaks about the command line. */
static int launcher_rank(void) {
  static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
  for (int i = 0; i < 3; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return atoi(v);
  }
  return 0;
}

int main(int argc, char **argv) {
  /* Flags first, as nccl-tests: a usage error or --help costs no MPI
   * start-up and no abort of a job. */
  perf_options_t o;
  int rc = perf_parse(argc, argv, &o, launcher_rank() == 0);
  if (!rc && o.max_bytes / 4 > 0x7fffffff) {
    if (launcher_rank() == 0)
      fprintf(stderr, "allreduce_perf: -e: at most 2^31 - 1 floats (MPI counts)\n");
    rc = 2;
  }
  if (rc) return rc < 0 ? 0 : rc;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  gcompCodec_t codec = NULL;
  if (make_codec(&o, &codec)) {
    MPI_Finalize();
    return 2;
  }
  gcompCommConfig_t cfg = GCOMP_COMM_CONFIG_INITIALIZER;
  cfg.algorithm = o.algo;
  calls_t c = {.codec = codec, .op = o.op};
  if (gcompCommCreateMpi(&c.comm, MPI_COMM_WORLD, &cfg) != gcompSuccess) {
    fprintf(stderr, "allreduce_perf: %s\n", gcompGetLastErrorDetail());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Op_create(bf16_sum, 1, &c.bf16_op);
  /* -u shifts both buffers by that many floats, as nccl-tests does */
  size_t maxn = o.max_bytes / 4, u = (size_t)o.unalign;
  float *x = malloc((maxn + u) * 4), *y = malloc((maxn + u) * 4), *ref = malloc(maxn * 4);
  uint16_t *h = malloc(maxn * 2), *h2 = malloc(maxn * 2);
  if (!x || !y || !ref || !h || !h2) MPI_Abort(MPI_COMM_WORLD, 1);
  c.x = x + u, c.y = y + u, c.ref = ref, c.h = h, c.h2 = h2;
  if (o.timeout) signal(SIGALRM, on_timeout);
  if (rank == 0) print_header(&o);
  long long wrong = 0;
  double busbw_sum = 0;
  int rows = 0;
  size_t largest = 0;
  for (int cycle = 0; !rc && (o.cycles == 0 || cycle < o.cycles); cycle++) {
    for (size_t bytes = o.min_bytes; !rc && bytes <= o.max_bytes; bytes = next_size(&o, bytes)) {
      snprintf(timeout_msg, sizeof timeout_msg, "allreduce_perf: rank %d: %zu bytes took over "
               "%d s (-T)\n", rank, bytes, o.timeout);
      if (o.timeout) alarm((unsigned)o.timeout);
      row_t w;
      rc = run_size(&o, &c, &cfg, bytes / 4, &w);
      alarm(0);
      if (rc) break;
      if (w.wrong > 0) wrong += w.wrong;
      if (rank == 0) busbw_sum += print_row(&o, bytes / 4, &w);
      rows++;
      if (bytes / 4 > largest) largest = bytes / 4;
    }
  }
  if (!rc) footer(&o, wrong, busbw_sum, rows, codec, c.x, largest);
  free(x);
  free(y);
  free(ref);
  free(h);
  free(h2);
  MPI_Op_free(&c.bf16_op);
  gcompCommFree(c.comm);
  gcompCodecFree(codec);
  MPI_Finalize();
  return rc ? 1 : wrong ? 1 : 0;
}
