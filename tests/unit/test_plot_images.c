/*
 * test_plot_images.c - bp_plot_images (src/plot/plot_images.c): every
 * argument it refuses (BP_EINVAL, a message saying which, no file made),
 * and what a small grid shows, read back from the PNG: the page's width,
 * the colour map's ends where the pixels are.  Built without PLplot it
 * checks the stub's answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backprop.h"
#include "plot/plot.h"

#ifdef BP_HAVE_PLPLOT

#include "png_check.h"

static char dir[64];

static int make_dir(void **state)
{
    (void) state;
    snprintf(dir, sizeof dir, "/tmp/bp_test_plot_images_XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int remove_dir(void **state)
{
    (void) state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const double px4[4] = {-1, 1, 0, 0.5};

/* Calls bp_plot_images with one change from a valid call, expects
 * BP_EINVAL with `part` in the message and no file. */
static void refused(const char *name, const bp_plot_image *im, size_t count,
                    size_t h, size_t w, size_t cols, int cmap,
                    const char *part)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    bp_error err;
    memset(&err, 0, sizeof err);
    bp_status st = bp_plot_images(path, "t", NULL, im, count, h, w, cols,
                                  (bp_plot_cmap) cmap, &err);
    assert_int_equal(st, BP_EINVAL);
    if (strstr(err.msg, part) == NULL)
        fail_msg("%s: message '%s' lacks '%s'", name, err.msg, part);
    assert_int_equal(access(path, F_OK), -1);
}

static void test_arguments(void **state)
{
    (void) state;
    bp_plot_image ok = {px4, "a", -1, 1};
    bp_error err;
    char path[128];
    snprintf(path, sizeof path, "%s/none.png", dir);
    assert_int_equal(bp_plot_images(NULL, NULL, NULL, &ok, 1, 2, 2, 1,
                                    BP_PLOT_CMAP_GREY, &err), BP_EINVAL);
    assert_non_null(strstr(err.msg, "path and at least one image"));
    assert_int_equal(bp_plot_images(path, NULL, NULL, NULL, 1, 2, 2, 1,
                                     BP_PLOT_CMAP_GREY, &err), BP_EINVAL);
    refused("count0.png", &ok, 0, 2, 2, 1, 0, "at least one image");
    refused("h0.png", &ok, 1, 0, 2, 1, 0, "each side must be 1 to 256");
    refused("w0.png", &ok, 1, 2, 0, 1, 0, "each side must be 1 to 256");
    refused("wide.png", &ok, 1, 2, 257, 1, 0, "each side must be 1 to 256");
    refused("cols0.png", &ok, 1, 2, 2, 0, 0, "0 columns");
    refused("cols33.png", &ok, 1, 2, 2, 33, 0, "33 columns");
    refused("cmap.png", &ok, 1, 2, 2, 1, 7, "unknown colour map 7");
    refused("ext.txt", &ok, 1, 2, 2, 1, 0, "unknown extension");

    bp_plot_image many[2] = {ok, ok};
    many[1].pixels = NULL;
    refused("nopix.png", many, 2, 2, 2, 2, 0, "image 1 has no pixels");
    bp_plot_image bad = ok;
    bad.lo = bad.hi = 0.5;
    refused("flat.png", &bad, 1, 2, 2, 1, 0, "not finite and increasing");
    bad.lo = NAN;
    refused("nan.png", &bad, 1, 2, 2, 1, 0, "not finite and increasing");
    bad = ok;
    bad.title = "one\ntwo\nthree";
    refused("lines.png", &bad, 1, 2, 2, 1, 0, "at most two lines");

    bp_plot_image *lots = calloc(BP_PLOT_IMAGE_MAX_COUNT + 1, sizeof *lots);
    assert_non_null(lots);
    for (size_t k = 0; k <= BP_PLOT_IMAGE_MAX_COUNT; k++)
        lots[k] = ok;
    refused("lots.png", lots, BP_PLOT_IMAGE_MAX_COUNT + 1, 2, 2, 8, 0,
            "at most 1024");
    free(lots);
}

/* A row of two 1 x 2 images on the diverging map: -1 blue, +1 red; and
 * one on the grey map: 0 black. */
static void test_draws(void **state)
{
    (void) state;
    static const double signs[2] = {-1, 1}, grey[2] = {0, 1};
    bp_plot_image im[2] = {{signs, "negative | positive", -1, 1},
                           {signs, "two\nlines", -1, 1}};
    char path[128];
    bp_error err;
    snprintf(path, sizeof path, "%s/div.png", dir);
    assert_int_equal(bp_plot_images(path, "Title", "a note", im, 2, 1, 2, 2,
                                    BP_PLOT_CMAP_DIVERGING, &err), BP_OK);
    png_rgba img;
    assert_true(png_rgba_load(&img, path));
    assert_int_equal(img.width, BP_PLOT_WIDTH);
    /* two images 282 pixels wide, 141 high, under two lines of titles */
    assert_true(img.height > 141 && img.height < 400);
    size_t red = png_count(&img, png_whole(&img), png_is_reddish);
    size_t blue = png_count(&img, png_whole(&img), png_is_blueish);
    /* each image is half red, half blue: 2 x 141 x 141 of each */
    assert_true(red > 30000 && blue > 30000);
    png_rgba_free(&img);

    bp_plot_image g = {grey, NULL, 0, 1};
    snprintf(path, sizeof path, "%s/grey.png", dir);
    assert_int_equal(bp_plot_images(path, NULL, NULL, &g, 1, 1, 2, 4,
                                    BP_PLOT_CMAP_GREY, &err), BP_OK);
    assert_true(png_rgba_load(&img, path));
    size_t black = png_count_near(&img, png_whole(&img), 0, 0, 0, 10);
    assert_true(black > 10000);       /* the 0 pixel: about 141 x 141 */
    png_rgba_free(&img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_arguments, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_draws, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

static void test_stub(void **state)
{
    (void) state;
    static const double px[1] = {0};
    bp_plot_image im = {px, NULL, 0, 1};
    bp_error err;
    assert_int_equal(bp_plot_images("/tmp/x.png", NULL, NULL, &im, 1, 1, 1,
                                    1, BP_PLOT_CMAP_GREY, &err), BP_EINVAL);
    assert_non_null(strstr(err.msg, "without PLplot"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_stub)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
