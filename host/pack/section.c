#include "pack/section.h"

#include "core/pool.h"
#include "shared/check.h"
#include "core/wire.h"

#include <string.h>

/* ---------------------------------------------------------------- write */

typedef struct {
  uint8_t *lens, *data;
  size_t cap, full;
  uint64_t chunks;
  gcomp_chunk_writer write;
  void *ctx;
  unsigned pieces;
  size_t used[GCOMP_PAR_MAX_PIECES];
  gcomp_par_status status;
} write_job;

/* Where piece p's chunks go first: after the worst case of the chunks
 * before it, all full ones. */
static size_t piece_start(const write_job *j, unsigned p) {
  uint64_t first, end;
  gcomp_par_range(j->chunks, j->pieces, p, &first, &end);
  return (size_t)first * j->full;
}

static void write_piece(void *arg, unsigned p) {
  write_job *j = arg;
  uint64_t first, end;
  gcomp_par_range(j->chunks, j->pieces, p, &first, &end);
  size_t start = piece_start(j, p), pos = start;
  for (uint64_t c = first; c < end; c++) {
    size_t len = 0;
    gcompResult_t r = j->write(j->ctx, c, j->data + pos, j->cap - pos, &len);
    if (r != gcompSuccess) {
      gcomp_par_fail(&j->status, c, r);
      break;
    }
    gcomp_store_u32(j->lens + 4 * c, (uint32_t)len);
    pos += len;
  }
  j->used[p] = pos - start;
}

gcompResult_t gcomp_section_write(uint8_t *lens, uint8_t *data, size_t cap, uint64_t chunks,
                                  size_t full, size_t last, gcomp_chunk_writer write, void *ctx,
                                  size_t *written) {
  write_job j;
  j.lens = lens, j.data = data, j.cap = cap, j.full = full, j.chunks = chunks;
  j.write = write, j.ctx = ctx;
  j.pieces = gcomp_par_pieces(chunks, GCOMP_SECTION_GRAIN);
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

/* ----------------------------------------------------------------- read */

typedef struct {
  const uint8_t *lens, *data;
  uint64_t chunks, bad; /* bad: the first chunk whose length is refused */
  gcomp_chunk_reader read;
  void *ctx;
  unsigned pieces;
  size_t start[GCOMP_PAR_MAX_PIECES];
  gcomp_par_status status;
} read_job;

static void read_piece(void *arg, unsigned p) {
  read_job *j = arg;
  uint64_t first, end;
  gcomp_par_range(j->chunks, j->pieces, p, &first, &end);
  size_t pos = j->start[p];
  for (uint64_t c = first; c < end && c < j->bad; c++) {
    size_t len = gcomp_load_u32(j->lens + 4 * c);
    gcompResult_t r = j->read(j->ctx, c, j->data + pos, len);
    if (r != gcompSuccess) {
      gcomp_par_fail(&j->status, c, r);
      return;
    }
    pos += len;
  }
}

gcompResult_t gcomp_section_read(const uint8_t *lens, const uint8_t *data, size_t size,
                                 uint64_t chunks, size_t min_len, gcomp_chunk_reader read,
                                 gcomp_length_refusal refuse, void *ctx, size_t *consumed) {
  read_job j;
  j.lens = lens, j.data = data, j.chunks = chunks, j.bad = chunks;
  j.read = read, j.ctx = ctx;
  j.pieces = gcomp_par_pieces(chunks, GCOMP_SECTION_GRAIN);
  /* The lengths in order: each piece's start, and the first refused. */
  size_t pos = 0, bad_len = 0;
  unsigned p = 0;
  for (uint64_t c = 0; c < chunks; c++) {
    uint64_t first, end;
    while (p < j.pieces && (gcomp_par_range(chunks, j.pieces, p, &first, &end), first == c))
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
