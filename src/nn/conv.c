/* conv.c - 2-D convolution: out[f] = act(b[f] + sum_c w[f][c] * in[c]),
 * a k x k kernel at stride s over zero-padded ("same") or unpadded
 * ("valid") maps; weights [filters][channels][k][k]. */
#include <string.h>

#include "core/error.h"
#include "nn/kernels.h"
#include "nn/layer.h"

/* The padding before the first row (or column) of a side of `in` values
 * with `out` outputs: "same" pads (out - 1) s + k - in in all, the smaller
 * half before (as TensorFlow and PyTorch's padding="same" do). */
size_t bp_conv_pad(const bp_layer *L, size_t in, size_t out)
{
    if (L->valid)
        return 0;
    size_t s = L->stride > 1 ? (size_t)L->stride : 1, k = (size_t)L->k;
    size_t span = (out - 1) * s + k;
    return span > in ? (span - in) / 2 : 0;
}

static size_t conv_side(const bp_layer *L, size_t in)
{
    size_t s = L->stride > 1 ? (size_t)L->stride : 1, k = (size_t)L->k;
    return L->valid ? (in - k) / s + 1 : (in + s - 1) / s;
}

static bp_status conv_shape(const bp_layer *L, bp_shape in, bp_shape *out,
                            bp_error *err)
{
    if (in.h == 1 && in.w == 1)
        return bp_fail(err, BP_EINVAL,
                       "a convolution takes images (channels x height x "
                       "width), and its input is %zu flat values", in.c);
    if (L->valid && ((size_t)L->k > in.h || (size_t)L->k > in.w))
        return bp_fail(err, BP_EINVAL,
                       "a %dx%d kernel without padding does not fit its "
                       "%zux%zux%zu input", L->k, L->k, in.c, in.h, in.w);
    *out = (bp_shape){L->units, conv_side(L, in.h), conv_side(L, in.w)};
    return BP_OK;
}

static size_t conv_weights(const bp_layer *L)
{
    return L->units * L->in.c * (size_t)L->k * (size_t)L->k;
}

static size_t conv_biases(const bp_layer *L) { return L->units; }

static void conv_fans(const bp_layer *L, double *fan_in, double *fan_out)
{
    double area = (double)L->k * (double)L->k;
    *fan_in = (double)L->in.c * area;
    *fan_out = (double)L->units * area;
}

/* The patches of one sample: [c k k][out h][out w]. */
static size_t conv_scratch(const bp_layer *L)
{
    return L->in.c * (size_t)L->k * (size_t)L->k * L->out.h * L->out.w;
}

/*
 * The passes, as matrix products on the patches (im2col).  In the
 * feature-major layout the patches of a pass of n samples are
 *   patches[(c, ky, kx)][(oy, ox, s)] = in[c][oy S + ky - pad][ox S + kx - pad][s]
 * (0 outside the map): each (c, ky, kx, oy, ox) is a run of the n samples
 * of one input value, copied whole.  Then, with n' = OH OW n,
 *   out [F][n']      = W [F][c k k] patches [c k k][n']   (dense_forward)
 *   dW               = delta [F][n'] patches^T / n         (params / n' times OH OW)
 *   dpatches         = W^T delta                           (dense_backward_input)
 * and din adds the runs of dpatches back where they were copied from
 * (col2im).  The products are the project's fast dense kernels; the
 * patches take the scratch (c k k OH OW values a sample), and the backward
 * pass reuses it for dpatches once dW is taken.
 */

/* The geometry of one convolution. */
typedef struct {
    size_t c, h, w;             /* input                                  */
    size_t f, oh, ow;           /* output                                 */
    size_t k, s;                /* kernel side, stride                    */
    size_t py, px;              /* zeros before the first row, column     */
} conv_geom;

static conv_geom conv_geom_of(const bp_layer *L)
{
    conv_geom g;
    g.c = L->in.c, g.h = L->in.h, g.w = L->in.w;
    g.f = L->units, g.oh = L->out.h, g.ow = L->out.w;
    g.k = (size_t)L->k;
    g.s = L->stride > 1 ? (size_t)L->stride : 1;
    g.py = bp_conv_pad(L, g.h, g.oh);
    g.px = bp_conv_pad(L, g.w, g.ow);
    return g;
}

/* The outputs o < out whose input o s + kk - pad lies in [0, in): [*lo, *hi). */
static void conv_span(size_t kk, size_t pad, size_t s, size_t in, size_t out,
                      size_t *lo, size_t *hi)
{
    /* o s + kk >= pad  and  o s + kk - pad < in */
    size_t a = kk >= pad ? 0 : (pad - kk + s - 1) / s;
    size_t b = in + pad > kk ? (in + pad - kk + s - 1) / s : 0;
    if (b > out)
        b = out;
    if (a > b)
        a = b;
    *lo = a, *hi = b;
}

#define CONV_PASSES(REAL, FAST, IM2COL, COL2IM, FORWARD, BACKWARD)           \
    static void IM2COL(REAL *p, const REAL *in, const conv_geom *g, size_t n) \
    {                                                                        \
        const size_t row = g->oh * g->ow * n;                                \
        for (size_t c = 0; c < g->c; c++)                                    \
            for (size_t ky = 0; ky < g->k; ky++) {                           \
                size_t y0, y1;                                               \
                conv_span(ky, g->py, g->s, g->h, g->oh, &y0, &y1);           \
                for (size_t kx = 0; kx < g->k; kx++, p += row) {             \
                    size_t x0, x1;                                           \
                    conv_span(kx, g->px, g->s, g->w, g->ow, &x0, &x1);       \
                    memset(p, 0, y0 * g->ow * n * sizeof *p);                \
                    for (size_t oy = y0; oy < y1; oy++) {                    \
                        REAL *o = p + oy * g->ow * n;                        \
                        const size_t base =                                  \
                            (c * g->h + oy * g->s + ky - g->py) * g->w;      \
                        memset(o, 0, x0 * n * sizeof *o);                    \
                        if (g->s == 1 && x1 > x0)                            \
                            memcpy(o + x0 * n,                               \
                                   in + (base + x0 + kx - g->px) * n,        \
                                   (x1 - x0) * n * sizeof *o);               \
                        else                                                 \
                            for (size_t ox = x0; ox < x1; ox++)              \
                                memcpy(o + ox * n,                           \
                                       in + (base + ox * g->s + kx - g->px)  \
                                                * n,                         \
                                       n * sizeof *o);                       \
                        memset(o + x1 * n, 0,                                \
                               (g->ow - x1) * n * sizeof *o);                \
                    }                                                        \
                    memset(p + y1 * g->ow * n, 0,                            \
                           (g->oh - y1) * g->ow * n * sizeof *p);            \
                }                                                            \
            }                                                                \
    }                                                                        \
    /* din = the runs of p added back where IM2COL took them from. */        \
    static void COL2IM(REAL *din, const REAL *p, const conv_geom *g,         \
                       size_t n)                                             \
    {                                                                        \
        const size_t row = g->oh * g->ow * n;                                \
        memset(din, 0, g->c * g->h * g->w * n * sizeof *din);                \
        for (size_t c = 0; c < g->c; c++)                                    \
            for (size_t ky = 0; ky < g->k; ky++) {                           \
                size_t y0, y1;                                               \
                conv_span(ky, g->py, g->s, g->h, g->oh, &y0, &y1);           \
                for (size_t kx = 0; kx < g->k; kx++, p += row) {             \
                    size_t x0, x1;                                           \
                    conv_span(kx, g->px, g->s, g->w, g->ow, &x0, &x1);       \
                    for (size_t oy = y0; oy < y1; oy++) {                    \
                        const REAL *q = p + oy * g->ow * n;                  \
                        const size_t base =                                  \
                            (c * g->h + oy * g->s + ky - g->py) * g->w;      \
                        for (size_t ox = x0; ox < x1; ox++) {                \
                            REAL *dd = din + (base + ox * g->s + kx - g->px) \
                                                 * n;                        \
                            const REAL *qq = q + ox * n;                     \
                            for (size_t s = 0; s < n; s++)                   \
                                dd[s] += qq[s];                              \
                        }                                                    \
                    }                                                        \
                }                                                            \
            }                                                                \
    }                                                                        \
    static void FORWARD(const bp_layer_run *r, REAL *out, const REAL *in,    \
                        const REAL *w, const REAL *b, REAL *scratch)         \
    {                                                                        \
        const bp_layer *L = r->layer;                                        \
        const conv_geom g = conv_geom_of(L);                                 \
        const size_t ckk = g.c * g.k * g.k, row = g.oh * g.ow * r->n;        \
        if (!r->n)                                                           \
            return;                                                          \
        IM2COL(scratch, in, &g, r->n);                                       \
        if (L->act == BP_ACT_RELU || L->act == BP_ACT_NONE) {                \
            dense_forward_act_fast##FAST(r->isa, L->act, out, scratch, w, b, \
                                         g.f, ckk, row);                     \
        } else {                                                             \
            dense_forward_fast##FAST(r->isa, out, scratch, w, b, g.f, ckk,   \
                                     row);                                   \
            activation_forward_fast##FAST(r->isa, L->act, out, g.f * row);   \
        }                                                                    \
    }                                                                        \
    static void BACKWARD(const bp_layer_run *r, REAL *din, REAL *dw,         \
                         REAL *db, const REAL *delta, const REAL *in,        \
                         const REAL *out, const REAL *w, REAL *scratch)      \
    {                                                                        \
        (void)out;                                                           \
        const bp_layer *L = r->layer;                                        \
        const conv_geom g = conv_geom_of(L);                                 \
        const size_t ckk = g.c * g.k * g.k, row = g.oh * g.ow * r->n;        \
        if (!r->n)                                                           \
            return;                                                          \
        IM2COL(scratch, in, &g, r->n);                                       \
        dense_backward_params_fast##FAST(r->isa, dw, db, delta, scratch,     \
                                         g.f, ckk, row);                     \
        if (g.oh * g.ow > 1) { /* the kernel's mean is over n', not n */     \
            const REAL area = (REAL)(g.oh * g.ow);                           \
            for (size_t q = 0; q < g.f * ckk; q++)                           \
                dw[q] *= area;                                               \
            if (db)                                                          \
                for (size_t q = 0; q < g.f; q++)                             \
                    db[q] *= area;                                           \
        }                                                                    \
        if (din) {                                                           \
            dense_backward_input_fast##FAST(r->isa, scratch, w, delta, g.f,  \
                                            ckk, row);                       \
            COL2IM(din, scratch, &g, r->n);                                  \
        }                                                                    \
    }

CONV_PASSES(double, , conv_im2col_f64, conv_col2im_f64, conv_layer_forward_f64,
            conv_layer_backward_f64)
CONV_PASSES(float, _f32, conv_im2col_f32, conv_col2im_f32,
            conv_layer_forward_f32, conv_layer_backward_f32)

const bp_layer_ops bp_conv_ops = {
    .name = "conv",
    .has_act = 1,
    .has_params = 1,
    .shape = conv_shape,
    .weights = conv_weights,
    .biases = conv_biases,
    .fans = conv_fans,
    .scratch = conv_scratch,
    .forward_f64 = conv_layer_forward_f64,
    .backward_f64 = conv_layer_backward_f64,
    .forward_f32 = conv_layer_forward_f32,
    .backward_f32 = conv_layer_backward_f32,
};
