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
#include "core/pool.h"
#include "pack/rans_estimate.h"
#include "shared/rans_table.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
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
static uint64_t paper_bits(const uint32_t *z, uint64_t n, uint32_t K) {
  return gcomp_structured_bits_zigzag(z, n, K, 0);
}
static uint64_t paper_bits_nz(const uint32_t *z, uint64_t n, uint32_t K) {
  return gcomp_structured_bits_zigzag(z, n, K, 1);
}

static void paper_span(const uint32_t *z, uint32_t len, uint64_t n, uint32_t K, uint64_t *lo,
                       uint64_t *hi) {
  gcomp_structured_span_zigzag(z, len, n, K, 0, lo, hi);
}
static void paper_span_nz(const uint32_t *z, uint32_t len, uint64_t n, uint32_t K,
                          uint64_t *lo, uint64_t *hi) {
  gcomp_structured_span_zigzag(z, len, n, K, 1, lo, hi);
}

const gcomp_level_code gcomp_level_paper_code = {paper_write, paper_read, paper_bits,
                                                 paper_span};
const gcomp_level_code gcomp_level_paper_code_nonzero = {paper_write_nz, paper_read_nz,
                                                         paper_bits_nz, paper_span_nz};

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

/* ------------------------------------------------------ parallel passes */

/* Chunks of GCOMP_FIXED_CHUNK values: a multiple of 4 (whole Philox
 * draws) and of the mask blocks, so every pass cuts the vector alike. */
static uint64_t chunk_count(uint64_t n) { return (n + GCOMP_FIXED_CHUNK - 1) / GCOMP_FIXED_CHUNK; }

typedef struct {
  const gcomp_level_desc *d;
  const gcomp_body_in *in;
  const gcomp_level_scale *s;
  int zig;
  int32_t *v;
  gcomp_par_status status;
} quantize_job;

static void quantize_chunks(void *ctx, uint64_t first, uint64_t end) {
  quantize_job *j = ctx;
  for (uint64_t c = first; c < end; c++) {
    uint64_t off = c * GCOMP_FIXED_CHUNK;
    uint32_t len = gcomp_fixed_chunk_len(j->in->n, c);
    gcompResult_t r = check_levels(j->d, j->d->quantize(j->in, j->s, j->zig, off, len, j->v + off),
                                   j->s);
    if (r != gcompSuccess) {
      gcomp_par_fail(&j->status, c, r);
      return;
    }
  }
}

/* All n levels (zigzag symbols when zig), chunk by chunk in parallel; zeros
 * for the zero vector, so every back end sees defined levels. */
static gcompResult_t quantize_all(const gcomp_level_desc *d, const gcomp_body_in *in, int zig,
                                  int32_t *v, gcomp_level_scale *s) {
  GCOMP_TRY(d->prepare(in, s));
  if (s->scale == 0.0f) {
    memset(v, 0, (size_t)in->n * sizeof *v);
    return gcompSuccess;
  }
  quantize_job j;
  j.d = d, j.in = in, j.s = s, j.zig = zig, j.v = v;
  gcomp_par_status_init(&j.status);
  gcomp_par_for(chunk_count(in->n), GCOMP_SECTION_GRAIN, quantize_chunks, &j);
  return gcomp_par_result(&j.status);
}

static void unzigzag_range(void *ctx, uint64_t first, uint64_t end) {
  int32_t *v = ctx;
  for (uint64_t i = first; i < end; i++) v[i] = gcomp_unzigzag((uint32_t)v[i]);
}

/* ------------------------------------------------------------ back ends */

static gcompResult_t put_scale(gcomp_bitwriter *w, float scale) {
  gcomp_bw_put(w, gcomp_f2u(scale), GCOMP_SCALE_BITS);
  if (w->overflow) return gcomp_fail(gcompDstTooSmall, "dst too small for the scale");
  return gcompSuccess;
}

/* The scale and the pad bit of the fixed and entropy bodies. */
static gcompResult_t put_scale_byte_aligned(uint8_t *dst, size_t cap, float scale) {
  if (cap < 4) return gcomp_fail(gcompDstTooSmall, "dst too small for the scale");
  gcomp_bitwriter w;
  gcomp_bw_init(&w, dst, 4);
  GCOMP_TRY(put_scale(&w, scale));
  gcomp_bw_align(&w);
  return gcompSuccess;
}

static gcompResult_t write_structured(const gcomp_level_desc *d, const int32_t *v, uint64_t n,
                                      const gcomp_level_scale *s, uint8_t *dst, size_t cap,
                                      gcomp_body_out *out) {
  gcomp_bitwriter w;
  gcomp_bw_init(&w, dst, cap);
  GCOMP_TRY(put_scale(&w, s->scale));
  if (s->scale != 0.0f) GCOMP_TRY(d->code->write(&w, v, n, s->K));
  if (w.overflow) return gcomp_fail(gcompDstTooSmall, "structured code: dst too small");
  out->packing = gcompPackStructured;
  out->bits = w.pos;
  return gcompSuccess;
}

/* cnt: the symbols' letter counts, or NULL to count them here. */
static gcompResult_t write_entropy(const uint32_t *z, const uint64_t *cnt, uint64_t n,
                                   const gcomp_level_scale *s, uint8_t *dst, size_t cap,
                                   gcomp_body_out *out) {
  GCOMP_TRY(put_scale_byte_aligned(dst, cap, s->scale));
  size_t used = 0;
  if (s->scale != 0.0f)
    GCOMP_TRY(cnt ? gcomp_rans_encode_counted(z, n, cnt, dst + 4, cap - 4, &used)
                  : gcomp_rans_encode(z, n, dst + 4, cap - 4, &used));
  out->packing = gcompPackEntropy;
  out->bits = 8 * (4 + (uint64_t)used);
  return gcompSuccess;
}

static gcompResult_t write_direct(const gcomp_level_desc *d, const int32_t *v, uint64_t n,
                                  const gcomp_level_scale *s, uint8_t *dst, size_t cap,
                                  gcomp_body_out *out) {
  float *y = malloc((size_t)n * sizeof *y);
  if (!y) return gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
  d->dequantize(v, n, s, y);
  gcompResult_t r = gcomp_direct_write(y, n, dst, cap, out);
  free(y);
  return r;
}

/* Fixed packing without a full-length level buffer: each chunk of 4096
 * coordinates is quantized into a stack buffer and packed while it is still
 * in L1. */
typedef struct {
  const gcomp_level_desc *d;
  const gcomp_body_in *in;
  const gcomp_level_scale *s;
} fused_source;

GCOMP_HOT static gcompResult_t write_fused_chunk(void *ctx, uint64_t c, uint8_t *out,
                                                 size_t room, size_t *len) {
  const fused_source *f = ctx;
  int32_t v[GCOMP_FIXED_CHUNK];
  uint32_t m = gcomp_fixed_chunk_len(f->in->n, c);
  uint32_t worst = f->d->quantize(f->in, f->s, 1, c * GCOMP_FIXED_CHUNK, m, v);
  GCOMP_TRY(check_levels(f->d, worst, f->s));
  if (room < gcomp_fixed_chunk_bound(m))
    return gcomp_fail(gcompDstTooSmall, "dst too small for the fixed section");
  /* 2 worst bounds every zigzag symbol of the chunk */
  *len = gcomp_fixed_encode_chunk((const uint32_t *)v, m, 2 * worst, out);
  return gcompSuccess;
}

static gcompResult_t encode_fixed_fused(const gcomp_level_desc *d, const gcomp_body_in *in,
                                        gcomp_body_out *out) {
  gcomp_level_scale s;
  GCOMP_TRY(d->prepare(in, &s));
  GCOMP_TRY(put_scale_byte_aligned(in->dst, in->cap, s.scale));
  out->packing = gcompPackFixed;
  out->bits = 32;
  if (s.scale == 0.0f) return gcompSuccess;
  if ((in->cap - 4) / 4 < chunk_count(in->n))
    return gcomp_fail(gcompDstTooSmall, "dst too small for the chunk table");
  fused_source f = {d, in, &s};
  size_t used = 0;
  GCOMP_TRY(gcomp_fixed_write_section(in->dst + 4, in->cap - 4, in->n, write_fused_chunk, &f,
                                      &used));
  out->bits = 8 * (4 + (uint64_t)used);
  return gcompSuccess;
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

/* ----------------------------------------------------------------- auto */

/* What auto learns while it quantizes, chunk by chunk: the letter counts
 * and escape lengths of the rANS section, the exact bytes of every fixed
 * chunk, the largest level. */
typedef struct {
  uint64_t cnt[GCOMP_RANS_MAX_ALPHABET];
  uint64_t esc[GCOMP_RANS_ESCAPE_LENGTHS];
  uint64_t fixed;      /* bytes of the fixed chunks */
  uint64_t code_lo, code_hi; /* the structured code's span, when it has one */
  uint32_t worst;
} level_stats;

typedef struct {
  const gcomp_level_desc *d;
  const gcomp_body_in *in;
  const gcomp_level_scale *s;
  uint32_t *z;
  pthread_mutex_t lock;
  level_stats total;
  gcomp_par_status status;
} stats_job;

/* Interleaved counters, as entropy.c's histogram: runs of one symbol would
 * otherwise serialize on a single counter. */
GCOMP_HOT static void count_letters(const uint32_t *z, uint32_t len,
                                    uint64_t (*h)[GCOMP_RANS_MAX_ALPHABET]) {
  uint32_t i = 0;
  for (; i + 4 <= len; i += 4) {
    h[0][gcomp_rans_letter(z[i])]++;
    h[1][gcomp_rans_letter(z[i + 1])]++;
    h[2][gcomp_rans_letter(z[i + 2])]++;
    h[3][gcomp_rans_letter(z[i + 3])]++;
  }
  for (; i < len; i++) h[0][gcomp_rans_letter(z[i])]++;
}

static void stats_chunks(void *ctx, uint64_t first, uint64_t end) {
  stats_job *j = ctx;
  uint64_t h[4][GCOMP_RANS_MAX_ALPHABET];
  level_stats part;
  memset(h, 0, sizeof h);
  memset(&part, 0, sizeof part);
  for (uint64_t c = first; c < end; c++) {
    uint64_t off = c * GCOMP_FIXED_CHUNK;
    uint32_t len = gcomp_fixed_chunk_len(j->in->n, c);
    uint32_t *z = j->z + off;
    uint32_t worst = j->d->quantize(j->in, j->s, 1, off, len, (int32_t *)z);
    gcompResult_t r = check_levels(j->d, worst, j->s);
    if (r != gcompSuccess) {
      gcomp_par_fail(&j->status, c, r);
      return;
    }
    part.worst = worst > part.worst ? worst : part.worst;
    part.fixed += gcomp_fixed_chunk_size(z, len, 2 * worst);
    if (j->d->code->span) j->d->code->span(z, len, j->in->n, j->s->K, &part.code_lo, &part.code_hi);
    count_letters(z, len, h);
    if (2 * worst >= GCOMP_RANS_ESC)
      for (uint32_t i = 0; i < len; i++)
        if (z[i] >= GCOMP_RANS_ESC) part.esc[gcomp_rans_escape_length(z[i])]++;
  }
  pthread_mutex_lock(&j->lock);
  for (unsigned t = 0; t < GCOMP_RANS_MAX_ALPHABET; t++)
    j->total.cnt[t] += h[0][t] + h[1][t] + h[2][t] + h[3][t];
  for (unsigned b = 0; b < GCOMP_RANS_ESCAPE_LENGTHS; b++) j->total.esc[b] += part.esc[b];
  j->total.fixed += part.fixed;
  j->total.code_lo += part.code_lo;
  j->total.code_hi += part.code_hi;
  j->total.worst = part.worst > j->total.worst ? part.worst : j->total.worst;
  pthread_mutex_unlock(&j->lock);
}

static gcompResult_t quantize_with_stats(const gcomp_level_desc *d, const gcomp_body_in *in,
                                         const gcomp_level_scale *s, uint32_t *z,
                                         level_stats *st) {
  stats_job j;
  j.d = d, j.in = in, j.s = s, j.z = z;
  memset(&j.total, 0, sizeof j.total);
  pthread_mutex_init(&j.lock, NULL);
  gcomp_par_status_init(&j.status);
  gcomp_par_for(chunk_count(in->n), GCOMP_SECTION_GRAIN, stats_chunks, &j);
  pthread_mutex_destroy(&j.lock);
  *st = j.total;
  return gcomp_par_result(&j.status);
}

/* Fixed chunks from symbols already quantized. The chunks' total is known
 * and fits dst; a chunk whose worst case does not fit the room left (only
 * near the end of a tight dst) goes through a spill buffer, as the
 * packer may store a few bytes past a chunk's end. */
typedef struct {
  const uint32_t *z;
  uint64_t n;
  uint32_t max;
} symbol_source;

static gcompResult_t write_symbol_chunk(void *ctx, uint64_t c, uint8_t *out, size_t room,
                                        size_t *len) {
  const symbol_source *src = ctx;
  uint32_t m = gcomp_fixed_chunk_len(src->n, c);
  const uint32_t *z = src->z + c * GCOMP_FIXED_CHUNK;
  if (room >= gcomp_fixed_chunk_bound(m)) {
    *len = gcomp_fixed_encode_chunk(z, m, src->max, out);
    return gcompSuccess;
  }
  uint8_t spill[GCOMP_FIXED_HEAD + 4 * GCOMP_FIXED_CHUNK + 8];
  *len = gcomp_fixed_encode_chunk(z, m, src->max, spill);
  if (*len > room) return gcomp_fail(gcompInternalError, "fixed chunk larger than counted");
  memcpy(out, spill, *len);
  return gcompSuccess;
}

/* Bytes of a fixed chunk whose symbols are at most max: the width
 * bitlen(max) + 1 has no escape, and a chunk takes the shortest width. */
static size_t fixed_chunk_bound_for(uint32_t max, uint32_t m) {
  unsigned w = max ? 33u - (unsigned)__builtin_clz(max) : 0u;
  return w >= 32 ? gcomp_fixed_chunk_bound(m) : gcomp_fixed_chunk_bytes(m, w, 0);
}

static gcompResult_t write_fixed_from(const uint32_t *z, uint64_t n, uint32_t max,
                                      const gcomp_level_scale *s, uint8_t *dst, size_t cap,
                                      gcomp_body_out *out) {
  GCOMP_TRY(put_scale_byte_aligned(dst, cap, s->scale));
  symbol_source src = {z, n, max};
  size_t used = 0;
  uint64_t chunks = chunk_count(n);
  if ((cap - 4) / 4 < chunks)
    return gcomp_fail(gcompDstTooSmall, "dst too small for the chunk table");
  size_t table = 4 * (size_t)chunks;
  GCOMP_TRY(gcomp_section_write(dst + 4, dst + 4 + table, cap - 4 - table, chunks,
                                fixed_chunk_bound_for(max, GCOMP_FIXED_CHUNK),
                                fixed_chunk_bound_for(max, gcomp_fixed_chunk_len(n, chunks - 1)),
                                write_symbol_chunk, &src, &used));
  out->packing = gcompPackFixed;
  out->bits = 8 * (4 + (uint64_t)(table + used));
  return gcompSuccess;
}

enum { STRUCTURED, ENTROPY, FIXED, DIRECT, CANDIDATES };

/* The back end the exhaustive rule (the shortest, the earliest of
 * STRUCTURED..DIRECT on ties) picks for every length within [lo, hi], or
 * -1 when the bounds leave it open. */
static int certain_pick(const uint64_t *lo, const uint64_t *hi) {
  for (int p = 0; p < CANDIDATES; p++) {
    int beats_all = 1;
    for (int q = 0; q < CANDIDATES; q++)
      if (q != p && !(q < p ? hi[p] < lo[q] : hi[p] <= lo[q])) beats_all = 0;
    if (beats_all) return p;
  }
  return -1;
}

static gcompResult_t fits(uint64_t bits, size_t cap) {
  size_t bytes = (size_t)((bits + 7) / 8);
  if (bytes > cap)
    return gcomp_fail(gcompDstTooSmall, "dst holds %zu body bytes, need %zu", cap, bytes);
  return gcompSuccess;
}

/* The chosen back end from the zigzag symbols z, which it may turn into
 * levels in place. */
static gcompResult_t write_pick(int pick, const gcomp_level_desc *d, const gcomp_body_in *in,
                                uint32_t *z, const level_stats *st, const gcomp_level_scale *s,
                                gcomp_body_out *out) {
  if (pick == ENTROPY) return write_entropy(z, st->cnt, in->n, s, in->dst, in->cap, out);
  if (pick == FIXED) return write_fixed_from(z, in->n, 2 * st->worst, s, in->dst, in->cap, out);
  gcomp_par_for(in->n, GCOMP_PAR_GRAIN, unzigzag_range, z);
  if (pick == STRUCTURED)
    return write_structured(d, (const int32_t *)z, in->n, s, in->dst, in->cap, out);
  return write_direct(d, (const int32_t *)z, in->n, s, in->dst, in->cap, out);
}

/* Auto: the back end the exhaustive rule (encode all four, keep the
 * shortest, the earliest on ties) picks, found from bounds on the lengths:
 * fixed and direct exact, structured from its code's span, entropy from
 * rans_estimate.h. While the bounds leave the choice open, the structured
 * length is made exact (one pass), then the entropy one (by encoding to
 * scratch). With exact lengths the rule always decides. Then the pick
 * alone writes. */
static gcompResult_t encode_auto(const gcomp_level_desc *d, const gcomp_body_in *in,
                                 uint32_t *z, gcomp_body_out *out) {
  gcomp_level_scale s;
  uint64_t n = in->n;
  GCOMP_TRY(d->prepare(in, &s));
  if (s.scale == 0.0f) /* structured: 31 bits, the shortest */
    return write_structured(d, (const int32_t *)z, n, &s, in->dst, in->cap, out);
  level_stats st;
  GCOMP_TRY(quantize_with_stats(d, in, &s, z, &st));
  uint64_t lo[CANDIDATES], hi[CANDIDATES];
  int code_exact = d->code->span == NULL;
  if (code_exact)
    lo[STRUCTURED] = hi[STRUCTURED] = GCOMP_SCALE_BITS + d->code->bits(z, n, s.K);
  else
    lo[STRUCTURED] = GCOMP_SCALE_BITS + st.code_lo, hi[STRUCTURED] = GCOMP_SCALE_BITS + st.code_hi;
  lo[FIXED] = hi[FIXED] = 8 * (4 + 4 * chunk_count(n) + st.fixed);
  lo[DIRECT] = hi[DIRECT] = 32 * n;
  gcomp_rans_size_span(st.cnt, st.esc, n, &lo[ENTROPY], &hi[ENTROPY]);
  lo[ENTROPY] = 8 * (4 + lo[ENTROPY]), hi[ENTROPY] = 8 * (4 + hi[ENTROPY]);
  int pick = certain_pick(lo, hi);
  if (pick < 0 && !code_exact) {
    lo[STRUCTURED] = hi[STRUCTURED] = GCOMP_SCALE_BITS + d->code->bits(z, n, s.K);
    pick = certain_pick(lo, hi);
  }
  /* a dst that may be too short needs the exact length: for the error's
   * numbers, and because rANS would fail half way */
  int may_not_fit = pick >= 0 && (hi[pick] + 7) / 8 > in->cap;
  if (may_not_fit && pick == STRUCTURED)
    lo[STRUCTURED] = hi[STRUCTURED] = GCOMP_SCALE_BITS + d->code->bits(z, n, s.K);
  if (pick >= 0 && !(may_not_fit && pick == ENTROPY)) {
    GCOMP_TRY(fits(hi[pick], in->cap));
    return write_pick(pick, d, in, z, &st, &s, out);
  }
  size_t cap = packing_bound(d, gcompPackEntropy, in->codec, n);
  uint8_t *scratch = malloc(cap);
  if (!scratch) return gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
  gcomp_body_out e = *out;
  gcompResult_t r = write_entropy(z, st.cnt, n, &s, scratch, cap, &e);
  if (r == gcompSuccess) {
    lo[ENTROPY] = hi[ENTROPY] = e.bits;
    pick = certain_pick(lo, hi);
    r = pick >= 0 ? fits(hi[pick], in->cap)
                  : gcomp_fail(gcompInternalError, "auto: exact lengths left no choice");
  }
  if (r == gcompSuccess && pick == ENTROPY) {
    memcpy(in->dst, scratch, (size_t)(e.bits / 8));
    *out = e;
  }
  free(scratch);
  if (r != gcompSuccess || pick == ENTROPY) return r;
  return write_pick(pick, d, in, z, &st, &s, out);
}

gcompResult_t gcomp_level_encode(const gcomp_level_desc *d, const gcomp_body_in *in,
                                 gcomp_body_out *out) {
  gcompPacking_t p = in->codec->config.packing;
  if (p == gcompPackFixed) return encode_fixed_fused(d, in, out);
  int32_t *v = malloc((size_t)in->n * sizeof *v);
  if (!v) return gcomp_fail(gcompOutOfMemory, "level buffer allocation failed");
  gcomp_level_scale s;
  gcompResult_t r;
  if (p == gcompPackAuto) {
    memset(v, 0, (size_t)in->n * sizeof *v); /* the zero vector's levels */
    r = encode_auto(d, in, (uint32_t *)v, out);
  } else {
    /* entropy codes the zigzag symbols, the others the levels */
    r = quantize_all(d, in, p == gcompPackEntropy, v, &s);
    if (r == gcompSuccess && p == gcompPackEntropy)
      r = write_entropy((const uint32_t *)v, NULL, in->n, &s, in->dst, in->cap, out);
    else if (r == gcompSuccess && p == gcompPackStructured)
      r = write_structured(d, v, in->n, &s, in->dst, in->cap, out);
    else if (r == gcompSuccess)
      r = write_direct(d, v, in->n, &s, in->dst, in->cap, out);
  }
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

/* Zigzag symbols to levels in place; returns the largest |level|. */
static uint32_t unzigzag_worst(int32_t *v, uint64_t len) {
  uint32_t worst = 0;
  for (uint64_t i = 0; i < len; i++) {
    uint32_t zz = (uint32_t)v[i], level = (zz >> 1) + (zz & 1u);
    worst = level > worst ? level : worst;
    v[i] = gcomp_unzigzag(zz);
  }
  return worst;
}

static gcompResult_t level_too_large(uint32_t K) {
  return gcomp_fail(gcompCorruptPayload, "level above the limit %u", K);
}

static gcompResult_t not_finite(void) {
  return gcomp_fail(gcompCorruptPayload, "value overflows float32");
}

static int all_finite(const float *y, uint64_t len) {
  int ok = 1;
  for (uint64_t i = 0; i < len; i++) ok &= isfinite(y[i]) != 0;
  return ok;
}

/* Packing fixed, one chunk at a time while its symbols are in L1: unpack,
 * check, dequantize, and (acc) accumulate: dst = decoded + beta * dst. No
 * n-sized level buffer and one pass over dst, which makes this the decoder
 * of the collectives' fast path. Chunks run in parallel pieces. */
typedef struct {
  const gcomp_level_desc *d;
  const gcomp_level_scale *s;
  uint64_t n;
  float *dst;
  int acc;
  float beta;
} fused_sink;

GCOMP_HOT static gcompResult_t read_fused_chunk(void *ctx, uint64_t c, const uint8_t *chunk,
                                                size_t size) {
  const fused_sink *f = ctx;
  int32_t v[GCOMP_FIXED_CHUNK];
  float buf[GCOMP_FIXED_CHUNK];
  uint64_t off = c * GCOMP_FIXED_CHUNK;
  uint32_t len = gcomp_fixed_chunk_len(f->n, c);
  GCOMP_TRY(gcomp_fixed_decode_chunk(chunk, size, (uint32_t *)v, len));
  if (unzigzag_worst(v, len) > f->s->K) return level_too_large(f->s->K);
  float *y = f->acc ? buf : f->dst + off;
  f->d->dequantize(v, len, f->s, y);
  if (!all_finite(y, len)) return not_finite();
  if (f->acc) /* a float multiply, then an add: gcompDecode's own rule */
    for (uint32_t i = 0; i < len; i++) f->dst[off + i] = buf[i] + f->beta * f->dst[off + i];
  return gcompSuccess;
}

/* Packing entropy, GCOMP_RANS_LANES chunks at a time while their symbols
 * are in cache: decode, check, dequantize, in parallel pieces of groups.
 * No n-sized level buffer. */
typedef struct {
  const gcomp_level_desc *d;
  const gcomp_level_scale *s;
  float *dst;
} entropy_sink;

GCOMP_HOT static gcompResult_t use_entropy_group(void *ctx, uint64_t first, uint32_t *sym,
                                                 uint32_t len) {
  const entropy_sink *f = ctx;
  int32_t *v = (int32_t *)sym;
  if (unzigzag_worst(v, len) > f->s->K) return level_too_large(f->s->K);
  f->d->dequantize(v, len, f->s, f->dst + first);
  if (!all_finite(f->dst + first, len)) return not_finite();
  return gcompSuccess;
}

static gcompResult_t decode_entropy_fused(const gcomp_level_desc *d, const gcomp_body_view *bv,
                                          gcomp_bitreader *br, const gcomp_level_scale *s,
                                          float *dst) {
  size_t size = (size_t)(bv->bits / 8), used = 0;
  if (bv->bits % 8 || size < 4 || !gcomp_br_align_zero(br))
    return gcomp_fail(gcompCorruptPayload, "stream body framing invalid");
  entropy_sink f = {d, s, dst};
  GCOMP_TRY(gcomp_rans_decode_each(bv->body + 4, size - 4, bv->n, use_entropy_group, &f, &used));
  if (used != size - 4)
    return gcomp_fail(gcompCorruptPayload, "stream body has %zu trailing bytes", size - 4 - used);
  return gcompSuccess;
}

static gcompResult_t decode_fixed_fused(const gcomp_level_desc *d, const gcomp_body_view *bv,
                                        gcomp_bitreader *br, const gcomp_level_scale *s,
                                        float *dst, int acc, float beta) {
  size_t size = (size_t)(bv->bits / 8), used = 0;
  if (bv->bits % 8 || size < 4 || !gcomp_br_align_zero(br))
    return gcomp_fail(gcompCorruptPayload, "stream body framing invalid");
  fused_sink f = {d, s, bv->n, dst, acc, beta};
  GCOMP_TRY(gcomp_fixed_read_section(bv->body + 4, size - 4, bv->n, read_fused_chunk, &f, &used));
  if (used != size - 4)
    return gcomp_fail(gcompCorruptPayload, "stream body has %zu trailing bytes", size - 4 - used);
  return gcompSuccess;
}

/* Levels to values, chunk by chunk in parallel. A value that overflows
 * anywhere is the failure reported. */
typedef struct {
  const gcomp_level_desc *d;
  const gcomp_level_scale *s;
  const int32_t *v;
  float *y;
  uint64_t n;
  atomic_int overflows;
} values_job;

static void values_chunks(void *ctx, uint64_t first, uint64_t end) {
  values_job *j = ctx;
  for (uint64_t c = first; c < end; c++) {
    uint64_t off = c * GCOMP_FIXED_CHUNK;
    uint32_t len = gcomp_fixed_chunk_len(j->n, c);
    j->d->dequantize(j->v + off, len, j->s, j->y + off);
    if (!all_finite(j->y + off, len)) atomic_store(&j->overflows, 1);
  }
}

static gcompResult_t levels_to_values(const gcomp_level_desc *d, const gcomp_level_scale *s,
                                      const int32_t *v, float *y, uint64_t n) {
  values_job j = {d, s, v, y, n, 0};
  gcomp_par_for(chunk_count(n), GCOMP_SECTION_GRAIN, values_chunks, &j);
  if (atomic_load(&j.overflows)) return not_finite();
  return gcompSuccess;
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
  if (bv->packing != gcompPackStructured)
    return gcomp_fail(gcompCorruptPayload, "packing %d invalid for a level stream",
                      (int)bv->packing);
  int32_t *v = malloc((size_t)bv->n * sizeof *v);
  if (!v) return gcomp_fail(gcompOutOfMemory, "level buffer allocation failed");
  gcompResult_t r = d->code->read(&br, v, bv->n, s.K);
  if (r == gcompSuccess && br.pos != br.end)
    r = gcomp_fail(gcompCorruptPayload, "structured body has %llu trailing bits",
                   (unsigned long long)(br.end - br.pos));
  if (r == gcompSuccess) r = levels_to_values(d, &s, v, y, bv->n);
  free(v);
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
