/* pool.h - a fixed team of threads that run one function together
 * (internal). */
#ifndef BP_TRAIN_POOL_H
#define BP_TRAIN_POOL_H

#include "backprop.h"

typedef struct bp_pool bp_pool;

/* A team of n threads: the caller and n - 1 workers started here. */
bp_pool *pool_new(int n, bp_error *err);
/* Runs fn(ctx, t) for t = 0 .. n-1, t = 0 on the calling thread, and
 * returns when all have returned. */
void pool_run(bp_pool *pool, void (*fn)(void *ctx, int t), void *ctx);
/* Stops and joins the workers; accepts NULL. */
void pool_free(bp_pool *pool);

#endif
