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

unsigned gcomp_tb_len(uint64_t value, uint64_t count) {
  unsigned k = floor_log2(count);
  return value < ((uint64_t)2 << k) - count ? k : k + 1;
}

/* One mask block: how many zeros, then which (combinatorial number system:
 * zero positions p_1 < ... < p_c map to sum_j C(p_j, j)). */
typedef struct {
  uint64_t zeros;
  uint64_t index;
  uint64_t nonzero; /* bit p: v[p] != 0 */
} mask_block;

static mask_block mask_of(const int32_t *v, unsigned len, binom_table t) {
  mask_block b = {0, 0, 0};
  uint64_t zero = 0;
  for (unsigned p = 0; p < len; p++) zero |= (uint64_t)(v[p] == 0) << p;
  b.nonzero = ~zero & (len == 64 ? ~(uint64_t)0 : ((uint64_t)1 << len) - 1u);
  for (; zero != 0; zero &= zero - 1u) b.index += t[__builtin_ctzll(zero)][++b.zeros];
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

/* ------------------------------------------------ word-at-a-time bits */

/* Little-endian 64-bit loads and stores, one instruction each where the
 * host is little endian. */
static inline uint64_t load_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline void store_le64(uint8_t *p, uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  memcpy(p, &v, sizeof v);
}

/* gcomp_bw_put, 8 bytes at a time: the bits not yet in whole bytes wait in
 * acc, and a put stores all of acc at byte `at` (the bytes past the bits
 * are zeros, as gcomp_bw_put leaves them). Where 8 bytes no longer fit,
 * gcomp_bw_put takes over, with its overflow rule. */
typedef struct {
  gcomp_bitwriter *w;
  uint64_t at, last; /* last: the last byte a whole store may start at */
  uint64_t acc;
  unsigned nbits; /* bits in acc, < 8 between puts */
  int fast;
} word_writer;

static void ww_init(word_writer *f, gcomp_bitwriter *w) {
  uint64_t cap = w->cap_bits / 8u;
  unsigned off = (unsigned)(w->pos & 7u);
  f->w = w;
  f->at = w->pos >> 3;
  f->fast = !w->overflow && cap >= 8u && f->at <= cap - 8u;
  f->last = cap >= 8u ? cap - 8u : 0;
  f->acc = f->fast && off ? w->buf[f->at] & ((1u << off) - 1u) : 0;
  f->nbits = off;
}

/* Hands the position back to w. */
static void ww_sync(word_writer *f) {
  if (f->fast) f->w->pos = f->at * 8u + f->nbits;
  f->fast = 0;
}

/* The low n <= 56 bits of v (v < 2^n). */
static inline void ww_put(word_writer *f, uint64_t v, unsigned n) {
  if (!f->fast) {
    gcomp_bw_put(f->w, v, n);
    return;
  }
  f->acc |= v << f->nbits;
  f->nbits += n;
  store_le64(f->w->buf + f->at, f->acc);
  f->at += f->nbits >> 3;
  f->acc >>= f->nbits & 56u;
  f->nbits &= 7u;
  if (f->at > f->last) ww_sync(f);
}

/* Any n <= 64 bits. */
static void ww_put_wide(word_writer *f, uint64_t v, unsigned n) {
  if (n > 32) {
    ww_put(f, v & 0xffffffffu, 32);
    v >>= 32;
    n -= 32;
  }
  ww_put(f, v & (((uint64_t)1 << n) - 1u), n);
}

static void ww_tb(word_writer *f, uint64_t value, uint64_t count) {
  unsigned k = floor_log2(count);
  uint64_t u = ((uint64_t)2 << k) - count;
  if (value < u) {
    ww_put_wide(f, value, k);
  } else {
    uint64_t c = value + u;
    ww_put_wide(f, c >> 1, k);
    ww_put(f, c & 1u, 1);
  }
}

/* A window of at least 57 readable bits at r->pos, or 0 bits where fewer
 * than 64 remain: then the caller reads through gcomp_br_get. */
static inline int br_window(const gcomp_bitreader *r, uint64_t *bits) {
  if (r->end - r->pos < 64) return 0;
  *bits = load_le64(r->buf + (r->pos >> 3)) >> (r->pos & 7u);
  return 1;
}

/* gcomp_br_get for n <= 56. */
static inline uint64_t br_get(gcomp_bitreader *r, unsigned n) {
  uint64_t bits;
  if (n == 0 || !br_window(r, &bits)) return gcomp_br_get(r, n);
  r->pos += n;
  return bits & (((uint64_t)1 << n) - 1u);
}

/* Any n <= 64 bits, all or none as gcomp_br_get. */
static uint64_t br_get_wide(gcomp_bitreader *r, unsigned n) {
  if (n <= 56) return br_get(r, n);
  if (r->end - r->pos < n) return gcomp_br_get(r, n);
  uint64_t lo = br_get(r, 32);
  return lo | br_get(r, n - 32) << 32;
}

static uint64_t br_tb(gcomp_bitreader *r, uint64_t count) {
  unsigned k = floor_log2(count);
  uint64_t u = ((uint64_t)2 << k) - count;
  uint64_t x = br_get_wide(r, k);
  if (x < u) return x;
  return 2 * x + br_get(r, 1) - u;
}

void gcomp_tb_put(gcomp_bitwriter *w, uint64_t value, uint64_t count) {
  word_writer f;
  ww_init(&f, w);
  ww_tb(&f, value, count);
  ww_sync(&f);
}

uint64_t gcomp_tb_get(gcomp_bitreader *r, uint64_t count) { return br_tb(r, count); }

/* ------------------------------------------------------------ the code */

/* Sign and level of a nonzero as one field: the sign, k - 1 ones, a zero
 * unless k = K. */
gcompResult_t gcomp_structured_write(gcomp_bitwriter *w, const int32_t *v,
                                     uint64_t n, uint32_t K, int at_least_one) {
  binom_table t;
  binom_init(t);
  word_writer f;
  ww_init(&f, w);
  for (uint64_t off = 0; off < n; off += GCOMP_MASK_BLOCK) {
    unsigned len = (unsigned)(n - off < GCOMP_MASK_BLOCK ? n - off : GCOMP_MASK_BLOCK);
    mask_block b = mask_of(v + off, len, t);
    uint64_t range = zero_range(n, len, at_least_one);
    if (b.zeros >= range) {
      ww_sync(&f);
      return gcomp_fail(gcompInternalError, "structured code: no nonzero level");
    }
    ww_tb(&f, b.zeros, range);
    ww_tb(&f, b.index, t[len][b.zeros]);
    for (uint64_t nz = b.nonzero; nz != 0; nz &= nz - 1u) {
      int32_t x = v[off + (unsigned)__builtin_ctzll(nz)];
      uint32_t k = (uint32_t)(x < 0 ? -x : x);
      if (k <= 54u && k <= K) { /* one put */
        ww_put(&f, (uint64_t)(x < 0) | ((((uint64_t)1 << (k - 1u)) - 1u) << 1),
               1u + (k - 1u) + (k != K));
        continue;
      }
      if (k > K) {
        ww_sync(&f);
        return gcomp_fail(gcompInternalError, "level %u above limit %u", k, K);
      }
      ww_put(&f, x < 0, 1);
      for (uint32_t ones = k - 1; ones > 0;) {
        unsigned c = ones < 32 ? (unsigned)ones : 32;
        ww_put(&f, ((uint64_t)1 << c) - 1, c);
        ones -= c;
      }
      if (k != K) ww_put(&f, 0, 1);
    }
  }
  ww_sync(&f);
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

/* The signs and levels of a block's nonzeros (bit p of nz: v[p] != 0), in
 * order. A field is the sign, then the level in truncated unary: it is
 * read from a 64-bit window of the stream while it ends inside it (and
 * 64 bits remain), else bit by bit. */
static void read_levels(gcomp_bitreader *r, int32_t *v, uint64_t nz, uint32_t K) {
  uint64_t pos = r->pos, bits = 0;
  unsigned valid = 0; /* bits of the window still unread */
  for (; nz != 0; nz &= nz - 1u) {
    unsigned ones = (unsigned)__builtin_ctzll(~(bits >> 1)); /* bit 63 of bits >> 1 is 0 */
    uint32_t k = ones + 1u >= K ? K : ones + 1u;
    unsigned need = 1u + (k - 1u) + (k != K);
    if (ones >= 55 || need > valid) {
      if (r->end - pos < 64) break;
      valid = 64u - (unsigned)(pos & 7u);
      bits = load_le64(r->buf + (pos >> 3)) >> (pos & 7u);
      ones = (unsigned)__builtin_ctzll(~(bits >> 1));
      if (ones >= 55) break;
      k = ones + 1u >= K ? K : ones + 1u;
      need = 1u + (k - 1u) + (k != K);
    }
    uint32_t neg = 0u - (uint32_t)(bits & 1u); /* -k as (k ^ ~0) + 1: signs fall anywhere */
    v[__builtin_ctzll(nz)] = (int32_t)((k ^ neg) - neg);
    bits >>= need;
    valid -= need;
    pos += need;
  }
  r->pos = pos;
  for (; nz != 0; nz &= nz - 1u) {
    unsigned neg = gcomp_br_get_bit(r);
    uint32_t k = read_level(r, K);
    if (r->overrun) return;
    v[__builtin_ctzll(nz)] = neg ? -(int32_t)k : (int32_t)k;
  }
}

/* Unrank: the largest position p with C(p, j) <= index holds the j-th zero,
 * from the last zero down. Returns the nonzero positions as bits; *rest is
 * j | index at the end, 0 for a valid mask. No branch: zeros fall
 * anywhere; and the next position's two candidate entries are loaded
 * before this one decides between them. */
static uint64_t unrank(unsigned len, uint64_t zeros, uint64_t index, binom_table t,
                       uint64_t *rest) {
  uint64_t j = zeros, zero = 0, cur = t[len - 1u][j];
  for (unsigned p = len - 1u;; p--) {
    uint64_t c = (uint64_t)(j > 0) & (uint64_t)(cur <= index);
    index -= cur & (0 - c);
    zero |= c << p;
    if (p == 0) {
      j -= c;
      break;
    }
    uint64_t stay = t[p - 1u][j], down = t[p - 1u][j - (j > 0)];
    j -= c;
    cur = stay ^ ((stay ^ down) & (0 - c)); /* a select, not a branch */
  }
  *rest = j | index;
  return ~zero & (len == 64 ? ~(uint64_t)0 : ((uint64_t)1 << len) - 1u);
}

gcompResult_t gcomp_structured_read(gcomp_bitreader *r, int32_t *v, uint64_t n,
                                    uint32_t K, int at_least_one) {
  binom_table t;
  binom_init(t);
  for (uint64_t off = 0; off < n; off += GCOMP_MASK_BLOCK) {
    unsigned len = (unsigned)(n - off < GCOMP_MASK_BLOCK ? n - off : GCOMP_MASK_BLOCK);
    uint64_t zeros = br_tb(r, zero_range(n, len, at_least_one));
    uint64_t index = br_tb(r, t[len][zeros]);
    if (r->overrun) break;
    uint64_t rest = 0, nz = unrank(len, zeros, index, t, &rest);
    if (rest != 0) return gcomp_fail(gcompCorruptPayload, "structured code: bad zero mask");
    memset(v + off, 0, len * sizeof *v);
    read_levels(r, v + off, nz, K);
    if (r->overrun) break;
  }
  if (r->overrun) return gcomp_fail(gcompCorruptPayload, "structured code truncated");
  return gcompSuccess;
}
