/* The stages every codec may use (stages/norm.cu, stages/rotate.cu). Every
 * function only enqueues kernels on `s`, checks each launch, and returns
 * gcompSuccess or gcompSystemError; what the kernels find in the data goes
 * to call->status (core/common.cuh). */
#ifndef GCOMP_KERNELS_STAGES_STAGES_CUH
#define GCOMP_KERNELS_STAGES_STAGES_CUH

#include "core/common.cuh"

/* ------------------------------------------------------- stages/norm.cu */

/* call->sumsq = sum of squares of x[0..len) in the order of shared/norm.h.
 * a holds ceil(len / 4096) doubles, b a 256th of that (rounded up). */
gcompResult_t gcomp_dev_sumsq(const float *x, uint64_t len, double *a, double *b,
                              gcomp_dev_call *call, cudaStream_t s);

/* call->sumabs = sum of |x_i| in the same order (scaled sign). */
gcompResult_t gcomp_dev_sumabs(const float *x, uint64_t len, double *a, double *b,
                               gcomp_dev_call *call, cudaStream_t s);

/* call->absmax = max gcomp_abs_bits(x_i): an integer maximum, exact in any
 * order (TernGrad, natural compression, fp16, bf16). */
gcompResult_t gcomp_dev_absmax(const float *x, uint64_t n, gcomp_dev_call *call,
                               cudaStream_t s);

/* pipeline.c's check_rotatable on call->sumsq: NaN/Inf, or |x| > 2^100. */
gcompResult_t gcomp_dev_check_rotatable(gcomp_dev_call *call, cudaStream_t s);

/* ----------------------------------------------------- stages/rotate.cu */

/* y[0..n) = H D x / sqrt(n), x[0..d) zero-padded: host/stages/rotate.c's
 * order. */
gcompResult_t gcomp_dev_rotate_forward(const float *x, uint64_t d, uint64_t n,
                                       uint64_t seed, float *y, gcomp_dev_call *call,
                                       cudaStream_t s);

/* Inverse of y[0..n) in place (seed from call->seed), then for i < d:
 * dst[i] = v, or v + beta * dst[i] when beta != 0. */
gcompResult_t gcomp_dev_rotate_inverse(float *y, uint64_t n, float *dst, uint64_t d,
                                       float beta, gcomp_dev_call *call, cudaStream_t s);

#endif
