/* The structured Spherical Compression body, written in parallel: every
 * block knows its bit offset from the scan, so one thread a block ORs its
 * norm code and Rice code into place with pack/bitpack.cuh's writer
 * (32-bit atomics; the body's edge words staged in the state, so nothing
 * outside the payload is touched), after a pass that zeroes the body. */
#include "pack/bitpack.cuh"
#include "codecs/spherical.cuh"

#include "shared/bits.h"

namespace {

constexpr uint32_t kThreads = GCOMP_DEV_THREADS;

struct pack_job {
  gcomp_sc_region r;
  uint64_t nb;
  uint8_t *dst;
  gcomp_dev_call *call;
};

__device__ gcomp_dev_words words_of(const pack_job &j) {
  return gcomp_dev_words_of(j.dst + 64, j.call->body_bits, j.r.st->edge);
}

__device__ bool structured(const pack_job &j) {
  return !gcomp_dev_failed(j.call) && j.r.st->packing == gcompPackStructured;
}

__global__ void __launch_bounds__(kThreads) sc_clear(pack_job j) {
  if (!structured(j)) return;
  gcomp_dev_clear_words(words_of(j), (uint64_t)blockIdx.x * blockDim.x + threadIdx.x,
                        (uint64_t)gridDim.x * blockDim.x);
}

__global__ void __launch_bounds__(kThreads) sc_pack(pack_job j) {
  if (!structured(j)) return;
  gcomp_dev_words w = words_of(j);
  const gcomp_sc_state *st = j.r.st;
  unsigned k = st->k;
  uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
  uint64_t first = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (first == 0) {
    gcomp_dev_put_bits(w, 0, gcomp_f2u(st->R), GCOMP_SC_R_BITS);
    if (st->R != 0.0f) gcomp_dev_put_bits(w, GCOMP_SC_R_BITS, k, GCOMP_SC_K_BITS);
  }
  if (st->R == 0.0f) return; /* the body is R alone */
  for (uint64_t b = first; b < j.nb; b += stride) {
    uint64_t word = j.r.words[b], pos = GCOMP_SC_HEAD_BITS + j.r.offsets[b];
    unsigned code = (unsigned)(word & 255u);
    gcomp_dev_put_bits(w, pos, code, GCOMP_SC_CODE_BITS);
    if (code == 0) continue;
    gcomp_dev_put_rice(w, pos + GCOMP_SC_CODE_BITS, word >> 8, k); /* T - 1 */
  }
}

/* The staged edge words' body bytes, one store each. */
__global__ void sc_edges(pack_job j) {
  if (!structured(j)) return;
  gcomp_dev_store_edges(words_of(j), j.dst + 64);
}

}  // namespace

gcompResult_t gcomp_sc_pack_structured(const gcomp_sc_region *r, uint64_t nb, uint8_t *dst,
                                       gcomp_dev_call *call, cudaStream_t s) {
  pack_job j = {*r, nb, dst, call};
  /* The body is at most 37 bytes a block plus 5: a word per thread. */
  sc_clear<<<gcomp_dev_blocks(10 * nb + 2, kThreads, 8192), kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  sc_pack<<<gcomp_dev_blocks(nb, kThreads, 8192), kThreads, 0, s>>>(j);
  GCOMP_LAUNCHED();
  sc_edges<<<1, 1, 0, s>>>(j);
  GCOMP_LAUNCHED();
  return gcompSuccess;
}
