#ifndef GCOMP_HOST_ROTATE_H
#define GCOMP_HOST_ROTATE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y[0..n) = rotation of x[0..d) zero-padded to n (a power of two >= d). */
void gcomp_rotate_forward(const float *x, uint64_t d, uint64_t n, uint64_t seed,
                          float *y);

/* In place: y[0..n) back to the original coordinates (the first d matter). */
void gcomp_rotate_inverse(float *y, uint64_t n, uint64_t seed);

#ifdef __cplusplus
}
#endif

#endif
