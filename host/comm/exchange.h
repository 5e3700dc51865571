/* Shared plumbing of the host collectives: scratch buffers, encoding into
 * them, and exchanging variable-length payloads without ever leaving a rank
 * waiting (every step is taken by every rank, failures travel as sizes or
 * as agreed statuses). */
#ifndef GCOMP_HOST_COLLECTIVE_H
#define GCOMP_HOST_COLLECTIVE_H

#include "comm/comm.h"

#define GCOMP_COLL_FAILED UINT64_MAX
/* Payloads travel in 64-byte units (engines count in int: units keep that
 * far from overflowing); each sits at a 64-byte aligned offset. */
#define GCOMP_COLL_ALIGN 64u

static inline size_t gcomp_coll_padded(size_t bytes) {
  return (bytes + GCOMP_COLL_ALIGN - 1) / GCOMP_COLL_ALIGN * GCOMP_COLL_ALIGN;
}

typedef struct {
  uint8_t *buf;
  size_t cap;
} gcomp_scratch;

typedef struct {
  gcompComm_t comm;
  gcompCodec_t codec;
  uint64_t count, call;
  int P, me;
  gcomp_scratch mine, all; /* this rank's payloads, everyone's payloads */
  uint64_t *sizes64;       /* P * P + P: a size matrix and one spare row */
  size_t *sizes, *displs;  /* what this rank receives, per rank */
  size_t *xfer;            /* the padded sizes that travel */
  size_t *send_sizes, *send_displs; /* padded, two-phase's scatter */
} gcomp_coll;

/* Grows s to at least bytes (keeps its content). */
gcompResult_t gcomp_scratch_reserve(gcomp_scratch *s, size_t bytes);

/* call: the collective's number (comm->calls, taken by every rank). */
gcompResult_t gcomp_coll_init(gcomp_coll *c, gcompComm_t comm, gcompCodec_t codec,
                              uint64_t count, uint64_t call);
void gcomp_coll_free(gcomp_coll *c);

/* Encodes x[0..n) at s->buf + offset (with room for the padding after it);
 * returns the size, or
 * GCOMP_COLL_FAILED with *status set. */
uint64_t gcomp_coll_encode(gcompCodec_t codec, const float *x, uint64_t n, uint64_t seed,
                           gcomp_scratch *s, size_t offset, gcompResult_t *status);

/* Any GCOMP_COLL_FAILED size fails the collective on every rank. */
gcompResult_t gcomp_coll_check_sizes(const uint64_t *sizes, size_t n, gcompResult_t local);

/* Padded transfer sizes and displacements from c->sizes, then room in
 * c->all: agreed by all ranks. */
gcompResult_t gcomp_coll_reserve_all(gcomp_coll *c);

/* Every rank's payload (this one's: my_size bytes of c->mine) into c->all. */
gcompResult_t gcomp_coll_allgather(gcomp_coll *c, uint64_t my_size, gcompResult_t local);

/* Decodes a payload that must hold exactly n values (a peer's payload of
 * another length is corrupt even when it is well formed). */
gcompResult_t gcomp_coll_decode(const uint8_t *p, size_t size, float *dst, uint64_t n,
                                float beta);

/* dst = sum of the received payloads, decoded in rank order. */
gcompResult_t gcomp_coll_decode_sum(const gcomp_coll *c, float *dst, uint64_t n);

#endif
