/* Threads for the chunked passes of one API call (docs/DECISIONS.md,
 * "Threads"). The pipeline says how many threads the call may use; a pass
 * cuts its work into pieces and runs them on one process-wide pool of
 * workers, the calling thread included. Pieces write disjoint outputs and
 * each chunk is computed exactly as alone, so no result depends on the
 * thread count. One call at a time uses the pool: a call that finds it busy
 * (another thread's call) runs its pieces alone, so concurrent callers never
 * oversubscribe the machine. */
#ifndef GCOMP_HOST_POOL_H
#define GCOMP_HOST_POOL_H

#include "gcomp.h"

#include <pthread.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most pieces one pass makes: 4 a thread at GCOMP_MAX_THREADS. */
#define GCOMP_PAR_MAX_PIECES (4u * GCOMP_MAX_THREADS)

/* The library's default thread count: gcompSetThreads's value, or
 * min(cores this process may run on, GCOMP_DEFAULT_THREADS_CAP). */
int gcomp_par_default(void);
void gcomp_par_set_default(int threads);

/* Threads the current call on this thread may use: what gcomp_par_begin
 * set, 1 outside calls (the pool's own workers included, so a piece never
 * waits for the pool it runs on). */
int gcomp_par_threads(void);
/* For the span of one API call; begin returns what end restores. */
int gcomp_par_begin(int threads);
void gcomp_par_end(int previous);

/* How many pieces `items` units of work make, each at least `grain` units:
 * 1 when the call has one thread or the work is too small to pay for
 * waking another; else up to 4 a thread (pieces are taken in turn, so a
 * thread slowed by the machine's other work takes fewer). */
unsigned gcomp_par_pieces(uint64_t items, uint64_t grain);

/* [*first, *end) of piece p of `pieces` over `items`: consecutive, in
 * order, sizes differing by at most one. */
static inline void gcomp_par_range(uint64_t items, unsigned pieces, unsigned p,
                                   uint64_t *first, uint64_t *end) {
  *first = items / pieces * p + (p < items % pieces ? p : items % pieces);
  *end = *first + items / pieces + (p < items % pieces);
}

/* Values a piece of an element-wise pass gets at least (a quarter of a
 * MiB of floats): below it, waking a worker costs more than it saves. */
#define GCOMP_PAR_GRAIN 65536u

typedef void (*gcomp_par_fn)(void *ctx, unsigned piece);

/* fn(ctx, p) for every p in [0, pieces), on up to gcomp_par_threads()
 * threads; returns when all are done. */
void gcomp_par_run(unsigned pieces, gcomp_par_fn fn, void *ctx);

/* fn(ctx, first, end) over consecutive ranges covering [0, items), each
 * of at least `grain` items (one range, on this thread, when small). */
typedef void (*gcomp_par_range_fn)(void *ctx, uint64_t first, uint64_t end);
void gcomp_par_for(uint64_t items, uint64_t grain, gcomp_par_range_fn fn, void *ctx);

/* The failure of a parallel pass that a serial pass would have reported:
 * the one at the lowest position. A piece stops at its own first failure,
 * so every position before the lowest one ran and succeeded. */
typedef struct {
  pthread_mutex_t lock;
  uint64_t at; /* UINT64_MAX: none */
  gcompResult_t code;
  char detail[256];
} gcomp_par_status;

void gcomp_par_status_init(gcomp_par_status *s);
/* Records `code` at position `at`, with the detail gcomp_fail just left on
 * this thread. */
void gcomp_par_fail(gcomp_par_status *s, uint64_t at, gcompResult_t code);
/* On the calling thread: gcompSuccess, or the recorded failure with its
 * detail. Releases the status. */
gcompResult_t gcomp_par_result(gcomp_par_status *s);

#ifdef __cplusplus
}
#endif

#endif
