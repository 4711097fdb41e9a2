/* pool.c - max and average pooling over k x k windows at stride k (the
 * last rows and columns that do not fill a window are left out, as
 * PyTorch's default does; their gradient is 0).
 *
 * Max pooling sends each window's gradient to its maximum.  Ties go to
 * the FIRST maximum in the window's row-major order (row by row, left to
 * right): a later value takes the place only when it is strictly greater.
 * The backward pass finds the maximum again from the forward pass's input
 * by the same comparisons (no argmax is stored) and gives the gradient to
 * the first value equal to it, which is the one the rule picks.  (A
 * window whose first value is NaN has a NaN maximum and passes no
 * gradient.)
 * Average pooling gives each of the k^2 values of a window 1/k^2 of its
 * gradient. */
#include <string.h>

#include "core/clones.h"
#include "core/error.h"
#include "nn/layer.h"

static bp_status pool_shape(const bp_layer *L, bp_shape in, bp_shape *out,
                            bp_error *err)
{
    if (in.h == 1 && in.w == 1 && L->k > 1)
        return bp_fail(err, BP_EINVAL,
                       "a pool takes images (channels x height x width), "
                       "and its input is %zu flat values", in.c);
    if ((size_t)L->k > in.h || (size_t)L->k > in.w)
        return bp_fail(err, BP_EINVAL,
                       "a %dx%d pool is larger than its %zux%zux%zu input",
                       L->k, L->k, in.c, in.h, in.w);
    *out = (bp_shape){in.c, in.h / (size_t)L->k, in.w / (size_t)L->k};
    return BP_OK;
}


/* Samples whose window maxima backward keeps at once (on the stack). */
#define POOL_CHUNK 64

/*
 * The passes per real type.  Windows do not overlap (stride k), so every
 * input value is in at most one window: backward writes din once per
 * value (0 for the rows and columns no window covers).
 */
#define POOL_PASSES(REAL, MAX2_BACKWARD, MAX_FORWARD, MAX_BACKWARD,          \
                    AVG_FORWARD, AVG_BACKWARD)                               \
    /* A 2 x 2 window's gradient g to the first of q0..q3 (row-major)       \
     * equal to their maximum, the rest 0; a function of its own, whose     \
     * restrict pointers let the compiler vectorise the loop. */            \
    BP_ELEMENTWISE                                                           \
    static void MAX2_BACKWARD(size_t n, const REAL *restrict q0,             \
                              const REAL *restrict q1,                       \
                              const REAL *restrict q2,                       \
                              const REAL *restrict q3,                       \
                              const REAL *restrict g, REAL *restrict e0,     \
                              REAL *restrict e1, REAL *restrict e2,          \
                              REAL *restrict e3)                             \
    {                                                                        \
        for (size_t s = 0; s < n; s++) {                                     \
            REAL m = q0[s], gs = g[s];                                       \
            m = q1[s] > m ? q1[s] : m;                                       \
            m = q2[s] > m ? q2[s] : m;                                       \
            m = q3[s] > m ? q3[s] : m;                                       \
            /* left: gs until the first hit, then 0 (x - x and x - 0 are   \
             * exact) */                                                     \
            REAL r0 = q0[s] == m ? gs : (REAL)0, left = gs - r0;             \
            REAL r1 = q1[s] == m ? left : (REAL)0;                           \
            left = left - r1;                                                \
            REAL r2 = q2[s] == m ? left : (REAL)0;                           \
            left = left - r2;                                                \
            e0[s] = r0, e1[s] = r1, e2[s] = r2;                              \
            e3[s] = q3[s] == m ? left : (REAL)0;                             \
        }                                                                    \
    }                                                                        \
    BP_ELEMENTWISE                                                           \
    static void MAX_FORWARD(const bp_layer_run *r, REAL *out, const REAL *in,\
                            const REAL *w, const REAL *b, REAL *scratch)     \
    {                                                                        \
        (void)w, (void)b, (void)scratch;                                     \
        const bp_layer *L = r->layer;                                        \
        const size_t n = r->n, k = (size_t)L->k, H = L->in.h, W = L->in.w;   \
        const size_t OH = L->out.h, OW = L->out.w;                           \
        for (size_t c = 0; c < L->in.c; c++)                                 \
            for (size_t oy = 0; oy < OH; oy++)                               \
                for (size_t ox = 0; ox < OW; ox++) {                         \
                    REAL *o = out + ((c * OH + oy) * OW + ox) * n;           \
                    const REAL *w0 = in + ((c * H + oy * k) * W + ox * k) * n;\
                    if (k == 2) { /* one pass, the same comparisons */       \
                        const REAL *p1 = w0 + n, *p2 = w0 + W * n;           \
                        const REAL *p3 = p2 + n;                             \
                        for (size_t s = 0; s < n; s++) {                     \
                            REAL m = w0[s];                                  \
                            m = p1[s] > m ? p1[s] : m;                       \
                            m = p2[s] > m ? p2[s] : m;                       \
                            o[s] = p3[s] > m ? p3[s] : m;                    \
                        }                                                    \
                        continue;                                            \
                    }                                                        \
                    memcpy(o, w0, n * sizeof *o);                            \
                    for (size_t ky = 0; ky < k; ky++)                        \
                        for (size_t kx = ky ? 0 : 1; kx < k; kx++) {         \
                            const REAL *p = w0 + (ky * W + kx) * n;          \
                            for (size_t s = 0; s < n; s++)                   \
                                o[s] = p[s] > o[s] ? p[s] : o[s];            \
                        }                                                    \
                }                                                            \
    }                                                                        \
    BP_ELEMENTWISE                                                           \
    static void MAX_BACKWARD(const bp_layer_run *r, REAL *din, REAL *dw,     \
                             REAL *db, const REAL *delta, const REAL *in,    \
                             const REAL *out, const REAL *w, REAL *scratch)  \
    {                                                                        \
        (void)dw, (void)db, (void)out, (void)w, (void)scratch;               \
        if (!din)                                                            \
            return;                                                          \
        const bp_layer *L = r->layer;                                        \
        const size_t n = r->n, k = (size_t)L->k, H = L->in.h, W = L->in.w;   \
        const size_t OH = L->out.h, OW = L->out.w;                           \
        if (OH * k < H || OW * k < W)                                        \
            memset(din, 0, bp_shape_size(L->in) * n * sizeof *din);          \
        for (size_t c = 0; c < L->in.c; c++)                                 \
            for (size_t oy = 0; oy < OH; oy++)                               \
                for (size_t ox = 0; ox < OW; ox++) {                         \
                    const size_t at = ((c * H + oy * k) * W + ox * k) * n;   \
                    const REAL *w0 = in + at;                                \
                    REAL *d0 = din + at;                                     \
                    const REAL *g = delta + ((c * OH + oy) * OW + ox) * n;   \
                    if (k == 2) { /* one pass over the samples */            \
                        MAX2_BACKWARD(n, w0, w0 + n, w0 + W * n,             \
                                      w0 + W * n + n, g, d0, d0 + n,         \
                                      d0 + W * n, d0 + W * n + n);           \
                        continue;                                            \
                    }                                                        \
                    for (size_t s0 = 0; s0 < n; s0 += POOL_CHUNK) {          \
                        const size_t m = n - s0 < POOL_CHUNK ? n - s0        \
                                                             : POOL_CHUNK;   \
                        /* the maximum as forward finds it, then the        \
                         * gradient left (rem) goes to the first value      \
                         * equal to it */                                    \
                        REAL best[POOL_CHUNK], rem[POOL_CHUNK];              \
                        memcpy(best, w0 + s0, m * sizeof *best);             \
                        memcpy(rem, g + s0, m * sizeof *rem);                \
                        for (size_t ky = 0; ky < k; ky++)                    \
                            for (size_t kx = ky ? 0 : 1; kx < k; kx++) {     \
                                const REAL *p = w0 + (ky * W + kx) * n + s0; \
                                for (size_t s = 0; s < m; s++)               \
                                    best[s] = p[s] > best[s] ? p[s] : best[s];\
                            }                                                \
                        for (size_t ky = 0; ky < k; ky++)                    \
                            for (size_t kx = 0; kx < k; kx++) {              \
                                const size_t o = (ky * W + kx) * n + s0;     \
                                const REAL *p = w0 + o;                      \
                                REAL *d = d0 + o;                            \
                                for (size_t s = 0; s < m; s++) {             \
                                    const int hit = p[s] == best[s];         \
                                    d[s] = hit ? rem[s] : (REAL)0;           \
                                    rem[s] = hit ? (REAL)0 : rem[s];         \
                                }                                            \
                            }                                                \
                    }                                                        \
                }                                                            \
    }                                                                        \
    BP_ELEMENTWISE                                                           \
    static void AVG_FORWARD(const bp_layer_run *r, REAL *out, const REAL *in,\
                            const REAL *w, const REAL *b, REAL *scratch)     \
    {                                                                        \
        (void)w, (void)b, (void)scratch;                                     \
        const bp_layer *L = r->layer;                                        \
        const size_t n = r->n, k = (size_t)L->k, H = L->in.h, W = L->in.w;   \
        const size_t OH = L->out.h, OW = L->out.w;                           \
        const REAL inv = (REAL)(1.0 / (double)(k * k));                      \
        for (size_t c = 0; c < L->in.c; c++)                                 \
            for (size_t oy = 0; oy < OH; oy++)                               \
                for (size_t ox = 0; ox < OW; ox++) {                         \
                    REAL *o = out + ((c * OH + oy) * OW + ox) * n;           \
                    const REAL *w0 = in + ((c * H + oy * k) * W + ox * k) * n;\
                    memcpy(o, w0, n * sizeof *o);                            \
                    for (size_t ky = 0; ky < k; ky++)                        \
                        for (size_t kx = ky ? 0 : 1; kx < k; kx++) {         \
                            const REAL *p = w0 + (ky * W + kx) * n;          \
                            for (size_t s = 0; s < n; s++)                   \
                                o[s] += p[s];                                \
                        }                                                    \
                    for (size_t s = 0; s < n; s++)                           \
                        o[s] *= inv;                                         \
                }                                                            \
    }                                                                        \
    BP_ELEMENTWISE                                                           \
    static void AVG_BACKWARD(const bp_layer_run *r, REAL *din, REAL *dw,     \
                             REAL *db, const REAL *delta, const REAL *in,    \
                             const REAL *out, const REAL *w, REAL *scratch)  \
    {                                                                        \
        (void)dw, (void)db, (void)in, (void)out, (void)w, (void)scratch;     \
        if (!din)                                                            \
            return;                                                          \
        const bp_layer *L = r->layer;                                        \
        const size_t n = r->n, k = (size_t)L->k, H = L->in.h, W = L->in.w;   \
        const size_t OH = L->out.h, OW = L->out.w;                           \
        const REAL inv = (REAL)(1.0 / (double)(k * k));                      \
        if (OH * k < H || OW * k < W)                                        \
            memset(din, 0, bp_shape_size(L->in) * n * sizeof *din);          \
        for (size_t c = 0; c < L->in.c; c++)                                 \
            for (size_t oy = 0; oy < OH; oy++)                               \
                for (size_t ox = 0; ox < OW; ox++) {                         \
                    REAL *d0 = din + ((c * H + oy * k) * W + ox * k) * n;    \
                    const REAL *g = delta + ((c * OH + oy) * OW + ox) * n;   \
                    for (size_t ky = 0; ky < k; ky++)                        \
                        for (size_t kx = 0; kx < k; kx++) {                  \
                            REAL *d = d0 + (ky * W + kx) * n;                \
                            for (size_t s = 0; s < n; s++)                   \
                                d[s] = g[s] * inv;                           \
                        }                                                    \
                }                                                            \
    }

POOL_PASSES(double, maxpool2_backward_f64, maxpool_layer_forward_f64, maxpool_layer_backward_f64,
            avgpool_layer_forward_f64, avgpool_layer_backward_f64)
POOL_PASSES(float, maxpool2_backward_f32, maxpool_layer_forward_f32, maxpool_layer_backward_f32,
            avgpool_layer_forward_f32, avgpool_layer_backward_f32)

const bp_layer_ops bp_maxpool_ops = {
    .name = "maxpool",
    .shape = pool_shape,
    .weights = bp_layer_none,
    .biases = bp_layer_none,
    .fans = bp_layer_no_fans,
    .scratch = bp_layer_none,
    .forward_f64 = maxpool_layer_forward_f64,
    .backward_f64 = maxpool_layer_backward_f64,
    .forward_f32 = maxpool_layer_forward_f32,
    .backward_f32 = maxpool_layer_backward_f32,
};

const bp_layer_ops bp_avgpool_ops = {
    .name = "avgpool",
    .shape = pool_shape,
    .weights = bp_layer_none,
    .biases = bp_layer_none,
    .fans = bp_layer_no_fans,
    .scratch = bp_layer_none,
    .forward_f64 = avgpool_layer_forward_f64,
    .backward_f64 = avgpool_layer_backward_f64,
    .forward_f32 = avgpool_layer_forward_f32,
    .backward_f32 = avgpool_layer_backward_f32,
};
