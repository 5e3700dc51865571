/* What code outside host/core (the device path in kernels/) may know of a
 * validated codec: a plain-C copy of the fields the wire header and the
 * decoder's checks need, filled by core/codec.c, and the per-vector values
 * the codecs derive from it. The method table itself stays in core/codec.h. */
#ifndef GCOMP_SHARED_CODEC_VIEW_H
#define GCOMP_SHARED_CODEC_VIEW_H

#include "gcomp.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GCOMP_PACKING_BIT(p) (1u << (p))

typedef struct {
  gcompMethod_t method;
  gcompPacking_t packing; /* as configured, defaults resolved (auto stays auto) */
  int rotate;
  double param;           /* the header's param and iparam */
  uint64_t iparam;
  unsigned packings;      /* GCOMP_PACKING_BIT of each packing its payloads may use */
} gcomp_codec_view;

/* The view of a validated, non-NULL codec (core/codec.c). */
void gcomp_codec_view_of(gcompCodec_t codec, gcomp_codec_view *v);

/* Bit id set for each codec id < 32 this build decodes (core/codec.c). */
uint32_t gcomp_known_methods(void);

/* Coded length for dimension d (padded to a power of two when rotating). */
uint64_t gcomp_coded_length(int rotate, uint64_t d);

/* Top-k's and Rand-k's k for n coded coordinates: iparam, or the default
 * ceil(n / 100) when it is 0; gcompParameterOutOfRange above n
 * (stages/select.c). */
gcompResult_t gcomp_k_for(uint64_t iparam, uint64_t n, uint64_t *k);

#ifdef __cplusplus
}
#endif

#endif
