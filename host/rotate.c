#include "rotate.h"

#include "shared/hadamard.h"

/* Butterflies with span below this run block by block, so the early stages
 * stay in cache. Each element still sees the same operations in the same
 * stage order as the plain loop, so results are identical. */
#define CACHE_SPAN 4096u

static void stages(float *y, uint64_t n, uint64_t from, uint64_t to) {
  for (uint64_t span = from; span < to; span <<= 1) {
    for (uint64_t i = 0; i < n; i += 2 * span) {
      float *a = y + i, *b = y + i + span;
      for (uint64_t j = 0; j < span; j++) {
        float u = a[j], v = b[j];
        a[j] = u + v;
        b[j] = u - v;
      }
    }
  }
}

static void fwht(float *y, uint64_t n) {
  uint64_t inner = n < CACHE_SPAN ? n : CACHE_SPAN;
  for (uint64_t off = 0; off < n; off += inner) stages(y + off, inner, 1, inner);
  stages(y, n, inner, n);
}

/* Applies the signs of shared/hadamard.h, one Philox draw per 128 values. */
static void apply_signs(float *y, uint64_t n, uint64_t seed) {
  for (uint64_t base = 0; base < n; base += 128) {
    gcomp_u32x4 r = gcomp_philox(seed, GCOMP_STREAM_ROTATION, base >> 7);
    uint64_t m = n - base < 128 ? n - base : 128;
    for (uint64_t k = 0; k < m; k++)
      if ((r.v[k >> 5] >> (k & 31u)) & 1u) y[base + k] = -y[base + k];
  }
}

void gcomp_rotate_forward(const float *x, uint64_t d, uint64_t n, uint64_t seed,
                          float *y) {
  for (uint64_t i = 0; i < n; i++) y[i] = i < d ? x[i] : 0.0f;
  apply_signs(y, n, seed);
  fwht(y, n);
  float s = gcomp_rotation_scale(n);
  for (uint64_t i = 0; i < n; i++) y[i] *= s;
}

void gcomp_rotate_inverse(float *y, uint64_t n, uint64_t seed) {
  fwht(y, n);
  float s = gcomp_rotation_scale(n);
  for (uint64_t i = 0; i < n; i++) y[i] *= s;
  apply_signs(y, n, seed);
}
