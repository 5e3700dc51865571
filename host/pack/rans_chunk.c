#include "pack/rans_chunk.h"

#include "shared/check.h"

#include <string.h>

/* Each lane's step is the one-chunk step of shared/rans.h with its loops
 * unrolled: a step moves at most 2 bytes, so the encoder always stores 2
 * and advances by the count, and the decoder always loads 2 where 2 remain.
 * What the loops would branch on becomes arithmetic, and the lanes' chains
 * of multiplies and loads overlap. */

#define FORCE_INLINE static inline __attribute__((always_inline))
/* The lane loops fully unrolled: states and pointers in registers. */
#define UNROLL_LANES _Pragma("GCC unroll 8")

void gcomp_rans_enc_table_init(gcomp_rans_enc_table *t, const uint32_t *freq, unsigned A) {
  uint32_t start = 0;
  memset(t, 0, sizeof *t);
  for (unsigned s = 0; s < A; s++) {
    if (freq[s] != 0) {
      gcomp_rans_esym e;
      gcomp_rans_esym_init(&e, start, freq[s]);
      t->x_max[s] = e.x_max;
      t->rcp[s] = e.rcp;
      t->start[s] = e.start;
      t->cmpl[s] = e.cmpl;
      t->shift[s] = (uint8_t)e.shift;
      if (s == GCOMP_RANS_ESC) t->esc = e;
    }
    start += freq[s];
  }
  t->has_esc = A == GCOMP_RANS_MAX_ALPHABET;
}

void gcomp_rans_dec_table_init(gcomp_rans_dec_table *t, const uint32_t *freq, unsigned A) {
  uint32_t start = 0;
  for (unsigned s = 0; s < A; s++) {
    for (uint32_t k = 0; k < freq[s]; k++) {
      t->step[start + k] = freq[s] | (k << 16);
      t->letter[start + k] = (uint8_t)s;
    }
    start += freq[s];
  }
  t->esc = A == GCOMP_RANS_MAX_ALPHABET ? GCOMP_RANS_ESC : GCOMP_RANS_MAX_ALPHABET;
}

/* ------------------------------------------------------------- encoder */

/* Steps i - 1 down to 0 of N lanes while no symbol is an escape; returns
 * the step count left (0: done; else step i - 1 holds an escape). The
 * loop has no call, so the lanes' states and pointers stay in registers. */
FORCE_INLINE uint32_t enc_run(const gcomp_rans_enc_table *t, const uint32_t *sym, uint32_t i,
                              unsigned N, int plain, uint32_t *xs, uint8_t **ps) {
  uint32_t x[GCOMP_RANS_LANES];
  uint8_t *p[GCOMP_RANS_LANES];
  UNROLL_LANES
  for (unsigned j = 0; j < N; j++) {
    x[j] = xs[j];
    p[j] = ps[j];
  }
  while (i > 0) {
    uint32_t s[GCOMP_RANS_LANES];
    int escape = 0;
    UNROLL_LANES
    for (unsigned j = 0; j < N; j++) {
      s[j] = sym[j * GCOMP_RANS_CHUNK + i - 1u];
      if (plain) /* no escapes: a letter, whatever the caller passed */
        s[j] &= 0xffu;
      else
        escape |= s[j] >= GCOMP_RANS_ESC;
    }
    if (escape) break;
    i--;
    UNROLL_LANES
    for (unsigned j = 0; j < N; j++) x[j] = gcomp_rans_lane_put(x[j], &p[j], t, s[j]);
  }
  UNROLL_LANES
  for (unsigned j = 0; j < N; j++) {
    xs[j] = x[j];
    ps[j] = p[j];
  }
  return i;
}

/* N chunks of m symbols each, at sym + j * CHUNK; chunk j ends at
 * scratch + (j + 1) * GCOMP_RANS_CHUNK_SCRATCH. N is a constant at each
 * call: the lane loops unroll. */
FORCE_INLINE void enc_lanes(const gcomp_rans_enc_table *t, const uint32_t *sym, uint32_t m,
                            unsigned N, uint8_t *scratch, uint8_t **begin) {
  uint32_t x[GCOMP_RANS_LANES];
  uint8_t *p[GCOMP_RANS_LANES];
  for (unsigned j = 0; j < N; j++) {
    x[j] = GCOMP_RANS_L;
    p[j] = scratch + (j + 1u) * GCOMP_RANS_CHUNK_SCRATCH;
  }
  uint32_t i = m;
  if (!t->has_esc) i = enc_run(t, sym, i, N, 1, x, p);
  while ((i = enc_run(t, sym, i, N, 0, x, p)) > 0) {
    i--; /* a step with an escape */
    for (unsigned j = 0; j < N; j++) {
      uint32_t s = sym[j * GCOMP_RANS_CHUNK + i];
      if (s < GCOMP_RANS_ESC)
        x[j] = gcomp_rans_lane_put(x[j], &p[j], t, s);
      else
        x[j] = gcomp_rans_enc_put_escape(x[j], &p[j], s, &t->esc);
    }
  }
  for (unsigned j = 0; j < N; j++) {
    gcomp_rans_enc_flush(x[j], &p[j]);
    begin[j] = p[j];
  }
}

void gcomp_rans_encode_chunks(const gcomp_rans_enc_table *t, const uint32_t *sym, uint32_t len,
                              uint8_t *scratch, uint8_t **begin) {
  if (len == GCOMP_RANS_LANES * GCOMP_RANS_CHUNK) {
    enc_lanes(t, sym, GCOMP_RANS_CHUNK, GCOMP_RANS_LANES, scratch, begin);
    return;
  }
  for (uint32_t j = 0, off = 0; off < len; j++, off += GCOMP_RANS_CHUNK) {
    uint32_t m = len - off < GCOMP_RANS_CHUNK ? len - off : GCOMP_RANS_CHUNK;
    enc_lanes(t, sym + off, m, 1, scratch + j * GCOMP_RANS_CHUNK_SCRATCH, begin + j);
  }
}

/* ------------------------------------------------------------- decoder */

/* One chunk with every check, in gcomp_rans_decode's words: the path of
 * the last steps of a chunk and the judge of a refused one. */
static gcompResult_t dec_checked(const uint8_t *p, const uint8_t *end,
                                 const gcomp_rans_dec_table *t, uint32_t *out, uint32_t m,
                                 uint64_t c) {
  uint32_t x = gcomp_rans_dec_init(&p);
  if (x < GCOMP_RANS_L || x >= (GCOMP_RANS_L << 8))
    return gcomp_fail(gcompCorruptPayload, "rans: chunk %llu: initial state %#x out of range",
                      (unsigned long long)c, x);
  for (uint32_t i = 0; i < m; i++) {
    uint32_t slot = gcomp_rans_dec_slot(x), s = t->letter[slot];
    x = gcomp_rans_dec_renorm(gcomp_rans_lane_advance(x, t->step[slot]), &p, end);
    if (x < GCOMP_RANS_L)
      return gcomp_fail(gcompCorruptPayload, "rans: chunk %llu runs out of bytes at symbol %u",
                        (unsigned long long)c, i);
    if (s == t->esc && !gcomp_rans_dec_get_escape(&x, &p, end, &s))
      return gcomp_fail(gcompCorruptPayload, "rans: chunk %llu: bad escape at symbol %u",
                        (unsigned long long)c, i);
    out[i] = s;
  }
  if (p != end)
    return gcomp_fail(gcompCorruptPayload, "rans: chunk %llu leaves %zu bytes unread",
                      (unsigned long long)c, (size_t)(end - p));
  if (x != GCOMP_RANS_L)
    return gcomp_fail(gcompCorruptPayload, "rans: chunk %llu ends in state %#x, not %#x",
                      (unsigned long long)c, x, GCOMP_RANS_L);
  return gcompSuccess;
}

/* Steps i .. stop - 1 of N lanes, each lane with 2 bytes left at every
 * step; stops after a step in which a lane decoded ESC, with those lanes
 * in *esc_lanes (their payload comes next). Returns the next step. No
 * call in the loop, as enc_run. */
FORCE_INLINE uint32_t dec_run(const gcomp_rans_dec_table *t, uint32_t *xs, const uint8_t **ps,
                              uint32_t *out, uint32_t i, uint32_t stop, unsigned N, int plain,
                              unsigned *esc_lanes) {
  uint32_t x[GCOMP_RANS_LANES];
  const uint8_t *p[GCOMP_RANS_LANES];
  const uint32_t letter_esc = t->esc; /* out's stores could alias t */
  unsigned esc = 0;
  UNROLL_LANES
  for (unsigned j = 0; j < N; j++) {
    x[j] = xs[j];
    p[j] = ps[j];
  }
  while (i < stop && esc == 0) {
    UNROLL_LANES
    for (unsigned j = 0; j < N; j++) {
      uint32_t s = gcomp_rans_lane_get(&x[j], &p[j], t);
      if (!plain) esc |= (unsigned)(s == letter_esc) << j;
      out[(size_t)j * GCOMP_RANS_CHUNK + i] = s;
    }
    i++;
  }
  UNROLL_LANES
  for (unsigned j = 0; j < N; j++) {
    xs[j] = x[j];
    ps[j] = p[j];
  }
  *esc_lanes = esc;
  return i;
}

/* N chunks of m symbols each; out of chunk j at out + j * CHUNK. Returns 0
 * when a chunk is refused, without saying which: dec_checked then judges
 * them in order. */
FORCE_INLINE int dec_lanes(const gcomp_rans_dec_table *t, const uint8_t *const *src,
                           const uint32_t *bytes, uint32_t *out, uint32_t m, unsigned N) {
  uint32_t x[GCOMP_RANS_LANES];
  const uint8_t *p[GCOMP_RANS_LANES], *end[GCOMP_RANS_LANES];
  for (unsigned j = 0; j < N; j++) {
    p[j] = src[j];
    end[j] = src[j] + bytes[j];
    x[j] = gcomp_rans_dec_init(&p[j]);
    if (x[j] < GCOMP_RANS_L || x[j] >= (GCOMP_RANS_L << 8)) return 0;
  }
  uint32_t i = 0;
  while (i < m) {
    /* Every lane can take `run` steps of at most 2 bytes unchecked; an
     * escape's payload takes more, so it ends the run. */
    size_t room = (size_t)(end[0] - p[0]);
    for (unsigned j = 1; j < N; j++)
      room = (size_t)(end[j] - p[j]) < room ? (size_t)(end[j] - p[j]) : room;
    uint32_t run = room / 2u < m - i ? (uint32_t)(room / 2u) : m - i;
    if (run > 0) {
      unsigned esc = 0;
      if (t->esc == GCOMP_RANS_MAX_ALPHABET) /* no escapes */
        i = dec_run(t, x, p, out, i, i + run, N, 1, &esc);
      else
        i = dec_run(t, x, p, out, i, i + run, N, 0, &esc);
      for (unsigned j = 0; j < N; j++)
        if ((esc >> j) & 1u &&
            !gcomp_rans_dec_get_escape(&x[j], &p[j], end[j], &out[j * GCOMP_RANS_CHUNK + i - 1u]))
          return 0;
      continue;
    }
    for (unsigned j = 0; j < N; j++) { /* the last bytes: the checked step */
      uint32_t slot = gcomp_rans_dec_slot(x[j]), s = t->letter[slot];
      x[j] = gcomp_rans_dec_renorm(gcomp_rans_lane_advance(x[j], t->step[slot]), &p[j], end[j]);
      if (x[j] < GCOMP_RANS_L) return 0;
      if (s == t->esc && !gcomp_rans_dec_get_escape(&x[j], &p[j], end[j], &s)) return 0;
      out[j * GCOMP_RANS_CHUNK + i] = s;
    }
    i++;
  }
  for (unsigned j = 0; j < N; j++)
    if (p[j] != end[j] || x[j] != GCOMP_RANS_L) return 0;
  return 1;
}

gcompResult_t gcomp_rans_decode_chunks(const gcomp_rans_dec_table *t, const uint8_t *const *src,
                                       const uint32_t *bytes, uint32_t *out, uint32_t len,
                                       uint64_t first) {
  int ok = 1;
  if (len == GCOMP_RANS_LANES * GCOMP_RANS_CHUNK) {
    ok = dec_lanes(t, src, bytes, out, GCOMP_RANS_CHUNK, GCOMP_RANS_LANES);
  } else {
    for (uint32_t j = 0, off = 0; ok && off < len; j++, off += GCOMP_RANS_CHUNK) {
      uint32_t m = len - off < GCOMP_RANS_CHUNK ? len - off : GCOMP_RANS_CHUNK;
      ok = dec_lanes(t, src + j, bytes + j, out + off, m, 1);
    }
  }
  if (ok) return gcompSuccess;
  for (uint32_t j = 0, off = 0; off < len; j++, off += GCOMP_RANS_CHUNK) {
    uint32_t m = len - off < GCOMP_RANS_CHUNK ? len - off : GCOMP_RANS_CHUNK;
    GCOMP_TRY(dec_checked(src[j], src[j] + bytes[j], t, out + off, m, first + j));
  }
  return gcomp_fail(gcompInternalError, "rans: chunks %llu.. refused, then accepted",
                    (unsigned long long)first);
}
