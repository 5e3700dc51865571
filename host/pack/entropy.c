#include "pack/entropy.h"

#include "pack/rans_chunk.h"
#include "shared/bitio.h"
#include "shared/check.h"
#include "shared/rans.h"
#include "shared/rans_table.h"

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

static void put_u32le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v & 0xffu);
  p[1] = (uint8_t)((v >> 8) & 0xffu);
  p[2] = (uint8_t)((v >> 16) & 0xffu);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32le(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

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

gcompResult_t gcomp_rans_encode(const uint32_t *sym, uint64_t n, uint8_t *dst,
                                size_t cap, size_t *written) {
  uint64_t cnt[GCOMP_RANS_MAX_ALPHABET];
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET];
  gcomp_rans_enc_table t;
  gcomp_bitwriter w;
  uint64_t nchunks, c;
  unsigned A = 0, s;
  size_t pos, lens;
  uint8_t *scratch;

  if (written == NULL)
    return gcomp_fail(gcompInvalidArgument, "rans: written is NULL");
  *written = 0;
  if (sym == NULL || (dst == NULL && cap > 0))
    return gcomp_fail(gcompInvalidArgument, "rans: NULL buffer");
  if (n == 0) return gcomp_fail(gcompInvalidArgument, "rans: n = 0");
  if (n > GCOMP_MAX_DIM)
    return gcomp_fail(gcompSizeOverflow, "rans: n = %llu above the limit",
                      (unsigned long long)n);

  histogram(sym, n, cnt);
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

  gcomp_rans_enc_table_init(&t, freq, A);
  scratch = (uint8_t *)malloc(GCOMP_RANS_GROUP_SCRATCH);
  if (scratch == NULL)
    return gcomp_fail(gcompOutOfMemory, "rans: chunk scratch");
  for (c = 0; c < nchunks; c += GCOMP_RANS_LANES) {
    uint64_t first = c * GCOMP_RANS_CHUNK;
    uint32_t len = (uint32_t)(n - first < GCOMP_RANS_LANES * GCOMP_RANS_CHUNK
                                  ? n - first
                                  : GCOMP_RANS_LANES * GCOMP_RANS_CHUNK);
    uint8_t *begin[GCOMP_RANS_LANES];
    gcomp_rans_encode_chunks(&t, sym + first, len, scratch, begin);
    for (uint32_t j = 0; j < gcomp_rans_chunks_of(len); j++) {
      uint32_t m = len - j * GCOMP_RANS_CHUNK < GCOMP_RANS_CHUNK ? len - j * GCOMP_RANS_CHUNK
                                                                 : GCOMP_RANS_CHUNK;
      size_t bytes = (size_t)(scratch + (j + 1u) * GCOMP_RANS_CHUNK_SCRATCH - begin[j]);
      if (bytes > GCOMP_RANS_CHUNK_BOUND(m)) {
        free(scratch);
        return gcomp_fail(gcompInternalError,
                          "rans: chunk of %u symbols took %zu bytes", m, bytes);
      }
      if (cap - pos < bytes) {
        free(scratch);
        return gcomp_fail(gcompDstTooSmall, "rans: no room for chunk %llu",
                          (unsigned long long)(c + j));
      }
      memcpy(dst + pos, begin[j], bytes);
      put_u32le(dst + lens + (size_t)(c + j) * 4u, (uint32_t)bytes);
      pos += bytes;
    }
  }
  free(scratch);
  *written = pos;
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

gcompResult_t gcomp_rans_reader_init(gcomp_rans_reader *r, const uint8_t *src, size_t size,
                                     uint64_t n) {
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET];
  unsigned A = 0;
  size_t pos = 0;
  GCOMP_TRY(read_table(src, size, freq, &A, &pos));
  gcomp_rans_dec_table_init(&r->t, freq, A);
  r->chunks = chunk_count(n);
  if ((uint64_t)(size - pos) / 4u < r->chunks)
    return gcomp_fail(gcompCorruptPayload, "rans: truncated chunk length table");
  r->src = src;
  r->size = size;
  r->lens = pos;
  r->pos = pos + (size_t)r->chunks * 4u;
  r->n = n;
  r->next = 0;
  return gcompSuccess;
}

/* A bad length is reported after the chunks before it are decoded, as
 * one chunk at a time would. */
gcompResult_t gcomp_rans_reader_next(gcomp_rans_reader *r, uint32_t *sym, uint32_t *len) {
  const uint8_t *chunk[GCOMP_RANS_LANES];
  uint32_t bytes[GCOMP_RANS_LANES];
  uint64_t c = r->next, first = c * GCOMP_RANS_CHUNK;
  uint32_t k = 0, bad = 0;
  *len = 0;
  for (; k < GCOMP_RANS_LANES && c + k < r->chunks; k++) {
    uint32_t b = get_u32le(r->src + r->lens + (size_t)(c + k) * 4u);
    if (b < 4u || b > r->size - r->pos) {
      bad = 1;
      break;
    }
    chunk[k] = r->src + r->pos;
    bytes[k] = b;
    r->pos += b;
  }
  if (k > 0) {
    uint64_t m = r->n - first < (uint64_t)k * GCOMP_RANS_CHUNK ? r->n - first
                                                               : (uint64_t)k * GCOMP_RANS_CHUNK;
    GCOMP_TRY(gcomp_rans_decode_chunks(&r->t, chunk, bytes, sym, (uint32_t)m, c));
    *len = (uint32_t)m;
  }
  r->next = c + k;
  if (bad)
    return gcomp_fail(gcompCorruptPayload, "rans: chunk %llu length %u does not fit the section",
                      (unsigned long long)(c + k),
                      get_u32le(r->src + r->lens + (size_t)(c + k) * 4u));
  return gcompSuccess;
}

gcompResult_t gcomp_rans_decode(const uint8_t *src, size_t size, uint32_t *sym,
                                uint64_t n, size_t *consumed) {
  gcomp_rans_reader r;
  if (consumed == NULL)
    return gcomp_fail(gcompInvalidArgument, "rans: consumed is NULL");
  *consumed = 0;
  if ((src == NULL && size > 0) || sym == NULL)
    return gcomp_fail(gcompInvalidArgument, "rans: NULL buffer");
  if (n == 0) return gcomp_fail(gcompInvalidArgument, "rans: n = 0");
  if (n > GCOMP_MAX_DIM)
    return gcomp_fail(gcompSizeOverflow, "rans: n = %llu above the limit",
                      (unsigned long long)n);
  GCOMP_TRY(gcomp_rans_reader_init(&r, src, size, n));
  while (r.next < r.chunks) {
    uint32_t len = 0;
    GCOMP_TRY(gcomp_rans_reader_next(&r, sym + r.next * GCOMP_RANS_CHUNK, &len));
  }
  *consumed = r.pos;
  return gcompSuccess;
}
