/*
 * test_model_layers.c - model format version 3: the layer list.
 *
 *   - a network of every kind of layer (conv with stride and valid
 *     padding, maxpool, avgpool, dropout, dense, an activation each) saves
 *     and loads back with the same layers, shapes and bit-identical
 *     parameters, with and without biases, with its extras; a second save
 *     gives the same bytes;
 *   - the header of a small CNN is exactly the bytes written out below
 *     (metadata, tensor names, shapes [filters, channels, k, k], offsets);
 *   - a network that versions 1 and 2 describe (dense, one hidden
 *     activation, flat input) is written as before, byte for byte, whether
 *     it was given as the dense shorthand or as a layer list; any other
 *     dense network (mixed activations, an input shape) is version 3;
 *   - forged version 3 headers are refused with a message: an unknown
 *     kind, layers that do not fit the input, sizes, tensor shapes or
 *     tensors that do not match the layers, a layer list that would need
 *     more weights than the file holds (refused before allocating).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "backprop.h"
#include "io/model.h"

#define TEST_FOLDER "/tmp/bp-test-model-layers.XXXXXX"
#include "test_folder.h"

/* A network of the hidden layers `layers` on input `in`, then a dense
 * output layer of outs units; weights drawn, biases set apart from 0. */
static bp_net *layer_net(const char *layers, bp_shape in, size_t outs,
                         int bias, bp_output output, bp_loss loss)
{
    bp_arch a;
    memset(&a, 0, sizeof a);
    a.input = in;
    bp_error err;
    if (bp_layers_parse(layers, &a, &err) != BP_OK)
        fail_msg("bp_layers_parse(%s): %s", layers, err.msg);
    a.layer[a.n_layers++] = (bp_layer){.kind = BP_LAYER_DENSE, .units = outs};
    a.bias = bias;
    a.output = output;
    a.loss = loss;
    bp_net *net = bp_net_new(&a, &err);
    if (!net)
        fail_msg("bp_net_new(%s): %s", layers, err.msg);
    assert_int_equal(bp_net_init(net, BP_INIT_HE, 7, &err), BP_OK);
    for (int l = 0; l < a.n_layers; l++) {
        double *b = bp_net_bias(net, l);
        for (size_t k = 0; b && k < bp_net_arch(net)->layer[l].units; k++)
            b[k] = -0.125 * (double)(l + 1) + 0.0625 * (double)k;
    }
    return net;
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static char *header_of(const unsigned char *buf, size_t *hlen)
{
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--)
        h = h << 8 | buf[i];
    *hlen = (size_t)h;
    char *json = malloc(*hlen + 1);
    memcpy(json, buf + 8, *hlen);
    json[*hlen] = '\0';
    /* the padding spaces */
    for (size_t k = *hlen; k > 0 && json[k - 1] == ' '; k--)
        json[k - 1] = '\0';
    return json;
}

static void same_arch(const bp_arch *a, const bp_arch *b)
{
    assert_int_equal(a->n_layers, b->n_layers);
    for (int l = 0; l <= a->n_layers; l++)
        assert_int_equal(a->sizes[l], b->sizes[l]);
    assert_int_equal(a->input.c, b->input.c);
    assert_int_equal(a->input.h, b->input.h);
    assert_int_equal(a->input.w, b->input.w);
    for (int l = 0; l < a->n_layers; l++) {
        const bp_layer *x = &a->layer[l], *y = &b->layer[l];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->units, y->units);
        assert_int_equal(x->k, y->k);
        if (x->kind == BP_LAYER_CONV)
            assert_int_equal(x->stride, y->stride);
        assert_int_equal(x->valid, y->valid);
        assert_same_double(x->rate, y->rate);
        assert_int_equal(x->act, y->act);
        assert_int_equal(x->out.c, y->out.c);
        assert_int_equal(x->out.h, y->out.h);
        assert_int_equal(x->out.w, y->out.w);
    }
    assert_int_equal(a->hidden, b->hidden);
    assert_int_equal(a->bias, b->bias);
    assert_int_equal(a->loss, b->loss);
    assert_int_equal(a->output, b->output);
}

/* Every kind of layer through a file and back. */
static void test_round_trip_kinds(void **state)
{
    (void)state;
    const char *list = "conv:3:3,relu,maxpool:2,conv:4:3:s2:valid,tanh,"
                       "avgpool:2,dropout:0.25,dense:5,sigmoid";
    for (int bias = 0; bias <= 1; bias++) {
        bp_net *net = layer_net(list, (bp_shape){2, 12, 12}, 3, bias,
                                BP_OUT_SOFTMAX, BP_LOSS_CE);
        const bp_arch *a = bp_net_arch(net);
        /* 2x12x12 -> 3x12x12 -> 3x6x6 -> 4x2x2 -> 4x1x1 -> 4 -> 5 -> 3 */
        assert_int_equal(a->n_layers, 7);
        assert_int_equal(a->layer[2].out.h, 2);
        assert_int_equal(bp_net_param_count(net),
                         3 * 2 * 9 + 4 * 3 * 9 + 5 * 4 + 3 * 5 +
                             (bias ? 3 + 4 + 5 + 3 : 0));
        char path[256];
        path_in(path, sizeof path, bias ? "kinds-b.bpm" : "kinds.bpm");
        bp_error err;
        assert_int_equal(bp_model_save(net, path, &err), BP_OK);
        bp_net *back = bp_model_load(path, &err);
        if (!back)
            fail_msg("load: %s", err.msg);
        same_arch(a, bp_net_arch(back));
        assert_int_equal(bp_net_param_count(net), bp_net_param_count(back));
        assert_memory_equal(bp_net_params_const(net),
                            bp_net_params_const(back),
                            bp_net_param_count(net) * sizeof(double));
        /* saving the loaded network gives the same bytes */
        char again[256];
        path_in(again, sizeof again, "again.bpm");
        assert_int_equal(bp_model_save(back, again, &err), BP_OK);
        size_t l1, l2;
        unsigned char *f1 = read_all(path, &l1), *f2 = read_all(again, &l2);
        assert_int_equal(l1, l2);
        assert_memory_equal(f1, f2, l1);
        size_t hlen;
        char *json = header_of(f1, &hlen);
        assert_non_null(strstr(json, "\"format_version\":\"3\""));
        assert_non_null(strstr(json, "\"layers\":\"conv:3:3,relu,maxpool:2,"
                                     "conv:4:3:s2:valid,tanh,avgpool:2,"
                                     "dropout:0.25,dense:5,sigmoid\""));
        assert_non_null(strstr(json, "\"input_shape\":\"2x12x12\""));
        assert_non_null(strstr(json, "\"layers.2.weight\":{\"dtype\":\"F64\","
                                     "\"shape\":[4,3,3,3]"));
        assert_null(strstr(json, "layers.1."));      /* the pool: none */
        assert_null(strstr(json, "hidden_activation"));
        assert_int_equal(l1, 8 + hlen + bp_net_param_count(net) * 8);
        free(json);
        free(f1);
        free(f2);
        bp_net_free(back);
        bp_net_free(net);
    }
}

/* The extras (standardisation of c h w inputs, classes, optimizer state)
 * ride along with a layer list. */
static void test_extras(void **state)
{
    (void)state;
    bp_net *net = layer_net("conv:2:3,relu,maxpool:2,dropout:0.5",
                            (bp_shape){1, 4, 4}, 3, 1, BP_OUT_SOFTMAX,
                            BP_LOSS_CE);
    double mean[16], sd[16];
    for (int k = 0; k < 16; k++) {
        mean[k] = 0.25 * k;
        sd[k] = 1 + 0.5 * k;
    }
    size_t P = bp_net_param_count(net);
    size_t slen = bp_optimizer_state_len(BP_OPT_ADAM, P);
    double *opt = calloc(slen, sizeof *opt);
    for (size_t k = 0; k < slen; k++)
        opt[k] = 1.0 / (double)(k + 1);
    char *names[3] = {"T-shirt", "Trouser", "Bag"};
    bp_model_extra extra = {.n_classes = 3, .class_names = names,
                            .mean = mean, .std = sd, .state = opt,
                            .state_len = slen, .steps = 9, .epochs = 2,
                            .optimizer = BP_OPT_ADAM, .header = -1};
    char path[256];
    path_in(path, sizeof path, "extras.bpm");
    bp_error err;
    assert_int_equal(bp_model_save_extra(net, &extra, path, &err), BP_OK);
    bp_model_extra back;
    bp_net *loaded = bp_model_load_extra(path, &back, &err);
    if (!loaded)
        fail_msg("load: %s", err.msg);
    same_arch(bp_net_arch(net), bp_net_arch(loaded));
    assert_int_equal(back.n_classes, 3);
    assert_string_equal(back.class_names[2], "Bag");
    assert_memory_equal(back.mean, mean, sizeof mean);
    assert_memory_equal(back.std, sd, sizeof sd);
    assert_int_equal(back.state_len, slen);
    assert_memory_equal(back.state, opt, slen * sizeof *opt);
    assert_int_equal(back.steps, 9);
    assert_int_equal(back.epochs, 2);
    bp_model_extra_free(&back);
    bp_net_free(loaded);
    free(opt);
    bp_net_free(net);
}

/* The whole header of a small CNN, byte for byte. */
static void test_header_bytes(void **state)
{
    (void)state;
    bp_net *net = layer_net("conv:2:3,relu,maxpool:2,dropout:0.5",
                            (bp_shape){1, 4, 4}, 2, 1, BP_OUT_SIGMOID,
                            BP_LOSS_BCE);
    char path[256];
    path_in(path, sizeof path, "header.bpm");
    assert_int_equal(bp_model_save(net, path, NULL), BP_OK);
    size_t len, hlen;
    unsigned char *buf = read_all(path, &len);
    char *json = header_of(buf, &hlen);
    /* conv: 2 x 1 x 3 x 3 weights (144 bytes) and 2 biases; the pool and
     * dropout have none; dense: 2 x 8 (the 2x2x2 pooled maps) and 2 */
    const char *want =
        "{\"__metadata__\":{\"format\":\"backprop\",\"format_version\":\"3\","
        "\"sizes\":\"16,32,8,8,2\","
        "\"layers\":\"conv:2:3,relu,maxpool:2,dropout:0.5\","
        "\"input_shape\":\"1x4x4\",\"output_activation\":\"sigmoid\","
        "\"loss\":\"bce\",\"bias\":\"true\"},"
        "\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":[2,1,3,3],"
        "\"data_offsets\":[0,144]},"
        "\"layers.0.bias\":{\"dtype\":\"F64\",\"shape\":[2],"
        "\"data_offsets\":[144,160]},"
        "\"layers.3.weight\":{\"dtype\":\"F64\",\"shape\":[2,8],"
        "\"data_offsets\":[160,288]},"
        "\"layers.3.bias\":{\"dtype\":\"F64\",\"shape\":[2],"
        "\"data_offsets\":[288,304]}}";
    assert_string_equal(json, want);
    assert_int_equal(hlen % 8, 0);
    assert_int_equal(hlen, (strlen(want) + 7) / 8 * 8);
    assert_int_equal(len, 8 + hlen + 304);
    /* the data is the parameter block: the first conv weight first, the
     * dense layer's weights at byte 160 */
    const double *p = bp_net_params_const(net);
    double v;
    memcpy(&v, buf + 8 + hlen, 8);
    assert_same_double(v, p[0]);
    memcpy(&v, buf + 8 + hlen + 160, 8);
    assert_same_double(v, bp_net_weight(net, 3)[0]);
    free(json);
    free(buf);
    bp_net_free(net);
}

/* Versions 1 and 2 stay as they were for the networks they describe. */
static void test_dense_versions(void **state)
{
    (void)state;
    bp_arch s = {.n_layers = 3, .sizes = {2, 10, 10, 1},
                 .hidden = BP_ACT_SIGMOID, .loss = BP_LOSS_BCE};
    bp_net *shorthand = bp_net_new(&s, NULL);
    assert_non_null(shorthand);
    assert_int_equal(bp_net_init(shorthand, BP_INIT_HE, 7, NULL), BP_OK);
    bp_net *list = layer_net("dense:10,sigmoid,dense:10,sigmoid",
                             (bp_shape){2, 1, 1}, 1, 0, BP_OUT_SIGMOID,
                             BP_LOSS_BCE);
    assert_true(bp_model_is_dense_shorthand(bp_net_arch(shorthand)));
    assert_true(bp_model_is_dense_shorthand(bp_net_arch(list)));
    char p1[256], p2[256];
    path_in(p1, sizeof p1, "shorthand.bpm");
    path_in(p2, sizeof p2, "list.bpm");
    assert_int_equal(bp_model_save(shorthand, p1, NULL), BP_OK);
    assert_int_equal(bp_model_save(list, p2, NULL), BP_OK);
    size_t l1, l2, hlen;
    unsigned char *f1 = read_all(p1, &l1), *f2 = read_all(p2, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(f1, f2, l1);
    char *json = header_of(f1, &hlen);
    assert_string_equal(
        json,
        "{\"__metadata__\":{\"format\":\"backprop\",\"format_version\":\"1\","
        "\"sizes\":\"2,10,10,1\",\"hidden_activation\":\"sigmoid\","
        "\"output_activation\":\"sigmoid\",\"loss\":\"bce\","
        "\"bias\":\"false\"},"
        "\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":[10,2],"
        "\"data_offsets\":[0,160]},"
        "\"layers.1.weight\":{\"dtype\":\"F64\",\"shape\":[10,10],"
        "\"data_offsets\":[160,960]},"
        "\"layers.2.weight\":{\"dtype\":\"F64\",\"shape\":[1,10],"
        "\"data_offsets\":[960,1040]}}");
    free(json);
    free(f1);
    free(f2);
    bp_net_free(shorthand);
    bp_net_free(list);

    /* dense, but two hidden activations, or an input shape: version 3 */
    const struct {
        const char *layers;
        bp_shape in;
        const char *words;
    } v3[] = {
        {"dense:5,relu,dense:4,tanh", {3, 1, 1},
         "\"layers\":\"dense:5,relu,dense:4,tanh\""},
        {"dense:5,relu", {1, 2, 2}, "\"input_shape\":\"1x2x2\""},
    };
    for (size_t i = 0; i < sizeof v3 / sizeof v3[0]; i++) {
        bp_net *net = layer_net(v3[i].layers, v3[i].in, 2, 1, BP_OUT_SOFTMAX,
                                BP_LOSS_CE);
        assert_false(bp_model_is_dense_shorthand(bp_net_arch(net)));
        char path[256];
        path_in(path, sizeof path, "v3.bpm");
        assert_int_equal(bp_model_save(net, path, NULL), BP_OK);
        size_t len;
        unsigned char *buf = read_all(path, &len);
        char *h = header_of(buf, &hlen);
        assert_non_null(strstr(h, "\"format_version\":\"3\""));
        assert_non_null(strstr(h, v3[i].words));
        bp_net *back = bp_model_load(path, NULL);
        assert_non_null(back);
        same_arch(bp_net_arch(net), bp_net_arch(back));
        free(h);
        free(buf);
        bp_net_free(back);
        bp_net_free(net);
    }
}

/* A header and data_len zero bytes (zeros are finite doubles). */
static bp_net *load_text(const char *text, size_t data_len, bp_error *err)
{
    size_t hlen = strlen(text), len = 8 + hlen + data_len;
    unsigned char *buf = calloc(len, 1);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    memcpy(buf + 8, text, hlen);
    bp_net *m = bp_model_load_buffer(buf, len, err);
    free(buf);
    return m;
}

static void expect_refused(const char *text, size_t data_len,
                           const char *words)
{
    bp_error err;
    memset(&err, 0, sizeof err);
    bp_net *m = load_text(text, data_len, &err);
    if (m || err.code != BP_EFORMAT || !strstr(err.msg, words))
        fail_msg("expected an error with \"%s\", got %s", words,
                 m ? "a model" : err.msg);
}

/* The small CNN's header with fields replaced (NULL: as it is). */
static void forged(char *out, size_t size, const char *sizes,
                   const char *layers, const char *input,
                   const char *conv_shape, const char *tensors_after)
{
    snprintf(out, size,
             "{\"__metadata__\":{\"format\":\"backprop\","
             "\"format_version\":\"3\",\"sizes\":\"%s\",\"layers\":\"%s\","
             "\"input_shape\":\"%s\",\"output_activation\":\"sigmoid\","
             "\"loss\":\"bce\",\"bias\":\"false\"},"
             "\"layers.0.weight\":{\"dtype\":\"F64\",\"shape\":%s,"
             "\"data_offsets\":[0,144]},"
             "\"layers.3.weight\":{\"dtype\":\"F64\",\"shape\":[2,8],"
             "\"data_offsets\":[144,272]}%s}",
             sizes ? sizes : "16,32,8,8,2",
             layers ? layers : "conv:2:3,relu,maxpool:2,dropout:0.5",
             input ? input : "1x4x4", conv_shape ? conv_shape : "[2,1,3,3]",
             tensors_after ? tensors_after : "");
}

static void test_forged(void **state)
{
    (void)state;
    char text[2048];
    forged(text, sizeof text, NULL, NULL, NULL, NULL, NULL);
    bp_error err;
    bp_net *ok = load_text(text, 272, &err);
    if (!ok)
        fail_msg("the unforged header: %s", err.msg);
    assert_int_equal(bp_net_arch(ok)->layer[0].kind, BP_LAYER_CONV);
    assert_int_equal(bp_net_param_count(ok), 18 + 16);
    bp_net_free(ok);

    /* an unknown kind, a bad item */
    forged(text, sizeof text, NULL, "conv:2:3,relu,blur:2,dropout:0.5", NULL,
           NULL, NULL);
    expect_refused(text, 272, "bad layers: layer list item 3 \"blur:2\"");
    forged(text, sizeof text, NULL, "conv:2:0,maxpool:2,dropout:0.5", NULL,
           NULL, NULL);
    expect_refused(text, 272, "bad layers");
    forged(text, sizeof text, NULL, "conv:2:3,relu,maxpool:2,dropout:1.5",
           NULL, NULL, NULL);
    expect_refused(text, 272, "dropout");
    /* layers that do not fit the input */
    forged(text, sizeof text, NULL, "conv:2:5:valid,relu,maxpool:2,"
           "dropout:0.5", NULL, NULL, NULL);
    expect_refused(text, 272, "does not fit");
    forged(text, sizeof text, NULL, "conv:2:3,relu,maxpool:8,dropout:0.5",
           NULL, NULL, NULL);
    expect_refused(text, 272, "layer 2 (maxpool:8) does not fit");
    forged(text, sizeof text, NULL, NULL, "16x1x1", NULL, NULL);
    expect_refused(text, 272, "layer 1 (conv:2:3) does not fit");
    /* a bad input shape */
    forged(text, sizeof text, NULL, NULL, "4x4", NULL, NULL);
    expect_refused(text, 272, "input_shape");
    forged(text, sizeof text, NULL, NULL, "0x4x4", NULL, NULL);
    expect_refused(text, 272, "input_shape");
    forged(text, sizeof text, NULL, NULL, "1x4x4x", NULL, NULL);
    expect_refused(text, 272, "input_shape");
    /* sizes that are not the layers' */
    forged(text, sizeof text, "16,32,8,8,3", NULL, NULL, NULL, NULL);
    expect_refused(text, 272, "needs 336 bytes of weights but the file "
                              "holds 272");
    expect_refused(text, 336, "layers.3.weight: shape must be [3, 8]");
    forged(text, sizeof text, "16,32,8,9,2", NULL, NULL, NULL, NULL);
    expect_refused(text, 272, "are not those of the layers");
    forged(text, sizeof text, "16,32,8,2", NULL, NULL, NULL, NULL);
    expect_refused(text, 272, "layers names 3 layers before the output but "
                              "sizes 2");
    forged(text, sizeof text, "16,x", NULL, NULL, NULL, NULL);
    expect_refused(text, 272, "bad layer sizes");
    /* tensors that do not match the layers */
    forged(text, sizeof text, NULL, NULL, NULL, "[2,1,2,2]", NULL);
    expect_refused(text, 272, "layers.0.weight: shape must be [2, 1, 3, 3]");
    forged(text, sizeof text, NULL, NULL, NULL, "[2,9]", NULL);
    expect_refused(text, 272, "shape must be [2, 1, 3, 3]");
    forged(text, sizeof text, NULL, NULL, NULL, NULL,
           ",\"layers.1.weight\":{\"dtype\":\"F64\",\"shape\":[1],"
           "\"data_offsets\":[272,280]}");
    expect_refused(text, 280, "unexpected tensor \"layers.1.weight\"");
    forged(text, sizeof text, NULL, NULL, NULL, NULL,
           ",\"layers.0.bias\":{\"dtype\":\"F64\",\"shape\":[2],"
           "\"data_offsets\":[272,288]}");
    expect_refused(text, 288, "unexpected tensor \"layers.0.bias\"");
    /* missing metadata of version 3 */
    expect_refused("{\"__metadata__\":{\"format\":\"backprop\","
                   "\"format_version\":\"3\",\"output_activation\":"
                   "\"sigmoid\",\"loss\":\"bce\",\"bias\":\"false\"}}",
                   0, "version 3 model lacks one of sizes, layers, "
                      "input_shape");
    expect_refused("{\"__metadata__\":{\"format\":\"backprop\","
                   "\"format_version\":\"4\"}}", 0, "version \"4\"");
    /* a list whose weights are far more than the file holds is refused
     * before anything is allocated: 4096 filters of 64 x 16 x 16 are
     * 2^26 doubles, 512 MiB */
    snprintf(text, sizeof text,
             "{\"__metadata__\":{\"format\":\"backprop\","
             "\"format_version\":\"3\",\"sizes\":\"16384,1048576,2\","
             "\"layers\":\"conv:4096:16\",\"input_shape\":\"64x16x16\","
             "\"output_activation\":\"sigmoid\",\"loss\":\"bce\","
             "\"bias\":\"false\"}}");
    expect_refused(text, 64, "needs 553648128 bytes of weights but the "
                             "file holds 64");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_kinds),
        cmocka_unit_test(test_extras),
        cmocka_unit_test(test_header_bytes),
        cmocka_unit_test(test_dense_versions),
        cmocka_unit_test(test_forged),
    };
    return cmocka_run_group_tests_name("model_layers", tests, make_folder,
                                       remove_folder);
}
