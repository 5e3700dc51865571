/* The stages of the device pipeline, one file each, as device_api.cu strings
 * them together. Every function only enqueues kernels on `s`, checks each
 * launch, and returns gcompSuccess or gcompSystemError; what the kernels
 * find in the data goes to call->status (device_common.cuh). */
#ifndef GCOMP_KERNELS_STAGES_STAGES_CUH
#define GCOMP_KERNELS_STAGES_STAGES_CUH

#include "core/common.cuh"

/* ------------------------------------------------ device_norm.cu */

/* call->sumsq = sum of squares of x[0..len) in the order of shared/norm.h.
 * a holds ceil(len / 4096) doubles, b a 256th of that (rounded up). */
gcompResult_t gcomp_dev_sumsq(const float *x, uint64_t len, double *a, double *b,
                              gcomp_dev_call *call, cudaStream_t s);

/* call->sumabs = sum of |x_i| in the same order (scaled sign). */
gcompResult_t gcomp_dev_sumabs(const float *x, uint64_t len, double *a, double *b,
                               gcomp_dev_call *call, cudaStream_t s);

/* encode.c's check_rotatable on call->sumsq: NaN/Inf, or |x| > 2^100. */
gcompResult_t gcomp_dev_check_rotatable(gcomp_dev_call *call, cudaStream_t s);

/* call->gamma from call->sumsq (gcomp_sd_scale_init), call->K = K. */
gcompResult_t gcomp_dev_sd_scale(double param, uint64_t n, uint32_t K,
                                 gcomp_dev_call *call, cudaStream_t s);

/* ---------------------------------------------- device_rotate.cu */

/* y[0..n) = H D x / sqrt(n), x[0..d) zero-padded: host/rotate.c's order. */
gcompResult_t gcomp_dev_rotate_forward(const float *x, uint64_t d, uint64_t n,
                                       uint64_t seed, float *y, gcomp_dev_call *call,
                                       cudaStream_t s);

/* Inverse of y[0..n) in place (seed from call->seed), then for i < d:
 * dst[i] = v, or v + beta * dst[i] when beta != 0. */
gcompResult_t gcomp_dev_rotate_inverse(float *y, uint64_t n, float *dst, uint64_t d,
                                       float beta, gcomp_dev_call *call, cudaStream_t s);

/* ----------------------------------------------- device_fixed.cu */

/* Per-chunk scratch of the fixed section (C = ceil(n / 4096) chunks). */
struct gcomp_dev_fixed {
  uint64_t n, chunks;
  uint32_t *width, *escapes; /* per chunk: w and e (encode) */
  uint64_t *sizes, *offsets; /* chunk bytes and their exclusive scan */
  void *scan_temp;           /* CUB DeviceScan storage */
  size_t scan_bytes;
};

gcompResult_t gcomp_dev_fixed_scan_bytes(uint64_t chunks, size_t *bytes);

/* The exclusive scan of f->sizes into f->offsets: chunk lengths to offsets,
 * for the fixed and the entropy (device_rans*.cu) sections alike. */
gcompResult_t gcomp_dev_chunk_scan(const gcomp_dev_fixed *f, cudaStream_t s);

/* The symbol function of a fixed section (device_symbols.cuh). */
enum gcomp_dev_symbols {
  GCOMP_DEV_SYM_SD,       /* sd: rounding to nearest */
  GCOMP_DEV_SYM_UNBIASED, /* sd-unbiased, qsgd, terngrad */
  GCOMP_DEV_SYM_ND,       /* natural dithering, K = s */
  GCOMP_DEV_SYM_NATURAL   /* natural compression: no scale before the section */
};

/* A fixed-packed body, x[0..n) already rotated, the scale (gamma) and K in
 * call; writes the header too once the size is known (and nothing at all
 * if the payload would pass dst + cap). */
gcompResult_t gcomp_dev_encode_fixed(gcomp_dev_symbols sym, const float *x, uint64_t seed,
                                     const gcomp_dev_fixed *f, uint8_t *dst, size_t cap,
                                     const gcomp_dev_header *h, gcomp_dev_call *call,
                                     cudaStream_t s);

/* Decodes a verified fixed-packed body into out[0..n): straight into the
 * caller's dst (`to_dst`, with beta) or into a buffer for the inverse
 * rotation. */
gcompResult_t gcomp_dev_decode_fixed(gcomp_dev_symbols sym, const uint8_t *src,
                                     const gcomp_dev_fixed *f, float *out, int to_dst,
                                     float beta, gcomp_dev_call *call, cudaStream_t s);

/* --------------------------------------------- device_payload.cu */

/* Identity body: the n floats (NaN/Inf refused when check_finite), then the
 * header. */
gcompResult_t gcomp_dev_identity_encode(const float *x, uint64_t n, int check_finite,
                                        uint8_t *dst, size_t cap,
                                        const gcomp_dev_header *h,
                                        gcomp_dev_call *call, cudaStream_t s);

gcompResult_t gcomp_dev_identity_decode(const uint8_t *src, uint64_t n, float *out,
                                        int to_dst, float beta, gcomp_dev_call *call,
                                        cudaStream_t s);

/* call->checksum over p[0 .. call->total), at most max_bytes. */
gcompResult_t gcomp_dev_checksum(const uint8_t *p, size_t max_bytes,
                                 gcomp_dev_call *call, cudaStream_t s);

/* Encode's last step: the checksum into the header, *dst_size (0 after a
 * failure), and the call's status into the head. */
gcompResult_t gcomp_dev_finish_encode(uint8_t *dst, uint64_t *dst_size,
                                      gcomp_dev_head *head, gcomp_dev_call *call,
                                      cudaStream_t s);
gcompResult_t gcomp_dev_finish_decode(gcomp_dev_head *head, gcomp_dev_call *call,
                                      cudaStream_t s);

/* What the decoder was told to expect, and what the host knows of codecs. */
struct gcomp_dev_expect {
  uint32_t known_methods; /* bit id: gcomp_method_of(id) != NULL */
  uint32_t packings;      /* GCOMP_PACKING_BIT set of the codec's method */
  int method, packing, rotate; /* packing -1: any of the method's */
  uint64_t d, n, chunks;
};

/* wire.c's framing checks, in its order, up to the checksum: they make
 * call->total safe to read. */
gcompResult_t gcomp_dev_read_header(const uint8_t *src, const uint64_t *src_size,
                                    size_t src_cap, const gcomp_dev_expect *e,
                                    gcomp_dev_call *call, cudaStream_t s);

/* The checksum, the payload against the codec, then the body's framing
 * (sd: gamma, K and the chunk table; identity: its length). */
gcompResult_t gcomp_dev_verify(const uint8_t *src, const gcomp_dev_expect *e,
                               gcomp_dev_call *call, cudaStream_t s);

/* ----------------------------------- device_spherical*.cu (codec 3) */

struct gcomp_dev_sc_args {
  uint64_t n, m; /* coded length, block */
  double alpha;
  int packing;   /* as configured: auto, structured or direct */
};

/* Workspace bytes of the spherical region for n coordinates in blocks of m. */
gcompResult_t gcomp_dev_sc_bytes(uint64_t n, uint64_t m, size_t *bytes);

/* The body and the header (the packing byte decided on the device, as
 * host/spherical.c decides it), x[0..n) already rotated. */
gcompResult_t gcomp_dev_sc_encode(const float *x, const gcomp_dev_sc_args *a, uint64_t seed,
                                  void *region, uint8_t *dst, size_t cap,
                                  const gcomp_dev_header *h, gcomp_dev_call *call,
                                  cudaStream_t s);

/* A verified spherical payload into out[0..n), as gcomp_dev_sd_decode_fixed. */
gcompResult_t gcomp_dev_sc_decode(const uint8_t *src, uint64_t n, uint64_t m, void *region,
                                  float *out, int to_dst, float beta, gcomp_dev_call *call,
                                  cudaStream_t s);

/* ------------------------------------- device_baselines.cu (codecs 4-6, 9-12) */

/* gcompSuccess for a baseline codec's packing the GPU writes, else
 * gcompNotAvailable with the reason. */
gcompResult_t gcomp_dev_bl_supported(const gcompCodecConfig_t *cfg);

/* The packing the device writes and expects (auto resolved as the CPU's). */
gcompPacking_t gcomp_dev_bl_packing(gcompMethod_t m);

/* 1 when the body is a fixed section (the workspace holds its scratch). */
int gcomp_dev_bl_fixed(gcompMethod_t m);

struct gcomp_dev_bl_args {
  gcompMethod_t method;
  uint64_t n, iparam; /* coded length; the codec's block field (levels s) */
  void *rans;         /* packing entropy: device_rans.cuh's region; NULL: fixed */
};

/* Body and header of x[0..n), already rotated; na, nb as for
 * gcomp_dev_sumsq. A codec whose size is known (fp16, bf16, sign) refuses a
 * small dst here, as identity does. */
gcompResult_t gcomp_dev_bl_encode(const gcomp_dev_bl_args *a, const float *x, uint64_t seed,
                                  const gcomp_dev_fixed *f, double *na, double *nb,
                                  uint8_t *dst, size_t cap, const gcomp_dev_header *h,
                                  gcomp_dev_call *call, cudaStream_t s);

/* A verified payload into out[0..n), as gcomp_dev_decode_fixed. */
gcompResult_t gcomp_dev_bl_decode(const gcomp_dev_bl_args *a, const uint8_t *src,
                                  const gcomp_dev_fixed *f, float *out, int to_dst, float beta,
                                  gcomp_dev_call *call, cudaStream_t s);

/* device_cast.cu: the 16-bit words of x[0..n) (range already checked). */
gcompResult_t gcomp_dev_cast_encode(int bf16, const float *x, uint64_t n, uint8_t *dst,
                                    gcomp_dev_call *call, cudaStream_t s);
gcompResult_t gcomp_dev_cast_decode(int bf16, const uint8_t *src, uint64_t n, float *out,
                                    int to_dst, float beta, gcomp_dev_call *call,
                                    cudaStream_t s);

/* device_sign.cu: scale (call->gamma) and sign bits; the scale of a
 * verified payload in call->gamma. */
gcompResult_t gcomp_dev_sign_encode(const float *x, uint64_t n, uint8_t *dst,
                                    gcomp_dev_call *call, cudaStream_t s);
gcompResult_t gcomp_dev_sign_decode(const uint8_t *src, uint64_t n, float *out, int to_dst,
                                    float beta, gcomp_dev_call *call, cudaStream_t s);

#endif
