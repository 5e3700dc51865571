/* The transport interface inside gcomp is the public one
 * (include/gcomp_transport.h): MPI, NCCL and the in-process transport all
 * implement it, and the collective algorithms never call it themselves:
 * the side that holds the buffers (comm/host_side.c,
 * comm/device/side_device.c) does. */
#ifndef GCOMP_COMM_TRANSPORT_H
#define GCOMP_COMM_TRANSPORT_H

#include "gcomp_transport.h"

typedef gcompTransport_t gcomp_transport;

/* Host payloads travel in 64-byte units at 64-byte aligned offsets (MPI
 * counts are int: units keep that far from overflowing). */
#define GCOMP_XFER_UNIT GCOMP_TRANSPORT_UNIT

#endif
