/*
 * kernels.h - the numeric kernels, declared for double (_f64) and float
 * (_f32).  Both are compiled from the one definition in kernels_impl.h.
 *
 * Layout inside kernels: activations are feature-major, [features][n]: row
 * f holds feature f of the n samples of a batch.  That is the seed's layout
 * (X is 2 x n) and it makes every inner loop run over samples, contiguous,
 * which the compiler vectorises for any layer width.
 */
#ifndef BP_NN_KERNELS_H
#define BP_NN_KERNELS_H

#include <stddef.h>

#include "backprop.h"

/* The seed's epsilon inside the cross-entropy's logarithms. */
#define BP_BCE_EPS 1e-4

#define BP_DECLARE_KERNELS(REAL, SFX)                                        \
    /* out[j][s] = b[j] + sum_i w[j][i] in[i][s]; b may be NULL. */          \
    void dense_forward_##SFX(REAL *out, const REAL *in, const REAL *w,       \
                             const REAL *b, size_t n_out, size_t n_in,       \
                             size_t n);                                      \
    /* a = f(a), elementwise, in place. */                                   \
    void activation_forward_##SFX(bp_activation f, REAL *a, size_t count);   \
    /* delta *= f'(z), with f' computed from the output a = f(z). */         \
    void activation_backward_##SFX(bp_activation f, REAL *delta,             \
                                   const REAL *a, size_t count);             \
    /* dw[j][i] = sum_s delta[j][s] in[i][s] / n; db[j] likewise (or NULL).*/\
    void dense_backward_params_##SFX(REAL *dw, REAL *db, const REAL *delta,  \
                                     const REAL *in, size_t n_out,           \
                                     size_t n_in, size_t n);                 \
    /* din[i][s] = sum_j w[j][i] delta[j][s]. */                             \
    void dense_backward_input_##SFX(REAL *din, const REAL *w,                \
                                    const REAL *delta, size_t n_out,         \
                                    size_t n_in, size_t n);                  \
    /* Mean loss over count predictions p of targets y. */                   \
    double loss_value_##SFX(bp_loss loss, const REAL *p, const REAL *y,      \
                            size_t count);                                   \
    /* delta = dJ/dz of a sigmoid output p = sigma(z), for the per-sample   \
     * loss averaged over n_out outputs (the mean over samples is taken     \
     * when the parameter gradients are divided by n). */                    \
    void output_delta_##SFX(bp_loss loss, REAL *delta, const REAL *p,        \
                            const REAL *y, size_t count, size_t n_out);

BP_DECLARE_KERNELS(double, f64)
BP_DECLARE_KERNELS(float, f32)

#endif
