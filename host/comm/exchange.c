#include "comm/exchange.h"

#include "shared/check.h"

#include <stdlib.h>
#include <string.h>

gcompResult_t gcomp_scratch_reserve(gcomp_scratch *s, size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes <= s->cap) return gcompSuccess;
  uint8_t *b = realloc(s->buf, bytes);
  if (!b) return gcomp_fail(gcompOutOfMemory, "collective scratch of %zu bytes", bytes);
  s->buf = b;
  s->cap = bytes;
  return gcompSuccess;
}

gcompResult_t gcomp_coll_init(gcomp_coll *c, gcompComm_t comm, gcompCodec_t codec,
                              uint64_t count, uint64_t call) {
  memset(c, 0, sizeof *c);
  c->comm = comm;
  c->codec = codec;
  c->count = count;
  c->call = call;
  c->P = comm->size;
  c->me = comm->rank;
  size_t P = (size_t)comm->size;
  c->sizes64 = malloc((P * P + P) * sizeof *c->sizes64);
  c->sizes = malloc(P * sizeof *c->sizes);
  c->displs = malloc(P * sizeof *c->displs);
  c->xfer = malloc(P * sizeof *c->xfer);
  c->send_sizes = malloc(P * sizeof *c->send_sizes);
  c->send_displs = malloc(P * sizeof *c->send_displs);
  if (!c->sizes64 || !c->sizes || !c->displs || !c->xfer || !c->send_sizes ||
      !c->send_displs)
    return gcomp_fail(gcompOutOfMemory, "collective bookkeeping");
  return gcompSuccess;
}

void gcomp_coll_free(gcomp_coll *c) {
  free(c->sizes64);
  free(c->sizes);
  free(c->displs);
  free(c->xfer);
  free(c->send_sizes);
  free(c->send_displs);
  free(c->mine.buf);
  free(c->all.buf);
  memset(c, 0, sizeof *c);
}

uint64_t gcomp_coll_encode(gcompCodec_t codec, const float *x, uint64_t n, uint64_t seed,
                           gcomp_scratch *s, size_t offset, gcompResult_t *status) {
  size_t bound = 0, size = 0;
  gcompResult_t r = gcompEncodeBound(codec, n, &bound);
  if (r == gcompSuccess) r = gcomp_scratch_reserve(s, offset + bound + GCOMP_COLL_ALIGN);
  if (r == gcompSuccess) r = gcompEncode(codec, x, n, seed, s->buf + offset, bound, &size);
  if (r != gcompSuccess) {
    *status = r;
    return GCOMP_COLL_FAILED;
  }
  return size;
}

gcompResult_t gcomp_coll_check_sizes(const uint64_t *sizes, size_t n, gcompResult_t local) {
  for (size_t i = 0; i < n; i++)
    if (sizes[i] == GCOMP_COLL_FAILED)
      return local != gcompSuccess
                 ? local
                 : gcomp_fail(gcompRemoteError, "another rank could not encode its vector");
  return gcompSuccess;
}

gcompResult_t gcomp_coll_reserve_all(gcomp_coll *c) {
  size_t at = 0;
  for (int j = 0; j < c->P; j++) {
    c->xfer[j] = gcomp_coll_padded(c->sizes[j]);
    c->displs[j] = at;
    at += c->xfer[j];
  }
  return gcomp_agree_status(c->comm, gcomp_scratch_reserve(&c->all, at));
}

gcompResult_t gcomp_coll_allgather(gcomp_coll *c, uint64_t my_size, gcompResult_t local) {
  int err = c->comm->eng->allgather_u64(c->comm->ctx, &my_size, 1, c->sizes64);
  if (err) return gcomp_engine_fail(c->comm, err, "size exchange");
  GCOMP_TRY(gcomp_coll_check_sizes(c->sizes64, (size_t)c->P, local));
  for (int j = 0; j < c->P; j++) c->sizes[j] = (size_t)c->sizes64[j];
  GCOMP_TRY(gcomp_coll_reserve_all(c));
  err = c->comm->eng->allgatherv(c->comm->ctx, c->mine.buf, gcomp_coll_padded((size_t)my_size),
                                 c->all.buf, c->xfer, c->displs);
  if (err) return gcomp_engine_fail(c->comm, err, "payload exchange");
  c->comm->encoded += my_size;
  for (int j = 0; j < c->P; j++)
    if (j != c->me) c->comm->received += c->sizes[j];
  return gcompSuccess;
}

gcompResult_t gcomp_coll_decode(const uint8_t *p, size_t size, float *dst, uint64_t n,
                                float beta) {
  gcompPayloadInfo_t info;
  GCOMP_TRY(gcompPayloadGetInfo(p, size, &info));
  if (info.d != n)
    return gcomp_fail(gcompCorruptPayload, "a peer's payload holds %llu values, not %llu",
                      (unsigned long long)info.d, (unsigned long long)n);
  return gcompDecode(p, size, dst, n, beta);
}

gcompResult_t gcomp_coll_decode_sum(const gcomp_coll *c, float *dst, uint64_t n) {
  for (int j = 0; j < c->P; j++)
    GCOMP_TRY(gcomp_coll_decode(c->all.buf + c->displs[j], c->sizes[j], dst, n,
                                j ? 1.0f : 0.0f));
  return gcompSuccess;
}
