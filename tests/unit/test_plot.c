/*
 * test_plot.c - the figures module (src/plot): what the figures show, read
 * back from the PNG files, and how the module fails.
 *
 * Built with BP_HAVE_PLPLOT the tests draw real figures into a fresh
 * mkdtemp folder per test and look at their pixels (png_check.h): sizes,
 * colours in the regions where they must be, a legend only when there are
 * labels, no file and no temporary file after a failure, nothing printed.
 * Built without PLplot they check the stub's contract instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backprop.h"
#include "plot/plot.h"

#ifdef BP_HAVE_PLPLOT

#include "png_check.h"

/* ---------------------------------------------------------------- helpers */

/* The test's folder: made by setup, emptied and removed by teardown. */
static int make_dir(void **state)
{
    char *dir = malloc(64);
    if (dir == NULL)
        return -1;
    snprintf(dir, 64, "/tmp/bp_test_plot_XXXXXX");
    if (mkdtemp(dir) == NULL) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int remove_dir(void **state)
{
    char *dir = *state;
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
    return 0;
}

/* Files in dir (not counting . and ..). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static const char *in_dir(void **state, const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", (const char *) *state, name);
    return path;
}

static int file_starts_with(const char *path, const char *prefix)
{
    char buf[16] = {0};
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return got >= strlen(prefix) && memcmp(buf, prefix, strlen(prefix)) == 0;
}

/* A small deterministic generator (the tests need no library code). */
static double uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double) (*s >> 11) / 9007199254740992.0;
}

/* n points in [0,1]^2, labelled 0 when x > y (the seed's linear set). */
static void linear_points(double *x, int *label, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = uniform(&seed);
        x[2 * i + 1] = uniform(&seed);
        label[i] = x[2 * i] > x[2 * i + 1] ? 0 : 1;
    }
}

/* XOR-like probability: 1 when exactly one coordinate exceeds 0.5. */
static bp_status xor_prob(void *ctx, const double *xy, size_t m, double *p,
                          bp_error *err)
{
    (void) ctx;
    (void) err;
    for (size_t i = 0; i < m; i++)
        p[i] = (xy[2 * i] > 0.5) != (xy[2 * i + 1] > 0.5);
    return BP_OK;
}

static bp_status failing_prob(void *ctx, const double *xy, size_t m,
                              double *p, bp_error *err)
{
    (void) ctx;
    (void) xy;
    (void) m;
    (void) p;
    snprintf(err->msg, sizeof err->msg, "network diverged");
    err->code = BP_EDIVERGED;
    return BP_EDIVERGED;
}

/* Three steep straight curves: none has a long horizontal run of pixels,
 * so such a run of a curve's colour can only be a legend's line sample. */
enum { NPTS = 50 };
static double cx[NPTS], cy[3][NPTS];

static void three_series(bp_plot_series s[3], int labelled)
{
    for (int i = 0; i < NPTS; i++) {
        double t = (double) i / (NPTS - 1);
        cx[i] = t;
        cy[0][i] = 3 * t;
        cy[1][i] = 3 * (1 - t);
        cy[2][i] = 0.5 + 2 * t;
    }
    static const char *names[3] = {"train", "valid", "test"};
    for (int k = 0; k < 3; k++) {
        bp_plot_series one = {cx, cy[k], NPTS, labelled ? names[k] : NULL,
                              NULL, NULL};
        s[k] = one;
    }
}

static const int TAB10[10][3] = {
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},
    {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
    {188, 189, 34}, {23, 190, 207}
};

/* ------------------------------------------------------------------ curves */

static void test_available(void **state)
{
    (void) state;
    assert_int_equal(bp_plot_available(), 1);
}

static void test_curves_colours_and_legend(void **state)
{
    bp_plot_series s[3];
    bp_error err = {0};
    png_rgba img;
    three_series(s, 1);
    const char *path = in_dir(state, "curves.png");
    assert_int_equal(bp_plot_curves(path, "Learning curve", "epoch", "loss",
                                    s, 3, 0, &err), BP_OK);
    assert_true(png_rgba_load(&img, path));
    assert_int_equal(img.width, BP_PLOT_WIDTH);
    assert_int_equal(img.height, BP_PLOT_HEIGHT);

    int used = 0;
    for (int c = 0; c < 10; c++) {
        if (c == 7)
            continue;   /* tab:gray, also the edges of anti-aliased text */
        size_t n = png_count_near(&img, png_whole(&img), TAB10[c][0],
                                  TAB10[c][1], TAB10[c][2], 12);
        if (c < 3)
            assert_true(n > 500);   /* each curve is drawn in its colour */
        used += n > 100;
    }
    assert_int_equal(used, 3);          /* and no other palette colour */
    for (int c = 0; c < 3; c++)         /* legend line samples */
        assert_true(png_longest_run_near(&img, TAB10[c][0], TAB10[c][1],
                                         TAB10[c][2], 12) >= 30);
    png_rgba_free(&img);

    /* without labels: the same curves and no legend */
    three_series(s, 0);
    path = in_dir(state, "nolegend.png");
    assert_int_equal(bp_plot_curves(path, NULL, NULL, NULL, s, 3, 0, &err),
                     BP_OK);
    assert_true(png_rgba_load(&img, path));
    for (int c = 0; c < 3; c++)
        assert_true(png_longest_run_near(&img, TAB10[c][0], TAB10[c][1],
                                         TAB10[c][2], 12) < 30);
    png_rgba_free(&img);
}

static void test_curves_band_log_nonfinite(void **state)
{
    enum { N = 2000 };
    static double x[N], y[N], lo[N], hi[N];
    for (int i = 0; i < N; i++) {
        x[i] = i + 1;
        y[i] = 0.7 * exp(-x[i] / 400) + 0.01;
        lo[i] = 0.8 * y[i];
        hi[i] = 1.25 * y[i];
    }
    y[10] = NAN;        /* skipped, the curve is broken there */
    y[20] = INFINITY;
    y[30] = 0.0;        /* not drawable on a log axis */
    lo[40] = -1.0;
    bp_plot_series s = {x, y, N, "mean of 5 seeds", lo, hi};
    bp_error err = {0};
    png_rgba img;
    const char *path = in_dir(state, "log.png");
    assert_int_equal(bp_plot_curves(path, "Loss", "epoch", "loss #1", &s, 1,
                                    1, &err), BP_OK);
    assert_true(png_rgba_load(&img, path));
    /* the band: tab:blue at alpha 0.2 over white */
    assert_true(png_count_near(&img, png_whole(&img), 210, 228, 240, 10) >
                2000);
    png_rgba_free(&img);

    /* nothing drawable at all */
    for (int i = 0; i < N; i++)
        y[i] = (i % 2) ? NAN : -1.0;
    bp_plot_series none = {x, y, N, NULL, NULL, NULL};
    path = in_dir(state, "none.png");
    assert_int_equal(bp_plot_curves(path, NULL, NULL, NULL, &none, 1, 1, &err),
                     BP_EINVAL);
    assert_int_equal(count_files(*state), 1);
}

/* Every figure copes with huge, tiny, constant and single-point data:
 * drawn (a PNG with the curve's or the classes' colour in it) or refused
 * with BP_EINVAL and no file, never an axis of infinite range (the
 * ASan/UBSan build runs this too: +-1e308 once negated INT_MIN). */
typedef struct {
    const char *name;
    double y[3];
    size_t n;
    bp_status linear, log;     /* expected for a linear and a log y axis */
} extreme_case;

static void test_curves_extreme_ranges(void **state)
{
    static const extreme_case cases[] = {
        {"huge", {1e308, -1e308, 5}, 3, BP_EINVAL, BP_OK},
        {"max", {1.7e308, 1.7e308, 1.7e308}, 3, BP_EINVAL, BP_OK},
        {"big", {1e299, -1e299, 5}, 3, BP_OK, BP_OK},
        {"tiny", {1e-320, 4e-320, 2e-320}, 3, BP_OK, BP_OK},
        {"mixed", {1e-300, 1e300, 1}, 3, BP_OK, BP_OK},
        {"near", {1.0, 1.0 + 1e-15, 1.0}, 3, BP_OK, BP_OK},
        {"constant", {2, 2, 2}, 3, BP_OK, BP_OK},
        {"zero", {0, 0, 0}, 3, BP_OK, BP_EINVAL},
        {"single", {3}, 1, BP_OK, BP_OK},
        {"nonfinite", {NAN, INFINITY, -INFINITY}, 3, BP_EINVAL, BP_EINVAL},
    };
    double x[3] = {1, 2, 3};
    int files = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int log_y = 0; log_y < 2; log_y++) {
            const extreme_case *k = &cases[c];
            bp_plot_series s = {x, k->y, k->n, "loss", NULL, NULL};
            bp_error err = {0};
            char name[64];
            snprintf(name, sizeof name, "%s%d.png", k->name, log_y);
            const char *path = in_dir(state, name);
            bp_status want = log_y ? k->log : k->linear;
            bp_status got = bp_plot_curves(path, "t", "epoch", "loss", &s, 1,
                                           log_y, &err);
            if (got != want)
                fail_msg("%s: status %d, expected %d (%s)", name, got, want,
                         err.msg);
            if (want != BP_OK) {
                assert_true(strstr(err.msg, name) != NULL);
                assert_int_equal(count_files(*state), files);
                continue;
            }
            files++;
            png_rgba img;
            assert_true(png_rgba_load(&img, path));
            /* the curve (or the lone point's disc) in tab:blue */
            if (png_count_near(&img, png_whole(&img), TAB10[0][0],
                               TAB10[0][1], TAB10[0][2], 12) < 20)
                fail_msg("%s: no curve drawn", name);
            png_rgba_free(&img);
        }
}

static bp_status half_prob(void *ctx, const double *xy, size_t m, double *p,
                           bp_error *err)
{
    (void) ctx;
    (void) err;
    for (size_t i = 0; i < m; i++)
        p[i] = xy[2 * i] > xy[2 * i + 1];
    return BP_OK;
}

/* The scatter figures: huge coordinates are refused, tiny, flat and
 * single points drawn, with both classes' colours. */
static void test_scatter_extreme_ranges(void **state)
{
    static const struct {
        const char *name;
        double x[6];
        size_t n;
        bp_status want;
    } cases[] = {
        {"huge", {1e308, 0, -1e308, 1, 0, 0}, 3, BP_EINVAL},
        {"big", {1e299, 0, -1e299, 1, 0, 0}, 3, BP_OK},
        {"tiny", {1e-320, 0, 3e-320, 2e-320, 0, 1e-320}, 3, BP_OK},
        {"flat", {0, 5, 1, 5, 2, 5}, 3, BP_OK},
        {"same", {7, 7, 7, 7, 7, 7}, 3, BP_OK},
        {"wide", {0, 0, 1e6, 1, 5e5, 0.5}, 3, BP_OK},
        {"single", {0.5, 0.5}, 1, BP_OK},
    };
    int truth[3] = {0, 1, 0}, pred[3] = {0, 0, 1};
    int files = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int fig = 0; fig < 2; fig++) {
            bp_error err = {0};
            char name[64];
            snprintf(name, sizeof name, "%s-%s.png", cases[c].name,
                     fig ? "decision" : "comparison");
            const char *path = in_dir(state, name);
            bp_status got =
                fig ? bp_plot_decision(path, "t", half_prob, NULL,
                                       cases[c].x, truth, cases[c].n, NULL,
                                       &err)
                    : bp_plot_comparison(path, cases[c].x, truth, pred,
                                         cases[c].n, NULL, &err);
            if (got != cases[c].want)
                fail_msg("%s: status %d (%s)", name, got, err.msg);
            if (got != BP_OK) {
                assert_true(strstr(err.msg, name) != NULL);
                assert_int_equal(count_files(*state), files);
                continue;
            }
            files++;
            png_rgba img;
            assert_true(png_rgba_load(&img, path));
            assert_true(png_count(&img, png_whole(&img), png_is_reddish) >
                        20);
            png_rgba_free(&img);
        }
}

static void test_curves_bad_arguments(void **state)
{
    bp_plot_series s[3];
    bp_error err = {0};
    three_series(s, 1);
    const char *path = in_dir(state, "bad.png");
    assert_int_equal(bp_plot_curves(NULL, NULL, NULL, NULL, s, 3, 0, &err),
                     BP_EINVAL);
    assert_int_equal(bp_plot_curves(path, NULL, NULL, NULL, NULL, 3, 0, &err),
                     BP_EINVAL);
    assert_int_equal(bp_plot_curves(path, NULL, NULL, NULL, s, 0, 0, &err),
                     BP_EINVAL);
    s[1].y = NULL;
    assert_int_equal(bp_plot_curves(path, NULL, NULL, NULL, s, 3, 0, &err),
                     BP_EINVAL);
    assert_non_null(strstr(err.msg, "series 1"));
    three_series(s, 1);
    s[2].lo = cy[0];
    assert_int_equal(bp_plot_curves(path, NULL, NULL, NULL, s, 3, 0, &err),
                     BP_EINVAL);
    assert_int_equal(err.code, BP_EINVAL);
    /* a NULL err is allowed */
    assert_int_equal(bp_plot_curves(path, NULL, NULL, NULL, s, 0, 0, NULL),
                     BP_EINVAL);
    assert_int_equal(count_files(*state), 0);
}

/* -------------------------------------------------------------- comparison */

static void test_comparison(void **state)
{
    enum { N = 100 };
    double x[2 * N];
    int truth[N], pred[N];
    linear_points(x, truth, N, 7);
    for (int i = 0; i < N; i++)
        pred[i] = i % 10 == 0 ? 1 - truth[i] : truth[i];
    bp_error err = {0};
    png_rgba img;
    const char *path = in_dir(state, "comparison.png");
    assert_int_equal(bp_plot_comparison(path, x, truth, pred, N, NULL, &err),
                     BP_OK);
    assert_true(png_rgba_load(&img, path));
    assert_int_equal(img.width, BP_PLOT_COMPARISON_WIDTH);
    assert_int_equal(img.height, BP_PLOT_COMPARISON_HEIGHT);

    /* both panels show both classes; the key row at the bottom is left out */
    unsigned half = img.width / 2, body = img.height - 90;
    png_rect left = {0, 0, half, body}, right = {half, 0, img.width, body};
    assert_true(png_count(&img, left, png_is_reddish) > 1000);
    assert_true(png_count(&img, left, png_is_blueish) > 1000);
    assert_true(png_count(&img, right, png_is_reddish) > 1000);
    assert_true(png_count(&img, right, png_is_blueish) > 1000);
    /* ten black rings in the prediction panel only */
    assert_true(png_count(&img, right, png_is_dark) >
                png_count(&img, left, png_is_dark) + 800);

    /* equal scales: square data gives square frames */
    png_rect frame;
    assert_true(png_find_frame(&img, left, 0.5, &frame));
    int w = (int) (frame.x1 - frame.x0), h = (int) (frame.y1 - frame.y0);
    assert_true(w > 300);
    assert_true(abs(w - h) <= 3);
    /* class 0 (x > y, the lower right) is red, class 1 blue */
    png_rect lower_right = {frame.x0 + w / 2 + 20, frame.y0 + h / 2 + 20,
                            frame.x1, frame.y1};
    png_rect upper_left = {frame.x0, frame.y0, frame.x0 + w / 2 - 20,
                           frame.y0 + h / 2 - 20};
    assert_true(png_count(&img, lower_right, png_is_reddish) >
                10 * png_count(&img, upper_left, png_is_reddish) + 100);
    assert_true(png_count(&img, upper_left, png_is_blueish) >
                10 * png_count(&img, lower_right, png_is_blueish) + 100);
    png_rgba_free(&img);

    truth[3] = 2;
    assert_int_equal(bp_plot_comparison(path, x, truth, pred, N, NULL, &err),
                     BP_EINVAL);
    assert_int_equal(bp_plot_comparison(path, x, truth, NULL, N, NULL, &err),
                     BP_EINVAL);
    assert_int_equal(bp_plot_comparison(path, x, truth, pred, 0, NULL, &err),
                     BP_EINVAL);
}

/* ------------------------------------------------------------ decision map */

/* The pixel of data point (u, v) inside a frame that spans the data range
 * [0,1]^2 plus the documented 5% margin. */
static const unsigned char *data_pixel(const png_rgba *img, png_rect f,
                                       double u, double v)
{
    double fx = (u + 0.05) / 1.1, fy = (v + 0.05) / 1.1;
    unsigned px = f.x0 + (unsigned) lround(fx * (f.x1 - f.x0));
    unsigned py = f.y1 - (unsigned) lround(fy * (f.y1 - f.y0));
    return png_rgba_at(img, px, py);
}

static void test_decision_xor(void **state)
{
    /* points on the middle of each side span [0,1]^2 and stay clear of the
     * corners that are sampled */
    double x[] = {0.5, 0.0, 0.5, 1.0, 0.0, 0.5, 1.0, 0.5, 0.3, 0.3, 0.7, 0.7};
    int truth[] = {0, 0, 0, 0, 0, 1};
    bp_error err = {0};
    png_rgba img;
    const char *path = in_dir(state, "decision.png");
    assert_int_equal(bp_plot_decision(path, "XOR", xor_prob, NULL, x, truth,
                                      6, NULL, &err), BP_OK);
    assert_true(png_rgba_load(&img, path));
    assert_int_equal(img.width, BP_PLOT_WIDTH);
    assert_int_equal(img.height, BP_PLOT_HEIGHT);

    /* the map's frame: the longest dark lines left of the colour bar */
    png_rect frame, search = {0, 0, img.width * 3 / 4, img.height};
    assert_true(png_find_frame(&img, search, 0.5, &frame));
    assert_true(frame.x1 - frame.x0 > 400);
    assert_true(abs((int) (frame.x1 - frame.x0) -
                    (int) (frame.y1 - frame.y0)) <= 3);
    assert_true(png_is_blueish(data_pixel(&img, frame, 0.05, 0.95)));
    assert_true(png_is_reddish(data_pixel(&img, frame, 0.05, 0.05)));
    assert_true(png_is_reddish(data_pixel(&img, frame, 0.95, 0.95)));
    assert_true(png_is_blueish(data_pixel(&img, frame, 0.95, 0.05)));
    /* the p = 0.5 line runs down the middle */
    int line = 0;
    for (double u = 0.47; u <= 0.53; u += 0.002)
        line |= png_is_dark(data_pixel(&img, frame, u, 0.15));
    assert_true(line);
    /* the colour bar right of the frame has both ends of the map */
    png_rect bar = {frame.x1 + 10, frame.y0, img.width, frame.y1};
    assert_true(png_count(&img, bar, png_is_reddish) > 200);
    assert_true(png_count(&img, bar, png_is_blueish) > 200);
    png_rgba_free(&img);
}

/* A red island in a blue sea: the bands' loops around it are holes of the
 * region p >= level, which must not take the sea's colour. */
static bp_status island_prob(void *ctx, const double *xy, size_t m,
                             double *p, bp_error *err)
{
    (void) ctx;
    (void) err;
    for (size_t i = 0; i < m; i++) {
        double r = hypot(xy[2 * i] - 0.5, xy[2 * i + 1] - 0.5);
        p[i] = 1.0 / (1.0 + exp(-40.0 * (r - 0.25)));
    }
    return BP_OK;
}

static void test_decision_island(void **state)
{
    double x[] = {0.0, 0.0, 1.0, 1.0, 0.1, 0.9, 0.9, 0.1};
    int truth[] = {1, 1, 1, 1};
    bp_error err = {0};
    png_rgba img;
    const char *path = in_dir(state, "island.png");
    assert_int_equal(bp_plot_decision(path, NULL, island_prob, NULL, x, truth,
                                      4, NULL, &err), BP_OK);
    assert_true(png_rgba_load(&img, path));
    png_rect frame, search = {0, 0, img.width * 3 / 4, img.height};
    assert_true(png_find_frame(&img, search, 0.5, &frame));
    assert_true(png_is_reddish(data_pixel(&img, frame, 0.5, 0.5)));
    assert_true(png_is_reddish(data_pixel(&img, frame, 0.4, 0.6)));
    assert_true(png_is_blueish(data_pixel(&img, frame, 0.02, 0.5)));
    assert_true(png_is_blueish(data_pixel(&img, frame, 0.5, 0.98)));
    assert_true(png_is_blueish(data_pixel(&img, frame, 0.9, 0.2)));
    png_rgba_free(&img);
}

static bp_status constant_prob(void *ctx, const double *xy, size_t m,
                               double *p, bp_error *err)
{
    (void) xy;
    (void) err;
    for (size_t i = 0; i < m; i++)
        p[i] = *(const double *) ctx;
    return BP_OK;
}

/* A constant map is one colour: every level's loop is the same frame. */
static void test_decision_constant(void **state)
{
    double x[] = {0.0, 0.0, 1.0, 1.0};
    int truth[] = {0, 1};
    const double value[2] = {1.0, 0.0};
    bp_error err = {0};
    png_rgba img;
    for (int k = 0; k < 2; k++) {
        const char *path = in_dir(state, k ? "red.png" : "blue.png");
        assert_int_equal(bp_plot_decision(path, NULL, constant_prob,
                                          (void *) &value[k], x, truth, 2,
                                          NULL, &err), BP_OK);
        assert_true(png_rgba_load(&img, path));
        png_rect frame, search = {0, 0, img.width * 3 / 4, img.height};
        assert_true(png_find_frame(&img, search, 0.5, &frame));
        const unsigned char *centre = data_pixel(&img, frame, 0.5, 0.5);
        /* the map's end colours: RdBu's ends washed 30% towards white */
        if (k == 0)
            assert_true(png_is_near(centre, 100, 148, 197, 6));
        else
            assert_true(png_is_near(centre, 201, 93, 107, 6));
        png_rgba_free(&img);
    }
}

static void test_decision_errors(void **state)
{
    double x[2 * 10];
    int truth[10];
    linear_points(x, truth, 10, 3);
    bp_error err = {0};
    const char *path = in_dir(state, "map.png");

    /* the callback's error comes back unchanged, and an existing figure
     * is left as it was */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old figure", f);
    fclose(f);
    assert_int_equal(bp_plot_decision(path, NULL, failing_prob, NULL, x,
                                      truth, 10, NULL, &err), BP_EDIVERGED);
    assert_string_equal(err.msg, "network diverged");
    assert_true(file_starts_with(path, "old figure"));
    assert_int_equal(count_files(*state), 1);

    /* a success replaces it */
    assert_int_equal(bp_plot_decision(path, NULL, xor_prob, NULL, x, truth,
                                      10, NULL, &err), BP_OK);
    assert_true(file_starts_with(path, "\x89PNG"));
    assert_int_equal(count_files(*state), 1);

    assert_int_equal(bp_plot_decision(path, NULL, NULL, NULL, x, truth, 10,
                                      NULL, &err), BP_EINVAL);
    assert_int_equal(bp_plot_decision(path, NULL, xor_prob, NULL, x, NULL, 10,
                                      NULL, &err), BP_EINVAL);
    double nan_x[4] = {NAN, 0.0, 1.0, INFINITY};
    int two[2] = {0, 1};
    assert_int_equal(bp_plot_decision(path, NULL, xor_prob, NULL, nan_x, two,
                                      2, NULL, &err), BP_EINVAL);
}

/* ------------------------------------------------------- files and formats */

/* Records the range of the points the decision map asks about. */
typedef struct {
    double lo[2], hi[2];
} seen_range;

static bp_status recording_prob(void *ctx, const double *xy, size_t m,
                                double *p, bp_error *err)
{
    seen_range *r = ctx;
    (void) err;
    for (size_t i = 0; i < m; i++) {
        for (int k = 0; k < 2; k++) {
            r->lo[k] = fmin(r->lo[k], xy[2 * i + k]);
            r->hi[k] = fmax(r->hi[k], xy[2 * i + k]);
        }
        p[i] = xy[2 * i] > xy[2 * i + 1];
    }
    return BP_OK;
}

/* The decision map's frame (the map is in the left three quarters). */
static png_rect decision_frame(const char *path)
{
    png_rgba img;
    png_rect frame = {0, 0, 0, 0};
    assert_true(png_rgba_load(&img, path));
    png_rect search = {0, 0, img.width * 3 / 4, img.height};
    assert_true(png_find_frame(&img, search, 0.2, &frame));
    png_rgba_free(&img);
    return frame;
}

/* File data: the standardisation is undone on the axes (features of
 * different units fill the panel instead of a square), the callback still
 * gets standardised inputs, long class names get room beside the map, and
 * a standardisation that cannot be undone is refused. */
static void test_labels_units_and_names(void **state)
{
    enum { N = 40 };
    double x[2 * N];
    int truth[N];
    linear_points(x, truth, N, 11);
    const double mean[2] = {170, 60000}, std[2] = {10, 20000};
    bp_plot_labels labels = {{"tall", "short"}, {"height_cm", "income_usd"},
                             mean, std};
    bp_error err = {0};
    seen_range r = {{INFINITY, INFINITY}, {-INFINITY, -INFINITY}};
    const char *path = in_dir(state, "units.png");
    assert_int_equal(bp_plot_decision(path, "t", recording_prob, &r, x, truth,
                                      N, &labels, &err), BP_OK);
    for (int k = 0; k < 2; k++) {
        assert_true(r.lo[k] > -0.2 && r.lo[k] < 0.2);
        assert_true(r.hi[k] > 0.8 && r.hi[k] < 1.2);
    }
    /* original spans ~10 and ~20000: each axis fills the panel (with
     * equal scales it would be a line) */
    png_rect f = decision_frame(path);
    double aspect = (double) (f.x1 - f.x0) / (double) (f.y1 - f.y0);
    assert_true(aspect > 0.8 && aspect < 1.5);
    /* standardised y spans half of x: a panel twice as wide as high; in
     * the original units (std 1 and 2) both span 1: square */
    for (int i = 0; i < N; i++)
        x[2 * i + 1] *= 0.5;
    path = in_dir(state, "plain.png");
    assert_int_equal(bp_plot_decision(path, "t", xor_prob, NULL, x, truth, N,
                                      NULL, &err), BP_OK);
    f = decision_frame(path);
    aspect = (double) (f.x1 - f.x0) / (double) (f.y1 - f.y0);
    assert_true(aspect > 1.7 && aspect < 2.3);
    const double mean0[2] = {0, 0}, std12[2] = {1, 2};
    bp_plot_labels square = {{NULL, NULL}, {NULL, NULL}, mean0, std12};
    path = in_dir(state, "square.png");
    assert_int_equal(bp_plot_decision(path, "t", xor_prob, NULL, x, truth, N,
                                      &square, &err), BP_OK);
    f = decision_frame(path);
    aspect = (double) (f.x1 - f.x0) / (double) (f.y1 - f.y0);
    assert_true(aspect > 0.9 && aspect < 1.1);

    /* long class names: the key beside the map needs room */
    bp_plot_labels no_units = {{"a", "b"}, {NULL, NULL}, NULL, NULL};
    path = in_dir(state, "short.png");
    assert_int_equal(bp_plot_decision(path, "t", xor_prob, NULL, x, truth, N,
                                      &no_units, &err), BP_OK);
    png_rect short_names = decision_frame(path);
    no_units.class_names[0] = "a class with a rather long name";
    path = in_dir(state, "long.png");
    assert_int_equal(bp_plot_decision(path, "t", xor_prob, NULL, x, truth, N,
                                      &no_units, &err), BP_OK);
    png_rect long_names = decision_frame(path);
    assert_true(long_names.x1 + 100 < short_names.x1);

    assert_int_equal(bp_plot_comparison(in_dir(state, "cmp.png"), x, truth,
                                        truth, N, &labels, &err), BP_OK);
    /* names of any length: cut, so that the key stays on the page */
    char huge[400];
    memset(huge, 'w', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    bp_plot_labels long_labels = {{huge, huge}, {huge, huge}, NULL, NULL};
    path = in_dir(state, "huge-names.png");
    assert_int_equal(bp_plot_comparison(path, x, truth, truth, N, &long_labels,
                                        &err), BP_OK);
    png_rgba img;
    assert_true(png_rgba_load(&img, path));
    png_rect left = {0, img.height - 80, 12, img.height};
    png_rect right = {img.width - 12, img.height - 80, img.width, img.height};
    assert_int_equal(png_count(&img, left, png_is_dark), 0);
    assert_int_equal(png_count(&img, right, png_is_dark), 0);
    png_rgba_free(&img);

    const double zero_std[2] = {1, 0};
    labels.std = zero_std;
    int before = count_files(*state);
    assert_int_equal(bp_plot_comparison(in_dir(state, "bad.png"), x, truth,
                                        truth, N, &labels, &err), BP_EINVAL);
    assert_non_null(strstr(err.msg, "standardisation"));
    assert_int_equal(count_files(*state), before);
}

static void test_unknown_extension(void **state)
{
    bp_plot_series s[3];
    bp_error err = {0};
    three_series(s, 1);
    const char *names[] = {"fig.jpg", "fig", "fig.png.txt", "dir.png/fig"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *path = in_dir(state, names[i]);
        memset(&err, 0, sizeof err);
        assert_int_equal(bp_plot_curves(path, NULL, NULL, NULL, s, 3, 0,
                                        &err), BP_EINVAL);
        assert_non_null(strstr(err.msg, path));
        assert_non_null(strstr(err.msg, ".png"));
        assert_non_null(strstr(err.msg, ".svg"));
        assert_non_null(strstr(err.msg, ".pdf"));
    }
    double x[4] = {0, 0, 1, 1};
    int t[2] = {0, 1};
    assert_int_equal(bp_plot_comparison(in_dir(state, "c.gif"), x, t, t, 2,
                                        NULL, &err), BP_EINVAL);
    assert_int_equal(bp_plot_decision(in_dir(state, "d.jpeg"), NULL, xor_prob,
                                      NULL, x, t, 2, NULL, &err), BP_EINVAL);
    assert_int_equal(count_files(*state), 0);
}

static void test_unwritable_folder(void **state)
{
    bp_plot_series s[3];
    bp_error err = {0};
    three_series(s, 1);
    const char *path = in_dir(state, "missing/fig.png");
    assert_int_equal(bp_plot_curves(path, NULL, NULL, NULL, s, 3, 0, &err),
                     BP_EIO);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, strerror(ENOENT)));
    assert_int_equal(count_files(*state), 0);

    /* /proc takes no new files, whoever we are */
    memset(&err, 0, sizeof err);
    assert_int_not_equal(bp_plot_curves("/proc/bp_fig.png", NULL, NULL, NULL,
                                        s, 3, 0, &err), BP_OK);
    assert_non_null(strstr(err.msg, "/proc/bp_fig.png"));
    assert_int_equal(access("/proc/bp_fig.png", F_OK), -1);
}

/* Like the library's model files: a folder (or device) in the way is
 * refused, a symbolic link is written through and stays a link. */
static void test_targets(void **state)
{
    bp_plot_series s[3];
    bp_error err = {0};
    three_series(s, 1);
    char dir_png[512], real[512], lnk[512];
    snprintf(dir_png, sizeof dir_png, "%s", in_dir(state, "folder.png"));
    snprintf(real, sizeof real, "%s", in_dir(state, "real.png"));
    snprintf(lnk, sizeof lnk, "%s", in_dir(state, "link.png"));
    assert_int_equal(mkdir(dir_png, 0700), 0);
    assert_int_equal(bp_plot_curves(dir_png, NULL, NULL, NULL, s, 3, 0, &err),
                     BP_EIO);
    assert_non_null(strstr(err.msg, "not a regular file"));
    rmdir(dir_png);

    assert_int_equal(symlink("real.png", lnk), 0);   /* dangling for now */
    assert_int_equal(bp_plot_curves(lnk, NULL, NULL, NULL, s, 3, 0, &err),
                     BP_OK);
    struct stat st;
    assert_int_equal(lstat(lnk, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_true(file_starts_with(real, "\x89PNG"));
    assert_int_equal(count_files(*state), 2);
}

static void test_svg_pdf(void **state)
{
    bp_plot_series s[3];
    bp_error err = {0};
    three_series(s, 1);
    enum { N = 40 };
    double x[2 * N];
    int truth[N];
    linear_points(x, truth, N, 11);

    const char *svg = in_dir(state, "curves.svg");
    assert_int_equal(bp_plot_curves(svg, "t", "x", "y", s, 3, 1, &err), BP_OK);
    assert_true(file_starts_with(svg, "<?xml") ||
                file_starts_with(svg, "<svg"));
    const char *pdf = in_dir(state, "comparison.pdf");
    assert_int_equal(bp_plot_comparison(pdf, x, truth, truth, N, NULL, &err),
                     BP_OK);
    assert_true(file_starts_with(pdf, "%PDF"));
    const char *map = in_dir(state, "map.SVG");   /* case-insensitive */
    assert_int_equal(bp_plot_decision(map, NULL, xor_prob, NULL, x, truth, N,
                                      NULL, &err), BP_OK);
    assert_true(file_starts_with(map, "<?xml") ||
                file_starts_with(map, "<svg"));
    struct stat st;
    assert_int_equal(stat(map, &st), 0);
    /* filled contours, not 40000 cells */
    assert_true(st.st_size < 4 * 1024 * 1024);
    assert_int_equal(count_files(*state), 3);
}

/* Figures one after another in one process, with nothing on stdout or
 * stderr (the library never prints; PLplot would like to). */
static void test_many_figures_quietly(void **state)
{
    bp_plot_series s[3];
    bp_error err = {0};
    three_series(s, 1);
    double x[2 * 30];
    int truth[30];
    linear_points(x, truth, 30, 5);

    char log[512];
    snprintf(log, sizeof log, "%s", in_dir(state, "output.txt"));
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved_out >= 0 && saved_err >= 0 && fd >= 0);
    dup2(fd, 1);
    dup2(fd, 2);
    bp_status st[6];
    st[0] = bp_plot_curves(in_dir(state, "a.png"), "a", "x", "y", s, 3, 0,
                           &err);
    st[1] = bp_plot_comparison(in_dir(state, "b.png"), x, truth, truth, 30,
                               NULL, &err);
    st[2] = bp_plot_decision(in_dir(state, "c.png"), "c", xor_prob, NULL, x,
                             truth, 30, NULL, &err);
    st[3] = bp_plot_curves(in_dir(state, "d.pdf"), "d", "x", "y", s, 3, 1,
                           &err);
    st[4] = bp_plot_curves(in_dir(state, "e.jpg"), "e", "x", "y", s, 3, 0,
                           &err);
    st[5] = bp_plot_curves(in_dir(state, "no/f.png"), "f", "x", "y", s, 3, 0,
                           &err);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    struct stat info;
    assert_int_equal(fstat(fd, &info), 0);
    close(fd);
    unlink(log);
    assert_int_equal(st[0], BP_OK);
    assert_int_equal(st[1], BP_OK);
    assert_int_equal(st[2], BP_OK);
    assert_int_equal(st[3], BP_OK);
    assert_int_equal(st[4], BP_EINVAL);
    assert_int_equal(st[5], BP_EIO);
    assert_int_equal(info.st_size, 0);
    assert_int_equal(count_files(*state), 4);
}

/* Under LeakSanitizer: fontconfig, which pango loads to find fonts, keeps
 * its configuration and caches for the life of the process by design. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_available),
        cmocka_unit_test_setup_teardown(test_curves_colours_and_legend,
                                        make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_curves_band_log_nonfinite,
                                        make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_curves_extreme_ranges, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_scatter_extreme_ranges, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_curves_bad_arguments, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_comparison, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_decision_xor, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_decision_island, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_decision_constant, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_decision_errors, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_labels_units_and_names, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_unknown_extension, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_unwritable_folder, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_targets, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_svg_pdf, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_many_figures_quietly, make_dir,
                                        remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* no PLplot: the stub's contract */

static void test_stub(void **state)
{
    (void) state;
    static const char *msg =
        "plotting is unavailable: backprop was built without PLplot";
    double x[4] = {0, 0, 1, 1}, y[2] = {1, 2};
    int t[2] = {0, 1};
    bp_plot_series s = {y, y, 2, "a", NULL, NULL};
    bp_error err;
    assert_int_equal(bp_plot_available(), 0);
    memset(&err, 0, sizeof err);
    assert_int_equal(bp_plot_curves("a.png", NULL, NULL, NULL, &s, 1, 0, &err),
                     BP_EINVAL);
    assert_string_equal(err.msg, msg);
    memset(&err, 0, sizeof err);
    assert_int_equal(bp_plot_comparison("b.png", x, t, t, 2, NULL, &err),
                     BP_EINVAL);
    assert_string_equal(err.msg, msg);
    memset(&err, 0, sizeof err);
    assert_int_equal(bp_plot_decision("c.png", NULL, NULL, NULL, x, t, 2, NULL,
                                      &err), BP_EINVAL);
    assert_string_equal(err.msg, msg);
    assert_int_equal(err.code, BP_EINVAL);
    assert_int_equal(access("a.png", F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
