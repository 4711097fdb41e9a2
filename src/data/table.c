/* table.c - tables read from files: freeing, and the helpers both readers
 * use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/table.h"

char *bp_strndup(const char *s, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

char **bp_numbered_names(const char *prefix, size_t first, size_t count)
{
    char **names = calloc(count, sizeof *names);
    if (!names)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s%zu", prefix, first + i);
        names[i] = bp_strndup(buf, strlen(buf));
        if (!names[i]) {
            bp_free_names(names, i);
            return NULL;
        }
    }
    return names;
}

void bp_free_names(char **names, size_t count)
{
    if (!names)
        return;
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

void bp_table_free(bp_table *t)
{
    if (!t)
        return;
    free(t->x);
    free(t->target);
    free(t->label_value);
    free(t->label_name);
    bp_free_names(t->class_names, t->n_classes);
    bp_free_names(t->feature_names, t->d);
    free(t);
}
