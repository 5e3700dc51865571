/* The validated codec behind gcompCodec_t, and the per-method entry points
 * the generic encode/decode dispatch calls. */
#ifndef GCOMP_HOST_CODEC_H
#define GCOMP_HOST_CODEC_H

#include "gcomp.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gcompCodec {
  gcompCodecConfig_t config; /* defaults resolved */
  gcompClass_t cls;
  double param;              /* nu, omega or alpha: what the header carries */
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
} gcomp_body_out;

/* What a decoder knows from the header. */
typedef struct {
  gcompMethod_t method;
  gcompPacking_t packing;
  uint64_t n;
  uint64_t seed;
  double param;
  uint64_t block;
  const uint8_t *body;
  uint64_t bits;
} gcomp_body_view;

/* Per-method hooks. encode writes the body; decode writes n dequantized
 * values (in the coded domain, before any inverse rotation). */
gcompResult_t gcomp_identity_encode(const gcomp_body_in *in, gcomp_body_out *out);
gcompResult_t gcomp_identity_decode(const gcomp_body_view *v, float *y);
size_t gcomp_identity_bound(const struct gcompCodec *c, uint64_t n);

gcompResult_t gcomp_sd_encode(const gcomp_body_in *in, gcomp_body_out *out);
gcompResult_t gcomp_sd_decode(const gcomp_body_view *v, float *y);
size_t gcomp_sd_bound(const struct gcompCodec *c, uint64_t n);

gcompResult_t gcomp_spherical_encode(const gcomp_body_in *in, gcomp_body_out *out);
gcompResult_t gcomp_spherical_decode(const gcomp_body_view *v, float *y);
size_t gcomp_spherical_bound(const struct gcompCodec *c, uint64_t n);
/* Validation and defaults for the spherical parameters (alpha, block,
 * maxTrials), called by gcompCodecCreate. */
gcompResult_t gcomp_spherical_configure(gcompCodecConfig_t *cfg);

/* The "direct" back end every method shares: the n decoded values as
 * float32. */
gcompResult_t gcomp_direct_write(const float *y, uint64_t n, uint8_t *dst,
                                 size_t cap, gcomp_body_out *out);
gcompResult_t gcomp_direct_read(const gcomp_body_view *v, float *y);

/* Coded length for dimension d (padded to a power of two when rotating). */
uint64_t gcomp_coded_length(int rotate, uint64_t d);

#ifdef __cplusplus
}
#endif

#endif
