/* test_format.c - the command's number printing against Python and numpy
 * output (the strings below are what Python 3.11 and numpy 1.24 print). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "../../cli/format.c"

static void expect_repr(double x, const char *python)
{
    char buf[40];
    format_repr(buf, sizeof buf, x);
    if (strcmp(buf, python) != 0)
        fail_msg("repr(%.17g): got %s, Python prints %s", x, buf, python);
}

static void test_repr(void **state)
{
    (void)state;
    expect_repr(0.4137254512412997, "0.4137254512412997");
    expect_repr(0.005413959730086311, "0.005413959730086311");
    expect_repr(100.0, "100.0");
    expect_repr(95.23809523809523, "95.23809523809523");
    expect_repr(0.1, "0.1");
    expect_repr(1e-05, "1e-05");
    expect_repr(0.0001, "0.0001");
    expect_repr(1.5e-07, "1.5e-07");
    expect_repr(1e16, "1e+16");
    expect_repr(123456789012345.0, "123456789012345.0");
    expect_repr(-2.5, "-2.5");
    expect_repr(0.0, "0.0");
    expect_repr(NAN, "nan");
    expect_repr(-INFINITY, "-inf");
    expect_repr(0.30000000000000004, "0.30000000000000004");
}

static char *capture(const double *v, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    print_numpy_row(f, v, n);
    fclose(f);
    return text;
}

/* The seed report's own XOR predictions, as numpy printed them. */
static void test_numpy_positional(void **state)
{
    (void)state;
    const double v[] = {0.00705865, 0.99905373, 0.00726961, 0.99897215,
                        0.00746848, 0.99877455, 0.00763297, 0.99795665,
                        0.00774196, 0.96028033, 0.00777871, 0.00773351,
                        0.96916213, 0.00760493, 0.99745518, 0.00739952,
                        0.9978112,  0.00712996, 0.9978055,  0.00681246,
                        0.99777819};
    char *text = capture(v, 21);
    assert_string_equal(text,
        "[[0.00705865 0.99905373 0.00726961 0.99897215 0.00746848 0.99877455\n"
        "  0.00763297 0.99795665 0.00774196 0.96028033 0.00777871 0.00773351\n"
        "  0.96916213 0.00760493 0.99745518 0.00739952 0.9978112  0.00712996\n"
        "  0.9978055  0.00681246 0.99777819]]\n");
    free(text);
    const double w[] = {0.5, 0.25, 1.0};
    text = capture(w, 3);
    assert_string_equal(text, "[[0.5  0.25 1.  ]]\n");
    free(text);
}

static void test_numpy_scientific(void **state)
{
    (void)state;
    const double v[] = {2.06731907e-07, 9.99996052e-01, 3.69096878e-07,
                        9.99999605e-01, 9.99999573e-01, 7.45664570e-04};
    char *text = capture(v, 6);
    assert_string_equal(text,
        "[[2.06731907e-07 9.99996052e-01 3.69096878e-07 9.99999605e-01\n"
        "  9.99999573e-01 7.45664570e-04]]\n");
    free(text);
    const double w[] = {1e-5, 0.5};
    text = capture(w, 2);
    assert_string_equal(text, "[[1.e-05 5.e-01]]\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repr),
        cmocka_unit_test(test_numpy_positional),
        cmocka_unit_test(test_numpy_scientific),
    };
    return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
