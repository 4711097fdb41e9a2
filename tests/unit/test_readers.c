/* test_readers.c - the CSV and IDX readers: good files read back exactly,
 * and every kind of bad file refused with a message naming the file (and
 * the line and column where there is one). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "test_util.h"
#include "backprop.h"

#define TEST_FOLDER "/tmp/bp-test-readers.XXXXXX"
#include "test_folder.h"

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* ------------------------------------------------------------------ CSV */

static const bp_csv_opts detect = {.header = -1};

/* Writes text to NAME.csv in the folder and reads it. */
static bp_table *read_csv(const char *name, const char *text,
                          const bp_csv_opts *opts, bp_error *err)
{
    char path[256];
    path_in(path, sizeof path, name);
    write_file(path, text, strlen(text));
    return bp_csv_read(path, opts, err);
}

/* The file is refused with code and a message that holds "PATH" followed
 * by where (": empty file", ":3:2: feature ..."). */
static void expect_csv_error(const char *text, const bp_csv_opts *opts,
                             bp_status code, const char *where)
{
    char path[256], want[512];
    path_in(path, sizeof path, "bad.csv");
    bp_error err = {BP_OK, ""};
    bp_table *t = read_csv("bad.csv", text, opts, &err);
    if (t)
        fail_msg("read %s although it is bad", where);
    snprintf(want, sizeof want, "%s%s", path, where);
    if (!strstr(err.msg, want))
        fail_msg("message '%s' does not contain '%s'", err.msg, want);
    assert_int_equal(err.code, code);
}

static void assert_names(char **names, size_t n, const char *const *want)
{
    for (size_t i = 0; i < n; i++)
        assert_string_equal(names[i], want[i]);
}

/* A header is found when the first row has text and the second none; the
 * label is the last column; text classes come in sorted order. */
static void test_csv_header_detected(void **state)
{
    (void)state;
    bp_error err;
    bp_table *t = read_csv("h.csv", "a,b,species\n1,2.5,y\n-3,4e1,x\n"
                           "5,6,y\n", &detect, &err);
    assert_non_null(t);
    assert_int_equal(t->n, 3);
    assert_int_equal(t->d, 2);
    const double x[] = {1, 2.5, -3, 40, 5, 6};
    for (int i = 0; i < 6; i++)
        assert_same_double(t->x[i], x[i]);
    assert_names(t->feature_names, 2, (const char *const[]){"a", "b"});
    assert_int_equal(t->n_classes, 2);
    assert_names(t->class_names, 2, (const char *const[]){"x", "y"});
    assert_same_double(t->target[0], 1.0);
    assert_same_double(t->target[1], 0.0);
    assert_same_double(t->target[2], 1.0);
    assert_false(t->labels_numeric);
    assert_true(isnan(t->label_value[0]));
    bp_table_free(t);
}

/* No header: every row is data, features are x1..xd; numeric labels are
 * classes too, in numeric order ("1" before "3"), with their values in
 * label_value. */
static void test_csv_no_header(void **state)
{
    (void)state;
    bp_error err;
    bp_table *t = read_csv("n.csv", "1,2,3\n4,5,1\n7,8,3\n", &detect, &err);
    assert_non_null(t);
    assert_int_equal(t->n, 3);
    assert_int_equal(t->d, 2);
    assert_names(t->feature_names, 2, (const char *const[]){"x1", "x2"});
    assert_int_equal(t->n_classes, 2);
    assert_names(t->class_names, 2, (const char *const[]){"1", "3"});
    assert_true(t->labels_numeric);
    const double target[] = {1, 0, 1}, value[] = {3, 1, 3};
    for (int i = 0; i < 3; i++) {
        assert_same_double(t->target[i], target[i]);
        assert_same_double(t->label_value[i], value[i]);
    }
    bp_table_free(t);
}

/* header = 1 takes a numeric first row as names; header = 0 makes a text
 * first row data, which then fails on line 1. */
static void test_csv_header_forced(void **state)
{
    (void)state;
    bp_error err;
    bp_csv_opts on = {.header = 1}, off = {.header = 0};
    bp_table *t = read_csv("f.csv", "10,20,30\n4,5,6\n", &on, &err);
    assert_non_null(t);
    assert_int_equal(t->n, 1);
    assert_names(t->feature_names, 2, (const char *const[]){"10", "20"});
    assert_same_double(t->x[1], 5.0);
    bp_table_free(t);
    expect_csv_error("a,b,c\n1,2,3\n", &off, BP_EFORMAT,
                     ":1:1: feature 'x1' is not a number: 'a'");
    /* a single row of numbers is data; forced to a header, there is none */
    t = read_csv("one.csv", "1,2,x\n", &detect, &err);
    assert_non_null(t);
    assert_int_equal(t->n, 1);
    bp_table_free(t);
    expect_csv_error("1,2,x\n", &on, BP_EFORMAT,
                     ": no data rows (only a header)");
}

/* The label by header name, by 0-based index, and by default the last. */
static void test_csv_label_choice(void **state)
{
    (void)state;
    bp_error err;
    const char *text = "species,a,b\nsetosa,1,2\nvirginica,3,4\n";
    bp_csv_opts by_name = {.header = -1, .label = "species"},
                by_index = {.header = -1, .label = "0"};
    for (int k = 0; k < 2; k++) {
        bp_table *t = read_csv("l.csv", text, k ? &by_index : &by_name, &err);
        assert_non_null(t);
        assert_int_equal(t->d, 2);
        assert_names(t->feature_names, 2, (const char *const[]){"a", "b"});
        assert_names(t->class_names, 2,
                     (const char *const[]){"setosa", "virginica"});
        assert_same_double(t->x[2], 3.0);
        bp_table_free(t);
    }
    /* by default the last column, "b", is the label */
    bp_table *t = read_csv("l.csv", "a,b\n1,x\n2,y\n", &detect, &err);
    assert_non_null(t);
    assert_int_equal(t->d, 1);
    assert_names(t->class_names, 2, (const char *const[]){"x", "y"});
    bp_table_free(t);
    /* a label given by name makes the first row a header, even where the
     * detection rule would not ("1" is a number) */
    bp_csv_opts b = {.header = -1, .label = "b"};
    t = read_csv("l2.csv", "b,1\n1,2\n", &b, &err);
    assert_non_null(t);
    assert_int_equal(t->n, 1);
    assert_names(t->feature_names, 1, (const char *const[]){"1"});
    assert_string_equal(t->class_names[0], "1");
    bp_table_free(t);
}

/* Quoted fields keep commas, "" is a quote, and quoted numbers are numbers;
 * a quoted line break belongs to its field and the line count goes on. */
static void test_csv_quoted(void **state)
{
    (void)state;
    bp_error err;
    bp_table *t = read_csv("q.csv",
                           "\"width, cm\",\"name\"\n"
                           "\"1.5\",\"a, \"\"b\"\"\"\n"
                           " 2 ,\"two\nlines\"\n", &detect, &err);
    assert_non_null(t);
    assert_int_equal(t->n, 2);
    assert_string_equal(t->feature_names[0], "width, cm");
    assert_same_double(t->x[0], 1.5);
    assert_same_double(t->x[1], 2.0);
    assert_names(t->class_names, 2,
                 (const char *const[]){"a, \"b\"", "two\nlines"});
    bp_table_free(t);
    /* the bad field is on line 2, after a field that spans lines 1-2 */
    bp_csv_opts middle = {.header = 0, .label = "1"};
    expect_csv_error("1,\"two\nlines\",oops\n", &middle, BP_EFORMAT,
                     ":2:3: feature 'x2' is not a number: 'oops'");
    expect_csv_error("1,\"x\ny\"\n2,\"x\ny\"\nbad,z\n", &detect, BP_EFORMAT,
                     ":5:1: feature 'x1' is not a number: 'bad'");
}

/* CRLF line ends, a UTF-8 byte order mark, blank lines anywhere (also
 * lines of spaces) and a ';' delimiter. */
static void test_csv_line_ends_bom_blank(void **state)
{
    (void)state;
    bp_error err;
    bp_table *t = read_csv("crlf.csv", "a,b\r\n1,x\r\n2,y\r\n", &detect,
                           &err);
    assert_non_null(t);
    assert_int_equal(t->n, 2);
    assert_names(t->class_names, 2, (const char *const[]){"x", "y"});
    bp_table_free(t);
    t = read_csv("bom.csv", "\xEF\xBB\xBF" "a,b\n1,x\n", &detect, &err);
    assert_non_null(t);
    assert_string_equal(t->feature_names[0], "a");
    bp_table_free(t);
    t = read_csv("blank.csv", "\n\na,b\n1,x\n\n  \n2,y\n\n\n\r\n", &detect,
                 &err);
    assert_non_null(t);
    assert_int_equal(t->n, 2);
    bp_table_free(t);
    /* line numbers count the blank lines */
    expect_csv_error("\na,b\n\n1,x\n\nq,y\n", &detect, BP_EFORMAT,
                     ":6:1: feature 'a' is not a number: 'q'");
    expect_csv_error("a,b\r\n1,x\r\nq,y\r\n", &detect, BP_EFORMAT,
                     ":3:1: feature 'a'");
    bp_csv_opts semi = {.header = -1, .delimiter = ';'};
    t = read_csv("semi.csv", "a;b;c\n1.5;2,5;x\n", &semi, &err);
    assert_null(t);     /* "2,5" is not a number in the C locale */
    t = read_csv("semi.csv", "a;b;c\n1.5;-2;\"x;y\"\n", &semi, &err);
    assert_non_null(t);
    assert_int_equal(t->d, 2);
    assert_same_double(t->x[1], -2.0);
    assert_string_equal(t->class_names[0], "x;y");
    bp_table_free(t);
}

/* A single class is loadable: whether it is enough is the caller's
 * business. */
static void test_csv_one_class(void **state)
{
    (void)state;
    bp_error err;
    bp_table *t = read_csv("one.csv", "a,b\n1,x\n2,x\n", &detect, &err);
    assert_non_null(t);
    assert_int_equal(t->n_classes, 1);
    bp_table_free(t);
}

static void test_csv_bad_rows(void **state)
{
    (void)state;
    expect_csv_error("a,b,c\n1,2,x\n1,2\n", &detect, BP_EFORMAT,
                     ":3: expected 3 fields, got 2");
    expect_csv_error("a,b,c\n1,2,x\n1,2,3,4\n", &detect, BP_EFORMAT,
                     ":3: expected 3 fields, got 4");
    expect_csv_error("a,b,c\n1,2,x\n1,abc,y\n", &detect, BP_EFORMAT,
                     ":3:2: feature 'b' is not a number: 'abc'");
    expect_csv_error("a,b,c\n1,2,x\n1,NaN,y\n", &detect, BP_EFORMAT,
                     ":3:2: feature 'b' is not a number: 'NaN'");
    expect_csv_error("a,b,c\n1,2,x\ninf,2,y\n", &detect, BP_EFORMAT,
                     ":3:1: feature 'a' is not a number: 'inf'");
    expect_csv_error("a,b,c\n1,2,x\n1,1e999,y\n", &detect, BP_EFORMAT,
                     ":3:2: feature 'b' is not a number: '1e999'");
    expect_csv_error("a,b,c\n1,2,x\n1,,y\n", &detect, BP_EFORMAT,
                     ":3:2: feature 'b' is not a number: ''");
    expect_csv_error("a,b,c\n1,2,x\n1,2 3,y\n", &detect, BP_EFORMAT,
                     ":3:2: feature 'b' is not a number: '2 3'");
    expect_csv_error("a,b,c\n1,2,x\n1,2,\n", &detect, BP_EFORMAT,
                     ":3:3: empty label");
    expect_csv_error("a,b\n1,x\"y\n", &detect, BP_EFORMAT,
                     ":2: malformed quotes");
    expect_csv_error("a,b\n1,x\n2,\"open\n3,y\n", &detect, BP_EFORMAT,
                     ": the file ends inside a quoted field");
    expect_csv_error("a\n1\n", &detect, BP_EFORMAT,
                     ":1: a table needs at least 2 columns");
}

static void test_csv_bad_files(void **state)
{
    (void)state;
    expect_csv_error("", &detect, BP_EFORMAT, ": empty file");
    expect_csv_error("\n\r\n  \n", &detect, BP_EFORMAT, ": empty file");
    expect_csv_error("\xEF\xBB\xBF", &detect, BP_EFORMAT, ": empty file");
    expect_csv_error("a,b,c\n", &detect, BP_EFORMAT,
                     ": no data rows (only a header)");
    bp_csv_opts foo = {.header = -1, .label = "foo"},
                far = {.header = -1, .label = "3"},
                huge = {.header = -1, .label = "99999999999999999999999"},
                bad = {.header = 2};
    expect_csv_error("a,b,c\n1,2,x\n", &foo, BP_EINVAL,
                     ": no column 'foo' (columns: a, b, c)");
    expect_csv_error("1,2,x\n3,4,y\n", &foo, BP_EINVAL,
                     ": no column 'foo': the file has no header");
    expect_csv_error("a,b,c\n1,2,x\n", &far, BP_EINVAL,
                     ": label column 3 is out of range (the file has 3 "
                     "columns, 0 to 2)");
    expect_csv_error("a,b,c\n1,2,x\n", &huge, BP_EINVAL, ": label column");
    expect_csv_error("a,b,c\n1,2,x\n", &bad, BP_EINVAL, ": header must be");
    bp_table_free(NULL);
    bp_error err;
    assert_null(bp_csv_read("/nonexistent/x.csv", NULL, &err));
    assert_int_equal(err.code, BP_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/x.csv: cannot open"));
    /* opts NULL: detect the header, ',' and the last column */
    char path[256];
    path_in(path, sizeof path, "ok.csv");
    write_file(path, "a,b\n1,x\n", 8);
    bp_table *t = bp_csv_read(path, NULL, &err);
    assert_non_null(t);
    assert_int_equal(t->n, 1);
    bp_table_free(t);
}

/* More fields than BP_MAX_CSV_COLUMNS, and a field longer than
 * BP_MAX_CSV_FIELD (an unclosed quote), are refused while reading. */
static void test_csv_limits(void **state)
{
    (void)state;
    size_t len = (BP_MAX_CSV_COLUMNS > BP_MAX_CSV_FIELD ? BP_MAX_CSV_COLUMNS
                  : BP_MAX_CSV_FIELD) + 1000;
    char *text = malloc(len + 1);
    assert_non_null(text);
    memset(text, ',', len);
    text[len - 1] = '\n';
    text[len] = '\0';
    expect_csv_error(text, &detect, BP_EFORMAT,
                     ":1: more than 1048576 fields in a row");
    memset(text, 'a', len);
    text[0] = '"';
    expect_csv_error(text, &detect, BP_EFORMAT,
                     ":1: a field longer than 1048576 bytes");
    free(text);
}

/* ------------------------------------------------------------------ IDX */

/* An IDX file: magic 00 00 type ndims, big-endian sizes, data, extra
 * bytes; gzip-compressed when gz. */
static void write_idx(const char *path, int gz, unsigned char type,
                      int ndims, const uint32_t *dims,
                      const unsigned char *data, size_t len, size_t extra)
{
    unsigned char buf[256] = {0, 0, type, (unsigned char)ndims};
    size_t n = 4;
    for (int i = 0; i < ndims; i++, n += 4) {
        buf[n] = (unsigned char)(dims[i] >> 24);
        buf[n + 1] = (unsigned char)(dims[i] >> 16);
        buf[n + 2] = (unsigned char)(dims[i] >> 8);
        buf[n + 3] = (unsigned char)dims[i];
    }
    assert_true(n + len + extra <= sizeof buf);
    memcpy(buf + n, data, len);
    memset(buf + n + len, 7, extra);
    n += len + extra;
    if (!gz) {
        write_file(path, buf, n);
        return;
    }
    gzFile f = gzopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, buf, (unsigned)n), (int)n);
    assert_int_equal(gzclose(f), Z_OK);
}

static const unsigned char pixels[12] = {0, 255, 51, 102, 1, 2, 3, 4,
                                         255, 254, 0, 128};
static const unsigned char labels[3] = {2, 0, 2};
static const uint32_t image_dims[3] = {3, 2, 2}, label_dims[1] = {3};

/* Good files in the folder: images.idx, labels.idx (raw) and their .gz. */
static void write_good_pair(void)
{
    char path[256];
    for (int gz = 0; gz <= 1; gz++) {
        path_in(path, sizeof path, gz ? "images.gz" : "images.idx");
        write_idx(path, gz, 0x08, 3, image_dims, pixels, 12, 0);
        path_in(path, sizeof path, gz ? "labels.gz" : "labels.idx");
        write_idx(path, gz, 0x08, 1, label_dims, labels, 3, 0);
    }
}

/* 3 images of 2x2 and 3 labels read back exactly, raw and gzip (and one of
 * each: compression is told by content). */
static void test_idx_good(void **state)
{
    (void)state;
    write_good_pair();
    const char *names[3][2] = {{"images.idx", "labels.idx"},
                               {"images.gz", "labels.gz"},
                               {"images.gz", "labels.idx"}};
    for (int k = 0; k < 3; k++) {
        char ip[256], lp[256];
        path_in(ip, sizeof ip, names[k][0]);
        path_in(lp, sizeof lp, names[k][1]);
        bp_error err;
        bp_table *t = bp_idx_read(ip, lp, &err);
        if (!t)
            fail_msg("%s", err.msg);
        assert_int_equal(t->n, 3);
        assert_int_equal(t->d, 4);
        for (int i = 0; i < 12; i++)
            assert_same_double(t->x[i], pixels[i] / 255.0);
        assert_same_double(t->x[1], 1.0);
        assert_same_double(t->x[0], 0.0);
        for (int i = 0; i < 3; i++) {
            assert_same_double(t->target[i], (double)labels[i]);
            assert_same_double(t->label_value[i], (double)labels[i]);
        }
        assert_int_equal(t->n_classes, 3);
        assert_names(t->class_names, 3, (const char *const[]){"0", "1", "2"});
        assert_names(t->feature_names, 4,
                     (const char *const[]){"px1", "px2", "px3", "px4"});
        assert_true(t->labels_numeric);
        bp_table_free(t);
    }
}

/* Reads images.bad (written by the caller) with the good labels, or the
 * good images with labels.bad; the message must hold "PATH" + what. */
static void expect_idx_error(int bad_labels, bp_status code, const char *what)
{
    char ip[256], lp[256], want[512];
    path_in(ip, sizeof ip, bad_labels ? "images.idx" : "images.bad");
    path_in(lp, sizeof lp, bad_labels ? "labels.bad" : "labels.idx");
    bp_error err = {BP_OK, ""};
    bp_table *t = bp_idx_read(ip, lp, &err);
    if (t)
        fail_msg("read a bad file (%s)", what);
    snprintf(want, sizeof want, "%s%s", bad_labels ? lp : ip, what);
    if (!strstr(err.msg, want))
        fail_msg("message '%s' does not contain '%s'", err.msg, want);
    assert_int_equal(err.code, code);
}

static void write_bad(int labels_file, int gz, unsigned char type, int ndims,
                      const uint32_t *dims, const unsigned char *data,
                      size_t len, size_t extra)
{
    char path[256];
    path_in(path, sizeof path, labels_file ? "labels.bad" : "images.bad");
    write_idx(path, gz, type, ndims, dims, data, len, extra);
}

static void test_idx_bad_headers(void **state)
{
    (void)state;
    write_good_pair();
    char path[256];
    path_in(path, sizeof path, "images.bad");
    write_file(path, "\x01\x00\x08\x03\x00\x00\x00\x01", 8);
    expect_idx_error(0, BP_EFORMAT, ": not an IDX file");
    write_file(path, "\x00", 1);
    expect_idx_error(0, BP_EFORMAT, ": not an IDX file");
    write_file(path, "", 0);
    expect_idx_error(0, BP_EFORMAT, ": not an IDX file");
    write_bad(0, 0, 0x0D, 3, image_dims, pixels, 12, 0);
    expect_idx_error(0, BP_EFORMAT, ": IDX type 0x0d, expected unsigned "
                     "bytes (0x08)");
    write_bad(0, 1, 0x08, 2, image_dims, pixels, 12, 0);
    expect_idx_error(0, BP_EFORMAT, ": 2 dimensions, expected 3");
    write_bad(1, 0, 0x08, 3, image_dims, labels, 3, 0);
    expect_idx_error(1, BP_EFORMAT, ": 3 dimensions, expected 1");
    write_bad(1, 0, 0x0B, 1, label_dims, labels, 3, 0);
    expect_idx_error(1, BP_EFORMAT, ": IDX type 0x0b");
    write_file(path, "\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00", 10);
    expect_idx_error(0, BP_EFORMAT, ": truncated: expected 16 bytes of "
                     "header, got 10");
    const uint32_t zero[3] = {0, 2, 2}, wide[3] = {3, 300, 300};
    write_bad(0, 0, 0x08, 3, zero, pixels, 0, 0);
    expect_idx_error(0, BP_EFORMAT, ": no data");
    write_bad(0, 0, 0x08, 3, wide, pixels, 12, 0);
    expect_idx_error(0, BP_EFORMAT, ": images of 300 x 300 pixels");
    bp_error err;
    assert_null(bp_idx_read("/nonexistent/i.idx", "/nonexistent/l.idx",
                            &err));
    assert_int_equal(err.code, BP_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/i.idx: cannot open"));
}

/* Cuts the last cut bytes of a file. */
static void cut_file(const char *path, off_t cut)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > cut);
    assert_int_equal(truncate(path, st.st_size - cut), 0);
}

static void test_idx_bad_data(void **state)
{
    (void)state;
    write_good_pair();
    char path[256];
    path_in(path, sizeof path, "images.bad");
    write_bad(0, 0, 0x08, 3, image_dims, pixels, 10, 0);
    expect_idx_error(0, BP_EFORMAT,
                     ": truncated: expected 12 bytes of data, got 10");
    write_bad(0, 1, 0x08, 3, image_dims, pixels, 10, 0);
    expect_idx_error(0, BP_EFORMAT,
                     ": truncated: expected 12 bytes of data, got 10");
    /* a valid .gz cut by 20 bytes: the deflate data and trailer are cut */
    write_bad(0, 1, 0x08, 3, image_dims, pixels, 12, 0);
    cut_file(path, 20);
    expect_idx_error(0, BP_EFORMAT, ": truncated");
    /* cut by 4 bytes: the data is all there, the gzip trailer is not */
    write_bad(0, 1, 0x08, 3, image_dims, pixels, 12, 0);
    cut_file(path, 4);
    expect_idx_error(0, BP_EFORMAT, ": truncated gzip stream");
    write_bad(0, 0, 0x08, 3, image_dims, pixels, 12, 1);
    expect_idx_error(0, BP_EFORMAT, ": extra data after the 12 bytes");
    write_bad(1, 1, 0x08, 1, label_dims, labels, 3, 5);
    expect_idx_error(1, BP_EFORMAT, ": extra data after the 3 bytes");
    /* 3 images, 2 labels: both files are named */
    const uint32_t two[1] = {2};
    write_bad(1, 0, 0x08, 1, two, labels, 2, 0);
    char ip[256], lp[256], want[600];
    path_in(ip, sizeof ip, "images.idx");
    path_in(lp, sizeof lp, "labels.bad");
    bp_error err;
    assert_null(bp_idx_read(ip, lp, &err));
    snprintf(want, sizeof want, "%s has 3 images but %s has 2 labels", ip,
             lp);
    assert_string_equal(err.msg, want);
}

/* A header claiming 4e9 images in a 100-byte file is refused at once. */
static void test_idx_forged_count(void **state)
{
    (void)state;
    write_good_pair();
    const uint32_t forged[3] = {4000000000u, 28, 28};
    unsigned char junk[84] = {0};
    write_bad(0, 0, 0x08, 3, forged, junk, sizeof junk, 0);
    expect_idx_error(0, BP_EFORMAT, ": 4000000000 images, more than the "
                     "limit of 10000000");
    const uint32_t many[1] = {4000000000u};
    write_bad(1, 0, 0x08, 1, many, junk, sizeof junk, 0);
    expect_idx_error(1, BP_EFORMAT, ": 4000000000 labels");
    /* within the count and pixel limits, beyond 2^28 values in all */
    const uint32_t total[3] = {5000000, 28, 28};
    write_bad(0, 0, 0x08, 3, total, junk, sizeof junk, 0);
    expect_idx_error(0, BP_EFORMAT, ": 5000000 images of 784 pixels, more "
                     "than the limit of 268435456 values");
}

/* A header within the limits (10^6 images of 16x16: 256 MB announced,
 * 2 GiB of doubles) in a 100-byte file fails as truncated, and without a
 * large allocation: outside the sanitizers, a child process with 256 MiB
 * of address space does the reading.  The label file is complete (10^6
 * labels), so that the image data is what is read short. */
static void test_idx_forged_within_limits(void **state)
{
    (void)state;
    const uint32_t dims[3] = {1000000, 16, 16};
    unsigned char junk[84] = {0};
    char ip[256], lp[256];
    path_in(ip, sizeof ip, "images.bad");
    path_in(lp, sizeof lp, "labels.bad");
    write_idx(ip, 0, 0x08, 3, dims, junk, sizeof junk, 0);
    size_t n_labels = 1000000;
    unsigned char *lbl = calloc(8 + n_labels, 1);
    assert_non_null(lbl);
    memcpy(lbl, "\x00\x00\x08\x01\x00\x0f\x42\x40", 8);  /* 10^6 */
    write_file(lp, lbl, 8 + n_labels);
    free(lbl);
    const char *want = ": truncated: expected 256000000 bytes of data, got 84";
#if defined(__SANITIZE_ADDRESS__)
    bp_error err;
    assert_null(bp_idx_read(ip, lp, &err));
    if (!strstr(err.msg, want))
        fail_msg("%s", err.msg);
#else
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit lim = {256u << 20, 256u << 20};
        bp_error err;
        if (setrlimit(RLIMIT_AS, &lim) != 0)
            _exit(3);
        if (bp_idx_read(ip, lp, &err))
            _exit(4);
        _exit(strstr(err.msg, want) ? 0 : 5);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
#endif
}

#define FASHION "/usr/share/datasets/fashion-mnist/"

/* The test set of Fashion-MNIST, when the dataset-fashion-mnist package is
 * installed: 10000 images of 28x28, 10 classes, pixels in [0, 1]. */
static void test_idx_fashion_mnist(void **state)
{
    (void)state;
    const char *images = FASHION "t10k-images-idx3-ubyte.gz",
               *label_file = FASHION "t10k-labels-idx1-ubyte.gz";
    if (access(images, R_OK) != 0 || access(label_file, R_OK) != 0)
        skip();
    bp_error err;
    bp_table *t = bp_idx_read(images, label_file, &err);
    if (!t)
        fail_msg("%s", err.msg);
    assert_int_equal(t->n, 10000);
    assert_int_equal(t->d, 784);
    assert_int_equal(t->n_classes, 10);
    assert_string_equal(t->class_names[9], "9");
    double lo = 1, hi = 0;
    for (size_t i = 0; i < t->n * t->d; i++) {
        lo = fmin(lo, t->x[i]);
        hi = fmax(hi, t->x[i]);
    }
    assert_same_double(lo, 0.0);
    assert_same_double(hi, 1.0);
    size_t per_class[10] = {0};
    for (size_t i = 0; i < t->n; i++)
        per_class[(size_t)t->target[i]]++;
    for (int k = 0; k < 10; k++)
        assert_int_equal(per_class[k], 1000);   /* the test set is balanced */
    bp_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_header_detected),
        cmocka_unit_test(test_csv_no_header),
        cmocka_unit_test(test_csv_header_forced),
        cmocka_unit_test(test_csv_label_choice),
        cmocka_unit_test(test_csv_quoted),
        cmocka_unit_test(test_csv_line_ends_bom_blank),
        cmocka_unit_test(test_csv_one_class),
        cmocka_unit_test(test_csv_bad_rows),
        cmocka_unit_test(test_csv_bad_files),
        cmocka_unit_test(test_csv_limits),
        cmocka_unit_test(test_idx_good),
        cmocka_unit_test(test_idx_bad_headers),
        cmocka_unit_test(test_idx_bad_data),
        cmocka_unit_test(test_idx_forged_count),
        cmocka_unit_test(test_idx_forged_within_limits),
        cmocka_unit_test(test_idx_fashion_mnist),
    };
    return cmocka_run_group_tests_name("readers", tests, make_folder,
                                       remove_folder);
}
