#include "stages/rotate.h"

#include "core/hot.h"
#include "shared/bits.h"
#include "shared/hadamard.h"

/* Butterflies with span below this run block by block, so the early stages
 * stay in cache. Each element still sees the same operations in the same
 * stage order as the plain loop, so results are identical. */
#define CACHE_SPAN 4096u

GCOMP_HOT static void stages(float *y, uint64_t n, uint64_t from, uint64_t to) {
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

/* Stages span, 2 span and 4 span in one pass over memory: each group of 8
 * values (stride span) goes through the three stages in registers, every
 * value meeting the same partners in the same order as three separate
 * passes, so the bits are those of the plain loop at a third of the
 * memory traffic. */
/* (a, b) <- (a + b, a - b), as stages() computes it */
#define BUTTERFLY(a, b) \
  do {                  \
    float u_ = (a);     \
    (a) = u_ + (b);     \
    (b) = u_ - (b);     \
  } while (0)

GCOMP_HOT static void three_stages(float *y, uint64_t n, uint64_t span) {
  for (uint64_t i = 0; i < n; i += 8 * span) {
    float *p0 = y + i, *p1 = p0 + span, *p2 = p1 + span, *p3 = p2 + span, *p4 = p3 + span,
          *p5 = p4 + span, *p6 = p5 + span, *p7 = p6 + span;
    for (uint64_t j = 0; j < span; j++) {
      float v0 = p0[j], v1 = p1[j], v2 = p2[j], v3 = p3[j], v4 = p4[j], v5 = p5[j],
            v6 = p6[j], v7 = p7[j];
      /* span */
      BUTTERFLY(v0, v1);
      BUTTERFLY(v2, v3);
      BUTTERFLY(v4, v5);
      BUTTERFLY(v6, v7);
      /* 2 span */
      BUTTERFLY(v0, v2);
      BUTTERFLY(v1, v3);
      BUTTERFLY(v4, v6);
      BUTTERFLY(v5, v7);
      /* 4 span */
      BUTTERFLY(v0, v4);
      BUTTERFLY(v1, v5);
      BUTTERFLY(v2, v6);
      BUTTERFLY(v3, v7);
      p0[j] = v0, p1[j] = v1, p2[j] = v2, p3[j] = v3;
      p4[j] = v4, p5[j] = v5, p6[j] = v6, p7[j] = v7;
    }
  }
}

/* Stages [from, to) of a block of n values, three at a time. */
static void run_stages(float *y, uint64_t n, uint64_t from, uint64_t to) {
  uint64_t span = from;
  for (; span * 8 <= to; span *= 8) three_stages(y, n, span);
  stages(y, n, span, to);
}

static void fwht(float *y, uint64_t n) {
  uint64_t inner = n < CACHE_SPAN ? n : CACHE_SPAN;
  for (uint64_t off = 0; off < n; off += inner) run_stages(y + off, inner, 1, inner);
  run_stages(y, n, inner, n);
}

/* Applies the signs of shared/hadamard.h, one Philox draw per 128 values:
 * a sign flip is an exclusive or of the sign bit (what negation does). */
GCOMP_HOT static void apply_signs(float *y, uint64_t n, uint64_t seed) {
  for (uint64_t base = 0; base < n; base += 128) {
    gcomp_u32x4 r = gcomp_philox(seed, GCOMP_STREAM_ROTATION, base >> 7);
    uint64_t m = n - base < 128 ? n - base : 128;
    for (uint64_t k = 0; k < m; k++) {
      uint32_t flip = ((r.v[k >> 5] >> (k & 31u)) & 1u) << 31;
      y[base + k] = gcomp_u2f(gcomp_f2u(y[base + k]) ^ flip);
    }
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
