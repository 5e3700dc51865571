/* Rand-k, class U(d/k - 1): k coordinates drawn uniformly without
 * replacement from the seed alone (the k smallest Philox keys,
 * shared/selection.h), each scaled by d/k. The decoder draws the same keys,
 * so the indices cost 0 bits: the structured body is the k decoded values
 * x_i * (d/k) as float32, in index order. */
#include "core/codec.h"
#include "shared/check.h"
#include "stages/philox_batch.h"
#include "stages/select.h"
#include "shared/bits.h"
#include "shared/selection.h"
#include "core/wire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The kept indices of n coordinates under seed, ascending, by the full
 * select; `scratch` holds n 32-bit ranks (the decoder lends its output
 * buffer). */
static gcompResult_t draw_all(uint64_t seed, uint64_t n, uint64_t k, void *scratch,
                              uint64_t *idx) {
  uint8_t *rank = scratch;
  for (uint64_t base = 0; base < n; base += 4) {
    gcomp_u32x4 key = gcomp_randk_keys(seed, base / 4);
    uint64_t m = n - base < 4 ? n - base : 4;
    for (uint64_t j = 0; j < m; j++) {
      uint32_t r = gcomp_randk_rank(key.v[j]);
      memcpy(rank + 4 * (base + j), &r, 4);
    }
  }
  return gcomp_select_largest(rank, 0xffffffffu, n, k, idx);
}

/* The same selection in one pass without the n ranks: the keys are
 * uniform, so a rank threshold that k + 8 sqrt(k) + 64 of them reach on
 * average lets at least k through except with probability below 10^-15;
 * the candidates hold the whole selection then (select.h), and the rare
 * shortfall goes to draw_all. zero, when given, is cleared along the way
 * (the decoder's output, while it is in cache). 1 when it gave the answer. */
static int draw_sampled(uint64_t seed, uint64_t n, uint64_t k, float *zero, uint64_t *idx) {
  if (n < 1024 || k > n / 16) return 0;
  double admit = ceil(((double)k + 8.0 * sqrt((double)k) + 64.0) / (double)n * 0x1p32);
  uint32_t t = (uint32_t)(0x1p32 - admit); /* ranks >= t pass: admit of 2^32 values */
  gcomp_candidates c;
  if (!gcomp_cand_init(&c, gcomp_cand_room(admit * 0x1p-32 * (double)n))) return 0;
  uint32_t key[4 * GCOMP_PHILOX_BATCH];
  for (uint64_t base = 0; base < n && !c.overflow; base += 4 * GCOMP_PHILOX_BATCH) {
    uint32_t m = (uint32_t)(n - base < 4 * GCOMP_PHILOX_BATCH ? n - base
                                                               : 4 * GCOMP_PHILOX_BATCH);
    gcomp_philox_batch(seed, GCOMP_STREAM_SELECTION, base / 4, (m + 3) / 4, key);
    if (zero) memset(zero + base, 0, m * sizeof *zero);
    /* rank = gcomp_randk_rank(key) = ~key */
    gcomp_cand_scan(&c, key, 0xffffffffu, 0xffffffffu, m, base, t);
  }
  int done = !c.overflow && c.count >= k && gcomp_cand_select(&c, k, idx) == gcompSuccess;
  gcomp_cand_free(&c);
  return done;
}

/* Values first, so a product that overflows is refused before a byte is
 * written. */
static gcompResult_t scaled_values(const gcomp_body_in *in, const uint64_t *idx, uint64_t k,
                                   float *val) {
  float scale = gcomp_randk_scale(in->n, k);
  for (uint64_t j = 0; j < k; j++) {
    val[j] = in->x[idx[j]] * scale;
    if (!isfinite(val[j]))
      return gcomp_fail(gcompParameterOutOfRange, "x[%llu] * d/k overflows float32",
                        (unsigned long long)idx[j]);
  }
  return gcompSuccess;
}

static gcompResult_t write_body(const gcomp_body_in *in, const uint64_t *idx, uint64_t k,
                                const float *val, gcomp_body_out *out) {
  if (in->codec->config.packing != gcompPackDirect) {
    if (in->cap / 4 < k) return gcomp_fail(gcompDstTooSmall, "dst too small for k values");
    for (uint64_t j = 0; j < k; j++) gcomp_store_u32(in->dst + 4 * j, gcomp_f2u(val[j]));
    out->packing = gcompPackStructured;
    out->bits = 32 * k;
    return gcompSuccess;
  }
  float *y = calloc((size_t)in->n, sizeof *y);
  if (!y) return gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
  for (uint64_t j = 0; j < k; j++) y[idx[j]] = val[j];
  gcompResult_t r = gcomp_direct_write(y, in->n, in->dst, in->cap, out);
  free(y);
  return r;
}

/* Auto is structured: k <= n values are never longer than n. */
static gcompResult_t randk_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  uint64_t k;
  GCOMP_TRY(gcomp_k_resolve(in->codec, in->n, &k));
  out->iparam = k;
  uint64_t *idx = malloc((size_t)k * sizeof *idx);
  float *val = malloc((size_t)k * sizeof *val);
  uint32_t *rank = NULL;
  gcompResult_t r = gcompSuccess;
  if (!idx || !val) r = gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
  if (r == gcompSuccess && !draw_sampled(in->seed, in->n, k, NULL, idx)) {
    rank = malloc((size_t)in->n * sizeof *rank);
    r = rank ? draw_all(in->seed, in->n, k, rank, idx)
             : gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
  }
  if (r == gcompSuccess) r = scaled_values(in, idx, k, val);
  if (r == gcompSuccess) r = write_body(in, idx, k, val, out);
  free(rank);
  free(val);
  free(idx);
  return r;
}

/* --------------------------------------------------------------- decode */

/* y is already zero where `zeroed`. */
static gcompResult_t read_values(const gcomp_body_view *v, const uint64_t *idx, int zeroed,
                                 float *y) {
  if (!zeroed) memset(y, 0, (size_t)v->n * sizeof *y);
  for (uint64_t j = 0; j < v->iparam; j++) {
    float val = gcomp_u2f(gcomp_load_u32(v->body + 4 * j));
    if (!isfinite(val)) return gcomp_fail(gcompCorruptPayload, "rand-k value not finite");
    y[idx[j]] = val;
  }
  return gcompSuccess;
}

/* A direct body is the decoded vector: +0 wherever the seed keeps nothing. */
static gcompResult_t read_direct(const gcomp_body_view *v, const uint64_t *idx, float *y) {
  GCOMP_TRY(gcomp_direct_read(v, y));
  uint64_t j = 0;
  for (uint64_t i = 0; i < v->n; i++) {
    if (j < v->iparam && idx[j] == i) {
      j++;
    } else if (gcomp_f2u(y[i]) != 0) {
      return gcomp_fail(gcompCorruptPayload, "direct body nonzero at an index not drawn");
    }
  }
  return gcompSuccess;
}

/* Lengths first: the key draw is O(n) work for any header. */
static gcompResult_t randk_decode(const gcomp_body_view *v, float *y) {
  int direct = v->packing == gcompPackDirect;
  uint64_t want = 32 * (direct ? v->n : v->iparam);
  if (v->bits != want)
    return gcomp_fail(gcompCorruptPayload, "rand-k body has %llu bits, expected %llu",
                      (unsigned long long)v->bits, (unsigned long long)want);
  uint64_t *idx = malloc((size_t)v->iparam * sizeof *idx);
  if (!idx) return gcomp_fail(gcompOutOfMemory, "index buffer allocation failed");
  int zeroed = draw_sampled(v->seed, v->n, v->iparam, direct ? NULL : y, idx);
  gcompResult_t r = zeroed ? gcompSuccess : draw_all(v->seed, v->n, v->iparam, y, idx);
  if (r == gcompSuccess) r = direct ? read_direct(v, idx, y) : read_values(v, idx, zeroed, y);
  free(idx);
  return r;
}

/* ----------------------------------------------------------- the method */

static double randk_theory(const struct gcompCodec *c, uint64_t d) {
  uint64_t n = gcomp_coded_length(c->config.rotate, d);
  return (double)n / (double)gcomp_k_capped(c, n) - 1.0;
}

static size_t randk_bound(const struct gcompCodec *c, uint64_t n) {
  if (c->config.packing == gcompPackDirect) return (size_t)(4 * n);
  return (size_t)(4 * gcomp_k_capped(c, n));
}

static const gcomp_param randk_params[] = {GCOMP_K_PARAM, {NULL, 0, 0, 0, 0, NULL}};

const gcomp_method gcomp_method_randk = {
    .id = gcompRandK,
    .name = "randk",
    .cls = gcompClassUnbiased,
    .params = randk_params,
    .packings = GCOMP_PACKING_BIT(gcompPackStructured) | GCOMP_PACKING_BIT(gcompPackDirect),
    .configure = gcomp_k_configure,
    .header_ok = gcomp_k_header_ok,
    .theory = randk_theory,
    .encode = randk_encode,
    .decode = randk_decode,
    .bound = randk_bound,
};
