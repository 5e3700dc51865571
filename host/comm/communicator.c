/* The communicator object behind gcompComm_t: creation from a transport
 * and a side (each engine's create function calls gcomp_comm_create), and
 * the public queries. */
#include "comm/side.h"

#include "shared/check.h"

#if defined(GCOMP_HAVE_CUDA)
#include "comm/device/side_device.h"
#endif

#include <stddef.h>
#include <stdlib.h>

gcompResult_t gcomp_comm_create(gcompComm_t *out, const gcomp_transport *tr, void *tr_ctx,
                                const gcomp_side_ops *side, void *side_ctx, int rank, int size,
                                const gcompCommConfig_t *cfg) {
  gcompCommConfig_t def = GCOMP_COMM_CONFIG_INITIALIZER;
  if (!cfg) cfg = &def;
  gcompResult_t r = gcompSuccess;
  /* 0.1's struct ended before timeoutSeconds: still accepted */
  size_t v1 = offsetof(gcompCommConfig_t, timeoutSeconds);
  size_t v2 = offsetof(gcompCommConfig_t, pipelineValues);
  if (cfg->size != sizeof(gcompCommConfig_t) && cfg->size != v1 && cfg->size != v2)
    r = gcomp_fail(gcompInvalidArgument, "config.size is %zu, expected %zu", cfg->size,
                   sizeof(gcompCommConfig_t));
  else if ((int)cfg->algorithm < 0 || cfg->algorithm > gcompAlgoTwoPhase)
    r = gcomp_fail(gcompInvalidArgument, "algorithm %d unknown", (int)cfg->algorithm);
  else if (cfg->size > v1 && !(cfg->timeoutSeconds >= 0 && cfg->timeoutSeconds <= 1e9))
    r = gcomp_fail(gcompInvalidArgument, "timeoutSeconds = %g outside [0, 1e9]",
                   cfg->timeoutSeconds);
  struct gcompComm *c = r == gcompSuccess ? calloc(1, sizeof *c) : NULL;
  if (r == gcompSuccess && !c) r = gcomp_fail(gcompOutOfMemory, "communicator allocation failed");
  if (r != gcompSuccess) {
    if (side && side->destroy) side->destroy(side_ctx);
    if (tr && tr->destroy) tr->destroy(tr_ctx);
    return r;
  }
  c->tr = tr;
  c->tr_ctx = tr_ctx;
  c->side = side;
  c->side_ctx = side_ctx;
  c->rank = rank;
  c->size = size;
  c->seed = cfg->seed;
  c->algo = cfg->algorithm;
  c->timeout = cfg->size > v1 ? cfg->timeoutSeconds : 0.0;
  c->pipeline = cfg->size > v2 ? cfg->pipelineValues : 0;
  *out = c;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCommFree(gcompComm_t comm) {
  gcomp_clear_error();
  if (!comm) return gcompSuccess;
  if (comm->side && comm->side->destroy) comm->side->destroy(comm->side_ctx);
  if (comm->tr && comm->tr->destroy) comm->tr->destroy(comm->tr_ctx);
  free(comm);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCommGetStats(gcompComm_t comm, gcompCommStats_t *stats) {
  gcomp_clear_error();
  if (!comm || !stats) return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  if (comm->side->stats) return comm->side->stats(comm, stats);
  stats->bytesEncoded = comm->encoded;
  stats->bytesReceived = comm->received;
  stats->collectives = comm->calls;
  stats->bodyBytesEncoded = comm->body_encoded;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCommGetAsyncError(gcompComm_t comm, gcompStream_t stream,
                                               gcompResult_t *status) {
  gcomp_clear_error();
  if (!comm || !status) return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  *status = gcompSuccess;
  /* a host communicator reports everything synchronously */
  if (!comm->side->async_error) return gcompSuccess;
  return comm->side->async_error(comm, stream, status);
}

GCOMP_API gcompResult_t gcompCommRank(gcompComm_t comm, int *rank) {
  gcomp_clear_error();
  if (!comm || !rank) return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  *rank = comm->rank;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCommSize(gcompComm_t comm, int *size) {
  gcomp_clear_error();
  if (!comm || !size) return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  *size = comm->size;
  return gcompSuccess;
}


GCOMP_API gcompResult_t gcompSetError(gcompResult_t code, const char *detail) {
  return gcomp_fail(code, "%s", detail ? detail : "");
}

static gcompResult_t check_transport(const gcompTransport_t *t, int rank, int size) {
  if (!t) return gcomp_fail(gcompInvalidArgument, "transport must not be NULL");
  if (t->size != sizeof *t)
    return gcomp_fail(gcompInvalidArgument, "transport.size is %zu, expected %zu", t->size,
                      sizeof *t);
  if (!t->name || !t->allreduceMaxI64 || !t->allgather || !t->allgatherv || !t->alltoallv ||
      !t->bcast)
    return gcomp_fail(gcompInvalidArgument, "the transport lacks a name or a primitive");
  if (size < 1 || rank < 0 || rank >= size)
    return gcomp_fail(gcompInvalidArgument, "rank %d of %d ranks", rank, size);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCommCreateCustom(gcompComm_t *comm,
                                              const gcompTransport_t *transport, void *ctx,
                                              int rank, int size,
                                              const gcompCommConfig_t *config) {
  gcomp_clear_error();
  gcompResult_t r = comm ? check_transport(transport, rank, size)
                         : gcomp_fail(gcompInvalidArgument, "comm must not be NULL");
  if (comm) *comm = NULL;
  const gcomp_side_ops *side = &gcomp_host_side;
  void *side_ctx = NULL;
  if (r == gcompSuccess && transport->onDevice) {
#if defined(GCOMP_HAVE_CUDA)
    dev_ctx *d = NULL;
    r = gcomp_device_side_new(rank, size, &d);
    side = &gcomp_device_side;
    side_ctx = d;
#else
    r = gcomp_fail(gcompNotAvailable, "this build of gcomp has no CUDA device path");
#endif
  }
  if (r != gcompSuccess) {
    if (transport && transport->destroy) transport->destroy(ctx);
    return r;
  }
  return gcomp_comm_create(comm, transport, ctx, side, side_ctx, rank, size, config);
}
