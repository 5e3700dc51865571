#include "fixed_stream.h"

#include "error.h"
#include "wire.h"

#include <string.h>

/* Chunk layout: [w: u8][n_esc: u16][L*w bits, LSB first, byte padded]
 * [n_esc x u32]. A stored value 2^w - 1 (1 <= w < 32) means "next escape". */
#define CHUNK_HEAD 3u

static uint64_t chunk_count(uint64_t n) {
  return (n + GCOMP_FIXED_CHUNK - 1) / GCOMP_FIXED_CHUNK;
}

static size_t chunk_bytes(uint32_t len, unsigned w, uint32_t n_esc) {
  return CHUNK_HEAD + ((size_t)len * w + 7) / 8 + 4u * (size_t)n_esc;
}

size_t gcomp_fixed_bound(uint64_t n) {
  /* w = 32 never escapes: 4 bytes a symbol plus the heads and the table. */
  return (size_t)(chunk_count(n) * (4 + CHUNK_HEAD) + 4 * n);
}

static unsigned bit_length(uint32_t v) {
  return v ? 32u - (unsigned)__builtin_clz(v) : 0u;
}

/* The width that minimises the chunk's size: cnt[b] = symbols of bit length
 * b. A symbol fits width w (1 <= w < 32) when it is below 2^w - 1. */
static unsigned choose_width(const uint32_t *cnt, const uint32_t *all_ones,
                             uint32_t len, uint32_t *n_esc_out) {
  unsigned best_w = 32;
  uint64_t best_bits = (uint64_t)len * 32;
  uint32_t best_esc = 0;
  if (cnt[0] == len) {
    *n_esc_out = 0;
    return 0;
  }
  /* above: symbols whose bit length exceeds w, plus those equal to 2^w - 1 */
  uint32_t longer = len - cnt[0];
  for (unsigned w = 1; w < 32; w++) {
    longer -= cnt[w];
    uint32_t esc = longer + all_ones[w];
    uint64_t bits = (uint64_t)len * w + 32ull * esc;
    if (bits < best_bits) {
      best_bits = bits;
      best_w = w;
      best_esc = esc;
    }
  }
  *n_esc_out = best_esc;
  return best_w;
}

static size_t encode_chunk(const uint32_t *s, uint32_t len, uint8_t *dst) {
  uint32_t cnt[33] = {0}, ones[33] = {0};
  for (uint32_t i = 0; i < len; i++) {
    unsigned b = bit_length(s[i]);
    cnt[b]++;
    if (b && s[i] == (uint32_t)(((uint64_t)1 << b) - 1)) ones[b]++;
  }
  uint32_t n_esc;
  unsigned w = choose_width(cnt, ones, len, &n_esc);
  dst[0] = (uint8_t)w;
  dst[1] = (uint8_t)n_esc;
  dst[2] = (uint8_t)(n_esc >> 8);
  uint8_t *p = dst + CHUNK_HEAD;
  uint8_t *esc = p + ((size_t)len * w + 7) / 8;
  uint32_t marker = w == 32 ? 0 : (uint32_t)(((uint64_t)1 << w) - 1);
  uint64_t acc = 0;
  unsigned nbits = 0;
  if (w > 0) {
    for (uint32_t i = 0; i < len; i++) {
      uint32_t v = s[i];
      if (w < 32 && v >= marker) {
        gcomp_store_u32(esc, v);
        esc += 4;
        v = marker;
      }
      acc |= (uint64_t)v << nbits;
      nbits += w;
      if (nbits >= 32) {
        gcomp_store_u32(p, (uint32_t)acc);
        p += 4;
        acc >>= 32;
        nbits -= 32;
      }
    }
    while (nbits > 0) {
      *p++ = (uint8_t)acc;
      acc >>= 8;
      nbits = nbits > 8 ? nbits - 8 : 0;
    }
  }
  return chunk_bytes(len, w, n_esc);
}

gcompResult_t gcomp_fixed_encode(const uint32_t *sym, uint64_t n, uint8_t *dst,
                                 size_t cap, size_t *written) {
  uint64_t chunks = chunk_count(n);
  size_t pos = 4 * (size_t)chunks;
  /* Worst-case chunk size is checked before each write, so a small cap
   * fails cleanly instead of overrunning. */
  if (cap < pos) return gcomp_fail(gcompDstTooSmall, "fixed section: dst too small");
  for (uint64_t c = 0; c < chunks; c++) {
    uint64_t off = c * GCOMP_FIXED_CHUNK;
    uint32_t len = (uint32_t)(n - off < GCOMP_FIXED_CHUNK ? n - off : GCOMP_FIXED_CHUNK);
    if (cap - pos < chunk_bytes(len, 32, 0))
      return gcomp_fail(gcompDstTooSmall, "fixed section: dst too small");
    size_t b = encode_chunk(sym + off, len, dst + pos);
    gcomp_store_u32(dst + 4 * c, (uint32_t)b);
    pos += b;
  }
  *written = pos;
  return gcompSuccess;
}

static gcompResult_t decode_chunk(const uint8_t *src, size_t size, uint32_t *s,
                                  uint32_t len) {
  if (size < CHUNK_HEAD)
    return gcomp_fail(gcompCorruptPayload, "fixed chunk shorter than its head");
  unsigned w = src[0];
  uint32_t n_esc = (uint32_t)src[1] | (uint32_t)src[2] << 8;
  if (w > 32 || n_esc > len || (w == 0 && n_esc) || (w == 32 && n_esc))
    return gcomp_fail(gcompCorruptPayload, "fixed chunk head invalid (w %u, %u escapes)",
                      w, n_esc);
  if (size != chunk_bytes(len, w, n_esc))
    return gcomp_fail(gcompCorruptPayload, "fixed chunk length %zu does not match its head",
                      size);
  const uint8_t *p = src + CHUNK_HEAD;
  size_t packed = ((size_t)len * w + 7) / 8;
  const uint8_t *esc = p + packed;
  uint32_t used = 0;
  if (w == 0) {
    memset(s, 0, (size_t)len * sizeof *s);
    return gcompSuccess;
  }
  uint32_t marker = w == 32 ? 0 : (uint32_t)(((uint64_t)1 << w) - 1);
  uint64_t mask = w == 32 ? 0xffffffffull : marker;
  uint64_t bitpos = 0;
  for (uint32_t i = 0; i < len; i++) {
    size_t byte = (size_t)(bitpos >> 3);
    unsigned off = (unsigned)(bitpos & 7);
    /* Gather up to 5 bytes; never beyond the packed area. */
    uint64_t acc = 0;
    size_t need = (off + w + 7) / 8;
    for (size_t k = 0; k < need; k++) acc |= (uint64_t)p[byte + k] << (8 * k);
    uint32_t v = (uint32_t)((acc >> off) & mask);
    bitpos += w;
    if (w < 32 && v == marker) {
      if (used == n_esc)
        return gcomp_fail(gcompCorruptPayload, "fixed chunk: more escapes than declared");
      v = gcomp_load_u32(esc + 4 * (size_t)used++);
      if (v < marker)
        return gcomp_fail(gcompCorruptPayload, "fixed chunk: escape holds a small value");
    }
    s[i] = v;
  }
  if (used != n_esc)
    return gcomp_fail(gcompCorruptPayload, "fixed chunk: fewer escapes than declared");
  unsigned tail = (unsigned)(((uint64_t)len * w) & 7);
  if (tail && (p[packed - 1] >> tail))
    return gcomp_fail(gcompCorruptPayload, "fixed chunk: padding bits not zero");
  return gcompSuccess;
}

gcompResult_t gcomp_fixed_decode(const uint8_t *src, size_t size, uint32_t *sym,
                                 uint64_t n, size_t *consumed) {
  uint64_t chunks = chunk_count(n);
  if (chunks > size / 4)
    return gcomp_fail(gcompCorruptPayload, "fixed section truncated (chunk table)");
  size_t pos = 4 * (size_t)chunks;
  for (uint64_t c = 0; c < chunks; c++) {
    size_t b = gcomp_load_u32(src + 4 * c);
    if (b > size - pos)
      return gcomp_fail(gcompCorruptPayload, "fixed chunk %llu overruns the section",
                        (unsigned long long)c);
    uint64_t off = c * GCOMP_FIXED_CHUNK;
    uint32_t len = (uint32_t)(n - off < GCOMP_FIXED_CHUNK ? n - off : GCOMP_FIXED_CHUNK);
    GCOMP_TRY(decode_chunk(src + pos, b, sym + off, len));
    pos += b;
  }
  *consumed = pos;
  return gcompSuccess;
}
