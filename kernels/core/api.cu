/* The device path of include/gcomp.h: gcompEncodeDevice, gcompDecodeDevice
 * and gcompDeviceGetStatus. Host code only: it checks arguments, carves the
 * caller's workspace, and strings the stages of device_stages.cuh together
 * on the caller's stream, in the order of host/encode.c. Nothing here
 * allocates or waits, except gcompDeviceGetStatus, whose job is to wait. */
#include "stages/stages.cuh"
#include "codecs/baselines.cuh"
#include "stages/select.cuh"
#include "pack/rans.cuh"
#include "codecs/topk.cuh"

#include <math.h>
#include <string.h>

#include "shared/fixed_pack.h"
#include "shared/norm.h"
#include "shared/sparse_dithering.h"
extern "C" {
#include "core/codec.h"
#include "stages/select.h"
#include "core/wire.h"
}

namespace {

/* Every region starts on a 256-byte boundary: CUB's scan storage asks for
 * it, and it keeps float4/u64 accesses aligned. */
constexpr size_t kAlign = 256;

struct plan {
  gcompCodec_t codec;
  gcompMethod_t method;
  int sd, rnd, rotate;
  int sc; /* spherical: its own region, carved by device_spherical.cu */
  size_t sc_region;
  int rk; /* rand-k, k resolved for n: device_select.cu */
  uint64_t k;
  size_t sel_region;
  int tk; /* top-k, k resolved for n as rand-k's: device_topk*.cu */
  size_t tk_region;
  int ent; /* packing entropy (sd, level codecs, natural): device_rans*.cu */
  size_t ent_region;
  int bl; /* a baseline codec (qsgd ... bf16): device_baselines.cu */
  uint64_t d, n, chunks;
  uint32_t K;
  /* byte offsets into the workspace */
  size_t call, norm_a, norm_b, width, escapes, sizes, offsets, scan, scan_bytes, rot;
  size_t total;
};

size_t take(size_t *at, size_t bytes) {
  size_t o = *at;
  *at += (bytes + kAlign - 1) / kAlign * kAlign;
  return o;
}

gcompResult_t supported(const gcompCodecConfig_t *cfg) {
  gcompMethod_t m = cfg->method;
  if (m == gcompIdentity) return gcompSuccess; /* always direct */
  if (m == gcompSpherical) return gcompSuccess; /* structured, direct and auto */
  if (m == gcompRandK) return gcompSuccess;     /* structured, direct and auto */
  if (m == gcompTopK) return gcompSuccess;      /* structured, direct and auto */
  if (gcomp_dev_bl_family_of(m) != GCOMP_DEV_BL_NONE) return gcomp_dev_bl_supported(cfg);
  if (m != gcompSparseDithering && m != gcompSparseDitheringUnbiased)
    return gcomp_fail(gcompNotAvailable, "codec %s is not yet on the GPU",
                      gcompMethodName(m) ? gcompMethodName(m) : "?");
  if (cfg->packing == gcompPackFixed || cfg->packing == gcompPackEntropy) return gcompSuccess;
  if (cfg->packing == gcompPackAuto)
    return gcomp_fail(gcompNotAvailable,
                      "packing auto picks the shortest of four back ends; only "
                      "packings fixed and entropy are on the GPU yet");
  return gcomp_fail(gcompNotAvailable, "packing %s is not yet on the GPU",
                    gcomp_packing_name(cfg->packing));
}

/* The workspace layout, a function of (codec, d) only, so a size query and
 * the later call agree, and encode and decode share one workspace. */
gcompResult_t make_plan(gcompCodec_t codec, uint64_t d, plan *p) {
  if (!codec) return gcomp_fail(gcompInvalidArgument, "codec must not be NULL");
  if (d == 0) return gcomp_fail(gcompInvalidArgument, "d must be > 0");
  if (d > GCOMP_MAX_DIM)
    return gcomp_fail(gcompSizeOverflow, "d = %llu exceeds GCOMP_MAX_DIM (2^40)",
                      (unsigned long long)d);
  const gcompCodecConfig_t *cfg = &codec->config;
  GCOMP_TRY(supported(cfg));
  memset(p, 0, sizeof *p);
  p->codec = codec;
  p->method = cfg->method;
  p->sc = cfg->method == gcompSpherical;
  p->bl = gcomp_dev_bl_family_of(cfg->method) != GCOMP_DEV_BL_NONE;
  p->rk = cfg->method == gcompRandK;
  p->tk = cfg->method == gcompTopK;
  p->sd = cfg->method != gcompIdentity && !p->sc && !p->bl && !p->rk && !p->tk;
  p->rnd = cfg->method == gcompSparseDitheringUnbiased;
  p->rotate = cfg->rotate != 0;
  p->d = d;
  p->n = gcomp_coded_length(p->rotate, d);
  if (p->sd) {
    p->K = gcomp_sd_level_limit(codec->param, p->n, p->rnd);
    if (p->K == 0)
      return gcomp_fail(gcompParameterOutOfRange,
                        "%s = %g is too small for d = %llu (levels exceed 2^25)",
                        p->rnd ? "omega" : "nu", codec->param, (unsigned long long)p->n);
  }
  size_t at = 0;
  take(&at, sizeof(gcomp_dev_head)); /* offset 0: gcompDeviceGetStatus finds it there */
  p->call = take(&at, sizeof(gcomp_dev_call));
  if (p->sd || p->rotate || p->bl) {
    uint64_t m = (p->n + GCOMP_NORM_CHUNK - 1) / GCOMP_NORM_CHUNK;
    p->norm_a = take(&at, (size_t)m * sizeof(double));
    p->norm_b = take(&at, (size_t)((m + GCOMP_NORM_LANES - 1) / GCOMP_NORM_LANES) * sizeof(double));
  }
  if (p->sd || (p->bl && gcomp_dev_bl_fixed(p->method))) {
    p->chunks = (p->n + GCOMP_FIXED_CHUNK - 1) / GCOMP_FIXED_CHUNK;
    p->width = take(&at, (size_t)p->chunks * 4);
    p->escapes = take(&at, (size_t)p->chunks * 4);
    p->sizes = take(&at, (size_t)p->chunks * 8);
    p->offsets = take(&at, (size_t)p->chunks * 8);
    GCOMP_TRY(gcomp_dev_fixed_scan_bytes(p->chunks, &p->scan_bytes));
    p->scan = take(&at, p->scan_bytes);
  }
  if (p->sc) {
    size_t bytes;
    GCOMP_TRY(gcomp_dev_sc_bytes(p->n, codec->iparam, &bytes));
    p->sc_region = take(&at, bytes);
  }
  if (p->rk) {
    size_t bytes;
    GCOMP_TRY(gcomp_k_resolve(codec, p->n, &p->k));
    GCOMP_TRY(gcomp_dev_sel_bytes(p->n, &bytes));
    p->sel_region = take(&at, bytes);
  }
  if (p->tk) {
    size_t bytes;
    GCOMP_TRY(gcomp_k_resolve(codec, p->n, &p->k));
    GCOMP_TRY(gcomp_dev_tk_bytes(p->n, &bytes));
    p->tk_region = take(&at, bytes);
  }
  p->ent = cfg->packing == gcompPackEntropy && (p->sd || gcomp_dev_bl_fixed(p->method));
  if (p->ent) {
    size_t bytes;
    GCOMP_TRY(gcomp_dev_rans_bytes(p->n, &bytes));
    p->ent_region = take(&at, bytes);
  }
  if (p->rotate) p->rot = take(&at, (size_t)p->n * sizeof(float));
  p->total = at;
  return gcompSuccess;
}

/* The two-call pattern: NULL workspace -> report the size (returns 1). */
gcompResult_t workspace_ready(const plan *p, void *ws, size_t *ws_size, int *query) {
  *query = ws == NULL;
  if (*query) {
    *ws_size = p->total;
    return gcompSuccess;
  }
  if (*ws_size < p->total)
    return gcomp_fail(gcompInvalidArgument, "workspace of %zu bytes, this call needs %zu",
                      *ws_size, p->total);
  if ((uintptr_t)ws % kAlign)
    return gcomp_fail(gcompInvalidArgument, "workspace must be %zu-byte aligned (cudaMalloc is)",
                      kAlign);
  return gcompSuccess;
}

template <typename T>
T *at(void *ws, size_t off) {
  return reinterpret_cast<T *>(static_cast<uint8_t *>(ws) + off);
}

gcomp_dev_fixed fixed_of(const plan *p, void *ws) {
  gcomp_dev_fixed f = {p->n,
                       p->chunks,
                       at<uint32_t>(ws, p->width),
                       at<uint32_t>(ws, p->escapes),
                       at<uint64_t>(ws, p->sizes),
                       at<uint64_t>(ws, p->offsets),
                       at<void>(ws, p->scan),
                       p->scan_bytes};
  return f;
}

gcomp_dev_header header_template(const plan *p, uint64_t seed) {
  gcomp_header h = {p->method, p->sd ? gcompPackFixed : gcompPackDirect, p->rotate, p->d,
                    seed, 0, p->codec->param, p->codec->iparam};
  if (p->bl) h.packing = gcomp_dev_bl_packing(p->method);
  if (p->ent) h.packing = gcompPackEntropy;
  gcomp_dev_header t;
  gcomp_header_write(&h, t.b); /* body_bits 0: it reads nothing past the 64 bytes */
  memset(t.b + GCOMP_CHECKSUM_OFFSET, 0, 8);
  return t;
}

uint32_t known_methods(void) {
  uint32_t mask = 0;
  for (int id = 0; id < 32; id++)
    if (gcomp_method_of((gcompMethod_t)id)) mask |= 1u << id;
  return mask;
}

/* What encode and decode check first; *query is 1 when the call only asked
 * for the workspace size (now in *workspaceSize). */
gcompResult_t begin_call(gcompCodec_t codec, uint64_t d, void *workspace,
                         size_t *workspaceSize, plan *p, int *query) {
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
  plan p;
  int query;
  GCOMP_TRY(begin_call(codec, d, workspace, workspaceSize, &p, &query));
  if (query) return gcompSuccess;
  if (!src || !dst || !dstSize)
    return gcomp_fail(gcompInvalidArgument, "src, dst and dstSize must not be NULL");
  if (dstCapacity < GCOMP_HEADER_BYTES)
    return gcomp_fail(gcompDstTooSmall, "dst must hold at least the %d-byte header",
                      GCOMP_HEADER_BYTES);
  /* Identity's size does not depend on the data: refuse now, not later. */
  if (!p.sd && !p.sc && !p.bl && !p.rk && !p.tk && (dstCapacity - GCOMP_HEADER_BYTES) / 4 < p.n)
    return gcomp_fail(gcompDstTooSmall, "dst holds %zu bytes, identity needs %llu",
                      dstCapacity, (unsigned long long)(GCOMP_HEADER_BYTES + 4 * p.n));
  cudaStream_t s = (cudaStream_t)stream;
  gcomp_dev_call *call = at<gcomp_dev_call>(workspace, p.call);
  double *na = at<double>(workspace, p.norm_a), *nb = at<double>(workspace, p.norm_b);
  uint8_t *out = static_cast<uint8_t *>(dst);
  gcomp_dev_header h = header_template(&p, seed);
  GCOMP_CUDA_TRY(cudaMemsetAsync(call, 0, sizeof *call, s));
  const float *x = src;
  if (p.rotate) { /* encode.c: check_rotatable, then the rotation */
    float *y = at<float>(workspace, p.rot);
    GCOMP_TRY(gcomp_dev_sumsq(src, d, na, nb, call, s));
    GCOMP_TRY(gcomp_dev_check_rotatable(call, s));
    GCOMP_TRY(gcomp_dev_rotate_forward(src, d, p.n, seed, y, call, s));
    x = y;
  }
  if (p.sd) {
    gcomp_dev_fixed f = fixed_of(&p, workspace);
    GCOMP_TRY(gcomp_dev_sumsq(x, p.n, na, nb, call, s));
    GCOMP_TRY(gcomp_dev_sd_scale(codec->param, p.n, p.K, call, s));
    gcomp_dev_symbols sym = p.rnd ? GCOMP_DEV_SYM_UNBIASED : GCOMP_DEV_SYM_SD;
    if (p.ent)
      GCOMP_TRY(gcomp_dev_encode_rans(sym, x, seed, &f, at<void>(workspace, p.ent_region), out,
                                      dstCapacity, &h, call, s));
    else
      GCOMP_TRY(gcomp_dev_encode_fixed(sym, x, seed, &f, out, dstCapacity, &h, call, s));
  } else if (p.bl) {
    gcomp_dev_fixed f = fixed_of(&p, workspace);
    gcomp_dev_bl_args a = {p.method, p.n, codec->iparam,
                           p.ent ? at<void>(workspace, p.ent_region) : nullptr};
    GCOMP_TRY(gcomp_dev_bl_encode(&a, x, seed, &f, na, nb, out, dstCapacity, &h, call, s));
  } else if (p.sc) {
    gcomp_dev_sc_args a = {p.n, codec->iparam, codec->param, (int)codec->config.packing};
    GCOMP_TRY(gcomp_dev_sc_encode(x, &a, seed, at<void>(workspace, p.sc_region), out,
                                  dstCapacity, &h, call, s));
  } else if (p.rk) {
    gcomp_dev_sel_args a = {p.n, p.k, (int)codec->config.packing};
    GCOMP_TRY(gcomp_dev_randk_encode(x, &a, !p.rotate, seed, at<void>(workspace, p.sel_region),
                                     out, dstCapacity, &h, call, s));
  } else if (p.tk) {
    gcomp_dev_tk_args a = {p.n, p.k, (int)codec->config.packing};
    GCOMP_TRY(gcomp_dev_topk_encode(x, &a, !p.rotate, at<void>(workspace, p.tk_region), out,
                                    dstCapacity, &h, call, s));
  } else {
    GCOMP_TRY(gcomp_dev_identity_encode(x, p.n, !p.rotate, out, dstCapacity, &h, call, s));
  }
  GCOMP_TRY(gcomp_dev_checksum(out, dstCapacity, call, s));
  return gcomp_dev_finish_encode(out, dstSize, at<gcomp_dev_head>(workspace, 0), call, s);
}

extern "C" GCOMP_API gcompResult_t gcompDecodeDevice(gcompCodec_t codec, const void *src,
                                                     const uint64_t *srcSize,
                                                     size_t srcCapacity, float *dst,
                                                     uint64_t d, float beta, void *workspace,
                                                     size_t *workspaceSize,
                                                     gcompStream_t stream) {
  gcomp_clear_error();
  plan p;
  int query;
  GCOMP_TRY(begin_call(codec, d, workspace, workspaceSize, &p, &query));
  if (query) return gcompSuccess;
  if (!src || !srcSize || !dst)
    return gcomp_fail(gcompInvalidArgument, "src, srcSize and dst must not be NULL");
  if (!isfinite(beta)) return gcomp_fail(gcompInvalidArgument, "beta must be finite");
  cudaStream_t s = (cudaStream_t)stream;
  gcomp_dev_call *call = at<gcomp_dev_call>(workspace, p.call);
  const uint8_t *in = static_cast<const uint8_t *>(src);
  int packing = p.sd ? (int)gcompPackFixed : (int)gcompPackDirect;
  if (p.bl) packing = (int)gcomp_dev_bl_packing(p.method);
  if (p.ent) packing = (int)gcompPackEntropy;
  if (p.sc || p.rk || p.tk) /* with packing auto, either of the codec's packings (-1) */
    packing = codec->config.packing == gcompPackAuto ? -1 : (int)codec->config.packing;
  gcomp_dev_expect e = {known_methods(),
                        codec->m->packings,
                        (int)p.method,
                        packing,
                        p.rotate,
                        p.d,
                        p.n,
                        p.chunks};
  GCOMP_CUDA_TRY(cudaMemsetAsync(call, 0, sizeof *call, s));
  GCOMP_TRY(gcomp_dev_read_header(in, srcSize, srcCapacity, &e, call, s));
  GCOMP_TRY(gcomp_dev_checksum(in, srcCapacity, call, s));
  GCOMP_TRY(gcomp_dev_verify(in, &e, call, s));
  /* With rotate=1 the coded values go to the workspace first, and only the
   * inverse rotation touches dst (as encode.c's decode buffer). */
  float *y = p.rotate ? at<float>(workspace, p.rot) : dst;
  if (p.sd) {
    gcomp_dev_fixed f = fixed_of(&p, workspace);
    if (p.ent)
      GCOMP_TRY(gcomp_dev_decode_rans(GCOMP_DEV_SYM_SD, in, &f, at<void>(workspace, p.ent_region),
                                      y, !p.rotate, beta, call, s));
    else
      GCOMP_TRY(gcomp_dev_decode_fixed(GCOMP_DEV_SYM_SD, in, &f, y, !p.rotate, beta, call, s));
  } else if (p.bl) {
    gcomp_dev_fixed f = fixed_of(&p, workspace);
    gcomp_dev_bl_args a = {p.method, p.n, codec->iparam,
                           p.ent ? at<void>(workspace, p.ent_region) : nullptr};
    GCOMP_TRY(gcomp_dev_bl_decode(&a, in, &f, y, !p.rotate, beta, call, s));
  } else if (p.sc) {
    GCOMP_TRY(gcomp_dev_sc_decode(in, p.n, codec->iparam, at<void>(workspace, p.sc_region), y,
                                  !p.rotate, beta, call, s));
  } else if (p.rk) {
    gcomp_dev_sel_args a = {p.n, p.k, (int)codec->config.packing};
    GCOMP_TRY(gcomp_dev_randk_decode(in, &a, at<void>(workspace, p.sel_region), y, !p.rotate,
                                     beta, call, s));
  } else if (p.tk) {
    GCOMP_TRY(gcomp_dev_topk_decode(in, p.n, at<void>(workspace, p.tk_region), y, !p.rotate,
                                    beta, call, s));
  } else {
    GCOMP_TRY(gcomp_dev_identity_decode(in, p.n, y, !p.rotate, beta, call, s));
  }
  if (p.rotate) GCOMP_TRY(gcomp_dev_rotate_inverse(y, p.n, dst, d, beta, call, s));
  return gcomp_dev_finish_decode(at<gcomp_dev_head>(workspace, 0), call, s);
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
