/*
 * kernels.h - the numeric kernels, declared for double (_f64) and float
 * (_f32).  Both are compiled from the one definition in kernels_impl.h.
 *
 * Layout inside kernels: activations are feature-major, [features][n]: row
 * f holds feature f of the n samples of a batch.  That is the seed's layout
 * (X is 2 x n) and it makes every inner loop run over samples, contiguous,
 * which the compiler vectorises for any layer width.
 */
#ifndef BP_NN_KERNELS_H
#define BP_NN_KERNELS_H

#include <stddef.h>

#include "backprop.h"

/* The seed's epsilon inside the cross-entropy's logarithms. */
#define BP_BCE_EPS 1e-4

#define BP_DECLARE_KERNELS(REAL, SFX)                                        \
    /* out[j][s] = b[j] + sum_i w[j][i] in[i][s]; b may be NULL. */          \
    void dense_forward_##SFX(REAL *out, const REAL *in, const REAL *w,       \
                             const REAL *b, size_t n_out, size_t n_in,       \
                             size_t n);                                      \
    /* a = f(a), elementwise, in place. */                                   \
    void activation_forward_##SFX(bp_activation f, REAL *a, size_t count);   \
    /* delta *= f'(z), with f' computed from the output a = f(z). */         \
    void activation_backward_##SFX(bp_activation f, REAL *delta,             \
                                   const REAL *a, size_t count);             \
    /* dw[j][i] = sum_s delta[j][s] in[i][s] / n; db[j] likewise (or NULL).*/\
    void dense_backward_params_##SFX(REAL *dw, REAL *db, const REAL *delta,  \
                                     const REAL *in, size_t n_out,           \
                                     size_t n_in, size_t n);                 \
    /* din[i][s] = sum_j w[j][i] delta[j][s]. */                             \
    void dense_backward_input_##SFX(REAL *din, const REAL *w,                \
                                    const REAL *delta, size_t n_out,         \
                                    size_t n_in, size_t n);                  \
    /* Mean loss over count predictions p of targets y. */                   \
    double loss_value_##SFX(bp_loss loss, const REAL *p, const REAL *y,      \
                            size_t count);                                   \
    /* delta = dJ/dz of a sigmoid output p = sigma(z), for the per-sample   \
     * loss averaged over n_out outputs (the mean over samples is taken     \
     * when the parameter gradients are divided by n). */                    \
    void output_delta_##SFX(bp_loss loss, REAL *delta, const REAL *p,        \
                            const REAL *y, size_t count, size_t n_out);      \
    /* The naive table's other entries (kernels.h's table below): */         \
    void dense_forward_act_##SFX(bp_activation f, REAL *out, const REAL *in, \
                                 const REAL *w, const REAL *b, size_t n_out, \
                                 size_t n_in, size_t n);                     \
    void dense_backward_input_act_##SFX(bp_activation f, REAL *din,          \
                                        const REAL *w, const REAL *delta,    \
                                        const REAL *a, size_t n_out,         \
                                        size_t n_in, size_t n);              \
    double loss_output_delta_##SFX(bp_loss loss, REAL *delta, const REAL *p, \
                                   const REAL *y, size_t count,              \
                                   size_t n_out);                            \
    void vexp_##SFX(REAL *out, const REAL *x, size_t count);                 \
    void vlog_##SFX(REAL *out, const REAL *x, size_t count);                 \
    void vsigmoid_##SFX(REAL *out, const REAL *x, size_t count);             \
    void bias_grad_##SFX(REAL *db, const REAL *delta, size_t n_out,          \
                         size_t n);

BP_DECLARE_KERNELS(double, f64)
BP_DECLARE_KERNELS(float, f32)

/*
 * The fast double-precision kernels (simd.c, simd_impl.h, vecmath.h).
 *
 * Same contracts and layout as the _f64 kernels above, which stay the
 * reference: tests/unit/test_kernels.c compares every fast kernel with its
 * naive twin.  They differ in rounding only: sums over inputs keep the
 * naive order but use fused multiply-adds, sums over samples run per
 * vector lane and then across the lanes, and exp and log are vector
 * versions within 1.5 ulp and 1 ulp of the exact result (libm's: 0.5).
 * With binary targets (every y 0 or 1) the output deltas, and each
 * sample's loss term, are bit-identical to the naive ones.
 *
 * The instruction set (bp_isa, backprop.h) is an argument so that tests
 * and benchmarks can run each one (passing one the CPU lacks is
 * undefined: it faults on the first instruction it does not know; passing
 * BP_ISA_AUTO runs the naive kernels: callers resolve it first, as the
 * trainer does once in bp_trainer_new).  bp_isa_best() gives the widest
 * the CPU supports, read from the CPU's feature bits at each call (a few
 * loads, no state of ours); BP_ISA_NAIVE (also the only choice off
 * x86-64, or with -DBP_NO_SIMD) calls the naive kernels.  For one
 * instruction set the results are deterministic.
 */
/*
 * The fast kernels, declared once per type: dense_forward_fast (double)
 * and dense_forward_fast_f32 (float), and so on.  Each has the contract of
 * its naive twin (dense_forward_f64 / _f32, ...); the _act_ ones fuse two:
 * dense_forward then activation_forward(f, out) (tanh stays libm's), and
 * dense_backward_input then activation_backward(f, din, a).  vec_exp,
 * vec_log and vec_sigmoid give out[k] = exp(x[k]), log(x[k]),
 * 1 / (1 + exp(-x[k])) for k < count (out may be x); BP_ISA_NAIVE uses
 * libm.
 */
#define BP_DECLARE_FAST_KERNELS(REAL, SFX)                                   \
    void dense_forward_fast##SFX(bp_isa isa, REAL *out, const REAL *in,      \
                                 const REAL *w, const REAL *b, size_t n_out, \
                                 size_t n_in, size_t n);                     \
    void dense_forward_act_fast##SFX(bp_isa isa, bp_activation f, REAL *out, \
                                     const REAL *in, const REAL *w,          \
                                     const REAL *b, size_t n_out,            \
                                     size_t n_in, size_t n);                 \
    void activation_forward_fast##SFX(bp_isa isa, bp_activation f, REAL *a,  \
                                      size_t count);                         \
    void activation_backward_fast##SFX(bp_isa isa, bp_activation f,          \
                                       REAL *delta, const REAL *a,           \
                                       size_t count);                        \
    void dense_backward_params_fast##SFX(bp_isa isa, REAL *dw, REAL *db,     \
                                         const REAL *delta, const REAL *in,  \
                                         size_t n_out, size_t n_in,          \
                                         size_t n);                          \
    void dense_backward_input_fast##SFX(bp_isa isa, REAL *din,               \
                                        const REAL *w, const REAL *delta,    \
                                        size_t n_out, size_t n_in, size_t n);\
    void dense_backward_input_act_fast##SFX(                                 \
        bp_isa isa, bp_activation f, REAL *din, const REAL *w,               \
        const REAL *delta, const REAL *a, size_t n_out, size_t n_in,         \
        size_t n);                                                           \
    double loss_value_fast##SFX(bp_isa isa, bp_loss loss, const REAL *p,     \
                                const REAL *y, size_t count);                \
    void output_delta_fast##SFX(bp_isa isa, bp_loss loss, REAL *delta,       \
                                const REAL *p, const REAL *y, size_t count,  \
                                size_t n_out);                               \
    void vec_exp##SFX(bp_isa isa, REAL *out, const REAL *x, size_t count);   \
    void vec_log##SFX(bp_isa isa, REAL *out, const REAL *x, size_t count);   \
    void vec_sigmoid##SFX(bp_isa isa, REAL *out, const REAL *x, size_t count);

BP_DECLARE_FAST_KERNELS(double, )

/* loss_value_fast and output_delta_fast in one pass; returns the loss. */
double loss_output_delta_fast(bp_isa isa, bp_loss loss, double *delta,
                              const double *p, const double *y, size_t count,
                              size_t n_out);

/*
 * A layer of one sigmoid output, all of it (double): p = sigma(w a + b)
 * ([n]; a is [h][n], w [h], b [1] or NULL), the mean loss (returned; BCE
 * or MSE), the output delta ([n]), dw ([h]) and db ([1], or NULL: none),
 * and din = w delta f'(a) ([h][n]) for the layer below (NULL: none).  The
 * same bits (but for the sign of a NaN) as dense_forward_fast,
 * activation_forward_fast, loss_output_delta_fast,
 * dense_backward_params_fast and dense_backward_input_act_fast in turn,
 * which it calls for h > 16 and BP_ISA_NAIVE; else two passes over the
 * samples.
 */
double output1_fast(bp_isa isa, bp_loss loss, bp_activation f, double *p,
                    double *delta, double *dw, double *db, double *din,
                    const double *a, const double *w, const double *b,
                    const double *y, size_t h, size_t n);

/*
 * The fast single-precision kernels (simd_f32.c): the same contracts on
 * float arrays, compared with the naive _f32 kernels by
 * tests/unit/test_kernels.c.  Sums are kept in float, as the naive _f32
 * kernels keep them; the losses are returned as double (the terms are
 * computed in float with a float log, added in double).  16 floats a
 * vector with AVX-512, 8 with AVX2.  They differ from the naive ones in
 * rounding only: products sum in the naive order with fused multiply-adds,
 * parameter gradients of layers of at least 16 x 16 sum over samples in
 * order (a transposed panel), smaller ones per lane then across; exp and
 * log are float vector versions within 1 ulp (the sigmoid within 3;
 * vecmath.h), libm's expf and logf for BP_ISA_NAIVE.  activation_backward
 * and the output deltas are bit-identical to the naive ones.
 */
BP_DECLARE_FAST_KERNELS(float, _f32)

/*
 * The kernels as a table of functions, one const table per instruction set
 * and real type, chosen once: kernels_f64(isa) / kernels_f32(isa) return
 * BP_ISA_AVX512's, BP_ISA_AVX2's or the naive table (BP_ISA_NAIVE, and
 * BP_ISA_AUTO, which callers resolve first, as the _fast wrappers treat it);
 * a workspace and a trainer keep the pointer (ws_set_isa, workspace.h).
 * Each entry has the contract of the _fast kernel of its name without the
 * isa argument: table->dense_forward(...) is dense_forward_fast(isa, ...).
 *
 * One naming scheme, KERNEL[_ISA]_TYPE: the table entry k->KERNEL of isa
 * ISA in type TYPE is the function KERNEL_ISA_TYPE (dense_forward_avx512_f32,
 * vexp_avx2_f64), the naive one KERNEL_TYPE (dense_forward_f64, defined in
 * kernels_impl.h; adapters of its kernels in simd.c and simd_f32.c).  The
 * vector bodies are written once in simd_impl.h under K_KERNEL macros that
 * simd.c and simd_f32.c set to those names, one literal #define per kernel
 * and instruction set, so that grep for a kernel's full name finds the line
 * that names its body (and the table that holds it).
 */
#define BP_KERNEL_TABLE_ENTRIES(REAL)                                        \
    bp_isa isa;                 /* the table's instruction set */            \
    void (*dense_forward)(REAL *out, const REAL *in, const REAL *w,          \
                          const REAL *b, size_t n_out, size_t n_in,          \
                          size_t n);                                         \
    void (*dense_forward_act)(bp_activation f, REAL *out, const REAL *in,    \
                              const REAL *w, const REAL *b, size_t n_out,    \
                              size_t n_in, size_t n);                        \
    void (*activation_forward)(bp_activation f, REAL *a, size_t count);      \
    void (*activation_backward)(bp_activation f, REAL *delta, const REAL *a, \
                                size_t count);                               \
    void (*dense_backward_params)(REAL *dw, REAL *db, const REAL *delta,     \
                                  const REAL *in, size_t n_out, size_t n_in, \
                                  size_t n);                                 \
    void (*dense_backward_input)(REAL *din, const REAL *w, const REAL *delta,\
                                 size_t n_out, size_t n_in, size_t n);       \
    void (*dense_backward_input_act)(bp_activation f, REAL *din,             \
                                     const REAL *w, const REAL *delta,       \
                                     const REAL *a, size_t n_out,            \
                                     size_t n_in, size_t n);                 \
    double (*loss_value)(bp_loss loss, const REAL *p, const REAL *y,         \
                         size_t count);                                      \
    void (*output_delta)(bp_loss loss, REAL *delta, const REAL *p,           \
                         const REAL *y, size_t count, size_t n_out);         \
    /* loss_value and output_delta in one pass; returns the loss */          \
    double (*loss_output_delta)(bp_loss loss, REAL *delta, const REAL *p,    \
                                const REAL *y, size_t count, size_t n_out);  \
    void (*vexp)(REAL *out, const REAL *x, size_t count);     /* vec_exp */  \
    void (*vlog)(REAL *out, const REAL *x, size_t count);     /* vec_log */  \
    void (*vsigmoid)(REAL *out, const REAL *x, size_t count); /* vec_sigmoid */

typedef struct {
    BP_KERNEL_TABLE_ENTRIES(double)
    /* output1_fast's contract */
    double (*output1)(bp_loss loss, bp_activation f, double *p, double *delta,
                      double *dw, double *db, double *din, const double *a,
                      const double *w, const double *b, const double *y,
                      size_t h, size_t n);
} bp_kernels_f64;

typedef struct {
    BP_KERNEL_TABLE_ENTRIES(float)
    /* bias_grad_fast_f32's contract */
    void (*bias_grad)(float *db, const float *delta, size_t n_out, size_t n);
} bp_kernels_f32;

/* The tables (defined in simd.c and simd_f32.c; the AVX ones only where
 * BP_HAVE_X86_SIMD: use kernels_f64/_f32, which fall back to naive). */
extern const bp_kernels_f64 bp_kernels_naive_f64;
extern const bp_kernels_f32 bp_kernels_naive_f32;
const bp_kernels_f64 *kernels_f64(bp_isa isa);
const bp_kernels_f32 *kernels_f32(bp_isa isa);

/*
 * A dense product and its activation, out = f(w in + b) ([n_out][n]), by
 * table k: ReLU and none applied to the sums as they are stored, sigmoid
 * and tanh in a separate pass over the contiguous [n_out][n] block (no
 * lanes wasted at row ends, and it pipelines better: measured).  The one
 * rule for the dense layers of the workspace and of the layer table.
 */
#define BP_DEFINE_DENSE_ACT(REAL, SFX)                                       \
    static inline void dense_act_forward##SFX(                               \
        const bp_kernels##SFX *k, bp_activation f, REAL *out, const REAL *in,\
        const REAL *w, const REAL *b, size_t n_out, size_t n_in, size_t n)   \
    {                                                                        \
        if (f == BP_ACT_RELU || f == BP_ACT_NONE) {                          \
            k->dense_forward_act(f, out, in, w, b, n_out, n_in, n);          \
        } else {                                                             \
            k->dense_forward(out, in, w, b, n_out, n_in, n);                 \
            k->activation_forward(f, out, n_out * n);                        \
        }                                                                    \
    }
BP_DEFINE_DENSE_ACT(double, _f64)
BP_DEFINE_DENSE_ACT(float, _f32)
#undef BP_DEFINE_DENSE_ACT

/* The naive table's output1: output1_fast's contract by the separate
 * kernels, as kernels_output1_apart does with any table k. */
double output1_f64(bp_loss loss, bp_activation f, double *p, double *delta,
                   double *dw, double *db, double *din, const double *a,
                   const double *w, const double *b, const double *y,
                   size_t h, size_t n);
double kernels_output1_apart(const bp_kernels_f64 *k, bp_loss loss,
                             bp_activation f, double *p, double *delta,
                             double *dw, double *db, double *din,
                             const double *a, const double *w,
                             const double *b, const double *y, size_t h,
                             size_t n);

/*
 * A float layer's parameter gradient split by rows between threads
 * (simd_impl.h's params_panels).  panels_isa_f32 gives the instruction set
 * whose packed parameter gradient dense_backward_params_fast_f32 (isa)
 * takes for the whole layer, or BP_ISA_NAIVE when it takes another way
 * (then the rows' gradient, by that kernel on a block of rows, is the same
 * bits as the whole layer's).  With that set p: panels_size_f32(p, ...)
 * gives the floats of one share's packed input of n samples;
 * pack_panels_f32 packs a share's input (columns [s0, s0 + n) of n_in rows
 * of ld); params_panels_f32 writes g[j][i] (rows j < n_out of delta_u) =
 * sum over the shares u of c[u] times share u's mean (c NULL: one share,
 * its mean), bit for bit the weighted sum of the whole layer's gradients.
 * bias_grad_fast_f32 is that kernel's db alone.
 */
bp_isa panels_isa_f32(bp_isa isa, size_t n_in, size_t n_out);
size_t panels_size_f32(bp_isa isa, size_t n_in, size_t n);
void pack_panels_f32(bp_isa isa, float *pack, const float *in, size_t ld,
                     size_t s0, size_t n_in, size_t n);
void params_panels_f32(bp_isa isa, float *g, size_t n_out, size_t n_in,
                       int shares, const float *const *delta, const size_t *n,
                       const float *const *pack, const float *c);
void bias_grad_fast_f32(bp_isa isa, float *db, const float *delta,
                        size_t n_out, size_t n);

#endif
