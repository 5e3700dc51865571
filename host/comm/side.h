/* The side of a communicator that holds the buffers: host memory
 * (comm/host_side.c, over MPI or the in-process transport) or device
 * memory (comm/device/side_device.c, over NCCL or the in-process device
 * transport). The collective algorithms (comm/algorithms.c) are written
 * once against these operations.
 *
 * Failures are sticky. An operation on a failed collective does nothing,
 * except exchange, which still takes part so that no peer waits: a failed
 * rank sends "no payload", and every rank that sees one stops. So the
 * algorithms are straight-line code, and `end` gives each rank its result:
 * its own failure, gcompRemoteError for a peer's, or success. */
#ifndef GCOMP_COMM_SIDE_H
#define GCOMP_COMM_SIDE_H

#include "gcomp.h"

#include "comm/comm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What an exchange moves: my slot 0 to every rank (gather), my slot j to
 * rank j (scatter), the root's slot 0 to every rank (broadcast). */
enum { GCOMP_XCHG_GATHER = 0, GCOMP_XCHG_SCATTER = 1, GCOMP_XCHG_BCAST = 2 };

typedef struct gcomp_coll {
  gcompComm_t comm;
  gcompCodec_t codec;
  gcompStream_t stream;
  uint64_t call;
  int P, me;
  int64_t rec[GCOMP_REC_FIELDS];
  gcompResult_t status; /* this rank's first failure in this collective */
  int stop;             /* every rank knows the collective failed: no more exchanges */
  uint64_t pipe;        /* values a pipelined chunk (0: not pipelined), set before begin */
  void *state;          /* the side's per-collective state */
} gcomp_coll;

typedef struct gcomp_side_ops {
  /* Every rank calls it, whatever `local` says: agrees on c->rec and, on
   * success, sizes this collective's buffers for payloads of vectors of
   * lengths ns[0..nn), nslots send slots, and nfloats floats of scratch. */
  void (*begin)(gcomp_coll *c, gcompResult_t local, const uint64_t *ns, int nn, int nslots,
                uint64_t nfloats);
  void (*encode)(gcomp_coll *c, const float *x, uint64_t n, uint64_t seed, int slot);
  /* y = (my slot's payload) + beta * y */
  void (*decode_sent)(gcomp_coll *c, int slot, float *y, uint64_t n, float beta);
  void (*exchange)(gcomp_coll *c, int kind, int root);
  /* Optional (host side): the same in two halves, so that one exchange
   * travels while the previous one's payloads are decoded. arg: my slot
   * (gather) or the root (broadcast). At most two in flight; decode_recv
   * reads the last one ended. */
  void (*exchange_begin)(gcomp_coll *c, int kind, int arg);
  void (*exchange_end)(gcomp_coll *c);
  /* y = (what rank `from` sent me in the last exchange, encoded with
   * `seed`) + beta * y. Host sides send frames (comm/frame.h), whose
   * decoder needs the seed the algorithm derived for that payload. */
  void (*decode_recv)(gcomp_coll *c, int from, uint64_t seed, float *y, uint64_t n,
                      float beta);
  float *(*scratch)(gcomp_coll *c);
  /* Element-wise, the CPU path's float operations on either side. */
  void (*sub)(gcomp_coll *c, float *out, const float *a, const float *b, uint64_t n);
  void (*add)(gcomp_coll *c, float *a, const float *b, uint64_t n);
  void (*scale)(gcomp_coll *c, float *x, uint64_t n, float f);
  void (*copy)(gcomp_coll *c, float *dst, const float *src, uint64_t n);
  /* EF21's end of a call: g += own; G += recv; recv = G. */
  void (*ef_commit)(gcomp_coll *c, float *g, float *G, const float *own, float *recv,
                    uint64_t n);
  /* The state of `ef` in this side's memory (e: the owner's e_len values,
   * when e_len > 0), made on first use. */
  void (*ef_state)(gcomp_coll *c, gcompErrorFeedback_t ef, uint64_t e_len, float **g,
                   float **G, float **e);
  gcompResult_t (*end)(gcomp_coll *c);
  /* Optional: counts kept elsewhere than comm->encoded/received. */
  gcompResult_t (*stats)(gcompComm_t comm, gcompCommStats_t *stats);
  /* Optional: what kernels found since the last query (device sides). */
  gcompResult_t (*async_error)(gcompComm_t comm, gcompStream_t stream, gcompResult_t *status);
  void (*destroy)(void *side_ctx);
  int on_device;
} gcomp_side_ops;

/* Records this rank's failure (the first one wins) and returns it. */
static inline gcompResult_t gcomp_coll_fail(gcomp_coll *c, gcompResult_t r) {
  if (c->status == gcompSuccess) c->status = r;
  return c->status;
}

static inline int gcomp_coll_ok(const gcomp_coll *c) { return c->status == gcompSuccess; }

extern const gcomp_side_ops gcomp_host_side;

#ifdef __cplusplus
}
#endif

#endif
