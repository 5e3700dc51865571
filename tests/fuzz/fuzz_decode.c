/* Decode-anything. With FUZZ_RAW the input is the payload as is (the framing
 * and checksum checks are the target). Otherwise it is sealed into a valid
 * payload of FUZZ_METHOD (sealed.h), so every input reaches that method's
 * body decoder. */
#include "sealed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_output(const float *y, uint64_t d) {
  for (uint64_t i = 0; i < d; i++)
    if (!isfinite(y[i])) abort(); /* a decoder must never emit garbage */
}

#ifdef FUZZ_RAW
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gcompPayloadInfo_t info;
  if (gcompPayloadGetInfo(data, size, &info) != gcompSuccess || info.d > FUZZ_MAX_D) {
    float y[4];
    (void)gcompDecode(data, size, y, 4, 0.0f);
    return 0;
  }
  float *y = malloc((size_t)info.d * sizeof *y);
  if (gcompDecode(data, size, y, info.d, 0.0f) == gcompSuccess) check_output(y, info.d);
  free(y);
  return 0;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gcomp_header h;
  size_t psize = 0;
  uint8_t *p = fuzz_seal(FUZZ_METHOD, data, size, &h, &psize);
  if (!p) return 0;
  float *y = malloc((size_t)h.d * sizeof *y);
  if (gcompDecode(p, psize, y, h.d, 0.0f) == gcompSuccess) check_output(y, h.d);
  free(y);
  free(p);
  return 0;
}
#endif
