/* The two generic symbol-stream decoders on arbitrary bytes: the first two
 * bytes choose n and which section. */
#include "pack/fixed.h"
#include "pack/entropy.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  uint64_t n = 1 + ((uint64_t)data[0] | (uint64_t)(data[1] & 0x7f) << 8) % 20000;
  int rans = data[1] >> 7;
  uint32_t *sym = malloc((size_t)n * sizeof *sym);
  size_t used = 0;
  if (rans)
    (void)gcomp_rans_decode(data + 2, size - 2, sym, n, &used);
  else
    (void)gcomp_fixed_decode(data + 2, size - 2, sym, n, &used);
  if (used > size - 2) abort();
  free(sym);
  return 0;
}
