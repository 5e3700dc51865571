/* What the host driver (device_baselines.cu) and the decoder's header
 * checks (device_payload.cu) both need to know about the baseline codecs:
 * their families, and the header rules of their CPU files (qsgd.c,
 * natural_dithering.c, terngrad.c, natural.c, cast.c, sign.c), in those
 * files' terms. */
#ifndef GCOMP_KERNELS_CODECS_BASELINES_CUH
#define GCOMP_KERNELS_CODECS_BASELINES_CUH

#include "core/common.cuh"

#include "shared/bits.h"
#include "shared/natural_dithering.h"
#include "shared/qsgd.h"

/* How a baseline codec's body is made on the device. */
enum gcomp_dev_bl_family {
  GCOMP_DEV_BL_NONE,    /* not a baseline codec */
  GCOMP_DEV_BL_LEVELS,  /* scale, pad bit, fixed section of levels (level_stream.c) */
  GCOMP_DEV_BL_NATURAL, /* the fixed section alone */
  GCOMP_DEV_BL_CAST,    /* n 16-bit words */
  GCOMP_DEV_BL_SIGN     /* 31-bit scale, n sign bits */
};

__host__ __device__ inline gcomp_dev_bl_family gcomp_dev_bl_family_of(int method) {
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

#ifdef __CUDACC__

/* The methods' header_ok: param +0.0, bit for bit; the block field holds s
 * or is 0. */
__device__ inline bool gcomp_dev_bl_header_ok(int method, double param, uint64_t iparam) {
  if (method == gcompQsgd || method == gcompNaturalDithering)
    return gcomp_is_plus_zero(param) && gcomp_dev_bl_limit(method, iparam) != 0;
  return gcomp_is_plus_zero(param) && iparam == 0;
}

/* The body checks the CPU decoders make before reading any value, for the
 * codecs without a scale-then-levels body (the level codecs share Sparse
 * Dithering's). Sign keeps its scale in call->gamma. */
__device__ inline gcompResult_t gcomp_dev_bl_framing(const uint8_t *src, int method, uint64_t n,
                                                     uint64_t chunks, gcomp_dev_call *call) {
  uint64_t bits = call->body_bits;
  switch (gcomp_dev_bl_family_of(method)) {
  case GCOMP_DEV_BL_NATURAL: /* natural.c read_section, gcomp_fixed_decode's table */
    return bits % 8 || chunks > bits / 8 / 4 ? gcompCorruptPayload : gcompSuccess;
  case GCOMP_DEV_BL_CAST: return bits == 16 * n ? gcompSuccess : gcompCorruptPayload;
  case GCOMP_DEV_BL_SIGN: { /* sign.c read_structured; 31 + n >= 32 bits are there */
    if (bits != 31 + n) return gcompCorruptPayload;
    uint32_t u = gcomp_dev_ld_u32(src + 64) & 0x7fffffffu;
    if ((u >> 23) == 0xffu) return gcompCorruptPayload;
    call->gamma = gcomp_u2f(u);
    return gcompSuccess;
  }
  default: return gcompInternalError;
  }
}

#endif /* __CUDACC__ */

#endif
