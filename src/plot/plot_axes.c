/* plot_axes.c - axes of the figures: tick positions and labels (linear and
 * logarithmic), margins that keep the furniture on the page, grid, frame,
 * axis labels and title. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot/plot_internal.h"

/* ------------------------------------------------------------------ axes */

/* The smallest of 1, 2, 2.5, 5 times a power of ten that is >= raw. */
static double nice_step(double raw)
{
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    double m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
    return m * mag;
}

/* Decimals needed to print multiples of step exactly. */
static int decimals_for(double step)
{
    int d = 0;
    for (double s = step; d < 12 && fabs(s - round(s)) > 1e-6 * s; s *= 10)
        d++;
    return d;
}

static void format_fixed(char *dst, size_t size, double v, int decimals)
{
    snprintf(dst, size, "%s%.*f", v < 0 ? MINUS : "", decimals, fabs(v));
}

/* m x 10^e as PLplot text, e.g. "2.5x10^-7" with a superscript. */
static void format_power(char *dst, size_t size, double m, int e,
                         int decimals)
{
    char mant[32] = "";
    if (fabs(m) != 1.0 || decimals > 0)
        snprintf(mant, sizeof mant, "%s%.*f" TIMES, m < 0 ? MINUS : "",
                 decimals, fabs(m));
    else if (m < 0)
        snprintf(mant, sizeof mant, MINUS);
    /* e is small (|e| <= 330, see PLOT_MAX_VALUE), but -INT_MIN is not an
     * int: negate as a long */
    snprintf(dst, size, "%s10#u%s%ld#d", mant, e < 0 ? MINUS : "",
             e < 0 ? -(long) e : (long) e);
}

void plot_axis_linear(axis *a, double lo, double hi, double target)
{
    a->lo = lo;
    a->hi = hi;
    a->log = 0;
    a->n = 0;
    a->step = nice_step((hi - lo) / target);
    /* plain numbers up to seven digits ("1000000" epochs) or five
     * decimals, powers of ten beyond */
    double big = fmax(fabs(lo), fabs(hi));
    int sci = big >= 1e7 || a->step < 1e-5;
    int e = sci ? (int) floor(log10(big)) : 0;
    int decimals = decimals_for(sci ? a->step / pow(10.0, e) : a->step);
    double first = ceil(lo / a->step - 1e-9);
    for (int k = 0; k < MAX_TICKS; k++) {
        double v = (first + k) * a->step;
        if (v > hi + 1e-9 * (hi - lo))
            break;
        if (fabs(v) < 1e-9 * a->step)
            v = 0.0;
        a->at[a->n] = v;
        if (sci && v != 0.0)
            format_power(a->text[a->n], sizeof a->text[0], v / pow(10.0, e),
                         e, decimals);
        else
            format_fixed(a->text[a->n], sizeof a->text[0], v,
                         sci ? 0 : decimals);
        a->n++;
    }
}

/* Labels on a log axis (window lo10..hi10 in log10 units): whole decades
 * when that gives three labels, else 1-2-5 per decade, else 1..9, else
 * (less than a decade) plain linear values.  Values from 1e-4 to 1e5 are
 * written as decimals ("0.02"), others as powers of ten. */
void plot_axis_log(axis *a, double lo10, double hi10)
{
    static const double sets[3][9] = {{1}, {1, 2, 5},
                                      {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    static const int sizes[3] = {1, 3, 9};
    const double eps = 1e-9 * (hi10 - lo10);
    double span = hi10 - lo10;
    /* every decade, or every 2nd, 5th, 10th, 20th ... of many */
    double nice = span > 8 ? nice_step(span / 6) : 1;
    long stride = (long) (nice == floor(nice) ? nice : ceil(nice));
    a->lo = lo10;
    a->hi = hi10;
    a->log = 1;
    a->step = 0.0;
    for (int s = 0; s < 3; s++) {
        a->n = 0;
        for (double e = floor(lo10); e <= ceil(hi10) && a->n < MAX_TICKS;
             e++) {
            if (s == 0 && (long) e % stride != 0)
                continue;
            for (int i = 0; i < sizes[s] && a->n < MAX_TICKS; i++) {
                double v10 = e + log10(sets[s][i]);
                if (v10 < lo10 - eps || v10 > hi10 + eps)
                    continue;
                int ie = (int) e;
                a->at[a->n] = v10;
                if (ie >= -4 && ie <= 5)
                    format_fixed(a->text[a->n], sizeof a->text[0],
                                 sets[s][i] * pow(10.0, ie), ie < 0 ? -ie : 0);
                else
                    format_power(a->text[a->n], sizeof a->text[0], sets[s][i],
                                 ie, 0);
                a->n++;
            }
        }
        if (a->n >= 3 || (s == 2 && a->n >= 2))
            return;
    }
    if (!(lo10 > -280 && hi10 < 280)) {
        /* beyond the linear labels' reach (subnormal numbers): the 1..9
         * ticks found, or one label in the middle */
        if (a->n == 0) {
            double mid = 0.5 * (lo10 + hi10), e = floor(mid);
            a->at[0] = mid;
            format_power(a->text[0], sizeof a->text[0], pow(10.0, mid - e),
                         (int) e, 2);
            a->n = 1;
        }
        return;
    }
    axis lin;
    plot_axis_linear(&lin, pow(10.0, lo10), pow(10.0, hi10), 4);
    a->n = 0;
    for (int k = 0; k < lin.n; k++)
        if (lin.at[k] > 0) {
            a->at[a->n] = log10(lin.at[k]);
            memcpy(a->text[a->n], lin.text[k], sizeof a->text[0]);
            a->n++;
        }
}

static double axis_frac(const axis *a, double v)
{
    return (v - a->lo) / (a->hi - a->lo);
}

/* Width of the widest label, reference pixels. */
static double axis_label_width(const axis *a, double font)
{
    double w = 0;
    for (int k = 0; k < a->n; k++)
        w = fmax(w, plot_text_em(a->text[k]) * font);
    return w;
}

/* Text whose top (ascenders) faces the edge: below the bottom edge, or
 * rotated on the right edge (PLplot writes bottom to top there). */
double plot_disp_top_facing(double d, double em)
{
    return d + (ASCENT - CAP_MID) * em;
}

/* Text whose baseline faces the edge: above the top edge, or rotated on
 * the left edge.  Descenders need room, subscripts ("#d") more: PLplot
 * lowers them by about half an em. */
static double text_descent(const char *text)
{
    return strstr(text, "#d") != NULL ? 0.5 : DESCENT;
}

static double disp_base_facing(double d, double em, const char *text)
{
    return d + (text_descent(text) + CAP_MID) * em;
}

margins plot_axis_margins(const axis *ax, const axis *ay,
                          const char *xlabel, const char *ylabel,
                          const char *title)
{
    margins m;
    const double tick = TICK_LEN + TICK_GAP;
    double yw = axis_label_width(ay, FONT_TICK);
    double x_ticks_end = tick + 2 * CAP_MID * FONT_TICK;   /* digits */
    double y_ticks_end = tick + yw;
    m.x_tick_disp = tick + CAP_MID * FONT_TICK;  /* digits: capital height */
    m.x_label_disp = plot_disp_top_facing(x_ticks_end + LABEL_GAP, FONT_LABEL);
    m.y_tick_disp = tick;
    m.y_label_disp = ylabel ? disp_base_facing(y_ticks_end + LABEL_GAP,
                                               FONT_LABEL, ylabel) : 0;
    m.title_disp = title ? disp_base_facing(TITLE_GAP, FONT_TITLE, title) : 0;
    m.left = PAGE_PAD + (ylabel ? m.y_label_disp + (ASCENT - CAP_MID) *
                                                     FONT_LABEL
                                : y_ticks_end);
    m.bottom = PAGE_PAD + (xlabel ? x_ticks_end + LABEL_GAP +
                                    (ASCENT + text_descent(xlabel)) *
                                    FONT_LABEL
                                  : x_ticks_end);
    m.top = PAGE_PAD + (title ? m.title_disp + (ASCENT - CAP_MID) * FONT_TITLE
                              : CAP_MID * FONT_TICK);
    /* the last x label is centred on the right edge of the frame */
    double xw = ax->n > 0 ? plot_text_em(ax->text[ax->n - 1]) * FONT_TICK : 0;
    m.right = PAGE_PAD + fmax(0.5 * xw, 8.0);
    return m;
}

/* Light grid lines at the labelled ticks, behind the data. */
void plot_draw_grid(const figure *fig, const axis *ax, const axis *ay)
{
    plcol0(C_GRID);
    plot_width_px(fig, 1.0);
    for (int k = 0; k < ax->n; k++) {
        PLFLT gx[2] = {ax->at[k], ax->at[k]}, gy[2] = {ay->lo, ay->hi};
        plline(2, gx, gy);
    }
    for (int k = 0; k < ay->n; k++) {
        PLFLT gx[2] = {ax->lo, ax->hi}, gy[2] = {ay->at[k], ay->at[k]};
        plline(2, gx, gy);
    }
}

/* The frame in matplotlib's manner: outward ticks on the bottom and left
 * (minor ticks only on log axes), a plain line on top and right, and the
 * tick labels. */
void plot_draw_axes(const figure *fig, const axis *ax, const axis *ay,
                    const margins *m)
{
    char xopt[8], yopt[8];
    /* plbox ticks every decade of a log axis, and 2..9 within: past a
     * dozen decades they would merge into a bar, and the grid marks the
     * labels instead */
    snprintf(xopt, sizeof xopt, "%s",
             !ax->log ? "bit" : ax->hi - ax->lo > 12 ? "bl" : "bitls");
    snprintf(yopt, sizeof yopt, "%s",
             !ay->log ? "bit" : ay->hi - ay->lo > 12 ? "bl" : "bitls");
    plcol0(C_INK);
    plot_width_px(fig, 1.25);
    plsmaj(plot_mm_of_px(fig, TICK_LEN), 1.0);
    plsmin(plot_mm_of_px(fig, 0.6 * TICK_LEN), 1.0);
    plbox(xopt, ax->step, 0, yopt, ay->step, 0);
    plbox("c", 0.0, 0, "c", 0.0, 0);
    plot_font_px(fig, FONT_TICK);
    for (int k = 0; k < ax->n; k++)
        plot_mtex_px(fig, "b", m->x_tick_disp, axis_frac(ax, ax->at[k]), 0.5,
                     ax->text[k]);
    for (int k = 0; k < ay->n; k++)
        plot_mtex_px(fig, "lv", m->y_tick_disp, axis_frac(ay, ay->at[k]), 1.0,
                     ay->text[k]);
}

/* Axis labels and title (any may be NULL). */
void plot_draw_labels(const figure *fig, const margins *m,
                      const char *title, const char *xlabel,
                      const char *ylabel)
{
    plcol0(C_INK);
    plot_font_px(fig, FONT_LABEL);
    if (xlabel != NULL)
        plot_mtex_px(fig, "b", m->x_label_disp, 0.5, 0.5, xlabel);
    if (ylabel != NULL)
        plot_mtex_px(fig, "l", m->y_label_disp, 0.5, 0.5, ylabel);
    if (title != NULL) {
        /* centred over the frame, but moved (never past the page's edge)
         * when a long title over a narrow frame would run off the page */
        double l, r, b, t;
        plot_viewport_get_px(fig, &l, &r, &b, &t);
        double half = 0.5 * plot_text_em(title) * FONT_TITLE;
        double centre = 0.5 * (l + r);
        if (centre - half < PAGE_PAD)
            centre = fmin(PAGE_PAD + half, 0.5 * fig->w);
        else if (centre + half > fig->w - PAGE_PAD)
            centre = fmax(fig->w - PAGE_PAD - half, 0.5 * fig->w);
        double pos = r > l ? (centre - l) / (r - l) : 0.5;
        plot_font_px(fig, FONT_TITLE);
        plot_mtex_px(fig, "t", m->title_disp, pos, 0.5, title);
    }
}
