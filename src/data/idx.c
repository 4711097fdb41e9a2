/* idx.c - a table from an IDX image file and an IDX label file (MNIST,
 * Fashion-MNIST), raw or gzip-compressed.
 *
 * An IDX file is: two zero bytes, a type byte (0x08: unsigned bytes), the
 * number of dimensions, one big-endian 32-bit size per dimension, then the
 * values, last dimension fastest.  zlib's gzread reads gzip files and, when
 * the file does not start with the gzip magic 0x1f 0x8b, raw files as they
 * are, so one path reads both. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/error.h"
#include "data/table.h"

#define IDX_UBYTE 0x08

/* The first block of the data buffer; it doubles as data arrives, so that a
 * header announcing more data than the file holds costs no more than this
 * and the bytes actually read. */
#define IDX_FIRST_BLOCK ((size_t)1 << 20)

typedef struct {
    const char *path;
    gzFile f;
    int ndims;
    size_t dims[3];
    size_t count;            /* values announced: the product of dims */
    unsigned char *data;     /* count bytes once read                 */
} idx_file;

static void idx_close(idx_file *idx)
{
    if (idx->f)
        gzclose(idx->f);
    idx->f = NULL;
    free(idx->data);
    idx->data = NULL;
}

/* The reason of the last zlib failure: errno's text for a system error. */
static const char *gz_reason(gzFile f)
{
    int code;
    const char *msg = gzerror(f, &code);
    return code == Z_ERRNO ? strerror(errno) : msg;
}

/* Whether zlib met the end of the file inside a gzip stream. */
static int gz_cut(gzFile f)
{
    int code;
    gzerror(f, &code);
    return code == Z_BUF_ERROR;
}

static bp_status idx_open(idx_file *idx, bp_error *err)
{
    const char *path = idx->path;
    errno = 0;
    idx->f = gzopen(path, "rb");
    if (!idx->f)
        return bp_fail(err, errno ? BP_EIO : BP_ENOMEM, "%s: cannot open: %s",
                       path, errno ? strerror(errno) : "out of memory");
    gzbuffer(idx->f, 1 << 17);
    return BP_OK;
}

/* Reads up to len bytes; *got receives how many arrived.  A short count is
 * the end of the data (or of a truncated gzip stream); -1 from gzread is a
 * read or decompression error. */
static bp_status idx_read(idx_file *idx, unsigned char *buf, size_t len,
                          size_t *got, bp_error *err)
{
    *got = 0;
    while (*got < len) {
        size_t want = len - *got;
        int n = gzread(idx->f, buf + *got,
                       want > INT_MAX / 2 ? INT_MAX / 2 : (unsigned)want);
        if (n < 0)
            return bp_fail(err, BP_EIO, "%s: read error: %s", idx->path,
                           gz_reason(idx->f));
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return BP_OK;
}

/* The magic, the type and the dimensions; want_dims is 3 for images, 1 for
 * labels. */
static bp_status idx_read_header(idx_file *idx, int want_dims, bp_error *err)
{
    unsigned char magic[4], dims[12];
    size_t got;
    bp_status st = idx_read(idx, magic, 4, &got, err);
    if (st != BP_OK)
        return st;
    if (got < 4 && gz_cut(idx->f))
        return bp_fail(err, BP_EFORMAT, "%s: truncated gzip stream: no IDX "
                       "header", idx->path);
    if (got < 4 || magic[0] != 0 || magic[1] != 0)
        return bp_fail(err, BP_EFORMAT, "%s: not an IDX file (it must start "
                       "with two zero bytes, a type and a dimension count)",
                       idx->path);
    if (magic[2] != IDX_UBYTE)
        return bp_fail(err, BP_EFORMAT, "%s: IDX type 0x%02x, expected "
                       "unsigned bytes (0x08)", idx->path, magic[2]);
    if (magic[3] != want_dims)
        return bp_fail(err, BP_EFORMAT, "%s: %d dimensions, expected %d (%s)",
                       idx->path, magic[3], want_dims,
                       want_dims == 3 ? "images x rows x columns" : "labels");
    size_t len = 4 * (size_t)want_dims;
    st = idx_read(idx, dims, len, &got, err);
    if (st != BP_OK)
        return st;
    if (got < len)
        return bp_fail(err, BP_EFORMAT, "%s: truncated: expected %zu bytes "
                       "of header, got %zu", idx->path, len + 4, got + 4);
    idx->ndims = want_dims;
    for (int i = 0; i < want_dims; i++) {
        const unsigned char *b = dims + 4 * i;
        idx->dims[i] = (size_t)b[0] << 24 | (size_t)b[1] << 16 |
                       (size_t)b[2] << 8 | (size_t)b[3];
    }
    return BP_OK;
}

/* The sizes against the documented limits, before any allocation; the
 * products are overflow-checked. */
static bp_status idx_check_sizes(idx_file *idx, bp_error *err)
{
    size_t n = idx->dims[0], pixels = 1, count;
    const char *what = idx->ndims == 3 ? "images" : "labels";
    int big = idx->ndims == 3 &&
              !bp_mul_size(idx->dims[1], idx->dims[2], &pixels);
    if (n == 0 || pixels == 0)
        return bp_fail(err, BP_EFORMAT, "%s: no data (sizes of zero)",
                       idx->path);
    if (n > BP_MAX_IDX_ITEMS)
        return bp_fail(err, BP_EFORMAT, "%s: %zu %s, more than the limit of "
                       "%zu", idx->path, n, what, BP_MAX_IDX_ITEMS);
    if (big || pixels > BP_MAX_IDX_PIXELS)
        return bp_fail(err, BP_EFORMAT, "%s: images of %zu x %zu pixels, more "
                       "than the limit of %zu", idx->path, idx->dims[1],
                       idx->dims[2], BP_MAX_IDX_PIXELS);
    if (!bp_mul_size(n, pixels, &count) || count > BP_MAX_TABLE_VALUES)
        return bp_fail(err, BP_EFORMAT, "%s: %zu images of %zu pixels, more "
                       "than the limit of %zu values", idx->path, n, pixels,
                       BP_MAX_TABLE_VALUES);
    idx->count = count;
    return BP_OK;
}

/* After the data: the file must end here.  A gzip stream whose data is
 * complete but whose trailer is cut shows as zlib's Z_BUF_ERROR. */
static bp_status idx_check_end(idx_file *idx, bp_error *err)
{
    unsigned char extra;
    size_t got;
    bp_status st = idx_read(idx, &extra, 1, &got, err);
    if (st != BP_OK)
        return st;
    if (got)
        return bp_fail(err, BP_EFORMAT, "%s: extra data after the %zu bytes "
                       "the header announces", idx->path, idx->count);
    if (gz_cut(idx->f))
        return bp_fail(err, BP_EFORMAT, "%s: truncated gzip stream: %s",
                       idx->path, gz_reason(idx->f));
    return BP_OK;
}

/* The count bytes the header announced, into a buffer that grows
 * geometrically as they arrive. */
static bp_status idx_read_data(idx_file *idx, bp_error *err)
{
    size_t cap = 0, have = 0;
    while (have < idx->count) {
        size_t new_cap = cap ? 2 * cap : IDX_FIRST_BLOCK, got;
        if (new_cap > idx->count)
            new_cap = idx->count;
        unsigned char *p = realloc(idx->data, new_cap);
        if (!p)
            return bp_fail(err, BP_ENOMEM, "%s: out of memory for %zu bytes",
                           idx->path, new_cap);
        idx->data = p;
        cap = new_cap;
        bp_status st = idx_read(idx, p + have, cap - have, &got, err);
        if (st != BP_OK)
            return st;
        have += got;
        if (have < cap)
            return bp_fail(err, BP_EFORMAT, "%s: truncated: expected %zu "
                           "bytes of data, got %zu", idx->path, idx->count,
                           have);
    }
    return idx_check_end(idx, err);
}

/* Opens a file and checks its header against the limits. */
static bp_status idx_load(idx_file *idx, int want_dims, bp_error *err)
{
    bp_status st = idx_open(idx, err);
    if (st == BP_OK)
        st = idx_read_header(idx, want_dims, err);
    if (st == BP_OK)
        st = idx_check_sizes(idx, err);
    return st;
}

/* x = pixels / 255, target = label_value = label; classes "0".."max". */
static bp_status fill_table(bp_table *t, const idx_file *images,
                            const idx_file *labels, bp_error *err)
{
    size_t n = images->dims[0], d = images->dims[1] * images->dims[2];
    t->n = n;
    t->d = d;
    t->x = malloc(n * d * sizeof *t->x);
    t->target = malloc(n * sizeof *t->target);
    t->label_value = malloc(n * sizeof *t->label_value);
    t->feature_names = bp_numbered_names("px", 1, d);
    if (!t->x || !t->target || !t->label_value || !t->feature_names)
        return bp_fail(err, BP_ENOMEM, "%s: out of memory for %zu images",
                       images->path, n);
    for (size_t i = 0; i < n * d; i++)
        t->x[i] = images->data[i] / 255.0;
    unsigned char max = 0;
    for (size_t i = 0; i < n; i++) {
        t->target[i] = t->label_value[i] = labels->data[i];
        if (labels->data[i] > max)
            max = labels->data[i];
    }
    t->class_names = bp_numbered_names("", 0, (size_t)max + 1);
    if (!t->class_names)
        return bp_fail(err, BP_ENOMEM, "%s: out of memory", labels->path);
    t->n_classes = (size_t)max + 1;
    t->labels_numeric = 1;
    return BP_OK;
}

/* Both headers are read and compared before either file's data. */
static bp_status read_pair(idx_file *images, idx_file *labels, bp_table *t,
                           bp_error *err)
{
    bp_status st = idx_load(images, 3, err);
    if (st == BP_OK)
        st = idx_load(labels, 1, err);
    if (st != BP_OK)
        return st;
    if (images->dims[0] != labels->dims[0])
        return bp_fail(err, BP_EFORMAT, "%s has %zu images but %s has %zu "
                       "labels", images->path, images->dims[0], labels->path,
                       labels->dims[0]);
    st = idx_read_data(labels, err);
    if (st == BP_OK)
        st = idx_read_data(images, err);
    if (st == BP_OK)
        st = fill_table(t, images, labels, err);
    return st;
}

bp_table *bp_idx_read(const char *images_path, const char *labels_path,
                      bp_error *err)
{
    if (!images_path || !labels_path) {
        bp_fail(err, BP_EINVAL, "bp_idx_read: no file name");
        return NULL;
    }
    bp_table *t = calloc(1, sizeof *t);
    if (!t) {
        bp_fail(err, BP_ENOMEM, "%s: out of memory", images_path);
        return NULL;
    }
    idx_file images = {.path = images_path}, labels = {.path = labels_path};
    bp_status st = read_pair(&images, &labels, t, err);
    idx_close(&images);
    idx_close(&labels);
    if (st != BP_OK) {
        bp_table_free(t);
        return NULL;
    }
    return t;
}
