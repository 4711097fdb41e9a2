/* test_people_text.c - the command's numbers for people: percentages and
 * measurements rounded for reading, widths of UTF-8 names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "../../cli/format.c"

static void expect(void (*f)(char *, size_t, double), double x,
                   const char *want)
{
    char buf[48];
    f(buf, sizeof buf, x);
    if (strcmp(buf, want) != 0)
        fail_msg("%.17g: got '%s', expected '%s'", x, buf, want);
}

static void test_percent(void **state)
{
    (void)state;
    expect(format_percent, 92.66666666666666, "92.67");
    expect(format_percent, 100.0, "100.0");
    expect(format_percent, 95.5, "95.5");
    expect(format_percent, 95.50000000000001, "95.5");
    expect(format_percent, 0.0, "0.0");
    expect(format_percent, 2.8999999999999999, "2.9");
    expect(format_percent, 33.333333333333336, "33.33");
    expect(format_percent, 99.996, "100.0");
    expect(format_percent, 0.004, "0.0");
    expect(format_percent, NAN, "nan");
}

static void test_measure(void **state)
{
    (void)state;
    expect(format_measure, 150.23456789, "150.2");
    expect(format_measure, 0.012345678, "0.01235");
    expect(format_measure, 1.0, "1");
    expect(format_measure, 9999.7, "10000");
    expect(format_measure, 123456.7, "123457");
    expect(format_measure, 0.0001234, "0.0001234");
    expect(format_measure, 1.5e-7, "1.500e-07");
    expect(format_measure, 0.0, "0.0");
    expect(format_measure, INFINITY, "inf");
}

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(text_width(""), 0);
    assert_int_equal(text_width("height"), 6);
    assert_int_equal(text_width("größe"), 5);
    assert_int_equal(text_width("日本"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_measure),
        cmocka_unit_test(test_width),
    };
    return cmocka_run_group_tests_name("people_text", tests, NULL, NULL);
}
