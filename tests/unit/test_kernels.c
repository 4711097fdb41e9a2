/* test_kernels.c - the fast kernels (simd.c, simd_f32.c) against the
 * naive ones (kernels_impl.h), and the vector exp and log (double and
 * float) against libm, for every instruction set this CPU runs. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "nn/kernels.h"
#include "nn/vecmath.h"

/* The kernels are called through their tables (kernels.h), as the
 * workspace and the trainer call them. */
#define K64(isa) kernels_f64(isa)
#define K32(isa) kernels_f32(isa)

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static double uniform(double lo, double hi)        /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return lo + (hi - lo) * (double)(z >> 11) * 0x1p-53;
}

static double *vec(size_t count)
{
    /* Guard doubles on both sides catch writes outside a row. */
    double *p = malloc((count + 16) * sizeof *p);
    assert_non_null(p);
    for (size_t k = 0; k < count + 16; k++)
        p[k] = 1234.5;
    return p + 8;
}

static void vec_free(double *p)
{
    if (p)
        free(p - 8);
}

static void check_guards(const double *p, size_t count)
{
    for (int k = 1; k <= 8; k++) {
        if (p[-k] != 1234.5 || p[count + (size_t)k - 1] != 1234.5)
            fail_msg("a kernel wrote outside its %zu doubles", count);
    }
}

static void fill(double *p, size_t count, double lo, double hi)
{
    for (size_t k = 0; k < count; k++)
        p[k] = uniform(lo, hi);
}

/* The instruction sets to test: every supported one but the naive. */
static int fast_isas(bp_isa out[2])
{
    int n = 0;
    if (bp_isa_supported(BP_ISA_AVX2))
        out[n++] = BP_ISA_AVX2;
    if (bp_isa_supported(BP_ISA_AVX512))
        out[n++] = BP_ISA_AVX512;
    return n;
}

/* Layer shapes that cover full vectors, tails of every length, tiles of
 * every size and their remainders. */
static const size_t widths[] = {1, 2, 3, 5, 7, 8, 9, 10, 13, 17, 26};
static const size_t counts[] = {1, 3, 4, 5, 8, 11, 16, 21, 37, 100};
#define N_WIDTHS (sizeof widths / sizeof widths[0])
#define N_COUNTS (sizeof counts / sizeof counts[0])

/* |a - b| <= tol * scale, else fail naming the kernel and the shape. */
static void expect_near(const char *what, bp_isa isa, size_t k, double a,
                        double b, double scale, double tol)
{
    if (!(fabs(a - b) <= tol * scale))
        fail_msg("%s (%s) [%zu]: fast %.17g, naive %.17g, scale %g",
                 what, bp_isa_name(isa), k, a, b, scale);
}

/* ------------------------------------------------------------ dense layers */

static void test_dense_forward(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++)
        for (size_t a = 0; a < N_WIDTHS; a++)
            for (size_t c = 0; c < N_WIDTHS; c += 2)
                for (size_t q = 0; q < N_COUNTS; q++)
                    for (int bias = 0; bias <= 1; bias++) {
                        size_t n_out = widths[a], n_in = widths[c];
                        size_t n = counts[q];
                        double *in = vec(n_in * n), *w = vec(n_out * n_in);
                        double *b = vec(n_out), *ref = vec(n_out * n);
                        double *got = vec(n_out * n);
                        fill(in, n_in * n, -2, 2);
                        fill(w, n_out * n_in, -2, 2);
                        fill(b, n_out, -1, 1);
                        dense_forward_f64(ref, in, w, bias ? b : NULL, n_out,
                                          n_in, n);
                        K64(isas[t])->dense_forward(got, in, w,
                                                    bias ? b : NULL, n_out,
                                                    n_in, n);
                        check_guards(got, n_out * n);
                        for (size_t j = 0; j < n_out; j++)
                            for (size_t s = 0; s < n; s++) {
                                double scale = bias ? fabs(b[j]) : 0;
                                for (size_t i = 0; i < n_in; i++)
                                    scale += fabs(w[j * n_in + i] *
                                                  in[i * n + s]);
                                expect_near("dense_forward", isas[t],
                                            j * n + s, got[j * n + s],
                                            ref[j * n + s], scale, 1e-15 * 8);
                            }
                        vec_free(in), vec_free(w), vec_free(b);
                        vec_free(ref), vec_free(got);
                    }
}

static void test_dense_backward_input(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++)
        for (size_t a = 0; a < N_WIDTHS; a++)
            for (size_t c = 0; c < N_WIDTHS; c += 2)
                for (size_t q = 0; q < N_COUNTS; q++) {
                    size_t n_out = widths[c], n_in = widths[a], n = counts[q];
                    double *w = vec(n_out * n_in), *delta = vec(n_out * n);
                    double *ref = vec(n_in * n), *got = vec(n_in * n);
                    fill(w, n_out * n_in, -2, 2);
                    fill(delta, n_out * n, -1, 1);
                    dense_backward_input_f64(ref, w, delta, n_out, n_in, n);
                    K64(isas[t])->dense_backward_input(got, w, delta, n_out,
                                                       n_in, n);
                    check_guards(got, n_in * n);
                    for (size_t i = 0; i < n_in; i++)
                        for (size_t s = 0; s < n; s++) {
                            double scale = 0;
                            for (size_t j = 0; j < n_out; j++)
                                scale += fabs(w[j * n_in + i] *
                                              delta[j * n + s]);
                            expect_near("dense_backward_input", isas[t],
                                        i * n + s, got[i * n + s],
                                        ref[i * n + s], scale, 1e-15 * 8);
                        }
                    vec_free(w), vec_free(delta), vec_free(ref), vec_free(got);
                }
}

static void test_dense_backward_params(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++)
        for (size_t a = 0; a < N_WIDTHS; a++)
            for (size_t c = 0; c < N_WIDTHS; c++)
                for (size_t q = 0; q < N_COUNTS; q++)
                    for (int bias = 0; bias <= 1; bias++) {
                        size_t n_out = widths[a], n_in = widths[c];
                        size_t n = counts[q];
                        double *delta = vec(n_out * n), *in = vec(n_in * n);
                        double *dw = vec(n_out * n_in), *db = vec(n_out);
                        double *rw = vec(n_out * n_in), *rb = vec(n_out);
                        fill(delta, n_out * n, -1, 1);
                        fill(in, n_in * n, -2, 2);
                        dense_backward_params_f64(rw, bias ? rb : NULL, delta,
                                                  in, n_out, n_in, n);
                        K64(isas[t])->dense_backward_params(
                            dw, bias ? db : NULL, delta, in, n_out, n_in, n);
                        check_guards(dw, n_out * n_in);
                        check_guards(db, n_out);
                        for (size_t j = 0; j < n_out; j++) {
                            for (size_t i = 0; i < n_in; i++) {
                                double scale = 0;
                                for (size_t s = 0; s < n; s++)
                                    scale += fabs(delta[j * n + s] *
                                                  in[i * n + s]);
                                expect_near("dense_backward_params dW",
                                            isas[t], j * n_in + i,
                                            dw[j * n_in + i], rw[j * n_in + i],
                                            scale / (double)n, 1e-15 * 16);
                            }
                            if (bias) {
                                double scale = 0;
                                for (size_t s = 0; s < n; s++)
                                    scale += fabs(delta[j * n + s]);
                                expect_near("dense_backward_params db",
                                            isas[t], j, db[j], rb[j],
                                            scale / (double)n, 1e-15 * 16);
                            }
                        }
                        vec_free(delta), vec_free(in), vec_free(dw);
                        vec_free(db), vec_free(rw), vec_free(rb);
                    }
}

/* The fused kernels: the product then the activation (forward) or its
 * derivative (backward), against the naive kernels one after the other. */
static void test_fused_layers(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++)
        for (int f = BP_ACT_SIGMOID; f <= BP_ACT_NONE; f++)
            for (size_t a = 0; a < N_WIDTHS; a += 2)
                for (size_t c = 0; c < N_WIDTHS; c += 3)
                    for (size_t q = 0; q < N_COUNTS; q++) {
                        size_t n_out = widths[a], n_in = widths[c];
                        size_t n = counts[q];
                        double *in = vec(n_in * n), *w = vec(n_out * n_in);
                        double *b = vec(n_out), *ref = vec(n_out * n);
                        double *got = vec(n_out * n), *delta = vec(n_out * n);
                        double *dref = vec(n_in * n), *dgot = vec(n_in * n);
                        fill(in, n_in * n, -2, 2);
                        fill(w, n_out * n_in, -1, 1);
                        fill(b, n_out, -1, 1);
                        fill(delta, n_out * n, -1, 1);
                        bp_activation act = (bp_activation)f;
                        dense_forward_f64(ref, in, w, b, n_out, n_in, n);
                        activation_forward_f64(act, ref, n_out * n);
                        K64(isas[t])->dense_forward_act(act, got, in, w, b,
                                                        n_out, n_in, n);
                        check_guards(got, n_out * n);
                        for (size_t k = 0; k < n_out * n; k++) {
                            /* |f'| <= 1: the sums' error bound holds */
                            size_t j = k / n, s = k % n;
                            double scale = fabs(b[j]);
                            for (size_t i = 0; i < n_in; i++)
                                scale += fabs(w[j * n_in + i] * in[i * n + s]);
                            expect_near("dense_forward_act", isas[t], k,
                                        got[k], ref[k], scale + fabs(ref[k]),
                                        1e-15 * 8);
                        }
                        /* backward into the inputs, through f'(in) where
                         * `in` plays the activations of the layer below */
                        if (f == BP_ACT_SIGMOID)
                            for (size_t k = 0; k < n_in * n; k++)
                                in[k] = 1 / (1 + exp(-in[k]));
                        dense_backward_input_f64(dref, w, delta, n_out, n_in,
                                                 n);
                        activation_backward_f64(act, dref, in, n_in * n);
                        K64(isas[t])->dense_backward_input_act(
                            act, dgot, w, delta, in, n_out, n_in, n);
                        check_guards(dgot, n_in * n);
                        for (size_t k = 0; k < n_in * n; k++) {
                            size_t i = k / n, s = k % n;
                            double scale = 0;
                            for (size_t j = 0; j < n_out; j++)
                                scale += fabs(w[j * n_in + i] *
                                              delta[j * n + s]);
                            double g = f == BP_ACT_TANH ? 1 + in[k] * in[k]
                                                        : fabs(in[k]) + 1;
                            expect_near("dense_backward_input_act", isas[t], k,
                                        dgot[k], dref[k], scale * g,
                                        1e-15 * 8);
                        }
                        vec_free(in), vec_free(w), vec_free(b), vec_free(ref);
                        vec_free(got), vec_free(delta), vec_free(dref);
                        vec_free(dgot);
                    }
}

/* ------------------------------------------------------------- activations */

static void test_activations(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++)
        for (int f = BP_ACT_SIGMOID; f <= BP_ACT_NONE; f++)
            for (size_t q = 0; q < N_COUNTS; q++) {
                size_t n = counts[q] * 3;
                double *z = vec(n), *ref = vec(n), *got = vec(n);
                double *d = vec(n), *dref = vec(n), *dgot = vec(n);
                fill(z, n, -40, 40);
                z[0] = 0;
                if (n > 2) {
                    z[1] = -0.0;
                    z[2] = -745.5;      /* exp(-z) overflows: sigma = 0 */
                }
                memcpy(ref, z, n * sizeof *z);
                memcpy(got, z, n * sizeof *z);
                activation_forward_f64((bp_activation)f, ref, n);
                K64(isas[t])->activation_forward((bp_activation)f, got, n);
                check_guards(got, n);
                for (size_t k = 0; k < n; k++) {
                    if (f == BP_ACT_SIGMOID) {
                        double e = fabs(got[k] - ref[k]);
                        if (!(e <= 3 * DBL_EPSILON * ref[k]))
                            fail_msg("sigmoid (%s) of %.17g: %.17g, "
                                     "naive %.17g", bp_isa_name(isas[t]),
                                     z[k], got[k], ref[k]);
                    } else {
                        assert_same_double(got[k], ref[k]);
                    }
                }
                /* Backward from the naive outputs. */
                fill(d, n, -1, 1);
                memcpy(dref, d, n * sizeof *d);
                memcpy(dgot, d, n * sizeof *d);
                activation_backward_f64((bp_activation)f, dref, ref, n);
                K64(isas[t])->activation_backward((bp_activation)f, dgot, ref,
                                                  n);
                check_guards(dgot, n);
                for (size_t k = 0; k < n; k++)
                    expect_near("activation_backward", isas[t], k, dgot[k],
                                dref[k], fabs(d[k]), 4 * DBL_EPSILON);
                vec_free(z), vec_free(ref), vec_free(got);
                vec_free(d), vec_free(dref), vec_free(dgot);
            }
}

/* ReLU of NaN is 0 in both (x > 0 ? x : 0), and its gradient at NaN is 0. */
static void test_relu_nan(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++) {
        double a[5] = {NAN, -1, 2, -0.0, INFINITY};
        double r[5];
        memcpy(r, a, sizeof a);
        activation_forward_f64(BP_ACT_RELU, r, 5);
        K64(isas[t])->activation_forward(BP_ACT_RELU, a, 5);
        for (int k = 0; k < 5; k++)
            assert_same_double(a[k], r[k]);
    }
}

/* ------------------------------------------------------------------ losses */

static void check_loss(bp_isa isa, bp_loss loss, size_t count, size_t n_out,
                       int binary)
{
    double *p = vec(count), *y = vec(count);
    double *dref = vec(count), *dgot = vec(count), *dboth = vec(count);
    fill(p, count, 0, 1);
    if (count > 1) {
        p[0] = 0;
        p[1] = 1;
    }
    for (size_t k = 0; k < count; k++)
        y[k] = binary ? (double)(uniform(0, 1) < 0.5) : uniform(0, 1);
    double lref = loss_value_f64(loss, p, y, count);
    double lgot = K64(isa)->loss_value(loss, p, y, count);
    output_delta_f64(loss, dref, p, y, count, n_out);
    K64(isa)->output_delta(loss, dgot, p, y, count, n_out);
    double lboth = K64(isa)->loss_output_delta(loss, dboth, p, y, count,
                                               n_out);
    check_guards(dgot, count);
    check_guards(dboth, count);
    assert_close(lgot, lref, 1e-14);
    assert_same_double(lboth, lgot);
    for (size_t k = 0; k < count; k++) {
        assert_same_double(dboth[k], dgot[k]);
        if (binary || loss == BP_LOSS_MSE)      /* the same operations */
            assert_same_double(dgot[k], dref[k]);
        else
            expect_near("output_delta", isa, k, dgot[k], dref[k],
                        fabs(dref[k]), 4 * DBL_EPSILON);
    }
    vec_free(p), vec_free(y), vec_free(dref), vec_free(dgot), vec_free(dboth);
}

static void test_losses(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++)
        for (int loss = BP_LOSS_BCE; loss <= BP_LOSS_MSE; loss++)
            for (size_t q = 0; q < N_COUNTS; q++)
                for (int binary = 0; binary <= 1; binary++) {
                    check_loss(isas[t], (bp_loss)loss, counts[q], 1, binary);
                    check_loss(isas[t], (bp_loss)loss, counts[q] * 3, 3,
                               binary);
                }
}

/* A NaN or infinite output must give a non-finite loss, as the naive
 * kernel's does (training stops on it). */
static void test_loss_not_finite(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++)
        for (int loss = BP_LOSS_BCE; loss <= BP_LOSS_MSE; loss++)
            for (size_t at = 0; at < 11; at++) {
                double p[11], y[11];
                for (int k = 0; k < 11; k++) {
                    p[k] = 0.25;
                    y[k] = k & 1;
                }
                p[at] = at & 2 ? NAN : INFINITY;
                double l = K64(isas[t])->loss_value((bp_loss)loss, p, y, 11);
                assert_false(isfinite(l));
            }
}

/* ------------------------------------------------------------ exp and log */

#define RT double
#define REF long double
#define TS(name) name##_f64
#define T_EXP(isa, y, x, n) K64(isa)->vexp((y), (x), (n))
#define T_LOG(isa, y, x, n) K64(isa)->vlog((y), (x), (n))
#define R_EXP(x) expl(x)
#define R_LOG(x) logl(x)
#define MANT 53
#define TINY 0x1p-1074L
#define BIG DBL_MAX
#define NAME_EXP "exp"
#define NAME_LOG "log"
#define DIGITS "17"
#include "test_sweep.h"

#define RT float
#define REF double
#define TS(name) name##_f32
#define T_EXP(isa, y, x, n) K32(isa)->vexp((y), (x), (n))
#define T_LOG(isa, y, x, n) K32(isa)->vlog((y), (x), (n))
#define R_EXP(x) exp(x)
#define R_LOG(x) log(x)
#define MANT 24
#define TINY 0x1p-149
#define BIG FLT_MAX
#define NAME_EXP "expf"
#define NAME_LOG "logf"
#define DIGITS "9"
#include "test_sweep.h"

/* Error bound of the vector exp and log, in ulps of the exact result. */
#define EXP_ULPS 1.5
#define LOG_ULPS 1.0

static void test_exp_sweep(void **state)
{
    (void)state;
    /* A dense sweep over the whole range, with the edges. */
    enum { SWEEP = 2000000 };
    size_t count = SWEEP + 200;
    double *xs = malloc(count * sizeof *xs);
    assert_non_null(xs);
    for (size_t k = 0; k < SWEEP; k++)      /* step ~7e-4, with jitter */
        xs[k] = -746.0 + (710.0 + 746.0) * ((double)k + uniform(0, 1)) / SWEEP;
    size_t m = SWEEP;
    const double edges[] = {
        0.0, -0.0, 0x1p-1074, -0x1p-1074, 1e-300, -1e-300, 1e-17, -1e-17,
        0x1p-30, -0x1p-30, 1.0, -1.0, 0.5 * 0.6931471805599453,
        709.782712893384, 709.78271289338397, 709.7827128933841,
        709.79, 710.0, 1000.0,
        -708.3964185322641, -708.39641853226408, -708.4, -720.0, -740.0,
        -745.1332191019411, -745.13321910194122, -745.2, -746.0, -1000.0,
        DBL_MAX, -DBL_MAX};
    for (size_t k = 0; k < sizeof edges / sizeof edges[0]; k++)
        xs[m++] = edges[k];
    /* Around multiples of ln2/32 (the reduction's boundaries). */
    for (int k = -60; k <= 60; k++)
        xs[m++] = nextafter(k * 0.6931471805599453 / 32, k < 0 ? -1 : 1);
    check_sweep_f64(0, xs, m, EXP_ULPS);
    free(xs);
}

static void test_log_sweep(void **state)
{
    (void)state;
    enum { SWEEP = 1000000 };
    size_t count = 3 * SWEEP + 100;
    double *xs = malloc(count * sizeof *xs);
    assert_non_null(xs);
    size_t m = 0;
    for (size_t k = 0; k < SWEEP; k++)      /* every binade, subnormals too */
        xs[m++] = exp2(-1074.0 + 2098.0 * ((double)k + uniform(0, 1)) / SWEEP);
    for (size_t k = 0; k < SWEEP; k++)      /* the loss's range */
        xs[m++] = 1e-4 + 1.0 * ((double)k + uniform(0, 1)) / SWEEP;
    for (size_t k = 0; k < SWEEP; k++)      /* around 1, where log is small */
        xs[m++] = 0.9 + 0.2 * ((double)k + uniform(0, 1)) / SWEEP;
    const double edges[] = {
        1.0, nextafter(1.0, 0), nextafter(1.0, 2), 2.0, 0.5, 1e-4,
        1.0 + 1e-4, 0x1.6a09e667f3bcdp+0, 0x1.6a09e667f3bccp+0,
        0x1.6a09e667f3bcep+0, 0x1p-1074, 0x1p-1022, 0x1.ffffffffffffep-1023,
        DBL_MAX, DBL_MIN, 3.0, 10.0};
    for (size_t k = 0; k < sizeof edges / sizeof edges[0]; k++)
        xs[m++] = edges[k];
    check_sweep_f64(1, xs, m, LOG_ULPS);
    free(xs);
}

/* vec_sigmoid against 1 / (1 + exp(-x)) with libm's exp, over the range
 * where the result is neither 0 nor 1, and at the ends. */
static void test_sigmoid_sweep(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    enum { SWEEP = 400000 };
    double *xs = malloc((SWEEP + 8) * sizeof *xs);
    double *ys = malloc((SWEEP + 8) * sizeof *ys);
    assert_non_null(xs);
    assert_non_null(ys);
    for (size_t k = 0; k < SWEEP; k++)
        xs[k] = -750 + 800.0 * ((double)k + uniform(0, 1)) / SWEEP;
    const double ends[8] = {NAN, INFINITY, -INFINITY, 0.0, -0.0, 36.8, -709.5,
                            -709.9};
    memcpy(xs + SWEEP, ends, sizeof ends);
    for (int t = 0; t < n_isa; t++) {
        K64(isas[t])->vsigmoid(ys, xs, SWEEP + 8);
        double worst = 0;
        for (size_t k = 0; k < SWEEP + 8; k++) {
            double r = 1.0 / (1.0 + exp(-xs[k]));
            if (isnan(r)) {
                assert_true(isnan(ys[k]));
                continue;
            }
            double e = fabs(ys[k] - r);
            /* relative, but subnormal results count in subnormal ulps */
            double u = fmax(r * DBL_EPSILON, 0x1p-1074);
            if (!(e / u <= worst))
                worst = e / u;
        }
        print_message("sigmoid %s: max difference from libm's %.3f ulp\n",
                      bp_isa_name(isas[t]), worst);
        if (!(worst <= 3))
            fail_msg("sigmoid %s: %.3f ulp from libm's", bp_isa_name(isas[t]),
                     worst);
    }
    free(xs);
    free(ys);
}

/* ============================================================ float (f32)
 *
 * The fast _f32 kernels against the naive _f32 ones.  Tolerances come from
 * float rounding, u = 2^-24 (FLT_EPSILON / 2):
 *   - a sum of K products (plus a bias), in any order and with or without
 *     fused multiply-adds, is within (K + 1) u sum |terms| of the exact
 *     sum (to first order), so two such sums differ by at most
 *     2 (K + 2) u sum |terms|: the tolerance of every product below;
 *   - an activation after the sum adds f's own error relative to |f|:
 *     the sigmoid 1 / (1 + e) with e within 1 ulp (<= 2u relative) of
 *     exp(-x), damped by e / (1 + e) <= 1, then one rounding in the add
 *     and one in the division: within 4u of the exact sigma; the naive
 *     one (libm's expf, within 0.5 ulp) within 3u; so SIGMOID_TOL = 8u
 *     relative between them; tanh is libm's in both, ReLU exact;
 *   - activation_backward and the output deltas run the naive kernels'
 *     float operations in the same order: bit-identical;
 *   - the mean loss: the naive one is computed in double from the float
 *     inputs, the fast one in float with a float log, so each term
 *     -(y log a + (1 - y) log c) is off by the rounding of a = p + eps and
 *     c = 1 - p + eps (u relative, an absolute u in log), the log's
 *     FLT_LOG_ULPS (2u |log| relative) and three float roundings: within
 *     4u (2 + |y log a| + |(1 - y) log c|); MSE's (p - y)^2 within 4u d^2.
 */

#define U32 (FLT_EPSILON / 2)

/* Error bounds of the float vector exp and log, in ulps of the exact
 * result.  Measured over every float (exhaustively, once, against libm's
 * double exp and log): exp 0.988 ulp over all of [-104, 89] (avx512 and
 * avx2, the same operations), log 0.835 ulp over all positive finite
 * floats; the sweeps below check a dense subset in every test run.  The
 * sigmoid: 4u relative as above, at most 4 ulps, 2.26 measured. */
#define FLT_EXP_ULPS 1.0
#define FLT_LOG_ULPS 1.0
#define FLT_SIGMOID_ULPS 3.0
#define SIGMOID_TOL (8 * U32)

static float *fvec(size_t count)
{
    float *p = malloc((count + 32) * sizeof *p);
    assert_non_null(p);
    for (size_t k = 0; k < count + 32; k++)
        p[k] = 1234.5f;
    return p + 16;
}

static void fvec_free(float *p)
{
    if (p)
        free(p - 16);
}

static void check_fguards(const float *p, size_t count)
{
    for (int k = 1; k <= 16; k++) {
        if (p[-k] != 1234.5f || p[count + (size_t)k - 1] != 1234.5f)
            fail_msg("a kernel wrote outside its %zu floats", count);
    }
}

static void ffill(float *p, size_t count, double lo, double hi)
{
    for (size_t k = 0; k < count; k++)
        p[k] = (float)uniform(lo, hi);
}

static void expect_same_float(const char *what, bp_isa isa, size_t k,
                              float a, float b)
{
    if (memcmp(&a, &b, sizeof a) != 0)
        fail_msg("%s (%s) [%zu]: fast %.9g, naive %.9g (not identical)",
                 what, bp_isa_name(isa), k, (double)a, (double)b);
}

/* Samples and widths: every tail length class around 8 and 16 lanes, a
 * full MNIST row, and tiles of every size with their remainders. */
static const size_t fcounts[] = {1, 3, 15, 16, 17, 31, 100, 129};
static const size_t fwidths[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                 12, 13, 25, 40, 784};
#define N_FCOUNTS (sizeof fcounts / sizeof fcounts[0])
#define N_FWIDTHS (sizeof fwidths / sizeof fwidths[0])

/* One dense layer, forward (with each activation) and backward (inputs,
 * through each activation's derivative, and parameters), fast against
 * naive. */
static void check_f32_layer(bp_isa isa, bp_activation act, size_t n_out,
                            size_t n_in, size_t n, int bias)
{
    float *in = fvec(n_in * n), *w = fvec(n_out * n_in), *b = fvec(n_out);
    float *ref = fvec(n_out * n), *got = fvec(n_out * n);
    float *delta = fvec(n_out * n), *a = fvec(n_in * n);
    float *dref = fvec(n_in * n), *dgot = fvec(n_in * n);
    float *rw = fvec(n_out * n_in), *gw = fvec(n_out * n_in);
    float *rb = fvec(n_out), *gb = fvec(n_out);
    ffill(in, n_in * n, -2, 2);
    ffill(w, n_out * n_in, -1, 1);
    ffill(b, n_out, -1, 1);
    ffill(delta, n_out * n, -1, 1);
    const float *bb = bias ? b : NULL;
    const double k_fwd = 2.0 * ((double)n_in + 2) * U32;
    const double k_bwd = 2.0 * ((double)n_out + 2) * U32;
    const double k_par = 2.0 * ((double)n + 2) * U32;

    /* forward: plain, then fused with the activation */
    for (int fused = 0; fused <= 1; fused++) {
        dense_forward_f32(ref, in, w, bb, n_out, n_in, n);
        if (fused) {
            activation_forward_f32(act, ref, n_out * n);
            K32(isa)->dense_forward_act(act, got, in, w, bb, n_out, n_in,
                                        n);
        } else {
            K32(isa)->dense_forward(got, in, w, bb, n_out, n_in, n);
        }
        check_fguards(got, n_out * n);
        for (size_t j = 0; j < n_out; j++)
            for (size_t s = 0; s < n; s++) {
                double scale = bias ? fabs((double)b[j]) : 0;
                for (size_t i = 0; i < n_in; i++)
                    scale += fabs((double)w[j * n_in + i] * in[i * n + s]);
                double tol = k_fwd * scale;     /* |f'| <= 1 */
                if (fused && act == BP_ACT_SIGMOID)
                    tol += SIGMOID_TOL * fabs(ref[j * n + s]);
                else if (fused && act == BP_ACT_TANH)
                    tol += 2 * U32 * fabs(ref[j * n + s]);
                expect_near(fused ? "dense_forward_act_f32"
                                  : "dense_forward_f32",
                            isa, j * n + s, got[j * n + s], ref[j * n + s],
                            1, tol);
            }
    }

    /* backward into the inputs; `a` plays the activations of the layer
     * below (sigmoid, tanh outputs in range; ReLU's with zeros) */
    for (size_t k = 0; k < n_in * n; k++) {
        double v = uniform(-2, 2);
        a[k] = act == BP_ACT_SIGMOID ? (float)(1 / (1 + exp(-v)))
             : act == BP_ACT_TANH    ? (float)tanh(v)
             : act == BP_ACT_RELU    ? (float)(v > 0 ? v : 0)
                                     : (float)v;
    }
    for (int fused = 0; fused <= 1; fused++) {
        dense_backward_input_f32(dref, w, delta, n_out, n_in, n);
        if (fused) {
            activation_backward_f32(act, dref, a, n_in * n);
            K32(isa)->dense_backward_input_act(act, dgot, w, delta, a,
                                               n_out, n_in, n);
        } else {
            K32(isa)->dense_backward_input(dgot, w, delta, n_out, n_in,
                                           n);
        }
        check_fguards(dgot, n_in * n);
        for (size_t i = 0; i < n_in; i++)
            for (size_t s = 0; s < n; s++) {
                double scale = 0;
                for (size_t j = 0; j < n_out; j++)
                    scale += fabs((double)w[j * n_in + i] * delta[j * n + s]);
                /* f'(a) <= 1 for all four, and one more rounding */
                double tol = k_bwd * scale + (fused ? 2 * U32 *
                             fabs(dref[i * n + s]) : 0);
                expect_near(fused ? "dense_backward_input_act_f32"
                                  : "dense_backward_input_f32",
                            isa, i * n + s, dgot[i * n + s], dref[i * n + s],
                            1, tol);
            }
    }

    /* parameter gradients */
    dense_backward_params_f32(rw, bias ? rb : NULL, delta, in, n_out, n_in,
                              n);
    K32(isa)->dense_backward_params(gw, bias ? gb : NULL, delta, in,
                                    n_out, n_in, n);
    check_fguards(gw, n_out * n_in);
    check_fguards(gb, n_out);
    for (size_t j = 0; j < n_out; j++) {
        for (size_t i = 0; i < n_in; i++) {
            double scale = 0;
            for (size_t s = 0; s < n; s++)
                scale += fabs((double)delta[j * n + s] * in[i * n + s]);
            /* and the division by n: one rounding each */
            expect_near("dense_backward_params_f32 dW", isa, j * n_in + i,
                        gw[j * n_in + i], rw[j * n_in + i], 1,
                        k_par * scale / (double)n +
                            2 * U32 * fabs(rw[j * n_in + i]));
        }
        if (bias) {
            double scale = 0;
            for (size_t s = 0; s < n; s++)
                scale += fabs((double)delta[j * n + s]);
            expect_near("dense_backward_params_f32 db", isa, j, gb[j], rb[j],
                        1, k_par * scale / (double)n + 2 * U32 * fabs(rb[j]));
        } else if (gb[0] != 1234.5f) {
            fail_msg("dense_backward_params_f32 wrote db = NULL");
        }
    }
    fvec_free(in), fvec_free(w), fvec_free(b), fvec_free(ref);
    fvec_free(got), fvec_free(delta), fvec_free(a), fvec_free(dref);
    fvec_free(dgot), fvec_free(rw), fvec_free(gw), fvec_free(rb);
    fvec_free(gb);
}

/* The products' sums run over the inputs in order with fused multiply-
 * adds from the bias, then the activation (ReLU here: exact) or the
 * activation's gradient (exact products): bit for bit the scalar chain
 * below, also for layers whose inputs the kernels take a block at a time
 * (more than about 512 KiB of them: 1100 doubles or 2100 floats on 130
 * samples; simd_impl.h's mv_epi), and for a layer that is not split (600
 * on 37). */
#define CHAINS(T, FMA)                                                    \
    static T chain_fwd_##T(const T *w, const T *in, T b, size_t n_in,        \
                           size_t n, size_t s)                               \
    {                                                                        \
        T acc = b;                                                           \
        for (size_t k = 0; k < n_in; k++)                                    \
            acc = FMA(w[k], in[k * n + s], acc);                             \
        return acc;                                                          \
    }                                                                        \
    /* din[i][s] through f'(a): the sum over the rows k of w[k][i] d[k][s] */\
    static T chain_back_##T(bp_activation f, const T *w, const T *d,         \
                            const T *a, size_t rows, size_t cols, size_t n,  \
                            size_t i, size_t s)                              \
    {                                                                        \
        T acc = 0;                                                           \
        for (size_t k = 0; k < rows; k++)                                    \
            acc = FMA(w[k * cols + i], d[k * n + s], acc);                   \
        T x = a[i * n + s];                                                  \
        switch (f) {                                                         \
        case BP_ACT_SIGMOID:                                                 \
            return acc * (x * ((T)1 - x));                                   \
        case BP_ACT_TANH:                                                    \
            return acc * ((T)1 - x * x);                                     \
        case BP_ACT_RELU:                                                    \
            return x > 0 ? acc : (T)0;                                       \
        case BP_ACT_NONE:                                                    \
        case BP_ACT_COUNT:                                                   \
            break;                                                           \
        }                                                                    \
        return acc;                                                          \
    }
CHAINS(double, fma)
CHAINS(float, fmaf)

static void test_sums_in_order(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    const size_t shapes[4][3] = {
        {1100, 9, 130}, {3000, 3, 100}, {600, 11, 37}, {2100, 5, 130}};
    for (int t = 0; t < n_isa; t++)
        for (int c = 0; c < 4; c++) {
            const size_t n_in = shapes[c][0], n_out = shapes[c][1];
            const size_t n = shapes[c][2], big = n_in * n, small = n_out * n;
            double *in = vec(big), *w = vec(n_out * n_in), *b = vec(n_out);
            double *a = vec(small), *got = vec(small), *act = vec(small);
            double *din = vec(small);
            float *fin = fvec(big), *fw = fvec(n_out * n_in), *fb = fvec(n_out);
            float *fa = fvec(small), *fgot = fvec(small), *fact = fvec(small);
            float *fdin = fvec(small);
            fill(in, big, -2, 2);
            fill(w, n_out * n_in, -2, 2);
            fill(b, n_out, -1, 1);
            fill(a, small, 0, 1);       /* activations of the rows back */
            for (size_t k = 0; k < big; k++)
                fin[k] = (float)in[k];
            for (size_t k = 0; k < n_out * n_in; k++)
                fw[k] = (float)w[k];
            for (size_t k = 0; k < n_out; k++)
                fb[k] = (float)b[k];
            for (size_t k = 0; k < small; k++)
                fa[k] = (float)a[k];
            K64(isas[t])->dense_forward(got, in, w, b, n_out, n_in, n);
            K64(isas[t])->dense_forward_act(BP_ACT_RELU, act, in, w, b, n_out,
                                            n_in, n);
            K32(isas[t])->dense_forward(fgot, fin, fw, fb, n_out, n_in,
                                        n);
            K32(isas[t])->dense_forward_act(BP_ACT_RELU, fact, fin, fw, fb,
                                            n_out, n_in, n);
            check_guards(got, small);
            check_guards(act, small);
            check_fguards(fgot, small);
            check_fguards(fact, small);
            for (size_t j = 0; j < n_out; j++)
                for (size_t s = 0; s < n; s++) {
                    const size_t e = j * n + s;
                    double z = chain_fwd_double(w + j * n_in, in, b[j], n_in, n,
                                                s);
                    float fz = chain_fwd_float(fw + j * n_in, fin, fb[j], n_in,
                                               n, s);
                    double r = z > 0 ? z : 0;
                    float fr = fz > 0 ? fz : 0;
                    if (memcmp(&z, &got[e], sizeof z) ||
                        memcmp(&r, &act[e], sizeof r) ||
                        memcmp(&fz, &fgot[e], sizeof fz) ||
                        memcmp(&fr, &fact[e], sizeof fr))
                        fail_msg("%s, %zu x %zu on %zu: [%zu][%zu] sum %.17g / "
                                 "%.9g, ReLU %.17g / %.9g; in order %.17g / "
                                 "%.9g", bp_isa_name(isas[t]), n_out, n_in, n,
                                 j, s, got[e], (double)fgot[e], act[e],
                                 (double)fact[e], z, (double)fz);
                }
            /* back through the layer: the n_in rows of `in` are the deltas,
             * the n_out rows of din its inputs (a: their activations) */
            for (int f = BP_ACT_SIGMOID; f <= BP_ACT_NONE; f++) {
                K64(isas[t])->dense_backward_input_act((bp_activation)f, din,
                                                       w, in, a, n_in, n_out,
                                                       n);
                K32(isas[t])->dense_backward_input_act((bp_activation)f,
                                                       fdin, fw, fin, fa, n_in,
                                                       n_out, n);
                check_guards(din, small);
                check_fguards(fdin, small);
                for (size_t i = 0; i < n_out; i++)
                    for (size_t s = 0; s < n; s++) {
                        const size_t e = i * n + s;
                        double r = chain_back_double((bp_activation)f, w, in, a,
                                                     n_in, n_out, n, i, s);
                        float fr = chain_back_float((bp_activation)f, fw, fin,
                                                    fa, n_in, n_out, n, i, s);
                        if (memcmp(&r, &din[e], sizeof r) ||
                            memcmp(&fr, &fdin[e], sizeof fr))
                            fail_msg("%s, back through %zu x %zu on %zu, %s: "
                                     "[%zu][%zu] is %.17g / %.9g, in order "
                                     "%.17g / %.9g", bp_isa_name(isas[t]), n_in,
                                     n_out, n, bp_activation_name(
                                         (bp_activation)f), i, s, din[e],
                                     (double)fdin[e], r, (double)fr);
                    }
            }
            vec_free(in), vec_free(w), vec_free(b), vec_free(a);
            vec_free(got), vec_free(act), vec_free(din);
            fvec_free(fin), fvec_free(fw), fvec_free(fb), fvec_free(fa);
            fvec_free(fgot), fvec_free(fact), fvec_free(fdin);
        }
}

static void test_f32_layers(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++)
        for (size_t a = 0; a < N_FWIDTHS; a++)
            for (size_t c = 0; c < N_FWIDTHS; c++)
                for (size_t q = 0; q < N_FCOUNTS; q++) {
                    size_t n_out = fwidths[a], n_in = fwidths[c];
                    if (n_out * n_in > 784 * 40)
                        continue;                   /* time */
                    /* every activation, bias on and off, spread over
                     * the shapes so that each meets all sizes */
                    int f = (int)((a + 2 * c + q) % 4);
                    int bias = (int)((a + c + q) & 1);
                    check_f32_layer(isas[t], (bp_activation)f, n_out, n_in,
                                    fcounts[q], bias);
                    if (n_out * n_in <= 100) {      /* the others too */
                        check_f32_layer(isas[t], (bp_activation)((f + 1) % 4),
                                        n_out, n_in, fcounts[q], !bias);
                        check_f32_layer(isas[t], (bp_activation)((f + 2) % 4),
                                        n_out, n_in, fcounts[q], bias);
                        check_f32_layer(isas[t], (bp_activation)((f + 3) % 4),
                                        n_out, n_in, fcounts[q], !bias);
                    }
                }
}

/* The MLP's own shapes (784-256-128-10, a batch of 128), ReLU, and
 * longer batches. */
static void test_f32_mlp_shapes(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    const size_t sizes[4] = {784, 256, 128, 10};
    for (int t = 0; t < n_isa; t++) {
        for (int l = 0; l < 3; l++)
            check_f32_layer(isas[t], l < 2 ? BP_ACT_RELU : BP_ACT_SIGMOID,
                            sizes[l + 1], sizes[l], 128, 1);
        /* batches of more than one chunk of the transposed parameter
         * gradient (128 samples): first, middle and last chunks */
        check_f32_layer(isas[t], BP_ACT_RELU, 25, 40, 300, 1);
        check_f32_layer(isas[t], BP_ACT_TANH, 17, 784, 257, 0);
    }
}

static void test_f32_activations(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++)
        for (int f = BP_ACT_SIGMOID; f <= BP_ACT_NONE; f++)
            for (size_t q = 0; q < N_FCOUNTS; q++) {
                size_t n = fcounts[q] * 3;
                float *z = fvec(n), *ref = fvec(n), *got = fvec(n);
                float *d = fvec(n), *dref = fvec(n), *dgot = fvec(n);
                ffill(z, n, -30, 30);
                z[0] = 0;
                if (n > 5) {
                    z[1] = -0.0f;
                    z[2] = -100.0f;      /* exp(-z) overflows: sigma = 0 */
                    z[3] = NAN;
                    z[4] = INFINITY;
                    z[5] = -INFINITY;
                }
                memcpy(ref, z, n * sizeof *z);
                memcpy(got, z, n * sizeof *z);
                activation_forward_f32((bp_activation)f, ref, n);
                K32(isas[t])->activation_forward((bp_activation)f, got, n);
                check_fguards(got, n);
                for (size_t k = 0; k < n; k++) {
                    if (f == BP_ACT_SIGMOID && !isnan(ref[k])) {
                        double e = fabs((double)got[k] - ref[k]);
                        if (!(e <= SIGMOID_TOL * ref[k]))
                            fail_msg("sigmoid_f32 (%s) of %.9g: %.9g, "
                                     "naive %.9g", bp_isa_name(isas[t]),
                                     (double)z[k], (double)got[k],
                                     (double)ref[k]);
                    } else {
                        if (isnan(ref[k]) && isnan(got[k]))
                            continue;
                        expect_same_float("activation_forward_f32", isas[t],
                                          k, got[k], ref[k]);
                    }
                }
                ffill(d, n, -1, 1);
                memcpy(dref, d, n * sizeof *d);
                memcpy(dgot, d, n * sizeof *d);
                for (size_t k = 0; k < n; k++)
                    if (isnan(ref[k]))
                        ref[k] = 0.5f;
                activation_backward_f32((bp_activation)f, dref, ref, n);
                K32(isas[t])->activation_backward((bp_activation)f, dgot,
                                                  ref, n);
                check_fguards(dgot, n);
                for (size_t k = 0; k < n; k++)
                    expect_same_float("activation_backward_f32", isas[t], k,
                                      dgot[k], dref[k]);
                fvec_free(z), fvec_free(ref), fvec_free(got);
                fvec_free(d), fvec_free(dref), fvec_free(dgot);
            }
}

static void check_f32_loss(bp_isa isa, bp_loss loss, size_t count,
                           size_t n_out, int binary)
{
    float *p = fvec(count), *y = fvec(count);
    float *dref = fvec(count), *dgot = fvec(count);
    ffill(p, count, 0, 1);
    if (count > 1) {
        p[0] = 0;
        p[1] = 1;
    }
    for (size_t k = 0; k < count; k++)
        y[k] = binary ? (float)(uniform(0, 1) < 0.5) : (float)uniform(0, 1);
    double lref = loss_value_f32(loss, p, y, count);
    double lgot = K32(isa)->loss_value(loss, p, y, count);
    double bound = 0;
    for (size_t k = 0; k < count; k++) {
        double pk = p[k], yk = y[k];
        if (loss == BP_LOSS_BCE)
            bound += 4 * U32 * (2 + fabs(yk * log(pk + BP_BCE_EPS)) +
                                fabs((1 - yk) * log(1 - pk + BP_BCE_EPS)));
        else
            bound += 4 * U32 * (pk - yk) * (pk - yk);
    }
    bound /= (double)count;
    if (!(fabs(lgot - lref) <= bound))
        fail_msg("loss_value_f32 (%s, loss %d, %zu, binary %d): fast %.17g, "
                 "naive %.17g, bound %g", bp_isa_name(isa), (int)loss, count,
                 binary, lgot, lref, bound);
    output_delta_f32(loss, dref, p, y, count, n_out);
    K32(isa)->output_delta(loss, dgot, p, y, count, n_out);
    check_fguards(dgot, count);
    for (size_t k = 0; k < count; k++)
        expect_same_float("output_delta_f32", isa, k, dgot[k], dref[k]);
    fvec_free(p), fvec_free(y), fvec_free(dref), fvec_free(dgot);
}

static void test_f32_losses(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    for (int t = 0; t < n_isa; t++)
        for (int loss = BP_LOSS_BCE; loss <= BP_LOSS_MSE; loss++)
            for (size_t q = 0; q < N_FCOUNTS; q++)
                for (int binary = 0; binary <= 1; binary++) {
                    check_f32_loss(isas[t], (bp_loss)loss, fcounts[q], 1,
                                   binary);
                    check_f32_loss(isas[t], (bp_loss)loss, fcounts[q] * 10,
                                   10, binary);
                }
    /* non-finite outputs give a non-finite loss */
    for (int t = 0; t < n_isa; t++)
        for (int loss = BP_LOSS_BCE; loss <= BP_LOSS_MSE; loss++)
            for (size_t at = 0; at < 19; at++) {
                float p[19], y[19];
                for (int k = 0; k < 19; k++) {
                    p[k] = 0.25f;
                    y[k] = (float)(k & 1);
                }
                p[at] = at & 2 ? NAN : INFINITY;
                double l = K32(isas[t])->loss_value((bp_loss)loss, p, y,
                                                    19);
                assert_false(isfinite(l));
            }
}

static void test_f32_exp_sweep(void **state)
{
    (void)state;
    enum { SWEEP = 2000000 };
    size_t count = SWEEP + 400;
    float *xs = malloc(count * sizeof *xs);
    assert_non_null(xs);
    size_t m = 0;
    for (size_t k = 0; k < SWEEP; k++)
        xs[m++] = (float)(-105.0 + 195.0 * ((double)k + uniform(0, 1)) /
                                     SWEEP);
    const float edges[] = {
        0.0f, -0.0f, 0x1p-149f, -0x1p-149f, 1e-30f, -1e-30f, 0x1p-30f,
        -0x1p-30f, 1.0f, -1.0f, 88.0f, 88.72283172607421875f,
        88.72283935546875f, 88.7229f, 89.0f, 100.0f, -87.33654f,
        -87.336548f, -87.4f, -100.0f, -103.27892f, -103.972076f,
        -103.97208f, -103.9721f, -104.0f, -200.0f, FLT_MAX, -FLT_MAX,
        FLT_MIN, -FLT_MIN};
    for (size_t k = 0; k < sizeof edges / sizeof edges[0]; k++)
        xs[m++] = edges[k];
    /* Around the reduction's boundaries, (k + 1/2) ln2, and either side
     * of the overflow and underflow thresholds, float by float. */
    for (int k = -150; k <= 128; k++)
        xs[m++] = nextafterf((float)((k + 0.5) * 0.6931471805599453),
                             k < 0 ? -200.f : 200.f);
    float hi = 88.7228f, lo = -103.9720f;
    for (int k = 0; k < 40; k++) {
        xs[m++] = hi;
        xs[m++] = lo;
        hi = nextafterf(hi, 100.f);
        lo = nextafterf(lo, -200.f);
    }
    assert_true(m <= count);
    check_sweep_f32(0, xs, m, FLT_EXP_ULPS);
    free(xs);
}

static void test_f32_log_sweep(void **state)
{
    (void)state;
    enum { SWEEP = 1000000 };
    size_t count = 3 * SWEEP + 100;
    float *xs = malloc(count * sizeof *xs);
    assert_non_null(xs);
    size_t m = 0;
    for (size_t k = 0; k < SWEEP; k++)      /* every binade, subnormals too */
        xs[m++] = (float)exp2(-149.0 + 277.0 * ((double)k + uniform(0, 1)) /
                                           SWEEP);
    for (size_t k = 0; k < SWEEP; k++)      /* the loss's range */
        xs[m++] = (float)(1e-4 + 1.0 * ((double)k + uniform(0, 1)) / SWEEP);
    for (size_t k = 0; k < SWEEP; k++)      /* around 1 */
        xs[m++] = (float)(0.9 + 0.2 * ((double)k + uniform(0, 1)) / SWEEP);
    const float edges[] = {
        1.0f, nextafterf(1.0f, 0), nextafterf(1.0f, 2), 2.0f, 0.5f, 1e-4f,
        1.0001f, 0x1.6a09e6p+0f, 0x1.6a09e4p+0f, 0x1.6a09e8p+0f, 0x1p-149f,
        0x1p-126f, 0x1.fffffcp-127f, FLT_MAX, 3.0f, 10.0f};
    for (size_t k = 0; k < sizeof edges / sizeof edges[0]; k++)
        xs[m++] = edges[k];
    check_sweep_f32(1, xs, m, FLT_LOG_ULPS);
    free(xs);
}

/* vec_sigmoid_f32 against 1 / (1 + exp(-x)) computed in double, over the
 * whole range and at the ends: within FLT_SIGMOID_ULPS. */
static void test_f32_sigmoid_sweep(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    enum { SWEEP = 400000 };
    float *xs = malloc((SWEEP + 8) * sizeof *xs);
    float *ys = malloc((SWEEP + 8) * sizeof *ys);
    assert_non_null(xs);
    assert_non_null(ys);
    for (size_t k = 0; k < SWEEP; k++)
        xs[k] = (float)(-110 + 130.0 * ((double)k + uniform(0, 1)) / SWEEP);
    const float ends[8] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 17.0f,
                           -88.5f, -88.8f};
    memcpy(xs + SWEEP, ends, sizeof ends);
    for (int t = 0; t < n_isa; t++) {
        K32(isas[t])->vsigmoid(ys, xs, SWEEP + 8);
        double worst = 0;
        for (size_t k = 0; k < SWEEP + 8; k++) {
            double r = 1.0 / (1.0 + exp(-(double)xs[k]));
            if (isnan(r)) {
                assert_true(isnan(ys[k]));
                continue;
            }
            double e = ulps_f32(ys[k], r);
            /* exp(-x) overflows float for x < -88.72: sigma is then 0,
             * where the exact value is a subnormal */
            if (xs[k] < -88.7f && ys[k] == 0.0f)
                continue;
            if (!(e <= worst))
                worst = e;
        }
        print_message("sigmoid_f32 %s: max error %.3f ulp\n",
                      bp_isa_name(isas[t]), worst);
        if (!(worst <= FLT_SIGMOID_ULPS))
            fail_msg("sigmoid_f32 %s: %.3f ulp", bp_isa_name(isas[t]), worst);
    }
    free(xs);
    free(ys);
}

/* ----------------------------------------------- output layer, fused */

/* The first k < count where a[k] and b[k] differ in their bits (two NaNs
 * count as equal), or count. */
static size_t first_difference(const double *a, const double *b,
                               size_t count)
{
    size_t k = 0;
    while (k < count && (memcmp(&a[k], &b[k], sizeof a[k]) == 0 ||
                         (isnan(a[k]) && isnan(b[k]))))
        k++;
    return k;
}

static void expect_same(const char *what, bp_isa isa, size_t h, size_t n,
                        const double *a, const double *b, size_t count)
{
    size_t k = first_difference(a, b, count);
    if (k < count)
        fail_msg("output1 %s (%s, h %zu, n %zu) [%zu]: %a, apart %a",
                 what, bp_isa_name(isa), h, n, k, a[k], b[k]);
}

/* output1_fast gives the separate kernels' bits: p, loss, delta, dw, db and
 * din, for every activation below, both losses, binary and soft targets,
 * with and without a bias and a layer below, at sizes on both sides of
 * its register limit and of a vector's width; nothing written outside. */
static void test_output1(void **state)
{
    (void)state;
    bp_isa isas[3];
    int n_isa = fast_isas(isas);
    isas[n_isa++] = BP_ISA_NAIVE;
    const size_t hs[] = {1, 2, 3, 5, 8, 10, 13, 16, 17};
    const size_t ns[] = {1, 3, 8, 11, 37, 100};
    const bp_activation fs[] = {BP_ACT_SIGMOID, BP_ACT_TANH, BP_ACT_RELU,
                                BP_ACT_NONE};
    int cases = 0;
    for (size_t hi = 0; hi < sizeof hs / sizeof hs[0]; hi++)
        for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
            size_t h = hs[hi], n = ns[ni];
            double *a = vec(h * n), *w = vec(h), *b = vec(1), *y = vec(n);
            double *p1 = vec(n), *p2 = vec(n), *d1 = vec(n), *d2 = vec(n);
            double *w1 = vec(h), *w2 = vec(h), *b1 = vec(1), *b2 = vec(1);
            double *i1 = vec(h * n), *i2 = vec(h * n);
            fill(a, h * n, -1, 1);
            fill(w, h, -2, 2);
            b[0] = uniform(-1, 1);
            for (int variant = 0; variant < 16; variant++, cases++) {
                bp_loss loss = variant & 1 ? BP_LOSS_MSE : BP_LOSS_BCE;
                bp_activation f = fs[(variant >> 1) & 3];
                int soft = variant & 8, bias = (variant + (int)n) & 2;
                for (size_t s = 0; s < n; s++)
                    y[s] = soft ? uniform(0, 1) : (double)(uniform(0, 1) < 0.5);
                if (f != BP_ACT_NONE)   /* a is a layer's output */
                    for (size_t k = 0; k < h * n; k++)
                        a[k] = f == BP_ACT_SIGMOID ? uniform(0, 1)
                               : f == BP_ACT_TANH  ? uniform(-1, 1)
                                                   : fmax(0, uniform(-1, 1));
                for (int t = 0; t < n_isa; t++) {
                    bp_isa isa = isas[t];
                    const double *bb = bias ? b : NULL;
                    double l1 = K64(isa)->output1(loss, f, p1, d1, w1,
                                                  bias ? b1 : NULL, i1, a, w,
                                                  bb, y, h, n);
                    K64(isa)->dense_forward(p2, a, w, bb, 1, h, n);
                    K64(isa)->activation_forward(BP_ACT_SIGMOID, p2, n);
                    double l2 = K64(isa)->loss_value(loss, p2, y, n);
                    K64(isa)->output_delta(loss, d2, p2, y, n, 1);
                    K64(isa)->dense_backward_params(w2, bias ? b2 : NULL, d2,
                                                    a, 1, h, n);
                    K64(isa)->dense_backward_input_act(f, i2, w, d2, a, 1, h,
                                                       n);
                    if (memcmp(&l1, &l2, sizeof l1))
                        fail_msg("output1 loss (%s, h %zu, n %zu): %a, "
                                 "apart %a", bp_isa_name(isa), h, n, l1, l2);
                    expect_same("p", isa, h, n, p1, p2, n);
                    expect_same("delta", isa, h, n, d1, d2, n);
                    expect_same("dw", isa, h, n, w1, w2, h);
                    if (bias)
                        expect_same("db", isa, h, n, b1, b2, 1);
                    expect_same("din", isa, h, n, i1, i2, h * n);
                    /* no layer below: din untouched */
                    i1[0] = 1234.5;
                    double l3 = K64(isa)->output1(loss, f, p1, d1, w1, NULL,
                                                  NULL, a, w, bb, y, h, n);
                    assert_true(l3 == l1 || (isnan(l3) && isnan(l1)));
                    assert_true(i1[0] == 1234.5);
                    check_guards(p1, n);
                    check_guards(d1, n);
                    check_guards(w1, h);
                    check_guards(b1, 1);
                    check_guards(i1, h * n);
                }
            }
            double *all[] = {a, w, b, y, p1, p2, d1, d2, w1, w2, b1, b2, i1, i2};
            for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
                vec_free(all[k]);
        }
    print_message("output1: %d cases on %d instruction sets\n", cases, n_isa);
}

/* ------------------------------------------------- reciprocal (vecmath.h) */

#ifdef BP_HAVE_X86_SIMD
/* Lanes of vm_recip_avx512 that differ from 1.0 / d,
 * bit for bit; the first such d in *bad.  Lanes outside the range the
 * reciprocal is for are checked by the range test instead. */
static BP_TARGET_AVX512 size_t recip_mismatches(const double *d, size_t count,
                                                double *bad)
{
    size_t wrong = 0;
    for (size_t k = 0; k + 8 <= count; k += 8) {
        __m512d v = _mm512_loadu_pd(d + k);
        __m512d q = _mm512_div_pd(_mm512_set1_pd(1.0), v);
        __m512d r = vm_recip_avx512(v);
        __mmask8 ne = _mm512_cmpneq_epi64_mask(_mm512_castpd_si512(q),
                                               _mm512_castpd_si512(r));
        if (ne) {
            if (!wrong)
                *bad = d[k + (size_t)__builtin_ctz(ne)];
            wrong += (size_t)__builtin_popcount(ne);
        }
    }
    return wrong;
}

/* Bit k of the result: vm_recip_ok_avx512 of d[k], k < 8. */
static BP_TARGET_AVX512 unsigned recip_ok_bits(const double d[8])
{
    return vm_recip_ok_avx512(_mm512_loadu_pd(d));
}

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

#endif

/* The sigmoid's reciprocal on the multiply-add pipes rounds as the
 * division does, for every d it takes: random significands in
 * every binade it takes, significands of all ones (where the classic last
 * step ties the wrong way) and their neighbours, long runs of ones and
 * zeros; and it takes exactly the d it is for. */
static void test_recip_exact(void **state)
{
    (void)state;
#ifdef BP_HAVE_X86_SIMD
    if (!bp_isa_supported(BP_ISA_AVX512)) {
        print_message("no avx512 here: the reciprocal is not used\n");
        skip();
    }
    enum { RANDOM = 2000000 };
    const uint64_t MANT = (1ULL << 52) - 1;
    size_t count = RANDOM + 4096;
    double *d = malloc(count * sizeof *d);
    assert_non_null(d);
    size_t m = 0;
    for (size_t k = 0; k < RANDOM; k++) {
        uint64_t mant = (uint64_t)(uniform(0, 1) * 0x1p52) & MANT;
        int64_t e = (int64_t)uniform(-1000, 1000);  /* [2^-1000, 2^1000) */
        d[m++] = from_bits(((uint64_t)(1023 + e) << 52) | mant);
    }
    for (int64_t e = -1000; e < 1000; e += 7)
        for (int j = 0; j < 3; j++) {
            uint64_t be = (uint64_t)(1023 + e) << 52;
            d[m++] = from_bits(be | (MANT - (uint64_t)j));
            d[m++] = from_bits(be | (uint64_t)j);
        }
    for (int run = 1; run < 52; run++) {
        uint64_t ones = (1ULL << run) - 1;
        d[m++] = from_bits((1023ULL << 52) | ones);               /* 0..01..1 */
        d[m++] = from_bits((1023ULL << 52) | (MANT & ~ones));     /* 1..10..0 */
        d[m++] = from_bits((1023ULL << 52) | (ones << (52 - run)));
        d[m++] = from_bits((1023ULL << 52) | (MANT >> run));
    }
    d[m++] = nextafter(0x1p1000, 0);
    d[m++] = 0x1p-1000;
    d[m++] = 1e-4;
    d[m++] = 3.0;
    d[m++] = 1.0 + 0x1p-30;
    while (m % 8)
        d[m++] = 1.0;
    double bad = 0;
    size_t wrong = recip_mismatches(d, m, &bad);
    if (wrong)
        fail_msg("reciprocal: %zu of %zu differ from the division, "
                 "first d = %a", wrong, m, bad);
    const double range[8] = {1.0, nextafter(0x1p1000, 0), 0x1p1000, INFINITY,
                             NAN, 1e300, 0x1p-1000, 2e301};
    assert_int_equal(recip_ok_bits(range), 0x63);
    const double range2[8] = {0.0, -0.0, -1.0, nextafter(0x1p-1000, 0),
                              -INFINITY, 0x1p-1074, 1e-4, -NAN};
    assert_int_equal(recip_ok_bits(range2), 0x40);
    free(d);
#else
    skip();
#endif
}

/* The sigmoid pass of a layer (which takes some vectors through the
 * reciprocal above) and vec_sigmoid (the division only) agree bit for bit,
 * with the extreme inputs that take the division in either. */
static void test_sigmoid_pass_exact(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    enum { COUNT = 100003 };
    double *x = malloc(COUNT * sizeof *x), *a = malloc(COUNT * sizeof *a);
    double *y = malloc(COUNT * sizeof *y);
    float *xf = malloc(COUNT * sizeof *xf), *af = malloc(COUNT * sizeof *af);
    float *yf = malloc(COUNT * sizeof *yf);
    assert_true(x && a && y && xf && af && yf);
    for (size_t k = 0; k < COUNT; k++) {
        x[k] = k % 97 == 5 ? uniform(-760, 760) : uniform(-40, 40);
        xf[k] = k % 97 == 5 ? (float)uniform(-100, 100)
                            : (float)uniform(-20, 20);
    }
    const double ends[] = {NAN, INFINITY, -INFINITY, -0.0, -700.0, -709.9};
    for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
        x[40 + 8 * k] = ends[k];                /* in the second vector */
        xf[80 + 16 * k] = (float)ends[k];
    }
    for (int t = 0; t < n_isa; t++) {
        memcpy(a, x, COUNT * sizeof *x);
        K64(isas[t])->activation_forward(BP_ACT_SIGMOID, a, COUNT);
        K64(isas[t])->vsigmoid(y, x, COUNT);
        size_t k = first_difference(a, y, COUNT);
        if (k < COUNT)
            fail_msg("sigmoid pass (%s) [%zu]: %a, vec_sigmoid %a",
                     bp_isa_name(isas[t]), k, a[k], y[k]);
        memcpy(af, xf, COUNT * sizeof *xf);
        K32(isas[t])->activation_forward(BP_ACT_SIGMOID, af, COUNT);
        K32(isas[t])->vsigmoid(yf, xf, COUNT);
        for (size_t e = 0; e < COUNT; e++)
            if (memcmp(&af[e], &yf[e], sizeof af[e]) &&
                !(isnan(af[e]) && isnan(yf[e])))
                fail_msg("f32 sigmoid pass (%s) [%zu]: %a, vec_sigmoid %a",
                         bp_isa_name(isas[t]), e, (double)af[e],
                         (double)yf[e]);
    }
    free(x), free(a), free(y), free(xf), free(af), free(yf);
}

/* --------------------------------------------------------------- training */

/* Training with the fast kernels is deterministic: two runs from the same
 * weights give bit-identical losses and weights. */
/*
 * The weight and bias gradients are means over the samples: sum / n
 * rounded once, whichever way a kernel divides (a multiplication by 1 / n
 * where n is a power of two).  With small integers in delta and the input,
 * every partial sum is exact in any order, so each gradient must be the
 * one rounding of the integer sum over n: every path of the double and
 * float kernels (outer tiles, kept sums, general tiles, packed panels, the
 * trainer's rows split in shares), counts that are and are not powers of 2.
 */
static long isum(const double *a, const double *b, size_t n)
{
    long s = 0;
    for (size_t k = 0; k < n; k++)
        s += (long)a[k] * (long)(b ? b[k] : 1);
    return s;
}

static void test_mean_rounding(void **state)
{
    (void)state;
    bp_isa isas[2];
    int n_isa = fast_isas(isas);
    const size_t shapes[][2] = {{3, 2}, {8, 3}, {10, 10}, {20, 30}, {40, 17}};
    const size_t ns[] = {1, 3, 7, 10, 64, 100, 128};
    for (int t = 0; t < n_isa; t++)
        for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++)
            for (size_t q = 0; q < sizeof ns / sizeof ns[0]; q++) {
                const size_t n_out = shapes[c][0], n_in = shapes[c][1];
                const size_t n = ns[q], nw = n_out * n_in;
                double *delta = vec(n_out * n), *in = vec(n_in * n);
                double *dw = vec(nw), *db = vec(n_out);
                float *fdelta = fvec(n_out * n), *fin = fvec(n_in * n);
                float *fdw = fvec(nw), *fdb = fvec(n_out);
                for (size_t k = 0; k < n_out * n; k++)
                    fdelta[k] = (float)(delta[k] = floor(uniform(-4, 5)));
                for (size_t k = 0; k < n_in * n; k++)
                    fin[k] = (float)(in[k] = floor(uniform(-4, 5)));
                K64(isas[t])->dense_backward_params(dw, db, delta, in, n_out,
                                                    n_in, n);
                K32(isas[t])->dense_backward_params(fdw, fdb, fdelta, fin,
                                                    n_out, n_in, n);
                check_guards(dw, nw), check_guards(db, n_out);
                check_fguards(fdw, nw), check_fguards(fdb, n_out);
                for (size_t j = 0; j < n_out; j++)
                    for (size_t i = 0; i <= n_in; i++) {
                        /* i == n_in: the bias */
                        long s = isum(delta + j * n,
                                      i < n_in ? in + i * n : NULL, n);
                        double e = (double)s / (double)n, g;
                        float fe = (float)s / (float)n, fg;
                        g = i < n_in ? dw[j * n_in + i] : db[j];
                        fg = i < n_in ? fdw[j * n_in + i] : fdb[j];
                        if (memcmp(&e, &g, sizeof e) ||
                            memcmp(&fe, &fg, sizeof fe))
                            fail_msg("%s, %zu x %zu on %zu: [%zu][%zu] is "
                                     "%.17g / %.9g, sum %ld / n is %.17g / "
                                     "%.9g", bp_isa_name(isas[t]), n_out,
                                     n_in, n, j, i, g, (double)fg, s, e,
                                     (double)fe);
                    }
                /* by rows: the whole batch as one share, then as two */
                bp_isa p = panels_isa_f32(isas[t], n_in, n_out);
                if (p != BP_ISA_NAIVE && n >= 2) {
                    const size_t n0 = n / 3 + 1, nn[2] = {n0, n - n0};
                    float *pk[2], c2[2] = {(float)nn[0] / (float)n,
                                           (float)nn[1] / (float)n};
                    const float *dl[2], *pc[2];
                    float *ds[2];
                    for (int u = 0; u < 2; u++) {
                        /* share u's deltas: its columns, rows of nn[u] */
                        ds[u] = fvec(n_out * nn[u]);
                        for (size_t j = 0; j < n_out; j++)
                            memcpy(ds[u] + j * nn[u],
                                   fdelta + j * n + (u ? n0 : 0),
                                   nn[u] * sizeof *ds[u]);
                        dl[u] = ds[u];
                        pk[u] = fvec(panels_size_f32(p, n_in, nn[u]));
                        pack_panels_f32(p, pk[u], fin, n, u ? n0 : 0, n_in,
                                        nn[u]);
                        pc[u] = pk[u];
                    }
                    float *whole = fvec(panels_size_f32(p, n_in, n));
                    pack_panels_f32(p, whole, fin, n, 0, n_in, n);
                    const float *pw[1] = {whole}, *dw1[1] = {fdelta};
                    params_panels_f32(p, fdw, n_out, n_in, 1, dw1, &n, pw,
                                      NULL);
                    for (size_t k = 0; k < nw; k++)
                        if (fdw[k] != (float)isum(delta + k / n_in * n,
                                                  in + k % n_in * n, n) /
                                          (float)n)
                            fail_msg("%s panels, %zu x %zu on %zu: [%zu] is "
                                     "%.9g", bp_isa_name(p), n_out, n_in, n, k,
                                     (double)fdw[k]);
                    params_panels_f32(p, fdw, n_out, n_in, 2, dl, nn, pc, c2);
                    check_fguards(fdw, nw);
                    for (size_t k = 0; k < nw; k++) {
                        const double *dj = delta + k / n_in * n;
                        const double *xi = in + k % n_in * n;
                        float k0 = (float)isum(dj, xi, n0) / (float)nn[0];
                        float k1 = (float)isum(dj + n0, xi + n0, nn[1]) /
                                   (float)nn[1];
                        float e0 = c2[0] * k0, e1 = c2[1] * k1, fe = e0 + e1;
                        if (memcmp(&fe, &fdw[k], sizeof fe))
                            fail_msg("%s panels of 2 shares, %zu x %zu on %zu:"
                                     " [%zu] is %.9g, expected %.9g",
                                     bp_isa_name(p), n_out, n_in, n, k,
                                     (double)fdw[k], (double)fe);
                    }
                    fvec_free(pk[0]), fvec_free(pk[1]), fvec_free(whole);
                    fvec_free(ds[0]), fvec_free(ds[1]);
                }
                vec_free(delta), vec_free(in), vec_free(dw), vec_free(db);
                fvec_free(fdelta), fvec_free(fin), fvec_free(fdw);
                fvec_free(fdb);
            }
}

static void test_training_deterministic(void **state)
{
    (void)state;
    bp_dataset *ds = bp_data_linear(37, 5, 1, NULL);
    assert_non_null(ds);
    double losses[2][40], w[2][4];
    for (int run = 0; run < 2; run++) {
        bp_arch a = {.n_layers = 3, .sizes = {2, 10, 10, 1},
                     .hidden = BP_ACT_SIGMOID, .bias = 1, .loss = BP_LOSS_BCE};
        bp_net *net = bp_net_new(&a, NULL);
        assert_non_null(net);
        assert_int_equal(bp_net_init(net, BP_INIT_NUMPY, 3, NULL), BP_OK);
        bp_train_opts o = {.optimizer = BP_OPT_MOMENTUM, .lr = 0.1,
                           .momentum = 0.9};
        bp_trainer *tr = bp_trainer_new(net, ds, &o, NULL);
        assert_non_null(tr);
        for (int e = 0; e < 40; e++)
            assert_int_equal(bp_trainer_epoch(tr, &losses[run][e], NULL),
                             BP_OK);
        memcpy(w[run], bp_net_params(net), sizeof w[run]);
        bp_trainer_free(tr);
        bp_net_free(net);
    }
    assert_memory_equal(losses[0], losses[1], sizeof losses[0]);
    assert_memory_equal(w[0], w[1], sizeof w[0]);
    bp_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_forward),
        cmocka_unit_test(test_dense_backward_input),
        cmocka_unit_test(test_sums_in_order),
        cmocka_unit_test(test_dense_backward_params),
        cmocka_unit_test(test_fused_layers),
        cmocka_unit_test(test_activations),
        cmocka_unit_test(test_relu_nan),
        cmocka_unit_test(test_losses),
        cmocka_unit_test(test_loss_not_finite),
        cmocka_unit_test(test_exp_sweep),
        cmocka_unit_test(test_log_sweep),
        cmocka_unit_test(test_sigmoid_sweep),
        cmocka_unit_test(test_recip_exact),
        cmocka_unit_test(test_output1),
        cmocka_unit_test(test_sigmoid_pass_exact),
        cmocka_unit_test(test_mean_rounding),
        cmocka_unit_test(test_training_deterministic),
        cmocka_unit_test(test_f32_layers),
        cmocka_unit_test(test_f32_mlp_shapes),
        cmocka_unit_test(test_f32_activations),
        cmocka_unit_test(test_f32_losses),
        cmocka_unit_test(test_f32_exp_sweep),
        cmocka_unit_test(test_f32_log_sweep),
        cmocka_unit_test(test_f32_sigmoid_sweep),
    };
    print_message("instruction sets: best %s (avx2 %s, avx512 %s)\n",
                  bp_isa_name(bp_isa_best()),
                  bp_isa_supported(BP_ISA_AVX2) ? "yes" : "no",
                  bp_isa_supported(BP_ISA_AVX512) ? "yes" : "no");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
