/* The host side of a communicator: buffers in host memory, the CPU codecs,
 * and exchanges over a host transport (MPI, in-process). Sizes travel
 * before payloads, so every rank knows what it receives; a rank with
 * nothing to send sends the size NONE, and every rank that sees one stops
 * (the others' error: gcompRemoteError). Every step is taken by every rank
 * that has not seen a NONE, so nobody waits for bytes that never come. */
#include "comm/side.h"

#include "comm/error_feedback.h"
#include "comm/frame.h"
#include "shared/check.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT64_MAX

typedef struct {
  uint8_t *buf;
  size_t cap;
} scratch;

/* Where one exchange receives: two of them, so the next exchange can be in
 * flight while this one's payloads are decoded (pipelining). */
typedef struct {
  scratch all;
  size_t *sizes, *displs; /* what this rank received, per rank */
  size_t *xfer;           /* padded sizes that travel */
  void *req;              /* an exchange still in flight (non-blocking transport) */
} region;

typedef struct {
  scratch mine;           /* this rank's payloads (slots) */
  scratch floats;         /* the algorithm's scratch */
  int nslots;
  size_t slot_cap;        /* fixed slot stride while pipelining, 0 otherwise */
  size_t all_bound;       /* agreed capacity of a region while pipelining */
  size_t *slot_at;        /* nslots offsets into mine */
  uint64_t *slot_size;    /* nslots frame sizes, NONE for a failed encode */
  uint64_t *slot_seed;    /* nslots seeds they were encoded with */
  uint64_t *sizes64;      /* P * P + P: the gathered sizes, and my row */
  size_t *send_sizes, *send_displs;
  region reg[2];
  int next;               /* region of the next exchange */
  int queue[2], queued;   /* begun, not yet ended, oldest first */
  int cur;                /* region of the last ended exchange */
} host_coll;

static size_t padded(size_t bytes) {
  return (bytes + GCOMP_XFER_UNIT - 1) / GCOMP_XFER_UNIT * GCOMP_XFER_UNIT;
}

static gcompResult_t reserve(scratch *s, size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes <= s->cap) return gcompSuccess;
  uint8_t *b = realloc(s->buf, bytes);
  if (!b) return gcomp_fail(gcompOutOfMemory, "collective scratch of %zu bytes", bytes);
  s->buf = b;
  s->cap = bytes;
  return gcompSuccess;
}

static host_coll *st(gcomp_coll *c) { return c->state; }

static void free_state(host_coll *h) {
  if (!h) return;
  free(h->mine.buf);
  free(h->floats.buf);
  free(h->slot_at);
  free(h->slot_size);
  free(h->slot_seed);
  free(h->sizes64);
  free(h->send_sizes);
  free(h->send_displs);
  for (int r = 0; r < 2; r++) {
    free(h->reg[r].all.buf);
    free(h->reg[r].sizes);
    free(h->reg[r].displs);
    free(h->reg[r].xfer);
  }
  free(h);
}

/* A transport failure: the engine is broken, nothing more is attempted. */
static void broken(gcomp_coll *c, int err, const char *what) {
  gcomp_coll_fail(c, gcomp_transport_fail(c->comm, err, what));
  c->stop = 1;
}

/* The communicator's buffers, made on its first collective and kept: a
 * training loop's allreduces then reuse warm memory instead of mapping
 * and faulting in fresh pages every step. */
static host_coll *state_of(gcomp_coll *c) {
  host_coll *h = c->comm->side_ctx;
  if (h) return h;
  size_t P = (size_t)c->P;
  h = calloc(1, sizeof *h);
  if (!h) return NULL;
  size_t slots = P < 2 ? 2 : P; /* no algorithm uses more than max(P, 2) slots */
  h->slot_at = calloc(slots, sizeof *h->slot_at);
  h->slot_size = malloc(slots * sizeof *h->slot_size);
  h->slot_seed = malloc(slots * sizeof *h->slot_seed);
  h->sizes64 = malloc((P * P + P) * sizeof *h->sizes64);
  h->send_sizes = malloc(P * sizeof *h->send_sizes);
  h->send_displs = malloc(P * sizeof *h->send_displs);
  int ok = h->slot_at && h->slot_size && h->slot_seed && h->sizes64 && h->send_sizes && h->send_displs;
  for (int r = 0; ok && r < 2; r++) {
    h->reg[r].sizes = malloc(P * sizeof *h->reg[r].sizes);
    h->reg[r].displs = malloc(P * sizeof *h->reg[r].displs);
    h->reg[r].xfer = malloc(P * sizeof *h->reg[r].xfer);
    ok = h->reg[r].sizes && h->reg[r].displs && h->reg[r].xfer;
  }
  if (!ok) {
    free_state(h);
    return NULL;
  }
  c->comm->side_ctx = h;
  return h;
}

/* Pipelining (c->pipe values a chunk): fixed slots and both regions sized
 * for the chunk's bound now, so the exchanges need no agreement on memory
 * later (every rank reserves the same, and the agreement below covers it). */
static gcompResult_t reserve_pipeline(gcomp_coll *c, host_coll *h) {
  h->slot_cap = h->all_bound = 0;
  if (!c->pipe) return gcompSuccess;
  size_t bound = 0;
  GCOMP_TRY(gcompEncodeBound(c->codec, c->pipe, &bound));
  size_t cap = padded(bound);
  if (cap > SIZE_MAX / 2 / (size_t)c->P)
    return gcomp_fail(gcompSizeOverflow, "pipeline buffers overflow");
  GCOMP_TRY(reserve(&h->mine, 2 * cap));
  for (int r = 0; r < 2; r++) GCOMP_TRY(reserve(&h->reg[r].all, (size_t)c->P * cap));
  h->slot_cap = cap;
  h->all_bound = (size_t)c->P * cap;
  return gcompSuccess;
}

static void host_begin(gcomp_coll *c, gcompResult_t local, const uint64_t *ns, int nn,
                       int nslots, uint64_t nfloats) {
  (void)ns, (void)nn;
  host_coll *h = NULL;
  if (local == gcompSuccess) {
    h = state_of(c);
    if (!h) local = gcomp_fail(gcompOutOfMemory, "collective bookkeeping");
    else if (nslots > (c->P < 2 ? 2 : c->P))
      local = gcomp_fail(gcompInternalError, "%d send slots", nslots);
  }
  if (local == gcompSuccess) {
    h->nslots = nslots;
    h->next = h->queued = h->cur = 0;
    for (int k = 0; k < nslots; k++) h->slot_size[k] = NONE;
    local = reserve(&h->floats, (size_t)nfloats * sizeof(float));
  }
  if (local == gcompSuccess) local = reserve_pipeline(c, h);
  c->state = h;
  gcompResult_t r = gcomp_agree(c->comm, c->rec, local);
  if (r != gcompSuccess) {
    gcomp_coll_fail(c, r);
    c->stop = 1; /* every rank failed the agreement */
  }
}

static void host_encode(gcomp_coll *c, const float *x, uint64_t n, uint64_t seed, int slot) {
  if (!gcomp_coll_ok(c)) return;
  host_coll *h = st(c);
  /* slots are written in order, slot 0 starting a new phase; while
   * pipelining each slot has a fixed place (the other may be in flight) */
  size_t at = h->slot_cap ? (size_t)slot * h->slot_cap
              : slot == 0 ? 0
                          : h->slot_at[slot - 1] + padded((size_t)h->slot_size[slot - 1]);
  size_t bound = 0, size = 0;
  gcompResult_t r = gcompEncodeBound(c->codec, n, &bound);
  if (r == gcompSuccess) r = reserve(&h->mine, at + padded(bound));
  if (r == gcompSuccess) r = gcompEncode(c->codec, x, n, seed, h->mine.buf + at, bound, &size);
  if (r != gcompSuccess) {
    gcomp_coll_fail(c, r);
    return;
  }
  /* frames, not payloads, travel: the header says nothing the receivers
   * do not know */
  size = gcomp_frame_from_payload(h->mine.buf + at, size, c->codec);
  memset(h->mine.buf + at + size, 0, padded(size) - size); /* the padding travels too */
  h->slot_at[slot] = at;
  h->slot_size[slot] = size;
  h->slot_seed[slot] = seed;
}

static void host_decode_sent(gcomp_coll *c, int slot, float *y, uint64_t n, float beta) {
  if (!gcomp_coll_ok(c)) return;
  host_coll *h = st(c);
  gcompResult_t r = gcomp_frame_decode(h->mine.buf + h->slot_at[slot], (size_t)h->slot_size[slot],
                                       c->codec, n, h->slot_seed[slot], y, beta);
  if (r != gcompSuccess) gcomp_coll_fail(c, r);
}

static void host_decode_recv(gcomp_coll *c, int from, uint64_t seed, float *y, uint64_t n,
                             float beta) {
  if (!gcomp_coll_ok(c)) return;
  const region *g = &st(c)->reg[st(c)->cur];
  gcompResult_t r =
      gcomp_frame_decode(g->all.buf + g->displs[from], g->sizes[from], c->codec, n, seed, y, beta);
  if (r != gcompSuccess) gcomp_coll_fail(c, r);
}

/* Any NONE among the sizes: every rank stops; the rank that failed keeps
 * its code. */
static int check_sizes(gcomp_coll *c, const uint64_t *sizes, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (sizes[i] == NONE) {
      if (gcomp_coll_ok(c))
        gcomp_coll_fail(c, gcomp_fail(gcompRemoteError, "another rank has no payload to send"));
      c->stop = 1;
      return 0;
    }
  return 1;
}

/* Padded transfer sizes and displacements from g->sizes, then room in
 * g->all, agreed by all ranks (one that cannot allocate says so first)
 * unless it fits the room every rank reserved when the collective began. */
static int reserve_all(gcomp_coll *c, region *g) {
  size_t at = 0;
  for (int j = 0; j < c->P; j++) {
    g->xfer[j] = padded(g->sizes[j]);
    g->displs[j] = at;
    at += g->xfer[j];
  }
  if (at <= st(c)->all_bound) return 1; /* the same decision on every rank */
  gcompResult_t r = gcomp_agree_status(c->comm, reserve(&g->all, at));
  if (r != gcompSuccess) {
    gcomp_coll_fail(c, r);
    c->stop = 1;
    return 0;
  }
  return 1;
}

/* My slot `slot` to every rank. The sizes travel first (blocking, small);
 * the payloads travel while the caller goes on when the transport can. */
static void gather(gcomp_coll *c, region *g, int slot) {
  host_coll *h = st(c);
  const gcomp_transport *tr = c->comm->tr;
  uint64_t mine = gcomp_coll_ok(c) ? h->slot_size[slot] : NONE;
  int err = tr->allgather(c->comm->tr_ctx, &mine, h->sizes64, sizeof mine, NULL);
  if (err) return broken(c, err, "size exchange");
  if (!check_sizes(c, h->sizes64, (size_t)c->P)) return;
  for (int j = 0; j < c->P; j++) g->sizes[j] = (size_t)h->sizes64[j];
  if (!reserve_all(c, g)) return;
  const uint8_t *src = h->mine.buf + h->slot_at[slot];
  size_t bytes = padded((size_t)mine);
  err = tr->iallgatherv ? tr->iallgatherv(c->comm->tr_ctx, src, bytes, g->all.buf, g->xfer,
                                          g->displs, NULL, &g->req)
                        : tr->allgatherv(c->comm->tr_ctx, src, bytes, g->all.buf, g->xfer,
                                         g->displs, NULL);
  if (err) return broken(c, err, "payload exchange");
  c->comm->encoded += mine;
  c->comm->body_encoded += gcomp_frame_body_bytes(src, (size_t)mine);
  for (int j = 0; j < c->P; j++)
    if (j != c->me) c->comm->received += g->sizes[j];
}

/* My slot j to rank j; the size matrix is shared first so every rank knows
 * what it receives. */
static void scatter(gcomp_coll *c, region *g) {
  host_coll *h = st(c);
  size_t P = (size_t)c->P;
  uint64_t *mine = h->sizes64 + P * P; /* the row after the matrix */
  for (size_t j = 0; j < P; j++) {
    mine[j] = gcomp_coll_ok(c) ? h->slot_size[j] : NONE;
    h->send_sizes[j] = mine[j] == NONE ? 0 : padded((size_t)mine[j]);
    h->send_displs[j] = gcomp_coll_ok(c) ? h->slot_at[j] : 0;
  }
  int err = c->comm->tr->allgather(c->comm->tr_ctx, mine, h->sizes64, P * sizeof *mine, NULL);
  if (err) return broken(c, err, "chunk size exchange");
  if (!check_sizes(c, h->sizes64, P * P)) return;
  for (size_t j = 0; j < P; j++) g->sizes[j] = (size_t)h->sizes64[j * P + (size_t)c->me];
  if (!reserve_all(c, g)) return;
  err = c->comm->tr->alltoallv(c->comm->tr_ctx, h->mine.buf, h->send_sizes, h->send_displs,
                               g->all.buf, g->xfer, g->displs, NULL);
  if (err) return broken(c, err, "chunk exchange");
  for (size_t j = 0; j < P; j++) {
    c->comm->encoded += mine[j];
    c->comm->body_encoded += gcomp_frame_body_bytes(h->mine.buf + h->slot_at[j], mine[j]);
    if ((int)j != c->me) c->comm->received += g->sizes[j];
  }
}

/* Everyone learns the root's size, then receives its payload (the root a
 * copy of its own, so every rank decodes the same bytes the same way). */
static void bcast(gcomp_coll *c, region *g, int root) {
  host_coll *h = st(c);
  const gcomp_transport *tr = c->comm->tr;
  uint64_t size = c->me == root && gcomp_coll_ok(c) ? h->slot_size[0] : NONE;
  int err = tr->bcast(c->comm->tr_ctx, &size, &size, sizeof size, root, NULL);
  if (err) return broken(c, err, "size broadcast");
  if (!check_sizes(c, &size, 1)) return;
  for (int j = 0; j < c->P; j++) g->sizes[j] = j == root ? (size_t)size : 0;
  if (!reserve_all(c, g)) return;
  err = tr->bcast(c->comm->tr_ctx, h->mine.buf, g->all.buf + g->displs[root], g->xfer[root],
                  root, NULL);
  if (err) return broken(c, err, "payload broadcast");
  if (c->me == root) {
    c->comm->encoded += size;
    c->comm->body_encoded += gcomp_frame_body_bytes(h->mine.buf, size);
  } else {
    c->comm->received += size;
  }
}

static void host_exchange_begin(gcomp_coll *c, int kind, int arg) {
  host_coll *h = st(c);
  if (c->stop || !h || h->queued == 2) {
    if (h && h->queued == 2 && !c->stop)
      gcomp_coll_fail(c, gcomp_fail(gcompInternalError, "a third exchange in flight"));
    return;
  }
  int r = h->next;
  h->next ^= 1;
  region *g = &h->reg[r];
  g->req = NULL;
  h->queue[h->queued++] = r;
  if (kind == GCOMP_XCHG_GATHER) gather(c, g, arg);
  else if (kind == GCOMP_XCHG_SCATTER) scatter(c, g);
  else bcast(c, g, arg);
}

/* The oldest exchange in flight has arrived: its payloads can be decoded.
 * Also after a failure: a request the transport holds is always waited. */
static void host_exchange_end(gcomp_coll *c) {
  host_coll *h = st(c);
  if (!h || h->queued == 0) return;
  int r = h->queue[0];
  h->queue[0] = h->queue[1];
  h->queued--;
  region *g = &h->reg[r];
  if (g->req) {
    int err = c->comm->tr->wait(c->comm->tr_ctx, g->req);
    g->req = NULL;
    if (err && !c->stop) broken(c, err, "payload exchange");
  }
  h->cur = r;
}

static void host_exchange(gcomp_coll *c, int kind, int root) {
  host_exchange_begin(c, kind, kind == GCOMP_XCHG_GATHER ? 0 : root);
  host_exchange_end(c);
}

static float *host_scratch(gcomp_coll *c) {
  return st(c) ? (float *)st(c)->floats.buf : NULL;
}

static void host_sub(gcomp_coll *c, float *out, const float *a, const float *b, uint64_t n) {
  if (!gcomp_coll_ok(c)) return;
  for (uint64_t i = 0; i < n; i++) out[i] = a[i] - b[i];
}

static void host_add(gcomp_coll *c, float *a, const float *b, uint64_t n) {
  if (!gcomp_coll_ok(c)) return;
  for (uint64_t i = 0; i < n; i++) a[i] += b[i];
}

static void host_scale(gcomp_coll *c, float *x, uint64_t n, float f) {
  if (!gcomp_coll_ok(c)) return;
  for (uint64_t i = 0; i < n; i++) x[i] *= f;
}

static void host_copy(gcomp_coll *c, float *dst, const float *src, uint64_t n) {
  if (!gcomp_coll_ok(c) || dst == src) return;
  memcpy(dst, src, (size_t)n * sizeof *dst);
}

static void host_ef_commit(gcomp_coll *c, float *g, float *G, const float *own, float *recv,
                           uint64_t n) {
  if (!gcomp_coll_ok(c)) return;
  for (uint64_t i = 0; i < n; i++) {
    g[i] += own[i];
    G[i] += recv[i];
    recv[i] = G[i];
  }
}

static void host_ef_state(gcomp_coll *c, gcompErrorFeedback_t ef, uint64_t e_len, float **g,
                          float **G, float **e) {
  *g = ef->g;
  *G = ef->G;
  *e = NULL;
  if (!gcomp_coll_ok(c) || !e_len) return;
  if (!ef->e) {
    ef->e = calloc((size_t)e_len, sizeof *ef->e);
    ef->e_count = ef->e ? e_len : 0;
  }
  if (!ef->e || ef->e_count != e_len) {
    gcomp_coll_fail(c, gcomp_fail(gcompOutOfMemory, "owner error feedback state"));
    return;
  }
  *e = ef->e;
}

/* A failure only this rank knows of (a payload it could not decode) still
 * reaches the others here. */
static gcompResult_t host_end(gcomp_coll *c) {
  while (st(c) && st(c)->queued) host_exchange_end(c);
  gcompResult_t r = c->status;
  if (!c->stop) r = gcomp_agree_status(c->comm, r);
  c->state = NULL;
  return r;
}

static void host_destroy(void *ctx) { free_state(ctx); }

const gcomp_side_ops gcomp_host_side = {
    .begin = host_begin,
    .encode = host_encode,
    .decode_sent = host_decode_sent,
    .exchange = host_exchange,
    .exchange_begin = host_exchange_begin,
    .exchange_end = host_exchange_end,
    .decode_recv = host_decode_recv,
    .scratch = host_scratch,
    .sub = host_sub,
    .add = host_add,
    .scale = host_scale,
    .copy = host_copy,
    .ef_commit = host_ef_commit,
    .ef_state = host_ef_state,
    .end = host_end,
    .destroy = host_destroy,
    .on_device = 0,
};
