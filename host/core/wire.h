/* The 64-byte self-describing header (docs/FORMAT.md) and the checksum over
 * a whole payload. */
#ifndef GCOMP_HOST_WIRE_H
#define GCOMP_HOST_WIRE_H

#include "gcomp.h"
#include "shared/wire_layout.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the header into dst[0..64) and the checksum over dst[0..64+body),
 * where the body already sits at dst + 64. */
void gcomp_header_write(const gcomp_header *h, uint8_t *dst);

/* Parses and checks the header and checksum of a payload. With exact != 0
 * the payload must be exactly header + body bytes long; otherwise trailing
 * bytes are allowed (reading one payload from a stream). */
gcompResult_t gcomp_header_read(const uint8_t *src, size_t size, int exact,
                                gcomp_header *h);

uint64_t gcomp_payload_checksum(const uint8_t *payload, size_t size);

/* The checks of gcomp_header_read that do not need the bytes (codec,
 * packing, flags, d, the codec's parameters), for headers rebuilt from a
 * collective's frame (comm/frame.c). */
gcompResult_t gcomp_header_check(const gcomp_header *h);

/* Little-endian loads and stores. On little-endian hosts a memcpy, which
 * compiles to one unaligned move; elsewhere byte by byte. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint64_t gcomp_load_u64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
static inline void gcomp_store_u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint32_t gcomp_load_u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static inline void gcomp_store_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
#else
static inline uint64_t gcomp_load_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}
static inline void gcomp_store_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t gcomp_load_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static inline void gcomp_store_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
#endif

#ifdef __cplusplus
}
#endif

#endif
