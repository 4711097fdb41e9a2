/* history.c - per-epoch history: in memory and as CSV. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "history.h"
#include "io/atomic.h"

#define HISTORY_HEADER "epoch,loss,accuracy"
#define VAL_COLUMNS ",val_loss,val_accuracy"

int history_reserve(history *h, size_t epochs, int validation)
{
    memset(h, 0, sizeof *h);
    if (epochs == 0)
        epochs = 1;
    if (epochs > SIZE_MAX / 2 / sizeof(double))
        return 0;
    h->loss = malloc(epochs * sizeof *h->loss);
    h->accuracy = malloc(epochs * sizeof *h->accuracy);
    if (validation) {
        h->val_loss = malloc(epochs * sizeof *h->val_loss);
        h->val_accuracy = malloc(epochs * sizeof *h->val_accuracy);
    }
    if (!h->loss || !h->accuracy ||
        (validation && (!h->val_loss || !h->val_accuracy))) {
        history_free(h);
        return 0;
    }
    h->cap = epochs;
    return 1;
}

void history_add(history *h, double loss, double accuracy)
{
    if (h->n < h->cap) {
        h->loss[h->n] = loss;
        h->accuracy[h->n] = accuracy;
        h->n++;
    }
}

void history_add_val(history *h, double loss, double accuracy)
{
    if (h->val_loss && h->n > 0) {
        h->val_loss[h->n - 1] = loss;
        h->val_accuracy[h->n - 1] = accuracy;
    }
}

void history_free(history *h)
{
    free(h->loss);
    free(h->accuracy);
    free(h->val_loss);
    free(h->val_accuracy);
    memset(h, 0, sizeof *h);
}

bp_status history_write(const history *h, const char *path, bp_error *err)
{
    bp_atomic_file af;
    bp_status st = bp_atomic_open(&af, path, err);
    if (st)
        return st;
    int ok = fprintf(af.f, h->val_loss ? HISTORY_HEADER VAL_COLUMNS "\n"
                                       : HISTORY_HEADER "\n") > 0;
    for (size_t e = 0; ok && e < h->n; e++) {
        ok = fprintf(af.f, "%zu,%.17g,%.17g", e + 1, h->loss[e],
                     h->accuracy[e]) > 0;
        if (ok && h->val_loss)
            ok = fprintf(af.f, ",%.17g,%.17g", h->val_loss[e],
                         h->val_accuracy[e]) > 0;
        ok = ok && fputc('\n', af.f) != EOF;
    }
    if (!ok) {
        int code = errno;
        bp_atomic_abort(&af);
        return bp_fail(err, BP_EIO, "cannot write %s: %s", path,
                       strerror(code));
    }
    return bp_atomic_commit(&af, err);
}

static bp_status fail_line(bp_error *err, const char *path, size_t line,
                           const char *why)
{
    return bp_fail(err, BP_EFORMAT, "%s:%zu: %s", path, line, why);
}

/* One row "epoch,loss,accuracy" with finite loss and accuracy. */
static int parse_history_row(const char *line, size_t *epoch, double *loss,
                             double *acc)
{
    char *end;
    errno = 0;
    unsigned long long e = strtoull(line, &end, 10);
    if (end == line || *end != ',' || errno)
        return 0;
    const char *p = end + 1;
    *loss = strtod(p, &end);
    if (end == p || *end != ',')
        return 0;
    p = end + 1;
    *acc = strtod(p, &end);
    if (end == p || (*end && *end != ','))
        return 0;
    *epoch = (size_t)e;
    return 1;
}

bp_status history_read(history *h, const char *path, bp_error *err)
{
    memset(h, 0, sizeof *h);
    FILE *f = fopen(path, "r");
    if (!f)
        return bp_fail(err, BP_EIO, "cannot open %s: %s", path,
                       strerror(errno));
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    bp_status st = BP_OK;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (lineno == 1) {
            if (strcmp(line, HISTORY_HEADER) != 0 &&
                strcmp(line, HISTORY_HEADER VAL_COLUMNS) != 0) {
                st = fail_line(err, path, 1,
                               "expected the header \"" HISTORY_HEADER "\"");
                break;
            }
            continue;
        }
        if (len == 0)
            continue;
        size_t epoch;
        double loss, acc;
        if (!parse_history_row(line, &epoch, &loss, &acc)) {
            st = fail_line(err, path, lineno,
                           "expected \"epoch,loss,accuracy\" numbers");
            break;
        }
        if (epoch != h->n + 1) {
            st = fail_line(err, path, lineno, "epochs must run 1, 2, 3, ...");
            break;
        }
        if (h->n == h->cap) {
            size_t cap2 = h->cap ? 2 * h->cap : 1024;
            double *l2 = realloc(h->loss, cap2 * sizeof *l2);
            if (l2)
                h->loss = l2;
            double *a2 = l2 ? realloc(h->accuracy, cap2 * sizeof *a2) : NULL;
            if (!l2 || !a2) {
                st = bp_fail(err, BP_ENOMEM, "out of memory reading %s", path);
                break;
            }
            h->accuracy = a2;
            h->cap = cap2;
        }
        history_add(h, loss, acc);
    }
    if (st == BP_OK && ferror(f))
        st = bp_fail(err, BP_EIO, "cannot read %s", path);
    if (st == BP_OK && h->n == 0)
        st = fail_line(err, path, lineno ? lineno : 1,
                       lineno ? "no epochs after the header" : "empty file");
    free(line);
    fclose(f);
    if (st)
        history_free(h);
    return st;
}
