/* Sparse Dithering, deterministic (C(nu)) and randomized (U(omega)): the
 * grid, the rounding and the level limit. The scale is the grid step gamma;
 * the bytes around the levels are level_stream.c's. */
#include "core/codec.h"
#include "shared/check.h"
#include "core/hot.h"
#include "pack/levels.h"
#include "stages/norm.h"
#include "shared/sparse_dithering.h"

#include <math.h>

static int is_randomized(gcompMethod_t m) { return m == gcompSparseDitheringUnbiased; }

/* ------------------------------------------------------------- quantize */

/* Sum of squares, gamma and the level limit K. */
static gcompResult_t sd_prepare(const gcomp_body_in *in, gcomp_level_scale *ls) {
  const struct gcompCodec *c = in->codec;
  int rnd = is_randomized(c->config.method);
  double sumsq;
  gcomp_sd_scale s;
  GCOMP_TRY(gcomp_sumsq(in->x, in->n, &sumsq));
  if (gcomp_sd_scale_init(c->param, in->n, sumsq, &s) != 0)
    return gcomp_fail(gcompParameterOutOfRange,
                      "|x| = %g gives a grid step outside the float32 range", sqrt(sumsq));
  ls->scale = s.gamma;
  ls->K = gcomp_sd_level_limit(c->param, in->n, rnd);
  if (ls->K == 0)
    return gcomp_fail(gcompParameterOutOfRange,
                      "%s = %g is too small for d = %llu (levels exceed 2^25)",
                      rnd ? "omega" : "nu", c->param, (unsigned long long)in->n);
  return gcompSuccess;
}

/* Branch-free loops (one per output form) so each vectorizes. */
GCOMP_HOT static uint32_t sd_quantize(const gcomp_body_in *in, const gcomp_level_scale *s,
                                      int zig, uint64_t off, uint64_t len, int32_t *v) {
  const float *x = in->x + off;
  float g = s->scale;
  int32_t worst = 0;
  if (zig) {
    for (uint64_t i = 0; i < len; i++) {
      int32_t k = gcomp_sd_level(x[i], g);
      v[i] = (int32_t)gcomp_zigzag(gcomp_level_signed(k, x[i]));
      worst = worst > k ? worst : k;
    }
  } else {
    for (uint64_t i = 0; i < len; i++) {
      int32_t k = gcomp_sd_level(x[i], g);
      v[i] = gcomp_level_signed(k, x[i]);
      worst = worst > k ? worst : k;
    }
  }
  return (uint32_t)worst;
}

static uint32_t sd_limit(double param, uint64_t iparam, uint64_t n) {
  (void)iparam;
  return gcomp_sd_level_limit(param, n, 0);
}

static uint32_t sd_unbiased_limit(double param, uint64_t iparam, uint64_t n) {
  (void)iparam;
  return gcomp_sd_level_limit(param, n, 1);
}

/* mask: at most 7 + 61 bits a block of 64; a sign and a level each, with
 * sum k <= sum (q_i + 1) <= sqrt(n) / (2 h MARGIN) + n by Cauchy-Schwarz. */
static size_t sd_code_bound(const struct gcompCodec *c, uint64_t n) {
  double q = 1.0 / (2.0 * sqrt(c->param / (double)n) * GCOMP_SD_MARGIN) * 1.001;
  double bits = GCOMP_SCALE_BITS + 68.0 * ((double)n / 64 + 1) + 2.0 * (double)n +
                sqrt((double)n) * q + 64;
  if (bits > 8.0 * (double)(SIZE_MAX / 2)) return 0;
  return (size_t)(bits / 8) + 1;
}

/* A nonzero vector always has a level >= 1 under rounding to nearest (its
 * largest |u_i| >= 1/sqrt(n) > h), hence the narrower code. */
static const gcomp_level_desc sd_levels = {sd_prepare,
                                           sd_quantize,
                                           gcomp_level_dequantize_linear,
                                           sd_limit,
                                           &gcomp_level_paper_code_nonzero,
                                           sd_code_bound};
static const gcomp_level_desc sd_unbiased_levels = {sd_prepare,
                                                    gcomp_level_quantize_unbiased,
                                                    gcomp_level_dequantize_linear,
                                                    sd_unbiased_limit,
                                                    &gcomp_level_paper_code,
                                                    sd_code_bound};

static const gcomp_level_desc *levels_of(gcompMethod_t m) {
  return is_randomized(m) ? &sd_unbiased_levels : &sd_levels;
}

static gcompResult_t sd_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  return gcomp_level_encode(levels_of(in->codec->config.method), in, out);
}

static gcompResult_t sd_decode(const gcomp_body_view *bv, float *y) {
  return gcomp_level_decode(levels_of(bv->method), bv, y);
}

static gcompResult_t sd_decode_acc(const gcomp_body_view *bv, float *dst, float beta) {
  return gcomp_level_decode_acc(levels_of(bv->method), bv, dst, beta);
}

static size_t sd_bound(const struct gcompCodec *c, uint64_t n) {
  return gcomp_level_bound(levels_of(c->config.method), c, n);
}

/* ---------------------------------------------------------- the methods */

static gcompResult_t sd_configure(gcompCodecConfig_t *cfg, double *param, uint64_t *iparam) {
  if (cfg->nu == (double)GCOMP_DEFAULT) cfg->nu = 0.1;
  *param = cfg->nu;
  *iparam = 0;
  return gcompSuccess;
}

static gcompResult_t sd_unbiased_configure(gcompCodecConfig_t *cfg, double *param,
                                           uint64_t *iparam) {
  if (cfg->omega == (double)GCOMP_DEFAULT) cfg->omega = 0.25;
  *param = cfg->omega;
  *iparam = 0;
  return gcompSuccess;
}

static int sd_header_ok(double param, uint64_t iparam, uint64_t n) {
  (void)n;
  return param > 0 && param < 1 && iparam == 0;
}

static int sd_unbiased_header_ok(double param, uint64_t iparam, uint64_t n) {
  (void)n;
  return param > 0 && param <= 1e6 && iparam == 0;
}

/* nu or omega itself: neither depends on d. */
static double sd_theory(const struct gcompCodec *c, uint64_t d) {
  (void)d;
  return c->param;
}

static const gcomp_param sd_params[] = {{"nu", 0, 1, 1, 1, "(0, 1)"}, {NULL, 0, 0, 0, 0, NULL}};
static const gcomp_param sd_unbiased_params[] = {{"omega", 0, 1e6, 1, 0, "(0, 1e6]"},
                                                 {NULL, 0, 0, 0, 0, NULL}};

const gcomp_method gcomp_method_sd = {
    .id = gcompSparseDithering,
    .name = "sd",
    .cls = gcompClassContractive,
    .params = sd_params,
    .packings = GCOMP_LEVEL_PACKINGS,
    .configure = sd_configure,
    .header_ok = sd_header_ok,
    .theory = sd_theory,
    .encode = sd_encode,
    .decode = sd_decode,
    .decode_acc = sd_decode_acc,
    .bound = sd_bound,
};

const gcomp_method gcomp_method_sd_unbiased = {
    .id = gcompSparseDitheringUnbiased,
    .name = "sd-unbiased",
    .cls = gcompClassUnbiased,
    .params = sd_unbiased_params,
    .packings = GCOMP_LEVEL_PACKINGS,
    .configure = sd_unbiased_configure,
    .header_ok = sd_unbiased_header_ok,
    .theory = sd_theory,
    .encode = sd_encode,
    .decode = sd_decode,
    .decode_acc = sd_decode_acc,
    .bound = sd_bound,
};
