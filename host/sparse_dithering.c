/* Sparse Dithering, deterministic (C(nu)) and randomized (U(omega)):
 * quantize to signed levels, then pack with one of four back ends. The
 * body always starts with gamma as 31 bits (a positive float32 without its
 * sign bit); a zero gamma means the zero vector and ends the body. */
#include "codec.h"
#include "error.h"
#include "hot.h"
#include "fixed_stream.h"
#include "norm.h"
#include "rans_stream.h"
#include "sd_structured.h"
#include "shared/sparse_dithering.h"
#include "wire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GAMMA_BITS 31u

static int is_randomized(gcompMethod_t m) { return m == gcompSparseDitheringUnbiased; }

/* ------------------------------------------------------------- quantize */

/* Sum of squares, gamma and the level limit K. */
static gcompResult_t prepare(const gcomp_body_in *in, gcomp_sd_scale *s) {
  const struct gcompCodec *c = in->codec;
  int rnd = is_randomized(c->config.method);
  double sumsq;
  GCOMP_TRY(gcomp_sumsq(in->x, in->n, &sumsq));
  if (gcomp_sd_scale_init(c->param, in->n, sumsq, s) != 0)
    return gcomp_fail(gcompParameterOutOfRange,
                      "|x| = %g gives a grid step outside the float32 range",
                      sqrt(sumsq));
  s->K = gcomp_sd_level_limit(c->param, in->n, rnd);
  if (s->K == 0)
    return gcomp_fail(gcompParameterOutOfRange,
                      "%s = %g is too small for d = %llu (levels exceed 2^30)",
                      rnd ? "omega" : "nu", c->param, (unsigned long long)in->n);
  return gcompSuccess;
}

/* Levels of x[off .. off + len) into v[0 .. len), as zigzag symbols when
 * `zig` (the stream back ends' input, made in the same pass); off is a
 * multiple of 4 so the randomized path takes whole Philox draws. Returns the
 * largest level. */
GCOMP_HOT static uint32_t quantize_range(const gcomp_body_in *in, const gcomp_sd_scale *s, int rnd,
                                         int zig, uint64_t off, uint64_t len, int32_t *v) {
  const float *x = in->x + off;
  float g = s->gamma;
  int32_t worst = 0;
  if (rnd) {
    for (uint64_t base = 0; base < len; base += 4) {
      gcomp_u32x4 r = gcomp_philox(in->seed, GCOMP_STREAM_ROUNDING, (off + base) >> 2);
      uint64_t m = len - base < 4 ? len - base : 4;
      for (uint64_t k = 0; k < m; k++) {
        int32_t q = gcomp_sd_quantize_unbiased(x[base + k], g, r.v[k]);
        v[base + k] = zig ? (int32_t)gcomp_zigzag(q) : q;
        worst = worst > (q < 0 ? -q : q) ? worst : (q < 0 ? -q : q);
      }
    }
  } else if (zig) {
    for (uint64_t i = 0; i < len; i++) {
      int32_t k = gcomp_sd_level(x[i], g);
      v[i] = (int32_t)gcomp_zigzag(gcomp_sd_signed(k, x[i]));
      worst = worst > k ? worst : k;
    }
  } else {
    for (uint64_t i = 0; i < len; i++) {
      int32_t k = gcomp_sd_level(x[i], g);
      v[i] = gcomp_sd_signed(k, x[i]);
      worst = worst > k ? worst : k;
    }
  }
  return (uint32_t)worst;
}

static gcompResult_t check_levels(uint32_t worst, const gcomp_sd_scale *s) {
  /* Exceeding K would mean the rounding analysis in shared/ is wrong. */
  if (worst > s->K)
    return gcomp_fail(gcompInternalError, "level %u above limit %u", worst, s->K);
  /* Inputs near FLT_MAX can round up to a grid point beyond it. */
  if (!isfinite(gcomp_sd_dequantize((int32_t)worst, s->gamma)))
    return gcomp_fail(gcompParameterOutOfRange,
                      "values this close to FLT_MAX would decode to Inf");
  return gcompSuccess;
}

static gcompResult_t quantize(const gcomp_body_in *in, int32_t *v, gcomp_sd_scale *s) {
  GCOMP_TRY(prepare(in, s));
  if (s->gamma == 0.0f) return gcompSuccess;
  int rnd = is_randomized(in->codec->config.method);
  return check_levels(quantize_range(in, s, rnd, 0, 0, in->n, v), s);
}

/* ------------------------------------------------------------ back ends */

typedef struct {
  uint8_t *buf;
  size_t cap;
  gcomp_body_out out;
} candidate;

static gcompResult_t put_gamma(gcomp_bitwriter *w, float gamma) {
  gcomp_bw_put(w, gcomp_f2u(gamma), GAMMA_BITS);
  if (w->overflow) return gcomp_fail(gcompDstTooSmall, "dst too small for the scale");
  return gcompSuccess;
}

static gcompResult_t write_structured(const int32_t *v, uint64_t n,
                                      const gcomp_sd_scale *s, int rnd,
                                      candidate *c) {
  gcomp_bitwriter w;
  gcomp_bw_init(&w, c->buf, c->cap);
  GCOMP_TRY(put_gamma(&w, s->gamma));
  if (s->gamma != 0.0f) GCOMP_TRY(gcomp_structured_write(&w, v, n, s->K, !rnd));
  c->out.packing = gcompPackStructured;
  c->out.bits = w.pos;
  return gcompSuccess;
}

static gcompResult_t write_entropy(const uint32_t *z, uint64_t n,
                                   const gcomp_sd_scale *s, candidate *c) {
  gcomp_bitwriter w;
  gcomp_bw_init(&w, c->buf, c->cap);
  GCOMP_TRY(put_gamma(&w, s->gamma));
  gcomp_bw_align(&w);
  size_t used = 0;
  if (s->gamma != 0.0f) GCOMP_TRY(gcomp_rans_encode(z, n, c->buf + 4, c->cap - 4, &used));
  c->out.packing = gcompPackEntropy;
  c->out.bits = 8 * (4 + (uint64_t)used);
  return gcompSuccess;
}

static gcompResult_t encode_fixed_fused(const gcomp_body_in *in, gcomp_body_out *out);

static gcompResult_t write_direct(const int32_t *v, uint64_t n, float gamma,
                                  candidate *c) {
  float *y = malloc((size_t)n * sizeof *y);
  if (!y) return gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
  for (uint64_t i = 0; i < n; i++) y[i] = gcomp_sd_dequantize(v[i], gamma);
  gcompResult_t r = gcomp_direct_write(y, n, c->buf, c->cap, &c->out);
  free(y);
  return r;
}

/* One back end into c. Fixed packing has a single implementation, the
 * fused one, which quantizes again on its own (cheap next to auto's rANS). */
static gcompResult_t write_packing(gcompPacking_t p, const gcomp_body_in *in,
                                   const int32_t *v, const uint32_t *z,
                                   const gcomp_sd_scale *s, int rnd, candidate *c) {
  gcomp_body_in scratch = *in;
  switch (p) {
  case gcompPackStructured: return write_structured(v, in->n, s, rnd, c);
  case gcompPackEntropy: return write_entropy(z, in->n, s, c);
  case gcompPackDirect: return write_direct(v, in->n, s->gamma, c);
  case gcompPackFixed:
    scratch.dst = c->buf;
    scratch.cap = c->cap;
    return encode_fixed_fused(&scratch, &c->out);
  default: return gcomp_fail(gcompInternalError, "packing %d", (int)p);
  }
}

/* Fixed packing without a full-length level buffer: each chunk of 4096
 * coordinates is quantized into a stack buffer and packed while it is still
 * in L1. */
GCOMP_HOT static gcompResult_t encode_fixed_fused(const gcomp_body_in *in, gcomp_body_out *out) {
  gcomp_sd_scale s;
  GCOMP_TRY(prepare(in, &s));
  int rnd = is_randomized(in->codec->config.method);
  uint64_t chunks = (in->n + GCOMP_FIXED_CHUNK - 1) / GCOMP_FIXED_CHUNK;
  size_t pos = 4 + 4 * (size_t)chunks;
  if (in->cap < 4) return gcomp_fail(gcompDstTooSmall, "dst too small for the scale");
  gcomp_bitwriter w;
  gcomp_bw_init(&w, in->dst, 4);
  GCOMP_TRY(put_gamma(&w, s.gamma));
  gcomp_bw_align(&w);
  if (s.gamma == 0.0f) {
    out->packing = gcompPackFixed;
    out->bits = 32;
    return gcompSuccess;
  }
  if (in->cap < pos) return gcomp_fail(gcompDstTooSmall, "dst too small for the chunk table");
  int32_t v[GCOMP_FIXED_CHUNK];
  for (uint64_t c = 0; c < chunks; c++) {
    uint64_t off = c * GCOMP_FIXED_CHUNK;
    uint32_t len = (uint32_t)(in->n - off < GCOMP_FIXED_CHUNK ? in->n - off : GCOMP_FIXED_CHUNK);
    uint32_t worst = quantize_range(in, &s, rnd, 1, off, len, v);
    GCOMP_TRY(check_levels(worst, &s));
    const uint32_t *z = (const uint32_t *)v;
    if (in->cap - pos < gcomp_fixed_chunk_bound(len))
      return gcomp_fail(gcompDstTooSmall, "dst too small for the fixed section");
    size_t b = gcomp_fixed_encode_chunk(z, len, 2 * worst, in->dst + pos);
    gcomp_store_u32(in->dst + 4 + 4 * c, (uint32_t)b);
    pos += b;
  }
  out->packing = gcompPackFixed;
  out->bits = 8 * (uint64_t)pos;
  return gcompSuccess;
}

static size_t structured_bound(uint64_t n, uint32_t K, double param) {
  /* mask: at most 7 + 61 bits a block of 64; a sign and a level each, with
   * sum k <= sum (q_i + 1) <= sqrt(n) / (2 h MARGIN) + n by Cauchy-Schwarz. */
  (void)K;
  double q = 1.0 / (2.0 * sqrt(param / (double)n) * GCOMP_SD_MARGIN) * 1.001;
  double bits = GAMMA_BITS + 68.0 * ((double)n / 64 + 1) + 2.0 * (double)n +
                sqrt((double)n) * q + 64;
  if (bits > 8.0 * (double)(SIZE_MAX / 2)) return 0;
  return (size_t)(bits / 8) + 1;
}

static size_t packing_bound(gcompPacking_t p, uint64_t n, uint32_t K, double param) {
  switch (p) {
  case gcompPackStructured: return structured_bound(n, K, param);
  case gcompPackFixed: return 4 + gcomp_fixed_bound(n);
  case gcompPackEntropy: return 4 + gcomp_rans_bound(n);
  default: return (size_t)(4 * n);
  }
}

static size_t sd_bound(const struct gcompCodec *c, uint64_t n) {
  gcompPacking_t p = c->config.packing;
  if (p == gcompPackAuto) return (size_t)(4 * n); /* never above direct */
  uint32_t K = gcomp_sd_level_limit(c->param, n, is_randomized(c->config.method));
  return packing_bound(p, n, K, c->param);
}

/* Auto: every back end into its own scratch, keep the shortest. Direct
 * caps the result at 32 bits a coordinate. */
static gcompResult_t encode_auto(const gcomp_body_in *in, const int32_t *v,
                                 const uint32_t *z, const gcomp_sd_scale *s,
                                 int rnd, gcomp_body_out *out) {
  static const gcompPacking_t order[] = {gcompPackStructured, gcompPackEntropy,
                                         gcompPackFixed, gcompPackDirect};
  candidate best = {NULL, 0, {gcompPackAuto, UINT64_MAX, 0}};
  gcompResult_t r = gcompSuccess;
  for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
    candidate c = {NULL, packing_bound(order[i], in->n, s->K, in->codec->param), {0, 0, 0}};
    if (c.cap == 0) continue;
    c.buf = malloc(c.cap);
    if (!c.buf) {
      r = gcomp_fail(gcompOutOfMemory, "scratch allocation failed");
      break;
    }
    r = write_packing(order[i], in, v, z, s, rnd, &c);
    if (r != gcompSuccess) {
      free(c.buf);
      break;
    }
    if (c.out.bits < best.out.bits) {
      free(best.buf);
      best = c;
    } else {
      free(c.buf);
    }
  }
  if (r == gcompSuccess) {
    size_t bytes = (size_t)((best.out.bits + 7) / 8);
    if (bytes > in->cap)
      r = gcomp_fail(gcompDstTooSmall, "dst holds %zu body bytes, need %zu", in->cap,
                     bytes);
    else {
      memcpy(in->dst, best.buf, bytes);
      out->packing = best.out.packing;
      out->bits = best.out.bits;
    }
  }
  free(best.buf);
  return r;
}

static gcompResult_t sd_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  int rnd = is_randomized(in->codec->config.method);
  gcompPacking_t p = in->codec->config.packing;
  if (p == gcompPackFixed) return encode_fixed_fused(in, out);
  int32_t *v = malloc((size_t)in->n * sizeof *v);
  uint32_t *z = NULL;
  gcompResult_t r = gcompSuccess;
  gcomp_sd_scale s;
  if (!v) return gcomp_fail(gcompOutOfMemory, "level buffer allocation failed");
  r = quantize(in, v, &s);
  if (r == gcompSuccess && (p == gcompPackAuto || p == gcompPackEntropy)) {
    z = malloc((size_t)in->n * sizeof *z);
    if (!z) r = gcomp_fail(gcompOutOfMemory, "symbol buffer allocation failed");
    else
      for (uint64_t i = 0; i < in->n; i++) z[i] = gcomp_zigzag(v[i]);
  }
  if (r == gcompSuccess) {
    if (p == gcompPackAuto) {
      r = encode_auto(in, v, z, &s, rnd, out);
    } else {
      candidate c = {in->dst, in->cap, {0, 0, 0}};
      r = write_packing(p, in, v, z, &s, rnd, &c);
      out->packing = c.out.packing;
      out->bits = c.out.bits;
    }
  }
  free(z);
  free(v);
  return r;
}

/* --------------------------------------------------------------- decode */

static gcompResult_t read_gamma(gcomp_bitreader *br, float *gamma) {
  uint32_t u = (uint32_t)gcomp_br_get(br, GAMMA_BITS);
  if (br->overrun) return gcomp_fail(gcompCorruptPayload, "body too short for the scale");
  *gamma = gcomp_u2f(u);
  /* Encoders write zero or a normal finite float: anything else is forged. */
  uint32_t exp = u >> 23;
  if (u != 0 && (exp == 0 || exp == 255))
    return gcomp_fail(gcompCorruptPayload, "scale is not a normal finite float");
  return gcompSuccess;
}

typedef gcompResult_t (*stream_decoder)(const uint8_t *, size_t, uint32_t *,
                                        uint64_t, size_t *);

static gcompResult_t sd_decode(const gcomp_body_view *bv, float *y) {
  if (bv->packing == gcompPackDirect) return gcomp_direct_read(bv, y);
  int rnd = is_randomized(bv->method);
  uint32_t K = gcomp_sd_level_limit(bv->param, bv->n, rnd);
  if (K == 0) return gcomp_fail(gcompCorruptPayload, "parameter too small for d");
  gcomp_bitreader br;
  gcomp_br_init(&br, bv->body, bv->bits);
  float gamma = 0.0f;
  GCOMP_TRY(read_gamma(&br, &gamma));
  int structured = bv->packing == gcompPackStructured;
  if (gamma == 0.0f) {
    if (bv->bits != (structured ? GAMMA_BITS : 32u))
      return gcomp_fail(gcompCorruptPayload, "zero-vector body has extra bits");
    memset(y, 0, (size_t)bv->n * sizeof *y);
    return gcompSuccess;
  }
  int32_t *v = malloc((size_t)bv->n * sizeof *v);
  if (!v) return gcomp_fail(gcompOutOfMemory, "level buffer allocation failed");
  gcompResult_t r = gcompSuccess;
  if (structured) {
    r = gcomp_structured_read(&br, v, bv->n, K, !rnd);
    if (r == gcompSuccess && br.pos != br.end)
      r = gcomp_fail(gcompCorruptPayload, "structured body has %llu trailing bits",
                     (unsigned long long)(br.end - br.pos));
  } else if (bv->packing == gcompPackFixed || bv->packing == gcompPackEntropy) {
    size_t size = (size_t)(bv->bits / 8), used = 0;
    if (bv->bits % 8 || size < 4 || !gcomp_br_align_zero(&br))
      r = gcomp_fail(gcompCorruptPayload, "stream body framing invalid");
    stream_decoder dec =
        bv->packing == gcompPackFixed ? gcomp_fixed_decode : gcomp_rans_decode;
    if (r == gcompSuccess) r = dec(bv->body + 4, size - 4, (uint32_t *)v, bv->n, &used);
    if (r == gcompSuccess && used != size - 4)
      r = gcomp_fail(gcompCorruptPayload, "stream body has %zu trailing bytes",
                     size - 4 - used);
    for (uint64_t i = 0; r == gcompSuccess && i < bv->n; i++) {
      uint32_t zz = ((uint32_t *)v)[i];
      if ((zz >> 1) + (zz & 1u) > K)
        r = gcomp_fail(gcompCorruptPayload, "level above the limit %u", K);
      v[i] = gcomp_unzigzag(zz);
    }
  } else {
    r = gcomp_fail(gcompCorruptPayload, "packing %d invalid for sparse dithering",
                   (int)bv->packing);
  }
  for (uint64_t i = 0; r == gcompSuccess && i < bv->n; i++) {
    y[i] = gcomp_sd_dequantize(v[i], gamma);
    if (!isfinite(y[i])) r = gcomp_fail(gcompCorruptPayload, "value overflows float32");
  }
  free(v);
  return r;
}

/* ---------------------------------------------------------- the methods */

static gcompResult_t sd_configure(gcompCodecConfig_t *cfg, double *param, uint64_t *iparam) {
  if (cfg->nu == (double)GCOMP_DEFAULT) cfg->nu = 0.1;
  if (!(cfg->nu > 0 && cfg->nu < 1))
    return gcomp_fail(gcompParameterOutOfRange, "nu = %g must be in (0, 1)", cfg->nu);
  *param = cfg->nu;
  *iparam = 0;
  return gcompSuccess;
}

static gcompResult_t sd_unbiased_configure(gcompCodecConfig_t *cfg, double *param,
                                           uint64_t *iparam) {
  if (cfg->omega == (double)GCOMP_DEFAULT) cfg->omega = 0.25;
  if (!(cfg->omega > 0 && cfg->omega <= 1e6))
    return gcomp_fail(gcompParameterOutOfRange, "omega = %g must be in (0, 1e6]",
                      cfg->omega);
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

static const char *const sd_params[] = {"nu", NULL};
static const char *const sd_unbiased_params[] = {"omega", NULL};

#define SD_PACKINGS                                                             \
  (GCOMP_PACKING_BIT(gcompPackFixed) | GCOMP_PACKING_BIT(gcompPackEntropy) |   \
   GCOMP_PACKING_BIT(gcompPackStructured) | GCOMP_PACKING_BIT(gcompPackDirect))

const gcomp_method gcomp_method_sd = {
    .id = gcompSparseDithering,
    .name = "sd",
    .cls = gcompClassContractive,
    .params = sd_params,
    .packings = SD_PACKINGS,
    .configure = sd_configure,
    .header_ok = sd_header_ok,
    .theory = sd_theory,
    .encode = sd_encode,
    .decode = sd_decode,
    .bound = sd_bound,
};

const gcomp_method gcomp_method_sd_unbiased = {
    .id = gcompSparseDitheringUnbiased,
    .name = "sd-unbiased",
    .cls = gcompClassUnbiased,
    .params = sd_unbiased_params,
    .packings = SD_PACKINGS,
    .configure = sd_unbiased_configure,
    .header_ok = sd_unbiased_header_ok,
    .theory = sd_theory,
    .encode = sd_encode,
    .decode = sd_decode,
    .bound = sd_bound,
};
