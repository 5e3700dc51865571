#include "pack/fixed.h"

#include "shared/check.h"
#include "shared/fixed_pack.h"
#include "core/hot.h"
#include "core/wire.h"

#include <string.h>


static uint64_t chunk_count(uint64_t n) {
  return (n + GCOMP_FIXED_CHUNK - 1) / GCOMP_FIXED_CHUNK;
}

size_t gcomp_fixed_bound(uint64_t n) {
  /* w = 32 never escapes: 4 bytes a symbol plus the heads and the table. */
  return (size_t)(chunk_count(n) * (4 + GCOMP_FIXED_HEAD) + 4 * n);
}

static unsigned bit_length(uint32_t v) {
  return v ? 32u - (unsigned)__builtin_clz(v) : 0u;
}

/* esc[] for choose_width. Symbols are usually below 255: then eight
 * branch-free compare-and-count sums (they vectorize) give esc[1..8] and
 * wider widths need no escape; otherwise a bit-length histogram. */
GCOMP_HOT static void escape_counts(const uint32_t *s, uint32_t len, uint32_t max,
                                   uint32_t *esc) {
  memset(esc, 0, 33 * sizeof *esc);
  if (max < 15) { /* the common case: levels of a few bits */
    uint32_t c1 = 0, c2 = 0, c3 = 0;
    for (uint32_t i = 0; i < len; i++) {
      int32_t v = (int32_t)s[i];
      c1 += v >= 1, c2 += v >= 3, c3 += v >= 7;
    }
    esc[1] = c1, esc[2] = c2, esc[3] = c3;
    return;
  }
  if (max < 255) {
    uint32_t c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0, c8 = 0;
    for (uint32_t i = 0; i < len; i++) {
      int32_t v = (int32_t)s[i];
      c1 += v >= 1, c2 += v >= 3, c3 += v >= 7, c4 += v >= 15;
      c5 += v >= 31, c6 += v >= 63, c7 += v >= 127, c8 += v >= 255;
    }
    esc[1] = c1, esc[2] = c2, esc[3] = c3, esc[4] = c4;
    esc[5] = c5, esc[6] = c6, esc[7] = c7, esc[8] = c8;
    return;
  }
  uint32_t cnt[33] = {0}, ones[33] = {0};
  for (uint32_t i = 0; i < len; i++) {
    unsigned b = bit_length(s[i]);
    cnt[b]++;
    if (b && s[i] == (uint32_t)(((uint64_t)1 << b) - 1)) ones[b]++;
  }
  uint32_t longer = len - cnt[0]; /* symbols longer than w bits */
  for (unsigned w = 1; w < 32; w++) {
    longer -= cnt[w];
    esc[w] = longer + ones[w];
  }
}

/* Eight symbols of width w (w <= 8), one byte each, become exactly w bytes:
 * neighbours are merged pairwise inside one 64-bit word (bytes into 16-bit
 * lanes, those into 32-bit lanes, then the two halves): a few shifts and
 * masks, and the first loop vectorizes across groups. Each word is stored
 * whole; the next group overwrites its excess bytes, so the caller stops
 * one group early. */
static inline void pack_narrow(const uint8_t *b, uint32_t groups, unsigned w,
                               uint8_t *out) {
  const uint64_t m16 = 0x00FF00FF00FF00FFull, m32 = 0x0000FFFF0000FFFFull;
  uint64_t words[GCOMP_FIXED_CHUNK / 8];
  memcpy(words, b, (size_t)groups * 8);
  for (uint32_t g = 0; g < groups; g++) {
    uint64_t v = words[g];
    v = (v & m16) | (((v >> 8) & m16) << w);
    v = (v & m32) | (((v >> 16) & m32) << (2 * w));
    words[g] = (v & 0xFFFFFFFFull) | ((v >> 32) << (4 * w));
  }
  for (uint32_t g = 0; g < groups; g++) gcomp_store_u64(out + (size_t)g * w, words[g]);
}

/* Any width, one symbol at a time: the tail of a chunk and wide symbols. */
static void pack_generic(const uint32_t *s, uint32_t len, unsigned w, uint32_t marker,
                         uint64_t bitpos, uint8_t *out) {
  uint64_t acc = 0;
  unsigned nbits = (unsigned)(bitpos & 7);
  uint8_t *p = out + bitpos / 8;
  if (nbits) acc = *p & ((1u << nbits) - 1);
  for (uint32_t i = 0; i < len; i++) {
    uint32_t v = (w < 32 && s[i] >= marker) ? marker : s[i];
    acc |= (uint64_t)v << nbits;
    nbits += w;
    while (nbits >= 8) {
      *p++ = (uint8_t)acc;
      acc >>= 8;
      nbits -= 8;
    }
  }
  if (nbits) *p = (uint8_t)acc;
}

size_t gcomp_fixed_chunk_bound(uint32_t len) { return gcomp_fixed_chunk_bytes(len, 32, 0); }

static uint32_t max_of(const uint32_t *s, uint32_t len) {
  uint32_t m = 0;
  for (uint32_t i = 0; i < len; i++) m = s[i] > m ? s[i] : m;
  return m;
}

GCOMP_HOT size_t gcomp_fixed_encode_chunk(const uint32_t *s, uint32_t len, uint32_t max,
                                          uint8_t *dst) {
  uint32_t esc[33];
  escape_counts(s, len, max, esc);
  uint32_t n_esc;
  unsigned w = gcomp_fixed_choose_width(esc, len, max, &n_esc);
  dst[0] = (uint8_t)w;
  dst[1] = (uint8_t)n_esc;
  dst[2] = (uint8_t)(n_esc >> 8);
  uint8_t *p = dst + GCOMP_FIXED_HEAD;
  if (w == 0) return GCOMP_FIXED_HEAD;
  uint32_t marker = gcomp_fixed_marker(w);
  /* the last whole group goes through pack_generic: pack_narrow's 8-byte
   * stores must not pass the end of the chunk */
  uint32_t groups = w <= 8 && len >= 16 ? len / 8 - 1 : 0;
  uint8_t bytes[GCOMP_FIXED_CHUNK];
  if (groups)
    for (uint32_t i = 0; i < groups * 8; i++) bytes[i] = (uint8_t)(s[i] < marker ? s[i] : marker);
  switch (groups ? w : 0) {
#define GCOMP_PACK_CASE(W) \
  case W: pack_narrow(bytes, groups, W, p); break;
    GCOMP_PACK_CASE(1) GCOMP_PACK_CASE(2) GCOMP_PACK_CASE(3) GCOMP_PACK_CASE(4)
    GCOMP_PACK_CASE(5) GCOMP_PACK_CASE(6) GCOMP_PACK_CASE(7) GCOMP_PACK_CASE(8)
#undef GCOMP_PACK_CASE
  default: break;
  }
  uint32_t done = groups * 8;
  pack_generic(s + done, len - done, w, marker, (uint64_t)done * w, p);
  if (n_esc) {
    uint8_t *out = p + ((size_t)len * w + 7) / 8;
    for (uint32_t i = 0; i < len; i++)
      if (s[i] >= marker) {
        gcomp_store_u32(out, s[i]);
        out += 4;
      }
  }
  return gcomp_fixed_chunk_bytes(len, w, n_esc);
}

size_t gcomp_fixed_chunk_size(const uint32_t *s, uint32_t len, uint32_t max) {
  uint32_t esc[33], n_esc;
  escape_counts(s, len, max, esc);
  unsigned w = gcomp_fixed_choose_width(esc, len, max, &n_esc);
  return gcomp_fixed_chunk_bytes(len, w, n_esc);
}

uint32_t gcomp_fixed_chunk_len(uint64_t n, uint64_t c) {
  uint64_t off = c * GCOMP_FIXED_CHUNK;
  return (uint32_t)(n - off < GCOMP_FIXED_CHUNK ? n - off : GCOMP_FIXED_CHUNK);
}

gcompResult_t gcomp_fixed_write_section(uint8_t *dst, size_t cap, uint64_t n,
                                        gcomp_chunk_writer write, void *ctx, size_t *written) {
  uint64_t chunks = chunk_count(n);
  size_t table = 4 * (size_t)chunks, used = 0;
  GCOMP_TRY(gcomp_section_write(dst, dst + table, cap - table, chunks,
                                gcomp_fixed_chunk_bound(GCOMP_FIXED_CHUNK),
                                gcomp_fixed_chunk_bound(gcomp_fixed_chunk_len(n, chunks - 1)),
                                write, ctx, &used));
  *written = table + used;
  return gcompSuccess;
}

typedef struct {
  const uint32_t *sym;
  uint64_t n;
} symbols;

/* Worst-case chunk size is checked before each write, so a small cap
 * fails cleanly instead of overrunning. */
static gcompResult_t write_symbols(void *ctx, uint64_t c, uint8_t *out, size_t room,
                                   size_t *len) {
  const symbols *s = ctx;
  uint32_t m = gcomp_fixed_chunk_len(s->n, c);
  const uint32_t *sym = s->sym + c * GCOMP_FIXED_CHUNK;
  if (room < gcomp_fixed_chunk_bound(m))
    return gcomp_fail(gcompDstTooSmall, "fixed section: dst too small");
  *len = gcomp_fixed_encode_chunk(sym, m, max_of(sym, m), out);
  return gcompSuccess;
}

gcompResult_t gcomp_fixed_encode(const uint32_t *sym, uint64_t n, uint8_t *dst,
                                 size_t cap, size_t *written) {
  if (cap / 4 < chunk_count(n)) return gcomp_fail(gcompDstTooSmall, "fixed section: dst too small");
  symbols s = {sym, n};
  return gcomp_fixed_write_section(dst, cap, n, write_symbols, &s, written);
}

/* Inverse of pack_narrow: w bytes (loaded as one word, so the caller keeps
 * 8 readable bytes from each group's start) spread back to 8 one-byte
 * symbols by the same three lane steps in reverse. */
static inline void unpack_narrow(const uint8_t *p, uint32_t groups, unsigned w, uint8_t *b) {
  const uint64_t m32 = ((uint64_t)1 << (4 * w)) - 1;
  const uint64_t m16 = (((uint64_t)1 << (2 * w)) - 1) * 0x0000000100000001ull;
  const uint64_t m8 = (((uint64_t)1 << w) - 1) * 0x0001000100010001ull;
  for (uint32_t g = 0; g < groups; g++) {
    uint64_t v = gcomp_load_u64(p + (size_t)g * w);
    v = (v & m32) | (((v >> (4 * w)) & m32) << 32);
    v = (v & m16) | (((v >> (2 * w)) & m16) << 16);
    v = (v & m8) | (((v >> w) & m8) << 8);
    memcpy(b + 8 * (size_t)g, &v, 8);
  }
}

/* Stored values of symbols [from, len) one at a time, never reading past
 * the packed area. */
static void unpack_generic(const uint8_t *p, uint32_t from, uint32_t len, unsigned w,
                           uint32_t *s) {
  uint64_t mask = gcomp_fixed_marker(w); /* w low bits set */
  for (uint32_t i = from; i < len; i++) {
    uint64_t bitpos = (uint64_t)i * w;
    size_t byte = (size_t)(bitpos >> 3);
    unsigned off = (unsigned)(bitpos & 7);
    uint64_t acc = 0;
    size_t need = (off + w + 7) / 8;
    for (size_t k = 0; k < need; k++) acc |= (uint64_t)p[byte + k] << (8 * k);
    s[i] = (uint32_t)((acc >> off) & mask);
  }
}

GCOMP_HOT gcompResult_t gcomp_fixed_decode_chunk(const uint8_t *src, size_t size, uint32_t *s,
                                                 uint32_t len) {
  if (size < GCOMP_FIXED_HEAD)
    return gcomp_fail(gcompCorruptPayload, "fixed chunk shorter than its head");
  unsigned w = src[0];
  uint32_t n_esc = (uint32_t)src[1] | (uint32_t)src[2] << 8;
  if (w > 32 || n_esc > len || (w == 0 && n_esc) || (w == 32 && n_esc))
    return gcomp_fail(gcompCorruptPayload, "fixed chunk head invalid (w %u, %u escapes)",
                      w, n_esc);
  if (size != gcomp_fixed_chunk_bytes(len, w, n_esc))
    return gcomp_fail(gcompCorruptPayload, "fixed chunk length %zu does not match its head",
                      size);
  if (w == 0) {
    memset(s, 0, (size_t)len * sizeof *s);
    return gcompSuccess;
  }
  const uint8_t *p = src + GCOMP_FIXED_HEAD;
  size_t packed = ((size_t)len * w + 7) / 8;
  size_t avail = size - GCOMP_FIXED_HEAD; /* packed area + escapes */
  uint32_t groups = 0;
  if (w <= 8 && avail >= 8) {
    groups = len / 8;
    uint32_t safe = (uint32_t)((avail - 8) / w) + 1; /* loads that stay inside */
    groups = groups < safe ? groups : safe;
  }
  if (groups) {
    uint8_t bytes[GCOMP_FIXED_CHUNK];
    unpack_narrow(p, groups, w, bytes);
    for (uint32_t i = 0; i < groups * 8; i++) s[i] = bytes[i];
  }
  unpack_generic(p, groups * 8, len, w, s);
  unsigned tail = (unsigned)(((uint64_t)len * w) & 7);
  if (tail && (p[packed - 1] >> tail))
    return gcomp_fail(gcompCorruptPayload, "fixed chunk: padding bits not zero");
  if (w == 32) return gcompSuccess;
  uint32_t marker = gcomp_fixed_marker(w), markers = 0;
  for (uint32_t i = 0; i < len; i++) markers += s[i] == marker;
  if (markers != n_esc)
    return gcomp_fail(gcompCorruptPayload, "fixed chunk: %u escape markers, %u declared",
                      markers, n_esc);
  const uint8_t *esc = p + packed;
  for (uint32_t i = 0; markers && i < len; i++) {
    if (s[i] != marker) continue;
    s[i] = gcomp_load_u32(esc);
    esc += 4;
    markers--;
    if (s[i] < marker)
      return gcomp_fail(gcompCorruptPayload, "fixed chunk: escape holds a small value");
  }
  return gcompSuccess;
}

static gcompResult_t refuse_length(uint64_t c, size_t len) {
  (void)len;
  return gcomp_fail(gcompCorruptPayload, "fixed chunk %llu overruns the section",
                    (unsigned long long)c);
}

gcompResult_t gcomp_fixed_read_section(const uint8_t *src, size_t size, uint64_t n,
                                       gcomp_chunk_reader read, void *ctx, size_t *consumed) {
  uint64_t chunks = chunk_count(n);
  if (chunks > size / 4)
    return gcomp_fail(gcompCorruptPayload, "fixed section truncated (chunk table)");
  size_t table = 4 * (size_t)chunks, used = 0;
  GCOMP_TRY(gcomp_section_read(src, src + table, size - table, chunks, 0, read, refuse_length,
                               ctx, &used));
  *consumed = table + used;
  return gcompSuccess;
}

typedef struct {
  uint32_t *sym;
  uint64_t n;
} destination;

static gcompResult_t read_symbols(void *ctx, uint64_t c, const uint8_t *chunk, size_t len) {
  const destination *d = ctx;
  return gcomp_fixed_decode_chunk(chunk, len, d->sym + c * GCOMP_FIXED_CHUNK,
                                  gcomp_fixed_chunk_len(d->n, c));
}

gcompResult_t gcomp_fixed_decode(const uint8_t *src, size_t size, uint32_t *sym,
                                 uint64_t n, size_t *consumed) {
  destination d = {sym, n};
  return gcomp_fixed_read_section(src, size, n, read_symbols, &d, consumed);
}
