/* The device method table: one entry per codec with a GPU path. */
#include "core/method.cuh"

namespace {

const gcomp_dev_method *const table[] = {
    &gcomp_dev_method_identity, &gcomp_dev_method_sd,       &gcomp_dev_method_sd_unbiased,
    &gcomp_dev_method_spherical, &gcomp_dev_method_qsgd,    &gcomp_dev_method_natural_dithering,
    &gcomp_dev_method_natural,  &gcomp_dev_method_topk,     &gcomp_dev_method_randk,
    &gcomp_dev_method_sign,     &gcomp_dev_method_terngrad, &gcomp_dev_method_fp16,
    &gcomp_dev_method_bf16,
};

}  // namespace

const gcomp_dev_method *gcomp_dev_method_of(gcompMethod_t id) {
  for (const gcomp_dev_method *m : table)
    if (m->id == id) return m;
  return nullptr;
}

gcompResult_t gcomp_dev_any_packing(const gcomp_codec_view *) { return gcompSuccess; }

/* Auto: the device picks per vector as the CPU does (-1). */
int gcomp_dev_packing_as_configured(const gcomp_codec_view *c) {
  return c->packing == gcompPackAuto ? -1 : (int)c->packing;
}
