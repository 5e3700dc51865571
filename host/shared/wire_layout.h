/* The 64-byte header of docs/FORMAT.md: where each field sits, and the one
 * writer of its bytes, shared by the CPU encoder (core/wire.c adds the
 * checksum) and the device path (kernels/core/api.cu makes a template the
 * kernels complete). Plain C that also compiles as CUDA C++; the device's
 * header checks read the same offsets. */
#ifndef GCOMP_SHARED_WIRE_LAYOUT_H
#define GCOMP_SHARED_WIRE_LAYOUT_H

#include "gcomp.h"

#include "bits.h"
#include "gcomp_hd.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GCOMP_HEADER_BYTES 64
/* byte offsets of the fields; integers are little-endian */
#define GCOMP_WIRE_MAGIC 0       /* "GCMP" */
#define GCOMP_WIRE_VERSION 4     /* u8, 1..GCOMP_FORMAT_VERSION */
#define GCOMP_WIRE_SIZE 5        /* u8, GCOMP_HEADER_BYTES */
#define GCOMP_WIRE_METHOD 6      /* u8 codec id */
#define GCOMP_WIRE_PACKING 7     /* u8, never auto */
#define GCOMP_WIRE_FLAGS 8       /* u8, bit 0: rotated */
#define GCOMP_WIRE_RESERVED 9    /* bytes 9..15, zero */
#define GCOMP_WIRE_D 16          /* u64 */
#define GCOMP_WIRE_SEED 24       /* u64 */
#define GCOMP_WIRE_BODY_BITS 32  /* u64 */
#define GCOMP_WIRE_PARAM 40      /* float64 bits */
#define GCOMP_WIRE_IPARAM 48     /* u64: block, levels or k */
#define GCOMP_CHECKSUM_OFFSET 56 /* u64 */

typedef struct {
  gcompMethod_t method;
  gcompPacking_t packing;
  int rotate;
  uint64_t d;
  uint64_t seed;
  uint64_t body_bits;
  double param;
  uint64_t iparam; /* block (spherical), levels, k: the method's integer */
} gcomp_header;

GCOMP_HD_INLINE void gcomp_wire_put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* dst[0..64) = h's fields, the checksum field zero. */
GCOMP_HD_INLINE void gcomp_wire_put_header(const gcomp_header *h, uint8_t *dst) {
  for (int i = 0; i < GCOMP_HEADER_BYTES; i++) dst[i] = 0;
  dst[GCOMP_WIRE_MAGIC] = 'G';
  dst[GCOMP_WIRE_MAGIC + 1] = 'C';
  dst[GCOMP_WIRE_MAGIC + 2] = 'M';
  dst[GCOMP_WIRE_MAGIC + 3] = 'P';
  dst[GCOMP_WIRE_VERSION] = GCOMP_FORMAT_VERSION;
  dst[GCOMP_WIRE_SIZE] = GCOMP_HEADER_BYTES;
  dst[GCOMP_WIRE_METHOD] = (uint8_t)h->method;
  dst[GCOMP_WIRE_PACKING] = (uint8_t)h->packing;
  dst[GCOMP_WIRE_FLAGS] = (uint8_t)(h->rotate ? 1 : 0);
  gcomp_wire_put_u64(dst + GCOMP_WIRE_D, h->d);
  gcomp_wire_put_u64(dst + GCOMP_WIRE_SEED, h->seed);
  gcomp_wire_put_u64(dst + GCOMP_WIRE_BODY_BITS, h->body_bits);
  gcomp_wire_put_u64(dst + GCOMP_WIRE_PARAM, gcomp_d2u(h->param));
  gcomp_wire_put_u64(dst + GCOMP_WIRE_IPARAM, h->iparam);
}

/* "fixed", "entropy", ...; "?" outside the enum (core/codec.c). */
const char *gcomp_packing_name(gcompPacking_t p);

#ifdef __cplusplus
}
#endif

#endif
