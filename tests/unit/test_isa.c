/* test_isa.c - the trainer's instruction set (bp_train_opts.isa): each set
 * trains the same network to the same loss up to rounding, repeats bit for
 * bit, auto is the widest set exactly, and a set the CPU lacks (or no set)
 * is refused. */
#include <string.h>

#include "test_util.h"
#include "backprop.h"
#include "train/hooks.h"

typedef struct {
    const char *name;
    bp_dtype dtype;
    size_t batch;
    int threads;
    bp_optimizer opt;
    double lr;
    size_t hidden;
    int epochs;
    double tol;         /* relative, of the final loss between sets */
} setup;

static const setup setups[] = {
    /* the seed's network and training, full batch */
    {"seed f64", BP_F64, 0, 1, BP_OPT_MOMENTUM, 0.1, 10, 500, 1e-12},
    /* mini-batches of Adam on two threads, a wider net */
    {"adam f64 x2", BP_F64, 16, 2, BP_OPT_ADAM, 0.01, 24, 40, 1e-12},
    /* float: the vector kernels round differently (float epsilon) */
    {"seed f32", BP_F32, 0, 1, BP_OPT_MOMENTUM, 0.1, 10, 500, 1e-4},
    {"adam f32 x2", BP_F32, 16, 2, BP_OPT_ADAM, 0.01, 24, 40, 1e-4},
};

/* Trains s with isa from the same start; the final loss, and the weights
 * into params (n_params). */
static double train(const setup *s, bp_isa isa, double *params, size_t *n)
{
    bp_dataset *ds = bp_data_linear(200, 1, 1, NULL);
    assert_non_null(ds);
    bp_arch a = {.n_layers = 3, .sizes = {2, s->hidden, s->hidden, 1},
                 .hidden = BP_ACT_SIGMOID, .bias = 1, .loss = BP_LOSS_BCE};
    bp_net *net = bp_net_new(&a, NULL);
    assert_non_null(net);
    assert_int_equal(bp_net_init(net, BP_INIT_NUMPY, 1, NULL), BP_OK);
    bp_train_opts o = bp_train_opts_default();
    o.optimizer = s->opt;
    o.lr = s->lr;
    o.dtype = s->dtype;
    o.batch = s->batch;
    o.threads = s->threads;
    o.shuffle_seed = 5;
    o.isa = isa;
    bp_error err;
    bp_trainer *tr = bp_trainer_new(net, ds, &o, &err);
    if (!tr)
        fail_msg("%s %s: %s", s->name, bp_isa_name(isa), err.msg);
    double loss = 0;
    for (int e = 0; e < s->epochs; e++)
        assert_int_equal(bp_trainer_epoch(tr, &loss, &err), BP_OK);
    *n = bp_net_param_count(net);
    memcpy(params, bp_net_params(net), *n * sizeof *params);
    bp_trainer_free(tr);
    bp_net_free(net);
    bp_dataset_free(ds);
    return loss;
}

static void test_sets_agree_and_repeat(void **state)
{
    (void)state;
    static double p[2][2048], q[2048];
    size_t n, m;
    const bp_isa sets[] = {BP_ISA_NAIVE, BP_ISA_AVX2, BP_ISA_AVX512};
    for (size_t k = 0; k < sizeof setups / sizeof setups[0]; k++) {
        const setup *s = &setups[k];
        double ref = train(s, BP_ISA_NAIVE, p[0], &n);
        int differs = 0;
        for (size_t i = 0; i < 3; i++) {
            if (!bp_isa_supported(sets[i]))
                continue;
            double l1 = train(s, sets[i], p[0], &n);
            double l2 = train(s, sets[i], p[1], &m);
            /* deterministic: the same weights, bit for bit */
            assert_int_equal(n, m);
            if (memcmp(p[0], p[1], n * sizeof p[0][0]) != 0 ||
                memcmp(&l1, &l2, sizeof l1) != 0)
                fail_msg("%s %s: two runs differ", s->name,
                         bp_isa_name(sets[i]));
            if (!(fabs(l1 - ref) <= s->tol * fabs(ref)))
                fail_msg("%s %s: loss %.17g, naive's %.17g (rel %g)", s->name,
                         bp_isa_name(sets[i]), l1, ref,
                         fabs(l1 - ref) / fabs(ref));
            differs |= i > 0 && memcmp(&l1, &ref, sizeof l1) != 0;
            /* auto is the widest set, exactly */
            if (sets[i] == bp_isa_best()) {
                double la = train(s, BP_ISA_AUTO, q, &m);
                if (memcmp(&la, &l1, sizeof la) != 0 ||
                    memcmp(q, p[0], n * sizeof q[0]) != 0)
                    fail_msg("%s: auto differs from %s", s->name,
                             bp_isa_name(sets[i]));
            }
        }
        /* the float vector kernels do not round as the naive ones: the
         * choice reaches the kernels (a vector set on this CPU) */
        if (s->dtype == BP_F32 && bp_isa_best() != BP_ISA_NAIVE && !differs)
            fail_msg("%s: every set gave naive's bits: is --isa ignored?",
                     s->name);
    }
}

static void test_refused(void **state)
{
    (void)state;
    bp_dataset *ds = bp_data_xor(NULL);
    bp_arch a = {.n_layers = 2, .sizes = {2, 4, 1}, .hidden = BP_ACT_TANH,
                 .bias = 1, .loss = BP_LOSS_BCE};
    bp_net *net = bp_net_new(&a, NULL);
    assert_non_null(ds);
    assert_non_null(net);
    bp_net_init(net, BP_INIT_XAVIER, 1, NULL);
    bp_train_opts o = bp_train_opts_default();
    bp_error err = {0};

    o.isa = BP_ISA_COUNT;               /* not a set */
    assert_null(bp_trainer_new(net, ds, &o, &err));
    assert_int_equal(err.code, BP_EINVAL);
    assert_string_equal(err.msg, "unknown instruction set 4");

    /* a CPU without AVX-512 (as the hook makes this one look) */
    bp_hook_isa_lacks = 1 << BP_ISA_AVX512;
    assert_false(bp_isa_supported(BP_ISA_AVX512));
    assert_int_not_equal(bp_isa_best(), BP_ISA_AVX512);
    o.isa = BP_ISA_AVX512;
    err.code = BP_OK;
    assert_null(bp_trainer_new(net, ds, &o, &err));
    assert_int_equal(err.code, BP_EINVAL);
    if (!strstr(err.msg, "this CPU does not run the avx512 kernels"))
        fail_msg("message: %s", err.msg);
    /* naive and auto always run */
    assert_true(bp_isa_supported(BP_ISA_NAIVE));
    assert_true(bp_isa_supported(BP_ISA_AUTO));
    for (bp_isa i = BP_ISA_AUTO; i <= BP_ISA_NAIVE; i++) {
        o.isa = i;
        bp_trainer *tr = bp_trainer_new(net, ds, &o, &err);
        assert_non_null(tr);
        bp_trainer_free(tr);
    }
    bp_hook_isa_lacks = 0;
    bp_net_free(net);
    bp_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sets_agree_and_repeat),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
