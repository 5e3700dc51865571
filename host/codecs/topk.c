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
#include "shared/golomb_rice.h"
#include "stages/select.h"
#include "shared/bitio.h"
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

static void put_bitmap(gcomp_bitwriter *w, const uint64_t *idx, uint64_t k, uint64_t n) {
  uint64_t j = 0;
  for (uint64_t base = 0; base < n; base += 64) {
    uint64_t len = n - base < 64 ? n - base : 64, word = 0;
    while (j < k && idx[j] < base + len) word |= (uint64_t)1 << (idx[j++] - base);
    gcomp_bw_put(w, word, (unsigned)len);
  }
}

static gcompResult_t write_structured(const gcomp_body_in *in, const uint64_t *idx,
                                      uint64_t k, index_code code, gcomp_body_out *out) {
  uint64_t bits = gcomp_topk_body_bits(code, k);
  if (bits > 8 * (uint64_t)in->cap)
    return gcomp_fail(gcompDstTooSmall, "dst holds %zu body bytes, need %llu", in->cap,
                      (unsigned long long)((bits + 7) / 8));
  gcomp_bitwriter w;
  gcomp_bw_init(&w, in->dst, in->cap);
  gcomp_bw_put_bit(&w, (unsigned)code.rice);
  if (code.rice) {
    gcomp_bw_put(&w, code.r, RICE_PARAM_BITS);
    uint64_t next = 0;
    for (uint64_t j = 0; j < k; j++) {
      gcomp_rice_put(&w, idx[j] - next, code.r);
      next = idx[j] + 1;
    }
  } else {
    put_bitmap(&w, idx, k, in->n);
  }
  for (uint64_t j = 0; j < k; j++) gcomp_bw_put(&w, gcomp_f2u(in->x[idx[j]]), VALUE_BITS);
  if (w.overflow || w.pos != bits)
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

static gcompResult_t read_bitmap(gcomp_bitreader *br, uint64_t n, uint64_t k, uint64_t *idx) {
  if (gcomp_br_remaining(br) < n)
    return gcomp_fail(gcompCorruptPayload, "top-k body too short for its bitmap");
  uint64_t m = 0;
  for (uint64_t base = 0; base < n; base += 64) {
    unsigned len = (unsigned)(n - base < 64 ? n - base : 64);
    for (uint64_t word = gcomp_br_get(br, len); word; word &= word - 1) {
      if (m == k) return gcomp_fail(gcompCorruptPayload, "bitmap marks more than k indices");
      idx[m++] = base + (uint64_t)__builtin_ctzll(word);
    }
  }
  if (m != k)
    return gcomp_fail(gcompCorruptPayload, "bitmap marks %llu indices, k = %llu",
                      (unsigned long long)m, (unsigned long long)k);
  return gcompSuccess;
}

static gcompResult_t read_gaps(gcomp_bitreader *br, uint64_t n, uint64_t k, uint64_t *idx) {
  unsigned r = (unsigned)gcomp_br_get(br, RICE_PARAM_BITS);
  uint64_t next = 0, g = 0;
  for (uint64_t j = 0; j < k; j++) {
    if (!gcomp_rice_get(br, r, n >> r, &g))
      return gcomp_fail(gcompCorruptPayload, "top-k gap %llu truncated or too long",
                        (unsigned long long)j);
    if (g >= n - next)
      return gcomp_fail(gcompCorruptPayload, "top-k index beyond n");
    idx[j] = next + g;
    next = idx[j] + 1;
  }
  return gcompSuccess;
}

static gcompResult_t read_structured(const gcomp_body_view *v, uint64_t *idx, float *y) {
  uint64_t k = v->iparam;
  gcomp_bitreader br;
  gcomp_br_init(&br, v->body, v->bits);
  unsigned rice = gcomp_br_get_bit(&br);
  if (br.overrun) return gcomp_fail(gcompCorruptPayload, "empty top-k body");
  GCOMP_TRY(rice ? read_gaps(&br, v->n, k, idx) : read_bitmap(&br, v->n, k, idx));
  if (gcomp_br_remaining(&br) != VALUE_BITS * k)
    return gcomp_fail(gcompCorruptPayload, "top-k body holds %llu value bits, expected %llu",
                      (unsigned long long)gcomp_br_remaining(&br),
                      (unsigned long long)(VALUE_BITS * k));
  memset(y, 0, (size_t)v->n * sizeof *y);
  for (uint64_t j = 0; j < k; j++) {
    float val = gcomp_u2f((uint32_t)gcomp_br_get(&br, VALUE_BITS));
    if (!isfinite(val)) return gcomp_fail(gcompCorruptPayload, "top-k value not finite");
    y[idx[j]] = val;
  }
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
  /* The values alone need 32 k bits: no allocation for a header's lie. */
  if (v->bits < 1 + VALUE_BITS * v->iparam)
    return gcomp_fail(gcompCorruptPayload, "top-k body too short for k values");
  uint64_t *idx = malloc((size_t)v->iparam * sizeof *idx);
  if (!idx) return gcomp_fail(gcompOutOfMemory, "index buffer allocation failed");
  gcompResult_t r = read_structured(v, idx, y);
  free(idx);
  return r;
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
