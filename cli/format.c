/* format.c - Python's float repr and numpy's array printing, in C. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

/* Shortest %.*e that reads back as x: digits into mant ("d.ddd" without a
 * trailing zero run), decimal exponent into *exp10. */
static void shortest_digits(double x, char *digits, int *ndigits, int *exp10)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
        if (strtod(tmp, NULL) == x || prec == 17)
            break;
    }
    /* tmp is [-]d[.ddd]e[+-]xx */
    const char *p = tmp;
    int n = 0;
    if (*p == '-')
        p++;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *ndigits = n;
    *exp10 = atoi(p + 1);
}

void format_repr(char *buf, size_t size, double x)
{
    if (isnan(x)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(x)) {
        snprintf(buf, size, x < 0 ? "-inf" : "inf");
        return;
    }
    if (x == 0) {
        snprintf(buf, size, signbit(x) ? "-0.0" : "0.0");
        return;
    }
    char d[24], out[48];
    int nd, e, k = 0;
    shortest_digits(x, d, &nd, &e);
    if (x < 0)
        out[k++] = '-';
    if (e < -4 || e >= 16) {
        out[k++] = d[0];
        if (nd > 1) {
            out[k++] = '.';
            memcpy(out + k, d + 1, (size_t)nd - 1);
            k += nd - 1;
        }
        k += sprintf(out + k, "e%c%02d", e < 0 ? '-' : '+', abs(e));
    } else if (e < 0) {
        out[k++] = '0';
        out[k++] = '.';
        for (int z = -1; z > e; z--)
            out[k++] = '0';
        memcpy(out + k, d, (size_t)nd);
        k += nd;
    } else {
        for (int i = 0; i <= e; i++)
            out[k++] = i < nd ? d[i] : '0';
        out[k++] = '.';
        if (nd > e + 1) {
            memcpy(out + k, d + e + 1, (size_t)(nd - e - 1));
            k += nd - e - 1;
        } else {
            out[k++] = '0';
        }
    }
    out[k] = '\0';
    snprintf(buf, size, "%s", out);
}

void format_percent(char *buf, size_t size, double x)
{
    if (!isfinite(x)) {
        format_repr(buf, size, x);
        return;
    }
    snprintf(buf, size, "%.2f", x);
    size_t len = strlen(buf);
    while (len > 2 && buf[len - 1] == '0' && buf[len - 2] != '.')
        buf[--len] = '\0';
}

void format_measure(char *buf, size_t size, double x)
{
    double a = fabs(x);
    if (!isfinite(x) || x == 0)
        format_repr(buf, size, x);
    else if (a >= 1e-4 && a < 1e15) {
        snprintf(buf, size, "%.4g", x);
        if (strchr(buf, 'e'))        /* 9999.7 and up: whole units */
            snprintf(buf, size, "%.0f", x);
    } else
        snprintf(buf, size, "%.3e", x);
}

size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* Digits after the point of s (a %f or %e mantissa) once trailing zeros
 * are trimmed. */
static int fraction_digits(const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot)
        return 0;
    const char *end = dot + 1;
    while (*end >= '0' && *end <= '9')
        end++;
    while (end > dot + 1 && end[-1] == '0')
        end--;
    return (int)(end - dot - 1);
}

enum { NUMPY_PRECISION = 8, NUMPY_LINE_WIDTH = 75 };

/*
 * numpy's FloatingFormat with floatmode "maxprec": scientific when a
 * non-zero |v| is below 1e-4, at least 1e8, or the range exceeds 1e3; then
 * every element gets the largest number of significant fraction digits any
 * element needs (at most 8).  Positional: each element keeps its own digits
 * (at most 8, trailing zeros trimmed) and is padded on the right to the
 * widest.  Lines wrap as numpy's _formatArray does for a 1 x n array.
 */
void print_numpy_row(FILE *out, const double *v, size_t n)
{
    double lo = INFINITY, hi = 0;
    for (size_t k = 0; k < n; k++) {
        double a = fabs(v[k]);
        if (isfinite(a) && a != 0) {
            lo = fmin(lo, a);
            hi = fmax(hi, a);
        }
    }
    int sci = hi > 0 && (hi >= 1e8 || lo < 1e-4 || hi / lo > 1e3);
    char s[64];
    int digits = 0, width = 0;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(v[k]))
            continue;
        if (sci)
            snprintf(s, sizeof s, "%.*e", NUMPY_PRECISION, v[k]);
        else
            snprintf(s, sizeof s, "%.*f", NUMPY_PRECISION, v[k]);
        int f = fraction_digits(s);
        if (f > digits)
            digits = f;
    }
    /* Element text, then the widest element for positional padding. */
    char (*words)[64] = malloc((n ? n : 1) * sizeof *words);
    if (!words)
        return;
    for (size_t k = 0; k < n; k++) {
        if (!isfinite(v[k]))
            snprintf(words[k], 64, isnan(v[k]) ? "nan" : v[k] < 0 ? "-inf" : "inf");
        else if (sci)
            snprintf(words[k], 64, "%#.*e", digits, v[k]); /* keeps "1." */
        else {
            snprintf(words[k], 64, "%.*f", NUMPY_PRECISION, v[k]);
            /* trim to this element's own digits, keeping the point */
            char *dot = strchr(words[k], '.');
            char *end = dot + 1 + fraction_digits(words[k]);
            *end = '\0';
        }
        int w = (int)strlen(words[k]);
        if (w > width)
            width = w;
    }
    /* A 2-D array: "[[" opens, continuation lines are indented by two
     * spaces, and a word wraps when it would pass column 73. */
    const int limit = NUMPY_LINE_WIDTH - 2;
    char line[256];
    int len = snprintf(line, sizeof line, "[[");
    for (size_t k = 0; k < n; k++) {
        char word[80];
        snprintf(word, sizeof word, "%-*s", sci ? 0 : width, words[k]);
        int wl = (int)strlen(word);
        if (len + wl > limit && len > 2) {
            while (len > 0 && line[len - 1] == ' ')
                len--;
            fprintf(out, "%.*s\n", len, line);
            len = snprintf(line, sizeof line, "  ");
        }
        len += snprintf(line + len, sizeof line - (size_t)len, "%s%s", word,
                        k + 1 < n ? " " : "");
    }
    /* numpy keeps the last element's padding before the brackets */
    fprintf(out, "%.*s]]\n", len, line);
    free(words);
}

void format_seconds(char *buf, size_t size, double s)
{
    if (!(s >= 0) || !isfinite(s))
        snprintf(buf, size, "? s");
    else if (s < 1e-3)
        snprintf(buf, size, "%.1f us", s * 1e6);
    else if (s < 1)
        snprintf(buf, size, "%.1f ms", s * 1e3);
    else if (s < 60)
        snprintf(buf, size, "%.2f s", s);
    else if (s < 3600)
        snprintf(buf, size, "%.1f min", s / 60);
    else
        snprintf(buf, size, "%.2f h", s / 3600);
}
