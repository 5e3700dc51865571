/* Scaled sign, (|x|_1 / d) sign(x) (shared/scaled_sign.h). With s = |x|_1/d
 * the error is d s^2 - 2 s |x|_1 + |x|^2 = |x|^2 - |x|_1^2 / d (zeros,
 * decoded as +s, included), so alpha(x) = 1 - |x|_1^2 / (d |x|^2): class
 * B (deterministic, in fact) with worst case 1 - 1/d at a 1-sparse x.
 *
 * Structured body: s as 31 bits (a non-negative float32 without its sign
 * bit), then n sign bits, 1 = negative. Auto writes it: 31 + n <= 32 n. */
#include "core/codec.h"
#include "shared/check.h"
#include "stages/norm.h"
#include "shared/bitio.h"
#include "shared/bits.h"
#include "shared/scaled_sign.h"

#include <stdlib.h>

#define SCALE_BITS 31u

static gcompResult_t write_structured(const gcomp_body_in *in, float scale,
                                      gcomp_body_out *out) {
  uint64_t bits = SCALE_BITS + in->n;
  if (bits > 8 * (uint64_t)in->cap)
    return gcomp_fail(gcompDstTooSmall, "dst too small for %llu sign bits",
                      (unsigned long long)in->n);
  gcomp_bitwriter w;
  gcomp_bw_init(&w, in->dst, in->cap);
  gcomp_bw_put(&w, gcomp_f2u(scale), SCALE_BITS);
  for (uint64_t base = 0; base < in->n; base += 64) {
    uint64_t len = in->n - base < 64 ? in->n - base : 64, word = 0;
    for (uint64_t j = 0; j < len; j++)
      word |= (uint64_t)gcomp_sign_bit(in->x[base + j], scale) << j;
    gcomp_bw_put(&w, word, (unsigned)len);
  }
  out->packing = gcompPackStructured;
  out->bits = bits;
  return gcompSuccess;
}

static gcompResult_t write_direct(const gcomp_body_in *in, float scale, gcomp_body_out *out) {
  float *y = malloc((size_t)in->n * sizeof *y);
  if (!y) return gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
  for (uint64_t i = 0; i < in->n; i++)
    y[i] = gcomp_sign_value(gcomp_sign_bit(in->x[i], scale), scale);
  gcompResult_t r = gcomp_direct_write(y, in->n, in->dst, in->cap, out);
  free(y);
  return r;
}

static gcompResult_t sign_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  double sumabs;
  GCOMP_TRY(gcomp_sumabs(in->x, in->n, &sumabs));
  float scale = gcomp_sign_scale(sumabs, in->n);
  if (in->codec->config.packing == gcompPackDirect) return write_direct(in, scale, out);
  return write_structured(in, scale, out);
}

/* --------------------------------------------------------------- decode */

static gcompResult_t read_structured(const gcomp_body_view *v, float *y) {
  if (v->bits != SCALE_BITS + v->n)
    return gcomp_fail(gcompCorruptPayload, "sign body has %llu bits, expected %llu",
                      (unsigned long long)v->bits, (unsigned long long)(SCALE_BITS + v->n));
  gcomp_bitreader br;
  gcomp_br_init(&br, v->body, v->bits);
  float scale = gcomp_u2f((uint32_t)gcomp_br_get(&br, SCALE_BITS));
  if (!(scale <= 3.4028234663852886e38f))
    return gcomp_fail(gcompCorruptPayload, "sign scale is not finite");
  uint64_t any = 0;
  for (uint64_t base = 0; base < v->n; base += 64) {
    unsigned len = (unsigned)(v->n - base < 64 ? v->n - base : 64);
    uint64_t word = gcomp_br_get(&br, len);
    any |= word;
    for (unsigned j = 0; j < len; j++) y[base + j] = gcomp_sign_value((word >> j) & 1u, scale);
  }
  if (scale == 0.0f && any)
    return gcomp_fail(gcompCorruptPayload, "zero scale with negative signs");
  return gcompSuccess;
}

/* A direct body is the decoded vector: one magnitude, +0 when it is 0. */
static gcompResult_t read_direct(const gcomp_body_view *v, float *y) {
  GCOMP_TRY(gcomp_direct_read(v, y));
  uint32_t mag = gcomp_f2u(y[0]) & 0x7fffffffu;
  for (uint64_t i = 0; i < v->n; i++) {
    uint32_t u = gcomp_f2u(y[i]);
    if ((u & 0x7fffffffu) != mag || (mag == 0 && u != 0))
      return gcomp_fail(gcompCorruptPayload, "direct body is not +-one scale");
  }
  return gcompSuccess;
}

static gcompResult_t sign_decode(const gcomp_body_view *v, float *y) {
  return v->packing == gcompPackDirect ? read_direct(v, y) : read_structured(v, y);
}

/* ----------------------------------------------------------- the method */

static gcompResult_t sign_configure(gcompCodecConfig_t *cfg, double *param, uint64_t *iparam) {
  (void)cfg;
  *param = 0;
  *iparam = 0;
  return gcompSuccess;
}

/* The worst case over x; gcompCodecGetAlpha documents it as such. */
static double sign_theory(const struct gcompCodec *c, uint64_t d) {
  return 1.0 - 1.0 / (double)gcomp_coded_length(c->config.rotate, d);
}

static size_t sign_bound(const struct gcompCodec *c, uint64_t n) {
  if (c->config.packing == gcompPackDirect) return (size_t)(4 * n);
  return (size_t)((SCALE_BITS + n + 7) / 8);
}

const gcomp_method gcomp_method_sign = {
    .id = gcompScaledSign,
    .name = "sign",
    .cls = gcompClassBiased,
    .params = NULL,
    .packings = GCOMP_PACKING_BIT(gcompPackStructured) | GCOMP_PACKING_BIT(gcompPackDirect),
    .configure = sign_configure,
    .header_ok = gcomp_header_no_params,
    .theory = sign_theory,
    .encode = sign_encode,
    .decode = sign_decode,
    .bound = sign_bound,
};
