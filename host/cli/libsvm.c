/* LibSVM and dense CSV readers. Strict on purpose: a silently skipped or reordered feature
 * would change a gradient without any visible sign, so every irregularity
 * is an error that names its line. */
#define _POSIX_C_SOURCE 200809L
#include "libsvm.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *name;
  uint64_t line; /* 0: the message is about the whole file */
  char *err;
  size_t errsize;
  cli_libsvm_t *out;
  size_t cap_rows, cap_nnz; /* allocated lengths of labels / col and val */
  int csv;                  /* dense CSV instead of LibSVM */
  uint64_t csv_columns;     /* features per CSV row, fixed by the first row (0: none yet) */
  uint64_t data_lines;      /* non-blank lines seen, for CSV's optional header */
} parser_t;

static cli_libsvm_status_t fail(parser_t *p, cli_libsvm_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static cli_libsvm_status_t fail(parser_t *p, cli_libsvm_status_t status, const char *fmt, ...) {
  if (!p->err || p->errsize == 0) return status;
  int used = p->line ? snprintf(p->err, p->errsize, "%s:%llu: ", p->name,
                                (unsigned long long)p->line)
                     : snprintf(p->err, p->errsize, "%s: ", p->name);
  if (used >= 0 && (size_t)used < p->errsize) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + used, p->errsize - (size_t)used, fmt, ap);
    va_end(ap);
  }
  return status;
}

/* Grows *ptr to hold `need` elements (doubling), checking the byte count
 * for overflow before realloc sees it. */
static cli_libsvm_status_t grow(void **ptr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return CLI_LIBSVM_OK;
  size_t n = *cap ? *cap : 64;
  while (n < need) {
    if (n > SIZE_MAX / 2) return CLI_LIBSVM_OVERFLOW;
    n *= 2;
  }
  if (n > SIZE_MAX / elem) return CLI_LIBSVM_OVERFLOW;
  void *bigger = realloc(*ptr, n * elem);
  if (!bigger) return CLI_LIBSVM_NOMEM;
  *ptr = bigger;
  *cap = n;
  return CLI_LIBSVM_OK;
}

static cli_libsvm_status_t grow_fail(parser_t *p, cli_libsvm_status_t s, const char *what) {
  return s == CLI_LIBSVM_NOMEM ? fail(p, s, "out of memory after %s", what)
                               : fail(p, s, "too many %s", what);
}

/* The whole token must be a number: strtod alone would accept "1.5abc". */
static int parse_double(const char *s, double *v) {
  if (!*s) return 0;
  char *end = NULL;
  errno = 0;
  *v = strtod(s, &end);
  return end != s && *end == '\0';
}

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Cuts the next blank-separated token out of *s (in place); NULL at the end. */
static char *next_token(char **s) {
  char *t = *s;
  while (is_blank(*t)) t++;
  if (!*t) return NULL;
  char *e = t;
  while (*e && !is_blank(*e)) e++;
  if (*e) *e++ = '\0';
  *s = e;
  return t;
}

/* Appends entry (1-based column idx, value v) to the current row. */
static cli_libsvm_status_t add_entry(parser_t *p, uint64_t idx, double v) {
  cli_libsvm_t *o = p->out;
  if (o->nnz == SIZE_MAX) return grow_fail(p, CLI_LIBSVM_OVERFLOW, "entries");
  size_t need = (size_t)o->nnz + 1, cap = p->cap_nnz;
  cli_libsvm_status_t s = grow((void **)&o->col, &cap, need, sizeof *o->col);
  if (!s) {
    cap = p->cap_nnz;
    s = grow((void **)&o->val, &cap, need, sizeof *o->val);
  }
  if (s) return grow_fail(p, s, "entries");
  p->cap_nnz = cap;
  o->col[o->nnz] = (uint32_t)(idx - 1);
  o->val[o->nnz] = v;
  o->nnz++;
  return CLI_LIBSVM_OK;
}

/* Room for one more row; its entries follow from o->nnz on. */
static cli_libsvm_status_t begin_row(parser_t *p) {
  cli_libsvm_t *o = p->out;
  /* row_ptr needs n + 2 slots once this row is in; labels n + 1. */
  if (o->n >= SIZE_MAX - 2) return grow_fail(p, CLI_LIBSVM_OVERFLOW, "rows");
  size_t cap = p->cap_rows;
  cli_libsvm_status_t st = grow((void **)&o->labels, &cap, (size_t)o->n + 2, sizeof *o->labels);
  if (!st) {
    cap = p->cap_rows;
    st = grow((void **)&o->row_ptr, &cap, (size_t)o->n + 2, sizeof *o->row_ptr);
  }
  if (st) return grow_fail(p, st, "rows");
  p->cap_rows = cap;
  o->row_ptr[o->n] = o->nnz;
  return CLI_LIBSVM_OK;
}

static void end_row(parser_t *p, double label) {
  cli_libsvm_t *o = p->out;
  o->labels[o->n] = label;
  o->n++;
  o->row_ptr[o->n] = o->nnz;
}

static cli_libsvm_status_t parse_feature(parser_t *p, char *tok, uint64_t *prev) {
  char *colon = strchr(tok, ':');
  if (!colon) return fail(p, CLI_LIBSVM_SYNTAX, "'%.40s' is not INDEX:VALUE (missing colon)", tok);
  *colon = '\0';
  const char *itext = tok, *vtext = colon + 1;
  if (!*itext) return fail(p, CLI_LIBSVM_SYNTAX, "missing index before ':%.40s'", vtext);
  uint64_t idx = 0;
  for (const char *c = itext; *c; c++) {
    if (*c < '0' || *c > '9')
      return fail(p, CLI_LIBSVM_SYNTAX, "index '%.40s' is not a positive integer", itext);
    idx = idx * 10 + (uint64_t)(*c - '0');
    if (idx > CLI_LIBSVM_MAX_INDEX)
      return fail(p, CLI_LIBSVM_OVERFLOW, "index %.40s too large (limit %lu)", itext,
                  (unsigned long)CLI_LIBSVM_MAX_INDEX);
  }
  if (idx == 0) return fail(p, CLI_LIBSVM_SYNTAX, "index 0 (indices start at 1)");
  if (idx <= *prev)
    return fail(p, CLI_LIBSVM_SYNTAX, "index %llu not increasing (previous index %llu)",
                (unsigned long long)idx, (unsigned long long)*prev);
  double v;
  if (!parse_double(vtext, &v))
    return fail(p, CLI_LIBSVM_SYNTAX, "value '%.40s' of index %llu is not a number", vtext,
                (unsigned long long)idx);
  if (!isfinite(v)) /* also "1e999", which strtod turns into inf */
    return fail(p, CLI_LIBSVM_SYNTAX, "value '%.40s' of index %llu is not finite", vtext,
                (unsigned long long)idx);
  cli_libsvm_status_t st = add_entry(p, idx, v);
  if (st) return st;
  if (idx > p->out->d) p->out->d = idx;
  *prev = idx;
  return CLI_LIBSVM_OK;
}

static cli_libsvm_status_t parse_line(parser_t *p, char *s) {
  char *hash = strchr(s, '#');
  if (hash) *hash = '\0';
  char *tok = next_token(&s);
  if (!tok) return CLI_LIBSVM_OK;
  double label;
  if (!parse_double(tok, &label))
    return fail(p, CLI_LIBSVM_SYNTAX, "label '%.40s' is not a number%s", tok,
                strchr(tok, ':') ? " (missing label?)" : "");
  if (!isfinite(label)) return fail(p, CLI_LIBSVM_SYNTAX, "label '%.40s' is not finite", tok);
  cli_libsvm_status_t st = begin_row(p);
  if (st) return st;
  uint64_t prev = 0;
  while ((tok = next_token(&s)) != NULL) {
    st = parse_feature(p, tok, &prev);
    if (st) return st;
  }
  end_row(p, label);
  return CLI_LIBSVM_OK;
}

/* A dense CSV row: "label,x1,...,xd", the same d on every row. The first
 * non-blank line may be a header (its first cell not a number). */
static cli_libsvm_status_t parse_csv_line(parser_t *p, char *s) {
  char *hash = strchr(s, '#');
  if (hash) *hash = '\0';
  char *t = s;
  while (is_blank(*t)) t++;
  if (!*t) return CLI_LIBSVM_OK;
  p->data_lines++;
  uint64_t column = 0;
  double label = 0.0;
  cli_libsvm_status_t st = CLI_LIBSVM_OK;
  for (char *cell = t; cell && !st; column++) {
    char *comma = strchr(cell, ',');
    if (comma) *comma = '\0';
    char *end = cell + strlen(cell);
    while (is_blank(*cell)) cell++;
    while (end > cell && is_blank(end[-1])) *--end = '\0';
    double v;
    if (!parse_double(cell, &v)) {
      if (column == 0 && p->data_lines == 1) return CLI_LIBSVM_OK; /* the header */
      return fail(p, CLI_LIBSVM_SYNTAX, "column %llu: '%.40s' is not a number",
                  (unsigned long long)column + 1, cell);
    }
    if (!isfinite(v))
      return fail(p, CLI_LIBSVM_SYNTAX, "column %llu: '%.40s' is not finite",
                  (unsigned long long)column + 1, cell);
    if (column == 0) {
      label = v;
      st = begin_row(p);
    } else if (column > CLI_LIBSVM_MAX_INDEX) {
      return fail(p, CLI_LIBSVM_OVERFLOW, "more than %lu columns",
                  (unsigned long)CLI_LIBSVM_MAX_INDEX);
    } else if (v != 0.0) {
      st = add_entry(p, column, v);
    }
    cell = comma ? comma + 1 : NULL;
  }
  if (st) return st;
  uint64_t features = column - 1;
  if (p->csv_columns == 0) p->csv_columns = features ? features : UINT64_MAX;
  uint64_t want = p->csv_columns == UINT64_MAX ? 0 : p->csv_columns;
  if (features != want)
    return fail(p, CLI_LIBSVM_SYNTAX, "%llu features, the first row had %llu",
                (unsigned long long)features, (unsigned long long)want);
  if (features > p->out->d) p->out->d = features;
  end_row(p, label);
  return CLI_LIBSVM_OK;
}

static cli_libsvm_status_t parse_text(const char *text, size_t size, const char *name, int csv,
                                      cli_libsvm_t *data, char *err, size_t errsize) {
  parser_t p = {name ? name : "(input)", 0, err, errsize, data, 0, 0, csv, 0, 0};
  if (err && errsize) err[0] = '\0';
  memset(data, 0, sizeof *data);
  if (size == SIZE_MAX) return fail(&p, CLI_LIBSVM_OVERFLOW, "input too large");
  /* A private, writable, NUL-terminated copy lets tokens be cut in place. */
  char *buf = malloc(size + 1);
  if (!buf) return fail(&p, CLI_LIBSVM_NOMEM, "out of memory for %zu bytes", size);
  if (size) memcpy(buf, text, size);
  buf[size] = '\0';
  cli_libsvm_status_t st = CLI_LIBSVM_OK;
  for (size_t pos = 0; pos < size && !st;) {
    char *line = buf + pos;
    char *nl = memchr(line, '\n', size - pos);
    size_t len = nl ? (size_t)(nl - line) : size - pos;
    line[len] = '\0';
    p.line++;
    if (memchr(line, '\0', len))
      st = fail(&p, CLI_LIBSVM_SYNTAX, "NUL byte (not a text file?)");
    else
      st = csv ? parse_csv_line(&p, line) : parse_line(&p, line);
    pos += len + 1;
  }
  free(buf);
  if (!st && data->n == 0) {
    p.line = 0;
    st = fail(&p, CLI_LIBSVM_SYNTAX, "no examples");
  }
  if (st) cli_libsvm_free(data);
  return st;
}

cli_libsvm_status_t cli_libsvm_parse(const char *text, size_t size, const char *name,
                                     cli_libsvm_t *data, char *err, size_t errsize) {
  return parse_text(text, size, name, 0, data, err, errsize);
}

cli_libsvm_status_t cli_csv_parse(const char *text, size_t size, const char *name,
                                  cli_libsvm_t *data, char *err, size_t errsize) {
  return parse_text(text, size, name, 1, data, err, errsize);
}

int cli_data_is_csv(const char *path) {
  size_t n = strlen(path);
  return n >= 4 && (!strcmp(path + n - 4, ".csv") || !strcmp(path + n - 4, ".CSV"));
}

cli_libsvm_status_t cli_libsvm_read(const char *path, cli_libsvm_t *data, char *err,
                                    size_t errsize) {
  parser_t p = {path, 0, err, errsize, data, 0, 0, 0, 0, 0};
  memset(data, 0, sizeof *data);
  FILE *f = fopen(path, "rb");
  if (!f) return fail(&p, CLI_LIBSVM_IO, "cannot open: %s", strerror(errno));
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  cli_libsvm_status_t st = buf ? CLI_LIBSVM_OK : CLI_LIBSVM_NOMEM;
  while (!st) {
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap) break;
    st = grow((void **)&buf, &cap, cap + 1, 1);
  }
  int bad = ferror(f);
  fclose(f);
  if (st) {
    free(buf);
    return fail(&p, st, st == CLI_LIBSVM_NOMEM ? "out of memory reading the file"
                                               : "file too large to load");
  }
  if (bad) {
    free(buf);
    return fail(&p, CLI_LIBSVM_IO, "read error");
  }
  st = parse_text(buf, len, path, cli_data_is_csv(path), data, err, errsize);
  free(buf);
  return st;
}

void cli_libsvm_free(cli_libsvm_t *data) {
  if (!data) return;
  free(data->labels);
  free(data->row_ptr);
  free(data->col);
  free(data->val);
  memset(data, 0, sizeof *data);
}
