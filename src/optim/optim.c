/* optim.c - parameter updates over the flat parameter vector. */
#include "backprop.h"

/*
 * SGD:      W = W - lr g
 * Momentum: V = mu V - lr g;  W = W + V        (the seed's formula)
 * g is the gradient of the mean loss, i.e. the seed's dJ/dW / n.
 */
void bp_optimizer_step(const bp_train_opts *opts, double *params,
                       const double *grad, double *velocity, size_t count)
{
    const double lr = opts->lr, mu = opts->momentum;
    switch (opts->optimizer) {
    case BP_OPT_SGD:
        for (size_t k = 0; k < count; k++)
            params[k] = params[k] - lr * grad[k];
        break;
    case BP_OPT_MOMENTUM:
        for (size_t k = 0; k < count; k++) {
            velocity[k] = mu * velocity[k] - lr * grad[k];
            params[k] = params[k] + velocity[k];
        }
        break;
    }
}
