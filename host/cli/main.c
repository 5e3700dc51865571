/* gcomp: encode/decode raw float32 vectors, inspect payloads, and measure
 * how close each codec gets to the lower bounds. */
#include "cli.h"
#include "train_algos.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage:\n"
    "  gcomp encode [--device] -c CODEC [-p NAME=VALUE]... [-s SEED] IN OUT\n"
    "  gcomp decode [--device] [--max-d N] IN OUT\n"
    "  gcomp info FILE\n"
    "  gcomp bench-bits [--csv] [--dim N] [--seeds N] [--quick] [--data FILE]\n"
    "  gcomp train --problem ridge|logistic [--data FILE] [--codecs LIST] [--workers N]\n"
    "              [--target T] [--max-iters N] [--csv FILE] [--plot FILE.png] [--mpi] ...\n"
    "  gcomp --version | --help\n"
    "IN/OUT of encode and OUT of decode are raw little-endian float32.\n"
    "decode refuses a payload whose d is above --max-d (default 67108864 = 2^26\n"
    "floats, 256 MiB of output; at most 2^40) or whose output would not fit on\n"
    "the disk, before allocating anything for it.\n"
    "codecs (-p parameters): identity; sd (nu); sd-unbiased (omega); spherical\n"
    "(alpha, block, max_trials); qsgd (levels); natural-dithering (levels);\n"
    "natural; topk (k); randk (k); sign; terngrad; fp16; bf16. Every codec\n"
    "takes rotate=0|1 and packing=auto|fixed|entropy|structured|direct (each\n"
    "codec has its own subset; auto picks the shortest).\n"
    "Without arguments gcomp runs bench-bits.\n";

int main(int argc, char **argv) {
  if (argc < 2) return gcomp_cmd_bench_bits(0, NULL);
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage, stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version")) {
    int v = gcompGetVersion();
    printf("gcomp %d.%d.%d (format %d)\n", v / 10000, v / 100 % 100, v % 100,
           GCOMP_FORMAT_VERSION);
    return 0;
  }
  if (!strcmp(cmd, "encode")) return gcomp_cmd_encode(argc - 2, argv + 2);
  if (!strcmp(cmd, "decode")) return gcomp_cmd_decode(argc - 2, argv + 2);
  if (!strcmp(cmd, "info")) return gcomp_cmd_info(argc - 2, argv + 2);
  if (!strcmp(cmd, "bench-bits")) return gcomp_cmd_bench_bits(argc - 2, argv + 2);
  if (!strcmp(cmd, "train")) return gcomp_cmd_train(argc - 2, argv + 2);
  return cli_error("unknown command '%s' (try gcomp --help)", cmd);
}
