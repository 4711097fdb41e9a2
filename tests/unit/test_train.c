/* test_train.c - the trainer's float arithmetic and its threads, against
 * the double-precision gradient (itself checked against finite
 * differences in test_core.c) and against single-threaded runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "backprop.h"
#include "nn/kernels.h"
#include "train/hooks.h"

/* 30 points in [0,1]^2 with 3-class one-hot targets (k = 3), 0/1 targets
 * (k = 1, BCE) or a linear target (k = 1, regression). */
static bp_dataset *points(size_t k, int regression)
{
    bp_rng rng;
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, 5);
    bp_dataset *ds = bp_dataset_new(30, 2, k, NULL);
    assert_non_null(ds);
    for (size_t s = 0; s < 30; s++) {
        double x = bp_rng_uniform(&rng), y = bp_rng_uniform(&rng);
        ds->x[2 * s] = x;
        ds->x[2 * s + 1] = y;
        if (k == 3)
            for (size_t c = 0; c < 3; c++)
                ds->y[3 * s + c] = c == s % 3;
        else
            ds->y[s] = regression ? 3 * x - 2 * y + 0.5 : (double)(x > y);
    }
    return ds;
}

/* One full-batch SGD step with lr 1 in float moves each weight by its
 * float gradient: w0 - w1 must match the double gradient to float
 * precision, for every hidden activation and every output. */
static void test_f32_step_is_gradient(void **state)
{
    (void)state;
    static const struct {
        bp_output out;
        bp_loss loss;
        size_t k;
        int regression;
    } heads[] = {{BP_OUT_SIGMOID, BP_LOSS_BCE, 1, 0},
                 {BP_OUT_SIGMOID, BP_LOSS_MSE, 1, 0},
                 {BP_OUT_SOFTMAX, BP_LOSS_CE, 3, 0},
                 {BP_OUT_LINEAR, BP_LOSS_MSE, 1, 1}};
    for (int act = BP_ACT_SIGMOID; act <= BP_ACT_NONE; act++)
        for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
            bp_dataset *ds = points(heads[h].k, heads[h].regression);
            bp_arch a = {.n_layers = 3, .sizes = {2, 7, 5, heads[h].k},
                         .hidden = (bp_activation)act, .bias = 1,
                         .loss = heads[h].loss, .output = heads[h].out};
            bp_net *net = bp_net_new(&a, NULL);
            assert_non_null(net);
            assert_int_equal(bp_net_init(net, BP_INIT_XAVIER, 11, NULL), BP_OK);
            size_t n = bp_net_param_count(net);
            double *w = bp_net_params(net);
            for (size_t j = 0; j < n; j++)   /* weights exact in float */
                w[j] = (float)(w[j] + 0.01);
            double *w0 = malloc(n * sizeof *w0), *g = malloc(n * sizeof *g);
            memcpy(w0, w, n * sizeof *w0);
            double loss64, loss32;
            assert_int_equal(bp_gradient(net, ds, g, &loss64, NULL), BP_OK);
            bp_train_opts o = {.optimizer = BP_OPT_SGD, .lr = 1,
                               .dtype = BP_F32};
            bp_trainer *tr = bp_trainer_new(net, ds, &o, NULL);
            assert_non_null(tr);
            assert_int_equal(bp_trainer_epoch(tr, &loss32, NULL), BP_OK);
            double biggest = 0, worst = 0;
            for (size_t j = 0; j < n; j++)
                biggest = fmax(biggest, fabs(g[j]));
            for (size_t j = 0; j < n; j++) {
                /* float rounding of the sums, and of w1 itself */
                double err = fabs((w0[j] - w[j]) - g[j]) /
                             (biggest + 1e-3 * fabs(w0[j]));
                worst = fmax(worst, err);
            }
            if (!(worst < 2e-5) || !(biggest > 1e-3) ||
                !(fabs(loss32 - loss64) < 1e-6 * fabs(loss64)))
                fail_msg("%s/%s: worst %g of max |g| %g; loss %.9g vs %.9g",
                         bp_activation_name(a.hidden),
                         bp_output_name(a.output), worst, biggest, loss32,
                         loss64);
            bp_trainer_free(tr);
            free(w0);
            free(g);
            bp_net_free(net);
            bp_dataset_free(ds);
        }
}

/* The seed's network and training in float: XOR and the linear set are
 * learned as in double, and the loss curves stay close. */
static void test_f32_trains_seed(void **state)
{
    (void)state;
    for (int set = 0; set < 2; set++) {
        bp_dataset *ds = set ? bp_data_linear(100, 1, 1, NULL)
                             : bp_data_xor(NULL);
        bp_arch a = {.n_layers = 3, .sizes = {2, 10, 10, 1},
                     .hidden = BP_ACT_SIGMOID, .loss = BP_LOSS_BCE};
        double loss[2], acc[2];
        for (int dt = 0; dt < 2; dt++) {
            bp_net *net = bp_net_new(&a, NULL);
            assert_int_equal(bp_net_init(net, BP_INIT_NUMPY, 1, NULL), BP_OK);
            bp_train_opts o = {.optimizer = BP_OPT_MOMENTUM, .lr = 0.1,
                               .momentum = 0.9, .dtype = (bp_dtype)dt};
            bp_trainer *tr = bp_trainer_new(net, ds, &o, NULL);
            for (int e = 0; e < 5000; e++)
                assert_int_equal(bp_trainer_epoch(tr, &loss[dt], NULL), BP_OK);
            assert_int_equal(bp_evaluate(net, ds, NULL, &acc[dt], NULL), BP_OK);
            bp_trainer_free(tr);
            bp_net_free(net);
        }
        assert_true(acc[0] == 100.0 && acc[1] == 100.0);
        if (!(fabs(loss[1] - loss[0]) < 1e-2 * loss[0]))
            fail_msg("set %d: final loss f32 %.9g, f64 %.9g", set, loss[1],
                     loss[0]);
        bp_dataset_free(ds);
    }
}

/* Runs `epochs` epochs of mini-batch Adam and returns the weights. */
static double *run(const bp_dataset *ds, bp_dtype dt, int threads,
                   size_t batch, int epochs, double *loss)
{
    bp_arch a = {.n_layers = 3, .sizes = {2, 9, 6, 3}, .hidden = BP_ACT_TANH,
                 .bias = 1, .loss = BP_LOSS_CE, .output = BP_OUT_SOFTMAX};
    bp_net *net = bp_net_new(&a, NULL);
    bp_net_init(net, BP_INIT_XAVIER, 3, NULL);
    bp_train_opts o = {.optimizer = BP_OPT_ADAM, .lr = 0.01, .batch = batch,
                       .shuffle_seed = 7, .weight_decay = 1e-3, .dtype = dt,
                       .threads = threads};
    bp_error err;
    bp_trainer *tr = bp_trainer_new(net, ds, &o, &err);
    if (!tr)
        fail_msg("%s", err.msg);
    for (int e = 0; e < epochs; e++)
        assert_int_equal(bp_trainer_epoch(tr, loss, NULL), BP_OK);
    size_t n = bp_net_param_count(net);
    double *w = malloc(n * sizeof *w);
    memcpy(w, bp_net_params(net), n * sizeof *w);
    bp_trainer_free(tr);
    bp_net_free(net);
    return w;
}

static double max_rel_diff(const double *a, const double *b, size_t n)
{
    double worst = 0;
    for (size_t j = 0; j < n; j++)
        worst = fmax(worst, fabs(a[j] - b[j]) / fmax(fabs(b[j]), 1e-3));
    return worst;
}

/* Threads share each batch: a run repeats bit for bit for a given count,
 * and agrees with one thread up to rounding, also with more threads than
 * samples in a batch (idle shares) and with a full batch. */
static void test_threads(void **state)
{
    (void)state;
    bp_dataset *ds = points(3, 0);
    const size_t n = 9 * 2 + 9 + 6 * 9 + 6 + 3 * 6 + 3;
    static const struct {
        int threads;
        size_t batch;
    } cases[] = {{3, 10}, {2, 7}, {8, 4}, {2, 0}, {5, 0}};
    for (int dt = 0; dt < 2; dt++)
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            double l1, lt, lt2;
            double *one = run(ds, (bp_dtype)dt, 1, cases[c].batch, 20, &l1);
            double *t = run(ds, (bp_dtype)dt, cases[c].threads, cases[c].batch,
                            20, &lt);
            double *t2 = run(ds, (bp_dtype)dt, cases[c].threads,
                             cases[c].batch, 20, &lt2);
            assert_memory_equal(t, t2, n * sizeof *t);
            assert_same_double(lt, lt2);
            double bound = dt ? 1e-3 : 1e-9;
            double d = max_rel_diff(t, one, n);
            if (!(d < bound) || !(fabs(lt - l1) < bound * l1))
                fail_msg("%s, %d threads, batch %zu: weights differ by %g, "
                         "loss %.17g vs %.17g", dt ? "f32" : "f64",
                         cases[c].threads, cases[c].batch, d, lt, l1);
            free(one);
            free(t);
            free(t2);
        }
    bp_dataset_free(ds);
}

/* A float run saved after 3 epochs (weights and optimizer state, both
 * exact in double) and resumed for 3 more ends where 6 straight epochs
 * end. */
static void test_f32_resume(void **state)
{
    (void)state;
    bp_dataset *ds = points(3, 0);
    double loss;
    double *straight = run(ds, BP_F32, 2, 8, 6, &loss);

    bp_arch a = {.n_layers = 3, .sizes = {2, 9, 6, 3}, .hidden = BP_ACT_TANH,
                 .bias = 1, .loss = BP_LOSS_CE, .output = BP_OUT_SOFTMAX};
    bp_net *net = bp_net_new(&a, NULL);
    bp_net_init(net, BP_INIT_XAVIER, 3, NULL);
    bp_train_opts o = {.optimizer = BP_OPT_ADAM, .lr = 0.01, .batch = 8,
                       .shuffle_seed = 7, .weight_decay = 1e-3,
                       .dtype = BP_F32, .threads = 2};
    bp_trainer *tr = bp_trainer_new(net, ds, &o, NULL);
    for (int e = 0; e < 3; e++)
        assert_int_equal(bp_trainer_epoch(tr, &loss, NULL), BP_OK);
    size_t len;
    uint64_t steps;
    const double *s = bp_trainer_state(tr, &len, &steps);
    double *saved = malloc(len * sizeof *saved);
    memcpy(saved, s, len * sizeof *saved);
    bp_trainer_free(tr);
    tr = bp_trainer_new(net, ds, &o, NULL);
    assert_int_equal(bp_trainer_restore(tr, saved, len, steps, 3, NULL), BP_OK);
    for (int e = 0; e < 3; e++)
        assert_int_equal(bp_trainer_epoch(tr, &loss, NULL), BP_OK);
    assert_memory_equal(bp_net_params(net), straight,
                        bp_net_param_count(net) * sizeof *straight);
    bp_trainer_free(tr);
    bp_net_free(net);
    free(saved);
    free(straight);
    bp_dataset_free(ds);
}

/* A full batch larger than one pass (about 2 MiB of activations: 6384
 * samples of this net) is taken in several passes whose gradients are
 * weighted by their sizes: one SGD step with lr 1 still moves the weights
 * by exactly the gradient of the whole batch, on 1 and on 3 threads. */
static void test_full_batch_in_passes(void **state)
{
    (void)state;
    bp_rng rng;
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, 8);
    const size_t n_samples = 20000;
    bp_dataset *ds = bp_dataset_new(n_samples, 2, 3, NULL);
    for (size_t s = 0; s < n_samples; s++) {
        ds->x[2 * s] = bp_rng_uniform(&rng);
        ds->x[2 * s + 1] = bp_rng_uniform(&rng);
        for (size_t c = 0; c < 3; c++)
            ds->y[3 * s + c] = c == (size_t)bp_rng_below(&rng, 3);
    }
    bp_arch a = {.n_layers = 3, .sizes = {2, 9, 6, 3}, .hidden = BP_ACT_TANH,
                 .bias = 1, .loss = BP_LOSS_CE, .output = BP_OUT_SOFTMAX};
    for (int threads = 1; threads <= 3; threads += 2) {
        bp_net *net = bp_net_new(&a, NULL);
        bp_net_init(net, BP_INIT_XAVIER, 2, NULL);
        size_t n = bp_net_param_count(net);
        double *w0 = malloc(n * sizeof *w0), *g = malloc(n * sizeof *g);
        memcpy(w0, bp_net_params(net), n * sizeof *w0);
        double loss64, loss;
        assert_int_equal(bp_gradient(net, ds, g, &loss64, NULL), BP_OK);
        bp_train_opts o = {.optimizer = BP_OPT_SGD, .lr = 1,
                           .threads = threads};
        bp_trainer *tr = bp_trainer_new(net, ds, &o, NULL);
        assert_int_equal(bp_trainer_epoch(tr, &loss, NULL), BP_OK);
        const double *w = bp_net_params(net);
        double biggest = 0, worst = 0;
        for (size_t j = 0; j < n; j++)
            biggest = fmax(biggest, fabs(g[j]));
        for (size_t j = 0; j < n; j++)
            worst = fmax(worst, fabs((w0[j] - w[j]) - g[j]) / biggest);
        if (!(worst < 1e-12) || !(fabs(loss - loss64) < 1e-13 * loss64))
            fail_msg("%d threads: worst %g of max |g| %g, loss %.17g vs %.17g",
                     threads, worst, biggest, loss, loss64);
        assert_true(bp_trainer_accuracy(tr) > 0);
        bp_trainer_free(tr);
        free(w0);
        free(g);
        bp_net_free(net);
    }
    bp_dataset_free(ds);
}

/* n samples of n_in uniform features in [0, 1) and one-hot targets over
 * k classes (sample s in class s mod k). */
static bp_dataset *classes(size_t n, size_t n_in, size_t k, uint64_t seed)
{
    bp_rng rng;
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, seed);
    bp_dataset *ds = bp_dataset_new(n, n_in, k, NULL);
    assert_non_null(ds);
    for (size_t s = 0; s < n; s++) {
        for (size_t i = 0; i < n_in; i++)
            ds->x[s * n_in + i] = bp_rng_uniform(&rng);
        for (size_t c = 0; c < k; c++)
            ds->y[s * k + c] = c == s % k;
    }
    return ds;
}

/* Trains a (weights from seed 9) on ds for 4 epochs by rows and with the
 * data-parallel phases (bp_hook_no_rows), and fails unless the weights
 * and the last loss are the same bits; by rows must be taken when the
 * first layer is packed. */
static void same_both_ways(const char *what, const bp_dataset *ds,
                           const bp_arch *a, const bp_train_opts *o)
{
    const int packs = panels_isa_f32(bp_isa_best(), a->sizes[0],
                                     a->sizes[1]) != BP_ISA_NAIVE;
    double *w[2], loss[2];
    size_t n = 0;
    for (int way = 0; way < 2; way++) {
        bp_hook_no_rows = way;
        bp_net *net = bp_net_new(a, NULL);
        assert_non_null(net);
        bp_net_init(net, BP_INIT_HE, 9, NULL);
        bp_trainer *tr = bp_trainer_new(net, ds, o, NULL);
        assert_non_null(tr);
        assert_int_equal(bp_hook_by_rows(tr), way == 0 && packs);
        for (int e = 0; e < 4; e++)
            assert_int_equal(bp_trainer_epoch(tr, &loss[way], NULL), BP_OK);
        n = bp_net_param_count(net);
        w[way] = malloc(n * sizeof *w[way]);
        memcpy(w[way], bp_net_params(net), n * sizeof *w[way]);
        bp_trainer_free(tr);
        bp_net_free(net);
    }
    bp_hook_no_rows = 0;
    if (memcmp(w[0], w[1], n * sizeof *w[0]) != 0 ||
        memcmp(&loss[0], &loss[1], sizeof loss[0]) != 0)
        fail_msg("%s: by rows differs from the data-parallel phases (loss "
                 "%.9g vs %.9g)", what, loss[0], loss[1]);
    free(w[0]);
    free(w[1]);
}

/* Float mini-batches on several threads go "by rows" (each thread its
 * rows of every layer, the first layer forward too) where the first
 * layer's gradient can come from packed inputs: the same bits as the
 * data-parallel phases, for ReLU (fused) and sigmoid (a second pass)
 * layers, with and without biases, SGD, momentum with weight decay, Adam
 * and RMSprop, a last short batch, shares with no samples, layers packed
 * by either instruction set or not at all, and a one-layer network (its
 * first layer is its output). */
static void test_by_rows(void **state)
{
    (void)state;
    const size_t n_in = 40, k = 4;
    bp_dataset *ds = classes(101, n_in, k, 4);
    /* 33 -> 17 and 17 -> 4 are packed or not by the layer's shape; 12 ->
     * 20 (fewer than 16 inputs, at least 16 outputs) is packed with AVX2
     * kernels on an AVX-512 machine, as the whole layer's gradient is,
     * though its rows on a thread may be fewer than 16 */
    static const struct {
        int threads;
        size_t batch;
        bp_activation act;
        int bias;
        bp_optimizer opt;
        int layers;
        size_t h[3];
    } cases[] = {{2, 32, BP_ACT_RELU, 1, BP_OPT_MOMENTUM, 3, {33, 17}},
                 {3, 20, BP_ACT_SIGMOID, 0, BP_OPT_ADAM, 3, {33, 17}},
                 {4, 3, BP_ACT_TANH, 1, BP_OPT_MOMENTUM, 3, {33, 17}},
                 {2, 100, BP_ACT_NONE, 1, BP_OPT_SGD, 3, {33, 17}},
                 {2, 32, BP_ACT_RELU, 1, BP_OPT_MOMENTUM, 4, {33, 12, 20}},
                 {4, 40, BP_ACT_TANH, 0, BP_OPT_RMSPROP, 4, {33, 12, 20}}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bp_arch a = {.n_layers = cases[c].layers, .sizes = {n_in},
                     .hidden = cases[c].act, .bias = cases[c].bias,
                     .loss = BP_LOSS_CE, .output = BP_OUT_SOFTMAX};
        for (int l = 1; l < a.n_layers; l++)
            a.sizes[l] = cases[c].h[l - 1];
        a.sizes[a.n_layers] = k;
        bp_train_opts o = {.optimizer = cases[c].opt, .lr = 0.05,
                           .momentum = 0.9, .batch = cases[c].batch,
                           .shuffle_seed = 3, .weight_decay = 1e-3,
                           .dtype = BP_F32, .threads = cases[c].threads};
        char what[32];
        snprintf(what, sizeof what, "case %zu", c);
        same_both_ways(what, ds, &a, &o);
    }
    bp_dataset_free(ds);

    /* softmax regression over 16 classes */
    ds = classes(70, 24, 16, 6);
    bp_arch one = {.n_layers = 1, .sizes = {24, 16}, .bias = 1,
                   .loss = BP_LOSS_CE, .output = BP_OUT_SOFTMAX};
    bp_train_opts o = {.optimizer = BP_OPT_MOMENTUM, .lr = 0.1,
                       .momentum = 0.9, .batch = 16, .shuffle_seed = 2,
                       .dtype = BP_F32, .threads = 2};
    same_both_ways("one layer", ds, &one, &o);
    bp_dataset_free(ds);
}

static void test_bad_options(void **state)
{
    (void)state;
    bp_arch a = {.n_layers = 2, .sizes = {2, 3, 1}, .loss = BP_LOSS_BCE};
    bp_net *net = bp_net_new(&a, NULL);
    bp_dataset *ds = bp_data_xor(NULL);
    bp_error err;
    bp_train_opts o = {.optimizer = BP_OPT_SGD, .lr = 0.1, .threads = -1};
    assert_null(bp_trainer_new(net, ds, &o, &err));
    assert_non_null(strstr(err.msg, "threads"));
    o.threads = BP_MAX_THREADS + 1;
    assert_null(bp_trainer_new(net, ds, &o, &err));
    o.threads = 0;
    o.dtype = (bp_dtype)2;
    assert_null(bp_trainer_new(net, ds, &o, &err));
    assert_non_null(strstr(err.msg, "dtype"));
    bp_dtype d;
    assert_int_equal(bp_dtype_parse("f32", &d), BP_OK);
    assert_int_equal(d, BP_F32);
    assert_int_equal(bp_dtype_parse("float", &d), BP_EINVAL);
    assert_string_equal(bp_dtype_name(BP_F64), "f64");
    bp_dataset_free(ds);
    bp_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f32_step_is_gradient),
        cmocka_unit_test(test_f32_trains_seed),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_f32_resume),
        cmocka_unit_test(test_full_batch_in_passes),
        cmocka_unit_test(test_by_rows),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
