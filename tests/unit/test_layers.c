/* test_layers.c - the passes of the conv, maxpool, avgpool and dropout
 * rows (src/nn/conv.c, pool.c, dropout.c) against plain loops written
 * here over sample-major [s][c][y][x] arrays, in double and float, for
 * every instruction set this CPU runs; the backward passes also against
 * central differences; max pooling's tie rule; dropout's masks. */
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "nn/layer.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static double uniform(double lo, double hi)        /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return lo + (hi - lo) * (double)(z >> 11) * 0x1p-53;
}

#define GUARD 8
#define GUARD_VALUE 1234.5

/* count values with GUARD guard values on each side (checked by
 * check_guards: a pass wrote outside its array). */
static double *dvec(size_t count)
{
    double *p = malloc((count + 2 * GUARD) * sizeof *p);
    assert_non_null(p);
    for (size_t k = 0; k < count + 2 * GUARD; k++)
        p[k] = GUARD_VALUE;
    return p + GUARD;
}

static float *fvec(size_t count)
{
    float *p = malloc((count + 2 * GUARD) * sizeof *p);
    assert_non_null(p);
    for (size_t k = 0; k < count + 2 * GUARD; k++)
        p[k] = (float)GUARD_VALUE;
    return p + GUARD;
}

static void dfree(double *p)
{
    if (p)
        free(p - GUARD);
}

static void ffree(float *p)
{
    if (p)
        free(p - GUARD);
}

static void dguards(const double *p, size_t count, const char *what)
{
    for (int k = 1; k <= GUARD; k++)
        if (p[-k] != GUARD_VALUE || p[count + (size_t)k - 1] != GUARD_VALUE)
            fail_msg("%s: written outside its %zu values", what, count);
}

static void fguards(const float *p, size_t count, const char *what)
{
    for (int k = 1; k <= GUARD; k++)
        if (p[-k] != (float)GUARD_VALUE ||
            p[count + (size_t)k - 1] != (float)GUARD_VALUE)
            fail_msg("%s: written outside its %zu values", what, count);
}

/* The instruction sets to run: the naive one and every supported other. */
static int all_isas(bp_isa out[3])
{
    int n = 0;
    out[n++] = BP_ISA_NAIVE;
    if (bp_isa_supported(BP_ISA_AVX2))
        out[n++] = BP_ISA_AVX2;
    if (bp_isa_supported(BP_ISA_AVX512))
        out[n++] = BP_ISA_AVX512;
    return n;
}

/* A layer of kind on input `in`, its output shape from its row. */
static bp_layer make_layer(bp_layer_kind kind, bp_shape in, size_t units,
                           int k, int stride, int valid, double rate,
                           bp_activation act)
{
    bp_layer L = {0};
    L.kind = kind, L.units = units, L.k = k, L.stride = stride;
    L.valid = valid, L.rate = rate, L.act = act;
    bp_error err = {0};
    bp_shape out;
    const bp_layer_ops *ops = bp_layer_ops_of(kind);
    assert_non_null(ops);
    if (ops->shape(&L, in, &out, &err) != BP_OK)
        fail_msg("shape refused: %s", err.msg);
    L.in = in, L.out = out;
    return L;
}

/* Sample-major [s][features] <-> feature-major [features][s]. */
static void to_fm(double *fm, const double *sm, size_t feat, size_t n)
{
    for (size_t s = 0; s < n; s++)
        for (size_t i = 0; i < feat; i++)
            fm[i * n + s] = sm[s * feat + i];
}

static void to_sm(double *sm, const double *fm, size_t feat, size_t n)
{
    for (size_t s = 0; s < n; s++)
        for (size_t i = 0; i < feat; i++)
            sm[s * feat + i] = fm[i * n + s];
}

/* --------------------------------------------- the plain implementations */

static double act_value(bp_activation f, double z)
{
    switch (f) {
    case BP_ACT_SIGMOID:
        return 1 / (1 + exp(-z));
    case BP_ACT_TANH:
        return tanh(z);
    case BP_ACT_RELU:
        return z > 0 ? z : 0;
    default:
        return z;
    }
}

/* f'(z) from a = f(z). */
static double act_slope(bp_activation f, double a)
{
    switch (f) {
    case BP_ACT_SIGMOID:
        return a * (1 - a);
    case BP_ACT_TANH:
        return 1 - a * a;
    case BP_ACT_RELU:
        return a > 0 ? 1 : 0;
    default:
        return 1;
    }
}

/* "same": (out - 1) stride + k - in zeros in all, the smaller half first
 * (written here from the definition, not from bp_conv_pad). */
static long ref_pad(const bp_layer *L, size_t in, size_t out)
{
    if (L->valid)
        return 0;
    long s = L->stride > 1 ? L->stride : 1;
    long total = ((long)out - 1) * s + L->k - (long)in;
    return total > 0 ? total / 2 : 0;
}

/* The expected output side, from the definitions. */
static size_t ref_side(const bp_layer *L, size_t in)
{
    size_t s = L->stride > 1 ? (size_t)L->stride : 1;
    if (L->kind == BP_LAYER_CONV)
        return L->valid ? (in - (size_t)L->k) / s + 1 : (in + s - 1) / s;
    return in / (size_t)L->k;
}

/*
 * The layer's forward pass on sample-major arrays: out[s][o] from
 * in[s][i], with w, b (NULL: none), the layer's activation for conv, and
 * for dropout the mask of bp_dropout_keep (train, seed, step, index,
 * first).
 */
static void ref_forward(const bp_layer *L, const bp_layer_run *r, size_t n,
                        double *out, const double *in, const double *w,
                        const double *b)
{
    const size_t C = L->in.c, H = L->in.h, W = L->in.w;
    const size_t OC = L->out.c, OH = L->out.h, OW = L->out.w;
    const size_t fin = C * H * W, fout = OC * OH * OW;
    const long k = L->k, S = L->stride > 1 ? L->stride : 1;
    for (size_t s = 0; s < n; s++) {
        const double *x = in + s * fin;
        double *y = out + s * fout;
        switch (L->kind) {
        case BP_LAYER_CONV: {
            long py = ref_pad(L, H, OH), px = ref_pad(L, W, OW);
            for (size_t f = 0; f < OC; f++)
                for (size_t oy = 0; oy < OH; oy++)
                    for (size_t ox = 0; ox < OW; ox++) {
                        double z = b ? b[f] : 0;
                        for (size_t c = 0; c < C; c++)
                            for (long ky = 0; ky < k; ky++)
                                for (long kx = 0; kx < k; kx++) {
                                    long iy = (long)oy * S + ky - py;
                                    long ix = (long)ox * S + kx - px;
                                    if (iy < 0 || ix < 0 || iy >= (long)H ||
                                        ix >= (long)W)
                                        continue;
                                    z += w[((f * C + c) * (size_t)k +
                                            (size_t)ky) * (size_t)k +
                                           (size_t)kx] *
                                         x[(c * H + (size_t)iy) * W +
                                           (size_t)ix];
                                }
                        y[(f * OH + oy) * OW + ox] = act_value(L->act, z);
                    }
            break;
        }
        case BP_LAYER_MAXPOOL:
        case BP_LAYER_AVGPOOL:
            for (size_t c = 0; c < C; c++)
                for (size_t oy = 0; oy < OH; oy++)
                    for (size_t ox = 0; ox < OW; ox++) {
                        double best = -INFINITY, sum = 0;
                        for (long ky = 0; ky < k; ky++)
                            for (long kx = 0; kx < k; kx++) {
                                double v = x[(c * H + oy * (size_t)k +
                                              (size_t)ky) * W +
                                             ox * (size_t)k + (size_t)kx];
                                best = v > best ? v : best;
                                sum += v;
                            }
                        y[(c * OH + oy) * OW + ox] =
                            L->kind == BP_LAYER_MAXPOOL ? best
                                                        : sum / (double)(k * k);
                    }
            break;
        case BP_LAYER_DROPOUT:
            for (size_t i = 0; i < fin; i++)
                y[i] = !r->train ? x[i]
                       : bp_dropout_keep(r->seed, r->step, r->index,
                                         r->first + s, i, L->rate)
                           ? x[i] / (1 - L->rate)
                           : 0;
            break;
        default:
            fail_msg("no reference for kind %d", (int)L->kind);
        }
    }
}

/* The backward pass on sample-major arrays: from delta (dJ/dz, [s][o]),
 * dw and db (the mean over the n samples; db NULL: none) and din. */
static void ref_backward(const bp_layer *L, const bp_layer_run *r, size_t n,
                         double *din, double *dw, double *db,
                         const double *delta, const double *in,
                         const double *w)
{
    const size_t C = L->in.c, H = L->in.h, W = L->in.w;
    const size_t OC = L->out.c, OH = L->out.h, OW = L->out.w;
    const size_t fin = C * H * W, fout = OC * OH * OW;
    const long k = L->k, S = L->stride > 1 ? L->stride : 1;
    memset(din, 0, n * fin * sizeof *din);
    if (L->kind == BP_LAYER_CONV) {
        memset(dw, 0, OC * C * (size_t)(k * k) * sizeof *dw);
        if (db)
            memset(db, 0, OC * sizeof *db);
    }
    for (size_t s = 0; s < n; s++) {
        const double *x = in + s * fin, *g = delta + s * fout;
        double *dx = din + s * fin;
        switch (L->kind) {
        case BP_LAYER_CONV: {
            long py = ref_pad(L, H, OH), px = ref_pad(L, W, OW);
            for (size_t f = 0; f < OC; f++)
                for (size_t oy = 0; oy < OH; oy++)
                    for (size_t ox = 0; ox < OW; ox++) {
                        double d = g[(f * OH + oy) * OW + ox];
                        if (db)
                            db[f] += d / (double)n;
                        for (size_t c = 0; c < C; c++)
                            for (long ky = 0; ky < k; ky++)
                                for (long kx = 0; kx < k; kx++) {
                                    long iy = (long)oy * S + ky - py;
                                    long ix = (long)ox * S + kx - px;
                                    if (iy < 0 || ix < 0 || iy >= (long)H ||
                                        ix >= (long)W)
                                        continue;
                                    size_t wi = ((f * C + c) * (size_t)k +
                                                 (size_t)ky) * (size_t)k +
                                                (size_t)kx;
                                    size_t xi = (c * H + (size_t)iy) * W +
                                                (size_t)ix;
                                    dw[wi] += d * x[xi] / (double)n;
                                    dx[xi] += w[wi] * d;
                                }
                    }
            break;
        }
        case BP_LAYER_MAXPOOL:
        case BP_LAYER_AVGPOOL:
            for (size_t c = 0; c < C; c++)
                for (size_t oy = 0; oy < OH; oy++)
                    for (size_t ox = 0; ox < OW; ox++) {
                        double d = g[(c * OH + oy) * OW + ox];
                        double best = -INFINITY;
                        size_t at = 0;
                        for (long ky = 0; ky < k; ky++)
                            for (long kx = 0; kx < k; kx++) {
                                size_t xi = (c * H + oy * (size_t)k +
                                             (size_t)ky) * W +
                                            ox * (size_t)k + (size_t)kx;
                                if (L->kind == BP_LAYER_AVGPOOL)
                                    dx[xi] = d / (double)(k * k);
                                else if (x[xi] > best) /* the first max */
                                    best = x[xi], at = xi;
                            }
                        if (L->kind == BP_LAYER_MAXPOOL)
                            dx[at] = d;
                    }
            break;
        case BP_LAYER_DROPOUT:
            for (size_t i = 0; i < fin; i++)
                dx[i] = !r->train ? g[i]
                        : bp_dropout_keep(r->seed, r->step, r->index,
                                          r->first + s, i, L->rate)
                            ? g[i] / (1 - L->rate)
                            : 0;
            break;
        default:
            fail_msg("no reference for kind %d", (int)L->kind);
        }
    }
}

/* ------------------------------------------------------ the comparisons */

static void expect_near(const char *what, const bp_layer *L, size_t n,
                        size_t at, double got, double want, double tol)
{
    double scale = fabs(want) > 1 ? fabs(want) : 1;
    if (!(fabs(got - want) <= tol * scale)) {
        char item[96];
        bp_layer_item(L, item, sizeof item);
        fail_msg("%s of %s (act %d) on %zux%zux%zu, n %zu, [%zu]: got "
                 "%.17g, want %.17g", what, item, (int)L->act, L->in.c,
                 L->in.h, L->in.w, n, at, got, want);
    }
}

static size_t n_weights(const bp_layer *L)
{
    return bp_layer_ops_of(L->kind)->weights(L);
}

static size_t n_biases(const bp_layer *L)
{
    return bp_layer_ops_of(L->kind)->biases(L);
}

/* J = sum_s sum_o out[s][o] R[s][o] / n of the f64 forward pass (our
 * implementation, feature-major): the scalar the gradient check takes. */
static double objective(const bp_layer_run *r, const double *in_fm,
                        const double *w, const double *b, const double *R_fm,
                        double *out_fm, double *scratch)
{
    const bp_layer *L = r->layer;
    bp_layer_ops_of(L->kind)->forward_f64(r, out_fm, in_fm, w, b, scratch);
    double J = 0;
    size_t count = bp_shape_size(L->out) * r->n;
    for (size_t q = 0; q < count; q++)
        J += out_fm[q] * R_fm[q];
    return J / (double)r->n;
}

/*
 * One layer on n samples with instruction set isa: the f64 passes
 * against the plain ones, the f32 passes against the f64 ones, and with
 * gradcheck every weight, bias and input against central differences of
 * J (objective; per sample, din is n times dJ/din).
 */
static void check_layer(const bp_layer *L, size_t n, int bias, bp_isa isa,
                        int gradcheck, const bp_layer_run *proto)
{
    const bp_layer_ops *ops = bp_layer_ops_of(L->kind);
    const size_t fin = bp_shape_size(L->in), fout = bp_shape_size(L->out);
    const size_t nw = n_weights(L), nb = bias ? n_biases(L) : 0;
    const size_t nscr = ops->scratch(L) * n;
    bp_layer_run r = proto ? *proto : (bp_layer_run){0};
    r.layer = L, r.n = n, r.isa = isa;

    assert_int_equal(L->out.h, L->kind == BP_LAYER_DROPOUT ? L->in.h
                                                            : ref_side(L, L->in.h));
    assert_int_equal(L->out.w, L->kind == BP_LAYER_DROPOUT ? L->in.w
                                                            : ref_side(L, L->in.w));

    double *in = dvec(fin * n), *in_fm = dvec(fin * n);
    double *w = dvec(nw), *b = dvec(nb), *R = dvec(fout * n);
    double *ref_out = dvec(fout * n), *out = dvec(fout * n);
    double *out_sm = dvec(fout * n), *delta = dvec(fout * n);
    double *delta_fm = dvec(fout * n), *R_fm = dvec(fout * n);
    double *rdin = dvec(fin * n), *rdw = dvec(nw), *rdb = dvec(nb);
    double *din = dvec(fin * n), *din_sm = dvec(fin * n);
    double *dw = dvec(nw), *db = dvec(nb), *scr = dvec(nscr);
    for (size_t q = 0; q < fin * n; q++)
        in[q] = uniform(-2, 2);
    for (size_t q = 0; q < nw; q++)
        w[q] = uniform(-1, 1);
    for (size_t q = 0; q < nb; q++)
        b[q] = uniform(-1, 1);
    for (size_t q = 0; q < fout * n; q++)
        R[q] = uniform(-1, 1);
    to_fm(in_fm, in, fin, n);
    to_fm(R_fm, R, fout, n);

    /* forward, double */
    ref_forward(L, &r, n, ref_out, in, w, bias ? b : NULL);
    ops->forward_f64(&r, out, in_fm, w, bias ? b : NULL, scr);
    dguards(out, fout * n, "forward_f64 out");
    dguards(scr, nscr, "forward_f64 scratch");
    to_sm(out_sm, out, fout, n);
    for (size_t q = 0; q < fout * n; q++)
        expect_near("forward_f64", L, n, q, out_sm[q], ref_out[q], 1e-12);

    /* backward, double: delta = dJ/dz = R f'(z) / ... per sample */
    for (size_t q = 0; q < fout * n; q++)
        delta[q] = R[q] * (ops->has_act ? act_slope(L->act, ref_out[q]) : 1);
    to_fm(delta_fm, delta, fout, n);
    ref_backward(L, &r, n, rdin, rdw, bias ? rdb : NULL, delta, in, w);
    ops->backward_f64(&r, din, dw, bias ? db : NULL, delta_fm, in_fm, out, w,
                      scr);
    dguards(din, fin * n, "backward_f64 din");
    dguards(dw, nw, "backward_f64 dw");
    dguards(db, nb, "backward_f64 db");
    dguards(scr, nscr, "backward_f64 scratch");
    to_sm(din_sm, din, fin, n);
    for (size_t q = 0; q < fin * n; q++)
        expect_near("backward_f64 din", L, n, q, din_sm[q], rdin[q], 1e-12);
    for (size_t q = 0; q < nw; q++)
        expect_near("backward_f64 dw", L, n, q, dw[q], rdw[q], 1e-12);
    for (size_t q = 0; q < nb; q++)
        expect_near("backward_f64 db", L, n, q, db[q], rdb[q], 1e-12);

    /* din NULL (a first layer): the same dw and db */
    if (nw) {
        double *dw2 = dvec(nw), *db2 = dvec(nb);
        ops->backward_f64(&r, NULL, dw2, bias ? db2 : NULL, delta_fm, in_fm,
                          out, w, scr);
        for (size_t q = 0; q < nw; q++)
            expect_near("backward_f64 dw (din NULL)", L, n, q, dw2[q], dw[q],
                        1e-15);
        for (size_t q = 0; q < nb; q++)
            expect_near("backward_f64 db (din NULL)", L, n, q, db2[q], db[q],
                        1e-15);
        dfree(dw2), dfree(db2);
    }

    /* float: the same passes agree with double to float precision */
    {
        float *fi = fvec(fin * n), *fw = fvec(nw), *fb = fvec(nb);
        float *fo = fvec(fout * n), *fd = fvec(fout * n);
        float *fdin = fvec(fin * n), *fdw = fvec(nw), *fdb = fvec(nb);
        float *fscr = fvec(nscr);
        for (size_t q = 0; q < fin * n; q++)
            fi[q] = (float)in_fm[q];
        for (size_t q = 0; q < nw; q++)
            fw[q] = (float)w[q];
        for (size_t q = 0; q < nb; q++)
            fb[q] = (float)b[q];
        for (size_t q = 0; q < fout * n; q++)
            fd[q] = (float)delta_fm[q];
        ops->forward_f32(&r, fo, fi, fw, bias ? fb : NULL, fscr);
        fguards(fo, fout * n, "forward_f32 out");
        fguards(fscr, nscr, "forward_f32 scratch");
        for (size_t q = 0; q < fout * n; q++)
            expect_near("forward_f32", L, n, q, fo[q], out[q], 2e-5);
        ops->backward_f32(&r, fdin, fdw, bias ? fdb : NULL, fd, fi, fo, fw,
                          fscr);
        fguards(fdin, fin * n, "backward_f32 din");
        fguards(fdw, nw, "backward_f32 dw");
        fguards(fdb, nb, "backward_f32 db");
        fguards(fscr, nscr, "backward_f32 scratch");
        for (size_t q = 0; q < fin * n; q++)
            expect_near("backward_f32 din", L, n, q, fdin[q], din[q], 2e-5);
        for (size_t q = 0; q < nw; q++)
            expect_near("backward_f32 dw", L, n, q, fdw[q], dw[q], 2e-5);
        for (size_t q = 0; q < nb; q++)
            expect_near("backward_f32 db", L, n, q, fdb[q], db[q], 2e-5);
        ffree(fi), ffree(fw), ffree(fb), ffree(fo), ffree(fd);
        ffree(fdin), ffree(fdw), ffree(fdb), ffree(fscr);
    }

    /* central differences of J in double: dw, db (means) and din (n
     * times the derivative of the mean) */
    if (gradcheck) {
        const double h = 1e-6;
        double *tmp = dvec(fout * n);
        double *bb = bias ? b : NULL;
        for (size_t q = 0; q < nw; q++) {
            double keep = w[q];
            w[q] = keep + h;
            double jp = objective(&r, in_fm, w, bb, R_fm, tmp, scr);
            w[q] = keep - h;
            double jm = objective(&r, in_fm, w, bb, R_fm, tmp, scr);
            w[q] = keep;
            expect_near("gradcheck dw", L, n, q, dw[q], (jp - jm) / (2 * h),
                        1e-6);
        }
        for (size_t q = 0; q < nb; q++) {
            double keep = b[q];
            b[q] = keep + h;
            double jp = objective(&r, in_fm, w, bb, R_fm, tmp, scr);
            b[q] = keep - h;
            double jm = objective(&r, in_fm, w, bb, R_fm, tmp, scr);
            b[q] = keep;
            expect_near("gradcheck db", L, n, q, db[q], (jp - jm) / (2 * h),
                        1e-6);
        }
        for (size_t q = 0; q < fin * n; q++) {
            double keep = in_fm[q];
            in_fm[q] = keep + h;
            double jp = objective(&r, in_fm, w, bb, R_fm, tmp, scr);
            in_fm[q] = keep - h;
            double jm = objective(&r, in_fm, w, bb, R_fm, tmp, scr);
            in_fm[q] = keep;
            expect_near("gradcheck din", L, n, q, din[q],
                        (double)n * (jp - jm) / (2 * h), 1e-6);
        }
        dfree(tmp);
    }

    dfree(in), dfree(in_fm), dfree(w), dfree(b), dfree(R), dfree(ref_out);
    dfree(out), dfree(out_sm), dfree(delta), dfree(delta_fm), dfree(R_fm);
    dfree(rdin), dfree(rdw), dfree(rdb), dfree(din), dfree(din_sm);
    dfree(dw), dfree(db), dfree(scr);
}

/* ------------------------------------------------------------------ conv */

static const size_t counts[] = {1, 3, 37};
#define N_COUNTS (sizeof counts / sizeof counts[0])

static void test_conv(void **state)
{
    (void)state;
    bp_isa isas[3];
    int n_isa = all_isas(isas);
    static const size_t chans[] = {1, 3}, filters[] = {2, 5};
    static const int ks[] = {1, 3, 5}, strides[] = {1, 2};
    int cases = 0;
    for (size_t ci = 0; ci < 2; ci++)
        for (size_t fi = 0; fi < 2; fi++)
            for (int ki = 0; ki < 3; ki++)
                for (int si = 0; si < 2; si++)
                    for (int valid = 0; valid <= 1; valid++)
                        for (size_t q = 0; q < N_COUNTS; q++)
                            for (int bias = 0; bias <= 1; bias++) {
                                bp_activation act =
                                    (bp_activation)(cases % BP_ACT_COUNT);
                                bp_layer L = make_layer(
                                    BP_LAYER_CONV,
                                    (bp_shape){chans[ci], 7, 5}, filters[fi],
                                    ks[ki], strides[si], valid, 0, act);
                                check_layer(&L, counts[q], bias,
                                            isas[cases % n_isa], 0, NULL);
                                cases++;
                            }
    /* every instruction set on a few, and a wider map (tiles of rows) */
    for (int t = 0; t < n_isa; t++) {
        bp_layer L = make_layer(BP_LAYER_CONV, (bp_shape){3, 12, 11}, 7, 3, 1,
                                0, 0, BP_ACT_RELU);
        check_layer(&L, 37, 1, isas[t], 0, NULL);
        L = make_layer(BP_LAYER_CONV, (bp_shape){2, 9, 8}, 13, 3, 2, 0, 0,
                       BP_ACT_TANH);
        check_layer(&L, 20, 1, isas[t], 0, NULL);
        L = make_layer(BP_LAYER_CONV, (bp_shape){1, 6, 6}, 4, 3, 1, 1, 0,
                       BP_ACT_SIGMOID);
        check_layer(&L, 3, 0, isas[t], 0, NULL);
        /* few taps, many filters: float's transposed dW on AVX-512, in
         * one block and in several */
        L = make_layer(BP_LAYER_CONV, (bp_shape){1, 9, 8}, 20, 3, 1, 0, 0,
                       BP_ACT_RELU);
        check_layer(&L, 37, 1, isas[t], 0, NULL);
        L = make_layer(BP_LAYER_CONV, (bp_shape){1, 28, 20}, 32, 3, 1, 0, 0,
                       BP_ACT_NONE);
        check_layer(&L, 37, 1, isas[t], 0, NULL);
        L = make_layer(BP_LAYER_CONV, (bp_shape){3, 5, 7}, 16, 1, 1, 0, 0,
                       BP_ACT_NONE);
        check_layer(&L, 21, 0, isas[t], 0, NULL);
    }
}

/* Central differences for every weight, bias and input of small
 * convolutions: strides, valid, channels, every kernel side. */
static void test_conv_gradcheck(void **state)
{
    (void)state;
    static const int ks[] = {1, 3, 5}, strides[] = {1, 2};
    int cases = 0;
    for (int ki = 0; ki < 3; ki++)
        for (int si = 0; si < 2; si++)
            for (int valid = 0; valid <= 1; valid++) {
                /* relu's kink makes central differences unreliable */
                bp_activation act = cases % 2 ? BP_ACT_TANH : BP_ACT_NONE;
                bp_layer L = make_layer(BP_LAYER_CONV, (bp_shape){3, 7, 5},
                                        2, ks[ki], strides[si], valid, 0, act);
                check_layer(&L, 3, cases % 3 != 2, BP_ISA_NAIVE, 1, NULL);
                cases++;
            }
    bp_layer L = make_layer(BP_LAYER_CONV, (bp_shape){2, 5, 6}, 5, 3, 1, 0, 0,
                            BP_ACT_SIGMOID);
    check_layer(&L, 2, 1, bp_isa_best(), 1, NULL);
}

/* ----------------------------------------------------------------- pools */

static void test_pools(void **state)
{
    (void)state;
    bp_isa isas[3];
    int n_isa = all_isas(isas);
    static const bp_layer_kind kinds[] = {BP_LAYER_MAXPOOL, BP_LAYER_AVGPOOL};
    static const size_t chans[] = {1, 3};
    static const int ks[] = {1, 2, 3};
    static const bp_shape maps[] = {{0, 7, 5}, {0, 6, 8}, {0, 28, 28}};
    int cases = 0;
    for (int kd = 0; kd < 2; kd++)
        for (size_t ci = 0; ci < 2; ci++)
            for (int ki = 0; ki < 3; ki++)
                for (int mi = 0; mi < 3; mi++)
                    for (size_t q = 0; q < N_COUNTS; q++) {
                        bp_shape in = maps[mi];
                        in.c = chans[ci];
                        bp_layer L = make_layer(kinds[kd], in, 0, ks[ki], 0,
                                                0, 0, BP_ACT_NONE);
                        check_layer(&L, counts[q], 0, isas[cases % n_isa],
                                    mi == 0 && q < 2, NULL);
                        cases++;
                    }
    /* more than one chunk of samples in backward */
    bp_layer L = make_layer(BP_LAYER_MAXPOOL, (bp_shape){2, 5, 7}, 0, 2, 0, 0,
                            0, BP_ACT_NONE);
    check_layer(&L, 150, 0, BP_ISA_NAIVE, 0, NULL);
}

/* Equal values in a window: the gradient goes to the first of them in
 * row-major order, all of it, whatever the sample. */
static void test_maxpool_ties(void **state)
{
    (void)state;
    const size_t n = 3;
    bp_layer L = make_layer(BP_LAYER_MAXPOOL, (bp_shape){1, 3, 3}, 0, 3, 0, 0,
                            0, BP_ACT_NONE);
    bp_layer_run r = {.layer = &L, .n = n, .isa = BP_ISA_NAIVE};
    /* sample 0: all equal -> position 0; sample 1: the maximum 5 at
     * positions 2, 4 and 7 -> 2; sample 2: 5 at 8 and 6 -> 6 */
    static const double win[3][9] = {
        {1, 1, 1, 1, 1, 1, 1, 1, 1},
        {0, 1, 5, 2, 5, 3, 4, 5, -1},
        {0, 0, 0, 0, 0, 0, 5, 0, 5},
    };
    static const size_t first[3] = {0, 2, 6};
    double in[9 * 3], out[3], delta[3] = {0.25, -2, 7}, din[9 * 3];
    float fin[9 * 3], fout[3], fdelta[3] = {0.25f, -2, 7}, fdin[9 * 3];
    for (size_t p = 0; p < 9; p++)
        for (size_t s = 0; s < n; s++) {
            in[p * n + s] = win[s][p];
            fin[p * n + s] = (float)win[s][p];
        }
    bp_maxpool_ops.forward_f64(&r, out, in, NULL, NULL, NULL);
    bp_maxpool_ops.backward_f64(&r, din, NULL, NULL, delta, in, out, NULL,
                                NULL);
    bp_maxpool_ops.forward_f32(&r, fout, fin, NULL, NULL, NULL);
    bp_maxpool_ops.backward_f32(&r, fdin, NULL, NULL, fdelta, fin, fout, NULL,
                                NULL);
    for (size_t s = 0; s < n; s++) {
        assert_true(out[s] == (s ? 5 : 1));
        assert_true(fout[s] == (s ? 5 : 1));
        for (size_t p = 0; p < 9; p++) {
            double want = p == first[s] ? delta[s] : 0;
            if (din[p * n + s] != want || fdin[p * n + s] != (float)want)
                fail_msg("sample %zu position %zu: gradient %g (float %g), "
                         "want %g", s, p, din[p * n + s],
                         (double)fdin[p * n + s], want);
        }
    }
}

/* The same rule in the 2 x 2 windows' own loop. */
static void test_maxpool_ties_2x2(void **state)
{
    (void)state;
    enum { S = 6 };
    static const double win[S][4] = {
        {2, 2, 2, 2}, {0, 5, 5, 1}, {0, 1, 5, 5}, {5, 1, 2, 5},
        {1, 2, 3, 3}, {-1, -1, -1, 0},
    };
    static const size_t first[S] = {0, 1, 2, 0, 2, 3};
    bp_layer L = make_layer(BP_LAYER_MAXPOOL, (bp_shape){1, 2, 2}, 0, 2, 0, 0,
                            0, BP_ACT_NONE);
    bp_layer_run r = {.layer = &L, .n = S, .isa = BP_ISA_NAIVE};
    double in[4 * S], out[S], delta[S], din[4 * S];
    float fin[4 * S], fout[S], fdelta[S], fdin[4 * S];
    for (size_t s = 0; s < S; s++) {
        fdelta[s] = (float)(delta[s] = 1.5 + (double)s);
        for (size_t p = 0; p < 4; p++)
            fin[p * S + s] = (float)(in[p * S + s] = win[s][p]);
    }
    bp_maxpool_ops.forward_f64(&r, out, in, NULL, NULL, NULL);
    bp_maxpool_ops.backward_f64(&r, din, NULL, NULL, delta, in, out, NULL,
                                NULL);
    bp_maxpool_ops.forward_f32(&r, fout, fin, NULL, NULL, NULL);
    bp_maxpool_ops.backward_f32(&r, fdin, NULL, NULL, fdelta, fin, fout, NULL,
                                NULL);
    for (size_t s = 0; s < S; s++) {
        assert_true(out[s] == win[s][first[s]]);
        assert_true(fout[s] == (float)win[s][first[s]]);
        for (size_t p = 0; p < 4; p++) {
            double want = p == first[s] ? delta[s] : 0;
            if (din[p * S + s] != want || fdin[p * S + s] != (float)want)
                fail_msg("sample %zu position %zu: gradient %g (float %g), "
                         "want %g", s, p, din[p * S + s],
                         (double)fdin[p * S + s], want);
        }
    }
}

/* --------------------------------------------------------------- dropout */

static void test_dropout_passes(void **state)
{
    (void)state;
    bp_isa isas[3];
    int n_isa = all_isas(isas);
    static const double rates[] = {0, 0.1, 0.5, 0.9};
    int cases = 0;
    for (int ri = 0; ri < 4; ri++)
        for (size_t q = 0; q < N_COUNTS; q++)
            for (int train = 0; train <= 1; train++) {
                bp_layer L = make_layer(BP_LAYER_DROPOUT, (bp_shape){3, 7, 5},
                                        0, 0, 0, 0, rates[ri], BP_ACT_NONE);
                bp_layer_run proto = {.train = train, .seed = 42 + (uint64_t)ri,
                                      .step = 7, .index = 3, .first = 11};
                check_layer(&L, counts[q], 0, isas[cases % n_isa], q < 2,
                            &proto);
                cases++;
            }
}

/* Rate 0 and evaluation are the identity, bit for bit. */
static void test_dropout_identity(void **state)
{
    (void)state;
    const size_t units = 50, n = 37;
    bp_layer L = make_layer(BP_LAYER_DROPOUT, (bp_shape){units, 1, 1}, 0, 0, 0,
                            0, 0, BP_ACT_NONE);
    double in[50 * 37], out[50 * 37], din[50 * 37];
    float fin[50 * 37], fout[50 * 37];
    for (size_t q = 0; q < units * n; q++)
        fin[q] = (float)(in[q] = uniform(-3, 3));
    for (int pass = 0; pass < 2; pass++) {
        L.rate = pass ? 0.5 : 0;
        bp_layer_run r = {.layer = &L, .n = n, .train = !pass, .seed = 1,
                          .step = 2, .index = 0};
        bp_dropout_ops.forward_f64(&r, out, in, NULL, NULL, NULL);
        bp_dropout_ops.backward_f64(&r, din, NULL, NULL, in, in, out, NULL,
                                    NULL);
        bp_dropout_ops.forward_f32(&r, fout, fin, NULL, NULL, NULL);
        assert_memory_equal(out, in, sizeof in);
        assert_memory_equal(din, in, sizeof in);
        assert_memory_equal(fout, fin, sizeof fin);
        /* in place too */
        bp_dropout_ops.forward_f64(&r, out, out, NULL, NULL, NULL);
        assert_memory_equal(out, in, sizeof in);
    }
}

/* The mask of a pass of n samples: 1 where out != 0 (inputs are never
 * 0), and the kept values exactly in / (1 - rate). */
static size_t dropout_mask(const bp_layer_run *r, unsigned char *mask,
                           const double *in, size_t count)
{
    double *out = malloc(count * sizeof *out);
    assert_non_null(out);
    bp_dropout_ops.forward_f64(r, out, in, NULL, NULL, NULL);
    size_t kept = 0;
    double scale = 1.0 / (1.0 - r->layer->rate);
    for (size_t q = 0; q < count; q++) {
        mask[q] = out[q] != 0;
        kept += mask[q];
        if (mask[q] && out[q] != in[q] * scale)
            fail_msg("kept value %.17g, want %.17g", out[q], in[q] * scale);
    }
    free(out);
    return kept;
}

static void test_dropout_masks(void **state)
{
    (void)state;
    const size_t units = 1000, n = 100, count = units * n;  /* 100k units */
    double *in = malloc(count * sizeof *in);
    unsigned char *m0 = malloc(count), *m1 = malloc(count);
    assert_non_null(in), assert_non_null(m0), assert_non_null(m1);
    for (size_t q = 0; q < count; q++)
        in[q] = uniform(0.5, 1.5);
    bp_layer L = make_layer(BP_LAYER_DROPOUT, (bp_shape){10, 10, 10}, 0, 0, 0,
                            0, 0.3, BP_ACT_NONE);
    static const double rates[] = {0.1, 0.3, 0.5, 0.8};
    for (int ri = 0; ri < 4; ri++) {
        L.rate = rates[ri];
        bp_layer_run r = {.layer = &L, .n = n, .train = 1, .seed = 99,
                          .step = 5, .index = 2, .first = 0};
        size_t kept = dropout_mask(&r, m0, in, count);
        double frac = (double)kept / (double)count;
        /* 5 standard deviations of a binomial of 100k */
        double sd = sqrt(rates[ri] * (1 - rates[ri]) / (double)count);
        if (fabs(frac - (1 - rates[ri])) > 5 * sd)
            fail_msg("rate %g kept %g of the units", rates[ri], frac);
        /* the mask is bp_dropout_keep's */
        for (size_t u = 0; u < units; u += 37)
            for (size_t s = 0; s < n; s += 7)
                assert_int_equal(m0[u * n + s],
                                 bp_dropout_keep(99, 5, 2, s, u, rates[ri]));
    }

    /* a split of the samples into two passes (first = 0 and 60): the
     * same masks */
    L.rate = 0.5;
    bp_layer_run whole = {.layer = &L, .n = n, .train = 1, .seed = 7,
                          .step = 3, .index = 1, .first = 0};
    dropout_mask(&whole, m0, in, count);
    const size_t n1 = 60, n2 = n - n1;
    double *part = malloc(units * n1 * sizeof *part);
    unsigned char *pm = malloc(units * n1);
    assert_non_null(part), assert_non_null(pm);
    for (int half = 0; half < 2; half++) {
        size_t s0 = half ? n1 : 0, len = half ? n2 : n1;
        for (size_t u = 0; u < units; u++)
            for (size_t s = 0; s < len; s++)
                part[u * len + s] = in[u * n + s0 + s];
        bp_layer_run r = whole;
        r.n = len, r.first = s0;
        dropout_mask(&r, pm, part, units * len);
        for (size_t u = 0; u < units; u++)
            for (size_t s = 0; s < len; s++)
                if (pm[u * len + s] != m0[u * n + s0 + s])
                    fail_msg("unit %zu sample %zu: split pass differs", u,
                             s0 + s);
    }

    /* another step, layer or seed: other masks (about half differ) */
    for (int which = 0; which < 3; which++) {
        bp_layer_run r = whole;
        if (which == 0)
            r.step++;
        else if (which == 1)
            r.index++;
        else
            r.seed++;
        dropout_mask(&r, m1, in, count);
        size_t differ = 0;
        for (size_t q = 0; q < count; q++)
            differ += m0[q] != m1[q];
        if (differ < count / 2 - count / 50 || differ > count / 2 + count / 50)
            fail_msg("change %d: %zu of %zu mask bits differ", which, differ,
                     count);
    }

    /* backward applies the forward's mask and scale */
    {
        bp_layer_run r = whole;
        r.n = n;
        double *g = malloc(count * sizeof *g);
        assert_non_null(g);
        bp_dropout_ops.backward_f64(&r, g, NULL, NULL, in, in, NULL, NULL,
                                    NULL);
        for (size_t q = 0; q < count; q++)
            if ((g[q] != 0) != m0[q] || (m0[q] && g[q] != in[q] * 2.0))
                fail_msg("backward at %zu: %g, mask %d", q, g[q], m0[q]);
        free(g);
    }
    free(part), free(pm), free(in), free(m0), free(m1);
}

/* bp_dropout_keep: rate 0 keeps all, a rate near 1 almost none. */
static void test_dropout_keep_edges(void **state)
{
    (void)state;
    size_t kept = 0;
    for (size_t u = 0; u < 10000; u++) {
        assert_true(bp_dropout_keep(3, 4, 5, u % 17, u, 0.0));
        kept += (size_t)bp_dropout_keep(3, 4, 5, u % 17, u, 0.999);
    }
    assert_true(kept < 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv),
        cmocka_unit_test(test_conv_gradcheck),
        cmocka_unit_test(test_pools),
        cmocka_unit_test(test_maxpool_ties),
        cmocka_unit_test(test_maxpool_ties_2x2),
        cmocka_unit_test(test_dropout_passes),
        cmocka_unit_test(test_dropout_identity),
        cmocka_unit_test(test_dropout_masks),
        cmocka_unit_test(test_dropout_keep_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
