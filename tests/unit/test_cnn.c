/* test_cnn.c - networks of typed layers end to end: the gradient of the
 * whole network against central differences for every kind (strides,
 * valid padding, several channels, both pools, dropout with its masks
 * held), the float trainer against the double gradient, and runs that
 * repeat for a seed and a thread count, dropout included.  The rows alone
 * are tested in test_layers.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "backprop.h"

/* n images c x h x w of noise with k one-hot classes (k = 1: 0/1). */
static bp_dataset *images(size_t n, bp_shape in, size_t k, uint64_t seed)
{
    bp_rng rng;
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, seed);
    size_t d = in.c * in.h * in.w;
    bp_dataset *ds = bp_dataset_new(n, d, k, NULL);
    assert_non_null(ds);
    for (size_t s = 0; s < n; s++) {
        double sum = 0;
        for (size_t f = 0; f < d; f++) {
            ds->x[s * d + f] = bp_rng_uniform(&rng) * 2 - 1;
            sum += ds->x[s * d + f] * (double)(f % 3);
        }
        size_t cls = (size_t)(fabs(sum) * 7) % (k > 1 ? k : 2);
        for (size_t c = 0; c < k; c++)
            ds->y[s * k + c] = k > 1 ? c == cls : (double)cls;
    }
    return ds;
}

/* An arch from a --layers text on input `in`, with k outputs. */
static bp_arch arch_of(const char *layers, bp_shape in, size_t k, int bias)
{
    bp_arch a;
    memset(&a, 0, sizeof a);
    bp_error err;
    if (bp_layers_parse(layers, &a, &err) != BP_OK)
        fail_msg("%s: %s", layers, err.msg);
    a.layer[a.n_layers++] = (bp_layer){.kind = BP_LAYER_DENSE, .units = k};
    a.input = in;
    a.bias = bias;
    a.output = k > 1 ? BP_OUT_SOFTMAX : BP_OUT_SIGMOID;
    a.loss = k > 1 ? BP_LOSS_CE : BP_LOSS_BCE;
    return a;
}

static bp_net *net_of(const char *layers, bp_shape in, size_t k, int bias,
                      uint64_t seed)
{
    bp_arch a = arch_of(layers, in, k, bias);
    bp_error err;
    bp_net *net = bp_net_new(&a, &err);
    if (!net)
        fail_msg("%s: %s", layers, err.msg);
    assert_int_equal(bp_net_init(net, BP_INIT_XAVIER, seed, NULL), BP_OK);
    /* biases away from zero, so that their gradients are tested too */
    if (bias) {
        for (int l = 0; l < a.n_layers; l++) {
            double *b = bp_net_bias(net, l);
            for (size_t j = 0; b && j < bp_net_arch(net)->layer[l].units; j++)
                b[j] = 0.1 * ((double)(j % 5) - 2);
        }
    }
    return net;
}

/* Every kind against central differences, double precision, on nets that
 * cover strides, valid padding, several channels, both pools, dropout,
 * an activation on every kind that takes one, with and without biases. */
static void test_gradcheck_every_kind(void **state)
{
    (void)state;
    static const struct {
        const char *layers;
        bp_shape in;
        size_t k;
    } nets[] = {
        {"conv:4:3,relu,maxpool:2,conv:6:3:s2:valid,tanh,dense:8,sigmoid",
         {1, 12, 12}, 3},
        {"conv:3:3:s2,sigmoid,avgpool:2,dense:5,tanh", {2, 9, 7}, 1},
        {"conv:2:5,none,conv:3:1,relu,maxpool:3", {3, 7, 8}, 4},
        {"conv:3:2,tanh,dropout:0.3,dense:6,relu,dropout:0.5", {1, 6, 6}, 3},
        {"dense:7,tanh,dropout:0.25,dense:4,sigmoid", {10, 1, 1}, 2},
        {"avgpool:2,conv:2:3:valid,sigmoid", {2, 8, 8}, 1},
        /* a strided din over several blocks of positions (100 of them,
         * 7 a block at 5 samples) */
        {"conv:4:3,tanh,conv:3:5:s2,tanh", {1, 20, 20}, 3},
    };
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        for (int bias = 0; bias <= 1; bias++) {
            bp_net *net = net_of(nets[i].layers, nets[i].in, nets[i].k, bias,
                                 7 + i);
            bp_dataset *ds = images(5, nets[i].in, nets[i].k, 3 + i);
            double rel = 1, big = 0;
            bp_error err;
            assert_int_equal(bp_gradcheck(net, ds, 1e-6, &rel, &big, &err),
                             BP_OK);
            if (!(rel < 1e-5) || !(big > 1e-6))
                fail_msg("%s (bias %d): max relative error %g, largest "
                         "gradient %g", nets[i].layers, bias, rel, big);
            bp_dataset_free(ds);
            bp_net_free(net);
        }
    }
}

static double *train(const bp_net *start, const bp_dataset *ds, bp_dtype dt,
                     int threads, size_t batch, int epochs, double *loss)
{
    bp_net *net = bp_net_clone(start, NULL);
    assert_non_null(net);
    bp_train_opts o = BP_TRAIN_OPTS_DEFAULT;
    o.optimizer = BP_OPT_ADAM;
    o.lr = 0.01;
    o.batch = batch;
    o.shuffle_seed = 42;
    o.dtype = dt;
    o.threads = threads;
    bp_error err;
    bp_trainer *tr = bp_trainer_new(net, ds, &o, &err);
    if (!tr)
        fail_msg("%s", err.msg);
    for (int e = 0; e < epochs; e++)
        assert_int_equal(bp_trainer_epoch(tr, loss, &err), BP_OK);
    bp_trainer_free(tr);
    size_t n = bp_net_param_count(net);
    double *w = malloc(n * sizeof *w);
    memcpy(w, bp_net_params(net), n * sizeof *w);
    bp_net_free(net);
    return w;
}

/* A run repeats bit for bit for a seed and a thread count (dropout's
 * masks come from the seed, the step and the sample's place in its
 * batch); one and two threads agree to rounding; float follows double. */
static void test_repeats_and_threads(void **state)
{
    (void)state;
    const char *layers = "conv:4:3,relu,maxpool:2,dropout:0.3,dense:12,relu";
    bp_shape in = {1, 10, 10};
    bp_net *net = net_of(layers, in, 3, 1, 5);
    bp_dataset *ds = images(90, in, 3, 9);
    size_t n = bp_net_param_count(net);
    for (int dt = BP_F64; dt <= BP_F32; dt++) {
        double l1, l1b, l2, l2b;
        double *a = train(net, ds, (bp_dtype)dt, 1, 16, 3, &l1);
        double *b = train(net, ds, (bp_dtype)dt, 1, 16, 3, &l1b);
        double *c = train(net, ds, (bp_dtype)dt, 2, 16, 3, &l2);
        double *d = train(net, ds, (bp_dtype)dt, 2, 16, 3, &l2b);
        assert_memory_equal(a, b, n * sizeof *a);
        assert_memory_equal(c, d, n * sizeof *c);
        assert_true(l1 == l1b && l2 == l2b);
        double tol = dt == BP_F64 ? 1e-9 : 1e-3, worst = 0;
        for (size_t k = 0; k < n; k++)
            worst = fmax(worst, fabs(a[k] - c[k]) / fmax(fabs(a[k]), 1e-2));
        if (!(worst < tol))
            fail_msg("%s: 1 and 2 threads differ by %g", dt ? "f32" : "f64",
                     worst);
        free(a);
        free(b);
        free(c);
        free(d);
    }
    bp_dataset_free(ds);
    bp_net_free(net);
}

/* Dropout is off at evaluation: two evaluations agree, and a network of
 * dropout at rate 0 equals the one without the layer, bit for bit. */
static void test_dropout_evaluation(void **state)
{
    (void)state;
    bp_shape in = {1, 8, 8};
    bp_net *with = net_of("conv:3:3,relu,dropout:0.5,dense:6,relu", in, 3, 1, 4);
    bp_net *zero = net_of("conv:3:3,relu,dropout:0,dense:6,relu", in, 3, 1, 4);
    bp_net *none = net_of("conv:3:3,relu,dense:6,relu", in, 3, 1, 4);
    bp_dataset *ds = images(20, in, 3, 2);
    size_t n = bp_net_param_count(none);
    assert_int_equal(bp_net_param_count(with), n);
    memcpy(bp_net_params(with), bp_net_params(none), n * sizeof(double));
    memcpy(bp_net_params(zero), bp_net_params(none), n * sizeof(double));
    double la, lb, lc, acc;
    assert_int_equal(bp_evaluate(with, ds, &la, &acc, NULL), BP_OK);
    assert_int_equal(bp_evaluate(none, ds, &lb, &acc, NULL), BP_OK);
    assert_true(la == lb);
    double *g0 = malloc(n * sizeof *g0), *g1 = malloc(n * sizeof *g1);
    assert_int_equal(bp_gradient(zero, ds, g0, &lc, NULL), BP_OK);
    assert_int_equal(bp_gradient(none, ds, g1, &lb, NULL), BP_OK);
    assert_memory_equal(g0, g1, n * sizeof *g0);
    /* at rate 0.5 the training gradient differs from the evaluation's */
    assert_int_equal(bp_gradient(with, ds, g0, &la, NULL), BP_OK);
    assert_true(la != lb);
    free(g0);
    free(g1);
    bp_dataset_free(ds);
    bp_net_free(with);
    bp_net_free(zero);
    bp_net_free(none);
}

/* A network evaluated in float (bp_eval_opts.dtype): the double
 * predictions to float precision, and not the same bits (it does run in
 * float); an unknown dtype refused. */
static void test_float_evaluation(void **state)
{
    (void)state;
    bp_shape in = {2, 9, 9};
    bp_net *net = net_of("conv:5:3,relu,maxpool:2,conv:4:3:s2,tanh,dense:7,relu",
                         in, 4, 1, 12);
    bp_dataset *ds = images(70, in, 4, 13);
    size_t count = ds->n * ds->n_out;
    double *p64 = malloc(count * sizeof *p64), *p32 = malloc(count * sizeof *p32);
    bp_error err;
    assert_int_equal(bp_predict_with(net, (bp_eval_opts){0}, ds->x, ds->n,
                                     p64, &err), BP_OK);
    assert_int_equal(bp_predict_with(net, (bp_eval_opts){.dtype = BP_F32},
                                     ds->x, ds->n, p32, &err), BP_OK);
    int differ = 0;
    for (size_t e = 0; e < count; e++) {
        assert_true(fabs(p64[e] - p32[e]) < 1e-5);
        differ |= p64[e] != p32[e];
    }
    assert_true(differ);
    double l64, l32, a64, a32;
    assert_int_equal(bp_evaluate_with(net, (bp_eval_opts){0}, ds, &l64, &a64,
                                      &err), BP_OK);
    assert_int_equal(bp_evaluate_with(net, (bp_eval_opts){.dtype = BP_F32}, ds,
                                      &l32, &a32, &err), BP_OK);
    assert_close(l32, l64, 1e-5);
    assert_int_equal(bp_predict_with(net, (bp_eval_opts){.dtype = BP_DTYPE_COUNT},
                                     ds->x, ds->n, p32, &err), BP_EINVAL);
    assert_string_equal(err.msg, "unknown dtype 2");
    free(p64);
    free(p32);
    bp_dataset_free(ds);
    bp_net_free(net);
}

/* bp_trainer_on_batch: called after every mini-batch but an epoch's
 * last, on the caller's thread, with the samples done so far. */
typedef struct {
    size_t calls, done[16], total;
} batches_seen;

static void on_batch(void *ctx, size_t done, size_t total)
{
    batches_seen *b = ctx;
    if (b->calls < 16)
        b->done[b->calls] = done;
    b->calls++;
    b->total = total;
}

static void test_progress_callback(void **state)
{
    (void)state;
    bp_shape in = {1, 6, 6};
    bp_net *net = net_of("conv:2:3,relu,maxpool:2", in, 3, 1, 3);
    bp_dataset *ds = images(90, in, 3, 4);
    bp_train_opts o = BP_TRAIN_OPTS_DEFAULT;
    o.batch = 16;
    o.threads = 2;
    bp_trainer *tr = bp_trainer_new(net, ds, &o, NULL);
    assert_non_null(tr);
    batches_seen b = {0};
    bp_trainer_on_batch(tr, on_batch, &b);
    double loss;
    assert_int_equal(bp_trainer_epoch(tr, &loss, NULL), BP_OK);
    static const size_t want[] = {16, 32, 48, 64, 80};
    assert_int_equal(b.calls, 5);
    assert_memory_equal(b.done, want, sizeof want);
    assert_int_equal(b.total, 90);
    bp_trainer_on_batch(tr, NULL, NULL);        /* off again */
    assert_int_equal(bp_trainer_epoch(tr, &loss, NULL), BP_OK);
    assert_int_equal(b.calls, 5);
    bp_trainer_free(tr);
    bp_dataset_free(ds);
    bp_net_free(net);
}

/* Shapes that do not fit are refused with the layer and the shapes. */
static void test_shape_errors(void **state)
{
    (void)state;
    static const struct {
        const char *layers;
        bp_shape in;
        const char *msg;
    } bad[] = {
        {"conv:4:3,maxpool:8", {1, 5, 5},
         "layer 2 (maxpool:8) does not fit: a 8x8 pool is larger than its "
         "4x5x5 input"},
        {"dense:5,conv:2:3", {1, 6, 6},
         "layer 2 (conv:2:3) does not fit: a convolution takes images "
         "(channels x height x width), and its input is 5 flat values"},
        {"conv:2:7:valid", {1, 6, 6},
         "layer 1 (conv:2:7:valid) does not fit: a 7x7 kernel without "
         "padding does not fit its 1x6x6 input"},
        {"maxpool:2", {12, 1, 1},
         "layer 1 (maxpool:2) does not fit: a pool takes images (channels "
         "x height x width), and its input is 12 flat values"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bp_arch a = arch_of(bad[i].layers, bad[i].in, 3, 1);
        bp_error err;
        assert_null(bp_net_new(&a, &err));
        assert_int_equal(err.code, BP_EINVAL);
        assert_string_equal(err.msg, bad[i].msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradcheck_every_kind),
        cmocka_unit_test(test_repeats_and_threads),
        cmocka_unit_test(test_dropout_evaluation),
        cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_float_evaluation),
        cmocka_unit_test(test_progress_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
