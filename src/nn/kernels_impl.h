/*
 * kernels_impl.h - the kernels' one definition, included by kernels.c once
 * per real type with REAL (the type), FN(name) (name##_f64 or _f32, for
 * helpers), EXP, LOG, TANH (libm's, in the type) and K_KERNEL, the full
 * name of each kernel (K_dense_forward dense_forward_f64, ...: kernels.h's
 * naming scheme, written out in kernels.c so that grep finds it) defined.
 * Plain loops over samples, innermost and contiguous; the naive
 * order of summation is kept so that results match the seed's numpy.
 */

static inline REAL FN(sigmoid)(REAL x)
{
    return (REAL)1 / ((REAL)1 + EXP(-x));
}

void K_dense_forward(REAL *out, const REAL *in, const REAL *w,
                       const REAL *b, size_t n_out, size_t n_in, size_t n)
{
    for (size_t j = 0; j < n_out; j++) {
        REAL *row = out + j * n;                 /* [n] */
        const REAL *wj = w + j * n_in;           /* [n_in] */
        REAL bias = b ? b[j] : (REAL)0;
        for (size_t s = 0; s < n; s++)
            row[s] = bias;
        for (size_t i = 0; i < n_in; i++) {
            const REAL wji = wj[i];
            const REAL *x = in + i * n;
            for (size_t s = 0; s < n; s++)
                row[s] += wji * x[s];
        }
    }
}

void K_activation_forward(bp_activation f, REAL *a, size_t count)
{
    switch (f) {
    case BP_ACT_SIGMOID:
        for (size_t k = 0; k < count; k++)
            a[k] = FN(sigmoid)(a[k]);
        break;
    case BP_ACT_TANH:
        for (size_t k = 0; k < count; k++)
            a[k] = TANH(a[k]);
        break;
    case BP_ACT_RELU:
        for (size_t k = 0; k < count; k++)
            a[k] = a[k] > 0 ? a[k] : (REAL)0;
        break;
    case BP_ACT_NONE:
    case BP_ACT_COUNT:          /* not an activation */
        break;
    }
}

void K_activation_backward(bp_activation f, REAL *delta, const REAL *a,
                             size_t count)
{
    switch (f) {
    case BP_ACT_SIGMOID:                 /* sigma' = a (1 - a) */
        for (size_t k = 0; k < count; k++)
            delta[k] *= a[k] * ((REAL)1 - a[k]);
        break;
    case BP_ACT_TANH:                    /* tanh' = 1 - a^2 */
        for (size_t k = 0; k < count; k++)
            delta[k] *= (REAL)1 - a[k] * a[k];
        break;
    case BP_ACT_RELU:                    /* 1 where a > 0, else 0 */
        for (size_t k = 0; k < count; k++)
            delta[k] = a[k] > 0 ? delta[k] : (REAL)0;
        break;
    case BP_ACT_NONE:
    case BP_ACT_COUNT:          /* not an activation */
        break;
    }
}

void K_dense_backward_params(REAL *dw, REAL *db, const REAL *delta,
                               const REAL *in, size_t n_out, size_t n_in,
                               size_t n)
{
    for (size_t j = 0; j < n_out; j++) {
        const REAL *dj = delta + j * n;          /* [n] */
        for (size_t i = 0; i < n_in; i++) {
            const REAL *x = in + i * n;          /* [n] */
            REAL sum = 0;
            for (size_t s = 0; s < n; s++)
                sum += dj[s] * x[s];
            dw[j * n_in + i] = sum / (REAL)n;
        }
        if (db) {
            REAL sum = 0;
            for (size_t s = 0; s < n; s++)
                sum += dj[s];
            db[j] = sum / (REAL)n;
        }
    }
}

void K_dense_backward_input(REAL *din, const REAL *w, const REAL *delta,
                              size_t n_out, size_t n_in, size_t n)
{
    for (size_t i = 0; i < n_in; i++) {
        REAL *row = din + i * n;                 /* [n] */
        for (size_t s = 0; s < n; s++)
            row[s] = 0;
        for (size_t j = 0; j < n_out; j++) {
            const REAL wji = w[j * n_in + i];
            const REAL *dj = delta + j * n;
            for (size_t s = 0; s < n; s++)
                row[s] += wji * dj[s];
        }
    }
}

double K_loss_value(bp_loss loss, const REAL *p, const REAL *y,
                      size_t count)
{
    const double eps = BP_BCE_EPS;
    double sum = 0;
    if (loss == BP_LOSS_BCE) {
        for (size_t k = 0; k < count; k++)
            sum += -((double)y[k] * log((double)p[k] + eps) +
                     (1.0 - (double)y[k]) * log(1.0 - (double)p[k] + eps));
    } else {
        for (size_t k = 0; k < count; k++) {
            double d = (double)p[k] - (double)y[k];
            sum += d * d;
        }
    }
    return count ? sum / (double)count : 0.0;
}

void K_output_delta(bp_loss loss, REAL *delta, const REAL *p,
                      const REAL *y, size_t count, size_t n_out)
{
    const REAL eps = (REAL)BP_BCE_EPS;
    const REAL k = (REAL)n_out;
    for (size_t e = 0; e < count; e++) {
        REAL dj_dp;
        if (loss == BP_LOSS_BCE)        /* the seed's dJ/da3, exactly */
            dj_dp = -(y[e] / (p[e] + eps) -
                      ((REAL)1 - y[e]) / ((REAL)1 - p[e] + eps));
        else
            dj_dp = (REAL)2 * (p[e] - y[e]);
        if (n_out > 1)
            dj_dp /= k;
        delta[e] = p[e] * ((REAL)1 - p[e]) * dj_dp;
    }
}

/* The naive table's other kernels: the fused pairs as the two kernels in
 * turn, and libm's functions over an array. */
void K_dense_forward_act(bp_activation f, REAL *out, const REAL *in,
                         const REAL *w, const REAL *b, size_t n_out,
                         size_t n_in, size_t n)
{
    K_dense_forward(out, in, w, b, n_out, n_in, n);
    K_activation_forward(f, out, n_out * n);
}

void K_dense_backward_input_act(bp_activation f, REAL *din, const REAL *w,
                                const REAL *delta, const REAL *a,
                                size_t n_out, size_t n_in, size_t n)
{
    K_dense_backward_input(din, w, delta, n_out, n_in, n);
    K_activation_backward(f, din, a, n_in * n);
}

double K_loss_output_delta(bp_loss loss, REAL *delta, const REAL *p,
                           const REAL *y, size_t count, size_t n_out)
{
    double v = K_loss_value(loss, p, y, count);
    K_output_delta(loss, delta, p, y, count, n_out);
    return v;
}

void K_vexp(REAL *out, const REAL *x, size_t count)
{
    for (size_t k = 0; k < count; k++)
        out[k] = EXP(x[k]);
}

void K_vlog(REAL *out, const REAL *x, size_t count)
{
    for (size_t k = 0; k < count; k++)
        out[k] = LOG(x[k]);
}

void K_vsigmoid(REAL *out, const REAL *x, size_t count)
{
    for (size_t k = 0; k < count; k++)
        out[k] = FN(sigmoid)(x[k]);
}

/* dense_backward_params' db alone. */
void K_bias_grad(REAL *db, const REAL *delta, size_t n_out, size_t n)
{
    for (size_t j = 0; j < n_out; j++) {
        REAL sum = 0;
        for (size_t s = 0; s < n; s++)
            sum += delta[j * n + s];
        db[j] = sum / (REAL)n;
    }
}

#undef K_dense_forward
#undef K_dense_forward_act
#undef K_activation_forward
#undef K_activation_backward
#undef K_dense_backward_params
#undef K_dense_backward_input
#undef K_dense_backward_input_act
#undef K_loss_value
#undef K_output_delta
#undef K_loss_output_delta
#undef K_vexp
#undef K_vlog
#undef K_vsigmoid
#undef K_bias_grad
