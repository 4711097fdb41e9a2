/* history.c - per-epoch history: in memory and as CSV. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "format.h"
#include "history.h"
#include "io/atomic.h"

#define HISTORY_HEADER "epoch,loss,accuracy"
#define VAL_COLUMNS ",val_loss,val_accuracy"

/* The four headers: [no accuracy][validation]. */
static const char *const HEADERS[2][2] = {
    {HISTORY_HEADER, HISTORY_HEADER VAL_COLUMNS},
    {"epoch,loss", "epoch,loss,val_loss"}};

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
    int acc = !h->no_accuracy;
    int ok = fprintf(af.f, "%s\n", HEADERS[!acc][h->val_loss != NULL]) > 0;
    /* shortest round-trip numbers: "0.25", not "0.25000000000000000" */
    char a[32], b[32];
    for (size_t e = 0; ok && e < h->n; e++) {
        format_repr(a, sizeof a, h->loss[e]);
        format_repr(b, sizeof b, h->accuracy[e]);
        ok = fprintf(af.f, "%zu,%s%s%s", e + 1, a, acc ? "," : "",
                     acc ? b : "") > 0;
        if (ok && h->val_loss) {
            format_repr(a, sizeof a, h->val_loss[e]);
            format_repr(b, sizeof b, h->val_accuracy[e]);
            ok = fprintf(af.f, ",%s%s%s", a, acc ? "," : "", acc ? b : "") > 0;
        }
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

/* One row: the epoch, then exactly `count` numbers (any double strtod
 * reads, "nan" and "inf" included) into v. */
static int parse_history_row(const char *line, size_t *epoch, double *v,
                             int count)
{
    char *end;
    errno = 0;
    if (*line < '0' || *line > '9')
        return 0;
    unsigned long long e = strtoull(line, &end, 10);
    if (end == line || *end != ',' || errno)
        return 0;
    for (int k = 0; k < count; k++) {
        const char *p = end + 1;
        v[k] = strtod(p, &end);
        if (end == p || *end != (k + 1 < count ? ',' : '\0'))
            return 0;
    }
    *epoch = (size_t)e;
    return 1;
}

/* Grows the columns of h (the validation ones too with validation) to
 * hold cap2 epochs; 0 when memory runs out. */
static int history_grow(history *h, size_t cap2, int validation)
{
    double **cols[4] = {&h->loss, &h->accuracy, &h->val_loss,
                        &h->val_accuracy};
    int n = validation ? 4 : 2;
    if (cap2 > SIZE_MAX / sizeof(double))
        return 0;
    for (int k = 0; k < n; k++) {
        double *p = realloc(*cols[k], cap2 * sizeof *p);
        if (!p)
            return 0;
        *cols[k] = p;
    }
    h->cap = cap2;
    return 1;
}

static const char *const COLUMNS[4] = {"loss", "accuracy", "val_loss",
                                       "val_accuracy"};

const double *history_column(const history *h, const char *name)
{
    const double *cols[4] = {h->loss, h->no_accuracy ? NULL : h->accuracy,
                             h->val_loss,
                             h->no_accuracy ? NULL : h->val_accuracy};
    for (int k = 0; k < 4; k++)
        if (strcmp(name, COLUMNS[k]) == 0)
            return cols[k];
    return NULL;
}

void history_column_names(const history *h, char *buf, size_t size)
{
    int acc = !h->no_accuracy, val = h->val_loss != NULL;
    snprintf(buf, size, "%s%s%s%s", COLUMNS[0], acc ? ", accuracy" : "",
             val ? ", val_loss" : "", val && acc ? ", val_accuracy" : "");
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
    int count = 2;     /* numbers in a row after the epoch */
    int acc = 1, val = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (lineno == 1) {
            int known = 0;
            for (int k = 0; k < 4 && !known; k++)
                if (strcmp(line, HEADERS[k / 2][k % 2]) == 0) {
                    known = 1;
                    acc = k / 2 == 0;
                    val = k % 2;
                }
            if (!known) {
                st = fail_line(err, path, 1,
                               "expected the header \"" HISTORY_HEADER "\"");
                break;
            }
            count = (1 + acc) * (1 + val);
            h->no_accuracy = !acc;
            continue;
        }
        if (len == 0)
            continue;
        size_t epoch;
        double v[4] = {0, 0, 0, 0}, got[4];
        if (!parse_history_row(line, &epoch, got, count)) {
            char why[96];
            snprintf(why, sizeof why, "expected \"%s\" numbers",
                     HEADERS[!acc][val]);
            st = fail_line(err, path, lineno, why);
            break;
        }
        /* into loss, accuracy, val_loss, val_accuracy (0 where absent) */
        for (int k = 0, j = 0; k < 4; k++)
            if ((k % 2 == 0 || acc) && (k < 2 || val))
                v[k] = got[j++];
        if (epoch != h->n + 1) {
            st = fail_line(err, path, lineno, "epochs must run 1, 2, 3, ...");
            break;
        }
        if (h->n == h->cap &&
            !history_grow(h, h->cap ? 2 * h->cap : 1024, val)) {
            st = bp_fail(err, BP_ENOMEM, "out of memory reading %s", path);
            break;
        }
        history_add(h, v[0], v[1]);
        if (val)
            history_add_val(h, v[2], v[3]);
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
