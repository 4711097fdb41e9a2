/* net.c - creating, copying and initialising networks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/layer.h"
#include "nn/net.h"

/* Whether the layer list is given (else the dense shorthand): any of the
 * first n_layers entries differs from a zero one. */
static int has_layer_list(const bp_arch *a)
{
    for (int l = 0; l < a->n_layers; l++)
        if (a->layer[l].kind != BP_LAYER_DENSE || a->layer[l].units != 0)
            return 1;
    return 0;
}

/* The dense shorthand written as a layer list. */
static bp_status shorthand_to_list(bp_arch *a, bp_error *err)
{
    for (int l = 0; l <= a->n_layers; l++) {
        size_t s = a->sizes[l];
        if (s < 1 || s > BP_MAX_WIDTH)
            return bp_fail(err, BP_EINVAL,
                           "layer %d has %zu units; allowed 1 to %d", l, s,
                           BP_MAX_WIDTH);
    }
    if ((unsigned)a->hidden >= BP_ACT_COUNT)
        return bp_fail(err, BP_EINVAL, "unknown hidden activation %d",
                       (int)a->hidden);
    a->input = (bp_shape){a->sizes[0], 1, 1};
    for (int l = 0; l < a->n_layers; l++)
        a->layer[l] = (bp_layer){
            .kind = BP_LAYER_DENSE,
            .units = a->sizes[l + 1],
            .stride = 1,
            .act = l + 1 < a->n_layers ? a->hidden : BP_ACT_NONE,
        };
    return BP_OK;
}

/* Largest number of values one layer's output may hold (64 MiB of floats
 * a sample is already far beyond what trains on a CPU). */
#define MAX_FEATURES ((size_t)1 << 24)

/* Layer l's shapes from its input, and its checks; the message names the
 * layer as its item. */
static bp_status resolve_layer(bp_arch *a, int l, bp_shape in, bp_error *err)
{
    bp_layer *L = &a->layer[l];
    const bp_layer_ops *ops = bp_layer_ops_of(L->kind);
    char item[96] = "?";
    if (ops)
        bp_layer_item(L, item, sizeof item);
    if (!ops)
        return bp_fail(err, BP_EINVAL, "layer %d has an unknown kind %d",
                       l + 1, (int)L->kind);
    const int last = l + 1 == a->n_layers;
    if (last && L->kind != BP_LAYER_DENSE)
        return bp_fail(err, BP_EINVAL,
                       "the output layer must be dense, not %s", item);
    if (L->kind == BP_LAYER_DENSE &&
        (L->units < 1 || L->units > BP_MAX_WIDTH))
        return bp_fail(err, BP_EINVAL, "layer %d (%s) has %zu units; "
                       "allowed 1 to %d", l + 1, item, L->units, BP_MAX_WIDTH);
    if (L->kind == BP_LAYER_CONV && (L->units < 1 || L->units > 4096))
        return bp_fail(err, BP_EINVAL, "layer %d (%s) has %zu filters; "
                       "allowed 1 to 4096", l + 1, item, L->units);
    if ((L->kind == BP_LAYER_CONV || L->kind == BP_LAYER_MAXPOOL ||
         L->kind == BP_LAYER_AVGPOOL) && (L->k < 1 || L->k > 64))
        return bp_fail(err, BP_EINVAL, "layer %d (%s): the side must be 1 "
                       "to 64", l + 1, item);
    if (L->kind == BP_LAYER_CONV && (L->stride < 0 || L->stride > 64))
        return bp_fail(err, BP_EINVAL, "layer %d (%s): the stride must be "
                       "1 to 64", l + 1, item);
    if (L->kind == BP_LAYER_DROPOUT && !(L->rate >= 0 && L->rate < 1))
        return bp_fail(err, BP_EINVAL, "layer %d (%s): the rate must be in "
                       "[0, 1)", l + 1, item);
    if (ops->has_act && (unsigned)L->act >= BP_ACT_COUNT)
        return bp_fail(err, BP_EINVAL, "layer %d (%s) has an unknown "
                       "activation %d", l + 1, item, (int)L->act);
    if (!ops->has_act)
        L->act = BP_ACT_NONE;
    if (L->kind == BP_LAYER_CONV && L->stride == 0)
        L->stride = 1;
    bp_shape out;
    bp_error why;
    if (ops->shape(L, in, &out, &why) != BP_OK)
        return bp_fail(err, BP_EINVAL, "layer %d (%s) does not fit: %s",
                       l + 1, item, why.msg);
    if (bp_shape_size(out) > MAX_FEATURES)
        return bp_fail(err, BP_EINVAL, "layer %d (%s) gives %zux%zux%zu "
                       "values a sample; at most %zu", l + 1, item, out.c,
                       out.h, out.w, MAX_FEATURES);
    L->in = in;
    L->out = out;
    a->sizes[l + 1] = bp_shape_size(out);
    return BP_OK;
}

bp_status bp_arch_resolve(bp_arch *a, bp_error *err)
{
    if (!a)
        return bp_fail(err, BP_EINVAL, "no architecture given");
    if (a->n_layers < 1 || a->n_layers > BP_MAX_LAYERS)
        return bp_fail(err, BP_EINVAL,
                       "a network has 1 to %d layers, not %d",
                       BP_MAX_LAYERS, a->n_layers);
    bp_status st;
    if (!has_layer_list(a)) {
        if ((st = shorthand_to_list(a, err)))
            return st;
    } else {
        bp_shape in = a->input;
        if (in.c < 1 || in.h < 1 || in.w < 1 ||
            in.h > BP_MAX_WIDTH || in.w > BP_MAX_WIDTH ||
            in.c > MAX_FEATURES || bp_shape_size(in) > MAX_FEATURES)
            return bp_fail(err, BP_EINVAL,
                           "the input shape %zux%zux%zu is not one a "
                           "network takes", in.c, in.h, in.w);
        a->sizes[0] = bp_shape_size(in);
        a->hidden = BP_ACT_NONE;
        for (int l = a->n_layers - 2; l >= 0; l--)
            if (bp_layer_ops_of(a->layer[l].kind) &&
                bp_layer_ops_of(a->layer[l].kind)->has_act)
                a->hidden = a->layer[l].act;
    }
    for (int l = a->n_layers + 1; l <= BP_MAX_LAYERS; l++)
        a->sizes[l] = 0;
    for (int l = a->n_layers; l < BP_MAX_LAYERS; l++)
        a->layer[l] = (bp_layer){0};
    bp_shape in = a->input;
    for (int l = 0; l < a->n_layers; l++) {
        if ((st = resolve_layer(a, l, in, err)))
            return st;
        in = a->layer[l].out;
    }
    a->layer[a->n_layers - 1].act = BP_ACT_NONE;
    if ((unsigned)a->loss >= BP_LOSS_COUNT)
        return bp_fail(err, BP_EINVAL, "unknown loss %d", (int)a->loss);
    if ((unsigned)a->output >= BP_OUT_COUNT)
        return bp_fail(err, BP_EINVAL, "unknown output activation %d",
                       (int)a->output);
    size_t outs = a->sizes[a->n_layers];
    int pair_ok = a->output == BP_OUT_SIGMOID
                      ? a->loss == BP_LOSS_BCE || a->loss == BP_LOSS_MSE
                  : a->output == BP_OUT_SOFTMAX
                      ? a->loss == BP_LOSS_CE && outs >= 2
                      : a->loss == BP_LOSS_MSE;
    if (!pair_ok)
        return bp_fail(err, BP_EINVAL,
                       "a %s output cannot be trained with the %s loss%s",
                       bp_output_name(a->output), bp_loss_name(a->loss),
                       a->output == BP_OUT_SOFTMAX && outs < 2
                           ? " on one output" : "");
    a->bias = a->bias ? 1 : 0;
    /* Each count is below 2^16 times 2^24; the sum is checked. */
    size_t total = 0;
    for (int l = 0; l < a->n_layers; l++) {
        const bp_layer_ops *ops = bp_layer_ops_of(a->layer[l].kind);
        total += ops->weights(&a->layer[l]);
        if (a->bias)
            total += ops->biases(&a->layer[l]);
        if (total > BP_MAX_PARAMS)
            return bp_fail(err, BP_EINVAL,
                           "the network has more than %u parameters",
                           (unsigned)BP_MAX_PARAMS);
    }
    return BP_OK;
}

bp_status bp_arch_check(const bp_arch *arch, bp_error *err)
{
    if (!arch)
        return bp_fail(err, BP_EINVAL, "no architecture given");
    bp_arch copy = *arch;
    return bp_arch_resolve(&copy, err);
}

int bp_arch_is_dense(const bp_arch *arch)
{
    for (int l = 0; l < arch->n_layers; l++)
        if (arch->layer[l].kind != BP_LAYER_DENSE)
            return 0;
    return 1;
}

size_t bp_arch_max_width(const bp_arch *arch)
{
    size_t w = 0;
    for (int l = 0; l <= arch->n_layers; l++)
        if (arch->sizes[l] > w)
            w = arch->sizes[l];
    return w;
}

bp_net *bp_net_new(const bp_arch *arch, bp_error *err)
{
    if (!arch) {
        bp_fail(err, BP_EINVAL, "no architecture given");
        return NULL;
    }
    bp_arch a = *arch;
    if (bp_arch_resolve(&a, err) != BP_OK)
        return NULL;
    bp_net *net = calloc(1, sizeof *net);
    if (!net) {
        bp_fail(err, BP_ENOMEM, "out of memory for a network");
        return NULL;
    }
    net->arch = a;
    size_t off = 0;
    for (int l = 0; l < a.n_layers; l++) {
        const bp_layer_ops *ops = bp_layer_ops_of(a.layer[l].kind);
        net->ops[l] = ops;
        net->w_off[l] = off;
        net->n_w[l] = ops->weights(&a.layer[l]);
        off += net->n_w[l];
        net->b_off[l] = a.bias && ops->has_params ? off : BP_NO_BIAS;
        if (net->b_off[l] != BP_NO_BIAS)
            off += ops->biases(&a.layer[l]);
    }
    net->n_params = off;
    net->params = calloc(off ? off : 1, sizeof *net->params);
    if (!net->params) {
        free(net);
        bp_fail(err, BP_ENOMEM, "out of memory for %zu parameters", off);
        return NULL;
    }
    return net;
}

void bp_net_free(bp_net *net)
{
    if (!net)
        return;
    free(net->params);
    free(net);
}

bp_net *bp_net_clone(const bp_net *net, bp_error *err)
{
    bp_net *copy = bp_net_new(&net->arch, err);
    if (copy)
        memcpy(copy->params, net->params, net->n_params * sizeof *net->params);
    return copy;
}

const bp_arch *bp_net_arch(const bp_net *net) { return &net->arch; }
size_t bp_net_param_count(const bp_net *net) { return net->n_params; }
double *bp_net_params(bp_net *net) { return net->params; }
const double *bp_net_params_const(const bp_net *net) { return net->params; }

double *bp_net_weight(bp_net *net, int l)
{
    if (l < 0 || l >= net->arch.n_layers || net->n_w[l] == 0)
        return NULL;
    return net->params + net->w_off[l];
}

double *bp_net_bias(bp_net *net, int l)
{
    if (l < 0 || l >= net->arch.n_layers || net->b_off[l] == BP_NO_BIAS)
        return NULL;
    return net->params + net->b_off[l];
}

bp_status bp_net_init(bp_net *net, bp_init init, uint64_t seed, bp_error *err)
{
    if ((unsigned)init > BP_INIT_NUMPY)
        return bp_fail(err, BP_EINVAL, "unknown initialisation %d", (int)init);
    if (init == BP_INIT_NUMPY && seed > UINT32_MAX)
        return bp_fail(err, BP_EINVAL,
                       "numpy's RandomState takes seeds 0 to 4294967295, "
                       "not %llu", (unsigned long long)seed);
    bp_rng rng;
    bp_rng_seed(&rng, init == BP_INIT_NUMPY ? BP_RNG_NUMPY : BP_RNG_XOSHIRO,
                seed);
    memset(net->params, 0, net->n_params * sizeof *net->params);
    /* Weights layer by layer, row-major, in numpy's randn(out, in) order
     * (a convolution's [filters][channels][k][k]). */
    for (int l = 0; l < net->arch.n_layers; l++) {
        double fan_in, fan_out;
        net->ops[l]->fans(&net->arch.layer[l], &fan_in, &fan_out);
        double scale = 1.0;
        if (init == BP_INIT_XAVIER)
            scale = sqrt(2.0 / (fan_in + fan_out));
        else if (init == BP_INIT_HE)
            scale = sqrt(2.0 / fan_in);
        double *w = net->params + net->w_off[l];
        for (size_t k = 0; k < net->n_w[l]; k++)
            w[k] = scale * bp_rng_normal(&rng);
    }
    return BP_OK;
}
