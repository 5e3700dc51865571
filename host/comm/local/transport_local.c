/* The in-process transport: the P ranks of a communicator are threads of
 * one process (docs/COLLECTIVES.md). Tests run P-rank collectives without
 * mpirun this way, `gcomp train` runs its workers this way, and on a GPU
 * the device flavour moves payloads between the ranks' device buffers, so
 * the device algorithms run at P > 1 on one GPU.
 *
 * Every primitive is the same three steps: publish what this rank offers,
 * meet the others at a barrier, take what it needs from the others, meet
 * again (so nobody reuses a buffer another rank still reads). */
#define _POSIX_C_SOURCE 200809L
#if defined(GCOMP_HAVE_CUDA)
#include <cuda_runtime_api.h>
#endif

#include "comm/local/local.h"

#include "comm/side.h"
#include "shared/check.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ERR_SIZES = 1, ERR_CUDA = 2, ERR_TOO_MANY = 3, ERR_TIMEOUT = 4 };

/* One communicator's shared state. */
struct local_world {
  int P, device;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int arrived, members, refs;
  int broken; /* a barrier timed out: every barrier fails from now on */
  uint64_t generation;
  /* what each rank published for the current primitive */
  const void **src;
  const size_t **sizes, **displs;
  int64_t **vals;
#if defined(GCOMP_HAVE_CUDA)
  cudaEvent_t *ready, *done;
#endif
};

typedef struct {
  local_world *w;
  int rank;
  double timeout; /* seconds a barrier may wait, 0: forever */
} local_rank;

/* Every rank of the world meets here. With a timeout, a rank that waits
 * longer takes the others for gone: the world breaks, and this and every
 * later barrier of every rank fails (the communicator's calls return
 * gcompSystemError instead of hanging). */
static int barrier(local_rank *r) {
  local_world *w = r->w;
  int err = 0;
  pthread_mutex_lock(&w->mu);
  uint64_t gen = w->generation;
  if (w->broken) {
    err = ERR_TIMEOUT;
  } else if (++w->arrived == w->P) {
    w->arrived = 0;
    w->generation++;
    pthread_cond_broadcast(&w->cv);
  } else {
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    double whole = (double)(long)r->timeout, frac = r->timeout - whole;
    deadline.tv_sec += (time_t)whole;
    deadline.tv_nsec += (long)(frac * 1e9);
    if (deadline.tv_nsec >= 1000000000L) {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000L;
    }
    while (gen == w->generation && !w->broken) {
      if (r->timeout <= 0) {
        pthread_cond_wait(&w->cv, &w->mu);
      } else if (pthread_cond_timedwait(&w->cv, &w->mu, &deadline) == ETIMEDOUT &&
                 gen == w->generation) {
        w->broken = 1;
        pthread_cond_broadcast(&w->cv);
      }
    }
    if (gen == w->generation) err = ERR_TIMEOUT;
  }
  pthread_mutex_unlock(&w->mu);
  return err;
}

/* ---------------------------------------------------- moving the bytes */

#if defined(GCOMP_HAVE_CUDA)
/* Device flavour: my stream waits for the peer's data to be ready before
 * the copy, and afterwards for every peer's copies out of my buffers to be
 * done before anything else on it may overwrite them. */
static int publish(local_rank *r, void *stream) {
  if (!r->w->device) return 0;
  return cudaEventRecord(r->w->ready[r->rank], (cudaStream_t)stream) != cudaSuccess;
}

static int copy(local_rank *r, void *dst, const void *src, size_t bytes, int from,
                void *stream) {
  if (!bytes || dst == src) return 0;
  if (!r->w->device) {
    memcpy(dst, src, bytes);
    return 0;
  }
  cudaStream_t s = (cudaStream_t)stream;
  if (cudaStreamWaitEvent(s, r->w->ready[from], 0) != cudaSuccess) return ERR_CUDA;
  return cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, s) != cudaSuccess
             ? ERR_CUDA
             : 0;
}

static int finish(local_rank *r, void *stream, int err) {
  local_world *w = r->w;
  if (w->device && cudaEventRecord(w->done[r->rank], (cudaStream_t)stream) != cudaSuccess)
    err = ERR_CUDA;
  int b = barrier(r);
  if (b) return b;
  for (int j = 0; w->device && j < w->P; j++)
    if (cudaStreamWaitEvent((cudaStream_t)stream, w->done[j], 0) != cudaSuccess) err = ERR_CUDA;
  return err;
}
#else
static int publish(local_rank *r, void *stream) {
  (void)r, (void)stream;
  return 0;
}

static int copy(local_rank *r, void *dst, const void *src, size_t bytes, int from,
                void *stream) {
  (void)r, (void)from, (void)stream;
  if (bytes && dst != src) memcpy(dst, src, bytes);
  return 0;
}

static int finish(local_rank *r, void *stream, int err) {
  (void)stream;
  int b = barrier(r);
  return b ? b : err;
}
#endif

static int local_allreduce_max(void *ctx, int64_t *vals, int n) {
  local_rank *r = ctx;
  local_world *w = r->w;
  int64_t max[64];
  if (n > 64) return ERR_TOO_MANY;
  w->vals[r->rank] = vals;
  int err = barrier(r);
  if (err) return err;
  for (int i = 0; i < n; i++) {
    max[i] = vals[i];
    for (int j = 0; j < w->P; j++) max[i] = w->vals[j][i] > max[i] ? w->vals[j][i] : max[i];
  }
  err = barrier(r); /* everyone has read every vals before anyone writes its own */
  if (err) return err;
  memcpy(vals, max, (size_t)n * sizeof *vals);
  return 0;
}

static int local_allgather(void *ctx, const void *mine, void *all, size_t bytes, void *stream) {
  local_rank *r = ctx;
  local_world *w = r->w;
  w->src[r->rank] = mine;
  int err = publish(r, stream);
  int b = barrier(r);
  if (b) return b;
  for (int j = 0; !err && j < w->P; j++)
    err = copy(r, (uint8_t *)all + (size_t)j * bytes, w->src[j], bytes, j, stream);
  return finish(r, stream, err);
}

static int local_allgatherv(void *ctx, const void *mine, size_t bytes, void *all,
                            const size_t *sizes, const size_t *displs, void *stream) {
  local_rank *r = ctx;
  local_world *w = r->w;
  (void)bytes;
  w->src[r->rank] = mine;
  int err = publish(r, stream);
  int b = barrier(r);
  if (b) return b;
  for (int j = 0; !err && j < w->P; j++)
    err = copy(r, (uint8_t *)all + displs[j], w->src[j], sizes[j], j, stream);
  return finish(r, stream, err);
}

static int local_alltoallv(void *ctx, const void *send, const size_t *send_sizes,
                           const size_t *send_displs, void *recv, const size_t *recv_sizes,
                           const size_t *recv_displs, void *stream) {
  local_rank *r = ctx;
  local_world *w = r->w;
  int me = r->rank;
  w->src[me] = send;
  w->sizes[me] = send_sizes;
  w->displs[me] = send_displs;
  int err = publish(r, stream);
  int b = barrier(r);
  if (b) return b;
  for (int j = 0; !err && j < w->P; j++) {
    if (w->sizes[j][me] != recv_sizes[j]) {
      err = ERR_SIZES;
      break;
    }
    err = copy(r, (uint8_t *)recv + recv_displs[j],
               (const uint8_t *)w->src[j] + w->displs[j][me], recv_sizes[j], j, stream);
  }
  return finish(r, stream, err);
}

static int local_bcast(void *ctx, const void *send, void *recv, size_t bytes, int root,
                       void *stream) {
  local_rank *r = ctx;
  local_world *w = r->w;
  if (r->rank == root) w->src[root] = send;
  int err = publish(r, stream);
  int b = barrier(r);
  if (b) return b;
  err = err ? err : copy(r, recv, w->src[root], bytes, root, stream);
  return finish(r, stream, err);
}

static const char *local_error_string(int err) {
  switch (err) {
  case ERR_SIZES: return "ranks disagree on the sizes of an exchange";
  case ERR_CUDA: return "a CUDA call on the rank's stream failed";
  case ERR_TOO_MANY: return "too many values to reduce";
  case ERR_TIMEOUT: return "a rank did not arrive within the communicator's timeout";
  default: return NULL;
  }
}

static void world_unref(local_world *w) {
  pthread_mutex_lock(&w->mu);
  int last = --w->refs == 0;
  pthread_mutex_unlock(&w->mu);
  if (!last) return;
#if defined(GCOMP_HAVE_CUDA)
  for (int j = 0; w->device && j < w->P; j++) {
    if (w->ready[j]) cudaEventDestroy(w->ready[j]);
    if (w->done[j]) cudaEventDestroy(w->done[j]);
  }
  free(w->ready);
  free(w->done);
#endif
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  free(w->src);
  free(w->sizes);
  free(w->displs);
  free(w->vals);
  free(w);
}

static void local_destroy(void *ctx) {
  local_rank *r = ctx;
  if (!r) return;
  world_unref(r->w);
  free(r);
}

static const gcomp_transport local_transport = {
    .size = sizeof(gcompTransport_t),
    .name = "in-process",
    .onDevice = 0,
    .allreduceMaxI64 = local_allreduce_max,
    .allgather = local_allgather,
    .allgatherv = local_allgatherv,
    .alltoallv = local_alltoallv,
    .bcast = local_bcast,
    .errorString = local_error_string,
    .destroy = local_destroy,
};

static const gcomp_transport local_device_transport = {
    .size = sizeof(gcompTransport_t),
    .name = "in-process (device)",
    .onDevice = 1,
    .allreduceMaxI64 = local_allreduce_max,
    .allgather = local_allgather,
    .allgatherv = local_allgatherv,
    .alltoallv = local_alltoallv,
    .bcast = local_bcast,
    .errorString = local_error_string,
    .destroy = local_destroy,
};

const gcomp_transport *gcomp_local_transport(int device) {
  return device ? &local_device_transport : &local_transport;
}

local_world *gcomp_local_world_new(int P, int device) {
  local_world *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->P = P;
  w->device = device;
  pthread_mutex_init(&w->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadlines immune to clock changes */
  pthread_cond_init(&w->cv, &ca);
  pthread_condattr_destroy(&ca);
  w->src = calloc((size_t)P, sizeof *w->src);
  w->sizes = calloc((size_t)P, sizeof *w->sizes);
  w->displs = calloc((size_t)P, sizeof *w->displs);
  w->vals = calloc((size_t)P, sizeof *w->vals);
  int ok = w->src && w->sizes && w->displs && w->vals;
#if defined(GCOMP_HAVE_CUDA)
  if (ok && device) {
    w->ready = calloc((size_t)P, sizeof *w->ready);
    w->done = calloc((size_t)P, sizeof *w->done);
    ok = w->ready && w->done;
    for (int j = 0; ok && j < P; j++)
      ok = cudaEventCreateWithFlags(&w->ready[j], cudaEventDisableTiming) == cudaSuccess &&
           cudaEventCreateWithFlags(&w->done[j], cudaEventDisableTiming) == cudaSuccess;
  }
#else
  ok = ok && !device;
#endif
  w->refs = 1; /* the group's, until every rank joined */
  if (!ok) {
    world_unref(w);
    return NULL;
  }
  return w;
}

/* Joins rank `rank` and waits for the others; returns the transport
 * context of this rank (NULL: out of memory). */
void *gcomp_local_world_join(local_world *w, int rank, double timeout) {
  local_rank *r = malloc(sizeof *r);
  pthread_mutex_lock(&w->mu);
  if (r) w->refs++;
  w->members++;
  if (w->members == w->P) pthread_cond_broadcast(&w->cv);
  while (w->members < w->P) pthread_cond_wait(&w->cv, &w->mu);
  pthread_mutex_unlock(&w->mu);
  if (!r) return NULL;
  r->w = w;
  r->rank = rank;
  r->timeout = timeout;
  return r;
}

void gcomp_local_world_release(local_world *w) { world_unref(w); }
