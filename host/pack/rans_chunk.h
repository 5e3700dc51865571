/* The chunks of a rANS section (docs/FORMAT-rans.md, "Chunks"), coded
 * GCOMP_RANS_LANES at a time: chunks are independent streams, so their
 * steps interleave, and the CPU overlaps one chunk's multiply and table
 * load with the next chunk's. The bytes are those of the one-chunk steps of
 * shared/rans.h; only the order of the work changes.
 *
 * The section loop (entropy.c) builds a table once, then hands these
 * functions up to GCOMP_RANS_LANES consecutive chunks per call. Calls on
 * disjoint chunks share nothing but the (read-only) table: they may run on
 * different threads, each with its own scratch. */
#ifndef GCOMP_HOST_RANS_CHUNK_H
#define GCOMP_HOST_RANS_CHUNK_H

#include "gcomp.h"
#include "shared/rans.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Chunks per call. */
#define GCOMP_RANS_LANES 4u
/* Bytes of scratch one chunk is encoded into: a step emits at most 7 bytes
 * (an escape: 2 + 1 + 2 + 2), plus the 4-byte state. Independent of the
 * entropy argument behind GCOMP_RANS_CHUNK_BOUND, which the section loop
 * checks afterwards. */
#define GCOMP_RANS_CHUNK_SCRATCH (7u * GCOMP_RANS_CHUNK + 4u)
#define GCOMP_RANS_GROUP_SCRATCH (GCOMP_RANS_LANES * GCOMP_RANS_CHUNK_SCRATCH)

/* Encoder constants per letter, those of gcomp_rans_esym as arrays so a
 * step indexes them by the letter directly (frequency 0: zeros, unused);
 * the escape letter's also whole, for gcomp_rans_enc_put_escape. */
typedef struct {
  uint32_t x_max[GCOMP_RANS_MAX_ALPHABET], rcp[GCOMP_RANS_MAX_ALPHABET];
  uint32_t start[GCOMP_RANS_MAX_ALPHABET], cmpl[GCOMP_RANS_MAX_ALPHABET];
  uint8_t shift[GCOMP_RANS_MAX_ALPHABET];
  gcomp_rans_esym esc;
  int has_esc; /* A = 256 */
} gcomp_rans_enc_table;

/* Decoder tables by slot x & 4095: the letter, and f | (slot - start) << 16
 * for the state update; the letter that starts an escape: 255 when
 * A = 256, else 256, which no slot holds. */
typedef struct {
  uint32_t step[GCOMP_RANS_PROB_SCALE];
  uint8_t letter[GCOMP_RANS_PROB_SCALE];
  uint32_t esc;
} gcomp_rans_dec_table;

/* freq[0..A) sums to 4096 (checked by the caller). */
void gcomp_rans_enc_table_init(gcomp_rans_enc_table *t, const uint32_t *freq, unsigned A);
void gcomp_rans_dec_table_init(gcomp_rans_dec_table *t, const uint32_t *freq, unsigned A);

/* Number of chunks holding len symbols. */
static inline uint32_t gcomp_rans_chunks_of(uint64_t len) {
  return (uint32_t)((len + GCOMP_RANS_CHUNK - 1u) / GCOMP_RANS_CHUNK);
}

/* Encodes the k = gcomp_rans_chunks_of(len) <= GCOMP_RANS_LANES chunks of
 * sym[0..len) (sym at a chunk boundary; only the last chunk may be short).
 * Chunk j is coded into scratch[j * GCOMP_RANS_CHUNK_SCRATCH ...] and ends
 * at the end of that part: its bytes are begin[j] up to
 * scratch + (j + 1) * GCOMP_RANS_CHUNK_SCRATCH. scratch holds
 * GCOMP_RANS_GROUP_SCRATCH bytes. Symbols >= 255 need t from an A = 256
 * table. */
void gcomp_rans_encode_chunks(const gcomp_rans_enc_table *t, const uint32_t *sym, uint32_t len,
                              uint8_t *scratch, uint8_t **begin);

/* Decodes the k = gcomp_rans_chunks_of(len) <= GCOMP_RANS_LANES chunks of
 * out[0..len): chunk j is src[j][0..bytes[j]), bytes[j] >= 4, all readable;
 * its index
 * in the section is first + j (for the detail). Refuses with
 * gcompCorruptPayload and gcomp_rans_decode's detail for the first bad
 * chunk in section order (checks 8 to 11 of docs/FORMAT-rans.md); then
 * out is unspecified. */
gcompResult_t gcomp_rans_decode_chunks(const gcomp_rans_dec_table *t, const uint8_t *const *src,
                                       const uint32_t *bytes, uint32_t *out, uint32_t len,
                                       uint64_t first);

/* ------------------------------------------------ one lane's steps */

/* gcomp_rans_enc_put without a loop. The renormalization emits
 * k = [x >= x_max] + [x >= 256 x_max] <= 2 bytes (x < 2^31, x_max >= 2^19):
 * both are stored below p, the k real ones at p - k. A byte below p - k is
 * rewritten before the chunk ends, by a later step or the state's 4 bytes;
 * the 2 bytes below p must be writable. */
static inline uint32_t gcomp_rans_lane_put(uint32_t x, uint8_t **pp, const gcomp_rans_enc_table *t,
                                           uint32_t s) {
  uint8_t *p = *pp;
  uint32_t x_max = t->x_max[s];
  uint32_t k = (uint32_t)(x >= x_max) + (uint32_t)((x >> 8) >= x_max);
  p[-1] = (uint8_t)x;
  p[-2] = (uint8_t)(x >> 8);
  *pp = p - k;
  x >>= 8u * k;
  uint32_t q = (uint32_t)(((uint64_t)x * t->rcp[s]) >> t->shift[s]);
  return x + t->start[s] + q * t->cmpl[s];
}

/* x' = f * (x >> 12) + (x & 4095) - start, as gcomp_rans_dec_advance. */
static inline uint32_t gcomp_rans_lane_advance(uint32_t x, uint32_t step) {
  return (step & 0xffffu) * (x >> GCOMP_RANS_PROB_BITS) + (step >> 16);
}

/* A decode step from x >= L with 2 bytes readable at p; returns the letter.
 * The step leaves x >= 2^11, so k = [x < L] + [x < L / 256] bytes bring it
 * back to [L, 2^31) and no check is needed: x, then the next 2 bytes,
 * shifted right by 16 - 8k. Exactly gcomp_rans_dec_renorm's x and p. */
static inline uint32_t gcomp_rans_lane_get(uint32_t *px, const uint8_t **pp,
                                           const gcomp_rans_dec_table *t) {
  const uint8_t *p = *pp;
  uint32_t slot = gcomp_rans_dec_slot(*px), s = t->letter[slot];
  uint32_t x = gcomp_rans_lane_advance(*px, t->step[slot]);
  uint32_t k = (uint32_t)(x < GCOMP_RANS_L) + (uint32_t)(x < (GCOMP_RANS_L >> 8));
  uint64_t next = ((uint64_t)x << 16) | ((uint32_t)p[0] << 8) | p[1];
  *px = (uint32_t)(next >> (16u - 8u * k));
  *pp = p + k;
  return s;
}

#ifdef __cplusplus
}
#endif

#endif
