/* Blockwise Spherical Compression, class C(alpha) (PAPER.md section 5).
 * Body (docs/FORMAT-spherical.md): R as 31 bits | Rice parameter k as 5 bits
 * | per block an 8-bit norm code and, for a nonzero code, the Rice code of
 * T - 1, T the index of the first accepted candidate. The per-block math is
 * in shared/spherical.h; this file finds the T's, writes and reads bits,
 * and validates. Error budget: docs/spherical.md. */
#include "core/codec.h"
#include "shared/check.h"
#include "core/hot.h"
#include "stages/philox_batch.h"
#include "shared/bitio.h"
#include "shared/spherical.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define R_BITS GCOMP_SC_R_BITS
#define K_BITS GCOMP_SC_K_BITS
#define CODE_BITS GCOMP_SC_CODE_BITS
#define HEAD_BITS GCOMP_SC_HEAD_BITS
#define ENCODE_MAX_QUOTIENT GCOMP_SC_ENCODE_MAX_QUOTIENT

#define DEFAULT_ALPHA 0.5
#define MAX_TRIALS_CEILING 16777216.0 /* 2^24 */
#define DEFAULT_BLOCK_TRIALS 1024.0   /* 2^10 */
#define DEFAULT_BLOCK_MAX 16

/* ------------------------------------------------------- parameters */

/* log2 P(alpha_s, m). gcompSphericalCapLog2 clears this thread's error
 * detail, so it runs before any failure of ours is recorded. */
static gcompResult_t cap_log2(double alpha_s, uint64_t m, double *lp) {
  gcompResult_t r = gcompSphericalCapLog2(alpha_s, m, lp);
  if (r != gcompSuccess)
    return gcomp_fail(gcompInternalError, "log2 P(%g, %llu) failed", alpha_s,
                      (unsigned long long)m);
  return gcompSuccess;
}

/* Each field is already in its range (spherical_params, checked by codec.c). */
static gcompResult_t spherical_configure(gcompCodecConfig_t *cfg, double *param,
                                         uint64_t *iparam) {
  if (cfg->alpha == (double)GCOMP_DEFAULT) cfg->alpha = DEFAULT_ALPHA;
  if (cfg->maxTrials == (double)GCOMP_DEFAULT) cfg->maxTrials = MAX_TRIALS_CEILING;
  double as = gcomp_sc_alpha_s(cfg->alpha);
  if (!(as > 0)) {
    double ep = GCOMP_SC_LEVEL_EPS + 0x1p-20;
    return gcomp_fail(gcompParameterOutOfRange,
                      "alpha = %g leaves no budget after norm quantization "
                      "(needs alpha > %.6f)", cfg->alpha, ep * ep / (1 - 0x1p-14));
  }
  double lp;
  if (cfg->block == GCOMP_DEFAULT) {
    /* Largest m <= 16 whose expected trials stay within 2^10 (and within
     * max_trials, so a lower limit still yields a usable default). */
    double limit = fmin(DEFAULT_BLOCK_TRIALS, cfg->maxTrials);
    cfg->block = 1;
    for (int64_t m = 2; m <= DEFAULT_BLOCK_MAX; m++) {
      GCOMP_TRY(cap_log2(as, (uint64_t)m, &lp));
      if (exp2(-lp) > limit) break;
      cfg->block = m;
    }
  }
  GCOMP_TRY(cap_log2(as, (uint64_t)cfg->block, &lp));
  double trials = exp2(-lp);
  if (trials > cfg->maxTrials)
    return gcomp_fail(gcompTooManyTrials,
                      "alpha = %g with block %lld needs %.4g expected trials "
                      "(2^%.2f), above the limit max_trials = %g",
                      cfg->alpha, (long long)cfg->block, trials, -lp,
                      cfg->maxTrials);
  *param = cfg->alpha;
  *iparam = (uint64_t)cfg->block;
  return gcompSuccess;
}

/* Auto and direct never exceed 32 bits a coordinate. Structured: a norm
 * code, at most ENCODE_MAX_QUOTIENT + 1 unary bits and k <= 31 low bits a
 * block. */
static size_t spherical_bound(const struct gcompCodec *c, uint64_t n) {
  if (c->config.packing != gcompPackStructured) return (size_t)(4 * n);
  uint64_t m = (uint64_t)c->config.block, nb = (n + m - 1) / m;
  uint64_t bits = HEAD_BITS + nb * (CODE_BITS + ENCODE_MAX_QUOTIENT + 1 + 31);
  if (bits / 8 >= SIZE_MAX) return 0;
  return (size_t)((bits + 7) / 8);
}

/* ----------------------------------------------------------- encode */

typedef struct {
  uint64_t n, m, nb, seed;
  double alpha, one_minus_as, c;
  unsigned k;
  uint64_t max_trial; /* largest T this encoder sends: quotient <= 256 */
} plan;

static gcompResult_t make_plan(const gcomp_body_in *in, plan *p) {
  const gcompCodecConfig_t *cfg = &in->codec->config;
  double as = gcomp_sc_alpha_s(cfg->alpha), lp;
  p->n = in->n;
  p->m = (uint64_t)cfg->block;
  p->nb = (in->n + p->m - 1) / p->m;
  p->seed = in->seed;
  p->alpha = cfg->alpha;
  p->one_minus_as = 1.0 - as;
  p->c = gcomp_sqrt_rn(p->one_minus_as);
  GCOMP_TRY(cap_log2(as, p->m, &lp));
  p->k = gcomp_sc_rice_parameter(lp);
  /* T - 1 < 257 * 2^k, at most 257 * 2^31 < 2^40: within the format's cap. */
  p->max_trial = (uint64_t)(ENCODE_MAX_QUOTIENT + 1) << p->k;
  return gcompSuccess;
}

static uint32_t block_len(const plan *p, uint64_t b) {
  uint64_t left = p->n - b * p->m;
  return (uint32_t)(left < p->m ? left : p->m);
}

/* The scale R (gcomp_sc_scale) and the sum of all block norms, in block
 * order (the underflow test of FORMAT-spherical.md uses it). */
static gcompResult_t scale_of(const plan *p, const float *x, float *R, double *total) {
  double worst = 0.0, sum = 0.0;
  for (uint64_t b = 0; b < p->nb; b++) {
    double rr = gcomp_sc_sumsq(x + b * p->m, block_len(p, b));
    worst = rr > worst ? rr : worst;
    sum += rr;
  }
  *total = sum;
  if (gcomp_sc_scale(worst, R) != 0)
    return gcomp_fail(gcompParameterOutOfRange,
                      "a block norm (%g) exceeds the float32 range of the scale R",
                      sqrt(worst));
  return gcompSuccess;
}

/* The trial search, TRIALS candidates side by side: group j (coordinates
 * 4j..4j+3) of every trial still alive is drawn 16 trials at a time
 * (batched Philox, then Box-Muller across the trials, which vectorizes),
 * the running sums <g, x> and |g|^2 advance coordinate by coordinate in the
 * order of gcomp_sc_try, and gcomp_sc_hopeless drops the trials it would
 * drop. The first trial of the batch still alive and accepted at the end
 * is the one gcomp_sc_try would find first: the same T, the same g (built
 * again for the output) and the same |g|^2. */
#define TRIALS 64u

typedef struct {
  uint32_t id[TRIALS]; /* alive trials (offsets from the batch's first), in order */
  double a[TRIALS], sq[TRIALS];         /* their sums so far, by alive position */
  uint8_t hopeless[TRIALS];             /* by alive position, after the last group */
} trial_batch;

/* Group j of every alive trial; with tail (j not the last group), also
 * which of them are hopeless. Each step runs across all the trials at once
 * (many independent chains keep the long polynomial ones from stalling). */
GCOMP_HOT static void build_group(const plan *p, uint64_t block, uint64_t first, uint32_t j,
                                  const float *x, uint32_t mb, const double *tail,
                                  double need, trial_batch *tb, uint32_t alive) {
  uint64_t w = (mb + 3) / 4, stream = GCOMP_STREAM_SPHERICAL + block;
  uint32_t lo = 4 * j, width = mb - lo < 4 ? mb - lo : 4;
  uint32_t lanes = (alive + GCOMP_PHILOX_BATCH - 1) / GCOMP_PHILOX_BATCH * GCOMP_PHILOX_BATCH;
  uint32_t r[4][TRIALS];
  for (uint32_t base = 0; base < alive; base += GCOMP_PHILOX_BATCH) {
    uint32_t cnt = alive - base < GCOMP_PHILOX_BATCH ? alive - base : GCOMP_PHILOX_BATCH;
    uint64_t draw[GCOMP_PHILOX_BATCH] = {0};
    for (uint32_t l = 0; l < cnt; l++) draw[l] = (first + tb->id[base + l] - 1) * w + j;
    gcomp_philox_lanes(p->seed, stream, draw, cnt, &r[0][base], TRIALS);
  }
  float g[4][TRIALS];
  for (uint32_t l = 0; l < lanes; l++) {
    gcomp_normal_pair(r[0][l], r[1][l], &g[0][l], &g[1][l]);
    gcomp_normal_pair(r[2][l], r[3][l], &g[2][l], &g[3][l]);
  }
  for (uint32_t c = 0; c < width; c++) {
    double xc = (double)x[lo + c];
    for (uint32_t l = 0; l < lanes; l++) {
      double gv = (double)g[c][l];
      tb->a[l] += gv * xc;
      tb->sq[l] += gv * gv;
    }
  }
  /* gcomp_sc_hopeless, its quotient formed in every lane and kept by a
   * mask (a branch would stop the division vectorizing): the same value
   * wherever the test reads it. */
  if (tail) {
    for (uint32_t l = 0; l < lanes; l++) {
      double q = tb->a[l] * tb->a[l] / tb->sq[l];
      uint64_t m = 0u - (uint64_t)(tb->a[l] > 0.0);
      tb->hopeless[l] = gcomp_u2d(gcomp_d2u(q) & m) + *tail < need;
    }
  }
}

/* Branch-free compaction (which trials die is data, not a pattern). */
static uint32_t prune(trial_batch *tb, uint32_t alive) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < alive; i++) {
    tb->id[k] = tb->id[i];
    tb->a[k] = tb->a[i];
    tb->sq[k] = tb->sq[i];
    k += !tb->hopeless[i];
  }
  return k;
}

/* First accepted candidate of block b; writes its output to y if y. */
static gcompResult_t search_block(const plan *p, uint64_t b, const float *x,
                                  uint32_t mb, double rr, double rt, uint64_t *T,
                                  float *y) {
  double tail[GCOMP_SC_MAX_BLOCK / 4 + 1];
  gcomp_sc_tail_squares(x, mb, tail);
  uint32_t w = (mb + 3) / 4;
  double need = gcomp_sc_need(p->one_minus_as, rr);
  trial_batch tb;
  /* A test that drops few trials costs more than the groups it saves: each
   * group's test runs while it dropped at least 1/8 in this block's
   * previous batch (dropping fewer changes no T: the test is a shortcut). */
  uint32_t tested[GCOMP_SC_MAX_BLOCK / 4] = {0}, dropped[GCOMP_SC_MAX_BLOCK / 4] = {0};
  for (uint64_t first = 1; first <= p->max_trial; first += TRIALS) {
    uint64_t left = p->max_trial - first + 1;
    uint32_t alive = left < TRIALS ? (uint32_t)left : TRIALS;
    for (uint32_t i = 0; i < TRIALS; i++) {
      tb.id[i] = i;
      tb.a[i] = 0.0;
      tb.sq[i] = 0.0;
    }
    for (uint32_t j = 0; j < w && alive; j++) {
      int test = j + 1 < w && 8 * dropped[j] >= tested[j];
      build_group(p, b, first, j, x, mb, test ? tail + j + 1 : NULL, need, &tb, alive);
      if (test) {
        uint32_t kept = prune(&tb, alive);
        tested[j] = alive;
        dropped[j] = alive - kept;
        alive = kept;
      }
    }
    for (uint32_t i = 0; i < alive; i++) {
      if (!gcomp_sc_accepts(tb.a[i], tb.sq[i], rr, p->one_minus_as)) continue;
      *T = first + tb.id[i];
      if (y) { /* the winner built again, as its decoder will */
        float g[GCOMP_SC_MAX_BLOCK];
        gcomp_sc_candidate(p->seed, b, *T, mb, g);
        gcomp_sc_output(g, mb, rt, p->c, tb.sq[i], y);
      }
      return gcompSuccess;
    }
  }
  return gcomp_fail(gcompInternalError,
                    "block %llu: no candidate accepted in %llu trials",
                    (unsigned long long)b, (unsigned long long)p->max_trial);
}

/* The guarantee is proven for |x|^2 >= n 2^-252 (docs/spherical.md): below,
 * outputs underflow to subnormals whose absolute rounding may break it, so
 * the actual output is checked, with a slack covering this sum's rounding. */
static int underflow_regime(const plan *p, double total) {
  return total < (double)p->n * 0x1p-250;
}

static int within_alpha(const plan *p, const float *x, const float *y, double total) {
  double err = 0.0;
  for (uint64_t i = 0; i < p->n; i++) {
    double d = (double)y[i] - (double)x[i];
    err += d * d;
  }
  return err <= p->alpha * (1.0 - 0x1p-10) * total;
}

/* Runs every block; writes the structured body to w (NULL: don't) and the
 * reference output to y (NULL: don't). */
static gcompResult_t encode_blocks(const plan *p, const float *x, float R,
                                   gcomp_bitwriter *w, float *y) {
  for (uint64_t b = 0; b < p->nb; b++) {
    const float *xb = x + b * p->m;
    uint32_t mb = block_len(p, b);
    double rr = gcomp_sc_sumsq(xb, mb);
    unsigned code = gcomp_sc_norm_code(sqrt(rr), (double)R);
    if (w) gcomp_bw_put(w, code, CODE_BITS);
    if (code == 0) {
      if (y) memset(y + b * p->m, 0, mb * sizeof *y);
      continue;
    }
    uint64_t T = 0;
    GCOMP_TRY(search_block(p, b, xb, mb, rr, gcomp_sc_norm_value(R, code), &T,
                           y ? y + b * p->m : NULL));
    if (w) gcomp_rice_put(w, T - 1, p->k);
  }
  return gcompSuccess;
}

static uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static gcompResult_t encode_zero(const gcomp_body_in *in, gcomp_body_out *out) {
  if (in->codec->config.packing == gcompPackDirect) {
    float *y = calloc((size_t)in->n, sizeof *y);
    if (!y) return gcomp_fail(gcompOutOfMemory, "output buffer allocation failed");
    gcompResult_t r = gcomp_direct_write(y, in->n, in->dst, in->cap, out);
    free(y);
    return r;
  }
  gcomp_bitwriter w;
  gcomp_bw_init(&w, in->dst, in->cap);
  gcomp_bw_put(&w, 0, R_BITS); /* R = 0: the body ends here */
  if (w.overflow) return gcomp_fail(gcompDstTooSmall, "dst too small for the scale");
  out->packing = gcompPackStructured;
  out->bits = w.pos;
  return gcompSuccess;
}

/* Structured unless direct is shorter (auto), or the one asked for. y is
 * the reference output, or x itself where the output had to be replaced. */
static gcompResult_t pick_packing(const gcomp_body_in *in, const gcomp_bitwriter *w,
                                  const float *y, int replaced,
                                  gcomp_body_out *out) {
  gcompPacking_t packing = in->codec->config.packing;
  if (packing == gcompPackStructured) {
    if (w->overflow)
      return gcomp_fail(gcompDstTooSmall, "dst holds %zu body bytes, too few",
                        in->cap);
    out->packing = gcompPackStructured;
    out->bits = w->pos;
    return gcompSuccess;
  }
  if (packing == gcompPackAuto && !replaced && !w->overflow && w->pos <= 32 * in->n) {
    out->packing = gcompPackStructured;
    out->bits = w->pos;
    return gcompSuccess;
  }
  return gcomp_direct_write(y, in->n, in->dst, in->cap, out);
}

static gcompResult_t spherical_encode(const gcomp_body_in *in, gcomp_body_out *out) {
  gcompPacking_t packing = in->codec->config.packing;
  plan p;
  float R = 0.0f;
  double total;
  GCOMP_TRY(make_plan(in, &p));
  GCOMP_TRY(scale_of(&p, in->x, &R, &total));
  if (R == 0.0f) return encode_zero(in, out);
  int underflow = underflow_regime(&p, total);
  float *y = NULL;
  if (packing != gcompPackStructured || underflow) {
    y = malloc((size_t)p.n * sizeof *y);
    if (!y) return gcomp_fail(gcompOutOfMemory, "output buffer allocation failed");
  }
  gcomp_bitwriter w;
  gcomp_bw_init(&w, in->dst, packing == gcompPackDirect ? 0 : in->cap);
  gcomp_bw_put(&w, float_bits(R), R_BITS);
  gcomp_bw_put(&w, p.k, K_BITS);
  gcompResult_t r = encode_blocks(&p, in->x, R, packing == gcompPackDirect ? NULL : &w, y);
  int replaced = 0;
  if (r == gcompSuccess && underflow && !within_alpha(&p, in->x, y, total)) {
    /* Below the proven range (see underflow_regime) an output that misses
     * the bound is replaced by x itself, exact and so in C(alpha), where
     * the packing can carry it. */
    if (packing == gcompPackStructured)
      r = gcomp_fail(gcompParameterOutOfRange,
                     "|x|^2 = %g is so small that the output underflows float32 "
                     "and misses alpha; use packing auto or direct", total);
    replaced = 1;
  }
  if (r == gcompSuccess) r = pick_packing(in, &w, replaced ? in->x : y, replaced, out);
  free(y);
  return r;
}

/* ----------------------------------------------------------- decode */

static gcompResult_t corrupt_block(uint64_t b, const char *what) {
  return gcomp_fail(gcompCorruptPayload, "spherical body, block %llu: %s",
                    (unsigned long long)b, what);
}

static gcompResult_t decode_blocks(const gcomp_body_view *v, gcomp_bitreader *br,
                                   double R, unsigned k, double c, float *y) {
  uint64_t m = v->iparam, nb = (v->n + m - 1) / m;
  static const char *const why[] = {"", "body ends before the norm code",
                                    "trial count truncated or too long",
                                    "trial count above 2^40"};
  for (uint64_t b = 0; b < nb; b++) {
    uint64_t left = v->n - b * m;
    uint32_t mb = (uint32_t)(left < m ? left : m);
    float *yb = y + b * m;
    unsigned code;
    uint64_t t1;
    int r = gcomp_sc_read_block(br, k, &code, &t1);
    if (r != GCOMP_SC_READ_OK) return corrupt_block(b, why[r]);
    if (code == 0) {
      memset(yb, 0, mb * sizeof *yb);
      continue;
    }
    if (!gcomp_sc_block_output(v->seed, b, t1 + 1, mb, R, code, c, yb))
      return corrupt_block(b, "trial names a zero candidate");
  }
  return gcompSuccess;
}

static gcompResult_t spherical_decode(const gcomp_body_view *v, float *y) {
  if (v->packing == gcompPackDirect) return gcomp_direct_read(v, y);
  if (v->packing != gcompPackStructured)
    return gcomp_fail(gcompCorruptPayload, "packing %d invalid for spherical",
                      (int)v->packing);
  double as = gcomp_sc_alpha_s(v->param); /* > 0: spherical_header_ok */
  gcomp_bitreader br;
  gcomp_br_init(&br, v->body, v->bits);
  uint32_t u = (uint32_t)gcomp_br_get(&br, R_BITS);
  if (br.overrun) return gcomp_fail(gcompCorruptPayload, "body too short for the scale R");
  uint32_t exp = u >> 23;
  if (u != 0 && (exp == 0 || exp == 255))
    return gcomp_fail(gcompCorruptPayload, "scale R is not a normal finite float");
  if (u == 0) {
    if (v->bits != R_BITS)
      return gcomp_fail(gcompCorruptPayload, "zero-vector body has extra bits");
    memset(y, 0, (size_t)v->n * sizeof *y);
    return gcompSuccess;
  }
  float R = 0.0f;
  memcpy(&R, &u, 4);
  unsigned k = (unsigned)gcomp_br_get(&br, K_BITS);
  if (br.overrun) return gcomp_fail(gcompCorruptPayload, "body too short for k");
  GCOMP_TRY(decode_blocks(v, &br, (double)R, k, gcomp_sqrt_rn(1.0 - as), y));
  if (br.pos != br.end)
    return gcomp_fail(gcompCorruptPayload, "spherical body has %llu trailing bits",
                      (unsigned long long)(br.end - br.pos));
  return gcompSuccess;
}

/* alpha_s <= 0 in either packing: no encoder accepts such an alpha
 * (FORMAT-spherical.md). */
static int spherical_header_ok(double param, uint64_t iparam, uint64_t n) {
  (void)n;
  return param > 0 && param < 1 && gcomp_sc_alpha_s(param) > 0 && iparam >= 1 &&
         iparam <= GCOMP_SC_MAX_BLOCK;
}

static double spherical_theory(const struct gcompCodec *c, uint64_t d) {
  (void)d;
  return c->param;
}

static const gcomp_param spherical_params[] = {
    {"alpha", 0, 1, 1, 1, "(0, 1)"},
    {"block", 1, GCOMP_SC_MAX_BLOCK, 0, 0, "1..64"},
    {"max_trials", 1, MAX_TRIALS_CEILING, 0, 0, "[1, 2^24]"},
    {NULL, 0, 0, 0, 0, NULL}};

const gcomp_method gcomp_method_spherical = {
    .id = gcompSpherical,
    .name = "spherical",
    .cls = gcompClassContractive,
    .params = spherical_params,
    .packings = GCOMP_PACKING_BIT(gcompPackStructured) | GCOMP_PACKING_BIT(gcompPackDirect),
    .configure = spherical_configure,
    .header_ok = spherical_header_ok,
    .theory = spherical_theory,
    .encode = spherical_encode,
    .decode = spherical_decode,
    .bound = spherical_bound,
};
