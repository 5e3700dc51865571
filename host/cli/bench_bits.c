/* Placeholder until the bench-bits table lands. */
#include "cli.h"

int gcomp_cmd_bench_bits(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_error("bench-bits: not built yet");
}
