/* dense.c - the fully connected layer: out = f(W in + b), W [units][in]. */
#include "core/error.h"
#include "nn/kernels.h"
#include "nn/layer.h"

static bp_status dense_shape(const bp_layer *L, bp_shape in, bp_shape *out,
                             bp_error *err)
{
    (void)in;
    (void)err;
    *out = (bp_shape){L->units, 1, 1};
    return BP_OK;
}

static size_t dense_weights(const bp_layer *L)
{
    return L->units * bp_shape_size(L->in);
}

static size_t dense_biases(const bp_layer *L) { return L->units; }

static void dense_fans(const bp_layer *L, double *fan_in, double *fan_out)
{
    *fan_in = (double)bp_shape_size(L->in);
    *fan_out = (double)L->units;
}

static size_t dense_scratch(const bp_layer *L)
{
    (void)L;
    return 0;
}

/* The passes per real type, on the fast kernels of that type (SFX empty
 * for double, _f32 for float; NAME _f64 or _f32). */
#define DENSE_PASSES(REAL, SFX, NAME)                                        \
    static void dense_layer_forward##NAME(const bp_layer_run *r, REAL *out,  \
                                          const REAL *in, const REAL *w,     \
                                          const REAL *b, REAL *scratch)      \
    {                                                                        \
        (void)scratch;                                                       \
        const bp_layer *L = r->layer;                                        \
        dense_act_forward##NAME(kernels##NAME(r->isa), L->act, out, in, w, b,\
                                L->units, bp_shape_size(L->in), r->n);       \
    }                                                                        \
    static void dense_layer_backward##NAME(const bp_layer_run *r, REAL *din, \
                                           REAL *dw, REAL *db,               \
                                           const REAL *delta, const REAL *in,\
                                           const REAL *out, const REAL *w,   \
                                           REAL *scratch)                    \
    {                                                                        \
        (void)out;                                                           \
        (void)scratch;                                                       \
        const bp_layer *L = r->layer;                                        \
        const size_t n_in = bp_shape_size(L->in);                            \
        dense_backward_params_fast##SFX(r->isa, dw, db, delta, in, L->units, \
                                        n_in, r->n);                         \
        if (din)                                                             \
            dense_backward_input_fast##SFX(r->isa, din, w, delta, L->units,  \
                                           n_in, r->n);                      \
    }

DENSE_PASSES(double, , _f64)
DENSE_PASSES(float, _f32, _f32)

const bp_layer_ops bp_dense_ops = {
    .name = "dense",
    .has_act = 1,
    .has_params = 1,
    .shape = dense_shape,
    .weights = dense_weights,
    .biases = dense_biases,
    .fans = dense_fans,
    .scratch = dense_scratch,
    .forward_f64 = dense_layer_forward_f64,
    .backward_f64 = dense_layer_backward_f64,
    .forward_f32 = dense_layer_forward_f32,
    .backward_f32 = dense_layer_backward_f32,
};
