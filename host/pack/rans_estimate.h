/* The length of a rANS section (docs/FORMAT-rans.md) from its letter counts
 * alone, within proven bounds: what packing auto needs to skip encoding
 * the back ends it does not pick (docs/DECISIONS.md, "Auto"). */
#ifndef GCOMP_HOST_RANS_ESTIMATE_H
#define GCOMP_HOST_RANS_ESTIMATE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Escapes have 32 lengths nb = floor(log2(v - 254)), 0..31. */
#define GCOMP_RANS_ESCAPE_LENGTHS 32u

/* nb of an escaped symbol v >= 255. */
static inline unsigned gcomp_rans_escape_length(uint32_t v) {
  return 31u - (unsigned)__builtin_clz(v - 254u);
}

/* Bytes of the section gcomp_rans_encode writes for n symbols whose
 * letters have counts cnt[0..256) and whose escapes have lengths counted in
 * esc[0..32): *lo <= bytes <= *hi. */
void gcomp_rans_size_span(const uint64_t *cnt, const uint64_t *esc, uint64_t n, uint64_t *lo,
                          uint64_t *hi);

/* Most bytes any chunk of m symbols takes under the frequencies
 * freq[0..A) (the format's worst case when that is smaller). */
uint64_t gcomp_rans_chunk_bound_for(const uint32_t *freq, unsigned A, uint32_t m);

#ifdef __cplusplus
}
#endif

#endif
