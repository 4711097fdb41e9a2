/*
 * output_impl.h - softmax, cross-entropy and the linear output, written
 * once and included by output.c per real type with REAL (the type), OFN(name)
 * (name, or name_f32), OEXP (exp or expf) and OMIN (the smallest normal
 * number of the type).  Sums of losses are kept in double for both types.
 */

void OFN(softmax_forward)(REAL *a, size_t k, size_t n)
{
    for (size_t s = 0; s < n; s++) {
        REAL top = a[s];
        for (size_t i = 1; i < k; i++)
            if (a[i * n + s] > top || top != top)
                top = a[i * n + s];
        REAL sum = 0;
        for (size_t i = 0; i < k; i++) {
            REAL e = OEXP(a[i * n + s] - top);
            a[i * n + s] = e;
            sum += e;
        }
        for (size_t i = 0; i < k; i++)
            a[i * n + s] /= sum;
    }
}

double OFN(cross_entropy)(const REAL *p, const REAL *y, size_t k, size_t n)
{
    double sum = 0;
    for (size_t e = 0; e < k * n; e++)
        if (y[e] != 0)
            sum -= (double)y[e] * log(p[e] > OMIN ? (double)p[e] : OMIN);
    return n ? sum / (double)n : 0.0;
}

void OFN(cross_entropy_delta)(REAL *delta, const REAL *p, const REAL *y,
                              size_t count)
{
    for (size_t e = 0; e < count; e++)
        delta[e] = p[e] - y[e];
}

void OFN(linear_mse_delta)(REAL *delta, const REAL *p, const REAL *y,
                           size_t count, size_t k)
{
    for (size_t e = 0; e < count; e++)
        delta[e] = (REAL)2 * (p[e] - y[e]) / (REAL)k;
}
