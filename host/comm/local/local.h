/* The in-process transport (transport_local.c) and the groups that make
 * its communicators (group.c). */
#ifndef GCOMP_COMM_LOCAL_H
#define GCOMP_COMM_LOCAL_H

#include "comm/transport.h"

typedef struct local_world local_world;

const gcomp_transport *gcomp_local_transport(int device);
local_world *gcomp_local_world_new(int P, int device);
/* Blocks until all P ranks joined; the rank's transport context or NULL.
 * timeout: seconds a later barrier may wait (0: forever). */
void *gcomp_local_world_join(local_world *w, int rank, double timeout);
void gcomp_local_world_release(local_world *w);

#endif
