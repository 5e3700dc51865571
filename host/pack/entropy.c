#include "pack/entropy.h"

#include "shared/bitio.h"
#include "shared/check.h"
#include "shared/rans.h"
#include "shared/rans_table.h"
#include "core/pool.h"
#include "pack/section.h"
#include "pack/rans_estimate.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Per-step worst case, independent of the entropy argument behind
 * GCOMP_RANS_CHUNK_BOUND: an escape is at most 2 (ESC) + 1 (length)
 * + 2 + 2 (bits) bytes. The chunk scratch relies only on this. */
#define SCRATCH_BYTES (7u * GCOMP_RANS_CHUNK + 4u)

static uint64_t chunk_count(uint64_t n) {
  return (n + GCOMP_RANS_CHUNK - 1u) / GCOMP_RANS_CHUNK;
}

size_t gcomp_rans_bound(uint64_t n) {
  uint64_t b;
  if (n == 0 || n > GCOMP_MAX_DIM) return 0;
  /* Per chunk: a 4-byte length plus GCOMP_RANS_CHUNK_BOUND(m); the m / 64
   * terms sum to at most n / 64. */
  b = GCOMP_RANS_TABLE_MAX_BYTES + 8u * chunk_count(n) + 6u * n + n / 64u;
  if (b > (uint64_t)SIZE_MAX) return 0;
  return (size_t)b;
}

/* ------------------------------------------------------------- encoder */

/* Four interleaved histograms: consecutive equal symbols (the common case
 * here) would otherwise serialize on one counter's load-add-store. */
static void histogram(const uint32_t *sym, uint64_t n, uint64_t *cnt) {
  uint64_t h[4][GCOMP_RANS_MAX_ALPHABET];
  uint64_t i = 0;
  unsigned s;
  memset(h, 0, sizeof h);
  for (; i + 4u <= n; i += 4u) {
    h[0][gcomp_rans_letter(sym[i])]++;
    h[1][gcomp_rans_letter(sym[i + 1u])]++;
    h[2][gcomp_rans_letter(sym[i + 2u])]++;
    h[3][gcomp_rans_letter(sym[i + 3u])]++;
  }
  for (; i < n; i++) h[0][gcomp_rans_letter(sym[i])]++;
  for (s = 0; s < GCOMP_RANS_MAX_ALPHABET; s++)
    cnt[s] = h[0][s] + h[1][s] + h[2][s] + h[3][s];
}

/* Pieces of the histogram add into one table: integer sums, any order. */
typedef struct {
  const uint32_t *sym;
  pthread_mutex_t lock;
  uint64_t *cnt;
} histogram_job;

static void histogram_range(void *ctx, uint64_t first, uint64_t end) {
  histogram_job *j = ctx;
  uint64_t part[GCOMP_RANS_MAX_ALPHABET];
  unsigned s;
  histogram(j->sym + first, end - first, part);
  pthread_mutex_lock(&j->lock);
  for (s = 0; s < GCOMP_RANS_MAX_ALPHABET; s++) j->cnt[s] += part[s];
  pthread_mutex_unlock(&j->lock);
}

void gcomp_rans_histogram(const uint32_t *sym, uint64_t n, uint64_t *cnt) {
  histogram_job j;
  j.sym = sym;
  j.cnt = cnt;
  pthread_mutex_init(&j.lock, NULL);
  memset(cnt, 0, GCOMP_RANS_MAX_ALPHABET * sizeof *cnt);
  gcomp_par_for(n, GCOMP_PAR_GRAIN, histogram_range, &j);
  pthread_mutex_destroy(&j.lock);
}

/* One chunk, backwards, ending at `end`; returns where its bytes begin. */
static uint8_t *encode_chunk(const uint32_t *sym, uint32_t m,
                             const gcomp_rans_esym *es, uint8_t *end) {
  uint8_t *p = end;
  uint32_t x = GCOMP_RANS_L;
  uint32_t i = m;
  while (i > 0) {
    uint32_t s = sym[--i];
    if (s < GCOMP_RANS_ESC)
      x = gcomp_rans_enc_put(x, &p, &es[s]);
    else
      x = gcomp_rans_enc_put_escape(x, &p, s, &es[GCOMP_RANS_ESC]);
  }
  gcomp_rans_enc_flush(x, &p);
  return p;
}

typedef struct {
  const uint32_t *sym;
  uint64_t n;
  const gcomp_rans_esym *es;
  uint64_t full, last; /* the chunks' bounds under this table */
} chunk_source;

static uint32_t chunk_len(uint64_t n, uint64_t c) {
  uint64_t first = c * GCOMP_RANS_CHUNK;
  return (uint32_t)(n - first < GCOMP_RANS_CHUNK ? n - first : GCOMP_RANS_CHUNK);
}

/* Chunk c into a scratch on this thread's stack (the coder writes back to
 * front), then to its place when it fits. */
static gcompResult_t write_chunk(void *ctx, uint64_t c, uint8_t *out, size_t room,
                                 size_t *len) {
  const chunk_source *src = ctx;
  uint8_t scratch[SCRATCH_BYTES];
  uint32_t m = chunk_len(src->n, c);
  uint8_t *end = scratch + SCRATCH_BYTES;
  uint8_t *p = encode_chunk(src->sym + c * GCOMP_RANS_CHUNK, m, src->es, end);
  *len = (size_t)(end - p);
  /* the section's layout relies on the table's bound */
  if (*len > (c * GCOMP_RANS_CHUNK + m < src->n ? src->full : src->last))
    return gcomp_fail(gcompInternalError, "rans: chunk of %u symbols took %zu bytes", m, *len);
  if (room < *len)
    return gcomp_fail(gcompDstTooSmall, "rans: no room for chunk %llu",
                      (unsigned long long)c);
  memcpy(out, p, *len);
  return gcompSuccess;
}

gcompResult_t gcomp_rans_encode(const uint32_t *sym, uint64_t n, uint8_t *dst,
                                size_t cap, size_t *written) {
  uint64_t cnt[GCOMP_RANS_MAX_ALPHABET];
  if (written == NULL)
    return gcomp_fail(gcompInvalidArgument, "rans: written is NULL");
  *written = 0;
  if (sym == NULL || (dst == NULL && cap > 0))
    return gcomp_fail(gcompInvalidArgument, "rans: NULL buffer");
  if (n == 0) return gcomp_fail(gcompInvalidArgument, "rans: n = 0");
  if (n > GCOMP_MAX_DIM)
    return gcomp_fail(gcompSizeOverflow, "rans: n = %llu above the limit",
                      (unsigned long long)n);
  gcomp_rans_histogram(sym, n, cnt);
  return gcomp_rans_encode_counted(sym, n, cnt, dst, cap, written);
}

gcompResult_t gcomp_rans_encode_counted(const uint32_t *sym, uint64_t n, const uint64_t *cnt,
                                        uint8_t *dst, size_t cap, size_t *written) {
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET];
  gcomp_rans_esym es[GCOMP_RANS_MAX_ALPHABET];
  gcomp_bitwriter w;
  uint64_t nchunks;
  unsigned A = 0, s;
  uint32_t start = 0;
  size_t pos, lens, used = 0;

  *written = 0;
  for (s = 0; s < GCOMP_RANS_MAX_ALPHABET; s++)
    if (cnt[s] != 0) A = s + 1u;
  gcomp_rans_normalize(cnt, A, n, freq);

  if (cap < 1)
    return gcomp_fail(gcompDstTooSmall, "rans: no room for the table");
  dst[0] = (uint8_t)(A - 1u);
  gcomp_bw_init(&w, dst + 1, cap - 1u);
  gcomp_rans_write_table(&w, freq, A);
  if (w.overflow)
    return gcomp_fail(gcompDstTooSmall, "rans: no room for the table");
  pos = 1u + (size_t)(w.pos / 8u);

  nchunks = chunk_count(n);
  if ((uint64_t)(cap - pos) / 4u < nchunks)
    return gcomp_fail(gcompDstTooSmall, "rans: no room for the chunk lengths");
  lens = pos;
  pos += (size_t)nchunks * 4u;

  for (s = 0; s < A; s++) {
    if (freq[s] != 0) gcomp_rans_esym_init(&es[s], start, freq[s]);
    start += freq[s];
  }

  /* The table bounds the chunks more tightly than the format does: the
   * section then fits a smaller dst even in its worst case, which lets
   * the chunks be written in parallel pieces (section.h). */
  chunk_source src = {sym, n, es, gcomp_rans_chunk_bound_for(freq, A, GCOMP_RANS_CHUNK),
                      gcomp_rans_chunk_bound_for(freq, A, chunk_len(n, nchunks - 1))};
  GCOMP_TRY(gcomp_section_write(dst + lens, dst + pos, cap - pos, nchunks, (size_t)src.full,
                                (size_t)src.last, write_chunk, &src, &used));
  *written = pos + used;
  return gcompSuccess;
}

/* ------------------------------------------------------------- decoder */

static gcompResult_t read_table(const uint8_t *src, size_t size, uint32_t *freq,
                                unsigned *alphabet, size_t *table_bytes) {
  unsigned s = 0;
  uint32_t sum = 0;
  switch (gcomp_rans_read_table(src, size, freq, alphabet, table_bytes, &s, &sum)) {
  case GCOMP_RANS_TABLE_OK: return gcompSuccess;
  case GCOMP_RANS_TABLE_EMPTY: return gcomp_fail(gcompCorruptPayload, "rans: empty section");
  case GCOMP_RANS_TABLE_TRUNCATED:
    return gcomp_fail(gcompCorruptPayload, "rans: truncated table");
  case GCOMP_RANS_TABLE_LONG_CODE:
    return gcomp_fail(gcompCorruptPayload,
                      "rans: frequency code of symbol %u too long", s);
  case GCOMP_RANS_TABLE_EXCEEDS:
    return gcomp_fail(gcompCorruptPayload,
                      "rans: frequencies exceed %u at symbol %u",
                      GCOMP_RANS_PROB_SCALE, s);
  case GCOMP_RANS_TABLE_SUM:
    return gcomp_fail(gcompCorruptPayload,
                      "rans: frequencies sum to %u, not %u", sum,
                      GCOMP_RANS_PROB_SCALE);
  case GCOMP_RANS_TABLE_TOP_ZERO:
    return gcomp_fail(gcompCorruptPayload,
                      "rans: highest symbol %u has frequency 0", s);
  case GCOMP_RANS_TABLE_PADDING:
    return gcomp_fail(gcompCorruptPayload, "rans: nonzero table padding");
  }
  return gcomp_fail(gcompInternalError, "rans: table reader");
}

static gcompResult_t decode_chunk(const uint8_t *p, const uint8_t *end,
                                  const uint32_t *tab, uint32_t esc,
                                  uint32_t *out, uint32_t m, uint64_t c) {
  uint32_t x = gcomp_rans_dec_init(&p);
  uint32_t i;
  if (x < GCOMP_RANS_L || x >= (GCOMP_RANS_L << 8))
    return gcomp_fail(gcompCorruptPayload,
                      "rans: chunk %llu: initial state %#x out of range",
                      (unsigned long long)c, x);
  for (i = 0; i < m; i++) {
    uint32_t e = tab[gcomp_rans_dec_slot(x)];
    uint32_t s = gcomp_rans_dslot_sym(e);
    x = gcomp_rans_dec_renorm(gcomp_rans_dec_advance(x, e), &p, end);
    if (x < GCOMP_RANS_L)
      return gcomp_fail(gcompCorruptPayload,
                        "rans: chunk %llu runs out of bytes at symbol %u",
                        (unsigned long long)c, i);
    if (s == esc && !gcomp_rans_dec_get_escape(&x, &p, end, &s))
      return gcomp_fail(gcompCorruptPayload,
                        "rans: chunk %llu: bad escape at symbol %u",
                        (unsigned long long)c, i);
    out[i] = s;
  }
  if (p != end)
    return gcomp_fail(gcompCorruptPayload,
                      "rans: chunk %llu leaves %zu bytes unread",
                      (unsigned long long)c, (size_t)(end - p));
  if (x != GCOMP_RANS_L)
    return gcomp_fail(gcompCorruptPayload,
                      "rans: chunk %llu ends in state %#x, not %#x",
                      (unsigned long long)c, x, GCOMP_RANS_L);
  return gcompSuccess;
}

typedef struct {
  const uint32_t *tab;
  uint32_t esc;
  uint32_t *sym;
  uint64_t n;
} chunk_sink;

static gcompResult_t read_chunk(void *ctx, uint64_t c, const uint8_t *chunk, size_t len) {
  const chunk_sink *d = ctx;
  return decode_chunk(chunk, chunk + len, d->tab, d->esc, d->sym + c * GCOMP_RANS_CHUNK,
                      chunk_len(d->n, c), c);
}

static gcompResult_t refuse_length(uint64_t c, size_t len) {
  return gcomp_fail(gcompCorruptPayload, "rans: chunk %llu length %u does not fit the section",
                    (unsigned long long)c, (unsigned)len);
}

gcompResult_t gcomp_rans_decode(const uint8_t *src, size_t size, uint32_t *sym,
                                uint64_t n, size_t *consumed) {
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET];
  uint32_t tab[GCOMP_RANS_PROB_SCALE];
  uint64_t nchunks;
  unsigned A = 0, s;
  uint32_t start = 0, esc;
  size_t pos = 0, lens;

  if (consumed == NULL)
    return gcomp_fail(gcompInvalidArgument, "rans: consumed is NULL");
  *consumed = 0;
  if ((src == NULL && size > 0) || sym == NULL)
    return gcomp_fail(gcompInvalidArgument, "rans: NULL buffer");
  if (n == 0) return gcomp_fail(gcompInvalidArgument, "rans: n = 0");
  if (n > GCOMP_MAX_DIM)
    return gcomp_fail(gcompSizeOverflow, "rans: n = %llu above the limit",
                      (unsigned long long)n);

  GCOMP_TRY(read_table(src, size, freq, &A, &pos));
  for (s = 0; s < A; s++) {
    uint32_t k;
    for (k = 0; k < freq[s]; k++)
      tab[start + k] = gcomp_rans_dslot(s, start, freq[s], start + k);
    start += freq[s];
  }
  /* Without escapes no slot holds 255, and 256 matches no slot. */
  esc = A == GCOMP_RANS_MAX_ALPHABET ? GCOMP_RANS_ESC : GCOMP_RANS_MAX_ALPHABET;

  nchunks = chunk_count(n);
  if ((uint64_t)(size - pos) / 4u < nchunks)
    return gcomp_fail(gcompCorruptPayload,
                      "rans: truncated chunk length table");
  lens = pos;
  pos += (size_t)nchunks * 4u;

  chunk_sink dst = {tab, esc, sym, n};
  size_t used = 0;
  GCOMP_TRY(gcomp_section_read(src + lens, src + pos, size - pos, nchunks, 4u, read_chunk,
                               refuse_length, &dst, &used));
  *consumed = pos + used;
  return gcompSuccess;
}
