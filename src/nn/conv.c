/* conv.c - 2-D convolution: out[f] = act(b[f] + sum_c w[f][c] * in[c]),
 * a k x k kernel at stride s over zero-padded ("same") or unpadded
 * ("valid") maps; weights [filters][channels][k][k]. */
#include <string.h>

#include "core/clones.h"
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

/*
 * The passes, as matrix products on the patches (im2col).  In the
 * feature-major layout the patches of a pass of n samples are
 *   patches[(c, ky, kx)][(oy, ox, s)] = in[c][oy S + ky - pad][ox S + kx - pad][s]
 * (0 outside the map): each (c, ky, kx, oy, ox) is a run of the n samples
 * of one input value, copied whole.  Then, for a block of m output
 * positions (n' = m n columns),
 *   out [F][n']   = W [F][c k k] patches [c k k][n']   (dense_forward)
 *   dW           += m (delta [F][n'] patches^T / n')  (dense_backward_params)
 * on the project's fast dense kernels.  The blocks are small enough
 * (CONV_BLOCK values of patches) that a block's patches stay in the L2
 * cache while the product reads them, instead of streaming a whole pass's
 * patches (c k k OH OW n values: 29 MB for the anchor's second layer in
 * float) from memory once per tile of rows; a block's outputs and deltas
 * are copied to and from their rows of the pass.
 *
 * din at stride 1 is the same kind of product: a convolution of delta
 * (F x OH x OW) with the flipped, transposed kernel W'[c][f][k-1-ky][k-1-kx]
 * and k - 1 - pad zeros before, whose output is the input's map.  At other
 * strides it is dpatches = W^T delta (dense_backward_input) added back to
 * where the patches were copied from (col2im), by the blocks of dW.
 */

/* The geometry of one convolution as a product. */
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

/* din's convolution at stride 1: delta in, the input's map out. */
static conv_geom conv_geom_back(const conv_geom *g)
{
    conv_geom t;
    t.c = g->f, t.h = g->oh, t.w = g->ow;
    t.f = g->c, t.oh = g->h, t.ow = g->w;
    t.k = g->k, t.s = 1;
    t.py = g->k - 1 - g->py, t.px = g->k - 1 - g->px;
    return t;
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

/* Values of patches a block takes at most (256 KiB of floats), and the
 * pass size the scratch is sized for. */
#define CONV_BLOCK ((size_t)65536)
#define CONV_SIZED_N ((size_t)128)
/* Rows the transposed dW of few taps is padded to. */
#define CONV_SWAP_ROWS ((size_t)16)

/* Output positions in a block of a pass of n samples whose patches and
 * outputs (c k k + f values a position and sample) have `avail` values:
 * at most CONV_BLOCK values of patches, at least one position. */
static size_t conv_block(const conv_geom *g, size_t n, size_t avail)
{
    size_t ckk = g->c * g->k * g->k, positions = g->oh * g->ow;
    size_t m = CONV_BLOCK / (ckk * n), fit = avail / ((ckk + g->f) * n);
    if (m > fit)
        m = fit;
    return m < 1 ? 1 : m > positions ? positions : m;
}

/* The same for a pass of CONV_SIZED_N samples, whatever the room. */
static size_t conv_block_sized(const conv_geom *g)
{
    return conv_block(g, CONV_SIZED_N, (size_t)-1);
}

/*
 * Values of scratch per sample: a copy of the weights' size and one of
 * the biases' (a block's dW and db, the transposed dW of few taps, din's
 * flipped kernel: f max(c k k, 16) + f values, counted per sample so that
 * the scratch of one sample holds them), then room for a block's patches
 * and outputs (c k k + f values a position and sample, 16 + f for the
 * transposed dW) of conv_block_sized positions, for the forward product
 * and for din's; a pass of n samples then has blocks of at least that
 * many positions (conv_block from the room it has).  At a stride above 1
 * din takes the blocks of dW (the patches of all the positions at once,
 * before: c k k OH OW values a sample, 1.8 million for a 3x224x224
 * conv:64:7:s2).  The anchor's
 * second layer: 19 104 values a sample, 9.8 MB at 128 samples in float.
 */
static size_t conv_scratch(const bp_layer *L)
{
    const conv_geom g = conv_geom_of(L), t = conv_geom_back(&g);
    const size_t ckk = g.c * g.k * g.k;
    size_t need = (ckk + g.f) * conv_block_sized(&g);
    size_t back = g.s == 1 ? (t.c * t.k * t.k + t.f) * conv_block_sized(&t)
                           : 0;         /* din by dW's blocks: `need` */
    size_t copies = g.f * (ckk > CONV_SWAP_ROWS ? ckk : CONV_SWAP_ROWS);
    size_t swap = (CONV_SWAP_ROWS + g.f) * conv_block_sized(&g);
    if (need < swap)
        need = swap;
    return copies + g.f + (need > back ? need : back);
}

#define CONV_PASSES(REAL, FAST, SWAP_OK, BIAS_GRAD, IM2COL, COL2IM, PRODUCT, \
                    FORWARD, BACKWARD)                                       \
    /* p[(c, ky, kx)][(q, s)] for the m positions q from p0. */              \
    static void IM2COL(REAL *p, const REAL *in, const conv_geom *g,          \
                       size_t n, size_t p0, size_t m)                        \
    {                                                                        \
        const size_t row = m * n;                                            \
        for (size_t c = 0; c < g->c; c++)                                    \
            for (size_t ky = 0; ky < g->k; ky++) {                           \
                size_t y0, y1;                                               \
                conv_span(ky, g->py, g->s, g->h, g->oh, &y0, &y1);           \
                for (size_t kx = 0; kx < g->k; kx++, p += row) {             \
                    size_t x0, x1;                                           \
                    conv_span(kx, g->px, g->s, g->w, g->ow, &x0, &x1);       \
                    size_t q = p0;                                           \
                    while (q < p0 + m) {                                     \
                        const size_t oy = q / g->ow, ox = q % g->ow;         \
                        size_t end = (oy + 1) * g->ow;                       \
                        if (end > p0 + m)                                    \
                            end = p0 + m;                                    \
                        REAL *o = p + (q - p0) * n;                          \
                        const size_t e = end - oy * g->ow; /* ox < e */      \
                        if (oy < y0 || oy >= y1) {                           \
                            memset(o, 0, (e - ox) * n * sizeof *o);          \
                            q = end;                                         \
                            continue;                                        \
                        }                                                    \
                        const size_t base =                                  \
                            (c * g->h + oy * g->s + ky - g->py) * g->w;      \
                        const size_t a = ox > x0 ? ox : x0;                  \
                        const size_t z = e < x1 ? e : x1;                    \
                        if (a >= z) {                                        \
                            memset(o, 0, (e - ox) * n * sizeof *o);          \
                        } else {                                             \
                            memset(o, 0, (a - ox) * n * sizeof *o);          \
                            if (g->s == 1)                                   \
                                memcpy(o + (a - ox) * n,                     \
                                       in + (base + a + kx - g->px) * n,     \
                                       (z - a) * n * sizeof *o);             \
                            else                                             \
                                for (size_t x = a; x < z; x++)               \
                                    memcpy(o + (x - ox) * n,                 \
                                           in + (base + x * g->s + kx -      \
                                                 g->px) * n,                 \
                                           n * sizeof *o);                   \
                            memset(o + (z - ox) * n, 0,                      \
                                   (e - z) * n * sizeof *o);                 \
                        }                                                    \
                        q = end;                                             \
                    }                                                        \
                }                                                            \
            }                                                                \
    }                                                                        \
    /* din += the runs of p (positions [p0, p0 + len)) added back where    \
     * IM2COL took them from. */                                           \
    BP_ELEMENTWISE                                                           \
    static void COL2IM(REAL *din, const REAL *p, const conv_geom *g,         \
                       size_t n, size_t p0, size_t len)                      \
    {                                                                        \
        for (size_t c = 0; c < g->c; c++)                                    \
            for (size_t ky = 0; ky < g->k; ky++)                             \
                for (size_t kx = 0; kx < g->k; kx++, p += len * n)           \
                    for (size_t j = 0; j < len; j++) {                       \
                        const size_t oy = (p0 + j) / g->ow;                  \
                        const size_t ox = (p0 + j) % g->ow;                  \
                        const size_t iy = oy * g->s + ky, ix = ox * g->s + kx;\
                        if (iy < g->py || iy - g->py >= g->h ||              \
                            ix < g->px || ix - g->px >= g->w)                \
                            continue;                                        \
                        REAL *dd = din + ((c * g->h + iy - g->py) * g->w +   \
                                          ix - g->px) * n;                   \
                        const REAL *qq = p + j * n;                          \
                        for (size_t s = 0; s < n; s++)                       \
                            dd[s] += qq[s];                                  \
                    }                                                        \
    }                                                                        \
    /* out = act(conv(in, w) + b) by blocks of positions; scratch holds a  \
     * block's patches and outputs. */                                       \
    static void PRODUCT(bp_isa isa, bp_activation act, const conv_geom *g,   \
                        REAL *out, const REAL *in, const REAL *w,            \
                        const REAL *b, size_t n, REAL *scratch,              \
                        size_t avail)                                        \
    {                                                                        \
        const size_t ckk = g->c * g->k * g->k, pos = g->oh * g->ow;          \
        const size_t m = conv_block(g, n, avail);                            \
        const int fuse = act == BP_ACT_RELU || act == BP_ACT_NONE;           \
        REAL *patches = scratch, *ob = scratch + ckk * m * n;                \
        for (size_t p0 = 0; p0 < pos; p0 += m) {                             \
            const size_t len = pos - p0 < m ? pos - p0 : m;                  \
            REAL *o = len == pos ? out : ob;                                 \
            IM2COL(patches, in, g, n, p0, len);                              \
            if (fuse)                                                        \
                dense_forward_act_fast##FAST(isa, act, o, patches, w, b,     \
                                             g->f, ckk, len * n);            \
            else                                                             \
                dense_forward_fast##FAST(isa, o, patches, w, b, g->f, ckk,   \
                                         len * n);                           \
            if (o != out)                                                    \
                for (size_t f = 0; f < g->f; f++)                            \
                    memcpy(out + (f * pos + p0) * n, o + f * len * n,        \
                           len * n * sizeof *o);                             \
        }                                                                    \
        if (!fuse)                                                           \
            activation_forward_fast##FAST(isa, act, out, g->f * pos * n);    \
    }                                                                        \
    static void FORWARD(const bp_layer_run *r, REAL *out, const REAL *in,    \
                        const REAL *w, const REAL *b, REAL *scratch)         \
    {                                                                        \
        const conv_geom g = conv_geom_of(r->layer);                          \
        if (r->n)                                                            \
            PRODUCT(r->isa, r->layer->act, &g, out, in, w, b, r->n,          \
                    scratch, conv_scratch(r->layer) * r->n);                 \
    }                                                                        \
    static void BACKWARD(const bp_layer_run *r, REAL *din, REAL *dw,         \
                         REAL *db, const REAL *delta, const REAL *in,        \
                         const REAL *out, const REAL *w, REAL *scratch)      \
    {                                                                        \
        (void)out;                                                           \
        const conv_geom g = conv_geom_of(r->layer);                          \
        const size_t n = r->n, ckk = g.c * g.k * g.k, pos = g.oh * g.ow;     \
        if (!n)                                                              \
            return;                                                          \
        /* Few taps (c k k < 16) and many filters on AVX-512 in float: the \
         * product is taken transposed, dW^T [16][F] = patches delta^T, the  \
         * patches padded with zero rows to 16, so that the kernel takes its \
         * AVX-512 panel (both sides >= 16) instead of AVX2's (measured     \
         * faster on the anchor's first layer, 9 taps x 32 filters). */     \
        const int swap = SWAP_OK && r->isa == BP_ISA_AVX512 &&              \
                         ckk < CONV_SWAP_ROWS && g.f >= CONV_SWAP_ROWS;      \
        const size_t rows = swap ? CONV_SWAP_ROWS : ckk;                     \
        const size_t wt = g.f * rows;   /* the weights' copies */            \
        const size_t avail = conv_scratch(r->layer) * n - wt - g.f;          \
        size_t m = conv_block(&g, n, avail);                                 \
        if (m > 1 && m > avail / ((rows + g.f) * n))                         \
            m = avail / ((rows + g.f) * n);                                  \
        REAL *tw = scratch, *tb = tw + wt;                                   \
        REAL *patches = tb + g.f;                                            \
        REAL *dblk = patches + rows * m * n;                                 \
        /* dW = sum over the blocks of len times the block's mean */        \
        for (size_t p0 = 0; p0 < pos; p0 += m) {                             \
            const size_t len = pos - p0 < m ? pos - p0 : m;                  \
            const REAL *d = delta;                                           \
            if (len < pos) {                                                 \
                for (size_t f = 0; f < g.f; f++)                             \
                    memcpy(dblk + f * len * n, delta + (f * pos + p0) * n,   \
                           len * n * sizeof *dblk);                          \
                d = dblk;                                                    \
            }                                                                \
            IM2COL(patches, in, &g, n, p0, len);                             \
            const REAL k = (REAL)len;                                        \
            if (swap) {                                                      \
                memset(patches + ckk * len * n, 0,                           \
                       (rows - ckk) * len * n * sizeof *patches);            \
                dense_backward_params_fast##FAST(r->isa, tw, NULL, patches,  \
                                                 d, rows, g.f, len * n);     \
                if (db)                                                      \
                    BIAS_GRAD(r->isa, tb, d, g.f, len * n);                  \
                for (size_t f = 0; f < g.f; f++)                             \
                    for (size_t q = 0; q < ckk; q++)                         \
                        dw[f * ckk + q] = p0 ? dw[f * ckk + q] +             \
                                                   k * tw[q * g.f + f]       \
                                             : k * tw[q * g.f + f];          \
                if (db)                                                      \
                    for (size_t f = 0; f < g.f; f++)                         \
                        db[f] = p0 ? db[f] + k * tb[f] : k * tb[f];          \
                continue;                                                    \
            }                                                                \
            REAL *gw = p0 ? tw : dw, *gb = db ? (p0 ? tb : db) : NULL;       \
            dense_backward_params_fast##FAST(r->isa, gw, gb, d, patches,     \
                                             g.f, ckk, len * n);             \
            if (!p0) {                                                       \
                if (len > 1) {                                               \
                    for (size_t q = 0; q < g.f * ckk; q++)                   \
                        dw[q] *= k;                                          \
                    if (db)                                                  \
                        for (size_t q = 0; q < g.f; q++)                     \
                            db[q] *= k;                                      \
                }                                                            \
            } else {                                                         \
                for (size_t q = 0; q < g.f * ckk; q++)                       \
                    dw[q] += k * tw[q];                                      \
                if (db)                                                      \
                    for (size_t q = 0; q < g.f; q++)                         \
                        db[q] += k * tb[q];                                  \
            }                                                                \
        }                                                                    \
        if (!din)                                                            \
            return;                                                          \
        if (g.s == 1) {                                                      \
            /* tw[c][f][ky][kx] = w[f][c][k-1-ky][k-1-kx] */                  \
            const conv_geom t = conv_geom_back(&g);                          \
            const size_t k = g.k, kk = k * k;                                \
            for (size_t f = 0; f < g.f; f++)                                 \
                for (size_t c = 0; c < g.c; c++)                             \
                    for (size_t q = 0; q < kk; q++)                          \
                        tw[(c * g.f + f) * kk + q] =                         \
                            w[(f * g.c + c) * kk + kk - 1 - q];              \
            PRODUCT(r->isa, BP_ACT_NONE, &t, din, delta, tw, NULL, n,        \
                    patches, avail);                                         \
        } else {                                                             \
            /* by the blocks of dW: a block's dpatches = W^T delta, added   \
             * back where its patches came from */                          \
            memset(din, 0, g.c * g.h * g.w * n * sizeof *din);               \
            for (size_t p0 = 0; p0 < pos; p0 += m) {                         \
                const size_t len = pos - p0 < m ? pos - p0 : m;              \
                const REAL *d = delta;                                       \
                if (len < pos) {                                             \
                    for (size_t f = 0; f < g.f; f++)                         \
                        memcpy(dblk + f * len * n,                           \
                               delta + (f * pos + p0) * n,                   \
                               len * n * sizeof *dblk);                      \
                    d = dblk;                                                \
                }                                                            \
                dense_backward_input_fast##FAST(r->isa, patches, w, d, g.f,  \
                                                ckk, len * n);               \
                COL2IM(din, patches, &g, n, p0, len);                        \
            }                                                                \
        }                                                                    \
    }

/* db[f] = sum_s delta[f][s] / n (double has no bias_grad_fast; the
 * transposed dW, which needs it, is taken in float only). */
static void conv_bias_grad_f64(bp_isa isa, double *db, const double *delta,
                               size_t rows, size_t n)
{
    (void)isa;
    for (size_t f = 0; f < rows; f++) {
        double sum = 0;
        for (size_t s = 0; s < n; s++)
            sum += delta[f * n + s];
        db[f] = sum / (double)n;
    }
}

CONV_PASSES(double, , 0, conv_bias_grad_f64, conv_im2col_f64, conv_col2im_f64, conv_product_f64,
            conv_layer_forward_f64, conv_layer_backward_f64)
CONV_PASSES(float, _f32, 1, bias_grad_fast_f32, conv_im2col_f32, conv_col2im_f32, conv_product_f32,
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
