/* Natural dithering with s levels (codec 5): scale |x|, levels
 * {0} U {2^(1-s), ..., 1/2, 1} sent as indices 0..s, unbiased rounding
 * between the two levels around |x_i| / |x|. Structured packing is the
 * paper's code over the indices, with K = s. */
#include "core/codec.h"
#include "core/hot.h"
#include "shared/check.h"
#include "pack/levels.h"
#include "stages/norm.h"
#include "stages/philox_batch.h"
#include "shared/bits.h"
#include "shared/natural_dithering.h"
#include "shared/philox.h"

#include <math.h>

static gcompResult_t nd_prepare(const gcomp_body_in *in, gcomp_level_scale *s) {
  double sumsq;
  GCOMP_TRY(gcomp_sumsq(in->x, in->n, &sumsq));
  if (gcomp_nd_scale(sumsq, &s->scale) != 0)
    return gcomp_fail(gcompParameterOutOfRange, "|x| = %g is not a normal float32 scale",
                      sqrt(sumsq));
  s->K = (uint32_t)in->codec->iparam;
  return gcompSuccess;
}

/* off is a multiple of 4, so each group of four takes one Philox draw (64
 * coordinates a batch);
 * `zig` is constant at each call site below, giving each its own loop. */
static inline uint32_t nd_round(const gcomp_body_in *in, const gcomp_level_scale *s, int zig,
                                uint64_t off, uint64_t len, int32_t *v) {
  const float *x = in->x + off;
  int32_t worst = 0;
  uint32_t r[4 * GCOMP_PHILOX_BATCH];
  for (uint64_t base = 0; base < len; base += 4 * GCOMP_PHILOX_BATCH) {
    uint64_t m = len - base < 4 * GCOMP_PHILOX_BATCH ? len - base : 4 * GCOMP_PHILOX_BATCH;
    gcomp_philox_batch(in->seed, GCOMP_STREAM_ROUNDING, (off + base) >> 2,
                       (uint32_t)((m + 3) / 4), r);
    for (uint64_t k = 0; k < m; k++) {
      int32_t q = gcomp_nd_quantize(x[base + k], s->scale, s->K, r[k]);
      int32_t a = q < 0 ? -q : q;
      v[base + k] = zig ? (int32_t)gcomp_zigzag(q) : q;
      worst = worst > a ? worst : a;
    }
  }
  return (uint32_t)worst;
}

GCOMP_HOT static uint32_t nd_quantize(const gcomp_body_in *in, const gcomp_level_scale *s, int zig,
                            uint64_t off, uint64_t len, int32_t *v) {
  return zig ? nd_round(in, s, 1, off, len, v) : nd_round(in, s, 0, off, len, v);
}

GCOMP_HOT static void nd_dequantize(const int32_t *v, uint64_t len, const gcomp_level_scale *s, float *y) {
  for (uint64_t i = 0; i < len; i++) y[i] = gcomp_nd_dequantize(v[i], s->scale, s->K);
}

static uint32_t nd_limit(double param, uint64_t iparam, uint64_t n) {
  (void)param;
  (void)n;
  return gcomp_nd_level_limit(iparam);
}

/* FORMAT.md: 31 + 8 ceil(n/64) + n log2 5 + min((s-1) n, 4^s / (2 e ln 2)),
 * plus a bit for the rounding of the scale. */
static size_t nd_code_bound(const struct gcompCodec *c, uint64_t n) {
  double s = (double)c->iparam, dn = (double)n;
  double high = fmin((s - 1) * dn, pow(4.0, s) / (2.0 * exp(1.0) * log(2.0)));
  double bits = (GCOMP_SCALE_BITS + 8.0 * ceil(dn / 64) + dn * log2(5.0) + high + 1) *
                    (1.0 + 1e-9) + 64;
  if (bits > 8.0 * (double)(SIZE_MAX / 2)) return 0;
  return (size_t)(bits / 8) + 1;
}

static const gcomp_level_desc nd_levels = {nd_prepare, nd_quantize, nd_dequantize, nd_limit,
                                           &gcomp_level_paper_code, nd_code_bound};

static gcompResult_t nd_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  return gcomp_level_encode(&nd_levels, in, out);
}

static gcompResult_t nd_decode(const gcomp_body_view *bv, float *y) {
  return gcomp_level_decode(&nd_levels, bv, y);
}

static gcompResult_t nd_decode_acc(const gcomp_body_view *bv, float *dst, float beta) {
  return gcomp_level_decode_acc(&nd_levels, bv, dst, beta);
}

static size_t nd_bound(const struct gcompCodec *c, uint64_t n) {
  return gcomp_level_bound(&nd_levels, c, n);
}

static gcompResult_t nd_configure(gcompCodecConfig_t *cfg, double *param, uint64_t *iparam) {
  if (cfg->levels == GCOMP_DEFAULT) cfg->levels = 4;
  *param = 0;
  *iparam = (uint64_t)cfg->levels;
  return gcompSuccess;
}

static int nd_header_ok(double param, uint64_t iparam, uint64_t n) {
  return gcomp_is_plus_zero(param) && nd_limit(param, iparam, n) != 0;
}

/* PAPER.md section 6: 1/8 from rounding between neighbouring powers of two,
 * the rest from the coordinates below the smallest nonzero level. */
static double nd_theory(const struct gcompCodec *c, uint64_t d) {
  double lo = ldexp(1.0, 1 - (int)c->iparam), dd = (double)d;
  return 0.125 + fmin(sqrt(dd) * lo, dd * lo * lo);
}

static const gcomp_param nd_params[] = {{"levels", 1, GCOMP_ND_MAX_LEVELS, 0, 0, "1..30"},
                                        {NULL, 0, 0, 0, 0, NULL}};

const gcomp_method gcomp_method_natural_dithering = {
    .id = gcompNaturalDithering,
    .name = "natural-dithering",
    .cls = gcompClassUnbiased,
    .params = nd_params,
    .packings = GCOMP_LEVEL_PACKINGS,
    .configure = nd_configure,
    .header_ok = nd_header_ok,
    .theory = nd_theory,
    .encode = nd_encode,
    .decode = nd_decode,
    .decode_acc = nd_decode_acc,
    .bound = nd_bound,
};
