/* The codecs fuzz_frame decodes frames of (byte 0 of an input picks one),
 * shared with make_seeds so seeds choose the codec they were made with. */
#ifndef GCOMP_FUZZ_FRAME_CODECS_H
#define GCOMP_FUZZ_FRAME_CODECS_H

static const char *const fuzz_frame_codecs[] = {
    "identity", "sd", "sd-unbiased", "spherical", "qsgd", "natural-dithering", "natural",
    "topk", "randk", "sign", "terngrad", "fp16", "bf16"};
#define FUZZ_FRAME_NCODECS (sizeof fuzz_frame_codecs / sizeof fuzz_frame_codecs[0])
#define FUZZ_FRAME_SEED 7

#endif
