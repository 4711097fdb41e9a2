/* cmd_plot.c - backprop plot: columns of history files, overlaid. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "history.h"
#include "plot/plot.h"

static const char usage_text[] =
    "usage: backprop plot --out FILE [--column NAME[,NAME...]] [--title T]\n"
    "                     [--ylabel Y] [--log-y] [--band]\n"
    "                     [--label NAME] HISTORY.csv [[--label NAME] HISTORY.csv ...]\n"
    "\n"
    "Overlays columns of history files written by 'backprop train --history\n"
    "FILE', against the epoch, with a legend.  A history has the columns\n"
    "loss and accuracy, and val_loss and val_accuracy when the run had a\n"
    "validation set (--val-split).  --column loss,val_loss draws both\n"
    "columns of every file.  A --label names the files after it, up to the\n"
    "next --label (without one, a curve is named after its file; with\n"
    "several columns the column's name is added).  With --band, the files\n"
    "that share a label are drawn as their mean with a min-max band.  The\n"
    "extension of --out picks the format: .png, .svg or .pdf.  A file that\n"
    "lacks a column is an error that lists the columns it has.\n"
    "\n"
    "options:\n"
    "  --out FILE           the figure to write (required)\n"
    "  --column NAMES       the columns to draw, comma-separated [loss]\n"
    "  --title T            title [Learning curves]\n"
    "  --ylabel Y           y axis label [the columns' names]\n"
    "  --log-y              logarithmic y axis\n"
    "  --band               mean and min-max band per label\n"
    "  --label NAME         legend name of the following files\n"
    "  --help               show this help and exit\n";

typedef struct {
    const char *label;
    const char *path;
    history h;
} curve;

/* Columns a figure can draw, at most MAX_COLUMNS of them. */
enum { MAX_COLUMNS = 4 };

/* Splits a --column list into names (pointers into buf); the number of
 * names, or -1 for an empty or repeated name or too many. */
static int split_columns(char *buf, const char **names)
{
    int n = 0;
    for (char *p = buf;; p++) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p == '\0' || n == MAX_COLUMNS)
            return -1;
        for (int k = 0; k < n; k++)
            if (strcmp(names[k], p) == 0)
                return -1;
        names[n++] = p;
        if (!comma)
            return n;
        p = comma;
    }
}

/* Mean, min and max of one column over the curves [first, last) sharing a
 * label, over the epochs all of them have. */
static int band_of(const curve *c, size_t count, const char *column,
                   double **mean, double **lo, double **hi, size_t *n)
{
    size_t len = c[0].h.n;
    for (size_t k = 1; k < count; k++)
        if (c[k].h.n < len)
            len = c[k].h.n;
    *mean = malloc(len * sizeof **mean);
    *lo = malloc(len * sizeof **lo);
    *hi = malloc(len * sizeof **hi);
    if (!*mean || !*lo || !*hi)
        return 0;
    for (size_t e = 0; e < len; e++) {
        double sum = 0, mn = history_column(&c[0].h, column)[e], mx = mn;
        for (size_t k = 0; k < count; k++) {
            double v = history_column(&c[k].h, column)[e];
            sum += v;
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
        }
        (*mean)[e] = sum / (double)count;
        (*lo)[e] = mn;
        (*hi)[e] = mx;
    }
    *n = len;
    return 1;
}

/* The legend text of column c of the curves labelled label: the label
 * alone for one column, else "label column" (just the column when all
 * files share one label). */
static char *series_label(const char *label, const char *column,
                          int n_columns, int one_label)
{
    size_t len = strlen(label) + strlen(column) + 2;
    char *s = malloc(len);
    if (!s)
        return NULL;
    if (n_columns == 1)
        snprintf(s, len, "%s", label);
    else if (one_label)
        snprintf(s, len, "%s", column);
    else
        snprintf(s, len, "%s %s", label, column);
    return s;
}

/* Every curve has every column: else an error naming the file and the
 * columns it has (exit 2). */
static int check_columns(const curve *curves, size_t count,
                         const char *const *columns, int n_columns)
{
    for (size_t k = 0; k < count; k++)
        for (int c = 0; c < n_columns; c++)
            if (!history_column(&curves[k].h, columns[c])) {
                char have[64];
                history_column_names(&curves[k].h, have, sizeof have);
                return cli_error(EXIT_USAGE,
                                 "%s has no column '%s' (its columns: %s)",
                                 curves[k].path, columns[c], have);
            }
    return EXIT_OK;
}

/* The series of the figure: one per file and column, or with band one per
 * label and column.  Arrays they own go to owned[*n_owned...]. */
static int build_series(const curve *curves, size_t count, int band,
                        const char *const *columns, int n_columns,
                        const double *epochs, bp_plot_series *series,
                        size_t *n_series, void **owned, size_t *n_owned)
{
    int one_label = 1;
    for (size_t k = 1; k < count; k++)
        one_label &= strcmp(curves[k].label, curves[0].label) == 0;
    for (size_t k = 0; k < count;) {
        size_t same = 1;
        if (band)
            while (k + same < count &&
                   strcmp(curves[k + same].label, curves[k].label) == 0)
                same++;
        for (int c = 0; c < n_columns; c++) {
            bp_plot_series *s = &series[(*n_series)++];
            s->x = epochs;
            char *label = series_label(curves[k].label, columns[c],
                                       n_columns, one_label);
            owned[(*n_owned)++] = label;
            if (!label)
                return cli_error(EXIT_RUNTIME, "out of memory");
            s->label = label;
            if (same == 1) {
                s->y = history_column(&curves[k].h, columns[c]);
                s->n = curves[k].h.n;
                continue;
            }
            double *mean, *lo, *hi;
            int ok = band_of(&curves[k], same, columns[c], &mean, &lo, &hi,
                             &s->n);
            owned[(*n_owned)++] = mean;
            owned[(*n_owned)++] = lo;
            owned[(*n_owned)++] = hi;
            if (!ok)
                return cli_error(EXIT_RUNTIME, "out of memory");
            s->y = mean;
            s->lo = lo;
            s->hi = hi;
        }
        k += same;
    }
    return EXIT_OK;
}

int cmd_plot(int argc, char **argv)
{
    const char *out = NULL, *title = "Learning curves", *ylabel = NULL;
    const char *label = NULL, *column_arg = "loss";
    int log_y = 0, band = 0, rc = EXIT_OK;
    curve *curves = calloc((size_t)argc, sizeof *curves);
    size_t count = 0;
    if (!curves)
        return cli_error(EXIT_RUNTIME, "out of memory");
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        const char *a = argv[i];
        int takes_value = !strcmp(a, "--out") || !strcmp(a, "--title") ||
                          !strcmp(a, "--ylabel") || !strcmp(a, "--label") ||
                          !strcmp(a, "--column");
        if (takes_value && i + 1 >= argc) {
            rc = cli_error(EXIT_USAGE, "option %s needs a value", a);
        } else if (!strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            for (size_t k = 0; k < count; k++)
                history_free(&curves[k].h);
            free(curves);
            return EXIT_OK;
        } else if (!strcmp(a, "--out")) {
            out = argv[++i];
        } else if (!strcmp(a, "--title")) {
            title = argv[++i];
        } else if (!strcmp(a, "--ylabel")) {
            ylabel = argv[++i];
        } else if (!strcmp(a, "--label")) {
            label = argv[++i];
        } else if (!strcmp(a, "--column")) {
            column_arg = argv[++i];
        } else if (!strcmp(a, "--log-y")) {
            log_y = 1;
        } else if (!strcmp(a, "--band")) {
            band = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = cli_error(EXIT_USAGE,
                           "unknown option '%s' (see backprop plot --help)", a);
        } else {
            bp_error err;
            if (history_read(&curves[count].h, a, &err) != BP_OK) {
                rc = cli_error(err.code == BP_ENOMEM ? EXIT_RUNTIME
                                                     : EXIT_USAGE,
                               "%s", err.msg);
            } else {
                curves[count].path = a;
                curves[count++].label = label ? label : a;
            }
        }
    }
    char column_buf[256];
    const char *columns[MAX_COLUMNS];
    int n_columns = 0;
    if (rc == EXIT_OK) {
        snprintf(column_buf, sizeof column_buf, "%s", column_arg);
        n_columns = strlen(column_arg) < sizeof column_buf
                        ? split_columns(column_buf, columns) : -1;
        if (n_columns < 0)
            rc = cli_error(EXIT_USAGE,
                           "--column takes 1 to %d different column names "
                           "separated by commas (loss, accuracy, val_loss, "
                           "val_accuracy), not '%s'", MAX_COLUMNS, column_arg);
    }
    if (rc == EXIT_OK && !out)
        rc = cli_error(EXIT_USAGE, "backprop plot needs --out FILE");
    if (rc == EXIT_OK && count == 0)
        rc = cli_error(EXIT_USAGE, "backprop plot needs at least one history file");
    if (rc == EXIT_OK)
        rc = check_columns(curves, count, columns, n_columns);
    if (rc == EXIT_OK && !bp_plot_available())
        rc = cli_error(EXIT_USAGE, "plotting is unavailable (backprop was "
                                   "built without PLplot)");

    /* One series per file and column, or per label and column with --band;
     * each owns its label, and a band its mean, lo and hi. */
    size_t max_series = (count ? count : 1) * MAX_COLUMNS;
    bp_plot_series *series = calloc(max_series, sizeof *series);
    void **owned = calloc(4 * max_series, sizeof *owned);
    size_t n_series = 0, n_owned = 0;
    double *epochs = NULL;
    size_t longest = 0;
    for (size_t k = 0; k < count; k++)
        longest = curves[k].h.n > longest ? curves[k].h.n : longest;
    if (rc == EXIT_OK && (!series || !owned ||
                          !(epochs = malloc(longest * sizeof *epochs))))
        rc = cli_error(EXIT_RUNTIME, "out of memory");
    for (size_t e = 0; rc == EXIT_OK && e < longest; e++)
        epochs[e] = (double)(e + 1);
    if (rc == EXIT_OK)
        rc = build_series(curves, count, band, columns, n_columns, epochs,
                          series, &n_series, owned, &n_owned);
    /* the y label names the columns: "loss", "loss, val_loss" */
    char ybuf[256];
    if (rc == EXIT_OK && !ylabel) {
        size_t used = 0;
        ybuf[0] = '\0';
        for (int c = 0; c < n_columns; c++)
            used += (size_t)snprintf(ybuf + used, sizeof ybuf - used, "%s%s",
                                     c ? ", " : "", columns[c]);
        ylabel = ybuf;
    }
    if (rc == EXIT_OK) {
        bp_error err;
        if (bp_plot_curves(out, title, "epoch", ylabel, series, n_series,
                           log_y, &err) != BP_OK)
            rc = cli_error(err.code == BP_EIO ? EXIT_USAGE
                                              : cli_exit_code(err.code),
                           "%s%s", err.msg,
                           strstr(err.msg, "logarithmic y axis") ? " (--log-y)"
                                                                 : "");
    }
    for (size_t k = 0; k < n_owned; k++)
        free(owned[k]);
    free(owned);
    free(series);
    free(epochs);
    for (size_t k = 0; k < count; k++)
        history_free(&curves[k].h);
    free(curves);
    return rc;
}
