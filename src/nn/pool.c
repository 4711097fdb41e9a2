/* pool.c - max and average pooling over k x k windows at stride k (the
 * last rows and columns that do not fill a window are left out, as
 * PyTorch's default does). */
#include "core/error.h"
#include "nn/layer.h"

static bp_status pool_shape(const bp_layer *L, bp_shape in, bp_shape *out,
                            bp_error *err)
{
    if (in.h == 1 && in.w == 1 && L->k > 1)
        return bp_fail(err, BP_EINVAL,
                       "a pool takes images (channels x height x width), "
                       "and its input is %zu flat values", in.c);
    if ((size_t)L->k > in.h || (size_t)L->k > in.w)
        return bp_fail(err, BP_EINVAL,
                       "a %dx%d pool is larger than its %zux%zux%zu input",
                       L->k, L->k, in.c, in.h, in.w);
    *out = (bp_shape){in.c, in.h / (size_t)L->k, in.w / (size_t)L->k};
    return BP_OK;
}

static size_t no_params(const bp_layer *L)
{
    (void)L;
    return 0;
}

static void no_fans(const bp_layer *L, double *fan_in, double *fan_out)
{
    (void)L;
    *fan_in = *fan_out = 0;
}

const bp_layer_ops bp_maxpool_ops = {
    .name = "maxpool",
    .shape = pool_shape,
    .weights = no_params,
    .biases = no_params,
    .fans = no_fans,
    .scratch = no_params,
};

const bp_layer_ops bp_avgpool_ops = {
    .name = "avgpool",
    .shape = pool_shape,
    .weights = no_params,
    .biases = no_params,
    .fans = no_fans,
    .scratch = no_params,
};
