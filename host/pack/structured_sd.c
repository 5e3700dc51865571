#include "pack/structured_sd.h"

#include "shared/check.h"
#include "core/hot.h"

#include <pthread.h>

#include <string.h>

typedef uint64_t binom_table[GCOMP_MASK_BLOCK + 1][GCOMP_MASK_BLOCK + 1];

/* Pascal's triangle up to 64: C(64, 32) < 2^61, so every entry fits. */
static void binom_init(binom_table t) {
  memset(t, 0, sizeof(binom_table));
  for (unsigned n = 0; n <= GCOMP_MASK_BLOCK; n++) {
    t[n][0] = 1;
    for (unsigned k = 1; k <= n; k++) t[n][k] = t[n - 1][k - 1] + t[n - 1][k];
  }
}

static unsigned floor_log2(uint64_t v) { return 63u - (unsigned)__builtin_clzll(v); }

void gcomp_tb_put(gcomp_bitwriter *w, uint64_t value, uint64_t count) {
  unsigned k = floor_log2(count);
  uint64_t u = ((uint64_t)2 << k) - count; /* values below u take k bits */
  if (value < u) {
    gcomp_bw_put(w, value, k);
  } else {
    uint64_t c = value + u;
    gcomp_bw_put(w, c >> 1, k);
    gcomp_bw_put(w, c & 1u, 1);
  }
}

uint64_t gcomp_tb_get(gcomp_bitreader *r, uint64_t count) {
  unsigned k = floor_log2(count);
  uint64_t u = ((uint64_t)2 << k) - count;
  uint64_t x = gcomp_br_get(r, k);
  if (x < u) return x;
  return 2 * x + gcomp_br_get(r, 1) - u;
}

unsigned gcomp_tb_len(uint64_t value, uint64_t count) {
  unsigned k = floor_log2(count);
  return value < ((uint64_t)2 << k) - count ? k : k + 1;
}

/* One mask block: how many zeros, then which (combinatorial number system:
 * zero positions p_1 < ... < p_c map to sum_j C(p_j, j)). */
typedef struct {
  uint64_t zeros;
  uint64_t index;
} mask_block;

static mask_block mask_of(const int32_t *v, unsigned len, binom_table t) {
  mask_block b = {0, 0};
  for (unsigned p = 0; p < len; p++)
    if (v[p] == 0) b.index += t[p][++b.zeros];
  return b;
}

/* Range of the zero count of a block: [0, len], or [0, len - 1] when the
 * whole vector is one block known to hold a nonzero. */
static uint64_t zero_range(uint64_t n, unsigned len, int at_least_one) {
  return (n <= GCOMP_MASK_BLOCK && at_least_one) ? len : (uint64_t)len + 1;
}

static unsigned unary_len(uint32_t k, uint32_t K) { return k == K ? k - 1 : k; }

/* |level| of symbol i: v holds levels, or zigzag symbols when zig. */
static inline uint32_t level_at(const int32_t *v, uint64_t i, int zig) {
  int32_t x = v[i];
  return zig ? ((uint32_t)x + 1u) >> 1 : (uint32_t)(x < 0 ? -x : x);
}

/* The mask without a branch a coordinate: zeros are unpredictable. */
static inline uint64_t block_bits(const int32_t *v, unsigned len, uint64_t range, uint32_t K,
                                  int zig, const binom_table t) {
  uint64_t zeros = 0, index = 0, levels = 0;
  for (unsigned p = 0; p < len; p++) {
    uint32_t k = level_at(v, p, zig);
    uint64_t z = k == 0;
    zeros += z;
    index += z ? t[p][zeros] : 0;
    levels += k ? 1 + unary_len(k, K) : 0;
  }
  return gcomp_tb_len(zeros, range) + gcomp_tb_len(index, t[len][zeros]) + levels;
}

static inline uint64_t structured_bits(const int32_t *v, uint64_t n, uint32_t K,
                                       int at_least_one, int zig) {
  binom_table t;
  binom_init(t);
  uint64_t bits = 0;
  for (uint64_t off = 0; off < n; off += GCOMP_MASK_BLOCK) {
    unsigned len = (unsigned)(n - off < GCOMP_MASK_BLOCK ? n - off : GCOMP_MASK_BLOCK);
    bits += block_bits(v + off, len, zero_range(n, len, at_least_one), K, zig, t);
  }
  return bits;
}

/* One table for every call of the span below (read only once built). */
static binom_table shared_binom;
static pthread_once_t shared_binom_once = PTHREAD_ONCE_INIT;
static void shared_binom_init(void) { binom_init(shared_binom); }

GCOMP_HOT void gcomp_structured_span_zigzag(const uint32_t *z, uint32_t len, uint64_t n,
                                            uint32_t K, int at_least_one, uint64_t *lo,
                                            uint64_t *hi) {
  pthread_once(&shared_binom_once, shared_binom_init);
  for (uint32_t b = 0; b < len; b += GCOMP_MASK_BLOCK) {
    unsigned blen = len - b < GCOMP_MASK_BLOCK ? len - b : GCOMP_MASK_BLOCK;
    uint32_t zeros = 0;
    uint64_t levels = 0;
    for (unsigned p = 0; p < blen; p++) {
      uint32_t k = (z[b + p] + 1u) >> 1;
      zeros += k == 0;
      levels += (k != 0) + k - (k == K);
    }
    uint64_t count = shared_binom[blen][zeros];
    uint64_t exact = gcomp_tb_len(zeros, zero_range(n, blen, at_least_one)) + levels;
    /* the index takes floor(log2 count) bits, or one more */
    *lo += exact + floor_log2(count);
    *hi += exact + floor_log2(count) + ((count & (count - 1)) != 0);
  }
}

uint64_t gcomp_structured_bits(const int32_t *v, uint64_t n, uint32_t K,
                               int at_least_one) {
  return structured_bits(v, n, K, at_least_one, 0);
}

uint64_t gcomp_structured_bits_zigzag(const uint32_t *z, uint64_t n, uint32_t K,
                                      int at_least_one) {
  return structured_bits((const int32_t *)z, n, K, at_least_one, 1);
}

gcompResult_t gcomp_structured_write(gcomp_bitwriter *w, const int32_t *v,
                                     uint64_t n, uint32_t K, int at_least_one) {
  binom_table t;
  binom_init(t);
  for (uint64_t off = 0; off < n; off += GCOMP_MASK_BLOCK) {
    unsigned len = (unsigned)(n - off < GCOMP_MASK_BLOCK ? n - off : GCOMP_MASK_BLOCK);
    mask_block b = mask_of(v + off, len, t);
    uint64_t range = zero_range(n, len, at_least_one);
    if (b.zeros >= range)
      return gcomp_fail(gcompInternalError, "structured code: no nonzero level");
    gcomp_tb_put(w, b.zeros, range);
    gcomp_tb_put(w, b.index, t[len][b.zeros]);
    for (unsigned i = 0; i < len; i++) {
      int32_t x = v[off + i];
      if (!x) continue;
      uint32_t k = (uint32_t)(x < 0 ? -x : x);
      if (k > K) return gcomp_fail(gcompInternalError, "level %u above limit %u", k, K);
      gcomp_bw_put_bit(w, x < 0);
      /* k - 1 ones, then a zero unless k is the largest possible level */
      uint32_t ones = k - 1;
      while (ones >= 32) {
        gcomp_bw_put(w, 0xffffffffu, 32);
        ones -= 32;
      }
      gcomp_bw_put(w, ((uint64_t)1 << ones) - 1, ones);
      if (k != K) gcomp_bw_put_bit(w, 0);
    }
  }
  if (w->overflow) return gcomp_fail(gcompDstTooSmall, "structured code: dst too small");
  return gcompSuccess;
}

/* Reads a truncated unary level: counts ones up to K - 1. Work is bounded by
 * the stream's length, whatever K a hostile header implies. */
static uint32_t read_level(gcomp_bitreader *r, uint32_t K) {
  uint32_t k = 1;
  while (k < K) {
    if (gcomp_br_get_bit(r) == 0) break;
    if (r->overrun) return 0;
    k++;
  }
  return k;
}

gcompResult_t gcomp_structured_read(gcomp_bitreader *r, int32_t *v, uint64_t n,
                                    uint32_t K, int at_least_one) {
  binom_table t;
  binom_init(t);
  for (uint64_t off = 0; off < n; off += GCOMP_MASK_BLOCK) {
    unsigned len = (unsigned)(n - off < GCOMP_MASK_BLOCK ? n - off : GCOMP_MASK_BLOCK);
    uint64_t zeros = gcomp_tb_get(r, zero_range(n, len, at_least_one));
    uint64_t index = gcomp_tb_get(r, t[len][zeros]);
    if (r->overrun) break;
    /* Unrank: the largest position p with C(p, j) <= index holds the j-th
     * zero, from the last zero down. */
    uint64_t j = zeros;
    for (int p = (int)len - 1; p >= 0; p--) {
      if (j > 0 && t[p][j] <= index) {
        index -= t[p][j];
        j--;
        v[off + (unsigned)p] = 0;
      } else {
        v[off + (unsigned)p] = 1; /* nonzero, level read below */
      }
    }
    if (j != 0 || index != 0)
      return gcomp_fail(gcompCorruptPayload, "structured code: bad zero mask");
    for (unsigned i = 0; i < len; i++) {
      if (!v[off + i]) continue;
      unsigned neg = gcomp_br_get_bit(r);
      uint32_t k = read_level(r, K);
      if (r->overrun) break;
      v[off + i] = neg ? -(int32_t)k : (int32_t)k;
    }
    if (r->overrun) break;
  }
  if (r->overrun) return gcomp_fail(gcompCorruptPayload, "structured code truncated");
  return gcompSuccess;
}
