/* Decode-anything. With FUZZ_RAW the input is the payload as is (the framing
 * and checksum checks are the target). Otherwise the first bytes choose d,
 * the packing, the parameter and rotation of FUZZ_METHOD, a valid header is
 * built around the rest as the body and sealed with its checksum, so every
 * input reaches that method's body decoder. */
#include "gcomp.h"
#include "core/codec.h"
#include "core/wire.h"

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
/* The first valid (param, iparam, packing) found from the fuzzer's choice,
 * using the method's own header check, so every input reaches its body. */
static int pick_fields(const gcomp_method *m, const uint8_t *sel, gcomp_header *h, uint64_t n) {
  static const double params[] = {0.1, 0.5, 0.01, 0.9, 0.25, 3.0, 0.0};
  static const uint64_t iparams[] = {0, 1, 2, 4, 6, 8, 16, 64};
  for (int tries = 0; tries < 7 * 8 * 4; tries++) {
    int t = tries + sel[0];
    h->param = params[t % 7];
    h->iparam = iparams[(t / 7) % 8];
    if (h->iparam > n) h->iparam = n;
    h->packing = (gcompPacking_t)(1 + (t / 56 + sel[1]) % 4);
    if ((m->packings & GCOMP_PACKING_BIT(h->packing)) && m->header_ok(h->param, h->iparam, n))
      return 1;
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) return 0;
  gcomp_header h;
  const gcomp_method *m = gcomp_method_of(FUZZ_METHOD);
  h.method = FUZZ_METHOD;
  h.d = 1 + ((uint64_t)data[0] | (uint64_t)data[1] << 8) % MAX_D;
  h.rotate = (data[2] >> 4) & 1;
  h.seed = data[3];
  if (!m || !pick_fields(m, data + 2, &h, gcomp_coded_length(h.rotate, h.d))) return 0;
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
