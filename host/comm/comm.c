/* What every collective shares: payload seeds, the agreement record and
 * its exchange, the codec signature. */
#include "comm/comm.h"

#include "core/codec.h"
#include "shared/check.h"

#include <stdlib.h>
#include <string.h>

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

gcompResult_t gcomp_transport_fail(gcompComm_t comm, int err, const char *what) {
  const char *text = comm->tr->errorString ? comm->tr->errorString(err) : NULL;
  return gcomp_fail(gcompSystemError, "%s: %s error %d%s%s", what, comm->tr->name, err,
                    text ? ": " : "", text ? text : "");
}

const char *const gcomp_rec_field_names[GCOMP_REC_FIELDS] = {
    "the collective", "count", "codec", "op", "algorithm", "error feedback", "root",
    "tensor count", "pipeline chunk"};

/* One max-allreduce carries each field and its negation (max of -v is -min:
 * equal max and min means agreement) and, last, the worst local status. */
gcompResult_t gcomp_agree(gcompComm_t comm, const int64_t *rec, gcompResult_t local) {
  int64_t v[2 * GCOMP_REC_FIELDS + 1];
  for (int i = 0; i < GCOMP_REC_FIELDS; i++) {
    v[2 * i] = rec[i];
    v[2 * i + 1] = rec[i] == INT64_MIN ? INT64_MAX : -rec[i];
  }
  v[2 * GCOMP_REC_FIELDS] = local;
  int err = comm->tr->allreduceMaxI64(comm->tr_ctx, v, 2 * GCOMP_REC_FIELDS + 1);
  if (err) return gcomp_transport_fail(comm, err, "agreement");
  if (local != gcompSuccess) return local; /* detail already recorded */
  if (v[2 * GCOMP_REC_FIELDS] != gcompSuccess)
    return gcomp_fail(gcompRemoteError, "another rank refused its arguments (code %lld)",
                      (long long)v[2 * GCOMP_REC_FIELDS]);
  for (int i = 0; i < GCOMP_REC_FIELDS; i++)
    if (v[2 * i] != -v[2 * i + 1])
      return gcomp_fail(gcompInvalidUsage, "ranks disagree on %s (%lld vs %lld)",
                        gcomp_rec_field_names[i], (long long)-v[2 * i + 1],
                        (long long)v[2 * i]);
  return gcompSuccess;
}

int64_t gcomp_rec_hash(const int64_t *rec) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (int i = 0; i < GCOMP_REC_FIELDS; i++) h = (h ^ (uint64_t)rec[i]) * 0x100000001b3ull;
  return (int64_t)(h >> 1);
}

gcompResult_t gcomp_agree_status(gcompComm_t comm, gcompResult_t local) {
  int64_t v = local;
  int err = comm->tr->allreduceMaxI64(comm->tr_ctx, &v, 1);
  if (err) return gcomp_transport_fail(comm, err, "status exchange");
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
