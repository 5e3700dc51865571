/* The decoder's check of a payload against the codec the call names, once
 * its framing and checksum are known good (core/payload.cu): the checks of
 * host/core/wire.c's check_params and the decoder's first body checks, in
 * the CPU's order, as one one-thread kernel per codec. The generic order
 * lives here; a codec's method supplies its rules:
 *
 *   R::header_ok(param, iparam)  its method's header_ok: could an encoder
 *                                have written these header parameters?
 *   R::framing(job)              its body's framing before any value is
 *                                read (lengths, scale), a result code; it
 *                                may leave scalars in job.call.
 *
 * A method's verify is then `gcomp_dev_verify<its rules>`. */
#ifndef GCOMP_KERNELS_CORE_VERIFY_CUH
#define GCOMP_KERNELS_CORE_VERIFY_CUH

#include "core/payload.cuh"

#include "shared/wire_layout.h"

template <class R>
__device__ gcompResult_t gcomp_dev_verify_payload(const gcomp_dev_hdr_job &j) {
  const uint8_t *p = j.src;
  if (j.call->checksum != j.call->stored) return gcompCorruptPayload;
  /* A sound payload of another codec, packing or size than the call names:
   * the ranks of a collective disagree. */
  if (p[GCOMP_WIRE_METHOD] != j.e.method) return gcompInvalidUsage;
  if (!((j.e.packings >> p[GCOMP_WIRE_PACKING]) & 1u)) return gcompCorruptPayload;
  if (!R::header_ok(j.call->param, gcomp_dev_ld_u64(p + GCOMP_WIRE_IPARAM)))
    return gcompCorruptPayload;
  if ((j.e.packing >= 0 && p[GCOMP_WIRE_PACKING] != j.e.packing) ||
      p[GCOMP_WIRE_FLAGS] != j.e.rotate || gcomp_dev_ld_u64(p + GCOMP_WIRE_D) != j.e.d)
    return gcompInvalidUsage;
  return R::framing(j);
}

template <class R>
__global__ void gcomp_dev_verify_kernel(gcomp_dev_hdr_job j) {
  if (gcomp_dev_failed(j.call)) return;
  gcompResult_t r = gcomp_dev_verify_payload<R>(j);
  if (r != gcompSuccess) gcomp_dev_fail(j.call, r);
}

template <class R>
gcompResult_t gcomp_dev_verify(const uint8_t *src, const gcomp_dev_expect *e,
                               gcomp_dev_call *call, cudaStream_t s) {
  gcomp_dev_hdr_job j = {src, nullptr, 0, *e, call};
  gcomp_dev_verify_kernel<R><<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

/* The rules of a body with nothing to check before its values, where the
 * codec's decode checks the rest. */
struct gcomp_dev_no_framing {
  __device__ static gcompResult_t framing(const gcomp_dev_hdr_job &) { return gcompSuccess; }
};

#endif
