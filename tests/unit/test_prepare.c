/* test_prepare.c - tables into training sets (bp_prepare and friends):
 * class order, the task read from the labels, standardisation that cannot
 * overflow, a regression target's standardisation carried by the model
 * and undone by bp_model_predict, the CSV layout the model remembers, the
 * training options' default and a never-initialised network refused. */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "backprop.h"

#define TEST_FOLDER "/tmp/bp-test-prepare.XXXXXX"
#include "test_folder.h"

static bp_table *csv(const char *name, const char *text,
                     const bp_csv_opts *opts)
{
    char path[256];
    path_in(path, sizeof path, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    bp_error err = {BP_OK, ""};
    bp_table *t = bp_csv_read(path, opts, &err);
    if (!t)
        fail_msg("%s", err.msg);
    return t;
}

/* Numbers in numeric order (as scikit-learn's classes_), words sorted. */
static void test_class_order(void **state)
{
    (void)state;
    bp_table *t = csv("n.csv", "1,10\n2,2\n3,0\n4,2\n5,10\n", NULL);
    assert_int_equal(t->n_classes, 3);
    assert_string_equal(t->class_names[0], "0");
    assert_string_equal(t->class_names[1], "2");
    assert_string_equal(t->class_names[2], "10");
    const double want[] = {2, 1, 0, 1, 2};
    for (int i = 0; i < 5; i++)
        assert_same_double(t->target[i], want[i]);
    bp_table_free(t);
    t = csv("w.csv", "1,pear\n2,apple\n3,fig\n", NULL);
    assert_string_equal(t->class_names[0], "apple");
    assert_string_equal(t->class_names[1], "fig");
    assert_string_equal(t->class_names[2], "pear");
    assert_same_double(t->target[0], 2);
    bp_table_free(t);
}

/* Delimiter detection, the label name and header remembered. */
static void test_layout(void **state)
{
    (void)state;
    bp_csv_opts o = {.header = -1, .delimiter = 0, .label = "kind"};
    bp_table *t = csv("s.csv", "a;kind;b\n1;x;2\n3;y;4\n", &o);
    assert_int_equal(t->delimiter, ';');
    assert_int_equal(t->header, 1);
    assert_string_equal(t->label_name, "kind");
    assert_int_equal(t->d, 2);
    bp_table_free(t);
    t = csv("t.csv", "1\t2\tx\n3\t4\ty\n", NULL);
    assert_int_equal(t->delimiter, '\t');
    assert_int_equal(t->header, 0);
    assert_string_equal(t->label_name, "2");
    bp_table_free(t);
    /* no label: every column is a feature */
    bp_csv_opts none = {.header = -1, .no_label = 1};
    t = csv("u.csv", "p,q\n1,2\n3,4\n", &none);
    assert_int_equal(t->d, 2);
    assert_int_equal(t->n, 2);
    assert_int_equal(t->n_classes, 0);
    assert_null(t->label_name);
    bp_table_free(t);
}

static void test_task_detect(void **state)
{
    (void)state;
    bp_table *t = csv("r.csv", "1,0.5\n2,1\n3,1.5\n", NULL);
    assert_int_equal(bp_task_detect(t), BP_TASK_REGRESSION);
    bp_table_free(t);
    t = csv("c.csv", "1,0\n2,1\n3,2\n4,1\n5,0\n6,2\n", NULL);
    assert_int_equal(bp_task_detect(t), BP_TASK_CLASSIFICATION);
    bp_table_free(t);
    /* 30 whole values on 60 rows: too many classes for the rows */
    char text[2048] = "";
    for (int i = 0; i < 60; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%d\n",
                 i, i % 30);
    t = csv("m.csv", text, NULL);
    assert_int_equal(bp_task_detect(t), BP_TASK_REGRESSION);
    bp_table_free(t);
    /* 5 whole values on 5 rows: one row a class */
    t = csv("s.csv", "1,100\n2,250\n3,130\n4,90\n5,301\n", NULL);
    assert_int_equal(bp_task_detect(t), BP_TASK_REGRESSION);
    bp_table_free(t);
    /* 3 classes on 6 rows are still classes */
    t = csv("k.csv", "1,0\n2,1\n3,2\n4,0\n5,1\n6,2\n", NULL);
    assert_int_equal(bp_task_detect(t), BP_TASK_CLASSIFICATION);
    bp_table_free(t);
    t = csv("wd.csv", "1,a\n2,b\n", NULL);
    assert_int_equal(bp_task_detect(t), BP_TASK_CLASSIFICATION);
    bp_table_free(t);
}

/* Extreme values give finite statistics and finite standardised values. */
static void test_standardise_extremes(void **state)
{
    (void)state;
    const char *files[] = {
        "1e308,0\n2,1\n-1e308,0\n4,1\n",
        "1.7976931348623157e308,0\n-1.7976931348623157e308,1\n"
        "1.7976931348623157e308,0\n",
        "1e154,0\n-1e154,1\n1e154,0\n-1e154,1\n",
        "4.9e-324,0\n0,1\n4.9e-324,0\n",
    };
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        bp_table *t = csv("x.csv", files[k], NULL);
        bp_prepared p;
        bp_error err;
        assert_int_equal(bp_prepare(t, NULL, &p, &err), BP_OK);
        bp_table_free(t);
        assert_true(isfinite(p.extra.mean[0]));
        assert_true(isfinite(p.extra.std[0]) && p.extra.std[0] > 0);
        for (size_t s = 0; s < p.train->n; s++)
            assert_true(isfinite(p.train->x[s]));
        bp_prepared_free(&p);
    }
    /* ordinary values keep the plain two-pass numbers */
    bp_table *t = csv("o.csv", "1,0\n2,1\n4,0\n", NULL);
    bp_prepared p;
    assert_int_equal(bp_prepare(t, NULL, &p, NULL), BP_OK);
    bp_table_free(t);
    double mean = 7.0 / 3.0;
    double e0 = 1 - mean, e1 = 2 - mean, e2 = 4 - mean;
    assert_same_double(p.extra.mean[0], mean);
    assert_same_double(p.extra.std[0],
                       sqrt((e0 * e0 + e1 * e1 + e2 * e2) / 3.0));
    bp_prepared_free(&p);
}

/* A regression's target is standardised, stored, saved, loaded and undone
 * by bp_model_predict; the CSV layout travels with it. */
static void test_regression_target(void **state)
{
    (void)state;
    bp_table *t = csv("y.csv", "a,b,y\n1,2,100.5\n2,1,300\n3,5,250\n4,4,50\n",
                      NULL);
    bp_prepared p;
    bp_error err;
    assert_int_equal(bp_prepare(t, NULL, &p, &err), BP_OK);
    bp_table_free(t);
    assert_int_equal(p.task, BP_TASK_REGRESSION);
    assert_true(p.task_detected);
    assert_int_equal(p.output, BP_OUT_LINEAR);
    assert_close(p.extra.target_mean, 175.125, 1e-15);
    assert_true(p.extra.target_std > 100 && p.extra.target_std < 106);
    double m = 0;
    for (size_t s = 0; s < 4; s++)
        m += p.train->y[s];
    assert_true(fabs(m) < 1e-12);
    assert_string_equal(p.extra.label, "y");
    assert_int_equal(p.extra.delimiter, ',');
    assert_int_equal(p.extra.header, 1);

    bp_arch a = {.n_layers = 1, .sizes = {2, 1}, .hidden = BP_ACT_NONE,
                 .bias = 1, .loss = BP_LOSS_MSE, .output = BP_OUT_LINEAR};
    bp_net *net = bp_net_new(&a, &err);
    assert_non_null(net);
    bp_net_bias(net, 0)[0] = 0.5;   /* y' = 0.5 whatever the input */
    char path[256];
    path_in(path, sizeof path, "y.bpm");
    assert_int_equal(bp_model_save_extra(net, &p.extra, path, &err), BP_OK);
    bp_model_extra ex;
    bp_net *back = bp_model_load_extra(path, &ex, &err);
    assert_non_null(back);
    assert_same_double(ex.target_mean, p.extra.target_mean);
    assert_same_double(ex.target_std, p.extra.target_std);
    assert_string_equal(ex.label, "y");
    assert_int_equal(ex.delimiter, ',');
    assert_int_equal(ex.header, 1);
    double x[2] = {1, 2}, out;
    assert_int_equal(bp_model_predict(back, &ex, x, 1, &out, &err), BP_OK);
    assert_same_double(out, 0.5 * ex.target_std + ex.target_mean);
    bp_model_extra_free(&ex);
    bp_net_free(back);
    bp_net_free(net);

    /* bp_prepare_for_model standardises a file's target the same way */
    bp_prepared_free(&p);
}

/* A test file with a class the training file lacks is refused naming it;
 * its features are standardised with the training statistics. */
static void test_prepare_test(void **state)
{
    (void)state;
    bp_table *t = csv("tr.csv", "0,a\n2,b\n4,a\n6,b\n", NULL);
    bp_prepared p;
    bp_error err;
    assert_int_equal(bp_prepare(t, NULL, &p, &err), BP_OK);
    bp_table_free(t);
    assert_int_equal(p.output, BP_OUT_SIGMOID);
    bp_table *u = csv("te.csv", "3,b\n", NULL);
    assert_int_equal(bp_prepare_test(&p, u, 0, &err), BP_OK);
    bp_table_free(u);
    assert_same_double(p.test->x[0], (3 - 3) / sqrt(5.0));
    assert_same_double(p.test->y[0], 1);
    bp_dataset_free(p.test);
    p.test = NULL;
    u = csv("bad.csv", "3,c\n", NULL);
    assert_int_equal(bp_prepare_test(&p, u, 0, &err), BP_EINVAL);
    assert_non_null(strstr(err.msg, "class 'c'"));
    bp_table_free(u);
    bp_prepared_free(&p);
}

/* The split keeps every row once, and the default options train. */
static void test_split_and_defaults(void **state)
{
    (void)state;
    char text[1024] = "";
    for (int i = 0; i < 40; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%d\n",
                 i, i % 2);
    bp_table *t = csv("sp.csv", text, NULL);
    bp_prepare_opts o = {.split = 0.25, .split_seed = 3,
                         .no_standardize = 1};
    bp_prepared p;
    bp_error err;
    assert_int_equal(bp_prepare(t, &o, &p, &err), BP_OK);
    bp_table_free(t);
    assert_int_equal(p.train->n, 30);
    assert_int_equal(p.test->n, 10);
    double sum = 0;
    for (size_t s = 0; s < 30; s++)
        sum += p.train->x[s];
    for (size_t s = 0; s < 10; s++)
        sum += p.test->x[s];
    assert_same_double(sum, 780.0);

    bp_train_opts d = bp_train_opts_default();
    bp_train_opts m = BP_TRAIN_OPTS_DEFAULT;
    assert_int_equal(d.optimizer, BP_OPT_MOMENTUM);
    assert_same_double(d.lr, 0.1);
    assert_same_double(d.momentum, 0.9);
    assert_int_equal(memcmp(&d, &m, sizeof d), 0);

    bp_arch a = {.n_layers = 2, .sizes = {1, 4, 1}, .hidden = BP_ACT_TANH,
                 .bias = 1, .loss = BP_LOSS_BCE, .output = BP_OUT_SIGMOID};
    bp_net *net = bp_net_new(&a, &err);
    assert_non_null(net);
    /* never initialised: refused, naming bp_net_init */
    assert_null(bp_trainer_new(net, p.train, &d, &err));
    assert_non_null(strstr(err.msg, "bp_net_init"));
    assert_int_equal(bp_net_init(net, BP_INIT_XAVIER, 1, &err), BP_OK);
    bp_trainer *tr = bp_trainer_new(net, p.train, &d, &err);
    assert_non_null(tr);
    double loss;
    assert_int_equal(bp_trainer_epoch(tr, &loss, &err), BP_OK);
    bp_trainer_free(tr);
    bp_net_free(net);
    bp_prepared_free(&p);
}

/* A model file of format version 1 (before the target's standardisation)
 * still loads. */
static void test_version1_loads(void **state)
{
    (void)state;
    bp_arch a = {.n_layers = 1, .sizes = {1, 1}, .bias = 0,
                 .loss = BP_LOSS_BCE, .output = BP_OUT_SIGMOID};
    bp_error err;
    bp_net *net = bp_net_new(&a, &err);
    char path[256];
    path_in(path, sizeof path, "v1.bpm");
    assert_int_equal(bp_model_save(net, path, &err), BP_OK);
    FILE *f = fopen(path, "rb");
    char buf[512];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    assert_non_null(strstr(buf + 8, "\"format_version\":\"1\""));
    bp_model_extra ex;
    bp_net *back = bp_model_load_extra(path, &ex, &err);
    assert_non_null(back);
    assert_int_equal(ex.header, -1);
    assert_null(ex.label);
    assert_same_double(ex.target_std, 0);
    bp_model_extra_free(&ex);
    bp_net_free(back);
    bp_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_order),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_task_detect),
        cmocka_unit_test(test_standardise_extremes),
        cmocka_unit_test(test_regression_target),
        cmocka_unit_test(test_prepare_test),
        cmocka_unit_test(test_split_and_defaults),
        cmocka_unit_test(test_version1_loads),
    };
    return cmocka_run_group_tests(tests, make_folder, remove_folder);
}
