/* output.c - softmax, cross-entropy and the linear output. */
#include <float.h>
#include <math.h>

#include "nn/output.h"

void softmax_forward(double *a, size_t k, size_t n)
{
    for (size_t s = 0; s < n; s++) {
        double top = a[s];
        for (size_t i = 1; i < k; i++)
            top = fmax(top, a[i * n + s]);
        double sum = 0;
        for (size_t i = 0; i < k; i++) {
            double e = exp(a[i * n + s] - top);
            a[i * n + s] = e;
            sum += e;
        }
        for (size_t i = 0; i < k; i++)
            a[i * n + s] /= sum;
    }
}

double cross_entropy(const double *p, const double *y, size_t k, size_t n)
{
    double sum = 0;
    for (size_t e = 0; e < k * n; e++)
        if (y[e] != 0)
            sum -= y[e] * log(fmax(p[e], DBL_MIN));
    return n ? sum / (double)n : 0.0;
}

void cross_entropy_delta(double *delta, const double *p, const double *y,
                         size_t count)
{
    for (size_t e = 0; e < count; e++)
        delta[e] = p[e] - y[e];
}

void linear_mse_delta(double *delta, const double *p, const double *y,
                      size_t count, size_t k)
{
    for (size_t e = 0; e < count; e++)
        delta[e] = 2.0 * (p[e] - y[e]) / (double)k;
}
