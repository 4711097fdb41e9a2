/*
 * simd.c - the fast double-precision kernels: simd_impl.h instantiated for
 * AVX-512 and for AVX2+FMA, each set's table of kernels (kernels.h), and
 * kernels_f64(isa), which picks the table (or the naive one, kernels.c),
 * with the _fast(isa, ...) wrappers over it.
 *
 * The library is compiled for baseline x86-64 (or any other
 * architecture): only the functions in this file carry target attributes,
 * and they run only when the CPU reports the instruction set
 * (__builtin_cpu_supports, which also checks that the operating system
 * saves the wide registers).  Elsewhere every _fast kernel is the naive
 * one.
 */
#include <math.h>
#include <stddef.h>

#include "nn/kernels.h"
#include "nn/vecmath.h"

/* output1_fast's own kernel takes layers of up to this many inputs (its
 * weight sums stay in registers); wider ones take the separate kernels. */
#define OUT1_MAX 16

#if BP_HAVE_X86_SIMD

/* ------------------------------------------------------------- AVX-512 */

/* r[i] = sum of the lanes of v[i], i < 8: a transpose folded into the adds
 * (14 shuffles and 7 adds for 8 sums).  Each sum adds lanes pairwise:
 * ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)). */
static inline __attribute__((always_inline)) BP_TARGET_AVX512 __m512d
avx512_pairs(__m512d a, __m512d b)      /* (a_01, b_01, a_23, b_23, ...) */
{
    return _mm512_add_pd(_mm512_unpacklo_pd(a, b), _mm512_unpackhi_pd(a, b));
}

static inline __attribute__((always_inline)) BP_TARGET_AVX512 __m512d
avx512_lanes(__m512d a, __m512d b)      /* even + odd 128-bit lanes */
{
    return _mm512_add_pd(_mm512_shuffle_f64x2(a, b, 0x88),
                         _mm512_shuffle_f64x2(a, b, 0xdd));
}

static inline __attribute__((always_inline)) BP_TARGET_AVX512 __m512d
avx512_hsums(const __m512d v[8])
{
    __m512d q0 = avx512_lanes(avx512_pairs(v[0], v[1]),
                              avx512_pairs(v[2], v[3]));
    __m512d q1 = avx512_lanes(avx512_pairs(v[4], v[5]),
                              avx512_pairs(v[6], v[7]));
    return avx512_lanes(q0, q1);
}

/* The real type, its naive kernels, and the loss's accumulator (the
 * vector type itself for doubles). */
#define RT double
#define NFN(name) name##_f64
#define LT VT
#define L_ZERO() V_ZERO()
#define L_ADD(acc, v) V_ADD((acc), (v))
#define L_REDUCE(acc) V_REDUCE(acc)

#define SFN(name) name##_avx512_f64
/* this set's kernels (kernels.h's table; bodies in simd_impl.h) */
#define K_dense_forward dense_forward_avx512_f64
#define K_dense_forward_act dense_forward_act_avx512_f64
#define K_activation_forward activation_forward_avx512_f64
#define K_activation_backward activation_backward_avx512_f64
#define K_dense_backward_params dense_backward_params_avx512_f64
#define K_dense_backward_input dense_backward_input_avx512_f64
#define K_dense_backward_input_act dense_backward_input_act_avx512_f64
#define K_loss_value loss_value_avx512_f64
#define K_output_delta output_delta_avx512_f64
#define K_loss_output_delta loss_output_delta_avx512_f64
#define K_vexp vexp_avx512_f64
#define K_vlog vlog_avx512_f64
#define K_vsigmoid vsigmoid_avx512_f64
#define K_bias_grad bias_grad_avx512_f64
#define TARGET BP_TARGET_AVX512
#define VT __m512d
#define VL 8
#define MT __mmask8
#define CT __mmask8
#define V_LOAD(p) _mm512_loadu_pd(p)
#define V_LOADM(p, m) _mm512_maskz_loadu_pd((m), (p))
#define V_STORE(p, v) _mm512_storeu_pd((p), (v))
#define V_STOREM(p, m, v) _mm512_mask_storeu_pd((p), (m), (v))
#define V_MASK(k) ((__mmask8)((1u << (k)) - 1u))
#define V_SET1(x) _mm512_set1_pd(x)
#define V_ZERO() _mm512_setzero_pd()
#define V_ADD(a, b) _mm512_add_pd((a), (b))
#define V_SUB(a, b) _mm512_sub_pd((a), (b))
#define V_MUL(a, b) _mm512_mul_pd((a), (b))
#define V_DIV(a, b) _mm512_div_pd((a), (b))
#define V_FMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define V_MAX(a, b) _mm512_max_pd((a), (b))
#define V_NEG(a)                                                             \
    _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(a),             \
                                         _mm512_set1_epi64(INT64_MIN)))
#define V_EXP(v) vm_exp_avx512(v)
#define V_EXPNEG(v) vm_expneg_avx512(v)
#define V_RECIP(d) vm_recip_avx512(d)
#define V_RECIP_OK(d) (vm_recip_ok_avx512(d) == (MT)~(MT)0)
#define V_LOG(v) vm_log_avx512(v)
#define V_REDUCE(v) _mm512_reduce_add_pd(v)
#define V_HSUMS(v) avx512_hsums(v)
#define V_EQ(a, b) _mm512_cmp_pd_mask((a), (b), _CMP_EQ_OQ)
#define V_OR_MASK(c, d) ((__mmask8)((c) | (d)))
#define V_SEL(c, a, b) _mm512_mask_blend_pd((c), (b), (a))
#define V_ALL(c) ((c) == 0xff)
#define V_AND_MT(v, m) _mm512_maskz_mov_pd((m), (v))
#define V_GT0_SEL(a, d)                                                      \
    _mm512_maskz_mov_pd(_mm512_cmp_pd_mask((a), _mm512_setzero_pd(),         \
                                           _CMP_GT_OQ), (d))
#define TMAX 8
#define TJMAX 4
#define TIMAX 6
#define TJSMALL 8
#define SMALL_IN 3
#include "nn/simd_impl.h"
#undef SFN
#undef TARGET
#undef VT
#undef VL
#undef MT
#undef CT
#undef V_LOAD
#undef V_LOADM
#undef V_STORE
#undef V_STOREM
#undef V_MASK
#undef V_SET1
#undef V_ZERO
#undef V_ADD
#undef V_SUB
#undef V_MUL
#undef V_DIV
#undef V_FMA
#undef V_MAX
#undef V_NEG
#undef V_EXP
#undef V_EXPNEG
#undef V_RECIP
#undef V_RECIP_OK
#undef V_LOG
#undef V_REDUCE
#undef V_HSUMS
#undef V_EQ
#undef V_OR_MASK
#undef V_SEL
#undef V_ALL
#undef V_AND_MT
#undef V_GT0_SEL
#undef TMAX
#undef TJMAX
#undef TIMAX
#undef TJSMALL
#undef SMALL_IN

/* ---------------------------------------------------------------- AVX2 */

/* Lane masks for maskload/maskstore: the first k of 4 lanes. */
static const long long avx2_lanes[8] __attribute__((aligned(32))) = {
    -1, -1, -1, -1, 0, 0, 0, 0};

static inline BP_TARGET_AVX2 double avx2_reduce(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v),
                           _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/* r[i] = sum of the lanes of v[i], i < 4. */
static inline __attribute__((always_inline)) BP_TARGET_AVX2 __m256d
avx2_hsums(const __m256d v[4])
{
    __m256d h01 = _mm256_hadd_pd(v[0], v[1]);   /* v0_01 v1_01 v0_23 v1_23 */
    __m256d h23 = _mm256_hadd_pd(v[2], v[3]);
    return _mm256_add_pd(_mm256_permute2f128_pd(h01, h23, 0x20),
                         _mm256_permute2f128_pd(h01, h23, 0x31));
}

#define SFN(name) name##_avx2_f64
/* this set's kernels (kernels.h's table; bodies in simd_impl.h) */
#define K_dense_forward dense_forward_avx2_f64
#define K_dense_forward_act dense_forward_act_avx2_f64
#define K_activation_forward activation_forward_avx2_f64
#define K_activation_backward activation_backward_avx2_f64
#define K_dense_backward_params dense_backward_params_avx2_f64
#define K_dense_backward_input dense_backward_input_avx2_f64
#define K_dense_backward_input_act dense_backward_input_act_avx2_f64
#define K_loss_value loss_value_avx2_f64
#define K_output_delta output_delta_avx2_f64
#define K_loss_output_delta loss_output_delta_avx2_f64
#define K_vexp vexp_avx2_f64
#define K_vlog vlog_avx2_f64
#define K_vsigmoid vsigmoid_avx2_f64
#define K_bias_grad bias_grad_avx2_f64
#define TARGET BP_TARGET_AVX2
#define VT __m256d
#define VL 4
#define MT __m256i
#define CT __m256d
#define V_LOAD(p) _mm256_loadu_pd(p)
#define V_LOADM(p, m) _mm256_maskload_pd((p), (m))
#define V_STORE(p, v) _mm256_storeu_pd((p), (v))
#define V_STOREM(p, m, v) _mm256_maskstore_pd((p), (m), (v))
#define V_MASK(k) _mm256_loadu_si256((const __m256i *)(avx2_lanes + 4 - (k)))
#define V_SET1(x) _mm256_set1_pd(x)
#define V_ZERO() _mm256_setzero_pd()
#define V_ADD(a, b) _mm256_add_pd((a), (b))
#define V_SUB(a, b) _mm256_sub_pd((a), (b))
#define V_MUL(a, b) _mm256_mul_pd((a), (b))
#define V_DIV(a, b) _mm256_div_pd((a), (b))
#define V_FMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define V_MAX(a, b) _mm256_max_pd((a), (b))
#define V_NEG(a) _mm256_xor_pd((a), _mm256_set1_pd(-0.0))
#define V_EXP(v) vm_exp_avx2(v)
#define V_EXPNEG(v) vm_exp_avx2(V_NEG(v))
#define V_LOG(v) vm_log_avx2(v)
#define V_REDUCE(v) avx2_reduce(v)
#define V_HSUMS(v) avx2_hsums(v)
#define V_EQ(a, b) _mm256_cmp_pd((a), (b), _CMP_EQ_OQ)
#define V_OR_MASK(c, d) _mm256_or_pd((c), (d))
#define V_SEL(c, a, b) _mm256_blendv_pd((b), (a), (c))
#define V_ALL(c) (_mm256_movemask_pd(c) == 0xf)
#define V_AND_MT(v, m) _mm256_and_pd((v), _mm256_castsi256_pd(m))
#define V_GT0_SEL(a, d)                                                      \
    _mm256_and_pd(_mm256_cmp_pd((a), _mm256_setzero_pd(), _CMP_GT_OQ), (d))
#define TMAX 8
#define TJMAX 2
#define TIMAX 4
#define TJSMALL 4
#define SMALL_IN 2
#include "nn/simd_impl.h"

static const bp_kernels_f64 bp_kernels_avx512_f64, bp_kernels_avx2_f64;

/* output1: its own kernel for layers of 1 to OUT1_MAX inputs, else the
 * set's separate kernels. */
static BP_TARGET_AVX512 double output1_avx512_f64(
    bp_loss loss, bp_activation f, double *p, double *delta, double *dw,
    double *db, double *din, const double *a, const double *w,
    const double *b, const double *y, size_t h, size_t n)
{
    if (h == 0 || h > OUT1_MAX)
        return kernels_output1_apart(&bp_kernels_avx512_f64, loss, f, p, delta,
                                     dw, db, din, a, w, b, y, h, n);
    return output1_small_avx512_f64(loss, f, p, delta, dw, db, din, a, w, b,
                                    y, h, n);
}

static BP_TARGET_AVX2 double output1_avx2_f64(
    bp_loss loss, bp_activation f, double *p, double *delta, double *dw,
    double *db, double *din, const double *a, const double *w,
    const double *b, const double *y, size_t h, size_t n)
{
    if (h == 0 || h > OUT1_MAX)
        return kernels_output1_apart(&bp_kernels_avx2_f64, loss, f, p, delta,
                                     dw, db, din, a, w, b, y, h, n);
    return output1_small_avx2_f64(loss, f, p, delta, dw, db, din, a, w, b, y,
                                  h, n);
}

/* The tables: every entry KERNEL_ISA_f64 (kernels.h). */
static const bp_kernels_f64 bp_kernels_avx512_f64 = {
    .isa = BP_ISA_AVX512,
    .dense_forward = dense_forward_avx512_f64,
    .dense_forward_act = dense_forward_act_avx512_f64,
    .activation_forward = activation_forward_avx512_f64,
    .activation_backward = activation_backward_avx512_f64,
    .dense_backward_params = dense_backward_params_avx512_f64,
    .dense_backward_input = dense_backward_input_avx512_f64,
    .dense_backward_input_act = dense_backward_input_act_avx512_f64,
    .loss_value = loss_value_avx512_f64,
    .output_delta = output_delta_avx512_f64,
    .loss_output_delta = loss_output_delta_avx512_f64,
    .vexp = vexp_avx512_f64,
    .vlog = vlog_avx512_f64,
    .vsigmoid = vsigmoid_avx512_f64,
    .output1 = output1_avx512_f64,
};

static const bp_kernels_f64 bp_kernels_avx2_f64 = {
    .isa = BP_ISA_AVX2,
    .dense_forward = dense_forward_avx2_f64,
    .dense_forward_act = dense_forward_act_avx2_f64,
    .activation_forward = activation_forward_avx2_f64,
    .activation_backward = activation_backward_avx2_f64,
    .dense_backward_params = dense_backward_params_avx2_f64,
    .dense_backward_input = dense_backward_input_avx2_f64,
    .dense_backward_input_act = dense_backward_input_act_avx2_f64,
    .loss_value = loss_value_avx2_f64,
    .output_delta = output_delta_avx2_f64,
    .loss_output_delta = loss_output_delta_avx2_f64,
    .vexp = vexp_avx2_f64,
    .vlog = vlog_avx2_f64,
    .vsigmoid = vsigmoid_avx2_f64,
    .output1 = output1_avx2_f64,
};

#endif /* BP_HAVE_X86_SIMD */

/* ------------------------------------------------------------ dispatch */

int bp_hook_isa_lacks;

int bp_isa_supported(bp_isa isa)
{
    if ((unsigned)isa < BP_ISA_COUNT && isa > BP_ISA_NAIVE &&
        (bp_hook_isa_lacks >> isa & 1))
        return 0;               /* a test pretends the CPU lacks it */
    switch (isa) {
    case BP_ISA_AUTO:
    case BP_ISA_NAIVE:
        return 1;
    case BP_ISA_COUNT:
        return 0;
#if BP_HAVE_X86_SIMD
    case BP_ISA_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case BP_ISA_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    case BP_ISA_AVX2:
    case BP_ISA_AVX512:
        return 0;
#endif
    }
    return 0;
}

bp_isa bp_isa_best(void)
{
    if (bp_isa_supported(BP_ISA_AVX512))
        return BP_ISA_AVX512;
    if (bp_isa_supported(BP_ISA_AVX2))
        return BP_ISA_AVX2;
    return BP_ISA_NAIVE;
}

const bp_kernels_f64 *kernels_f64(bp_isa isa)
{
#if BP_HAVE_X86_SIMD
    if (isa == BP_ISA_AVX512)
        return &bp_kernels_avx512_f64;
    if (isa == BP_ISA_AVX2)
        return &bp_kernels_avx2_f64;
#endif
    (void)isa;
    return &bp_kernels_naive_f64;
}

/* The _fast kernels: the table's, for callers that pass the set each call. */
void dense_forward_fast(bp_isa isa, double *out, const double *in,
                        const double *w, const double *b, size_t n_out,
                        size_t n_in, size_t n)
{
    kernels_f64(isa)->dense_forward(out, in, w, b, n_out, n_in, n);
}

void dense_forward_act_fast(bp_isa isa, bp_activation f, double *out,
                            const double *in, const double *w,
                            const double *b, size_t n_out, size_t n_in,
                            size_t n)
{
    kernels_f64(isa)->dense_forward_act(f, out, in, w, b, n_out, n_in, n);
}

void activation_forward_fast(bp_isa isa, bp_activation f, double *a,
                             size_t count)
{
    kernels_f64(isa)->activation_forward(f, a, count);
}

void activation_backward_fast(bp_isa isa, bp_activation f, double *delta,
                              const double *a, size_t count)
{
    kernels_f64(isa)->activation_backward(f, delta, a, count);
}

void dense_backward_params_fast(bp_isa isa, double *dw, double *db,
                                const double *delta, const double *in,
                                size_t n_out, size_t n_in, size_t n)
{
    kernels_f64(isa)->dense_backward_params(dw, db, delta, in, n_out, n_in, n);
}

void dense_backward_input_fast(bp_isa isa, double *din, const double *w,
                               const double *delta, size_t n_out, size_t n_in,
                               size_t n)
{
    kernels_f64(isa)->dense_backward_input(din, w, delta, n_out, n_in, n);
}

void dense_backward_input_act_fast(bp_isa isa, bp_activation f, double *din,
                                   const double *w, const double *delta,
                                   const double *a, size_t n_out, size_t n_in,
                                   size_t n)
{
    kernels_f64(isa)->dense_backward_input_act(f, din, w, delta, a, n_out,
                                               n_in, n);
}

double loss_value_fast(bp_isa isa, bp_loss loss, const double *p,
                       const double *y, size_t count)
{
    return kernels_f64(isa)->loss_value(loss, p, y, count);
}

void output_delta_fast(bp_isa isa, bp_loss loss, double *delta,
                       const double *p, const double *y, size_t count,
                       size_t n_out)
{
    kernels_f64(isa)->output_delta(loss, delta, p, y, count, n_out);
}

double output1_fast(bp_isa isa, bp_loss loss, bp_activation f, double *p,
                    double *delta, double *dw, double *db, double *din,
                    const double *a, const double *w, const double *b,
                    const double *y, size_t h, size_t n)
{
    return kernels_f64(isa)->output1(loss, f, p, delta, dw, db, din, a, w, b,
                                     y, h, n);
}

double loss_output_delta_fast(bp_isa isa, bp_loss loss, double *delta,
                              const double *p, const double *y, size_t count,
                              size_t n_out)
{
    return kernels_f64(isa)->loss_output_delta(loss, delta, p, y, count,
                                               n_out);
}

void vec_exp(bp_isa isa, double *out, const double *x, size_t count)
{
    kernels_f64(isa)->vexp(out, x, count);
}

void vec_log(bp_isa isa, double *out, const double *x, size_t count)
{
    kernels_f64(isa)->vlog(out, x, count);
}

void vec_sigmoid(bp_isa isa, double *out, const double *x, size_t count)
{
    kernels_f64(isa)->vsigmoid(out, x, count);
}
