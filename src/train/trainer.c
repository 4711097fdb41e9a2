/*
 * trainer.c - training (full batch or mini-batches, double or float, on one
 * or more threads), prediction, evaluation, gradient check.
 *
 * With T threads each step's samples are cut into T contiguous shares;
 * each thread runs the forward and backward passes over its share (its own
 * workspace and gradient), then updates its own range of the parameters
 * from the shares' gradients, weighted by their sizes.  Float mini-batches
 * whose first layer's gradient can come from packed inputs go "by rows"
 * instead (step_impl.h): each thread takes its rows of the first layer,
 * forward for the whole batch, and its rows of every layer's gradient and
 * update, so that its part of the weights stays in its core's cache; the
 * shares are summed in the same order with the same operations, so the
 * bits are the same.  Who does what depends on T only, so a run repeats
 * exactly for a given thread count; different counts differ by rounding.
 * One thread is the plain serial loop.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/clones.h"
#include "core/error.h"
#include "nn/kernels.h"
#include "nn/output.h"
#include "optim/optim.h"
#include "train/hooks.h"
#include "train/pool.h"
#include "nn/workspace.h"

/* Bytes of inputs and activations per pass when predicting or evaluating
 * (predict_chunk). */
#define PREDICT_BYTES ((size_t)1 << 20)

/* One thread's part of a step: samples [start, start + m) of the step's
 * rows, its own workspace and gradient. */
typedef struct {
    size_t start, m;
    double loss;        /* mean over its samples                       */
    size_t right;       /* of its samples, classified right            */
    int finite;         /* its range of weights is finite after a step */
    void *grad;         /* [n_params], double or float (not by rows)   */
    void *cgrad;        /* [n_params], a pass's gradient when a share
                         * takes several passes (else NULL)            */
    void *rows_buf;     /* by rows: [2][rows_cap], a block's gradient
                         * and one share's part of it                  */
    float *pack;        /* by rows, float: the inputs of the layers ... */
    float *pack_at[BP_MAX_LAYERS]; /* ... packed for params_panels_f32,
                         * per layer (NULL: that layer is not)         */
    bp_workspace ws;    /* double trainers                              */
    bp_workspace_f32 wsf; /* float trainers                             */
} bp_share;

struct bp_trainer {
    bp_net *net;
    const bp_dataset *ds;
    bp_train_opts opts;
    size_t batch;       /* samples per step (ds->n: full batch)        */
    int threads;        /* shares of each step                         */
    int f32;            /* float arithmetic (opts.dtype == BP_F32)     */
    int full;           /* full batch: one step an epoch, no shuffle   */
    int resident;       /* full batch held in the workspaces: loaded
                         * once, not every epoch                       */
    size_t chunk;       /* samples in one pass (workspace capacity)    */
    int by_rows;        /* threads split the layers by rows (above)    */
    float *X;           /* by rows: the step's inputs, [n_in][m]       */
    float *Z;           /* by rows: layer 0's output, [sizes[1]][m]    */
    size_t rows_cap;    /* values of the largest block of rows         */
    bp_isa isa;         /* the kernels' instruction set (not AUTO)     */
    bp_isa pisa[BP_MAX_LAYERS]; /* by rows: each layer's packed gradient's
                         * instruction set (BP_ISA_NAIVE: not packed)  */
    bp_share *share;    /* [threads]                                   */
    bp_pool *pool;      /* the threads, when more than one             */
    void *state;        /* optimizer state, bp_optimizer_state_len     */
    float *pf;          /* float trainers: the weights                 */
    double *state_out;  /* float trainers: state widened for callers   */
    size_t *order;      /* [n] sample order of the epoch (mini-batch)  */
    bp_rng rng;         /* reshuffles order every epoch                */
    const size_t *rows; /* the step in progress: its samples ...       */
    size_t m;           /* ... and how many                            */
    uint64_t steps;     /* optimizer steps so far                      */
    size_t epochs;      /* epochs run so far                           */
    double accuracy;    /* of the last epoch's forward passes          */
    bp_batch_fn on_batch; /* bp_trainer_on_batch's callback, or NULL   */
    void *on_batch_ctx;
};

void bp_trainer_on_batch(bp_trainer *tr, bp_batch_fn fn, void *ctx)
{
    tr->on_batch = fn;
    tr->on_batch_ctx = ctx;
}

/* Thread t's range of the parameters in the update: equal parts, cut at
 * multiples of 16 values (64 bytes of floats), so that threads seldom write
 * one cache line (the arrays are malloc's, 16-byte aligned: at most the
 * line at each cut is shared). */
static void param_range(const bp_trainer *tr, int t, size_t *lo, size_t *hi)
{
    size_t n = tr->net->n_params, T = (size_t)tr->threads;
    size_t blocks = (n + 15) / 16;
    *lo = blocks * (size_t)t / T * 16;
    *hi = blocks * ((size_t)t + 1) / T * 16;
    if (*lo > n)
        *lo = n;
    if (*hi > n)
        *hi = n;
}

/* Parameters updated together, all passes while they stay in L1 (a
 * multiple of 16, so blocks never split a cache line between threads). */
#define UPDATE_BLOCK 1024

/* By rows: a block of rows of a layer of n_in inputs holds about
 * ROWS_BYTES of weights (its gradient stays in L2 until the update has
 * read it), and at least 16 rows. */
#define ROWS_BYTES ((size_t)64 << 10)
static size_t rows_per_block(size_t n_in, size_t size)
{
    size_t rows = ROWS_BYTES / (n_in * size);
    return rows > 16 ? rows : 16;
}

#define REAL double
#define TFN(name) name
#define WSOF(sh) ((sh)->ws)
#define PARAMS(tr) ((tr)->net->params)
#include "train/step_impl.h"
#undef REAL
#undef TFN
#undef WSOF
#undef PARAMS

#define REAL float
#define TFN(name) name##_f32
#define WSOF(sh) ((sh)->wsf)
#define PARAMS(tr) ((tr)->pf)
#define PANELS 1
#include "train/step_impl.h"
#undef PANELS
#undef REAL
#undef TFN
#undef WSOF
#undef PARAMS

static bp_status check_data(const bp_net *net, const bp_dataset *ds,
                            bp_error *err)
{
    const bp_arch *a = &net->arch;
    if (!ds || ds->n == 0)
        return bp_fail(err, BP_EINVAL, "the data set is empty");
    if (ds->n_in != a->sizes[0])
        return bp_fail(err, BP_EINVAL,
                       "the data has %zu inputs but the network takes %zu",
                       ds->n_in, a->sizes[0]);
    if (ds->n_out != a->sizes[a->n_layers])
        return bp_fail(err, BP_EINVAL,
                       "the data has %zu targets but the network gives %zu",
                       ds->n_out, a->sizes[a->n_layers]);
    return BP_OK;
}

/* An instruction set this CPU runs (BP_ISA_AUTO does). */
static bp_status check_isa(bp_isa isa, bp_error *err)
{
    if ((unsigned)isa >= BP_ISA_COUNT)
        return bp_fail(err, BP_EINVAL, "unknown instruction set %d", (int)isa);
    if (!bp_isa_supported(isa))
        return bp_fail(err, BP_EINVAL,
                       "this CPU does not run the %s kernels (it runs %s "
                       "at most)", bp_isa_name(isa),
                       bp_isa_name(bp_isa_best()));
    return BP_OK;
}

/* A workspace for cap samples running isa's kernels (AUTO: the widest). */
static bp_status ws_init_isa(bp_workspace *ws, const bp_arch *a, size_t cap,
                             bp_isa isa, bp_error *err)
{
    bp_status st = ws_init(ws, a, cap, err);
    if (!st && isa != BP_ISA_AUTO)
        ws_set_isa(ws, isa);
    return st;
}

static bp_status check_opts(const bp_train_opts *o, bp_error *err)
{
    bp_status st;
    if (!o)
        return bp_fail(err, BP_EINVAL, "no training options given");
    if (!(o->lr > 0) || !isfinite(o->lr))
        return bp_fail(err, BP_EINVAL, "the learning rate must be > 0");
    if (!(o->momentum >= 0 && o->momentum < 1))
        return bp_fail(err, BP_EINVAL, "momentum must be in [0, 1)");
    if (!(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1) ||
        !(o->rho >= 0 && o->rho < 1))
        return bp_fail(err, BP_EINVAL, "beta1, beta2 and rho must be in [0, 1)");
    if (!(o->eps >= 0) || !isfinite(o->eps))
        return bp_fail(err, BP_EINVAL, "eps must be >= 0");
    if (!(o->weight_decay >= 0) || !isfinite(o->weight_decay))
        return bp_fail(err, BP_EINVAL, "weight decay must be >= 0");
    if ((unsigned)o->optimizer >= BP_OPT_COUNT)
        return bp_fail(err, BP_EINVAL, "unknown optimizer %d",
                       (int)o->optimizer);
    if ((unsigned)o->dtype >= BP_DTYPE_COUNT)
        return bp_fail(err, BP_EINVAL, "unknown dtype %d", (int)o->dtype);
    if ((st = check_isa(o->isa, err)))
        return st;
    if (o->threads < 0 || o->threads > BP_MAX_THREADS)
        return bp_fail(err, BP_EINVAL,
                       "threads must be in 0..%d (0 and 1: one thread)",
                       BP_MAX_THREADS);
    return BP_OK;
}

/* Shares of m samples starting at row 0 of the step: equal parts. */
static void split_batch(bp_trainer *tr, size_t m)
{
    size_t T = (size_t)tr->threads;
    for (size_t t = 0; t < T; t++) {
        tr->share[t].start = m * t / T;
        tr->share[t].m = m * (t + 1) / T - tr->share[t].start;
    }
    tr->m = m;
}

/* Samples whose workspace (ws_units values of `size` bytes each) fits in
 * `bytes`, a multiple of 16, and from lo to hi. */
static size_t samples_in(const bp_arch *a, size_t size, size_t bytes,
                         size_t lo, size_t hi)
{
    size_t fit = bytes / (ws_units(a) * size) / 16 * 16;
    return fit < lo ? lo : fit > hi ? hi : fit;
}

/* Samples in one pass: their activations and deltas in about 2 MiB, so
 * that a full batch of 100 000 samples runs from the caches as a batch of
 * 1000 does; never fewer than 256 (the kernels want long rows). */
static size_t chunk_limit(const bp_arch *a, size_t size)
{
    return samples_in(a, size, (size_t)2 << 20, 256, SIZE_MAX);
}

int bp_hook_no_rows;

int bp_hook_by_rows(const bp_trainer *tr)
{
    return tr->by_rows;
}

static bp_status alloc_shares(bp_trainer *tr, bp_error *err)
{
    const size_t n_params = tr->net->n_params;
    const size_t size = tr->f32 ? sizeof(float) : sizeof(double);
    const size_t T = (size_t)tr->threads;
    tr->share = calloc(T, sizeof *tr->share);
    if (!tr->share)
        return bp_fail(err, BP_ENOMEM, "out of memory for the trainer");
    /* the largest share of a batch, in passes of at most chunk_limit */
    size_t share = (tr->batch + T - 1) / T;
    size_t limit = chunk_limit(&tr->net->arch, size);
    tr->chunk = share < limit ? share : limit;
    tr->resident = tr->full && share <= tr->chunk;
    const bp_arch *a = &tr->net->arch;
    for (int l = 0; l < a->n_layers; l++)
        tr->pisa[l] = panels_isa_f32(tr->isa, a->sizes[l],
                                     a->sizes[l + 1]);
    /* by rows: float mini-batches on threads whose shares fit one pass,
     * when the first layer's gradient can come from packed inputs */
    tr->by_rows = !bp_hook_no_rows && T > 1 && tr->f32 && !tr->full &&
                  share <= tr->chunk && tr->pisa[0] != BP_ISA_NAIVE &&
                  bp_arch_is_dense(a);
    size_t pack = 0, pack_off[BP_MAX_LAYERS] = {0};
    for (int l = 0; tr->by_rows && l < a->n_layers; l++) {
        size_t rows = rows_per_block(a->sizes[l], size);
        if (rows > a->sizes[l + 1])
            rows = a->sizes[l + 1];
        size_t cap = rows * (a->sizes[l] + 1);
        if (cap > tr->rows_cap)
            tr->rows_cap = cap;
        pack_off[l] = pack;     /* layer l's packed inputs in sh->pack */
        pack += panels_size_f32(tr->pisa[l], a->sizes[l], tr->chunk);
    }
    if (tr->by_rows) {
        size_t in = a->sizes[0], h = a->sizes[1];
        tr->X = malloc(in * tr->batch * sizeof *tr->X);
        tr->Z = malloc(h * tr->batch * sizeof *tr->Z);
        if (!tr->X || !tr->Z)
            return bp_fail(err, BP_ENOMEM, "out of memory for a batch");
    }
    for (size_t t = 0; t < T; t++) {
        bp_share *sh = &tr->share[t];
        if (tr->by_rows) {
            sh->rows_buf = malloc(2 * tr->rows_cap * size);
            if (!(sh->pack = malloc(pack * sizeof *sh->pack)))
                return bp_fail(err, BP_ENOMEM, "out of memory for the gradient");
            for (int l = 0; l < a->n_layers; l++)
                sh->pack_at[l] = tr->pisa[l] != BP_ISA_NAIVE
                                     ? sh->pack + pack_off[l] : NULL;
        } else {
            sh->grad = calloc(n_params, size);
        }
        if (share > tr->chunk)
            sh->cgrad = calloc(n_params, size);
        if (!(tr->by_rows ? sh->rows_buf : sh->grad) ||
            (share > tr->chunk && !sh->cgrad))
            return bp_fail(err, BP_ENOMEM, "out of memory for the gradient");
        size_t cap = tr->chunk;
        bp_status st = tr->f32 ? ws_init_f32(&sh->wsf, &tr->net->arch, cap, err)
                               : ws_init(&sh->ws, &tr->net->arch, cap, err);
        if (st)
            return st;
        ws_set_isa(&sh->ws, tr->isa);       /* the trainer's table, once */
        ws_set_isa_f32(&sh->wsf, tr->isa);
        sh->ws.train = sh->wsf.train = 1;
        sh->ws.seed = sh->wsf.seed = tr->opts.shuffle_seed;
    }
    return BP_OK;
}

/* bp_net_new leaves every weight zero, a start from which the units of a
 * layer stay alike: such a network was never initialised. */
static bp_status check_initialised(const bp_net *net, bp_error *err)
{
    const bp_arch *a = &net->arch;
    for (int l = 0; l < a->n_layers; l++) {
        const double *w = net->params + net->w_off[l];
        for (size_t k = 0; k < net->n_w[l]; k++)
            if (w[k] != 0)
                return BP_OK;
    }
    return bp_fail(err, BP_EINVAL,
                   "every weight of the network is zero, a start from "
                   "which the units of a layer stay alike (a network from "
                   "bp_net_new is so until bp_net_init)");
}

bp_train_opts bp_train_opts_default(void)
{
    return BP_TRAIN_OPTS_DEFAULT;
}

bp_trainer *bp_trainer_new(bp_net *net, const bp_dataset *ds,
                           const bp_train_opts *opts, bp_error *err)
{
    if (!net) {
        bp_fail(err, BP_EINVAL, "no network given");
        return NULL;
    }
    if (check_data(net, ds, err) || check_opts(opts, err) ||
        check_initialised(net, err))
        return NULL;
    bp_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) {
        bp_fail(err, BP_ENOMEM, "out of memory for a trainer");
        return NULL;
    }
    tr->net = net;
    tr->ds = ds;
    tr->opts = *opts;
    tr->f32 = opts->dtype == BP_F32;
    /* the kernel set, chosen once: every pass of this trainer runs it */
    tr->isa = opts->isa == BP_ISA_AUTO ? bp_isa_best() : opts->isa;
    tr->threads = opts->threads > 1 ? opts->threads : 1;
    tr->batch = opts->batch && opts->batch < ds->n ? opts->batch : ds->n;
    tr->full = tr->batch == ds->n;
    const size_t size = tr->f32 ? sizeof(float) : sizeof(double);
    size_t state = bp_optimizer_state_len(opts->optimizer, net->n_params);
    tr->state = calloc(state ? state : 1, size);
    if (!tr->full)
        tr->order = malloc(ds->n * sizeof *tr->order);
    if (tr->f32) {
        tr->pf = malloc(net->n_params * sizeof *tr->pf);
        tr->state_out = calloc(state ? state : 1, sizeof *tr->state_out);
    }
    if (!tr->state || (!tr->full && !tr->order) ||
        (tr->f32 && (!tr->pf || !tr->state_out))) {
        bp_fail(err, BP_ENOMEM, "out of memory for the trainer");
        bp_trainer_free(tr);
        return NULL;
    }
    if (alloc_shares(tr, err) ||
        (tr->threads > 1 && !(tr->pool = pool_new(tr->threads, err)))) {
        bp_trainer_free(tr);
        return NULL;
    }
    if (tr->full)
        split_batch(tr, ds->n);
    if (tr->resident) {
        /* Full batch: each share loads its samples once, not every
         * epoch. */
        for (int t = 0; t < tr->threads; t++) {
            bp_share *sh = &tr->share[t];
            if (tr->f32)
                ws_gather_f32(&sh->wsf, ds, NULL, sh->start, sh->m);
            else
                ws_gather(&sh->ws, ds, NULL, sh->start, sh->m);
        }
    }
    return tr;
}

void bp_trainer_free(bp_trainer *tr)
{
    if (!tr)
        return;
    pool_free(tr->pool);
    for (int t = 0; tr->share && t < tr->threads; t++) {
        ws_free(&tr->share[t].ws);
        ws_free_f32(&tr->share[t].wsf);
        free(tr->share[t].grad);
        free(tr->share[t].cgrad);
        free(tr->share[t].rows_buf);
        free(tr->share[t].pack);
    }
    free(tr->share);
    free(tr->X);
    free(tr->Z);
    free(tr->state);
    free(tr->pf);
    free(tr->state_out);
    free(tr->order);
    free(tr);
}

/* Runs fn on every share: on the team, or here with one thread. */
static void run(bp_trainer *tr, void (*fn)(void *, int))
{
    if (tr->pool)
        pool_run(tr->pool, fn, tr);
    else
        fn(tr, 0);
}

/* The order of epoch e: Fisher-Yates over 0..n-1 from a generator seeded
 * by (shuffle_seed, e), so that any epoch's order can be made again, and a
 * resumed run sees the orders the uninterrupted one would have. */
static void shuffle(bp_trainer *tr)
{
    bp_rng_seed(&tr->rng, BP_RNG_XOSHIRO,
                tr->opts.shuffle_seed ^ (0x9e3779b97f4a7c15ULL * tr->epochs));
    for (size_t s = 0; s < tr->ds->n; s++)
        tr->order[s] = s;
    for (size_t i = tr->ds->n - 1; i > 0; i--) {
        size_t j = (size_t)bp_rng_below(&tr->rng, (uint64_t)i + 1);
        size_t t = tr->order[i];
        tr->order[i] = tr->order[j];
        tr->order[j] = t;
    }
}

/* Forward, loss, backward and one step on the m samples rows[0..m) (or
 * the resident full batch); *loss receives the batch's mean loss. */
static bp_status train_step(bp_trainer *tr, const size_t *rows, size_t m,
                            double *loss, size_t *right, bp_error *err)
{
    tr->rows = rows;
    if (!tr->full)
        split_batch(tr, m);
    if (tr->by_rows) {
        run(tr, phase_gather_f32);
        run(tr, phase_first_f32);
    }
    run(tr, tr->f32 ? phase_passes_f32 : phase_passes);
    double l = 0;
    for (int t = 0; t < tr->threads; t++) {
        const bp_share *sh = &tr->share[t];
        *right += sh->right;
        /* one share: its loss as it is, bit for bit */
        l += sh->m == m ? sh->loss : sh->loss * ((double)sh->m / (double)m);
    }
    *loss = l;
    if (!isfinite(l))
        return bp_fail(err, BP_EDIVERGED, "the loss became %s",
                       isnan(l) ? "NaN" : "infinite");
    ++tr->steps;
    if (tr->by_rows)
        run(tr, phase_rows_f32);
    else
        run(tr, tr->f32 ? phase_update_f32 : phase_update);
    for (int t = 0; t < tr->threads; t++)
        if (!tr->share[t].finite)
            return bp_fail(err, BP_EDIVERGED,
                           "a weight became NaN or infinite");
    return BP_OK;
}

bp_status bp_trainer_epoch(bp_trainer *tr, double *loss, bp_error *err)
{
    const size_t n = tr->ds->n;
    bp_net *net = tr->net;
    size_t right = 0;
    double total = 0;
    bp_status st = BP_OK;
    tr->epochs++;
    if (tr->f32) {
        /* the net's weights as they are now (exact when they came from
         * this trainer) */
        for (size_t k = 0; k < net->n_params; k++)
            tr->pf[k] = (float)net->params[k];
    }
    if (tr->full) {
        /* full batch, the seed's way: one step per epoch */
        st = train_step(tr, NULL, n, &total, &right, err);
    } else {
        shuffle(tr);
        for (size_t start = 0; start < n && !st; start += tr->batch) {
            size_t m = n - start < tr->batch ? n - start : tr->batch;
            double l;
            st = train_step(tr, tr->order + start, m, &l, &right, err);
            total += l * (double)m;
            if (tr->on_batch && !st && start + m < n)
                tr->on_batch(tr->on_batch_ctx, start + m, n);
        }
        total /= (double)n;
    }
    if (tr->f32)
        for (size_t k = 0; k < net->n_params; k++)
            net->params[k] = tr->pf[k];
    if (loss)
        *loss = total;
    tr->accuracy = (double)right / (double)n * 100.0;
    return st;
}

const double *bp_trainer_state(const bp_trainer *tr, size_t *len,
                               uint64_t *steps)
{
    *len = bp_optimizer_state_len(tr->opts.optimizer, tr->net->n_params);
    *steps = tr->steps;
    if (!tr->f32)
        return tr->state;
    const float *s = tr->state;
    for (size_t k = 0; k < *len; k++)
        tr->state_out[k] = s[k];
    return tr->state_out;
}

bp_status bp_trainer_restore(bp_trainer *tr, const double *state, size_t len,
                             uint64_t steps, size_t epochs, bp_error *err)
{
    size_t want = bp_optimizer_state_len(tr->opts.optimizer, tr->net->n_params);
    if (len != want)
        return bp_fail(err, BP_EINVAL,
                       "the saved optimizer state has %zu values; %s on this "
                       "network needs %zu", len,
                       bp_optimizer_name(tr->opts.optimizer), want);
    if (tr->f32) {
        float *s = tr->state;
        for (size_t k = 0; k < len; k++)
            s[k] = (float)state[k];
    } else {
        memcpy(tr->state, state, len * sizeof *state);
    }
    tr->steps = steps;
    tr->epochs = epochs;
    return BP_OK;
}

double bp_trainer_accuracy(const bp_trainer *tr)
{
    return tr->accuracy;
}

bp_status bp_gradient(const bp_net *net, const bp_dataset *ds, double *grad,
                      double *loss, bp_error *err)
{
    return bp_gradient_with(net, BP_ISA_AUTO, ds, grad, loss, err);
}

bp_status bp_gradient_with(const bp_net *net, bp_isa isa,
                           const bp_dataset *ds, double *grad, double *loss,
                           bp_error *err)
{
    bp_status st = check_data(net, ds, err);
    if (st || (st = check_isa(isa, err)))
        return st;
    bp_workspace ws;
    if ((st = ws_init_isa(&ws, &net->arch, ds->n, isa, err)))
        return st;
    ws_gather(&ws, ds, NULL, 0, ds->n);
    ws.train = 1;       /* dropout's masks of step 0, seed 0 */
    double l = ws_pass(net, net->params, &ws, ds->n, grad);
    if (loss)
        *loss = l;
    ws_free(&ws);
    return BP_OK;
}

static double loss_at(const bp_net *net, bp_workspace *ws, size_t n)
{
    ws_forward(net, net->params, ws, n);
    return ws_loss(net, ws, n);
}

bp_status bp_gradcheck(const bp_net *net, const bp_dataset *ds, double h,
                       double *max_rel_err, double *max_abs_grad,
                       bp_error *err)
{
    return bp_gradcheck_with(net, BP_ISA_AUTO, ds, h, max_rel_err,
                             max_abs_grad, err);
}

bp_status bp_gradcheck_with(const bp_net *net, bp_isa isa,
                            const bp_dataset *ds, double h,
                            double *max_rel_err, double *max_abs_grad,
                            bp_error *err)
{
    if (!(h > 0) || !isfinite(h))
        return bp_fail(err, BP_EINVAL, "the step h must be > 0");
    bp_status st = check_data(net, ds, err);
    if (st || (st = check_isa(isa, err)))
        return st;
    bp_net *probe = bp_net_clone(net, err);
    if (!probe)
        return err ? err->code : BP_ENOMEM;
    double *grad = malloc(net->n_params * sizeof *grad);
    bp_workspace ws;
    st = grad ? ws_init_isa(&ws, &net->arch, ds->n, isa, err)
              : bp_fail(err, BP_ENOMEM, "out of memory for the gradient");
    if (st) {
        free(grad);
        bp_net_free(probe);
        return st;
    }
    ws_gather(&ws, ds, NULL, 0, ds->n);
    ws.train = 1;       /* dropout's masks of step 0, seed 0, held fixed */
    ws_pass(probe, probe->params, &ws, ds->n, grad);

    double worst = 0, biggest = 0;
    for (size_t k = 0; k < probe->n_params; k++) {
        double saved = probe->params[k];
        probe->params[k] = saved + h;
        double up = loss_at(probe, &ws, ds->n);
        probe->params[k] = saved - h;
        double down = loss_at(probe, &ws, ds->n);
        probe->params[k] = saved;
        double numeric = (up - down) / (2 * h);
        double scale = fmax(fmax(fabs(grad[k]), fabs(numeric)), 1e-4);
        double rel = fabs(grad[k] - numeric) / scale;
        if (!(rel <= worst))         /* also catches NaN */
            worst = rel;
        biggest = fmax(biggest, fabs(grad[k]));
    }
    *max_rel_err = worst;
    if (max_abs_grad)
        *max_abs_grad = biggest;
    ws_free(&ws);
    free(grad);
    bp_net_free(probe);
    return BP_OK;
}

/* Samples bp_predict takes at once: their inputs and activations in
 * about 1 MiB, so that a layer's inputs stay in L2 while each tile of its
 * rows reads them all (Fashion-MNIST's 784 inputs in passes of 1024
 * samples, 6 MiB, ran the double kernels at a quarter of their speed and
 * took longer than an epoch of training); 64 to 1024, a multiple of 16.
 * A sample's outputs do not depend on the passes. */
static size_t predict_chunk(const bp_arch *a)
{
    return samples_in(a, sizeof(double), PREDICT_BYTES, 64, 1024);
}

bp_status bp_predict(const bp_net *net, const double *x, size_t n,
                     double *out, bp_error *err)
{
    return bp_predict_with(net, (bp_eval_opts){0}, x, n, out, err);
}

/* bp_predict_with in float: a float copy of the weights, the inputs
 * converted as they are loaded, the outputs widened. */
static bp_status predict_f32(const bp_net *net, bp_isa isa, const double *x,
                             size_t n, double *out, bp_error *err)
{
    const bp_arch *a = &net->arch;
    size_t chunk = samples_in(a, sizeof(float), PREDICT_BYTES, 64, 1024);
    float *w = malloc((net->n_params ? net->n_params : 1) * sizeof *w);
    if (!w)
        return bp_fail(err, BP_ENOMEM, "out of memory for the weights");
    for (size_t k = 0; k < net->n_params; k++)
        w[k] = (float)net->params[k];
    bp_workspace_f32 ws;
    bp_status st = ws_init_f32(&ws, a, n < chunk ? n : chunk, err);
    if (!st) {
        if (isa != BP_ISA_AUTO)
            ws_set_isa_f32(&ws, isa);
        ws_predict_f32(net, w, &ws, x, n, out);
        ws_free_f32(&ws);
    }
    free(w);
    return st;
}

bp_status bp_predict_with(const bp_net *net, bp_eval_opts run,
                          const double *x, size_t n, double *out,
                          bp_error *err)
{
    if (!net || (!x && n))
        return bp_fail(err, BP_EINVAL, "no network or inputs given");
    bp_status st = check_isa(run.isa, err);
    if (st)
        return st;
    if ((unsigned)run.dtype >= BP_DTYPE_COUNT)
        return bp_fail(err, BP_EINVAL, "unknown dtype %d", (int)run.dtype);
    if (n == 0)
        return BP_OK;
    if (run.dtype == BP_F32)
        return predict_f32(net, run.isa, x, n, out, err);
    bp_workspace ws;
    size_t chunk = predict_chunk(&net->arch);
    if ((st = ws_init_isa(&ws, &net->arch, n < chunk ? n : chunk, run.isa,
                          err)))
        return st;
    ws_predict(net, net->params, &ws, x, n, out);
    ws_free(&ws);
    return BP_OK;
}

bp_status bp_evaluate(const bp_net *net, const bp_dataset *ds, double *loss,
                      double *accuracy, bp_error *err)
{
    return bp_evaluate_with(net, (bp_eval_opts){0}, ds, loss, accuracy, err);
}

bp_status bp_evaluate_with(const bp_net *net, bp_eval_opts run,
                           const bp_dataset *ds, double *loss,
                           double *accuracy, bp_error *err)
{
    bp_status st = check_data(net, ds, err);
    if (st || (st = check_isa(run.isa, err)))
        return st;
    size_t k = ds->n_out, count;
    if (!bp_mul_size(ds->n, k, &count))
        return bp_fail(err, BP_ENOMEM, "the data set is too large");
    double *p = malloc(count * sizeof *p);
    if (!p)
        return bp_fail(err, BP_ENOMEM, "out of memory for predictions");
    if ((st = bp_predict_with(net, run, ds->x, ds->n, p, err))) {
        free(p);
        return st;
    }
    if (loss)
        *loss = bp_loss_value(net->arch.loss, p, ds->y, k, ds->n);
    size_t right = 0;
    for (size_t s = 0; s < ds->n; s++)
        right += ws_class_at(p + s * k, k, 1) == ws_class_at(ds->y + s * k, k, 1);
    if (accuracy)
        *accuracy = (double)right / (double)ds->n * 100.0;
    free(p);
    return BP_OK;
}

double bp_loss_value(bp_loss loss, const double *p, const double *y,
                     size_t k, size_t n)
{
    if (loss == BP_LOSS_CE)
        return cross_entropy(p, y, k, n);
    return loss_value_f64(loss, p, y, k * n);
}

