/* metrics.c - accuracy, confusion matrix, precision and recall, RMSE. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "format.h"
#include "metrics.h"

/* The class of row s of targets or predictions: k == 1 is a probability
 * of class 1, otherwise the largest entry. */
size_t class_of(const double *v, size_t k)
{
    if (k == 1)
        return v[0] > 0.5;
    size_t best = 0;
    for (size_t i = 1; i < k; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

/* Class c's name as the training file wrote it, control bytes shown as
 * '?' (a model file is input like any other); its index without names. */
static void class_name(char *buf, size_t size, const bp_model_extra *extra,
                       size_t c)
{
    if (extra && c < extra->n_classes)
        snprintf(buf, size, "%s", extra->class_names[c]);
    else
        snprintf(buf, size, "%zu", c);
    bp_mask_controls(buf);
}

/* s left-aligned (right when right) in width columns, counted in UTF-8
 * characters so that "größe" lines up with "height". */
static void cell(FILE *out, const char *s, size_t width, int right)
{
    size_t w = text_width(s);
    if (right)
        fprintf(out, "%*s%s", (int)(width > w ? width - w : 0), "", s);
    else
        fprintf(out, "%s%*s", s, (int)(width > w ? width - w : 0), "");
}

enum { NAME_MAX_BYTES = 1024 };

/* The confusion matrix and the per-class table.  Each column is as wide as
 * its class's name (at least 8 characters), so whole names are shown,
 * never cut.  Returns 0 when out of memory. */
static int confusion(FILE *out, const size_t *m, size_t classes,
                     const bp_model_extra *extra)
{
    char name[NAME_MAX_BYTES];
    size_t *col_w = malloc(classes * sizeof *col_w), label_w = 14;
    if (!col_w)
        return 0;
    for (size_t c = 0; c < classes; c++) {
        class_name(name, sizeof name, extra, c);
        size_t w = text_width(name);
        label_w = w > label_w ? w : label_w;
        col_w[c] = w > 8 ? w : 8;
    }
    fprintf(out, "confusion matrix (rows: true class, columns: predicted):\n");
    cell(out, "", label_w, 0);
    for (size_t j = 0; j < classes; j++) {
        class_name(name, sizeof name, extra, j);
        fputc(' ', out);
        cell(out, name, col_w[j], 1);
    }
    fputc('\n', out);
    for (size_t i = 0; i < classes; i++) {
        class_name(name, sizeof name, extra, i);
        cell(out, name, label_w, 1);
        for (size_t j = 0; j < classes; j++)
            fprintf(out, " %*zu", (int)col_w[j], m[i * classes + j]);
        fputc('\n', out);
    }
    free(col_w);
    cell(out, "class", label_w, 1);
    fprintf(out, " %9s %9s %9s\n", "precision", "recall", "support");
    for (size_t c = 0; c < classes; c++) {
        size_t tp = m[c * classes + c], predicted = 0, actual = 0;
        for (size_t k = 0; k < classes; k++) {
            predicted += m[k * classes + c];
            actual += m[c * classes + k];
        }
        class_name(name, sizeof name, extra, c);
        cell(out, name, label_w, 1);
        fprintf(out, " %9.4f %9.4f %9zu\n",
                predicted ? (double)tp / (double)predicted : 0.0,
                actual ? (double)tp / (double)actual : 0.0, actual);
    }
    return 1;
}

int print_metrics(FILE *out, const char *name, const bp_net *net,
                  const bp_dataset *ds, const bp_model_extra *extra,
                  int details, bp_eval_opts run)
{
    const bp_arch *a = bp_net_arch(net);
    size_t k = ds->n_out;
    double *p = malloc(ds->n * k * sizeof *p);
    if (!p)
        return cli_error(EXIT_RUNTIME, "out of memory for predictions");
    bp_error err;
    if (bp_predict_with(net, run, ds->x, ds->n, p, &err)) {
        free(p);
        return cli_error(EXIT_RUNTIME, "%s", err.msg);
    }
    if (a->output == BP_OUT_LINEAR) {
        /* in the target's units: the set's targets are standardised with
         * the model's target_std (when it has one); the sums stay in
         * standardised units, scaled once at the end, so that a target of
         * 1e300 does not overflow the squares */
        double se = 0, ae = 0,
               unit = extra && extra->target_std > 0 ? extra->target_std : 1;
        for (size_t e = 0; e < ds->n * k; e++) {
            double d = p[e] - ds->y[e];
            se += d * d;
            ae += fabs(d);
        }
        double count = (double)(ds->n * k);
        char r[32], m[32];
        format_measure(r, sizeof r, sqrt(se / count) * unit);
        format_measure(m, sizeof m, ae / count * unit);
        fprintf(out, "%s rmse : %s\n%s mae : %s\n", name, r, name, m);
        free(p);
        return EXIT_OK;
    }
    size_t classes = k == 1 ? 2 : k, right = 0;
    size_t *m = calloc(classes * classes, sizeof *m);
    if (!m) {
        free(p);
        return cli_error(EXIT_RUNTIME, "out of memory");
    }
    for (size_t s = 0; s < ds->n; s++) {
        size_t t = class_of(ds->y + s * k, k), q = class_of(p + s * k, k);
        m[t * classes + q]++;
        right += t == q;
    }
    char acc[32];
    format_percent(acc, sizeof acc, (double)right / (double)ds->n * 100.0);
    fprintf(out, "%s accuracy : %s %%\n", name, acc);
    int ok = !details || confusion(out, m, classes, extra);
    free(m);
    free(p);
    return ok ? EXIT_OK : cli_error(EXIT_RUNTIME, "out of memory");
}
