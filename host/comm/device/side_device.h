/* The device side of a communicator (side_device.c): its device scratch
 * and per-collective bookkeeping. */
#ifndef GCOMP_COMM_DEVICE_SIDE_H
#define GCOMP_COMM_DEVICE_SIDE_H

#include <cuda_runtime_api.h>

#include "kernels/comm/kernels_nccl.h"
#include "comm/side.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Device memory that only grows (cudaFree and cudaMalloc synchronize: a
 * collective larger than any before pays that once). */
typedef struct {
  void *p;
  size_t cap;
} dev_buf;

/* One collective: every slot has the same capacity. */
typedef struct {
  int64_t sig;     /* hash of the agreement record */
  size_t slot;     /* bytes, a multiple of 256 */
  size_t ws_bytes; /* of each workspace */
  int kind;        /* of the last exchange */
  int exchanges;
} dev_call;

typedef struct {
  int P, me;
  gcompExchange_t mode;
  double slot_bits;
  gcomp_nccl_state *st; /* device */
  uint64_t *my_rec;     /* device, P + 1 words: sig, payload sizes */
  uint64_t *rec;        /* device, P records gathered */
  uint64_t *host_rec;   /* pinned copy (exact mode) */
  dev_buf send, recv;   /* slots: up to P to send, P received */
  dev_buf enc_ws, dec_ws, floats;
  size_t *displs, *in_sizes, *out_sizes; /* host, P each */
  dev_call call;
} dev_ctx;

gcompResult_t gcomp_device_side_new(int rank, int size, dev_ctx **out);

extern const gcomp_side_ops gcomp_device_side;

#ifdef __cplusplus
}
#endif

#endif
