/* The process-wide pool behind pool.h. Workers are started the first time
 * a call asks for them (never more than the largest thread count asked
 * for), sleep on a condition variable between jobs, and are joined when the
 * library is unloaded. A job is one gcomp_par_run: its pieces are handed out
 * through one atomic counter. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "core/pool.h"

#include "shared/check.h"

#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Memory-bound passes stop gaining well before this many threads, and a
 * library should not take a large machine by default. */
#define DEFAULT_THREADS_CAP 8

#define MAX_WORKERS (GCOMP_MAX_THREADS - 1)

static _Thread_local int call_threads; /* 0 outside calls: one thread */
static atomic_int default_threads;     /* 0 until first asked */

static struct {
  pthread_mutex_t lock; /* everything below but `next` */
  pthread_cond_t wake, done;
  pthread_t tid[MAX_WORKERS];
  unsigned long born[MAX_WORKERS]; /* the generation a worker starts after */
  int workers, stop;
  unsigned long generation; /* one a job */
  int wanted;               /* workers 0..wanted-1 take part in the job */
  int running;              /* of those, still in it */
  gcomp_par_fn fn;
  void *ctx;
  unsigned pieces;
  atomic_uint next;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};

/* Held by the call that owns the pool for a job. */
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static int machine_threads(void) {
  int cores = 0;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) cores = CPU_COUNT(&set);
  if (cores < 1) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    cores = c > 0 && c < GCOMP_MAX_THREADS ? (int)c : 1;
  }
  return cores < DEFAULT_THREADS_CAP ? cores : DEFAULT_THREADS_CAP;
}

int gcomp_par_default(void) {
  int t = atomic_load(&default_threads);
  if (t > 0) return t;
  int expected = 0, m = machine_threads();
  /* a concurrent gcompSetThreads wins over the machine's count */
  return atomic_compare_exchange_strong(&default_threads, &expected, m) ? m : expected;
}

void gcomp_par_set_default(int threads) {
  atomic_store(&default_threads, threads == GCOMP_DEFAULT ? machine_threads() : threads);
}

int gcomp_par_threads(void) { return call_threads > 1 ? call_threads : 1; }

int gcomp_par_begin(int threads) {
  int previous = call_threads;
  call_threads = threads;
  return previous;
}

void gcomp_par_end(int previous) { call_threads = previous; }

unsigned gcomp_par_pieces(uint64_t items, uint64_t grain) {
  unsigned t = (unsigned)gcomp_par_threads();
  if (t <= 1 || grain == 0 || items / grain < 2) return 1;
  uint64_t p = items / grain, most = 4u * (uint64_t)t;
  return (unsigned)(p < most ? p : most);
}

static void drain(gcomp_par_fn fn, void *ctx, unsigned pieces) {
  for (unsigned p; (p = atomic_fetch_add(&pool.next, 1u)) < pieces;) fn(ctx, p);
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  pthread_mutex_lock(&pool.lock);
  unsigned long seen = pool.born[id];
  for (;;) {
    while (!pool.stop && pool.generation == seen) pthread_cond_wait(&pool.wake, &pool.lock);
    if (pool.stop) break;
    seen = pool.generation;
    if (id >= pool.wanted) continue;
    gcomp_par_fn fn = pool.fn;
    void *ctx = pool.ctx;
    unsigned pieces = pool.pieces;
    pthread_mutex_unlock(&pool.lock);
    drain(fn, ctx, pieces);
    pthread_mutex_lock(&pool.lock);
    if (--pool.running == 0) pthread_cond_signal(&pool.done);
  }
  pthread_mutex_unlock(&pool.lock);
  return NULL;
}

/* A forked child has none of the parent's workers: it starts afresh. */
static void after_fork_in_child(void) {
  pthread_mutex_init(&pool.lock, NULL);
  pthread_cond_init(&pool.wake, NULL);
  pthread_cond_init(&pool.done, NULL);
  pthread_mutex_init(&busy, NULL);
  pool.workers = 0;
  pool.running = 0;
  pool.stop = 0;
}

static void register_atfork(void) { pthread_atfork(NULL, NULL, after_fork_in_child); }

/* Starts workers until `want` exist (pool.lock held); returns how many
 * exist, fewer if the system refuses threads. Workers block every signal:
 * signals are for the application's threads. */
static int spawn(int want) {
  if (pool.workers >= want) return want;
  pthread_once(&atfork_once, register_atfork);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  while (pool.workers < want) {
    pool.born[pool.workers] = pool.generation;
    if (pthread_create(&pool.tid[pool.workers], NULL, worker,
                       (void *)(intptr_t)pool.workers) != 0)
      break;
    pool.workers++;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return pool.workers < want ? pool.workers : want;
}

void gcomp_par_run(unsigned pieces, gcomp_par_fn fn, void *ctx) {
  int threads = gcomp_par_threads();
  if (pieces > 1 && threads > 1 && pthread_mutex_trylock(&busy) == 0) {
    int helpers = (int)((unsigned)threads < pieces ? (unsigned)threads : pieces) - 1;
    pthread_mutex_lock(&pool.lock);
    helpers = spawn(helpers);
    if (helpers > 0) {
      pool.fn = fn;
      pool.ctx = ctx;
      pool.pieces = pieces;
      atomic_store(&pool.next, 0u);
      pool.wanted = helpers;
      pool.running = helpers;
      pool.generation++;
      pthread_cond_broadcast(&pool.wake);
    }
    pthread_mutex_unlock(&pool.lock);
    if (helpers > 0) {
      drain(fn, ctx, pieces);
      /* ctx lives in the caller's frame: wait until no worker can touch it */
      pthread_mutex_lock(&pool.lock);
      while (pool.running > 0) pthread_cond_wait(&pool.done, &pool.lock);
      pthread_mutex_unlock(&pool.lock);
      pthread_mutex_unlock(&busy);
      return;
    }
    pthread_mutex_unlock(&busy);
  }
  for (unsigned p = 0; p < pieces; p++) fn(ctx, p);
}

typedef struct {
  gcomp_par_range_fn fn;
  void *ctx;
  uint64_t items;
  unsigned pieces;
} for_job;

static void for_piece(void *ctx, unsigned p) {
  const for_job *j = ctx;
  uint64_t first, end;
  gcomp_par_range(j->items, j->pieces, p, &first, &end);
  j->fn(j->ctx, first, end);
}

void gcomp_par_for(uint64_t items, uint64_t grain, gcomp_par_range_fn fn, void *ctx) {
  for_job j = {fn, ctx, items, gcomp_par_pieces(items, grain)};
  if (j.pieces == 1) {
    fn(ctx, 0, items);
    return;
  }
  gcomp_par_run(j.pieces, for_piece, &j);
}

/* Idle workers run no library code, but a dlclose must not unmap the code
 * they sleep in: they leave and are joined first. */
__attribute__((destructor)) static void pool_shutdown(void) {
  pthread_mutex_lock(&pool.lock);
  pool.stop = 1;
  int n = pool.workers;
  pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
  for (int i = 0; i < n; i++) pthread_join(pool.tid[i], NULL);
  pthread_mutex_lock(&pool.lock);
  pool.workers = 0;
  pool.stop = 0;
  pthread_mutex_unlock(&pool.lock);
}

/* ---------------------------------------------------------------- status */

void gcomp_par_status_init(gcomp_par_status *s) {
  pthread_mutex_init(&s->lock, NULL);
  s->at = UINT64_MAX;
  s->code = gcompSuccess;
  s->detail[0] = '\0';
}

void gcomp_par_fail(gcomp_par_status *s, uint64_t at, gcompResult_t code) {
  pthread_mutex_lock(&s->lock);
  if (at < s->at) {
    s->at = at;
    s->code = code;
    snprintf(s->detail, sizeof s->detail, "%s", gcompGetLastErrorDetail());
  }
  pthread_mutex_unlock(&s->lock);
}

gcompResult_t gcomp_par_result(gcomp_par_status *s) {
  pthread_mutex_destroy(&s->lock);
  if (s->code == gcompSuccess) return gcompSuccess;
  return gcomp_fail(s->code, "%s", s->detail);
}
