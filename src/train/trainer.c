/* trainer.c - full-batch training, prediction, evaluation, gradient check. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/kernels.h"
#include "train/workspace.h"

/* Samples per chunk when predicting or evaluating, to bound memory. */
#define PREDICT_CHUNK 1024

struct bp_trainer {
    bp_net *net;
    const bp_dataset *ds;
    bp_train_opts opts;
    bp_workspace ws;
    double *grad;       /* [n_params] */
    double *velocity;   /* [n_params], momentum state */
    size_t epochs;      /* epochs run so far */
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
    if ((unsigned)o->optimizer > BP_OPT_MOMENTUM)
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
    tr->grad = calloc(net->n_params, sizeof *tr->grad);
    tr->velocity = calloc(net->n_params, sizeof *tr->velocity);
    if (!tr->grad || !tr->velocity) {
        bp_fail(err, BP_ENOMEM, "out of memory for the gradient");
        bp_trainer_free(tr);
        return NULL;
    }
    if (ws_init(&tr->ws, &net->arch, ds->n, err) != BP_OK) {
        bp_trainer_free(tr);
        return NULL;
    }
    /* Full batch: the data is transposed once, not every epoch. */
    ws_load(&tr->ws, ds, 0, ds->n);
    return tr;
}

void bp_trainer_free(bp_trainer *tr)
{
    if (!tr)
        return;
    ws_free(&tr->ws);
    free(tr->grad);
    free(tr->velocity);
    free(tr);
}

static int all_finite(const double *v, size_t count)
{
    double acc = 0;
    for (size_t k = 0; k < count; k++)
        acc += v[k] * 0.0;      /* stays 0 unless some v[k] is NaN or Inf */
    return acc == 0.0;
}

bp_status bp_trainer_epoch(bp_trainer *tr, double *loss, bp_error *err)
{
    bp_net *net = tr->net;
    size_t n = tr->ds->n;
    ws_forward(net, &tr->ws, n);
    tr->epochs++;
    double l = ws_loss(net, &tr->ws, n);
    if (loss)
        *loss = l;
    if (!isfinite(l))
        return bp_fail(err, BP_EDIVERGED, "the loss became %s",
                       isnan(l) ? "NaN" : "infinite");
    ws_backward(net, &tr->ws, n, tr->grad);
    bp_optimizer_step(&tr->opts, net->params, tr->grad, tr->velocity,
                      net->n_params);
    if (!all_finite(net->params, net->n_params))
        return bp_fail(err, BP_EDIVERGED, "a weight became NaN or infinite");
    return BP_OK;
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

/* Whether prediction row p matches target row y: p > 0.5 against the 0/1
 * target for one output, the largest output against the largest target
 * otherwise. */
static int correct(const double *p, const double *y, size_t k)
{
    if (k == 1)
        return (p[0] > 0.5) == (y[0] > 0.5);
    size_t bp = 0, by = 0;
    for (size_t i = 1; i < k; i++) {
        if (p[i] > p[bp])
            bp = i;
        if (y[i] > y[by])
            by = i;
    }
    return bp == by;
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
        *loss = loss_value_f64(net->arch.loss, p, ds->y, count);
    size_t right = 0;
    for (size_t s = 0; s < ds->n; s++)
        right += (size_t)correct(p + s * k, ds->y + s * k, k);
    if (accuracy)
        *accuracy = (double)right / (double)ds->n * 100.0;
    free(p);
    return BP_OK;
}

double bp_loss_value(bp_loss loss, const double *p, const double *y,
                     size_t count)
{
    return loss_value_f64(loss, p, y, count);
}

double bp_trainer_accuracy(const bp_trainer *tr)
{
    /* The outputs of the last forward pass are still in the workspace,
     * feature-major: output k of sample s at [k * n + s]. */
    const bp_arch *a = &tr->net->arch;
    size_t n = tr->ds->n, k = a->sizes[a->n_layers];
    const double *p = tr->ws.act[a->n_layers];
    size_t right = 0;
    if (tr->epochs == 0)
        return 0.0;
    for (size_t s = 0; s < n; s++) {
        if (k == 1) {
            right += (p[s] > 0.5) == (tr->ws.target[s] > 0.5);
            continue;
        }
        /* several outputs: the largest output against the largest target */
        size_t best_p = 0, best_y = 0;
        for (size_t i = 1; i < k; i++) {
            if (p[i * n + s] > p[best_p * n + s])
                best_p = i;
            if (tr->ws.target[i * n + s] > tr->ws.target[best_y * n + s])
                best_y = i;
        }
        right += best_p == best_y;
    }
    return (double)right / (double)n * 100.0;
}
