/* format.h - numbers printed the way Python and numpy print them. */
#ifndef BP_CLI_FORMAT_H
#define BP_CLI_FORMAT_H

#include <stddef.h>
#include <stdio.h>

/* Python's repr(float): the shortest decimal that reads back as the same
 * double, positional for exponents -4..15, "1e-05" style otherwise, and a
 * ".0" on whole numbers.  buf needs 32 bytes. */
void format_repr(char *buf, size_t size, double x);

/* print(array) of numpy for a 1 x n array of probabilities, with numpy's
 * defaults (precision 8, 75 columns, scientific notation when the values
 * span more than 1e3 or go below 1e-4). */
void print_numpy_row(FILE *out, const double *v, size_t n);

/* A metric for people: a percentage rounded to 2 decimals with trailing
 * zeros dropped but one kept ("92.67", "95.5", "100.0"). */
void format_percent(char *buf, size_t size, double x);

/* A measurement for people (RMSE, MAE): 4 significant digits, no exponent
 * for 1e-4 <= |x| < 1e15 ("0.01235", "152.3", "15230"). */
void format_measure(char *buf, size_t size, double x);

/* A duration for people: 12.3 us, 45.6 ms, 7.89 s, 2.5 min, 1.25 h. */
void format_seconds(char *buf, size_t size, double s);

/* The columns text takes on a terminal: UTF-8 code points, not bytes. */
size_t text_width(const char *s);

#endif
