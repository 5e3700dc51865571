/* Frames (frame.h). Layout: one byte, the packing id (bits 0-2) and bit 7
 * set when the integer parameter follows; the body's length in bits as an
 * unsigned LEB128 varint; the integer parameter as a varint when flagged;
 * then the body, exactly ceil(body_bits / 8) bytes, unused high bits of the
 * last one zero. */
#include "comm/frame.h"

#include "core/codec.h"
#include "core/pipeline.h"
#include "core/wire.h"
#include "shared/check.h"

#include <string.h>

#define HAS_IPARAM 0x80u

static size_t put_varint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  do {
    uint8_t b = (uint8_t)(v & 0x7f);
    v >>= 7;
    p[n++] = b | (v ? 0x80 : 0);
  } while (v);
  return n;
}

/* 0 on a truncated or overlong varint (more than 64 bits). */
static size_t get_varint(const uint8_t *p, size_t size, uint64_t *v) {
  *v = 0;
  for (size_t i = 0; i < size && i < 10; i++) {
    uint64_t b = p[i] & 0x7fu;
    if (i == 9 && b > 1) return 0;
    *v |= b << (7 * i);
    if (!(p[i] & 0x80)) return i + 1;
  }
  return 0;
}

size_t gcomp_frame_from_payload(uint8_t *p, size_t size, gcompCodec_t codec) {
  uint8_t packing = p[GCOMP_WIRE_PACKING];
  uint64_t bits = gcomp_load_u64(p + GCOMP_WIRE_BODY_BITS);
  uint64_t iparam = gcomp_load_u64(p + GCOMP_WIRE_IPARAM);
  uint8_t head[21];
  size_t h = 1;
  head[0] = packing;
  h += put_varint(head + h, bits);
  if (iparam != codec->iparam) {
    head[0] |= HAS_IPARAM;
    h += put_varint(head + h, iparam);
  }
  size_t body = size - GCOMP_HEADER_BYTES;
  memmove(p + h, p + GCOMP_HEADER_BYTES, body);
  memcpy(p, head, h);
  return h + body;
}

size_t gcomp_frame_body_bytes(const uint8_t *f, size_t size) {
  uint64_t v;
  size_t at = 1 + get_varint(f + 1, size - 1, &v);
  if (f[0] & HAS_IPARAM) at += get_varint(f + at, size - at, &v);
  return size - at;
}

gcompResult_t gcomp_frame_decode(const uint8_t *f, size_t size, gcompCodec_t codec, uint64_t n,
                                 uint64_t seed, float *dst, float beta) {
  if (size < 2) return gcomp_fail(gcompCorruptPayload, "frame of %zu bytes", size);
  uint8_t first = f[0];
  if (first & ~(HAS_IPARAM | 0x07u))
    return gcomp_fail(gcompCorruptPayload, "frame flags 0x%02x unknown", first);
  gcomp_header h = {codec->config.method, (gcompPacking_t)(first & 0x07u), codec->config.rotate,
                    n, seed, 0, codec->param, codec->iparam};
  size_t at = 1, k = get_varint(f + at, size - at, &h.body_bits);
  if (!k) return gcomp_fail(gcompCorruptPayload, "frame: bad body length");
  at += k;
  if (first & HAS_IPARAM) {
    k = get_varint(f + at, size - at, &h.iparam);
    if (!k) return gcomp_fail(gcompCorruptPayload, "frame: bad integer parameter");
    at += k;
  }
  uint64_t body = size - at;
  if (h.body_bits > body * 8 || (h.body_bits + 7) / 8 != body)
    return gcomp_fail(gcompCorruptPayload, "frame: %llu body bits in %llu bytes",
                      (unsigned long long)h.body_bits, (unsigned long long)body);
  if (h.body_bits % 8 && f[size - 1] >> (h.body_bits % 8))
    return gcomp_fail(gcompCorruptPayload, "frame: padding bits are not zero");
  GCOMP_TRY(gcomp_header_check(&h));
  return gcomp_decode_body(&h, f + at, dst, n, beta);
}
