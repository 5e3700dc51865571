/* TernGrad (codec 10): scale m = max |x_i|, symbols sign(x_i) *
 * Bernoulli(|x_i| / m) by the shared unbiased rounding, so levels are
 * 0 or 1 (K = 1). Structured packing is the paper's code, whose unary
 * level takes no bits at K = 1: a zero mask and a sign per nonzero. */
#include "core/codec.h"
#include "shared/check.h"
#include "core/hot.h"
#include "pack/levels.h"
#include "shared/bits.h"
#include "shared/terngrad.h"

#include <math.h>

/* An integer reduction that vectorizes; the input is finite (checked
 * before the codec runs). */
GCOMP_HOT static float max_abs(const float *x, uint64_t n) {
  uint32_t m = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint32_t a = gcomp_abs_bits(x[i]);
    m = a > m ? a : m;
  }
  return gcomp_u2f(m);
}

static gcompResult_t terngrad_prepare(const gcomp_body_in *in, gcomp_level_scale *s) {
  float m = max_abs(in->x, in->n);
  if (!gcomp_terngrad_scale_ok(m))
    return gcomp_fail(gcompParameterOutOfRange, "max |x_i| = %g is not a normal float32",
                      (double)m);
  s->scale = m;
  s->K = 1;
  return gcompSuccess;
}

static uint32_t terngrad_limit(double param, uint64_t iparam, uint64_t n) {
  (void)param;
  (void)iparam;
  (void)n;
  return 1;
}

/* FORMAT.md: 31 + 8 ceil(n/64) + n log2 3. */
static size_t terngrad_code_bound(const struct gcompCodec *c, uint64_t n) {
  (void)c;
  double dn = (double)n;
  double bits = (GCOMP_SCALE_BITS + 8.0 * ceil(dn / 64) + dn * log2(3.0)) * (1.0 + 1e-9) + 64;
  if (bits > 8.0 * (double)(SIZE_MAX / 2)) return 0;
  return (size_t)(bits / 8) + 1;
}

/* The largest coordinate always keeps its symbol (q = 1), hence the
 * narrower code. */
static const gcomp_level_desc terngrad_levels = {terngrad_prepare,
                                                 gcomp_level_quantize_unbiased,
                                                 gcomp_level_dequantize_linear,
                                                 terngrad_limit,
                                                 &gcomp_level_paper_code_nonzero,
                                                 terngrad_code_bound};

static gcompResult_t terngrad_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  return gcomp_level_encode(&terngrad_levels, in, out);
}

static gcompResult_t terngrad_decode(const gcomp_body_view *bv, float *y) {
  return gcomp_level_decode(&terngrad_levels, bv, y);
}

static gcompResult_t terngrad_decode_acc(const gcomp_body_view *bv, float *dst, float beta) {
  return gcomp_level_decode_acc(&terngrad_levels, bv, dst, beta);
}

static size_t terngrad_bound(const struct gcompCodec *c, uint64_t n) {
  return gcomp_level_bound(&terngrad_levels, c, n);
}

static gcompResult_t terngrad_configure(gcompCodecConfig_t *cfg, double *param,
                                        uint64_t *iparam) {
  (void)cfg;
  *param = 0;
  *iparam = 0;
  return gcompSuccess;
}

/* The variance is m |x|_1 - |x|^2 with m = |x|_inf, and |x|_1 |x|_inf <=
 * (1 + sqrt(d)) / 2 |x|^2, so omega = (sqrt(d) - 1) / 2: the supremum over
 * x, reached at x = (1, t, ..., t) with t = 1 / (sqrt(d) + 1). */
/* sup over x: (sqrt(d) - 1) / 2. Rotated, the n coded coordinates round
 * independently and each puts d/n of its variance in the first d, so the
 * bound is (d/n)(sqrt(n) - 1) / 2, above the unrotated one only at d = 3
 * (x = (1, 1, 1) reaches 3/8). */
static double terngrad_theory(const struct gcompCodec *c, uint64_t d) {
  double dd = (double)d, n = (double)gcomp_coded_length(c->config.rotate, d);
  return fmax((sqrt(dd) - 1.0) / 2.0, dd / n * (sqrt(n) - 1.0) / 2.0);
}

const gcomp_method gcomp_method_terngrad = {
    .id = gcompTernGrad,
    .name = "terngrad",
    .cls = gcompClassUnbiased,
    .params = NULL,
    .packings = GCOMP_LEVEL_PACKINGS,
    .configure = terngrad_configure,
    .header_ok = gcomp_header_no_params,
    .theory = terngrad_theory,
    .encode = terngrad_encode,
    .decode = terngrad_decode,
    .decode_acc = terngrad_decode_acc,
    .bound = terngrad_bound,
};
