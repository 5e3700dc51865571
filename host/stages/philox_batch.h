/* Many Philox draws at once on the CPU: the same bits as gcomp_philox
 * (host/shared/philox.h), computed lane-parallel with AVX2 where the CPU has
 * it (one draw at a time otherwise). The randomized codecs' encoders call
 * it once per 64 coordinates instead of one draw per 4. */
#ifndef GCOMP_HOST_PHILOX_BATCH_H
#define GCOMP_HOST_PHILOX_BATCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GCOMP_PHILOX_BATCH 16u /* draws a call: 64 words */

/* out[4 j + w] = word w of draw first + j on `stream`, for j < count
 * (count <= GCOMP_PHILOX_BATCH). */
void gcomp_philox_batch(uint64_t seed, uint64_t stream, uint64_t first, uint32_t count,
                        uint32_t *out);

/* out[w * stride + j] = word w of draw draw[j] on `stream`, for j < count
 * <= GCOMP_PHILOX_BATCH: any draws, word by word, for callers that
 * vectorize across draws. draw holds GCOMP_PHILOX_BATCH entries (those from
 * count on are read, not used); out's entries from count on are set too,
 * to unspecified values. */
void gcomp_philox_lanes(uint64_t seed, uint64_t stream, const uint64_t *draw, uint32_t count,
                        uint32_t *out, size_t stride);

#ifdef __cplusplus
}
#endif

#endif
