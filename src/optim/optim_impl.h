/*
 * optim_impl.h - the updates of optim.c over parameters [lo, hi) of a flat
 * vector of count, written once and included per real type with REAL and
 * OPTFN(name).  The state's layout does not depend on the range (Adam's
 * second moments start at state + count), so threads can each update a
 * range of one vector.  grad holds the gradient of [lo, hi) only (grad[0]
 * is parameter lo's), so that a caller can sum it in a small buffer.
 */

BP_ELEMENTWISE
void OPTFN(optim_range)(const bp_train_opts *opts, REAL *params,
                        const REAL *grad, REAL *state, size_t count,
                        uint64_t t, size_t lo, size_t hi)
{
    const REAL lr = (REAL)opts->lr, mu = (REAL)opts->momentum;
    const REAL eps = (REAL)or_default(opts->eps, 1e-8);
    const REAL one = 1;
    switch (opts->optimizer) {
    case BP_OPT_SGD:
        for (size_t k = lo; k < hi; k++)
            params[k] = params[k] - lr * grad[k - lo];
        break;
    case BP_OPT_MOMENTUM:
        for (size_t k = lo; k < hi; k++) {
            state[k] = mu * state[k] - lr * grad[k - lo];
            params[k] = params[k] + state[k];
        }
        break;
    case BP_OPT_NESTEROV:
        for (size_t k = lo; k < hi; k++) {
            state[k] = mu * state[k] - lr * grad[k - lo];
            params[k] = params[k] + mu * state[k] - lr * grad[k - lo];
        }
        break;
    case BP_OPT_RMSPROP: {
        const REAL rho = (REAL)or_default(opts->rho, 0.99);
        for (size_t k = lo; k < hi; k++) {
            state[k] = rho * state[k] + (one - rho) * grad[k - lo] * grad[k - lo];
            params[k] = params[k] - lr * grad[k - lo] / (OSQRT(state[k]) + eps);
        }
        break;
    }
    case BP_OPT_ADAM: {
        const REAL b1 = (REAL)or_default(opts->beta1, 0.9);
        const REAL b2 = (REAL)or_default(opts->beta2, 0.999);
        const REAL c1 = (REAL)(1 - pow(or_default(opts->beta1, 0.9), (double)t));
        const REAL c2 = (REAL)(1 - pow(or_default(opts->beta2, 0.999), (double)t));
        REAL *m = state, *v = state + count;
        for (size_t k = lo; k < hi; k++) {
            m[k] = b1 * m[k] + (one - b1) * grad[k - lo];
            v[k] = b2 * v[k] + (one - b2) * grad[k - lo] * grad[k - lo];
            params[k] = params[k] - lr * (m[k] / c1) / (OSQRT(v[k] / c2) + eps);
        }
        break;
    }
    case BP_OPT_COUNT:          /* not an optimizer */
        break;
    }
}
