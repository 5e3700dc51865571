/* Decode into a dst smaller than d: whatever the payload, the answer is
 * gcompDstTooSmall and nothing is written past dst's end (the buffer is
 * exactly dstCount floats, so ASan sees the first stray write). Byte 0
 * chooses the method and whether dst is accumulated into (beta != 0, so it
 * is read too), byte 1 how short dst is; the rest is sealed into a valid
 * payload of that method as in the decode targets (sealed.h). */
#include "sealed.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  gcompMethod_t method = (gcompMethod_t)(data[0] % gcompNumMethods);
  float beta = (data[0] / gcompNumMethods) % 2 ? 0.5f : 0.0f;
  gcomp_header h;
  size_t psize = 0;
  uint8_t *p = fuzz_seal(method, data + 2, size - 2, &h, &psize);
  if (!p) return 0;
  uint64_t count = (h.d - 1) * data[1] / 255; /* 0 .. d-1 */
  float *y = malloc((size_t)count * sizeof *y + (count == 0)); /* never NULL */
  for (uint64_t i = 0; i < count; i++) y[i] = 1.0f;
  if (gcompDecode(p, psize, y, count, beta) != gcompDstTooSmall) abort();
  free(y);
  free(p);
  return 0;
}
