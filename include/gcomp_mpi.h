/* gcomp collectives over MPI: host buffers, an MPI_Comm that gcomp uses but
 * never frees. Link with gcomp_mpi (and MPI). */
#ifndef GCOMP_MPI_H
#define GCOMP_MPI_H

#include <mpi.h>

#include "gcomp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Collective over mpiComm: every rank calls it with the same config. The
 * communicator is duplicated, so gcomp's messages never mix with the
 * caller's. */
GCOMP_API gcompResult_t gcompCommCreateMpi(gcompComm_t *comm, MPI_Comm mpiComm,
                                         const gcompCommConfig_t *config);

#ifdef __cplusplus
}
#endif

#endif
