/* Word-at-a-time bit I/O for host encoders and decoders: the streams of
 * shared/bitio.h (LSB first, byte i holds bits 8i..8i+7), written and read
 * 64 bits at a time instead of a byte per step. shared/bitio.h stays the
 * definition (and the device's code); these are its fast host twins.
 *
 * The writer does no capacity checks: its callers size the whole stream
 * first and refuse a dst that cannot hold it. The reader never reads past
 * its end and, like bitio's, yields zeros and sets `overrun` there. */
#ifndef GCOMP_HOST_BITSTREAM_H
#define GCOMP_HOST_BITSTREAM_H

#include "core/wire.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *buf;
  uint64_t pos;  /* bits written */
  uint64_t acc;  /* the pending bits pos & ~63 .. pos */
} gcomp_fast_writer;

static inline void gcomp_fw_init(gcomp_fast_writer *w, uint8_t *buf) {
  w->buf = buf;
  w->pos = 0;
  w->acc = 0;
}

/* The low n bits of v, 0 <= n <= 64. */
static inline void gcomp_fw_put(gcomp_fast_writer *w, uint64_t v, unsigned n) {
  if (n == 0) return;
  if (n < 64) v &= ((uint64_t)1 << n) - 1u;
  unsigned fill = (unsigned)(w->pos & 63u);
  w->acc |= v << fill;
  if (fill + n >= 64) {
    gcomp_store_u64(w->buf + ((w->pos >> 3) & ~(uint64_t)7), w->acc);
    w->acc = fill ? v >> (64 - fill) : 0;
  }
  w->pos += n;
}

/* Stores the last partial word: only the bytes the stream reaches. */
static inline void gcomp_fw_finish(gcomp_fast_writer *w) {
  unsigned fill = (unsigned)(w->pos & 63u);
  uint8_t *p = w->buf + ((w->pos >> 3) & ~(uint64_t)7);
  for (unsigned b = 0; 8 * b < fill; b++) p[b] = (uint8_t)(w->acc >> (8 * b));
}

typedef struct {
  const uint8_t *buf;
  uint64_t end;  /* readable bits */
  uint64_t pos;
  size_t bytes;  /* ceil(end / 8): never read beyond */
  int overrun;
} gcomp_fast_reader;

static inline void gcomp_fr_init(gcomp_fast_reader *r, const uint8_t *buf, uint64_t bits) {
  r->buf = buf;
  r->end = bits;
  r->pos = 0;
  r->bytes = (size_t)((bits + 7) / 8);
  r->overrun = 0;
}

/* At least the next 57 bits at pos (bits past the end read as zero, and
 * pos itself may be anywhere up to the end). */
static inline uint64_t gcomp_fr_peek(const gcomp_fast_reader *r) {
  size_t at = (size_t)(r->pos >> 3);
  uint64_t v = 0;
  if (at + 8 <= r->bytes) {
    v = gcomp_load_u64(r->buf + at);
  } else {
    for (size_t b = 0; at + b < r->bytes; b++) v |= (uint64_t)r->buf[at + b] << (8 * b);
  }
  v >>= r->pos & 7u;
  uint64_t left = r->end - r->pos;
  return left < 64 ? v & (((uint64_t)1 << left) - 1u) : v;
}

/* n <= 57 bits; past the end: 0 and overrun, as gcomp_br_get. */
static inline uint64_t gcomp_fr_get(gcomp_fast_reader *r, unsigned n) {
  if (n == 0) return 0;
  if (r->overrun || r->end - r->pos < n) {
    r->overrun = 1;
    r->pos = r->end;
    return 0;
  }
  uint64_t v = gcomp_fr_peek(r);
  r->pos += n;
  return n < 64 ? v & (((uint64_t)1 << n) - 1u) : v;
}

/* 32 bits, any alignment. */
static inline uint32_t gcomp_fr_get32(gcomp_fast_reader *r) {
  return (uint32_t)gcomp_fr_get(r, 32);
}

/* A Rice code as shared/golomb_rice.h reads it (q ones, a zero, k <= 32 low
 * bits), the ones counted 57 at a time. Returns 0 on a truncated stream or
 * a quotient above max_quotient. */
static inline int gcomp_fr_rice(gcomp_fast_reader *r, unsigned k, uint64_t max_quotient,
                                uint64_t *v) {
  /* The common case: the whole code within one window. */
  if (!r->overrun && r->end - r->pos >= 57) {
    uint64_t ones = ~gcomp_fr_peek(r), win = ~ones;
    unsigned run = ones ? (unsigned)__builtin_ctzll(ones) : 64u;
    if (run + 1 + k <= 57 && run <= max_quotient) {
      uint64_t low = k ? (win >> (run + 1)) & (((uint64_t)1 << k) - 1u) : 0;
      r->pos += run + 1 + k;
      *v = ((uint64_t)run << k) | low;
      return 1;
    }
  }
  uint64_t q = 0;
  for (;;) {
    if (r->overrun || r->pos >= r->end) return 0;
    uint64_t ones = ~gcomp_fr_peek(r);
    unsigned avail = r->end - r->pos < 57 ? (unsigned)(r->end - r->pos) : 57u;
    unsigned run = ones ? (unsigned)__builtin_ctzll(ones) : 64u;
    if (run < avail) {
      q += run;
      r->pos += run + 1;
      break;
    }
    q += avail;
    r->pos += avail;
    if (q > max_quotient) return 0;
  }
  if (q > max_quotient) return 0;
  uint64_t low = gcomp_fr_get(r, k);
  if (r->overrun) return 0;
  *v = (q << k) | low;
  return 1;
}

#endif
