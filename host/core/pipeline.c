/* The generic pipeline around every codec: argument checks, the optional
 * rotation, the header, and decode with accumulation. */
#include "core/pipeline.h"

#include "core/codec.h"
#include "shared/check.h"
#include "core/hot.h"
#include "core/pool.h"
#include "stages/norm.h"
#include "stages/rotate.h"
#include "core/wire.h"

#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* One branch-free pass (it vectorizes); the index only on failure. */
GCOMP_HOT static int any_non_finite(const float *x, uint64_t d) {
  int bad = 0;
  for (uint64_t i = 0; i < d; i++) bad |= !(fabsf(x[i]) <= FLT_MAX);
  return bad;
}

typedef struct {
  const float *x;
  atomic_int bad;
} finite_job;

static void finite_range(void *ctx, uint64_t first, uint64_t end) {
  finite_job *j = ctx;
  if (any_non_finite(j->x + first, end - first)) atomic_store(&j->bad, 1);
}

static gcompResult_t check_finite(const float *x, uint64_t d) {
  finite_job j = {x, 0};
  gcomp_par_for(d, GCOMP_PAR_GRAIN, finite_range, &j);
  if (!atomic_load(&j.bad)) return gcompSuccess;
  uint64_t i = 0;
  while (isfinite(x[i])) i++;
  return gcomp_fail(gcompNonFiniteInput, "x[%llu] = %g is not finite",
                    (unsigned long long)i, (double)x[i]);
}

/* The Hadamard transform forms sums of up to n values before it scales by
 * 1/sqrt(n): with |x| <= 2^100 every intermediate stays below 2^121 for n up
 * to 2^40, on the way in and, for any decoded vector within the codecs'
 * error of x, on the way back. Gradients are nowhere near the limit. */
#define GCOMP_ROTATE_MAX_SUMSQ 0x1p200

static gcompResult_t check_rotatable(const float *x, uint64_t d) {
  double sumsq;
  GCOMP_TRY(gcomp_sumsq(x, d, &sumsq));
  if (sumsq > GCOMP_ROTATE_MAX_SUMSQ)
    return gcomp_fail(gcompParameterOutOfRange,
                      "|x| = %g is above 2^100, the limit for rotate=1", sqrt(sumsq));
  return gcompSuccess;
}

static gcompResult_t encode(gcompCodec_t codec, const float *src, uint64_t d, uint64_t seed,
                            void *dst, size_t dstCapacity, size_t *dstSize) {
  if (!codec || !src || !dst || !dstSize)
    return gcomp_fail(gcompInvalidArgument, "codec, src, dst and dstSize must not be NULL");
  if (d == 0) return gcomp_fail(gcompInvalidArgument, "d must be > 0");
  if (d > GCOMP_MAX_DIM)
    return gcomp_fail(gcompSizeOverflow, "d = %llu exceeds GCOMP_MAX_DIM (2^40)",
                      (unsigned long long)d);
  if (dstCapacity < GCOMP_HEADER_BYTES)
    return gcomp_fail(gcompDstTooSmall, "dst must hold at least the %d-byte header",
                      GCOMP_HEADER_BYTES);
  const gcompCodecConfig_t *cfg = &codec->config;
  /* Every codec refuses NaN/Inf before anything is written. Sparse
   * Dithering finds them in its norm pass instead of a pass of its own. */
  int sd = cfg->method == gcompSparseDithering || cfg->method == gcompSparseDitheringUnbiased;
  if (!sd && !cfg->rotate) GCOMP_TRY(check_finite(src, d));
  if (cfg->rotate) GCOMP_TRY(check_rotatable(src, d));
  uint64_t n = gcomp_coded_length(cfg->rotate, d);
  float *rotated = NULL;
  if (cfg->rotate) {
    rotated = malloc((size_t)n * sizeof *rotated);
    if (!rotated) return gcomp_fail(gcompOutOfMemory, "rotation buffer allocation failed");
    gcomp_rotate_forward(src, d, n, seed, rotated);
  }
  uint8_t *out = dst;
  gcomp_body_in in = {codec, rotated ? rotated : src, n, seed,
                      out + GCOMP_HEADER_BYTES, dstCapacity - GCOMP_HEADER_BYTES};
  gcomp_body_out body = {gcompPackAuto, 0, codec->iparam};
  gcompResult_t r = codec->m->encode(&in, &body);
  free(rotated);
  if (r != gcompSuccess) return r;
  gcomp_header h = {cfg->method, body.packing, cfg->rotate, d,     seed,
                    body.bits,   codec->param, body.iparam};
  gcomp_header_write(&h, out);
  *dstSize = GCOMP_HEADER_BYTES + (size_t)((body.bits + 7) / 8);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompEncode(gcompCodec_t codec, const float *src,
                                    uint64_t d, uint64_t seed, void *dst,
                                    size_t dstCapacity, size_t *dstSize) {
  gcomp_clear_error();
  int previous = gcomp_par_begin(codec ? codec->config.threads : 1);
  gcompResult_t r = encode(codec, src, d, seed, dst, dstCapacity, dstSize);
  gcomp_par_end(previous);
  return r;
}

/* dst = y + beta * dst (beta != 0) or a copy of y, over one range. */
typedef struct {
  const float *y;
  float *dst;
  float beta;
} finish_job;

static void finish_range(void *ctx, uint64_t first, uint64_t end) {
  const finish_job *j = ctx;
  if (j->beta == 0.0f) {
    memcpy(j->dst + first, j->y + first, (size_t)(end - first) * sizeof *j->y);
    return;
  }
  for (uint64_t i = first; i < end; i++) j->dst[i] = j->y[i] + j->beta * j->dst[i];
}

gcompResult_t gcomp_decode_body(const gcomp_header *hp, const uint8_t *body, float *dst,
                                uint64_t dstCount, float beta) {
  gcomp_header h = *hp;
  if (dstCount < h.d)
    return gcomp_fail(gcompDstTooSmall, "payload holds d = %llu, dst only %llu",
                      (unsigned long long)h.d, (unsigned long long)dstCount);
  uint64_t n = gcomp_coded_length(h.rotate, h.d);
  gcomp_body_view v = {h.method, h.packing, n, h.seed, h.param, h.iparam, body, h.body_bits};
  const gcomp_method *m = gcomp_method_of(h.method);
  /* Accumulate while decoding where the codec can (no inverse rotation
   * between the two). */
  if (beta != 0.0f && !h.rotate && m->decode_acc) {
    gcompResult_t r = m->decode_acc(&v, dst, beta);
    if (r != gcompNotAvailable) return r;
  }
  /* Decode straight into dst when nothing has to happen afterwards. */
  int direct = beta == 0.0f && !h.rotate;
  float *y = direct ? dst : malloc((size_t)n * sizeof *y);
  if (!y) return gcomp_fail(gcompOutOfMemory, "decode buffer allocation failed");
  gcompResult_t r = m->decode(&v, y);
  if (r == gcompSuccess && h.rotate) {
    gcomp_rotate_inverse(y, n, h.seed);
    /* Only a forged payload can overflow here (see check_rotatable). */
    if (check_finite(y, h.d) != gcompSuccess)
      r = gcomp_fail(gcompCorruptPayload, "rotated values overflow float32");
  }
  if (r == gcompSuccess && !direct) {
    finish_job j = {y, dst, beta};
    gcomp_par_for(h.d, GCOMP_PAR_GRAIN, finish_range, &j);
  }
  if (!direct) free(y);
  return r;
}

static gcompResult_t decode(const void *src, size_t srcSize, float *dst, uint64_t dstCount,
                            float beta) {
  if (!src || !dst) return gcomp_fail(gcompInvalidArgument, "src and dst must not be NULL");
  if (!isfinite(beta)) return gcomp_fail(gcompInvalidArgument, "beta must be finite");
  gcomp_header h;
  GCOMP_TRY(gcomp_header_read(src, srcSize, 1, &h));
  return gcomp_decode_body(&h, (const uint8_t *)src + GCOMP_HEADER_BYTES, dst, dstCount, beta);
}

GCOMP_API gcompResult_t gcompDecode(const void *src, size_t srcSize, float *dst,
                                    uint64_t dstCount, float beta) {
  gcomp_clear_error();
  int previous = gcomp_par_begin(gcomp_par_default());
  gcompResult_t r = decode(src, srcSize, dst, dstCount, beta);
  gcomp_par_end(previous);
  return r;
}

GCOMP_API gcompResult_t gcompPayloadGetInfo(const void *src, size_t srcSize,
                                            gcompPayloadInfo_t *info) {
  gcomp_clear_error();
  if (!src || !info) return gcomp_fail(gcompInvalidArgument, "src and info must not be NULL");
  gcomp_header h;
  GCOMP_TRY(gcomp_header_read(src, srcSize, 0, &h));
  info->method = h.method;
  info->packing = h.packing;
  info->rotate = h.rotate;
  info->d = h.d;
  info->seed = h.seed;
  info->param = h.param;
  info->iparam = h.iparam;
  info->headerBytes = GCOMP_HEADER_BYTES;
  info->bodyBits = h.body_bits;
  info->totalBytes = GCOMP_HEADER_BYTES + (size_t)((h.body_bits + 7) / 8);
  return gcompSuccess;
}
