/* test_core.c - the network, its gradients, optimizers and generators,
 * against values worked out independently. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "backprop.h"
#include "numpy_vectors.h"

/* The 2-2-1 network used by the hand-worked tests:
 *   W1 = [[1, -1], [0.5, 2]], b1 = [0.25, -0.5], W2 = [[1, -2]], b2 = [0.1]
 * on one sample x = (1, 2) with target y = 1. */
static bp_net *tiny_net(void)
{
    bp_arch a = {.n_layers = 2, .sizes = {2, 2, 1}, .hidden = BP_ACT_SIGMOID,
                 .bias = 1, .loss = BP_LOSS_BCE};
    bp_net *net = bp_net_new(&a, NULL);
    assert_non_null(net);
    static const double p[] = {1, -1, 0.5, 2, 0.25, -0.5, 1, -2, 0.1};
    assert_int_equal(bp_net_param_count(net), 9);
    memcpy(bp_net_params(net), p, sizeof p);
    return net;
}

static bp_dataset *tiny_data(void)
{
    bp_dataset *ds = bp_dataset_new(1, 2, 1, NULL);
    assert_non_null(ds);
    ds->x[0] = 1;
    ds->x[1] = 2;
    ds->y[0] = 1;
    return ds;
}

/* By hand: z1 = (1 - 2 + 0.25, 0.5 + 4 - 0.5) = (-0.75, 4);
 * a1 = sigma(z1) = (0.320821300824607, 0.9820137900379085);
 * z2 = a1[0] - 2 a1[1] + 0.1 = -1.5432062792512098;
 * p = sigma(z2) = 0.17606965942891561;
 * L = -log(p + 1e-4) = 1.736307774240645. */
static void test_forward_by_hand(void **state)
{
    (void)state;
    bp_net *net = tiny_net();
    bp_dataset *ds = tiny_data();
    double p, loss, acc;
    assert_int_equal(bp_predict(net, ds->x, 1, &p, NULL), BP_OK);
    assert_close(p, 0.17606965942891561, 1e-15);
    assert_int_equal(bp_evaluate(net, ds, &loss, &acc, NULL), BP_OK);
    assert_close(loss, 1.736307774240645, 1e-15);
    assert_true(acc == 0.0);         /* p < 0.5 but y = 1 */
    bp_dataset_free(ds);
    bp_net_free(net);
}

/* By the chain rule, one factor at a time:
 * dJ/dp = -(y/(p+eps) - (1-y)/(1-p+eps)), dJ/dz2 = p(1-p) dJ/dp,
 * dW2 = dJ/dz2 a1, db2 = dJ/dz2, dJ/dz1 = W2^T dJ/dz2 * a1(1-a1),
 * dW1 = dJ/dz1 x^T, db1 = dJ/dz1. */
static void test_gradient_by_hand(void **state)
{
    (void)state;
    bp_net *net = tiny_net();
    bp_dataset *ds = tiny_data();
    static const double expect[9] = {
        -0.17942838880496081, -0.35885677760992163,       /* dW1 row 0 */
        0.02908915769997459, 0.05817831539994918,         /* dW1 row 1 */
        -0.17942838880496081, 0.02908915769997459,        /* db1 */
        -0.2641843582886346, -0.8086516770704906,         /* dW2 */
        -0.823462649174483};                              /* db2 */
    double grad[9], loss;
    assert_int_equal(bp_gradient(net, ds, grad, &loss, NULL), BP_OK);
    for (int k = 0; k < 9; k++)
        assert_close(grad[k], expect[k], 1e-14);
    bp_dataset_free(ds);
    bp_net_free(net);
}

/* Gradients average over samples: two copies of one sample give the same
 * gradient as the sample alone. */
static void test_gradient_is_mean(void **state)
{
    (void)state;
    bp_net *net = tiny_net();
    bp_dataset *one = tiny_data(), *two = bp_dataset_new(2, 2, 1, NULL);
    for (int s = 0; s < 2; s++) {
        two->x[2 * s] = 1;
        two->x[2 * s + 1] = 2;
        two->y[s] = 1;
    }
    double g1[9], g2[9];
    assert_int_equal(bp_gradient(net, one, g1, NULL, NULL), BP_OK);
    assert_int_equal(bp_gradient(net, two, g2, NULL, NULL), BP_OK);
    for (int k = 0; k < 9; k++)
        assert_close(g2[k], g1[k], 1e-15);
    bp_dataset_free(one);
    bp_dataset_free(two);
    bp_net_free(net);
}

/* Every activation x loss x bias against central differences. */
static void test_gradcheck_all(void **state)
{
    (void)state;
    bp_dataset *ds = bp_data_xor(NULL);
    assert_non_null(ds);
    for (int act = BP_ACT_SIGMOID; act <= BP_ACT_NONE; act++)
        for (int loss = BP_LOSS_BCE; loss <= BP_LOSS_MSE; loss++)
            for (int bias = 0; bias <= 1; bias++) {
                bp_arch a = {.n_layers = 3, .sizes = {2, 5, 4, 1},
                             .hidden = (bp_activation)act, .bias = bias,
                             .loss = (bp_loss)loss};
                bp_net *net = bp_net_new(&a, NULL);
                assert_non_null(net);
                assert_int_equal(bp_net_init(net, BP_INIT_XAVIER, 7, NULL),
                                 BP_OK);
                /* Zero biases put ReLU units exactly on their kink at the
                 * XOR point (0, 0), where no derivative exists; nonzero
                 * biases move every unit off it. */
                for (int l = 0; bias && l < a.n_layers; l++)
                    for (size_t j = 0; j < a.sizes[l + 1]; j++)
                        bp_net_bias(net, l)[j] = 0.1 * (double)(j + 1);
                double worst, biggest;
                assert_int_equal(bp_gradcheck(net, ds, 1e-5, &worst, &biggest,
                                              NULL), BP_OK);
                if (!(worst < 1e-6) || !(biggest > 1e-3))
                    fail_msg("%s/%s/bias %d: max rel err %g, max |g| %g",
                             bp_activation_name(a.hidden),
                             bp_loss_name(a.loss), bias, worst, biggest);
                bp_net_free(net);
            }
    bp_dataset_free(ds);
}

/* Softmax with cross-entropy (3 classes) and a linear output with MSE
 * against central differences, for every hidden activation. */
static void test_gradcheck_outputs(void **state)
{
    (void)state;
    bp_rng rng;
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, 9);
    bp_dataset *cls = bp_dataset_new(30, 2, 3, NULL);
    bp_dataset *reg = bp_dataset_new(30, 2, 1, NULL);
    for (size_t s = 0; s < 30; s++) {
        double x = bp_rng_uniform(&rng), y = bp_rng_uniform(&rng);
        cls->x[2 * s] = reg->x[2 * s] = x;
        cls->x[2 * s + 1] = reg->x[2 * s + 1] = y;
        for (int k = 0; k < 3; k++)
            cls->y[3 * s + k] = k == (int)(s % 3);
        reg->y[s] = 3 * x - 2 * y + 0.5;
    }
    for (int act = BP_ACT_SIGMOID; act <= BP_ACT_NONE; act++)
        for (int kind = 0; kind < 2; kind++) {
            bp_arch a = {.n_layers = 2, .sizes = {2, 5, kind ? 1 : 3},
                         .hidden = (bp_activation)act, .bias = 1,
                         .loss = kind ? BP_LOSS_MSE : BP_LOSS_CE,
                         .output = kind ? BP_OUT_LINEAR : BP_OUT_SOFTMAX};
            bp_net *net = bp_net_new(&a, NULL);
            assert_non_null(net);
            bp_net_init(net, BP_INIT_XAVIER, 4, NULL);
            for (int l = 0; l < 2; l++)
                for (size_t j = 0; j < a.sizes[l + 1]; j++)
                    bp_net_bias(net, l)[j] = 0.1 * (double)(j + 1);
            double worst, biggest;
            assert_int_equal(bp_gradcheck(net, kind ? reg : cls, 1e-5, &worst,
                                          &biggest, NULL), BP_OK);
            if (!(worst < 1e-6) || !(biggest > 1e-3))
                fail_msg("%s/%s: max rel err %g, max |g| %g",
                         bp_activation_name(a.hidden),
                         bp_output_name(a.output), worst, biggest);
            bp_net_free(net);
        }
    /* softmax outputs are a distribution; its loss by hand for one case */
    bp_arch a = {.n_layers = 1, .sizes = {2, 3}, .bias = 0,
                 .loss = BP_LOSS_CE, .output = BP_OUT_SOFTMAX};
    bp_net *net = bp_net_new(&a, NULL);
    double *w = bp_net_params(net);   /* z = (x0, x1, 0) */
    w[0] = 1;
    w[3] = 1;
    double x[2] = {1, 2}, p[3];
    bp_predict(net, x, 1, p, NULL);
    double sum = exp(1) + exp(2) + 1;
    assert_close(p[0], exp(1) / sum, 1e-15);
    assert_close(p[1], exp(2) / sum, 1e-15);
    assert_close(p[2], 1 / sum, 1e-15);
    double y[3] = {0, 1, 0};
    assert_close(bp_loss_value(BP_LOSS_CE, p, y, 3, 1), log(sum) - 2, 1e-14);
    bp_net_free(net);
    /* mismatched output and loss are refused */
    bp_error err;
    bp_arch bad = {.n_layers = 1, .sizes = {2, 1}, .loss = BP_LOSS_CE,
                   .output = BP_OUT_SOFTMAX};
    assert_null(bp_net_new(&bad, &err));
    bad.output = BP_OUT_LINEAR;
    assert_null(bp_net_new(&bad, &err));
    assert_non_null(strstr(err.msg, "linear"));
    bp_dataset_free(cls);
    bp_dataset_free(reg);
}

/* bp_predict and bp_evaluate take a large set in passes that fit the
 * caches (144 samples for the 784-32-10 net below, 80 for the README's
 * Fashion-MNIST MLP, never fewer than 64): every prediction is the one the
 * sample gets alone, whatever the pass it falls in. */
static void test_predict_in_passes(void **state)
{
    (void)state;
    const size_t widths[2][3] = {{784, 32, 10}, {5, 8, 3}};
    const size_t counts[2] = {150, 2500};
    for (int c = 0; c < 2; c++) {
        bp_arch a = {.n_layers = 2,
                     .sizes = {widths[c][0], widths[c][1], widths[c][2]},
                     .hidden = BP_ACT_SIGMOID, .bias = 1,
                     .loss = BP_LOSS_CE, .output = BP_OUT_SOFTMAX};
        bp_net *net = bp_net_new(&a, NULL);
        assert_non_null(net);
        assert_int_equal(bp_net_init(net, BP_INIT_XAVIER, 7, NULL), BP_OK);
        const size_t n = counts[c], d = a.sizes[0], k = a.sizes[2];
        double *x = malloc(n * d * sizeof *x), *y = calloc(n * k, sizeof *y);
        double *all = malloc(n * k * sizeof *all), one[10];
        assert_non_null(x);
        assert_non_null(y);
        assert_non_null(all);
        for (size_t e = 0; e < n * d; e++)
            x[e] = sin(0.37 * (double)e) * 2;
        for (size_t s = 0; s < n; s++)
            y[s * k + s % k] = 1;
        assert_int_equal(bp_predict(net, x, n, all, NULL), BP_OK);
        size_t right = 0;
        for (size_t s = 0; s < n; s++) {
            assert_int_equal(bp_predict(net, x + s * d, 1, one, NULL), BP_OK);
            size_t best = 0;
            for (size_t j = 0; j < k; j++) {
                if (memcmp(&one[j], &all[s * k + j], sizeof one[j]) != 0)
                    fail_msg("%zu inputs: sample %zu output %zu: %.17g alone, "
                             "%.17g in the set", d, s, j, one[j],
                             all[s * k + j]);
                if (one[j] > one[best])
                    best = j;
            }
            right += best == s % k;
        }
        bp_dataset ds = {.n = n, .n_in = d, .n_out = k, .x = x, .y = y};
        double acc;
        assert_int_equal(bp_evaluate(net, &ds, NULL, &acc, NULL), BP_OK);
        assert_true(acc == (double)right / (double)n * 100.0);
        free(x);
        free(y);
        free(all);
        bp_net_free(net);
    }
}

/* The check must be able to fail: a wrong gradient (a corrupted loss
 * derivative is simulated by checking at a step so large that the
 * difference quotient is wrong) gives a large error. */
static void test_gradcheck_can_fail(void **state)
{
    (void)state;
    bp_net *net = tiny_net();
    bp_dataset *ds = tiny_data();
    double worst;
    assert_int_equal(bp_gradcheck(net, ds, 1.0, &worst, NULL, NULL), BP_OK);
    assert_true(worst > 1e-3);
    bp_dataset_free(ds);
    bp_net_free(net);
}

/* Two steps of each optimizer against the seed's formulas written out. */
static void test_optimizer_steps(void **state)
{
    (void)state;
    const double g1[2] = {0.5, -2.0}, g2[2] = {0.25, 1.0};
    bp_train_opts sgd = {.optimizer = BP_OPT_SGD, .lr = 0.1, .momentum = 0.9};
    bp_train_opts mom = {.optimizer = BP_OPT_MOMENTUM, .lr = 0.1, .momentum = 0.9};
    double w[2] = {1.0, -1.0}, v[2] = {0, 0};
    bp_optimizer_step(&sgd, w, g1, v, 2, 1);
    bp_optimizer_step(&sgd, w, g2, v, 2, 2);
    /* W - lr g1 - lr g2 */
    assert_close(w[0], 1.0 - 0.05 - 0.025, 1e-15);
    assert_close(w[1], -1.0 + 0.2 - 0.1, 1e-15);
    assert_true(v[0] == 0 && v[1] == 0);

    double m[2] = {1.0, -1.0};
    bp_optimizer_step(&mom, m, g1, v, 2, 1);
    /* V1 = -lr g1 = (-0.05, 0.2); W1 = W0 + V1 */
    assert_close(v[0], -0.05, 1e-15);
    assert_close(m[1], -0.8, 1e-15);
    bp_optimizer_step(&mom, m, g2, v, 2, 2);
    /* V2 = 0.9 V1 - lr g2 = (-0.07, 0.08); W2 = W1 + V2 */
    assert_close(v[0], -0.07, 1e-14);
    assert_close(v[1], 0.08, 1e-14);
    assert_close(m[0], 0.95 - 0.07, 1e-14);
    assert_close(m[1], -0.8 + 0.08, 1e-14);
}

/* Nesterov, RMSprop and Adam: two steps each, worked out by hand. */
static void test_modern_optimizers(void **state)
{
    (void)state;
    const double g1 = 0.5, g2 = -0.25;
    /* Nesterov, lr 0.1, mu 0.9:
     *   V1 = -0.05;             W1 = 1 + 0.9 (-0.05) - 0.05 = 0.905
     *   V2 = -0.045 + 0.025 = -0.02;  W2 = 0.905 - 0.018 + 0.025 = 0.912 */
    bp_train_opts nes = {.optimizer = BP_OPT_NESTEROV, .lr = 0.1, .momentum = 0.9};
    double w = 1, v = 0;
    bp_optimizer_step(&nes, &w, &g1, &v, 1, 1);
    assert_close(w, 0.905, 1e-15);
    bp_optimizer_step(&nes, &w, &g2, &v, 1, 2);
    assert_close(v, -0.02, 1e-14);
    assert_close(w, 0.912, 1e-14);
    /* RMSprop, lr 0.01, rho 0.9, eps 1e-8:
     *   S1 = 0.1 * 0.25 = 0.025;  W1 = 1 - 0.01 * 0.5 / (sqrt(0.025) + eps)
     *   S2 = 0.0225 + 0.1 * 0.0625 = 0.02875;
     *   W2 = W1 + 0.01 * 0.25 / (sqrt(0.02875) + eps) */
    bp_train_opts rms = {.optimizer = BP_OPT_RMSPROP, .lr = 0.01, .momentum = 0, .rho = 0.9};
    w = 1;
    double s = 0;
    bp_optimizer_step(&rms, &w, &g1, &s, 1, 1);
    double w1 = 1 - 0.005 / (sqrt(0.025) + 1e-8);
    assert_close(w, w1, 1e-14);
    bp_optimizer_step(&rms, &w, &g2, &s, 1, 2);
    assert_close(s, 0.02875, 1e-14);
    assert_close(w, w1 + 0.0025 / (sqrt(0.02875) + 1e-8), 1e-14);
    /* Adam, lr 0.001, defaults: the first step moves by lr * sign(g)
     * (up to eps): m1 = 0.05, v1 = 0.00025, mhat = 0.5, vhat = 0.25.
     * Second: m2 = 0.045 - 0.025 = 0.02, v2 = 0.00024975 + 0.0000625
     * = 0.00031225; mhat = 0.02 / 0.19, vhat = 0.00031225 / 0.001999. */
    bp_train_opts adam = {.optimizer = BP_OPT_ADAM, .lr = 0.001, .momentum = 0};
    double mv[2] = {0, 0};
    w = 1;
    assert_int_equal(bp_optimizer_state_len(BP_OPT_ADAM, 1), 2);
    bp_optimizer_step(&adam, &w, &g1, mv, 1, 1);
    assert_close(w, 1 - 0.001 * 0.5 / (0.5 + 1e-8), 1e-15);
    double after1 = w;
    bp_optimizer_step(&adam, &w, &g2, mv, 1, 2);
    assert_close(mv[0], 0.02, 1e-14);
    assert_close(mv[1], 0.00031225, 1e-12);
    double mhat = 0.02 / (1 - 0.81), vhat = 0.00031225 / (1 - 0.999 * 0.999);
    assert_close(w, after1 - 0.001 * mhat / (sqrt(vhat) + 1e-8), 1e-13);
}

/* Mini-batches: the same seed gives the same run; another shuffle seed a
 * different one; full batch equals batch >= n. */
static void test_minibatch_reproducible(void **state)
{
    (void)state;
    bp_arch a = {.n_layers = 2, .sizes = {2, 6, 1}, .hidden = BP_ACT_TANH,
                 .bias = 1, .loss = BP_LOSS_BCE};
    bp_dataset *ds = bp_data_linear(50, 2, 0, NULL);
    double final[4];
    const size_t batch[4] = {8, 8, 8, 50};
    const uint64_t seed[4] = {1, 1, 2, 1};
    for (int r = 0; r < 4; r++) {
        bp_net *net = bp_net_new(&a, NULL);
        bp_net_init(net, BP_INIT_XAVIER, 3, NULL);
        bp_train_opts o = {.optimizer = BP_OPT_ADAM, .lr = 0.01, .momentum = 0, .batch = batch[r],
                           .shuffle_seed = seed[r], .weight_decay = 1e-4};
        bp_trainer *tr = bp_trainer_new(net, ds, &o, NULL);
        assert_non_null(tr);
        for (int e = 0; e < 20; e++)
            assert_int_equal(bp_trainer_epoch(tr, &final[r], NULL), BP_OK);
        bp_trainer_free(tr);
        bp_net_free(net);
    }
    assert_same_double(final[0], final[1]);
    assert_true(final[0] != final[2]);
    assert_true(final[0] < 0.5 && final[3] < 0.7);
    bp_dataset_free(ds);
}

/* numpy's RandomState(seed) streams, frozen from numpy itself. */
static void test_numpy_generator(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof nv_cases / sizeof nv_cases[0]; c++) {
        const nv_case *v = &nv_cases[c];
        bp_rng rng;
        bp_rng_seed(&rng, BP_RNG_NUMPY, v->seed);
        for (int k = 0; k < NV_NRAW; k += 2) {
            uint64_t pair = bp_rng_u64(&rng);
            assert_int_equal(pair >> 32, v->raw32[k]);
            assert_int_equal(pair & 0xffffffffu, v->raw32[k + 1]);
        }
        for (int k = NV_NRAW; k < NV_LATER_FIRST; k += 2)
            bp_rng_u64(&rng);
        for (int k = 0; k < NV_NLATER; k += 2) {
            uint64_t pair = bp_rng_u64(&rng);
            assert_int_equal(pair >> 32, v->raw32_later[k]);
            assert_int_equal(pair & 0xffffffffu, v->raw32_later[k + 1]);
        }
        bp_rng_seed(&rng, BP_RNG_NUMPY, v->seed);
        for (int k = 0; k < NV_NSAMPLE; k++)
            assert_same_double(bp_rng_uniform(&rng), v->random_sample[k]);
        bp_rng_seed(&rng, BP_RNG_NUMPY, v->seed);
        for (int k = 0; k < NV_NRANDN; k++)
            assert_same_double(bp_rng_normal(&rng), v->randn[k]);
        /* the linear data set is uniform(0, 1, (n, 2)) of the data seed */
        bp_dataset *ds = bp_data_linear(3, v->seed, 1, NULL);
        assert_non_null(ds);
        for (int k = 0; k < 6; k++)
            assert_same_double(ds->x[k], v->uniform[k]);
        bp_dataset_free(ds);
    }
}

/* numpy's init: w1 = randn(h1, in), w2 = randn(h2, h1), ... in order. */
static void test_numpy_init_order(void **state)
{
    (void)state;
    bp_arch a = {.n_layers = 2, .sizes = {2, 3, 1}, .hidden = BP_ACT_SIGMOID,
                 .bias = 0, .loss = BP_LOSS_BCE};
    bp_net *net = bp_net_new(&a, NULL);
    assert_int_equal(bp_net_init(net, BP_INIT_NUMPY, nv_cases[1].seed, NULL),
                     BP_OK);
    const double *p = bp_net_params_const(net);
    for (int k = 0; k < 9; k++)
        assert_same_double(p[k], nv_cases[1].randn[k]);
    assert_int_equal(bp_net_init(net, BP_INIT_NUMPY, 1ull << 32, NULL),
                     BP_EINVAL);
    bp_net_free(net);
}

/* xoshiro256** from the state {1, 2, 3, 4}, and splitmix64 seeding,
 * against the published reference algorithms computed independently. */
static void test_xoshiro(void **state)
{
    (void)state;
    bp_rng rng;
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, 0);
    rng.s[0] = 1;
    rng.s[1] = 2;
    rng.s[2] = 3;
    rng.s[3] = 4;
    static const uint64_t expect[] = {11520u, 0u, 1509978240u,
                                      1215971899390074240u,
                                      1216172134540287360u,
                                      607988272756665600u};
    for (int k = 0; k < 6; k++)
        assert_true(bp_rng_u64(&rng) == expect[k]);
    /* splitmix64(1234567): its first four outputs are the state */
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, 1234567);
    assert_true(rng.s[0] == 6457827717110365317u);
    assert_true(rng.s[1] == 3203168211198807973u);
    assert_true(rng.s[2] == 9817491932198370423u);
    assert_true(rng.s[3] == 4593380528125082431u);
    /* bounded draws stay in range and hit every value */
    int seen[7] = {0};
    for (int k = 0; k < 1000; k++) {
        uint64_t r = bp_rng_below(&rng, 7);
        assert_true(r < 7);
        seen[r] = 1;
    }
    for (int k = 0; k < 7; k++)
        assert_true(seen[k]);
}

/* Normal draws have mean 0 and variance 1 (loose bounds, 10^5 draws). */
static void test_normal_moments(void **state)
{
    (void)state;
    bp_rng rng;
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, 42);
    double sum = 0, sq = 0;
    const int n = 100000;
    for (int k = 0; k < n; k++) {
        double x = bp_rng_normal(&rng);
        sum += x;
        sq += x * x;
    }
    assert_true(fabs(sum / n) < 0.02);
    assert_true(fabs(sq / n - 1) < 0.02);
}

static void test_xor_points(void **state)
{
    (void)state;
    bp_dataset *ds = bp_data_xor(NULL);
    assert_int_equal(ds->n, 21);
    /* (0,0)0 (0,1)1 (0.1,0.1)0 (0.1,0.9)1 ... (0.5,0.5)0 (0.6,0.6)0 ... */
    assert_true(ds->x[0] == 0 && ds->x[1] == 0 && ds->y[0] == 0);
    assert_true(ds->x[2] == 0 && ds->x[3] == 1 && ds->y[1] == 1);
    assert_true(ds->x[4] == 0.1 && ds->y[2] == 0);
    assert_true(ds->x[20] == 0.5 && ds->x[21] == 0.5 && ds->y[10] == 0);
    assert_true(ds->x[22] == 0.1 * 6 && ds->y[11] == 0);
    assert_true(ds->x[40] == 1 && ds->x[41] == 0 && ds->y[20] == 1);
    bp_dataset_free(ds);
}

static void test_linear_labels(void **state)
{
    (void)state;
    bp_dataset *ds = bp_data_linear(500, 3, 0, NULL);
    int ones = 0;
    for (size_t s = 0; s < ds->n; s++) {
        double x = ds->x[2 * s], y = ds->x[2 * s + 1];
        assert_true(x >= 0 && x < 1 && y >= 0 && y < 1);
        assert_true(ds->y[s] == (x > y ? 0.0 : 1.0));
        ones += ds->y[s] == 1;
    }
    assert_true(ones > 200 && ones < 300);
    bp_dataset_free(ds);
}

/* Training the seed's XOR run lowers the loss and reaches 100 %. */
static void test_training_converges(void **state)
{
    (void)state;
    bp_arch a = {.n_layers = 3, .sizes = {2, 10, 10, 1},
                 .hidden = BP_ACT_SIGMOID, .bias = 0, .loss = BP_LOSS_BCE};
    bp_net *net = bp_net_new(&a, NULL);
    bp_dataset *ds = bp_data_xor(NULL);
    assert_int_equal(bp_net_init(net, BP_INIT_NUMPY, 1, NULL), BP_OK);
    bp_train_opts o = {.optimizer = BP_OPT_MOMENTUM, .lr = 0.1, .momentum = 0.9};
    bp_trainer *tr = bp_trainer_new(net, ds, &o, NULL);
    assert_non_null(tr);
    double first = 0, loss = 0;
    for (int e = 0; e < 5000; e++) {
        assert_int_equal(bp_trainer_epoch(tr, &loss, NULL), BP_OK);
        if (e == 0)
            first = loss;
    }
    double acc;
    assert_int_equal(bp_evaluate(net, ds, NULL, &acc, NULL), BP_OK);
    assert_true(loss < first / 100);
    assert_true(acc == 100.0);
    bp_trainer_free(tr);
    bp_dataset_free(ds);
    bp_net_free(net);
}

/* A loss that becomes NaN stops training with BP_EDIVERGED: weights near
 * the largest number of the trainer's type (1e308 in double, 3e38 in
 * float) overflow z1 to +inf on both hidden units, and W2 = [1, -1] makes
 * z2 = inf - inf = NaN. */
static void test_divergence_detected(void **state)
{
    (void)state;
    for (int dt = BP_F64; dt <= BP_F32; dt++) {
        bp_arch a = {.n_layers = 2, .sizes = {2, 2, 1}, .hidden = BP_ACT_NONE,
                     .bias = 0, .loss = BP_LOSS_BCE};
        bp_net *net = bp_net_new(&a, NULL);
        bp_dataset *ds = bp_dataset_new(1, 2, 1, NULL);
        ds->x[0] = ds->x[1] = 1;
        ds->y[0] = 1;
        const double big = dt == BP_F32 ? 3e38 : 1e308;
        const double w[] = {big, big, big, big, 1, -1};
        memcpy(bp_net_params(net), w, sizeof w);
        bp_train_opts o = {.optimizer = BP_OPT_SGD, .lr = 0.1, .momentum = 0.9,
                           .dtype = (bp_dtype)dt};
        bp_trainer *tr = bp_trainer_new(net, ds, &o, NULL);
        bp_error err;
        double loss = 0;
        assert_int_equal(bp_trainer_epoch(tr, &loss, &err), BP_EDIVERGED);
        assert_true(isnan(loss));
        assert_non_null(strstr(err.msg, "NaN"));
        bp_trainer_free(tr);
        bp_dataset_free(ds);
        bp_net_free(net);
    }
}

static void test_bad_arguments(void **state)
{
    (void)state;
    bp_error err;
    bp_arch a = {.n_layers = 2, .sizes = {2, 0, 1}};
    assert_null(bp_net_new(&a, &err));
    assert_int_equal(err.code, BP_EINVAL);
    assert_non_null(strstr(err.msg, "layer 1"));
    a.sizes[1] = BP_MAX_WIDTH + 1;
    assert_null(bp_net_new(&a, &err));
    a.sizes[1] = 3;
    a.n_layers = 0;
    assert_null(bp_net_new(&a, &err));
    a.n_layers = BP_MAX_LAYERS + 1;
    assert_null(bp_net_new(&a, &err));
    /* many wide layers: the parameter count limit, before any malloc */
    bp_arch big = {.n_layers = 8, .hidden = BP_ACT_RELU};
    for (int l = 0; l <= 8; l++)
        big.sizes[l] = BP_MAX_WIDTH;
    assert_null(bp_net_new(&big, &err));
    assert_non_null(strstr(err.msg, "parameters"));

    bp_arch ok = {.n_layers = 1, .sizes = {2, 1}};
    bp_net *net = bp_net_new(&ok, NULL);
    bp_dataset *ds = bp_data_xor(NULL);
    bp_train_opts bad_lr = {.optimizer = BP_OPT_SGD, .lr = 0.0, .momentum = 0.9};
    assert_null(bp_trainer_new(net, ds, &bad_lr, &err));
    assert_int_equal(err.code, BP_EINVAL);
    bp_train_opts nan_lr = {.optimizer = BP_OPT_SGD, .lr = NAN, .momentum = 0.9};
    assert_null(bp_trainer_new(net, ds, &nan_lr, &err));
    bp_dataset *wide = bp_dataset_new(3, 5, 1, NULL);
    bp_train_opts good = {.optimizer = BP_OPT_SGD, .lr = 0.1, .momentum = 0.9};
    assert_null(bp_trainer_new(net, wide, &good, &err));
    assert_non_null(strstr(err.msg, "inputs"));
    assert_null(bp_dataset_new(0, 2, 1, &err));
    assert_null(bp_dataset_new((size_t)1 << 40, 1 << 20, 1, &err));
    bp_dataset_free(wide);
    bp_dataset_free(ds);
    bp_net_free(net);
    bp_net_free(NULL);
    bp_dataset_free(NULL);
    bp_trainer_free(NULL);
}

static void test_names(void **state)
{
    (void)state;
    bp_activation a = BP_ACT_SIGMOID;
    assert_int_equal(bp_activation_parse("relu", &a), BP_OK);
    assert_int_equal(a, BP_ACT_RELU);
    assert_int_equal(bp_activation_parse("Relu", &a), BP_EINVAL);
    assert_int_equal(a, BP_ACT_RELU);
    assert_string_equal(bp_activation_name(BP_ACT_NONE), "none");
    bp_init i;
    assert_int_equal(bp_init_parse("numpy", &i), BP_OK);
    assert_int_equal(i, BP_INIT_NUMPY);
    assert_string_equal(bp_loss_name((bp_loss)99), "unknown");
    assert_string_equal(bp_status_name(BP_EDIVERGED), "training diverged");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_by_hand),
        cmocka_unit_test(test_gradient_by_hand),
        cmocka_unit_test(test_gradient_is_mean),
        cmocka_unit_test(test_gradcheck_all),
        cmocka_unit_test(test_gradcheck_outputs),
        cmocka_unit_test(test_gradcheck_can_fail),
        cmocka_unit_test(test_predict_in_passes),
        cmocka_unit_test(test_optimizer_steps),
        cmocka_unit_test(test_modern_optimizers),
        cmocka_unit_test(test_minibatch_reproducible),
        cmocka_unit_test(test_numpy_generator),
        cmocka_unit_test(test_numpy_init_order),
        cmocka_unit_test(test_xoshiro),
        cmocka_unit_test(test_normal_moments),
        cmocka_unit_test(test_xor_points),
        cmocka_unit_test(test_linear_labels),
        cmocka_unit_test(test_training_converges),
        cmocka_unit_test(test_divergence_detected),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
