/* csv.c - a table from a CSV file, tokenised by libcsv.
 *
 * libcsv delivers fields and row ends through callbacks; this file keeps the
 * current row's fields, decides on the header and the label column once the
 * second row is known, then turns every data row into features, a class
 * index and a numeric label value.  Line numbers are exact because the file
 * is fed to libcsv one line at a time. */
#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/table.h"

/* One row as libcsv delivers it: the fields' text one after another in buf,
 * each NUL-terminated; off[i] is where field i starts, line[i] the line it
 * starts on. */
typedef struct {
    size_t n;                  /* fields                          */
    size_t *off, *line;        /* n: where each starts, its line  */
    size_t off_cap, line_cap;  /* room in off and line            */
    char *buf;
    size_t len, buf_cap;       /* bytes used and allocated in buf */
} csv_row;

/* The distinct labels in order of first appearance, and a hash index over
 * them (open addressing, linear probing; slots hold index + 1, 0 is empty;
 * n_slots is a power of two kept at least twice n). */
typedef struct {
    char **names;
    size_t n, cap;
    size_t *slots;
    size_t n_slots;
} class_set;

typedef struct {
    const char *path;
    bp_error *err;
    bp_status status;       /* BP_OK until the first error          */
    const char *label_opt;  /* opts->label                          */
    int header;             /* -1 until decided, then 0 or 1        */
    int no_label;           /* opts->no_label: every column a feature */
    char delimiter;         /* 0 until detected, then the separator */

    size_t line;            /* the line being fed, 1-based          */
    size_t last_line;       /* where the last complete field ended  */
    size_t rows;            /* rows libcsv delivered, header too    */
    csv_row cur, first;     /* the row being read; the first row    */
    size_t n_cols;          /* fields per row, from the first row   */
    size_t label_col;

    size_t n, d, cap_rows;  /* data rows, features, room for rows   */
    double *x;              /* cap_rows x d                         */
    double *target, *label_value;  /* cap_rows                      */
    int labels_numeric;
    char **feature_names;   /* d once decided                       */
    class_set classes;
} csv_reader;

/* ----------------------------------------------------------- small helpers */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A field is a number when strtod consumes all of it but surrounding blanks
 * and the value is finite: "nan", "inf", "1e999" and "" are not numbers. */
static int parse_number(const char *s, size_t len, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return 0;
    while (end < s + len && is_blank(*end))
        end++;
    if (end != s + len || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static size_t count_newlines(const char *s, size_t len)
{
    size_t k = 0;
    for (const char *p = s; (p = memchr(p, '\n', len - (size_t)(p - s)));
         p++)
        k++;
    return k;
}

/* Geometric growth of an array of *cap elements of size bytes to hold at
 * least need, checked for overflow.  Returns the (maybe moved) array, or
 * NULL when memory runs out, leaving array and *cap as they were. */
static void *grow(void *array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return array;
    size_t new_cap = *cap ? *cap : 16, bytes;
    while (new_cap < need)
        new_cap = new_cap > (size_t)-1 / 2 ? need : 2 * new_cap;
    if (!bp_mul_size(new_cap, size, &bytes))
        return NULL;
    void *p = realloc(array, bytes);
    if (p)
        *cap = new_cap;
    return p;
}

/* ---------------------------------------------------------------- rows */

static void row_free(csv_row *row)
{
    free(row->off);
    free(row->line);
    free(row->buf);
}

static const char *row_field(const csv_row *row, size_t i)
{
    return row->buf + row->off[i];
}

static int row_append(csv_row *row, const char *s, size_t len, size_t line)
{
    size_t *off = grow(row->off, &row->off_cap, row->n + 1, sizeof *off);
    if (!off)
        return 0;
    row->off = off;
    size_t *lines = grow(row->line, &row->line_cap, row->n + 1,
                         sizeof *lines);
    if (!lines)
        return 0;
    row->line = lines;
    if (len > (size_t)-1 - row->len - 1)
        return 0;
    char *buf = grow(row->buf, &row->buf_cap, row->len + len + 1, 1);
    if (!buf)
        return 0;
    row->buf = buf;
    if (len)
        memcpy(row->buf + row->len, s, len);
    row->buf[row->len + len] = '\0';
    row->off[row->n] = row->len;
    row->line[row->n] = line;
    row->len += len + 1;
    row->n++;
    return 1;
}

/* ---------------------------------------------------------------- classes */

static uint64_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603u;          /* FNV-1a, 64 bits */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void classes_free(class_set *c)
{
    bp_free_names(c->names, c->n);
    free(c->slots);
}

/* Rebuilds the index with twice as many slots. */
static int classes_rehash(class_set *c)
{
    size_t n_slots = c->n_slots ? 2 * c->n_slots : 64;
    size_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return 0;
    for (size_t i = 0; i < c->n; i++) {
        size_t s = (size_t)hash_text(c->names[i]) & (n_slots - 1);
        while (slots[s])
            s = (s + 1) & (n_slots - 1);
        slots[s] = i + 1;
    }
    free(c->slots);
    c->slots = slots;
    c->n_slots = n_slots;
    return 1;
}

/* The class index of name, adding it when new; (size_t)-1 when memory runs
 * out. */
static size_t classes_index(class_set *c, const char *name)
{
    if (2 * (c->n + 1) > c->n_slots && !classes_rehash(c))
        return (size_t)-1;
    size_t s = (size_t)hash_text(name) & (c->n_slots - 1);
    for (; c->slots[s]; s = (s + 1) & (c->n_slots - 1))
        if (strcmp(c->names[c->slots[s] - 1], name) == 0)
            return c->slots[s] - 1;
    char **names = grow(c->names, &c->cap, c->n + 1, sizeof *names);
    if (!names)
        return (size_t)-1;
    c->names = names;
    if (!(names[c->n] = bp_strndup(name, strlen(name))))
        return (size_t)-1;
    c->slots[s] = ++c->n;
    return c->n - 1;
}

/* ----------------------------------------------------------- the reader */

static void reader_free(csv_reader *r)
{
    row_free(&r->cur);
    row_free(&r->first);
    free(r->x);
    free(r->target);
    free(r->label_value);
    bp_free_names(r->feature_names, r->d);
    classes_free(&r->classes);
}

/* Records the first error only: later callbacks see status and do nothing.
 * The message goes after the file name: fmt starts with ": " or, with a
 * line number, ":" (":12:3: feature ..."). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void reader_fail(csv_reader *r, bp_status code, const char *fmt, ...);

static void reader_fail(csv_reader *r, bp_status code, const char *fmt, ...)
{
    if (r->status != BP_OK)
        return;
    r->status = code;
    if (r->err) {
        char msg[sizeof r->err->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        bp_fail(r->err, code, "%s%s", r->path, msg);
    }
}

/* Returns 0, so that a failing path reads `return fail_memory(r);`. */
static int fail_memory(csv_reader *r)
{
    reader_fail(r, BP_ENOMEM, ": out of memory after %zu rows", r->n);
    return 0;
}

/* Room for one more data row; the table's cap on values is checked here,
 * before the arrays grow. */
static int reserve_row(csv_reader *r, size_t line)
{
    size_t max_rows = BP_MAX_TABLE_VALUES / r->d;
    if (r->n >= max_rows) {
        reader_fail(r, BP_EFORMAT,
                    ":%zu: more than %zu values (%zu rows of %zu features), "
                    "the limit of a table", line, max_rows * r->d, max_rows,
                    r->d);
        return 0;
    }
    if (r->n < r->cap_rows)
        return 1;
    /* The first block holds about 65536 values, whatever the width. */
    size_t xs, cap = r->cap_rows ? 2 * r->cap_rows
                                 : ((size_t)1 << 16) / r->d + 1;
    if (cap > max_rows)
        cap = max_rows;
    if (!bp_mul_size(cap, r->d * sizeof(double), &xs))
        return fail_memory(r);
    double *x = realloc(r->x, xs);
    if (x)
        r->x = x;
    double *t = x ? realloc(r->target, cap * sizeof *t) : NULL;
    if (t)
        r->target = t;
    double *v = t ? realloc(r->label_value, cap * sizeof *v) : NULL;
    if (!v)
        return fail_memory(r);
    r->label_value = v;
    r->cap_rows = cap;
    return 1;
}

static void fail_not_number(csv_reader *r, const csv_row *row, size_t col,
                            size_t feature)
{
    char name[48], text[48];
    reader_fail(r, BP_EFORMAT, ":%zu:%zu: feature '%s' is not a number: '%s'",
                row->line[col], col + 1,
                bp_excerpt(name, r->feature_names[feature]),
                bp_excerpt(text, row_field(row, col)));
}

/* The label: its class index as the target, and its value as a number. */
static int take_label(csv_reader *r, const csv_row *row)
{
    const char *text = row_field(row, r->label_col);
    if (!*text) {
        reader_fail(r, BP_EFORMAT, ":%zu:%zu: empty label",
                    row->line[r->label_col], r->label_col + 1);
        return 0;
    }
    size_t k = classes_index(&r->classes, text);
    if (k == (size_t)-1)
        return fail_memory(r);
    double v;
    if (!parse_number(text, strlen(text), &v)) {
        v = NAN;
        r->labels_numeric = 0;
    }
    r->target[r->n] = (double)k;
    r->label_value[r->n] = v;
    return 1;
}

/* A data row into x, target and label_value. */
static void take_row(csv_reader *r, const csv_row *row)
{
    if (!reserve_row(r, row->line[0]))
        return;
    double *x = r->x + r->n * r->d;
    for (size_t col = 0, k = 0; col < r->n_cols; col++) {
        if (col == r->label_col)
            continue;
        const char *s = row_field(row, col);
        if (!parse_number(s, strlen(s), &x[k])) {
            fail_not_number(r, row, col, k);
            return;
        }
        k++;
    }
    if (r->no_label) {
        r->target[r->n] = 0;
        r->label_value[r->n] = NAN;
        r->n++;
    } else if (take_label(r, row)) {
        r->n++;
    }
}

/* ------------------------------------------- header and label column */

/* Whether a feature field of row (every column but the label's) is not a
 * number: the header test. */
static int has_text(const csv_row *row, size_t label_col)
{
    for (size_t col = 0; col < row->n; col++) {
        double v;
        const char *s = row_field(row, col);
        if (col != label_col && !parse_number(s, strlen(s), &v))
            return 1;
    }
    return 0;
}

/* The header rule: the first row is a header when one of its feature fields
 * is not a number while every feature field of the second row is one.  With
 * a single row, text alone decides (and the file then has no data). */
static int detect_header(const csv_reader *r, const csv_row *second)
{
    return has_text(&r->first, r->label_col) &&
           (!second || !has_text(second, r->label_col));
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* "a, b, c" for a message, cut with ", ..." to fit. */
static void list_columns(const csv_row *row, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t col = 0; col < row->n; col++) {
        char name[48];
        bp_excerpt(name, row_field(row, col));
        if (len + strlen(name) + 8 > size) {
            snprintf(out + len, size - len, "%s...", col ? ", " : "");
            return;
        }
        len += (size_t)snprintf(out + len, size - len, "%s%s",
                                col ? ", " : "", name);
    }
}

static int fail_no_column(csv_reader *r, const csv_row *second)
{
    char name[48], cols[300];
    bp_excerpt(name, r->label_opt);
    r->label_col = r->n_cols - 1;
    if (r->header == 1 || (r->header == -1 && detect_header(r, second))) {
        list_columns(&r->first, cols, sizeof cols);
        reader_fail(r, BP_EINVAL, ": no column '%s' (columns: %s)", name,
                    cols);
    } else {
        reader_fail(r, BP_EINVAL,
                    ": no column '%s': the file has no header (give the label "
                    "as a 0-based column index, 0 to %zu)", name,
                    r->n_cols - 1);
    }
    return 0;
}

/* The label column from opts->label: all digits is a 0-based index, other
 * text a header name (which implies a header); NULL is the last column. */
static int resolve_label(csv_reader *r, const csv_row *second)
{
    const char *label = r->label_opt;
    if (r->no_label) {
        r->label_col = r->n_cols;      /* no column: every one a feature */
        return 1;
    }
    if (!label) {
        r->label_col = r->n_cols - 1;
        return 1;
    }
    if (all_digits(label)) {
        errno = 0;
        unsigned long long col = strtoull(label, NULL, 10);
        if (errno || col >= r->n_cols) {
            char text[48];
            reader_fail(r, BP_EINVAL,
                        ": label column %s is out of range (the file has %zu "
                        "columns, 0 to %zu)", bp_excerpt(text, label), r->n_cols,
                        r->n_cols - 1);
            return 0;
        }
        r->label_col = (size_t)col;
        return 1;
    }
    for (size_t col = 0; r->header != 0 && col < r->n_cols; col++) {
        if (strcmp(row_field(&r->first, col), label) == 0) {
            r->label_col = col;
            r->header = 1;
            return 1;
        }
    }
    return fail_no_column(r, second);
}

/* Feature names: the header's (an empty one becomes "xK"), or x1..xd. */
static int name_features(csv_reader *r)
{
    r->feature_names = bp_numbered_names("x", 1, r->d);
    if (!r->feature_names)
        return fail_memory(r);
    for (size_t col = 0, k = 0; r->header && col < r->n_cols; col++) {
        const char *name = row_field(&r->first, col);
        if (col == r->label_col)
            continue;
        if (*name) {
            char *copy = bp_strndup(name, strlen(name));
            if (!copy)
                return fail_memory(r);
            free(r->feature_names[k]);
            r->feature_names[k] = copy;
        }
        k++;
    }
    return 1;
}

/* Once the second row is known (second NULL: the file has one row): the
 * label column, the header, the feature names; then the first row is data
 * unless it is the header. */
static void decide(csv_reader *r, const csv_row *second)
{
    if (!resolve_label(r, second))
        return;
    if (r->header == -1)
        r->header = detect_header(r, second);
    r->d = r->no_label ? r->n_cols : r->n_cols - 1;
    if (!name_features(r))
        return;
    if (!r->header)
        take_row(r, &r->first);
}

/* ---------------------------------------------------- libcsv callbacks */

static void on_field(void *s, size_t len, void *data)
{
    csv_reader *r = data;
    if (r->status != BP_OK)
        return;
    if (r->cur.n >= BP_MAX_CSV_COLUMNS) {
        reader_fail(r, BP_EFORMAT, ":%zu: more than %zu fields in a row",
                    r->line, BP_MAX_CSV_COLUMNS);
        return;
    }
    /* libcsv calls back on the line where the field ends; it starts as
     * many lines earlier as it holds line breaks.  NULL: an empty field. */
    size_t line = s ? r->line - count_newlines(s, len) : r->line;
    r->last_line = r->line;
    if (!row_append(&r->cur, s ? s : "", s ? len : 0, line))
        fail_memory(r);
}

static void on_row(int c, void *data)
{
    csv_reader *r = data;
    (void)c;
    if (r->status != BP_OK)
        return;
    /* libcsv ends no row without a field; the guard costs nothing */
    size_t line = r->cur.n ? r->cur.line[0] : r->line;
    r->rows++;
    if (r->rows == 1) {
        csv_row t = r->first;   /* keep the first row, reuse its buffers */
        r->first = r->cur;
        r->cur = t;
        r->n_cols = r->first.n;
        if (r->n_cols < 2 && !r->no_label)
            reader_fail(r, BP_EFORMAT,
                        ":%zu: a table needs at least 2 columns (features and "
                        "a label), got %zu with the delimiter '%s'", line,
                        r->n_cols, r->delimiter == '\t' ? "\\t"
                                   : (char[]){r->delimiter, 0});
    } else if (r->cur.n != r->n_cols) {
        reader_fail(r, BP_EFORMAT, ":%zu: expected %zu fields, got %zu",
                    line, r->n_cols, r->cur.n);
    } else {
        if (r->rows == 2)
            decide(r, &r->cur);
        if (r->status == BP_OK)
            take_row(r, &r->cur);
    }
    r->cur.n = 0;
    r->cur.len = 0;
}

/* ------------------------------------------------------------ parsing */

/* libcsv refuses to grow a field's buffer beyond the field limit, so that an
 * unclosed quote cannot swallow a huge file into one field. */
static void *field_realloc(void *p, size_t size)
{
    return size > BP_MAX_CSV_FIELD + 1 ? NULL : realloc(p, size);
}

static void fail_parser(csv_reader *r, struct csv_parser *p)
{
    int e = csv_error(p);
    if (e == CSV_EPARSE)
        reader_fail(r, BP_EFORMAT,
                    ":%zu: malformed quotes (a quote inside a field must be "
                    "doubled, and the field quoted)", r->line);
    else if (csv_get_buffer_size(p) > BP_MAX_CSV_FIELD)
        reader_fail(r, BP_EFORMAT,
                    ":%zu: a field longer than %zu bytes (an unclosed quote?)",
                    r->line, BP_MAX_CSV_FIELD);
    else
        reader_fail(r, BP_ENOMEM, ":%zu: %s", r->line, csv_strerror(e));
}

/* The delimiter of a file whose options name none: of comma, tab and
 * semicolon, the one found most often outside quotes on the first line of
 * buf (comma on a tie or when there is none). */
static char sniff_delimiter(const char *buf, size_t len)
{
    static const char cands[] = {',', '\t', ';'};
    size_t count[3] = {0, 0, 0};
    int quoted = 0;
    for (size_t i = 0; i < len && (quoted || buf[i] != '\n'); i++) {
        if (buf[i] == '"')
            quoted = !quoted;
        for (int k = 0; k < 3 && !quoted; k++)
            count[k] += buf[i] == cands[k];
    }
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (count[k] > count[best])
            best = k;
    return cands[best];
}

/* Feeds libcsv one line at a time (a line ends with '\n'), so that the
 * callbacks know the line number, and in pieces of at most 4 KiB: libcsv
 * grows a field's buffer by a fixed block, which is set to the buffer's size
 * before each piece so that a long field costs a doubling, not a copy per
 * 128 bytes.  A UTF-8 byte order mark at the start is dropped. */
static void feed(csv_reader *r, struct csv_parser *p, FILE *f)
{
    char buf[1 << 16];
    size_t got;
    int start = 1;
    while (r->status == BP_OK && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        const char *s = buf;
        if (start && got >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
            s += 3;
            got -= 3;
        }
        if (start && !r->delimiter)
            r->delimiter = sniff_delimiter(s, got);
        if (start)
            csv_set_delim(p, (unsigned char)r->delimiter);
        start = 0;
        while (got && r->status == BP_OK) {
            size_t len = got < 4096 ? got : 4096;
            const char *nl = memchr(s, '\n', len);
            if (nl)
                len = (size_t)(nl - s) + 1;
            size_t block = csv_get_buffer_size(p);
            csv_set_blk_size(p, block < 128 ? 128 : block);
            if (csv_parse(p, s, len, on_field, on_row, r) != len)
                fail_parser(r, p);
            r->line += nl != NULL;
            s += len;
            got -= len;
        }
    }
    if (r->status == BP_OK && ferror(f))
        reader_fail(r, BP_EIO, ": read error: %s", strerror(errno));
    /* csv_fini ends the last row when the file lacks a final line break. */
    if (r->status == BP_OK && csv_fini(p, on_field, on_row, r) != 0)
        reader_fail(r, BP_EFORMAT, ": the file ends inside a quoted field "
                    "(opened on line %zu or after it)", r->last_line);
}

/* After the whole file: a file of one row decides now; then the checks that
 * need the end (no rows, no data). */
static void finish(csv_reader *r)
{
    if (r->status != BP_OK)
        return;
    if (r->rows == 0) {
        reader_fail(r, BP_EFORMAT, ": empty file (no rows)");
        return;
    }
    if (r->rows == 1)
        decide(r, NULL);
    if (r->status == BP_OK && r->n == 0)
        reader_fail(r, BP_EFORMAT, ": no data rows (only a header)");
}

/* The classes' order: by value when every label is a number (as
 * scikit-learn's classes_: 0, 1, 2, 10), by their bytes otherwise; two
 * texts of one value ("1", "1.0") by their bytes. */
typedef struct {
    const char *name;
    double value;
    size_t index;
    int numeric;            /* every label is a number */
} class_key;

static int class_cmp(const void *x, const void *y)
{
    const class_key *a = x, *b = y;
    if (a->numeric && a->value != b->value)
        return a->value < b->value ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* Sorts the classes and renumbers the targets; 0 when memory runs out. */
static int sort_classes(csv_reader *r)
{
    size_t n = r->classes.n;
    if (n < 2)
        return 1;
    class_key *keys = malloc(n * sizeof *keys);
    size_t *rank = malloc(n * sizeof *rank);
    char **names = malloc(n * sizeof *names);
    int ok = keys && rank && names;
    for (size_t k = 0; ok && k < n; k++) {
        const char *s = r->classes.names[k];
        keys[k].name = s;
        keys[k].index = k;
        keys[k].numeric = r->labels_numeric;
        if (!parse_number(s, strlen(s), &keys[k].value))
            keys[k].value = 0;
    }
    if (ok) {
        qsort(keys, n, sizeof *keys, class_cmp);
        for (size_t k = 0; k < n; k++) {
            rank[keys[k].index] = k;
            names[k] = r->classes.names[keys[k].index];
        }
        memcpy(r->classes.names, names, n * sizeof *names);
        for (size_t s = 0; s < r->n; s++)
            r->target[s] = (double)rank[(size_t)r->target[s]];
    }
    free(keys);
    free(rank);
    free(names);
    return ok;
}

/* The label column as the model remembers it: its header name, or its
 * 0-based index as text; NULL without a label column. */
static char *label_name(const csv_reader *r)
{
    if (r->no_label)
        return NULL;
    if (r->header)
        return bp_strndup(row_field(&r->first, r->label_col),
                          strlen(row_field(&r->first, r->label_col)));
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", r->label_col);
    return bp_strndup(buf, strlen(buf));
}

/* Moves the results into a new table; the reader keeps nothing. */
static bp_table *hand_over(csv_reader *r)
{
    bp_table *t = calloc(1, sizeof *t);
    if (!t || !sort_classes(r) ||
        (!r->no_label && !(t->label_name = label_name(r)))) {
        free(t);
        fail_memory(r);
        return NULL;
    }
    t->delimiter = r->delimiter;
    t->header = r->header;
    t->n = r->n;
    t->d = r->d;
    t->x = r->x;
    t->target = r->target;
    t->label_value = r->label_value;
    t->labels_numeric = r->labels_numeric;
    t->feature_names = r->feature_names;
    t->n_classes = r->classes.n;
    t->class_names = r->classes.names;
    r->x = r->target = r->label_value = NULL;
    r->feature_names = NULL;
    r->classes.names = NULL;
    r->classes.n = 0;
    return t;
}

static int check_opts(const bp_csv_opts *opts, const char *path,
                      bp_error *err)
{
    char c = opts->delimiter;
    if (opts->header < -1 || opts->header > 1) {
        bp_fail(err, BP_EINVAL, "%s: header must be -1, 0 or 1, not %d",
                path, opts->header);
        return 0;
    }
    if (c == '"' || c == '\n' || c == '\r') {
        bp_fail(err, BP_EINVAL, "%s: a delimiter cannot be a quote or a line "
                "break", path);
        return 0;
    }
    return 1;
}

bp_table *bp_csv_read(const char *path, const bp_csv_opts *opts,
                      bp_error *err)
{
    static const bp_csv_opts defaults = {-1, 0, NULL, 0};
    if (!path) {
        bp_fail(err, BP_EINVAL, "bp_csv_read: no file name");
        return NULL;
    }
    if (!opts)
        opts = &defaults;
    if (!check_opts(opts, path, err))
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        bp_fail(err, BP_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL |
                         CSV_EMPTY_IS_NULL) != 0) {
        fclose(f);
        bp_fail(err, BP_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    csv_set_realloc_func(&p, field_realloc);
    csv_reader r = {.path = path, .err = err, .label_opt = opts->label,
                    .header = opts->header, .line = 1, .last_line = 1,
                    .labels_numeric = 1, .no_label = opts->no_label,
                    .delimiter = opts->delimiter};
    feed(&r, &p, f);
    finish(&r);
    csv_free(&p);
    fclose(f);
    bp_table *t = r.status == BP_OK ? hand_over(&r) : NULL;
    reader_free(&r);
    return t;
}
