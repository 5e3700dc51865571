/* The device path of include/gcomp.h: gcompEncodeDevice, gcompDecodeDevice
 * and gcompDeviceGetStatus. Host code only: it checks arguments, plans the
 * caller's workspace, and strings the stages together on the caller's
 * stream in the order of host/core/pipeline.c, asking the codec's device
 * method (core/method.cuh) for everything that depends on the codec.
 * Nothing here allocates or waits, except gcompDeviceGetStatus, whose job
 * is to wait. */
#include "core/method.cuh"
#include "core/payload.cuh"
#include "stages/stages.cuh"

#include <math.h>

#include "shared/norm.h"
#include "shared/wire_layout.h"

namespace {

/* The workspace layout of (codec, d): the status head at 0 (where
 * gcompDeviceGetStatus finds it), the call's scalars, the norm partials of
 * a codec that reduces x or rotates, the method's part, the rotation
 * buffer. */
gcompResult_t make_plan(gcompCodec_t codec, uint64_t d, gcomp_dev_plan *p) {
  if (!codec) return gcomp_fail(gcompInvalidArgument, "codec must not be NULL");
  if (d == 0) return gcomp_fail(gcompInvalidArgument, "d must be > 0");
  if (d > GCOMP_MAX_DIM)
    return gcomp_fail(gcompSizeOverflow, "d = %llu exceeds GCOMP_MAX_DIM (2^40)",
                      (unsigned long long)d);
  *p = gcomp_dev_plan{};
  gcomp_codec_view_of(codec, &p->c);
  p->m = gcomp_dev_method_of(p->c.method);
  if (!p->m)
    return gcomp_fail(gcompNotAvailable, "codec %s is not yet on the GPU",
                      gcompMethodName(p->c.method) ? gcompMethodName(p->c.method) : "?");
  GCOMP_TRY(p->m->supported(&p->c));
  p->packing = p->m->packing(&p->c);
  p->d = d;
  p->n = gcomp_coded_length(p->c.rotate, d);
  size_t at = 0;
  gcomp_dev_take(&at, sizeof(gcomp_dev_head));
  p->call = gcomp_dev_take(&at, sizeof(gcomp_dev_call));
  if (p->m->reduces || p->c.rotate) {
    uint64_t m = (p->n + GCOMP_NORM_CHUNK - 1) / GCOMP_NORM_CHUNK;
    p->norm_a = gcomp_dev_take(&at, (size_t)m * sizeof(double));
    p->norm_b = gcomp_dev_take(&at, (size_t)((m + GCOMP_NORM_LANES - 1) / GCOMP_NORM_LANES) *
                                        sizeof(double));
  }
  if (p->m->plan) GCOMP_TRY(p->m->plan(p, &at));
  if (p->c.rotate) p->rot = gcomp_dev_take(&at, (size_t)p->n * sizeof(float));
  p->total = at;
  return gcompSuccess;
}

/* The two-call pattern: NULL workspace -> report the size (*query = 1). */
gcompResult_t workspace_ready(const gcomp_dev_plan *p, void *ws, size_t *ws_size, int *query) {
  *query = ws == NULL;
  if (*query) {
    *ws_size = p->total;
    return gcompSuccess;
  }
  if (*ws_size < p->total)
    return gcomp_fail(gcompInvalidArgument, "workspace of %zu bytes, this call needs %zu",
                      *ws_size, p->total);
  if ((uintptr_t)ws % GCOMP_DEV_ALIGN)
    return gcomp_fail(gcompInvalidArgument, "workspace must be %u-byte aligned (cudaMalloc is)",
                      GCOMP_DEV_ALIGN);
  return gcompSuccess;
}

/* The header as gcomp_header_write makes it with body_bits 0 and the
 * checksum field zero: the kernels fill in both. A packing decided on the
 * device is written there too. */
gcomp_dev_header header_template(const gcomp_dev_plan *p, uint64_t seed) {
  gcomp_header h = {p->c.method,
                    p->packing < 0 ? gcompPackDirect : (gcompPacking_t)p->packing,
                    p->c.rotate,
                    p->d,
                    seed,
                    0,
                    p->c.param,
                    p->c.iparam};
  gcomp_dev_header t;
  gcomp_wire_put_header(&h, t.b);
  return t;
}

/* What encode and decode check first; *query is 1 when the call only asked
 * for the workspace size (now in *workspaceSize). */
gcompResult_t begin_call(gcompCodec_t codec, uint64_t d, void *workspace,
                         size_t *workspaceSize, gcomp_dev_plan *p, int *query) {
  if (!workspaceSize) return gcomp_fail(gcompInvalidArgument, "workspaceSize must not be NULL");
  GCOMP_TRY(make_plan(codec, d, p));
  return workspace_ready(p, workspace, workspaceSize, query);
}

}  // namespace

extern "C" GCOMP_API gcompResult_t gcompEncodeDevice(gcompCodec_t codec, const float *src,
                                                     uint64_t d, uint64_t seed, void *dst,
                                                     size_t dstCapacity, uint64_t *dstSize,
                                                     void *workspace, size_t *workspaceSize,
                                                     gcompStream_t stream) {
  gcomp_clear_error();
  gcomp_dev_plan p;
  int query;
  GCOMP_TRY(begin_call(codec, d, workspace, workspaceSize, &p, &query));
  if (query) return gcompSuccess;
  if (!src || !dst || !dstSize)
    return gcomp_fail(gcompInvalidArgument, "src, dst and dstSize must not be NULL");
  if (dstCapacity < GCOMP_HEADER_BYTES)
    return gcomp_fail(gcompDstTooSmall, "dst must hold at least the %d-byte header",
                      GCOMP_HEADER_BYTES);
  /* A size that does not depend on the data is refused now, not later. */
  uint64_t known = p.m->known_body ? p.m->known_body(p.n) : 0;
  if (known && dstCapacity - GCOMP_HEADER_BYTES < known)
    return gcomp_fail(gcompDstTooSmall, "dst holds %zu bytes, %s needs %llu", dstCapacity,
                      gcompMethodName(p.c.method),
                      (unsigned long long)(GCOMP_HEADER_BYTES + known));
  GCOMP_NO_PENDING_ERROR();
  cudaStream_t s = (cudaStream_t)stream;
  gcomp_dev_call *call = gcomp_dev_at<gcomp_dev_call>(workspace, p.call);
  uint8_t *out = static_cast<uint8_t *>(dst);
  gcomp_dev_header h = header_template(&p, seed);
  GCOMP_CUDA_TRY(cudaMemsetAsync(call, 0, sizeof *call, s));
  const float *x = src;
  if (p.c.rotate) { /* pipeline.c: check_rotatable, then the rotation */
    float *y = gcomp_dev_at<float>(workspace, p.rot);
    GCOMP_TRY(gcomp_dev_sumsq(src, d, gcomp_dev_at<double>(workspace, p.norm_a),
                              gcomp_dev_at<double>(workspace, p.norm_b), call, s));
    GCOMP_TRY(gcomp_dev_check_rotatable(call, s));
    GCOMP_TRY(gcomp_dev_rotate_forward(src, d, p.n, seed, y, call, s));
    x = y;
  }
  gcomp_dev_enc e = {x, seed, !p.c.rotate, out, dstCapacity, &h, workspace, call, s};
  GCOMP_TRY(p.m->encode(&p, &e));
  GCOMP_TRY(gcomp_dev_checksum(out, dstCapacity, call, s));
  return gcomp_dev_finish_encode(out, dstSize, static_cast<gcomp_dev_head *>(workspace), call, s);
}

extern "C" GCOMP_API gcompResult_t gcompDecodeDevice(gcompCodec_t codec, const void *src,
                                                     const uint64_t *srcSize,
                                                     size_t srcCapacity, float *dst,
                                                     uint64_t d, float beta, void *workspace,
                                                     size_t *workspaceSize,
                                                     gcompStream_t stream) {
  gcomp_clear_error();
  gcomp_dev_plan p;
  int query;
  GCOMP_TRY(begin_call(codec, d, workspace, workspaceSize, &p, &query));
  if (query) return gcompSuccess;
  if (!src || !srcSize || !dst)
    return gcomp_fail(gcompInvalidArgument, "src, srcSize and dst must not be NULL");
  if (!isfinite(beta)) return gcomp_fail(gcompInvalidArgument, "beta must be finite");
  GCOMP_NO_PENDING_ERROR();
  cudaStream_t s = (cudaStream_t)stream;
  gcomp_dev_call *call = gcomp_dev_at<gcomp_dev_call>(workspace, p.call);
  const uint8_t *in = static_cast<const uint8_t *>(src);
  gcomp_dev_expect e = {gcomp_known_methods(),
                        p.c.packings,
                        (int)p.c.method,
                        p.packing,
                        p.c.rotate,
                        p.d,
                        p.n,
                        p.sec.chunks};
  GCOMP_CUDA_TRY(cudaMemsetAsync(call, 0, sizeof *call, s));
  GCOMP_TRY(gcomp_dev_read_header(in, srcSize, srcCapacity, &e, call, s));
  GCOMP_TRY(gcomp_dev_checksum(in, srcCapacity, call, s));
  GCOMP_TRY(p.m->verify(in, &e, call, s));
  /* With rotate=1 the coded values go to the workspace first, and only the
   * inverse rotation touches dst (as pipeline.c's decode buffer). */
  float *y = p.c.rotate ? gcomp_dev_at<float>(workspace, p.rot) : dst;
  gcomp_dev_dec dd = {in, y, !p.c.rotate, beta, workspace, call, s};
  GCOMP_TRY(p.m->decode(&p, &dd));
  if (p.c.rotate) GCOMP_TRY(gcomp_dev_rotate_inverse(y, p.n, dst, d, beta, call, s));
  return gcomp_dev_finish_decode(static_cast<gcomp_dev_head *>(workspace), call, s);
}

extern "C" GCOMP_API gcompResult_t gcompDeviceGetStatus(void *workspace, gcompStream_t stream,
                                                        gcompResult_t *status) {
  gcomp_clear_error();
  if (!workspace || !status)
    return gcomp_fail(gcompInvalidArgument, "workspace and status must not be NULL");
  cudaStream_t s = (cudaStream_t)stream;
  gcomp_dev_head head;
  GCOMP_CUDA_TRY(cudaMemcpyAsync(&head, workspace, sizeof head, cudaMemcpyDeviceToHost, s));
  GCOMP_CUDA_TRY(cudaStreamSynchronize(s));
  /* A workspace no call has finished in yet holds no status. */
  int32_t v = head.magic == GCOMP_DEV_MAGIC ? head.status : 0;
  if (v < 0 || v >= (int32_t)gcompNumResults)
    return gcomp_fail(gcompInternalError, "workspace status word holds %d", (int)v);
  *status = (gcompResult_t)v;
  /* Pageable source: cudaMemcpyAsync returns once `clear` is staged. */
  gcomp_dev_head clear = {GCOMP_DEV_MAGIC, 0};
  GCOMP_CUDA_TRY(cudaMemcpyAsync(workspace, &clear, sizeof clear, cudaMemcpyHostToDevice, s));
  return gcompSuccess;
}
