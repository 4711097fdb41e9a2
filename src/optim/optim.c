/*
 * optim.c - parameter updates over the flat parameter vector.
 *
 * g is the gradient of the mean loss (the seed's dJ/dW / n).  With the
 * seed's sign convention for the velocity:
 *   SGD:      W = W - lr g
 *   Momentum: V = mu V - lr g;  W = W + V                 (the seed's)
 *   Nesterov: V = mu V - lr g;  W = W + mu V - lr g       (Sutskever et al.
 *             2013 in the form PyTorch uses)
 *   RMSprop:  S = rho S + (1 - rho) g^2;  W = W - lr g / (sqrt(S) + eps)
 *   Adam:     M = b1 M + (1 - b1) g;  S = b2 S + (1 - b2) g^2;
 *             W = W - lr (M / (1 - b1^t)) / (sqrt(S / (1 - b2^t)) + eps)
 *             (Kingma & Ba 2015, Algorithm 1)
 * The float versions (a --dtype f32 trainer's) compute in float, as
 * PyTorch's float32 optimizers do; only Adam's bias corrections are
 * computed in double, then rounded.
 */
#include <math.h>

#include "core/clones.h"
#include "optim/optim.h"

size_t bp_optimizer_state_len(bp_optimizer o, size_t count)
{
    switch (o) {
    case BP_OPT_SGD: return 0;
    case BP_OPT_ADAM: return 2 * count;
    default: return count;
    }
}

static double or_default(double v, double d) { return v > 0 ? v : d; }

#define REAL double
#define OPTFN(name) name
#define OSQRT sqrt
#include "optim/optim_impl.h"
#undef REAL
#undef OPTFN
#undef OSQRT

#define REAL float
#define OPTFN(name) name##_f32
#define OSQRT sqrtf
#include "optim/optim_impl.h"
#undef REAL
#undef OPTFN
#undef OSQRT

void bp_optimizer_step(const bp_train_opts *opts, double *params,
                       const double *grad, double *state, size_t count,
                       uint64_t t)
{
    optim_range(opts, params, grad, state, count, t, 0, count);
}
