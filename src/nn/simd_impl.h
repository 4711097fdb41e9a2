/*
 * simd_impl.h - the fast kernels' one definition, included by simd.c
 * (doubles) and simd_f32.c (floats) once per instruction set with these
 * defined:
 *
 *   RT             the real type, double or float
 *   NFN(name)      its naive kernel (name##_f64, name##_f32)
 *   SFN(name)      an internal function's name for this set
 *                  (name##_avx512_f64: KERNEL_ISA_TYPE, as kernels.h names)
 *   K_KERNEL       the name of each kernel of the set's table (kernels.h),
 *                  written out: K_dense_forward dense_forward_avx512_f64,
 *                  and so on for every entry but output1 (simd.c's); the
 *                  end of this file #undefs them
 *   TARGET         the target attribute of every function here
 *   VT, VL         the vector type and its number of RT
 *   MT             a mask of the first lanes (tails of rows)
 *   V_LOAD(p)  V_LOADM(p, m)  V_STORE(p, v)  V_STOREM(p, m, v)
 *   V_MASK(k)      mask of the first k < VL lanes
 *   V_SET1 V_ZERO V_ADD V_SUB V_MUL V_DIV V_FMA V_MAX V_NEG (sign flip)
 *   V_EXP(v) V_EXPNEG(v) (exp(-v)) V_LOG(v)
 *   LT, L_ZERO() L_ADD(acc, v) L_REDUCE(acc): the loss's accumulator
 *                  (VT and the sum of its lanes for doubles; doubles for
 *                  floats, as the naive kernel adds the terms in double)
 *   V_HSUMS(v)     for an array of VL vectors, the vector of their sums
 *   CT             a comparison's result; V_EQ(a, b) lanes equal,
 *   V_OR_MASK(c, d), V_SEL(c, a, b) c ? a : b per lane, V_ALL(c) every lane
 *   V_AND_MT(v, m) v in the lanes of m, +0 elsewhere
 *   V_GT0_SEL(a, d) a > 0 ? d : +0 per lane
 *   TMAX           most output rows of a matrix-vector tile (<= 12), and
 *   MV_S(T)        optionally, the vectors of samples a tile of T rows
 *                  takes at once (<= 4)
 *   TJMAX, TIMAX   tile of the parameter gradient (rows x columns); up
 *                  to TJSMALL (<= 8) rows when a row has <= SMALL_IN columns
 *   optionally (the float sets), the transposed parameter gradient for
 *   layers with n_in >= PK_MIN_IN and n_out >= PK_MIN_OUT: PK_T rows x
 *   PK_S vectors of sums, chunks of PK_SB samples (a multiple of VL),
 *   V_TRANSPOSE(v) a VL x VL transpose of an array of VL vectors; and
 *   SIGMOID_PASS: dense_forward applies the sigmoid in a second pass.
 *
 * Layout as in kernels_impl.h: activations feature-major [features][n],
 * row stride n.  Every loop over samples handles full vectors, then the
 * last partial one with masked loads and stores, so nothing outside a row
 * is read or written.  Sums over inputs run in the naive kernels' order
 * (with fused multiply-adds); sums over samples run per lane, then across
 * the lanes, so they differ from the naive kernels' in rounding only.
 *
 * For floats (simd_f32.c), a mini-batch of 128 samples is only 8 vectors
 * of 16, so outer_tile's horizontal sums would cost as much as its
 * products: layers of at least PK_MIN_IN x PK_MIN_OUT take the
 * transposed panel of params_packed instead (a matrix product with no
 * reduction across lanes), and tiles of TMAX = 6 rows x 4 vectors of
 * samples reach the FMA pipes' peak on the MLP's products (see
 * bench/kernels_bench.c --mlp).
 *
 * Why it is shaped this way (measured on Zen 4, bench/kernels_bench.c):
 * the seed's network is bound by the floating-point multiply pipes (one
 * 8-double FMA a cycle), so the kernels spend as few of those as they can
 * and keep the rest off the critical path:
 *   - products (mv_tile): a tile of up to TMAX output rows keeps its sums in
 *     registers (through a block of inputs: mv_epi) and reads each input
 *     vector once; weights are broadcast from memory (a load, no
 *     shuffle); tiles of up to 6 rows take 2 vectors of samples at once (1
 *     row: 4), so that enough independent sums are in flight and each
 *     broadcast weight feeds two multiply-adds (one vector at a time, the
 *     loads outnumber the multiply-adds and bound them: seed layer 10x10
 *     0.345 -> 0.30 us on the Xeon);
 *   - the sigmoid is a separate pass over the contiguous [out][n] block:
 *     no lanes wasted at the end of each row, and measured faster than
 *     applying it to the sums in registers (its long dependency chain then
 *     stalls the product); the backward f'(a) is cheap and is fused;
 *   - parameter gradients (outer_tile): a TJ x TI tile of sums over all
 *     samples in registers, then one transposing reduction (V_HSUMS) and
 *     one division per VL sums instead of a horizontal sum and a scalar
 *     division per weight; for small layers (KEEP_SUMS) the per-lane sums
 *     of all tiles are kept and reduced in one pass at the end.
 */

#define ALWAYS_INLINE inline __attribute__((always_inline))
#ifndef TJ_ARRAY
#define TJ_ARRAY 8
#endif
/* Vectors of samples a tile of T rows of mv_tile takes at once (<= 4). */
#ifndef MV_S
#define MV_S(T) ((T) == 1 ? 4 : (T) <= 6 ? 2 : 1)
#endif
/* Keeps v in a register: without it gcc folds the load of a vector used
 * by several multiply-adds into each of them (one load per use). */
#define IN_REGISTER(v) __asm__("" : "+v"(v))

/* sigma(x) = 1 / (1 + exp(-x)), as the naive kernel computes it. */
static ALWAYS_INLINE TARGET VT SFN(sigmoid)(VT x)
{
    const VT one = V_SET1(1.0);
    return V_DIV(one, V_ADD(one, V_EXPNEG(x)));
}

/* 1 / d, on the multiply-add pipes where the set can (V_RECIP, vecmath.h:
 * the division's bits), else the division. */
static ALWAYS_INLINE TARGET VT SFN(recip_fma)(VT d)
{
    const VT one = V_SET1(1.0);
#ifdef V_RECIP
    if (__builtin_expect(V_RECIP_OK(d), 1))
        return V_RECIP(d);
#endif
    return V_DIV(one, d);
}

/* SFN(sigmoid)'s bits with that reciprocal.  The sigmoid passes take every
 * third vector this way, so that the divider and the multiply-add pipes
 * work side by side (the exponential alone keeps the pipes about half as
 * busy as the division keeps the divider; one in two or all is slower). */
static ALWAYS_INLINE TARGET VT SFN(sigmoid_fma)(VT x)
{
    const VT one = V_SET1(1.0);
    return SFN(recip_fma)(V_ADD(one, V_EXPNEG(x)));
}

/* x / n for a sample count n >= 1: a multiplication by 1 / n when n is a
 * power of two (1 / n is then exact and both operations round the exact
 * x / n once, so the bits are the division's, NaN, zeros and subnormals
 * included), else the division.  The mean over a batch of 32, 64 or 128
 * then keeps the divider free: the weight-gradient tiles issue one
 * division a vector of sums, a third of the multiply-adds' time at 64
 * samples. */
static ALWAYS_INLINE TARGET VT SFN(div_count)(VT x, size_t n)
{
    if ((n & (n - 1)) == 0)
        return V_MUL(x, V_SET1((RT)1 / (RT)n));
    return V_DIV(x, V_SET1((RT)n));
}

/* delta *= f'(a), one vector. */
static ALWAYS_INLINE TARGET VT SFN(act_grad)(bp_activation f, VT d, VT a)
{
    const VT one = V_SET1(1.0);
    switch (f) {
    case BP_ACT_SIGMOID:
        return V_MUL(d, V_MUL(a, V_SUB(one, a)));
    case BP_ACT_TANH:
        return V_MUL(d, V_SUB(one, V_MUL(a, a)));
    case BP_ACT_RELU:
        return V_GT0_SEL(a, d);
    case BP_ACT_NONE:
    case BP_ACT_COUNT:          /* not an activation */
        break;
    }
    return d;
}

/* f(x) for the activations computed in vectors (not tanh). */
static ALWAYS_INLINE TARGET VT SFN(act_value)(bp_activation f, VT x)
{
    switch (f) {
    case BP_ACT_SIGMOID:
        return SFN(sigmoid)(x);
    case BP_ACT_RELU:           /* max(x, +0) is +0 for NaN, as x > 0 ? x : 0 */
        return V_MAX(x, V_ZERO());
    case BP_ACT_TANH:
    case BP_ACT_NONE:
    case BP_ACT_COUNT:          /* not an activation */
        break;
    }
    return x;
}

/* The epilogues of mv_tile: nothing, out *= f'(ga) (the backward pass
 * through an activation) or out = f(out) (the forward pass).  The three
 * ranges follow each other, one number per activation in each, so that a
 * new activation moves EPI_ACT instead of overlapping it. */
#define EPI_NONE 0
#define EPI_GRAD(f) (1 + (int)(f))
#define EPI_ACT(f) (1 + BP_ACT_COUNT + (int)(f))
#ifndef EPI_CHECKED
#define EPI_CHECKED
_Static_assert(EPI_GRAD(0) > EPI_NONE, "EPI_GRAD overlaps EPI_NONE");
_Static_assert(EPI_GRAD(BP_ACT_COUNT - 1) < EPI_ACT(0),
               "EPI_GRAD's range overlaps EPI_ACT's");
#endif

/*
 * out[t][s] = b[t] + sum_k w[t wt + k wk] in[k][s] for t < T and the
 * samples [s, s + VL) (or the first lanes of m when tail), T <= TMAX;
 * then the epilogue EPI.  The T accumulators stay in registers across the
 * sum.
 */
static ALWAYS_INLINE TARGET void SFN(mv_tile)(
    const int EPI, const int T, const int S, RT *out, const RT *in,
    const RT *w, size_t wt, size_t wk, const RT *b, const RT *ga,
    size_t n_k, size_t n, size_t s, int tail, MT m, int cont)
{
    VT acc[TMAX][4];
#pragma GCC unroll 16
    for (int t = 0; t < TMAX; t++)
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++)
            if (t < T && u < S) {
                const RT *o = out + (size_t)t * n + s + (size_t)u * VL;
                if (cont)       /* the sums of the earlier inputs */
                    acc[t][u] = tail ? V_LOADM(o, m) : V_LOAD(o);
                else
                    acc[t][u] = b ? V_SET1(b[t]) : V_ZERO();
            }
    for (size_t k = 0; k < n_k; k++) {
        const RT *xk = in + k * n + s;
        const RT *wk_ = w + k * wk;
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++)
            if (u < S) {
                VT x = tail ? V_LOADM(xk, m) : V_LOAD(xk + u * VL);
#pragma GCC unroll 16
                for (int t = 0; t < TMAX; t++)
                    if (t < T)
                        acc[t][u] = V_FMA(V_SET1(wk_[(size_t)t * wt]), x,
                                          acc[t][u]);
            }
    }
#pragma GCC unroll 16
    for (int t = 0; t < TMAX; t++)
#pragma GCC unroll 4
        for (int u = 0; u < 4; u++)
            if (t < T && u < S) {
                RT *o = out + (size_t)t * n + s + (size_t)u * VL;
                VT r = acc[t][u];
                if (EPI >= EPI_ACT(0)) {
                    r = SFN(act_value)((bp_activation)(EPI - EPI_ACT(0)), r);
                } else if (EPI >= EPI_GRAD(0)) {
                    const RT *g = ga + (size_t)t * n + s + (size_t)u * VL;
                    r = SFN(act_grad)((bp_activation)(EPI - EPI_GRAD(0)), r,
                                      tail ? V_LOADM(g, m) : V_LOAD(g));
                }
                if (tail)
                    V_STOREM(o, m, r);
                else
                    V_STORE(o, r);
            }
}

/* All samples of a tile of T rows: S vectors of samples at a time when the
 * tile has few rows (S T independent sums in flight), then one at a time,
 * then the last partial vector. */
static ALWAYS_INLINE TARGET void SFN(mv_rows)(
    const int EPI, const int T, RT *out, const RT *in,
    const RT *w, size_t wt, size_t wk, const RT *b, const RT *ga,
    size_t n_k, size_t n, int cont)
{
    const int S = MV_S(T);
    size_t s = 0;
    MT none = V_MASK(0);
    if (S > 1)
        for (; s + (size_t)S * VL <= n; s += (size_t)S * VL)
            SFN(mv_tile)(EPI, T, S, out, in, w, wt, wk, b, ga, n_k, n, s, 0,
                         none, cont);
    for (; s + VL <= n; s += VL)
        SFN(mv_tile)(EPI, T, 1, out, in, w, wt, wk, b, ga, n_k, n, s, 0, none,
                     cont);
    if (s < n)
        SFN(mv_tile)(EPI, T, 1, out, in, w, wt, wk, b, ga, n_k, n, s, 1,
                     V_MASK(n - s), cont);
}

/* Splits `total` rows into the fewest tiles of at most `max`, as even as
 * possible: the first `extra` tiles have base + 1 rows, the others base. */
static inline void SFN(split)(size_t total, size_t max, size_t *base,
                              size_t *extra)
{
    size_t tiles = (total + max - 1) / max;
    *base = total / tiles;
    *extra = total % tiles;
}

/* out[j][s] = b[j] + sum_k w[j wt + k wk] in[k][s], j < n_rows, for the
 * inputs k < n_k of one block (cont: the sums of the earlier blocks are in
 * out, b is not added again), then the epilogue EPI (see mv_tile) with
 * ga[j][s]. */
static ALWAYS_INLINE TARGET void SFN(mv_part)(
    const int EPI, RT *out, const RT *in, const RT *w, size_t wt,
    size_t wk, const RT *b, const RT *ga, size_t n_rows, size_t n_k,
    size_t n, int cont)
{
    size_t base, extra;
    SFN(split)(n_rows, TMAX, &base, &extra);
    for (size_t j = 0; j < n_rows;) {
        size_t T = j < extra * (base + 1) ? base + 1 : base;
        RT *o = out + j * n;
        const RT *wj = w + j * wt;
        const RT *bj = b ? b + j : NULL;
        const RT *gj = ga ? ga + j * n : NULL;
        switch (T) {
#define MV_CASE(c)                                                           \
    case c:                                                                  \
        SFN(mv_rows)(EPI, c, o, in, wj, wt, wk, bj, gj, n_k, n, cont);       \
        break;
            MV_CASE(1) MV_CASE(2) MV_CASE(3) MV_CASE(4)
            MV_CASE(5) MV_CASE(6) MV_CASE(7) MV_CASE(8)
#if TMAX >= 12
            MV_CASE(9) MV_CASE(10) MV_CASE(11) MV_CASE(12)
#endif
#undef MV_CASE
        }
        j += T;
    }
}

/* Inputs a block of mv_epi takes: about MV_IN_BYTES of them (but at least
 * 32: more bytes on passes of over 1024 doubles or 2048 floats, which the
 * trainer does not make for wide layers), so that they stay in L2 while
 * every tile of rows reads them; all of them when they are at most twice
 * that. */
#define MV_IN_BYTES ((size_t)256 << 10)
static inline size_t SFN(mv_kblock)(size_t n_k, size_t n)
{
    const size_t per = (n ? n : 1) * sizeof(RT);
    if (n_k <= 2 * MV_IN_BYTES / per)
        return n_k;
    size_t kb = MV_IN_BYTES / per;
    return kb < 32 ? 32 : kb;
}

/* out[j][s] = b[j] + sum_k w[j wt + k wk] in[k][s], j < n_rows, then
 * the epilogue EPI (see mv_tile) with ga[j][s].  Many inputs are taken a
 * block at a time (mv_kblock): each tile of rows then reads a block that
 * is in L2 instead of every input from L3 (a layer of 1024 inputs on 256
 * samples is 2 MiB of them).  Each sum still runs over k in order from b,
 * through out between the blocks: the same bits. */
static ALWAYS_INLINE TARGET void SFN(mv_epi)(
    const int EPI, RT *out, const RT *in, const RT *w, size_t wt,
    size_t wk, const RT *b, const RT *ga, size_t n_rows, size_t n_k,
    size_t n)
{
    const size_t kb = SFN(mv_kblock)(n_k, n);
    size_t k0 = 0;
    do {                        /* once when n_k is 0: out = b, then EPI */
        const size_t len = n_k - k0 < kb ? n_k - k0 : kb;
        const RT *ik = in + k0 * n, *wk0 = w + k0 * wk;
        if (k0 + len < n_k)
            SFN(mv_part)(EPI_NONE, out, ik, wk0, wt, wk, b, NULL, n_rows, len,
                         n, k0 != 0);
        else
            SFN(mv_part)(EPI, out, ik, wk0, wt, wk, b, ga, n_rows, len, n,
                         k0 != 0);
        k0 += len;
    } while (k0 < n_k);
}

/* out = f(W in + b); f = BP_ACT_NONE for the plain dense_forward. */
#ifdef SIGMOID_PASS
static TARGET void K_activation_forward(bp_activation f, RT *a,
                                           size_t count);
#endif

static TARGET void SFN(dense_forward_any)(RT *out, const RT *in,
                                      const RT *w, const RT *b,
                                      bp_activation f, size_t n_out,
                                      size_t n_in, size_t n)
{
    if (!n_out || !n)
        return;
    switch (f) {
    case BP_ACT_SIGMOID:
#ifdef SIGMOID_PASS
        SFN(mv_epi)(EPI_NONE, out, in, w, n_in, 1, b, NULL, n_out, n_in, n);
        K_activation_forward(BP_ACT_SIGMOID, out, n_out * n);
#else
        SFN(mv_epi)(EPI_ACT(BP_ACT_SIGMOID), out, in, w, n_in, 1, b, NULL,
                    n_out, n_in, n);
#endif
        break;
    case BP_ACT_RELU:
        SFN(mv_epi)(EPI_ACT(BP_ACT_RELU), out, in, w, n_in, 1, b, NULL, n_out,
                    n_in, n);
        break;
    default:                    /* tanh (libm's, after), none */
        SFN(mv_epi)(EPI_NONE, out, in, w, n_in, 1, b, NULL, n_out, n_in, n);
        NFN(activation_forward)(f, out, n_out * n);
        break;
    }
}

/* din[i][s] = sum_j w[j][i] delta[j][s] (row i of din reads column i of w,
 * stride n_in between the j), then din *= f'(a) unless a is NULL. */
static TARGET void SFN(dense_backward_input_any)(RT *din, const RT *w,
                                             const RT *delta,
                                             const RT *a, bp_activation f,
                                             size_t n_out, size_t n_in,
                                             size_t n)
{
    if (!n_in || !n)
        return;
    switch (a ? f : BP_ACT_NONE) {
    case BP_ACT_SIGMOID:
        SFN(mv_epi)(EPI_GRAD(BP_ACT_SIGMOID), din, delta, w, 1, n_in, NULL, a,
                    n_in, n_out, n);
        break;
    case BP_ACT_TANH:
        SFN(mv_epi)(EPI_GRAD(BP_ACT_TANH), din, delta, w, 1, n_in, NULL, a,
                    n_in, n_out, n);
        break;
    case BP_ACT_RELU:
        SFN(mv_epi)(EPI_GRAD(BP_ACT_RELU), din, delta, w, 1, n_in, NULL, a,
                    n_in, n_out, n);
        break;
    default:                    /* none, or no activation given */
        SFN(mv_epi)(EPI_NONE, din, delta, w, 1, n_in, NULL, NULL, n_in, n_out,
                    n);
        break;
    }
}

static TARGET void K_activation_forward(bp_activation f, RT *a,
                                           size_t count)
{
    size_t k = 0;
    switch (f) {
    case BP_ACT_SIGMOID:
        for (; k + 3 * VL <= count; k += 3 * VL) {
            VT x0 = V_LOAD(a + k), x1 = V_LOAD(a + k + VL);
            VT x2 = V_LOAD(a + k + 2 * VL);
            V_STORE(a + k, SFN(sigmoid)(x0));
            V_STORE(a + k + VL, SFN(sigmoid_fma)(x1));
            V_STORE(a + k + 2 * VL, SFN(sigmoid)(x2));
        }
        for (; k < count; k += VL) {
            if (count - k >= VL) {
                V_STORE(a + k, SFN(sigmoid)(V_LOAD(a + k)));
            } else {
                MT m = V_MASK(count - k);
                V_STOREM(a + k, m, SFN(sigmoid)(V_LOADM(a + k, m)));
            }
        }
        break;
    case BP_ACT_RELU:           /* max(x, +0) is +0 for NaN, as x > 0 ? x : 0 */
        for (; k + VL <= count; k += VL)
            V_STORE(a + k, V_MAX(V_LOAD(a + k), V_ZERO()));
        if (k < count) {
            MT m = V_MASK(count - k);
            V_STOREM(a + k, m, V_MAX(V_LOADM(a + k, m), V_ZERO()));
        }
        break;
    case BP_ACT_TANH:           /* libm's tanh */
        NFN(activation_forward)(f, a, count);
        break;
    case BP_ACT_NONE:
    case BP_ACT_COUNT:          /* not an activation */
        break;
    }
}

static TARGET void K_activation_backward(bp_activation f, RT *delta,
                                            const RT *a, size_t count)
{
    if (f == BP_ACT_NONE)
        return;
    size_t k = 0;
    for (; k + VL <= count; k += VL)
        V_STORE(delta + k,
                SFN(act_grad)(f, V_LOAD(delta + k), V_LOAD(a + k)));
    if (k < count) {
        MT m = V_MASK(count - k);
        V_STOREM(delta + k, m,
                 SFN(act_grad)(f, V_LOADM(delta + k, m), V_LOADM(a + k, m)));
    }
}

/* Most sums of a parameter gradient whose per-lane partial sums are kept
 * (in vectors, on the stack) and reduced in one pass after all the tiles
 * (SFN(reduce_sums)): for small layers, a tile's few products cost less
 * than its reduction and division, whose latency the next tile then does
 * not wait behind.  The sums' bits do not change: each sum's lanes are
 * added in the same tree whichever sums share a V_HSUMS. */
#define KEEP_SUMS 256

/*
 * dw[tj][ti] = sum_s delta[tj][s] in[ti][s] / n for a TJ x TI tile
 * (dw's row stride n_in); TJ x TI accumulators in registers, each
 * holding VL partial sums.  With keep, the accumulators go to keep[tj
 * n_in + ti] instead, for SFN(reduce_sums).
 */
static ALWAYS_INLINE TARGET void SFN(outer_tile)(
    const int TJ, const int TI, RT *dw, VT *keep, const RT *delta,
    const RT *in, size_t n_in, size_t n)
{
    VT acc[TJ_ARRAY][TIMAX];
#pragma GCC unroll 16
    for (int tj = 0; tj < TJ_ARRAY; tj++)
#pragma GCC unroll 16
        for (int ti = 0; ti < TIMAX; ti++)
            if (tj < TJ && ti < TI)
                acc[tj][ti] = V_ZERO();
    size_t s = 0;
    for (; s + VL <= n; s += VL) {
        VT d[TJ_ARRAY];
#pragma GCC unroll 16
        for (int tj = 0; tj < TJ_ARRAY; tj++)
            if (tj < TJ)
                d[tj] = V_LOAD(delta + (size_t)tj * n + s);
#pragma GCC unroll 16
        for (int ti = 0; ti < TIMAX; ti++)
            if (ti < TI) {
                VT x = V_LOAD(in + (size_t)ti * n + s);
                IN_REGISTER(x);
#pragma GCC unroll 16
                for (int tj = 0; tj < TJ_ARRAY; tj++)
                    if (tj < TJ)
                        acc[tj][ti] = V_FMA(d[tj], x, acc[tj][ti]);
            }
    }
    if (s < n) {
        MT m = V_MASK(n - s);
        VT d[TJ_ARRAY];
#pragma GCC unroll 16
        for (int tj = 0; tj < TJ_ARRAY; tj++)
            if (tj < TJ)
                d[tj] = V_LOADM(delta + (size_t)tj * n + s, m);
#pragma GCC unroll 16
        for (int ti = 0; ti < TIMAX; ti++)
            if (ti < TI) {
                VT x = V_LOADM(in + (size_t)ti * n + s, m);
#pragma GCC unroll 16
                for (int tj = 0; tj < TJ_ARRAY; tj++)
                    if (tj < TJ)
                        acc[tj][ti] = V_FMA(d[tj], x, acc[tj][ti]);
            }
    }
    if (keep) {
#pragma GCC unroll 16
        for (int tj = 0; tj < TJ_ARRAY; tj++)
#pragma GCC unroll 16
            for (int ti = 0; ti < TIMAX; ti++)
                if (tj < TJ && ti < TI)
                    keep[(size_t)tj * n_in + (size_t)ti] = acc[tj][ti];
        return;
    }
    /* The TJ TI sums in (tj, ti) order, VL at a time: one V_HSUMS and one
     * division per VL sums.  They land in dw directly when the tile's rows
     * are whole rows of dw (contiguous), else through `sums`. */
    const int NS = TJ * TI;
    const int whole = (size_t)TI == n_in;
    RT sums[TJ_ARRAY * TIMAX + VL];
#pragma GCC unroll 16
    for (int q = 0; q < TJ_ARRAY * TIMAX; q += VL)
        if (q < NS) {
            VT v[VL];
#pragma GCC unroll 16
            for (int k = 0; k < VL; k++)
                v[k] = q + k < NS ? acc[(q + k) / TI][(q + k) % TI] : V_ZERO();
            VT g = SFN(div_count)(V_HSUMS(v), n);
            if (!whole)
                V_STORE(sums + q, g);
            else if (NS - q >= VL)
                V_STORE(dw + q, g);
            else
                V_STOREM(dw + q, V_MASK(NS - q), g);
        }
    if (!whole)
        for (int tj = 0; tj < TJ; tj++)
            for (int ti = 0; ti < TI; ti++)
                dw[(size_t)tj * n_in + (size_t)ti] = sums[tj * TI + ti];
}

/* dw[q] = (the lanes of keep[q] added) / n, q < count. */
static TARGET void SFN(reduce_sums)(RT *dw, const VT *keep, size_t count,
                                    size_t n)
{
    size_t q = 0;
    for (; q + VL <= count; q += VL)
        V_STORE(dw + q, SFN(div_count)(V_HSUMS(keep + q), n));
    if (q < count) {
        VT v[VL];
        for (size_t k = 0; k < VL; k++)
            v[k] = q + k < count ? keep[q + k] : V_ZERO();
        V_STOREM(dw + q, V_MASK(count - q), SFN(div_count)(V_HSUMS(v), n));
    }
}

/* The tile's columns, TJ rows fixed. */
static ALWAYS_INLINE TARGET void SFN(outer_rows)(
    const int TJ, RT *dw, VT *keep, const RT *delta, const RT *in,
    size_t n_in, size_t n)
{
    size_t base, extra;
    SFN(split)(n_in, TIMAX, &base, &extra);
    for (size_t i = 0; i < n_in;) {
        size_t TI = i < extra * (base + 1) ? base + 1 : base;
        RT *d = dw + i;
        VT *kp = keep ? keep + i : NULL;
        const RT *x = in + i * n;
        switch (TI) {
#define OT_CASE(c)                                                           \
    case c:                                                                  \
        SFN(outer_tile)(TJ, c, d, kp, delta, x, n_in, n);                    \
        break;
            OT_CASE(1) OT_CASE(2) OT_CASE(3)
#if TIMAX >= 4
            OT_CASE(4)
#endif
#if TIMAX >= 5
            OT_CASE(5)
#endif
#if TIMAX >= 6
            OT_CASE(6)
#endif
#undef OT_CASE
        }
        i += TI;
    }
}

#ifdef PK_T
/*
 * The parameter gradient as a product with a transposed panel (float
 * only: PK_T, PK_S, PK_SB and V_TRANSPOSE defined).  With short rows of
 * samples (a mini-batch of 128 is 8 vectors of 16 floats) outer_tile
 * spends as much on its horizontal sums as on the products; here a panel
 * of P = PK_S VL inputs i and up to PK_SB samples is transposed once into
 * pack[s][c] = in[i0 + c][s0 + s] (a VL x VL transpose in registers at a
 * time), and every row block of dW reads it as the B of a matrix product:
 *   dw[j][i0 + c] += delta[j][s] pack[s][c], s in order,
 * with delta[j][s] broadcast, PK_T rows x PK_S vectors of sums in
 * registers.  Sums over more than PK_SB samples go through dw (its first
 * chunk stores the sums, the next ones add to them, the last divides by
 * n).  Each sum runs over s in order with fused multiply-adds.
 */
#define PK_P (PK_S * VL)

/* acc[t][u] += delta[t][s] pack[s][u VL ...] for s < len in order, t < T
 * (delta's row stride n): the products of pk_tile and pkw_tile. */
static ALWAYS_INLINE TARGET void SFN(pk_sums)(const int T,
                                              VT acc[PK_T][PK_S],
                                              const RT *delta, size_t n,
                                              const RT *pack, size_t len)
{
    for (size_t s = 0; s < len; s++) {
        VT x[PK_S];
#pragma GCC unroll 4
        for (int u = 0; u < PK_S; u++)
            x[u] = V_LOAD(pack + s * PK_P + (size_t)u * VL);
#pragma GCC unroll 16
        for (int t = 0; t < PK_T; t++)
            if (t < T) {
                VT d = V_SET1(delta[(size_t)t * n + s]);
#pragma GCC unroll 4
                for (int u = 0; u < PK_S; u++)
                    acc[t][u] = V_FMA(d, x[u], acc[t][u]);
            }
    }
}

/* M(1) M(2) ... M(PK_T): the cases of a switch on a tile's rows. */
#if PK_T >= 12
#define PK_ROWS(M) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12)
#elif PK_T >= 8
#define PK_ROWS(M) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8)
#else
#define PK_ROWS(M) M(1) M(2) M(3) M(4) M(5) M(6)
#endif

static ALWAYS_INLINE TARGET void SFN(pk_tile)(
    const int T, RT *dw, const RT *delta, const RT *pack, size_t n_in,
    size_t n, size_t len, size_t cols, int first, int last)
{
    VT acc[PK_T][PK_S];
    MT mlast = V_MASK(cols % VL);
    const int full = (int)(cols / VL);      /* full vectors of columns */
#pragma GCC unroll 16
    for (int t = 0; t < PK_T; t++)
#pragma GCC unroll 4
        for (int u = 0; u < PK_S; u++)
            if (t < T) {
                const RT *o = dw + (size_t)t * n_in + (size_t)u * VL;
                acc[t][u] = first     ? V_ZERO()
                            : u < full ? V_LOAD(o)
                            : u == full && cols % VL ? V_LOADM(o, mlast)
                                                     : V_ZERO();
            }
    SFN(pk_sums)(T, acc, delta, n, pack, len);
#pragma GCC unroll 16
    for (int t = 0; t < PK_T; t++)
#pragma GCC unroll 4
        for (int u = 0; u < PK_S; u++)
            if (t < T) {
                RT *o = dw + (size_t)t * n_in + (size_t)u * VL;
                VT r = last ? SFN(div_count)(acc[t][u], n) : acc[t][u];
                if (u < full)
                    V_STORE(o, r);
                else if (u == full && cols % VL)
                    V_STOREM(o, mlast, r);
            }
}

/* pack[s][c] = in[c][s0 + s] for c < cols (0 beyond), s < len rounded up
 * to whole vectors (in's row stride n; samples from end on are not read,
 * their lanes are 0). */
static ALWAYS_INLINE TARGET void SFN(pk_pack)(RT *pack, const RT *in,
                                              size_t cols, size_t n,
                                              size_t end, size_t s0,
                                              size_t len)
{
    for (size_t c0 = 0; c0 < PK_P; c0 += VL)
        for (size_t s = 0; s < len; s += VL) {
            VT v[VL];
            size_t left = end - (s0 + s);
            MT m = V_MASK(left < VL ? left : 0);
#pragma GCC unroll 16
            for (int r = 0; r < VL; r++) {
                const RT *row = in + (c0 + (size_t)r) * n + s0 + s;
                if (c0 + (size_t)r >= cols)
                    v[r] = V_ZERO();
                else if (left >= VL)
                    v[r] = V_LOAD(row);
                else
                    v[r] = V_LOADM(row, m);
            }
            V_TRANSPOSE(v);
#pragma GCC unroll 16
            for (int r = 0; r < VL; r++)
                V_STORE(pack + (s + (size_t)r) * PK_P + c0, v[r]);
        }
}

/* pk_tile for a number of rows T <= PK_T known at run time. */
static TARGET void SFN(pk_tile_rows)(size_t T, RT *dw, const RT *delta,
                                     const RT *pack, size_t n_in, size_t n,
                                     size_t len, size_t cols, int first,
                                     int last)
{
    switch (T) {
#define PK_CASE(c)                                                           \
    case c:                                                                  \
        SFN(pk_tile)(c, dw, delta, pack, n_in, n, len, cols, first, last);   \
        break;
        PK_ROWS(PK_CASE)
#undef PK_CASE
    }
}

static TARGET void SFN(params_packed)(RT *dw, const RT *delta, const RT *in,
                                      size_t n_out, size_t n_in, size_t n)
{
    RT pack[PK_SB * PK_P] __attribute__((aligned(64)));
    size_t base, extra;
    SFN(split)(n_out, PK_T, &base, &extra);
    for (size_t s0 = 0; s0 < n; s0 += PK_SB) {
        size_t len = n - s0 < PK_SB ? n - s0 : PK_SB;
        int first = s0 == 0, last = s0 + len == n;
        for (size_t i0 = 0; i0 < n_in; i0 += PK_P) {
            size_t cols = n_in - i0 < PK_P ? n_in - i0 : PK_P;
            SFN(pk_pack)(pack, in + i0 * n, cols, n, n, s0, len);
            for (size_t j = 0; j < n_out;) {
                size_t T = j < extra * (base + 1) ? base + 1 : base;
                SFN(pk_tile_rows)(T, dw + j * n_in + i0, delta + j * n + s0,
                                  pack, n_in, n, len, cols, first, last);
                j += T;
            }
        }
    }
}

/*
 * The parameter gradient of a block of rows from several shares of a
 * batch (the trainer's threads split a layer by rows): each share's input
 * packed once into panels by pack_panels (panel p, inputs p P to p P + P,
 * at pack + p P len, len = n rounded up to whole vectors), then
 *   g[j][i] = sum_u c_u (sum_s delta_u[j][s] in_u[i][s]) / n_u
 * (without the c_u when c is NULL: one share), the shares in order, each
 * sum over s in order with fused multiply-adds from 0: per element the
 * same operations as params_packed and the trainer's weighted sum of the
 * shares' gradients, so the same bits.
 */
static size_t SFN(panels_size)(size_t n_in, size_t n)
{
    return (n_in + PK_P - 1) / PK_P * PK_P * ((n + VL - 1) / VL * VL);
}

static int SFN(panels_fit)(size_t n_in, size_t n_out)
{
    return n_in >= PK_MIN_IN && n_out >= PK_MIN_OUT;
}

/* Columns [s0, s0 + n) of in ([n_in] rows of ld). */
static TARGET void SFN(pack_panels)(RT *pack, const RT *in, size_t ld,
                                    size_t s0, size_t n_in, size_t n)
{
    const size_t len = (n + VL - 1) / VL * VL;
    for (size_t i0 = 0; i0 < n_in; i0 += PK_P) {
        size_t cols = n_in - i0 < PK_P ? n_in - i0 : PK_P;
        SFN(pk_pack)(pack + i0 * len, in + i0 * ld, cols, ld, s0 + n, s0, n);
    }
}

/* One tile of T rows x PK_P columns of g from one share: g = c k (or k,
 * or g + c k after the first share), k = the share's mean. */
static ALWAYS_INLINE TARGET void SFN(pkw_tile)(
    const int T, RT *g, size_t n_in, size_t cols, const RT *delta, size_t n,
    const RT *pack, RT c, int weigh, int first)
{
    VT acc[PK_T][PK_S];
#pragma GCC unroll 16
    for (int t = 0; t < PK_T; t++)
#pragma GCC unroll 4
        for (int u = 0; u < PK_S; u++)
            acc[t][u] = V_ZERO();
    SFN(pk_sums)(T, acc, delta, n, pack, n);
    const VT vc = V_SET1(c);
    MT mlast = V_MASK(cols % VL);
    const int full = (int)(cols / VL);
#pragma GCC unroll 16
    for (int t = 0; t < PK_T; t++)
#pragma GCC unroll 4
        for (int u = 0; u < PK_S; u++)
            if (t < T && (u < full || (u == full && cols % VL))) {
                RT *o = g + (size_t)t * n_in + (size_t)u * VL;
                VT k = SFN(div_count)(acc[t][u], n);
                if (weigh)
                    k = V_MUL(vc, k);
                if (u < full) {
                    if (!first)
                        k = V_ADD(V_LOAD(o), k);
                    V_STORE(o, k);
                } else {
                    if (!first)
                        k = V_ADD(V_LOADM(o, mlast), k);
                    V_STOREM(o, mlast, k);
                }
            }
}

static TARGET void SFN(params_panels)(RT *g, size_t n_out, size_t n_in,
                                      int S, const RT *const *delta,
                                      const size_t *n, const RT *const *pack,
                                      const RT *c)
{
    size_t base, extra;
    SFN(split)(n_out, PK_T, &base, &extra);
    for (size_t i0 = 0; i0 < n_in; i0 += PK_P) {
        size_t cols = n_in - i0 < PK_P ? n_in - i0 : PK_P;
        for (size_t j = 0; j < n_out;) {
            size_t T = j < extra * (base + 1) ? base + 1 : base;
            RT *o = g + j * n_in + i0;
            for (int u = 0; u < S; u++) {
                const size_t len = (n[u] + VL - 1) / VL * VL;
                const RT *pk = pack[u] + i0 * len;
                const RT *dj = delta[u] + j * n[u];
                RT cu = c ? c[u] : 0;
                switch (T) {
#define PKW_CASE(k)                                                          \
    case k:                                                                  \
        SFN(pkw_tile)(k, o, n_in, cols, dj, n[u], pk, cu, c != NULL, u == 0);\
        break;
                    PK_ROWS(PKW_CASE)
#undef PKW_CASE
                }
            }
            j += T;
        }
    }
}
#undef PK_ROWS
#endif /* PK_T */

/* db[j] = sum_s delta[j][s] / n: per lane, then across the lanes. */
static TARGET void K_bias_grad(RT *db, const RT *delta, size_t n_out,
                                  size_t n)
{
    for (size_t j0 = 0; j0 < n_out; j0 += VL) {
        size_t cnt = n_out - j0 < VL ? n_out - j0 : VL;
        VT v[VL];
        for (size_t k = 0; k < VL; k++) {
            VT acc = V_ZERO();
            if (k < cnt) {
                const RT *dj = delta + (j0 + k) * n;
                size_t s = 0;
                for (; s + VL <= n; s += VL)
                    acc = V_ADD(acc, V_LOAD(dj + s));
                if (s < n)
                    acc = V_ADD(acc, V_LOADM(dj + s, V_MASK(n - s)));
            }
            v[k] = acc;
        }
        VT g = SFN(div_count)(V_HSUMS(v), n);
        if (cnt == VL)
            V_STORE(db + j0, g);
        else
            V_STOREM(db + j0, V_MASK(cnt), g);
    }
}

static TARGET void K_dense_backward_params(RT *dw, RT *db,
                                              const RT *delta,
                                              const RT *in, size_t n_out,
                                              size_t n_in, size_t n)
{
    if (n == 0)
        return;
    size_t base, extra;
    size_t rows = n_out;        /* left for the general tiles */
    VT kept[KEEP_SUMS];
    VT *keep = NULL;
#ifdef PK_T
    if (n_in >= PK_MIN_IN && n_out >= PK_MIN_OUT) {
        SFN(params_packed)(dw, delta, in, n_out, n_in, n);
        rows = 0;
    } else
#endif
    if (n_out * n_in <= KEEP_SUMS)
        keep = kept;
    if (n_in <= SMALL_IN) {
        /* Whole rows of dw in a tile, and up to TJSMALL of them, so that
         * there are enough independent sums (a layer fed by 2 inputs). */
        SFN(split)(n_out, TJSMALL, &base, &extra);
        for (size_t j = 0; j < n_out;) {
            size_t TJ = j < extra * (base + 1) ? base + 1 : base;
            RT *d = dw + j * n_in;
            VT *kp = keep ? keep + j * n_in : NULL;
            const RT *dj = delta + j * n;
#define SMALL_CASE(tj, ti)                                                   \
    case (tj) * 4 + (ti):                                                    \
        SFN(outer_tile)(tj, ti, d, kp, dj, in, n_in, n);                     \
        break;
#if SMALL_IN >= 3
#define SMALL_ROW(tj) SMALL_CASE(tj, 1) SMALL_CASE(tj, 2) SMALL_CASE(tj, 3)
#else
#define SMALL_ROW(tj) SMALL_CASE(tj, 1) SMALL_CASE(tj, 2)
#endif
            switch (TJ * 4 + n_in) {
                SMALL_ROW(1) SMALL_ROW(2) SMALL_ROW(3) SMALL_ROW(4)
#if TJSMALL >= 8
                SMALL_ROW(5) SMALL_ROW(6) SMALL_ROW(7) SMALL_ROW(8)
#endif
            }
#undef SMALL_ROW
#undef SMALL_CASE
            j += TJ;
        }
        rows = 0;
    }
    SFN(split)(rows ? rows : 1, TJMAX, &base, &extra);
    for (size_t j = 0; j < rows;) {
        size_t TJ = j < extra * (base + 1) ? base + 1 : base;
        RT *d = dw + j * n_in;
        VT *kp = keep ? keep + j * n_in : NULL;
        const RT *dj = delta + j * n;
        switch (TJ) {
#define OR_CASE(c)                                                           \
    case c:                                                                  \
        SFN(outer_rows)(c, d, kp, dj, in, n_in, n);                          \
        break;
            OR_CASE(1) OR_CASE(2)
#if TJMAX >= 3
            OR_CASE(3)
#endif
#if TJMAX >= 4
            OR_CASE(4)
#endif
#undef OR_CASE
        }
        j += TJ;
    }
    if (keep)
        SFN(reduce_sums)(dw, keep, n_out * n_in, n);
    if (db)
        K_bias_grad(db, delta, n_out, n);
}

/*
 * The cross-entropy's pieces for one vector.  For targets that are all
 * exactly 0 or 1 (the usual case) only the term whose factor is not 0 is
 * computed, q = y ? p + eps : (1 - p) + eps: the naive kernels' values
 * are then reproduced bit for bit, since 0 * log(...) = 0 and 0 / (...) = 0
 * there (both logarithms' arguments are >= eps > 0 for p in [0, 1]).
 *   loss term  -(y log(p + eps) + (1 - y) log(1 - p + eps))  = -log q
 *   dJ/dp      -(y / (p + eps) - (1 - y) / (1 - p + eps))    = -+1 / q
 */
static ALWAYS_INLINE TARGET void SFN(bce)(VT p, VT y, VT *term, VT *dj_dp)
{
    const VT one = V_SET1(1.0), eps = V_SET1(BP_BCE_EPS);
    CT is1 = V_EQ(y, one), is0 = V_EQ(y, V_ZERO());
    VT a = V_ADD(p, eps), c = V_ADD(V_SUB(one, p), eps);
    if (V_ALL(V_OR_MASK(is0, is1))) {
        VT q = V_SEL(is1, a, c);
        if (term)
            *term = V_NEG(V_LOG(q));
        if (dj_dp) {
            VT inv = V_DIV(one, q);
            *dj_dp = V_SEL(is1, V_NEG(inv), inv);
        }
    } else {
        VT omy = V_SUB(one, y);
        if (term)
            *term = V_NEG(V_ADD(V_MUL(y, V_LOG(a)), V_MUL(omy, V_LOG(c))));
        if (dj_dp)
            *dj_dp = V_NEG(V_SUB(V_DIV(y, a), V_DIV(omy, c)));
    }
}

/*
 * One vector of the loss and the output delta: adds the loss terms of
 * the lanes of m (all when !tail) to *acc, writes delta's lanes when
 * delta is not NULL and returns them (every lane; zero when delta is NULL).
 */
static ALWAYS_INLINE TARGET VT SFN(loss_vec)(
    bp_loss loss, LT *acc, RT *delta, const RT *p_, const RT *y_,
    RT k_out, int want_loss, int tail, MT m)
{
    VT p = tail ? V_LOADM(p_, m) : V_LOAD(p_);
    VT y = tail ? V_LOADM(y_, m) : V_LOAD(y_);
    VT term = V_ZERO(), dj_dp = V_ZERO();
    if (loss == BP_LOSS_BCE) {
        SFN(bce)(p, y, want_loss ? &term : NULL, delta ? &dj_dp : NULL);
    } else {
        VT d = V_SUB(p, y);
        term = V_MUL(d, d);
        dj_dp = V_MUL(V_SET1(2.0), d);
    }
    if (want_loss)
        *acc = L_ADD(*acc, tail ? V_AND_MT(term, m) : term);
    if (!delta)
        return V_ZERO();
    if (k_out > 1)
        dj_dp = V_DIV(dj_dp, V_SET1(k_out));
    VT g = V_MUL(V_MUL(p, V_SUB(V_SET1(1.0), p)), dj_dp);
    if (tail)
        V_STOREM(delta, m, g);
    else
        V_STORE(delta, g);
    return g;
}

/* Mean loss over count outputs and, when delta is not NULL, the output
 * delta as output_delta_f64 (_f32) defines it. */
static TARGET double SFN(loss_delta)(bp_loss loss, RT *delta,
                                     const RT *p, const RT *y,
                                     size_t count, size_t n_out, int want_loss)
{
    LT acc = L_ZERO();
    const RT k_out = (RT)n_out;
    size_t e = 0;
    MT none = V_MASK(0);
    for (; e + VL <= count; e += VL)
        SFN(loss_vec)(loss, &acc, delta ? delta + e : NULL, p + e, y + e,
                      k_out, want_loss, 0, none);
    if (e < count)
        SFN(loss_vec)(loss, &acc, delta ? delta + e : NULL, p + e, y + e,
                      k_out, want_loss, 1, V_MASK(count - e));
    return count && want_loss ? L_REDUCE(acc) / (double)count : 0.0;
}

#ifdef OUT1_MAX
/*
 * A layer of one sigmoid output on h <= OUT1_MAX inputs a, every step of
 * it in two passes over the samples (the forward, then the rest), with
 * the weight-gradient sums in registers: p = sigma(w a + b), the loss, the
 * output delta g = p (1 - p) dJ/dp, dw = sum_s g a / n, db = sum_s g / n,
 * and din = w g f'(a) for the layer below (din NULL: none).  Each value is
 * computed as the separate kernels compute it (dense_forward with the
 * sigmoid pass, loss_delta's loss_vec, dense_backward_params,
 * dense_backward_input with f's epilogue), so the results are theirs bit for bit (a NaN may come
 * out with another sign: the compiler orders a multiply-add's operands as
 * it likes); only the passes over memory and the waits between them are
 * saved.  The seed's
 * output layer took five kernels and a sixth of an epoch.
 */
static ALWAYS_INLINE TARGET double SFN(output1_h)(
    const int H, bp_loss loss, bp_activation f, RT *p, RT *delta, RT *dw,
    RT *db, RT *din, const RT *a, const RT *w, const RT *b, const RT *y,
    size_t n)
{
    if (n == 0)
        return 0.0;
    VT accw[OUT1_MAX], accb = V_ZERO();
    LT accl = L_ZERO();
#pragma GCC unroll 16
    for (int k = 0; k < OUT1_MAX; k++)
        if (k < H)
            accw[k] = V_ZERO();
    /* Two loops, each over all the samples: one vector's whole chain
     * (products, exponential, division, logarithm, division) is too long
     * for the core to overlap the next vectors' (measured: slower than the
     * separate kernels), half of it is not. */
    for (size_t s = 0, v = 0; s < n; s += VL, v++) {
        const int tail = n - s < VL;
        const MT m = tail ? V_MASK(n - s) : V_MASK(0);
        VT z = b ? V_SET1(b[0]) : V_ZERO();
#pragma GCC unroll 16
        for (int k = 0; k < OUT1_MAX; k++)
            if (k < H) {
                const RT *ak = a + (size_t)k * n + s;
                z = V_FMA(V_SET1(w[k]), tail ? V_LOADM(ak, m) : V_LOAD(ak), z);
            }
        /* the sigmoid pass's pattern of divider and reciprocal (the same
         * bits either way) */
        VT pv = v % 3 == 1 ? SFN(sigmoid_fma)(z) : SFN(sigmoid)(z);
        if (tail)
            V_STOREM(p + s, m, pv);
        else
            V_STORE(p + s, pv);
    }
    for (size_t s = 0; s < n; s += VL) {
        const int tail = n - s < VL;
        const MT m = tail ? V_MASK(n - s) : V_MASK(0);
        VT g = SFN(loss_vec)(loss, &accl, delta + s, p + s, y + s, 1, 1, tail,
                             m);
        if (tail)
            g = V_AND_MT(g, m);     /* the lanes past n add nothing */
        accb = V_ADD(accb, g);
#pragma GCC unroll 16
        for (int k = 0; k < OUT1_MAX; k++)
            if (k < H) {
                const RT *ak = a + (size_t)k * n + s;
                VT x = tail ? V_LOADM(ak, m) : V_LOAD(ak);
                accw[k] = V_FMA(g, x, accw[k]);
                if (din) {
                    VT r = SFN(act_grad)(f, V_FMA(V_SET1(w[k]), g, V_ZERO()),
                                         x);
                    RT *o = din + (size_t)k * n + s;
                    if (tail)
                        V_STOREM(o, m, r);
                    else
                        V_STORE(o, r);
                }
            }
    }
    SFN(reduce_sums)(dw, accw, (size_t)H, n);
    if (db)
        SFN(reduce_sums)(db, &accb, 1, n);
    return L_REDUCE(accl) / (double)n;
}

static TARGET double SFN(output1_small)(bp_loss loss, bp_activation f, RT *p,
                                  RT *delta, RT *dw, RT *db, RT *din,
                                  const RT *a, const RT *w, const RT *b,
                                  const RT *y, size_t h, size_t n)
{
    switch (h) {
#define O1_CASE(c)                                                           \
    case c:                                                                  \
        return SFN(output1_h)(c, loss, f, p, delta, dw, db, din, a, w, b, y, \
                              n);
        O1_CASE(1) O1_CASE(2) O1_CASE(3) O1_CASE(4) O1_CASE(5) O1_CASE(6)
        O1_CASE(7) O1_CASE(8) O1_CASE(9) O1_CASE(10) O1_CASE(11) O1_CASE(12)
#if OUT1_MAX >= 16
        O1_CASE(13) O1_CASE(14) O1_CASE(15) O1_CASE(16)
#endif
#undef O1_CASE
    }
    return 0;
}
#endif

static TARGET void K_vexp(RT *out, const RT *x, size_t count)
{
    size_t k = 0;
    for (; k + VL <= count; k += VL)
        V_STORE(out + k, V_EXP(V_LOAD(x + k)));
    if (k < count) {
        MT m = V_MASK(count - k);
        V_STOREM(out + k, m, V_EXP(V_LOADM(x + k, m)));
    }
}

static TARGET void K_vlog(RT *out, const RT *x, size_t count)
{
    size_t k = 0;
    for (; k + VL <= count; k += VL)
        V_STORE(out + k, V_LOG(V_LOAD(x + k)));
    if (k < count) {
        MT m = V_MASK(count - k);
        V_STOREM(out + k, m, V_LOG(V_LOADM(x + k, m)));
    }
}

static TARGET void K_vsigmoid(RT *out, const RT *x, size_t count)
{
    size_t k = 0;
    for (; k + VL <= count; k += VL)
        V_STORE(out + k, SFN(sigmoid)(V_LOAD(x + k)));
    if (k < count) {
        MT m = V_MASK(count - k);
        V_STOREM(out + k, m, SFN(sigmoid)(V_LOADM(x + k, m)));
    }
}

/* ----------------------------------------- the table's remaining kernels */

static TARGET void K_dense_forward(RT *out, const RT *in, const RT *w,
                                   const RT *b, size_t n_out, size_t n_in,
                                   size_t n)
{
    SFN(dense_forward_any)(out, in, w, b, BP_ACT_NONE, n_out, n_in, n);
}

static TARGET void K_dense_forward_act(bp_activation f, RT *out,
                                       const RT *in, const RT *w,
                                       const RT *b, size_t n_out,
                                       size_t n_in, size_t n)
{
    SFN(dense_forward_any)(out, in, w, b, f, n_out, n_in, n);
}

static TARGET void K_dense_backward_input(RT *din, const RT *w,
                                          const RT *delta, size_t n_out,
                                          size_t n_in, size_t n)
{
    SFN(dense_backward_input_any)(din, w, delta, NULL, BP_ACT_NONE, n_out,
                                  n_in, n);
}

static TARGET void K_dense_backward_input_act(bp_activation f, RT *din,
                                              const RT *w, const RT *delta,
                                              const RT *a, size_t n_out,
                                              size_t n_in, size_t n)
{
    SFN(dense_backward_input_any)(din, w, delta, a, f, n_out, n_in, n);
}

static TARGET double K_loss_value(bp_loss loss, const RT *p, const RT *y,
                                  size_t count)
{
    return SFN(loss_delta)(loss, NULL, p, y, count, 1, 1);
}

static TARGET void K_output_delta(bp_loss loss, RT *delta, const RT *p,
                                  const RT *y, size_t count, size_t n_out)
{
    SFN(loss_delta)(loss, delta, p, y, count, n_out, 0);
}

static TARGET double K_loss_output_delta(bp_loss loss, RT *delta,
                                         const RT *p, const RT *y,
                                         size_t count, size_t n_out)
{
    return SFN(loss_delta)(loss, delta, p, y, count, n_out, 1);
}

#ifdef PK_T
#undef PK_P
#endif
#undef K_dense_forward
#undef K_dense_forward_act
#undef K_activation_forward
#undef K_activation_backward
#undef K_dense_backward_params
#undef K_dense_backward_input
#undef K_dense_backward_input_act
#undef K_loss_value
#undef K_output_delta
#undef K_loss_output_delta
#undef K_vexp
#undef K_vlog
#undef K_vsigmoid
#undef K_bias_grad
#undef ALWAYS_INLINE
#undef TJ_ARRAY
#undef MV_S
#undef IN_REGISTER
#undef EPI_NONE
#undef EPI_GRAD
#undef EPI_ACT
