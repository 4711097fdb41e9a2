/*
 * png_check.h - a small PNG reader for tests, on libpng's simplified API.
 *
 * Loads any PNG as 8-bit RGBA, gives pixel access with (0, 0) at the top
 * left, and counts pixels by colour in rectangles, so that tests can check
 * what a figure shows ("the left half has red-ish and blue-ish pixels")
 * without comparing against golden images, which would break with every
 * font or cairo update.  Header-only (static inline); link with -lpng.
 */
#ifndef BP_PNG_CHECK_H
#define BP_PNG_CHECK_H

#include <png.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    unsigned width, height;
    unsigned char *rgba;   /* width * height * 4 bytes, row after row */
} png_rgba;

/* A rectangle of pixels [x0, x1) x [y0, y1), y counted from the top. */
typedef struct {
    unsigned x0, y0, x1, y1;
} png_rect;

/* Returns 1 and fills img, or 0 (img empty) when path is not a readable
 * PNG.  Free with png_rgba_free. */
static inline int png_rgba_load(png_rgba *img, const char *path)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    img->width = img->height = 0;
    img->rgba = NULL;
    if (!png_image_begin_read_from_file(&im, path))
        return 0;
    im.format = PNG_FORMAT_RGBA;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(im));
    if (buf == NULL) {
        png_image_free(&im);
        return 0;
    }
    if (!png_image_finish_read(&im, NULL, buf, 0, NULL)) {
        free(buf);
        png_image_free(&im);
        return 0;
    }
    img->width = im.width;
    img->height = im.height;
    img->rgba = buf;
    return 1;
}

static inline void png_rgba_free(png_rgba *img)
{
    free(img->rgba);
    img->rgba = NULL;
    img->width = img->height = 0;
}

/* The 4 bytes (r, g, b, a) of pixel (x, y); x < width, y < height. */
static inline const unsigned char *png_rgba_at(const png_rgba *img,
                                               unsigned x, unsigned y)
{
    return img->rgba + 4 * ((size_t) y * img->width + x);
}

static inline png_rect png_whole(const png_rgba *img)
{
    png_rect r = {0, 0, img->width, img->height};
    return r;
}

/* Colour classes, generous enough for anti-aliased edges and for both the
 * tab10 colours and the RdBu map of the figures. */
static inline int png_is_reddish(const unsigned char *p)
{
    return p[0] > 140 && p[0] > p[1] + 60 && p[0] > p[2] + 60;
}

static inline int png_is_blueish(const unsigned char *p)
{
    return p[2] > 140 && p[2] > p[0] + 60 && p[2] > p[1] + 30;
}

static inline int png_is_dark(const unsigned char *p)
{
    return p[0] < 90 && p[1] < 90 && p[2] < 90;
}

/* Within tol of (r, g, b) on every channel. */
static inline int png_is_near(const unsigned char *p, int r, int g, int b,
                              int tol)
{
    return abs(p[0] - r) <= tol && abs(p[1] - g) <= tol &&
           abs(p[2] - b) <= tol;
}

/* Pixels of rect (clipped to the image) for which pred is true. */
static inline size_t png_count(const png_rgba *img, png_rect rect,
                               int (*pred)(const unsigned char *))
{
    size_t n = 0;
    unsigned x1 = rect.x1 < img->width ? rect.x1 : img->width;
    unsigned y1 = rect.y1 < img->height ? rect.y1 : img->height;
    for (unsigned y = rect.y0; y < y1; y++)
        for (unsigned x = rect.x0; x < x1; x++)
            n += pred(png_rgba_at(img, x, y)) != 0;
    return n;
}

/* Pixels of rect within tol of (r, g, b). */
static inline size_t png_count_near(const png_rgba *img, png_rect rect,
                                    int r, int g, int b, int tol)
{
    size_t n = 0;
    unsigned x1 = rect.x1 < img->width ? rect.x1 : img->width;
    unsigned y1 = rect.y1 < img->height ? rect.y1 : img->height;
    for (unsigned y = rect.y0; y < y1; y++)
        for (unsigned x = rect.x0; x < x1; x++)
            n += png_is_near(png_rgba_at(img, x, y), r, g, b, tol);
    return n;
}

/* The longest horizontal run of pixels within tol of (r, g, b): a legend's
 * line sample is a long run, a sloped curve is not. */
static inline unsigned png_longest_run_near(const png_rgba *img, int r, int g,
                                            int b, int tol)
{
    unsigned best = 0;
    for (unsigned y = 0; y < img->height; y++) {
        unsigned run = 0;
        for (unsigned x = 0; x < img->width; x++) {
            run = png_is_near(png_rgba_at(img, x, y), r, g, b, tol) ? run + 1
                                                                    : 0;
            if (run > best)
                best = run;
        }
    }
    return best;
}

/* Darker than mid-grey: also the pixels of a thin anti-aliased dark line
 * that straddles two pixel rows. */
static inline int png_is_darkish(const unsigned char *p)
{
    return p[0] < 160 && p[1] < 160 && p[2] < 160;
}

/* The plot frame: the outermost columns and rows in which at least frac of
 * the pixels of rect are darkish (the frame's lines are the longest dark
 * lines of a figure).  Returns 0 when no such lines exist. */
static inline int png_find_frame(const png_rgba *img, png_rect rect,
                                 double frac, png_rect *frame)
{
    unsigned x1 = rect.x1 < img->width ? rect.x1 : img->width;
    unsigned y1 = rect.y1 < img->height ? rect.y1 : img->height;
    int found_x = 0, found_y = 0;
    frame->x0 = x1;
    frame->x1 = 0;
    frame->y0 = y1;
    frame->y1 = 0;
    for (unsigned x = rect.x0; x < x1; x++) {
        size_t dark = 0;
        for (unsigned y = rect.y0; y < y1; y++)
            dark += png_is_darkish(png_rgba_at(img, x, y)) != 0;
        if (dark >= frac * (y1 - rect.y0)) {
            if (x < frame->x0)
                frame->x0 = x;
            frame->x1 = x;
            found_x = 1;
        }
    }
    for (unsigned y = rect.y0; y < y1; y++) {
        size_t dark = 0;
        for (unsigned x = rect.x0; x < x1; x++)
            dark += png_is_darkish(png_rgba_at(img, x, y)) != 0;
        if (dark >= frac * (x1 - rect.x0)) {
            if (y < frame->y0)
                frame->y0 = y;
            frame->y1 = y;
            found_y = 1;
        }
    }
    return found_x && found_y;
}

#endif /* BP_PNG_CHECK_H */
