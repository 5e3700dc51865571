#include "comm/error_feedback.h"

#include "shared/check.h"

#include <stdlib.h>
#include <string.h>

GCOMP_API gcompResult_t gcompErrorFeedbackCreate(gcompErrorFeedback_t *ef, uint64_t count) {
  gcomp_clear_error();
  if (!ef) return gcomp_fail(gcompInvalidArgument, "ef must not be NULL");
  *ef = NULL;
  if (count == 0 || count > GCOMP_MAX_DIM)
    return gcomp_fail(gcompInvalidArgument, "count = %llu outside 1..2^40",
                      (unsigned long long)count);
  struct gcompErrorFeedback *s = calloc(1, sizeof *s);
  if (!s) return gcomp_fail(gcompOutOfMemory, "error feedback allocation failed");
  s->count = count;
  s->g = calloc((size_t)count, sizeof *s->g);
  s->G = calloc((size_t)count, sizeof *s->G);
  if (!s->g || !s->G) {
    gcompErrorFeedbackFree(s);
    return gcomp_fail(gcompOutOfMemory, "error feedback allocation failed");
  }
  *ef = s;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompErrorFeedbackReset(gcompErrorFeedback_t ef) {
  gcomp_clear_error();
  if (!ef) return gcomp_fail(gcompInvalidArgument, "ef must not be NULL");
  memset(ef->g, 0, (size_t)ef->count * sizeof *ef->g);
  memset(ef->G, 0, (size_t)ef->count * sizeof *ef->G);
  if (ef->e) memset(ef->e, 0, (size_t)ef->e_count * sizeof *ef->e);
  if (ef->dev && ef->dev_reset && ef->dev_reset(ef->dev))
    return gcomp_fail(gcompSystemError, "clearing the device copy of the state failed");
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompErrorFeedbackFree(gcompErrorFeedback_t ef) {
  gcomp_clear_error();
  if (!ef) return gcompSuccess;
  free(ef->g);
  free(ef->G);
  free(ef->e);
  if (ef->dev && ef->dev_free) ef->dev_free(ef->dev);
  free(ef);
  return gcompSuccess;
}
