/*
 * pool.c - the trainer's threads.
 *
 * A training step is two short parallel phases (the batch's passes, then
 * the update), a few hundred microseconds each on Fashion-MNIST, so the
 * team is started once and woken per phase through one mutex and two
 * condition variables; a generation number tells a worker that new work
 * has come.  Which thread does what is fixed by t alone, so results do not
 * depend on the order in which threads run.
 */
#include <pthread.h>
#include <stdlib.h>

#include "core/error.h"
#include "train/pool.h"

struct bp_pool {
    int n;
    pthread_t *threads;
    int started;                 /* workers created                      */
    pthread_mutex_t lock;
    pthread_cond_t wake;         /* new work or stop                     */
    pthread_cond_t done;         /* a worker finished                    */
    unsigned long generation;    /* of the work last posted              */
    int pending;                 /* workers still on this generation     */
    int stop;
    void (*fn)(void *, int);
    void *ctx;
};

typedef struct {
    bp_pool *pool;
    int t;
} worker_arg;

static void *worker(void *p)
{
    bp_pool *pool = ((worker_arg *)p)->pool;
    int t = ((worker_arg *)p)->t;
    free(p);
    unsigned long seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->stop && pool->generation == seen)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->stop)
            break;
        seen = pool->generation;
        void (*fn)(void *, int) = pool->fn;
        void *ctx = pool->ctx;
        pthread_mutex_unlock(&pool->lock);
        fn(ctx, t);
        pthread_mutex_lock(&pool->lock);
        if (--pool->pending == 0)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
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
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
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
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->pending = pool->started;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    fn(ctx, 0);
    pthread_mutex_lock(&pool->lock);
    while (pool->pending > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

void pool_free(bp_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stop = 1;
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
