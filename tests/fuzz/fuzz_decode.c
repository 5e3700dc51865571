/* Decode-anything. With FUZZ_RAW the input is the payload as is (the framing
 * and checksum checks are the target). Otherwise the first bytes choose d,
 * the packing, the parameter and rotation of FUZZ_METHOD, a valid header is
 * built around the rest as the body and sealed with its checksum, so every
 * input reaches that method's body decoder. */
#include "gcomp.h"
#include "wire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_D 4096u

static void check_output(const float *y, uint64_t d) {
  for (uint64_t i = 0; i < d; i++)
    if (!isfinite(y[i])) abort(); /* a decoder must never emit garbage */
}

#ifdef FUZZ_RAW
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gcompPayloadInfo_t info;
  if (gcompPayloadGetInfo(data, size, &info) != gcompSuccess || info.d > MAX_D) {
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
  if (size < 4) return 0;
  static const double params[] = {0.1, 0.5, 0.01, 0.9, 0.25, 3.0};
  gcomp_header h;
  h.method = FUZZ_METHOD;
  h.d = 1 + ((uint64_t)data[0] | (uint64_t)data[1] << 8) % MAX_D;
  h.packing = (gcompPacking_t)(1 + data[2] % 4);
  if (h.method == gcompIdentity) h.packing = gcompPackDirect;
  if (h.method == gcompSpherical && h.packing != gcompPackDirect)
    h.packing = gcompPackStructured;
  h.rotate = (data[2] >> 4) & 1;
  h.param = h.method == gcompIdentity ? 0.0 : params[data[3] % 6];
  if (h.method != gcompSparseDitheringUnbiased && h.param >= 1) h.param = 0.3;
  h.iparam = h.method == gcompSpherical ? 1 + (data[3] >> 3) % 16 : 0;
  h.seed = data[3];
  data += 4;
  size -= 4;
  h.body_bits = 8 * (uint64_t)size;
  uint8_t *p = malloc(GCOMP_HEADER_BYTES + size + 1);
  memcpy(p + GCOMP_HEADER_BYTES, data, size);
  gcomp_header_write(&h, p);
  float *y = malloc((size_t)MAX_D * 2 * sizeof *y);
  if (gcompDecode(p, GCOMP_HEADER_BYTES + size, y, h.d, 0.0f) == gcompSuccess)
    check_output(y, h.d);
  free(y);
  free(p);
  return 0;
}
#endif
