/* Payload framing on the device, the same for every codec (core/payload.cu):
 * the checksum, the header checks of host/core/wire.c up to the codec, the
 * header of a body whose size the host knew, and the last kernel of a
 * call. The codec's own header and body checks come through its method's
 * verify (core/verify.cuh). */
#ifndef GCOMP_KERNELS_CORE_PAYLOAD_CUH
#define GCOMP_KERNELS_CORE_PAYLOAD_CUH

#include "core/common.cuh"

/* What the decoder was told to expect, and what the host knows of codecs. */
struct gcomp_dev_expect {
  uint32_t known_methods; /* bit id: the host decodes codec id */
  uint32_t packings;      /* GCOMP_PACKING_BIT set of the codec's method */
  int method, packing, rotate; /* packing -1: any of the method's */
  uint64_t d, n, chunks;
};

/* One header check's inputs, passed by value to its one-thread kernel. */
struct gcomp_dev_hdr_job {
  const uint8_t *src;
  const uint64_t *src_size;
  size_t cap;
  gcomp_dev_expect e;
  gcomp_dev_call *call;
};

/* call->checksum over p[0 .. call->total), at most max_bytes. */
gcompResult_t gcomp_dev_checksum(const uint8_t *p, size_t max_bytes,
                                 gcomp_dev_call *call, cudaStream_t s);

/* wire.c's framing checks, in its order, up to the checksum: they make
 * call->total safe to read. */
gcompResult_t gcomp_dev_read_header(const uint8_t *src, const uint64_t *src_size,
                                    size_t src_cap, const gcomp_dev_expect *e,
                                    gcomp_dev_call *call, cudaStream_t s);

/* After a body whose size the host knew (identity, fp16, bf16, sign): its
 * header, so a refused vector leaves no header behind. */
gcompResult_t gcomp_dev_header_after(uint8_t *dst, size_t cap, const gcomp_dev_header *h,
                                     uint64_t body_bytes, gcomp_dev_call *call,
                                     cudaStream_t s);

/* Encode's last step: the checksum into the header, *dst_size (0 after a
 * failure), and the call's status into the head. */
gcompResult_t gcomp_dev_finish_encode(uint8_t *dst, uint64_t *dst_size,
                                      gcomp_dev_head *head, gcomp_dev_call *call,
                                      cudaStream_t s);
gcompResult_t gcomp_dev_finish_decode(gcomp_dev_head *head, gcomp_dev_call *call,
                                      cudaStream_t s);

#endif
