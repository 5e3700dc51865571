/* Back ends shared by the codecs whose message is a float scale followed by
 * n small signed levels (Sparse Dithering, QSGD, natural dithering,
 * TernGrad): fixed, entropy, the codec's structured code, direct, and auto
 * (the shortest, found without writing the others: docs/DECISIONS.md,
 * "Auto"). A codec describes only its math; the bytes around it are
 * the same for all of them (docs/FORMAT.md, "Body: Sparse Dithering"). */
#ifndef GCOMP_HOST_LEVEL_STREAM_H
#define GCOMP_HOST_LEVEL_STREAM_H

#include "shared/bitio.h"
#include "core/codec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of the scale at the body start: a positive float32 without its
 * sign bit. */
#define GCOMP_SCALE_BITS 31u

typedef struct {
  float scale; /* 0: the zero vector, and the body ends after it */
  uint32_t K;  /* no |level| exceeds K */
} gcomp_level_scale;

/* A structured code for the level stream (the part after the scale). Its
 * reader must consume exactly what its writer wrote for a valid stream and
 * refuse any level above K. Packing auto compares lengths: `bits` is the
 * exact length `write` gives the levels whose zigzag symbols are z; `span`
 * (optional, cheaper) adds to *lo and *hi bounds on what the symbols
 * z[0, len), a chunk of the vector starting at a multiple of 4096, add to
 * it. */
typedef struct {
  gcompResult_t (*write)(gcomp_bitwriter *w, const int32_t *v, uint64_t n, uint32_t K);
  gcompResult_t (*read)(gcomp_bitreader *r, int32_t *v, uint64_t n, uint32_t K);
  uint64_t (*bits)(const uint32_t *z, uint64_t n, uint32_t K);
  void (*span)(const uint32_t *z, uint32_t len, uint64_t n, uint32_t K, uint64_t *lo,
               uint64_t *hi);
} gcomp_level_code;

/* The paper's code (sd_structured.h); `_nonzero` for codecs whose nonzero
 * scale guarantees a nonzero level, which narrows a lone block's zero count. */
extern const gcomp_level_code gcomp_level_paper_code;
extern const gcomp_level_code gcomp_level_paper_code_nonzero;

typedef struct {
  /* Scale and K of in->x; gcompParameterOutOfRange when the scale is not a
   * normal float (or K does not fit). */
  gcompResult_t (*prepare)(const gcomp_body_in *in, gcomp_level_scale *s);
  /* Levels of x[off, off + len) into v[0, len), as zigzag symbols when
   * `zig`; off is a multiple of 4 (whole Philox draws). Returns the largest
   * |level|. */
  uint32_t (*quantize)(const gcomp_body_in *in, const gcomp_level_scale *s, int zig,
                       uint64_t off, uint64_t len, int32_t *v);
  /* y[i] = the decoded value of level v[i]; |value| grows with |level|. */
  void (*dequantize)(const int32_t *v, uint64_t len, const gcomp_level_scale *s, float *y);
  /* K from the header alone, as the decoder sees it; 0 if impossible. */
  uint32_t (*limit)(double param, uint64_t iparam, uint64_t n);
  const gcomp_level_code *code;
  /* Worst-case body bytes of the structured packing (scale included);
   * 0 if it does not fit a size_t. */
  size_t (*code_bound)(const struct gcompCodec *c, uint64_t n);
} gcomp_level_desc;

/* The common rule of the unbiased codecs (Sparse Dithering's, QSGD,
 * TernGrad): |x_i| / scale rounded down or up at random, up with
 * probability its fractional part, on word i % 4 of Philox draw i / 4 of
 * the rounding stream; decoded scale * level. */
uint32_t gcomp_level_quantize_unbiased(const gcomp_body_in *in, const gcomp_level_scale *s,
                                       int zig, uint64_t off, uint64_t len, int32_t *v);
void gcomp_level_dequantize_linear(const int32_t *v, uint64_t len, const gcomp_level_scale *s,
                                   float *y);

gcompResult_t gcomp_level_encode(const gcomp_level_desc *d, const gcomp_body_in *in,
                                 gcomp_body_out *out);
gcompResult_t gcomp_level_decode(const gcomp_level_desc *d, const gcomp_body_view *v,
                                 float *y);
/* dst[0..n) = decoded + beta * dst in one pass, for packing fixed; other
 * packings: gcompNotAvailable with nothing touched (see gcomp_method). */
gcompResult_t gcomp_level_decode_acc(const gcomp_level_desc *d, const gcomp_body_view *v,
                                     float *dst, float beta);
/* Worst-case body bytes in the codec's configured packing. */
size_t gcomp_level_bound(const gcomp_level_desc *d, const struct gcompCodec *c, uint64_t n);

/* The four packings, for a method's `packings` field. */
#define GCOMP_LEVEL_PACKINGS                                                    \
  (GCOMP_PACKING_BIT(gcompPackFixed) | GCOMP_PACKING_BIT(gcompPackEntropy) |   \
   GCOMP_PACKING_BIT(gcompPackStructured) | GCOMP_PACKING_BIT(gcompPackDirect))

#ifdef __cplusplus
}
#endif

#endif
