/* What the baseline codecs' driver (codecs/baselines.cu) and their body
 * files (codecs/cast.cu, codecs/sign.cu) share: the families, and the
 * header rules of their CPU files (host/codecs/qsgd.c, natural_dithering.c,
 * terngrad.c, natural.c, half_floats.c, sign.c), in those files' terms. */
#ifndef GCOMP_KERNELS_CODECS_BASELINES_CUH
#define GCOMP_KERNELS_CODECS_BASELINES_CUH

#include "core/common.cuh"

#include "shared/natural_dithering.h"
#include "shared/qsgd.h"

/* How a baseline codec's body is made on the device. */
enum gcomp_dev_bl_family {
  GCOMP_DEV_BL_NONE,    /* not a baseline codec */
  GCOMP_DEV_BL_LEVELS,  /* scale, pad bit, section of levels (host/pack/levels.c) */
  GCOMP_DEV_BL_NATURAL, /* the section alone */
  GCOMP_DEV_BL_CAST,    /* n 16-bit words */
  GCOMP_DEV_BL_SIGN     /* 31-bit scale, n sign bits */
};

__host__ __device__ constexpr gcomp_dev_bl_family gcomp_dev_bl_family_of(int method) {
  switch (method) {
  case gcompQsgd:
  case gcompNaturalDithering:
  case gcompTernGrad: return GCOMP_DEV_BL_LEVELS;
  case gcompNaturalCompression: return GCOMP_DEV_BL_NATURAL;
  case gcompFp16:
  case gcompBf16: return GCOMP_DEV_BL_CAST;
  case gcompScaledSign: return GCOMP_DEV_BL_SIGN;
  default: return GCOMP_DEV_BL_NONE;
  }
}

/* K of a level codec from the header's block field (0: impossible). */
__host__ __device__ inline uint32_t gcomp_dev_bl_limit(int method, uint64_t iparam) {
  if (method == gcompQsgd) return gcomp_qsgd_level_limit(iparam);
  if (method == gcompNaturalDithering) return gcomp_nd_level_limit(iparam);
  return 1; /* TernGrad */
}

/* codecs/cast.cu: the 16-bit words of x[0..n) (range already checked). */
gcompResult_t gcomp_dev_cast_encode(int bf16, const float *x, uint64_t n, uint8_t *dst,
                                    gcomp_dev_call *call, cudaStream_t s);
gcompResult_t gcomp_dev_cast_decode(int bf16, const uint8_t *src, uint64_t n, float *out,
                                    int to_dst, float beta, gcomp_dev_call *call,
                                    cudaStream_t s);

/* codecs/sign.cu: scale (call->gamma) and sign bits; the scale of a
 * verified payload in call->gamma. */
gcompResult_t gcomp_dev_sign_encode(const float *x, uint64_t n, uint8_t *dst,
                                    gcomp_dev_call *call, cudaStream_t s);
gcompResult_t gcomp_dev_sign_decode(const uint8_t *src, uint64_t n, float *out, int to_dst,
                                    float beta, gcomp_dev_call *call, cudaStream_t s);

#endif
