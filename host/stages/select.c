/* Radix select: three histogram passes over the rank's digits (11, 11 and
 * 10 bits, most significant first) find the rank T of the k-th largest; a
 * final pass in index order keeps every rank above T and the first ones
 * equal to it. Linear time, small histograms (they stay in L1), the kept
 * indices come out sorted, and the rule is the one a GPU radix select
 * implements, so both keep the same set. */
#include "stages/select.h"

#include "shared/check.h"
#include "core/hot.h"
#include "shared/bits.h"
#include "shared/selection.h"

#include <string.h>

#define BINS (1u << 11) /* the widest digit */

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

GCOMP_HOT static void collect(const uint8_t *w, uint32_t mask, uint64_t n, uint32_t t,
                              uint64_t ties, uint64_t *idx) {
  uint64_t m = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint32_t r = rank_at(w, mask, i);
    if (r > t || (r == t && ties > 0)) {
      ties -= r == t;
      idx[m++] = i;
    }
  }
}

gcompResult_t gcomp_select_largest(const void *words, uint32_t mask, uint64_t n,
                                   uint64_t k, uint64_t *idx) {
  const uint8_t *w = words;
  if (k == 0 || k > n) return gcomp_fail(gcompInternalError, "select %llu of %llu",
                                         (unsigned long long)k, (unsigned long long)n);
  uint64_t h[BINS];
  uint64_t above = 0; /* ranks known to be larger than the prefix's range */
  uint32_t prefix = 0;
  for (unsigned pass = 0; pass < 3; pass++) {
    histogram(w, mask, n, pass, prefix, h);
    uint32_t d = (1u << widths[pass]) - 1u;
    while (above + h[d] < k) above += h[d--];
    prefix = (prefix << widths[pass]) | d;
  }
  collect(w, mask, n, prefix, k - above, idx);
  return gcompSuccess;
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
