/* What moves bytes between the ranks of a communicator: MPI, NCCL, or the
 * in-process transport (P ranks as threads of one process). The collective
 * algorithms (comm/algorithms.c) never call a transport themselves: the
 * side that holds the buffers (comm/host_side.c, comm/device/side_device.c)
 * does.
 *
 * Every primitive is collective and returns 0 or a nonzero transport error
 * (error_string names it). A host transport (on_device = 0) works on host
 * memory and ignores `stream`; a device transport takes device pointers and
 * only enqueues work on `stream` (a cudaStream_t). Sizes and displacements
 * are bytes, one per rank in rank order; host transports want them in
 * multiples of GCOMP_XFER_UNIT. */
#ifndef GCOMP_COMM_TRANSPORT_H
#define GCOMP_COMM_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Host payloads travel in 64-byte units at 64-byte aligned offsets (MPI
 * counts are int: units keep that far from overflowing). */
#define GCOMP_XFER_UNIT 64u

typedef struct gcomp_transport {
  const char *name;
  int on_device;
  /* vals[0..n) = the maximum over ranks, in place; host memory, blocking. */
  int (*allreduce_max_i64)(void *ctx, int64_t *vals, int n);
  /* all[r * bytes ..) = rank r's mine[0..bytes). */
  int (*allgather)(void *ctx, const void *mine, void *all, size_t bytes, void *stream);
  /* all + displs[r] = rank r's mine[0..sizes[r]); bytes = sizes[me]. */
  int (*allgatherv)(void *ctx, const void *mine, size_t bytes, void *all, const size_t *sizes,
                    const size_t *displs, void *stream);
  /* rank r gets send + send_displs[r] (send_sizes[r] bytes) at its
   * recv + recv_displs[me]. */
  int (*alltoallv)(void *ctx, const void *send, const size_t *send_sizes,
                   const size_t *send_displs, void *recv, const size_t *recv_sizes,
                   const size_t *recv_displs, void *stream);
  /* root's send[0..bytes) into every rank's recv (the root's too; send may
   * equal recv there). */
  int (*bcast)(void *ctx, const void *send, void *recv, size_t bytes, int root, void *stream);
  const char *(*error_string)(int err);
  /* Optional: gives up on every pending operation (a peer is gone). */
  void (*abort)(void *ctx);
  void (*destroy)(void *ctx);
} gcomp_transport;

#ifdef __cplusplus
}
#endif

#endif
