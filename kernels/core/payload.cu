/* Payload framing on the device, the same for every codec: the header
 * checks of host/core/wire.c up to the codec, the checksum as a plain
 * reduction (shared/checksum.h: a sum mod 2^64, so any order gives the
 * CPU's value), and the last kernel of a call, which publishes the payload
 * size and the status. */
#include "core/payload.cuh"

#include "shared/bits.h"
#include "shared/checksum.h"
#include "shared/wire_layout.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

/* ------------------------------------------------------------ checksum */

__global__ void __launch_bounds__(kThreads) checksum(const uint8_t *p, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  uint64_t total = call->total, words = (total + 7) / 8;
  bool aligned = ((uintptr_t)p & 7u) == 0;
  uint64_t acc = 0, stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t j = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; j < words; j += stride) {
    uint64_t w = 0;
    if (j == GCOMP_CHECKSUM_OFFSET / 8) {
      /* the checksum field counts as zero */
    } else if (8 * j + 8 <= total) {
      w = aligned ? reinterpret_cast<const uint64_t *>(p)[j] : gcomp_dev_ld_u64(p + 8 * j);
    } else { /* the last word, zero-padded */
      for (uint64_t b = 0; 8 * j + b < total; b++) w |= (uint64_t)p[8 * j + b] << (8 * b);
    }
    acc += gcomp_checksum_term(w, j);
  }
  for (int o = 16; o > 0; o >>= 1) acc += __shfl_down_sync(0xffffffffu, acc, o);
  __shared__ uint64_t part[kThreads / 32];
  if ((threadIdx.x & 31u) == 0) part[threadIdx.x >> 5] = acc;
  __syncthreads();
  if (threadIdx.x != 0) return;
  for (uint32_t w = 1; w < kThreads / 32; w++) acc += part[w];
  atomicAdd(reinterpret_cast<unsigned long long *>(&call->checksum), (unsigned long long)acc);
}

/* ------------------------------------------------------------- finish */

__device__ void merge_status(gcomp_dev_head *head, int32_t status) {
  if (head->magic != GCOMP_DEV_MAGIC) {
    head->magic = GCOMP_DEV_MAGIC;
    head->status = status;
  } else if (head->status == 0) {
    head->status = status;
  }
}

__global__ void finish_encode(uint8_t *dst, uint64_t *dst_size, gcomp_dev_head *head,
                              gcomp_dev_call *call) {
  int32_t status = call->status;
  if (status == 0) gcomp_dev_st_u64(dst + GCOMP_CHECKSUM_OFFSET, call->checksum);
  *dst_size = status == 0 ? call->total : 0;
  merge_status(head, status);
}

__global__ void finish_decode(gcomp_dev_head *head, gcomp_dev_call *call) {
  merge_status(head, call->status);
}

/* --------------------------------------------------------- header checks */

/* host/core/wire.c's gcomp_header_read up to the checksum, same order, same
 * codes (check_params comes in the method's verify, once the codec is known
 * to match). */
__device__ gcompResult_t header_framing(const gcomp_dev_hdr_job &j) {
  uint64_t size = *j.src_size;
  const uint8_t *p = j.src;
  if (size > j.cap || size < GCOMP_HEADER_BYTES) return gcompCorruptPayload;
  if (p[0] != 'G' || p[1] != 'C' || p[2] != 'M' || p[3] != 'P') return gcompCorruptPayload;
  if (p[GCOMP_WIRE_VERSION] == 0) return gcompCorruptPayload;
  if (p[GCOMP_WIRE_VERSION] > GCOMP_FORMAT_VERSION) return gcompUnsupportedPayload;
  if (p[GCOMP_WIRE_SIZE] != GCOMP_HEADER_BYTES) return gcompCorruptPayload;
  uint8_t method = p[GCOMP_WIRE_METHOD], packing = p[GCOMP_WIRE_PACKING];
  if (method >= 32 || !((j.e.known_methods >> method) & 1u)) return gcompUnsupportedPayload;
  if (packing == gcompPackAuto || packing >= gcompNumPackings) return gcompCorruptPayload;
  if (p[GCOMP_WIRE_FLAGS] > 1) return gcompCorruptPayload;
  for (int k = GCOMP_WIRE_RESERVED; k < GCOMP_WIRE_D; k++)
    if (p[k] != 0) return gcompCorruptPayload;
  uint64_t d = gcomp_dev_ld_u64(p + GCOMP_WIRE_D);
  if (d == 0 || d > GCOMP_MAX_DIM) return gcompCorruptPayload;
  uint64_t bits = gcomp_dev_ld_u64(p + GCOMP_WIRE_BODY_BITS), avail = size - GCOMP_HEADER_BYTES;
  if (bits > avail * 8) return gcompCorruptPayload;
  uint64_t body_bytes = (bits + 7) / 8;
  if (body_bytes != avail) return gcompCorruptPayload;
  if (bits % 8 && (p[GCOMP_HEADER_BYTES + body_bytes - 1] >> (bits % 8)))
    return gcompCorruptPayload;
  j.call->total = size;
  j.call->body_bits = bits;
  j.call->seed = gcomp_dev_ld_u64(p + GCOMP_WIRE_SEED);
  j.call->param = gcomp_u2d(gcomp_dev_ld_u64(p + GCOMP_WIRE_PARAM));
  j.call->stored = gcomp_dev_ld_u64(p + GCOMP_CHECKSUM_OFFSET);
  return gcompSuccess;
}

__global__ void read_header(gcomp_dev_hdr_job j) {
  if (gcomp_dev_failed(j.call)) return;
  gcompResult_t r = header_framing(j);
  if (r != gcompSuccess) gcomp_dev_fail(j.call, r);
}

__global__ void header_after(uint8_t *dst, size_t cap, gcomp_dev_header h, uint64_t body_bytes,
                             gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  gcomp_dev_put_header(dst, cap, h, body_bytes, call);
}

unsigned grid_for_words(uint64_t bytes) {
  return gcomp_dev_blocks((bytes + 7) / 8, 8 * (uint64_t)kThreads, 2048);
}

}  // namespace

gcompResult_t gcomp_dev_checksum(const uint8_t *p, size_t max_bytes,
                                 gcomp_dev_call *call, cudaStream_t s) {
  checksum<<<grid_for_words(max_bytes), kThreads, 0, s>>>(p, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_finish_encode(uint8_t *dst, uint64_t *dst_size,
                                      gcomp_dev_head *head, gcomp_dev_call *call,
                                      cudaStream_t s) {
  finish_encode<<<1, 1, 0, s>>>(dst, dst_size, head, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_finish_decode(gcomp_dev_head *head, gcomp_dev_call *call,
                                      cudaStream_t s) {
  finish_decode<<<1, 1, 0, s>>>(head, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_read_header(const uint8_t *src, const uint64_t *src_size,
                                    size_t src_cap, const gcomp_dev_expect *e,
                                    gcomp_dev_call *call, cudaStream_t s) {
  gcomp_dev_hdr_job j = {src, src_size, src_cap, *e, call};
  read_header<<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_header_after(uint8_t *dst, size_t cap, const gcomp_dev_header *h,
                                     uint64_t body_bytes, gcomp_dev_call *call,
                                     cudaStream_t s) {
  header_after<<<1, 1, 0, s>>>(dst, cap, *h, body_bytes, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}
