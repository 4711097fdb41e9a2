/* plot_scatter.c - the 2-D scatter panels shared by the comparison and the
 * decision map: window, points, equal-scale panels. */
#include <math.h>

#include "plot/plot_internal.h"

/* ====================================================== scatter figures */

/* Whether [lo, hi] is too narrow for distinct ticks among values of
 * magnitude mag. */
static int flat(double lo, double hi, double mag)
{
    double span = hi - lo;
    return !(span > 0) || span < PLOT_MIN_SPAN ||
           span < PLOT_MIN_RELATIVE * mag;
}

/* Checks labels, counts finite points and sets the window: the data range
 * plus 5% of the larger span on every side, so both axes get the same
 * margin (the figures use equal scales). */
bp_status plot_scatter_setup(scatter_ctx *s, const char *path, bp_error *err)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    s->errors = 0;
    for (size_t i = 0; i < s->n; i++) {
        if ((s->truth[i] != 0 && s->truth[i] != 1) ||
            (s->pred != NULL && s->pred[i] != 0 && s->pred[i] != 1))
            return bp_fail(err, BP_EINVAL,
                           "cannot plot '%s': point %zu has a class other "
                           "than 0 or 1", path, i);
        double a = s->x[2 * i], b = s->x[2 * i + 1];
        if (!isfinite(a) || !isfinite(b))
            continue;
        x0 = fmin(x0, a);
        x1 = fmax(x1, a);
        y0 = fmin(y0, b);
        y1 = fmax(y1, b);
        if (s->pred != NULL && s->pred[i] != s->truth[i])
            s->errors++;
    }
    if (!(x0 <= x1))
        return bp_fail(err, BP_EINVAL, "cannot plot '%s': no finite point",
                       path);
    if (!plot_range_ok(x0, x1) || !plot_range_ok(y0, y1))
        return bp_fail(err, BP_EINVAL,
                       "cannot plot '%s': points from (%g, %g) to (%g, %g) "
                       "are beyond what an axis can show (magnitudes up to "
                       "%g)", path, x0, y0, x1, y1, PLOT_MAX_VALUE);
    double span = fmax(x1 - x0, y1 - y0);
    double mag = fmax(fmax(fabs(x0), fabs(x1)), fmax(fabs(y0), fabs(y1)));
    if (flat(0, span, mag))
        span = mag >= PLOT_MIN_SPAN ? mag : 1.0;
    /* a flat axis gets the other's span so that the panel is not a line */
    if (flat(x0, x1, fmax(fabs(x0), fabs(x1)))) {
        x0 += 0.5 * (x1 - x0) - 0.5 * span;
        x1 = x0 + span;
    }
    if (flat(y0, y1, fmax(fabs(y0), fabs(y1)))) {
        y0 += 0.5 * (y1 - y0) - 0.5 * span;
        y1 = y0 + span;
    }
    double m = 0.05 * span;
    s->x0 = x0 - m;
    s->x1 = x1 + m;
    s->y0 = y0 - m;
    s->y1 = y1 + m;
    return BP_OK;
}

static int class_colour(int label)
{
    return label == 0 ? C_CLASS0 : C_CLASS1;
}

/* Points coloured by label (truth or pred), with white edges so that
 * overlapping points stay apart, or dark ones to stand out from a shaded
 * map; with rings, a black ring around every point where pred differs from
 * truth. */
void plot_draw_points(const figure *fig, const scatter_ctx *s,
                      const int *label, int rings, int dark_edges)
{
    double r = plot_marker_radius(s->n);
    for (size_t i = 0; i < s->n; i++) {
        double a = s->x[2 * i], b = s->x[2 * i + 1];
        if (isfinite(a) && isfinite(b))
            plot_draw_disc(fig, a, b, r, class_colour(label[i]),
                           dark_edges ? C_INK : C_WHITE,
                           dark_edges ? 1.0 : 0.8);
    }
    if (!rings)
        return;
    /* rings in proportion to the markers, so that crowded plots are not
     * buried under black */
    double gap = fmax(2.0, 0.6 * r), line = fmin(fmax(0.35 * r, 1.2), 2.5);
    for (size_t i = 0; i < s->n; i++) {
        double a = s->x[2 * i], b = s->x[2 * i + 1];
        if (isfinite(a) && isfinite(b) && s->pred[i] != s->truth[i])
            plot_draw_ring(fig, a, b, r + gap, C_BLACK, line);
    }
}

/* Final tick labels for an equal-scale panel once its viewport is known:
 * about one per 110 px (3 to 6), so that a flat panel of wide data does
 * not stack its labels; the margins' distances follow. */
void plot_fit_axes(const figure *fig, const scatter_ctx *s, axis *ax,
                   axis *ay, margins *m, const char *title)
{
    double l, r, b, t;
    plot_viewport_get_px(fig, &l, &r, &b, &t);
    plot_axis_linear(ax, s->x0, s->x1, fmin(fmax((r - l) / 110, 3), 6));
    plot_axis_linear(ay, s->y0, s->y1, fmin(fmax((t - b) / 110, 3), 6));
    *m = plot_axis_margins(ax, ay, X1, X2, title);
}

/* One scatter panel inside the box [left, right] x [bottom, top] (reference
 * pixels), equal scales. */
void plot_draw_scatter_panel(const figure *fig, const scatter_ctx *s,
                             double left, double right, double bottom,
                             double top, const char *title,
                             const int *label, int rings)
{
    axis ax, ay;
    margins m;
    plot_equal_viewport_px(fig, left, right, bottom, top, s->x1 - s->x0,
                           s->y1 - s->y0);
    plwind(s->x0, s->x1, s->y0, s->y1);
    plot_fit_axes(fig, s, &ax, &ay, &m, title);
    plot_draw_grid(fig, &ax, &ay);
    plot_draw_points(fig, s, label, rings, 0);
    plot_draw_axes(fig, &ax, &ay, &m);
    plot_draw_labels(fig, &m, title, X1, X2);
}
