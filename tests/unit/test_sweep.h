/*
 * test_sweep.h - the exp and log sweeps' checks, written once and included
 * by test_kernels.c per real type with these defined:
 *
 *   RT          double or float
 *   REF         the reference's type: long double for double (expl, logl),
 *               double for float (libm's exp and log)
 *   TS(name)    name##_f64 or name##_f32
 *   T_EXP(isa, y, x, n), T_LOG(isa, y, x, n): the kernels under test
 *   R_EXP(x), R_LOG(x): the reference
 *   MANT        significant bits of RT (53, 24)
 *   TINY        the smallest subnormal RT, as a REF
 *   BIG         the largest finite RT
 *   NAME_EXP, NAME_LOG: "exp", "expf" ... in messages
 *   DIGITS      printf precision of RT ("17", "9")
 *
 * and undefines them at its end, ready for the next type.
 */

/* Distance in ulps of RT from the exact r; the ulp of a subnormal or zero
 * result is the smallest subnormal. */
static double TS(ulps)(RT got, REF r)
{
    if (isnan(got) || isnan((double)r))
        return isnan(got) && isnan((double)r) ? 0 : INFINITY;
    RT rr = (RT)r;
    if (isinf(rr) || isinf(got))
        return rr == got ? 0 : INFINITY;
    int e;
    frexpl(fabsl((long double)r), &e);
    long double u = ldexpl(1.0L, e - MANT);
    if (u < (long double)TINY)
        u = (long double)TINY;
    return (double)(fabsl((long double)got - (long double)r) / u);
}

/* The largest error in ulps of the vector exp (or log) over xs. */
static double TS(worst_ulps)(bp_isa isa, int is_log, const RT *xs,
                             size_t count, RT *at)
{
    RT *ys = malloc(count * sizeof *ys);
    assert_non_null(ys);
    if (is_log)
        T_LOG(isa, ys, xs, count);
    else
        T_EXP(isa, ys, xs, count);
    double worst = 0;
    for (size_t k = 0; k < count; k++) {
        REF r = is_log ? R_LOG((REF)xs[k]) : R_EXP((REF)xs[k]);
        /* 0, Inf and NaN must match the correctly rounded result */
        double e = TS(ulps)(ys[k], r);
        if (!(e <= worst)) {
            worst = e;
            *at = xs[k];
        }
    }
    free(ys);
    return worst;
}

/* For every instruction set this CPU runs (libm's too, printed only): the
 * worst error over xs[0..m) within bound ulps, and the special values. */
static void TS(check_sweep)(int is_log, const RT *xs, size_t m, double bound)
{
    const bp_isa isas[3] = {BP_ISA_NAIVE, BP_ISA_AVX2, BP_ISA_AVX512};
    const char *name = is_log ? NAME_LOG : NAME_EXP;
    for (int t = 0; t < 3; t++) {
        if (!bp_isa_supported(isas[t]))
            continue;
        RT at = 0;
        double w = TS(worst_ulps)(isas[t], is_log, xs, m, &at);
        print_message("%s %s: max error %.3f ulp (at %." DIGITS "g) over %zu "
                      "points\n", name, bp_isa_name(isas[t]), w, (double)at, m);
        if (isas[t] != BP_ISA_NAIVE && !(w <= bound))
            fail_msg("%s %s: %.3f ulp at %." DIGITS "g", name,
                     bp_isa_name(isas[t]), w, (double)at);
        if (!is_log) {
            RT sx[4] = {NAN, INFINITY, -INFINITY, -NAN}, sy[4];
            T_EXP(isas[t], sy, sx, 4);
            assert_true(isnan(sy[0]));
            assert_true(sy[1] == INFINITY);
            assert_true(sy[2] == 0 && !signbit(sy[2]));
            assert_true(isnan(sy[3]));
        } else {
            RT sx[8] = {0, -(RT)0, -1, -(RT)TINY, INFINITY, -INFINITY, NAN,
                        -BIG};
            RT sy[8];
            T_LOG(isas[t], sy, sx, 8);
            assert_true(sy[0] == -INFINITY);
            assert_true(sy[1] == -INFINITY);
            assert_true(isnan(sy[2]));
            assert_true(isnan(sy[3]));
            assert_true(sy[4] == INFINITY);
            assert_true(isnan(sy[5]));
            assert_true(isnan(sy[6]));
            assert_true(isnan(sy[7]));
        }
    }
}

#undef RT
#undef REF
#undef TS
#undef T_EXP
#undef T_LOG
#undef R_EXP
#undef R_LOG
#undef MANT
#undef TINY
#undef BIG
#undef NAME_EXP
#undef NAME_LOG
#undef DIGITS
