/* test_isa.c - the trainer's instruction set (bp_train_opts.isa): each set
 * trains the same network to the same loss up to rounding, repeats bit for
 * bit, auto is the widest set exactly, and a set the CPU lacks (or no set)
 * is refused.  The tables of kernels (kernels.h) are whole for every set
 * this CPU runs, and the evaluation functions that take a set
 * (bp_predict_with, ...) run it: naive's predictions are the naive kernels'
 * bits, computed here by hand, and a set the CPU lacks is refused. */
#include <string.h>

#include "test_util.h"
#include "backprop.h"
#include "nn/kernels.h"
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

/* Every entry of a table, by name (kernels.h's BP_KERNEL_TABLE_ENTRIES). */
#define CHECK_ENTRY(k, e)                                                    \
    do {                                                                     \
        if (!(k)->e)                                                         \
            fail_msg("%s table: %s is NULL", bp_isa_name(isa), #e);          \
    } while (0)
#define CHECK_COMMON(k)                                                      \
    do {                                                                     \
        CHECK_ENTRY(k, dense_forward);                                       \
        CHECK_ENTRY(k, dense_forward_act);                                   \
        CHECK_ENTRY(k, activation_forward);                                  \
        CHECK_ENTRY(k, activation_backward);                                 \
        CHECK_ENTRY(k, dense_backward_params);                               \
        CHECK_ENTRY(k, dense_backward_input);                                \
        CHECK_ENTRY(k, dense_backward_input_act);                            \
        CHECK_ENTRY(k, loss_value);                                          \
        CHECK_ENTRY(k, output_delta);                                        \
        CHECK_ENTRY(k, loss_output_delta);                                   \
        CHECK_ENTRY(k, vexp);                                                \
        CHECK_ENTRY(k, vlog);                                                \
        CHECK_ENTRY(k, vsigmoid);                                            \
    } while (0)

static void test_tables(void **state)
{
    (void)state;
    const bp_kernels_f64 *seen64[BP_ISA_COUNT] = {0};
    const bp_kernels_f32 *seen32[BP_ISA_COUNT] = {0};
    for (bp_isa isa = BP_ISA_NAIVE; isa < BP_ISA_COUNT; isa++) {
        if (!bp_isa_supported(isa))
            continue;
        const bp_kernels_f64 *k = kernels_f64(isa);
        const bp_kernels_f32 *kf = kernels_f32(isa);
        assert_non_null(k);
        assert_non_null(kf);
        assert_int_equal(k->isa, isa);
        assert_int_equal(kf->isa, isa);
        CHECK_COMMON(k);
        CHECK_ENTRY(k, output1);
        CHECK_COMMON(kf);
        CHECK_ENTRY(kf, bias_grad);
        /* one table per set */
        for (bp_isa j = BP_ISA_NAIVE; j < isa; j++)
            if (seen64[j] == k || seen32[j] == kf)
                fail_msg("%s shares %s's table", bp_isa_name(isa),
                         bp_isa_name(j));
        seen64[isa] = k;
        seen32[isa] = kf;
    }
    /* auto (unresolved) and no set take the naive table, as the _fast
     * wrappers always did */
    assert_ptr_equal(kernels_f64(BP_ISA_NAIVE), &bp_kernels_naive_f64);
    assert_ptr_equal(kernels_f32(BP_ISA_NAIVE), &bp_kernels_naive_f32);
    assert_ptr_equal(kernels_f64(BP_ISA_AUTO), &bp_kernels_naive_f64);
    assert_ptr_equal(kernels_f32(BP_ISA_COUNT), &bp_kernels_naive_f32);
}

enum { EN = 300, EH = 16 };

/* A 2-16-16-1 net (tanh, sigmoid output) and the linear set. */
static bp_net *eval_net(bp_dataset **ds)
{
    *ds = bp_data_linear(EN, 3, 1, NULL);
    assert_non_null(*ds);
    bp_arch a = {.n_layers = 3, .sizes = {2, EH, EH, 1},
                 .hidden = BP_ACT_TANH, .bias = 1, .loss = BP_LOSS_BCE};
    bp_net *net = bp_net_new(&a, NULL);
    assert_non_null(net);
    assert_int_equal(bp_net_init(net, BP_INIT_XAVIER, 7, NULL), BP_OK);
    return net;
}

/* The net's outputs by the naive kernels, called here one layer at a time:
 * plain C and libm, so the same bits on every machine. */
static void by_hand(bp_net *net, const bp_dataset *ds, double *out)
{
    static double act[2][EH * EN];
    const bp_arch *a = bp_net_arch(net);
    for (size_t s = 0; s < ds->n; s++)
        for (size_t i = 0; i < 2; i++)
            act[0][i * ds->n + s] = ds->x[s * 2 + i];
    int cur = 0;
    for (int l = 0; l < a->n_layers; l++) {
        size_t n_in = a->sizes[l], n_out = a->sizes[l + 1];
        dense_forward_f64(act[!cur], act[cur], bp_net_weight(net, l),
                          bp_net_bias(net, l), n_out, n_in, ds->n);
        activation_forward_f64(l + 1 < a->n_layers ? a->hidden
                                                   : BP_ACT_SIGMOID,
                               act[!cur], n_out * ds->n);
        cur = !cur;
    }
    memcpy(out, act[cur], ds->n * sizeof *out);
}

static void test_evaluation_takes_the_set(void **state)
{
    (void)state;
    bp_dataset *ds;
    bp_net *net = eval_net(&ds);
    static double ref[EN], p[EN], q[EN], g[2][1024];
    bp_error err;
    by_hand(net, ds, ref);

    /* naive: the naive kernels' bits, call after call */
    for (int rep = 0; rep < 2; rep++) {
        assert_int_equal(bp_predict_with(net, (bp_eval_opts){.isa = BP_ISA_NAIVE}, ds->x, ds->n, p,
                                         &err), BP_OK);
        if (memcmp(p, ref, sizeof ref) != 0)
            fail_msg("naive predictions are not the naive kernels' bits");
    }
    assert_int_equal(bp_model_predict_with(net, NULL, (bp_eval_opts){.isa = BP_ISA_NAIVE}, ds->x,
                                           ds->n, q, &err), BP_OK);
    assert_memory_equal(q, ref, sizeof ref);
    double loss, acc, loss2, acc2;
    assert_int_equal(bp_evaluate_with(net, (bp_eval_opts){.isa = BP_ISA_NAIVE}, ds, &loss, &acc,
                                      &err), BP_OK);
    double want = bp_loss_value(BP_LOSS_BCE, ref, ds->y, 1, ds->n);
    assert_memory_equal(&loss, &want, sizeof loss);

    /* auto is the widest set, and what bp_predict / bp_evaluate run */
    const bp_isa best = bp_isa_best();
    assert_int_equal(bp_predict_with(net, (bp_eval_opts){.isa = best}, ds->x, ds->n, p, &err), BP_OK);
    assert_int_equal(bp_predict(net, ds->x, ds->n, q, &err), BP_OK);
    assert_memory_equal(p, q, sizeof p);
    assert_int_equal(bp_predict_with(net, (bp_eval_opts){.isa = BP_ISA_AUTO}, ds->x, ds->n, q, &err),
                     BP_OK);
    assert_memory_equal(p, q, sizeof p);
    assert_int_equal(bp_evaluate(net, ds, &loss2, &acc2, &err), BP_OK);
    double lb;
    assert_int_equal(bp_evaluate_with(net, (bp_eval_opts){.isa = best}, ds, &lb, NULL, &err), BP_OK);
    assert_memory_equal(&lb, &loss2, sizeof lb);

    /* a vector set rounds differently (fused multiply-adds), by a few ulp */
    if (best != BP_ISA_NAIVE) {
        int differs = 0;
        for (size_t s = 0; s < ds->n; s++) {
            differs |= p[s] != ref[s];
            if (!(fabs(p[s] - ref[s]) <= 1e-13))
                fail_msg("%s prediction %zu: %.17g, naive %.17g",
                         bp_isa_name(best), s, p[s], ref[s]);
        }
        if (!differs)
            fail_msg("%s gave naive's bits: is the set ignored?",
                     bp_isa_name(best));
    }

    /* the gradient and the check take it too */
    size_t P = bp_net_param_count(net);
    assert_true(P <= 1024);
    assert_int_equal(bp_gradient_with(net, BP_ISA_NAIVE, ds, g[0], NULL,
                                      &err), BP_OK);
    assert_int_equal(bp_gradient_with(net, BP_ISA_NAIVE, ds, g[1], NULL,
                                      &err), BP_OK);
    assert_memory_equal(g[0], g[1], P * sizeof g[0][0]);
    assert_int_equal(bp_gradient_with(net, best, ds, g[1], NULL, &err), BP_OK);
    for (size_t k = 0; k < P; k++)
        if (!(fabs(g[0][k] - g[1][k]) <= 1e-12))
            fail_msg("gradient %zu: %s %.17g, naive %.17g", k,
                     bp_isa_name(best), g[1][k], g[0][k]);
    double worst;
    assert_int_equal(bp_gradcheck_with(net, BP_ISA_NAIVE, ds, 1e-5, &worst,
                                       NULL, &err), BP_OK);
    assert_true(worst < 1e-6);
    bp_net_free(net);
    bp_dataset_free(ds);
}

static void test_evaluation_refuses(void **state)
{
    (void)state;
    bp_dataset *ds;
    bp_net *net = eval_net(&ds);
    static double p[EN], g[1024];
    double v;
    bp_error err;
    for (int lack = 0; lack < 2; lack++) {
        /* lack 0: no set; 1: a CPU without AVX-512 (the hook) */
        bp_isa isa = lack ? BP_ISA_AVX512 : BP_ISA_COUNT;
        const char *msg = lack ? "this CPU does not run the avx512 kernels"
                               : "unknown instruction set 4";
        bp_hook_isa_lacks = lack ? 1 << BP_ISA_AVX512 : 0;
        bp_status st[5] = {
            bp_predict_with(net, (bp_eval_opts){.isa = isa}, ds->x, ds->n, p, &err),
            BP_OK, BP_OK, BP_OK, BP_OK};
        if (!strstr(err.msg, msg))
            fail_msg("predict: %s", err.msg);
        st[1] = bp_evaluate_with(net, (bp_eval_opts){.isa = isa}, ds, &v, &v, &err);
        if (!strstr(err.msg, msg))
            fail_msg("evaluate: %s", err.msg);
        st[2] = bp_gradient_with(net, isa, ds, g, &v, &err);
        if (!strstr(err.msg, msg))
            fail_msg("gradient: %s", err.msg);
        st[3] = bp_gradcheck_with(net, isa, ds, 1e-5, &v, &v, &err);
        if (!strstr(err.msg, msg))
            fail_msg("gradcheck: %s", err.msg);
        st[4] = bp_model_predict_with(net, NULL, (bp_eval_opts){.isa = isa}, ds->x, ds->n, p, &err);
        if (!strstr(err.msg, msg))
            fail_msg("model_predict: %s", err.msg);
        for (int k = 0; k < 5; k++)
            assert_int_equal(st[k], BP_EINVAL);
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
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_evaluation_takes_the_set),
        cmocka_unit_test(test_evaluation_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
