/*
 * gcomp: gradient compression close to the information-theoretic limit.
 *
 * The whole public API. C11, usable from C++ (extern "C").
 *
 * A vector x in R^d (float32) goes through one pipeline for every codec:
 *   norm -> [rotate] -> quantize to integer symbols -> pack -> payload bytes
 * and back. Payloads are self-describing (docs/FORMAT.md): a payload made by
 * any build decodes on any other without knowing the codec in advance.
 *
 * Conventions (as zstd and NCCL):
 *   - every call returns a gcompResult_t; gcompGetErrorString() gives the
 *     generic text, gcompGetLastErrorDetail() the detail of the last failure
 *     on the calling thread;
 *   - buffers belong to the caller and are sized with gcompEncodeBound();
 *   - inputs are never modified; counts are 64-bit;
 *   - the library never prints and never exits.
 *
 * Distortion convention (PAPER.md): alpha is the distortion, smaller alpha
 * is more accurate. Unbiased codecs are described by their variance omega.
 */
#ifndef GCOMP_H
#define GCOMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(GCOMP_BUILDING_LIBRARY) && defined(__GNUC__)
#define GCOMP_API __attribute__((visibility("default")))
#else
#define GCOMP_API
#endif

/* ---------------------------------------------------------------- version */

#define GCOMP_VERSION_MAJOR 0
#define GCOMP_VERSION_MINOR 1
#define GCOMP_VERSION_PATCH 0
#define GCOMP_VERSION_CODE(major, minor, patch) \
  ((major) * 10000 + (minor) * 100 + (patch))
#define GCOMP_VERSION \
  GCOMP_VERSION_CODE(GCOMP_VERSION_MAJOR, GCOMP_VERSION_MINOR, GCOMP_VERSION_PATCH)

/* Version of the library actually linked, as GCOMP_VERSION. */
GCOMP_API int gcompGetVersion(void);

/* Wire-format version this library writes (and the newest it reads). */
#define GCOMP_FORMAT_VERSION 1

/* ----------------------------------------------------------------- errors */

/* Values are part of the ABI: never renumbered, only appended. */
typedef enum {
  gcompSuccess = 0,
  gcompInvalidArgument = 1,    /* NULL pointer, d = 0, unknown name, ... */
  gcompParameterOutOfRange = 2,/* nu/omega/alpha/block outside its range */
  gcompNonFiniteInput = 3,     /* the vector holds NaN or +-Inf */
  gcompSizeOverflow = 4,       /* d above GCOMP_MAX_DIM, or sizes overflow */
  gcompDstTooSmall = 5,        /* destination capacity too small */
  gcompCorruptPayload = 6,     /* payload fails a check: magic, length,
                                  checksum, field range, stream structure */
  gcompUnsupportedPayload = 7, /* valid framing, but a newer format version
                                  or a codec this build does not know */
  gcompTooManyTrials = 8,      /* spherical: expected trials above limit */
  gcompOutOfMemory = 9,
  gcompNotAvailable = 10,      /* feature not built in (e.g. CUDA) */
  gcompInternalError = 11,
  gcompInvalidUsage = 12,      /* ranks disagree (count, codec, op, root) */
  gcompRemoteError = 13,       /* another rank failed or sent a bad payload */
  gcompSystemError = 14,       /* the engine (MPI, NCCL, CUDA) failed */
  gcompNumResults = 15
} gcompResult_t;

/* Static text for a result code; never NULL. */
GCOMP_API const char *gcompGetErrorString(gcompResult_t result);

/* Detail of the last failed call on this thread ("" if none). Valid until
 * the next gcomp call on the same thread. */
GCOMP_API const char *gcompGetLastErrorDetail(void);

/* ----------------------------------------------------------------- codecs */

/* Largest dimension the wire format and the size arithmetic accept. */
#define GCOMP_MAX_DIM ((uint64_t)1 << 40)

/* Wire-format codec ids: values are part of the format, never renumbered. */
typedef enum {
  gcompIdentity = 0,               /* float32 as is ("Basic") */
  gcompSparseDithering = 1,        /* deterministic, class C(nu) */
  gcompSparseDitheringUnbiased = 2,/* randomized, class U(omega) */
  gcompSpherical = 3,              /* blockwise spherical, class C(alpha) */
  gcompQsgd = 4,                   /* QSGD / standard dithering, s levels */
  gcompNaturalDithering = 5,       /* levels 2^-j, s of them */
  gcompNaturalCompression = 6,     /* stochastic rounding to powers of two */
  gcompTopK = 7,                   /* k largest magnitudes */
  gcompRandK = 8,                  /* k random coordinates, scaled by d/k */
  gcompScaledSign = 9,             /* (|x|_1 / d) sign(x) */
  gcompTernGrad = 10,              /* max|x| sign(x_i) Bernoulli(|x_i|/max|x|) */
  gcompFp16 = 11,                  /* IEEE half, round to nearest even */
  gcompBf16 = 12,                  /* bfloat16, round to nearest even */
  gcompNumMethods = 13
} gcompMethod_t;

/* How the integer symbols are turned into bits. */
typedef enum {
  gcompPackAuto = 0,       /* smallest of the applicable back ends */
  gcompPackFixed = 1,      /* fixed-width bit packing with escapes: fastest */
  gcompPackEntropy = 2,    /* chunked rANS with a per-payload static table */
  gcompPackStructured = 3, /* the codec's own structured code (the paper's
                              for Sparse Dithering, Rice trial counts for
                              Spherical, QSGD's Elias code for QSGD, index
                              codes for Top-k) */
  gcompPackDirect = 4,     /* the decoded float32 values themselves */
  gcompNumPackings = 5
} gcompPacking_t;

typedef enum {
  gcompClassExact = 0,       /* C(x) = x */
  gcompClassUnbiased = 1,    /* U(omega): E C(x) = x, E|C(x)-x|^2 <= omega|x|^2 */
  gcompClassBiased = 2,      /* B(alpha): E|C(x)-x|^2 <= alpha|x|^2 */
  gcompClassContractive = 3  /* C(alpha): |C(x)-x|^2 <= alpha|x|^2 always */
} gcompClass_t;

/* Sentinel for "use the codec's default" in gcompCodecConfig_t: -1
 * exactly. Any other negative value in a field is refused by
 * gcompCodecCreate with gcompParameterOutOfRange, and no text given to
 * gcompCodecConfigSetParam can store it. */
#define GCOMP_DEFAULT (-1)

/* Codec descriptor. Start from GCOMP_CODEC_CONFIG_INITIALIZER (or
 * gcompCodecConfigInit) and set what you need; validated by
 * gcompCodecCreate. `size` lets later versions grow the struct. A parameter
 * the method does not use must stay GCOMP_DEFAULT. */
typedef struct {
  size_t size;            /* sizeof(gcompCodecConfig_t) */
  gcompMethod_t method;
  double nu;              /* sd: distortion, (0, 1); default 0.1 */
  double omega;           /* sd-unbiased: variance, (0, 1e6]; default 0.25 */
  double alpha;           /* spherical: distortion, (0, 1); default 0.5 */
  int64_t block;          /* spherical block size m, 1..64; default: largest
                             m <= 16 whose expected trials stay <= 2^10 */
  int rotate;             /* 1: randomized Hadamard rotation first */
  gcompPacking_t packing; /* default gcompPackAuto */
  double maxTrials;       /* spherical: refuse if 1/P(alpha,m) exceeds this;
                             default and ceiling 2^24 */
  int64_t levels;         /* qsgd (default 8), natural-dithering (default 4):
                             s, 1..2^20 (natural dithering 1..30) */
  int64_t k;              /* topk, randk: coordinates kept, >= 1 (<= d at
                             encode time); default ceil(d / 100) */
  /* Every codec: threads gcompEncode may use, 1..GCOMP_MAX_THREADS; 1 starts
   * none. Default: gcompSetThreads's value when the codec is created. The
   * payload is the same for every value. Added after 0.1.0, whose struct
   * (size = offsetof(gcompCodecConfig_t, threads)) gcompCodecCreate still
   * takes, as threads = GCOMP_DEFAULT. */
  int threads;
} gcompCodecConfig_t;

#define GCOMP_CODEC_CONFIG_INITIALIZER                                        \
  { sizeof(gcompCodecConfig_t), gcompIdentity, GCOMP_DEFAULT, GCOMP_DEFAULT, \
    GCOMP_DEFAULT, GCOMP_DEFAULT, 0, gcompPackAuto, GCOMP_DEFAULT,           \
    GCOMP_DEFAULT, GCOMP_DEFAULT, GCOMP_DEFAULT }

/* Largest thread count a codec or gcompSetThreads accepts. */
#define GCOMP_MAX_THREADS 256

/* The process-wide thread count: what gcompDecode uses, and what codecs
 * created afterwards with threads = GCOMP_DEFAULT get. 1..GCOMP_MAX_THREADS,
 * or GCOMP_DEFAULT for the initial value, min(8, the cores this process
 * may run on). Work below about 2^16 values a thread stays on the calling
 * thread; one call at a time gets the extra threads, a concurrent call
 * runs on its own thread. Results never depend on the count. */
GCOMP_API gcompResult_t gcompSetThreads(int threads);

/* Reset *config to the defaults of the codec called `name` (see
 * gcompMethodName): "identity", "sd", "sd-unbiased", "spherical", "qsgd",
 * "natural-dithering", "natural", "topk", "randk", "sign", "terngrad",
 * "fp16", "bf16". */
GCOMP_API gcompResult_t gcompCodecConfigInit(gcompCodecConfig_t *config,
                                             const char *name);

/* Set one parameter from text, as the CLI's -p NAME=VALUE: "nu", "omega",
 * "alpha", "block", "max_trials", "levels", "k", "rotate" (0/1), "packing"
 * (auto, fixed, entropy, structured, direct), "threads" (1..256). Rejects names the codec does
 * not use and, with gcompInvalidArgument, text that is not a plain decimal
 * (or hex-float) number: empty, leading spaces, trailing characters, NaN,
 * Inf, a fraction for an integer; with gcompParameterOutOfRange, a number
 * outside the codec's range (so "-1" never means the default). The detail
 * names the parameter and quotes the text; *config is unchanged on failure. */
GCOMP_API gcompResult_t gcompCodecConfigSetParam(gcompCodecConfig_t *config,
                                                 const char *name,
                                                 const char *value);

/* Name of a method ("sd", ...), or NULL for an unknown id. */
GCOMP_API const char *gcompMethodName(gcompMethod_t method);

/* Validated, immutable codec. Safe to share between threads. */
typedef struct gcompCodec *gcompCodec_t;

GCOMP_API gcompResult_t gcompCodecCreate(gcompCodec_t *codec,
                                         const gcompCodecConfig_t *config);
GCOMP_API gcompResult_t gcompCodecFree(gcompCodec_t codec);

/* The validated configuration, defaults resolved. */
GCOMP_API gcompResult_t gcompCodecGetConfig(gcompCodec_t codec,
                                            gcompCodecConfig_t *config);

GCOMP_API gcompResult_t gcompCodecGetClass(gcompCodec_t codec,
                                           gcompClass_t *cls);

/* Theoretical variance omega of an unbiased codec for vectors of dimension
 * d (QSGD's, Rand-k's and TernGrad's depend on d); gcompInvalidArgument for
 * other classes. TernGrad's is the supremum over x, (sqrt(d) - 1) / 2
 * (3/8 at d = 3 with rotate=1, where the rotation reaches more). */
GCOMP_API gcompResult_t gcompCodecGetOmega(gcompCodec_t codec, uint64_t d,
                                           double *omega);

/* Theoretical distortion alpha for dimension d: for biased/contractive
 * codecs their own (scaled sign: the worst case over x, 1 - 1/d; fp16 and
 * bf16: for inputs in their normal range); for an unbiased codec that of
 * its scaled version C/(1+omega), i.e. omega/(1+omega); 0 for identity. */
GCOMP_API gcompResult_t gcompCodecGetAlpha(gcompCodec_t codec, uint64_t d,
                                           double *alpha);

/* Worst-case payload size in bytes for a vector of dimension d, header
 * included (like ZSTD_compressBound). */
GCOMP_API gcompResult_t gcompEncodeBound(gcompCodec_t codec, uint64_t d,
                                         size_t *bound);

/* --------------------------------------------------------- host encode */

/* Encode src[0..d) into dst. `seed` keys every random choice (randomized
 * rounding, rotation, spherical candidates): the same (input, codec, seed)
 * gives the same bytes on every build and on the GPU path.
 * NaN or Inf in src gives gcompNonFiniteInput and writes nothing. */
GCOMP_API gcompResult_t gcompEncode(gcompCodec_t codec, const float *src,
                                    uint64_t d, uint64_t seed, void *dst,
                                    size_t dstCapacity, size_t *dstSize);

/* Decode a payload into dst[0..d): dst = decoded + beta * dst. With
 * beta == 0 dst is only written, never read. dstCount must be >= the
 * payload's d. Every payload is treated as hostile: a bad one gives
 * gcompCorruptPayload (or gcompUnsupportedPayload) and dst may then hold
 * partial results. */
GCOMP_API gcompResult_t gcompDecode(const void *src, size_t srcSize,
                                    float *dst, uint64_t dstCount, float beta);

/* What a payload holds, read from its header without decoding the body. */
typedef struct {
  gcompMethod_t method;
  gcompPacking_t packing; /* the back end actually used (never Auto) */
  int rotate;
  uint64_t d;
  uint64_t seed;
  double param;           /* nu, omega or alpha; 0 for other codecs */
  uint64_t iparam;        /* block size m (spherical), levels s (qsgd,
                             natural-dithering), k (topk, randk); else 0 */
  size_t headerBytes;
  uint64_t bodyBits;      /* exact bits of the message after the header */
  size_t totalBytes;      /* headerBytes + ceil(bodyBits / 8) */
} gcompPayloadInfo_t;

/* Validates the framing (magic, version, lengths, checksum) too. */
GCOMP_API gcompResult_t gcompPayloadGetInfo(const void *src, size_t srcSize,
                                            gcompPayloadInfo_t *info);

/* ---------------------------------------------------------- device path
 * CUDA builds only (otherwise gcompNotAvailable). Pointers are device
 * pointers; every call only enqueues work on `stream` (a cudaStream_t) and
 * returns: no host synchronization, no allocation inside (scratch comes
 * from the caller's workspace, sized by the two-call pattern: pass
 * workspace = NULL to learn workspaceSize). Problems a kernel finds (NaN in
 * the input, a corrupt payload) are written to a status word inside the
 * workspace; gcompDeviceGetStatus reads it when the caller chooses to wait.
 * The payload bytes are those of gcompEncode for the same input, codec and
 * seed, and either side decodes the other's payloads. */

/* Same type as cudaStream_t; host communicators take NULL. */
typedef struct CUstream_st *gcompStream_t;

/* Encodes src[0..d) into dst; the payload's length lands in *dstSize, a
 * device pointer, so a collective can exchange sizes without the host. */
GCOMP_API gcompResult_t gcompEncodeDevice(gcompCodec_t codec, const float *src, uint64_t d,
                                          uint64_t seed, void *dst, size_t dstCapacity,
                                          uint64_t *dstSize, void *workspace,
                                          size_t *workspaceSize, gcompStream_t stream);

/* dst[0..d) = decoded + beta * dst (dst only written when beta == 0). The
 * payload must be of `codec` and dimension d; srcSize is its length in bytes
 * (a device pointer, as gcompEncodeDevice leaves it) . */
GCOMP_API gcompResult_t gcompDecodeDevice(gcompCodec_t codec, const void *src,
                                          const uint64_t *srcSize, size_t srcCapacity,
                                          float *dst, uint64_t d, float beta, void *workspace,
                                          size_t *workspaceSize, gcompStream_t stream);

/* Waits for `stream`, then reports (and clears) the status kernels left in
 * this workspace: gcompSuccess, gcompNonFiniteInput, gcompCorruptPayload,
 * ... */
GCOMP_API gcompResult_t gcompDeviceGetStatus(void *workspace, gcompStream_t stream,
                                             gcompResult_t *status);

/* ---------------------------------------------------------- collectives
 * NCCL-shaped calls over an engine communicator that gcomp wraps without
 * owning it: gcomp_mpi.h (host buffers, MPI_Comm) or gcomp_nccl.h (device
 * buffers, ncclComm_t, a CUDA stream; see there for how NCCL reports
 * errors without waiting). Every rank of the
 * communicator calls the same collectives in the same order with the same
 * count, codec and op; a disagreement, or a failure or bad payload on any
 * rank, makes the call fail on every rank (gcompInvalidUsage,
 * gcompRemoteError) instead of hanging. */

typedef struct gcompComm *gcompComm_t;

typedef enum { gcompSum = 0, gcompMean = 1 } gcompRedOp_t;

typedef enum {
  gcompAlgoAuto = 0,      /* from rank count and compression ratio */
  gcompAlgoAllGather = 1, /* every payload to every rank: the exact sum of
                             the compressed vectors; traffic grows with P */
  gcompAlgoTwoPhase = 2   /* reduce-scatter compressed chunks, decode-sum,
                             re-compress, all-gather: ~2 compressed vectors
                             a rank at any P, one more compression error */
} gcompAlgo_t;

typedef struct {
  size_t size;           /* sizeof(gcompCommConfig_t) */
  uint64_t seed;         /* base of every payload seed; equal on all ranks */
  gcompAlgo_t algorithm; /* default gcompAlgoAuto */
  /* The longest a call waits for its peers before it decides one is gone:
   * the call then returns gcompSystemError and the communicator is aborted,
   * every later collective on it fails at once. Device communicators wait
   * for the device (exact mode's record copy, gcompCommGetAsyncError); NCCL
   * ones are then ncclCommAbort'ed, which also frees the ncclComm_t: do not
   * destroy it again. In-process ones wait for the other threads. 0
   * (default) waits forever, as NCCL and MPI do; MPI communicators keep
   * MPI's contract (mpirun ends the job when a rank dies). */
  double timeoutSeconds;
  /* Host communicators, allgather algorithm: vectors are cut into chunks
   * of this many values, each its own payload, so that encoding a chunk,
   * moving the previous one and decoding the one before overlap (the
   * transport must offer non-blocking all-gathers: MPI does). 0 (default):
   * chosen from the count (docs/COLLECTIVES.md); GCOMP_PIPELINE_OFF: one
   * payload for the whole vector. Every rank must use the same value. */
  uint64_t pipelineValues;
} gcompCommConfig_t;

#define GCOMP_PIPELINE_OFF UINT64_MAX

#define GCOMP_COMM_CONFIG_INITIALIZER \
  { sizeof(gcompCommConfig_t), 0, gcompAlgoAuto, 0.0, 0 }

/* Running totals of this rank's part in gcomp collectives: bytes it
 * encoded and sent, as they travel (host communicators send frames, a few
 * bytes plus the body; device communicators whole payloads, docs/
 * COLLECTIVES.md "Frames"), bytes of other ranks' payloads it received,
 * the number of collectives, and of bytesEncoded the codecs' bodies alone
 * (no header, no framing: the paper's accounting). */
typedef struct {
  uint64_t bytesEncoded;
  uint64_t bytesReceived;
  uint64_t collectives;
  uint64_t bodyBytesEncoded;
} gcompCommStats_t;

GCOMP_API gcompResult_t gcompCommGetStats(gcompComm_t comm, gcompCommStats_t *stats);

/* Frees gcomp's state, never the engine communicator. */
GCOMP_API gcompResult_t gcompCommFree(gcompComm_t comm);

/* Device communicators (NCCL, in-process device) only enqueue work and
 * report what their kernels find later: this waits for `stream`, then
 * reports (and clears) the first failure since the last query: this rank's
 * own (gcompNonFiniteInput, gcompDstTooSmall, ...) first, then another
 * rank's (gcompRemoteError) or a disagreement (gcompInvalidUsage), then a
 * payload that failed to decode (gcompCorruptPayload). After a failure the
 * collective's outputs, and an error feedback state it used, are undefined
 * (gcompErrorFeedbackReset). Host communicators return every error from the
 * call itself: *status is then always gcompSuccess. */
GCOMP_API gcompResult_t gcompCommGetAsyncError(gcompComm_t comm, gcompStream_t stream,
                                               gcompResult_t *status);

/* How a device communicator moves variable-length payloads, whose sizes
 * the device encoder leaves in device memory (docs/COLLECTIVES.md). */
typedef enum {
  /* Every payload travels in a slot of fixed capacity (the encode bound,
   * or slotBits a value: see below); its true length travels beside it and
   * stays on the device. No host synchronization; wire bytes = capacity. */
  gcompExchangeSlots = 0,
  /* The lengths are gathered first and copied to the host (one
   * cudaStreamSynchronize an exchange); then only the payloads' own bytes
   * travel, and disagreements or failed encodes are returned as result
   * codes on every rank, as on host communicators. */
  gcompExchangeExact = 1
} gcompExchange_t;

/* Sets a device communicator's exchange mode (the same on every rank;
 * default gcompExchangeSlots, slotBits 0). slotBits > 0 caps a slot at
 * 1 KiB + slotBits * n / 8 bytes for n values (never above
 * gcompEncodeBound): a payload that does not fit fails the collective on
 * every rank (gcompDstTooSmall on its rank, gcompRemoteError elsewhere)
 * instead of overflowing. */
GCOMP_API gcompResult_t gcompCommSetExchange(gcompComm_t comm, gcompExchange_t mode,
                                             double slotBits);

/* In-process communicators: P ranks that are threads of one process (tests,
 * `gcomp train`, several ranks on one GPU). Make a group of nranks, then
 * each rank's thread calls gcompCommCreateLocal with its rank; the call
 * returns once all nranks have joined. The k-th call of every rank makes
 * one communicator, so threads may create several, in the same order. A
 * collective blocks its thread until every rank has called it. Free the
 * group once every rank's create has returned. */
typedef struct gcompLocalGroup *gcompLocalGroup_t;

GCOMP_API gcompResult_t gcompLocalGroupCreate(gcompLocalGroup_t *group, int nranks);
GCOMP_API gcompResult_t gcompLocalGroupFree(gcompLocalGroup_t group);

/* Host buffers, stream NULL (as MPI communicators). */
GCOMP_API gcompResult_t gcompCommCreateLocal(gcompComm_t *comm, gcompLocalGroup_t group,
                                             int rank, const gcompCommConfig_t *config);

/* Device buffers on the current CUDA device, each rank with its own stream:
 * the device path of every collective, as over NCCL (CUDA builds; otherwise
 * gcompNotAvailable). */
GCOMP_API gcompResult_t gcompCommCreateLocalDevice(gcompComm_t *comm, gcompLocalGroup_t group,
                                                   int rank, const gcompCommConfig_t *config);
GCOMP_API gcompResult_t gcompCommRank(gcompComm_t comm, int *rank);
GCOMP_API gcompResult_t gcompCommSize(gcompComm_t comm, int *size);

/* recv = sum (or mean) over ranks of the compressed send vectors. In place
 * when send == recv. */
GCOMP_API gcompResult_t gcompAllReduce(const float *sendbuff, float *recvbuff,
                                       uint64_t count, gcompCodec_t codec,
                                       gcompRedOp_t op, gcompComm_t comm,
                                       gcompStream_t stream);

/* recv[r * count .. (r+1) * count) = rank r's send vector, compressed. */
GCOMP_API gcompResult_t gcompAllGather(const float *sendbuff, float *recvbuff,
                                       uint64_t sendcount, gcompCodec_t codec,
                                       gcompComm_t comm, gcompStream_t stream);

/* recv = root's send vector, compressed (root receives it too). */
GCOMP_API gcompResult_t gcompBroadcast(const float *sendbuff, float *recvbuff,
                                       uint64_t count, gcompCodec_t codec,
                                       int root, gcompComm_t comm,
                                       gcompStream_t stream);

/* Error feedback for biased codecs, one state per buffer (a gradient
 * bucket). Worker side EF21: a rank sends C(x - g), then g += C(x - g), and
 * the result is the sum of the ranks' g. With the two-phase algorithm the
 * chunk owners also keep the error of their re-compression (as 1-bit Adam
 * keeps worker and server errors). */
typedef struct gcompErrorFeedback *gcompErrorFeedback_t;

GCOMP_API gcompResult_t gcompErrorFeedbackCreate(gcompErrorFeedback_t *ef,
                                                 uint64_t count);
GCOMP_API gcompResult_t gcompErrorFeedbackReset(gcompErrorFeedback_t ef);
GCOMP_API gcompResult_t gcompErrorFeedbackFree(gcompErrorFeedback_t ef);

GCOMP_API gcompResult_t gcompAllReduceEF(const float *sendbuff, float *recvbuff,
                                         uint64_t count, gcompCodec_t codec,
                                         gcompRedOp_t op, gcompErrorFeedback_t ef,
                                         gcompComm_t comm, gcompStream_t stream);

/* Many tensors in one collective (a framework's gradient bucket): tensor i
 * has counts[i] floats; they travel as one compressed vector. ef may be
 * NULL; with one it must have been created for the sum of the counts. */
GCOMP_API gcompResult_t gcompAllReduceMulti(const float *const *sendbuffs,
                                            float *const *recvbuffs,
                                            const uint64_t *counts, int ntensors,
                                            gcompCodec_t codec, gcompRedOp_t op,
                                            gcompErrorFeedback_t ef,
                                            gcompComm_t comm, gcompStream_t stream);

/* ------------------------------------------------------- lower bounds
 * PAPER.md section 2. All in bits, double precision, for 0 < alpha < 1 and
 * 1 <= d <= GCOMP_MAX_DIM. */

/* log2 P(alpha, d), P = 1/2 I_alpha((d-1)/2, 1/2): the spherical cap
 * fraction. <= 0. */
GCOMP_API gcompResult_t gcompSphericalCapLog2(double alpha, uint64_t d,
                                              double *log2P);

/* Uncertainty principle: b >= (d/2) log2(1/alpha). */
GCOMP_API gcompResult_t gcompUncertaintyBound(double alpha, uint64_t d,
                                              double *bits);

/* Worst-case encoded length of any C(alpha) compressor:
 * -log2 P(alpha, d) + log2 d (the O(1) term dropped). */
GCOMP_API gcompResult_t gcompWorstCaseBound(double alpha, uint64_t d,
                                            double *bits);

/* Average-case (expected) length of any B(alpha) compressor: -log2 P. */
GCOMP_API gcompResult_t gcompAverageCaseBound(double alpha, uint64_t d,
                                              double *bits);

#ifdef __cplusplus
}
#endif

#endif /* GCOMP_H */
