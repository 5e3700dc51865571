/* Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel Random Numbers: As
 * Easy as 1, 2, 3", SC11), the one source of randomness in gcomp. It is a
 * pure function of (counter, key), so any element's random bits can be
 * computed anywhere without carrying generator state: the CPU reference and
 * the CUDA kernels draw the same bits for the same (seed, stream, draw). */
#ifndef GCOMP_SHARED_PHILOX_H
#define GCOMP_SHARED_PHILOX_H

#include "gcomp_hd.h"

typedef struct {
  uint32_t v[4];
} gcomp_u32x4;

/* Domains for the `stream` argument of gcomp_philox: each use of a seed adds
 * its own index (< 2^48) to one of these, so two uses never read the same
 * counter and their draws stay independent. */
#define GCOMP_STREAM_ROTATION ((uint64_t)1 << 48)
#define GCOMP_STREAM_ROUNDING ((uint64_t)2 << 48)
#define GCOMP_STREAM_SPHERICAL ((uint64_t)3 << 48)
#define GCOMP_STREAM_SELECTION ((uint64_t)4 << 48)

#define GCOMP_PHILOX_M0 0xD2511F53u
#define GCOMP_PHILOX_M1 0xCD9E8D57u
#define GCOMP_PHILOX_W0 0x9E3779B9u
#define GCOMP_PHILOX_W1 0xBB67AE85u

GCOMP_HD_INLINE uint32_t gcomp_philox_mulhi(uint32_t a, uint32_t b) {
#if defined(__CUDA_ARCH__)
  return __umulhi(a, b);
#else
  return (uint32_t)(((uint64_t)a * (uint64_t)b) >> 32);
#endif
}

GCOMP_HD_INLINE gcomp_u32x4 gcomp_philox_round(gcomp_u32x4 c, uint32_t k0,
                                               uint32_t k1) {
  gcomp_u32x4 out;
  uint32_t hi0 = gcomp_philox_mulhi(GCOMP_PHILOX_M0, c.v[0]);
  uint32_t lo0 = GCOMP_PHILOX_M0 * c.v[0];
  uint32_t hi1 = gcomp_philox_mulhi(GCOMP_PHILOX_M1, c.v[2]);
  uint32_t lo1 = GCOMP_PHILOX_M1 * c.v[2];
  out.v[0] = hi1 ^ c.v[1] ^ k0;
  out.v[1] = lo1;
  out.v[2] = hi0 ^ c.v[3] ^ k1;
  out.v[3] = lo0;
  return out;
}

/* The key is bumped between rounds, not before the first one: that is the
 * schedule the published known-answer vectors (and cuRAND) use. */
GCOMP_HD_INLINE gcomp_u32x4 gcomp_philox4x32_10(gcomp_u32x4 ctr, uint32_t key0,
                                                uint32_t key1) {
  int i;
  ctr = gcomp_philox_round(ctr, key0, key1);
  for (i = 1; i < 10; ++i) {
    key0 += GCOMP_PHILOX_W0;
    key1 += GCOMP_PHILOX_W1;
    ctr = gcomp_philox_round(ctr, key0, key1);
  }
  return ctr;
}

/* Block `draw` of subsequence `stream` under `seed`:
 *   key     = (seed low 32, seed high 32)
 *   counter = (draw low 32, draw high 32, stream low 32, stream high 32)
 *
 * This is, bit for bit, what cuRAND returns from
 *   curandStatePhilox4_32_10_t s;
 *   curand_init(seed, stream, 4 * draw, &s);
 *   uint4 r = curand4(&s);     (r.x, r.y, r.z, r.w) = v[0..3]
 * for every draw < 2^62 (4 * draw must fit the 64-bit offset). Read from
 * curand_kernel.h / curand_philox4x32_x.h (CUDA 13.0): curand_init zeroes
 * the counter, sets key = (seed, seed >> 32) and STATE = 0; skipahead_sequence
 * adds `stream` to counter words z, w; skipahead(4 * draw) leaves STATE at 0
 * and adds draw to counter words x, y (no carry out of a zero counter) and
 * computes the block; curand4 with STATE 0 returns exactly that block (and
 * each further curand4 on that state returns draw + 1, draw + 2, ...).
 * Matching cuRAND lets a kernel use curand4 directly if it ever wants to,
 * and gives the GPU parity test an independent implementation to check. */
GCOMP_HD_INLINE gcomp_u32x4 gcomp_philox(uint64_t seed, uint64_t stream,
                                         uint64_t draw) {
  gcomp_u32x4 ctr;
  ctr.v[0] = (uint32_t)draw;
  ctr.v[1] = (uint32_t)(draw >> 32);
  ctr.v[2] = (uint32_t)stream;
  ctr.v[3] = (uint32_t)(stream >> 32);
  return gcomp_philox4x32_10(ctr, (uint32_t)seed, (uint32_t)(seed >> 32));
}

/* Top 24 bits only: a float holds 24 significant bits, so every result is
 * exact and the grid is uniform, and 1.0 is never produced. */
GCOMP_HD_INLINE float gcomp_u32_to_unit(uint32_t r) {
  return (float)(int32_t)(r >> 8) * 0x1p-24f; /* signed: one instruction in vector loops */
}

#endif
