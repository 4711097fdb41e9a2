/* plot_map.c - shaded maps: the filled contours of a probability sampled on
 * a grid, the p = 0.5 line, and the colour bar. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot_internal.h"

/* Diverging map for probabilities: ColorBrewer's RdBu from its dark red to
 * its dark blue, with pure white at 0.5 (what plot.h promises), washed 30%
 * towards white, as scikit-learn's examples draw RdBu at alpha 0.7, so that
 * the class-coloured points on top stand out from the shading. */
void plot_set_diverging_map(void)
{
    static const double pos[9] = {0, .125, .25, .375, .5, .625, .75, .875, 1};
    static const unsigned char rgb[9][3] = {
        {178, 24, 43}, {214, 96, 77}, {244, 165, 130}, {253, 219, 199},
        {255, 255, 255}, {209, 229, 240}, {146, 197, 222}, {67, 147, 195},
        {33, 102, 172}
    };
    const double wash = 0.3;
    double r[9], g[9], b[9];
    for (int i = 0; i < 9; i++) {
        r[i] = (1 - wash) * rgb[i][0] / 255.0 + wash;
        g[i] = (1 - wash) * rgb[i][1] / 255.0 + wash;
        b[i] = (1 - wash) * rgb[i][2] / 255.0 + wash;
    }
    plscmap1n(256);
    plscmap1l(1, 9, pos, r, g, b, NULL);
}


/* ========================================================= decision map */

/* World coordinates of padded grid point (a, b), fractional allowed; the
 * ring maps onto the window's edge. */
void plot_grid_point(const scatter_ctx *s, double a, double b, double *x,
                     double *y)
{
    double i = fmin(fmax(a - 1, 0.0), GRID - 1);
    double j = fmin(fmax(b - 1, 0.0), GRID - 1);
    *x = s->x0 + (s->x1 - s->x0) * i / (GRID - 1);
    *y = s->y0 + (s->y1 - s->y0) * j / (GRID - 1);
}

static void edge_ends(int e, int *a0, int *b0, int *a1, int *b1)
{
    if (e < H_EDGES) {
        *a0 = e / PG;
        *b0 = e % PG;
        *a1 = *a0 + 1;
        *b1 = *b0;
    } else {
        *a0 = (e - H_EDGES) / (PG - 1);
        *b0 = (e - H_EDGES) % (PG - 1);
        *a1 = *a0;
        *b1 = *b0 + 1;
    }
}

/* Where the level crosses edge e, by linear interpolation. */
static void edge_point(const decision_ctx *d, int e, double level, double *x,
                       double *y)
{
    int a0, b0, a1, b1;
    edge_ends(e, &a0, &b0, &a1, &b1);
    double v0 = d->pp[a0 * PG + b0], v1 = d->pp[a1 * PG + b1];
    double t = (level - v0) / (v1 - v0);
    plot_grid_point(&d->pts, a0 + t * (a1 - a0), b0 + t * (b1 - b0), x, y);
}

/*
 * next[e] = the crossing that follows crossing e along its contour.  Going
 * counter-clockwise round a cell, a side that runs from p >= level to
 * p < level ("out") starts a piece, which ends at an "in" side: the one
 * before it when the piece cuts off a high corner, the one after it when
 * it cuts off a low corner.  The two differ only at saddles (four
 * crossings), decided by the value at the cell's centre.
 */
static void link_cells(const double *pp, double level, int *next)
{
    for (int a = 0; a + 1 < PG; a++)
        for (int b = 0; b + 1 < PG; b++) {
            const double v[4] = {pp[a * PG + b], pp[(a + 1) * PG + b],
                                 pp[(a + 1) * PG + b + 1], pp[a * PG + b + 1]};
            const int side[4] = {a * PG + b, H_EDGES + (a + 1) * (PG - 1) + b,
                                 a * PG + b + 1, H_EDGES + a * (PG - 1) + b};
            int high[4], crossings = 0;
            for (int k = 0; k < 4; k++)
                high[k] = v[k] >= level;
            for (int k = 0; k < 4; k++)
                crossings += high[k] != high[(k + 1) % 4];
            if (crossings == 0)
                continue;
            int centre_high = (v[0] + v[1] + v[2] + v[3]) / 4 >= level;
            for (int k = 0; k < 4; k++) {
                if (!high[k] || high[(k + 1) % 4])
                    continue;               /* not an "out" side */
                int step = (crossings == 4 && centre_high) ? 1 : 3;
                int w = (k + step) % 4;
                while (high[w] == high[(w + 1) % 4])
                    w = (w + step) % 4;     /* the matching "in" side */
                next[side[k]] = side[w];
            }
        }
}

static int shape_grow(shape_set *s, size_t points)
{
    if (s->points + points > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->points + points)
            cap *= 2;
        double *x = realloc(s->x, cap * sizeof *x);
        if (x == NULL)
            return 0;
        s->x = x;
        double *y = realloc(s->y, cap * sizeof *y);
        if (y == NULL)
            return 0;
        s->y = y;
        s->cap = cap;
    }
    if (s->count == s->loop_cap) {
        size_t cap = s->loop_cap ? 2 * s->loop_cap : 64;
        loop *l = realloc(s->loops, cap * sizeof *l);
        if (l == NULL)
            return 0;
        s->loops = l;
        s->loop_cap = cap;
    }
    return 1;
}

void plot_shape_free(shape_set *s)
{
    free(s->x);
    free(s->y);
    free(s->loops);
    memset(s, 0, sizeof *s);
}

/* Appends the loops of one level to out; band is the index of the band
 * above the level.  next and used are scratch (EDGES ints / bytes).
 * Returns 0 when memory runs out. */
static int trace_level(const decision_ctx *d, double level, int band,
                       int *next, unsigned char *used, shape_set *out)
{
    for (int e = 0; e < EDGES; e++)
        next[e] = -1;
    memset(used, 0, EDGES);
    link_cells(d->pp, level, next);
    for (int e = 0; e < EDGES; e++) {
        if (next[e] < 0 || used[e])
            continue;
        /* with the ring every line is a loop; the bound only guards
         * against a broken lattice */
        size_t n = 0;
        for (int c = e; c >= 0 && !used[c] && n <= EDGES; c = next[c]) {
            used[c] = 1;
            n++;
        }
        if (!shape_grow(out, n + 1))
            return 0;
        loop *l = &out->loops[out->count++];
        l->start = out->points;
        l->n = n;
        l->level = band;
        l->area = 0;
        double *x = out->x + l->start, *y = out->y + l->start;
        size_t k = 0;
        for (int c = e; k < n; c = next[c], k++)
            edge_point(d, c, level, &x[k], &y[k]);
        for (k = 0; k < n; k++)   /* shoelace */
            l->area += x[k] * y[(k + 1) % n] - x[(k + 1) % n] * y[k];
        l->area /= 2;
        /* counter-clockwise: p >= level inside, the band above the level */
        int inside = l->area > 0 ? band : band - 1;
        l->colour = (double) (inside < 0 ? 0 : inside) / (BANDS - 1);
        x[n] = x[0];
        y[n] = y[0];
        out->points += n + 1;
    }
    return 1;
}

/* Painting order: larger loops first.  Loops of different levels can be
 * identical where they run along the frame (a constant map gives every
 * level the frame itself); then the lower level goes first, so that the
 * highest band inside shows. */
static int larger_loop_first(const void *pa, const void *pb)
{
    const loop *a = pa, *b = pb;
    double sa = fabs(a->area), sb = fabs(b->area);
    if (sa != sb)
        return (sa < sb) - (sa > sb);
    return (a->level > b->level) - (a->level < b->level);
}

/* Traces the band boundaries (levels k / BANDS, k = 0 .. BANDS-1, the
 * first below every p) and the p = 0.5 line.  Returns 0 when memory runs
 * out. */
int plot_decision_trace(decision_ctx *d)
{
    int *next = malloc(EDGES * sizeof *next);
    unsigned char *used = malloc(EDGES);
    int ok = next != NULL && used != NULL;
    for (int k = 0; ok && k < BANDS; k++) {
        double level = k == 0 ? -0.5 : (double) k / BANDS;
        ok = trace_level(d, level, k, next, used, &d->fill);
    }
    ok = ok && trace_level(d, 0.5, 0, next, used, &d->half);
    free(next);
    free(used);
    if (ok)
        qsort(d->fill.loops, d->fill.count, sizeof *d->fill.loops,
              larger_loop_first);
    return ok;
}

void plot_draw_bands(const figure *fig, const decision_ctx *d)
{
    /* the cairo driver strokes every fill with the current width; a thin
     * stroke in the band's own colour is harmless and hides nothing */
    plot_width_px(fig, 0.5);
    for (size_t k = 0; k < d->fill.count; k++) {
        const loop *l = &d->fill.loops[k];
        if (l->n < 3)
            continue;
        plcol1(l->colour);
        plfill((PLINT) l->n, d->fill.x + l->start, d->fill.y + l->start);
    }
}

/* Whether the piece from point i to point j runs along the window's edge,
 * where the padding ring closes the loops: not part of the contour line. */
static int on_frame(const scatter_ctx *s, const double *x, const double *y,
                    size_t i, size_t j)
{
    return (x[i] == s->x0 && x[j] == s->x0) ||
           (x[i] == s->x1 && x[j] == s->x1) ||
           (y[i] == s->y0 && y[j] == s->y0) ||
           (y[i] == s->y1 && y[j] == s->y1);
}

static void reverse(double *v, size_t i, size_t j)
{
    for (; i + 1 < j; i++, j--) {
        double t = v[i];
        v[i] = v[j - 1];
        v[j - 1] = t;
    }
}

/* Rotates each p = 0.5 loop to start right after a piece along the frame
 * (if it has one), so that every run of visible line is contiguous. */
void plot_half_rotate(decision_ctx *d)
{
    for (size_t k = 0; k < d->half.count; k++) {
        const loop *l = &d->half.loops[k];
        double *x = d->half.x + l->start, *y = d->half.y + l->start;
        for (size_t i = 0; i < l->n; i++) {
            if (!on_frame(&d->pts, x, y, i, i + 1))
                continue;
            size_t r = i + 1;         /* new first point */
            reverse(x, 0, r);
            reverse(x, r, l->n);
            reverse(x, 0, l->n);
            reverse(y, 0, r);
            reverse(y, r, l->n);
            reverse(y, 0, l->n);
            x[l->n] = x[0];
            y[l->n] = y[0];
            break;
        }
    }
}

/* The p = 0.5 loops as lines, each visible run one polyline (short pieces
 * stroked separately look beaded where they join), lifting the pen along
 * the frame. */
void plot_draw_half_contour(const figure *fig, const decision_ctx *d)
{
    plcol0(C_BLACK);
    plot_width_px(fig, 2.0);
    for (size_t k = 0; k < d->half.count; k++) {
        const loop *l = &d->half.loops[k];
        const double *x = d->half.x + l->start, *y = d->half.y + l->start;
        size_t run = 0;
        for (size_t i = 0; i <= l->n; i++) {
            if (i == l->n || on_frame(&d->pts, x, y, i, i + 1)) {
                if (i > run)
                    plline((PLINT) (i - run + 1), x + run, y + run);
                run = i + 1;
            }
        }
    }
}

/* A vertical colour bar in the box [left, right] x [bottom, top]: cmap1 in
 * BANDS slices, the bands of the map (plgradient would be smoother, but
 * PLplot 5.15's cairo driver leaks every gradient pattern), outward ticks
 * and labels on the right, its title beside. */
void plot_draw_colour_bar(const figure *fig, double left, double right,
                          double bottom, double top, const char *title)
{
    plot_viewport_px(fig, left, right, bottom, top);
    plwind(0.0, 1.0, 0.0, 1.0);
    plot_width_px(fig, 0.5);   /* the fills' strokes seal the seams */
    for (int k = 0; k < BANDS; k++) {
        PLFLT bx[4] = {0, 1, 1, 0};
        PLFLT by[4] = {(double) k / BANDS, (double) k / BANDS,
                       (k + 1.0) / BANDS, (k + 1.0) / BANDS};
        plcol1((double) k / (BANDS - 1));
        plfill(4, bx, by);
    }
    plcol0(C_INK);
    plot_width_px(fig, 1.25);
    plsmaj(plot_mm_of_px(fig, TICK_LEN), 1.0);
    plbox("bc", 0.0, 0, "bc", 0.0, 0);
    plbox("", 0.0, 0, "cit", 0.2, 0);
    plot_font_px(fig, FONT_TICK);
    char text[8];
    for (int k = 0; k <= 5; k++) {
        snprintf(text, sizeof text, "%.1f", k / 5.0);
        plot_mtex_px(fig, "rv", TICK_LEN + TICK_GAP, k / 5.0, 0.0, text);
    }
    double bar_ticks = TICK_LEN + TICK_GAP +
                       plot_text_em("0.0") * FONT_TICK + LABEL_GAP;
    double disp = plot_disp_top_facing(bar_ticks, FONT_LABEL);
    plot_font_px(fig, FONT_LABEL);
    plot_mtex_px(fig, "r", disp, 0.5, 0.5, title);
}
