/* test_tables.c - the enumerations' tables: each ends in a count, and each
 * value below it has one name that parses back to it. */
#include <string.h>

#include "test_util.h"
#include "backprop.h"

typedef const char *(*name_fn)(int);
typedef bp_status (*parse_fn)(const char *, int *);

/* Every value below count named, the names distinct, each parsing back to
 * its value; count itself (not a value) is "unknown". */
static void check_table(const char *what, int count, const char *(*name)(int),
                        bp_status (*parse)(const char *, int *))
{
    assert_true(count > 0);
    for (int v = 0; v < count; v++) {
        const char *s = name(v);
        if (!s || strcmp(s, "unknown") == 0)
            fail_msg("%s %d has no name", what, v);
        int back = -1;
        if (parse(s, &back) != BP_OK || back != v)
            fail_msg("%s '%s' parses to %d, not %d", what, s, back, v);
        for (int u = 0; u < v; u++)
            if (strcmp(name(u), s) == 0)
                fail_msg("%s %d and %d share the name '%s'", what, u, v, s);
    }
    assert_string_equal(name(count), "unknown");
    assert_string_equal(name(-1), "unknown");
    int untouched = 7;
    assert_int_equal(parse("unknown", &untouched), BP_EINVAL);
    assert_int_equal(parse(NULL, &untouched), BP_EINVAL);
    assert_int_equal(untouched, 7);
}

/* Adapters from each typed function to int. */
#define ADAPT(T, NAME, PARSE)                                                \
    static const char *NAME##_i(int v) { return NAME((T)v); }                \
    static bp_status PARSE##_i(const char *s, int *out)                      \
    {                                                                        \
        T v;                                                                 \
        bp_status st = PARSE(s, &v);                                         \
        if (st == BP_OK)                                                     \
            *out = (int)v;                                                   \
        return st;                                                           \
    }
ADAPT(bp_activation, bp_activation_name, bp_activation_parse)
ADAPT(bp_loss, bp_loss_name, bp_loss_parse)
ADAPT(bp_output, bp_output_name, bp_output_parse)
ADAPT(bp_optimizer, bp_optimizer_name, bp_optimizer_parse)
ADAPT(bp_init, bp_init_name, bp_init_parse)
ADAPT(bp_dtype, bp_dtype_name, bp_dtype_parse)
ADAPT(bp_isa, bp_isa_name, bp_isa_parse)
ADAPT(bp_generated, bp_generated_name, bp_generated_parse)

static void test_enum_tables(void **state)
{
    (void)state;
    check_table("activation", BP_ACT_COUNT, bp_activation_name_i,
                bp_activation_parse_i);
    check_table("loss", BP_LOSS_COUNT, bp_loss_name_i, bp_loss_parse_i);
    check_table("output", BP_OUT_COUNT, bp_output_name_i, bp_output_parse_i);
    check_table("optimizer", BP_OPT_COUNT, bp_optimizer_name_i,
                bp_optimizer_parse_i);
    check_table("init", BP_INIT_COUNT, bp_init_name_i, bp_init_parse_i);
    check_table("dtype", BP_DTYPE_COUNT, bp_dtype_name_i, bp_dtype_parse_i);
    check_table("isa", BP_ISA_COUNT, bp_isa_name_i, bp_isa_parse_i);
    check_table("generated set", BP_GEN_COUNT, bp_generated_name_i,
                bp_generated_parse_i);
    /* the counts the rest of the program was written for */
    assert_int_equal(BP_ACT_COUNT, 4);
    assert_int_equal(BP_OPT_COUNT, 5);
}

static void same_set(const bp_dataset *a, const bp_dataset *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->n_in, b->n_in);
    assert_int_equal(a->n_out, b->n_out);
    assert_memory_equal(a->x, b->x, a->n * a->n_in * sizeof *a->x);
    assert_memory_equal(a->y, b->y, a->n * a->n_out * sizeof *a->y);
}

/* bp_generate's rows make what their own functions make. */
static void test_generated(void **state)
{
    (void)state;
    bp_dataset *a = bp_generate(BP_GEN_LINEAR, 37, 5, 1, NULL);
    bp_dataset *b = bp_data_linear(37, 5, 1, NULL);
    same_set(a, b);
    bp_dataset_free(a);
    bp_dataset_free(b);
    a = bp_generate(BP_GEN_XOR, 37, 5, 1, NULL);
    b = bp_data_xor(NULL);
    same_set(a, b);
    bp_dataset_free(a);
    bp_dataset_free(b);
    bp_error err = {0};
    assert_null(bp_generate(BP_GEN_COUNT, 10, 1, 1, &err));
    assert_int_equal(err.code, BP_EINVAL);
    assert_string_equal(err.msg, "unknown generated data set 2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enum_tables),
        cmocka_unit_test(test_generated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
