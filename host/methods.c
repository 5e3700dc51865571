/* The method table: one entry per wire codec id this build implements. */
#include "codec.h"

static const gcomp_method *const table[gcompNumMethods] = {
    [gcompIdentity] = &gcomp_method_identity,
    [gcompSparseDithering] = &gcomp_method_sd,
    [gcompSparseDitheringUnbiased] = &gcomp_method_sd_unbiased,
    [gcompSpherical] = &gcomp_method_spherical,
};

const gcomp_method *gcomp_method_of(gcompMethod_t id) {
  if ((int)id < 0 || id >= gcompNumMethods) return NULL;
  return table[id];
}
