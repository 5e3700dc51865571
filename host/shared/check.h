/* Error reporting inside the library: a result code plus a thread-local
 * detail message that gcompGetLastErrorDetail() returns. */
#ifndef GCOMP_HOST_ERROR_H
#define GCOMP_HOST_ERROR_H

#include "gcomp.h"

#if defined(__GNUC__)
#define GCOMP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define GCOMP_PRINTF(fmt, args)
#endif

/* Records the detail and returns `code`, so callers write
 *   return gcomp_fail(gcompInvalidArgument, "d must be > 0");          */
gcompResult_t gcomp_fail(gcompResult_t code, const char *fmt, ...)
    GCOMP_PRINTF(2, 3);

/* Clears the detail at the start of a public call. */
void gcomp_clear_error(void);

/* Propagate a failure that already recorded its detail. */
#define GCOMP_TRY(expr)                     \
  do {                                      \
    gcompResult_t gcomp_try_r_ = (expr);    \
    if (gcomp_try_r_ != gcompSuccess)       \
      return gcomp_try_r_;                  \
  } while (0)

#endif
