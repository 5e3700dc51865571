/* Identity ("Basic", 32 bits a coordinate) and the direct back end that
 * every codec may fall back on: the decoded float32 values themselves. */
#include "core/codec.h"
#include "shared/check.h"
#include "core/wire.h"

#include <math.h>
#include <string.h>

gcompResult_t gcomp_direct_write(const float *y, uint64_t n, uint8_t *dst,
                                 size_t cap, gcomp_body_out *out) {
  if (cap / 4 < n) return gcomp_fail(gcompDstTooSmall, "dst too small for %llu floats",
                                     (unsigned long long)n);
  for (uint64_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &y[i], 4);
    gcomp_store_u32(dst + 4 * i, u);
  }
  out->packing = gcompPackDirect;
  out->bits = 32 * n;
  return gcompSuccess;
}

gcompResult_t gcomp_direct_read(const gcomp_body_view *v, float *y) {
  if (v->bits != 32 * v->n)
    return gcomp_fail(gcompCorruptPayload, "direct body has %llu bits, expected %llu",
                      (unsigned long long)v->bits, (unsigned long long)(32 * v->n));
  for (uint64_t i = 0; i < v->n; i++) {
    uint32_t u = gcomp_load_u32(v->body + 4 * i);
    memcpy(&y[i], &u, 4);
    /* No encoder writes NaN or Inf: they would be garbage to a reducer. */
    if (!isfinite(y[i]))
      return gcomp_fail(gcompCorruptPayload, "direct body holds a non-finite value");
  }
  return gcompSuccess;
}

static gcompResult_t identity_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  return gcomp_direct_write(in->x, in->n, in->dst, in->cap, out);
}

static size_t identity_bound(const struct gcompCodec *c, uint64_t n) {
  (void)c;
  return (size_t)(4 * n);
}

static gcompResult_t identity_configure(gcompCodecConfig_t *cfg, double *param,
                                        uint64_t *iparam) {
  (void)cfg;
  *param = 0;
  *iparam = 0;
  return gcompSuccess;
}

static double identity_theory(const struct gcompCodec *c, uint64_t d) {
  (void)c;
  (void)d;
  return 0;
}

const gcomp_method gcomp_method_identity = {
    .id = gcompIdentity,
    .name = "identity",
    .cls = gcompClassExact,
    .params = NULL,
    .packings = GCOMP_PACKING_BIT(gcompPackDirect),
    .configure = identity_configure,
    .header_ok = gcomp_header_no_params,
    .theory = identity_theory,
    .encode = identity_encode,
    .decode = gcomp_direct_read,
    .bound = identity_bound,
};
