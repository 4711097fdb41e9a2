/* cmd_plot.c - backprop plot: learning curves of several runs overlaid. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "history.h"
#include "plot/plot.h"

static const char usage_text[] =
    "usage: backprop plot --out FILE [--title T] [--ylabel Y] [--log-y] [--band]\n"
    "                     [--label NAME] HISTORY.csv [[--label NAME] HISTORY.csv ...]\n"
    "\n"
    "Overlays the learning curves of history files written by\n"
    "'backprop train --history FILE', with a legend.  A --label names the\n"
    "files after it, up to the next --label (without one, a curve is named\n"
    "after its file).  With --band, the files that share a label are drawn\n"
    "as their mean with a min-max band.  The extension of --out picks the\n"
    "format: .png, .svg or .pdf.\n"
    "\n"
    "options:\n"
    "  --out FILE           the figure to write (required)\n"
    "  --title T            title [Learning curves]\n"
    "  --ylabel Y           y axis label [loss]\n"
    "  --log-y              logarithmic y axis\n"
    "  --band               mean and min-max band per label\n"
    "  --label NAME         legend name of the following files\n"
    "  --help               show this help and exit\n";

typedef struct {
    const char *label;
    history h;
} curve;

/* Mean, min and max over the curves [first, last) sharing a label, over
 * the epochs all of them have. */
static int band_of(const curve *c, size_t count, double **mean, double **lo,
                   double **hi, size_t *n)
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
        double sum = 0, mn = c[0].h.loss[e], mx = mn;
        for (size_t k = 0; k < count; k++) {
            double v = c[k].h.loss[e];
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

int cmd_plot(int argc, char **argv)
{
    const char *out = NULL, *title = "Learning curves", *ylabel = "loss";
    const char *label = NULL;
    int log_y = 0, band = 0, rc = EXIT_OK;
    curve *curves = calloc((size_t)argc, sizeof *curves);
    size_t count = 0;
    if (!curves)
        return cli_error(EXIT_RUNTIME, "out of memory");
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        const char *a = argv[i];
        int takes_value = !strcmp(a, "--out") || !strcmp(a, "--title") ||
                          !strcmp(a, "--ylabel") || !strcmp(a, "--label");
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
        } else if (!strcmp(a, "--log-y")) {
            log_y = 1;
        } else if (!strcmp(a, "--band")) {
            band = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = cli_error(EXIT_USAGE,
                           "unknown option '%s' (see backprop plot --help)", a);
        } else {
            bp_error err;
            if (history_read(&curves[count].h, a, &err) != BP_OK)
                rc = cli_error(err.code == BP_ENOMEM ? EXIT_RUNTIME
                                                     : EXIT_USAGE,
                               "%s", err.msg);
            else
                curves[count++].label = label ? label : a;
        }
    }
    if (rc == EXIT_OK && !out)
        rc = cli_error(EXIT_USAGE, "backprop plot needs --out FILE");
    if (rc == EXIT_OK && count == 0)
        rc = cli_error(EXIT_USAGE, "backprop plot needs at least one history file");
    if (rc == EXIT_OK && !bp_plot_available())
        rc = cli_error(EXIT_USAGE, "plotting is unavailable (backprop was "
                                   "built without PLplot)");

    /* One series per file, or per label with --band. */
    bp_plot_series *series = calloc(count ? count : 1, sizeof *series);
    double **owned = calloc(3 * (count ? count : 1) + 1, sizeof *owned);
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
    for (size_t k = 0; rc == EXIT_OK && k < count; k++) {
        size_t same = 1;
        if (band)
            while (k + same < count &&
                   strcmp(curves[k + same].label, curves[k].label) == 0)
                same++;
        bp_plot_series *s = &series[n_series++];
        s->x = epochs;
        s->label = curves[k].label;
        if (same == 1) {
            s->y = curves[k].h.loss;
            s->n = curves[k].h.n;
        } else {
            double *mean, *lo, *hi;
            int ok = band_of(&curves[k], same, &mean, &lo, &hi, &s->n);
            owned[n_owned++] = mean;
            owned[n_owned++] = lo;
            owned[n_owned++] = hi;
            if (!ok) {
                rc = cli_error(EXIT_RUNTIME, "out of memory");
                break;
            }
            s->y = mean;
            s->lo = lo;
            s->hi = hi;
        }
        k += same - 1;
    }
    if (rc == EXIT_OK) {
        bp_error err;
        if (bp_plot_curves(out, title, "epoch", ylabel, series, n_series,
                           log_y, &err) != BP_OK)
            rc = cli_error(err.code == BP_EIO ? EXIT_USAGE
                                              : cli_exit_code(err.code),
                           "%s", err.msg);
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
