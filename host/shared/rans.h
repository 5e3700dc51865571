/* Byte-wise rANS steps shared by the CPU reference and the CUDA kernels
 * (docs/FORMAT-rans.md is the normative description of the stream).
 *
 * State: 32 bits, kept in [L, 256 L) between symbols, L = 2^23; symbol
 * probabilities are frequencies out of 2^12. The encoder runs over a chunk
 * backwards and writes bytes at decreasing addresses, so the decoder runs
 * forwards and reads at increasing addresses. Everything here is integer
 * arithmetic on plain values: the same inputs give the same bytes on any
 * device. */
#ifndef GCOMP_SHARED_RANS_H
#define GCOMP_SHARED_RANS_H

#include "gcomp_hd.h"

#define GCOMP_RANS_PROB_BITS 12u
#define GCOMP_RANS_PROB_SCALE (1u << GCOMP_RANS_PROB_BITS)
#define GCOMP_RANS_L (1u << 23)
/* Symbols per chunk: each chunk is an independent stream. */
#define GCOMP_RANS_CHUNK 4096u
#define GCOMP_RANS_MAX_ALPHABET 256u
/* With A = 256, symbol 255 means "value >= 255, coded after it". */
#define GCOMP_RANS_ESC 255u
#define GCOMP_RANS_ESC_LEN_BITS 5u
/* Up to 16 bits a uniform step moves at most 2 bytes in either direction
 * (the decoder's x >> 16 stays >= 2^7); wider ones would need a third. */
#define GCOMP_RANS_BYPASS_MAX_BITS 16u
/* Encoder renormalization threshold for a frequency f: (L >> 12) << 8 = 2^19
 * per unit of frequency. */
#define GCOMP_RANS_XMAX_UNIT ((GCOMP_RANS_L >> GCOMP_RANS_PROB_BITS) << 8)

/* Most bytes one chunk of m symbols can take, state flush included. Every
 * step multiplies the state by at most (2^12 / f)(1 + 2^-7), and an
 * escaped symbol costs at most 12 + 5 + 31 bits, so 8 * bytes stays below
 * m * (48 + 1/8) + 32 (docs/FORMAT-rans.md, "Bounds"). */
#define GCOMP_RANS_CHUNK_BOUND(m) (6u * (m) + (m) / 64u + 4u)

/* ------------------------------------------------------------- helpers */

/* Number of significant bits of v (0 for v = 0). */
GCOMP_HD_INLINE unsigned gcomp_rans_bitlen(uint32_t v) {
#if defined(__CUDA_ARCH__)
  return 32u - (unsigned)__clz((int)v);
#elif defined(__GNUC__)
  return v ? 32u - (unsigned)__builtin_clz(v) : 0u;
#else
  unsigned n = 0;
  while (v) {
    v >>= 1;
    n++;
  }
  return n;
#endif
}

/* ------------------------------------------------------------- encoder */

/* Precomputed constants for coding one symbol of frequency `freq` (1..4096)
 * whose cumulative frequency is `start`. The division x / freq is done as
 * a multiplication by rcp = ceil(2^(31 + l) / freq), l = ceil(log2 freq):
 * exact for every x < 2^31 (Granlund and Montgomery, 1994, Thm. 4.2), and
 * the encoder only divides states below x_max <= 2^31. rcp < 2^32 for all
 * freq <= 4096. */
typedef struct {
  uint32_t x_max;  /* emit bytes while x >= x_max */
  uint32_t rcp;
  uint32_t start;
  uint16_t cmpl;   /* 4096 - freq */
  uint16_t shift;  /* 31 + l */
} gcomp_rans_esym;

GCOMP_HD_INLINE void gcomp_rans_esym_init(gcomp_rans_esym *e, uint32_t start,
                                          uint32_t freq) {
  unsigned l = gcomp_rans_bitlen(freq - 1u); /* ceil(log2 freq); 0 for 1 */
  uint64_t num = (uint64_t)1 << (31u + l);
  e->x_max = GCOMP_RANS_XMAX_UNIT * freq;
  e->rcp = (uint32_t)((num + freq - 1u) / freq);
  e->start = start;
  e->cmpl = (uint16_t)(GCOMP_RANS_PROB_SCALE - freq);
  e->shift = (uint16_t)(31u + l);
}

/* Emits the low bytes of x until x < x_max: at most 2 for any step here. */
GCOMP_HD_INLINE uint32_t gcomp_rans_enc_renorm(uint32_t x, uint8_t **pp,
                                               uint32_t x_max) {
  uint8_t *p = *pp;
  while (x >= x_max) {
    *--p = (uint8_t)(x & 0xffu);
    x >>= 8;
  }
  *pp = p;
  return x;
}

/* Reference step, one division: what gcomp_rans_enc_put computes. */
GCOMP_HD_INLINE uint32_t gcomp_rans_enc_put_div(uint32_t x, uint8_t **pp,
                                                uint32_t start, uint32_t freq) {
  x = gcomp_rans_enc_renorm(x, pp, GCOMP_RANS_XMAX_UNIT * freq);
  return ((x / freq) << GCOMP_RANS_PROB_BITS) + (x % freq) + start;
}

/* x' = floor(x / f) * 4096 + (x mod f) + start, written as
 * x + start + q * (4096 - f) so that only the quotient is needed. */
GCOMP_HD_INLINE uint32_t gcomp_rans_enc_put(uint32_t x, uint8_t **pp,
                                            const gcomp_rans_esym *e) {
  uint32_t q;
  x = gcomp_rans_enc_renorm(x, pp, e->x_max);
  q = (uint32_t)(((uint64_t)x * e->rcp) >> e->shift);
  return x + e->start + q * e->cmpl;
}

/* Uniform step: the k low bits of v (k <= 16) at probability 2^-k each. */
GCOMP_HD_INLINE uint32_t gcomp_rans_enc_put_bits(uint32_t x, uint8_t **pp,
                                                 uint32_t v, unsigned k) {
  x = gcomp_rans_enc_renorm(x, pp, (GCOMP_RANS_L >> k) << 8);
  return (x << k) | (v & ((1u << k) - 1u));
}

/* An escaped value (>= 255) in decoding order: ESC, the 5-bit count nb of
 * bits below the leading one of u = value - 254, then those nb bits (the
 * leading one is implicit), the low min(nb, 16) first. Pushed in reverse,
 * since the encoder runs backwards. */
GCOMP_HD_INLINE uint32_t gcomp_rans_enc_put_escape(uint32_t x, uint8_t **pp,
                                                   uint32_t value,
                                                   const gcomp_rans_esym *esc) {
  uint32_t u = value - (GCOMP_RANS_ESC - 1u);
  unsigned nb = gcomp_rans_bitlen(u) - 1u;
  if (nb > GCOMP_RANS_BYPASS_MAX_BITS)
    x = gcomp_rans_enc_put_bits(x, pp, u >> GCOMP_RANS_BYPASS_MAX_BITS,
                                nb - GCOMP_RANS_BYPASS_MAX_BITS);
  if (nb > 0)
    x = gcomp_rans_enc_put_bits(
        x, pp, u, nb < GCOMP_RANS_BYPASS_MAX_BITS ? nb : GCOMP_RANS_BYPASS_MAX_BITS);
  x = gcomp_rans_enc_put_bits(x, pp, nb, GCOMP_RANS_ESC_LEN_BITS);
  return gcomp_rans_enc_put(x, pp, esc);
}

/* The final state, little endian, so the decoder starts by reading it. */
GCOMP_HD_INLINE void gcomp_rans_enc_flush(uint32_t x, uint8_t **pp) {
  uint8_t *p = *pp - 4;
  p[0] = (uint8_t)(x & 0xffu);
  p[1] = (uint8_t)((x >> 8) & 0xffu);
  p[2] = (uint8_t)((x >> 16) & 0xffu);
  p[3] = (uint8_t)(x >> 24);
  *pp = p;
}

/* ------------------------------------------------------------- decoder */

/* Slot table entry for slot s of a symbol (sym, start, freq):
 *   bits 0..11 freq - 1, bits 12..23 s - start, bits 24..31 sym.
 * One load gives everything a decode step needs. */
GCOMP_HD_INLINE uint32_t gcomp_rans_dslot(uint32_t sym, uint32_t start,
                                          uint32_t freq, uint32_t slot) {
  return (freq - 1u) | ((slot - start) << 12) | (sym << 24);
}

GCOMP_HD_INLINE uint32_t gcomp_rans_dslot_sym(uint32_t entry) {
  return entry >> 24;
}

/* Caller guarantees 4 readable bytes. */
GCOMP_HD_INLINE uint32_t gcomp_rans_dec_init(const uint8_t **pp) {
  const uint8_t *p = *pp;
  *pp = p + 4;
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

GCOMP_HD_INLINE uint32_t gcomp_rans_dec_slot(uint32_t x) {
  return x & (GCOMP_RANS_PROB_SCALE - 1u);
}

/* Reads bytes while x < L and input remains. Afterwards x < L means the
 * chunk ran out of bytes: the stream is corrupt. From any x >= L a step
 * leaves x >= 2^7, so a well-formed stream needs at most 2 bytes here. */
GCOMP_HD_INLINE uint32_t gcomp_rans_dec_renorm(uint32_t x, const uint8_t **pp,
                                               const uint8_t *end) {
  const uint8_t *p = *pp;
  while (x < GCOMP_RANS_L && p < end) x = (x << 8) | *p++;
  *pp = p;
  return x;
}

/* x' = freq * (x >> 12) + (x & 4095) - start, from the slot's entry. Cannot
 * wrap: slot - start < freq, so x' < freq * ((x >> 12) + 1) <= 2^32. */
GCOMP_HD_INLINE uint32_t gcomp_rans_dec_advance(uint32_t x, uint32_t entry) {
  return ((entry & 0xfffu) + 1u) * (x >> GCOMP_RANS_PROB_BITS) +
         ((entry >> 12) & 0xfffu);
}

/* Inverse of gcomp_rans_enc_put_bits, renormalization included. */
GCOMP_HD_INLINE uint32_t gcomp_rans_dec_get_bits(uint32_t *x, const uint8_t **pp,
                                                 const uint8_t *end, unsigned k) {
  uint32_t v = *x & ((1u << k) - 1u);
  *x = gcomp_rans_dec_renorm(*x >> k, pp, end);
  return v;
}

/* The payload of an escape, after its ESC symbol has been decoded and
 * renormalized. Returns 0 if the value would exceed 0xffffffff or the
 * bytes ran out. */
GCOMP_HD_INLINE int gcomp_rans_dec_get_escape(uint32_t *x, const uint8_t **pp,
                                              const uint8_t *end,
                                              uint32_t *value) {
  unsigned nb = gcomp_rans_dec_get_bits(x, pp, end, GCOMP_RANS_ESC_LEN_BITS);
  uint64_t u = (uint64_t)1 << nb;
  if (nb > 0) {
    unsigned lo = nb < GCOMP_RANS_BYPASS_MAX_BITS ? nb : GCOMP_RANS_BYPASS_MAX_BITS;
    u |= gcomp_rans_dec_get_bits(x, pp, end, lo);
  }
  if (nb > GCOMP_RANS_BYPASS_MAX_BITS)
    u |= (uint64_t)gcomp_rans_dec_get_bits(x, pp, end,
                                           nb - GCOMP_RANS_BYPASS_MAX_BITS)
         << GCOMP_RANS_BYPASS_MAX_BITS;
  u += GCOMP_RANS_ESC - 1u;
  if (u > 0xffffffffu || *x < GCOMP_RANS_L) return 0;
  *value = (uint32_t)u;
  return 1;
}

#endif
