/* Payload framing on the device: the identity body, the header checks of
 * host/wire.c, the checksum as a plain reduction (shared/checksum.h: a sum
 * mod 2^64, so any order gives the CPU's value), and the last kernel of a
 * call, which publishes the payload size and the status. */
#include "stages/stages.cuh"
#include "codecs/baselines.cuh"

#include "shared/bits.h"
#include "shared/checksum.h"
#include "shared/sparse_dithering.h"
#include "shared/spherical.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

/* ------------------------------------------------------------ identity */

__global__ void __launch_bounds__(kThreads)
    identity_body(const float *x, uint64_t n, int check, uint8_t *dst, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  uint8_t *body = dst + 64;
  bool vec = ((uintptr_t)x & 15u) == 0 && ((uintptr_t)body & 15u) == 0;
  bool bad = false;
  uint64_t groups = (n + 3) / 4, stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t g = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += stride) {
    uint64_t i = 4 * g;
    if (vec && i + 4 <= n) {
      float4 v = *reinterpret_cast<const float4 *>(x + i);
      bad |= !gcomp_dev_finite(v.x) || !gcomp_dev_finite(v.y) || !gcomp_dev_finite(v.z) ||
             !gcomp_dev_finite(v.w);
      *reinterpret_cast<uint4 *>(body + 4 * i) =
          make_uint4(gcomp_f2u(v.x), gcomp_f2u(v.y), gcomp_f2u(v.z), gcomp_f2u(v.w));
    } else {
      for (uint64_t k = i; k < n && k < i + 4; k++) {
        bad |= !gcomp_dev_finite(x[k]);
        gcomp_dev_st_u32(body + 4 * k, gcomp_f2u(x[k]));
      }
    }
  }
  if (check && bad) gcomp_dev_fail(call, gcompNonFiniteInput);
}

/* After the body, so a NaN input leaves no header behind. */
__global__ void identity_header(uint8_t *dst, size_t cap, gcomp_dev_header h, uint64_t n,
                                gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  gcomp_dev_put_header(dst, cap, h, 4 * n, call);
}

__device__ void put(float *out, uint64_t i, float v, int to_dst, float beta) {
  out[i] = !to_dst || beta == 0.0f ? v : v + beta * out[i];
}

__global__ void __launch_bounds__(kThreads)
    identity_read(const uint8_t *src, uint64_t n, float *out, int to_dst, float beta,
                  gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  const uint8_t *body = src + 64;
  bool vec = ((uintptr_t)body & 15u) == 0;
  bool bad = false;
  uint64_t groups = (n + 3) / 4, stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t g = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += stride) {
    uint64_t i = 4 * g;
    float v[4];
    uint32_t m = n - i < 4 ? (uint32_t)(n - i) : 4;
    if (vec && m == 4) {
      uint4 u = *reinterpret_cast<const uint4 *>(body + 4 * i);
      v[0] = gcomp_u2f(u.x), v[1] = gcomp_u2f(u.y), v[2] = gcomp_u2f(u.z), v[3] = gcomp_u2f(u.w);
    } else {
      for (uint32_t k = 0; k < m; k++) v[k] = gcomp_u2f(gcomp_dev_ld_u32(body + 4 * (i + k)));
    }
    for (uint32_t k = 0; k < m; k++) {
      /* No encoder writes NaN or Inf (identity.c's gcomp_direct_read). */
      if (!gcomp_dev_finite(v[k])) {
        bad = true;
        continue;
      }
      put(out, i + k, v[k], to_dst, beta);
    }
  }
  if (bad) gcomp_dev_fail(call, gcompCorruptPayload);
}

/* ------------------------------------------------------------ checksum */

__global__ void __launch_bounds__(kThreads) checksum(const uint8_t *p, gcomp_dev_call *call) {
  if (gcomp_dev_failed(call)) return;
  uint64_t total = call->total, words = (total + 7) / 8;
  bool aligned = ((uintptr_t)p & 7u) == 0;
  uint64_t acc = 0, stride = (uint64_t)gridDim.x * blockDim.x;
  for (uint64_t j = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; j < words; j += stride) {
    uint64_t w = 0;
    if (j == 56 / 8) {
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
  if (status == 0) gcomp_dev_st_u64(dst + 56, call->checksum);
  *dst_size = status == 0 ? call->total : 0;
  merge_status(head, status);
}

__global__ void finish_decode(gcomp_dev_head *head, gcomp_dev_call *call) {
  merge_status(head, call->status);
}

/* --------------------------------------------------------- header checks */

struct hdr_job {
  const uint8_t *src;
  const uint64_t *src_size;
  size_t cap;
  gcomp_dev_expect e;
  gcomp_dev_call *call;
};

/* host/wire.c's gcomp_header_read up to the checksum, same order, same
 * codes (check_params comes in verify, once the codec is known to match). */
__device__ gcompResult_t header_framing(const hdr_job &j) {
  uint64_t size = *j.src_size;
  const uint8_t *p = j.src;
  if (size > j.cap || size < 64) return gcompCorruptPayload;
  if (p[0] != 'G' || p[1] != 'C' || p[2] != 'M' || p[3] != 'P') return gcompCorruptPayload;
  if (p[4] == 0) return gcompCorruptPayload;
  if (p[4] > GCOMP_FORMAT_VERSION) return gcompUnsupportedPayload;
  if (p[5] != 64) return gcompCorruptPayload;
  if (p[6] >= 32 || !((j.e.known_methods >> p[6]) & 1u)) return gcompUnsupportedPayload;
  if (p[7] == gcompPackAuto || p[7] >= gcompNumPackings) return gcompCorruptPayload;
  if (p[8] > 1) return gcompCorruptPayload;
  for (int k = 9; k < 16; k++)
    if (p[k] != 0) return gcompCorruptPayload;
  uint64_t d = gcomp_dev_ld_u64(p + 16);
  if (d == 0 || d > GCOMP_MAX_DIM) return gcompCorruptPayload;
  uint64_t bits = gcomp_dev_ld_u64(p + 32), avail = size - 64;
  if (bits > avail * 8) return gcompCorruptPayload;
  uint64_t body_bytes = (bits + 7) / 8;
  if (body_bytes != avail) return gcompCorruptPayload;
  if (bits % 8 && (p[64 + body_bytes - 1] >> (bits % 8))) return gcompCorruptPayload;
  j.call->total = size;
  j.call->body_bits = bits;
  j.call->seed = gcomp_dev_ld_u64(p + 24);
  j.call->param = gcomp_u2d(gcomp_dev_ld_u64(p + 40));
  j.call->stored = gcomp_dev_ld_u64(p + 56);
  return gcompSuccess;
}

__global__ void read_header(hdr_job j) {
  if (gcomp_dev_failed(j.call)) return;
  gcompResult_t r = header_framing(j);
  if (r != gcompSuccess) gcomp_dev_fail(j.call, r);
}

/* The header_ok of identity.c and sparse_dithering.c. */
__device__ bool header_ok(int method, double param, uint64_t iparam) {
  if (gcomp_dev_bl_family_of(method) != GCOMP_DEV_BL_NONE)
    return gcomp_dev_bl_header_ok(method, param, iparam);
  if (method == gcompSpherical) /* spherical.c's header_ok */
    return param > 0.0 && param < 1.0 && gcomp_sc_alpha_s(param) > 0 && iparam >= 1 &&
           iparam <= 64;
  if (method == gcompRandK || method == gcompTopK) /* k <= n: their decoders */
    return gcomp_is_plus_zero(param) && iparam >= 1;
  if (iparam != 0) return false;
  if (method == gcompIdentity) return gcomp_is_plus_zero(param);
  if (method == gcompSparseDithering) return param > 0.0 && param < 1.0;
  return param > 0.0 && param <= 1e6;
}

/* level_stream.c's decode up to the chunks: K, gamma, framing (sd and the
 * level codecs of device_baselines.cuh). */
__device__ gcompResult_t sd_framing(const hdr_job &j) {
  gcomp_dev_call *call = j.call;
  int m = j.e.method;
  uint32_t K = m == gcompSparseDithering || m == gcompSparseDitheringUnbiased
                   ? gcomp_sd_level_limit(call->param, j.e.n, m == gcompSparseDitheringUnbiased)
                   : gcomp_dev_bl_limit(m, gcomp_dev_ld_u64(j.src + 48));
  if (K == 0) return gcompCorruptPayload;
  uint64_t bits = call->body_bits;
  if (bits < 31) return gcompCorruptPayload;
  uint32_t word = gcomp_dev_ld_u32(j.src + 64); /* ceil(31 / 8) = 4 bytes are there */
  uint32_t u = word & 0x7fffffffu, exp = u >> 23;
  if (u != 0 && (exp == 0 || exp == 255)) return gcompCorruptPayload;
  /* FORMAT.md: a zero gamma ends the body after 32 bits, the 32nd zero. */
  if (u == 0 && (bits != 32 || (word >> 31))) return gcompCorruptPayload;
  if (u != 0) {
    if (bits % 8 || (word >> 31)) return gcompCorruptPayload;
    if (j.e.chunks > (bits / 8 - 4) / 4) return gcompCorruptPayload; /* the table */
  }
  call->gamma = gcomp_u2f(u);
  call->K = K;
  return gcompSuccess;
}

__device__ gcompResult_t verify_payload(const hdr_job &j) {
  const uint8_t *p = j.src;
  if (j.call->checksum != j.call->stored) return gcompCorruptPayload;
  /* A sound payload of another codec, packing or size than the call names:
   * the ranks of a collective disagree. */
  if (p[6] != j.e.method) return gcompInvalidUsage;
  if (!((j.e.packings >> p[7]) & 1u)) return gcompCorruptPayload;
  if (!header_ok(p[6], j.call->param, gcomp_dev_ld_u64(p + 48))) return gcompCorruptPayload;
  if ((j.e.packing >= 0 && p[7] != j.e.packing) || p[8] != j.e.rotate || gcomp_dev_ld_u64(p + 16) != j.e.d)
    return gcompInvalidUsage;
  if (j.e.method == gcompIdentity)
    return j.call->body_bits == 32 * j.e.n ? gcompSuccess : gcompCorruptPayload;
  if (j.e.method == gcompSpherical) return gcompSuccess; /* its body: gcomp_dev_sc_decode */
  if (j.e.method == gcompRandK) return gcompSuccess;     /* gcomp_dev_randk_decode */
  if (j.e.method == gcompTopK) return gcompSuccess;      /* gcomp_dev_topk_decode */
  gcomp_dev_bl_family fam = gcomp_dev_bl_family_of(j.e.method);
  if (fam != GCOMP_DEV_BL_NONE && fam != GCOMP_DEV_BL_LEVELS)
    return gcomp_dev_bl_framing(p, j.e.method, j.e.n, j.e.chunks, j.call);
  return sd_framing(j);
}

__global__ void verify(hdr_job j) {
  if (gcomp_dev_failed(j.call)) return;
  gcompResult_t r = verify_payload(j);
  if (r != gcompSuccess) gcomp_dev_fail(j.call, r);
}

unsigned grid_for_words(uint64_t bytes) {
  return gcomp_dev_blocks((bytes + 7) / 8, 8 * (uint64_t)kThreads, 2048);
}

}  // namespace

gcompResult_t gcomp_dev_identity_encode(const float *x, uint64_t n, int check_finite,
                                        uint8_t *dst, size_t cap,
                                        const gcomp_dev_header *h,
                                        gcomp_dev_call *call, cudaStream_t s) {
  identity_body<<<gcomp_dev_blocks((n + 3) / 4, kThreads, 8192), kThreads, 0, s>>>(
      x, n, check_finite, dst, call);
  GCOMP_LAUNCHED();
  identity_header<<<1, 1, 0, s>>>(dst, cap, *h, n, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_identity_decode(const uint8_t *src, uint64_t n, float *out,
                                        int to_dst, float beta, gcomp_dev_call *call,
                                        cudaStream_t s) {
  identity_read<<<gcomp_dev_blocks((n + 3) / 4, kThreads, 8192), kThreads, 0, s>>>(
      src, n, out, to_dst, beta, call);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

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
  hdr_job j = {src, src_size, src_cap, *e, call};
  read_header<<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}

gcompResult_t gcomp_dev_verify(const uint8_t *src, const gcomp_dev_expect *e,
                               gcomp_dev_call *call, cudaStream_t s) {
  hdr_job j = {src, nullptr, 0, *e, call};
  verify<<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}
