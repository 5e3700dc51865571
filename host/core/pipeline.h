/* The pipeline driver's internal entry points (pipeline.c), beside the
 * public gcompEncode / gcompDecode. */
#ifndef GCOMP_CORE_PIPELINE_H
#define GCOMP_CORE_PIPELINE_H

#include "gcomp.h"
#include "shared/wire_layout.h"

/* gcompDecode of a body whose header was checked already (gcomp_header_read
 * or gcomp_header_check; the body holds ceil(body_bits / 8) bytes). */
gcompResult_t gcomp_decode_body(const gcomp_header *h, const uint8_t *body, float *dst,
                                uint64_t dstCount, float beta);

#endif
