/* The gcomp command line: one function per subcommand, shared helpers. */
#ifndef GCOMP_CLI_H
#define GCOMP_CLI_H

#include "gcomp.h"

#include <stddef.h>
#include <stdint.h>

/* Exit statuses of every subcommand (README, "The command line"): a
 * well-formed command that could not be done, and a command line that is
 * not one (unknown option, missing or extra operand, bad option value). */
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE 2

/* Each returns the process exit status (0 on success, --help included) and
 * prints at most one line to stderr on failure. */
int gcomp_cmd_encode(int argc, char **argv);
int gcomp_cmd_decode(int argc, char **argv);
int gcomp_cmd_info(int argc, char **argv);
int gcomp_cmd_bench_bits(int argc, char **argv);

/* One-line error on stderr, "gcomp: ..."; returns 1 for `return cli_error(...)`. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same line for a usage error; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "CMD: unknown option '-x' (gcomp CMD --help)", or "unexpected argument"
 * for an operand too many; returns CLI_EXIT_USAGE. */
int cli_bad_argument(const char *cmd, const char *arg);
/* "-h" or "--help". */
int cli_is_help(const char *arg);
/* Same, for a failed library call: adds the result text and detail. */
int cli_lib_error(const char *what, gcompResult_t r);

/* gcomp decode's default --max-d: 2^26 floats, 256 MiB of output
 * (docs/DECISIONS.md). */
#define CLI_DEFAULT_MAX_D ((uint64_t)1 << 26)

/* Whole file into a malloc'ed buffer (of the file's size when it is a
 * regular file); "-" reads standard input. */
int cli_read_file(const char *path, uint8_t **data, size_t *size);
/* "stdin" / "stdout" for "-", else the path: the name errors give. */
const char *cli_name(const char *path, int is_output);

/* Before any work (output.c): refuses an output that is the input itself
 * (the same st_dev and st_ino, through links too; "-" is fd 0 or 1), even
 * with force; an existing regular file unless force; binary output to a
 * terminal unless force. `cmd` starts the error line. */
int cli_check_output(const char *cmd, const char *in, const char *out, int force);
/* Writes the whole output: "-" to stdout; a device or FIFO in place; a
 * regular file atomically (a temporary file in its directory, fsync,
 * rename; through a symlink to its target), so a failure leaves the old
 * file, or none, and removes only the temporary file it made. Without
 * force an output that appeared meanwhile is not replaced either. */
int cli_write_file(const char *path, const void *data, size_t size, int force);

/* Refuses (one line, returns 1) an output of `bytes` that would not fit in
 * the space free to us on the filesystem of `path` (an existing file stays
 * until the new one replaces it, so it does not count as free).
 * Not-regular outputs (/dev/null, a pipe, stdout) and filesystems statvfs
 * cannot read pass. */
int cli_check_space(const char *path, uint64_t bytes);

/* "1 GiB", "4 MiB", "1.5 KiB", "12 bytes". */
void cli_format_bytes(uint64_t bytes, char *buf, size_t cap);

/* Codec from "-c NAME" and "-p NAME=VALUE" pairs. */
int cli_make_codec(const char *name, char **params, int nparams,
                   gcompCodec_t *codec);

/* The GPU path for encode / decode --device (device_io.c): host buffers in
 * and out; a clear one-line error where there is no CUDA build or device. */
int cli_device_encode(gcompCodec_t codec, const float *x, uint64_t d, uint64_t seed,
                      uint8_t *payload, size_t cap, size_t *written);
int cli_device_decode(gcompCodec_t codec, const uint8_t *payload, size_t size, float *y,
                      uint64_t d);

#endif
