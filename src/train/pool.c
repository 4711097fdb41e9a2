/*
 * pool.c - the trainer's threads.
 *
 * A training step is two to four short parallel phases (the batch's
 * passes, then the update; by rows also a gather and the first layer),
 * tens to hundreds of microseconds each on Fashion-MNIST, so the
 * team is started once and handed each phase through a generation number.
 * Waking a thread blocked on a condition variable took about 40 us here
 * (a futex round trip through the hypervisor), which was a tenth of a
 * two-thread Fashion-MNIST epoch; so both sides first spin on the atomic
 * counters for a while (about 50 us) and only then block, the blocking side
 * announcing itself so that the other knows to signal.  The announcement
 * and the counter it races with are sequentially consistent atomics, and
 * the blocking side re-checks the counter under the mutex, so no wake-up
 * is lost.  Which thread does what is fixed by t alone, so results do not
 * depend on the order in which threads run.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"
#include "train/pool.h"

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* Spins before blocking: a pause is ~40-140 cycles, so ~50 us.  A team
 * larger than the online CPUs does not spin at all: a spinning thread would
 * hold the CPU that the one it waits for needs. */
#define SPINS 2000

struct bp_pool {
    int n;
    int spins;                   /* SPINS, or 0 when oversubscribed      */
    pthread_t *threads;
    int started;                 /* workers created                      */
    pthread_mutex_t lock;
    pthread_cond_t wake;         /* new work or stop                     */
    pthread_cond_t done;         /* the last worker finished             */
    atomic_ulong generation;     /* of the work last posted              */
    atomic_int pending;          /* workers still on this generation     */
    atomic_int sleepers;         /* workers blocked (or about to) on wake */
    atomic_int waiting;          /* the caller blocked on done           */
    atomic_int stop;
    void (*fn)(void *, int);
    void *ctx;
};

typedef struct {
    bp_pool *pool;
    int t;
} worker_arg;

/* Waits until the generation is no longer `seen` or the pool stops. */
static void await_work(bp_pool *pool, unsigned long seen)
{
    for (int k = 0; k < pool->spins; k++) {
        if (atomic_load(&pool->generation) != seen || atomic_load(&pool->stop))
            return;
        CPU_RELAX();
    }
    pthread_mutex_lock(&pool->lock);
    atomic_fetch_add(&pool->sleepers, 1);
    while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stop))
        pthread_cond_wait(&pool->wake, &pool->lock);
    atomic_fetch_sub(&pool->sleepers, 1);
    pthread_mutex_unlock(&pool->lock);
}

static void *worker(void *p)
{
    bp_pool *pool = ((worker_arg *)p)->pool;
    int t = ((worker_arg *)p)->t;
    free(p);
    unsigned long seen = 0;
    for (;;) {
        await_work(pool, seen);
        if (atomic_load(&pool->stop))
            break;
        seen = atomic_load(&pool->generation);
        pool->fn(pool->ctx, t);
        if (atomic_fetch_sub(&pool->pending, 1) == 1 &&
            atomic_load(&pool->waiting)) {
            pthread_mutex_lock(&pool->lock);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->lock);
        }
    }
    return NULL;
}

bp_pool *pool_new(int n, bp_error *err)
{
    bp_pool *pool = calloc(1, sizeof *pool);
    if (!pool) {
        bp_fail(err, BP_ENOMEM, "out of memory for %d threads", n);
        return NULL;
    }
    pool->n = n;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    pool->spins = cpus > 0 && n > cpus ? 0 : SPINS;
    /* (glibc's never fail with default attributes; others may) */
    int ok_lock = pthread_mutex_init(&pool->lock, NULL) == 0;
    int ok_wake = pthread_cond_init(&pool->wake, NULL) == 0;
    int ok_done = pthread_cond_init(&pool->done, NULL) == 0;
    if (!ok_lock || !ok_wake || !ok_done) {
        if (ok_lock)
            pthread_mutex_destroy(&pool->lock);
        if (ok_wake)
            pthread_cond_destroy(&pool->wake);
        if (ok_done)
            pthread_cond_destroy(&pool->done);
        free(pool);
        bp_fail(err, BP_ENOMEM, "could not set up the locks of %d threads", n);
        return NULL;
    }
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->waiting, 0);
    atomic_init(&pool->stop, 0);
    pool->threads = calloc((size_t)(n > 1 ? n - 1 : 1), sizeof *pool->threads);
    if (!pool->threads) {
        bp_fail(err, BP_ENOMEM, "out of memory for %d threads", n);
        pool_free(pool);
        return NULL;
    }
    for (int t = 1; t < n; t++) {
        worker_arg *a = malloc(sizeof *a);
        if (!a || (a->pool = pool, a->t = t,
                   pthread_create(&pool->threads[t - 1], NULL, worker, a))) {
            free(a);
            bp_fail(err, BP_ENOMEM, "could not start thread %d of %d", t + 1,
                    n);
            pool_free(pool);
            return NULL;
        }
        pool->started++;
    }
    return pool;
}

void pool_run(bp_pool *pool, void (*fn)(void *ctx, int t), void *ctx)
{
    /* fn and ctx are published by the generation's increment (a
     * sequentially consistent store, which workers read before them) */
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store(&pool->pending, pool->started);
    atomic_fetch_add(&pool->generation, 1);
    if (atomic_load(&pool->sleepers)) {
        pthread_mutex_lock(&pool->lock);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
    }
    fn(ctx, 0);
    for (int k = 0; k < pool->spins && atomic_load(&pool->pending) > 0; k++)
        CPU_RELAX();
    if (atomic_load(&pool->pending) > 0) {
        pthread_mutex_lock(&pool->lock);
        atomic_store(&pool->waiting, 1);
        while (atomic_load(&pool->pending) > 0)
            pthread_cond_wait(&pool->done, &pool->lock);
        atomic_store(&pool->waiting, 0);
        pthread_mutex_unlock(&pool->lock);
    }
}

void pool_free(bp_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    atomic_store(&pool->stop, 1);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int t = 0; t < pool->started; t++)
        pthread_join(pool->threads[t], NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    free(pool->threads);
    free(pool);
}
