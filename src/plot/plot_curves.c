/* plot_curves.c - bp_plot_curves: overlaid curves with optional bands. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot_internal.h"

/* ================================================================ curves */

/* The value drawn for y (log10 on a log axis); NaN when not drawable. */
double plot_curve_y(double y, int log_y)
{
    if (!isfinite(y))
        return NAN;
    if (log_y)
        return y > 0 ? log10(y) : NAN;
    return y;
}

int plot_curve_point_ok(const bp_plot_series *s, size_t i, int log_y)
{
    return isfinite(s->x[i]) && isfinite(plot_curve_y(s->y[i], log_y));
}

int plot_band_point_ok(const bp_plot_series *s, size_t i, int log_y)
{
    return isfinite(s->x[i]) && isfinite(plot_curve_y(s->lo[i], log_y)) &&
           isfinite(plot_curve_y(s->hi[i], log_y));
}

/*
 * Min-max decimation.  Curves are drawn from buckets half a pixel wide: of
 * the consecutive points that fall in one bucket only the first, the
 * lowest, the highest and the last are kept, in their order.  The picture
 * is the same, but a million-epoch curve costs a few thousand vertices
 * instead of seconds of drawing and a 17 MB SVG.  Curves whose x goes back
 * and forth simply change bucket at every point and are kept whole.
 */
typedef struct {
    long key;                       /* bucket index, LONG_MIN: none yet */
    size_t first, low, high, last;  /* indices into the series          */
} bucket;

static long bucket_of(const curves_ctx *c, double x)
{
    double k = floor((x - c->x0) / c->bucket);
    return k < -1e15 ? -1000000000000000L : k > 1e15 ? 1000000000000000L
                                                       : (long) k;
}

/* Appends the bucket's kept points of series s to bx/by. */
static size_t bucket_flush(const curves_ctx *c, const bp_plot_series *s,
                           const bucket *b, size_t m)
{
    /* in the order of the series; repeats are neighbours */
    size_t keep[4] = {b->first, b->low < b->high ? b->low : b->high,
                      b->low < b->high ? b->high : b->low, b->last};
    for (int k = 0; k < 4; k++) {
        if (k > 0 && keep[k] == keep[k - 1])
            continue;
        c->bx[m] = s->x[keep[k]];
        c->by[m] = plot_curve_y(s->y[keep[k]], c->log_y);
        m++;
    }
    return m;
}

/* The drawable run of s starting at *i (which it advances past the run),
 * decimated into bx/by; returns its length. */
static size_t curve_run(const curves_ctx *c, const bp_plot_series *s,
                        size_t *i)
{
    size_t m = 0;
    bucket b = {LONG_MIN, 0, 0, 0, 0};
    for (; *i < s->n && plot_curve_point_ok(s, *i, c->log_y); (*i)++) {
        size_t j = *i;
        long key = bucket_of(c, s->x[j]);
        if (key != b.key) {
            if (b.key != LONG_MIN)
                m = bucket_flush(c, s, &b, m);
            b.key = key;
            b.first = b.low = b.high = b.last = j;
            continue;
        }
        double y = plot_curve_y(s->y[j], c->log_y);
        if (y < plot_curve_y(s->y[b.low], c->log_y))
            b.low = j;
        if (y > plot_curve_y(s->y[b.high], c->log_y))
            b.high = j;
        b.last = j;
    }
    if (b.key != LONG_MIN)
        m = bucket_flush(c, s, &b, m);
    return m;
}

/* The min-max band as translucent polygons, one per run of drawable points
 * (a polygon across a gap would invent data); per bucket its upper edge
 * takes the highest hi and its lower edge the lowest lo. */
static void draw_band(const figure *fig, curves_ctx *c,
                      const bp_plot_series *s, int colour)
{
    const unsigned char *rgb = plot_tab10[colour % 10];
    plscol0a(C_BAND, rgb[0], rgb[1], rgb[2], 0.2);
    plcol0(C_BAND);
    /* the cairo driver strokes fills: a faint edge */
    plot_width_px(fig, 1.0);
    size_t i = 0;
    while (i < s->n) {
        if (!plot_band_point_ok(s, i, c->log_y)) {
            i++;
            continue;
        }
        /* upper edge forward into bx/by[0..m), lower edge after it */
        size_t m = 0, start = i;
        long key = LONG_MIN;
        for (; i < s->n && plot_band_point_ok(s, i, c->log_y); i++) {
            double hi = plot_curve_y(s->hi[i], c->log_y);
            long k = bucket_of(c, s->x[i]);
            if (k != key) {
                key = k;
                c->bx[m] = s->x[i];
                c->by[m] = hi;
                m++;
            } else if (hi > c->by[m - 1]) {
                c->by[m - 1] = hi;
            }
        }
        size_t n = 0;
        key = LONG_MIN;
        for (size_t j = start; j < i; j++) {
            double lo = plot_curve_y(s->lo[j], c->log_y);
            long k = bucket_of(c, s->x[j]);
            if (k != key) {
                key = k;
                c->bx[m + n] = s->x[j];
                c->by[m + n] = lo;
                n++;
            } else if (lo < c->by[m + n - 1]) {
                c->by[m + n - 1] = lo;
            }
        }
        /* the lower edge runs backwards to close the polygon */
        for (size_t k = 0; k < n / 2; k++) {
            double tx = c->bx[m + k], ty = c->by[m + k];
            c->bx[m + k] = c->bx[m + n - 1 - k];
            c->by[m + k] = c->by[m + n - 1 - k];
            c->bx[m + n - 1 - k] = tx;
            c->by[m + n - 1 - k] = ty;
        }
        if (m >= 2)
            plfill((PLINT) (m + n), c->bx, c->by);
    }
}

static void draw_curve(const figure *fig, curves_ctx *c,
                       const bp_plot_series *s, int colour)
{
    plcol0(C_SERIES + colour % 10);
    plot_width_px(fig, 2.5);
    size_t i = 0;
    while (i < s->n) {
        if (!plot_curve_point_ok(s, i, c->log_y)) {
            i++;
            continue;
        }
        size_t m = curve_run(c, s, &i);
        if (m == 1) {
            /* a lone point would be invisible as a line */
            plot_draw_disc(fig, c->bx[0], c->by[0], 5.0,
                           C_SERIES + colour % 10, C_SERIES, 0.0);
        } else {
            plline((PLINT) m, c->bx, c->by);
        }
    }
}

static void draw_curves(const figure *fig, void *ctx)
{
    curves_ctx *c = ctx;
    axis ax, ay;
    /* x is epochs: whole numbers, so no more ticks than epochs between
     * the ends (1.5 epochs means nothing) */
    plot_axis_linear(&ax, c->x0, c->x1, fmin(6, fmax(1, c->x1 - c->x0)));
    if (c->log_y)
        plot_axis_log(&ay, c->y0, c->y1);
    else
        plot_axis_linear(&ay, c->y0, c->y1, 6);
    margins m = plot_axis_margins(&ax, &ay, c->xlabel, c->ylabel, c->title);

    plot_viewport_px(fig, m.left, fig->w - m.right, m.bottom, fig->h - m.top);
    plwind(c->x0, c->x1, c->y0, c->y1);
    double wx, wy;
    plot_world_per_px(fig, &wx, &wy);
    c->bucket = 0.5 * wx;
    plot_draw_grid(fig, &ax, &ay);
    for (size_t k = 0; k < c->count; k++)
        if (c->series[k].lo != NULL)
            draw_band(fig, c, &c->series[k], (int) (k % 10));
    for (size_t k = 0; k < c->count; k++)
        draw_curve(fig, c, &c->series[k], (int) (k % 10));
    plot_draw_axes(fig, &ax, &ay, &m);
    plot_draw_labels(fig, &m, c->title, c->xlabel, c->ylabel);
    plot_draw_legend(fig, c);
}

/* Sets the window to the range of the drawable values of all series:
 * BP_OK, or BP_EINVAL when there are none or they are beyond what an axis
 * can show (PLOT_MAX_VALUE). */
static bp_status curves_range(curves_ctx *c, const char *path, bp_error *err)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t k = 0; k < c->count; k++) {
        const bp_plot_series *s = &c->series[k];
        for (size_t i = 0; i < s->n; i++) {
            if (plot_curve_point_ok(s, i, c->log_y)) {
                double y = plot_curve_y(s->y[i], c->log_y);
                x0 = fmin(x0, s->x[i]);
                x1 = fmax(x1, s->x[i]);
                y0 = fmin(y0, y);
                y1 = fmax(y1, y);
            }
            if (s->lo != NULL && plot_band_point_ok(s, i, c->log_y)) {
                y0 = fmin(y0, plot_curve_y(s->lo[i], c->log_y));
                y1 = fmax(y1, plot_curve_y(s->hi[i], c->log_y));
            }
        }
    }
    if (!(x0 <= x1) || !(y0 <= y1))
        return bp_fail(err, BP_EINVAL, "cannot plot '%s': no finite point%s",
                       path, c->log_y ? " (with y > 0 for the log axis)" : "");
    if (!plot_range_ok(x0, x1))
        return bp_fail(err, BP_EINVAL,
                       "cannot plot '%s': x values from %g to %g are beyond "
                       "what an axis can show (magnitudes up to %g)",
                       path, x0, x1, PLOT_MAX_VALUE);
    if (!plot_range_ok(y0, y1))
        return bp_fail(err, BP_EINVAL,
                       "cannot plot '%s': y values from %g to %g are beyond "
                       "what a linear axis can show (magnitudes up to %g)%s",
                       path, y0, y1, PLOT_MAX_VALUE,
                       y0 > 0 ? "; a logarithmic y axis shows them" : "");
    plot_pad_range(&x0, &x1, 0.02);
    if (c->log_y && y1 - y0 < 1e-9) {
        /* one value on a log axis: a decade around it, not 20% of its
         * exponent */
        y0 -= 0.5;
        y1 += 0.5;
    }
    plot_pad_range(&y0, &y1, 0.05);
    c->x0 = x0;
    c->x1 = x1;
    c->y0 = y0;
    c->y1 = y1;
    return BP_OK;
}

static void curves_free(curves_ctx *c)
{
    free(c->title);
    free(c->xlabel);
    free(c->ylabel);
    if (c->labels != NULL)
        for (size_t k = 0; k < c->count; k++)
            free(c->labels[k]);
    free(c->labels);
    free(c->bx);
    free(c->by);
}

static bp_status check_series(const bp_plot_series *series, size_t count,
                              size_t *max_n, bp_error *err)
{
    *max_n = 0;
    for (size_t k = 0; k < count; k++) {
        const bp_plot_series *s = &series[k];
        if (s->n > 0 && (s->x == NULL || s->y == NULL))
            return bp_fail(err, BP_EINVAL,
                           "plot series %zu: x and y must not be NULL", k);
        if ((s->lo == NULL) != (s->hi == NULL))
            return bp_fail(err, BP_EINVAL,
                           "plot series %zu: give both lo and hi, or "
                           "neither", k);
        if (s->n > *max_n)
            *max_n = s->n;
    }
    if (*max_n > ((size_t) INT_MAX) / 2)
        return bp_fail(err, BP_EINVAL, "plot series too long for PLplot");
    return BP_OK;
}

bp_status bp_plot_curves(const char *path, const char *title,
                         const char *xlabel, const char *ylabel,
                         const bp_plot_series *series, size_t count,
                         int log_y, bp_error *err)
{
    if (path == NULL || series == NULL || count == 0)
        return bp_fail(err, BP_EINVAL,
                       "bp_plot_curves: path and at least one series "
                       "required");
    size_t max_n;
    bp_status st = check_series(series, count, &max_n, err);
    if (st != BP_OK)
        return st;

    curves_ctx c;
    memset(&c, 0, sizeof c);
    c.series = series;
    c.count = count;
    c.log_y = log_y != 0;
    if ((st = curves_range(&c, path, err)) != BP_OK)
        return st;

    int oom = 0;
    c.title = plot_literal_text(title, &oom);
    c.xlabel = plot_literal_text(xlabel, &oom);
    c.ylabel = plot_literal_text(ylabel, &oom);
    c.labels = calloc(count, sizeof *c.labels);
    c.bx = malloc(2 * max_n * sizeof *c.bx);
    c.by = malloc(2 * max_n * sizeof *c.by);
    oom |= c.labels == NULL || c.bx == NULL || c.by == NULL;
    for (size_t k = 0; !oom && k < count; k++)
        c.labels[k] = plot_literal_text(series[k].label, &oom);
    if (oom) {
        curves_free(&c);
        return bp_fail(err, BP_ENOMEM, "out of memory plotting '%s'", path);
    }
    st = plot_render(path, BP_PLOT_WIDTH, BP_PLOT_HEIGHT, draw_curves, &c,
                     err);
    curves_free(&c);
    return st;
}
