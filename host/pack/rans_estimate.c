/* Why the bounds hold. Give a chunk's coder the potential
 *   P = log2(x) + 8 (bytes emitted so far),
 * 23 at the start (x = L = 2^23) and log2(x_end) + 8 B at the end, where B
 * is the chunk's bytes before its 4-byte final state, x_end in [2^23,
 * 2^31). Then 8 B = 23 + G - E - log2(x_end), with
 *  - G, the sum over coding steps of log2(x' / x):
 *    put(t) maps x in [2^11 f, 2^19 f) to (M/f)(x - r) + r + s with
 *    r < f, s <= M - f, so x' / (M x / f) lies within 1 -+ f / x, hence
 *    within 1 -+ 2^-11: log2(x'/x) = log2(M / f) -+ log2(1 -+ 2^-11);
 *    bits(w, k) maps x >= 2^(23-k) to x 2^k + w < (x + 1) 2^k: between k
 *    and k + log2(1 + 2^(k-23));
 *  - E, the sum over emitted bytes of log2(x / (256 floor(x / 256))),
 *    each in [0, log2(1 + 1/q)) with q = floor(x / 256): q >= 2^11 f >=
 *    2^11 in put's renormalization, q >= 2^(23-k) in bits's, which emits
 *    at most 2 bytes.
 * So 8 B <= G, and 8 B >= G - 8 - E with E below B log2(1 + 2^-11) plus
 * 2 log2(1 + 2^(k-23)) a bits step. Summed over chunks, G is the letters'
 * ideal cost sum_t c_t log2(M / f_t) plus the escapes' k bits, each within
 * the slack above. */
#include "pack/rans_estimate.h"

#include "shared/rans.h"
#include "shared/rans_table.h"

#include <math.h>

/* The k of the bits steps that carry an escape of length nb: its length
 * field, then the low min(nb, 16) bits, then the rest. */
static unsigned escape_steps(unsigned nb, unsigned *k) {
  unsigned s = 0;
  k[s++] = 5;
  if (nb > 0) k[s++] = nb < 16 ? nb : 16;
  if (nb > 16) k[s++] = nb - 16;
  return s;
}

static double slack(unsigned k) { return log2(1.0 + ldexp(1.0, (int)k - 23)); }

void gcomp_rans_size_span(const uint64_t *cnt, const uint64_t *esc, uint64_t n, uint64_t *lo,
                          uint64_t *hi) {
  uint32_t freq[GCOMP_RANS_MAX_ALPHABET];
  unsigned A = 0;
  for (unsigned t = 0; t < GCOMP_RANS_MAX_ALPHABET; t++)
    if (cnt[t]) A = t + 1;
  gcomp_rans_normalize(cnt, A, n, freq);
  uint64_t table_bits = 0;
  double ideal = 0; /* G without its slack */
  for (unsigned t = 0; t < A; t++) {
    table_bits += 2 * (gcomp_rans_bitlen(freq[t] + 1u) - 1u) + 1u;
    if (cnt[t]) ideal += (double)cnt[t] * log2((double)GCOMP_RANS_PROB_SCALE / freq[t]);
  }
  double up = 0, down = 0; /* the escapes' slack, on G and on E */
  for (unsigned nb = 0; nb < GCOMP_RANS_ESCAPE_LENGTHS; nb++) {
    if (!esc[nb]) continue;
    unsigned k[3], steps = escape_steps(nb, k);
    ideal += (double)esc[nb] * (5.0 + nb);
    for (unsigned i = 0; i < steps; i++) {
      up += (double)esc[nb] * slack(k[i]);
      down += (double)esc[nb] * 2.0 * slack(k[i]);
    }
  }
  uint64_t chunks = (n + GCOMP_RANS_CHUNK - 1) / GCOMP_RANS_CHUNK;
  /* the letter count, the table, and per chunk a length and a final state */
  uint64_t frame = 1 + (table_bits + 7) / 8 + 8 * chunks;
  double put = log2(1.0 + 0x1p-11), put_down = -log2(1.0 - 0x1p-11);
  /* the double sums are far more exact than this margin */
  double margin = 1e-9 * ideal + 1.0;
  double most = (ideal + (double)n * put + up) / 8 + margin;
  double least = (ideal - (double)n * put_down - 8.0 * (double)chunks - down) / (8 + put) - margin;
  *hi = frame + (uint64_t)floor(most);
  *lo = frame + (least > 0 ? (uint64_t)ceil(least) : 0);
}

uint64_t gcomp_rans_chunk_bound_for(const uint32_t *freq, unsigned A, uint32_t m) {
  uint32_t f_min = GCOMP_RANS_PROB_SCALE;
  for (unsigned t = 0; t < A; t++)
    if (freq[t] && freq[t] < f_min) f_min = freq[t];
  double per = log2((double)GCOMP_RANS_PROB_SCALE / f_min) + log2(1.0 + 0x1p-11);
  if (A == GCOMP_RANS_MAX_ALPHABET) /* an escape's bits, its 3 steps' slack */
    per += 5 + 31 + slack(5) + slack(16) + slack(15);
  uint64_t b = 4 + (uint64_t)floor((double)m * per / 8 + 1.0);
  uint64_t worst = GCOMP_RANS_CHUNK_BOUND(m);
  return b < worst ? b : worst;
}
