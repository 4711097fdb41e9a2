/* output.h - the output layers other than the seed's sigmoid (internal).
 * Activations are feature-major: output k of sample s at [k * n + s]. */
#ifndef BP_NN_OUTPUT_H
#define BP_NN_OUTPUT_H

#include <stddef.h>

/* In place: each sample's k outputs become softmax(z), computed with the
 * largest z subtracted first so that exp cannot overflow. */
void softmax_forward(double *a, size_t k, size_t n);

/* Mean over the n samples of -sum_k y log p (p floored at the smallest
 * normal double, so a confident mistake costs about 708, not infinity). */
double cross_entropy(const double *p, const double *y, size_t k, size_t n);

/* dJ/dz for softmax with cross-entropy: p - y, per sample (the mean over
 * samples is taken when the weight gradients are divided by n). */
void cross_entropy_delta(double *delta, const double *p, const double *y,
                         size_t count);

/* dJ/dz for a linear output with the mean squared error over k outputs. */
void linear_mse_delta(double *delta, const double *p, const double *y,
                      size_t count, size_t k);

/* The same for float activations (the losses are still summed in double;
 * p is floored at FLT_MIN). */
void softmax_forward_f32(float *a, size_t k, size_t n);
double cross_entropy_f32(const float *p, const float *y, size_t k, size_t n);
void cross_entropy_delta_f32(float *delta, const float *p, const float *y,
                             size_t count);
void linear_mse_delta_f32(float *delta, const float *p, const float *y,
                          size_t count, size_t k);

#endif
