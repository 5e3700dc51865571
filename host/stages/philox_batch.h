/* Many Philox draws at once on the CPU: the same bits as gcomp_philox
 * (host/shared/philox.h), computed lane-parallel so the compiler turns the
 * ten rounds into vector multiplies. The randomized codecs' encoders call
 * it once per 64 coordinates instead of one draw per 4. */
#ifndef GCOMP_HOST_PHILOX_BATCH_H
#define GCOMP_HOST_PHILOX_BATCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GCOMP_PHILOX_BATCH 16u /* draws a call: 64 words */

/* out[4 j + w] = word w of draw first + j on `stream`, for j < count
 * (count <= GCOMP_PHILOX_BATCH). */
void gcomp_philox_batch(uint64_t seed, uint64_t stream, uint64_t first, uint32_t count,
                        uint32_t *out);

#ifdef __cplusplus
}
#endif

#endif
