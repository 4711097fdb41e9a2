/*
 * simd_f32.c - the fast single-precision kernels.
 *
 * For now every one is its naive _f32 twin (kernels_impl.h); the vector
 * versions replace these bodies behind the same dispatch.
 */
#include <stddef.h>

#include "nn/kernels.h"

void dense_forward_fast_f32(bp_isa isa, float *out, const float *in,
                            const float *w, const float *b, size_t n_out,
                            size_t n_in, size_t n)
{
    (void)isa;
    dense_forward_f32(out, in, w, b, n_out, n_in, n);
}

void dense_forward_act_fast_f32(bp_isa isa, bp_activation f, float *out,
                                const float *in, const float *w,
                                const float *b, size_t n_out, size_t n_in,
                                size_t n)
{
    (void)isa;
    dense_forward_f32(out, in, w, b, n_out, n_in, n);
    activation_forward_f32(f, out, n_out * n);
}

void activation_forward_fast_f32(bp_isa isa, bp_activation f, float *a,
                                 size_t count)
{
    (void)isa;
    activation_forward_f32(f, a, count);
}

void activation_backward_fast_f32(bp_isa isa, bp_activation f, float *delta,
                                  const float *a, size_t count)
{
    (void)isa;
    activation_backward_f32(f, delta, a, count);
}

void dense_backward_params_fast_f32(bp_isa isa, float *dw, float *db,
                                    const float *delta, const float *in,
                                    size_t n_out, size_t n_in, size_t n)
{
    (void)isa;
    dense_backward_params_f32(dw, db, delta, in, n_out, n_in, n);
}

void dense_backward_input_fast_f32(bp_isa isa, float *din, const float *w,
                                   const float *delta, size_t n_out,
                                   size_t n_in, size_t n)
{
    (void)isa;
    dense_backward_input_f32(din, w, delta, n_out, n_in, n);
}

void dense_backward_input_act_fast_f32(bp_isa isa, bp_activation f,
                                       float *din, const float *w,
                                       const float *delta, const float *a,
                                       size_t n_out, size_t n_in, size_t n)
{
    (void)isa;
    dense_backward_input_f32(din, w, delta, n_out, n_in, n);
    activation_backward_f32(f, din, a, n_in * n);
}

double loss_value_fast_f32(bp_isa isa, bp_loss loss, const float *p,
                           const float *y, size_t count)
{
    (void)isa;
    return loss_value_f32(loss, p, y, count);
}

void output_delta_fast_f32(bp_isa isa, bp_loss loss, float *delta,
                           const float *p, const float *y, size_t count,
                           size_t n_out)
{
    (void)isa;
    output_delta_f32(loss, delta, p, y, count, n_out);
}
