/* The chunked sections (docs/FORMAT.md's fixed section, FORMAT-rans.md's
 * chunks): a table of u32 chunk lengths, then the chunks back to back, each
 * coded on its own. Written and read in parallel pieces of consecutive
 * chunks (core/pool.h); the bytes, and the failure reported for a bad
 * section, are those of one pass in chunk order. */
#ifndef GCOMP_HOST_SECTION_H
#define GCOMP_HOST_SECTION_H

#include "gcomp.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Chunks a piece gets at least: GCOMP_PAR_GRAIN values of 4096-value
 * chunks. */
#define GCOMP_SECTION_GRAIN 16u

/* Writes chunk c at out, which has `room` bytes; sets *len, or fails (with
 * gcomp_fail). Must not write past out + room. */
typedef gcompResult_t (*gcomp_chunk_writer)(void *ctx, uint64_t c, uint8_t *out, size_t room,
                                            size_t *len);

/* The lengths of `chunks` chunks at lens[0, 4 chunks), the chunks at
 * data[0, cap); *written: the chunks' bytes. `full` bounds the bytes of
 * every chunk but the last, `last` the last's. Several pieces run when the
 * call has threads and the worst case of all chunks fits cap: each piece
 * starts where the worst case of the chunks before it ends, and the pieces
 * move together afterwards. */
gcompResult_t gcomp_section_write(uint8_t *lens, uint8_t *data, size_t cap, uint64_t chunks,
                                  size_t full, size_t last, gcomp_chunk_writer write, void *ctx,
                                  size_t *written);

/* Decodes chunk c from its `len` bytes at chunk, or fails. */
typedef gcompResult_t (*gcomp_chunk_reader)(void *ctx, uint64_t c, const uint8_t *chunk,
                                            size_t len);
/* Refuses chunk c's length `len` (below the minimum, or past the end). */
typedef gcompResult_t (*gcomp_length_refusal)(uint64_t c, size_t len);

/* Reads the lengths at lens[0, 4 chunks) and the chunks from data[0,
 * size): a length below min_len or past the end is refused by `refuse`,
 * at its place in chunk order. *consumed: the chunks' bytes. */
gcompResult_t gcomp_section_read(const uint8_t *lens, const uint8_t *data, size_t size,
                                 uint64_t chunks, size_t min_len, gcomp_chunk_reader read,
                                 gcomp_length_refusal refuse, void *ctx, size_t *consumed);

#ifdef __cplusplus
}
#endif

#endif
