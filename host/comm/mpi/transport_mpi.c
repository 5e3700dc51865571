/* The MPI transport (comm/transport.h) on a private duplicate of the
 * caller's communicator, errors returned (never the MPI default of
 * aborting the job): a transport of include/gcomp_transport.h, public API
 * only, so the layer is a library of its own over libgcomp. Payload bytes travel in 64-byte
 * units (GCOMP_XFER_UNIT), so int counts reach 128 GiB a rank. */
#include "gcomp_mpi.h"
#include "gcomp_transport.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define UNIT GCOMP_TRANSPORT_UNIT

typedef struct {
  MPI_Comm comm;
  MPI_Datatype unit;
  int rank, size;
  int *counts, *displs, *counts2, *displs2; /* scratch, one per rank */
} mpi_ctx;

/* Byte sizes (multiples of UNIT) to int unit counts. */
static int to_units(const size_t *bytes, int n, int *out) {
  for (int i = 0; i < n; i++) {
    if (bytes[i] % UNIT || bytes[i] / UNIT > (size_t)INT_MAX) return MPI_ERR_COUNT;
    out[i] = (int)(bytes[i] / UNIT);
  }
  return MPI_SUCCESS;
}

static int mpi_allgather(void *ctx, const void *mine, void *all, size_t bytes, void *stream) {
  mpi_ctx *m = ctx;
  (void)stream;
  if (bytes > (size_t)INT_MAX) return MPI_ERR_COUNT;
  return MPI_Allgather(mine, (int)bytes, MPI_BYTE, all, (int)bytes, MPI_BYTE, m->comm);
}

static int mpi_allgatherv(void *ctx, const void *mine, size_t bytes, void *all,
                          const size_t *sizes, const size_t *displs, void *stream) {
  mpi_ctx *m = ctx;
  (void)stream;
  int err = to_units(sizes, m->size, m->counts);
  if (!err) err = to_units(displs, m->size, m->displs);
  if (!err && (bytes % UNIT || bytes / UNIT > (size_t)INT_MAX)) err = MPI_ERR_COUNT;
  if (err) return err;
  return MPI_Allgatherv(mine, (int)(bytes / UNIT), m->unit, all, m->counts, m->displs,
                        m->unit, m->comm);
}

/* A non-blocking all-gather keeps its own counts until it completes (MPI
 * reads them then). */
typedef struct {
  MPI_Request r;
  int *counts, *displs;
} mpi_request;

static int mpi_iallgatherv(void *ctx, const void *mine, size_t bytes, void *all,
                           const size_t *sizes, const size_t *displs, void *stream,
                           void **request) {
  mpi_ctx *m = ctx;
  (void)stream;
  *request = NULL;
  mpi_request *q = calloc(1, sizeof *q);
  if (q) {
    q->counts = malloc((size_t)m->size * sizeof(int));
    q->displs = malloc((size_t)m->size * sizeof(int));
  }
  if (!q || !q->counts || !q->displs) {
    if (q) free(q->counts), free(q->displs);
    free(q);
    return MPI_ERR_NO_MEM;
  }
  int err = to_units(sizes, m->size, q->counts);
  if (!err) err = to_units(displs, m->size, q->displs);
  if (!err && (bytes % UNIT || bytes / UNIT > (size_t)INT_MAX)) err = MPI_ERR_COUNT;
  if (!err)
    err = MPI_Iallgatherv(mine, (int)(bytes / UNIT), m->unit, all, q->counts, q->displs,
                          m->unit, m->comm, &q->r);
  if (err) {
    free(q->counts);
    free(q->displs);
    free(q);
    return err;
  }
  *request = q;
  return MPI_SUCCESS;
}

static int mpi_wait(void *ctx, void *request) {
  (void)ctx;
  mpi_request *q = request;
  int err = MPI_Wait(&q->r, MPI_STATUS_IGNORE);
  free(q->counts);
  free(q->displs);
  free(q);
  return err;
}

static int mpi_alltoallv(void *ctx, const void *send, const size_t *send_sizes,
                         const size_t *send_displs, void *recv, const size_t *recv_sizes,
                         const size_t *recv_displs, void *stream) {
  mpi_ctx *m = ctx;
  (void)stream;
  int err = to_units(send_sizes, m->size, m->counts);
  if (!err) err = to_units(send_displs, m->size, m->displs);
  if (!err) err = to_units(recv_sizes, m->size, m->counts2);
  if (!err) err = to_units(recv_displs, m->size, m->displs2);
  if (err) return err;
  return MPI_Alltoallv(send, m->counts, m->displs, m->unit, recv, m->counts2, m->displs2,
                       m->unit, m->comm);
}

static int mpi_bcast(void *ctx, const void *send, void *recv, size_t bytes, int root,
                     void *stream) {
  mpi_ctx *m = ctx;
  (void)stream;
  if (m->rank == root && send != recv) memcpy(recv, send, bytes);
  if (bytes % UNIT == 0 && bytes / UNIT <= (size_t)INT_MAX && bytes >= UNIT)
    return MPI_Bcast(recv, (int)(bytes / UNIT), m->unit, root, m->comm);
  if (bytes > (size_t)INT_MAX) return MPI_ERR_COUNT;
  return MPI_Bcast(recv, (int)bytes, MPI_BYTE, root, m->comm);
}

static int mpi_allreduce_max(void *ctx, int64_t *vals, int n) {
  mpi_ctx *m = ctx;
  return MPI_Allreduce(MPI_IN_PLACE, vals, n, MPI_INT64_T, MPI_MAX, m->comm);
}

static void mpi_destroy(void *ctx) {
  mpi_ctx *m = ctx;
  if (!m) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) {
    MPI_Type_free(&m->unit);
    MPI_Comm_free(&m->comm);
  }
  free(m->counts);
  free(m->displs);
  free(m->counts2);
  free(m->displs2);
  free(m);
}

static const char *mpi_error_string(int err) {
  static _Thread_local char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(err, text, &len) != MPI_SUCCESS) return NULL;
  return text;
}

static const gcompTransport_t mpi_transport = {
    .size = sizeof(gcompTransport_t),
    .name = "MPI",
    .onDevice = 0,
    .allreduceMaxI64 = mpi_allreduce_max,
    .allgather = mpi_allgather,
    .allgatherv = mpi_allgatherv,
    .alltoallv = mpi_alltoallv,
    .bcast = mpi_bcast,
    .iallgatherv = mpi_iallgatherv,
    .wait = mpi_wait,
    .errorString = mpi_error_string,
    .destroy = mpi_destroy,
};

GCOMP_API gcompResult_t gcompCommCreateMpi(gcompComm_t *comm, MPI_Comm mpiComm,
                                         const gcompCommConfig_t *config) {
  if (!comm) return gcompSetError(gcompInvalidArgument, "comm must not be NULL");
  *comm = NULL;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return gcompSetError(gcompInvalidArgument, "MPI is not initialized");
  mpi_ctx *m = calloc(1, sizeof *m);
  if (!m) return gcompSetError(gcompOutOfMemory, "MPI transport allocation failed");
  int err = MPI_Comm_dup(mpiComm, &m->comm);
  if (err) {
    free(m);
    return gcompSetError(gcompSystemError, "MPI_Comm_dup failed");
  }
  MPI_Comm_set_errhandler(m->comm, MPI_ERRORS_RETURN);
  MPI_Type_contiguous((int)UNIT, MPI_BYTE, &m->unit);
  MPI_Type_commit(&m->unit);
  MPI_Comm_rank(m->comm, &m->rank);
  MPI_Comm_size(m->comm, &m->size);
  size_t P = (size_t)m->size;
  m->counts = malloc(P * sizeof(int));
  m->displs = malloc(P * sizeof(int));
  m->counts2 = malloc(P * sizeof(int));
  m->displs2 = malloc(P * sizeof(int));
  if (!m->counts || !m->displs || !m->counts2 || !m->displs2) {
    mpi_destroy(m);
    return gcompSetError(gcompOutOfMemory, "MPI transport allocation failed");
  }
  return gcompCommCreateCustom(comm, &mpi_transport, m, m->rank, m->size, config);
}
