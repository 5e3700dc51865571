/* The entropy section (docs/FORMAT-rans.md) on the device: what the section
 * codecs (codecs/levels.cuh) call, and the layout of the workspace region
 * encode and decode share. Encode: pack/rans_encode.cu; decode:
 * pack/rans_decode.cu. */
#ifndef GCOMP_KERNELS_PACK_RANS_CUH
#define GCOMP_KERNELS_PACK_RANS_CUH

#include "pack/section.cuh"

#include "shared/rans.h"
#include "shared/rans_table.h"

/* Chunk scratch of the encoder: the per-step worst case (7 bytes a
 * symbol, state included) rather than GCOMP_RANS_CHUNK_BOUND, so a chunk
 * that broke the entropy argument would be caught by the bound check
 * before it could write into its neighbour (host/pack/entropy.c's
 * SCRATCH_BYTES). A multiple of 4. */
#define GCOMP_DEV_RANS_SCRATCH (7u * GCOMP_RANS_CHUNK + 4u)

/* The table stage's state, at the start of the region; the encoder's
 * chunk scratch follows at GCOMP_DEV_RANS_STATE_BYTES. */
struct gcomp_dev_rans_state {
  unsigned long long hist[GCOMP_RANS_MAX_ALPHABET]; /* letter counts */
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET];
  gcomp_rans_esym es[GCOMP_RANS_MAX_ALPHABET];
  uint8_t table[GCOMP_RANS_TABLE_MAX_BYTES + 3]; /* byte A - 1 and the codes */
  uint32_t alphabet, table_bytes, zmax;
};
#define GCOMP_DEV_RANS_STATE_BYTES ((sizeof(gcomp_dev_rans_state) + 255) / 256 * 256)

/* Bytes of the region for n coded values. */
gcompResult_t gcomp_dev_rans_bytes(uint64_t n, size_t *bytes);

/* An entropy-packed body of symbols S and the header, as
 * gcomp_dev_encode_fixed (scale and K in call; nothing written if the
 * payload would pass dst + cap). f: the section's chunk sizes, offsets and
 * scan storage (rANS chunks are 4096 symbols too). */
template <class S>
gcompResult_t gcomp_dev_encode_rans(const float *x, uint64_t seed, const gcomp_dev_fixed *f,
                                    void *region, uint8_t *dst, size_t cap,
                                    const gcomp_dev_header *h, gcomp_dev_call *call,
                                    cudaStream_t s);

/* A verified entropy-packed body into out[0..n), as gcomp_dev_decode_fixed;
 * every reject rule of docs/FORMAT-rans.md gives gcompCorruptPayload. */
template <class S>
gcompResult_t gcomp_dev_decode_rans(const uint8_t *src, const gcomp_dev_fixed *f, void *region,
                                    float *out, int to_dst, float beta, gcomp_dev_call *call,
                                    cudaStream_t s);

#endif
