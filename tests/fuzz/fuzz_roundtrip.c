/* Round trip: the input chooses a codec, its parameter and the vector; the
 * payload must fit the bound, decode, and keep the class guarantee; an
 * encode into less room than it took must fail cleanly. */
#include "gcomp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 6) return 0;
  static const char *const names[] = {"identity", "sd", "sd-unbiased", "spherical", "qsgd",
                                      "natural-dithering", "natural", "topk", "randk",
                                      "sign", "terngrad", "fp16", "bf16"};
  static const char *const packings[] = {"auto", "fixed", "entropy", "structured", "direct"};
  const char *name = names[data[0] % 13];
  gcompCodecConfig_t cfg;
  gcompCodecConfigInit(&cfg, name);
  cfg.rotate = (data[5] >> 2) & 1;
  cfg.packing = gcompPackAuto;
  if (strcmp(name, "identity") != 0) gcompCodecConfigSetParam(&cfg, "packing", packings[data[1] % 5]);
  if (!strcmp(name, "sd")) cfg.nu = 0.01 + 0.98 * data[2] / 255.0;
  if (!strcmp(name, "sd-unbiased")) cfg.omega = 0.01 + 10.0 * data[2] / 255.0;
  if (!strcmp(name, "spherical")) {
    cfg.alpha = 0.2 + 0.7 * data[2] / 255.0;
    cfg.block = 1 + data[3] % 6;
  }
  if (!strcmp(name, "qsgd") || !strcmp(name, "natural-dithering")) cfg.levels = 1 + data[2] % 20;
  if (!strcmp(name, "topk") || !strcmp(name, "randk")) cfg.k = 1 + data[2] % 8;
  uint64_t seed = data[4];
  unsigned short_room = data[3]; /* also the block: two uses, one byte */
  data += 6;
  size -= 6;
  uint64_t d = size / 4;
  gcompCodec_t codec;
  /* a packing the codec does not have is refused at creation: fine */
  if (d == 0 || gcompCodecCreate(&codec, &cfg) != gcompSuccess) return 0;
  float *x = malloc(d * sizeof *x), *y = malloc(d * sizeof *y);
  memcpy(x, data, d * sizeof *x);
  size_t bound = 0, got = 0;
  if (gcompEncodeBound(codec, d, &bound) != gcompSuccess) abort();
  uint8_t *p = malloc(bound);
  gcompResult_t r = gcompEncode(codec, x, d, seed, p, bound, &got);
  if (r == gcompSuccess) {
    if (got > bound) abort();
    if (gcompDecode(p, got, y, d, 0.0f) != gcompSuccess) abort();
    gcompClass_t cls;
    double alpha = 0, norm2 = 0, err = 0;
    gcompCodecGetClass(codec, &cls);
    gcompCodecGetAlpha(codec, d, &alpha);
    for (uint64_t i = 0; i < d; i++) {
      norm2 += (double)x[i] * x[i];
      err += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
      if (!isfinite(y[i])) abort();
    }
    /* strictly contractive codecs: every outcome, up to float rounding */
    /* strictly contractive codecs (fp16/bf16 only within their normal
     * range, so not checked here) */
    int cast = !strcmp(name, "fp16") || !strcmp(name, "bf16");
    /* up to float rounding, which the rotation makes relative to |x|: Top-k
     * with k = n and rotate=1 is exact but for that rounding */
    if (cls == gcompClassContractive && !cast &&
        err > alpha * norm2 * (1 + 1e-5) + 1e-12 * norm2 + 1e-30)
      abort();
    if (cls == gcompClassExact && !cfg.rotate && err != 0) abort();
    /* The same encode into a buffer short of the payload it wrote: too
     * small, or (auto packing may pick another back end) a payload that
     * fits. The buffer is exact, so ASan sees any write past it. */
    size_t cap = (got - 1) * short_room / 255, got2 = 0;
    uint8_t *q = malloc(cap + (cap == 0));
    r = gcompEncode(codec, x, d, seed, q, cap, &got2);
    if (r == gcompSuccess ? got2 > cap || gcompDecode(q, got2, y, d, 0.0f) != gcompSuccess
                          : r != gcompDstTooSmall)
      abort();
    free(q);
  } else if (r != gcompNonFiniteInput && r != gcompParameterOutOfRange) {
    abort();
  }
  free(p);
  free(y);
  free(x);
  gcompCodecFree(codec);
  return 0;
}
