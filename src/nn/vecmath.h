/*
 * vecmath.h - exp and log on vectors of doubles and of floats, for the
 * fast kernels (internal; included by simd.c and simd_f32.c only).
 *
 * One static inline function per instruction set, each compiled for its
 * own target with a function attribute, so that the library is built for
 * plain x86-64 and chooses the widest set at run time (simd.c).  Nothing
 * here assumes -ffast-math: NaN, +-Inf, overflow, underflow and subnormal
 * results come out as libm's do (tests/unit/test_kernels.c sweeps them).
 *
 * exp(x), |error| <= 1.5 ulp (measured over a dense sweep of [-746, 710]:
 * 1.20 ulp for avx512, 1.05 for avx2; libm's own is 0.51):
 *   x is clamped to [-746, 710] (outside it the result is already 0 or
 *   +Inf; the clamp keeps NaN), then x = (k/N) ln2 + r with k integer and
 *   |r| <= ln2/(2N) (Cody-Waite: ln2 split in a head with few enough bits
 *   that (k/N) head is exact, and a tail), exp(r) - 1 = r + r^2 q(r) with
 *   q a near-minimax (Chebyshev) polynomial, and exp(x) = 2^floor(k/N) *
 *   2^((k mod N)/N) * exp(r).
 *   - avx512: N = 16; 2^(j/16) from a 16-entry table held in two registers
 *     (vpermt2pd), q of degree 4; vscalefpd applies 2^floor(k/16) with
 *     correct overflow, gradual underflow and rounding.  k/16 comes out
 *     of one fused multiply-add (x/ln2 + 1.5 2^48 rounds to sixteenths).
 *   - avx2:   N = 1, q of degree 9; 2^k is applied as two exact powers of
 *     two 2^(k/2) 2^(k - k/2), so that subnormal results round once.
 *
 * log(x), |error| <= 1 ulp (measured 0.83 ulp over every binade):
 *   x = 2^e m with m in [sqrt(2)/2, sqrt(2)), f = m - 1, s = f / (2 + f),
 *   log(m) = 2 atanh(s) = f - hfsq + s (hfsq + R(s^2)), hfsq = f^2 / 2,
 *   R(z) ~ Lg1 z + ... + Lg7 z^7, evaluated as fdlibm's e_log.c (Sun
 *   Microsystems 1993) does, with its coefficients:
 *   log(x) = e ln2_hi - ((hfsq - (s (hfsq + R) + e ln2_lo)) - f).
 *   x < 0 and NaN give NaN, +-0 gives -Inf, +Inf gives +Inf; subnormal x
 *   is scaled by 2^54 first (avx512: vgetexp/vgetmant handle it).
 */
#ifndef BP_NN_VECMATH_H
#define BP_NN_VECMATH_H

/* -DBP_NO_SIMD builds the portable library only (as on other
 * architectures): every _fast kernel is then the naive one. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(BP_NO_SIMD)
#define BP_HAVE_X86_SIMD 1
#include <immintrin.h>
#include <stdint.h>

#define BP_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define BP_TARGET_AVX512 __attribute__((target("avx512f,avx2,fma")))

/* ---------------------------------------------------------- constants */

#define VM_EXP_LO (-746.0)        /* exp(x) rounds to 0 below it      */
#define VM_EXP_HI 710.0           /* exp(x) overflows above it        */
#define VM_SHIFT 0x1.8p52         /* adding it rounds to an integer   */

/* Adding it rounds to a multiple of 1/16. */
#define VM_SHIFT16 0x1.8p48
/* ln2 = LN2_HI36 + LN2_LO36; LN2_HI36 has 36 significant bits, so that
 * k/16 * LN2_HI36 is exact for |k/16| < 2^11. */
#define VM_LN2_HI36 0x1.62e42fefa0000p-1
#define VM_LN2_LO36 0x1.cf79abc9e3b3ap-40
/* ln2 = LN2_HI + LN2_LO; LN2_HI has 32 significant bits (fdlibm's). */
#define VM_INV_LN2 0x1.71547652b82fep+0
#define VM_LN2_HI 0x1.62e42fee00000p-1
#define VM_LN2_LO 0x1.a39ef35793c76p-33

/* q(r) ~ (e^r - 1 - r) / r^2 on |r| <= 1.001 ln2/32, highest degree
 * first (Chebyshev fit, tools: mpmath; error of r^2 q < 2^-58). */
#define VM_Q16_4 0x1.6c17bbd1f560ap-10
#define VM_Q16_3 0x1.11120b77051e7p-7
#define VM_Q16_2 0x1.55555555190f9p-5
#define VM_Q16_1 0x1.55555554dcc9bp-3
#define VM_Q16_0 0x1.0000000000000p-1

/* The same on |r| <= 1.001 ln2/2, degree 9 (error of r^2 q < 2^-55). */
#define VM_Q1_9 0x1.af390ba7e6f47p-26
#define VM_Q1_8 0x1.2891d4ffbb0f9p-22
#define VM_Q1_7 0x1.71de0d85293b8p-19
#define VM_Q1_6 0x1.a019b8ca26fcfp-16
#define VM_Q1_5 0x1.a01a01a7cebcdp-13
#define VM_Q1_4 0x1.6c16c1789d1d7p-10
#define VM_Q1_3 0x1.11111111109a6p-7
#define VM_Q1_2 0x1.5555555553d37p-5
#define VM_Q1_1 0x1.5555555555556p-3
#define VM_Q1_0 0x1.0000000000001p-1

/* fdlibm's log coefficients (e_log.c). */
#define VM_LG1 6.666666666666735130e-01
#define VM_LG2 3.999999999940941908e-01
#define VM_LG3 2.857142874366239149e-01
#define VM_LG4 2.222219843214978396e-01
#define VM_LG5 1.818357216161805012e-01
#define VM_LG6 1.531383769920937332e-01
#define VM_LG7 1.479819860511658591e-01
#define VM_SQRT2 0x1.6a09e667f3bcdp+0

/* ------------------------------------------------------------- AVX-512 */

/* 2^(j/16), j = 0..15, rounded to nearest. */
static const double vm_exp2_16[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0,
    0x1.2387a6e756238p+0, 0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0,
    0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0, 0x1.6a09e667f3bcdp+0,
    0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0,
    0x1.ea4afa2a490dap+0};

static inline BP_TARGET_AVX512 __m512d vm_exp_avx512(__m512d x)
{
    /* max(lo, x) and min(hi, x) return x when x is NaN. */
    x = _mm512_min_pd(_mm512_set1_pd(VM_EXP_HI),
                      _mm512_max_pd(_mm512_set1_pd(VM_EXP_LO), x));
    /* t = shift + k/16 with k = round(16 x / ln2): the ulp of t is 1/16,
     * so k mod 16 is in t's 4 low bits, and kq = k/16 exactly. */
    const __m512d shift = _mm512_set1_pd(VM_SHIFT16);
    __m512d t = _mm512_fmadd_pd(x, _mm512_set1_pd(VM_INV_LN2), shift);
    __m512d kq = _mm512_sub_pd(t, shift);
    __m512d r = _mm512_fnmadd_pd(kq, _mm512_set1_pd(VM_LN2_HI36), x);
    r = _mm512_fnmadd_pd(kq, _mm512_set1_pd(VM_LN2_LO36), r);
    /* vpermt2pd reads bits 0-3 of each index: k mod 16. */
    __m512d tab = _mm512_permutex2var_pd(_mm512_load_pd(vm_exp2_16),
                                         _mm512_castpd_si512(t),
                                         _mm512_load_pd(vm_exp2_16 + 8));
    __m512d q = _mm512_fmadd_pd(_mm512_set1_pd(VM_Q16_4), r,
                                _mm512_set1_pd(VM_Q16_3));
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(VM_Q16_2));
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(VM_Q16_1));
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(VM_Q16_0));
    __m512d em1 = _mm512_fmadd_pd(q, _mm512_mul_pd(r, r), r);
    __m512d e = _mm512_fmadd_pd(tab, em1, tab);
    /* scalef multiplies by 2^floor(k / 16). */
    return _mm512_scalef_pd(e, kq);
}

/* exp(-x), the same steps as vm_exp_avx512(-x) (bit for bit) with the
 * negation folded into the reduction: the sigmoid's exponential. */
static inline BP_TARGET_AVX512 __m512d vm_expneg_avx512(__m512d x)
{
    x = _mm512_min_pd(_mm512_set1_pd(-VM_EXP_LO),
                      _mm512_max_pd(_mm512_set1_pd(-VM_EXP_HI), x));
    const __m512d shift = _mm512_set1_pd(VM_SHIFT16);
    __m512d t = _mm512_fnmadd_pd(x, _mm512_set1_pd(VM_INV_LN2), shift);
    __m512d kq = _mm512_sub_pd(t, shift);
    /* nr = -r */
    __m512d nr = _mm512_fmadd_pd(kq, _mm512_set1_pd(VM_LN2_HI36), x);
    nr = _mm512_fmadd_pd(kq, _mm512_set1_pd(VM_LN2_LO36), nr);
    __m512d tab = _mm512_permutex2var_pd(_mm512_load_pd(vm_exp2_16),
                                         _mm512_castpd_si512(t),
                                         _mm512_load_pd(vm_exp2_16 + 8));
    /* Horner's q(r) = q r + c with r = -nr: -(q nr) + c. */
    __m512d q = _mm512_fmadd_pd(_mm512_set1_pd(-VM_Q16_4), nr,
                                _mm512_set1_pd(VM_Q16_3));
    q = _mm512_fnmadd_pd(q, nr, _mm512_set1_pd(VM_Q16_2));
    q = _mm512_fnmadd_pd(q, nr, _mm512_set1_pd(VM_Q16_1));
    q = _mm512_fnmadd_pd(q, nr, _mm512_set1_pd(VM_Q16_0));
    __m512d em1 = _mm512_fmsub_pd(q, _mm512_mul_pd(nr, nr), nr);
    __m512d e = _mm512_fmadd_pd(tab, em1, tab);
    return _mm512_scalef_pd(e, kq);
}

/*
 * 1 / d rounded to nearest, bit for bit the division's, on the multiply-add
 * pipes instead of the divider (vdivpd on 8 doubles issues once in 16
 * cycles on the Xeons measured; run beside it, this takes a third of the
 * sigmoid's divisions off it).  For d in [2^-1000, 2^1000) only (the
 * sigmoid's 1 + exp(-x) is in [1, +Inf] or NaN): vm_recip_ok_avx512 says
 * which lanes qualify; the rest (NaN, +-Inf, zeros, negatives, numbers
 * whose reciprocal is near the subnormals) must divide.
 *
 * Why it rounds as the division does (p = 53 significant bits).  Scaling d
 * by a power of 2 scales every step exactly in that range, so take d in
 * [1, 2), where 1/d is in (1/2, 1] and its ulp is 2^-p:
 *  1. y0 = rcp14(d), |1 - d y0| < 2^-14; one Newton step gives y1 with
 *     |1 - d y1| < 2^-28 + 2^-p.
 *  2. e1 = 1 - d y1 rounded down, y2 = y1 + y1 e1 rounded up.  The exact
 *     y1 + y1 e1 lies in [1/d - 2^-55/d, 1/d] (the rounding of e1 only
 *     lowers it), less than a quarter ulp below 1/d, so y2 is one of the
 *     two floats around 1/d: below 1/d only when it is RN(1/d), else
 *     above it by less than 1 ulp.
 *  3. e = 1 - d y2 is exact (|e| < 2^-(p-1), a multiple of 2^-(2p-1)),
 *     and the exact y2 + y2 e equals 1/d - e^2/d.  If y2 = RN(1/d), then
 *     |e| < 2^-p, so it is within 2^-2p/d of 1/d, closer than any
 *     midpoint m between floats (1 - d m is a non-zero multiple of
 *     2^-2p): it rounds as 1/d does.  Otherwise y2 is the float above 1/d
 *     while 1/d is below the midpoint; y2 + y2 e is then below 1/d and
 *     more than the midpoint's distance above the float below: it rounds
 *     to that float, which is RN(1/d).
 * The classic ending (y2 rounded to nearest) fails on one value per
 * binade, d = 2 - 2^(1-p), by a tie; step 2's directed roundings are what
 * rule that out.  tests/unit/test_kernels.c compares it with the division
 * on random d, that d and its neighbours.  (For floats the divider is not
 * the limit: the float sigmoid is bound by its exponential.)
 */
static inline BP_TARGET_AVX512 __mmask8 vm_recip_ok_avx512(__m512d d)
{
    /* bits(d) - bits(2^-1000) < bits(2^1000) - bits(2^-1000), unsigned:
     * false for negatives (sign bit), NaN and Inf (exponent) too. */
    const int64_t lo = (int64_t)(1023 - 1000) << 52;
    const int64_t span = (int64_t)2000 << 52;
    return _mm512_cmplt_epu64_mask(
        _mm512_sub_epi64(_mm512_castpd_si512(d), _mm512_set1_epi64(lo)),
        _mm512_set1_epi64(span));
}

static inline BP_TARGET_AVX512 __m512d vm_recip_avx512(__m512d d)
{
    const __m512d one = _mm512_set1_pd(1.0);
    __m512d y = _mm512_rcp14_pd(d);
    y = _mm512_fmadd_pd(y, _mm512_fnmadd_pd(d, y, one), y);
    __m512d e = _mm512_fnmadd_round_pd(d, y, one, _MM_FROUND_TO_NEG_INF |
                                                       _MM_FROUND_NO_EXC);
    y = _mm512_fmadd_round_pd(y, e, y, _MM_FROUND_TO_POS_INF |
                                           _MM_FROUND_NO_EXC);
    e = _mm512_fnmadd_pd(d, y, one);
    return _mm512_fmadd_pd(y, e, y);
}

static inline BP_TARGET_AVX512 __m512d vm_log_avx512(__m512d x)
{
    const __m512d one = _mm512_set1_pd(1.0);
    /* m in [1, 2), e = floor(log2 x); both exact, subnormals included. */
    __m512d m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_nan);
    __m512d e = _mm512_getexp_pd(x);
    __mmask8 big = _mm512_cmp_pd_mask(m, _mm512_set1_pd(VM_SQRT2), _CMP_GT_OQ);
    m = _mm512_mask_mul_pd(m, big, m, _mm512_set1_pd(0.5));
    e = _mm512_mask_add_pd(e, big, e, one);
    __m512d f = _mm512_sub_pd(m, one);
    __m512d s = _mm512_div_pd(f, _mm512_add_pd(f, _mm512_set1_pd(2.0)));
    __m512d z = _mm512_mul_pd(s, s);
    __m512d w = _mm512_mul_pd(z, z);
    __m512d t1 = _mm512_fmadd_pd(w, _mm512_set1_pd(VM_LG6),
                                 _mm512_set1_pd(VM_LG4));
    t1 = _mm512_fmadd_pd(w, t1, _mm512_set1_pd(VM_LG2));
    t1 = _mm512_mul_pd(w, t1);
    __m512d t2 = _mm512_fmadd_pd(w, _mm512_set1_pd(VM_LG7),
                                 _mm512_set1_pd(VM_LG5));
    t2 = _mm512_fmadd_pd(w, t2, _mm512_set1_pd(VM_LG3));
    t2 = _mm512_fmadd_pd(w, t2, _mm512_set1_pd(VM_LG1));
    __m512d R = _mm512_fmadd_pd(z, t2, t1);
    __m512d hfsq = _mm512_mul_pd(_mm512_mul_pd(_mm512_set1_pd(0.5), f), f);
    __m512d in = _mm512_fmadd_pd(s, _mm512_add_pd(hfsq, R),
                                 _mm512_mul_pd(e, _mm512_set1_pd(VM_LN2_LO)));
    __m512d y = _mm512_sub_pd(_mm512_sub_pd(hfsq, in), f);
    y = _mm512_fmsub_pd(e, _mm512_set1_pd(VM_LN2_HI), y);
    /* Not in (0, +Inf): 0 gives -Inf, +Inf gives +Inf, the rest NaN. */
    __mmask8 ok = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ) &
                  _mm512_cmp_pd_mask(x, _mm512_set1_pd(__builtin_inf()),
                                     _CMP_LT_OQ);
    if (__builtin_expect(ok != 0xff, 0)) {
        __m512d fix = _mm512_set1_pd(__builtin_nan(""));
        fix = _mm512_mask_mov_pd(
            fix, _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_EQ_OQ),
            _mm512_set1_pd(-__builtin_inf()));
        fix = _mm512_mask_mov_pd(
            fix, _mm512_cmp_pd_mask(x, _mm512_set1_pd(__builtin_inf()),
                                    _CMP_EQ_OQ),
            x);
        fix = _mm512_mask_mov_pd(
            fix, _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), x);
        y = _mm512_mask_mov_pd(fix, ok, y);
    }
    return y;
}

/* ---------------------------------------------------------------- AVX2 */

/* 2^n for integers n in [-1022, 1023] held as doubles. */
static inline BP_TARGET_AVX2 __m256d vm_pow2_avx2(__m256d n)
{
    const __m256d shift = _mm256_set1_pd(VM_SHIFT);
    __m256i bits = _mm256_sub_epi64(
        _mm256_castpd_si256(_mm256_add_pd(n, shift)),
        _mm256_castpd_si256(shift));
    bits = _mm256_slli_epi64(_mm256_add_epi64(bits, _mm256_set1_epi64x(1023)),
                             52);
    return _mm256_castsi256_pd(bits);
}

static inline BP_TARGET_AVX2 __m256d vm_exp_avx2(__m256d x)
{
    x = _mm256_min_pd(_mm256_set1_pd(VM_EXP_HI),
                      _mm256_max_pd(_mm256_set1_pd(VM_EXP_LO), x));
    const __m256d shift = _mm256_set1_pd(VM_SHIFT);
    __m256d k = _mm256_sub_pd(
        _mm256_fmadd_pd(x, _mm256_set1_pd(VM_INV_LN2), shift), shift);
    __m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(VM_LN2_HI), x);
    r = _mm256_fnmadd_pd(k, _mm256_set1_pd(VM_LN2_LO), r);
    __m256d q = _mm256_fmadd_pd(_mm256_set1_pd(VM_Q1_9), r,
                                _mm256_set1_pd(VM_Q1_8));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(VM_Q1_7));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(VM_Q1_6));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(VM_Q1_5));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(VM_Q1_4));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(VM_Q1_3));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(VM_Q1_2));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(VM_Q1_1));
    q = _mm256_fmadd_pd(q, r, _mm256_set1_pd(VM_Q1_0));
    __m256d em1 = _mm256_fmadd_pd(q, _mm256_mul_pd(r, r), r);
    __m256d e = _mm256_add_pd(em1, _mm256_set1_pd(1.0));
    /* k in [-1077, 1025]: two factors, each a normal power of two, so
     * that overflow and gradual underflow happen in one rounding. */
    __m256d k1 = _mm256_floor_pd(_mm256_mul_pd(k, _mm256_set1_pd(0.5)));
    __m256d k2 = _mm256_sub_pd(k, k1);
    return _mm256_mul_pd(_mm256_mul_pd(e, vm_pow2_avx2(k1)),
                         vm_pow2_avx2(k2));
}

static inline BP_TARGET_AVX2 __m256d vm_log_avx2(__m256d x)
{
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256i mant = _mm256_set1_epi64x(0x000fffffffffffffLL);
    /* Subnormals: scale by 2^54 and take 54 off the exponent. */
    __m256d tiny = _mm256_cmp_pd(x, _mm256_set1_pd(0x1p-1022), _CMP_LT_OQ);
    __m256d xs = _mm256_blendv_pd(x, _mm256_mul_pd(x, _mm256_set1_pd(0x1p54)),
                                  tiny);
    __m256i bits = _mm256_castpd_si256(xs);
    /* Biased exponent (sign ignored: x < 0 is fixed up at the end). */
    __m256i be = _mm256_and_si256(_mm256_srli_epi64(bits, 52),
                                  _mm256_set1_epi64x(0x7ff));
    const __m256d shift = _mm256_set1_pd(VM_SHIFT);
    __m256d e = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_add_epi64(be, _mm256_castpd_si256(shift))),
        shift);
    e = _mm256_sub_pd(e, _mm256_set1_pd(1023.0));
    e = _mm256_sub_pd(e, _mm256_and_pd(tiny, _mm256_set1_pd(54.0)));
    __m256d m = _mm256_castsi256_pd(_mm256_or_si256(
        _mm256_and_si256(bits, mant), _mm256_castpd_si256(one)));
    __m256d big = _mm256_cmp_pd(m, _mm256_set1_pd(VM_SQRT2), _CMP_GT_OQ);
    m = _mm256_blendv_pd(m, _mm256_mul_pd(m, _mm256_set1_pd(0.5)), big);
    e = _mm256_add_pd(e, _mm256_and_pd(big, one));
    __m256d f = _mm256_sub_pd(m, one);
    __m256d s = _mm256_div_pd(f, _mm256_add_pd(f, _mm256_set1_pd(2.0)));
    __m256d z = _mm256_mul_pd(s, s);
    __m256d w = _mm256_mul_pd(z, z);
    __m256d t1 = _mm256_fmadd_pd(w, _mm256_set1_pd(VM_LG6),
                                 _mm256_set1_pd(VM_LG4));
    t1 = _mm256_fmadd_pd(w, t1, _mm256_set1_pd(VM_LG2));
    t1 = _mm256_mul_pd(w, t1);
    __m256d t2 = _mm256_fmadd_pd(w, _mm256_set1_pd(VM_LG7),
                                 _mm256_set1_pd(VM_LG5));
    t2 = _mm256_fmadd_pd(w, t2, _mm256_set1_pd(VM_LG3));
    t2 = _mm256_fmadd_pd(w, t2, _mm256_set1_pd(VM_LG1));
    __m256d R = _mm256_fmadd_pd(z, t2, t1);
    __m256d hfsq = _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), f), f);
    __m256d in = _mm256_fmadd_pd(s, _mm256_add_pd(hfsq, R),
                                 _mm256_mul_pd(e, _mm256_set1_pd(VM_LN2_LO)));
    __m256d y = _mm256_sub_pd(_mm256_sub_pd(hfsq, in), f);
    y = _mm256_fmsub_pd(e, _mm256_set1_pd(VM_LN2_HI), y);
    __m256d ok = _mm256_and_pd(
        _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GT_OQ),
        _mm256_cmp_pd(x, _mm256_set1_pd(__builtin_inf()), _CMP_LT_OQ));
    if (__builtin_expect(_mm256_movemask_pd(ok) != 0xf, 0)) {
        __m256d fix = _mm256_set1_pd(__builtin_nan(""));
        fix = _mm256_blendv_pd(
            fix, _mm256_set1_pd(-__builtin_inf()),
            _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_EQ_OQ));
        fix = _mm256_blendv_pd(
            fix, x, _mm256_cmp_pd(x, _mm256_set1_pd(__builtin_inf()),
                                  _CMP_EQ_OQ));
        fix = _mm256_blendv_pd(fix, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
        y = _mm256_blendv_pd(fix, y, ok);
    }
    return y;
}


/* ================================================================ float
 *
 * exp(x) for floats, |error| <= 1 ulp (measured 0.988 ulp over every
 * float of [-104, 89], avx512 and avx2 alike, against libm's double exp;
 * libm's expf: 0.502; tests/unit/test_kernels.c checks a dense sweep):
 *   x is clamped to [-104, 89] (outside it the float result is already 0
 *   or +Inf; the clamp keeps NaN), k = round(x / ln2) (the 1.5 2^23
 *   shift), r = x - k ln2 in two fused multiply-adds (Cody-Waite, ln2 =
 *   HI + LO with HI the float nearest ln2; |k| <= 150),
 *   exp(r) = 1 + (r + r^2 q(r)) with q of degree 5 on |r| <= ln2/2 (SLEEF's
 *   expf coefficients, a minimax fit), then 2^k:
 *   - avx512: vscalefps, with correct overflow and gradual underflow;
 *   - avx2:   two exact powers of two 2^(k/2) 2^(k - k/2) (each normal),
 *     so that a subnormal result rounds once.
 *   exp(-x) is exp of the sign-flipped x (bit for bit).  No table: the
 *   degree-7 polynomial keeps the float exp at 10 multiply-adds a vector.
 *
 * log(x) for floats, |error| <= 1 ulp (measured 0.835 ulp over every
 * positive finite float, both sets; libm's logf: 0.82):
 *   x = 2^e m, m in [sqrt(2)/2, sqrt(2)), f = m - 1, s = f / (2 + f) and
 *   log(m) = f - hfsq + s (hfsq +
 *   R(s^2)) as fdlibm's (FreeBSD's) e_logf.c does, with its 4 float
 *   coefficients (|R error| < 2^-34.24) and its split ln2 = LN2F_HI +
 *   LN2F_LO (LN2F_HI with 16 significant bits, e LN2F_HI exact).  x < 0
 *   and NaN give NaN, +-0 gives -Inf, +Inf gives +Inf; subnormal x is
 *   scaled by 2^25 first (avx512: vgetexp/vgetmant handle it).
 */

#define VMF_EXP_LO (-104.0f)      /* expf(x) rounds to 0 below it     */
#define VMF_EXP_HI 89.0f          /* expf(x) overflows above it       */
#define VMF_SHIFT 0x1.8p23f       /* adding it rounds to an integer   */
#define VMF_INV_LN2 0x1.715476p+0f
#define VMF_LN2_HI 0x1.62e430p-1f /* float nearest ln2                */
#define VMF_LN2_LO (-0x1.05c610p-29f) /* ln2 - VMF_LN2_HI             */
/* q(r) ~ (e^r - 1 - r) / r^2, highest degree first (SLEEF xexpf). */
#define VMF_Q5 0.000198527617612853646278381f
#define VMF_Q4 0.00139304355252534151077271f
#define VMF_Q3 0.00833336077630519866943359f
#define VMF_Q2 0.0416664853692054748535156f
#define VMF_Q1 0.166666671633720397949219f
#define VMF_Q0 0.5f
/* FreeBSD e_logf.c. */
#define VMF_LG1 0x1.555554p-1f    /* 0xaaaaaa.0p-24 */
#define VMF_LG2 0x1.999c26p-2f    /* 0xccce13.0p-25 */
#define VMF_LG3 0x1.23d3dcp-2f    /* 0x91e9ee.0p-25 */
#define VMF_LG4 0x1.f13c4cp-3f    /* 0xf89e26.0p-26 */
#define VMF_LN2F_HI 6.9313812256e-01f   /* 0x3f317180 */
#define VMF_LN2F_LO 9.0580006145e-06f   /* 0x3717f7d1 */
#define VMF_SQRT2 0x1.6a09e6p+0f

/* ------------------------------------------------------ AVX-512, float */

static inline BP_TARGET_AVX512 __m512 vm_expf_avx512(__m512 x)
{
    x = _mm512_min_ps(_mm512_set1_ps(VMF_EXP_HI),
                      _mm512_max_ps(_mm512_set1_ps(VMF_EXP_LO), x));
    const __m512 shift = _mm512_set1_ps(VMF_SHIFT);
    __m512 k = _mm512_sub_ps(
        _mm512_fmadd_ps(x, _mm512_set1_ps(VMF_INV_LN2), shift), shift);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(VMF_LN2_HI), x);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(VMF_LN2_LO), r);
    __m512 q = _mm512_fmadd_ps(_mm512_set1_ps(VMF_Q5), r,
                               _mm512_set1_ps(VMF_Q4));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(VMF_Q3));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(VMF_Q2));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(VMF_Q1));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(VMF_Q0));
    __m512 em1 = _mm512_fmadd_ps(q, _mm512_mul_ps(r, r), r);
    __m512 e = _mm512_add_ps(em1, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(e, k);
}

/* exp(-x) (bit for bit vm_expf_avx512 of -x): the sigmoid's. */
static inline BP_TARGET_AVX512 __m512 vm_expnegf_avx512(__m512 x)
{
    return vm_expf_avx512(_mm512_castsi512_ps(_mm512_xor_si512(
        _mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN))));
}

static inline BP_TARGET_AVX512 __m512 vm_logf_avx512(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_nan);
    __m512 e = _mm512_getexp_ps(x);
    __mmask16 big = _mm512_cmp_ps_mask(m, _mm512_set1_ps(VMF_SQRT2),
                                       _CMP_GT_OQ);
    m = _mm512_mask_mul_ps(m, big, m, _mm512_set1_ps(0.5f));
    e = _mm512_mask_add_ps(e, big, e, one);
    __m512 f = _mm512_sub_ps(m, one);
    __m512 s = _mm512_div_ps(f, _mm512_add_ps(f, _mm512_set1_ps(2.0f)));
    __m512 z = _mm512_mul_ps(s, s);
    __m512 w = _mm512_mul_ps(z, z);
    __m512 t1 = _mm512_mul_ps(w, _mm512_fmadd_ps(w, _mm512_set1_ps(VMF_LG4),
                                                 _mm512_set1_ps(VMF_LG2)));
    __m512 t2 = _mm512_fmadd_ps(w, _mm512_set1_ps(VMF_LG3),
                                _mm512_set1_ps(VMF_LG1));
    __m512 R = _mm512_fmadd_ps(z, t2, t1);
    __m512 hfsq = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), f), f);
    __m512 in = _mm512_fmadd_ps(s, _mm512_add_ps(hfsq, R),
                                _mm512_mul_ps(e, _mm512_set1_ps(VMF_LN2F_LO)));
    __m512 y = _mm512_sub_ps(_mm512_sub_ps(hfsq, in), f);
    y = _mm512_fmsub_ps(e, _mm512_set1_ps(VMF_LN2F_HI), y);
    __mmask16 ok = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ) &
                   _mm512_cmp_ps_mask(x, _mm512_set1_ps(__builtin_inff()),
                                      _CMP_LT_OQ);
    if (__builtin_expect(ok != 0xffff, 0)) {
        __m512 fix = _mm512_set1_ps(__builtin_nanf(""));
        fix = _mm512_mask_mov_ps(
            fix, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_EQ_OQ),
            _mm512_set1_ps(-__builtin_inff()));
        fix = _mm512_mask_mov_ps(
            fix, _mm512_cmp_ps_mask(x, _mm512_set1_ps(__builtin_inff()),
                                    _CMP_EQ_OQ),
            x);
        fix = _mm512_mask_mov_ps(fix, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q),
                                 x);
        y = _mm512_mask_mov_ps(fix, ok, y);
    }
    return y;
}

/* --------------------------------------------------------- AVX2, float */

/* 2^n for integers n in [-126, 127] held as floats. */
static inline BP_TARGET_AVX2 __m256 vm_pow2f_avx2(__m256 n)
{
    __m256i bits = _mm256_add_epi32(_mm256_cvtps_epi32(n),
                                    _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(bits, 23));
}

static inline BP_TARGET_AVX2 __m256 vm_expf_avx2(__m256 x)
{
    x = _mm256_min_ps(_mm256_set1_ps(VMF_EXP_HI),
                      _mm256_max_ps(_mm256_set1_ps(VMF_EXP_LO), x));
    const __m256 shift = _mm256_set1_ps(VMF_SHIFT);
    __m256 k = _mm256_sub_ps(
        _mm256_fmadd_ps(x, _mm256_set1_ps(VMF_INV_LN2), shift), shift);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(VMF_LN2_HI), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(VMF_LN2_LO), r);
    __m256 q = _mm256_fmadd_ps(_mm256_set1_ps(VMF_Q5), r,
                               _mm256_set1_ps(VMF_Q4));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(VMF_Q3));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(VMF_Q2));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(VMF_Q1));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(VMF_Q0));
    __m256 em1 = _mm256_fmadd_ps(q, _mm256_mul_ps(r, r), r);
    __m256 e = _mm256_add_ps(em1, _mm256_set1_ps(1.0f));
    /* k in [-150, 128]: two normal powers of two, one rounding. */
    __m256 k1 = _mm256_floor_ps(_mm256_mul_ps(k, _mm256_set1_ps(0.5f)));
    __m256 k2 = _mm256_sub_ps(k, k1);
    return _mm256_mul_ps(_mm256_mul_ps(e, vm_pow2f_avx2(k1)),
                         vm_pow2f_avx2(k2));
}

static inline BP_TARGET_AVX2 __m256 vm_expnegf_avx2(__m256 x)
{
    return vm_expf_avx2(_mm256_xor_ps(x, _mm256_set1_ps(-0.0f)));
}

static inline BP_TARGET_AVX2 __m256 vm_logf_avx2(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    /* Subnormals: scale by 2^25 and take 25 off the exponent. */
    __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(0x1p-126f), _CMP_LT_OQ);
    __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(0x1p25f)),
                                 tiny);
    __m256i bits = _mm256_castps_si256(xs);
    __m256i be = _mm256_and_si256(_mm256_srli_epi32(bits, 23),
                                  _mm256_set1_epi32(0xff));
    __m256 e =
        _mm256_cvtepi32_ps(_mm256_sub_epi32(be, _mm256_set1_epi32(127)));
    e = _mm256_sub_ps(e, _mm256_and_ps(tiny, _mm256_set1_ps(25.0f)));
    __m256 m = _mm256_castsi256_ps(_mm256_or_si256(
        _mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
        _mm256_castps_si256(one)));
    __m256 big = _mm256_cmp_ps(m, _mm256_set1_ps(VMF_SQRT2), _CMP_GT_OQ);
    m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), big);
    e = _mm256_add_ps(e, _mm256_and_ps(big, one));
    __m256 f = _mm256_sub_ps(m, one);
    __m256 s = _mm256_div_ps(f, _mm256_add_ps(f, _mm256_set1_ps(2.0f)));
    __m256 z = _mm256_mul_ps(s, s);
    __m256 w = _mm256_mul_ps(z, z);
    __m256 t1 = _mm256_mul_ps(w, _mm256_fmadd_ps(w, _mm256_set1_ps(VMF_LG4),
                                                 _mm256_set1_ps(VMF_LG2)));
    __m256 t2 = _mm256_fmadd_ps(w, _mm256_set1_ps(VMF_LG3),
                                _mm256_set1_ps(VMF_LG1));
    __m256 R = _mm256_fmadd_ps(z, t2, t1);
    __m256 hfsq = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), f), f);
    __m256 in = _mm256_fmadd_ps(s, _mm256_add_ps(hfsq, R),
                                _mm256_mul_ps(e, _mm256_set1_ps(VMF_LN2F_LO)));
    __m256 y = _mm256_sub_ps(_mm256_sub_ps(hfsq, in), f);
    y = _mm256_fmsub_ps(e, _mm256_set1_ps(VMF_LN2F_HI), y);
    __m256 ok = _mm256_and_ps(
        _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ),
        _mm256_cmp_ps(x, _mm256_set1_ps(__builtin_inff()), _CMP_LT_OQ));
    if (__builtin_expect(_mm256_movemask_ps(ok) != 0xff, 0)) {
        __m256 fix = _mm256_set1_ps(__builtin_nanf(""));
        fix = _mm256_blendv_ps(
            fix, _mm256_set1_ps(-__builtin_inff()),
            _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ));
        fix = _mm256_blendv_ps(
            fix, x, _mm256_cmp_ps(x, _mm256_set1_ps(__builtin_inff()),
                                  _CMP_EQ_OQ));
        fix = _mm256_blendv_ps(fix, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
        y = _mm256_blendv_ps(fix, y, ok);
    }
    return y;
}

#endif /* __x86_64__ && __GNUC__ */

/* The body of a fast kernel in simd.c and simd_f32.c: the call for the
 * instruction set asked for, or the naive kernel's where there is no
 * vector code. */
#if BP_HAVE_X86_SIMD
#define DISPATCH(isa, call_avx512, call_avx2, call_naive)                    \
    do {                                                                     \
        if ((isa) == BP_ISA_AVX512)                                          \
            call_avx512;                                                     \
        else if ((isa) == BP_ISA_AVX2)                                       \
            call_avx2;                                                       \
        else                                                                 \
            call_naive;                                                      \
    } while (0)
#else
#define DISPATCH(isa, call_avx512, call_avx2, call_naive)                    \
    do {                                                                     \
        (void)(isa);                                                         \
        call_naive;                                                          \
    } while (0)
#endif

#endif
