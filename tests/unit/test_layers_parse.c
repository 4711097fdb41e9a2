/* test_layers_parse.c - the --layers grammar: bp_layers_parse reads every
 * kind with its numbers and activations, refuses each malformed item with
 * its message (leaving the architecture untouched), bp_layers_format
 * writes what parses back to the same layers, and bp_arch_resolve names
 * the layer and the shapes when a list does not fit its input. */
#include <string.h>

#include "test_util.h"
#include "backprop.h"

/* text parsed into a fresh arch (no layers yet): must succeed. */
static bp_arch parsed(const char *text)
{
    bp_arch a;
    bp_error err = {0};
    memset(&a, 0, sizeof a);
    if (bp_layers_parse(text, &a, &err) != BP_OK)
        fail_msg("'%s' refused: %s", text, err.msg);
    return a;
}

/* text refused with exactly msg, and arch left as it was. */
static void refused(const char *text, const char *msg)
{
    bp_arch a, before;
    bp_error err = {0};
    memset(&a, 0, sizeof a);
    a.n_layers = 0;
    before = a;
    bp_status st = bp_layers_parse(text, &a, &err);
    if (st != BP_EINVAL)
        fail_msg("'%s' gave status %d, not BP_EINVAL", text, (int)st);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("'%s' said\n  %s\nnot\n  %s", text, err.msg, msg);
    assert_memory_equal(&a, &before, sizeof a);
}

/* The anchor CNN of issue #17, item by item. */
static void test_anchor(void **state)
{
    (void)state;
    bp_arch a = parsed("conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,"
                       "dense:128,relu");
    assert_int_equal(a.n_layers, 5);
    assert_int_equal(a.layer[0].kind, BP_LAYER_CONV);
    assert_int_equal(a.layer[0].units, 32);
    assert_int_equal(a.layer[0].k, 3);
    assert_int_equal(a.layer[0].stride, 1);
    assert_int_equal(a.layer[0].valid, 0);
    assert_int_equal(a.layer[0].act, BP_ACT_RELU);
    assert_int_equal(a.layer[1].kind, BP_LAYER_MAXPOOL);
    assert_int_equal(a.layer[1].k, 2);
    assert_int_equal(a.layer[1].act, BP_ACT_NONE);
    assert_int_equal(a.layer[2].kind, BP_LAYER_CONV);
    assert_int_equal(a.layer[2].units, 64);
    assert_int_equal(a.layer[3].kind, BP_LAYER_MAXPOOL);
    assert_int_equal(a.layer[4].kind, BP_LAYER_DENSE);
    assert_int_equal(a.layer[4].units, 128);
    assert_int_equal(a.layer[4].act, BP_ACT_RELU);
}

/* Every kind's numbers and options; an activation left out is none. */
static void test_kinds(void **state)
{
    (void)state;
    bp_arch a = parsed("conv:6:3:s2:valid,tanh,avgpool:3,conv:5:4:valid:s3,"
                       "conv:2:1:same,sigmoid,dropout:0.25,dense:7,none,"
                       "dense:65536");
    assert_int_equal(a.n_layers, 7);
    assert_int_equal(a.layer[0].units, 6);
    assert_int_equal(a.layer[0].stride, 2);
    assert_int_equal(a.layer[0].valid, 1);
    assert_int_equal(a.layer[0].act, BP_ACT_TANH);
    assert_int_equal(a.layer[1].kind, BP_LAYER_AVGPOOL);
    assert_int_equal(a.layer[1].k, 3);
    assert_int_equal(a.layer[2].stride, 3);       /* options in any order */
    assert_int_equal(a.layer[2].valid, 1);
    assert_int_equal(a.layer[2].act, BP_ACT_NONE);
    assert_int_equal(a.layer[3].valid, 0);
    assert_int_equal(a.layer[3].act, BP_ACT_SIGMOID);
    assert_int_equal(a.layer[4].kind, BP_LAYER_DROPOUT);
    assert_same_double(a.layer[4].rate, 0.25);
    assert_int_equal(a.layer[5].act, BP_ACT_NONE);
    assert_int_equal(a.layer[6].units, 65536);
    /* appends to a list the caller has begun */
    bp_arch b = parsed("dense:3");
    bp_error err = {0};
    assert_int_equal(bp_layers_parse("dense:4,relu", &b, &err), BP_OK);
    assert_int_equal(b.n_layers, 2);
    assert_int_equal(b.layer[0].units, 3);
    assert_int_equal(b.layer[1].units, 4);
    assert_int_equal(b.layer[1].act, BP_ACT_RELU);
    /* but an activation does not reach back into it */
    assert_int_equal(bp_layers_parse("relu", &b, &err), BP_EINVAL);
}

#define KINDS "not a layer (conv:FILTERS:K[:sS][:valid], maxpool:K, " \
              "avgpool:K, dense:UNITS, dropout:RATE) or an activation " \
              "(relu, tanh, sigmoid, none)"
#define CONV_NUMBERS "a convolution takes its filters (1 to 4096) and kernel " \
                     "side (1 to 64): conv:32:3, then optionally :sS " \
                     "(stride) and :valid"
#define CONV_AFTER "after conv:FILTERS:K come at most a stride (s2) and a " \
                   "padding (valid or same)"
#define STRIDE "a stride is s followed by 1 to 64 (s2)"
#define DENSE "a dense layer takes its units, 1 to 65536 (dense:128)"
#define POOL "a pool takes its window side, 1 to 64 (maxpool:2)"
#define RATE "dropout takes the probability of dropping a unit, 0 to less " \
             "than 1 (dropout:0.5)"

/* Each error its message. */
static void test_errors(void **state)
{
    (void)state;
    refused("", "the layer list is empty");
    refused("foo", "layer list item 1 \"foo\": " KINDS);
    refused("dense:4,Dense:4", "layer list item 2 \"Dense:4\": " KINDS);
    refused("softmax", "layer list item 1 \"softmax\": " KINDS);
    /* missing or bad numbers */
    refused("dense", "layer list item 1 \"dense\": " DENSE);
    refused("dense:0", "layer list item 1 \"dense:0\": " DENSE);
    refused("dense:65537", "layer list item 1 \"dense:65537\": " DENSE);
    refused("dense:-4", "layer list item 1 \"dense:-4\": " DENSE);
    refused("dense:4:4", "layer list item 1 \"dense:4:4\": " DENSE);
    refused("dense:4:", "layer list item 1 \"dense:4:\": " DENSE);
    refused("conv", "layer list item 1 \"conv\": " CONV_NUMBERS);
    refused("conv:4", "layer list item 1 \"conv:4\": " CONV_NUMBERS);
    refused("conv:4:65", "layer list item 1 \"conv:4:65\": " CONV_NUMBERS);
    refused("conv:4097:3", "layer list item 1 \"conv:4097:3\": " CONV_NUMBERS);
    refused("maxpool", "layer list item 1 \"maxpool\": " POOL);
    refused("avgpool:0", "layer list item 1 \"avgpool:0\": " POOL);
    refused("maxpool:2:2", "layer list item 1 \"maxpool:2:2\": " POOL);
    /* strides and padding */
    refused("conv:4:3:s0", "layer list item 1 \"conv:4:3:s0\": " STRIDE);
    refused("conv:4:3:s", "layer list item 1 \"conv:4:3:s\": " STRIDE);
    refused("conv:4:3:sx", "layer list item 1 \"conv:4:3:sx\": " STRIDE);
    refused("conv:4:3:s65", "layer list item 1 \"conv:4:3:s65\": " STRIDE);
    refused("conv:4:3:s2:s2", "layer list item 1 \"conv:4:3:s2:s2\": "
                              CONV_AFTER);
    refused("conv:4:3:valid:same", "layer list item 1 "
                                   "\"conv:4:3:valid:same\": " CONV_AFTER);
    refused("conv:4:3:full", "layer list item 1 \"conv:4:3:full\": "
                             CONV_AFTER);
    /* more fields than the item has room for (once read past its array) */
    refused("conv:4:3:s2:valid:x:y:z", "layer list item 1 "
                                       "\"conv:4:3:s2:valid:x:y:z\": "
                                       CONV_AFTER);
    refused("conv:4:3:s2:valid:x:y:z:w:v", "layer list item 1 "
                                           "\"conv:4:3:s2:valid:x:y:z:w:v\": "
                                           CONV_AFTER);
    /* activations: first, twice, after a layer that takes none */
    refused("relu,dense:4", "layer list item 1 \"relu\": an activation "
                            "follows the layer it applies to (dense:128,relu)");
    refused("dense:4,relu,tanh", "layer list item 3 \"tanh\": the layer "
                                 "before already has an activation");
    refused("dense:4,none,none", "layer list item 3 \"none\": the layer "
                                 "before already has an activation");
    refused("conv:4:3,maxpool:2,relu", "layer list item 3 \"relu\": only a "
                                       "dense or conv layer takes an "
                                       "activation");
    refused("dropout:0.5,relu", "layer list item 2 \"relu\": only a dense "
                                "or conv layer takes an activation");
    /* empty items */
    refused("dense:4,,relu", "layer list item 2 is empty (in "
                             "\"dense:4,,relu\")");
    refused("dense:4,", "layer list item 2 is empty (in \"dense:4,\")");
    refused(",dense:4", "layer list item 1 is empty (in \",dense:4\")");
    /* dropout's rate: a plain decimal in [0, 1) */
    refused("dropout:1", "layer list item 1 \"dropout:1\": " RATE);
    refused("dropout:1.0", "layer list item 1 \"dropout:1.0\": " RATE);
    refused("dropout:-0.1", "layer list item 1 \"dropout:-0.1\": " RATE);
    refused("dropout:", "layer list item 1 \"dropout:\": " RATE);
    refused("dropout", "layer list item 1 \"dropout\": " RATE);
    refused("dropout:nan", "layer list item 1 \"dropout:nan\": " RATE);
    refused("dropout: 0.5", "layer list item 1 \"dropout: 0.5\": " RATE);
    refused("dropout:0x0.8", "layer list item 1 \"dropout:0x0.8\": " RATE);
    refused("dropout:0.5x", "layer list item 1 \"dropout:0.5x\": " RATE);
    assert_same_double(parsed("dropout:0").layer[0].rate, 0.0);
    assert_same_double(parsed("dropout:.5").layer[0].rate, 0.5);
    assert_same_double(parsed("dropout:5e-1").layer[0].rate, 0.5);
    /* too many layers: 15 before the output layer */
    char many[256] = "";
    for (int k = 0; k < 15; k++)
        strcat(many, k ? ",dense:1" : "dense:1");
    assert_int_equal(parsed(many).n_layers, 15);
    strcat(many, ",relu");
    assert_int_equal(parsed(many).n_layers, 15);
    strcat(many, ",dense:1");
    refused(many, "layer list item 17 \"dense:1\": a network has at most 15 "
                  "layers before its output layer");
    char long_item[200] = "dense:";
    memset(long_item + 6, '1', 150);
    long_item[156] = '\0';
    refused(long_item, "layer list item 1 is too long");
    bp_error err = {0};
    assert_int_equal(bp_layers_parse(NULL, NULL, &err), BP_EINVAL);
    assert_string_equal(err.msg, "no layer list given");
}

/* text parsed, then written by bp_layers_format (with an output layer
 * after it, which the format leaves out) as want; want parses back to
 * the same layers. */
static void round_trip(const char *text, const char *want)
{
    bp_arch a = parsed(text);
    a.layer[a.n_layers] = (bp_layer){.kind = BP_LAYER_DENSE, .units = 10};
    a.n_layers++;
    char buf[512];
    size_t need = bp_layers_format(&a, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(need, strlen(want));
    bp_arch b = parsed(buf);
    assert_int_equal(b.n_layers, a.n_layers - 1);
    for (int l = 0; l < b.n_layers; l++) {
        assert_int_equal(b.layer[l].kind, a.layer[l].kind);
        assert_int_equal(b.layer[l].units, a.layer[l].units);
        assert_int_equal(b.layer[l].k, a.layer[l].k);
        assert_int_equal(b.layer[l].stride, a.layer[l].stride);
        assert_int_equal(b.layer[l].valid, a.layer[l].valid);
        assert_same_double(b.layer[l].rate, a.layer[l].rate);
        assert_int_equal(b.layer[l].act, a.layer[l].act);
    }
}

static void test_format(void **state)
{
    (void)state;
    const char *anchor = "conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,"
                         "dense:128,relu";
    round_trip(anchor, anchor);
    round_trip("conv:4:3,relu,maxpool:2,conv:6:3:s2:valid,tanh,dense:8,"
               "sigmoid",
               "conv:4:3,relu,maxpool:2,conv:6:3:s2:valid,tanh,dense:8,"
               "sigmoid");
    /* the canonical spelling: stride before padding, same and s1 and
     * none left out, the shortest rate that reads back */
    round_trip("conv:4:3:valid:s2,none,conv:2:5:same:s1,avgpool:2",
               "conv:4:3:s2:valid,conv:2:5,avgpool:2");
    round_trip("dropout:0.1,dense:3,dropout:.5,dropout:1e-3,dropout:0",
               "dropout:0.1,dense:3,dropout:0.5,dropout:0.001,dropout:0");
    round_trip("dropout:0.30000000000000004", "dropout:0.30000000000000004");
    round_trip("dense:10,sigmoid,dense:10,sigmoid",
               "dense:10,sigmoid,dense:10,sigmoid");
    /* a short buffer: as snprintf, what fits and the length needed */
    bp_arch a = parsed("dense:10,sigmoid,dense:20");
    a.n_layers++;
    char buf[12];
    memset(buf, 'x', sizeof buf);
    assert_int_equal(bp_layers_format(&a, buf, sizeof buf), 25);
    assert_string_equal(buf, "dense:10,si");
    assert_int_equal(bp_layers_format(&a, buf, 1), 25);
    assert_string_equal(buf, "");
    assert_int_equal(bp_layers_format(&a, NULL, 0), 25);
}

/* A list that does not fit its input: the layer by number and item, and
 * the shapes. */
static void resolve_fails(bp_shape in, const char *text, const char *msg)
{
    bp_arch a = parsed(text);
    a.input = in;
    a.layer[a.n_layers] = (bp_layer){.kind = BP_LAYER_DENSE, .units = 2};
    a.n_layers++;
    a.output = BP_OUT_SOFTMAX;
    a.loss = BP_LOSS_CE;
    bp_error err = {0};
    assert_int_equal(bp_arch_resolve(&a, &err), BP_EINVAL);
    assert_string_equal(err.msg, msg);
}

static void test_shapes(void **state)
{
    (void)state;
    resolve_fails((bp_shape){1, 8, 8}, "conv:4:3,maxpool:4,maxpool:4",
                  "layer 3 (maxpool:4) does not fit: a 4x4 pool is larger "
                  "than its 4x2x2 input");
    resolve_fails((bp_shape){5, 1, 1}, "conv:4:3",
                  "layer 1 (conv:4:3) does not fit: a convolution takes "
                  "images (channels x height x width), and its input is 5 "
                  "flat values");
    resolve_fails((bp_shape){5, 1, 1}, "dense:3,maxpool:2",
                  "layer 2 (maxpool:2) does not fit: a pool takes images "
                  "(channels x height x width), and its input is 3 flat "
                  "values");
    resolve_fails((bp_shape){1, 28, 28}, "conv:2:3:s2:valid,conv:2:14:valid",
                  "layer 2 (conv:2:14:valid) does not fit: a 14x14 kernel "
                  "without padding does not fit its 2x13x13 input");
    /* one that fits: its shapes */
    bp_arch a = parsed("conv:4:3,relu,maxpool:2,conv:6:3:s2:valid,tanh,"
                       "dense:8,sigmoid");
    a.input = (bp_shape){1, 28, 28};
    a.layer[a.n_layers] = (bp_layer){.kind = BP_LAYER_DENSE, .units = 10};
    a.n_layers++;
    a.output = BP_OUT_SOFTMAX;
    a.loss = BP_LOSS_CE;
    bp_error err = {0};
    assert_int_equal(bp_arch_resolve(&a, &err), BP_OK);
    assert_int_equal(a.layer[0].out.c, 4);
    assert_int_equal(a.layer[0].out.h, 28);
    assert_int_equal(a.layer[1].out.h, 14);
    assert_int_equal(a.layer[2].out.c, 6);
    assert_int_equal(a.layer[2].out.h, 6);      /* (14 - 3) / 2 + 1 */
    assert_int_equal(a.layer[2].out.w, 6);
    assert_int_equal(a.sizes[3], 216);
    assert_int_equal(a.sizes[4], 8);
    assert_int_equal(a.sizes[5], 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anchor),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
