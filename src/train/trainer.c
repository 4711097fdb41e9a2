/* trainer.c - full-batch training, prediction, evaluation, gradient check. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/kernels.h"
#include "nn/output.h"
#include "train/workspace.h"

/* Samples per chunk when predicting or evaluating, to bound memory. */
#define PREDICT_CHUNK 1024

struct bp_trainer {
    bp_net *net;
    const bp_dataset *ds;
    bp_train_opts opts;
    size_t batch;       /* samples per step (ds->n: full batch)        */
    bp_workspace ws;    /* room for one batch                          */
    double *grad;       /* [n_params]                                  */
    double *state;      /* optimizer state, bp_optimizer_state_len     */
    size_t *order;      /* [n] sample order of the epoch (mini-batch)  */
    bp_rng rng;         /* reshuffles order every epoch                */
    uint64_t steps;     /* optimizer steps so far                      */
    size_t epochs;      /* epochs run so far                           */
    double accuracy;    /* of the last epoch's forward passes          */
};

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

static bp_status check_opts(const bp_train_opts *o, bp_error *err)
{
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
    if ((unsigned)o->optimizer > BP_OPT_ADAM)
        return bp_fail(err, BP_EINVAL, "unknown optimizer %d",
                       (int)o->optimizer);
    return BP_OK;
}

bp_trainer *bp_trainer_new(bp_net *net, const bp_dataset *ds,
                           const bp_train_opts *opts, bp_error *err)
{
    if (!net) {
        bp_fail(err, BP_EINVAL, "no network given");
        return NULL;
    }
    if (check_data(net, ds, err) || check_opts(opts, err))
        return NULL;
    bp_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) {
        bp_fail(err, BP_ENOMEM, "out of memory for a trainer");
        return NULL;
    }
    tr->net = net;
    tr->ds = ds;
    tr->opts = *opts;
    tr->batch = opts->batch && opts->batch < ds->n ? opts->batch : ds->n;
    size_t state = bp_optimizer_state_len(opts->optimizer, net->n_params);
    tr->grad = calloc(net->n_params, sizeof *tr->grad);
    tr->state = calloc(state ? state : 1, sizeof *tr->state);
    if (tr->batch < ds->n)
        tr->order = malloc(ds->n * sizeof *tr->order);
    if (!tr->grad || !tr->state || (tr->batch < ds->n && !tr->order)) {
        bp_fail(err, BP_ENOMEM, "out of memory for the gradient");
        bp_trainer_free(tr);
        return NULL;
    }
    if (ws_init(&tr->ws, &net->arch, tr->batch, err) != BP_OK) {
        bp_trainer_free(tr);
        return NULL;
    }
    if (!tr->order) {
        /* Full batch: the data is transposed once, not every epoch. */
        ws_load(&tr->ws, ds, 0, ds->n);
    }
    return tr;
}

void bp_trainer_free(bp_trainer *tr)
{
    if (!tr)
        return;
    ws_free(&tr->ws);
    free(tr->grad);
    free(tr->state);
    free(tr->order);
    free(tr);
}

/* v[k] * 0 is 0 unless v[k] is NaN or infinite.  Four sums keep the
 * additions independent, so the check costs a fraction of a step. */
static int all_finite(const double *v, size_t count)
{
    double acc[4] = {0, 0, 0, 0};
    size_t k = 0;
    for (; k + 4 <= count; k += 4)
        for (int j = 0; j < 4; j++)
            acc[j] += v[k + j] * 0.0;
    for (; k < count; k++)
        acc[0] += v[k] * 0.0;
    return acc[0] + acc[1] + acc[2] + acc[3] == 0.0;
}

/* The class k values name: p > 0.5 for a single output, the largest
 * otherwise.  Value i is at v[i * step]. */
static size_t class_at(const double *v, size_t k, size_t step)
{
    if (k == 1)
        return v[0] > 0.5;
    size_t best = 0;
    for (size_t i = 1; i < k; i++)
        if (v[i * step] > v[best * step])
            best = i;
    return best;
}

/* Of n samples, those whose predicted class is the target's.  Sample s
 * starts at s * sample_step and its k values are out_step apart: (1, n)
 * for the workspace's feature-major batches, (k, 1) for row-major sets. */
static size_t count_correct(const double *p, const double *y, size_t k,
                            size_t n, size_t sample_step, size_t out_step)
{
    size_t right = 0;
    for (size_t s = 0; s < n; s++)
        right += class_at(p + s * sample_step, k, out_step) ==
                 class_at(y + s * sample_step, k, out_step);
    return right;
}

/* Copies the samples rows[0..m) of ds into the workspace, feature-major. */
static void gather(bp_workspace *ws, const bp_dataset *ds, const size_t *rows,
                   size_t m)
{
    for (size_t s = 0; s < m; s++) {
        const double *x = ds->x + rows[s] * ds->n_in;
        const double *y = ds->y + rows[s] * ds->n_out;
        for (size_t f = 0; f < ds->n_in; f++)
            ws->act[0][f * m + s] = x[f];
        for (size_t k = 0; k < ds->n_out; k++)
            ws->target[k * m + s] = y[k];
    }
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

/* Forward, loss, backward and one step on the m loaded samples; *loss
 * receives the batch's mean loss. */
static bp_status train_step(bp_trainer *tr, size_t m, double *loss,
                            size_t *right, bp_error *err)
{
    bp_net *net = tr->net;
    const bp_arch *a = &net->arch;
    const double *p = ws_forward(net, &tr->ws, m);
    *loss = ws_loss(net, &tr->ws, m);
    *right += count_correct(p, tr->ws.target, a->sizes[a->n_layers], m, 1, m);
    if (!isfinite(*loss))
        return bp_fail(err, BP_EDIVERGED, "the loss became %s",
                       isnan(*loss) ? "NaN" : "infinite");
    ws_backward(net, &tr->ws, m, tr->grad);
    if (tr->opts.weight_decay > 0)
        for (int l = 0; l < a->n_layers; l++) {
            size_t off = net->w_off[l], cnt = a->sizes[l] * a->sizes[l + 1];
            for (size_t k = 0; k < cnt; k++)
                tr->grad[off + k] += tr->opts.weight_decay * net->params[off + k];
        }
    bp_optimizer_step(&tr->opts, net->params, tr->grad, tr->state,
                      net->n_params, ++tr->steps);
    if (!all_finite(net->params, net->n_params))
        return bp_fail(err, BP_EDIVERGED, "a weight became NaN or infinite");
    return BP_OK;
}

bp_status bp_trainer_epoch(bp_trainer *tr, double *loss, bp_error *err)
{
    const size_t n = tr->ds->n;
    size_t right = 0;
    double total = 0;
    bp_status st = BP_OK;
    tr->epochs++;
    if (!tr->order) {
        /* full batch, the seed's way: one step per epoch */
        st = train_step(tr, n, &total, &right, err);
    } else {
        shuffle(tr);
        for (size_t start = 0; start < n && !st; start += tr->batch) {
            size_t m = n - start < tr->batch ? n - start : tr->batch;
            double l;
            gather(&tr->ws, tr->ds, tr->order + start, m);
            st = train_step(tr, m, &l, &right, err);
            total += l * (double)m;
        }
        total /= (double)n;
    }
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
    return tr->state;
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
    memcpy(tr->state, state, len * sizeof *state);
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
    bp_status st = check_data(net, ds, err);
    if (st)
        return st;
    bp_workspace ws;
    if ((st = ws_init(&ws, &net->arch, ds->n, err)))
        return st;
    ws_load(&ws, ds, 0, ds->n);
    ws_forward(net, &ws, ds->n);
    if (loss)
        *loss = ws_loss(net, &ws, ds->n);
    ws_backward(net, &ws, ds->n, grad);
    ws_free(&ws);
    return BP_OK;
}

static double loss_at(const bp_net *net, bp_workspace *ws, size_t n)
{
    ws_forward(net, ws, n);
    return ws_loss(net, ws, n);
}

bp_status bp_gradcheck(const bp_net *net, const bp_dataset *ds, double h,
                       double *max_rel_err, double *max_abs_grad,
                       bp_error *err)
{
    if (!(h > 0) || !isfinite(h))
        return bp_fail(err, BP_EINVAL, "the step h must be > 0");
    bp_status st = check_data(net, ds, err);
    if (st)
        return st;
    bp_net *probe = bp_net_clone(net, err);
    if (!probe)
        return err ? err->code : BP_ENOMEM;
    double *grad = malloc(net->n_params * sizeof *grad);
    bp_workspace ws;
    st = grad ? ws_init(&ws, &net->arch, ds->n, err)
              : bp_fail(err, BP_ENOMEM, "out of memory for the gradient");
    if (st) {
        free(grad);
        bp_net_free(probe);
        return st;
    }
    ws_load(&ws, ds, 0, ds->n);
    ws_forward(probe, &ws, ds->n);
    ws_backward(probe, &ws, ds->n, grad);

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

bp_status bp_predict(const bp_net *net, const double *x, size_t n,
                     double *out, bp_error *err)
{
    if (!net || (!x && n))
        return bp_fail(err, BP_EINVAL, "no network or inputs given");
    if (n == 0)
        return BP_OK;
    const bp_arch *a = &net->arch;
    size_t n_in = a->sizes[0], n_out = a->sizes[a->n_layers];
    bp_workspace ws;
    bp_status st = ws_init(&ws, a, n < PREDICT_CHUNK ? n : PREDICT_CHUNK, err);
    if (st)
        return st;
    for (size_t start = 0; start < n; start += ws.cap) {
        size_t m = n - start < ws.cap ? n - start : ws.cap;
        ws_load_inputs(&ws, x + start * n_in, n_in, m);
        const double *p = ws_forward(net, &ws, m);      /* [n_out][m] */
        for (size_t s = 0; s < m; s++)
            for (size_t k = 0; k < n_out; k++)
                out[(start + s) * n_out + k] = p[k * m + s];
    }
    ws_free(&ws);
    return BP_OK;
}

bp_status bp_evaluate(const bp_net *net, const bp_dataset *ds, double *loss,
                      double *accuracy, bp_error *err)
{
    bp_status st = check_data(net, ds, err);
    if (st)
        return st;
    size_t k = ds->n_out, count;
    if (!bp_mul_size(ds->n, k, &count))
        return bp_fail(err, BP_ENOMEM, "the data set is too large");
    double *p = malloc(count * sizeof *p);
    if (!p)
        return bp_fail(err, BP_ENOMEM, "out of memory for predictions");
    if ((st = bp_predict(net, ds->x, ds->n, p, err))) {
        free(p);
        return st;
    }
    if (loss)
        *loss = bp_loss_value(net->arch.loss, p, ds->y, k, ds->n);
    size_t right = count_correct(p, ds->y, k, ds->n, k, 1);
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

