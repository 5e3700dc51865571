#include "stages/philox_batch.h"

#include "core/hot.h"
#include "shared/philox.h"

/* Four draws per 256-bit vector, one 64-bit lane each: a counter word
 * stays below 2^32, so the lane's 64-bit product is the exact 32 x 32 ->
 * 64 multiply Philox needs (vpmuludq with AVX2), its high half the mulhi. */
typedef uint64_t gcomp_v4u64 __attribute__((vector_size(32)));

#define GROUPS (GCOMP_PHILOX_BATCH / 4)

GCOMP_HOT void gcomp_philox_batch(uint64_t seed, uint64_t stream, uint64_t first,
                                  uint32_t count, uint32_t *out) {
  const gcomp_v4u64 low32 = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
  const gcomp_v4u64 m0 = {GCOMP_PHILOX_M0, GCOMP_PHILOX_M0, GCOMP_PHILOX_M0, GCOMP_PHILOX_M0};
  const gcomp_v4u64 m1 = {GCOMP_PHILOX_M1, GCOMP_PHILOX_M1, GCOMP_PHILOX_M1, GCOMP_PHILOX_M1};
  gcomp_v4u64 a[GROUPS], b[GROUPS], c[GROUPS], d[GROUPS];
  for (uint32_t g = 0; g < GROUPS; g++) {
    for (int l = 0; l < 4; l++) {
      uint64_t draw = first + 4 * g + (uint32_t)l;
      a[g][l] = (uint32_t)draw;
      b[g][l] = (uint32_t)(draw >> 32);
      c[g][l] = (uint32_t)stream;
      d[g][l] = (uint32_t)(stream >> 32);
    }
  }
  uint64_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int round = 0; round < 10; round++) {
    for (uint32_t g = 0; g < GROUPS; g++) {
      gcomp_v4u64 p0 = a[g] * m0, p1 = c[g] * m1;
      gcomp_v4u64 na = (p1 >> 32) ^ b[g] ^ k0, nc = (p0 >> 32) ^ d[g] ^ k1;
      b[g] = p1 & low32;
      d[g] = p0 & low32;
      a[g] = na;
      c[g] = nc;
    }
    k0 = (uint32_t)(k0 + GCOMP_PHILOX_W0);
    k1 = (uint32_t)(k1 + GCOMP_PHILOX_W1);
  }
  for (uint32_t j = 0; j < count && j < GCOMP_PHILOX_BATCH; j++) {
    uint32_t g = j / 4, l = j % 4;
    out[4 * j] = (uint32_t)a[g][l];
    out[4 * j + 1] = (uint32_t)b[g][l];
    out[4 * j + 2] = (uint32_t)c[g][l];
    out[4 * j + 3] = (uint32_t)d[g][l];
  }
}
