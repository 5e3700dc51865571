#ifndef GCOMP_HOST_ERROR_FEEDBACK_H
#define GCOMP_HOST_ERROR_FEEDBACK_H

#include "gcomp.h"

/* State of one buffer (docs/COLLECTIVES.md): the worker's EF21 estimate g,
 * the running aggregate G (the sum of every rank's g, identical on all
 * ranks), and the chunk owner's re-compression error e (two-phase only). */
struct gcompErrorFeedback {
  uint64_t count;
  float *g;
  float *G;
  float *e;          /* allocated on first two-phase use */
  uint64_t e_count;
  /* A device engine's copy of the state (NCCL: device buffers), made on
   * first use; freed and cleared through these hooks. */
  void *dev;
  void (*dev_free)(void *dev);
  int (*dev_reset)(void *dev); /* nonzero on an engine error */
};

#endif
