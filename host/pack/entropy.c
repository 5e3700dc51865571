#include "pack/entropy.h"

#include "pack/rans_chunk.h"
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

typedef struct {
  const uint32_t *sym;
  uint64_t n;
  const gcomp_rans_enc_table *t;
  uint64_t full, last; /* the chunks' bounds under this table */
} chunk_source;

static uint32_t chunk_len(uint64_t n, uint64_t c) {
  uint64_t first = c * GCOMP_RANS_CHUNK;
  return (uint32_t)(n - first < GCOMP_RANS_CHUNK ? n - first : GCOMP_RANS_CHUNK);
}

/* Symbols of the k chunks from chunk c. */
static uint32_t group_len(uint64_t n, uint64_t c, uint32_t k) {
  uint64_t first = c * GCOMP_RANS_CHUNK, all = (uint64_t)k * GCOMP_RANS_CHUNK;
  return (uint32_t)(n - first < all ? n - first : all);
}

/* Chunks c .. c + k - 1 (k <= GCOMP_RANS_LANES) four lanes at a time into
 * the piece's scratch (the coder writes back to front), then to their
 * places when they fit. */
static gcompResult_t write_group(void *ctx, uint64_t c, uint32_t k, uint8_t *out, size_t room,
                                 size_t *len, void *scratch) {
  const chunk_source *src = ctx;
  uint8_t *buf = scratch, *begin[GCOMP_RANS_LANES];
  gcomp_rans_encode_chunks(src->t, src->sym + c * GCOMP_RANS_CHUNK, group_len(src->n, c, k), buf,
                           begin);
  for (uint32_t j = 0; j < k; j++) {
    uint32_t m = chunk_len(src->n, c + j);
    size_t bytes = (size_t)(buf + (j + 1u) * GCOMP_RANS_CHUNK_SCRATCH - begin[j]);
    /* the section's layout relies on the table's bound */
    if (bytes > ((c + j) * GCOMP_RANS_CHUNK + m < src->n ? src->full : src->last))
      return gcomp_fail(gcompInternalError, "rans: chunk of %u symbols took %zu bytes", m, bytes);
    if (room < bytes)
      return gcomp_fail(gcompDstTooSmall, "rans: no room for chunk %llu",
                        (unsigned long long)(c + j));
    memcpy(out, begin[j], bytes);
    len[j] = bytes;
    out += bytes;
    room -= bytes;
  }
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
  gcomp_bitwriter w;
  uint64_t nchunks;
  unsigned A = 0, s;
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

  gcomp_rans_enc_table t;
  gcomp_rans_enc_table_init(&t, freq, A);

  /* The table bounds the chunks more tightly than the format does: the
   * section then fits a smaller dst even in its worst case, which lets
   * the chunks be written in parallel pieces (section.h). */
  chunk_source src = {sym, n, &t, gcomp_rans_chunk_bound_for(freq, A, GCOMP_RANS_CHUNK),
                      gcomp_rans_chunk_bound_for(freq, A, chunk_len(n, nchunks - 1))};
  GCOMP_TRY(gcomp_section_write_groups(dst + lens, dst + pos, cap - pos, nchunks,
                                       GCOMP_RANS_LANES, GCOMP_RANS_GROUP_SCRATCH,
                                       (size_t)src.full, (size_t)src.last, write_group, &src,
                                       &used));
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

typedef struct {
  gcomp_rans_dec_table t;
  uint64_t n;
  uint32_t *sym; /* all n symbols, or NULL: each group into the piece's scratch */
  gcomp_rans_symbols_fn use;
  void *ctx;
} chunk_sink;

static gcompResult_t read_group(void *ctx, uint64_t c, uint32_t k, const uint8_t *chunk,
                                const uint32_t *len, int cut, void *scratch) {
  const chunk_sink *d = ctx;
  const uint8_t *src[GCOMP_RANS_LANES];
  for (uint32_t j = 0; j < k; j++) {
    src[j] = chunk;
    chunk += len[j];
  }
  uint32_t m = group_len(d->n, c, k);
  uint32_t *out = d->sym ? d->sym + c * GCOMP_RANS_CHUNK : (uint32_t *)scratch;
  GCOMP_TRY(gcomp_rans_decode_chunks(&d->t, src, len, out, m, c));
  if (d->use && !cut) return d->use(d->ctx, c * GCOMP_RANS_CHUNK, out, m);
  return gcompSuccess;
}

static gcompResult_t refuse_length(uint64_t c, size_t len) {
  return gcomp_fail(gcompCorruptPayload, "rans: chunk %llu length %u does not fit the section",
                    (unsigned long long)c, (unsigned)len);
}

/* The section after the arguments' checks: into sym, or through use. */
static gcompResult_t decode_section(const uint8_t *src, size_t size, uint64_t n, uint32_t *sym,
                                    gcomp_rans_symbols_fn use, void *ctx, size_t *consumed) {
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET];
  unsigned A = 0;
  size_t pos = 0, lens, used = 0;
  GCOMP_TRY(read_table(src, size, freq, &A, &pos));
  uint64_t nchunks = chunk_count(n);
  if ((uint64_t)(size - pos) / 4u < nchunks)
    return gcomp_fail(gcompCorruptPayload, "rans: truncated chunk length table");
  lens = pos;
  pos += (size_t)nchunks * 4u;
  chunk_sink *d = malloc(sizeof *d); /* the decoder table: 80 KiB */
  if (d == NULL) return gcomp_fail(gcompOutOfMemory, "rans: decoder table");
  gcomp_rans_dec_table_init(&d->t, freq, A);
  d->n = n, d->sym = sym, d->use = use, d->ctx = ctx;
  gcompResult_t r = gcomp_section_read_groups(
      src + lens, src + pos, size - pos, nchunks, GCOMP_RANS_LANES,
      sym ? 0 : GCOMP_RANS_LANES * GCOMP_RANS_CHUNK * sizeof(uint32_t), 4u, read_group,
      refuse_length, d, &used);
  free(d);
  if (r == gcompSuccess) *consumed = pos + used;
  return r;
}

gcompResult_t gcomp_rans_decode(const uint8_t *src, size_t size, uint32_t *sym,
                                uint64_t n, size_t *consumed) {
  if (consumed == NULL)
    return gcomp_fail(gcompInvalidArgument, "rans: consumed is NULL");
  *consumed = 0;
  if ((src == NULL && size > 0) || sym == NULL)
    return gcomp_fail(gcompInvalidArgument, "rans: NULL buffer");
  if (n == 0) return gcomp_fail(gcompInvalidArgument, "rans: n = 0");
  if (n > GCOMP_MAX_DIM)
    return gcomp_fail(gcompSizeOverflow, "rans: n = %llu above the limit",
                      (unsigned long long)n);
  return decode_section(src, size, n, sym, NULL, NULL, consumed);
}

gcompResult_t gcomp_rans_decode_each(const uint8_t *src, size_t size, uint64_t n,
                                     gcomp_rans_symbols_fn use, void *ctx, size_t *consumed) {
  *consumed = 0;
  return decode_section(src, size, n, NULL, use, ctx, consumed);
}
