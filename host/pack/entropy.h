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

/* The letter counts of sym[0..n) (docs/FORMAT-rans.md, "Frequencies"),
 * cnt[0..256). */
void gcomp_rans_histogram(const uint32_t *sym, uint64_t n, uint64_t *cnt);

/* gcomp_rans_encode with the letter counts already taken; arguments as
 * there, already checked. */
gcompResult_t gcomp_rans_encode_counted(const uint32_t *sym, uint64_t n, const uint64_t *cnt,
                                        uint8_t *dst, size_t cap, size_t *written);

/* Decodes exactly n symbols from the section at the start of src[0..size),
 * and sets *consumed to the section's length; whatever follows it is left
 * for the caller to judge. Any malformed section gives gcompCorruptPayload
 * with a detail; then sym[0..n) is unspecified and *consumed is 0. Reads
 * nothing outside src[0..size) and writes nothing outside sym[0..n). */
gcompResult_t gcomp_rans_decode(const uint8_t *src, size_t size, uint32_t *sym,
                                uint64_t n, size_t *consumed);

/* Decoding GCOMP_RANS_LANES chunks at a time, for callers that consume
 * symbols while they are in cache (decode and dequantize in one pass).
 * use(ctx, first, sym, len) gets the symbols first .. first + len - 1 (a
 * group of up to GCOMP_RANS_LANES chunks, on some thread of the call's
 * pool; sym is that thread's scratch, which use may change); it fails
 * with gcomp_fail. Groups run in parallel pieces; the failure reported is
 * that of one pass in group order: decode each group, then use it. A group
 * cut short by a refused chunk length is decoded but not used. */
typedef gcompResult_t (*gcomp_rans_symbols_fn)(void *ctx, uint64_t first, uint32_t *sym,
                                              uint32_t len);
gcompResult_t gcomp_rans_decode_each(const uint8_t *src, size_t size, uint64_t n,
                                     gcomp_rans_symbols_fn use, void *ctx, size_t *consumed);

#ifdef __cplusplus
}
#endif

#endif
