/* table.h - what the CSV and IDX readers share (internal). */
#ifndef BP_DATA_TABLE_H
#define BP_DATA_TABLE_H

#include "backprop.h"

/* A copy of the len bytes at s, NUL-terminated; NULL when memory runs out. */
char *bp_strndup(const char *s, size_t len);

/* count names PREFIX followed by first, first + 1, ... ("x1", "x2", ...);
 * NULL when memory runs out.  Free with bp_free_names. */
char **bp_numbered_names(const char *prefix, size_t first, size_t count);

/* Frees count strings and the array; accepts NULL. */
void bp_free_names(char **names, size_t count);

#endif
