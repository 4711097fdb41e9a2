/* test_util.h - cmocka and the small helpers every unit test uses. */
#ifndef BP_TEST_UTIL_H
#define BP_TEST_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* |a - b| <= rel * max(|a|, |b|), with a message naming both. */
#define assert_close(a, b, rel)                                              \
    do {                                                                     \
        double a_ = (a), b_ = (b);                                           \
        if (!(fabs(a_ - b_) <= (rel) * fmax(fabs(a_), fabs(b_))))            \
            fail_msg("%s = %.17g, expected %.17g (rel %g)", #a, a_, b_,      \
                     (double)(rel));                                         \
    } while (0)

/* Bit-identical doubles. */
#define assert_same_double(a, b)                                             \
    do {                                                                     \
        double a_ = (a), b_ = (b);                                           \
        if (memcmp(&a_, &b_, sizeof a_) != 0)                                \
            fail_msg("%s = %.17g, expected exactly %.17g", #a, a_, b_);      \
    } while (0)

#endif
