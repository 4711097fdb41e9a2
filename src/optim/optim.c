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
 */
#include <math.h>

#include "backprop.h"

size_t bp_optimizer_state_len(bp_optimizer o, size_t count)
{
    switch (o) {
    case BP_OPT_SGD: return 0;
    case BP_OPT_ADAM: return 2 * count;
    default: return count;
    }
}

static double or_default(double v, double d) { return v > 0 ? v : d; }

void bp_optimizer_step(const bp_train_opts *opts, double *params,
                       const double *grad, double *state, size_t count,
                       uint64_t t)
{
    const double lr = opts->lr, mu = opts->momentum;
    const double eps = or_default(opts->eps, 1e-8);
    switch (opts->optimizer) {
    case BP_OPT_SGD:
        for (size_t k = 0; k < count; k++)
            params[k] = params[k] - lr * grad[k];
        break;
    case BP_OPT_MOMENTUM:
        for (size_t k = 0; k < count; k++) {
            state[k] = mu * state[k] - lr * grad[k];
            params[k] = params[k] + state[k];
        }
        break;
    case BP_OPT_NESTEROV:
        for (size_t k = 0; k < count; k++) {
            state[k] = mu * state[k] - lr * grad[k];
            params[k] = params[k] + mu * state[k] - lr * grad[k];
        }
        break;
    case BP_OPT_RMSPROP: {
        const double rho = or_default(opts->rho, 0.99);
        for (size_t k = 0; k < count; k++) {
            state[k] = rho * state[k] + (1 - rho) * grad[k] * grad[k];
            params[k] = params[k] - lr * grad[k] / (sqrt(state[k]) + eps);
        }
        break;
    }
    case BP_OPT_ADAM: {
        const double b1 = or_default(opts->beta1, 0.9);
        const double b2 = or_default(opts->beta2, 0.999);
        const double c1 = 1 - pow(b1, (double)t), c2 = 1 - pow(b2, (double)t);
        double *m = state, *v = state + count;
        for (size_t k = 0; k < count; k++) {
            m[k] = b1 * m[k] + (1 - b1) * grad[k];
            v[k] = b2 * v[k] + (1 - b2) * grad[k] * grad[k];
            params[k] = params[k] - lr * (m[k] / c1) / (sqrt(v[k] / c2) + eps);
        }
        break;
    }
    }
}
