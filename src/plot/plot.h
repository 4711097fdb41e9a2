/*
 * plot.h - figures for reports: learning curves, the seed report's
 * ground-truth / prediction comparison and a decision map.
 *
 * Two implementations share this interface:
 *   - plot.c and the other plot_*.c files (plot_internal.h lists them)
 *                  draw with PLplot's cairo devices (the only files that
 *                  include plplot.h), built when BP_HAVE_PLPLOT is defined;
 *   - plot_stub.c  used when PLplot is missing: bp_plot_available() is 0 and
 *                  every drawing function fails with BP_EINVAL and the
 *                  message "plotting is unavailable: backprop was built
 *                  without PLplot".
 *
 * Conventions shared by every drawing function:
 *   - The extension of path picks the format, case-insensitively: ".png"
 *     (anti-aliased bitmap, white background), ".svg" or ".pdf" (vector, the
 *     same layout on a page half as many points wide as the PNG has pixels).
 *     Any other extension is BP_EINVAL and nothing is created.
 *   - The figure is drawn into a temporary file beside path
 *     ("path.tmp.<pid>.<n>", created with the caller's umask), flushed,
 *     fsync'ed and renamed over path.  On any failure the temporary file is
 *     removed, so path is either the old file or a complete new figure.  A
 *     folder that cannot be written is BP_EIO, naming the path and the
 *     system's reason.  As for model files, a path naming anything but a
 *     regular file (a folder, a device) is BP_EIO, and a symbolic link is
 *     written through (the link stays, the file it names is replaced).
 *   - Nothing is printed and nothing exits: PLplot's errors are caught (see
 *     plot.c) and returned as BP_EIO with PLplot's message.  A program that
 *     uses PLplot itself should know that each call installs, then removes,
 *     PLplot's exit handler (plsexit) and restores its current stream.
 *   - PLplot's cairo devices missing at run time (Debian package
 *     plplot-driver-cairo) is BP_EINVAL with a message that says so.
 *   - Text arguments (titles, labels) are shown literally; PLplot's '#'
 *     escape sequences are not interpreted.
 *   - Non-finite values are skipped, not drawn; a figure with nothing finite
 *     left to draw is BP_EINVAL.
 *
 * Thread safety: none.  PLplot keeps its streams, its exit handler and its
 * driver table in process-wide variables, so callers must serialise every
 * call into this module (one figure at a time per process).  Figures can be
 * drawn one after another without limit: each uses its own PLplot stream and
 * ends it.
 */
#ifndef BP_PLOT_H
#define BP_PLOT_H

#include <stddef.h>

#include "backprop.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default sizes of the PNG figures in pixels. */
#define BP_PLOT_WIDTH             1200
#define BP_PLOT_HEIGHT             900
#define BP_PLOT_COMPARISON_WIDTH  1600
#define BP_PLOT_COMPARISON_HEIGHT  800

/*
 * 1 when figures can be drawn: the module was built with PLplot and PLplot's
 * cairo devices (Debian package plplot-driver-cairo) are installed; 0
 * otherwise.  Never fails, never prints.
 */
int bp_plot_available(void);

/* One curve: n points (x[i], y[i]). */
typedef struct {
    const double *x, *y;   /* n points of one curve                        */
    size_t n;
    const char *label;     /* legend text, NULL = no legend entry          */
    const double *lo, *hi; /* optional min/max band around y, n values each
                              (both NULL = no band; one alone is BP_EINVAL) */
} bp_plot_series;

/*
 * Overlaid curves, e.g. learning curves (x = epoch, y = loss), 1200 x 900.
 *
 * Series i gets colour i of matplotlib's "tab10" palette (cycling after
 * 10), a line 2.5 px wide and, when it has lo/hi, a translucent band of the
 * same colour.  A legend lists the series that have a label; like
 * matplotlib's loc="best" it goes where it hides the least of the curves
 * and bands (a corner if one is free).  With log_y the y axis is
 * logarithmic and points with y <= 0 (or a band bound <= 0) are skipped
 * like non-finite ones.  A curve is broken, not joined, across skipped
 * points.  Long curves are drawn from their extremes per half pixel, so a
 * million points cost no more than a few thousand.  title, xlabel and
 * ylabel may be NULL (nothing drawn).
 *
 * Errors: BP_EINVAL for a NULL path or series, count == 0, a series with
 * NULL x or y, only one of lo/hi, or no drawable point in any series; BP_EIO
 * when the file cannot be written.
 *
 *   bp_plot_series s = { epochs, loss, n, "train", NULL, NULL };
 *   bp_plot_curves("loss.png", "Learning curve", "epoch", "loss",
 *                  &s, 1, 1, &err);
 */
bp_status bp_plot_curves(const char *path, const char *title,
                         const char *xlabel, const char *ylabel,
                         const bp_plot_series *series, size_t count,
                         int log_y, bp_error *err);

/*
 * What the 2-D figures say about file data.  A NULL pointer, or any NULL
 * field, keeps the seed's figures: classes named "class 0" and "class 1",
 * axes labelled x1 and x2, the coordinates drawn as given.
 *   - class_names: the legend's names of classes 0 and 1 (the file's
 *     labels), also in the decision map's "P(name)" colour bar;
 *   - axis_names: the x and y axis labels (the file's feature names);
 *   - mean, std: 2 values each, the standardisation the points went
 *     through: they are drawn at mean + std * x, in the data's original
 *     units (std must be finite and non-zero).
 * Names are shown literally, like titles.
 */
typedef struct {
    const char *class_names[2];
    const char *axis_names[2];
    const double *mean, *std;
} bp_plot_labels;

/*
 * The seed report's comparison figure, 1600 x 800: two panels side by side
 * titled "Ground truth" and "Predict result".  x is n x 2 (row-major),
 * truth and pred are class labels 0 or 1: class 0 is drawn red, class 1
 * blue, over the data range plus, on each side, 5% of its span (with
 * equal axis scales, square panels for data in a square, when the two
 * spans are within a factor 3 of each other; else each axis fills its
 * panel).  labels names the classes and axes (NULL: see bp_plot_labels).
 * In the prediction panel every point whose pred differs from truth gets a
 * black ring; a key under the panels names the classes and counts the
 * misclassified points.  Points with a non-finite coordinate are skipped.
 *
 * Errors: BP_EINVAL for NULL pointers, n == 0, a label other than 0 or 1,
 * no finite point, or coordinates beyond 1e300 in magnitude; BP_ENOMEM;
 * BP_EIO when the file cannot be written.
 */
bp_status bp_plot_comparison(const char *path, const double *x,
                             const int *truth, const int *pred, size_t n,
                             const bp_plot_labels *labels, bp_error *err);

/*
 * Evaluates the predicted probability of class 1 at m points: xy is m x 2
 * (row-major, in the units of bp_plot_decision's x: standardised when
 * labels has a mean and std), p receives m values in [0, 1] (values
 * outside are clamped, NaN is drawn as 0.5).  Returns BP_OK or an error
 * that bp_plot_decision passes on unchanged (the callback fills err).
 */
typedef bp_status (*bp_plot_prob_fn)(void *ctx, const double *xy, size_t m,
                                     double *p, bp_error *err);

/*
 * Decision map, 1200 x 900: f evaluated on a 201 x 201 grid over the data
 * range plus, on each side, a margin of 5% of the larger of the two spans,
 * shaded in 64 bands of a diverging red (p = 0) - white (0.5) - blue (1)
 * colour map (ColorBrewer RdBu, lightened so that the points stand out),
 * with a colour bar labelled "P(class 1)", the p = 0.5 contour as a black
 * line and the data points on top (class 0 red, class 1 blue, dark edges),
 * axis scales as bp_plot_comparison's, and a key.  f is called once, with
 * all 40401 grid points, before any file is created.  title and labels
 * may be NULL (see bp_plot_labels).
 *
 * Errors: BP_EINVAL for NULL path, f, x or truth, n == 0, a label other
 * than 0 or 1, no finite point, or coordinates beyond 1e300 in magnitude;
 * whatever f returns; BP_ENOMEM; BP_EIO.
 */
bp_status bp_plot_decision(const char *path, const char *title,
                           bp_plot_prob_fn f, void *ctx, const double *x,
                           const int *truth, size_t n,
                           const bp_plot_labels *labels, bp_error *err);

/* Colour maps of bp_plot_images. */
typedef enum {
    BP_PLOT_CMAP_GREY,           /* lo black, hi white                    */
    BP_PLOT_CMAP_GREY_INVERTED,  /* lo white, hi black (ink on paper)     */
    BP_PLOT_CMAP_DIVERGING       /* lo blue, middle white, hi red
                                    (ColorBrewer RdBu reversed): give a
                                    range symmetric around 0 to see signs */
} bp_plot_cmap;

/* One image of bp_plot_images: h x w values, row-major, row 0 at the top. */
typedef struct {
    const double *pixels;
    const char *title;     /* above the image: one line, or two separated
                              by a newline; NULL = none                  */
    double lo, hi;         /* the values at the colour map's two ends (lo
                              < hi, finite); values outside are clamped   */
} bp_plot_image;

#define BP_PLOT_IMAGE_MAX_SIDE  256
#define BP_PLOT_IMAGE_MAX_COUNT 1024

/*
 * A grid of small images with titles, e.g. a network's learned filters or
 * misclassified samples: count images of h x w pixels, `cols` to a row
 * (fewer when count is smaller), on a page 1200 pixels wide whose height
 * follows from the rows.  Each image is drawn as square pixels filled from
 * the colour map over its own [lo, hi], with a thin grey frame; a pixel
 * that is not finite is left blank.  Cells are at most 300 pixels wide; a
 * title too wide for its cell is drawn in a smaller font (all titles
 * alike).  title (above the grid) and note (one line under it, e.g. what
 * the colours mean) may be NULL.
 *
 * Errors: BP_EINVAL for a NULL path or images, count 0 or above
 * BP_PLOT_IMAGE_MAX_COUNT, h or w 0 or above BP_PLOT_IMAGE_MAX_SIDE, cols
 * 0 or above 32, an unknown cmap, an image without pixels or whose range
 * is not finite and increasing, a title of more than two lines, or an
 * unknown extension; BP_ENOMEM; BP_EIO when the file cannot be written.
 */
bp_status bp_plot_images(const char *path, const char *title,
                         const char *note, const bp_plot_image *images,
                         size_t count, size_t h, size_t w, size_t cols,
                         bp_plot_cmap cmap, bp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* BP_PLOT_H */
