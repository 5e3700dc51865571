/* fp16 and bf16: each coordinate cast to 16 bits, round to nearest even
 * (host/shared/half.h). Class C(alpha) with alpha = u^2, u the unit
 * roundoff (2^-11 for fp16, 2^-8 for bf16): every coordinate in the normal
 * range (fp16 |x_i| >= 2^-14, bf16 >= 2^-126) or zero errs by at most
 * u |x_i|. Below the normal range the relative error grows (subnormal
 * steps, then flush to zero), so alpha holds for inputs in the normal
 * range only.
 *
 * Packing fixed is, for these codecs, the raw array of n 16-bit words
 * (little-endian); direct is the decoded float32 values. Inputs that would
 * round to infinity are refused: a codec never sends Inf to a reducer. */
#include "core/codec.h"
#include "shared/check.h"
#include "core/hot.h"
#include "shared/half.h"
#include "core/wire.h"

#include <math.h>
#include <string.h>

typedef enum { CAST_F16, CAST_BF16 } cast_kind;

static cast_kind kind_of(gcompMethod_t m) { return m == gcompBf16 ? CAST_BF16 : CAST_F16; }

/* The loops below are written once, generic in the kind; each GCOMP_HOT
 * entry point calls them with a constant kind so the selects fold away and
 * the loop vectorizes. */
static inline uint16_t to16(cast_kind k, float x) {
  return k == CAST_BF16 ? gcomp_f32_to_bf16_rn(x) : gcomp_f32_to_f16_rn(x);
}

static inline float from16(cast_kind k, uint16_t h) {
  return k == CAST_BF16 ? gcomp_bf16_to_f32(h) : gcomp_f16_to_f32(h);
}

static inline uint32_t exp_mask(cast_kind k) {
  return k == CAST_BF16 ? GCOMP_BF16_EXP_MASK : GCOMP_F16_EXP_MASK;
}

static inline int overflows(cast_kind k, float x) {
  return gcomp_half_overflows(x, k == CAST_BF16);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline void store_u16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline uint16_t load_u16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
#else
static inline void store_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline uint16_t load_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
#endif

/* ---------------------------------------------------------------- encode */

static inline int any_overflow(cast_kind k, const float *x, uint64_t n) {
  int bad = 0;
  for (uint64_t i = 0; i < n; i++) bad |= overflows(k, x[i]);
  return bad;
}

GCOMP_HOT static int overflow_f16(const float *x, uint64_t n) {
  return any_overflow(CAST_F16, x, n);
}
GCOMP_HOT static int overflow_bf16(const float *x, uint64_t n) {
  return any_overflow(CAST_BF16, x, n);
}

static inline void cast_fixed(cast_kind k, const float *x, uint64_t n, uint8_t *dst) {
  for (uint64_t i = 0; i < n; i++) store_u16(dst + 2 * i, to16(k, x[i]));
}

GCOMP_HOT static void fixed_f16(const float *x, uint64_t n, uint8_t *dst) {
  cast_fixed(CAST_F16, x, n, dst);
}
GCOMP_HOT static void fixed_bf16(const float *x, uint64_t n, uint8_t *dst) {
  cast_fixed(CAST_BF16, x, n, dst);
}

static inline void cast_direct(cast_kind k, const float *x, uint64_t n, uint8_t *dst) {
  for (uint64_t i = 0; i < n; i++) gcomp_store_u32(dst + 4 * i, gcomp_f2u(from16(k, to16(k, x[i]))));
}

GCOMP_HOT static void direct_f16(const float *x, uint64_t n, uint8_t *dst) {
  cast_direct(CAST_F16, x, n, dst);
}
GCOMP_HOT static void direct_bf16(const float *x, uint64_t n, uint8_t *dst) {
  cast_direct(CAST_BF16, x, n, dst);
}

/* Cold path: name the first culprit. A non-finite value is reported as
 * such, so this check could stand in for the generic finiteness pass. */
static gcompResult_t refuse(cast_kind k, const float *x, uint64_t n) {
  for (uint64_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return gcomp_fail(gcompNonFiniteInput, "x[%llu] = %g is not finite",
                        (unsigned long long)i, (double)x[i]);
  uint64_t i = 0;
  while (i + 1 < n && !overflows(k, x[i])) i++;
  return gcomp_fail(gcompParameterOutOfRange, "x[%llu] = %g rounds to infinity in %s",
                    (unsigned long long)i, (double)x[i], k == CAST_BF16 ? "bf16" : "fp16");
}

static gcompResult_t cast_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  cast_kind k = kind_of(in->codec->config.method);
  int direct = in->codec->config.packing == gcompPackDirect;
  uint64_t width = direct ? 4 : 2;
  if (in->cap / width < in->n)
    return gcomp_fail(gcompDstTooSmall, "dst too small for %llu %s values",
                      (unsigned long long)in->n, direct ? "float32" : "16-bit");
  /* A pass of its own, so that a refused vector leaves dst untouched. */
  if (k == CAST_BF16 ? overflow_bf16(in->x, in->n) : overflow_f16(in->x, in->n))
    return refuse(k, in->x, in->n);
  if (direct)
    (k == CAST_BF16 ? direct_bf16 : direct_f16)(in->x, in->n, in->dst);
  else
    (k == CAST_BF16 ? fixed_bf16 : fixed_f16)(in->x, in->n, in->dst);
  out->packing = direct ? gcompPackDirect : gcompPackFixed;
  out->bits = 8 * width * in->n;
  return gcompSuccess;
}

/* ---------------------------------------------------------------- decode */

/* Each loop decodes everything and reports afterwards whether any word was
 * one no encoder writes; dst may then hold partial results (gcompDecode's
 * contract), and the loop stays branch-free. */
static inline int read_fixed(cast_kind k, const uint8_t *src, uint64_t n, float *y) {
  uint32_t mask = exp_mask(k);
  int bad = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint16_t h = load_u16(src + 2 * i);
    bad |= (h & mask) == mask;
    y[i] = from16(k, h);
  }
  return bad;
}

GCOMP_HOT static int read_fixed_f16(const uint8_t *src, uint64_t n, float *y) {
  return read_fixed(CAST_F16, src, n, y);
}
GCOMP_HOT static int read_fixed_bf16(const uint8_t *src, uint64_t n, float *y) {
  return read_fixed(CAST_BF16, src, n, y);
}

/* Direct bodies must hold values of the 16-bit format: the cast must give
 * them back unchanged, and not as Inf or NaN. */
static inline int read_direct(cast_kind k, const uint8_t *src, uint64_t n, float *y) {
  uint32_t mask = exp_mask(k);
  int bad = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint32_t u = gcomp_load_u32(src + 4 * i);
    uint16_t h = to16(k, gcomp_u2f(u));
    bad |= ((h & mask) == mask) | (gcomp_f2u(from16(k, h)) != u);
    y[i] = gcomp_u2f(u);
  }
  return bad;
}

GCOMP_HOT static int read_direct_f16(const uint8_t *src, uint64_t n, float *y) {
  return read_direct(CAST_F16, src, n, y);
}
GCOMP_HOT static int read_direct_bf16(const uint8_t *src, uint64_t n, float *y) {
  return read_direct(CAST_BF16, src, n, y);
}

static gcompResult_t cast_decode(const gcomp_body_view *v, float *y) {
  cast_kind k = kind_of(v->method);
  const char *name = k == CAST_BF16 ? "bf16" : "fp16";
  int direct = v->packing == gcompPackDirect;
  uint64_t width = direct ? 32 : 16;
  /* n <= 2^40, so the product cannot wrap. */
  if (v->bits != width * v->n)
    return gcomp_fail(gcompCorruptPayload, "%s body has %llu bits, expected %llu", name,
                      (unsigned long long)v->bits, (unsigned long long)(width * v->n));
  int bad;
  if (direct)
    bad = (k == CAST_BF16 ? read_direct_bf16 : read_direct_f16)(v->body, v->n, y);
  else
    bad = (k == CAST_BF16 ? read_fixed_bf16 : read_fixed_f16)(v->body, v->n, y);
  if (bad)
    return gcomp_fail(gcompCorruptPayload, "%s body holds %s", name,
                      direct ? "a value that is not a finite 16-bit one"
                             : "an Inf or NaN word");
  return gcompSuccess;
}

/* ------------------------------------------------------------ descriptor */

static gcompResult_t cast_configure(gcompCodecConfig_t *cfg, double *param, uint64_t *iparam) {
  (void)cfg;
  *param = 0;
  *iparam = 0;
  return gcompSuccess;
}

static double cast_theory(const struct gcompCodec *c, uint64_t d) {
  (void)d;
  return kind_of(c->config.method) == CAST_BF16 ? 0x1p-16 : 0x1p-22;
}

/* Auto packing is fixed: half the bytes of direct, for the same values. */
static size_t cast_bound(const struct gcompCodec *c, uint64_t n) {
  return (size_t)((c->config.packing == gcompPackDirect ? 4 : 2) * n);
}

#define CAST_PACKINGS (GCOMP_PACKING_BIT(gcompPackFixed) | GCOMP_PACKING_BIT(gcompPackDirect))

const gcomp_method gcomp_method_fp16 = {
    .id = gcompFp16,
    .name = "fp16",
    .cls = gcompClassContractive,
    .params = NULL,
    .packings = CAST_PACKINGS,
    .configure = cast_configure,
    .header_ok = gcomp_header_no_params,
    .theory = cast_theory,
    .encode = cast_encode,
    .decode = cast_decode,
    .bound = cast_bound,
};

const gcomp_method gcomp_method_bf16 = {
    .id = gcompBf16,
    .name = "bf16",
    .cls = gcompClassContractive,
    .params = NULL,
    .packings = CAST_PACKINGS,
    .configure = cast_configure,
    .header_ok = gcomp_header_no_params,
    .theory = cast_theory,
    .encode = cast_encode,
    .decode = cast_decode,
    .bound = cast_bound,
};
