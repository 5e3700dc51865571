#include "stages/rotate.h"

#include "core/hot.h"
#include "core/pool.h"
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

/* Columns [q, end) of the pass: column q is offset q % span of group
 * q / span (groups of 8 span values). */
GCOMP_HOT static void three_stages_cols(float *y, uint64_t span, uint64_t q, uint64_t end) {
  while (q < end) {
    uint64_t g = q / span, j0 = q % span;
    uint64_t j1 = end - q < span - j0 ? j0 + (end - q) : span;
    float *p0 = y + g * 8 * span, *p1 = p0 + span, *p2 = p1 + span, *p3 = p2 + span,
          *p4 = p3 + span, *p5 = p4 + span, *p6 = p5 + span, *p7 = p6 + span;
    for (uint64_t j = j0; j < j1; j++) {
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
    q += j1 - j0;
  }
}

static void three_stages(float *y, uint64_t n, uint64_t span) {
  three_stages_cols(y, span, 0, n / 8);
}

/* Stages [from, to) of a block of n values, three at a time. */
static void run_stages(float *y, uint64_t n, uint64_t from, uint64_t to) {
  uint64_t span = from;
  for (; span * 8 <= to; span *= 8) three_stages(y, n, span);
  stages(y, n, span, to);
}

/* ------------------------------------------------- in parallel pieces
 * Each pass below touches disjoint values per piece, and the passes keep
 * their order, so every value meets the same operations in the same order
 * as in one thread. */

typedef struct {
  float *y;
  const float *x;
  uint64_t d, n, seed, span;
  float scale;
} rot_job;

static void blocks_range(void *ctx, uint64_t first, uint64_t end) {
  const rot_job *j = ctx;
  for (uint64_t b = first; b < end; b++) run_stages(j->y + b * CACHE_SPAN, CACHE_SPAN, 1, CACHE_SPAN);
}

static void three_range(void *ctx, uint64_t first, uint64_t end) {
  const rot_job *j = ctx;
  three_stages_cols(j->y, j->span, first, end);
}

/* One stage of span `span` over columns [first, end) (pairs span apart). */
static void stage_range(void *ctx, uint64_t first, uint64_t end) {
  const rot_job *j = ctx;
  for (uint64_t q = first; q < end; q++) {
    float *a = j->y + q / j->span * 2 * j->span + q % j->span, *b = a + j->span;
    float u = *a, v = *b;
    *a = u + v;
    *b = u - v;
  }
}

static void fwht(float *y, uint64_t n) {
  if (n <= CACHE_SPAN || gcomp_par_pieces(n, GCOMP_PAR_GRAIN) == 1) {
    uint64_t inner = n < CACHE_SPAN ? n : CACHE_SPAN;
    for (uint64_t off = 0; off < n; off += inner) run_stages(y + off, inner, 1, inner);
    run_stages(y, n, inner, n);
    return;
  }
  rot_job j = {y, NULL, 0, n, 0, 0, 0.0f};
  gcomp_par_for(n / CACHE_SPAN, GCOMP_PAR_GRAIN / CACHE_SPAN, blocks_range, &j);
  uint64_t span = CACHE_SPAN;
  for (; span * 8 <= n; span *= 8) {
    j.span = span;
    gcomp_par_for(n / 8, GCOMP_PAR_GRAIN / 8, three_range, &j);
  }
  for (; span < n; span *= 2) {
    j.span = span;
    gcomp_par_for(n / 2, GCOMP_PAR_GRAIN / 2, stage_range, &j);
  }
}

/* Applies the signs of shared/hadamard.h, one Philox draw per 128 values:
 * a sign flip is an exclusive or of the sign bit (what negation does). */
GCOMP_HOT static void apply_signs(float *y, uint64_t from, uint64_t to, uint64_t seed) {
  for (uint64_t base = from; base < to; base += 128) {
    gcomp_u32x4 r = gcomp_philox(seed, GCOMP_STREAM_ROTATION, base >> 7);
    uint64_t m = to - base < 128 ? to - base : 128;
    for (uint64_t k = 0; k < m; k++) {
      uint32_t flip = ((r.v[k >> 5] >> (k & 31u)) & 1u) << 31;
      y[base + k] = gcomp_u2f(gcomp_f2u(y[base + k]) ^ flip);
    }
  }
}

/* Ranges are in groups of 128 values, one Philox draw each. */
static void signs_range(void *ctx, uint64_t first, uint64_t end) {
  const rot_job *j = ctx;
  apply_signs(j->y, 128 * first, 128 * end < j->n ? 128 * end : j->n, j->seed);
}

static void pad_range(void *ctx, uint64_t first, uint64_t end) {
  const rot_job *j = ctx;
  for (uint64_t i = first; i < end; i++) j->y[i] = i < j->d ? j->x[i] : 0.0f;
}

static void scale_range(void *ctx, uint64_t first, uint64_t end) {
  const rot_job *j = ctx;
  for (uint64_t i = first; i < end; i++) j->y[i] *= j->scale;
}

void gcomp_rotate_forward(const float *x, uint64_t d, uint64_t n, uint64_t seed,
                          float *y) {
  rot_job j = {y, x, d, n, seed, 0, gcomp_rotation_scale(n)};
  gcomp_par_for(n, GCOMP_PAR_GRAIN, pad_range, &j);
  gcomp_par_for((n + 127) / 128, GCOMP_PAR_GRAIN / 128, signs_range, &j);
  fwht(y, n);
  gcomp_par_for(n, GCOMP_PAR_GRAIN, scale_range, &j);
}

void gcomp_rotate_inverse(float *y, uint64_t n, uint64_t seed) {
  rot_job j = {y, NULL, 0, n, seed, 0, gcomp_rotation_scale(n)};
  fwht(y, n);
  gcomp_par_for(n, GCOMP_PAR_GRAIN, scale_range, &j);
  gcomp_par_for((n + 127) / 128, GCOMP_PAR_GRAIN / 128, signs_range, &j);
}
