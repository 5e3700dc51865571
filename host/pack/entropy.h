/* rANS section: n unsigned 32-bit symbols entropy coded with one static
 * frequency table and independent chunks of 4096 symbols
 * (docs/FORMAT-rans.md). n is not stored: the caller carries it. */
#ifndef GCOMP_HOST_RANS_STREAM_H
#define GCOMP_HOST_RANS_STREAM_H

#include "gcomp.h"
#include "pack/rans_chunk.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most bytes gcomp_rans_encode writes for n symbols, whatever their values.
 * 0 when n is 0, above GCOMP_MAX_DIM, or the bound does not fit a size_t. */
size_t gcomp_rans_bound(uint64_t n);

/* Encodes sym[0..n) into dst. gcompInvalidArgument for n = 0 or NULL
 * pointers, gcompSizeOverflow for n > GCOMP_MAX_DIM, gcompDstTooSmall when
 * cap is short (cap >= gcomp_rans_bound(n) always suffices),
 * gcompOutOfMemory if the chunk scratch cannot be allocated. On failure
 * *written is 0 and dst holds garbage. */
gcompResult_t gcomp_rans_encode(const uint32_t *sym, uint64_t n, uint8_t *dst,
                                size_t cap, size_t *written);

/* Decodes exactly n symbols from the section at the start of src[0..size),
 * and sets *consumed to the section's length; whatever follows it is left
 * for the caller to judge. Any malformed section gives gcompCorruptPayload
 * with a detail; then sym[0..n) is unspecified and *consumed is 0. Reads
 * nothing outside src[0..size) and writes nothing outside sym[0..n). */
gcompResult_t gcomp_rans_decode(const uint8_t *src, size_t size, uint32_t *sym,
                                uint64_t n, size_t *consumed);

/* Decoding GCOMP_RANS_LANES chunks at a time, for callers that consume
 * symbols while they are in cache (decode and dequantize in one pass). */
typedef struct {
  gcomp_rans_dec_table t;
  const uint8_t *src;
  size_t size, pos, lens; /* pos: the next chunk's offset; lens: the length table's */
  uint64_t n, chunks, next;
} gcomp_rans_reader;

/* Reads the table and checks that the length table fits in size; the same
 * refusals as gcomp_rans_decode (whose arguments the caller has checked). */
gcompResult_t gcomp_rans_reader_init(gcomp_rans_reader *r, const uint8_t *src, size_t size,
                                     uint64_t n);
/* Decodes chunks r->next .. (up to GCOMP_RANS_LANES of them) into sym[0..*len)
 * (room for GCOMP_RANS_LANES * GCOMP_RANS_CHUNK); their first symbol is number
 * first * GCOMP_RANS_CHUNK for r->next = first before the call. Call only
 * while r->next < r->chunks; when done, r->pos is the section's length. */
gcompResult_t gcomp_rans_reader_next(gcomp_rans_reader *r, uint32_t *sym, uint32_t *len);

#ifdef __cplusplus
}
#endif

#endif
