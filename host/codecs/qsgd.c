/* QSGD / standard dithering with s levels (codec 4): gamma ~ |x| / s and
 * levels 0..s by unbiased rounding. Its structured packing is QSGD's own
 * Elias code (Alistarh et al. 2017, docs/FORMAT.md "Body: QSGD"). */
#include "core/codec.h"
#include "shared/check.h"
#include "pack/levels.h"
#include "stages/norm.h"
#include "shared/bits.h"
#include "shared/qsgd.h"

#include <math.h>
#include <string.h>

/* Elias prefixes a hostile stream may claim: a gap is at most n <= 2^40, a
 * level at most 2^20. */
#define GAP_MAX_ZEROS 40u
#define LEVEL_MAX_ZEROS 20u

static gcompResult_t qsgd_prepare(const gcomp_body_in *in, gcomp_level_scale *s) {
  uint32_t levels = (uint32_t)in->codec->iparam;
  double sumsq;
  GCOMP_TRY(gcomp_sumsq(in->x, in->n, &sumsq));
  if (gcomp_qsgd_scale(sumsq, levels, &s->scale) != 0)
    return gcomp_fail(gcompParameterOutOfRange,
                      "|x| / s = %g is not a normal float32 scale", sqrt(sumsq) / levels);
  s->K = levels;
  return gcompSuccess;
}

static uint32_t qsgd_limit(double param, uint64_t iparam, uint64_t n) {
  (void)param;
  (void)n;
  return gcomp_qsgd_level_limit(iparam);
}

/* For each nonzero level: the gap from the previous one (the first from
 * position -1), a sign bit (1 = negative), the level. */
static gcompResult_t elias_write(gcomp_bitwriter *w, const int32_t *v, uint64_t n, uint32_t K) {
  uint64_t next = 0; /* one past the previous nonzero */
  for (uint64_t i = 0; i < n; i++) {
    if (!v[i]) continue;
    uint32_t k = (uint32_t)(v[i] < 0 ? -v[i] : v[i]);
    if (k > K) return gcomp_fail(gcompInternalError, "level %u above limit %u", k, K);
    gcomp_elias_put(w, i + 1 - next);
    gcomp_bw_put_bit(w, v[i] < 0);
    gcomp_elias_put(w, k);
    next = i + 1;
  }
  if (w->overflow) return gcomp_fail(gcompDstTooSmall, "Elias code: dst too small");
  return gcompSuccess;
}

/* Reads triples until the body ends; each must be whole and in range. */
static gcompResult_t elias_read(gcomp_bitreader *r, int32_t *v, uint64_t n, uint32_t K) {
  memset(v, 0, (size_t)n * sizeof *v);
  uint64_t next = 0;
  while (gcomp_br_remaining(r) > 0) {
    uint64_t gap, k;
    if (!gcomp_elias_get(r, GAP_MAX_ZEROS, &gap) || gap > n - next)
      return gcomp_fail(gcompCorruptPayload, "Elias code: bad gap after position %llu",
                        (unsigned long long)next);
    unsigned neg = gcomp_br_get_bit(r);
    if (!gcomp_elias_get(r, LEVEL_MAX_ZEROS, &k) || k > K)
      return gcomp_fail(gcompCorruptPayload, "Elias code: bad level (limit %u)", K);
    next += gap;
    v[next - 1] = neg ? -(int32_t)k : (int32_t)k;
  }
  return gcompSuccess;
}

static unsigned elias_len(uint64_t v) { return 2u * (63u - (unsigned)__builtin_clzll(v)) + 1u; }

/* The length elias_write gives, from the zigzag symbols. */
static uint64_t elias_bits(const uint32_t *z, uint64_t n, uint32_t K) {
  (void)K;
  uint64_t bits = 0, next = 0;
  for (uint64_t i = 0; i < n; i++) {
    if (!z[i]) continue;
    bits += elias_len(i + 1 - next) + 1 + elias_len((z[i] + 1) >> 1);
    next = i + 1;
  }
  return bits;
}

static const gcomp_level_code elias_code = {elias_write, elias_read, elias_bits, NULL};

/* FORMAT.md's bound with each term at its own maximum over m: 2 m
 * log2(n/m) <= 2n / (e ln 2), and 2 m log2(1 + s/sqrt m) <= min(2 s sqrt(n)
 * / ln 2, 2 n log2(1 + s)). */
static size_t qsgd_code_bound(const struct gcompCodec *c, uint64_t n) {
  double s = (double)c->iparam, dn = (double)n;
  double levels = fmin(2.0 * s * sqrt(dn) / log(2.0), 2.0 * dn * log2(1.0 + s));
  double bits = (GCOMP_SCALE_BITS + 3.0 * dn + 2.0 * dn / (exp(1.0) * log(2.0)) + levels) *
                    (1.0 + 1e-6) + 64;
  if (bits > 8.0 * (double)(SIZE_MAX / 2)) return 0;
  return (size_t)(bits / 8) + 1;
}

static const gcomp_level_desc qsgd_levels = {qsgd_prepare,
                                             gcomp_level_quantize_unbiased,
                                             gcomp_level_dequantize_linear,
                                             qsgd_limit,
                                             &elias_code,
                                             qsgd_code_bound};

static gcompResult_t qsgd_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  return gcomp_level_encode(&qsgd_levels, in, out);
}

static gcompResult_t qsgd_decode(const gcomp_body_view *bv, float *y) {
  return gcomp_level_decode(&qsgd_levels, bv, y);
}

static gcompResult_t qsgd_decode_acc(const gcomp_body_view *bv, float *dst, float beta) {
  return gcomp_level_decode_acc(&qsgd_levels, bv, dst, beta);
}

static size_t qsgd_bound(const struct gcompCodec *c, uint64_t n) {
  return gcomp_level_bound(&qsgd_levels, c, n);
}

static gcompResult_t qsgd_configure(gcompCodecConfig_t *cfg, double *param, uint64_t *iparam) {
  if (cfg->levels == GCOMP_DEFAULT) cfg->levels = 8;
  *param = 0;
  *iparam = (uint64_t)cfg->levels;
  return gcompSuccess;
}

static int qsgd_header_ok(double param, uint64_t iparam, uint64_t n) {
  return gcomp_is_plus_zero(param) && qsgd_limit(param, iparam, n) != 0;
}

/* Alistarh et al., Lemma 3.1. */
static double qsgd_theory(const struct gcompCodec *c, uint64_t d) {
  double s = (double)c->iparam, dd = (double)d;
  return fmin(dd / (s * s), sqrt(dd) / s);
}

static const gcomp_param qsgd_params[] = {
    {"levels", 1, GCOMP_QSGD_MAX_LEVELS, 0, 0, "1..2^20"}, {NULL, 0, 0, 0, 0, NULL}};

const gcomp_method gcomp_method_qsgd = {
    .id = gcompQsgd,
    .name = "qsgd",
    .cls = gcompClassUnbiased,
    .params = qsgd_params,
    .packings = GCOMP_LEVEL_PACKINGS,
    .configure = qsgd_configure,
    .header_ok = qsgd_header_ok,
    .theory = qsgd_theory,
    .encode = qsgd_encode,
    .decode = qsgd_decode,
    .decode_acc = qsgd_decode_acc,
    .bound = qsgd_bound,
};
