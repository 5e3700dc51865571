/* Natural compression, class U(1/8) (shared/natural.h): every coordinate
 * rounded at random to a neighbouring power of two, one 9-bit symbol each.
 * The body is the shared fixed section (fixed) or rANS section (entropy)
 * over the n symbols, nothing else, or the decoded floats (direct); auto
 * keeps the shortest. */
#include "core/codec.h"
#include "shared/check.h"
#include "stages/philox_batch.h"
#include "pack/fixed.h"
#include "core/hot.h"
#include "pack/entropy.h"
#include "shared/bits.h"
#include "shared/natural.h"
#include "shared/philox.h"
#include "core/wire.h"

#include <stdlib.h>
#include <string.h>

#define OMEGA 0.125

/* A pass of its own, so a refused vector leaves dst untouched; branch-free
 * (it vectorizes), the index only on failure. */
GCOMP_HOT static gcompResult_t check_range(const float *x, uint64_t n) {
  int bad = 0;
  for (uint64_t i = 0; i < n; i++) bad |= gcomp_natural_too_large(x[i]);
  if (!bad) return gcompSuccess;
  uint64_t i = 0;
  while (!gcomp_natural_too_large(x[i])) i++;
  return gcomp_fail(gcompParameterOutOfRange,
                    "|x[%llu]| = %g is 2^127 or more: rounding up would overflow",
                    (unsigned long long)i, (double)x[i]);
}

/* Symbols of x[off, off + len) into sym[0, len); off is a multiple of 4, so
 * each Philox draw serves four coordinates. Returns the largest symbol. */
GCOMP_HOT static uint32_t quantize(const float *x, uint64_t seed, uint64_t off, uint64_t len,
                                   uint32_t *sym) {
  uint32_t max = 0;
  uint32_t r[4 * GCOMP_PHILOX_BATCH];
  for (uint64_t base = 0; base < len; base += 4 * GCOMP_PHILOX_BATCH) {
    uint64_t m = len - base < 4 * GCOMP_PHILOX_BATCH ? len - base : 4 * GCOMP_PHILOX_BATCH;
    gcomp_philox_batch(seed, GCOMP_STREAM_ROUNDING, (off + base) / 4, (uint32_t)((m + 3) / 4), r);
    for (uint64_t j = 0; j < m; j++) {
      uint32_t s = gcomp_natural_symbol(x[off + base + j], r[j]);
      sym[base + j] = s;
      max = s > max ? s : max;
    }
  }
  return max;
}

/* Fixed: no symbol exceeds 9 bits, so no chunk takes more than 9 bits a
 * symbol (that width never escapes) plus its 3-byte head and 4-byte length. */
static size_t fixed_bound(uint64_t n) {
  uint64_t chunks = (n + GCOMP_FIXED_CHUNK - 1) / GCOMP_FIXED_CHUNK;
  uint64_t full = n / GCOMP_FIXED_CHUNK, tail = n % GCOMP_FIXED_CHUNK;
  return (size_t)(chunks * (4 + GCOMP_FIXED_HEAD) + full * (9 * GCOMP_FIXED_CHUNK / 8) +
                  (9 * tail + 7) / 8);
}

static size_t packing_bound(gcompPacking_t p, uint64_t n) {
  switch (p) {
  case gcompPackFixed: return fixed_bound(n);
  case gcompPackEntropy: return gcomp_rans_bound(n);
  default: return (size_t)(4 * n);
  }
}

/* The fixed section, chunk by chunk: from sym when the caller has the
 * symbols, else quantized here a chunk at a time (no n-sized buffer). The
 * chunk writer stores whole words past a chunk's end, so a chunk without
 * 32-bit room left goes through a spill buffer; the result still fits
 * fixed_bound. */
static gcompResult_t write_fixed(const gcomp_body_in *in, const uint32_t *sym, uint8_t *dst,
                                 size_t cap, size_t *used) {
  uint64_t n = in->n, chunks = (n + GCOMP_FIXED_CHUNK - 1) / GCOMP_FIXED_CHUNK;
  if (cap / 4 < chunks) return gcomp_fail(gcompDstTooSmall, "dst too small for the chunk table");
  size_t pos = 4 * (size_t)chunks;
  uint32_t buf[GCOMP_FIXED_CHUNK];
  uint8_t spill[GCOMP_FIXED_HEAD + 4 * GCOMP_FIXED_CHUNK];
  for (uint64_t c = 0; c < chunks; c++) {
    uint64_t off = c * GCOMP_FIXED_CHUNK;
    uint32_t len = (uint32_t)(n - off < GCOMP_FIXED_CHUNK ? n - off : GCOMP_FIXED_CHUNK);
    const uint32_t *s = sym ? sym + off : buf;
    uint32_t max = sym ? GCOMP_NATURAL_MAX_SYMBOL : quantize(in->x, in->seed, off, len, buf);
    int direct = cap - pos >= gcomp_fixed_chunk_bound(len);
    size_t b = gcomp_fixed_encode_chunk(s, len, max, direct ? dst + pos : spill);
    if (b > cap - pos) return gcomp_fail(gcompDstTooSmall, "dst too small for the fixed section");
    if (!direct) memcpy(dst + pos, spill, b);
    gcomp_store_u32(dst + 4 * c, (uint32_t)b);
    pos += b;
  }
  *used = pos;
  return gcompSuccess;
}

static gcompResult_t write_direct(const gcomp_body_in *in, const uint32_t *sym, uint8_t *dst,
                                  size_t cap) {
  if (cap / 4 < in->n) return gcomp_fail(gcompDstTooSmall, "dst too small for n floats");
  uint32_t buf[GCOMP_FIXED_CHUNK];
  for (uint64_t off = 0; off < in->n; off += GCOMP_FIXED_CHUNK) {
    uint64_t len = in->n - off < GCOMP_FIXED_CHUNK ? in->n - off : GCOMP_FIXED_CHUNK;
    const uint32_t *s = sym ? sym + off : buf;
    if (!sym) quantize(in->x, in->seed, off, len, buf);
    for (uint64_t j = 0; j < len; j++)
      gcomp_store_u32(dst + 4 * (off + j), gcomp_f2u(gcomp_natural_value(s[j])));
  }
  return gcompSuccess;
}

static gcompResult_t set_out(gcompPacking_t p, uint64_t bits, gcomp_body_out *out) {
  out->packing = p;
  out->bits = bits;
  return gcompSuccess;
}

/* Auto: fixed first (into dst when it has the room), then rANS allowed at
 * most as many bytes, then direct if shorter still; ties go to entropy,
 * then fixed. */
static gcompResult_t encode_auto(const gcomp_body_in *in, const uint32_t *sym,
                                 gcomp_body_out *out) {
  size_t room = fixed_bound(in->n), fixed = 0, rans = 0;
  int in_place = in->cap >= room;
  uint8_t *fbuf = in_place ? in->dst : malloc(room);
  uint8_t *rbuf = malloc(room);
  gcompResult_t r = fbuf && rbuf ? gcompSuccess
                                 : gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
  if (r == gcompSuccess) r = write_fixed(in, sym, fbuf, room, &fixed);
  int entropy = 0;
  if (r == gcompSuccess) {
    r = gcomp_rans_encode(sym, in->n, rbuf, fixed, &rans);
    entropy = r == gcompSuccess;
    if (r == gcompDstTooSmall) { /* longer than fixed: no failure */
      gcomp_clear_error();
      r = gcompSuccess;
    }
  }
  size_t best = entropy ? rans : fixed;
  if (r == gcompSuccess && 32 * in->n < 8 * (uint64_t)best) {
    r = write_direct(in, sym, in->dst, in->cap);
    if (r == gcompSuccess) set_out(gcompPackDirect, 32 * in->n, out);
  } else if (r == gcompSuccess && best > in->cap) {
    r = gcomp_fail(gcompDstTooSmall, "dst holds %zu body bytes, need %zu", in->cap, best);
  } else if (r == gcompSuccess) {
    if (entropy || !in_place) memcpy(in->dst, entropy ? rbuf : fbuf, best);
    set_out(entropy ? gcompPackEntropy : gcompPackFixed, 8 * (uint64_t)best, out);
  }
  if (!in_place) free(fbuf);
  free(rbuf);
  return r;
}

static gcompResult_t natural_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  GCOMP_TRY(check_range(in->x, in->n));
  gcompPacking_t p = in->codec->config.packing;
  size_t used = 0;
  if (p == gcompPackFixed) {
    GCOMP_TRY(write_fixed(in, NULL, in->dst, in->cap, &used));
    return set_out(p, 8 * (uint64_t)used, out);
  }
  if (p == gcompPackDirect) {
    GCOMP_TRY(write_direct(in, NULL, in->dst, in->cap));
    return set_out(p, 32 * in->n, out);
  }
  uint32_t *sym = malloc((size_t)in->n * sizeof *sym);
  if (!sym) return gcomp_fail(gcompOutOfMemory, "symbol buffer allocation failed");
  for (uint64_t off = 0; off < in->n; off += GCOMP_FIXED_CHUNK)
    quantize(in->x, in->seed, off,
             in->n - off < GCOMP_FIXED_CHUNK ? in->n - off : GCOMP_FIXED_CHUNK, sym + off);
  gcompResult_t r;
  if (p == gcompPackAuto) {
    r = encode_auto(in, sym, out);
  } else {
    r = gcomp_rans_encode(sym, in->n, in->dst, in->cap, &used);
    if (r == gcompSuccess) set_out(p, 8 * (uint64_t)used, out);
  }
  free(sym);
  return r;
}

/* --------------------------------------------------------------- decode */

/* Every symbol decoded, then the first invalid one (if any) reported:
 * the loop stays branch-free. */
GCOMP_HOT static gcompResult_t symbols_to_values(const uint32_t *sym, uint64_t n, float *y) {
  int bad = 0;
  for (uint64_t i = 0; i < n; i++) {
    bad |= !gcomp_natural_symbol_ok(sym[i]);
    y[i] = gcomp_natural_value(sym[i]);
  }
  if (!bad) return gcompSuccess;
  uint64_t i = 0;
  while (gcomp_natural_symbol_ok(sym[i])) i++;
  return gcomp_fail(gcompCorruptPayload, "natural symbol %u invalid", sym[i]);
}

/* Fixed: chunk by chunk while the symbols are in L1, no n-sized buffer;
 * chunks in parallel pieces (section.h). */
typedef struct {
  uint64_t n;
  float *y;
} natural_sink;

static gcompResult_t read_fixed_chunk(void *ctx, uint64_t c, const uint8_t *chunk, size_t size) {
  const natural_sink *f = ctx;
  uint32_t sym[GCOMP_FIXED_CHUNK];
  uint32_t len = gcomp_fixed_chunk_len(f->n, c);
  GCOMP_TRY(gcomp_fixed_decode_chunk(chunk, size, sym, len));
  return symbols_to_values(sym, len, f->y + c * GCOMP_FIXED_CHUNK);
}

static gcompResult_t read_fixed(const gcomp_body_view *v, size_t size, float *y) {
  natural_sink f = {v->n, y};
  size_t used = 0;
  GCOMP_TRY(gcomp_fixed_read_section(v->body, size, v->n, read_fixed_chunk, &f, &used));
  if (used != size)
    return gcomp_fail(gcompCorruptPayload, "natural body has %zu trailing bytes", size - used);
  return gcompSuccess;
}

static gcompResult_t read_section(const gcomp_body_view *v, float *y) {
  size_t size = (size_t)(v->bits / 8), used = 0;
  if (v->bits % 8)
    return gcomp_fail(gcompCorruptPayload, "natural body is not whole bytes");
  if (v->packing == gcompPackFixed) return read_fixed(v, size, y);
  uint32_t *sym = malloc((size_t)v->n * sizeof *sym);
  if (!sym) return gcomp_fail(gcompOutOfMemory, "symbol buffer allocation failed");
  gcompResult_t r = gcomp_rans_decode(v->body, size, sym, v->n, &used);
  if (r == gcompSuccess && used != size)
    r = gcomp_fail(gcompCorruptPayload, "natural body has %zu trailing bytes", size - used);
  if (r == gcompSuccess) r = symbols_to_values(sym, v->n, y);
  free(sym);
  return r;
}

/* A direct body is the decoded vector: +0 or +-2^e, e in -126..127. */
static gcompResult_t read_direct(const gcomp_body_view *v, float *y) {
  GCOMP_TRY(gcomp_direct_read(v, y));
  for (uint64_t i = 0; i < v->n; i++) {
    uint32_t u = gcomp_f2u(y[i]), e = (u >> 23) & 0xffu;
    if ((u & 0x7fffffu) || (e == 0 && u != 0))
      return gcomp_fail(gcompCorruptPayload, "direct body holds a non-power of two");
  }
  return gcompSuccess;
}

static gcompResult_t natural_decode(const gcomp_body_view *v, float *y) {
  return v->packing == gcompPackDirect ? read_direct(v, y) : read_section(v, y);
}

/* ----------------------------------------------------------- the method */

static gcompResult_t natural_configure(gcompCodecConfig_t *cfg, double *param,
                                       uint64_t *iparam) {
  (void)cfg;
  *param = 0;
  *iparam = 0;
  return gcompSuccess;
}

/* For inputs in float32's normal range (shared/natural.h). */
static double natural_theory(const struct gcompCodec *c, uint64_t d) {
  (void)c;
  (void)d;
  return OMEGA;
}

static size_t natural_bound(const struct gcompCodec *c, uint64_t n) {
  gcompPacking_t p = c->config.packing;
  if (p != gcompPackAuto) return packing_bound(p, n);
  size_t b = packing_bound(gcompPackFixed, n), e = packing_bound(gcompPackEntropy, n);
  if (e && e < b) b = e;
  return b < 4 * n ? b : (size_t)(4 * n);
}

const gcomp_method gcomp_method_natural = {
    .id = gcompNaturalCompression,
    .name = "natural",
    .cls = gcompClassUnbiased,
    .params = NULL,
    .packings = GCOMP_PACKING_BIT(gcompPackFixed) | GCOMP_PACKING_BIT(gcompPackEntropy) |
                GCOMP_PACKING_BIT(gcompPackDirect),
    .configure = natural_configure,
    .header_ok = gcomp_header_no_params,
    .theory = natural_theory,
    .encode = natural_encode,
    .decode = natural_decode,
    .bound = natural_bound,
};
