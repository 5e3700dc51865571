/* Fixed-width packing of a u32 symbol stream (docs/FORMAT.md, "fixed
 * section"): chunks of 4096 symbols, each with its own width w and an escape
 * list for the rare symbols that do not fit. The fastest back end. */
#ifndef GCOMP_HOST_FIXED_STREAM_H
#define GCOMP_HOST_FIXED_STREAM_H

#include "gcomp.h"

#ifdef __cplusplus
extern "C" {
#endif

#include "shared/fixed_pack.h"

size_t gcomp_fixed_bound(uint64_t n);

gcompResult_t gcomp_fixed_encode(const uint32_t *sym, uint64_t n, uint8_t *dst,
                                 size_t cap, size_t *written);

/* One chunk (len <= GCOMP_FIXED_CHUNK) for callers that produce symbols
 * chunk by chunk: at most gcomp_fixed_chunk_bound(len) bytes; returns the
 * bytes written. The section is then the u32 chunk lengths followed by the
 * chunks, as gcomp_fixed_encode writes it. */
size_t gcomp_fixed_chunk_bound(uint32_t len);
/* max: an upper bound of the chunk's symbols (the exact maximum, or the
 * producer's own bound: the bytes do not depend on which). */
size_t gcomp_fixed_encode_chunk(const uint32_t *sym, uint32_t len, uint32_t max,
                                uint8_t *dst);

/* Chunk-by-chunk decoding, for callers that consume symbols while they are
 * in L1 (decode-and-dequantize in one pass). */
typedef struct {
  const uint8_t *src;
  size_t size, pos; /* pos: the next chunk's offset */
  uint64_t n, chunks, next;
} gcomp_fixed_reader;

/* Checks that the chunk table fits in size. */
gcompResult_t gcomp_fixed_reader_init(gcomp_fixed_reader *r, const uint8_t *src, size_t size,
                                      uint64_t n);
/* Decodes chunk r->next into sym[0..*len) (room for GCOMP_FIXED_CHUNK);
 * the chunk's first symbol is number (r->next - 1) * GCOMP_FIXED_CHUNK after
 * the call. Call only while r->next < r->chunks. */
gcompResult_t gcomp_fixed_reader_next(gcomp_fixed_reader *r, uint32_t *sym, uint32_t *len);

/* Decodes exactly n symbols; *consumed gets the section's length. */
gcompResult_t gcomp_fixed_decode(const uint8_t *src, size_t size, uint32_t *sym,
                                 uint64_t n, size_t *consumed);

#ifdef __cplusplus
}
#endif

#endif
