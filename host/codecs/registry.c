/* The method table: one entry per wire codec id this build implements. */
#include "core/codec.h"

static const gcomp_method *const table[gcompNumMethods] = {
    [gcompIdentity] = &gcomp_method_identity,
    [gcompSparseDithering] = &gcomp_method_sd,
    [gcompSparseDitheringUnbiased] = &gcomp_method_sd_unbiased,
    [gcompSpherical] = &gcomp_method_spherical,
    [gcompQsgd] = &gcomp_method_qsgd,
    [gcompNaturalDithering] = &gcomp_method_natural_dithering,
    [gcompNaturalCompression] = &gcomp_method_natural,
    [gcompTopK] = &gcomp_method_topk,
    [gcompRandK] = &gcomp_method_randk,
    [gcompScaledSign] = &gcomp_method_sign,
    [gcompTernGrad] = &gcomp_method_terngrad,
    [gcompFp16] = &gcomp_method_fp16,
    [gcompBf16] = &gcomp_method_bf16,
};

const gcomp_method *gcomp_method_of(gcompMethod_t id) {
  if ((int)id < 0 || id >= gcompNumMethods) return NULL;
  return table[id];
}
