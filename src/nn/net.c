/* net.c - creating, copying and initialising networks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/net.h"

bp_status bp_arch_check(const bp_arch *arch, bp_error *err)
{
    if (!arch)
        return bp_fail(err, BP_EINVAL, "no architecture given");
    if (arch->n_layers < 1 || arch->n_layers > BP_MAX_LAYERS)
        return bp_fail(err, BP_EINVAL,
                       "a network has 1 to %d weight layers, not %d",
                       BP_MAX_LAYERS, arch->n_layers);
    for (int l = 0; l <= arch->n_layers; l++) {
        size_t s = arch->sizes[l];
        if (s < 1 || s > BP_MAX_WIDTH)
            return bp_fail(err, BP_EINVAL,
                           "layer %d has %zu units; allowed 1 to %d", l, s,
                           BP_MAX_WIDTH);
    }
    if ((unsigned)arch->hidden > BP_ACT_NONE)
        return bp_fail(err, BP_EINVAL, "unknown hidden activation %d",
                       (int)arch->hidden);
    if ((unsigned)arch->loss > BP_LOSS_CE)
        return bp_fail(err, BP_EINVAL, "unknown loss %d", (int)arch->loss);
    if ((unsigned)arch->output > BP_OUT_LINEAR)
        return bp_fail(err, BP_EINVAL, "unknown output activation %d",
                       (int)arch->output);
    size_t outs = arch->sizes[arch->n_layers];
    int pair_ok = arch->output == BP_OUT_SIGMOID
                      ? arch->loss == BP_LOSS_BCE || arch->loss == BP_LOSS_MSE
                  : arch->output == BP_OUT_SOFTMAX
                      ? arch->loss == BP_LOSS_CE && outs >= 2
                      : arch->loss == BP_LOSS_MSE;
    if (!pair_ok)
        return bp_fail(err, BP_EINVAL,
                       "a %s output cannot be trained with the %s loss%s",
                       bp_output_name(arch->output), bp_loss_name(arch->loss),
                       arch->output == BP_OUT_SOFTMAX && outs < 2
                           ? " on one output" : "");
    /* Widths are at most 2^16, so each product fits; the sum is checked. */
    size_t total = 0;
    for (int l = 0; l < arch->n_layers; l++) {
        total += arch->sizes[l + 1] * arch->sizes[l];
        if (arch->bias)
            total += arch->sizes[l + 1];
        if (total > BP_MAX_PARAMS)
            return bp_fail(err, BP_EINVAL,
                           "the network has more than %u parameters",
                           (unsigned)BP_MAX_PARAMS);
    }
    return BP_OK;
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
    if (bp_arch_check(arch, err) != BP_OK)
        return NULL;
    bp_net *net = calloc(1, sizeof *net);
    if (!net) {
        bp_fail(err, BP_ENOMEM, "out of memory for a network");
        return NULL;
    }
    net->arch = *arch;
    net->arch.bias = arch->bias ? 1 : 0;
    for (int l = arch->n_layers + 1; l <= BP_MAX_LAYERS; l++)
        net->arch.sizes[l] = 0;
    size_t off = 0;
    for (int l = 0; l < arch->n_layers; l++) {
        net->w_off[l] = off;
        off += arch->sizes[l + 1] * arch->sizes[l];
        net->b_off[l] = arch->bias ? off : BP_NO_BIAS;
        if (arch->bias)
            off += arch->sizes[l + 1];
    }
    net->n_params = off;
    net->params = calloc(off, sizeof *net->params);
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
    if (l < 0 || l >= net->arch.n_layers)
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
    /* Weights layer by layer, row-major, in numpy's randn(out, in) order. */
    for (int l = 0; l < net->arch.n_layers; l++) {
        size_t in = net->arch.sizes[l], out = net->arch.sizes[l + 1];
        double scale = 1.0;
        if (init == BP_INIT_XAVIER)
            scale = sqrt(2.0 / (double)(in + out));
        else if (init == BP_INIT_HE)
            scale = sqrt(2.0 / (double)in);
        double *w = net->params + net->w_off[l];
        for (size_t k = 0; k < in * out; k++)
            w[k] = scale * bp_rng_normal(&rng);
    }
    return BP_OK;
}
