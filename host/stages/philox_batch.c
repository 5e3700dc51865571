#include "stages/philox_batch.h"

#include "shared/philox.h"

#include <string.h>

/* The portable path: one draw at a time, shared/philox.h itself. */
static void batch_portable(uint64_t seed, uint64_t stream, uint64_t first, uint32_t count,
                           uint32_t *out) {
  for (uint32_t j = 0; j < count; j++) {
    gcomp_u32x4 r = gcomp_philox(seed, stream, first + j);
    memcpy(out + 4 * j, r.v, sizeof r.v);
  }
}

static void lanes_portable(uint64_t seed, uint64_t stream, const uint64_t *draw, uint32_t count,
                           uint32_t *out, size_t stride) {
  for (uint32_t j = 0; j < GCOMP_PHILOX_BATCH; j++) {
    gcomp_u32x4 r = {{0, 0, 0, 0}};
    if (j < count) r = gcomp_philox(seed, stream, draw[j]);
    for (int w = 0; w < 4; w++) out[w * stride + j] = r.v[w];
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* Four draws per 256-bit register, one 64-bit lane each. vpmuludq
 * multiplies the low 32 bits of each lane into the exact 64-bit product
 * Philox needs (its high half the mulhi, its low half the next b or d), so
 * nothing ever clears the lanes' upper halves: only their low 32 bits are
 * read, by the multiplies, the xors' low halves and the final stores.
 * (Written with intrinsics: gcc's generic vectors cannot say that the
 * upper halves do not matter, and emulate a full 64-bit multiply.) */
#define GROUPS (GCOMP_PHILOX_BATCH / 4)
#define AVX2 __attribute__((target("avx2")))

typedef struct {
  __m256i a[GROUPS], b[GROUPS], c[GROUPS], d[GROUPS];
} state;

AVX2 static inline void rounds(state *s, uint64_t seed) {
  const __m256i m0 = _mm256_set1_epi64x(GCOMP_PHILOX_M0);
  const __m256i m1 = _mm256_set1_epi64x(GCOMP_PHILOX_M1);
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int round = 0; round < 10; round++) {
    const __m256i key0 = _mm256_set1_epi64x(k0), key1 = _mm256_set1_epi64x(k1);
    for (int g = 0; g < (int)GROUPS; g++) {
      __m256i p0 = _mm256_mul_epu32(s->a[g], m0), p1 = _mm256_mul_epu32(s->c[g], m1);
      s->a[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), s->b[g]), key0);
      s->c[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), s->d[g]), key1);
      s->b[g] = p1;
      s->d[g] = p0;
    }
    k0 += GCOMP_PHILOX_W0;
    k1 += GCOMP_PHILOX_W1;
  }
}

AVX2 static inline void load_counters(state *s, uint64_t stream, const uint64_t *draw) {
  const __m256i lo = _mm256_set1_epi64x(0xffffffffu);
  for (int g = 0; g < (int)GROUPS; g++) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(draw + 4 * g));
    s->a[g] = _mm256_and_si256(v, lo);
    s->b[g] = _mm256_srli_epi64(v, 32);
    s->c[g] = _mm256_set1_epi64x((uint32_t)stream);
    s->d[g] = _mm256_set1_epi64x((uint32_t)(stream >> 32));
  }
}

/* Group g's words, draw by draw: (a, b, c, d) of lane 0, then lane 1, ... */
AVX2 static inline void store_interleaved(const state *s, int g, uint32_t *out) {
  __m256i ab = _mm256_blend_epi32(s->a[g], _mm256_slli_epi64(s->b[g], 32), 0xaa);
  __m256i cd = _mm256_blend_epi32(s->c[g], _mm256_slli_epi64(s->d[g], 32), 0xaa);
  __m256i even = _mm256_unpacklo_epi64(ab, cd), odd = _mm256_unpackhi_epi64(ab, cd);
  _mm256_storeu_si256((__m256i *)out, _mm256_permute2x128_si256(even, odd, 0x20));
  _mm256_storeu_si256((__m256i *)(out + 8), _mm256_permute2x128_si256(even, odd, 0x31));
}

AVX2 static void batch_avx2(uint64_t seed, uint64_t stream, uint64_t first, uint32_t count,
                            uint32_t *out) {
  uint64_t draw[GCOMP_PHILOX_BATCH];
  for (uint32_t j = 0; j < GCOMP_PHILOX_BATCH; j++) draw[j] = first + j;
  state s;
  load_counters(&s, stream, draw);
  rounds(&s, seed);
  if (count >= GCOMP_PHILOX_BATCH) {
    for (int g = 0; g < (int)GROUPS; g++) store_interleaved(&s, g, out + 16 * g);
    return;
  }
  uint32_t tmp[4 * GCOMP_PHILOX_BATCH];
  for (int g = 0; g < (int)GROUPS; g++) store_interleaved(&s, g, tmp + 16 * g);
  memcpy(out, tmp, 4 * (size_t)count * sizeof *out);
}

/* Low halves of the lanes of one group's word w, in lane order. */
AVX2 static inline __m128i low_halves(__m256i v) {
  __m256i packed = _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
  return _mm256_castsi256_si128(packed);
}

AVX2 static void lanes_avx2(uint64_t seed, uint64_t stream, const uint64_t *draw,
                            uint32_t count, uint32_t *out, size_t stride) {
  (void)count;
  state s;
  load_counters(&s, stream, draw);
  rounds(&s, seed);
  for (int g = 0; g < (int)GROUPS; g++) {
    _mm_storeu_si128((__m128i *)(out + 4 * g), low_halves(s.a[g]));
    _mm_storeu_si128((__m128i *)(out + stride + 4 * g), low_halves(s.b[g]));
    _mm_storeu_si128((__m128i *)(out + 2 * stride + 4 * g), low_halves(s.c[g]));
    _mm_storeu_si128((__m128i *)(out + 3 * stride + 4 * g), low_halves(s.d[g]));
  }
}

static int have_avx2(void) { return __builtin_cpu_supports("avx2"); }
#else
static int have_avx2(void) { return 0; }
#define batch_avx2 batch_portable
#define lanes_avx2 lanes_portable
#endif

void gcomp_philox_batch(uint64_t seed, uint64_t stream, uint64_t first, uint32_t count,
                        uint32_t *out) {
  if (count > GCOMP_PHILOX_BATCH) count = GCOMP_PHILOX_BATCH;
  (have_avx2() ? batch_avx2 : batch_portable)(seed, stream, first, count, out);
}

void gcomp_philox_lanes(uint64_t seed, uint64_t stream, const uint64_t *draw, uint32_t count,
                        uint32_t *out, size_t stride) {
  if (count > GCOMP_PHILOX_BATCH) count = GCOMP_PHILOX_BATCH;
  (have_avx2() ? lanes_avx2 : lanes_portable)(seed, stream, draw, count, out, stride);
}
