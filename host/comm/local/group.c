/* gcompLocalGroupCreate / gcompCommCreateLocal[Device]: like
 * ncclGetUniqueId + ncclCommInitRank, for ranks that are threads of one
 * process. The k-th gcompCommCreateLocal of every rank of a group makes one
 * communicator, so threads can create several in the same order without
 * any other coordination. */
#include "comm/local/local.h"

#include "comm/side.h"
#include "shared/check.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct pending {
  uint64_t generation;
  int device, joined;
  local_world *w;
  struct pending *next;
} pending;

struct gcompLocalGroup {
  pthread_mutex_t mu;
  int P;
  uint64_t *calls; /* per rank: how many communicators it asked for */
  pending *open;
};

GCOMP_API gcompResult_t gcompLocalGroupCreate(gcompLocalGroup_t *group, int nranks) {
  gcomp_clear_error();
  if (!group) return gcomp_fail(gcompInvalidArgument, "group must not be NULL");
  *group = NULL;
  if (nranks < 1 || nranks > 4096)
    return gcomp_fail(gcompInvalidArgument, "nranks = %d outside 1..4096", nranks);
  struct gcompLocalGroup *g = calloc(1, sizeof *g);
  if (g) g->calls = calloc((size_t)nranks, sizeof *g->calls);
  if (!g || !g->calls) {
    free(g);
    return gcomp_fail(gcompOutOfMemory, "group allocation failed");
  }
  pthread_mutex_init(&g->mu, NULL);
  g->P = nranks;
  *group = g;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompLocalGroupFree(gcompLocalGroup_t group) {
  gcomp_clear_error();
  if (!group) return gcompSuccess;
  if (group->open)
    return gcomp_fail(gcompInvalidUsage,
                      "a communicator of this group still waits for ranks to join");
  pthread_mutex_destroy(&group->mu);
  free(group->calls);
  free(group);
  return gcompSuccess;
}

/* The world of this rank's next communicator, made by the first rank to
 * ask for it; *completes = 1 for the rank that joins last. */
static gcompResult_t find_world(gcompLocalGroup_t g, int rank, int device, local_world **w,
                                int *completes) {
  gcompResult_t r = gcompSuccess;
  pthread_mutex_lock(&g->mu);
  uint64_t gen = g->calls[rank]++;
  pending **pp = &g->open;
  while (*pp && (*pp)->generation != gen) pp = &(*pp)->next;
  pending *p = *pp;
  if (!p) {
    p = calloc(1, sizeof *p);
    if (p) p->w = gcomp_local_world_new(g->P, device);
    if (!p || !p->w) {
      free(p);
      g->calls[rank]--;
      pthread_mutex_unlock(&g->mu);
      return gcomp_fail(device ? gcompSystemError : gcompOutOfMemory,
                        "in-process communicator state (%s)",
                        device ? "device events" : "allocation");
    }
    p->generation = gen;
    p->device = device;
    p->next = g->open;
    g->open = p;
    pp = &g->open;
  }
  if (p->device != device)
    r = gcomp_fail(gcompInvalidUsage, "ranks mix gcompCommCreateLocal and "
                                      "gcompCommCreateLocalDevice for one communicator");
  *w = p->w;
  *completes = ++p->joined == g->P;
  if (*completes) {
    *pp = p->next;
    free(p);
  }
  pthread_mutex_unlock(&g->mu);
  return r;
}

static gcompResult_t gcomp_local_comm_create(gcompComm_t *comm, gcompLocalGroup_t group, int rank,
                                             const gcompCommConfig_t *config, int device,
                                             const gcomp_side_ops *side, void *side_ctx) {
  local_world *w = NULL;
  int completes = 0;
  gcompResult_t r = find_world(group, rank, device, &w, &completes);
  double timeout = 0.0;
  if (config && config->size == sizeof *config) timeout = config->timeoutSeconds;
  void *ctx = w ? gcomp_local_world_join(w, rank, timeout > 0 && timeout <= 1e9 ? timeout : 0.0)
                : NULL;
  if (completes) gcomp_local_world_release(w); /* the group's reference */
  if (r == gcompSuccess && !ctx) r = gcomp_fail(gcompOutOfMemory, "rank state allocation");
  if (r != gcompSuccess) {
    if (ctx) gcomp_local_transport(device)->destroy(ctx);
    if (side && side->destroy) side->destroy(side_ctx);
    return r;
  }
  return gcomp_comm_create(comm, gcomp_local_transport(device), ctx, side, side_ctx, rank,
                           group->P, config);
}

static gcompResult_t check(gcompComm_t *comm, gcompLocalGroup_t group, int rank) {
  if (!comm) return gcomp_fail(gcompInvalidArgument, "comm must not be NULL");
  *comm = NULL;
  if (!group) return gcomp_fail(gcompInvalidArgument, "group must not be NULL");
  if (rank < 0 || rank >= group->P)
    return gcomp_fail(gcompInvalidArgument, "rank %d outside 0..%d", rank, group->P - 1);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCommCreateLocal(gcompComm_t *comm, gcompLocalGroup_t group,
                                             int rank, const gcompCommConfig_t *config) {
  gcomp_clear_error();
  GCOMP_TRY(check(comm, group, rank));
  return gcomp_local_comm_create(comm, group, rank, config, 0, &gcomp_host_side, NULL);
}

#if defined(GCOMP_HAVE_CUDA)
#include "comm/device/side_device.h"

GCOMP_API gcompResult_t gcompCommCreateLocalDevice(gcompComm_t *comm, gcompLocalGroup_t group,
                                                   int rank, const gcompCommConfig_t *config) {
  gcomp_clear_error();
  GCOMP_TRY(check(comm, group, rank));
  dev_ctx *side = NULL;
  gcompResult_t r = gcomp_device_side_new(rank, group->P, &side);
  if (r != gcompSuccess) {
    /* still join, so the other ranks are not left waiting, then leave */
    gcompComm_t none = NULL;
    if (gcomp_local_comm_create(&none, group, rank, config, 1, NULL, NULL) == gcompSuccess)
      gcompCommFree(none);
    return r;
  }
  return gcomp_local_comm_create(comm, group, rank, config, 1, &gcomp_device_side, side);
}
#else
GCOMP_API gcompResult_t gcompCommCreateLocalDevice(gcompComm_t *comm, gcompLocalGroup_t group,
                                                   int rank, const gcompCommConfig_t *config) {
  (void)group, (void)rank, (void)config;
  gcomp_clear_error();
  if (comm) *comm = NULL;
  return gcomp_fail(gcompNotAvailable, "this build of gcomp has no CUDA device path");
}
#endif
