/*
 * plot.c - the figures of plot.h, drawn with PLplot 5.15's cairo devices.
 *
 * This is the only file that includes plplot.h.  What PLplot does behind a
 * library's back, and how it is contained here:
 *
 *   - Fatal errors call plexit(), which prints and then calls exit() even
 *     when a handler is installed with plsexit().  The only way back is a
 *     longjmp out of that handler (run_stream).  The handler has no user
 *     pointer, so the jump target lives in a file-scope variable (escape,
 *     with escape_msg): the module's only mutable global state.  It is set
 *     only while a figure is drawn, and plsexit(NULL) restores PLplot's
 *     default afterwards (replacing any handler a caller had installed).
 *   - Recoverable errors (plabort) print to stderr unless the stream has
 *     an error buffer: every stream gets one (plsError), and a plabort makes
 *     the figure fail with its message (BP_EIO).
 *   - plinit() asks on stdin for another device when the requested one is
 *     missing, and for a file name when it cannot open one.  The device
 *     list is checked first (plgDevs), and PLplot writes to a stream opened
 *     here (plsfile) under the file name "-", which makes PLplot neither
 *     open nor close it (plCloseFile leaves "-" alone), so that its flush
 *     and close are checked here and a full disk is an error.
 *   - Each figure has a stream of its own (plmkstrm ... plend1) and the
 *     caller's current stream is made current again, so that any number of
 *     figures can be drawn one after another.
 *   - The cairo driver hands pango PLplot's character height as a size in
 *     points, and pango renders points at 96 dpi on a 72 dpi page: text
 *     comes out 4/3 larger than asked (font_px corrects it).  PLplot exports
 *     no text measurement, so the layout estimates widths from DejaVu Sans's
 *     metrics (text_em), the font fontconfig picks for "sans" on Debian.
 *   - The driver strokes every filled polygon with the current line width
 *     (to hide anti-aliasing seams), so widths are set before fills.
 *
 * With all this PLplot is silent in normal use and never exits; it is not
 * thread-safe (its streams, driver table and exit handler are process-wide),
 * so callers must draw one figure at a time.
 *
 * Sizes: layouts are written in "reference pixels" of the PNG (1200 x 900
 * for most figures).  The cairo driver works at 72 dpi, so for PNG a point
 * is a pixel; SVG and PDF pages have half as many points as the PNG has
 * pixels (600 x 450 pt, close to matplotlib's 6.4 x 4.8 in) with everything
 * scaled by the same factor (figure.unit).
 */
#include "plot/plot.h"
#include "io/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <plplot.h>

#if defined(__GNUC__)
#define BP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BP_PRINTF(a, b)
#endif

/* ------------------------------------------------------------------ errors */

static bp_status fail(bp_error *err, bp_status code, const char *fmt, ...)
    BP_PRINTF(3, 4);

static bp_status fail(bp_error *err, bp_status code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

/* PLplot's messages end with a newline or ", aborting operation"; a
 * bp_error message is one line. */
static void one_line(char *s)
{
    char *nl;
    while (*s == '\n')
        memmove(s, s + 1, strlen(s));
    while ((nl = strchr(s, '\n')) != NULL)
        *nl = (nl[1] == '\0') ? '\0' : ' ';
}

/* ----------------------------------------------------------------- palette */

/* cmap0 slots.  Colour values are matplotlib's defaults where it has one:
 * "tab10" for curves, tab:red / tab:blue for the classes, its legend frame
 * grey (0.8) and a near-black for axes and text. */
enum {
    C_BACKGROUND = 0, C_INK, C_GRID, C_FRAME, C_LEGEND_BG, C_WHITE, C_BLACK,
    C_CLASS0, C_CLASS1, C_BAND, C_SERIES, C_COUNT = C_SERIES + 10
};

static const unsigned char TAB10[10][3] = {
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
    {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
    {188, 189, 34}, {23, 190, 207}
};

static void set_palette(void)
{
    plscmap0n(C_COUNT);
    plscol0a(C_BACKGROUND, 255, 255, 255, 1.0);
    plscol0a(C_INK, 26, 26, 26, 1.0);
    plscol0a(C_GRID, 226, 226, 226, 1.0);
    plscol0a(C_FRAME, 204, 204, 204, 1.0);
    plscol0a(C_LEGEND_BG, 255, 255, 255, 0.85);
    plscol0a(C_WHITE, 255, 255, 255, 1.0);
    plscol0a(C_BLACK, 0, 0, 0, 1.0);
    plscol0a(C_CLASS0, 214, 39, 40, 1.0);   /* tab:red  */
    plscol0a(C_CLASS1, 31, 119, 180, 1.0);  /* tab:blue */
    plscol0a(C_BAND, 0, 0, 0, 0.2);
    for (int i = 0; i < 10; i++)
        plscol0a(C_SERIES + i, TAB10[i][0], TAB10[i][1], TAB10[i][2], 1.0);
}

/* Diverging map for probabilities: ColorBrewer's RdBu from its dark red to
 * its dark blue, with pure white at 0.5 (what plot.h promises), washed 30%
 * towards white, as scikit-learn's examples draw RdBu at alpha 0.7, so that
 * the class-coloured points on top stand out from the shading. */
static void set_diverging_map(void)
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

/* ----------------------------------------------------------------- formats */

typedef struct {
    const char *ext;
    const char *device;
    double unit;          /* page points per reference pixel */
} format;

static const format FORMATS[] = {
    {".png", "pngcairo", 1.0},
    {".svg", "svgcairo", 0.5},
    {".pdf", "pdfcairo", 0.5},
};

static const format *format_for(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot == NULL || (slash != NULL && dot < slash))
        return NULL;
    for (size_t i = 0; i < sizeof FORMATS / sizeof FORMATS[0]; i++)
        if (strcasecmp(dot, FORMATS[i].ext) == 0)
            return &FORMATS[i];
    return NULL;
}

/* --------------------------------------------------------------- text */

/* PLplot interprets '#' as an escape ("#u" superscript ...); "##" is a
 * literal '#'.  Returns a malloc'ed copy of s shown literally, NULL for a
 * NULL s; *oom is set when memory runs out. */
static char *literal_text(const char *s, int *oom)
{
    if (s == NULL)
        return NULL;
    size_t len = strlen(s), extra = 0;
    for (size_t i = 0; i < len; i++)
        extra += (s[i] == '#');
    char *out = malloc(len + extra + 1);
    if (out == NULL) {
        *oom = 1;
        return NULL;
    }
    char *o = out;
    for (size_t i = 0; i < len; i++) {
        *o++ = s[i];
        if (s[i] == '#')
            *o++ = '#';
    }
    *o = '\0';
    return out;
}

/* ------------------------------------------------------- figure geometry */

typedef struct {
    double w, h;            /* page size in reference pixels              */
    double unit;            /* page points per reference pixel           */
    PLINT stream;           /* our PLplot stream, -1 when none            */
    PLINT previous;         /* the caller's current stream               */
    PLINT plerr;            /* set by plabort() through plsError()        */
    char plmsg[1024];       /* plabort()'s message                        */
} figure;

/* Font sizes (em, reference pixels) and distances of the layout.  At 1200
 * pixels wide these match matplotlib's 10-12 pt defaults scaled to the
 * figure, so text stays readable when the PNG is shrunk into a report. */
#define FONT_TICK   28.0
#define FONT_LABEL  31.0
#define FONT_TITLE  34.0
#define FONT_KEY    27.0
#define TICK_LEN     7.0    /* major tick, outward                        */
#define TICK_GAP     7.0    /* tick end to tick label                     */
#define LABEL_GAP   12.0    /* tick labels to axis label                  */
#define TITLE_GAP   18.0    /* frame to title                             */
#define PAGE_PAD    22.0    /* outermost text to page edge                */

static double mm_of_px(const figure *fig, double px)
{
    return px * fig->unit * 25.4 / 72.0;
}

/* Font size (em) in reference pixels.  The cairo driver passes PLplot's
 * character height (mm) to pango as points, and pango renders points at
 * its default 96 dpi while the page is 72 dpi: text comes out 4/3 larger
 * than asked, which is undone here. */
static void font_px(const figure *fig, double px)
{
    plschr(mm_of_px(fig, px) * 0.75, 1.0);
}

/* plmtex with the distance from the frame in reference pixels (plmtex
 * counts in character heights, which font_px scales by 3/4). */
static void mtex_px(const figure *fig, const char *side, double disp_px,
                    double pos, double just, const char *text)
{
    PLFLT def, ht;
    plgchr(&def, &ht);
    plmtex(side, mm_of_px(fig, disp_px) / ht, pos, just, text);
}

static void width_px(const figure *fig, double px)
{
    plwidth(px * fig->unit);
}

/* Viewport from its edges in reference pixels, measured from the left and
 * from the bottom of the page. */
static void viewport_px(const figure *fig, double left, double right,
                        double bottom, double top)
{
    plvpor(left / fig->w, right / fig->w, bottom / fig->h, top / fig->h);
}

/* The largest viewport inside the given box (reference pixels) whose world
 * window of size dx x dy has equal scales on both axes, centred. */
static void equal_viewport_px(const figure *fig, double left, double right,
                              double bottom, double top, double dx, double dy)
{
    plvpas(left / fig->w, right / fig->w, bottom / fig->h, top / fig->h,
           dy / dx);
}

/* A viewport over the whole page whose world units are reference pixels,
 * for keys and other furniture placed by hand. */
static void page_coordinates(const figure *fig)
{
    plvpor(0.0, 1.0, 0.0, 1.0);
    plwind(0.0, fig->w, 0.0, fig->h);
}

/* The current viewport in reference pixels. */
static void viewport_get_px(const figure *fig, double *left, double *right,
                            double *bottom, double *top)
{
    PLFLT x0, x1, y0, y1;
    plgvpd(&x0, &x1, &y0, &y1);
    *left = x0 * fig->w;
    *right = x1 * fig->w;
    *bottom = y0 * fig->h;
    *top = y1 * fig->h;
}

/* Size of one reference pixel in world units of the current window. */
static void world_per_px(const figure *fig, double *wx, double *wy)
{
    PLFLT vx0, vx1, vy0, vy1, x0, x1, y0, y1;
    plgvpd(&vx0, &vx1, &vy0, &vy1);
    plgvpw(&x0, &x1, &y0, &y1);
    *wx = (x1 - x0) / ((vx1 - vx0) * fig->w);
    *wy = (y1 - y0) / ((vy1 - vy0) * fig->h);
}

/* A data range [lo, hi] widened by frac of its span on each side; an empty
 * span becomes 20% of the value (or 1) so that the window is valid. */
static void pad_range(double *lo, double *hi, double frac)
{
    double span = *hi - *lo;
    if (!(span > 0)) {
        span = fabs(*lo) > 0 ? 0.2 * fabs(*lo) : 1.0;
        *lo -= 0.5 * span;
        *hi += 0.5 * span;
        span = *hi - *lo;
    }
    *lo -= frac * span;
    *hi += frac * span;
}

/* ------------------------------------------------------------ text width */

/* Approximate advance width of text, in em, for DejaVu Sans (what
 * fontconfig gives pango for "sans" on Debian).  PLplot 5.15 exports no call
 * for a string's length, and the layout needs one to keep tick labels, axis
 * labels and keys apart.  Text between "#u"/"#d" escapes (super- and
 * subscripts) counts at 3/4 size. */
static double text_em(const char *s)
{
    double w = 0;
    int level = 0;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (p[0] == '#' && (p[1] == 'u' || p[1] == 'd')) {
            level += p[1] == 'u' ? 1 : -1;
            p++;
            continue;
        }
        if (p[0] == '#' && p[1] == '#')
            p++;
        if ((*p & 0xC0) == 0x80)
            continue;               /* UTF-8 continuation byte */
        double c = 0.6;
        if (*p >= '0' && *p <= '9')
            c = 0.636;
        else if (strchr(".,:; ", *p) != NULL)
            c = 0.318;
        else if (strchr("ilj|'()[]", *p) != NULL)
            c = 0.35;
        else if (*p == 'm' || *p == 'w' || *p == 'M' || *p == 'W')
            c = 0.95;
        else if (*p >= 'A' && *p <= 'Z')
            c = 0.72;
        else if (*p >= 0x80)
            c = 0.84;               /* minus, times, bullets */
        w += level != 0 ? 0.75 * c : c;
    }
    return w;
}

/* ------------------------------------------------------------------ axes */

/*
 * Tick positions and labels are chosen here rather than by plbox: PLplot's
 * own labels put a shared exponent in a corner ("x10^3"), label only whole
 * decades on a log axis, and have widths the layout cannot know.  plbox
 * still draws the frame and the tick marks, at the same positions.
 */
enum { MAX_TICKS = 48 };

typedef struct {
    double lo, hi;            /* window; log10 of the values on a log axis */
    int log;
    double step;              /* major tick interval for plbox (linear)    */
    int n;                    /* labelled ticks                            */
    double at[MAX_TICKS];     /* their positions, window coordinates       */
    char text[MAX_TICKS][48]; /* their labels, PLplot text                 */
} axis;

#define MINUS "\xe2\x88\x92"  /* U+2212, a proper minus sign */
#define TIMES "\xc3\x97"      /* U+00D7 */

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
    snprintf(dst, size, "%s10#u%s%d#d", mant, e < 0 ? MINUS : "", abs(e));
}

static void axis_linear(axis *a, double lo, double hi, double target)
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
static void axis_log(axis *a, double lo10, double hi10)
{
    static const double sets[3][9] = {{1}, {1, 2, 5},
                                      {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    static const int sizes[3] = {1, 3, 9};
    const double eps = 1e-9 * (hi10 - lo10);
    double span = hi10 - lo10;
    long stride = span > 8 ? (long) ceil(span / 6) : 1;
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
    axis lin;
    axis_linear(&lin, pow(10.0, lo10), pow(10.0, hi10), 4);
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
        w = fmax(w, text_em(a->text[k]) * font);
    return w;
}

/*
 * Where plmtex puts text, measured on the cairo driver: for a text parallel
 * to the frame edge, the middle of the capital letters lies disp from the
 * edge (rotated or not); "lv" text right-justified ends disp from the edge
 * and "rv" text left-justified starts there.  DejaVu Sans has capitals
 * 0.73 em high, ascenders 0.76 em and descenders 0.24 em.  The helpers turn
 * "the nearest ink at distance d" into plmtex's disp, in reference pixels.
 */
#define CAP_MID 0.365  /* half the capital height, em */
#define ASCENT  0.76
#define DESCENT 0.24

/* Text whose top (ascenders) faces the edge: below the bottom edge, or
 * rotated on the right edge (PLplot writes bottom to top there). */
static double disp_top_facing(double d, double em)
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

/* Distances of the axis furniture from the frame (plmtex disp, reference
 * pixels), and the margins that keep it on the page. */
typedef struct {
    double x_tick_disp, x_label_disp;   /* below the frame              */
    double y_tick_disp, y_label_disp;   /* left of the frame            */
    double title_disp;                  /* above the frame              */
    double left, right, bottom, top;    /* margins                      */
} margins;

static margins axis_margins(const axis *ax, const axis *ay,
                            const char *xlabel, const char *ylabel,
                            const char *title)
{
    margins m;
    const double tick = TICK_LEN + TICK_GAP;
    double yw = axis_label_width(ay, FONT_TICK);
    double x_ticks_end = tick + 2 * CAP_MID * FONT_TICK;   /* digits */
    double y_ticks_end = tick + yw;
    m.x_tick_disp = tick + CAP_MID * FONT_TICK;  /* digits: capital height */
    m.x_label_disp = disp_top_facing(x_ticks_end + LABEL_GAP, FONT_LABEL);
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
    double xw = ax->n > 0 ? text_em(ax->text[ax->n - 1]) * FONT_TICK : 0;
    m.right = PAGE_PAD + fmax(0.5 * xw, 8.0);
    return m;
}

/* Light grid lines at the labelled ticks, behind the data. */
static void draw_grid(const figure *fig, const axis *ax, const axis *ay)
{
    plcol0(C_GRID);
    width_px(fig, 1.0);
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
static void draw_axes(const figure *fig, const axis *ax, const axis *ay,
                      const margins *m)
{
    char xopt[8], yopt[8];
    snprintf(xopt, sizeof xopt, "bit%s", ax->log ? "ls" : "");
    snprintf(yopt, sizeof yopt, "bit%s", ay->log ? "ls" : "");
    plcol0(C_INK);
    width_px(fig, 1.25);
    plsmaj(mm_of_px(fig, TICK_LEN), 1.0);
    plsmin(mm_of_px(fig, 0.6 * TICK_LEN), 1.0);
    plbox(xopt, ax->step, 0, yopt, ay->step, 0);
    plbox("c", 0.0, 0, "c", 0.0, 0);
    font_px(fig, FONT_TICK);
    for (int k = 0; k < ax->n; k++)
        mtex_px(fig, "b", m->x_tick_disp, axis_frac(ax, ax->at[k]), 0.5,
               ax->text[k]);
    for (int k = 0; k < ay->n; k++)
        mtex_px(fig, "lv", m->y_tick_disp, axis_frac(ay, ay->at[k]), 1.0,
               ay->text[k]);
}

/* Axis labels and title (any may be NULL). */
static void draw_labels(const figure *fig, const margins *m,
                        const char *title, const char *xlabel,
                        const char *ylabel)
{
    plcol0(C_INK);
    font_px(fig, FONT_LABEL);
    if (xlabel != NULL)
        mtex_px(fig, "b", m->x_label_disp, 0.5, 0.5, xlabel);
    if (ylabel != NULL)
        mtex_px(fig, "l", m->y_label_disp, 0.5, 0.5, ylabel);
    if (title != NULL) {
        font_px(fig, FONT_TITLE);
        mtex_px(fig, "t", m->title_disp, 0.5, 0.5, title);
    }
}

/* --------------------------------------------------------------- markers */

/* A filled disc of radius r_px at (x, y) in the current window, with an
 * edge edge_px wide (none when edge_px <= 0).  plarc is drawn natively by
 * the cairo driver, so discs are true circles in every format. */
static void draw_disc(const figure *fig, double x, double y, double r_px,
                      int fill, int edge, double edge_px)
{
    double wx, wy;
    world_per_px(fig, &wx, &wy);
    plcol0(fill);
    plarc(x, y, r_px * wx, r_px * wy, 0.0, 360.0, 0.0, 1);
    if (edge_px > 0) {
        plcol0(edge);
        width_px(fig, edge_px);
        plarc(x, y, r_px * wx, r_px * wy, 0.0, 360.0, 0.0, 0);
    }
}

static void draw_ring(const figure *fig, double x, double y, double r_px,
                      int colour, double line_px)
{
    double wx, wy;
    world_per_px(fig, &wx, &wy);
    plcol0(colour);
    width_px(fig, line_px);
    plarc(x, y, r_px * wx, r_px * wy, 0.0, 360.0, 0.0, 0);
}

/* Marker radius for a scatter of n points: matplotlib's default size up to
 * a few hundred points, smaller for crowded plots. */
static double marker_radius(size_t n)
{
    double r = 7.0;
    if (n > 200)
        r = 7.0 * sqrt(200.0 / (double) n);
    return r < 2.5 ? 2.5 : r;
}

/* ------------------------------------------------------------------ keys */

/* Keys of the scatter figures are drawn by hand in page coordinates, with
 * the very markers of the plot (pllegend draws symbols as font glyphs,
 * which do not match plarc discs). */
typedef enum { KEY_DISC, KEY_RING, KEY_LINE } key_kind;

typedef struct {
    key_kind kind;
    int colour;
    const char *text;
    double edge_px;            /* disc edge width, 0 for none */
    int edge;                  /* disc edge colour            */
} key_item;

#define KEY_MARK 34.0          /* width of the marker cell    */
#define KEY_TEXT_GAP 8.0

static double key_item_width(const key_item *k)
{
    return KEY_MARK + KEY_TEXT_GAP + text_em(k->text) * FONT_KEY;
}

/* One entry with its marker cell starting at x, centred on y (page
 * coordinates, see page_coordinates). */
static void draw_key_item(const figure *fig, const key_item *k, double x,
                          double y)
{
    double cx = x + 0.5 * KEY_MARK;
    if (k->kind == KEY_DISC) {
        draw_disc(fig, cx, y, 8.0, k->colour, k->edge, k->edge_px);
    } else if (k->kind == KEY_RING) {
        draw_ring(fig, cx, y, 11.0, k->colour, 2.5);
    } else {
        PLFLT lx[2] = {x, x + KEY_MARK}, ly[2] = {y, y};
        plcol0(k->colour);
        width_px(fig, 2.0);
        plline(2, lx, ly);
    }
    plcol0(C_INK);
    font_px(fig, FONT_KEY);
    plptex(x + KEY_MARK + KEY_TEXT_GAP, y, 1.0, 0.0, 0.0, k->text);
}

/* Entries side by side, the row centred on cx. */
static void draw_key_row(const figure *fig, const key_item *items, int n,
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
static void draw_key_column(const figure *fig, const key_item *items, int n,
                            double x, double y_top)
{
    for (int i = 0; i < n; i++)
        draw_key_item(fig, &items[i], x, y_top - 1.7 * FONT_KEY * i);
}

/* ---------------------------------------------------- temporary output */

/* Figures are written as model files are (src/io/atomic.c): a temporary
 * file beside the target, fsync, rename; only a regular file is replaced
 * and a symbolic link is written through. */


/* ------------------------------------------------------ PLplot streams */

/* See the file comment: the only way back from plexit(). */
static jmp_buf *escape;
static char escape_msg[256];

static int on_plexit(const char *msg)
{
    if (escape != NULL) {
        snprintf(escape_msg, sizeof escape_msg, "%s", msg ? msg : "");
        one_line(escape_msg);
        longjmp(*escape, 1);
    }
    return 1; /* not ours: PLplot's default (print, exit) */
}

/* After a plexit() the stream may be half torn down; try to end it, and
 * give up (leaking it) if PLplot fails again.  Its error pointers go
 * first: they point into the caller's frame. */
static void abandon_stream(figure *fig)
{
    jmp_buf again;
    if (fig->stream >= 0 && setjmp(again) == 0) {
        escape = &again;
        plsstrm(fig->stream);
        plsError(NULL, NULL);
        plend1();
    }
    escape = NULL;
    fig->stream = -1;
    plsstrm(fig->previous);
}

typedef void (*stream_fn)(figure *fig, void *arg);

/*
 * Runs body on a new PLplot stream with PLplot's errors contained: plabort
 * messages land in fig->plerr / fig->plmsg instead of stderr, and a plexit
 * comes back here.  Ends the stream (plend1, which writes the file) and
 * makes the caller's stream current again in every case.  Returns 0, or -1
 * after a plexit (its message in escape_msg).  fig and whatever body writes
 * through arg must live in the caller's frame: values written after setjmp
 * into this frame would be indeterminate after the longjmp.
 */
static int run_stream(figure *fig, stream_fn body, void *arg)
{
    jmp_buf back;
    fig->stream = -1;
    fig->plerr = 0;
    fig->plmsg[0] = '\0';
    plgstrm(&fig->previous);
    if (setjmp(back) == 0) {
        escape = &back;
        plsexit(on_plexit);
        plmkstrm(&fig->stream);
        if (fig->stream >= 0) {
            plsError(&fig->plerr, fig->plmsg);
            body(fig, arg);
            plend1();
            fig->stream = -1;
        } else {
            fig->plerr = 1;
            snprintf(fig->plmsg, sizeof fig->plmsg, "no free PLplot stream");
        }
        escape = NULL;
        plsexit(NULL);
        plsstrm(fig->previous);
        one_line(fig->plmsg);
        return 0;
    }
    abandon_stream(fig);
    plsexit(NULL);
    return -1;
}

/* Whether PLplot lists device.  Asking plinit() for a missing device
 * would make PLplot prompt on stdin for another one. */
static int device_listed(const char *device)
{
    /* plgDevs fills caller-owned arrays through pointers to pointers */
    const char *menu_store[128], *name_store[128];
    const char **menu = menu_store, **names = name_store;
    int n = 128;
    plgDevs(&menu, &names, &n);
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], device) == 0)
            return 1;
    return 0;
}

static void probe_devices(figure *fig, void *arg)
{
    (void) fig;
    *(int *) arg = device_listed("pngcairo") && device_listed("svgcairo") &&
                   device_listed("pdfcairo");
}

int bp_plot_available(void)
{
    figure fig;
    int available = 0;
    memset(&fig, 0, sizeof fig);
    if (run_stream(&fig, probe_devices, &available) != 0)
        return 0;
    return available;
}

/* Draws a figure's page; ctx is the figure's own data (curves use scratch
 * buffers in it, so it is not const). */
typedef void (*draw_fn)(const figure *fig, void *ctx);

/* One page drawn by draw into fp. */
typedef struct {
    const format *fmt;
    FILE *fp;
    draw_fn draw;
    void *ctx;
    int device_missing;
} page_job;

static void draw_page(figure *fig, void *arg)
{
    page_job *job = arg;
    if (!device_listed(job->fmt->device)) {
        job->device_missing = 1;
        return;
    }
    plsdev(job->fmt->device);
    plsfnam("-");
    plsfile(job->fp);
    plspage(0.0, 0.0, (PLINT) lround(fig->w * fig->unit),
            (PLINT) lround(fig->h * fig->unit), 0, 0);
    set_palette();
    plinit();
    pladv(0);
    job->draw(fig, job->ctx);
}

/* The common frame of every figure: format, temporary file, a stream of
 * its own, rename. */
static bp_status render(const char *path, double w, double h, draw_fn draw,
                        void *ctx, bp_error *err)
{
    const format *fmt = format_for(path);
    if (fmt == NULL)
        return fail(err, BP_EINVAL,
                    "cannot write figure '%s': unknown extension "
                    "(use .png, .svg or .pdf)", path);
    bp_atomic_file out;
    bp_status st = bp_atomic_open(&out, path, err);
    if (st != BP_OK)
        return st;
    figure fig;
    memset(&fig, 0, sizeof fig);
    fig.w = w;
    fig.h = h;
    fig.unit = fmt->unit;
    page_job job = {fmt, out.f, draw, ctx, 0};
    if (run_stream(&fig, draw_page, &job) != 0)
        st = fail(err, BP_EIO, "PLplot failed drawing '%s': %s", path,
                  escape_msg);
    else if (job.device_missing)
        st = fail(err, BP_EINVAL,
                  "cannot write figure '%s': PLplot's %s device is not "
                  "installed (Debian package plplot-driver-cairo)%s%s",
                  path, fmt->device, fig.plerr ? ": " : "", fig.plmsg);
    else if (fig.plerr)
        st = fail(err, BP_EIO, "PLplot failed drawing '%s': %s", path,
                  fig.plmsg);
    if (st != BP_OK) {
        bp_atomic_abort(&out);
        return st;
    }
    return bp_atomic_commit(&out, err);
}

/* ================================================================ curves */

typedef struct {
    const bp_plot_series *series;
    size_t count;
    int log_y;
    char *title, *xlabel, *ylabel;
    char **labels;               /* count entries, literal text or NULL */
    double x0, x1, y0, y1;       /* window (y in log10 with log_y)      */
    double bucket;               /* decimation step in x: half a pixel  */
    double *bx, *by;             /* scratch, 2 * max n each             */
} curves_ctx;

/* The value drawn for y (log10 on a log axis); NaN when not drawable. */
static double curve_y(double y, int log_y)
{
    if (!isfinite(y))
        return NAN;
    if (log_y)
        return y > 0 ? log10(y) : NAN;
    return y;
}

static int curve_point_ok(const bp_plot_series *s, size_t i, int log_y)
{
    return isfinite(s->x[i]) && isfinite(curve_y(s->y[i], log_y));
}

static int band_point_ok(const bp_plot_series *s, size_t i, int log_y)
{
    return isfinite(s->x[i]) && isfinite(curve_y(s->lo[i], log_y)) &&
           isfinite(curve_y(s->hi[i], log_y));
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
        c->by[m] = curve_y(s->y[keep[k]], c->log_y);
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
    for (; *i < s->n && curve_point_ok(s, *i, c->log_y); (*i)++) {
        size_t j = *i;
        long key = bucket_of(c, s->x[j]);
        if (key != b.key) {
            if (b.key != LONG_MIN)
                m = bucket_flush(c, s, &b, m);
            b.key = key;
            b.first = b.low = b.high = b.last = j;
            continue;
        }
        double y = curve_y(s->y[j], c->log_y);
        if (y < curve_y(s->y[b.low], c->log_y))
            b.low = j;
        if (y > curve_y(s->y[b.high], c->log_y))
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
    const unsigned char *rgb = TAB10[colour % 10];
    plscol0a(C_BAND, rgb[0], rgb[1], rgb[2], 0.2);
    plcol0(C_BAND);
    width_px(fig, 1.0);   /* the cairo driver strokes fills: a faint edge */
    size_t i = 0;
    while (i < s->n) {
        if (!band_point_ok(s, i, c->log_y)) {
            i++;
            continue;
        }
        /* upper edge forward into bx/by[0..m), lower edge after it */
        size_t m = 0, start = i;
        long key = LONG_MIN;
        for (; i < s->n && band_point_ok(s, i, c->log_y); i++) {
            double hi = curve_y(s->hi[i], c->log_y);
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
            double lo = curve_y(s->lo[j], c->log_y);
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
    width_px(fig, 2.5);
    size_t i = 0;
    while (i < s->n) {
        if (!curve_point_ok(s, i, c->log_y)) {
            i++;
            continue;
        }
        size_t m = curve_run(c, s, &i);
        if (m == 1) {
            /* a lone point would be invisible as a line */
            draw_disc(fig, c->bx[0], c->by[0], 3.0, C_SERIES + colour % 10,
                      C_SERIES, 0.0);
        } else {
            plline((PLINT) m, c->bx, c->by);
        }
    }
}

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
    if (!band_point_ok(s, lo, c->log_y) || !band_point_ok(s, hi, c->log_y))
        return 0;
    double t = s->x[hi] > s->x[lo] ? (wx - s->x[lo]) / (s->x[hi] - s->x[lo])
                                   : 0.0;
    double l0 = curve_y(s->lo[lo], c->log_y);
    double l1 = curve_y(s->lo[hi], c->log_y);
    double h0 = curve_y(s->hi[lo], c->log_y);
    double h1 = curve_y(s->hi[hi], c->log_y);
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
            if (!curve_point_ok(s, i, c->log_y)) {
                px = NAN;
                continue;
            }
            double fx = (s->x[i] - c->x0) / (c->x1 - c->x0);
            double fy = (curve_y(s->y[i], c->log_y) - c->y0) / (c->y1 - c->y0);
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
static void draw_legend(const figure *fig, const curves_ctx *c)
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
        longest = fmax(longest, text_em(c->labels[k]));
        n++;
    }
    if (n == 0)
        return;

    double vl, vr, vb, vt;
    viewport_get_px(fig, &vl, &vr, &vb, &vt);
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
    font_px(fig, FONT_KEY);
    width_px(fig, 1.0);
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, position,
             dx, dy,
             line_px / vw, C_LEGEND_BG, C_FRAME, 1, n, 1, n, opt, 0.8, 1.0,
             2.0, 0.0, tcol, text, NULL, NULL, NULL, NULL, lcol, lsty, lwid,
             NULL, NULL, NULL, NULL);
}

static void draw_curves(const figure *fig, void *ctx)
{
    curves_ctx *c = ctx;
    axis ax, ay;
    axis_linear(&ax, c->x0, c->x1, 6);
    if (c->log_y)
        axis_log(&ay, c->y0, c->y1);
    else
        axis_linear(&ay, c->y0, c->y1, 6);
    margins m = axis_margins(&ax, &ay, c->xlabel, c->ylabel, c->title);

    viewport_px(fig, m.left, fig->w - m.right, m.bottom, fig->h - m.top);
    plwind(c->x0, c->x1, c->y0, c->y1);
    double wx, wy;
    world_per_px(fig, &wx, &wy);
    c->bucket = 0.5 * wx;
    draw_grid(fig, &ax, &ay);
    for (size_t k = 0; k < c->count; k++)
        if (c->series[k].lo != NULL)
            draw_band(fig, c, &c->series[k], (int) (k % 10));
    for (size_t k = 0; k < c->count; k++)
        draw_curve(fig, c, &c->series[k], (int) (k % 10));
    draw_axes(fig, &ax, &ay, &m);
    draw_labels(fig, &m, c->title, c->xlabel, c->ylabel);
    draw_legend(fig, c);
}

/* Range of the drawable values of all series; 0 when there are none. */
static int curves_range(curves_ctx *c)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t k = 0; k < c->count; k++) {
        const bp_plot_series *s = &c->series[k];
        for (size_t i = 0; i < s->n; i++) {
            if (curve_point_ok(s, i, c->log_y)) {
                double y = curve_y(s->y[i], c->log_y);
                x0 = fmin(x0, s->x[i]);
                x1 = fmax(x1, s->x[i]);
                y0 = fmin(y0, y);
                y1 = fmax(y1, y);
            }
            if (s->lo != NULL && band_point_ok(s, i, c->log_y)) {
                y0 = fmin(y0, curve_y(s->lo[i], c->log_y));
                y1 = fmax(y1, curve_y(s->hi[i], c->log_y));
            }
        }
    }
    if (!(x0 <= x1) || !(y0 <= y1))
        return 0;
    pad_range(&x0, &x1, 0.02);
    pad_range(&y0, &y1, 0.05);
    c->x0 = x0;
    c->x1 = x1;
    c->y0 = y0;
    c->y1 = y1;
    return 1;
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
            return fail(err, BP_EINVAL,
                        "plot series %zu: x and y must not be NULL", k);
        if ((s->lo == NULL) != (s->hi == NULL))
            return fail(err, BP_EINVAL,
                        "plot series %zu: give both lo and hi, or neither", k);
        if (s->n > *max_n)
            *max_n = s->n;
    }
    if (*max_n > ((size_t) INT_MAX) / 2)
        return fail(err, BP_EINVAL, "plot series too long for PLplot");
    return BP_OK;
}

bp_status bp_plot_curves(const char *path, const char *title,
                         const char *xlabel, const char *ylabel,
                         const bp_plot_series *series, size_t count,
                         int log_y, bp_error *err)
{
    if (path == NULL || series == NULL || count == 0)
        return fail(err, BP_EINVAL,
                    "bp_plot_curves: path and at least one series required");
    size_t max_n;
    bp_status st = check_series(series, count, &max_n, err);
    if (st != BP_OK)
        return st;

    curves_ctx c;
    memset(&c, 0, sizeof c);
    c.series = series;
    c.count = count;
    c.log_y = log_y != 0;
    if (!curves_range(&c))
        return fail(err, BP_EINVAL, "cannot plot '%s': no finite point%s",
                    path, log_y ? " (with y > 0 for the log axis)" : "");

    int oom = 0;
    c.title = literal_text(title, &oom);
    c.xlabel = literal_text(xlabel, &oom);
    c.ylabel = literal_text(ylabel, &oom);
    c.labels = calloc(count, sizeof *c.labels);
    c.bx = malloc(2 * max_n * sizeof *c.bx);
    c.by = malloc(2 * max_n * sizeof *c.by);
    oom |= c.labels == NULL || c.bx == NULL || c.by == NULL;
    for (size_t k = 0; !oom && k < count; k++)
        c.labels[k] = literal_text(series[k].label, &oom);
    if (oom) {
        curves_free(&c);
        return fail(err, BP_ENOMEM, "out of memory plotting '%s'", path);
    }
    st = render(path, BP_PLOT_WIDTH, BP_PLOT_HEIGHT, draw_curves, &c, err);
    curves_free(&c);
    return st;
}

/* ====================================================== scatter figures */

/* Axis labels of the input plane: x with subscripts 1 and 2. */
#define X1 "x#d1#u"
#define X2 "x#d2#u"

typedef struct {
    const double *x;        /* n x 2 */
    const int *truth, *pred;
    size_t n, errors;
    double x0, x1, y0, y1;  /* window */
} scatter_ctx;

/* Checks labels, counts finite points and sets the window: the data range
 * plus 5% of the larger span on every side, so both axes get the same
 * margin (the figures use equal scales). */
static bp_status scatter_setup(scatter_ctx *s, const char *path, bp_error *err)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    s->errors = 0;
    for (size_t i = 0; i < s->n; i++) {
        if ((s->truth[i] != 0 && s->truth[i] != 1) ||
            (s->pred != NULL && s->pred[i] != 0 && s->pred[i] != 1))
            return fail(err, BP_EINVAL,
                        "cannot plot '%s': point %zu has a class other than "
                        "0 or 1", path, i);
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
        return fail(err, BP_EINVAL, "cannot plot '%s': no finite point", path);
    double span = fmax(x1 - x0, y1 - y0);
    if (!(span > 0))
        span = fmax(fabs(x0), fabs(y0)) > 0 ? fmax(fabs(x0), fabs(y0)) : 1.0;
    /* a flat axis gets the other's span so that the panel is not a line */
    if (!(x1 - x0 > 0)) {
        x0 -= 0.5 * span;
        x1 += 0.5 * span;
    }
    if (!(y1 - y0 > 0)) {
        y0 -= 0.5 * span;
        y1 += 0.5 * span;
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
static void draw_points(const figure *fig, const scatter_ctx *s,
                        const int *label, int rings, int dark_edges)
{
    double r = marker_radius(s->n);
    for (size_t i = 0; i < s->n; i++) {
        double a = s->x[2 * i], b = s->x[2 * i + 1];
        if (isfinite(a) && isfinite(b))
            draw_disc(fig, a, b, r, class_colour(label[i]),
                      dark_edges ? C_INK : C_WHITE, dark_edges ? 1.0 : 0.8);
    }
    if (!rings)
        return;
    /* rings in proportion to the markers, so that crowded plots are not
     * buried under black */
    double gap = fmax(2.0, 0.6 * r), line = fmin(fmax(0.35 * r, 1.2), 2.5);
    for (size_t i = 0; i < s->n; i++) {
        double a = s->x[2 * i], b = s->x[2 * i + 1];
        if (isfinite(a) && isfinite(b) && s->pred[i] != s->truth[i])
            draw_ring(fig, a, b, r + gap, C_BLACK, line);
    }
}

/* Final tick labels for an equal-scale panel once its viewport is known:
 * about one per 110 px (3 to 6), so that a flat panel of wide data does
 * not stack its labels; the margins' distances follow. */
static void fit_axes(const figure *fig, const scatter_ctx *s, axis *ax,
                     axis *ay, margins *m, const char *title)
{
    double l, r, b, t;
    viewport_get_px(fig, &l, &r, &b, &t);
    axis_linear(ax, s->x0, s->x1, fmin(fmax((r - l) / 110, 3), 6));
    axis_linear(ay, s->y0, s->y1, fmin(fmax((t - b) / 110, 3), 6));
    *m = axis_margins(ax, ay, X1, X2, title);
}

/* One scatter panel inside the box [left, right] x [bottom, top] (reference
 * pixels), equal scales. */
static void draw_scatter_panel(const figure *fig, const scatter_ctx *s,
                               double left, double right, double bottom,
                               double top, const char *title,
                               const int *label, int rings)
{
    axis ax, ay;
    margins m;
    equal_viewport_px(fig, left, right, bottom, top, s->x1 - s->x0,
                      s->y1 - s->y0);
    plwind(s->x0, s->x1, s->y0, s->y1);
    fit_axes(fig, s, &ax, &ay, &m, title);
    draw_grid(fig, &ax, &ay);
    draw_points(fig, s, label, rings, 0);
    draw_axes(fig, &ax, &ay, &m);
    draw_labels(fig, &m, title, X1, X2);
}

static void draw_comparison(const figure *fig, void *ctx)
{
    const scatter_ctx *s = ctx;
    axis ax, ay;        /* provisional, to place the panels */
    axis_linear(&ax, s->x0, s->x1, 5);
    axis_linear(&ay, s->y0, s->y1, 5);
    margins m = axis_margins(&ax, &ay, X1, X2, "Predict result");
    /* the key sits on the bottom page margin, 20 px under the x labels */
    const double key_y = PAGE_PAD + 0.5 * FONT_KEY, half = 0.5 * fig->w;
    const double bottom = PAGE_PAD + FONT_KEY + 20.0 + m.bottom;
    const double top = fig->h - m.top;
    draw_scatter_panel(fig, s, m.left, half - m.right, bottom, top,
                       "Ground truth", s->truth, 0);
    draw_scatter_panel(fig, s, half + m.left, fig->w - m.right, bottom, top,
                       "Predict result", s->pred, 1);

    char missed[64];
    snprintf(missed, sizeof missed, "misclassified: %zu of %zu", s->errors,
             s->n);
    const key_item key[3] = {
        {KEY_DISC, C_CLASS0, "class 0", 0.8, C_WHITE},
        {KEY_DISC, C_CLASS1, "class 1", 0.8, C_WHITE},
        {KEY_RING, C_BLACK, missed, 0.0, C_BLACK},
    };
    page_coordinates(fig);
    draw_key_row(fig, key, 3, half, key_y);
}

bp_status bp_plot_comparison(const char *path, const double *x,
                             const int *truth, const int *pred, size_t n,
                             bp_error *err)
{
    if (path == NULL || x == NULL || truth == NULL || pred == NULL || n == 0)
        return fail(err, BP_EINVAL,
                    "bp_plot_comparison: path, x, truth, pred and n > 0 "
                    "required");
    scatter_ctx s = {x, truth, pred, n, 0, 0, 0, 0, 0};
    bp_status st = scatter_setup(&s, path, err);
    if (st != BP_OK)
        return st;
    return render(path, BP_PLOT_COMPARISON_WIDTH, BP_PLOT_COMPARISON_HEIGHT,
                  draw_comparison, &s, err);
}

/* ========================================================= decision map */

/*
 * The map is a filled contour plot drawn the way matplotlib's contourf
 * does: BANDS colour bands bounded by contour lines, each band one polygon
 * per connected piece.  (plshades would do it cell by cell: some 40000
 * polygons, a 20-40 MB SVG.)
 *
 * p is sampled on GRID x GRID points and surrounded by a ring of -1, below
 * every level, so that every contour line closes into a loop; the ring lies
 * on the window's edge, so loops run along the frame where a band meets it.
 * Loops are traced by marching squares with the region p >= level kept on
 * the left, which makes loops around such regions counter-clockwise and
 * loops around holes clockwise.  Painting every loop of every level largest
 * first, each with the colour of the band just inside it, is then exact:
 * loops never cross, and a loop inside another is smaller.
 */
enum { GRID = 201, PG = GRID + 2, BANDS = 64 };

/* Lattice edges of the padded grid: horizontal (a,b)-(a+1,b) get ids
 * a*PG + b, vertical (a,b)-(a,b+1) get H_EDGES + a*(PG-1) + b. */
enum { H_EDGES = (PG - 1) * PG, EDGES = 2 * (PG - 1) * PG };

typedef struct {
    size_t start, n;         /* n points from start, then the first again */
    double area;             /* signed, world units                      */
    int level;               /* index of the level traced                */
    double colour;           /* cmap1 position of the band inside        */
} loop;

typedef struct {
    double *x, *y;           /* points of all loops, one after another  */
    size_t points, cap;
    loop *loops;
    size_t count, loop_cap;
} shape_set;

typedef struct {
    scatter_ctx pts;
    char *title;
    double *pp;              /* PG x PG, pp[a * PG + b], ring of -1      */
    shape_set fill;          /* band loops, largest first                */
    shape_set half;          /* p = 0.5 loops                            */
} decision_ctx;

/* World coordinates of padded grid point (a, b), fractional allowed; the
 * ring maps onto the window's edge. */
static void grid_point(const scatter_ctx *s, double a, double b, double *x,
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
    grid_point(&d->pts, a0 + t * (a1 - a0), b0 + t * (b1 - b0), x, y);
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

static void shape_free(shape_set *s)
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
static int decision_trace(decision_ctx *d)
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

static void draw_bands(const figure *fig, const decision_ctx *d)
{
    /* the cairo driver strokes every fill with the current width; a thin
     * stroke in the band's own colour is harmless and hides nothing */
    width_px(fig, 0.5);
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
static void half_rotate(decision_ctx *d)
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
static void draw_half_contour(const figure *fig, const decision_ctx *d)
{
    plcol0(C_BLACK);
    width_px(fig, 2.0);
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
static void draw_colour_bar(const figure *fig, double left, double right,
                            double bottom, double top)
{
    viewport_px(fig, left, right, bottom, top);
    plwind(0.0, 1.0, 0.0, 1.0);
    width_px(fig, 0.5);   /* the fills' strokes seal the seams */
    for (int k = 0; k < BANDS; k++) {
        PLFLT bx[4] = {0, 1, 1, 0};
        PLFLT by[4] = {(double) k / BANDS, (double) k / BANDS,
                       (k + 1.0) / BANDS, (k + 1.0) / BANDS};
        plcol1((double) k / (BANDS - 1));
        plfill(4, bx, by);
    }
    plcol0(C_INK);
    width_px(fig, 1.25);
    plsmaj(mm_of_px(fig, TICK_LEN), 1.0);
    plbox("bc", 0.0, 0, "bc", 0.0, 0);
    plbox("", 0.0, 0, "cit", 0.2, 0);
    font_px(fig, FONT_TICK);
    char text[8];
    for (int k = 0; k <= 5; k++) {
        snprintf(text, sizeof text, "%.1f", k / 5.0);
        mtex_px(fig, "rv", TICK_LEN + TICK_GAP, k / 5.0, 0.0, text);
    }
    double disp = disp_top_facing(TICK_LEN + TICK_GAP +
                                  text_em("0.0") * FONT_TICK + LABEL_GAP,
                                  FONT_LABEL);
    font_px(fig, FONT_LABEL);
    mtex_px(fig, "r", disp, 0.5, 0.5, "P(class 1)");
}

static void draw_decision(const figure *fig, void *ctx)
{
    const decision_ctx *d = ctx;
    const scatter_ctx *s = &d->pts;
    axis ax, ay;        /* provisional, to place the map */
    axis_linear(&ax, s->x0, s->x1, 5);
    axis_linear(&ay, s->y0, s->y1, 5);
    margins m = axis_margins(&ax, &ay, X1, X2, d->title);

    set_diverging_map();
    equal_viewport_px(fig, m.left, fig->w - 300, m.bottom, fig->h - m.top,
                      s->x1 - s->x0, s->y1 - s->y0);
    plwind(s->x0, s->x1, s->y0, s->y1);
    fit_axes(fig, s, &ax, &ay, &m, d->title);
    draw_bands(fig, d);
    draw_half_contour(fig, d);
    draw_points(fig, s, s->truth, 0, 1);
    draw_axes(fig, &ax, &ay, &m);
    draw_labels(fig, &m, d->title, X1, X2);

    /* beside the map: the colour bar from the map's top down, the key
     * under it; a flat map (wide data) still gets a readable bar, and the
     * column is moved up as far as it needs to stay on the page */
    double left, right, bottom, top;
    viewport_get_px(fig, &left, &right, &bottom, &top);
    const double bar = fmax(0.6 * (top - bottom), 300.0), gap = 50.0;
    const double key_h = 3 * 1.7 * FONT_KEY;
    double col_top = fmax(top, PAGE_PAD + bar + gap + key_h);
    col_top = fmin(col_top, fig->h - PAGE_PAD - CAP_MID * FONT_TICK);
    draw_colour_bar(fig, right + 45, right + 73, col_top - bar, col_top);
    const key_item key[3] = {
        {KEY_DISC, C_CLASS0, "class 0", 1.0, C_INK},
        {KEY_DISC, C_CLASS1, "class 1", 1.0, C_INK},
        {KEY_LINE, C_BLACK, "p = 0.5", 0.0, C_BLACK},
    };
    page_coordinates(fig);
    draw_key_column(fig, key, 3, right + 35,
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
        return fail(err, BP_ENOMEM, "out of memory plotting '%s'", path);
    }
    for (int i = 0; i < GRID; i++)
        for (int j = 0; j < GRID; j++) {
            double *q = xy + 2 * ((size_t) i * GRID + j);
            grid_point(&d->pts, i + 1, j + 1, &q[0], &q[1]);
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
    if (!decision_trace(d))
        return fail(err, BP_ENOMEM, "out of memory plotting '%s'", path);
    half_rotate(d);
    return BP_OK;
}

bp_status bp_plot_decision(const char *path, const char *title,
                           bp_plot_prob_fn f, void *ctx, const double *x,
                           const int *truth, size_t n, bp_error *err)
{
    if (path == NULL || f == NULL || x == NULL || truth == NULL || n == 0)
        return fail(err, BP_EINVAL,
                    "bp_plot_decision: path, f, x, truth and n > 0 required");
    if (format_for(path) == NULL)
        return fail(err, BP_EINVAL,
                    "cannot write figure '%s': unknown extension "
                    "(use .png, .svg or .pdf)", path);
    decision_ctx d;
    memset(&d, 0, sizeof d);
    d.pts.x = x;
    d.pts.truth = truth;
    d.pts.n = n;
    bp_status st = scatter_setup(&d.pts, path, err);
    if (st != BP_OK)
        return st;
    int oom = 0;
    d.title = literal_text(title, &oom);
    if (oom)
        return fail(err, BP_ENOMEM, "out of memory plotting '%s'", path);
    st = decision_grid(&d, f, ctx, path, err);
    if (st == BP_OK)
        st = render(path, BP_PLOT_WIDTH, BP_PLOT_HEIGHT, draw_decision, &d,
                    err);
    shape_free(&d.fill);
    shape_free(&d.half);
    free(d.pp);
    free(d.title);
    return st;
}
