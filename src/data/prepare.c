/* prepare.c - tables into training sets: the task, the targets, the split
 * and the standardisation, as the command shapes them; and predictions
 * from raw inputs with a model's stored standardisation. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/table.h"

/* ------------------------------------------------------ standardisation */

/*
 * Mean and standard deviation (population) of each of the d columns of x
 * (n rows), into mean and std.  The plain two-pass sums, in row order (the
 * project's numbers, read through memory once a pass); a column whose sums
 * overflow (a value near 1e308, or values of 1e154 whose squares
 * overflow) is done again with its values divided by its largest
 * magnitude m first, so that every sum stays below 4n, and the results
 * scaled back: the mean and the deviation of values within [-m, m] are
 * within [-m, m] too.  A deviation below 1e-12 (a constant column)
 * becomes 1.
 */
static void column_stats(const double *x, size_t n, size_t d, double *mean,
                         double *std)
{
    for (size_t f = 0; f < d; f++)
        mean[f] = std[f] = 0;
    for (size_t s = 0; s < n; s++)
        for (size_t f = 0; f < d; f++)
            mean[f] += x[s * d + f];
    for (size_t f = 0; f < d; f++)
        mean[f] /= (double)n;
    for (size_t s = 0; s < n; s++)
        for (size_t f = 0; f < d; f++) {
            double e = x[s * d + f] - mean[f];
            std[f] += e * e;
        }
    for (size_t f = 0; f < d; f++) {
        double sd = sqrt(std[f] / (double)n);
        if (!isfinite(mean[f]) || !isfinite(sd)) {
            double m = 0, sm = 0, sq = 0;
            for (size_t s = 0; s < n; s++)
                m = fmax(m, fabs(x[s * d + f]));
            for (size_t s = 0; s < n; s++)
                sm += x[s * d + f] / m;
            double mu = sm / (double)n;
            for (size_t s = 0; s < n; s++) {
                double e = x[s * d + f] / m - mu;
                sq += e * e;
            }
            mean[f] = mu * m;
            sd = fmin(sqrt(sq / (double)n) * m, DBL_MAX);
        }
        std[f] = sd > 1e-12 ? sd : 1.0;
    }
}

/* (v - mean) / std, without overflow where the difference would overflow
 * (then the spread, and so std, is of the values' own size). */
static double scale_value(double v, double mean, double std)
{
    double z = (v - mean) / std;
    if (!isfinite(z))
        z = v / std - mean / std;
    if (!isfinite(z))
        z = z > 0 ? DBL_MAX : -DBL_MAX;
    return z;
}

void bp_standardize(double *x, size_t n, size_t d, const double *mean,
                    const double *std)
{
    for (size_t s = 0; s < n; s++)
        for (size_t f = 0; f < d; f++)
            x[s * d + f] = scale_value(x[s * d + f], mean[f], std[f]);
}

/* ------------------------------------------------------------- the task */

bp_task bp_task_detect(const bp_table *t)
{
    if (!t || !t->labels_numeric || !t->label_value)
        return BP_TASK_CLASSIFICATION;
    for (size_t s = 0; s < t->n; s++)
        if (t->label_value[s] != floor(t->label_value[s]))
            return BP_TASK_REGRESSION;
    if (t->n_classes > 20 && t->n < 10 * t->n_classes)
        return BP_TASK_REGRESSION;
    if (t->n_classes > 2 && t->n < 2 * t->n_classes)
        return BP_TASK_REGRESSION;     /* mostly one row a class */
    return BP_TASK_CLASSIFICATION;
}

/* ------------------------------------------------------------ targets */

/* Targets for the table's rows: one-hot over `classes` outputs (more than
 * two classes), the class index 0/1 (two), or the numeric label.  `map`
 * turns the table's class indices into the model's (NULL: the same).  The
 * features move from the table into the data set (both are n x d,
 * row-major), so a large file is held once, not twice. */
static bp_dataset *to_dataset(bp_table *t, int regression, size_t classes,
                              const size_t *map, bp_error *err)
{
    if (!t->x) {
        bp_fail(err, BP_EINVAL, "the table's features were already taken");
        return NULL;
    }
    size_t outs = regression || classes <= 2 ? 1 : classes;
    bp_dataset *ds = bp_dataset_new(t->n, t->d, outs, err);
    if (!ds)
        return NULL;
    free(ds->x);
    ds->x = t->x;
    t->x = NULL;
    /* the reader grows its buffer by doubling: give back the unused end */
    double *fit = realloc(ds->x, t->n * t->d * sizeof *ds->x);
    if (fit)
        ds->x = fit;
    for (size_t s = 0; s < t->n; s++) {
        size_t c = (size_t)t->target[s];
        if (map)
            c = map[c];
        if (regression)
            ds->y[s] = t->label_value[s];
        else if (outs == 1)
            ds->y[s] = (double)c;
        else
            for (size_t k = 0; k < outs; k++)
                ds->y[s * outs + k] = k == c ? 1.0 : 0.0;
    }
    return ds;
}

static char **copy_names(char *const *names, size_t n)
{
    char **copy = calloc(n ? n : 1, sizeof *copy);
    for (size_t k = 0; copy && k < n; k++)
        if (!(copy[k] = bp_strndup(names[k], strlen(names[k])))) {
            bp_free_names(copy, k);
            return NULL;
        }
    return copy;
}

/* "a, b, c" (cut with ", ..." to fit) for a message. */
static void list_names(char *const *names, size_t n, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        size_t need = strlen(names[k]) + 8;
        if (len + need > size) {
            snprintf(out + len, size - len, "%s...", k ? ", " : "");
            return;
        }
        len += (size_t)snprintf(out + len, size - len, "%s%s", k ? ", " : "",
                                names[k]);
    }
}

/* The model's index of each of the table's classes. */
static size_t *class_map(const bp_table *t, const bp_model_extra *extra,
                         bp_error *err)
{
    size_t *map = malloc((t->n_classes ? t->n_classes : 1) * sizeof *map);
    if (!map) {
        bp_fail(err, BP_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t c = 0; c < t->n_classes; c++) {
        size_t k = 0;
        while (k < extra->n_classes &&
               strcmp(extra->class_names[k], t->class_names[c]) != 0)
            k++;
        if (k == extra->n_classes) {
            char names[200];
            list_names(extra->class_names, extra->n_classes, names,
                       sizeof names);
            bp_fail(err, BP_EINVAL,
                    "class '%.40s' does not appear in the training data "
                    "(its classes: %s)", t->class_names[c], names);
            free(map);
            return NULL;
        }
        map[c] = k;
    }
    return map;
}

/* ---------------------------------------------------------------- split */

bp_status bp_dataset_split(bp_dataset **from, bp_dataset **held,
                           double fraction, uint64_t seed, bp_error *err)
{
    bp_dataset *all = *from;
    if (!(fraction > 0 && fraction < 1))
        return bp_fail(err, BP_EINVAL, "a split fraction must be in (0, 1)");
    size_t n_test = (size_t)llround(fraction * (double)all->n);
    if (n_test == 0 || n_test >= all->n)
        return bp_fail(err, BP_EINVAL, "%g of %zu rows leaves an empty set",
                       fraction, all->n);
    size_t *order = malloc(all->n * sizeof *order);
    bp_dataset *tr = bp_dataset_new(all->n - n_test, all->n_in, all->n_out,
                                    err);
    bp_dataset *te = tr ? bp_dataset_new(n_test, all->n_in, all->n_out, err)
                        : NULL;
    if (!order || !tr || !te) {
        free(order);
        bp_dataset_free(tr);
        bp_dataset_free(te);
        return bp_fail(err, BP_ENOMEM, "out of memory");
    }
    bp_rng rng;
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, seed);
    for (size_t s = 0; s < all->n; s++)
        order[s] = s;
    for (size_t i = all->n - 1; i > 0; i--) {
        size_t j = (size_t)bp_rng_below(&rng, (uint64_t)i + 1);
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t s = 0; s < all->n; s++) {
        bp_dataset *to = s < n_test ? te : tr;
        size_t at = s < n_test ? s : s - n_test;
        memcpy(to->x + at * all->n_in, all->x + order[s] * all->n_in,
               all->n_in * sizeof *all->x);
        memcpy(to->y + at * all->n_out, all->y + order[s] * all->n_out,
               all->n_out * sizeof *all->y);
    }
    free(order);
    bp_dataset_free(all);
    *from = tr;
    *held = te;
    return BP_OK;
}

/* ------------------------------------------------------------- prepare */

void bp_prepared_free(bp_prepared *p)
{
    if (!p)
        return;
    bp_dataset_free(p->train);
    bp_dataset_free(p->test);
    bp_model_extra_free(&p->extra);
    memset(p, 0, sizeof *p);
}

/* The CSV's layout for the model to remember. */
static bp_status keep_layout(const bp_table *t, bp_model_extra *extra,
                             bp_error *err)
{
    extra->header = t->label_name ? t->header : -1;
    extra->delimiter = t->delimiter;
    if (t->label_name &&
        !(extra->label = bp_strndup(t->label_name, strlen(t->label_name))))
        return bp_fail(err, BP_ENOMEM, "out of memory");
    return BP_OK;
}

static void limit_rows(bp_dataset *ds, size_t limit)
{
    if (ds && limit && ds->n > limit)
        ds->n = limit;
}

static bp_status standardize_prepared(bp_prepared *p, bp_error *err)
{
    bp_dataset *tr = p->train;
    size_t d = tr->n_in;
    bp_model_extra *extra = &p->extra;
    free(extra->mean);
    free(extra->std);
    extra->mean = malloc(d * sizeof *extra->mean);
    extra->std = malloc(d * sizeof *extra->std);
    if (!extra->mean || !extra->std)
        return bp_fail(err, BP_ENOMEM, "out of memory");
    column_stats(tr->x, tr->n, d, extra->mean, extra->std);
    bp_standardize(tr->x, tr->n, d, extra->mean, extra->std);
    if (p->test)
        bp_standardize(p->test->x, p->test->n, d, extra->mean, extra->std);
    if (p->task == BP_TASK_REGRESSION) {
        column_stats(tr->y, tr->n, 1, &extra->target_mean,
                     &extra->target_std);
        bp_standardize(tr->y, tr->n, 1, &extra->target_mean,
                       &extra->target_std);
        if (p->test)
            bp_standardize(p->test->y, p->test->n, 1, &extra->target_mean,
                           &extra->target_std);
    }
    return BP_OK;
}

bp_status bp_prepare(bp_table *t, const bp_prepare_opts *opts,
                     bp_prepared *out, bp_error *err)
{
    static const bp_prepare_opts defaults = {BP_TASK_AUTO, 0, 0, 0, 0};
    if (!out)
        return bp_fail(err, BP_EINVAL, "bp_prepare: no result to fill");
    memset(out, 0, sizeof *out);
    out->extra.header = -1;
    if (!t || t->n == 0 || t->d == 0)
        return bp_fail(err, BP_EINVAL, "bp_prepare: an empty table");
    if (!opts)
        opts = &defaults;
    bp_task task = opts->task;
    if ((unsigned)task > BP_TASK_REGRESSION)
        return bp_fail(err, BP_EINVAL, "unknown task %d", (int)task);
    if (task == BP_TASK_AUTO) {
        task = bp_task_detect(t);
        out->task_detected = task == BP_TASK_REGRESSION;
    }
    int regression = task == BP_TASK_REGRESSION;
    out->task = task;
    if (regression && !t->labels_numeric)
        return bp_fail(err, BP_EINVAL, "a regression needs numeric labels");
    if (!regression && t->n_classes < 2)
        return bp_fail(err, BP_EINVAL,
                       "the labels hold a single class ('%.40s'); "
                       "classification needs two or more",
                       t->n_classes ? t->class_names[0] : "");
    bp_status st = keep_layout(t, &out->extra, err);
    if (!st && !regression) {
        if (!(out->extra.class_names = copy_names(t->class_names,
                                                  t->n_classes)))
            st = bp_fail(err, BP_ENOMEM, "out of memory");
        else
            out->extra.n_classes = t->n_classes;
    }
    if (!st && !(out->train = to_dataset(t, regression, t->n_classes, NULL,
                                         err)))
        st = err ? err->code : BP_ENOMEM;
    out->output = regression             ? BP_OUT_LINEAR
                  : out->extra.n_classes > 2 ? BP_OUT_SOFTMAX
                                             : BP_OUT_SIGMOID;
    out->loss = regression                     ? BP_LOSS_MSE
                : out->output == BP_OUT_SOFTMAX ? BP_LOSS_CE
                                                : BP_LOSS_BCE;
    if (!st && opts->split > 0)
        st = bp_dataset_split(&out->train, &out->test, opts->split,
                              opts->split_seed, err);
    if (!st) {
        limit_rows(out->train, opts->limit);
        limit_rows(out->test, opts->limit);
    }
    if (!st && !opts->no_standardize)
        st = standardize_prepared(out, err);
    if (st)
        bp_prepared_free(out);
    return st;
}

/* t as data for a model of the given task and classes (extra), with its
 * standardisation applied. */
static bp_dataset *shape_for(bp_table *t, int regression,
                             const bp_model_extra *extra, size_t limit,
                             bp_error *err)
{
    if (regression && !t->labels_numeric) {
        bp_fail(err, BP_EINVAL,
                "the model predicts numbers but the labels are not numeric");
        return NULL;
    }
    if (!regression && !extra->n_classes) {
        bp_fail(err, BP_EINVAL, "the model holds no class names to match "
                                "the labels");
        return NULL;
    }
    size_t *map = NULL;
    if (!regression && !(map = class_map(t, extra, err)))
        return NULL;
    bp_dataset *ds = to_dataset(t, regression, extra->n_classes, map, err);
    free(map);
    if (!ds)
        return NULL;
    limit_rows(ds, limit);
    if (extra->mean && extra->std)
        bp_standardize(ds->x, ds->n, ds->n_in, extra->mean, extra->std);
    if (regression && extra->target_std > 0)
        bp_standardize(ds->y, ds->n, 1, &extra->target_mean,
                       &extra->target_std);
    return ds;
}

bp_status bp_prepare_test(bp_prepared *p, bp_table *t, size_t limit,
                          bp_error *err)
{
    if (!p || !p->train || !t)
        return bp_fail(err, BP_EINVAL, "bp_prepare_test: nothing prepared");
    if (p->test)
        return bp_fail(err, BP_EINVAL, "bp_prepare_test: a test set is "
                                       "already there");
    if (t->d != p->train->n_in)
        return bp_fail(err, BP_EINVAL, "%zu features but the training data "
                                       "has %zu", t->d, p->train->n_in);
    p->test = shape_for(t, p->task == BP_TASK_REGRESSION, &p->extra, limit,
                        err);
    return p->test ? BP_OK : err ? err->code : BP_ENOMEM;
}

bp_dataset *bp_prepare_for_model(bp_table *t, const bp_net *net,
                                 const bp_model_extra *extra, size_t limit,
                                 bp_error *err)
{
    static const bp_model_extra none = {.header = -1};
    if (!t || !net) {
        bp_fail(err, BP_EINVAL, "bp_prepare_for_model: no table or network");
        return NULL;
    }
    if (!extra)
        extra = &none;
    const bp_arch *a = bp_net_arch(net);
    int regression = a->output == BP_OUT_LINEAR;
    size_t n_out = a->sizes[a->n_layers];
    if (t->d != a->sizes[0]) {
        bp_fail(err, BP_EINVAL, "%zu features but the model takes %zu", t->d,
                a->sizes[0]);
        return NULL;
    }
    size_t want = regression || extra->n_classes <= 2 ? 1 : extra->n_classes;
    if (!regression && extra->n_classes && want != n_out) {
        bp_fail(err, BP_EINVAL, "the model gives %zu outputs for its %zu "
                                "classes", n_out, extra->n_classes);
        return NULL;
    }
    return shape_for(t, regression, extra, limit, err);
}

/* ---------------------------------------------------------- predictions */

bp_status bp_model_predict(const bp_net *net, const bp_model_extra *extra,
                           const double *x, size_t n, double *out,
                           bp_error *err)
{
    return bp_model_predict_with(net, extra, (bp_eval_opts){0}, x, n, out,
                                 err);
}

bp_status bp_model_predict_with(const bp_net *net,
                                const bp_model_extra *extra, bp_eval_opts run,
                                const double *x, size_t n, double *out,
                                bp_error *err)
{
    if (!net || !x || !out)
        return bp_fail(err, BP_EINVAL, "bp_model_predict: NULL argument");
    if (!extra)
        return bp_predict_with(net, run, x, n, out, err);
    const bp_arch *a = bp_net_arch(net);
    size_t d = a->sizes[0], k = a->sizes[a->n_layers], cells;
    const double *in = x;
    double *copy = NULL;
    if (extra->mean && extra->std && n) {
        if (!bp_mul_size(n, d * sizeof *copy, &cells) ||
            !(copy = malloc(cells)))
            return bp_fail(err, BP_ENOMEM, "out of memory for %zu rows", n);
        memcpy(copy, x, cells);
        bp_standardize(copy, n, d, extra->mean, extra->std);
        in = copy;
    }
    bp_status st = bp_predict_with(net, run, in, n, out, err);
    free(copy);
    if (!st && a->output == BP_OUT_LINEAR && extra->target_std > 0)
        for (size_t e = 0; e < n * k; e++)
            out[e] = out[e] * extra->target_std + extra->target_mean;
    return st;
}
