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
/* Most chunks one call of a group coder handles. */
#define GCOMP_SECTION_MAX_UNIT 8u

/* Writes the k <= unit chunks c .. c + k - 1 back to back at out, which has
 * `room` bytes; sets len[0..k), or fails (with gcomp_fail) and reports the
 * failing chunk's index in the detail. Must not write past out + room.
 * scratch: the piece's own `scratch` bytes (see below). */
typedef gcompResult_t (*gcomp_group_writer)(void *ctx, uint64_t c, uint32_t k, uint8_t *out,
                                            size_t room, size_t *len, void *scratch);

/* The lengths of `chunks` chunks at lens[0, 4 chunks), the chunks at
 * data[0, cap); *written: the chunks' bytes. The chunks are handed to
 * `write` in groups of `unit` (the last may be short), and pieces are whole
 * groups. `full` bounds the bytes of every chunk but the last, `last` the
 * last's. Several pieces run when the call has threads and the worst case
 * of all chunks fits cap: each piece starts where the worst case of the
 * chunks before it ends, and the pieces move together afterwards. Each
 * piece gets `scratch` bytes of its own (0: none). */
gcompResult_t gcomp_section_write_groups(uint8_t *lens, uint8_t *data, size_t cap,
                                         uint64_t chunks, uint32_t unit, size_t scratch,
                                         size_t full, size_t last, gcomp_group_writer write,
                                         void *ctx, size_t *written);

/* Decodes the k <= unit chunks c .. c + k - 1, of len[0..k) bytes, back to
 * back from `chunk`, or fails. cut: the length of chunk c + k is refused
 * (and will be reported after this call's failure, if any). */
typedef gcompResult_t (*gcomp_group_reader)(void *ctx, uint64_t c, uint32_t k,
                                            const uint8_t *chunk, const uint32_t *len, int cut,
                                            void *scratch);
/* Refuses chunk c's length `len` (below the minimum, or past the end). */
typedef gcompResult_t (*gcomp_length_refusal)(uint64_t c, size_t len);

/* Reads the lengths at lens[0, 4 chunks) and the chunks from data[0,
 * size), in groups of `unit` as gcomp_section_write_groups: a length below
 * min_len or past the end is refused by `refuse`, at its place in chunk
 * order. *consumed: the chunks' bytes. */
gcompResult_t gcomp_section_read_groups(const uint8_t *lens, const uint8_t *data, size_t size,
                                        uint64_t chunks, uint32_t unit, size_t scratch,
                                        size_t min_len, gcomp_group_reader read,
                                        gcomp_length_refusal refuse, void *ctx,
                                        size_t *consumed);

/* One chunk at a time: */

/* Writes chunk c at out, which has `room` bytes; sets *len, or fails (with
 * gcomp_fail). Must not write past out + room. */
typedef gcompResult_t (*gcomp_chunk_writer)(void *ctx, uint64_t c, uint8_t *out, size_t room,
                                            size_t *len);
gcompResult_t gcomp_section_write(uint8_t *lens, uint8_t *data, size_t cap, uint64_t chunks,
                                  size_t full, size_t last, gcomp_chunk_writer write, void *ctx,
                                  size_t *written);

/* Decodes chunk c from its `len` bytes at chunk, or fails. */
typedef gcompResult_t (*gcomp_chunk_reader)(void *ctx, uint64_t c, const uint8_t *chunk,
                                            size_t len);
gcompResult_t gcomp_section_read(const uint8_t *lens, const uint8_t *data, size_t size,
                                 uint64_t chunks, size_t min_len, gcomp_chunk_reader read,
                                 gcomp_length_refusal refuse, void *ctx, size_t *consumed);

#ifdef __cplusplus
}
#endif

#endif
