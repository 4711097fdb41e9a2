/* cmd_predict.c - backprop predict: one prediction a line. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "data.h"
#include "format.h"
#include "metrics.h"

static const char summary[] =
    "Loads --model FILE and writes one line per row of inputs: the class\n"
    "name for a model trained on a labelled file (--proba: each class's\n"
    "probability, under a header naming the classes), the predicted value\n"
    "in the target's units for a regression, otherwise the network's\n"
    "outputs.  --input FILE is read as train reads a CSV/TSV: header\n"
    "detected, delimiter detected (or the model's), and the label column,\n"
    "when the file has it (found by the model's label name), ignored.\n"
    "Without --input (or with -), stdin is read one row of features a line\n"
    "(x,y for the seed's networks), blank lines skipped.  The model's\n"
    "standardisation is applied.";

/* The longest stdin line read: a row of features takes far less. */
#define MAX_LINE ((size_t)1 << 20)

/* Splits line into exactly `want` finite numbers separated by delim; on
 * failure returns 0 and says why in why[]. */
static int parse_row(char *line, char delim, double *row, size_t want,
                     char *why, size_t why_size)
{
    size_t count = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || (*p == '\t' && delim != '\t'))
            p++;
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p) {
            snprintf(why, why_size, "field %zu is not a number", count + 1);
            return 0;
        }
        /* ERANGE on underflow gives 0 or a subnormal, which is fine */
        if (!isfinite(v)) {
            snprintf(why, why_size, "field %zu is not a finite number",
                     count + 1);
            return 0;
        }
        if (count < want)
            row[count] = v;
        count++;
        p = end;
        while (*p == ' ' || (*p == '\t' && delim != '\t'))
            p++;
        if (*p == delim) {
            p++;
            continue;
        }
        if (*p == '\0')
            break;
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            snprintf(why, why_size, "unexpected byte 0x%02x after field %zu",
                     (unsigned)(unsigned char)*p, count);
        else
            snprintf(why, why_size, "unexpected '%c' after field %zu", *p,
                     count);
        return 0;
    }
    if (count != want) {
        snprintf(why, why_size, "expected %zu numbers, got %zu", want, count);
        return 0;
    }
    return 1;
}

/* A class name as a CSV field: quoted when it holds a delimiter, a quote
 * or a line break. */
static void print_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* The --proba header: the classes' names, or their numbers for a model
 * saved without names. */
static void print_proba_header(FILE *out, const bp_model_extra *extra,
                               size_t classes)
{
    for (size_t k = 0; k < classes; k++) {
        if (k)
            fputc(',', out);
        if (k < extra->n_classes)
            print_field(out, extra->class_names[k]);
        else
            fprintf(out, "%zu", k);
    }
    fputc('\n', out);
}

/* One row's answer from the network's outputs p. */
static void print_prediction(FILE *out, const bp_arch *a,
                             const bp_model_extra *extra, const double *p,
                             int proba)
{
    size_t n_out = a->sizes[a->n_layers];
    char text[32];
    if (proba) {
        if (n_out == 1) {
            format_repr(text, sizeof text, 1 - p[0]);
            fprintf(out, "%s,", text);
        }
        for (size_t k = 0; k < n_out; k++) {
            format_repr(text, sizeof text, p[k]);
            fprintf(out, k + 1 < n_out ? "%s," : "%s\n", text);
        }
        return;
    }
    if (extra->n_classes && a->output != BP_OUT_LINEAR) {
        /* the class's own name, as it was in the training file */
        size_t best = class_of(p, n_out);
        if (best < extra->n_classes)
            print_field(out, extra->class_names[best]);
        else
            fputc('?', out);
        fputc('\n', out);
        return;
    }
    for (size_t k = 0; k < n_out; k++) {
        format_repr(text, sizeof text, p[k]);
        fprintf(out, k + 1 < n_out ? "%s," : "%s\n", text);
    }
}

/* Reads one line into *line (growing it), without its line end, at most
 * MAX_LINE bytes.  Returns 1 for a line, 0 at the end of input, -1 for a
 * read error, -2 for a line that is too long, -3 when memory runs out. */
static int read_line(FILE *in, char **line, size_t *cap, size_t *len)
{
    size_t n = 0;
    int c;
    if (!*line) {
        if (!(*line = malloc(256)))
            return -3;
        *cap = 256;
    }
    while ((c = getc(in)) != EOF && c != '\n') {
        if (n + 2 > *cap) {
            if (n >= MAX_LINE)
                return -2;
            size_t want = 2 * *cap;
            char *p = realloc(*line, want);
            if (!p)
                return -3;
            *line = p;
            *cap = want;
        }
        (*line)[n++] = (char)c;
    }
    if (c == EOF && ferror(in))
        return -1;
    if (c == EOF && n == 0)
        return 0;
    (*line)[n] = '\0';
    while (n > 0 && (*line)[n - 1] == '\r')
        (*line)[--n] = '\0';
    *len = n;
    return 1;
}

static int predict_stream(const bp_net *net, const bp_model_extra *extra,
                          FILE *in, const char *name, char delim, int proba,
                          bp_eval_opts run)
{
    const bp_arch *a = bp_net_arch(net);
    size_t n_in = a->sizes[0], n_out = a->sizes[a->n_layers];
    double *row = malloc((n_in + n_out) * sizeof *row);
    if (!row)
        return cli_error(EXIT_RUNTIME, "out of memory");
    double *p = row + n_in;
    char *line = NULL;
    size_t cap = 0, len = 0, lineno = 0;
    int rc = EXIT_OK, got;
    if (proba)
        print_proba_header(stdout, extra, n_out == 1 ? 2 : n_out);
    while ((got = read_line(in, &line, &cap, &len)) == 1) {
        lineno++;
        if (strspn(line, " \t") == len)
            continue;
        char why[96];
        if (len != strlen(line)) {
            rc = cli_error(EXIT_USAGE, "%s:%zu: the line holds a NUL byte",
                           name, lineno);
            break;
        }
        if (!parse_row(line, delim, row, n_in, why, sizeof why)) {
            rc = cli_error(EXIT_USAGE, "%s:%zu: %s", name, lineno, why);
            break;
        }
        bp_error err;
        if (bp_model_predict_with(net, extra, run, row, 1, p, &err)) {
            rc = cli_error(EXIT_RUNTIME, "%s", err.msg);
            break;
        }
        print_prediction(stdout, a, extra, p, proba);
    }
    if (got == -1)
        rc = cli_error(EXIT_RUNTIME, "cannot read %s: %s", name,
                       strerror(errno));
    else if (got == -2)
        rc = cli_error(EXIT_USAGE, "%s:%zu: a line longer than %zu bytes",
                       name, lineno + 1, MAX_LINE);
    else if (got == -3)
        rc = cli_error(EXIT_RUNTIME, "%s:%zu: out of memory reading a line",
                       name, lineno + 1);
    free(line);
    free(row);
    return rc;
}

/* The line a reader's message names ("path:LINE:..."), 0 for none. */
static size_t error_line(const bp_error *err, const char *path)
{
    size_t len = strlen(path);
    if (strncmp(err->msg, path, len) != 0 || err->msg[len] != ':')
        return 0;
    return (size_t)strtoull(err->msg + len + 1, NULL, 10);
}

/* Reads path as train reads a CSV: first as features only; when that does
 * not give the model's inputs, with the label column (the model's, or
 * --label).  Prints the error itself. */
static bp_table *read_inputs(const cli_config *cfg, const bp_net *net,
                             const bp_model_extra *extra, const char *path)
{
    size_t n_in = bp_net_arch(net)->sizes[0];
    bp_csv_opts o;
    cli_csv_opts(cfg, extra, &o);
    /* the header of rows to predict is detected, whatever train saw */
    if (!cfg->header || strcmp(cfg->header, "auto") == 0)
        o.header = -1;
    /* and so is its delimiter (a model trained on commas reads a file of
     * semicolons), unless --delimiter names one */
    o.delimiter = cli_delimiter(cfg);
    bp_error err1, err2;
    bp_csv_opts only = o;
    only.no_label = 1;
    only.label = NULL;
    bp_table *t = bp_csv_read(path, &only, &err1);
    if (t && t->d == n_in)
        return t;
    size_t got = t ? t->d : 0;
    bp_table_free(t);
    t = bp_csv_read(path, &o, &err2);
    if (t && t->d == n_in)
        return t;
    if (t && !got) {
        /* the label reading went further only by taking a bad feature
         * for a label: the features-only error says what is wrong */
        bp_table_free(t);
        cli_table_error(cfg, &err1);
        return NULL;
    }
    if (t) {
        cli_error(EXIT_USAGE, "%s: %zu columns, but the model takes %zu "
                              "features (and the label column '%s' may be "
                              "there too)", path, t->d + 1, n_in,
                  o.label ? o.label : "the last");
        bp_table_free(t);
        return NULL;
    }
    if (got) {
        cli_error(EXIT_USAGE, "%s: %zu column%s, but the model takes %zu "
                              "features%s", path, got, got == 1 ? "" : "s",
                  n_in, got == 1 && !cfg->delimiter
                            ? "; name the delimiter with --delimiter C (\\t "
                              "for tab)"
                            : "");
        return NULL;
    }
    /* neither reading worked: the one that went further says more */
    cli_table_error(cfg, error_line(&err2, path) > error_line(&err1, path)
                             ? &err2
                             : &err1);
    return NULL;
}

static int predict_file(const cli_config *cfg, const bp_net *net,
                        const bp_model_extra *extra)
{
    bp_table *t = read_inputs(cfg, net, extra, cfg->input);
    if (!t)
        return EXIT_USAGE;
    const bp_arch *a = bp_net_arch(net);
    size_t n_out = a->sizes[a->n_layers];
    double *p = malloc(t->n * n_out * sizeof *p);
    bp_error err;
    int rc = EXIT_OK;
    if (!p)
        rc = cli_error(EXIT_RUNTIME, "out of memory for %zu predictions",
                       t->n);
    else if (bp_model_predict_with(net, extra, cli_eval_opts(cfg), t->x, t->n, p,
                                   &err))
        rc = cli_error(cli_exit_code(err.code), "%s", err.msg);
    if (rc == EXIT_OK && cfg->proba)
        print_proba_header(stdout, extra, n_out == 1 ? 2 : n_out);
    for (size_t s = 0; rc == EXIT_OK && s < t->n; s++)
        print_prediction(stdout, a, extra, p + s * n_out, cfg->proba);
    free(p);
    bp_table_free(t);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    int rc = cli_isa_from_env(&cfg);
    if (rc >= 0 ||
        (rc = cli_parse(argc, argv, CMD_PREDICT, summary, &cfg)) >= 0)
        return rc;
    if ((rc = cli_check_isa(&cfg)) != EXIT_OK)
        return rc;
    if (!cfg.model)
        return cli_error(EXIT_USAGE, "backprop predict needs --model FILE");
    bp_error err;
    bp_model_extra extra;
    bp_net *net = bp_model_load_extra(cfg.model, &extra, &err);
    if (!net)
        return cli_error(EXIT_USAGE, "%s", err.msg);
    const bp_arch *a = bp_net_arch(net);
    if (cfg.proba && a->output == BP_OUT_LINEAR) {
        bp_model_extra_free(&extra);
        bp_net_free(net);
        return cli_error(EXIT_USAGE, "option --proba: %s predicts numbers, "
                                     "not classes", cfg.model);
    }
    if (cfg.input && strcmp(cfg.input, "-") != 0) {
        rc = predict_file(&cfg, net, &extra);
    } else {
        char delim = cli_delimiter(&cfg);
        if (!delim)
            delim = extra.label && extra.delimiter ? extra.delimiter : ',';
        rc = predict_stream(net, &extra, stdin, "stdin", delim, cfg.proba,
                            cli_eval_opts(&cfg));
    }
    bp_model_extra_free(&extra);
    bp_net_free(net);
    return rc;              /* main checks stdout's writes for every command */
}
