/* gcomp: encode/decode raw float32 vectors, inspect payloads, and measure
 * how close each codec gets to the lower bounds. */
#include "cli.h"
#include "train_algos.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: gcomp COMMAND [OPTIONS] [ARGS]\n"
    "commands:\n"
    "  encode       compress a raw float32 vector into a payload\n"
    "  decode       decode a payload back to raw float32\n"
    "  info         describe a payload without decoding it\n"
    "  bench-bits   each codec's bits a coordinate against the lower bounds (the\n"
    "               default command); --frontier sweeps every codec's parameter\n"
    "  train        the paper's experiments: distributed gradient descent with\n"
    "               compressed gradients\n"
    "  help [CMD]   this text, or CMD's (as gcomp CMD --help)\n"
    "codecs: identity, sd, sd-unbiased, spherical, qsgd, natural-dithering, natural,\n"
    "  topk, randk, sign, terngrad, fp16, bf16 (parameters: gcomp encode --help)\n"
    "options:\n"
    "  -h, --help   this text\n"
    "  --version    library and format versions\n"
    "Every command takes -h / --help: its usage, every option and its default.\n"
    "'-' as a file of encode, decode or info is standard input or output.\n"
    "exit status: 0 done; 1 failed (one line on stderr); 2 usage error (unknown\n"
    "option, missing or extra argument, bad option value)\n";

typedef int (*command_fn)(int argc, char **argv);

static const struct {
  const char *name;
  command_fn run;
} commands[] = {{"encode", gcomp_cmd_encode}, {"decode", gcomp_cmd_decode},
                {"info", gcomp_cmd_info},     {"bench-bits", gcomp_cmd_bench_bits},
                {"train", gcomp_cmd_train}};
#define NUM_COMMANDS (int)(sizeof commands / sizeof commands[0])

static command_fn find(const char *name) {
  for (int i = 0; i < NUM_COMMANDS; i++)
    if (!strcmp(name, commands[i].name)) return commands[i].run;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) return gcomp_cmd_bench_bits(0, NULL);
  const char *cmd = argv[1];
  if (cli_is_help(cmd) || (!strcmp(cmd, "help") && argc == 2)) {
    fputs(usage, stdout);
    return 0;
  }
  if (!strcmp(cmd, "help")) { /* gcomp help CMD: CMD --help */
    command_fn run = find(argv[2]);
    char help[] = "--help", *args[] = {help, NULL};
    if (argc > 3) return cli_bad_argument("help", argv[3]);
    if (!run) return cli_usage_error("help: unknown command '%s' (gcomp --help)", argv[2]);
    return run(1, args);
  }
  if (!strcmp(cmd, "--version")) {
    int v = gcompGetVersion();
    printf("gcomp %d.%d.%d (format %d)\n", v / 10000, v / 100 % 100, v % 100,
           GCOMP_FORMAT_VERSION);
    return 0;
  }
  command_fn run = find(cmd);
  if (run) return run(argc - 2, argv + 2);
  if (cmd[0] == '-') return cli_usage_error("unknown option '%s' (gcomp --help)", cmd);
  return cli_usage_error("unknown command '%s' (gcomp --help)", cmd);
}
