/* plot_images.c - bp_plot_images: a grid of small images with titles
 * (learned filters, misclassified samples). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot/plot_internal.h"

/* Layout, in reference pixels of a page BP_PLOT_WIDTH wide. */
#define IMG_GAP      18.0    /* between cells                             */
#define IMG_FONT     24.0    /* a cell's title, largest                   */
#define IMG_FONT_MIN 12.0    /* ... smallest, for a narrow cell            */
#define IMG_NOTE     22.0    /* the note under the grid                   */
#define IMG_LINE     1.25    /* line height, em                           */

typedef struct {
    const bp_plot_image *images;
    size_t count, h, w, cols, rows;
    bp_plot_cmap cmap;
    char *title, *note;
    char **lines;            /* count * 2 title lines, literal text / NULL */
    int n_lines;             /* lines of the longest title (0 to 2)      */
    double cell_w, img_w, img_h, font, title_h, top, page_h;
} images_ctx;

static void set_map(bp_plot_cmap cmap)
{
    /* grey: black (low) to white (high); inverted: white to black;
     * diverging: ColorBrewer's RdBu reversed, blue (low), white in the
     * middle, red (high) */
    static const double pos9[9] = {0, .125, .25, .375, .5, .625, .75, .875, 1};
    static const unsigned char rdbu[9][3] = {
        {33, 102, 172}, {67, 147, 195}, {146, 197, 222}, {209, 229, 240},
        {247, 247, 247}, {253, 219, 199}, {244, 165, 130}, {214, 96, 77},
        {178, 24, 43}
    };
    plscmap1n(256);
    if (cmap == BP_PLOT_CMAP_DIVERGING) {
        double r[9], g[9], b[9];
        for (int i = 0; i < 9; i++) {
            r[i] = rdbu[i][0] / 255.0;
            g[i] = rdbu[i][1] / 255.0;
            b[i] = rdbu[i][2] / 255.0;
        }
        plscmap1l(1, 9, pos9, r, g, b, NULL);
    } else {
        double pos[2] = {0, 1}, v[2] = {0, 1};
        if (cmap == BP_PLOT_CMAP_GREY_INVERTED) {
            v[0] = 1;
            v[1] = 0;
        }
        plscmap1l(1, 2, pos, v, v, v, NULL);
    }
}

/* Image k with its top-left corner at (x, y), page coordinates. */
static void draw_image(const figure *fig, const images_ctx *c, size_t k,
                       double x, double y)
{
    const bp_plot_image *im = &c->images[k];
    double px = c->img_w / (double) c->w, py = c->img_h / (double) c->h;
    double span = im->hi - im->lo;
    /* the driver strokes fills with the line width: a thin stroke of the
     * fill's colour closes the seams between neighbouring pixels */
    plot_width_px(fig, 0.6);
    for (size_t r = 0; r < c->h; r++)
        for (size_t q = 0; q < c->w; q++) {
            double v = im->pixels[r * c->w + q];
            if (!isfinite(v))
                continue;           /* left blank */
            double t = (v - im->lo) / span;
            plcol1(t < 0 ? 0 : t > 1 ? 1 : t);
            double x0 = x + (double) q * px, y1 = y - (double) r * py;
            PLFLT bx[4] = {x0, x0 + px, x0 + px, x0};
            PLFLT by[4] = {y1, y1, y1 - py, y1 - py};
            plfill(4, bx, by);
        }
    /* a frame, so that an image whose edge is the page's colour still
     * shows where it ends */
    plcol0(C_FRAME);
    plot_width_px(fig, 1.5);
    PLFLT fx[5] = {x, x + c->img_w, x + c->img_w, x, x};
    PLFLT fy[5] = {y, y, y - c->img_h, y - c->img_h, y};
    plline(5, fx, fy);
    /* the title above, centred, one or two lines */
    plcol0(C_INK);
    plot_font_px(fig, c->font);
    for (int l = 0; l < 2; l++) {
        const char *text = c->lines[2 * k + (size_t) l];
        if (text == NULL)
            continue;
        /* plptex's reference point is the middle of the capitals */
        double base = y + 0.35 * c->font +
                      (double) (c->n_lines - 1 - l) * IMG_LINE * c->font;
        plptex(x + 0.5 * c->img_w, base + CAP_MID * c->font, 1.0, 0.0, 0.5,
               text);
    }
}

static void draw_images(const figure *fig, void *ctx)
{
    images_ctx *c = ctx;
    set_map(c->cmap);
    plot_page_coordinates(fig);
    if (c->title != NULL) {
        plcol0(C_INK);
        plot_font_px(fig, FONT_TITLE);
        plptex(0.5 * fig->w, fig->h - PAGE_PAD - CAP_MID * FONT_TITLE -
               (ASCENT - 0.73) * FONT_TITLE, 1.0, 0.0, 0.5, c->title);
    }
    double left = 0.5 * (fig->w - (double) c->cols * c->cell_w) + 0.5 * IMG_GAP;
    for (size_t k = 0; k < c->count; k++) {
        size_t row = k / c->cols, col = k % c->cols;
        double x = left + (double) col * c->cell_w;
        double y = fig->h - c->top - (double) row * (c->title_h + c->img_h +
                                                     IMG_GAP) - c->title_h;
        draw_image(fig, c, k, x, y);
    }
    if (c->note != NULL) {
        plcol0(C_INK);
        plot_font_px(fig, IMG_NOTE);
        plptex(0.5 * fig->w, PAGE_PAD + CAP_MID * IMG_NOTE + DESCENT * IMG_NOTE,
               1.0, 0.0, 0.5, c->note);
    }
}

static void images_free(images_ctx *c)
{
    free(c->title);
    free(c->note);
    if (c->lines != NULL)
        for (size_t k = 0; k < 2 * c->count; k++)
            free(c->lines[k]);
    free(c->lines);
}

/* Splits image k's title at its newline into two literal lines. */
static bp_status split_title(images_ctx *c, size_t k, bp_error *err)
{
    const char *t = c->images[k].title;
    if (t == NULL)
        return BP_OK;
    const char *nl = strchr(t, '\n');
    if (nl != NULL && strchr(nl + 1, '\n') != NULL)
        return bp_fail(err, BP_EINVAL, "bp_plot_images: image %zu: a title "
                       "has at most two lines", k);
    char first[256];
    size_t len = nl ? (size_t) (nl - t) : strlen(t);
    if (len >= sizeof first)
        len = sizeof first - 1;
    memcpy(first, t, len);
    first[len] = '\0';
    int oom = 0;
    c->lines[2 * k] = plot_literal_text(first, &oom);
    if (nl != NULL)
        c->lines[2 * k + 1] = plot_literal_text(nl + 1, &oom);
    if (oom)
        return bp_fail(err, BP_ENOMEM, "out of memory for a figure");
    int n = nl != NULL ? 2 : 1;
    if (n > c->n_lines)
        c->n_lines = n;
    return BP_OK;
}

static bp_status check_images(const bp_plot_image *images, size_t count,
                              size_t h, size_t w, size_t cols,
                              bp_plot_cmap cmap, bp_error *err)
{
    if (h == 0 || w == 0 || h > BP_PLOT_IMAGE_MAX_SIDE ||
        w > BP_PLOT_IMAGE_MAX_SIDE)
        return bp_fail(err, BP_EINVAL, "bp_plot_images: images of %zu x %zu "
                       "pixels; each side must be 1 to %d", h, w,
                       BP_PLOT_IMAGE_MAX_SIDE);
    if (count > BP_PLOT_IMAGE_MAX_COUNT)
        return bp_fail(err, BP_EINVAL, "bp_plot_images: %zu images; at most "
                       "%d", count, BP_PLOT_IMAGE_MAX_COUNT);
    if (cols == 0 || cols > 32)
        return bp_fail(err, BP_EINVAL, "bp_plot_images: %zu columns; 1 to 32",
                       cols);
    if (cmap != BP_PLOT_CMAP_GREY && cmap != BP_PLOT_CMAP_GREY_INVERTED &&
        cmap != BP_PLOT_CMAP_DIVERGING)
        return bp_fail(err, BP_EINVAL, "bp_plot_images: unknown colour map "
                       "%d", (int) cmap);
    for (size_t k = 0; k < count; k++) {
        const bp_plot_image *im = &images[k];
        if (im->pixels == NULL)
            return bp_fail(err, BP_EINVAL, "bp_plot_images: image %zu has "
                           "no pixels", k);
        if (!isfinite(im->lo) || !isfinite(im->hi) || !(im->lo < im->hi))
            return bp_fail(err, BP_EINVAL, "bp_plot_images: image %zu: the "
                           "range %g to %g is not finite and increasing", k,
                           im->lo, im->hi);
    }
    return BP_OK;
}

bp_status bp_plot_images(const char *path, const char *title,
                         const char *note, const bp_plot_image *images,
                         size_t count, size_t h, size_t w, size_t cols,
                         bp_plot_cmap cmap, bp_error *err)
{
    if (path == NULL || images == NULL || count == 0)
        return bp_fail(err, BP_EINVAL, "bp_plot_images: path and at least "
                       "one image required");
    bp_status st = check_images(images, count, h, w, cols, cmap, err);
    if (st != BP_OK)
        return st;
    if (plot_format_for(path) == NULL)
        return bp_fail(err, BP_EINVAL, "cannot write figure '%s': unknown "
                       "extension (use .png, .svg or .pdf)", path);

    images_ctx c;
    memset(&c, 0, sizeof c);
    c.images = images;
    c.count = count;
    c.h = h;
    c.w = w;
    c.cols = cols < count ? cols : count;
    c.rows = (count + c.cols - 1) / c.cols;
    c.cmap = cmap;
    int oom = 0;
    c.title = plot_literal_text(title, &oom);
    c.note = plot_literal_text(note, &oom);
    c.lines = calloc(2 * count, sizeof *c.lines);
    if (oom || c.lines == NULL) {
        images_free(&c);
        return bp_fail(err, BP_ENOMEM, "out of memory for a figure");
    }
    for (size_t k = 0; k < count; k++)
        if ((st = split_title(&c, k, err)) != BP_OK) {
            images_free(&c);
            return st;
        }

    /* cells share the page's width; the images keep their aspect, at most
     * 300 pixels wide; titles shrink to fit their cell */
    double width = BP_PLOT_WIDTH;
    c.cell_w = fmin((width - 2 * PAGE_PAD) / (double) c.cols, 300 + IMG_GAP);
    c.img_w = c.cell_w - IMG_GAP;
    c.img_h = c.img_w * (double) h / (double) w;
    double widest = 0;
    for (size_t k = 0; k < 2 * count; k++)
        if (c.lines[k] != NULL)
            widest = fmax(widest, plot_text_em(c.lines[k]));
    c.font = IMG_FONT;
    if (widest > 0 && widest * c.font > c.cell_w - 4)
        c.font = fmax(IMG_FONT_MIN, (c.cell_w - 4) / widest);
    c.title_h = c.n_lines ? (double) c.n_lines * IMG_LINE * c.font + 6 : 0;
    c.top = PAGE_PAD + (c.title ? (ASCENT + DESCENT) * FONT_TITLE + TITLE_GAP
                                : 0);
    double bottom = PAGE_PAD + (c.note ? IMG_LINE * IMG_NOTE + 6 : 0);
    c.page_h = c.top + (double) c.rows * (c.title_h + c.img_h) +
               (double) (c.rows - 1) * IMG_GAP + bottom;
    st = plot_render(path, width, ceil(c.page_h), draw_images, &c, err);
    images_free(&c);
    return st;
}
