/* Communicator objects, agreement between ranks, and payload seeds. */
#include "comm/comm.h"

#include "core/codec.h"
#include "shared/check.h"

#include <stdlib.h>
#include <string.h>

gcompResult_t gcomp_comm_create(gcompComm_t *out, const gcomp_engine *eng, void *ctx,
                                int rank, int size, const gcompCommConfig_t *cfg) {
  gcompCommConfig_t def = GCOMP_COMM_CONFIG_INITIALIZER;
  if (!cfg) cfg = &def;
  if (cfg->size != sizeof(gcompCommConfig_t))
    return gcomp_fail(gcompInvalidArgument, "config.size is %zu, expected %zu", cfg->size,
                      sizeof(gcompCommConfig_t));
  if ((int)cfg->algorithm < 0 || cfg->algorithm > gcompAlgoTwoPhase)
    return gcomp_fail(gcompInvalidArgument, "algorithm %d unknown", (int)cfg->algorithm);
  struct gcompComm *c = calloc(1, sizeof *c);
  if (!c) return gcomp_fail(gcompOutOfMemory, "communicator allocation failed");
  c->eng = eng;
  c->ctx = ctx;
  c->rank = rank;
  c->size = size;
  c->seed = cfg->seed;
  c->algo = cfg->algorithm;
  *out = c;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCommDestroy(gcompComm_t comm) {
  gcomp_clear_error();
  if (!comm) return gcompSuccess;
  if (comm->eng && comm->eng->destroy) comm->eng->destroy(comm->ctx);
  free(comm);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCommGetStats(gcompComm_t comm, gcompCommStats_t *stats) {
  gcomp_clear_error();
  if (!comm || !stats) return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  if (comm->dev) return comm->dev->stats(comm, stats); /* the counts live on the device */
  stats->bytesEncoded = comm->encoded;
  stats->bytesReceived = comm->received;
  stats->collectives = comm->calls;
  return gcompSuccess;
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

/* splitmix64's finalizer: consecutive inputs give unrelated seeds. */
static uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t gcomp_payload_seed(uint64_t base, uint64_t call, int rank, int phase,
                            uint64_t chunk) {
  uint64_t s = mix(base ^ mix(call));
  s = mix(s ^ ((uint64_t)(uint32_t)rank << 8 | (uint64_t)(phase & 0xff)));
  return mix(s ^ chunk);
}

gcompResult_t gcomp_engine_fail(gcompComm_t comm, int err, const char *what) {
  return gcomp_fail(gcompSystemError, "%s: %s error %d", what, comm->eng->name, err);
}

/* One max-allreduce carries, for each argument, its value and its
 * negation (max of -v is -min): equal max and min means agreement. The
 * last slot carries the worst local status. */
gcompResult_t gcomp_agree(gcompComm_t comm, const int64_t *args, int n,
                          gcompResult_t local) {
  int64_t v[17];
  if (n > 8) return gcomp_fail(gcompInternalError, "too many arguments to agree on");
  for (int i = 0; i < n; i++) {
    v[2 * i] = args[i];
    v[2 * i + 1] = args[i] == INT64_MIN ? INT64_MAX : -args[i];
  }
  v[2 * n] = local;
  int err = comm->eng->allreduce_max_i64(comm->ctx, v, 2 * n + 1);
  if (err) return gcomp_engine_fail(comm, err, "agreement");
  if (local != gcompSuccess) return local; /* detail already recorded */
  if (v[2 * n] != gcompSuccess)
    return gcomp_fail(gcompRemoteError, "another rank rejected its arguments");
  for (int i = 0; i < n; i++)
    if (v[2 * i] != -v[2 * i + 1])
      return gcomp_fail(gcompInvalidUsage,
                        "ranks disagree on argument %d of the collective (%lld vs %lld)", i,
                        (long long)-v[2 * i + 1], (long long)v[2 * i]);
  return gcompSuccess;
}

gcompResult_t gcomp_agree_status(gcompComm_t comm, gcompResult_t local) {
  int64_t v = local;
  int err = comm->eng->allreduce_max_i64(comm->ctx, &v, 1);
  if (err) return gcomp_engine_fail(comm, err, "status exchange");
  if (local != gcompSuccess) return local;
  if (v != gcompSuccess) return gcomp_fail(gcompRemoteError, "another rank failed (code %lld)",
                                           (long long)v);
  return gcompSuccess;
}

int64_t gcomp_codec_signature(gcompCodec_t codec) {
  uint64_t pbits;
  memcpy(&pbits, &codec->param, sizeof pbits);
  uint64_t s = mix((uint64_t)codec->config.method);
  s = mix(s ^ pbits);
  s = mix(s ^ codec->iparam);
  s = mix(s ^ ((uint64_t)codec->config.rotate << 8 | (uint64_t)codec->config.packing));
  return (int64_t)(s >> 1); /* non-negative: negation never overflows */
}
