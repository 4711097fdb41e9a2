/* cmd_predict.c - backprop predict: one probability a line. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "data.h"
#include "format.h"

static const char summary[] =
    "Loads --model FILE, reads rows of comma-separated inputs (x,y for the\n"
    "seed's networks; the features without the label for a model trained on\n"
    "a file) from --input FILE or stdin, and writes one line per row: the\n"
    "class name for a model trained on labelled files, otherwise the\n"
    "network's outputs.  The model's standardisation is applied.  Blank\n"
    "lines are skipped.";

/* Splits line into exactly `want` finite numbers; on failure returns 0 and
 * says why in why[]. */
static int parse_row(char *line, double *row, size_t want, char *why,
                     size_t why_size)
{
    size_t count = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
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
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\0')
            break;
        snprintf(why, why_size, "unexpected '%c' after field %zu", *p, count);
        return 0;
    }
    if (count != want) {
        snprintf(why, why_size, "expected %zu numbers, got %zu", want, count);
        return 0;
    }
    return 1;
}

static int predict_stream(const bp_net *net, const bp_model_extra *extra,
                          FILE *in, const char *name)
{
    const bp_arch *a = bp_net_arch(net);
    size_t n_in = a->sizes[0], n_out = a->sizes[a->n_layers];
    double *row = malloc((n_in + n_out) * sizeof *row);
    if (!row)
        return cli_error(EXIT_RUNTIME, "out of memory");
    double *p = row + n_in;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = EXIT_OK;
    for (size_t lineno = 1; (len = getline(&line, &cap, in)) >= 0; lineno++) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (strspn(line, " \t") == (size_t)len)
            continue;
        char why[96];
        if ((size_t)len != strlen(line)) {
            rc = cli_error(EXIT_USAGE, "%s:%zu: the line holds a NUL byte",
                           name, lineno);
            break;
        }
        if (!parse_row(line, row, n_in, why, sizeof why)) {
            rc = cli_error(EXIT_USAGE, "%s:%zu: %s", name, lineno, why);
            break;
        }
        bp_error err;
        if (extra->mean)
            cli_standardize(row, 1, n_in, extra->mean, extra->std);
        if (bp_predict(net, row, 1, p, &err)) {
            rc = cli_error(EXIT_RUNTIME, "%s", err.msg);
            break;
        }
        if (extra->n_classes) {
            /* the class's own name, as it was in the training file */
            size_t best = 0;
            if (n_out == 1)
                best = p[0] > 0.5;
            for (size_t k = 1; n_out > 1 && k < n_out; k++)
                if (p[k] > p[best])
                    best = k;
            printf("%s\n", best < extra->n_classes ? extra->class_names[best]
                                                    : "?");
            continue;
        }
        for (size_t k = 0; k < n_out; k++) {
            char text[32];
            format_repr(text, sizeof text, p[k]);
            printf(k + 1 < n_out ? "%s," : "%s\n", text);
        }
    }
    if (rc == EXIT_OK && ferror(in))
        rc = cli_error(EXIT_RUNTIME, "cannot read %s", name);
    free(line);
    free(row);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    int rc = cli_parse(argc, argv, CMD_PREDICT, summary, &cfg);
    if (rc >= 0)
        return rc;
    if (!cfg.model)
        return cli_error(EXIT_USAGE, "backprop predict needs --model FILE");
    bp_error err;
    bp_model_extra extra;
    bp_net *net = bp_model_load_extra(cfg.model, &extra, &err);
    if (!net)
        return cli_error(EXIT_USAGE, "%s", err.msg);
    FILE *in = stdin;
    const char *name = "stdin";
    if (cfg.input && strcmp(cfg.input, "-") != 0) {
        in = fopen(cfg.input, "r");
        name = cfg.input;
        if (!in) {
            bp_model_extra_free(&extra);
            bp_net_free(net);
            return cli_error(EXIT_USAGE, "cannot open %s: %s", cfg.input,
                             strerror(errno));
        }
    }
    rc = predict_stream(net, &extra, in, name);
    if (in != stdin)
        fclose(in);
    bp_model_extra_free(&extra);
    bp_net_free(net);
    if (rc == EXIT_OK && fflush(stdout) != 0)
        rc = cli_error(EXIT_RUNTIME, "cannot write the predictions: %s",
                       strerror(errno));
    return rc;
}
