/* plot_comparison.c - bp_plot_comparison: ground truth beside prediction. */
#include <stdio.h>
#include <string.h>

#include "plot/plot_internal.h"

static void draw_comparison(const figure *fig, void *ctx)
{
    const scatter_ctx *s = ctx;
    axis ax, ay;        /* provisional, to place the panels */
    plot_axis_linear(&ax, s->x0, s->x1, 5);
    plot_axis_linear(&ay, s->y0, s->y1, 5);
    margins m = plot_axis_margins(&ax, &ay, s->axis_text[0], s->axis_text[1],
                                  "Predict result");
    /* the key sits on the bottom page margin, 20 px under the x labels */
    const double key_y = PAGE_PAD + 0.5 * FONT_KEY, half = 0.5 * fig->w;
    const double bottom = PAGE_PAD + FONT_KEY + 20.0 + m.bottom;
    const double top = fig->h - m.top;
    plot_draw_scatter_panel(fig, s, m.left, half - m.right, bottom, top,
                            "Ground truth", s->truth, 0);
    plot_draw_scatter_panel(fig, s, half + m.left, fig->w - m.right, bottom,
                            top, "Predict result", s->pred, 1);

    char missed[64];
    snprintf(missed, sizeof missed, "misclassified: %zu of %zu", s->errors,
             s->n);
    const key_item key[3] = {
        {KEY_DISC, C_CLASS0, s->class_text[0], 0.8, C_WHITE},
        {KEY_DISC, C_CLASS1, s->class_text[1], 0.8, C_WHITE},
        {KEY_RING, C_BLACK, missed, 0.0, C_BLACK},
    };
    plot_page_coordinates(fig);
    plot_draw_key_row(fig, key, 3, half, key_y);
}

bp_status bp_plot_comparison(const char *path, const double *x,
                             const int *truth, const int *pred, size_t n,
                             const bp_plot_labels *labels, bp_error *err)
{
    if (path == NULL || x == NULL || truth == NULL || pred == NULL || n == 0)
        return bp_fail(err, BP_EINVAL,
                       "bp_plot_comparison: path, x, truth, pred and n > 0 "
                       "required");
    scatter_ctx s;
    memset(&s, 0, sizeof s);
    s.x = x;
    s.truth = truth;
    s.pred = pred;
    s.n = n;
    bp_status st = plot_scatter_setup(&s, labels, path, err);
    if (st == BP_OK)
        st = plot_render(path, BP_PLOT_COMPARISON_WIDTH,
                         BP_PLOT_COMPARISON_HEIGHT, draw_comparison, &s, err);
    plot_scatter_free(&s);
    return st;
}
