/* Frames: a payload as it travels inside a collective. Every rank already
 * agreed on the codec, the count and the seed rule, so the 64-byte header
 * (docs/FORMAT.md) carries nothing the receiver does not know except the
 * back end and the body's length: a frame is those two (and, when the
 * encoder resolved it per vector, the integer parameter) in a few bytes,
 * then the body (docs/COLLECTIVES.md, "Frames"). */
#ifndef GCOMP_COMM_FRAME_H
#define GCOMP_COMM_FRAME_H

#include "gcomp.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Turns the payload p[0..size) that gcompEncode just wrote with `codec`
 * into a frame, in place; returns the frame's length. */
size_t gcomp_frame_from_payload(uint8_t *p, size_t size, gcompCodec_t codec);

/* The body's length in a frame this rank made (gcomp_frame_from_payload). */
size_t gcomp_frame_body_bytes(const uint8_t *f, size_t size);

/* Decodes a frame of `codec` that must hold n values encoded with `seed`
 * into dst (dst = decoded + beta * dst). Frames come from other ranks:
 * every length and field is checked, as gcompDecode checks a payload
 * (gcompCorruptPayload). */
gcompResult_t gcomp_frame_decode(const uint8_t *f, size_t size, gcompCodec_t codec, uint64_t n,
                                 uint64_t seed, float *dst, float beta);

#ifdef __cplusplus
}
#endif

#endif
