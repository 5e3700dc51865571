/* The back ends of level-stream codecs (level_stream.h). Every body except
 * direct starts with the scale as 31 bits; a zero scale is the zero vector
 * and ends the body (structured: 31 bits; fixed and entropy: 32, the 32nd
 * a zero pad bit). */
#include "pack/levels.h"

#include "shared/check.h"
#include "pack/fixed.h"
#include "core/hot.h"
#include "stages/philox_batch.h"
#include "pack/entropy.h"
#include "pack/structured_sd.h"
#include "shared/bits.h"
#include "shared/levels.h"
#include "shared/philox.h"
#include "core/wire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- the paper code */

static gcompResult_t paper_write(gcomp_bitwriter *w, const int32_t *v, uint64_t n, uint32_t K) {
  return gcomp_structured_write(w, v, n, K, 0);
}
static gcompResult_t paper_read(gcomp_bitreader *r, int32_t *v, uint64_t n, uint32_t K) {
  return gcomp_structured_read(r, v, n, K, 0);
}
static gcompResult_t paper_write_nz(gcomp_bitwriter *w, const int32_t *v, uint64_t n,
                                    uint32_t K) {
  return gcomp_structured_write(w, v, n, K, 1);
}
static gcompResult_t paper_read_nz(gcomp_bitreader *r, int32_t *v, uint64_t n, uint32_t K) {
  return gcomp_structured_read(r, v, n, K, 1);
}

const gcomp_level_code gcomp_level_paper_code = {paper_write, paper_read};
const gcomp_level_code gcomp_level_paper_code_nonzero = {paper_write_nz, paper_read_nz};

/* ------------------------------------------------------------- quantize */

/* off is a multiple of 4, so each group of four takes one Philox draw.
 * `zig` is a constant at both call sites below: each gets its own loop. */
static inline uint32_t round_unbiased(const gcomp_body_in *in, float scale, int zig,
                                      uint64_t off, uint64_t len, int32_t *v) {
  const float *x = in->x + off;
  int32_t worst = 0;
  uint32_t r[4 * GCOMP_PHILOX_BATCH];
  for (uint64_t base = 0; base < len; base += 4 * GCOMP_PHILOX_BATCH) {
    uint64_t m = len - base < 4 * GCOMP_PHILOX_BATCH ? len - base : 4 * GCOMP_PHILOX_BATCH;
    gcomp_philox_batch(in->seed, GCOMP_STREAM_ROUNDING, (off + base) >> 2,
                       (uint32_t)((m + 3) / 4), r);
    for (uint64_t k = 0; k < m; k++) {
      int32_t q = gcomp_level_round_unbiased(x[base + k], scale, r[k]);
      v[base + k] = zig ? (int32_t)gcomp_zigzag(q) : q;
      worst = worst > (q < 0 ? -q : q) ? worst : (q < 0 ? -q : q);
    }
  }
  return (uint32_t)worst;
}

GCOMP_HOT uint32_t gcomp_level_quantize_unbiased(const gcomp_body_in *in,
                                                 const gcomp_level_scale *s, int zig,
                                                 uint64_t off, uint64_t len, int32_t *v) {
  return zig ? round_unbiased(in, s->scale, 1, off, len, v)
             : round_unbiased(in, s->scale, 0, off, len, v);
}

/* Levels below 2^24 are exact floats: the float product is then the same
 * one rounding as gcomp_level_value's double product, at twice the
 * vector width. */
void gcomp_level_dequantize_linear(const int32_t *v, uint64_t len, const gcomp_level_scale *s,
                                   float *y) {
  float g = s->scale;
  if (s->K < ((uint32_t)1 << 24)) {
    for (uint64_t i = 0; i < len; i++) y[i] = g * (float)v[i];
  } else {
    for (uint64_t i = 0; i < len; i++) y[i] = gcomp_level_value(v[i], g);
  }
}

static gcompResult_t check_levels(const gcomp_level_desc *d, uint32_t worst,
                                  const gcomp_level_scale *s) {
  /* Exceeding K would mean the codec's rounding analysis is wrong. */
  if (worst > s->K) return gcomp_fail(gcompInternalError, "level %u above limit %u", worst, s->K);
  /* Inputs near FLT_MAX can round up to a level beyond it. */
  int32_t w = (int32_t)worst;
  float y;
  d->dequantize(&w, 1, s, &y);
  if (!isfinite(y))
    return gcomp_fail(gcompParameterOutOfRange, "values this close to FLT_MAX would decode to Inf");
  return gcompSuccess;
}

/* All n levels; zeros for the zero vector, so every back end sees defined
 * levels. */
static gcompResult_t quantize_all(const gcomp_level_desc *d, const gcomp_body_in *in, int zig,
                                  int32_t *v, gcomp_level_scale *s) {
  GCOMP_TRY(d->prepare(in, s));
  if (s->scale == 0.0f) {
    memset(v, 0, (size_t)in->n * sizeof *v);
    return gcompSuccess;
  }
  return check_levels(d, d->quantize(in, s, zig, 0, in->n, v), s);
}

/* ------------------------------------------------------------ back ends */

typedef struct {
  uint8_t *buf;
  size_t cap;
  gcomp_body_out out;
} candidate;

static gcompResult_t put_scale(gcomp_bitwriter *w, float scale) {
  gcomp_bw_put(w, gcomp_f2u(scale), GCOMP_SCALE_BITS);
  if (w->overflow) return gcomp_fail(gcompDstTooSmall, "dst too small for the scale");
  return gcompSuccess;
}

static gcompResult_t write_structured(const gcomp_level_desc *d, const int32_t *v, uint64_t n,
                                      const gcomp_level_scale *s, candidate *c) {
  gcomp_bitwriter w;
  gcomp_bw_init(&w, c->buf, c->cap);
  GCOMP_TRY(put_scale(&w, s->scale));
  if (s->scale != 0.0f) GCOMP_TRY(d->code->write(&w, v, n, s->K));
  if (w.overflow) return gcomp_fail(gcompDstTooSmall, "structured code: dst too small");
  c->out.packing = gcompPackStructured;
  c->out.bits = w.pos;
  return gcompSuccess;
}

static gcompResult_t write_entropy(const uint32_t *z, uint64_t n, const gcomp_level_scale *s,
                                   candidate *c) {
  gcomp_bitwriter w;
  gcomp_bw_init(&w, c->buf, c->cap);
  GCOMP_TRY(put_scale(&w, s->scale));
  gcomp_bw_align(&w);
  size_t used = 0;
  if (s->scale != 0.0f) GCOMP_TRY(gcomp_rans_encode(z, n, c->buf + 4, c->cap - 4, &used));
  c->out.packing = gcompPackEntropy;
  c->out.bits = 8 * (4 + (uint64_t)used);
  return gcompSuccess;
}

static gcompResult_t write_direct(const gcomp_level_desc *d, const int32_t *v, uint64_t n,
                                  const gcomp_level_scale *s, candidate *c) {
  float *y = malloc((size_t)n * sizeof *y);
  if (!y) return gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
  d->dequantize(v, n, s, y);
  gcompResult_t r = gcomp_direct_write(y, n, c->buf, c->cap, &c->out);
  free(y);
  return r;
}

/* Fixed packing without a full-length level buffer: each chunk of 4096
 * coordinates is quantized into a stack buffer and packed while it is still
 * in L1. */
GCOMP_HOT static gcompResult_t encode_fixed_fused(const gcomp_level_desc *d,
                                                  const gcomp_body_in *in, gcomp_body_out *out) {
  gcomp_level_scale s;
  GCOMP_TRY(d->prepare(in, &s));
  uint64_t chunks = (in->n + GCOMP_FIXED_CHUNK - 1) / GCOMP_FIXED_CHUNK;
  size_t pos = 4 + 4 * (size_t)chunks;
  if (in->cap < 4) return gcomp_fail(gcompDstTooSmall, "dst too small for the scale");
  gcomp_bitwriter w;
  gcomp_bw_init(&w, in->dst, 4);
  GCOMP_TRY(put_scale(&w, s.scale));
  gcomp_bw_align(&w);
  out->packing = gcompPackFixed;
  out->bits = 32;
  if (s.scale == 0.0f) return gcompSuccess;
  if (in->cap < pos) return gcomp_fail(gcompDstTooSmall, "dst too small for the chunk table");
  int32_t v[GCOMP_FIXED_CHUNK];
  for (uint64_t c = 0; c < chunks; c++) {
    uint64_t off = c * GCOMP_FIXED_CHUNK;
    uint32_t len = (uint32_t)(in->n - off < GCOMP_FIXED_CHUNK ? in->n - off : GCOMP_FIXED_CHUNK);
    uint32_t worst = d->quantize(in, &s, 1, off, len, v);
    GCOMP_TRY(check_levels(d, worst, &s));
    if (in->cap - pos < gcomp_fixed_chunk_bound(len))
      return gcomp_fail(gcompDstTooSmall, "dst too small for the fixed section");
    /* 2 worst bounds every zigzag symbol of the chunk */
    size_t b = gcomp_fixed_encode_chunk((const uint32_t *)v, len, 2 * worst, in->dst + pos);
    gcomp_store_u32(in->dst + 4 + 4 * c, (uint32_t)b);
    pos += b;
  }
  out->bits = 8 * (uint64_t)pos;
  return gcompSuccess;
}

/* One back end into c. Fixed packing has a single implementation, the
 * fused one, which quantizes again on its own (cheap next to auto's rANS). */
static gcompResult_t write_packing(const gcomp_level_desc *d, gcompPacking_t p,
                                   const gcomp_body_in *in, const int32_t *v, const uint32_t *z,
                                   const gcomp_level_scale *s, candidate *c) {
  gcomp_body_in scratch = *in;
  switch (p) {
  case gcompPackStructured: return write_structured(d, v, in->n, s, c);
  case gcompPackEntropy: return write_entropy(z, in->n, s, c);
  case gcompPackDirect: return write_direct(d, v, in->n, s, c);
  case gcompPackFixed:
    scratch.dst = c->buf;
    scratch.cap = c->cap;
    return encode_fixed_fused(d, &scratch, &c->out);
  default: return gcomp_fail(gcompInternalError, "packing %d", (int)p);
  }
}

static size_t packing_bound(const gcomp_level_desc *d, gcompPacking_t p,
                            const struct gcompCodec *c, uint64_t n) {
  switch (p) {
  case gcompPackStructured: return d->code_bound(c, n);
  case gcompPackFixed: return 4 + gcomp_fixed_bound(n);
  case gcompPackEntropy: return 4 + gcomp_rans_bound(n);
  default: return (size_t)(4 * n);
  }
}

size_t gcomp_level_bound(const gcomp_level_desc *d, const struct gcompCodec *c, uint64_t n) {
  gcompPacking_t p = c->config.packing;
  if (p == gcompPackAuto) return (size_t)(4 * n); /* never above direct */
  return packing_bound(d, p, c, n);
}

/* Auto: every back end into its own scratch, keep the shortest. Direct
 * caps the result at 32 bits a coordinate. */
static gcompResult_t encode_auto(const gcomp_level_desc *d, const gcomp_body_in *in,
                                 const int32_t *v, const uint32_t *z, const gcomp_level_scale *s,
                                 gcomp_body_out *out) {
  static const gcompPacking_t order[] = {gcompPackStructured, gcompPackEntropy, gcompPackFixed,
                                         gcompPackDirect};
  candidate best = {NULL, 0, {gcompPackAuto, UINT64_MAX, 0}};
  gcompResult_t r = gcompSuccess;
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
    candidate c = {NULL, packing_bound(d, order[i], in->codec, in->n), {0, 0, 0}};
    if (c.cap == 0) continue;
    c.buf = malloc(c.cap);
    if (!c.buf) {
      r = gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
      break;
    }
    r = write_packing(d, order[i], in, v, z, s, &c);
    if (r != gcompSuccess) {
      free(c.buf);
      break;
    }
    if (c.out.bits < best.out.bits) {
      free(best.buf);
      best = c;
    } else {
      free(c.buf);
    }
  }
  if (r == gcompSuccess) {
    size_t bytes = (size_t)((best.out.bits + 7) / 8);
    if (bytes > in->cap)
      r = gcomp_fail(gcompDstTooSmall, "dst holds %zu body bytes, need %zu", in->cap, bytes);
    else {
      memcpy(in->dst, best.buf, bytes);
      out->packing = best.out.packing;
      out->bits = best.out.bits;
    }
  }
  free(best.buf);
  return r;
}

gcompResult_t gcomp_level_encode(const gcomp_level_desc *d, const gcomp_body_in *in,
                                 gcomp_body_out *out) {
  gcompPacking_t p = in->codec->config.packing;
  if (p == gcompPackFixed) return encode_fixed_fused(d, in, out);
  int32_t *v = malloc((size_t)in->n * sizeof *v);
  uint32_t *z = NULL;
  gcomp_level_scale s;
  if (!v) return gcomp_fail(gcompOutOfMemory, "level buffer allocation failed");
  /* Entropy alone codes zigzag symbols only: the quantizer writes them. */
  gcompResult_t r = quantize_all(d, in, p == gcompPackEntropy, v, &s);
  if (p == gcompPackEntropy) z = (uint32_t *)v;
  if (r == gcompSuccess && p == gcompPackAuto) {
    z = malloc((size_t)in->n * sizeof *z);
    if (!z)
      r = gcomp_fail(gcompOutOfMemory, "symbol buffer allocation failed");
    else
      for (uint64_t i = 0; i < in->n; i++) z[i] = gcomp_zigzag(v[i]);
  }
  if (r == gcompSuccess) {
    if (p == gcompPackAuto) {
      r = encode_auto(d, in, v, z, &s, out);
    } else {
      candidate c = {in->dst, in->cap, {0, 0, 0}};
      r = write_packing(d, p, in, v, z, &s, &c);
      out->packing = c.out.packing;
      out->bits = c.out.bits;
    }
  }
  if (z != (uint32_t *)v) free(z);
  free(v);
  return r;
}

/* --------------------------------------------------------------- decode */

static gcompResult_t read_scale(gcomp_bitreader *br, float *scale) {
  uint32_t u = (uint32_t)gcomp_br_get(br, GCOMP_SCALE_BITS);
  if (br->overrun) return gcomp_fail(gcompCorruptPayload, "body too short for the scale");
  *scale = gcomp_u2f(u);
  /* Encoders write zero or a normal finite float: anything else is forged. */
  uint32_t exp = u >> 23;
  if (u != 0 && (exp == 0 || exp == 255))
    return gcomp_fail(gcompCorruptPayload, "scale is not a normal finite float");
  return gcompSuccess;
}

/* Zigzag symbols to levels in place, refusing any beyond K. */
static gcompResult_t unzigzag_levels(int32_t *v, uint64_t len, uint32_t K) {
  uint32_t worst = 0;
  for (uint64_t i = 0; i < len; i++) {
    uint32_t zz = (uint32_t)v[i], level = (zz >> 1) + (zz & 1u);
    worst = level > worst ? level : worst;
    v[i] = gcomp_unzigzag(zz);
  }
  if (worst > K) return gcomp_fail(gcompCorruptPayload, "level above the limit %u", K);
  return gcompSuccess;
}

typedef gcompResult_t (*stream_decoder)(const uint8_t *, size_t, uint32_t *, uint64_t, size_t *);

/* The fixed or entropy section after the scale and its pad bit, into v. */
static gcompResult_t read_section(const gcomp_body_view *bv, gcomp_bitreader *br, uint32_t K,
                                  int32_t *v) {
  size_t size = (size_t)(bv->bits / 8), used = 0;
  if (bv->bits % 8 || size < 4 || !gcomp_br_align_zero(br))
    return gcomp_fail(gcompCorruptPayload, "stream body framing invalid");
  stream_decoder dec = bv->packing == gcompPackFixed ? gcomp_fixed_decode : gcomp_rans_decode;
  GCOMP_TRY(dec(bv->body + 4, size - 4, (uint32_t *)v, bv->n, &used));
  if (used != size - 4)
    return gcomp_fail(gcompCorruptPayload, "stream body has %zu trailing bytes", size - 4 - used);
  return unzigzag_levels(v, bv->n, K);
}

static int all_finite(const float *y, uint64_t len) {
  int ok = 1;
  for (uint64_t i = 0; i < len; i++) ok &= isfinite(y[i]) != 0;
  return ok;
}

/* Packing fixed, one chunk at a time while its symbols are in L1: unpack,
 * check, dequantize, and (acc) accumulate: dst = decoded + beta * dst. No
 * n-sized level buffer and one pass over dst, which makes this the decoder
 * of the collectives' fast path. */
GCOMP_HOT static gcompResult_t decode_fixed_fused(const gcomp_level_desc *d,
                                                  const gcomp_body_view *bv,
                                                  gcomp_bitreader *br,
                                                  const gcomp_level_scale *s, float *dst,
                                                  int acc, float beta) {
  size_t size = (size_t)(bv->bits / 8);
  if (bv->bits % 8 || size < 4 || !gcomp_br_align_zero(br))
    return gcomp_fail(gcompCorruptPayload, "stream body framing invalid");
  gcomp_fixed_reader r = {NULL, 0, 0, 0, 0, 0};
  GCOMP_TRY(gcomp_fixed_reader_init(&r, bv->body + 4, size - 4, bv->n));
  int32_t v[GCOMP_FIXED_CHUNK];
  float chunk[GCOMP_FIXED_CHUNK];
  while (r.next < r.chunks) {
    uint64_t off = r.next * GCOMP_FIXED_CHUNK;
    uint32_t len = 0;
    GCOMP_TRY(gcomp_fixed_reader_next(&r, (uint32_t *)v, &len));
    GCOMP_TRY(unzigzag_levels(v, len, s->K));
    float *y = acc ? chunk : dst + off;
    d->dequantize(v, len, s, y);
    if (!all_finite(y, len)) return gcomp_fail(gcompCorruptPayload, "value overflows float32");
    if (acc) /* a float multiply, then an add: gcompDecode's own rule */
      for (uint32_t i = 0; i < len; i++) dst[off + i] = chunk[i] + beta * dst[off + i];
  }
  if (r.pos != size - 4)
    return gcomp_fail(gcompCorruptPayload, "stream body has %zu trailing bytes",
                      size - 4 - r.pos);
  return gcompSuccess;
}

/* Packing entropy, GCOMP_RANS_LANES chunks at a time while their symbols
 * are in cache: decode, check, dequantize. No n-sized level buffer. */
GCOMP_HOT static gcompResult_t decode_entropy_fused(const gcomp_level_desc *d,
                                                    const gcomp_body_view *bv,
                                                    gcomp_bitreader *br,
                                                    const gcomp_level_scale *s, float *dst) {
  size_t size = (size_t)(bv->bits / 8);
  if (bv->bits % 8 || size < 4 || !gcomp_br_align_zero(br))
    return gcomp_fail(gcompCorruptPayload, "stream body framing invalid");
  struct {
    gcomp_rans_reader r;
    int32_t v[GCOMP_RANS_LANES * GCOMP_RANS_CHUNK];
  } *w = malloc(sizeof *w);
  if (!w) return gcomp_fail(gcompOutOfMemory, "entropy decode scratch allocation failed");
  gcompResult_t res = gcomp_rans_reader_init(&w->r, bv->body + 4, size - 4, bv->n);
  while (res == gcompSuccess && w->r.next < w->r.chunks) {
    uint64_t off = w->r.next * GCOMP_RANS_CHUNK;
    uint32_t len = 0;
    res = gcomp_rans_reader_next(&w->r, (uint32_t *)w->v, &len);
    if (res == gcompSuccess) res = unzigzag_levels(w->v, len, s->K);
    if (res == gcompSuccess) {
      d->dequantize(w->v, len, s, dst + off);
      if (!all_finite(dst + off, len))
        res = gcomp_fail(gcompCorruptPayload, "value overflows float32");
    }
  }
  if (res == gcompSuccess && w->r.pos != size - 4)
    res = gcomp_fail(gcompCorruptPayload, "stream body has %zu trailing bytes",
                     size - 4 - w->r.pos);
  free(w);
  return res;
}

static gcompResult_t read_levels(const gcomp_level_desc *d, const gcomp_body_view *bv,
                                 gcomp_bitreader *br, uint32_t K, int32_t *v) {
  if (bv->packing == gcompPackStructured) {
    GCOMP_TRY(d->code->read(br, v, bv->n, K));
    if (br->pos != br->end)
      return gcomp_fail(gcompCorruptPayload, "structured body has %llu trailing bits",
                        (unsigned long long)(br->end - br->pos));
    return gcompSuccess;
  }
  if (bv->packing == gcompPackFixed || bv->packing == gcompPackEntropy)
    return read_section(bv, br, K, v);
  return gcomp_fail(gcompCorruptPayload, "packing %d invalid for a level stream",
                    (int)bv->packing);
}

/* The scale, or the whole (zero-vector) body: *done then. */
static gcompResult_t begin_decode(const gcomp_level_desc *d, const gcomp_body_view *bv,
                                  gcomp_bitreader *br, gcomp_level_scale *s, int *done) {
  s->scale = 0.0f;
  s->K = d->limit(bv->param, bv->iparam, bv->n);
  if (s->K == 0) return gcomp_fail(gcompCorruptPayload, "parameter too small for d");
  gcomp_br_init(br, bv->body, bv->bits);
  GCOMP_TRY(read_scale(br, &s->scale));
  *done = s->scale == 0.0f;
  if (*done && bv->bits != (bv->packing == gcompPackStructured ? GCOMP_SCALE_BITS : 32u))
    return gcomp_fail(gcompCorruptPayload, "zero-vector body has extra bits");
  /* fixed and entropy: the 32nd bit is the pad bit, zero as after any scale */
  if (*done && bv->packing != gcompPackStructured && !gcomp_br_align_zero(br))
    return gcomp_fail(gcompCorruptPayload, "zero-vector pad bit is not zero");
  return gcompSuccess;
}

gcompResult_t gcomp_level_decode(const gcomp_level_desc *d, const gcomp_body_view *bv,
                                 float *y) {
  if (bv->packing == gcompPackDirect) return gcomp_direct_read(bv, y);
  gcomp_level_scale s;
  gcomp_bitreader br;
  int zero = 0;
  GCOMP_TRY(begin_decode(d, bv, &br, &s, &zero));
  if (zero) {
    memset(y, 0, (size_t)bv->n * sizeof *y);
    return gcompSuccess;
  }
  if (bv->packing == gcompPackFixed) return decode_fixed_fused(d, bv, &br, &s, y, 0, 0.0f);
  if (bv->packing == gcompPackEntropy) return decode_entropy_fused(d, bv, &br, &s, y);
  int32_t *v = malloc((size_t)bv->n * sizeof *v);
  if (!v) return gcomp_fail(gcompOutOfMemory, "level buffer allocation failed");
  gcompResult_t r = read_levels(d, bv, &br, s.K, v);
  if (r == gcompSuccess) d->dequantize(v, bv->n, &s, y);
  free(v);
  if (r == gcompSuccess && !all_finite(y, bv->n))
    r = gcomp_fail(gcompCorruptPayload, "value overflows float32");
  return r;
}

gcompResult_t gcomp_level_decode_acc(const gcomp_level_desc *d, const gcomp_body_view *bv,
                                     float *dst, float beta) {
  if (bv->packing != gcompPackFixed) return gcompNotAvailable; /* nothing touched */
  gcomp_level_scale s;
  gcomp_bitreader br;
  int zero = 0;
  GCOMP_TRY(begin_decode(d, bv, &br, &s, &zero));
  if (zero) {
    for (uint64_t i = 0; i < bv->n; i++) dst[i] = 0.0f + beta * dst[i];
    return gcompSuccess;
  }
  return decode_fixed_fused(d, bv, &br, &s, dst, 1, beta);
}
