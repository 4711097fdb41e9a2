/* test_model.c - model files: round trip, validation, atomic writes. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_util.h"
#include "backprop.h"

#define TEST_FOLDER "/tmp/bp-test-model.XXXXXX"
#include "test_folder.h"

static bp_net *random_net(int bias, bp_activation act)
{
    bp_arch a = {.n_layers = 3, .sizes = {2, 7, 3, 1}, .hidden = act,
                 .bias = bias, .loss = BP_LOSS_MSE};
    bp_net *net = bp_net_new(&a, NULL);
    assert_non_null(net);
    assert_int_equal(bp_net_init(net, BP_INIT_HE, 11, NULL), BP_OK);
    for (int l = 0; bias && l < 3; l++)
        bp_net_bias(net, l)[0] = -0.125 * (l + 1);
    return net;
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* save -> load gives the same architecture and bit-identical parameters,
 * and the same predictions. */
static void test_round_trip(void **state)
{
    (void)state;
    for (int bias = 0; bias <= 1; bias++) {
        bp_net *net = random_net(bias, bias ? BP_ACT_TANH : BP_ACT_RELU);
        char path[256];
        path_in(path, sizeof path, "m.bpm");
        bp_error err;
        assert_int_equal(bp_model_save(net, path, &err), BP_OK);
        bp_net *back = bp_model_load(path, &err);
        assert_non_null(back);
        const bp_arch *a = bp_net_arch(net), *b = bp_net_arch(back);
        assert_int_equal(a->n_layers, b->n_layers);
        for (int l = 0; l <= a->n_layers; l++)
            assert_int_equal(a->sizes[l], b->sizes[l]);
        assert_int_equal(a->hidden, b->hidden);
        assert_int_equal(a->bias, b->bias);
        assert_int_equal(a->loss, b->loss);
        assert_int_equal(bp_net_param_count(net), bp_net_param_count(back));
        assert_memory_equal(bp_net_params_const(net),
                            bp_net_params_const(back),
                            bp_net_param_count(net) * sizeof(double));
        double x[4] = {0.1, 0.9, -3, 2}, p1[2], p2[2];
        bp_predict(net, x, 2, p1, NULL);
        bp_predict(back, x, 2, p2, NULL);
        assert_memory_equal(p1, p2, sizeof p1);
        bp_net_free(back);
        bp_net_free(net);
    }
}

/* The header says what the README documents: length, JSON, metadata. */
static void test_layout(void **state)
{
    (void)state;
    bp_net *net = random_net(0, BP_ACT_SIGMOID);
    char path[256];
    path_in(path, sizeof path, "layout.bpm");
    assert_int_equal(bp_model_save(net, path, NULL), BP_OK);
    size_t len;
    unsigned char *buf = read_all(path, &len);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | buf[i];
    assert_int_equal(hlen % 8, 0);
    assert_int_equal(len, 8 + hlen + bp_net_param_count(net) * 8);
    char *json = strndup((char *)buf + 8, hlen);
    assert_non_null(strstr(json, "\"format\":\"backprop\""));
    assert_non_null(strstr(json, "\"sizes\":\"2,7,3,1\""));
    assert_non_null(strstr(json, "\"layers.0.weight\":{\"dtype\":\"F64\","
                                 "\"shape\":[7,2],\"data_offsets\":[0,112]}"));
    /* first weight, little-endian, right after the header */
    double w0;
    memcpy(&w0, buf + 8 + hlen, 8);
    assert_same_double(w0, bp_net_params_const(net)[0]);
    free(json);
    free(buf);
    bp_net_free(net);
}

/* Every truncation and every single-byte change of a valid file either
 * loads or fails with a message; none crashes (ASan watches). */
static void test_corruptions(void **state)
{
    (void)state;
    bp_net *net = random_net(1, BP_ACT_SIGMOID);
    char path[256];
    path_in(path, sizeof path, "c.bpm");
    assert_int_equal(bp_model_save(net, path, NULL), BP_OK);
    size_t len;
    unsigned char *good = read_all(path, &len);
    bp_error err;
    for (size_t cut = 0; cut < len; cut++) {
        err.msg[0] = '\0';
        assert_null(bp_model_load_buffer(good, cut, &err));
        assert_true(err.msg[0] != '\0');
    }
    unsigned char *bad = malloc(len);
    size_t loaded = 0, refused = 0;
    const unsigned char values[] = {0, '"', '{', '9', 0xff, ' '};
    for (size_t at = 0; at < len; at++) {
        for (size_t v = 0; v < sizeof values; v++) {
            memcpy(bad, good, len);
            if (bad[at] == values[v])
                continue;
            bad[at] = values[v];
            bp_net *m = bp_model_load_buffer(bad, len, &err);
            if (m)
                loaded++;
            else
                refused++;
            bp_net_free(m);
        }
    }
    assert_true(refused > 0 && loaded > 0);  /* data bytes may change */
    free(bad);
    free(good);
    bp_net_free(net);
}

static void expect_refused(const char *text, size_t data_bytes,
                           const char *words)
{
    size_t hlen = strlen(text);
    size_t len = 8 + hlen + data_bytes;
    unsigned char *buf = calloc(1, len);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    memcpy(buf + 8, text, hlen);
    bp_error err;
    bp_net *m = bp_model_load_buffer(buf, len, &err);
    if (m || !strstr(err.msg, words))
        fail_msg("expected an error with \"%s\", got %s", words,
                 m ? "a model" : err.msg);
    free(buf);
}

#define META "\"__metadata__\":{\"format\":\"backprop\",\"format_version\":\"1\"," \
             "\"sizes\":\"1,1\",\"hidden_activation\":\"sigmoid\","          \
             "\"output_activation\":\"sigmoid\",\"loss\":\"bce\","            \
             "\"bias\":\"false\"}"

static void test_refusals(void **state)
{
    (void)state;
    const char *w = "\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":[1,1],"
                    "\"data_offsets\":[0,8]}";
    char text[1024];
    snprintf(text, sizeof text, "{%s,%s}", META, w);
    /* the valid file loads */
    {
        size_t hlen = strlen(text);
        unsigned char buf[1024] = {0};
        buf[0] = (unsigned char)hlen;
        memcpy(buf + 8, text, hlen);
        double one = 1.0;
        memcpy(buf + 8 + hlen, &one, 8);
        bp_net *m = bp_model_load_buffer(buf, 16 + hlen, NULL);
        assert_non_null(m);
        assert_true(bp_net_params_const(m)[0] == 1.0);
        bp_net_free(m);
    }
    expect_refused("{\"__metadata__\":{\"format\":\"pt\"}}", 0, "not a backprop");
    expect_refused("{}", 0, "not a backprop");
    expect_refused("[1,2]", 0, "JSON object");
    expect_refused("{\"a\":", 0, "JSON object");
    snprintf(text, sizeof text, "{%s}", META);
    expect_refused(text, 8, "missing");
    snprintf(text, sizeof text, "{%s,%s}", META,
             "\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[1,1],"
             "\"data_offsets\":[0,4]}");
    expect_refused(text, 8, "F64");
    snprintf(text, sizeof text, "{%s,%s}", META,
             "\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":[2,1],"
             "\"data_offsets\":[0,16]}");
    expect_refused(text, 16, "shape");
    snprintf(text, sizeof text, "{%s,%s}", META,
             "\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":[1,1],"
             "\"data_offsets\":[0,8000000000]}");
    expect_refused(text, 8, "outside");
    snprintf(text, sizeof text, "{%s,%s}", META,
             "\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":[1,1],"
             "\"data_offsets\":[8,16]}");
    expect_refused(text, 16, "hole");
    snprintf(text, sizeof text, "{%s,%s}", META, w);
    expect_refused(text, 16, "after the last");
    snprintf(text, sizeof text, "{%s,%s,\"extra\":{}}", META, w);
    expect_refused(text, 8, "unexpected tensor");
    expect_refused("{\"__metadata__\":{\"format\":\"backprop\","
                   "\"format_version\":\"3\"}}", 0, "version");
    snprintf(text, sizeof text, "%s", META);
    char *p = strstr(text, "1,1");
    memcpy(p, "0,1", 3);
    char wrapped[1100];
    snprintf(wrapped, sizeof wrapped, "{%s}", text);
    expect_refused(wrapped, 0, "sizes");
    /* a header length beyond the file */
    unsigned char tiny[16] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, '{', '}'};
    bp_error err;
    assert_null(bp_model_load_buffer(tiny, sizeof tiny, &err));
    assert_non_null(strstr(err.msg, "header length"));
    /* a NaN weight */
    {
        snprintf(text, sizeof text, "{%s,%s}", META, w);
        size_t hlen = strlen(text);
        unsigned char buf[1024] = {0};
        buf[0] = (unsigned char)hlen;
        memcpy(buf + 8, text, hlen);
        double nan = NAN;
        memcpy(buf + 8 + hlen, &nan, 8);
        assert_null(bp_model_load_buffer(buf, 16 + hlen, &err));
        assert_non_null(strstr(err.msg, "finite"));
    }
}

/* A failed save names the path, leaves no temporary file and does not
 * touch an existing model. */
static void test_atomic_save(void **state)
{
    (void)state;
    bp_net *net = random_net(0, BP_ACT_SIGMOID);
    bp_error err;
    char path[256];
    path_in(path, sizeof path, "missing-dir/m.bpm");
    assert_int_equal(bp_model_save(net, path, &err), BP_EIO);
    assert_non_null(strstr(err.msg, "missing-dir/m.bpm"));
    /* never replace something that is not a regular file */
    path_in(path, sizeof path, "fifo");
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(bp_model_save(net, path, &err), BP_EIO);
    assert_non_null(strstr(err.msg, "not a regular file"));
    path_in(path, sizeof path, "");
    assert_int_equal(bp_model_save(net, path, &err), BP_EIO);
    /* through a symbolic link, the file it points to is replaced */
    char target[256];
    path_in(target, sizeof target, "target.bpm");
    path_in(path, sizeof path, "link.bpm");
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(bp_model_save(net, path, &err), BP_OK);
    bp_net *via = bp_model_load(target, NULL);
    assert_non_null(via);
    bp_net_free(via);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));

    path_in(path, sizeof path, "keep.bpm");
    assert_int_equal(bp_model_save(net, path, NULL), BP_OK);
    size_t len1, len2;
    unsigned char *before = read_all(path, &len1);
    assert_null(bp_model_load("/nonexistent/x.bpm", &err));
    assert_non_null(strstr(err.msg, "/nonexistent/x.bpm"));
    /* saving again writes the same bytes: the format is deterministic */
    assert_int_equal(bp_model_save(net, path, NULL), BP_OK);
    unsigned char *after = read_all(path, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(before, after, len1);
    free(before);
    free(after);
    /* no temporary file is left in the folder */
    DIR *d = opendir(folder);
    struct dirent *e;
    while ((e = readdir(d)))
        assert_null(strstr(e->d_name, ".tmp."));
    closedir(d);
    bp_net_free(net);
}

/* Class names and standardisation travel with the model. */
static void test_extras(void **state)
{
    (void)state;
    bp_arch a = {.n_layers = 2, .sizes = {3, 4, 3}, .hidden = BP_ACT_RELU,
                 .bias = 1, .loss = BP_LOSS_CE, .output = BP_OUT_SOFTMAX};
    bp_net *net = bp_net_new(&a, NULL);
    assert_non_null(net);
    bp_net_init(net, BP_INIT_HE, 5, NULL);
    char *names[] = {"Iris-setosa", "vers\"icolor", "virginica \u00e9"};
    double mean[3] = {5.8, 3.05, -1.5}, sd[3] = {0.83, 0.43, 1.76};
    bp_model_extra extra = {.n_classes = 3, .class_names = names, .mean = mean, .std = sd};
    char path[256];
    path_in(path, sizeof path, "extra.bpm");
    bp_error err;
    assert_int_equal(bp_model_save_extra(net, &extra, path, &err), BP_OK);
    bp_model_extra back;
    bp_net *loaded = bp_model_load_extra(path, &back, &err);
    assert_non_null(loaded);
    assert_int_equal(bp_net_arch(loaded)->output, BP_OUT_SOFTMAX);
    assert_int_equal(bp_net_arch(loaded)->loss, BP_LOSS_CE);
    assert_int_equal(back.n_classes, 3);
    for (int k = 0; k < 3; k++) {
        assert_string_equal(back.class_names[k], names[k]);
        assert_same_double(back.mean[k], mean[k]);
        assert_same_double(back.std[k], sd[k]);
    }
    bp_model_extra_free(&back);
    bp_model_extra_free(&back);           /* twice is harmless */
    bp_net_free(loaded);
    /* the plain loader reads the same file and ignores the extras */
    loaded = bp_model_load(path, &err);
    assert_non_null(loaded);
    assert_memory_equal(bp_net_params_const(loaded), bp_net_params_const(net),
                        bp_net_param_count(net) * sizeof(double));
    bp_net_free(loaded);
    /* a zero std is refused */
    sd[1] = 0;
    assert_int_equal(bp_model_save_extra(net, &extra, path, &err), BP_OK);
    assert_null(bp_model_load_extra(path, &back, &err));
    assert_non_null(strstr(err.msg, "std"));
    assert_null(back.mean);
    bp_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_corruptions),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_atomic_save),
        cmocka_unit_test(test_extras),
    };
    return cmocka_run_group_tests_name("model", tests, make_folder,
                                       remove_folder);
}
