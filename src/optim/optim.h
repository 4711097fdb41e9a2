/* optim.h - optimizer updates over a range of parameters (internal). */
#ifndef BP_OPTIM_OPTIM_H
#define BP_OPTIM_OPTIM_H

#include "backprop.h"

/* bp_optimizer_step's update of parameters [lo, hi) of count; grad[0] is
 * parameter lo's gradient. */
void optim_range(const bp_train_opts *opts, double *params,
                 const double *grad, double *state, size_t count, uint64_t t,
                 size_t lo, size_t hi);
void optim_range_f32(const bp_train_opts *opts, float *params,
                     const float *grad, float *state, size_t count,
                     uint64_t t, size_t lo, size_t hi);

#endif
