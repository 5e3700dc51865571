/* GCOMP_HOT marks the few loops that decide CPU throughput: on x86-64 they
 * get an AVX2 clone chosen at load time (glibc ifunc) besides the baseline
 * SSE2 one. Both compute the same bits: the same IEEE operations in the same
 * per-element order (no FMA: -ffp-contract=off), integer work exact.
 *
 * gcc only. Clang (14 at least) names the resolver of an external clone
 * "f.ifunc" and never defines f itself, so calls from other files do not
 * link; under clang every function is a single baseline build. */
#ifndef GCOMP_HOST_HOT_H
#define GCOMP_HOST_HOT_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    defined(__linux__) && !defined(GCOMP_NO_CLONES)
#define GCOMP_HOT __attribute__((target_clones("avx2", "default")))
#else
#define GCOMP_HOT
#endif

#endif
