/* Marks per-element math that the CPU reference and the CUDA kernels share.
 * Headers under host/shared/ are plain C that also compiles as CUDA C++:
 * no compound literals, no `restrict`, no C-only initializers, no libm
 * calls in anything that decides a symbol (see STYLE.md: parity). */
#ifndef GCOMP_SHARED_HD_H
#define GCOMP_SHARED_HD_H

#include <stdint.h>

#if defined(__CUDACC__)
#define GCOMP_HD __host__ __device__
#else
#define GCOMP_HD
#endif

#define GCOMP_HD_INLINE static inline GCOMP_HD

#endif
