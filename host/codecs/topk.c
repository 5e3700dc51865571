/* Top-k, class C(1 - k/d): the k largest magnitudes kept exactly, the rest
 * zero; equal magnitudes go to the lower index (shared/selection.h). The
 * uncompressed part is then the n - k smallest squares, hence the class.
 *
 * Structured body (docs/FORMAT.md): a choice bit, the indices as an n-bit
 * bitmap (0) or as Rice-coded gaps (1: the parameter in 5 bits, then
 * i_0, i_1 - i_0 - 1, ...), whichever is shorter, then the k kept values as
 * float32 in index order. Gaps are offsets past the previous index, so a
 * body cannot even express a repeated or decreasing index. */
#include "core/codec.h"
#include "shared/check.h"
#include "stages/bitstream.h"
#include "stages/select.h"
#include "shared/bits.h"
#include "shared/selection.h"
#include "shared/topk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RICE_PARAM_BITS GCOMP_TOPK_RICE_PARAM_BITS
#define VALUE_BITS GCOMP_TOPK_VALUE_BITS

typedef gcomp_topk_code index_code;

/* shared/topk.h's choice, from the sums of the gaps shifted by each r. */
static index_code choose_code(const uint64_t *idx, uint64_t k, uint64_t n) {
  uint64_t sums[GCOMP_TOPK_RICE_PARAMS] = {0};
  for (uint64_t j = 0; j < k; j++)
    gcomp_topk_add_gap(sums, gcomp_topk_gap(idx[j], j ? idx[j - 1] : 0, j));
  return gcomp_topk_choose(sums, k, n);
}

/* The same worst case over every index set: the gaps sum to at most
 * n - k, so Rice with parameter r costs at most k (r + 1) + (n - k) >> r. */
static uint64_t worst_structured_bits(uint64_t n, uint64_t k) {
  uint64_t best = n;
  for (unsigned r = 0; r < 32; r++) {
    uint64_t bits = RICE_PARAM_BITS + k * (r + 1) + ((n - k) >> r);
    if (bits < best) best = bits;
  }
  return 1 + best + VALUE_BITS * k;
}

static void put_bitmap(gcomp_fast_writer *w, const uint64_t *idx, uint64_t k, uint64_t n) {
  uint64_t j = 0;
  for (uint64_t base = 0; base < n; base += 64) {
    uint64_t len = n - base < 64 ? n - base : 64, word = 0;
    while (j < k && idx[j] < base + len) word |= (uint64_t)1 << (idx[j++] - base);
    gcomp_fw_put(w, word, (unsigned)len);
  }
}

/* shared/golomb_rice.h's code, a word at a time. */
static void put_rice(gcomp_fast_writer *w, uint64_t v, unsigned r) {
  uint64_t q = v >> r;
  for (; q >= 63; q -= 63) gcomp_fw_put(w, ((uint64_t)1 << 63) - 1u, 63);
  gcomp_fw_put(w, ((uint64_t)1 << q) - 1u, (unsigned)q + 1u); /* q ones, a zero */
  gcomp_fw_put(w, v, r);
}

static gcompResult_t write_structured(const gcomp_body_in *in, const uint64_t *idx,
                                      uint64_t k, index_code code, gcomp_body_out *out) {
  uint64_t bits = gcomp_topk_body_bits(code, k);
  if (bits > 8 * (uint64_t)in->cap)
    return gcomp_fail(gcompDstTooSmall, "dst holds %zu body bytes, need %llu", in->cap,
                      (unsigned long long)((bits + 7) / 8));
  gcomp_fast_writer w;
  gcomp_fw_init(&w, in->dst);
  gcomp_fw_put(&w, (unsigned)code.rice, 1);
  if (code.rice) {
    gcomp_fw_put(&w, code.r, RICE_PARAM_BITS);
    uint64_t next = 0;
    for (uint64_t j = 0; j < k; j++) {
      put_rice(&w, idx[j] - next, code.r);
      next = idx[j] + 1;
    }
  } else {
    put_bitmap(&w, idx, k, in->n);
  }
  for (uint64_t j = 0; j < k; j++) gcomp_fw_put(&w, gcomp_f2u(in->x[idx[j]]), VALUE_BITS);
  gcomp_fw_finish(&w);
  if (w.pos != bits)
    return gcomp_fail(gcompInternalError, "top-k body length %llu, expected %llu",
                      (unsigned long long)w.pos, (unsigned long long)bits);
  out->packing = gcompPackStructured;
  out->bits = bits;
  return gcompSuccess;
}

static gcompResult_t write_direct(const gcomp_body_in *in, const uint64_t *idx, uint64_t k,
                                  gcomp_body_out *out) {
  float *y = calloc((size_t)in->n, sizeof *y);
  if (!y) return gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
  for (uint64_t j = 0; j < k; j++) y[idx[j]] = in->x[idx[j]];
  gcompResult_t r = gcomp_direct_write(y, in->n, in->dst, in->cap, out);
  free(y);
  return r;
}

static gcompResult_t topk_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  uint64_t k;
  GCOMP_TRY(gcomp_k_resolve(in->codec, in->n, &k));
  out->iparam = k;
  uint64_t *idx = malloc((size_t)k * sizeof *idx);
  if (!idx) return gcomp_fail(gcompOutOfMemory, "index buffer allocation failed");
  /* The float bits under the mask are gcomp_topk_rank, read in place. */
  gcompResult_t r = gcomp_select_largest(in->x, GCOMP_TOPK_RANK_MASK, in->n, k, idx);
  if (r == gcompSuccess) {
    gcompPacking_t p = in->codec->config.packing;
    index_code code = choose_code(idx, k, in->n);
    if (p == gcompPackAuto)
      p = gcomp_topk_auto_structured(code, k, in->n) ? gcompPackStructured : gcompPackDirect;
    r = p == gcompPackDirect ? write_direct(in, idx, k, out)
                             : write_structured(in, idx, k, code, out);
  }
  free(idx);
  return r;
}

/* --------------------------------------------------------------- decode */

/* y is written in index order as the indices are read: the zeros ahead of
 * each kept index a block at a time (a memset per 16 KB, not per gap),
 * then its value, read by a second cursor from the value section (the last
 * 32 k bits). One pass over y and no index buffer. A value that is not
 * finite is reported only after the indices have passed their checks, in
 * the order of the format's rules; a corrupt body leaves y partly written,
 * as gcompDecode allows. */
#define ZERO_BLOCK 4096u

typedef struct {
  float *y;
  uint64_t n, zeroed; /* y[0, zeroed) is written or zero */
  gcomp_fast_reader values;
  int not_finite;
} kept_writer;

static inline void put_kept(kept_writer *o, uint64_t i) {
  float val = gcomp_u2f(gcomp_fr_get32(&o->values));
  o->not_finite |= !isfinite(val);
  while (o->zeroed <= i) {
    uint64_t e = o->n - o->zeroed < ZERO_BLOCK ? o->n : o->zeroed + ZERO_BLOCK;
    memset(o->y + o->zeroed, 0, (size_t)(e - o->zeroed) * sizeof *o->y);
    o->zeroed = e;
  }
  o->y[i] = val;
}

static gcompResult_t read_bitmap(gcomp_fast_reader *br, uint64_t n, uint64_t k,
                                 kept_writer *o) {
  if (br->end - br->pos < n)
    return gcomp_fail(gcompCorruptPayload, "top-k body too short for its bitmap");
  uint64_t m = 0;
  for (uint64_t base = 0; base < n; base += 32) {
    unsigned len = (unsigned)(n - base < 32 ? n - base : 32);
    for (uint64_t word = gcomp_fr_get(br, len); word; word &= word - 1) {
      if (m++ == k) return gcomp_fail(gcompCorruptPayload, "bitmap marks more than k indices");
      put_kept(o, base + (uint64_t)__builtin_ctzll(word));
    }
  }
  if (m != k)
    return gcomp_fail(gcompCorruptPayload, "bitmap marks %llu indices, k = %llu",
                      (unsigned long long)m, (unsigned long long)k);
  return gcompSuccess;
}

static gcompResult_t read_gaps(gcomp_fast_reader *br, uint64_t n, uint64_t k,
                               kept_writer *o) {
  unsigned r = (unsigned)gcomp_fr_get(br, RICE_PARAM_BITS);
  uint64_t next = 0, g = 0;
  for (uint64_t j = 0; j < k; j++) {
    if (!gcomp_fr_rice(br, r, n >> r, &g))
      return gcomp_fail(gcompCorruptPayload, "top-k gap %llu truncated or too long",
                        (unsigned long long)j);
    if (g >= n - next)
      return gcomp_fail(gcompCorruptPayload, "top-k index beyond n");
    put_kept(o, next + g);
    next += g + 1;
  }
  return gcompSuccess;
}

/* bits >= 1 + 32 k (topk_decode checked). */
static gcompResult_t read_structured(const gcomp_body_view *v, float *y) {
  uint64_t k = v->iparam, value_bits = VALUE_BITS * k;
  gcomp_fast_reader br;
  gcomp_fr_init(&br, v->body, v->bits);
  kept_writer o = {y, v->n, 0, br, 0};
  o.values.pos = v->bits - value_bits;
  unsigned rice = (unsigned)gcomp_fr_get(&br, 1);
  GCOMP_TRY(rice ? read_gaps(&br, v->n, k, &o) : read_bitmap(&br, v->n, k, &o));
  if (br.pos != v->bits - value_bits)
    return gcomp_fail(gcompCorruptPayload, "top-k body holds %llu value bits, expected %llu",
                      (unsigned long long)(v->bits - br.pos), (unsigned long long)value_bits);
  if (o.not_finite) return gcomp_fail(gcompCorruptPayload, "top-k value not finite");
  memset(y + o.zeroed, 0, (size_t)(v->n - o.zeroed) * sizeof *y);
  return gcompSuccess;
}

/* A direct body is the decoded vector: at most k coordinates other than
 * +0 (a kept -0 is itself). */
static gcompResult_t read_direct(const gcomp_body_view *v, float *y) {
  GCOMP_TRY(gcomp_direct_read(v, y));
  uint64_t kept = 0;
  for (uint64_t i = 0; i < v->n; i++) kept += gcomp_f2u(y[i]) != 0;
  if (kept > v->iparam)
    return gcomp_fail(gcompCorruptPayload, "direct body holds %llu nonzeros, k = %llu",
                      (unsigned long long)kept, (unsigned long long)v->iparam);
  return gcompSuccess;
}

static gcompResult_t topk_decode(const gcomp_body_view *v, float *y) {
  if (v->packing == gcompPackDirect) return read_direct(v, y);
  /* The values alone need 32 k bits. */
  if (v->bits < 1 + VALUE_BITS * v->iparam)
    return gcomp_fail(gcompCorruptPayload, "top-k body too short for k values");
  return read_structured(v, y);
}

/* ----------------------------------------------------------- the method */

static double topk_theory(const struct gcompCodec *c, uint64_t d) {
  uint64_t n = gcomp_coded_length(c->config.rotate, d);
  return 1.0 - (double)gcomp_k_capped(c, n) / (double)n;
}

static size_t topk_bound(const struct gcompCodec *c, uint64_t n) {
  uint64_t structured = (worst_structured_bits(n, gcomp_k_capped(c, n)) + 7) / 8;
  switch (c->config.packing) {
  case gcompPackDirect: return (size_t)(4 * n);
  case gcompPackStructured: return (size_t)structured;
  default: return (size_t)(structured < 4 * n ? structured : 4 * n);
  }
}

static const gcomp_param topk_params[] = {GCOMP_K_PARAM, {NULL, 0, 0, 0, 0, NULL}};

const gcomp_method gcomp_method_topk = {
    .id = gcompTopK,
    .name = "topk",
    .cls = gcompClassContractive,
    .params = topk_params,
    .packings = GCOMP_PACKING_BIT(gcompPackStructured) | GCOMP_PACKING_BIT(gcompPackDirect),
    .configure = gcomp_k_configure,
    .header_ok = gcomp_k_header_ok,
    .theory = topk_theory,
    .encode = topk_encode,
    .decode = topk_decode,
    .bound = topk_bound,
};
