/*
 * kernels.c - instantiates kernels_impl.h for double and for float, and
 * the naive tables of kernels (kernels.h).  Each kernel's full name is
 * written out below (K_KERNEL), so that grep finds where it is made.
 */
#include <math.h>

#include "nn/kernels.h"

#define REAL double
#define FN(name) name##_f64
#define EXP exp
#define LOG log
#define TANH tanh
#define K_dense_forward dense_forward_f64
#define K_dense_forward_act dense_forward_act_f64
#define K_activation_forward activation_forward_f64
#define K_activation_backward activation_backward_f64
#define K_dense_backward_params dense_backward_params_f64
#define K_dense_backward_input dense_backward_input_f64
#define K_dense_backward_input_act dense_backward_input_act_f64
#define K_loss_value loss_value_f64
#define K_output_delta output_delta_f64
#define K_loss_output_delta loss_output_delta_f64
#define K_vexp vexp_f64
#define K_vlog vlog_f64
#define K_vsigmoid vsigmoid_f64
#define K_bias_grad bias_grad_f64
#include "nn/kernels_impl.h"
#undef REAL
#undef FN
#undef EXP
#undef LOG
#undef TANH

/* output1_fast by the separate kernels of table k. */
double kernels_output1_apart(const bp_kernels_f64 *k, bp_loss loss,
                             bp_activation f, double *p, double *delta,
                             double *dw, double *db, double *din,
                             const double *a, const double *w,
                             const double *b, const double *y, size_t h,
                             size_t n)
{
    k->dense_forward(p, a, w, b, 1, h, n);
    k->activation_forward(BP_ACT_SIGMOID, p, n);
    double l = k->loss_output_delta(loss, delta, p, y, n, 1);
    k->dense_backward_params(dw, db, delta, a, 1, h, n);
    if (din)
        k->dense_backward_input_act(f, din, w, delta, a, 1, h, n);
    return l;
}

double output1_f64(bp_loss loss, bp_activation f, double *p, double *delta,
                   double *dw, double *db, double *din, const double *a,
                   const double *w, const double *b, const double *y,
                   size_t h, size_t n)
{
    return kernels_output1_apart(&bp_kernels_naive_f64, loss, f, p, delta, dw,
                                 db, din, a, w, b, y, h, n);
}

const bp_kernels_f64 bp_kernels_naive_f64 = {
    .isa = BP_ISA_NAIVE,
    .dense_forward = dense_forward_f64,
    .dense_forward_act = dense_forward_act_f64,
    .activation_forward = activation_forward_f64,
    .activation_backward = activation_backward_f64,
    .dense_backward_params = dense_backward_params_f64,
    .dense_backward_input = dense_backward_input_f64,
    .dense_backward_input_act = dense_backward_input_act_f64,
    .loss_value = loss_value_f64,
    .output_delta = output_delta_f64,
    .loss_output_delta = loss_output_delta_f64,
    .vexp = vexp_f64,
    .vlog = vlog_f64,
    .vsigmoid = vsigmoid_f64,
    .output1 = output1_f64,
};

#define REAL float
#define FN(name) name##_f32
#define EXP expf
#define LOG logf
#define TANH tanhf
#define K_dense_forward dense_forward_f32
#define K_dense_forward_act dense_forward_act_f32
#define K_activation_forward activation_forward_f32
#define K_activation_backward activation_backward_f32
#define K_dense_backward_params dense_backward_params_f32
#define K_dense_backward_input dense_backward_input_f32
#define K_dense_backward_input_act dense_backward_input_act_f32
#define K_loss_value loss_value_f32
#define K_output_delta output_delta_f32
#define K_loss_output_delta loss_output_delta_f32
#define K_vexp vexp_f32
#define K_vlog vlog_f32
#define K_vsigmoid vsigmoid_f32
#define K_bias_grad bias_grad_f32
#include "nn/kernels_impl.h"
#undef REAL
#undef FN
#undef EXP
#undef LOG
#undef TANH

const bp_kernels_f32 bp_kernels_naive_f32 = {
    .isa = BP_ISA_NAIVE,
    .dense_forward = dense_forward_f32,
    .dense_forward_act = dense_forward_act_f32,
    .activation_forward = activation_forward_f32,
    .activation_backward = activation_backward_f32,
    .dense_backward_params = dense_backward_params_f32,
    .dense_backward_input = dense_backward_input_f32,
    .dense_backward_input_act = dense_backward_input_act_f32,
    .loss_value = loss_value_f32,
    .output_delta = output_delta_f32,
    .loss_output_delta = loss_output_delta_f32,
    .vexp = vexp_f32,
    .vlog = vlog_f32,
    .vsigmoid = vsigmoid_f32,
    .bias_grad = bias_grad_f32,
};
