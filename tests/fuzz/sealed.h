/* The input of the per-method decode targets: bytes 0-1 choose d, byte 2
 * the rotation (bit 4) and, with byte 3, the first valid (param, iparam,
 * packing) of the method by its own header check; byte 3 is the seed too,
 * byte 4 the unused bits at the end of the body (0-7: bit-exact codes end
 * anywhere in a byte). A valid header is built around the remaining bytes
 * as the body, its padding cleared and the whole sealed with its checksum,
 * so every input reaches the body decoder. make_seeds.c writes real
 * payloads in this form. */
#ifndef GCOMP_FUZZ_SEALED_H
#define GCOMP_FUZZ_SEALED_H

#include "gcomp.h"
#include "core/codec.h"
#include "core/wire.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_D 4096u
#define FUZZ_SEL_BYTES 5

static inline int fuzz_pick_fields(const gcomp_method *m, const uint8_t *sel,
                                   gcomp_header *h, uint64_t n) {
  static const double params[] = {0.1, 0.5, 0.01, 0.9, 0.25, 3.0, 0.0};
  static const uint64_t iparams[] = {0, 1, 2, 4, 6, 8, 16, 64};
  for (int tries = 0; tries < 7 * 8 * 4; tries++) {
    int t = tries + sel[0];
    h->param = params[t % 7];
    h->iparam = iparams[(t / 7) % 8];
    h->packing = (gcompPacking_t)(1 + (t / 56 + sel[1]) % 4);
    if (!(m->packings & GCOMP_PACKING_BIT(h->packing))) continue;
    if (m->header_ok(h->param, h->iparam, n)) return 1;
    /* k (Top-k, Rand-k) must not exceed n; levels may */
    if (h->iparam > n && m->header_ok(h->param, n, n)) {
      h->iparam = n;
      return 1;
    }
  }
  return 0;
}

/* The header the selector bytes sel[0..5) choose for `method`; 0 when the
 * method has no valid fields for them. */
static inline int fuzz_header(gcompMethod_t method, const uint8_t *sel,
                              uint64_t body_bytes, gcomp_header *h) {
  const gcomp_method *m = gcomp_method_of(method);
  h->method = method;
  h->d = 1 + ((uint64_t)sel[0] | (uint64_t)sel[1] << 8) % FUZZ_MAX_D;
  h->rotate = (sel[2] >> 4) & 1;
  h->seed = sel[3];
  h->body_bits = body_bytes ? 8 * body_bytes - (sel[4] & 7) : 0;
  return m && fuzz_pick_fields(m, sel + 2, h, gcomp_coded_length(h->rotate, h->d));
}

/* A malloc'd sealed payload of *psize bytes from the input, or NULL. */
static inline uint8_t *fuzz_seal(gcompMethod_t method, const uint8_t *data,
                                 size_t size, gcomp_header *h, size_t *psize) {
  if (size < FUZZ_SEL_BYTES) return NULL;
  size_t body = size - FUZZ_SEL_BYTES;
  if (!fuzz_header(method, data, body, h)) return NULL;
  uint8_t *p = malloc(GCOMP_HEADER_BYTES + body + 1);
  if (!p) return NULL;
  memcpy(p + GCOMP_HEADER_BYTES, data + FUZZ_SEL_BYTES, body);
  if (body) p[GCOMP_HEADER_BYTES + body - 1] &= (uint8_t)(0xff >> (data[4] & 7));
  gcomp_header_write(h, p);
  *psize = GCOMP_HEADER_BYTES + body;
  return p;
}

#endif
