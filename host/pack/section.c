#include "pack/section.h"

#include "core/pool.h"
#include "shared/check.h"
#include "core/wire.h"

#include <stdlib.h>
#include <string.h>

/* Piece p's chunks [*first, *end): whole groups of `unit`. */
static void piece_chunks(uint64_t chunks, uint32_t unit, unsigned pieces, unsigned p,
                         uint64_t *first, uint64_t *end) {
  uint64_t groups = (chunks + unit - 1) / unit, g0, g1;
  gcomp_par_range(groups, pieces, p, &g0, &g1);
  *first = g0 * unit;
  *end = g1 * unit < chunks ? g1 * unit : chunks;
}

static unsigned section_pieces(uint64_t chunks, uint32_t unit) {
  uint64_t grain = GCOMP_SECTION_GRAIN / unit;
  return gcomp_par_pieces((chunks + unit - 1) / unit, grain ? grain : 1);
}

/* The piece's scratch, or NULL with a failure recorded at its first chunk. */
static void *piece_scratch(size_t bytes, gcomp_par_status *status, uint64_t first, int *failed) {
  *failed = 0;
  if (bytes == 0) return NULL;
  void *s = malloc(bytes);
  if (s == NULL) {
    gcomp_par_fail(status, first, gcomp_fail(gcompOutOfMemory, "section: scratch allocation"));
    *failed = 1;
  }
  return s;
}

/* ---------------------------------------------------------------- write */

typedef struct {
  uint8_t *lens, *data;
  size_t cap, full, scratch;
  uint64_t chunks;
  uint32_t unit;
  gcomp_group_writer write;
  void *ctx;
  unsigned pieces;
  size_t used[GCOMP_PAR_MAX_PIECES];
  gcomp_par_status status;
} write_job;

/* Where piece p's chunks go first: after the worst case of the chunks
 * before it, all full ones. */
static size_t piece_start(const write_job *j, unsigned p) {
  uint64_t first, end;
  piece_chunks(j->chunks, j->unit, j->pieces, p, &first, &end);
  return (size_t)first * j->full;
}

static void write_piece(void *arg, unsigned p) {
  write_job *j = arg;
  uint64_t first, end;
  piece_chunks(j->chunks, j->unit, j->pieces, p, &first, &end);
  size_t start = piece_start(j, p), pos = start;
  j->used[p] = 0;
  int failed;
  void *scratch = piece_scratch(j->scratch, &j->status, first, &failed);
  if (failed) return;
  for (uint64_t c = first; c < end; c += j->unit) {
    uint32_t k = (uint32_t)(end - c < j->unit ? end - c : j->unit);
    size_t len[GCOMP_SECTION_MAX_UNIT];
    gcompResult_t r = j->write(j->ctx, c, k, j->data + pos, j->cap - pos, len, scratch);
    if (r != gcompSuccess) {
      gcomp_par_fail(&j->status, c, r);
      break;
    }
    for (uint32_t i = 0; i < k; i++) {
      gcomp_store_u32(j->lens + 4 * (c + i), (uint32_t)len[i]);
      pos += len[i];
    }
  }
  free(scratch);
  j->used[p] = pos - start;
}

gcompResult_t gcomp_section_write_groups(uint8_t *lens, uint8_t *data, size_t cap,
                                         uint64_t chunks, uint32_t unit, size_t scratch,
                                         size_t full, size_t last, gcomp_group_writer write,
                                         void *ctx, size_t *written) {
  write_job j;
  if (unit == 0 || unit > GCOMP_SECTION_MAX_UNIT)
    return gcomp_fail(gcompInternalError, "section: group of %u chunks", unit);
  j.lens = lens, j.data = data, j.cap = cap, j.full = full, j.chunks = chunks;
  j.unit = unit, j.scratch = scratch, j.write = write, j.ctx = ctx;
  j.pieces = section_pieces(chunks, unit);
  /* without room for the worst case, one pass at the final places */
  if (j.pieces > 1 && (last > cap || chunks - 1 > (cap - last) / full)) j.pieces = 1;
  gcomp_par_status_init(&j.status);
  gcomp_par_run(j.pieces, write_piece, &j);
  gcompResult_t r = gcomp_par_result(&j.status);
  if (r != gcompSuccess) return r;
  size_t pos = j.used[0];
  for (unsigned p = 1; p < j.pieces; p++) {
    memmove(data + pos, data + piece_start(&j, p), j.used[p]);
    pos += j.used[p];
  }
  *written = pos;
  return gcompSuccess;
}

typedef struct {
  gcomp_chunk_writer write;
  void *ctx;
} one_writer;

static gcompResult_t write_one(void *ctx, uint64_t c, uint32_t k, uint8_t *out, size_t room,
                               size_t *len, void *scratch) {
  const one_writer *w = ctx;
  (void)k, (void)scratch;
  return w->write(w->ctx, c, out, room, len);
}

gcompResult_t gcomp_section_write(uint8_t *lens, uint8_t *data, size_t cap, uint64_t chunks,
                                  size_t full, size_t last, gcomp_chunk_writer write, void *ctx,
                                  size_t *written) {
  one_writer w = {write, ctx};
  return gcomp_section_write_groups(lens, data, cap, chunks, 1, 0, full, last, write_one, &w,
                                    written);
}

/* ----------------------------------------------------------------- read */

typedef struct {
  const uint8_t *lens, *data;
  uint64_t chunks, bad; /* bad: the first chunk whose length is refused */
  uint32_t unit;
  size_t scratch;
  gcomp_group_reader read;
  void *ctx;
  unsigned pieces;
  size_t start[GCOMP_PAR_MAX_PIECES];
  gcomp_par_status status;
} read_job;

static void read_piece(void *arg, unsigned p) {
  read_job *j = arg;
  uint64_t first, end;
  piece_chunks(j->chunks, j->unit, j->pieces, p, &first, &end);
  if (first >= end || first >= j->bad) return;
  size_t pos = j->start[p];
  int failed;
  void *scratch = piece_scratch(j->scratch, &j->status, first, &failed);
  if (failed) return;
  for (uint64_t c = first; c < end && c < j->bad; c += j->unit) {
    uint64_t stop = end < j->bad ? end : j->bad;
    uint32_t k = (uint32_t)(stop - c < j->unit ? stop - c : j->unit);
    int cut = j->bad < j->chunks && j->bad < c + j->unit;
    uint32_t len[GCOMP_SECTION_MAX_UNIT];
    size_t bytes = 0;
    for (uint32_t i = 0; i < k; i++) {
      len[i] = gcomp_load_u32(j->lens + 4 * (c + i));
      bytes += len[i];
    }
    gcompResult_t r = j->read(j->ctx, c, k, j->data + pos, len, cut, scratch);
    if (r != gcompSuccess) {
      gcomp_par_fail(&j->status, c, r);
      break;
    }
    pos += bytes;
  }
  free(scratch);
}

gcompResult_t gcomp_section_read_groups(const uint8_t *lens, const uint8_t *data, size_t size,
                                        uint64_t chunks, uint32_t unit, size_t scratch,
                                        size_t min_len, gcomp_group_reader read,
                                        gcomp_length_refusal refuse, void *ctx,
                                        size_t *consumed) {
  read_job j;
  if (unit == 0 || unit > GCOMP_SECTION_MAX_UNIT)
    return gcomp_fail(gcompInternalError, "section: group of %u chunks", unit);
  j.lens = lens, j.data = data, j.chunks = chunks, j.bad = chunks;
  j.unit = unit, j.scratch = scratch, j.read = read, j.ctx = ctx;
  j.pieces = section_pieces(chunks, unit);
  /* The lengths in order: each piece's start, and the first refused. */
  size_t pos = 0, bad_len = 0;
  unsigned p = 0;
  for (uint64_t c = 0; c < chunks; c++) {
    uint64_t first, end;
    while (p < j.pieces && (piece_chunks(chunks, unit, j.pieces, p, &first, &end), first == c))
      j.start[p++] = pos;
    size_t len = gcomp_load_u32(lens + 4 * c);
    if (len < min_len || len > size - pos) {
      j.bad = c;
      bad_len = len;
      break;
    }
    pos += len;
  }
  while (p < j.pieces) j.start[p++] = pos; /* pieces after a refused length do nothing */
  gcomp_par_status_init(&j.status);
  gcomp_par_run(j.pieces, read_piece, &j);
  GCOMP_TRY(gcomp_par_result(&j.status));
  if (j.bad < chunks) return refuse(j.bad, bad_len);
  *consumed = pos;
  return gcompSuccess;
}

typedef struct {
  gcomp_chunk_reader read;
  void *ctx;
} one_reader;

static gcompResult_t read_one(void *ctx, uint64_t c, uint32_t k, const uint8_t *chunk,
                              const uint32_t *len, int cut, void *scratch) {
  const one_reader *r = ctx;
  (void)k, (void)cut, (void)scratch;
  return r->read(r->ctx, c, chunk, len[0]);
}

gcompResult_t gcomp_section_read(const uint8_t *lens, const uint8_t *data, size_t size,
                                 uint64_t chunks, size_t min_len, gcomp_chunk_reader read,
                                 gcomp_length_refusal refuse, void *ctx, size_t *consumed) {
  one_reader r = {read, ctx};
  return gcomp_section_read_groups(lens, data, size, chunks, 1, 0, min_len, read_one, refuse,
                                   &r, consumed);
}
