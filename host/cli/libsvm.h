/* LibSVM text data ("label idx:val idx:val ..." per line), or dense CSV,
 * read into CSR.
 * Shared by bench-bits (the heart family) and the training commands. The
 * reader never prints and never exits: the caller gets a code and a
 * "file:line: what" message to show as it likes. */
#ifndef GCOMP_CLI_LIBSVM_H
#define GCOMP_CLI_LIBSVM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  CLI_LIBSVM_OK = 0,
  CLI_LIBSVM_IO = 1,       /* cannot open or read the file */
  CLI_LIBSVM_SYNTAX = 2,   /* malformed line: the message names it */
  CLI_LIBSVM_OVERFLOW = 3, /* index, row or entry count beyond the limits */
  CLI_LIBSVM_NOMEM = 4
} cli_libsvm_status_t;

/* Columns are stored as uint32_t, so feature indices stop here. */
#define CLI_LIBSVM_MAX_INDEX UINT32_MAX

typedef struct {
  uint64_t n;        /* rows (examples) */
  uint64_t d;        /* largest feature index seen, i.e. number of columns */
  uint64_t nnz;      /* stored entries */
  double *labels;    /* [n], as written in the file */
  uint64_t *row_ptr; /* [n + 1]: row i is entries row_ptr[i] .. row_ptr[i+1]-1 */
  uint32_t *col;     /* [nnz], 0-based (file index - 1), increasing per row */
  double *val;       /* [nnz], finite */
} cli_libsvm_t;

/* Reads `path` into *data: dense CSV when the name ends in .csv (see
 * cli_csv_parse), LibSVM otherwise. On failure *data is left empty (safe to free)
 * and `err` (if errsize > 0) holds one line without a trailing newline,
 * e.g. "heart_scale:17: index 3 not increasing (previous index 5)". */
cli_libsvm_status_t cli_libsvm_read(const char *path, cli_libsvm_t *data, char *err,
                                    size_t errsize);

/* Same from memory; `name` only labels the messages. `text` need not be
 * NUL-terminated. */
cli_libsvm_status_t cli_libsvm_parse(const char *text, size_t size, const char *name,
                                     cli_libsvm_t *data, char *err, size_t errsize);

/* Dense CSV, "label,x1,...,xd" a line, every row with the same d; blank
 * lines and '#' comments are skipped, and the first line may be a header
 * (its first cell not a number). Stored as the LibSVM reader stores rows
 * (zeros left out), with d the number of feature columns. */
cli_libsvm_status_t cli_csv_parse(const char *text, size_t size, const char *name,
                                  cli_libsvm_t *data, char *err, size_t errsize);

/* 1 if `path` names a CSV file (.csv). */
int cli_data_is_csv(const char *path);

/* Frees the arrays and zeroes *data; NULL and empty structs are fine. */
void cli_libsvm_free(cli_libsvm_t *data);

#ifdef __cplusplus
}
#endif

#endif
