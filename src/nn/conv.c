/* conv.c - 2-D convolution: out[f] = act(b[f] + sum_c w[f][c] * in[c]),
 * a k x k kernel at stride s over zero-padded ("same") or unpadded
 * ("valid") maps; weights [filters][channels][k][k]. */
#include "core/error.h"
#include "nn/layer.h"

/* The padding before the first row (or column) of a side of `in` values
 * with `out` outputs: "same" pads (out - 1) s + k - in in all, the smaller
 * half before (as TensorFlow and PyTorch's padding="same" do). */
size_t bp_conv_pad(const bp_layer *L, size_t in, size_t out)
{
    if (L->valid)
        return 0;
    size_t s = L->stride > 1 ? (size_t)L->stride : 1, k = (size_t)L->k;
    size_t span = (out - 1) * s + k;
    return span > in ? (span - in) / 2 : 0;
}

static size_t conv_side(const bp_layer *L, size_t in)
{
    size_t s = L->stride > 1 ? (size_t)L->stride : 1, k = (size_t)L->k;
    return L->valid ? (in - k) / s + 1 : (in + s - 1) / s;
}

static bp_status conv_shape(const bp_layer *L, bp_shape in, bp_shape *out,
                            bp_error *err)
{
    if (in.h == 1 && in.w == 1)
        return bp_fail(err, BP_EINVAL,
                       "a convolution takes images (channels x height x "
                       "width), and its input is %zu flat values", in.c);
    if (L->valid && ((size_t)L->k > in.h || (size_t)L->k > in.w))
        return bp_fail(err, BP_EINVAL,
                       "a %dx%d kernel without padding does not fit its "
                       "%zux%zux%zu input", L->k, L->k, in.c, in.h, in.w);
    *out = (bp_shape){L->units, conv_side(L, in.h), conv_side(L, in.w)};
    return BP_OK;
}

static size_t conv_weights(const bp_layer *L)
{
    return L->units * L->in.c * (size_t)L->k * (size_t)L->k;
}

static size_t conv_biases(const bp_layer *L) { return L->units; }

static void conv_fans(const bp_layer *L, double *fan_in, double *fan_out)
{
    double area = (double)L->k * (double)L->k;
    *fan_in = (double)L->in.c * area;
    *fan_out = (double)L->units * area;
}

/* The patches of one sample: [c k k][out h][out w]. */
static size_t conv_scratch(const bp_layer *L)
{
    return L->in.c * (size_t)L->k * (size_t)L->k * L->out.h * L->out.w;
}

const bp_layer_ops bp_conv_ops = {
    .name = "conv",
    .has_act = 1,
    .has_params = 1,
    .shape = conv_shape,
    .weights = conv_weights,
    .biases = conv_biases,
    .fans = conv_fans,
    .scratch = conv_scratch,
};
