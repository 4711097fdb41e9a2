/* dropout.c - inverted dropout: while training each unit is kept with
 * probability 1 - rate and scaled by 1 / (1 - rate), so that the layer is
 * the identity at evaluation. */
#include <math.h>
#include <string.h>

#include "core/clones.h"
#include "nn/layer.h"

/*
 * The mask.  splitmix64's finaliser (Stafford's mix 13) is applied to the
 * seed, then to the running key xor each of step, layer, sample and unit
 * (plus the golden-ratio increment, so that zeros do not stay zero); the
 * top 53 bits of the result are a uniform u in [0, 1) and the unit is kept
 * when u >= rate.  The key of a pass (seed, step, layer) and of a sample
 * are taken once, then one mix a unit.
 */
#define DROPOUT_GOLDEN 0x9e3779b97f4a7c15ULL

static uint64_t dropout_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t dropout_then(uint64_t key, uint64_t v)
{
    return dropout_mix((key ^ v) + DROPOUT_GOLDEN);
}

static uint64_t dropout_pass_key(uint64_t seed, uint64_t step, int index)
{
    uint64_t key = dropout_mix(seed + DROPOUT_GOLDEN);
    key = dropout_then(key, step);
    return dropout_then(key, (uint64_t)(int64_t)index);
}

/* u >= rate for u = x 2^-53 and a whole x is x >= ceil(rate 2^53) (both
 * products by 2^53 are exact). */
static uint64_t dropout_threshold(double rate)
{
    if (!(rate > 0))
        return 0;
    if (rate >= 1)
        return (uint64_t)1 << 53;
    return (uint64_t)ceil(rate * 0x1p53);
}

int bp_dropout_keep(uint64_t seed, uint64_t step, int index, size_t sample,
                    size_t unit, double rate)
{
    uint64_t key = dropout_then(dropout_pass_key(seed, step, index),
                                (uint64_t)sample);
    return (dropout_then(key, (uint64_t)unit) >> 11) >=
           dropout_threshold(rate);
}

/* Samples whose keys a pass computes at once (on the stack). */
#define DROPOUT_CHUNK 64

/*
 * y = x m / (1 - rate) (forward: x the input, backward: x the gradient),
 * m the mask of each unit and sample; the identity (a copy) when not
 * training or rate is 0.
 */
#define DROPOUT_APPLY(REAL, APPLY)                                           \
    BP_ELEMENTWISE                                                           \
    static void APPLY(const bp_layer_run *r, REAL *y, const REAL *x)         \
    {                                                                        \
        const bp_layer *L = r->layer;                                        \
        const size_t units = bp_shape_size(L->in), n = r->n;                 \
        if (!r->train || !(L->rate > 0)) {                                   \
            if (y != x)                                                      \
                memmove(y, x, units * n * sizeof *y);                        \
            return;                                                          \
        }                                                                    \
        const uint64_t pass = dropout_pass_key(r->seed, r->step, r->index);  \
        const uint64_t limit = dropout_threshold(L->rate);                   \
        const REAL scale = (REAL)(1.0 / (1.0 - L->rate));                    \
        uint64_t key[DROPOUT_CHUNK];                                         \
        for (size_t s0 = 0; s0 < n; s0 += DROPOUT_CHUNK) {                   \
            const size_t m = n - s0 < DROPOUT_CHUNK ? n - s0 : DROPOUT_CHUNK;\
            for (size_t s = 0; s < m; s++)                                   \
                key[s] = dropout_then(pass, (uint64_t)(r->first + s0 + s));  \
            for (size_t u = 0; u < units; u++) {                             \
                const REAL *xu = x + u * n + s0;                             \
                REAL *yu = y + u * n + s0;                                   \
                for (size_t s = 0; s < m; s++)                               \
                    yu[s] = (dropout_then(key[s], (uint64_t)u) >> 11) >=     \
                                    limit                                    \
                                ? xu[s] * scale                              \
                                : (REAL)0;                                   \
            }                                                                \
        }                                                                    \
    }

DROPOUT_APPLY(double, dropout_apply_f64)
DROPOUT_APPLY(float, dropout_apply_f32)

static void dropout_layer_forward_f64(const bp_layer_run *r, double *out,
                                      const double *in, const double *w,
                                      const double *b, double *scratch)
{
    (void)w, (void)b, (void)scratch;
    dropout_apply_f64(r, out, in);
}

static void dropout_layer_backward_f64(const bp_layer_run *r, double *din,
                                       double *dw, double *db,
                                       const double *delta, const double *in,
                                       const double *out, const double *w,
                                       double *scratch)
{
    (void)dw, (void)db, (void)in, (void)out, (void)w, (void)scratch;
    if (din)
        dropout_apply_f64(r, din, delta);
}

static void dropout_layer_forward_f32(const bp_layer_run *r, float *out,
                                      const float *in, const float *w,
                                      const float *b, float *scratch)
{
    (void)w, (void)b, (void)scratch;
    dropout_apply_f32(r, out, in);
}

static void dropout_layer_backward_f32(const bp_layer_run *r, float *din,
                                       float *dw, float *db,
                                       const float *delta, const float *in,
                                       const float *out, const float *w,
                                       float *scratch)
{
    (void)dw, (void)db, (void)in, (void)out, (void)w, (void)scratch;
    if (din)
        dropout_apply_f32(r, din, delta);
}

static bp_status dropout_shape(const bp_layer *L, bp_shape in, bp_shape *out,
                               bp_error *err)
{
    (void)L;
    (void)err;
    *out = in;
    return BP_OK;
}


const bp_layer_ops bp_dropout_ops = {
    .name = "dropout",
    .shape = dropout_shape,
    .weights = bp_layer_none,
    .biases = bp_layer_none,
    .fans = bp_layer_no_fans,
    .scratch = bp_layer_none,
    .forward_f64 = dropout_layer_forward_f64,
    .backward_f64 = dropout_layer_backward_f64,
    .forward_f32 = dropout_layer_forward_f32,
    .backward_f32 = dropout_layer_backward_f32,
};
