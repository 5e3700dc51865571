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
#include "pack/section.h"

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

/* The exact bytes gcomp_fixed_encode_chunk would write, without writing. */
size_t gcomp_fixed_chunk_size(const uint32_t *sym, uint32_t len, uint32_t max);

/* Symbols in chunk c of a section of n. */
uint32_t gcomp_fixed_chunk_len(uint64_t n, uint64_t c);

/* A section of n symbols whose chunks `write` produces (section.h): the
 * length table at dst, which the caller has checked fits cap, then the
 * chunks; *written: the whole section. */
gcompResult_t gcomp_fixed_write_section(uint8_t *dst, size_t cap, uint64_t n,
                                        gcomp_chunk_writer write, void *ctx, size_t *written);

/* One chunk of len symbols from its size bytes, every rule of the format
 * checked. */
gcompResult_t gcomp_fixed_decode_chunk(const uint8_t *src, size_t size, uint32_t *sym,
                                       uint32_t len);

/* Checks the table of a section of n symbols at src[0, size) and hands
 * each chunk to `read` (section.h); *consumed: the section's length. */
gcompResult_t gcomp_fixed_read_section(const uint8_t *src, size_t size, uint64_t n,
                                       gcomp_chunk_reader read, void *ctx, size_t *consumed);

/* Decodes exactly n symbols; *consumed gets the section's length. */
gcompResult_t gcomp_fixed_decode(const uint8_t *src, size_t size, uint32_t *sym,
                                 uint64_t n, size_t *consumed);

#ifdef __cplusplus
}
#endif

#endif
