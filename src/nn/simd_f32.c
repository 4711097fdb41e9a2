/*
 * simd_f32.c - the fast single-precision kernels: simd_impl.h instantiated
 * a second time, for floats, for AVX-512 (16 floats a vector) and for
 * AVX2+FMA (8), with the float exp and log of vecmath.h, each set's table
 * of kernels and kernels_f32(isa), which picks one (or the naive table,
 * kernels.c), as simd.c does for doubles.
 *
 * The library is compiled for baseline x86-64: only the functions here
 * carry target attributes, and bp_isa says which run.  Elsewhere (or with
 * BP_ISA_NAIVE, or -DBP_NO_SIMD) every kernel is the naive _f32 one.
 */
#include <math.h>
#include <stddef.h>

#include "nn/kernels.h"
#include "nn/vecmath.h"

#if BP_HAVE_X86_SIMD

#define RT float
#define NFN(name) name##_f32

/* The AVX-512 parameter gradient takes the transposed panel for layers of
 * at least PK512_MIN x PK512_MIN; smaller ones run the AVX2 kernel, whose
 * horizontal sums (8 lanes) cost less per weight than 16 lanes' (measured:
 * the seed's 10 x 10 dW2 at n = 100, 0.30 us against 0.39; the MLP's
 * 128 -> 10 dW at n = 128, 81 GFLOP/s against 63).  Every CPU that
 * bp_isa_supported accepts for AVX-512 has AVX2 and FMA. */
#define PK512_MIN 16

/* ------------------------------------------------------------- AVX-512 */

/* r[i] = sum of the lanes of v[i], i < 16: a transpose folded into the
 * adds (15 adds and 30 shuffles for 16 sums). */
static inline __attribute__((always_inline)) BP_TARGET_AVX512 __m512
avx512f_pairs(__m512 a, __m512 b)   /* per 128-bit lane: a02 b02 a13 b13 */
{
    return _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
}

static inline __attribute__((always_inline)) BP_TARGET_AVX512 __m512
avx512f_quads(__m512 a, __m512 b)   /* per lane: the 4 sums of a, b */
{
    __m512d x = _mm512_castps_pd(a), y = _mm512_castps_pd(b);
    return _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(x, y)),
                         _mm512_castpd_ps(_mm512_unpackhi_pd(x, y)));
}

static inline __attribute__((always_inline)) BP_TARGET_AVX512 __m512
avx512f_lanes(__m512 a, __m512 b)   /* even + odd 128-bit lanes */
{
    return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x88),
                         _mm512_shuffle_f32x4(a, b, 0xdd));
}

static inline __attribute__((always_inline)) BP_TARGET_AVX512 __m512
avx512f_hsums(const __m512 v[16])
{
    __m512 u[4];
    for (int g = 0; g < 4; g++)
        u[g] = avx512f_quads(avx512f_pairs(v[4 * g], v[4 * g + 1]),
                             avx512f_pairs(v[4 * g + 2], v[4 * g + 3]));
    return avx512f_lanes(avx512f_lanes(u[0], u[1]),
                         avx512f_lanes(u[2], u[3]));
}

/* The loss's terms are added up in doubles, as the naive kernel does. */
static inline __attribute__((always_inline)) BP_TARGET_AVX512 __m512d
avx512f_acc(__m512d acc, __m512 v)
{
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v),
                                                        1));
    return _mm512_add_pd(_mm512_add_pd(acc, _mm512_cvtps_pd(
                                                _mm512_castps512_ps256(v))),
                         _mm512_cvtps_pd(hi));
}

/* v[r][c] = v[c][r], a 16 x 16 transpose in 64 shuffles. */
static inline __attribute__((always_inline)) BP_TARGET_AVX512 void
avx512f_transpose(__m512 v[16])
{
    __m512 t[16], u[16];
    for (int k = 0; k < 8; k++) {
        t[2 * k] = _mm512_unpacklo_ps(v[2 * k], v[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_ps(v[2 * k], v[2 * k + 1]);
    }
    /* u[4k + e]: rows 4k..4k+3 at column 4L + e of each 128-bit lane L */
    for (int k = 0; k < 4; k++) {
        __m512d a = _mm512_castps_pd(t[4 * k]);
        __m512d b = _mm512_castps_pd(t[4 * k + 2]);
        __m512d c = _mm512_castps_pd(t[4 * k + 1]);
        __m512d d = _mm512_castps_pd(t[4 * k + 3]);
        u[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
        u[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
        u[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
        u[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    for (int e = 0; e < 4; e++) {
        __m512 p = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x88);
        __m512 q = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xdd);
        __m512 r = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x88);
        __m512 s = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xdd);
        v[e] = _mm512_shuffle_f32x4(p, r, 0x88);
        v[8 + e] = _mm512_shuffle_f32x4(p, r, 0xdd);
        v[4 + e] = _mm512_shuffle_f32x4(q, s, 0x88);
        v[12 + e] = _mm512_shuffle_f32x4(q, s, 0xdd);
    }
}

#define SFN(name) name##_avx512_f32
/* this set's kernels (kernels.h's table; bodies in simd_impl.h) */
#define K_dense_forward dense_forward_avx512_f32
#define K_dense_forward_act dense_forward_act_avx512_f32
#define K_activation_forward activation_forward_avx512_f32
#define K_activation_backward activation_backward_avx512_f32
/* (16 x 16 and up; dense_backward_params_avx512_f32 below chooses) */
#define K_dense_backward_params dense_backward_params_wide_avx512_f32
#define K_dense_backward_input dense_backward_input_avx512_f32
#define K_dense_backward_input_act dense_backward_input_act_avx512_f32
#define K_loss_value loss_value_avx512_f32
#define K_output_delta output_delta_avx512_f32
#define K_loss_output_delta loss_output_delta_avx512_f32
#define K_vexp vexp_avx512_f32
#define K_vlog vlog_avx512_f32
#define K_vsigmoid vsigmoid_avx512_f32
#define K_bias_grad bias_grad_avx512_f32
#define TARGET BP_TARGET_AVX512
#define VT __m512
#define VL 16
#define MT __mmask16
#define CT __mmask16
#define LT __m512d
#define L_ZERO() _mm512_setzero_pd()
#define L_ADD(acc, v) avx512f_acc((acc), (v))
#define L_REDUCE(acc) _mm512_reduce_add_pd(acc)
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_LOADM(p, m) _mm512_maskz_loadu_ps((m), (p))
#define V_STORE(p, v) _mm512_storeu_ps((p), (v))
#define V_STOREM(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#define V_MASK(k) ((__mmask16)((1u << (k)) - 1u))
#define V_SET1(x) _mm512_set1_ps(x)
#define V_ZERO() _mm512_setzero_ps()
#define V_ADD(a, b) _mm512_add_ps((a), (b))
#define V_SUB(a, b) _mm512_sub_ps((a), (b))
#define V_MUL(a, b) _mm512_mul_ps((a), (b))
#define V_DIV(a, b) _mm512_div_ps((a), (b))
#define V_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define V_MAX(a, b) _mm512_max_ps((a), (b))
#define V_NEG(a)                                                             \
    _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a),             \
                                         _mm512_set1_epi32(INT32_MIN)))
#define V_EXP(v) vm_expf_avx512(v)
#define V_EXPNEG(v) vm_expnegf_avx512(v)
#define V_LOG(v) vm_logf_avx512(v)
#define V_HSUMS(v) avx512f_hsums(v)
#define V_EQ(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_EQ_OQ)
#define V_OR_MASK(c, d) ((__mmask16)((c) | (d)))
#define V_SEL(c, a, b) _mm512_mask_blend_ps((c), (b), (a))
#define V_ALL(c) ((c) == 0xffff)
#define V_AND_MT(v, m) _mm512_maskz_mov_ps((m), (v))
#define V_GT0_SEL(a, d)                                                      \
    _mm512_maskz_mov_ps(_mm512_cmp_ps_mask((a), _mm512_setzero_ps(),         \
                                           _CMP_GT_OQ), (d))
#define TMAX 6
#define MV_S(T) 4
#define TJMAX 4
#define TIMAX 6
#define TJSMALL 8
#define SMALL_IN 3
#define V_TRANSPOSE(v) avx512f_transpose(v)
#define SIGMOID_PASS 1
#define PK_T 12
#define PK_S 2
#define PK_SB 128
#define PK_MIN_IN PK512_MIN
#define PK_MIN_OUT PK512_MIN
#include "nn/simd_impl.h"
#undef V_TRANSPOSE
#undef SIGMOID_PASS
#undef PK_T
#undef PK_S
#undef PK_SB
#undef PK_MIN_IN
#undef PK_MIN_OUT
#undef SFN
#undef TARGET
#undef VT
#undef VL
#undef MT
#undef CT
#undef LT
#undef L_ZERO
#undef L_ADD
#undef L_REDUCE
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
#undef V_LOG
#undef V_HSUMS
#undef V_EQ
#undef V_OR_MASK
#undef V_SEL
#undef V_ALL
#undef V_AND_MT
#undef V_GT0_SEL
#undef TMAX
#undef MV_S
#undef TJMAX
#undef TIMAX
#undef TJSMALL
#undef SMALL_IN

/* ---------------------------------------------------------------- AVX2 */

/* Lane masks for maskload/maskstore: the first k of 8 lanes. */
static const int avx2f_lanes[16] __attribute__((aligned(32))) = {
    -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* r[i] = sum of the lanes of v[i], i < 8. */
static inline __attribute__((always_inline)) BP_TARGET_AVX2 __m256
avx2f_hsums(const __m256 v[8])
{
    __m256 h0 = _mm256_hadd_ps(_mm256_hadd_ps(v[0], v[1]),
                               _mm256_hadd_ps(v[2], v[3]));
    __m256 h1 = _mm256_hadd_ps(_mm256_hadd_ps(v[4], v[5]),
                               _mm256_hadd_ps(v[6], v[7]));
    return _mm256_add_ps(_mm256_permute2f128_ps(h0, h1, 0x20),
                         _mm256_permute2f128_ps(h0, h1, 0x31));
}

static inline __attribute__((always_inline)) BP_TARGET_AVX2 __m256d
avx2f_acc(__m256d acc, __m256 v)
{
    return _mm256_add_pd(
        _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(v))),
        _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

static inline BP_TARGET_AVX2 double avx2f_reduce(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v),
                           _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/* v[r][c] = v[c][r], an 8 x 8 transpose. */
static inline __attribute__((always_inline)) BP_TARGET_AVX2 void
avx2f_transpose(__m256 v[8])
{
    __m256 t[8], u[8];
    for (int k = 0; k < 4; k++) {
        t[2 * k] = _mm256_unpacklo_ps(v[2 * k], v[2 * k + 1]);
        t[2 * k + 1] = _mm256_unpackhi_ps(v[2 * k], v[2 * k + 1]);
    }
    for (int k = 0; k < 2; k++) {   /* u[4k + e]: rows 4k.., column e */
        u[4 * k] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
        u[4 * k + 1] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0xee);
        u[4 * k + 2] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
        u[4 * k + 3] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xee);
    }
    for (int e = 0; e < 4; e++) {
        v[e] = _mm256_permute2f128_ps(u[e], u[4 + e], 0x20);
        v[4 + e] = _mm256_permute2f128_ps(u[e], u[4 + e], 0x31);
    }
}

#define SFN(name) name##_avx2_f32
/* this set's kernels (kernels.h's table; bodies in simd_impl.h) */
#define K_dense_forward dense_forward_avx2_f32
#define K_dense_forward_act dense_forward_act_avx2_f32
#define K_activation_forward activation_forward_avx2_f32
#define K_activation_backward activation_backward_avx2_f32
#define K_dense_backward_params dense_backward_params_avx2_f32
#define K_dense_backward_input dense_backward_input_avx2_f32
#define K_dense_backward_input_act dense_backward_input_act_avx2_f32
#define K_loss_value loss_value_avx2_f32
#define K_output_delta output_delta_avx2_f32
#define K_loss_output_delta loss_output_delta_avx2_f32
#define K_vexp vexp_avx2_f32
#define K_vlog vlog_avx2_f32
#define K_vsigmoid vsigmoid_avx2_f32
#define K_bias_grad bias_grad_avx2_f32
#define TARGET BP_TARGET_AVX2
#define VT __m256
#define VL 8
#define MT __m256i
#define CT __m256
#define LT __m256d
#define L_ZERO() _mm256_setzero_pd()
#define L_ADD(acc, v) avx2f_acc((acc), (v))
#define L_REDUCE(acc) avx2f_reduce(acc)
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_LOADM(p, m) _mm256_maskload_ps((p), (m))
#define V_STORE(p, v) _mm256_storeu_ps((p), (v))
#define V_STOREM(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#define V_MASK(k) _mm256_loadu_si256((const __m256i *)(avx2f_lanes + 8 - (k)))
#define V_SET1(x) _mm256_set1_ps(x)
#define V_ZERO() _mm256_setzero_ps()
#define V_ADD(a, b) _mm256_add_ps((a), (b))
#define V_SUB(a, b) _mm256_sub_ps((a), (b))
#define V_MUL(a, b) _mm256_mul_ps((a), (b))
#define V_DIV(a, b) _mm256_div_ps((a), (b))
#define V_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define V_MAX(a, b) _mm256_max_ps((a), (b))
#define V_NEG(a) _mm256_xor_ps((a), _mm256_set1_ps(-0.0f))
#define V_EXP(v) vm_expf_avx2(v)
#define V_EXPNEG(v) vm_expnegf_avx2(v)
#define V_LOG(v) vm_logf_avx2(v)
#define V_HSUMS(v) avx2f_hsums(v)
#define V_EQ(a, b) _mm256_cmp_ps((a), (b), _CMP_EQ_OQ)
#define V_OR_MASK(c, d) _mm256_or_ps((c), (d))
#define V_SEL(c, a, b) _mm256_blendv_ps((b), (a), (c))
#define V_ALL(c) (_mm256_movemask_ps(c) == 0xff)
#define V_AND_MT(v, m) _mm256_and_ps((v), _mm256_castsi256_ps(m))
#define V_GT0_SEL(a, d)                                                      \
    _mm256_and_ps(_mm256_cmp_ps((a), _mm256_setzero_ps(), _CMP_GT_OQ), (d))
#define TMAX 8
#define TJMAX 2
#define TIMAX 4
#define TJSMALL 4
#define SMALL_IN 2
#define V_TRANSPOSE(v) avx2f_transpose(v)
#define SIGMOID_PASS 1
#define PK_T 6
#define PK_S 2
#define PK_SB 128
#define PK_MIN_IN 8
#define PK_MIN_OUT 16
#include "nn/simd_impl.h"

/* AVX-512's parameter gradient: the transposed panel for layers of at
 * least PK512_MIN x PK512_MIN, AVX2's kernel for smaller ones. */
static BP_TARGET_AVX512 void dense_backward_params_avx512_f32(
    float *dw, float *db, const float *delta, const float *in, size_t n_out,
    size_t n_in, size_t n)
{
    if (n_in >= PK512_MIN && n_out >= PK512_MIN)
        dense_backward_params_wide_avx512_f32(dw, db, delta, in, n_out, n_in,
                                              n);
    else
        dense_backward_params_avx2_f32(dw, db, delta, in, n_out, n_in, n);
}

/* The tables: every entry KERNEL_ISA_f32 (kernels.h). */
static const bp_kernels_f32 bp_kernels_avx512_f32 = {
    .isa = BP_ISA_AVX512,
    .dense_forward = dense_forward_avx512_f32,
    .dense_forward_act = dense_forward_act_avx512_f32,
    .activation_forward = activation_forward_avx512_f32,
    .activation_backward = activation_backward_avx512_f32,
    .dense_backward_params = dense_backward_params_avx512_f32,
    .dense_backward_input = dense_backward_input_avx512_f32,
    .dense_backward_input_act = dense_backward_input_act_avx512_f32,
    .loss_value = loss_value_avx512_f32,
    .output_delta = output_delta_avx512_f32,
    .loss_output_delta = loss_output_delta_avx512_f32,
    .vexp = vexp_avx512_f32,
    .vlog = vlog_avx512_f32,
    .vsigmoid = vsigmoid_avx512_f32,
    .bias_grad = bias_grad_avx512_f32,
};

static const bp_kernels_f32 bp_kernels_avx2_f32 = {
    .isa = BP_ISA_AVX2,
    .dense_forward = dense_forward_avx2_f32,
    .dense_forward_act = dense_forward_act_avx2_f32,
    .activation_forward = activation_forward_avx2_f32,
    .activation_backward = activation_backward_avx2_f32,
    .dense_backward_params = dense_backward_params_avx2_f32,
    .dense_backward_input = dense_backward_input_avx2_f32,
    .dense_backward_input_act = dense_backward_input_act_avx2_f32,
    .loss_value = loss_value_avx2_f32,
    .output_delta = output_delta_avx2_f32,
    .loss_output_delta = loss_output_delta_avx2_f32,
    .vexp = vexp_avx2_f32,
    .vlog = vlog_avx2_f32,
    .vsigmoid = vsigmoid_avx2_f32,
    .bias_grad = bias_grad_avx2_f32,
};

#endif /* BP_HAVE_X86_SIMD */

/* ------------------------------------------------------------ dispatch */

const bp_kernels_f32 *kernels_f32(bp_isa isa)
{
#if BP_HAVE_X86_SIMD
    if (isa == BP_ISA_AVX512)
        return &bp_kernels_avx512_f32;
    if (isa == BP_ISA_AVX2)
        return &bp_kernels_avx2_f32;
#endif
    (void)isa;
    return &bp_kernels_naive_f32;
}

/* The _fast kernels: the table's, for callers that pass the set each call. */
void dense_forward_fast_f32(bp_isa isa, float *out, const float *in,
                            const float *w, const float *b, size_t n_out,
                            size_t n_in, size_t n)
{
    kernels_f32(isa)->dense_forward(out, in, w, b, n_out, n_in, n);
}

void dense_forward_act_fast_f32(bp_isa isa, bp_activation f, float *out,
                                const float *in, const float *w,
                                const float *b, size_t n_out, size_t n_in,
                                size_t n)
{
    kernels_f32(isa)->dense_forward_act(f, out, in, w, b, n_out, n_in, n);
}

void activation_forward_fast_f32(bp_isa isa, bp_activation f, float *a,
                                 size_t count)
{
    kernels_f32(isa)->activation_forward(f, a, count);
}

void activation_backward_fast_f32(bp_isa isa, bp_activation f, float *delta,
                                  const float *a, size_t count)
{
    kernels_f32(isa)->activation_backward(f, delta, a, count);
}

void dense_backward_params_fast_f32(bp_isa isa, float *dw, float *db,
                                    const float *delta, const float *in,
                                    size_t n_out, size_t n_in, size_t n)
{
    kernels_f32(isa)->dense_backward_params(dw, db, delta, in, n_out, n_in,
                                            n);
}

void dense_backward_input_fast_f32(bp_isa isa, float *din, const float *w,
                                   const float *delta, size_t n_out,
                                   size_t n_in, size_t n)
{
    kernels_f32(isa)->dense_backward_input(din, w, delta, n_out, n_in, n);
}

void dense_backward_input_act_fast_f32(bp_isa isa, bp_activation f,
                                       float *din, const float *w,
                                       const float *delta, const float *a,
                                       size_t n_out, size_t n_in, size_t n)
{
    kernels_f32(isa)->dense_backward_input_act(f, din, w, delta, a, n_out,
                                               n_in, n);
}

double loss_value_fast_f32(bp_isa isa, bp_loss loss, const float *p,
                           const float *y, size_t count)
{
    return kernels_f32(isa)->loss_value(loss, p, y, count);
}

void output_delta_fast_f32(bp_isa isa, bp_loss loss, float *delta,
                           const float *p, const float *y, size_t count,
                           size_t n_out)
{
    kernels_f32(isa)->output_delta(loss, delta, p, y, count, n_out);
}

void vec_exp_f32(bp_isa isa, float *out, const float *x, size_t count)
{
    kernels_f32(isa)->vexp(out, x, count);
}

void vec_log_f32(bp_isa isa, float *out, const float *x, size_t count)
{
    kernels_f32(isa)->vlog(out, x, count);
}

void vec_sigmoid_f32(bp_isa isa, float *out, const float *x, size_t count)
{
    kernels_f32(isa)->vsigmoid(out, x, count);
}

void bias_grad_fast_f32(bp_isa isa, float *db, const float *delta,
                        size_t n_out, size_t n)
{
    kernels_f32(isa)->bias_grad(db, delta, n_out, n);
}

bp_isa panels_isa_f32(bp_isa isa, size_t n_in, size_t n_out)
{
#ifdef BP_HAVE_X86_SIMD
    /* as dense_backward_params_fast_f32 chooses for the whole layer */
    if (isa == BP_ISA_AVX512 && n_in >= PK512_MIN && n_out >= PK512_MIN)
        return panels_fit_avx512_f32(n_in, n_out) ? BP_ISA_AVX512
                                                  : BP_ISA_NAIVE;
    if ((isa == BP_ISA_AVX512 || isa == BP_ISA_AVX2) &&
        panels_fit_avx2_f32(n_in, n_out))
        return BP_ISA_AVX2;
#endif
    (void)isa;
    (void)n_in;
    (void)n_out;
    return BP_ISA_NAIVE;
}

size_t panels_size_f32(bp_isa isa, size_t n_in, size_t n)
{
#ifdef BP_HAVE_X86_SIMD
    if (isa == BP_ISA_AVX512)
        return panels_size_avx512_f32(n_in, n);
    if (isa == BP_ISA_AVX2)
        return panels_size_avx2_f32(n_in, n);
#endif
    (void)isa;
    (void)n_in;
    (void)n;
    return 0;
}

void pack_panels_f32(bp_isa isa, float *pack, const float *in, size_t ld,
                     size_t s0, size_t n_in, size_t n)
{
#ifdef BP_HAVE_X86_SIMD
    if (isa == BP_ISA_AVX512)
        pack_panels_avx512_f32(pack, in, ld, s0, n_in, n);
    else if (isa == BP_ISA_AVX2)
        pack_panels_avx2_f32(pack, in, ld, s0, n_in, n);
#endif
    (void)isa;
    (void)pack;
    (void)in;
    (void)ld;
    (void)s0;
    (void)n_in;
    (void)n;
}

void params_panels_f32(bp_isa isa, float *g, size_t n_out, size_t n_in,
                       int shares, const float *const *delta, const size_t *n,
                       const float *const *pack, const float *c)
{
#ifdef BP_HAVE_X86_SIMD
    if (isa == BP_ISA_AVX512)
        params_panels_avx512_f32(g, n_out, n_in, shares, delta, n, pack, c);
    else if (isa == BP_ISA_AVX2)
        params_panels_avx2_f32(g, n_out, n_in, shares, delta, n, pack, c);
#endif
    (void)isa;
    (void)g;
    (void)n_out;
    (void)n_in;
    (void)shares;
    (void)delta;
    (void)n;
    (void)pack;
    (void)c;
}
