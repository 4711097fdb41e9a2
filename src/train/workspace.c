/* workspace.c - the forward and backward pass over a batch. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/kernels.h"
#include "nn/output.h"
#include "train/workspace.h"

bp_status ws_init(bp_workspace *ws, const bp_arch *arch, size_t cap,
                  bp_error *err)
{
    memset(ws, 0, sizeof *ws);
    if (cap == 0)
        return bp_fail(err, BP_EINVAL, "a batch needs at least one sample");
    /* Units over all layers, two delta buffers and the targets. */
    size_t units = 0;
    for (int l = 0; l <= arch->n_layers; l++)
        units += arch->sizes[l];
    units += 2 * bp_arch_max_width(arch) + arch->sizes[arch->n_layers];
    size_t total;
    if (!bp_mul_size(units, cap, &total) ||
        !bp_mul_size(total, sizeof(double), &total))
        return bp_fail(err, BP_ENOMEM, "a batch of %zu samples is too large",
                       cap);
    ws->block = malloc(total);
    if (!ws->block)
        return bp_fail(err, BP_ENOMEM,
                       "out of memory for a batch of %zu samples", cap);
    double *p = ws->block;
    for (int l = 0; l <= arch->n_layers; l++) {
        ws->act[l] = p;
        p += arch->sizes[l] * cap;
    }
    for (int k = 0; k < 2; k++) {
        ws->delta[k] = p;
        p += bp_arch_max_width(arch) * cap;
    }
    ws->target = p;
    ws->cap = cap;
    return BP_OK;
}

void ws_free(bp_workspace *ws)
{
    free(ws->block);
    memset(ws, 0, sizeof *ws);
}

/* Transposes rows [n][d] (row-major) into [d][n]. */
static void transpose_in(double *dst, const double *src, size_t d, size_t n)
{
    for (size_t s = 0; s < n; s++)
        for (size_t f = 0; f < d; f++)
            dst[f * n + s] = src[s * d + f];
}

void ws_load_inputs(bp_workspace *ws, const double *x, size_t n_in, size_t n)
{
    transpose_in(ws->act[0], x, n_in, n);
}

void ws_load(bp_workspace *ws, const bp_dataset *ds, size_t start, size_t n)
{
    transpose_in(ws->act[0], ds->x + start * ds->n_in, ds->n_in, n);
    transpose_in(ws->target, ds->y + start * ds->n_out, ds->n_out, n);
}

static const double *bias_of(const bp_net *net, int l)
{
    return net->b_off[l] == BP_NO_BIAS ? NULL : net->params + net->b_off[l];
}

const double *ws_forward(const bp_net *net, bp_workspace *ws, size_t n)
{
    const bp_arch *a = &net->arch;
    const bp_isa isa = bp_isa_best();
    for (int l = 0; l < a->n_layers; l++) {
        size_t in = a->sizes[l], out = a->sizes[l + 1];
        const double *w = net->params + net->w_off[l], *b = bias_of(net, l);
        /* the output layer: sigmoid (the seed's), or the linear sums that
         * softmax then normalises, or plain linear */
        bp_activation f = l + 1 < a->n_layers ? a->hidden
                          : a->output == BP_OUT_SIGMOID ? BP_ACT_SIGMOID
                                                        : BP_ACT_NONE;
        if (f == BP_ACT_RELU || f == BP_ACT_NONE) {
            /* cheap: applied to the sums before they are stored */
            dense_forward_act_fast(isa, f, ws->act[l + 1], ws->act[l], w, b,
                                   out, in, n);
        } else {
            /* a separate pass over the contiguous [out][n] block: no lanes
             * wasted at row ends, and it pipelines better (measured) */
            dense_forward_fast(isa, ws->act[l + 1], ws->act[l], w, b, out, in,
                               n);
            activation_forward_fast(isa, f, ws->act[l + 1], out * n);
        }
    }
    if (a->output == BP_OUT_SOFTMAX)
        softmax_forward(ws->act[a->n_layers], a->sizes[a->n_layers], n);
    return ws->act[a->n_layers];
}

double ws_loss(const bp_net *net, const bp_workspace *ws, size_t n)
{
    const bp_arch *a = &net->arch;
    if (a->loss == BP_LOSS_CE)
        return cross_entropy(ws->act[a->n_layers], ws->target,
                             a->sizes[a->n_layers], n);
    return loss_value_fast(bp_isa_best(), a->loss, ws->act[a->n_layers],
                           ws->target, a->sizes[a->n_layers] * n);
}

void ws_backward(const bp_net *net, bp_workspace *ws, size_t n, double *grad)
{
    const bp_arch *a = &net->arch;
    const int L = a->n_layers;
    const size_t n_out = a->sizes[L];
    const bp_isa isa = bp_isa_best();
    double *delta = ws->delta[0], *spare = ws->delta[1];

    if (a->output == BP_OUT_SOFTMAX)
        cross_entropy_delta(delta, ws->act[L], ws->target, n_out * n);
    else if (a->output == BP_OUT_LINEAR)
        linear_mse_delta(delta, ws->act[L], ws->target, n_out * n, n_out);
    else
        output_delta_fast(isa, a->loss, delta, ws->act[L], ws->target,
                          n_out * n, n_out);
    for (int l = L - 1; l >= 0; l--) {
        size_t in = a->sizes[l], out = a->sizes[l + 1];
        double *db = net->b_off[l] == BP_NO_BIAS ? NULL : grad + net->b_off[l];
        dense_backward_params_fast(isa, grad + net->w_off[l], db, delta,
                                   ws->act[l], out, in, n);
        if (l == 0)
            break;
        /* dJ/da of layer l's input, then dJ/dz through its activation. */
        dense_backward_input_act_fast(isa, a->hidden, spare,
                                      net->params + net->w_off[l], delta,
                                      ws->act[l], out, in, n);
        double *t = delta;
        delta = spare;
        spare = t;
    }
}
