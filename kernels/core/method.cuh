/* The device method table, the twin of host/core/codec.h's: what the
 * generic entry points (core/api.cu) ask of a codec. A codec on the GPU is
 * one entry in core/registry.cu plus its files under codecs/; the generic
 * code carves the workspace parts every codec shares (status head, call
 * scalars, norm partials, rotation buffer), runs the rotation and the
 * payload framing, and reaches everything else through here. */
#ifndef GCOMP_KERNELS_CORE_METHOD_CUH
#define GCOMP_KERNELS_CORE_METHOD_CUH

#include "core/common.cuh"
#include "core/payload.cuh"

#include "shared/codec_view.h"

struct gcomp_dev_method;

/* The chunk scratch of a fixed or entropy section (pack/section.cuh) as
 * workspace offsets; chunks 0: the codec has no section. */
struct gcomp_dev_section_layout {
  uint64_t chunks;
  size_t width, escapes, sizes, offsets, scan, scan_bytes;
};

/* One (codec, d): the workspace layout, a function of those two only, so a
 * size query and the later call agree, and encode and decode of one (codec,
 * d) share a workspace. Offsets are bytes into the workspace; 0 is "none"
 * (the status head sits there). */
struct gcomp_dev_plan {
  gcomp_codec_view c;
  const gcomp_dev_method *m;
  uint64_t d, n; /* dimension, coded length */
  /* The header's packing byte (the template's, and what decode expects);
   * -1: decided per vector on the device, and decode takes either of the
   * codec's packings. */
  int packing;
  /* Set by the method's plan. */
  uint32_t K;                   /* level limit (sd) */
  uint64_t k;                   /* kept coordinates (top-k, rand-k) */
  gcomp_dev_section_layout sec; /* section scratch (sd, level codecs, natural) */
  size_t region;                /* the method's own region */
  /* The generic parts. */
  size_t call, norm_a, norm_b, rot, total;
};

/* Every region starts on a 256-byte boundary: CUB's scan storage asks for
 * it, and it keeps float4 and u64 accesses aligned. */
#define GCOMP_DEV_ALIGN 256u

/* The offset of a new region of `bytes` at *at, which moves past it. */
static inline size_t gcomp_dev_take(size_t *at, size_t bytes) {
  size_t o = *at;
  *at += (bytes + GCOMP_DEV_ALIGN - 1) / GCOMP_DEV_ALIGN * GCOMP_DEV_ALIGN;
  return o;
}

/* The workspace at offset off, NULL for a part the plan does not have. */
template <typename T>
T *gcomp_dev_at(void *ws, size_t off) {
  return off ? reinterpret_cast<T *>(static_cast<uint8_t *>(ws) + off) : nullptr;
}

/* What an encoder is handed: x[0..n) already rotated when the codec
 * rotates; the body and the header go to dst (at most cap bytes), every
 * failure found on the device to call->status. */
struct gcomp_dev_enc {
  const float *x;
  uint64_t seed;
  int check_finite; /* no rotation checked x: refuse NaN/Inf as pipeline.c does */
  uint8_t *dst;
  size_t cap;
  const gcomp_dev_header *h; /* the template: body length and checksum left */
  void *ws;
  gcomp_dev_call *call;
  cudaStream_t s;
};

/* What a decoder is handed: a payload that passed read_header, the checksum
 * and the method's verify; out[0..n) gets the values, accumulated with beta
 * when to_dst (the caller's dst), or plain when they go to the rotation
 * buffer first. */
struct gcomp_dev_dec {
  const uint8_t *src;
  float *out;
  int to_dst;
  float beta;
  void *ws;
  gcomp_dev_call *call;
  cudaStream_t s;
};

struct gcomp_dev_method {
  gcompMethod_t id;
  /* The encoder reduces x before its body (a sum of squares or of
   * magnitudes, or the largest magnitude): the plan holds norm partials. */
  int reduces;
  /* gcompSuccess when the GPU has this configuration, else
   * gcompNotAvailable with the reason. */
  gcompResult_t (*supported)(const gcomp_codec_view *c);
  /* gcomp_dev_plan::packing for c. */
  int (*packing)(const gcomp_codec_view *c);
  /* The method's part of the plan (may be NULL): its scalars, and its
   * regions carved from *at with gcomp_dev_take, after the norm partials
   * and before the rotation buffer. */
  gcompResult_t (*plan)(gcomp_dev_plan *p, size_t *at);
  /* Body bytes of n values when they do not depend on the data (may be
   * NULL): the call then refuses a small dst before any kernel runs. */
  uint64_t (*known_body)(uint64_t n);
  gcompResult_t (*encode)(const gcomp_dev_plan *p, const gcomp_dev_enc *e);
  /* The payload against the codec and its body's framing, after the
   * generic checks: gcomp_dev_verify<rules> (core/verify.cuh). */
  gcompResult_t (*verify)(const uint8_t *src, const gcomp_dev_expect *e, gcomp_dev_call *call,
                          cudaStream_t s);
  gcompResult_t (*decode)(const gcomp_dev_plan *p, const gcomp_dev_dec *d);
};

/* NULL for ids without a GPU path (core/registry.cu). */
const gcomp_dev_method *gcomp_dev_method_of(gcompMethod_t id);

extern const gcomp_dev_method gcomp_dev_method_identity;
extern const gcomp_dev_method gcomp_dev_method_sd;
extern const gcomp_dev_method gcomp_dev_method_sd_unbiased;
extern const gcomp_dev_method gcomp_dev_method_spherical;
extern const gcomp_dev_method gcomp_dev_method_qsgd;
extern const gcomp_dev_method gcomp_dev_method_natural_dithering;
extern const gcomp_dev_method gcomp_dev_method_natural;
extern const gcomp_dev_method gcomp_dev_method_topk;
extern const gcomp_dev_method gcomp_dev_method_randk;
extern const gcomp_dev_method gcomp_dev_method_sign;
extern const gcomp_dev_method gcomp_dev_method_terngrad;
extern const gcomp_dev_method gcomp_dev_method_fp16;
extern const gcomp_dev_method gcomp_dev_method_bf16;

/* Packings every GPU method shares in supported() and packing(). */
gcompResult_t gcomp_dev_any_packing(const gcomp_codec_view *c);
int gcomp_dev_packing_as_configured(const gcomp_codec_view *c);

#endif
