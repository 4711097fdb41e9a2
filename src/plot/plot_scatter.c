/* plot_scatter.c - the 2-D scatter panels shared by the comparison and the
 * decision map: window, points, equal-scale panels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Names wider than this (em) are cut, with an ellipsis, so that keys and
 * axis labels stay on the page: two class names in the comparison's key
 * row, an axis label under a panel. */
#define NAME_MAX_EM 16.0

/* s as PLplot text (see plot_literal_text), cut at a UTF-8 character
 * boundary to NAME_MAX_EM with "..." (U+2026) appended; NULL when memory
 * runs out. */
static char *short_name(const char *s)
{
    size_t cut = 0;
    char prefix[256];
    if (plot_text_em(s) > NAME_MAX_EM)
        for (size_t i = 1; s[i - 1] != '\0' && i < sizeof prefix; i++) {
            if (((unsigned char) s[i] & 0xC0) == 0x80)
                continue;           /* inside a character */
            memcpy(prefix, s, i);
            prefix[i] = '\0';
            if (plot_text_em(prefix) > NAME_MAX_EM - 1)
                break;
            cut = i;
        }
    char *copy = strdup(s);
    if (copy == NULL)
        return NULL;
    if (cut > 0) {
        char *longer = realloc(copy, cut + 4);
        if (longer == NULL) {
            free(copy);
            return NULL;
        }
        copy = longer;
        memcpy(copy + cut, "\xe2\x80\xa6", 4);
    }
    int oom = 0;
    char *text = plot_literal_text(copy, &oom);
    free(copy);
    return text;
}

/* The names of the figure (labels may be NULL: see bp_plot_labels) as
 * PLplot text, and the points in original units when labels has a
 * standardisation. */
static bp_status scatter_names(scatter_ctx *s, const bp_plot_labels *labels,
                               const char *path, bp_error *err)
{
    static const char *const seed_class[2] = {"class 0", "class 1"};
    static const char *const seed_axis[2] = {X1, X2};
    const bp_plot_labels none = {{NULL, NULL}, {NULL, NULL}, NULL, NULL};
    const bp_plot_labels *l = labels ? labels : &none;
    int oom = 0;
    for (int k = 0; k < 2; k++) {
        s->class_text[k] = l->class_names[k] ? short_name(l->class_names[k])
                                             : strdup(seed_class[k]);
        s->axis_text[k] = l->axis_names[k] ? short_name(l->axis_names[k])
                                           : strdup(seed_axis[k]);
        oom |= !s->class_text[k] || !s->axis_text[k];
    }
    if (!oom && (s->bar_text = malloc(strlen(s->class_text[1]) + 4)))
        sprintf(s->bar_text, "P(%s)", s->class_text[1]);
    if (oom || !s->bar_text)
        return bp_fail(err, BP_ENOMEM, "out of memory plotting '%s'", path);
    if (!l->mean || !l->std)
        return BP_OK;
    for (int k = 0; k < 2; k++)
        if (!isfinite(l->mean[k]) || !isfinite(l->std[k]) || l->std[k] == 0)
            return bp_fail(err, BP_EINVAL,
                           "cannot plot '%s': the standardisation of axis %d "
                           "(mean %g, std %g) is not finite and non-zero",
                           path, k + 1, l->mean[k], l->std[k]);
    if (!(s->own = malloc(2 * s->n * sizeof *s->own)))
        return bp_fail(err, BP_ENOMEM, "out of memory plotting '%s'", path);
    for (size_t i = 0; i < 2 * s->n; i++)
        s->own[i] = l->mean[i % 2] + l->std[i % 2] * s->x[i];
    s->x = s->own;
    s->mean = l->mean;
    s->std = l->std;
    return BP_OK;
}

void plot_scatter_free(scatter_ctx *s)
{
    for (int k = 0; k < 2; k++) {
        free(s->class_text[k]);
        free(s->axis_text[k]);
    }
    free(s->bar_text);
    free(s->own);
    s->own = NULL;
}

/* Checks labels, counts finite points and sets the window: the data range
 * plus 5% of the larger span on every side, so both axes get the same
 * margin, with equal scales when the spans are within a factor 3 of each
 * other; else each axis has its own scale and margin.  On failure the
 * caller still frees s (plot_scatter_free). */
bp_status plot_scatter_setup(scatter_ctx *s, const bp_plot_labels *labels,
                             const char *path, bp_error *err)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    s->errors = 0;
    bp_status st = scatter_names(s, labels, path, err);
    if (st != BP_OK)
        return st;
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
    double sx = x1 - x0, sy = y1 - y0;
    s->equal = fmax(sx, sy) <= 3 * fmin(sx, sy);
    double mx = 0.05 * (s->equal ? span : sx);
    double my = 0.05 * (s->equal ? span : sy);
    s->x0 = x0 - mx;
    s->x1 = x1 + mx;
    s->y0 = y0 - my;
    s->y1 = y1 + my;
    return BP_OK;
}

/* The panel's viewport inside the box (reference pixels): the largest
 * with equal scales, centred, or the whole box. */
void plot_scatter_viewport(const figure *fig, const scatter_ctx *s,
                           double left, double right, double bottom,
                           double top)
{
    if (s->equal)
        plot_equal_viewport_px(fig, left, right, bottom, top, s->x1 - s->x0,
                               s->y1 - s->y0);
    else
        plot_viewport_px(fig, left, right, bottom, top);
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
    *m = plot_axis_margins(ax, ay, s->axis_text[0], s->axis_text[1], title);
}

/* One scatter panel inside the box [left, right] x [bottom, top] (reference
 * pixels). */
void plot_draw_scatter_panel(const figure *fig, const scatter_ctx *s,
                             double left, double right, double bottom,
                             double top, const char *title,
                             const int *label, int rings)
{
    axis ax, ay;
    margins m;
    plot_scatter_viewport(fig, s, left, right, bottom, top);
    plwind(s->x0, s->x1, s->y0, s->y1);
    plot_fit_axes(fig, s, &ax, &ay, &m, title);
    plot_draw_grid(fig, &ax, &ay);
    plot_draw_points(fig, s, label, rings, 0);
    plot_draw_axes(fig, &ax, &ay, &m);
    plot_draw_labels(fig, &m, title, s->axis_text[0], s->axis_text[1]);
}
