#include "shared/check.h"

#include <stdarg.h>
#include <stdio.h>

/* Thread-local like errno: the detail of the last failure on this thread. */
static _Thread_local char last_detail[256];

static const char *const result_text[gcompNumResults] = {
    [gcompSuccess] = "success",
    [gcompInvalidArgument] = "invalid argument",
    [gcompParameterOutOfRange] = "codec parameter out of range",
    [gcompNonFiniteInput] = "input vector holds NaN or Inf",
    [gcompSizeOverflow] = "dimension too large for the format or size arithmetic",
    [gcompDstTooSmall] = "destination buffer too small",
    [gcompCorruptPayload] = "corrupt payload",
    [gcompUnsupportedPayload] = "unsupported payload (newer format or unknown codec)",
    [gcompTooManyTrials] = "spherical compression needs too many expected trials",
    [gcompOutOfMemory] = "out of memory",
    [gcompNotAvailable] = "feature not available in this build",
    [gcompInternalError] = "internal error",
    [gcompInvalidUsage] = "ranks disagree on the collective's arguments",
    [gcompRemoteError] = "another rank failed or sent a bad payload",
    [gcompSystemError] = "the communication engine failed",
};

GCOMP_API const char *gcompGetErrorString(gcompResult_t result) {
  if ((int)result < 0 || result >= gcompNumResults)
    return "unknown result code";
  return result_text[result];
}

GCOMP_API const char *gcompGetLastErrorDetail(void) { return last_detail; }

gcompResult_t gcomp_fail(gcompResult_t code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_detail, sizeof last_detail, fmt, ap);
  va_end(ap);
  return code;
}

void gcomp_clear_error(void) { last_detail[0] = '\0'; }

GCOMP_API int gcompGetVersion(void) { return GCOMP_VERSION; }
