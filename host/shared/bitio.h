/* Bit streams, LSB first: bit i of a stream is bit (i % 8) of byte i / 8, and
 * a multi-bit field is written least significant bit first. The reader
 * never reads past its end: a read beyond it sets `overrun` and yields
 * zeros, so decoders check one flag instead of every call. */
#ifndef GCOMP_SHARED_BITIO_H
#define GCOMP_SHARED_BITIO_H

#include "gcomp_hd.h"

#include <stddef.h>

typedef struct {
  uint8_t *buf;
  uint64_t cap_bits;  /* capacity in bits */
  uint64_t pos;       /* bits written so far */
  int overflow;       /* set when a write did not fit */
} gcomp_bitwriter;

typedef struct {
  const uint8_t *buf;
  uint64_t end;  /* readable bits */
  uint64_t pos;
  int overrun;
} gcomp_bitreader;

GCOMP_HD_INLINE void gcomp_bw_init(gcomp_bitwriter *w, uint8_t *buf,
                                   uint64_t cap_bytes) {
  w->buf = buf;
  w->cap_bits = cap_bytes * 8u;
  w->pos = 0;
  w->overflow = 0;
}

/* Writes the low n bits of v (0 <= n <= 64). Bytes are cleared as they are
 * first touched, so the caller need not zero the buffer. */
GCOMP_HD_INLINE void gcomp_bw_put(gcomp_bitwriter *w, uint64_t v, unsigned n) {
  if (n == 0) return;
  if (w->overflow || w->cap_bits - w->pos < n) {
    w->overflow = 1;
    return;
  }
  if (n < 64) v &= ((uint64_t)1 << n) - 1u;
  while (n > 0) {
    uint64_t byte = w->pos >> 3;
    unsigned off = (unsigned)(w->pos & 7u);
    unsigned take = 8u - off;
    if (take > n) take = n;
    if (off == 0) w->buf[byte] = 0;
    w->buf[byte] |= (uint8_t)((v & ((1u << take) - 1u)) << off);
    v >>= take;
    n -= take;
    w->pos += take;
  }
}

GCOMP_HD_INLINE void gcomp_bw_put_bit(gcomp_bitwriter *w, unsigned bit) {
  gcomp_bw_put(w, bit & 1u, 1);
}

/* Zero bits up to the next byte boundary. */
GCOMP_HD_INLINE void gcomp_bw_align(gcomp_bitwriter *w) {
  unsigned rem = (unsigned)(w->pos & 7u);
  if (rem) gcomp_bw_put(w, 0, 8u - rem);
}

GCOMP_HD_INLINE void gcomp_br_init(gcomp_bitreader *r, const uint8_t *buf,
                                   uint64_t nbits) {
  r->buf = buf;
  r->end = nbits;
  r->pos = 0;
  r->overrun = 0;
}

GCOMP_HD_INLINE uint64_t gcomp_br_get(gcomp_bitreader *r, unsigned n) {
  uint64_t v = 0;
  unsigned got = 0;
  if (n == 0) return 0;
  if (r->overrun || r->end - r->pos < n) {
    r->overrun = 1;
    r->pos = r->end;
    return 0;
  }
  while (got < n) {
    uint64_t byte = r->pos >> 3;
    unsigned off = (unsigned)(r->pos & 7u);
    unsigned take = 8u - off;
    if (take > n - got) take = n - got;
    uint64_t bits = (uint64_t)(r->buf[byte] >> off) & ((1u << take) - 1u);
    v |= bits << got;
    got += take;
    r->pos += take;
  }
  return v;
}

GCOMP_HD_INLINE unsigned gcomp_br_get_bit(gcomp_bitreader *r) {
  return (unsigned)gcomp_br_get(r, 1);
}

GCOMP_HD_INLINE uint64_t gcomp_br_remaining(const gcomp_bitreader *r) {
  return r->end - r->pos;
}

/* Skip to the next byte boundary; the skipped bits must be zero (a decoder
 * that accepts anything there would accept two encodings of one payload). */
GCOMP_HD_INLINE int gcomp_br_align_zero(gcomp_bitreader *r) {
  unsigned rem = (unsigned)(r->pos & 7u);
  if (rem == 0) return 1;
  return gcomp_br_get(r, 8u - rem) == 0 && !r->overrun;
}

#endif
