/*
 * test_fault.c - every allocation failure, one at a time.
 *
 * For an operation, the test runs it once to count its allocations n, then
 * n more times with allocation k = 1..n failing (fault_alloc.h), until a run
 * in which the failure point is never reached.  Every run must
 *   - either succeed with exactly the result of a run without failures, or
 *     fail cleanly: a status of BP_ENOMEM or BP_EIO (glibc's fopen reports
 *     its own allocation failure as an I/O error, ENOMEM) and a message;
 *   - never crash;
 *   - leave no block allocated in the run live after the objects are freed.
 * The operations: a whole training run (bp_net_new, bp_net_init,
 * bp_data_xor, bp_trainer_new, 50 epochs, bp_evaluate), bp_model_save (which
 * on failure must also leave the previous file as it was and no temporary
 * file behind) and bp_model_load (where an allocation failing inside
 * cJSON's parser is reported as a malformed header: cJSON returns NULL for
 * both, so BP_EFORMAT with a message naming JSON is accepted there).
 *
 * Skipped under AddressSanitizer, which replaces malloc itself (see
 * fault_alloc.h); the optimised build of `make test` runs it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "fault_alloc.h"
#include "backprop.h"

#define TEST_FOLDER "/tmp/bp-test-fault.XXXXXX"
#include "test_folder.h"

/* Above this many allocation points an operation is taken to loop. */
#define MAX_POINTS 100000UL

static void skip_unless_available(void)
{
    const char *why;
    if (!fault_available(&why)) {
        print_message("fault injection skipped: %s\n", why);
        skip();
    }
}

/* A failure the caller can report: ENOMEM or EIO, with a message. */
static void assert_clean_error(const char *op, unsigned long k, bp_status st,
                               const bp_error *err)
{
    if (st != BP_ENOMEM && st != BP_EIO)
        fail_msg("%s, allocation %lu failing: status %d (%s), expected "
                 "out of memory or an I/O error; message \"%s\"",
                 op, k, (int)st, bp_status_name(st), err->msg);
    if (err->code != st)
        fail_msg("%s, allocation %lu failing: returned %d, err.code %d", op,
                 k, (int)st, (int)err->code);
    if (err->msg[0] == '\0')
        fail_msg("%s, allocation %lu failing: no message", op, k);
}

static void assert_no_leak(const char *op, unsigned long k, size_t live)
{
    if (live)
        fail_msg("%s, allocation %lu failing: %zu block(s) never freed", op,
                 k, live);
}

static bp_arch seed_arch(void)
{
    bp_arch a = {.n_layers = 3, .sizes = {2, 10, 10, 1},
                 .hidden = BP_ACT_SIGMOID, .bias = 1, .loss = BP_LOSS_BCE};
    return a;
}

static void assert_same_net(const bp_net *a, const bp_net *b)
{
    const bp_arch *x = bp_net_arch(a), *y = bp_net_arch(b);
    assert_int_equal(x->n_layers, y->n_layers);
    for (int l = 0; l <= x->n_layers; l++)
        assert_int_equal(x->sizes[l], y->sizes[l]);
    assert_int_equal(x->hidden, y->hidden);
    assert_int_equal(x->bias, y->bias);
    assert_int_equal(x->loss, y->loss);
    assert_int_equal(bp_net_param_count(a), bp_net_param_count(b));
    assert_memory_equal(bp_net_params_const(a), bp_net_params_const(b),
                        bp_net_param_count(a) * sizeof(double));
}

/* ------------------------------------------------------------ training */

typedef struct {
    double loss, accuracy;
    double params[256];
    size_t n_params;
} train_result;

/* The whole run; everything it allocates is freed before it returns. */
static bp_status train_run(train_result *res, bp_error *err)
{
    bp_arch arch = seed_arch();
    bp_train_opts opts = {.optimizer = BP_OPT_MOMENTUM, .lr = 0.1, .momentum = 0.9};
    bp_dataset *ds = NULL;
    bp_trainer *tr = NULL;
    bp_status st;
    bp_net *net = bp_net_new(&arch, err);
    if (!net)
        return err->code == BP_OK ? BP_EINVAL : err->code;
    st = bp_net_init(net, BP_INIT_NUMPY, 1, err);
    if (st)
        goto done;
    ds = bp_data_xor(err);
    if (!ds) {
        st = err->code == BP_OK ? BP_EINVAL : err->code;
        goto done;
    }
    tr = bp_trainer_new(net, ds, &opts, err);
    if (!tr) {
        st = err->code == BP_OK ? BP_EINVAL : err->code;
        goto done;
    }
    for (int e = 0; e < 50 && !st; e++) {
        double loss;
        st = bp_trainer_epoch(tr, &loss, err);
    }
    if (!st)
        st = bp_evaluate(net, ds, &res->loss, &res->accuracy, err);
    if (!st) {
        res->n_params = bp_net_param_count(net);
        if (res->n_params <= sizeof res->params / sizeof res->params[0])
            memcpy(res->params, bp_net_params_const(net),
                   res->n_params * sizeof(double));
    }
done:
    bp_trainer_free(tr);
    bp_dataset_free(ds);
    bp_net_free(net);
    return st;
}

static void test_fault_training(void **state)
{
    (void)state;
    skip_unless_available();
    bp_error err;
    train_result want, got;
    memset(&want, 0, sizeof want);
    fault_begin(0);
    bp_status st = train_run(&want, &err);
    size_t live = fault_end();
    assert_int_equal(st, BP_OK);
    assert_no_leak("training", 0, live);
    assert_true(want.n_params <= sizeof want.params / sizeof want.params[0]);
    unsigned long points = fault_state.count, k;
    assert_true(points > 0);

    for (k = 1; k <= MAX_POINTS; k++) {
        memset(&got, 0, sizeof got);
        memset(&err, 0, sizeof err);
        fault_begin(k);
        st = train_run(&got, &err);
        live = fault_end();
        assert_no_leak("training", k, live);
        if (!fault_state.injected) {
            assert_int_equal(st, BP_OK);
            break;
        }
        if (st == BP_OK) {
            assert_same_double(got.loss, want.loss);
            assert_same_double(got.accuracy, want.accuracy);
            assert_memory_equal(got.params, want.params,
                                want.n_params * sizeof(double));
        } else {
            assert_clean_error("training", k, st, &err);
        }
    }
    assert_true(k <= MAX_POINTS);
    print_message("fault: training run: %lu allocation points, each failed "
                  "once\n", k - 1);
}

/* ------------------------------------------------------------- saving */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Files in the folder other than `except`. */
static int stray_files(const char *except)
{
    DIR *d = opendir(folder);
    assert_non_null(d);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            strcmp(e->d_name, except) != 0) {
            print_message("stray file %s/%s\n", folder, e->d_name);
            count++;
        }
    closedir(d);
    return count;
}

static bp_net *make_net(uint64_t seed)
{
    bp_arch arch = seed_arch();
    bp_net *net = bp_net_new(&arch, NULL);
    assert_non_null(net);
    assert_int_equal(bp_net_init(net, BP_INIT_NORMAL, seed, NULL), BP_OK);
    return net;
}

static void test_fault_save(void **state)
{
    (void)state;
    skip_unless_available();
    char path[256];
    path_in(path, sizeof path, "m.bpm");
    bp_net *old = make_net(1), *net = make_net(2);
    bp_error err;
    /* The previous model, which a failed save must leave alone. */
    assert_int_equal(bp_model_save(old, path, &err), BP_OK);
    size_t old_len;
    char *old_bytes = slurp(path, &old_len);
    assert_non_null(old_bytes);

    fault_begin(0);
    bp_status st = bp_model_save(net, path, &err);
    size_t live = fault_end();
    assert_int_equal(st, BP_OK);
    assert_no_leak("bp_model_save", 0, live);
    unsigned long k;
    for (k = 1; k <= MAX_POINTS; k++) {
        assert_int_equal(bp_model_save(old, path, &err), BP_OK);
        memset(&err, 0, sizeof err);
        fault_begin(k);
        st = bp_model_save(net, path, &err);
        live = fault_end();
        assert_no_leak("bp_model_save", k, live);
        if (stray_files("m.bpm"))
            fail_msg("bp_model_save, allocation %lu failing: a temporary "
                     "file was left behind", k);
        if (st == BP_OK) {
            bp_net *back = bp_model_load(path, &err);
            if (!back)
                fail_msg("bp_model_save, allocation %lu failing: reported "
                         "success but the file does not load: %s", k,
                         err.msg);
            assert_same_net(back, net);
            bp_net_free(back);
            if (!fault_state.injected)
                break;
        } else {
            assert_true(fault_state.injected);
            assert_clean_error("bp_model_save", k, st, &err);
            size_t len;
            char *bytes = slurp(path, &len);
            if (!bytes || len != old_len || memcmp(bytes, old_bytes, len))
                fail_msg("bp_model_save, allocation %lu failing: the "
                         "previous model was changed", k);
            free(bytes);
        }
    }
    assert_true(k <= MAX_POINTS);
    print_message("fault: bp_model_save: %lu allocation points, each failed "
                  "once\n", k - 1);
    free(old_bytes);
    bp_net_free(old);
    bp_net_free(net);
}

/* ------------------------------------------------------------ loading */

static void test_fault_load(void **state)
{
    (void)state;
    skip_unless_available();
    char path[256];
    path_in(path, sizeof path, "load.bpm");
    bp_net *net = make_net(3);
    bp_error err;
    assert_int_equal(bp_model_save(net, path, &err), BP_OK);

    fault_begin(0);
    bp_net *back = bp_model_load(path, &err);
    bp_net_free(back);
    size_t live = fault_end();
    assert_non_null(back);
    assert_no_leak("bp_model_load", 0, live);
    unsigned long k;
    for (k = 1; k <= MAX_POINTS; k++) {
        memset(&err, 0, sizeof err);
        fault_begin(k);
        back = bp_model_load(path, &err);
        int injected = fault_state.injected;
        if (back) {
            fault_state.open = 0;          /* compare outside the window */
            assert_same_net(back, net);
            fault_state.open = 1;
        }
        bp_net_free(back);
        live = fault_end();
        assert_no_leak("bp_model_load", k, live);
        if (!injected) {
            assert_non_null(back);
            break;
        }
        /* cJSON cannot tell running out of memory from a syntax error:
         * a failed allocation inside cJSON_ParseWithLength comes back as
         * "the header is not a JSON object" (BP_EFORMAT).  Accepted here,
         * for the JSON parse only; every other failure must be clean. */
        if (!back && !(err.code == BP_EFORMAT && strstr(err.msg, "JSON")))
            assert_clean_error("bp_model_load", k, err.code, &err);
    }
    assert_true(k <= MAX_POINTS);
    print_message("fault: bp_model_load: %lu allocation points, each failed "
                  "once\n", k - 1);
    bp_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_training),
        cmocka_unit_test(test_fault_save),
        cmocka_unit_test(test_fault_load),
    };
    return cmocka_run_group_tests(tests, make_folder, remove_folder);
}
