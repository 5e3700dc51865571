/* gcomp collectives over a transport of your own: the few collective
 * primitives gcomp's algorithms need, as callbacks. gcomp's MPI and NCCL
 * layers are built on exactly this (docs/COLLECTIVES.md); a framework can
 * plug in its own process group the same way.
 *
 * Every primitive is collective (every rank calls it in the same order) and
 * returns 0 or a nonzero transport error, which errorString names. A host
 * transport (onDevice = 0) works on host memory and ignores `stream`; a
 * device transport takes device pointers and only enqueues work on
 * `stream` (a cudaStream_t), and its communicators run the device path
 * (CUDA builds). Sizes and displacements are bytes, one per rank in rank
 * order; a host transport may rely on every payload size and displacement
 * being a multiple of GCOMP_TRANSPORT_UNIT. */
#ifndef GCOMP_TRANSPORT_H
#define GCOMP_TRANSPORT_H

#include "gcomp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GCOMP_TRANSPORT_UNIT 64u

typedef struct {
  size_t size;      /* sizeof(gcompTransport_t) */
  const char *name; /* in error messages: "MPI", "NCCL", ... */
  int onDevice;
  /* vals[0..n) = the maximum over ranks, in place; host memory, blocking
   * (n <= 64). */
  int (*allreduceMaxI64)(void *ctx, int64_t *vals, int n);
  /* all[r * bytes ..) = rank r's mine[0..bytes). */
  int (*allgather)(void *ctx, const void *mine, void *all, size_t bytes, void *stream);
  /* all + displs[r] = rank r's mine[0..sizes[r]); bytes = sizes[me]. */
  int (*allgatherv)(void *ctx, const void *mine, size_t bytes, void *all, const size_t *sizes,
                    const size_t *displs, void *stream);
  /* rank r gets send + sendDispls[r] (sendSizes[r] bytes) at its
   * recv + recvDispls[me]. */
  int (*alltoallv)(void *ctx, const void *send, const size_t *sendSizes,
                   const size_t *sendDispls, void *recv, const size_t *recvSizes,
                   const size_t *recvDispls, void *stream);
  /* root's send[0..bytes) into every rank's recv (the root's too; send may
   * equal recv there). */
  int (*bcast)(void *ctx, const void *send, void *recv, size_t bytes, int root, void *stream);
  /* Optional (NULL: gcomp uses allgatherv and does not overlap): allgatherv
   * started, to be completed by wait; the buffers and arrays stay the
   * caller's until then. *request is the transport's own handle. */
  int (*iallgatherv)(void *ctx, const void *mine, size_t bytes, void *all, const size_t *sizes,
                     const size_t *displs, void *stream, void **request);
  int (*wait)(void *ctx, void *request);
  /* Optional (NULL): a text for an error code. */
  const char *(*errorString)(int err);
  /* Optional: give up on everything pending (a peer is gone; see
   * gcompCommConfig_t.timeoutSeconds). */
  void (*abort)(void *ctx);
  /* Optional: frees ctx when the communicator is freed (or its creation
   * fails). */
  void (*destroy)(void *ctx);
} gcompTransport_t;

/* A communicator of `size` ranks over `transport`, this process being
 * `rank`. Takes ownership of ctx. The transport struct must outlive the
 * communicator. */
GCOMP_API gcompResult_t gcompCommCreateCustom(gcompComm_t *comm,
                                              const gcompTransport_t *transport, void *ctx,
                                              int rank, int size,
                                              const gcompCommConfig_t *config);

/* For transport layers: records `detail` as this thread's
 * gcompGetLastErrorDetail and returns `code`. */
GCOMP_API gcompResult_t gcompSetError(gcompResult_t code, const char *detail);

#ifdef __cplusplus
}
#endif

#endif
