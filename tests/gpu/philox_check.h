/* GPU parity probe for the shared Philox and det_math code: runs them on the
 * device next to cuRAND so a test can demand bit-identical results. It is a
 * test hook, not part of the public API. */
#ifndef GCOMP_KERNELS_PHILOX_CHECK_H
#define GCOMP_KERNELS_PHILOX_CHECK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GCOMP_PHILOX_CHECK_OK 0
/* Positive, not an error: callers skip rather than fail on a machine
 * without a usable CUDA device (no GPU, or no driver). */
#define GCOMP_PHILOX_CHECK_NO_DEVICE 1
#define GCOMP_PHILOX_CHECK_BAD_ARGS (-1)
#define GCOMP_PHILOX_CHECK_CUDA_ERROR (-2)

/* For i in [0, n), with draw = first_draw + i, fills
 *   ours[4i..4i+3]       = gcomp_philox(seed, stream, draw), run on the device
 *   curand_out[4i..4i+3] = curand4 after curand_init(seed, stream, 4 * draw)
 *   normals[4i..4i+3]    = gcomp_normals4 of ours, run on the device
 * Each array holds 4 * n elements. first_draw + n must not exceed 2^62: past
 * that, 4 * draw no longer fits cuRAND's 64-bit offset. Returns one of the
 * codes above; CUDA errors are reported, never fatal. */
int gcomp_cuda_philox_check(uint64_t seed, uint64_t stream, uint64_t first_draw,
                            uint32_t n, uint32_t *ours, uint32_t *curand_out,
                            float *normals);

#ifdef __cplusplus
}
#endif

#endif
