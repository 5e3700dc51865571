/* Frames as a hostile peer could send them (host/comm/frame.h): byte 0
 * chooses the codec, byte 1 the count n the receiver expects (1..256), the
 * rest is the frame, copied to a buffer of exactly its size so ASan sees
 * any read past it. The answer is success or gcompCorruptPayload, and
 * nothing is written past n floats. */
#include "comm/frame.h"
#include "frame_codecs.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gcompCodec_t codec_of(size_t i) {
  static gcompCodec_t codecs[FUZZ_FRAME_NCODECS];
  if (!codecs[i]) {
    gcompCodecConfig_t cfg;
    if (gcompCodecConfigInit(&cfg, fuzz_frame_codecs[i]) != gcompSuccess ||
        gcompCodecCreate(&codecs[i], &cfg) != gcompSuccess)
      abort();
  }
  return codecs[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  gcompCodec_t codec = codec_of(data[0] % FUZZ_FRAME_NCODECS);
  uint64_t n = 1 + (uint64_t)data[1];
  size_t fsize = size - 2;
  uint8_t *f = malloc(fsize + (fsize == 0));
  float *y = malloc((n + 1) * sizeof *y);
  if (!f || !y) abort();
  memcpy(f, data + 2, fsize);
  y[n] = 42.0f;
  gcompResult_t r = gcomp_frame_decode(f, fsize, codec, n, FUZZ_FRAME_SEED, y, 0.0f);
  if (r != gcompSuccess && r != gcompCorruptPayload) abort();
  if (y[n] != 42.0f) abort();
  free(f);
  free(y);
  return 0;
}
