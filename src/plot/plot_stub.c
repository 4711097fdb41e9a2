/*
 * plot_stub.c - the interface of plot.h when backprop is built without
 * PLplot: nothing is drawn, no file is touched, and every drawing function
 * says why.  The command line reports the message and goes on training.
 */
#include "plot/plot.h"

#include <stdio.h>

static const char UNAVAILABLE[] =
    "plotting is unavailable: backprop was built without PLplot";

static bp_status unavailable(bp_error *err)
{
    if (err != NULL) {
        snprintf(err->msg, sizeof err->msg, "%s", UNAVAILABLE);
        err->code = BP_EINVAL;
    }
    return BP_EINVAL;
}

int bp_plot_available(void)
{
    return 0;
}

bp_status bp_plot_curves(const char *path, const char *title,
                         const char *xlabel, const char *ylabel,
                         const bp_plot_series *series, size_t count,
                         int log_y, bp_error *err)
{
    (void) path;
    (void) title;
    (void) xlabel;
    (void) ylabel;
    (void) series;
    (void) count;
    (void) log_y;
    return unavailable(err);
}

bp_status bp_plot_comparison(const char *path, const double *x,
                             const int *truth, const int *pred, size_t n,
                             const bp_plot_labels *labels, bp_error *err)
{
    (void) labels;
    (void) path;
    (void) x;
    (void) truth;
    (void) pred;
    (void) n;
    return unavailable(err);
}

bp_status bp_plot_decision(const char *path, const char *title,
                           bp_plot_prob_fn f, void *ctx, const double *x,
                           const int *truth, size_t n,
                           const bp_plot_labels *labels, bp_error *err)
{
    (void) labels;
    (void) path;
    (void) title;
    (void) f;
    (void) ctx;
    (void) x;
    (void) truth;
    (void) n;
    return unavailable(err);
}

bp_status bp_plot_images(const char *path, const char *title,
                         const char *note, const bp_plot_image *images,
                         size_t count, size_t h, size_t w, size_t cols,
                         bp_plot_cmap cmap, bp_error *err)
{
    (void) path;
    (void) title;
    (void) note;
    (void) images;
    (void) count;
    (void) h;
    (void) w;
    (void) cols;
    (void) cmap;
    return unavailable(err);
}
