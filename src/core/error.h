/* error.h - filling a caller's bp_error (internal). */
#ifndef BP_CORE_ERROR_H
#define BP_CORE_ERROR_H

#include "backprop.h"

/* Sets err (when not NULL) to code and a printf-style message; returns code,
 * so that a failing path reads `return bp_fail(err, BP_EINVAL, "...")`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
bp_status bp_fail(bp_error *err, bp_status code, const char *fmt, ...);

/* Control characters of s (bytes below 0x20, and 0x7f) become '?' in
 * place, so that text from a file stays on one line.  Returns s. */
char *bp_mask_controls(char *s);

/* Up to 40 bytes of s for a one-line message: control characters become
 * '?', and a cut (never inside a UTF-8 character) is marked with "...".
 * Returns out.  Shared by the CSV reader and the command's messages. */
const char *bp_excerpt(char out[48], const char *s);

/* Multiplies a * b into *out; returns 0 on size_t overflow. */
static inline int bp_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > (size_t)-1 / a)
        return 0;
    *out = a * b;
    return 1;
}

#endif
