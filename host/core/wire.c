#include "core/wire.h"

#include "shared/checksum.h"
#include "core/codec.h"
#include "shared/check.h"
#include "core/hot.h"

#include <math.h>
#include <string.h>

GCOMP_HOT uint64_t gcomp_payload_checksum(const uint8_t *payload, size_t size) {
  uint64_t sum = 0;
  size_t words = size / 8;
  for (size_t j = 0; j < words; j++) {
    uint64_t w = j == GCOMP_CHECKSUM_OFFSET / 8 ? 0 : gcomp_load_u64(payload + 8 * j);
    sum += gcomp_checksum_term(w, j);
  }
  if (size % 8) {
    uint8_t tail[8] = {0};
    memcpy(tail, payload + 8 * words, size % 8);
    sum += gcomp_checksum_term(gcomp_load_u64(tail), words);
  }
  return sum;
}

void gcomp_header_write(const gcomp_header *h, uint8_t *dst) {
  gcomp_wire_put_header(h, dst);
  size_t total = GCOMP_HEADER_BYTES + (size_t)((h->body_bits + 7) / 8);
  gcomp_store_u64(dst + GCOMP_CHECKSUM_OFFSET, gcomp_payload_checksum(dst, total));
}

/* The method's own check of its fields, as gcompCodecCreate enforces them,
 * so a decoder never computes with values no encoder could have written. */
static gcompResult_t check_params(const gcomp_header *h) {
  const gcomp_method *m = gcomp_method_of(h->method);
  uint64_t n = gcomp_coded_length(h->rotate, h->d);
  if (!(m->packings & GCOMP_PACKING_BIT(h->packing)))
    return gcomp_fail(gcompCorruptPayload, "codec %s never uses packing %d", m->name,
                      (int)h->packing);
  if (!m->header_ok(h->param, h->iparam, n))
    return gcomp_fail(gcompCorruptPayload,
                      "header parameters out of range for codec %s (param %g, %llu)",
                      m->name, h->param, (unsigned long long)h->iparam);
  return gcompSuccess;
}

gcompResult_t gcomp_header_check(const gcomp_header *h) {
  if (!gcomp_method_of(h->method))
    return gcomp_fail(gcompUnsupportedPayload, "codec id %d unknown to this build",
                      (int)h->method);
  if (h->packing == gcompPackAuto || (int)h->packing < 0 || h->packing >= gcompNumPackings)
    return gcomp_fail(gcompCorruptPayload, "packing id %d invalid", (int)h->packing);
  if (h->rotate != 0 && h->rotate != 1)
    return gcomp_fail(gcompCorruptPayload, "unknown flags 0x%02x", (unsigned)h->rotate);
  if (h->d == 0 || h->d > GCOMP_MAX_DIM)
    return gcomp_fail(gcompCorruptPayload, "d = %llu out of range", (unsigned long long)h->d);
  return check_params(h);
}

gcompResult_t gcomp_header_read(const uint8_t *src, size_t size, int exact,
                                gcomp_header *h) {
  if (size < GCOMP_HEADER_BYTES)
    return gcomp_fail(gcompCorruptPayload,
                      "payload of %zu bytes is shorter than the %d-byte header",
                      size, GCOMP_HEADER_BYTES);
  if (memcmp(src + GCOMP_WIRE_MAGIC, "GCMP", 4) != 0)
    return gcomp_fail(gcompCorruptPayload, "not a gcomp payload (bad magic)");
  if (src[GCOMP_WIRE_VERSION] == 0)
    return gcomp_fail(gcompCorruptPayload, "format version 0 is invalid");
  if (src[GCOMP_WIRE_VERSION] > GCOMP_FORMAT_VERSION)
    return gcomp_fail(gcompUnsupportedPayload,
                      "format version %d is newer than this library (%d)",
                      src[GCOMP_WIRE_VERSION], GCOMP_FORMAT_VERSION);
  if (src[GCOMP_WIRE_SIZE] != GCOMP_HEADER_BYTES)
    return gcomp_fail(gcompCorruptPayload, "header size %d, expected %d",
                      src[GCOMP_WIRE_SIZE], GCOMP_HEADER_BYTES);
  for (int i = GCOMP_WIRE_RESERVED; i < GCOMP_WIRE_D; i++)
    if (src[i] != 0)
      return gcomp_fail(gcompCorruptPayload, "reserved header byte %d is not 0", i);
  h->method = (gcompMethod_t)src[GCOMP_WIRE_METHOD];
  h->packing = (gcompPacking_t)src[GCOMP_WIRE_PACKING];
  h->rotate = src[GCOMP_WIRE_FLAGS];
  h->d = gcomp_load_u64(src + GCOMP_WIRE_D);
  h->seed = gcomp_load_u64(src + GCOMP_WIRE_SEED);
  h->body_bits = gcomp_load_u64(src + GCOMP_WIRE_BODY_BITS);
  h->param = gcomp_u2d(gcomp_load_u64(src + GCOMP_WIRE_PARAM));
  h->iparam = gcomp_load_u64(src + GCOMP_WIRE_IPARAM);
  GCOMP_TRY(gcomp_header_check(h));
  uint64_t avail = (uint64_t)(size - GCOMP_HEADER_BYTES);
  if (h->body_bits > avail * 8)
    return gcomp_fail(gcompCorruptPayload,
                      "header claims %llu body bits, only %llu bytes follow",
                      (unsigned long long)h->body_bits,
                      (unsigned long long)avail);
  uint64_t body_bytes = (h->body_bits + 7) / 8;
  if (exact && body_bytes != avail)
    return gcomp_fail(gcompCorruptPayload,
                      "payload has %llu body bytes, header says %llu",
                      (unsigned long long)avail, (unsigned long long)body_bytes);
  if (h->body_bits % 8) {
    uint8_t last = src[GCOMP_HEADER_BYTES + body_bytes - 1];
    if (last >> (h->body_bits % 8))
      return gcomp_fail(gcompCorruptPayload, "padding bits are not zero");
  }
  size_t total = GCOMP_HEADER_BYTES + (size_t)body_bytes;
  if (gcomp_payload_checksum(src, total) !=
      gcomp_load_u64(src + GCOMP_CHECKSUM_OFFSET))
    return gcomp_fail(gcompCorruptPayload, "checksum mismatch");
  return gcompSuccess;
}
