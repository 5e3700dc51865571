/* The validated codec behind gcompCodec_t, and the method table: what the
 * generic code (configuration, header checks, encode/decode dispatch) needs
 * to know about each codec. */
#ifndef GCOMP_HOST_CODEC_H
#define GCOMP_HOST_CODEC_H

#include "gcomp.h"
#include "shared/codec_view.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gcomp_method;

struct gcompCodec {
  gcompCodecConfig_t config; /* defaults resolved */
  const struct gcomp_method *m;
  double param;              /* what the header carries */
  uint64_t iparam;
};

/* What an encoder needs besides the codec: the (possibly rotated) vector it
 * quantizes, of length n, and where the body goes. */
typedef struct {
  const struct gcompCodec *codec;
  const float *x;   /* n values, finite */
  uint64_t n;       /* coded length: d, or the padded power of two */
  uint64_t seed;
  uint8_t *dst;     /* body buffer */
  size_t cap;       /* its capacity in bytes */
} gcomp_body_in;

typedef struct {
  gcompPacking_t packing; /* back end used */
  uint64_t bits;          /* exact body bits */
  uint64_t iparam;        /* the header's integer parameter; preset to the
                             codec's, a method may resolve it per vector
                             (Top-k's default k depends on d) */
} gcomp_body_out;

/* What a decoder knows from the header. */
typedef struct {
  gcompMethod_t method;
  gcompPacking_t packing;
  uint64_t n;
  uint64_t seed;
  double param;
  uint64_t iparam;
  const uint8_t *body;
  uint64_t bits;
} gcomp_body_view;

/* A field of gcompCodecConfig_t that a method uses, and the values it takes:
 * lo..hi, an end excluded when its *_open is set. Every range lies above 0,
 * so no accepted value can be GCOMP_DEFAULT; `range` is the interval as the
 * error messages print it. codec.c checks text and struct values against
 * it before the method's configure runs. */
typedef struct {
  const char *name;
  double lo, hi;
  int lo_open, hi_open;
  const char *range;
} gcomp_param;

typedef struct gcomp_method {
  gcompMethod_t id;
  const char *name;
  gcompClass_t cls;
  const gcomp_param *params;  /* its own parameters, ended by a NULL name */
  unsigned packings;          /* GCOMP_PACKING_BIT of each allowed back end */
  /* Resolve the defaults of the method's fields (already within their
   * ranges or GCOMP_DEFAULT), check what depends on several of them, and
   * report the header's param and iparam. */
  gcompResult_t (*configure)(gcompCodecConfig_t *cfg, double *param, uint64_t *iparam);
  /* Could an encoder have written this (param, iparam) for n coordinates? */
  int (*header_ok)(double param, uint64_t iparam, uint64_t n);
  /* omega (unbiased classes) or alpha (others) for dimension d. */
  double (*theory)(const struct gcompCodec *c, uint64_t d);
  gcompResult_t (*encode)(const gcomp_body_in *in, gcomp_body_out *out);
  /* Writes n decoded values (coded domain, before any inverse rotation). */
  gcompResult_t (*decode)(const gcomp_body_view *v, float *y);
  /* Optional (NULL: not offered): dst[0..n) = decoded + beta * dst in one
   * pass, with gcompDecode's arithmetic. Returns gcompNotAvailable, having
   * touched nothing and set no error detail, for payloads it leaves to
   * decode + a separate accumulation. */
  gcompResult_t (*decode_acc)(const gcomp_body_view *v, float *dst, float beta);
  /* Worst-case body bytes for n coordinates in the configured packing. */
  size_t (*bound)(const struct gcompCodec *c, uint64_t n);
} gcomp_method;

/* NULL for ids this build does not implement. */
const gcomp_method *gcomp_method_of(gcompMethod_t id);

extern const gcomp_method gcomp_method_identity;
extern const gcomp_method gcomp_method_sd;
extern const gcomp_method gcomp_method_sd_unbiased;
extern const gcomp_method gcomp_method_spherical;
extern const gcomp_method gcomp_method_qsgd;
extern const gcomp_method gcomp_method_natural_dithering;
extern const gcomp_method gcomp_method_natural;
extern const gcomp_method gcomp_method_topk;
extern const gcomp_method gcomp_method_randk;
extern const gcomp_method gcomp_method_sign;
extern const gcomp_method gcomp_method_terngrad;
extern const gcomp_method gcomp_method_fp16;
extern const gcomp_method gcomp_method_bf16;

/* The "direct" back end every method shares: the n decoded values as
 * float32 (non-finite values are refused on read). */
gcompResult_t gcomp_direct_write(const float *y, uint64_t n, uint8_t *dst,
                                 size_t cap, gcomp_body_out *out);
gcompResult_t gcomp_direct_read(const gcomp_body_view *v, float *y);

/* FORMAT.md: a codec without a real parameter writes param = +0.0 and the
 * block field 0. Bitwise, as -0.0 == 0 yet is a header no encoder writes. */
int gcomp_header_no_params(double param, uint64_t iparam, uint64_t n);

#ifdef __cplusplus
}
#endif

#endif
