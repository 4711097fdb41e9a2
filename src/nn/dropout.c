/* dropout.c - inverted dropout: while training each unit is kept with
 * probability 1 - rate and scaled by 1 / (1 - rate), so that the layer is
 * the identity at evaluation. */
#include "nn/layer.h"

static bp_status dropout_shape(const bp_layer *L, bp_shape in, bp_shape *out,
                               bp_error *err)
{
    (void)L;
    (void)err;
    *out = in;
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

const bp_layer_ops bp_dropout_ops = {
    .name = "dropout",
    .shape = dropout_shape,
    .weights = no_params,
    .biases = no_params,
    .fans = no_fans,
    .scratch = no_params,
};
