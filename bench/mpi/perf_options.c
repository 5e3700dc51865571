/* allreduce_perf's flags. nccl-tests' meanings (NVIDIA/nccl-tests,
 * README "Arguments" and src/common.cu); values nccl-tests would act on
 * but gcomp's host collectives cannot are refused with the reason, never
 * ignored, and the old gcomp spellings (-c CODEC, -p NAME=VALUE, -a ALGO)
 * are told where they went. */
#define _POSIX_C_SOURCE 200809L
#include "perf_options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: mpirun -np P allreduce_perf [options]\n"
    "gcomp's compressed allreduce over MPI, shaped like nccl-tests' all_reduce_perf:\n"
    "its flags with their meanings; gcomp's own are long options.\n"
    "sizes (bytes of the float32 vector; K, M, G are powers of 1024):\n"
    "  -b, --minbytes SIZE      smallest size (default 32M)\n"
    "  -e, --maxbytes SIZE      largest size (default 32M)\n"
    "  -i, --stepbytes SIZE     added between sizes while -f is 1 (default 1M)\n"
    "  -f, --stepfactor F       integer > 1: multiply the size by F instead\n"
    "                           (default 1: off)\n"
    "operation:\n"
    "  -o, --op sum|avg         the sum, or avg = the sum times 1/P (default sum)\n"
    "  -d, --datatype float     float only: gcomp compresses float32 (default float)\n"
    "  -r, --root N             ignored: an allreduce has none (column: -1)\n"
    "performance:\n"
    "  -n, --iters N            timed iterations a size (default 20)\n"
    "  -w, --warmup_iters N     untimed iterations before each size (default 1)\n"
    "  -N, --run_cycles N       sweeps over the sizes, 0: forever (default 1)\n"
    "  -a, --average 0..3       a row's time from the ranks' times: 0 rank 0's,\n"
    "                           1 the mean, 2 the min, 3 the max (default 1)\n"
    "  -z, --blocking 0..3      1: MPI_Barrier after each call, timed; 3: the\n"
    "                           same, not timed; 0, 2: back to back (default 0).\n"
    "                           A host collective returns with its result: there\n"
    "                           is no stream left to wait for\n"
    "  -C, --report_cputime 0|1 name the time column cputime: the same number, a\n"
    "                           host collective's host time (default 0)\n"
    "  -S, --report_timestamps 0|1  the time of day after each row (default 0)\n"
    "  -M, --memory 0|1         peak resident memory, max over ranks (default 0)\n"
    "  -u, --unalign N          buffers shifted by N floats (default 0)\n"
    "  -T, --timeout S          exit 1 when one size takes over S s (default 0:\n"
    "                           never)\n"
    "check:\n"
    "  -c, --check N            N checks a size (default 1; 0: #wrong is N/A).\n"
    "                           Each runs one allreduce of fresh data on a fresh\n"
    "                           communicator and compares every rank's result,\n"
    "                           bit for bit, with rank 0's reference: the same\n"
    "                           codec, seeds and ranks over gcomp's in-process\n"
    "                           transport. #wrong: floats that differ, all ranks\n"
    "gcomp:\n"
    "  --codec NAME             the codec (default sd; gcomp encode --help)\n"
    "  --param NAME=VALUE       a codec parameter, repeatable (default: the\n"
    "                           codec's own)\n"
    "  --algo auto|allgather|twophase  the algorithm (default auto)\n"
    "  --link-gbps G            a modelled time on a G Gb/s link, for gcomp and\n"
    "                           a bf16 ring allreduce (default 0: none)\n"
    "  -h, --help               this text\n"
    "accepted as they describe this benchmark: -t 1, -g 1 (one rank a process;\n"
    "more ranks: mpirun -np), -m 1, -p 0|1, -y 0|1, -R 0, -G 0, -D 0, -I 0, -K 0.\n"
    "Other values, -x, -V and -J are refused.\n"
    "columns: nccl-tests' size count type redop root time algbw busbw #wrong\n"
    "(out of place only), then gcomp's: bytes a rank sends, compression ratio,\n"
    "relative error against MPI's exact float sum, MPI_Allreduce's time in fp32\n"
    "and in bf16, and with --link-gbps the modelled times and their ratio.\n"
    "exit status: 0 done; 1 failed, or #wrong > 0; 2 usage error\n";

enum { OPT_CODEC = 1000, OPT_PARAM, OPT_ALGO, OPT_LINK };

static const struct option longopts[] = {
    {"nthreads", required_argument, 0, 't'},
    {"ngpus", required_argument, 0, 'g'},
    {"minbytes", required_argument, 0, 'b'},
    {"maxbytes", required_argument, 0, 'e'},
    {"stepbytes", required_argument, 0, 'i'},
    {"stepfactor", required_argument, 0, 'f'},
    {"iters", required_argument, 0, 'n'},
    {"agg_iters", required_argument, 0, 'm'},
    {"warmup_iters", required_argument, 0, 'w'},
    {"run_cycles", required_argument, 0, 'N'},
    {"parallel_init", required_argument, 0, 'p'},
    {"check", required_argument, 0, 'c'},
    {"op", required_argument, 0, 'o'},
    {"datatype", required_argument, 0, 'd'},
    {"root", required_argument, 0, 'r'},
    {"blocking", required_argument, 0, 'z'},
    {"stream_null", required_argument, 0, 'y'},
    {"timeout", required_argument, 0, 'T'},
    {"cudagraph", required_argument, 0, 'G'},
    {"report_cputime", required_argument, 0, 'C'},
    {"report_timestamps", required_argument, 0, 'S'},
    {"output_file", required_argument, 0, 'J'},
    {"average", required_argument, 0, 'a'},
    {"local_register", required_argument, 0, 'R'},
    {"cta_policy", required_argument, 0, 'x'},
    {"device_implementation", required_argument, 0, 'D'},
    {"device_cta_count", required_argument, 0, 'V'},
    {"memory", required_argument, 0, 'M'},
    {"unalign", required_argument, 0, 'u'},
    {"per_iter_timing", required_argument, 0, 'I'},
    {"per_iter_skip", required_argument, 0, 'K'},
    {"help", no_argument, 0, 'h'},
    {"codec", required_argument, 0, OPT_CODEC},
    {"param", required_argument, 0, OPT_PARAM},
    {"algo", required_argument, 0, OPT_ALGO},
    {"link-gbps", required_argument, 0, OPT_LINK},
    {0, 0, 0, 0}};

static const char shortopts[] = ":t:g:b:e:i:f:n:m:w:N:p:c:o:d:r:z:y:T:G:C:S:J:a:R:x:D:V:M:u:I:K:h";

static int speak_;

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...) {
  if (speak_) {
    va_list ap;
    va_start(ap, fmt);
    fputs("allreduce_perf: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (allreduce_perf --help)\n", stderr);
    va_end(ap);
  }
  return 2;
}

/* As nccl-tests' strtol(optarg, NULL, 0), but the whole text must be the
 * number. */
static int get_int(const char *flag, const char *text, long lo, long hi, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(text, &end, 0);
  if (end == text || *end || errno == ERANGE || v < lo || v > hi)
    return usage("%s: '%s' is not an integer in %ld..%ld", flag, text, lo, hi);
  *out = v;
  return 0;
}

/* nccl-tests' parsesize: a number, then K, M or G (powers of 1024). */
static int get_size(const char *flag, const char *text, size_t *out) {
  char *end = NULL;
  double v = strtod(text, &end);
  double unit = 1;
  if (end != text && (*end == 'K' || *end == 'k')) unit = 1024.0, end++;
  else if (end != text && (*end == 'M' || *end == 'm')) unit = 1048576.0, end++;
  else if (end != text && (*end == 'G' || *end == 'g')) unit = 1073741824.0, end++;
  v *= unit;
  if (end == text || *end || !(v >= 0) || v >= 0x1p62 || v != floor(v))
    return usage("%s: '%s' is not a size in bytes (like 4096, 64K, 32M, 1G)", flag, text);
  *out = (size_t)v;
  return 0;
}

/* A flag that only has a meaning gcomp's host collectives cannot give:
 * the values that describe what this benchmark does pass, others are
 * refused with why. */
static int only(const char *flag, const char *text, long lo, long hi, const char *why) {
  long v;
  if (get_int(flag, text, LONG_MIN, LONG_MAX, &v)) return 2;
  if (v < lo || v > hi) return usage("%s %s: %s", flag, text, why);
  return 0;
}

/* The old spellings, now nccl-tests' flags: say where the value went. */
static int moved(const char *flag, const char *text, long lo, long hi, long *out,
                 const char *now) {
  char *end = NULL;
  strtol(text, &end, 0);
  if (end == text || *end) return usage("%s '%s': %s", flag, text, now);
  return get_int(flag, text, lo, hi, out);
}

static int get_op(const char *text, gcompRedOp_t *op) {
  if (!strcmp(text, "sum")) *op = gcompSum;
  else if (!strcmp(text, "avg") || !strcmp(text, "mean")) *op = gcompMean;
  else return usage("-o %s: gcomp reduces by sum or avg (the sum times 1/P)", text);
  return 0;
}

static int get_algo(const char *text, gcompAlgo_t *algo) {
  if (!strcmp(text, "auto")) *algo = gcompAlgoAuto;
  else if (!strcmp(text, "allgather")) *algo = gcompAlgoAllGather;
  else if (!strcmp(text, "twophase")) *algo = gcompAlgoTwoPhase;
  else return usage("--algo %s: auto, allgather or twophase", text);
  return 0;
}

static int get_gbps(const char *text, double *gbps) {
  char *end = NULL;
  double v = strtod(text, &end);
  if (end == text || *end || !(v >= 0 && v <= 1e6))
    return usage("--link-gbps: '%s' is not a number of Gb/s in [0, 1e6]", text);
  *gbps = v;
  return 0;
}

static const char gpu_only[] =
    "a GPU option of nccl-tests; this benchmark runs gcomp's host collectives "
    "(bench/gpu/allreduce_nccl runs the device path)";

static int one(perf_options_t *o, int c, const char *v) {
  long n = 0;
  int rc = 0;
  switch (c) {
  case 'b': return get_size("-b", v, &o->min_bytes);
  case 'e': return get_size("-e", v, &o->max_bytes);
  case 'i': return get_size("-i", v, &o->step_bytes);
  case 'f': rc = get_int("-f", v, 1, 1L << 20, &n), o->step_factor = n; return rc;
  case 'n': rc = get_int("-n", v, 1, INT_MAX, &n), o->iters = (int)n; return rc;
  case 'w': rc = get_int("-w", v, 0, INT_MAX, &n), o->warmup = (int)n; return rc;
  case 'N': rc = get_int("-N", v, 0, INT_MAX, &n), o->cycles = (int)n; return rc;
  case 'z': rc = get_int("-z", v, 0, 3, &n), o->blocking = (int)n; return rc;
  case 'C': rc = get_int("-C", v, 0, 1, &n), o->cputime = (int)n; return rc;
  case 'S': rc = get_int("-S", v, 0, 1, &n), o->timestamps = (int)n; return rc;
  case 'M': rc = get_int("-M", v, 0, 1, &n), o->memory = (int)n; return rc;
  case 'u': rc = get_int("-u", v, 0, 1 << 20, &n), o->unalign = (int)n; return rc;
  case 'T': rc = get_int("-T", v, 0, 1 << 30, &n), o->timeout = (int)n; return rc;
  case 'r': return get_int("-r", v, INT_MIN, INT_MAX, &n);
  case 'c':
    rc = moved("-c", v, 0, INT_MAX, &n, "-c is nccl-tests' --check N; the codec is --codec NAME");
    o->check = (int)n;
    return rc;
  case 'a':
    rc = moved("-a", v, 0, 3, &n,
               "-a is nccl-tests' --average 0..3; the algorithm is --algo NAME");
    o->average = (perf_average_t)n;
    return rc;
  case 'p':
    rc = moved("-p", v, 0, 1, &n,
               "-p is nccl-tests' --parallel_init 0|1; codec parameters are --param NAME=VALUE");
    return rc;
  case 'o': return get_op(v, &o->op);
  case 'd':
    if (strcmp(v, "float"))
      return usage("-d %s: only float: gcomp compresses float32 vectors", v);
    return 0;
  case 't': return only("-t", v, 1, 1, "one thread a rank: start more ranks with mpirun -np");
  case 'g': return only("-g", v, 1, 1, "one rank a process: start more with mpirun -np");
  case 'm': return only("-m", v, 1, 1, "collectives are not aggregated into groups here");
  case 'y': return only("-y", v, 0, 1, "host collectives take no stream");
  case 'R': return only("-R", v, 0, 0, "no buffer registration in MPI host collectives");
  case 'G': return only("-G", v, 0, 0, gpu_only);
  case 'D': return only("-D", v, 0, 0, gpu_only);
  case 'I': return only("-I", v, 0, 0, "no per-iteration timing here");
  case 'K': return only("-K", v, 0, 0, "no per-iteration timing here (-I)");
  case 'x': return usage("-x %s: %s", v, gpu_only);
  case 'V': return usage("-V %s: %s", v, gpu_only);
  case 'J': return usage("-J %s: no JSON output here", v);
  case OPT_CODEC: o->codec = v; return 0;
  case OPT_PARAM:
    if (o->nparams == PERF_MAX_PARAMS) return usage("more than %d --param", PERF_MAX_PARAMS);
    o->params[o->nparams++] = (char *)v;
    return 0;
  case OPT_ALGO: return get_algo(v, &o->algo);
  case OPT_LINK: return get_gbps(v, &o->link_gbps);
  default: return usage("internal: option %d", c);
  }
}

int perf_parse(int argc, char **argv, perf_options_t *o, int speak) {
  *o = (perf_options_t){.min_bytes = 32u << 20, .max_bytes = 32u << 20,
                        .step_bytes = 1u << 20, .step_factor = 1, .iters = 20, .warmup = 1,
                        .check = 1, .cycles = 1, .average = PERF_AVG, .op = gcompSum,
                        .codec = "sd", .algo = gcompAlgoAuto};
  speak_ = speak;
  opterr = 0;
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1;) {
    const char *flag = argv[optind - 1];
    if (c == 'h') {
      if (speak) fputs(help, stdout);
      return -1;
    }
    if (c == '?') {
      if (optopt) return usage("unknown option '-%c'", optopt);
      return usage("unknown option '%s'", flag);
    }
    if (c == ':') return usage("%s needs a value", flag);
    if (one(o, c, optarg)) return 2;
  }
  if (optind < argc) return usage("unexpected argument '%s'", argv[optind]);
  if (o->min_bytes < 4) return usage("-b %zu: at least one float, 4 bytes", o->min_bytes);
  if (o->max_bytes < o->min_bytes)
    return usage("-e %zu is below -b %zu", o->max_bytes, o->min_bytes);
  if (o->step_factor <= 1 && o->step_bytes == 0 && o->max_bytes > o->min_bytes)
    return usage("-i 0 with -f 1 never reaches -e");
  return 0;
}
