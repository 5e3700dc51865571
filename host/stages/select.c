/* Exact selection of the k largest ranks, ties to the lower index.
 *
 * Radix select: three histogram passes over the rank's digits (11, 11 and
 * 10 bits, most significant first) find the rank T of the k-th largest; a
 * pass in index order keeps every rank above T and the first ones equal to
 * it. The rule is the one a GPU radix select implements, so both keep the
 * same set.
 *
 * For k small next to n the four passes over n ranks are mostly wasted: a
 * strided sample of the ranks gives a threshold t that about k (1 + 4/sqrt
 * of the sample's expected count) ranks reach, one pass collects those
 * candidates in index order, and the radix select runs on the candidates
 * only. Every rank of the true selection is >= its k-th largest >= t when
 * at least k candidates came out, so the kept set is exactly the radix
 * select's; when fewer came out (or far too many: a sample the data
 * fooled), the full radix select runs instead. */
#include "stages/select.h"

#include "shared/check.h"
#include "core/hot.h"
#include "shared/bits.h"
#include "shared/selection.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BINS (1u << 11) /* the widest digit */
#define SAMPLES 16384u

static const unsigned shifts[3] = {21, 10, 0};
static const unsigned widths[3] = {11, 11, 10};

static inline uint32_t rank_at(const uint8_t *w, uint32_t mask, uint64_t i) {
  uint32_t u;
  memcpy(&u, w + 4 * i, 4);
  return u & mask;
}

/* Histogram of digit `pass` over the ranks whose higher digits equal
 * `prefix`. */
GCOMP_HOT static void histogram(const uint8_t *w, uint32_t mask, uint64_t n, unsigned pass,
                                uint32_t prefix, uint64_t *h) {
  unsigned s = shifts[pass], hi = s + widths[pass];
  uint32_t dmask = (1u << widths[pass]) - 1u;
  memset(h, 0, BINS * sizeof *h);
  for (uint64_t i = 0; i < n; i++) {
    uint32_t r = rank_at(w, mask, i);
    if ((uint32_t)((uint64_t)r >> hi) == prefix) h[(r >> s) & dmask]++;
  }
}

/* The k-th largest rank T, and how many ranks equal to T are kept (the
 * first ones in index order). 1 <= k <= n. */
static gcomp_select_threshold find_threshold(const uint8_t *w, uint32_t mask, uint64_t n,
                                             uint64_t k) {
  uint64_t h[BINS];
  uint64_t above = 0; /* ranks known to be larger than the prefix's range */
  uint32_t prefix = 0;
  for (unsigned pass = 0; pass < 3; pass++) {
    histogram(w, mask, n, pass, prefix, h);
    uint32_t d = (1u << widths[pass]) - 1u;
    while (above + h[d] < k) above += h[d--];
    prefix = (prefix << widths[pass]) | d;
  }
  gcomp_select_threshold t = {prefix, k - above};
  return t;
}

GCOMP_HOT static void collect(const uint8_t *w, uint32_t mask, uint64_t n,
                              gcomp_select_threshold t, uint64_t *idx) {
  uint64_t m = 0, ties = t.ties;
  for (uint64_t i = 0; i < n; i++) {
    uint32_t r = rank_at(w, mask, i);
    if (r > t.rank || (r == t.rank && ties > 0)) {
      ties -= r == t.rank;
      idx[m++] = i;
    }
  }
}

static gcompResult_t select_radix(const uint8_t *w, uint32_t mask, uint64_t n, uint64_t k,
                                  uint64_t *idx) {
  collect(w, mask, n, find_threshold(w, mask, n, k), idx);
  return gcompSuccess;
}

/* ------------------------------------------------------------ candidates */

int gcomp_cand_init(gcomp_candidates *c, uint64_t cap) {
  c->idx = malloc((size_t)cap * sizeof *c->idx);
  c->rank = malloc((size_t)cap * sizeof *c->rank);
  c->count = 0;
  c->cap = cap;
  c->overflow = 0;
  if (c->idx && c->rank) return 1;
  gcomp_cand_free(c);
  return 0;
}

void gcomp_cand_free(gcomp_candidates *c) {
  free(c->idx);
  free(c->rank);
  c->idx = NULL;
  c->rank = NULL;
}

/* The words may be floats: read through a type that may alias them. */
typedef uint32_t word_alias __attribute__((may_alias, aligned(1)));

/* The ranks (words[j] & mask) ^ flip >= t, as indices base + j: a flag a
 * rank in one vectorized pass, then the flags 8 at a time (most words of
 * flags are zero). */
GCOMP_HOT void gcomp_cand_scan(gcomp_candidates *c, const void *words, uint32_t mask,
                               uint32_t flip, uint32_t len, uint64_t base, uint32_t t) {
  const word_alias *w = words;
  uint8_t hit[GCOMP_SELECT_BATCH + 8];
  if (len > GCOMP_SELECT_BATCH) len = GCOMP_SELECT_BATCH;
  for (uint32_t j = 0; j < len; j++) hit[j] = ((w[j] & mask) ^ flip) >= t;
  memset(hit + len, 0, 8);
  uint64_t cnt = c->count;
  for (uint32_t j = 0; j < len; j += 8) {
    uint64_t h;
    memcpy(&h, hit + j, 8);
    for (; h; h &= h - 1) {
      if (cnt == c->cap) {
        c->overflow = 1;
        return;
      }
      uint32_t at = j + (uint32_t)__builtin_ctzll(h) / 8;
      c->idx[cnt] = base + at;
      c->rank[cnt++] = (w[at] & mask) ^ flip;
    }
  }
  c->count = cnt;
}

gcompResult_t gcomp_cand_select(const gcomp_candidates *c, uint64_t k, uint64_t *idx) {
  if (k == 0 || k > c->count)
    return gcomp_fail(gcompInternalError, "select %llu of %llu candidates",
                      (unsigned long long)k, (unsigned long long)c->count);
  gcomp_select_threshold t = find_threshold((const uint8_t *)c->rank, 0xffffffffu, c->count, k);
  uint64_t m = 0, ties = t.ties;
  for (uint64_t j = 0; j < c->count; j++) {
    uint32_t r = c->rank[j];
    if (r > t.rank || (r == t.rank && ties > 0)) {
      ties -= r == t.rank;
      idx[m++] = c->idx[j];
    }
  }
  return gcompSuccess;
}

/* Room for the candidates of a threshold expected to let `expect` through:
 * the expectation plus 16 standard deviations and some, so that a random
 * set overflows only when the data defeated the estimate. */
uint64_t gcomp_cand_room(double expect) {
  return (uint64_t)(expect + 16.0 * sqrt(expect) + 1024.0);
}

/* A threshold about `target` of the sample's ranks reach: the sample's
 * target-th largest (a radix select on the sample alone); *room is how
 * many of the n ranks it may let through: the sample's own spread, sqrt(target)
 * of its ranks, stands for n / SAMPLES ranks each, 8 of those beyond the mean.
 * 0: no useful threshold. */
static uint32_t sample_threshold(const uint8_t *w, uint32_t mask, uint64_t n, uint64_t k,
                                 uint64_t *room) {
  uint32_t sample[SAMPLES];
  uint64_t stride = n / SAMPLES;
  for (uint32_t i = 0; i < SAMPLES; i++) sample[i] = rank_at(w, mask, i * stride);
  double hits = (double)SAMPLES * (double)k / (double)n;
  uint64_t target = (uint64_t)ceil(hits + 4.0 * sqrt(hits) + 8.0);
  if (target > SAMPLES / 4) return 0;
  *room = (uint64_t)(((double)target + 8.0 * sqrt((double)target)) * (double)stride) + 1024;
  return find_threshold((const uint8_t *)sample, 0xffffffffu, SAMPLES, target).rank;
}

/* 1 when the sampled path gave the answer; 0 to run the full select. */
static int select_sampled(const uint8_t *w, uint32_t mask, uint64_t n, uint64_t k,
                          uint64_t *idx) {
  uint64_t room = 0;
  uint32_t t = sample_threshold(w, mask, n, k, &room);
  gcomp_candidates c;
  if (t == 0 || !gcomp_cand_init(&c, room)) return 0;
  for (uint64_t base = 0; base < n && !c.overflow; base += GCOMP_SELECT_BATCH) {
    uint32_t len = (uint32_t)(n - base < GCOMP_SELECT_BATCH ? n - base : GCOMP_SELECT_BATCH);
    gcomp_cand_scan(&c, w + 4 * base, mask, 0, len, base, t);
  }
  int done = !c.overflow && c.count >= k && gcomp_cand_select(&c, k, idx) == gcompSuccess;
  gcomp_cand_free(&c);
  return done;
}

gcompResult_t gcomp_select_largest(const void *words, uint32_t mask, uint64_t n,
                                   uint64_t k, uint64_t *idx) {
  const uint8_t *w = words;
  if (k == 0 || k > n) return gcomp_fail(gcompInternalError, "select %llu of %llu",
                                         (unsigned long long)k, (unsigned long long)n);
  if (n >= 16 * (uint64_t)SAMPLES && k <= n / 16 && select_sampled(w, mask, n, k, idx))
    return gcompSuccess;
  return select_radix(w, mask, n, k, idx);
}

/* ------------------------------------------------------------ parameter k */

gcompResult_t gcomp_k_configure(gcompCodecConfig_t *cfg, double *param, uint64_t *iparam) {
  *param = 0;
  *iparam = 0;
  if (cfg->k == GCOMP_DEFAULT) return gcompSuccess;
  *iparam = (uint64_t)cfg->k;
  return gcompSuccess;
}

int gcomp_k_header_ok(double param, uint64_t iparam, uint64_t n) {
  return gcomp_is_plus_zero(param) && iparam >= 1 && iparam <= n;
}

gcompResult_t gcomp_k_for(uint64_t iparam, uint64_t n, uint64_t *k) {
  *k = iparam ? iparam : gcomp_default_k(n);
  if (*k > n)
    return gcomp_fail(gcompParameterOutOfRange, "k = %llu exceeds the %llu coded coordinates",
                      (unsigned long long)*k, (unsigned long long)n);
  return gcompSuccess;
}

gcompResult_t gcomp_k_resolve(const struct gcompCodec *c, uint64_t n, uint64_t *k) {
  return gcomp_k_for(c->iparam, n, k);
}

uint64_t gcomp_k_capped(const struct gcompCodec *c, uint64_t n) {
  uint64_t k = c->iparam ? c->iparam : gcomp_default_k(n);
  return k < n ? k : n;
}
