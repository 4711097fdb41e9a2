/*
 * plot.c - the frame of every figure of plot.h, drawn with PLplot 5.15's
 * cairo devices: streams, formats, pages, text, and the atomic output.  The
 * figures themselves and their parts are in the other plot_*.c files
 * (plot_internal.h lists them); only this module includes plplot.h.
 *
 * What PLplot does behind a library's back, and how it is contained here:
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
#include "plot/plot_internal.h"
#include "io/atomic.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const unsigned char plot_tab10[10][3] = {
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
    {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
    {188, 189, 34}, {23, 190, 207}
};

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
        plscol0a(C_SERIES + i, plot_tab10[i][0], plot_tab10[i][1],
                 plot_tab10[i][2], 1.0);
}


/* ----------------------------------------------------------------- formats */

static const format FORMATS[] = {
    {".png", "pngcairo", 1.0},
    {".svg", "svgcairo", 0.5},
    {".pdf", "pdfcairo", 0.5},
};

const format *plot_format_for(const char *path)
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
char *plot_literal_text(const char *s, int *oom)
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

double plot_mm_of_px(const figure *fig, double px)
{
    return px * fig->unit * 25.4 / 72.0;
}

/* Font size (em) in reference pixels.  The cairo driver passes PLplot's
 * character height (mm) to pango as points, and pango renders points at
 * its default 96 dpi while the page is 72 dpi: text comes out 4/3 larger
 * than asked, which is undone here. */
void plot_font_px(const figure *fig, double px)
{
    plschr(plot_mm_of_px(fig, px) * 0.75, 1.0);
}

/* plmtex with the distance from the frame in reference pixels (plmtex
 * counts in character heights, which plot_font_px scales by 3/4). */
void plot_mtex_px(const figure *fig, const char *side, double disp_px,
                  double pos, double just, const char *text)
{
    PLFLT def, ht;
    plgchr(&def, &ht);
    plmtex(side, plot_mm_of_px(fig, disp_px) / ht, pos, just, text);
}

void plot_width_px(const figure *fig, double px)
{
    plwidth(px * fig->unit);
}

/* Viewport from its edges in reference pixels, measured from the left and
 * from the bottom of the page. */
void plot_viewport_px(const figure *fig, double left, double right,
                      double bottom, double top)
{
    plvpor(left / fig->w, right / fig->w, bottom / fig->h, top / fig->h);
}

/* The largest viewport inside the given box (reference pixels) whose world
 * window of size dx x dy has equal scales on both axes, centred. */
void plot_equal_viewport_px(const figure *fig, double left, double right,
                            double bottom, double top, double dx, double dy)
{
    plvpas(left / fig->w, right / fig->w, bottom / fig->h, top / fig->h,
           dy / dx);
}

/* A viewport over the whole page whose world units are reference pixels,
 * for keys and other furniture placed by hand. */
void plot_page_coordinates(const figure *fig)
{
    plvpor(0.0, 1.0, 0.0, 1.0);
    plwind(0.0, fig->w, 0.0, fig->h);
}

/* The current viewport in reference pixels. */
void plot_viewport_get_px(const figure *fig, double *left, double *right,
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
void plot_world_per_px(const figure *fig, double *wx, double *wy)
{
    PLFLT vx0, vx1, vy0, vy1, x0, x1, y0, y1;
    plgvpd(&vx0, &vx1, &vy0, &vy1);
    plgvpw(&x0, &x1, &y0, &y1);
    *wx = (x1 - x0) / ((vx1 - vx0) * fig->w);
    *wy = (y1 - y0) / ((vy1 - vy0) * fig->h);
}

int plot_range_ok(double lo, double hi)
{
    return isfinite(lo) && isfinite(hi) && lo <= hi &&
           fmax(fabs(lo), fabs(hi)) <= PLOT_MAX_VALUE;
}

/* A data range [lo, hi] widened by frac of its span on each side.  A span
 * too narrow to label (empty, below PLOT_MIN_SPAN, or below
 * PLOT_MIN_RELATIVE of the values) becomes 20% of the value around its
 * middle, or 1 around a value too close to 0, so that the window is valid
 * and its ticks distinct. */
void plot_pad_range(double *lo, double *hi, double frac)
{
    double span = *hi - *lo;
    double mag = fmax(fabs(*lo), fabs(*hi));
    if (!(span > 0) || span < PLOT_MIN_SPAN ||
        span < PLOT_MIN_RELATIVE * mag) {
        *lo += 0.5 * span;
        *hi = *lo;
        span = 0.2 * fabs(*lo) >= PLOT_MIN_SPAN ? 0.2 * fabs(*lo) : 1.0;
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
double plot_text_em(const char *s)
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
bp_status plot_render(const char *path, double w, double h, draw_fn draw,
                      void *ctx, bp_error *err)
{
    const format *fmt = plot_format_for(path);
    if (fmt == NULL)
        return bp_fail(err, BP_EINVAL,
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
        st = bp_fail(err, BP_EIO, "PLplot failed drawing '%s': %s", path,
                     escape_msg);
    else if (job.device_missing)
        st = bp_fail(err, BP_EINVAL,
                     "cannot write figure '%s': PLplot's %s device is not "
                     "installed (Debian package plplot-driver-cairo)%s%s",
                     path, fmt->device, fig.plerr ? ": " : "", fig.plmsg);
    else if (fig.plerr)
        st = bp_fail(err, BP_EIO, "PLplot failed drawing '%s': %s", path,
                     fig.plmsg);
    if (st != BP_OK) {
        bp_atomic_abort(&out);
        return st;
    }
    return bp_atomic_commit(&out, err);
}
