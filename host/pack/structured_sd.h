/* The structured code of PAPER.md section 3 for signed level streams: where
 * the zeros are (enumerative), one sign bit per nonzero, and each level k in
 * truncated unary. Its length is bounded by the paper's formula on every
 * input, which an entropy coder cannot promise on short vectors. */
#ifndef GCOMP_HOST_SD_STRUCTURED_H
#define GCOMP_HOST_SD_STRUCTURED_H

#include "shared/bitio.h"
#include "gcomp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Coordinates are grouped in blocks of 64 for the zero mask; a vector of at
 * most 64 coordinates is one block whose zero count needs no own field
 * beyond the global one. */
#define GCOMP_MASK_BLOCK 64u

/* at_least_one: the encoder guarantees a nonzero level (deterministic SD of
 * a nonzero vector), which removes one value from the zero count's range.
 * The bits are gcomp_bw_put's, written 8 bytes at a time: bytes past the
 * last bit, within the writer's capacity, may be zeroed. */
gcompResult_t gcomp_structured_write(gcomp_bitwriter *w, const int32_t *v,
                                     uint64_t n, uint32_t K, int at_least_one);

gcompResult_t gcomp_structured_read(gcomp_bitreader *r, int32_t *v, uint64_t n,
                                    uint32_t K, int at_least_one);

/* Exact length in bits gcomp_structured_write would produce. */
uint64_t gcomp_structured_bits(const int32_t *v, uint64_t n, uint32_t K,
                               int at_least_one);

/* The same from the zigzag symbols of the levels. */
uint64_t gcomp_structured_bits_zigzag(const uint32_t *z, uint64_t n, uint32_t K,
                                      int at_least_one);

/* Bounds on the bits the zigzag symbols z[0, len) of n add to the code,
 * added to *lo and *hi, for a part of the vector that starts at a multiple
 * of GCOMP_MASK_BLOCK: exact but for each block's zero index,
 * floor(log2 C(L, zeros)) bits or one more. */
void gcomp_structured_span_zigzag(const uint32_t *z, uint32_t len, uint64_t n, uint32_t K,
                                  int at_least_one, uint64_t *lo, uint64_t *hi);

/* Truncated binary code of value < count (count >= 1): floor(log2 count) or
 * one more bit, no value wasted. */
void gcomp_tb_put(gcomp_bitwriter *w, uint64_t value, uint64_t count);
uint64_t gcomp_tb_get(gcomp_bitreader *r, uint64_t count);
unsigned gcomp_tb_len(uint64_t value, uint64_t count);

#ifdef __cplusplus
}
#endif

#endif
