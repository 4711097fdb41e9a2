/* plot_legend.c - markers, the keys of the scatter figures and the legend
 * of the curves, placed where it hides the least. */
#include <math.h>

#include "plot/plot_internal.h"

/* --------------------------------------------------------------- markers */

/* A filled disc of radius r_px at (x, y) in the current window, with an
 * edge edge_px wide (none when edge_px <= 0).  plarc is drawn natively by
 * the cairo driver, so discs are true circles in every format. */
void plot_draw_disc(const figure *fig, double x, double y, double r_px,
                    int fill, int edge, double edge_px)
{
    double wx, wy;
    plot_world_per_px(fig, &wx, &wy);
    plcol0(fill);
    plarc(x, y, r_px * wx, r_px * wy, 0.0, 360.0, 0.0, 1);
    if (edge_px > 0) {
        plcol0(edge);
        plot_width_px(fig, edge_px);
        plarc(x, y, r_px * wx, r_px * wy, 0.0, 360.0, 0.0, 0);
    }
}

void plot_draw_ring(const figure *fig, double x, double y, double r_px,
                    int colour, double line_px)
{
    double wx, wy;
    plot_world_per_px(fig, &wx, &wy);
    plcol0(colour);
    plot_width_px(fig, line_px);
    plarc(x, y, r_px * wx, r_px * wy, 0.0, 360.0, 0.0, 0);
}

/* Marker radius for a scatter of n points: matplotlib's default size up to
 * a few hundred points, smaller for crowded plots. */
double plot_marker_radius(size_t n)
{
    double r = 7.0;
    if (n > 200)
        r = 7.0 * sqrt(200.0 / (double) n);
    return r < 2.5 ? 2.5 : r;
}

/* ------------------------------------------------------------------ keys */

static double key_item_width(const key_item *k)
{
    return KEY_MARK + KEY_TEXT_GAP + plot_text_em(k->text) * FONT_KEY;
}

/* One entry with its marker cell starting at x, centred on y (page
 * coordinates, see plot_page_coordinates). */
static void draw_key_item(const figure *fig, const key_item *k, double x,
                          double y)
{
    double cx = x + 0.5 * KEY_MARK;
    if (k->kind == KEY_DISC) {
        plot_draw_disc(fig, cx, y, 8.0, k->colour, k->edge, k->edge_px);
    } else if (k->kind == KEY_RING) {
        plot_draw_ring(fig, cx, y, 11.0, k->colour, 2.5);
    } else {
        PLFLT lx[2] = {x, x + KEY_MARK}, ly[2] = {y, y};
        plcol0(k->colour);
        plot_width_px(fig, 2.0);
        plline(2, lx, ly);
    }
    plcol0(C_INK);
    plot_font_px(fig, FONT_KEY);
    plptex(x + KEY_MARK + KEY_TEXT_GAP, y, 1.0, 0.0, 0.0, k->text);
}

/* Entries side by side, the row centred on cx. */
void plot_draw_key_row(const figure *fig, const key_item *items, int n,
                       double cx, double y)
{
    const double gap = 45.0;
    double total = gap * (n - 1);
    for (int i = 0; i < n; i++)
        total += key_item_width(&items[i]);
    double x = cx - 0.5 * total;
    for (int i = 0; i < n; i++) {
        draw_key_item(fig, &items[i], x, y);
        x += key_item_width(&items[i]) + gap;
    }
}

/* Entries one under the other, the first centred on y_top. */
void plot_draw_key_column(const figure *fig, const key_item *items, int n,
                          double x, double y_top)
{
    for (int i = 0; i < n; i++)
        draw_key_item(fig, &items[i], x, y_top - 1.7 * FONT_KEY * i);
}

/* ------------------------------------------------- the curves' legend */

/* Whether window point (wx, wy) lies inside the band of s, whose x must
 * be ascending (bisection, then linear interpolation of lo and hi). */
static int in_band(const curves_ctx *c, const bp_plot_series *s, double wx,
                   double wy)
{
    if (s->n < 2 || !(wx >= s->x[0] && wx <= s->x[s->n - 1]))
        return 0;
    size_t lo = 0, hi = s->n - 1;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->x[mid] <= wx)
            lo = mid;
        else
            hi = mid;
    }
    if (!plot_band_point_ok(s, lo, c->log_y) ||
        !plot_band_point_ok(s, hi, c->log_y))
        return 0;
    double t = s->x[hi] > s->x[lo] ? (wx - s->x[lo]) / (s->x[hi] - s->x[lo])
                                   : 0.0;
    double l0 = plot_curve_y(s->lo[lo], c->log_y);
    double l1 = plot_curve_y(s->lo[hi], c->log_y);
    double h0 = plot_curve_y(s->hi[lo], c->log_y);
    double h1 = plot_curve_y(s->hi[hi], c->log_y);
    return wy >= l0 + t * (l1 - l0) && wy <= h0 + t * (h1 - h0);
}

static int ascending(const double *x, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (!(x[i] >= x[i - 1]))
            return 0;
    return 1;
}

/* How much of the plot a legend in the box [fx0, fx1] x [fy0, fy1]
 * (window fractions) would hide: curve samples inside it, a curve's
 * segments sampled every 1% of the plot so that sparse curves count too,
 * plus the share of an 8 x 5 grid of the box that falls in a band. */
static double hidden_by_box(const curves_ctx *c, double fx0, double fx1,
                            double fy0, double fy1)
{
    double hits = 0;
    for (size_t k = 0; k < c->count; k++) {
        const bp_plot_series *s = &c->series[k];
        double px = NAN, py = NAN;
        for (size_t i = 0; i < s->n; i++) {
            if (!plot_curve_point_ok(s, i, c->log_y)) {
                px = NAN;
                continue;
            }
            double fx = (s->x[i] - c->x0) / (c->x1 - c->x0);
            double fy = (plot_curve_y(s->y[i], c->log_y) - c->y0) /
                        (c->y1 - c->y0);
            int steps = 1;
            if (isfinite(px)) {
                double d = hypot(fx - px, fy - py);
                steps = d > 0.01 ? (int) fmin(ceil(d / 0.01), 100.0) : 1;
            }
            for (int t = 1; t <= steps; t++) {
                double a = (double) t / steps;
                double qx = isfinite(px) ? px + a * (fx - px) : fx;
                double qy = isfinite(px) ? py + a * (fy - py) : fy;
                if (qx >= fx0 && qx <= fx1 && qy >= fy0 && qy <= fy1)
                    hits += 1.0 / steps;
            }
            px = fx;
            py = fy;
        }
        if (s->lo == NULL || !ascending(s->x, s->n))
            continue;
        for (int gi = 0; gi < 8; gi++)
            for (int gj = 0; gj < 5; gj++) {
                double wx = c->x0 + (c->x1 - c->x0) *
                                        (fx0 + (fx1 - fx0) * (gi + 0.5) / 8);
                double wy = c->y0 + (c->y1 - c->y0) *
                                        (fy0 + (fy1 - fy0) * (gj + 0.5) / 5);
                hits += 0.5 * in_band(c, s, wx, wy);
            }
    }
    return hits;
}

/* The legend where it hides the least of the curves and bands, like
 * matplotlib's loc="best": the corners first, then the middles of the
 * sides, then the centre; the first of equals wins. */
void plot_draw_legend(const figure *fig, const curves_ctx *c)
{
    const char *text[256];
    PLINT opt[256], tcol[256], lcol[256], lsty[256];
    PLFLT lwid[256];
    int n = 0;
    double longest = 0;      /* em */
    /* more than 256 labelled curves would not fit on the page anyway */
    for (size_t k = 0; k < c->count && n < 256; k++) {
        if (c->labels[k] == NULL)
            continue;
        text[n] = c->labels[k];
        opt[n] = PL_LEGEND_LINE;
        tcol[n] = C_INK;
        lcol[n] = C_SERIES + (PLINT) (k % 10);
        lsty[n] = 1;
        lwid[n] = 2.5 * fig->unit;
        longest = fmax(longest, plot_text_em(c->labels[k]));
        n++;
    }
    if (n == 0)
        return;

    double vl, vr, vb, vt;
    plot_viewport_get_px(fig, &vl, &vr, &vb, &vt);
    const double vw = vr - vl, vh = vt - vb;
    const double line_px = 50, pad = 12;
    /* size estimate for choosing the place (PLplot lays the legend out
     * itself; its spacings count character heights, 3/4 em here) */
    const double lw = (line_px + FONT_KEY * (longest + 1.5) + pad) / vw;
    const double lh = FONT_KEY * (1.5 * n + 1.0) / vh;
    const double off = pad / vw, offy = pad / vh;
    enum { LEFT, MIDDLE, RIGHT };
    enum { TOP, CENTRE, BOTTOM };
    static const int place[9][2] = {
        {RIGHT, TOP}, {LEFT, TOP}, {LEFT, BOTTOM}, {RIGHT, BOTTOM},
        {RIGHT, CENTRE}, {LEFT, CENTRE}, {MIDDLE, BOTTOM}, {MIDDLE, TOP},
        {MIDDLE, CENTRE}
    };
    const double xs[3][2] = {{0, off + lw}, {0.5 - lw / 2, 0.5 + lw / 2},
                             {1 - off - lw, 1}};
    const double ys[3][2] = {{1 - offy - lh, 1}, {0.5 - lh / 2, 0.5 + lh / 2},
                             {0, offy + lh}};
    const PLINT xflag[3] = {PL_POSITION_LEFT, 0, PL_POSITION_RIGHT};
    const PLINT yflag[3] = {PL_POSITION_TOP, 0, PL_POSITION_BOTTOM};
    int best = 0;
    double best_hidden = INFINITY;
    for (int i = 0; i < 9; i++) {
        /* scored with a little room around it: touching counts too */
        const double *bx = xs[place[i][0]], *by = ys[place[i][1]];
        double hidden = hidden_by_box(c, bx[0] - off, bx[1] + off,
                                      by[0] - offy, by[1] + offy);
        if (hidden < best_hidden - 1e-9) {
            best_hidden = hidden;
            best = i;
        }
    }
    int px = place[best][0], py = place[best][1];
    PLINT position = PL_POSITION_INSIDE | PL_POSITION_VIEWPORT | xflag[px] |
                     yflag[py];
    double dx = px == MIDDLE ? 0.0 : off, dy = py == CENTRE ? 0.0 : offy;
    if (px == MIDDLE && py == CENTRE) {
        /* PLplot has no flag for the centre (no flags means top right):
         * centred horizontally under the top, moved down by estimate */
        position |= PL_POSITION_TOP;
        dy = 0.5 - lh / 2;
    }
    /* when all nine places hide something, any clearly emptier spot on a
     * 7 x 7 grid of the plot, placed from the bottom left by estimate */
    for (int gi = 0; gi <= 6 && best_hidden > 0; gi++)
        for (int gj = 0; gj <= 6; gj++) {
            double x0 = off + (1 - 2 * off - lw) * gi / 6;
            double y0 = offy + (1 - 2 * offy - lh) * gj / 6;
            double hidden = hidden_by_box(c, x0 - off, x0 + lw + off,
                                          y0 - offy, y0 + lh + offy);
            if (hidden < best_hidden - 0.5) {
                best_hidden = hidden;
                position = PL_POSITION_INSIDE | PL_POSITION_VIEWPORT |
                           PL_POSITION_LEFT | PL_POSITION_BOTTOM;
                dx = x0;
                dy = y0;
            }
        }

    PLFLT w, h;
    plot_font_px(fig, FONT_KEY);
    plot_width_px(fig, 1.0);
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, position,
             dx, dy,
             line_px / vw, C_LEGEND_BG, C_FRAME, 1, n, 1, n, opt, 0.8, 1.0,
             2.0, 0.0, tcol, text, NULL, NULL, NULL, NULL, lcol, lsty, lwid,
             NULL, NULL, NULL, NULL);
}
