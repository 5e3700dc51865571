/* Scaled sign, (|x|_1 / d) sign(x) (shared/scaled_sign.h). With s = |x|_1/d
 * the error is d s^2 - 2 s |x|_1 + |x|^2 = |x|^2 - |x|_1^2 / d (zeros,
 * decoded as +s, included), so alpha(x) = 1 - |x|_1^2 / (d |x|^2): class
 * B (deterministic, in fact) with worst case 1 - 1/d at a 1-sparse x.
 *
 * Structured body: s as 31 bits (a non-negative float32 without its sign
 * bit), then n sign bits, 1 = negative. Auto writes it: 31 + n <= 32 n. */
#include "core/codec.h"
#include "shared/check.h"
#include "core/hot.h"
#include "stages/bitstream.h"
#include "stages/norm.h"
#include "shared/bits.h"
#include "shared/scaled_sign.h"

#include <stdlib.h>

#define SCALE_BITS 31u

/* 32 sign bits at a time: the OR of compares vectorizes (a 64-bit word
 * would need 64-bit lanes). gcomp_sign_bit with a nonzero scale. */
static inline uint32_t sign_bits(const float *x, unsigned len) {
  uint32_t w = 0;
  for (unsigned j = 0; j < len; j++) w |= (uint32_t)(x[j] < 0.0f) << j;
  return w;
}

GCOMP_HOT static void put_signs(gcomp_fast_writer *w, const float *x, uint64_t n) {
  uint64_t base = 0;
  for (; base + 64 <= n; base += 64)
    gcomp_fw_put(w, sign_bits(x + base, 32) | (uint64_t)sign_bits(x + base + 32, 32) << 32, 64);
  for (; base < n; base += 32) {
    unsigned len = (unsigned)(n - base < 32 ? n - base : 32);
    gcomp_fw_put(w, sign_bits(x + base, len), len);
  }
}

static gcompResult_t write_structured(const gcomp_body_in *in, float scale,
                                      gcomp_body_out *out) {
  uint64_t bits = SCALE_BITS + in->n;
  if (bits > 8 * (uint64_t)in->cap)
    return gcomp_fail(gcompDstTooSmall, "dst too small for %llu sign bits",
                      (unsigned long long)in->n);
  gcomp_fast_writer w;
  gcomp_fw_init(&w, in->dst);
  gcomp_fw_put(&w, gcomp_f2u(scale), SCALE_BITS);
  if (scale != 0.0f) {
    put_signs(&w, in->x, in->n);
  } else { /* gcomp_sign_bit: no negative bit under a zero scale */
    for (uint64_t base = 0; base < in->n; base += 64)
      gcomp_fw_put(&w, 0, (unsigned)(in->n - base < 64 ? in->n - base : 64));
  }
  gcomp_fw_finish(&w);
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

/* 32 coordinates from 32 sign bits (32-bit lanes: the shifts vectorize). */
static inline void expand(uint32_t word, unsigned len, uint32_t scale_bits, float *y) {
  for (unsigned j = 0; j < len; j++) y[j] = gcomp_u2f(scale_bits | ((word >> j) & 1u) << 31);
}

GCOMP_HOT static uint32_t get_signs(gcomp_fast_reader *br, uint64_t n, float scale, float *y) {
  uint32_t any = 0, s = gcomp_f2u(scale);
  uint64_t base = 0;
  for (; base + 32 <= n; base += 32) {
    uint32_t word = (uint32_t)gcomp_fr_get(br, 32);
    any |= word;
    expand(word, 32, s, y + base);
  }
  if (base < n) {
    uint32_t word = (uint32_t)gcomp_fr_get(br, (unsigned)(n - base));
    any |= word;
    expand(word, (unsigned)(n - base), s, y + base);
  }
  return any;
}

static gcompResult_t read_structured(const gcomp_body_view *v, float *y) {
  if (v->bits != SCALE_BITS + v->n)
    return gcomp_fail(gcompCorruptPayload, "sign body has %llu bits, expected %llu",
                      (unsigned long long)v->bits, (unsigned long long)(SCALE_BITS + v->n));
  gcomp_fast_reader br;
  gcomp_fr_init(&br, v->body, v->bits);
  float scale = gcomp_u2f((uint32_t)gcomp_fr_get(&br, SCALE_BITS));
  if (!(scale <= 3.4028234663852886e38f))
    return gcomp_fail(gcompCorruptPayload, "sign scale is not finite");
  uint32_t any = get_signs(&br, v->n, scale, y);
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
