/*
 * plot_internal.h - what the files of the figures module share (internal;
 * the interface is plot.h).  Built only with PLplot.
 *
 *   plot.c             PLplot streams and their errors, formats, pages,
 *                      text, the atomic output of every figure (render)
 *   plot_axes.c        axes and ticks
 *   plot_legend.c      markers, keys and the curves' legend
 *   plot_map.c         shaded maps: filled contours and the colour bar
 *   plot_scatter.c     the 2-D scatter panels of the two figures below
 *   plot_curves.c      bp_plot_curves
 *   plot_comparison.c  bp_plot_comparison
 *   plot_decision.c    bp_plot_decision
 *
 * Sizes are in "reference pixels" of the PNG (see plot.c).
 */
#ifndef BP_PLOT_INTERNAL_H
#define BP_PLOT_INTERNAL_H

#include <stddef.h>

#include <plplot.h>

#include "core/error.h"
#include "plot/plot.h"

/* cmap0 slots.  Colour values are matplotlib's defaults where it has one:
 * "tab10" for curves, tab:red / tab:blue for the classes, its legend frame
 * grey (0.8) and a near-black for axes and text. */
enum {
    C_BACKGROUND = 0, C_INK, C_GRID, C_FRAME, C_LEGEND_BG, C_WHITE, C_BLACK,
    C_CLASS0, C_CLASS1, C_BAND, C_SERIES, C_COUNT = C_SERIES + 10
};

/* matplotlib's "tab10", the colours of the curves (plot.c) */
extern const unsigned char plot_tab10[10][3];

typedef struct {
    const char *ext;
    const char *device;
    double unit;          /* page points per reference pixel */
} format;

typedef struct {
    double w, h;            /* page size in reference pixels              */
    double unit;            /* page points per reference pixel           */
    PLINT stream;           /* our PLplot stream, -1 when none            */
    PLINT previous;         /* the caller's current stream               */
    PLINT plerr;            /* set by plabort() through plsError()        */
    char plmsg[1024];       /* plabort()'s message                        */
} figure;

/* What an axis can show.  PLplot maps the window onto the page with
 * differences and quotients of its bounds, and the ticks need distinct
 * values: data beyond PLOT_MAX_VALUE in magnitude is refused, and a window
 * narrower than PLOT_MIN_SPAN, or than PLOT_MIN_RELATIVE of its values, is
 * widened (plot_pad_range). */
#define PLOT_MAX_VALUE    1e300
#define PLOT_MIN_SPAN     1e-290
#define PLOT_MIN_RELATIVE 1e-9

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

/* Draws a figure's page; ctx is the figure's own data (curves use scratch
 * buffers in it, so it is not const). */
typedef void (*draw_fn)(const figure *fig, void *ctx);

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

/* Distances of the axis furniture from the frame (plmtex disp, reference
 * pixels), and the margins that keep it on the page. */
typedef struct {
    double x_tick_disp, x_label_disp;   /* below the frame              */
    double y_tick_disp, y_label_disp;   /* left of the frame            */
    double title_disp;                  /* above the frame              */
    double left, right, bottom, top;    /* margins                      */
} margins;

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

/* Axis labels of the input plane: x with subscripts 1 and 2. */
#define X1 "x#d1#u"
#define X2 "x#d2#u"

typedef struct {
    const double *x;        /* n x 2, as drawn (original units)          */
    const int *truth, *pred;
    size_t n, errors;
    double x0, x1, y0, y1;  /* window */
    int equal;              /* equal axis scales                          */
    double *own;            /* x in original units, when standardised     */
    const double *mean, *std;  /* the standardisation, or NULL            */
    char *class_text[2];    /* key names of the classes (PLplot text)     */
    char *axis_text[2];     /* axis labels (PLplot text)                  */
    char *bar_text;         /* the colour bar's "P(class 1)"              */
} scatter_ctx;

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


/* ---- plot.c: figures, PLplot streams, pages and text */
const format *plot_format_for(const char *path);
char *plot_literal_text(const char *s, int *oom);
double plot_mm_of_px(const figure *fig, double px);
void plot_font_px(const figure *fig, double px);
void plot_mtex_px(const figure *fig, const char *side, double disp_px,
                  double pos, double just, const char *text);
void plot_width_px(const figure *fig, double px);
void plot_viewport_px(const figure *fig, double left, double right,
                      double bottom, double top);
void plot_equal_viewport_px(const figure *fig, double left, double right,
                            double bottom, double top, double dx, double dy);
void plot_page_coordinates(const figure *fig);
void plot_viewport_get_px(const figure *fig, double *left, double *right,
                          double *bottom, double *top);
void plot_world_per_px(const figure *fig, double *wx, double *wy);
/* Whether [lo, hi] is finite, ordered and within PLOT_MAX_VALUE: a range
 * a figure can show once plot_pad_range has widened it. */
int plot_range_ok(double lo, double hi);
void plot_pad_range(double *lo, double *hi, double frac);
double plot_text_em(const char *s);
bp_status plot_render(const char *path, double w, double h, draw_fn draw,
                      void *ctx, bp_error *err);

/* ---- plot_axes.c: axes, ticks and their labels */
void plot_axis_linear(axis *a, double lo, double hi, double target);
void plot_axis_log(axis *a, double lo10, double hi10);
double plot_disp_top_facing(double d, double em);
margins plot_axis_margins(const axis *ax, const axis *ay,
                          const char *xlabel, const char *ylabel,
                          const char *title);
void plot_draw_grid(const figure *fig, const axis *ax, const axis *ay);
void plot_draw_axes(const figure *fig, const axis *ax, const axis *ay,
                    const margins *m);
void plot_draw_labels(const figure *fig, const margins *m,
                      const char *title, const char *xlabel,
                      const char *ylabel);

/* ---- plot_legend.c: markers, keys and the curves' legend */
void plot_draw_disc(const figure *fig, double x, double y, double r_px,
                    int fill, int edge, double edge_px);
void plot_draw_ring(const figure *fig, double x, double y, double r_px,
                    int colour, double line_px);
double plot_marker_radius(size_t n);
void plot_draw_key_row(const figure *fig, const key_item *items, int n,
                       double cx, double y);
void plot_draw_key_column(const figure *fig, const key_item *items, int n,
                          double x, double y_top);
void plot_draw_legend(const figure *fig, const curves_ctx *c);

/* ---- plot_curves.c: what the curves' legend needs */
double plot_curve_y(double y, int log_y);
int plot_curve_point_ok(const bp_plot_series *s, size_t i, int log_y);
int plot_band_point_ok(const bp_plot_series *s, size_t i, int log_y);

/* ---- plot_scatter.c: the scatter panels of the 2-D figures */
bp_status plot_scatter_setup(scatter_ctx *s, const bp_plot_labels *labels,
                             const char *path, bp_error *err);
void plot_scatter_free(scatter_ctx *s);
void plot_scatter_viewport(const figure *fig, const scatter_ctx *s,
                           double left, double right, double bottom,
                           double top);
void plot_draw_points(const figure *fig, const scatter_ctx *s,
                      const int *label, int rings, int dark_edges);
void plot_fit_axes(const figure *fig, const scatter_ctx *s, axis *ax,
                   axis *ay, margins *m, const char *title);
void plot_draw_scatter_panel(const figure *fig, const scatter_ctx *s,
                             double left, double right, double bottom,
                             double top, const char *title,
                             const int *label, int rings);

/* ---- plot_map.c: shaded maps (filled contours) and colour bars */
void plot_set_diverging_map(void);
void plot_grid_point(const scatter_ctx *s, double a, double b, double *x,
                     double *y);
void plot_shape_free(shape_set *s);
int plot_decision_trace(decision_ctx *d);
void plot_draw_bands(const figure *fig, const decision_ctx *d);
void plot_half_rotate(decision_ctx *d);
void plot_draw_half_contour(const figure *fig, const decision_ctx *d);
void plot_draw_colour_bar(const figure *fig, double left, double right,
                          double bottom, double top, const char *title);

#endif
