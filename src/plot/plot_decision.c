/* plot_decision.c - bp_plot_decision: a decision map with the data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot_internal.h"

static void draw_decision(const figure *fig, void *ctx)
{
    const decision_ctx *d = ctx;
    const scatter_ctx *s = &d->pts;
    axis ax, ay;        /* provisional, to place the map */
    plot_axis_linear(&ax, s->x0, s->x1, 5);
    plot_axis_linear(&ay, s->y0, s->y1, 5);
    margins m = plot_axis_margins(&ax, &ay, s->axis_text[0], s->axis_text[1],
                                  d->title);

    plot_set_diverging_map();
    /* room on the right for the colour bar and the key, whose class
     * names may be long */
    double key_w = 0;
    for (int k = 0; k < 2; k++)
        key_w = fmax(key_w, plot_text_em(s->class_text[k]) * FONT_KEY);
    double beside = fmax(300, 35 + KEY_MARK + KEY_TEXT_GAP + key_w + PAGE_PAD);
    plot_scatter_viewport(fig, s, m.left, fig->w - beside, m.bottom,
                          fig->h - m.top);
    plwind(s->x0, s->x1, s->y0, s->y1);
    plot_fit_axes(fig, s, &ax, &ay, &m, d->title);
    plot_draw_bands(fig, d);
    plot_draw_half_contour(fig, d);
    plot_draw_points(fig, s, s->truth, 0, 1);
    plot_draw_axes(fig, &ax, &ay, &m);

    /* beside the map: the colour bar from the map's top down, the key
     * under it; a flat map (wide data) still gets a readable bar, and the
     * column is moved up as far as it needs to stay on the page */
    double left, right, bottom, top;
    plot_viewport_get_px(fig, &left, &right, &bottom, &top);
    /* tall enough for its title, "P(class name)" */
    const double bar = fmax(fmax(0.6 * (top - bottom), 300.0),
                            plot_text_em(s->bar_text) * FONT_LABEL + 20);
    const double gap = 50.0;
    const double key_h = 3 * 1.7 * FONT_KEY;
    double col_top = fmax(top, PAGE_PAD + bar + gap + key_h);
    col_top = fmin(col_top, fig->h - PAGE_PAD - CAP_MID * FONT_TICK);
    if (col_top > top + 1 && d->title != NULL) {
        /* the column rises above the map, where the title would be: the
         * title goes to the top of the page, centred on it, and the
         * column stays under it */
        double title_top = fig->h - PAGE_PAD;
        col_top = fmin(col_top, title_top - (ASCENT + DESCENT) * FONT_TITLE -
                                    15);
        double mid = title_top - (ASCENT - CAP_MID) * FONT_TITLE;
        plot_draw_labels(fig, &m, NULL, s->axis_text[0], s->axis_text[1]);
        plot_font_px(fig, FONT_TITLE);
        plot_mtex_px(fig, "t", mid - top, (0.5 * fig->w - left) /
                                              (right - left), 0.5, d->title);
    } else {
        plot_draw_labels(fig, &m, d->title, s->axis_text[0],
                         s->axis_text[1]);
    }
    plot_draw_colour_bar(fig, right + 45, right + 73, col_top - bar, col_top,
                         s->bar_text);
    const key_item key[3] = {
        {KEY_DISC, C_CLASS0, s->class_text[0], 1.0, C_INK},
        {KEY_DISC, C_CLASS1, s->class_text[1], 1.0, C_INK},
        {KEY_LINE, C_BLACK, "p = 0.5", 0.0, C_BLACK},
    };
    plot_page_coordinates(fig);
    plot_draw_key_column(fig, key, 3, right + 35,
                         col_top - bar - gap - 0.5 * FONT_KEY);
}

/* Evaluates f on the grid (clamping to [0, 1], NaN -> 0.5) and traces the
 * bands and the p = 0.5 line. */
static bp_status decision_grid(decision_ctx *d, bp_plot_prob_fn f, void *ctx,
                               const char *path, bp_error *err)
{
    const size_t m = (size_t) GRID * GRID;
    double *xy = malloc(2 * m * sizeof *xy);
    double *p = malloc(m * sizeof *p);
    d->pp = malloc((size_t) PG * PG * sizeof *d->pp);
    if (xy == NULL || p == NULL || d->pp == NULL) {
        free(xy);
        free(p);
        return bp_fail(err, BP_ENOMEM, "out of memory plotting '%s'", path);
    }
    for (int i = 0; i < GRID; i++)
        for (int j = 0; j < GRID; j++) {
            double *q = xy + 2 * ((size_t) i * GRID + j);
            plot_grid_point(&d->pts, i + 1, j + 1, &q[0], &q[1]);
            if (d->pts.mean != NULL) {
                /* f takes the model's standardised inputs */
                q[0] = (q[0] - d->pts.mean[0]) / d->pts.std[0];
                q[1] = (q[1] - d->pts.mean[1]) / d->pts.std[1];
            }
        }
    bp_status st = f(ctx, xy, m, p, err);
    free(xy);
    if (st != BP_OK) {
        free(p);
        return st;
    }
    for (int a = 0; a < PG; a++)
        for (int b = 0; b < PG; b++) {
            double v = -1.0;    /* the ring */
            if (a > 0 && a <= GRID && b > 0 && b <= GRID) {
                v = p[(size_t) (a - 1) * GRID + (b - 1)];
                v = isnan(v) ? 0.5 : v < 0 ? 0 : v > 1 ? 1 : v;
            }
            d->pp[a * PG + b] = v;
        }
    free(p);
    if (!plot_decision_trace(d))
        return bp_fail(err, BP_ENOMEM, "out of memory plotting '%s'", path);
    plot_half_rotate(d);
    return BP_OK;
}

bp_status bp_plot_decision(const char *path, const char *title,
                           bp_plot_prob_fn f, void *ctx, const double *x,
                           const int *truth, size_t n,
                           const bp_plot_labels *labels, bp_error *err)
{
    if (path == NULL || f == NULL || x == NULL || truth == NULL || n == 0)
        return bp_fail(err, BP_EINVAL,
                       "bp_plot_decision: path, f, x, truth and n > 0 "
                       "required");
    if (plot_format_for(path) == NULL)
        return bp_fail(err, BP_EINVAL,
                       "cannot write figure '%s': unknown extension "
                       "(use .png, .svg or .pdf)", path);
    decision_ctx d;
    memset(&d, 0, sizeof d);
    d.pts.x = x;
    d.pts.truth = truth;
    d.pts.n = n;
    bp_status st = plot_scatter_setup(&d.pts, labels, path, err);
    int oom = 0;
    if (st == BP_OK && (d.title = plot_literal_text(title, &oom), oom))
        st = bp_fail(err, BP_ENOMEM, "out of memory plotting '%s'", path);
    if (st == BP_OK)
        st = decision_grid(&d, f, ctx, path, err);
    if (st == BP_OK)
        st = plot_render(path, BP_PLOT_WIDTH, BP_PLOT_HEIGHT, draw_decision,
                         &d, err);
    plot_shape_free(&d.fill);
    plot_shape_free(&d.half);
    free(d.pp);
    free(d.title);
    plot_scatter_free(&d.pts);
    return st;
}
