/* allreduce_perf: compressed allreduce over MPI, in the style of nccl-tests.
 *
 *   mpirun -np P allreduce_perf [-b 1K] [-e 64M] [-f 2] [-n 5] [-w 1]
 *       [-c CODEC] [-p NAME=VALUE]... [-a auto|allgather|twophase]
 *       [--link-gbps G]
 *
 * Sizes are of the fp32 vector. Each row: gcomp's time, algbw and busbw,
 * the compressed bytes a rank sends, the compression ratio and the relative
 * error against the exact sum; then MPI's own allreduce of the same buffer
 * in fp32 and in bf16 (a user-defined sum over bf16 words), measured in the
 * same run. With --link-gbps every row adds a modelled end-to-end time:
 * what was measured here (encode, decode, local transport) plus the bytes a
 * rank puts on the wire divided by the link bandwidth, for gcomp and the
 * bf16 ring (2 (P-1)/P * 2 bytes a value). */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcomp.h"
#include "gcomp_mpi.h"

typedef struct {
  size_t min_bytes, max_bytes;
  double factor;
  int iters, warmup;
  const char *codec;
  char *params[32];
  int nparams;
  gcompAlgo_t algo;
  double link_gbps;
} options;

static int rank, nranks;

static int usage(void) {
  if (rank == 0)
    fprintf(stderr, "usage: allreduce_perf [-b SIZE] [-e SIZE] [-f FACTOR] [-n ITERS] [-w WARMUP]\n"
                    "       [-c CODEC] [-p NAME=VALUE]... [-a auto|allgather|twophase]\n"
                    "       [--link-gbps G]   (SIZE like 1K, 64M, 1G: bytes of fp32)\n");
  return 2;
}

static size_t parse_size(const char *s) {
  char *end;
  double v = strtod(s, &end);
  switch (*end) {
  case 'K': case 'k': v *= 1024; break;
  case 'M': case 'm': v *= 1024 * 1024; break;
  case 'G': case 'g': v *= 1024.0 * 1024 * 1024; break;
  default: break;
  }
  return v > 0 ? (size_t)v : 0;
}

static int parse(int argc, char **argv, options *o) {
  *o = (options){1024, 64u << 20, 2.0, 5, 1, "sd", {0}, 0, gcompAlgoAuto, 0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int more = i + 1 < argc;
    if (!strcmp(a, "-b") && more) o->min_bytes = parse_size(argv[++i]);
    else if (!strcmp(a, "-e") && more) o->max_bytes = parse_size(argv[++i]);
    else if (!strcmp(a, "-f") && more) o->factor = atof(argv[++i]);
    else if (!strcmp(a, "-n") && more) o->iters = atoi(argv[++i]);
    else if (!strcmp(a, "-w") && more) o->warmup = atoi(argv[++i]);
    else if (!strcmp(a, "-c") && more) o->codec = argv[++i];
    else if (!strcmp(a, "-p") && more && o->nparams < 32) o->params[o->nparams++] = argv[++i];
    else if (!strcmp(a, "--link-gbps") && more) o->link_gbps = atof(argv[++i]);
    else if (!strcmp(a, "-a") && more) {
      const char *v = argv[++i];
      o->algo = !strcmp(v, "allgather") ? gcompAlgoAllGather
                : !strcmp(v, "twophase") ? gcompAlgoTwoPhase
                                         : gcompAlgoAuto;
    } else return usage();
  }
  if (o->min_bytes < 4 || o->max_bytes < o->min_bytes || o->factor <= 1 || o->iters < 1 ||
      o->warmup < 0)
    return usage();
  return 0;
}

static int make_codec(const options *o, gcompCodec_t *codec) {
  gcompCodecConfig_t cfg;
  if (gcompCodecConfigInit(&cfg, o->codec) != gcompSuccess) goto bad;
  for (int i = 0; i < o->nparams; i++) {
    char name[64];
    const char *eq = strchr(o->params[i], '=');
    if (!eq || (size_t)(eq - o->params[i]) >= sizeof name) goto bad;
    memcpy(name, o->params[i], (size_t)(eq - o->params[i]));
    name[eq - o->params[i]] = '\0';
    if (gcompCodecConfigSetParam(&cfg, name, eq + 1) != gcompSuccess) goto bad;
  }
  if (gcompCodecCreate(codec, &cfg) == gcompSuccess) return 0;
bad:
  if (rank == 0) fprintf(stderr, "allreduce_perf: codec: %s\n", gcompGetLastErrorDetail());
  return 1;
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

static void fill(float *x, size_t n, int r) {
  uint64_t s = 0x9E3779B97F4A7C15ull * (uint64_t)(r + 1);
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    x[i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
  }
}

/* Average seconds over iters, the slowest rank's (a collective is as slow
 * as its slowest member). */
#define TIME_IT(iters, body)                                    \
  do {                                                          \
    MPI_Barrier(MPI_COMM_WORLD);                                \
    double t0_ = MPI_Wtime();                                   \
    for (int it_ = 0; it_ < (iters); it_++) { body; }           \
    double t_ = (MPI_Wtime() - t0_) / (iters);                  \
    MPI_Allreduce(MPI_IN_PLACE, &t_, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD); \
    secs = t_;                                                  \
  } while (0)

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  options o;
  gcompCodec_t codec = NULL;
  int rc = parse(argc, argv, &o);
  if (!rc) rc = make_codec(&o, &codec);
  if (rc) {
    MPI_Finalize();
    return rc;
  }
  gcompCommConfig_t cfg = GCOMP_COMM_CONFIG_INITIALIZER;
  cfg.algorithm = o.algo;
  gcompComm_t comm;
  if (gcompCommCreateMpi(&comm, MPI_COMM_WORLD, &cfg) != gcompSuccess) {
    fprintf(stderr, "allreduce_perf: %s\n", gcompGetLastErrorDetail());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Op bf16_op;
  MPI_Op_create(bf16_sum, 1, &bf16_op);
  size_t maxn = o.max_bytes / 4;
  float *x = malloc(maxn * 4), *y = malloc(maxn * 4), *ref = malloc(maxn * 4);
  uint16_t *h = malloc(maxn * 2), *h2 = malloc(maxn * 2);
  uint8_t *probe = NULL;
  if (!x || !y || !ref || !h || !h2) MPI_Abort(MPI_COMM_WORLD, 1);
  if (rank == 0) {
    printf("# gcomp allreduce_perf: %d ranks, codec %s", nranks, o.codec);
    for (int i = 0; i < o.nparams; i++) printf(" %s", o.params[i]);
    printf(", algorithm %s, %d iters after %d warm-up\n",
           o.algo == gcompAlgoAllGather ? "allgather" : o.algo == gcompAlgoTwoPhase ? "twophase" : "auto",
           o.iters, o.warmup);
    printf("# %12s %12s %10s %8s %8s %12s %7s %9s %10s %10s", "size(B)", "count", "time(us)",
           "algbw", "busbw", "bytes/rank", "ratio", "relerr", "fp32(us)", "bf16(us)");
    if (o.link_gbps > 0) printf(" %11s %11s %7s", "model(us)", "bf16mod(us)", "speedup");
    printf("\n");
  }
  for (size_t bytes = o.min_bytes;;) {
    size_t n = bytes / 4;
    fill(x, n, rank);
    double secs = 0;
    for (int w = 0; w < o.warmup; w++) gcompAllReduce(x, y, n, codec, gcompSum, comm, NULL);
    gcompResult_t r = gcompSuccess;
    TIME_IT(o.iters, r = gcompAllReduce(x, y, n, codec, gcompSum, comm, NULL));
    if (r != gcompSuccess) {
      if (rank == 0) fprintf(stderr, "allreduce_perf: %s\n", gcompGetLastErrorDetail());
      break;
    }
    double t_gcomp = secs;
    /* what one rank sends: its payload size, measured by encoding once */
    size_t bound = 0, psize = 0;
    gcompEncodeBound(codec, n, &bound);
    probe = realloc(probe, bound);
    gcompEncode(codec, x, n, 1, probe, bound, &psize);
    int two = o.algo == gcompAlgoTwoPhase ||
              (o.algo == gcompAlgoAuto && nranks >= 4 && n / (size_t)nranks >= 65536);
    double sent = two ? 2.0 * (nranks - 1) / nranks * (double)psize : (double)(nranks - 1) * psize;
    MPI_Allreduce(MPI_IN_PLACE, &sent, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(x, ref, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    double e2 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
      e2 += ((double)y[i] - ref[i]) * ((double)y[i] - ref[i]);
      s2 += (double)ref[i] * ref[i];
    }
    TIME_IT(o.iters, MPI_Allreduce(x, ref, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD));
    double t_fp32 = secs;
    for (size_t i = 0; i < n; i++) h[i] = to_bf16(x[i]);
    TIME_IT(o.iters, MPI_Allreduce(h, h2, (int)n, MPI_UINT16_T, bf16_op, MPI_COMM_WORLD));
    double t_bf16 = secs;
    if (rank == 0) {
      double algbw = (double)bytes / t_gcomp / 1e9;
      double busbw = algbw * 2.0 * (nranks - 1) / nranks;
      printf("  %12zu %12zu %10.1f %8.3f %8.3f %12.0f %7.2f %9.2e %10.1f %10.1f", bytes, n,
             t_gcomp * 1e6, algbw, busbw, sent, 4.0 * (double)n / (double)psize,
             s2 > 0 ? sqrt(e2 / s2) : 0.0, t_fp32 * 1e6, t_bf16 * 1e6);
      if (o.link_gbps > 0) {
        double bw = o.link_gbps * 1e9 / 8;
        double model = t_gcomp + sent / bw;
        double ring = 2.0 * (nranks - 1) / nranks * 2.0 * (double)n;
        double model_bf16 = t_bf16 + ring / bw;
        printf(" %11.1f %11.1f %7.2f", model * 1e6, model_bf16 * 1e6, model_bf16 / model);
      }
      printf("\n");
      fflush(stdout);
    }
    if (bytes >= o.max_bytes) break;
    size_t next = (size_t)ceil((double)bytes * o.factor);
    bytes = next < o.max_bytes ? next : o.max_bytes;
  }
  if (rank == 0 && probe) {
    size_t n = o.max_bytes / 4, bound = 0, psize = 0;
    gcompEncodeBound(codec, n, &bound);
    probe = realloc(probe, bound);
    gcompEncode(codec, x, n, 1, probe, bound, &psize);
    double bits = 8.0 * (double)psize / (double)n;
    printf("# %.3f bits a coordinate: the allgather algorithm moves fewer bytes than a bf16 ring\n"
           "# allreduce while ranks < 32 / bits = %.1f; two-phase while bits < 16.\n",
           bits, 32.0 / bits);
  }
  free(probe);
  free(x);
  free(y);
  free(ref);
  free(h);
  free(h2);
  MPI_Op_free(&bf16_op);
  gcompCommFree(comm);
  gcompCodecFree(codec);
  MPI_Finalize();
  return 0;
}
