/* data.c - generated sets, CSV and IDX files, as data sets for training.
 * The shaping (task, targets, split, standardisation) is the library's
 * bp_prepare; this file picks the files, reads them with the command's
 * options and prints the messages. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/error.h"
#include "data.h"
#include "data/table.h"

void cli_data_free(cli_data *d)
{
    bp_dataset_free(d->train);
    bp_dataset_free(d->test);
    bp_model_extra_free(&d->extra);
    bp_free_names(d->feature_names, d->n_features);
    memset(d, 0, sizeof *d);
}

char cli_delimiter(const cli_config *cfg)
{
    if (!cfg->delimiter)
        return 0;
    return cfg->delimiter[0] == '\\' && cfg->delimiter[1] == 't'
               ? '\t'
               : cfg->delimiter[0];
}

void cli_csv_opts(const cli_config *cfg, const bp_model_extra *extra,
                  bp_csv_opts *o)
{
    memset(o, 0, sizeof *o);
    o->header = -1;
    o->delimiter = cli_delimiter(cfg);
    o->label = cfg->label;
    if (cfg->header && strcmp(cfg->header, "yes") == 0)
        o->header = 1;
    else if (cfg->header && strcmp(cfg->header, "no") == 0)
        o->header = 0;
    else if (extra && extra->label)
        o->header = extra->header;
    if (!o->delimiter && extra && extra->label)
        o->delimiter = extra->delimiter;
    if (!o->label && extra)
        o->label = extra->label;
}

int cli_table_error(const cli_config *cfg, const bp_error *err)
{
    /* one column, or a "number" holding a separator the detection does
     * not know (| : space): the delimiter is the likely cause */
    const char *value = strstr(err->msg, "is not a number: '");
    int odd = value && strpbrk(value + 18, "|: ") != NULL;
    const char *hint = !cfg->delimiter &&
                               (strstr(err->msg, "at least 2 columns") || odd)
                           ? "; name the right one with --delimiter C "
                             "(\\t for tab)"
                           : "";
    return cli_error(err->code == BP_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE,
                     "%s%s", err->msg, hint);
}

/* Fashion-MNIST's labels 0-9 are these garments (Zalando's README); the
 * IDX reader names label k "k". */
static int name_fashion_classes(bp_table *t)
{
    static const char *const names[] = {"T-shirt/top", "Trouser", "Pullover",
                                        "Dress", "Coat", "Sandal", "Shirt",
                                        "Sneaker", "Bag", "Ankle boot"};
    for (size_t k = 0; k < t->n_classes && k < 10; k++) {
        char *name = strdup(names[k]);
        if (!name)
            return 0;
        free(t->class_names[k]);
        t->class_names[k] = name;
    }
    return 1;
}

/* Reads path as a table: CSV, or IDX with labels (Fashion-MNIST's named
 * as garments).  The options win; for a saved model (extra not NULL) its
 * label column, delimiter and header come next; then detection.  NULL
 * after printing the error, *rc its exit code. */
static bp_table *read_table(const cli_config *cfg, const char *path,
                            const char *labels, const bp_model_extra *extra,
                            int fashion, int *rc)
{
    bp_error err;
    bp_table *t;
    if (labels) {
        t = bp_idx_read(path, labels, &err);
    } else {
        bp_csv_opts o;
        cli_csv_opts(cfg, extra, &o);
        t = bp_csv_read(path, &o, &err);
    }
    *rc = EXIT_OK;
    if (!t) {
        *rc = cli_table_error(cfg, &err);
    } else if (fashion && !name_fashion_classes(t)) {
        bp_table_free(t);
        t = NULL;
        *rc = cli_error(EXIT_RUNTIME, "out of memory");
    }
    return t;
}

/* The rows and columns of an IDX image file's header (raw or gzip: zlib
 * reads both), after bp_idx_read has accepted the file; {0} when it
 * cannot be read again. */
static bp_shape idx_shape(const char *path)
{
    bp_shape s = {0, 0, 0};
    unsigned char h[16];
    gzFile f = gzopen(path, "rb");
    if (!f)
        return s;
    if (gzread(f, h, sizeof h) == (int)sizeof h && h[2] == 0x08 && h[3] == 3) {
        s.c = 1;
        s.h = (size_t)h[8] << 24 | (size_t)h[9] << 16 | (size_t)h[10] << 8 |
              h[11];
        s.w = (size_t)h[12] << 24 | (size_t)h[13] << 16 |
              (size_t)h[14] << 8 | h[15];
    }
    gzclose(f);
    return s;
}

int cli_check_loss(const cli_config *cfg, const cli_data *d)
{
    if (d->generated || !cli_given(cfg, "loss") || cfg->loss == d->loss)
        return EXIT_OK;
    return cli_error(EXIT_USAGE, "option --loss: %s takes %s (its labels "
                                 "choose the loss), not %s",
                     d->name, bp_loss_name(d->loss), bp_loss_name(cfg->loss));
}

int cli_check_input_shape(const cli_config *cfg, size_t features,
                          const char *name)
{
    if (!cli_given(cfg, "input-shape"))
        return EXIT_OK;
    bp_shape s = cfg->input_shape;
    /* each side is at most 2^16: the product fits in 64 bits */
    uint64_t values = (uint64_t)s.c * s.h * s.w;
    if (values != features)
        return cli_error(EXIT_USAGE, "option --input-shape: %zux%zux%zu is "
                                     "%llu values a sample; --data %s has "
                                     "%zu features", s.c, s.h, s.w,
                         (unsigned long long)values, name, features);
    return EXIT_OK;
}

int cli_data_shape(cli_config *cfg, const cli_data *d)
{
    size_t features = d->train->n_in;
    if (!cli_given(cfg, "input-shape")) {
        bp_shape s = d->shape;
        cfg->input_shape = s.c && s.c * s.h * s.w == features
                               ? s : (bp_shape){0, 0, 0};
        return EXIT_OK;
    }
    return cli_check_input_shape(cfg, features, d->name);
}

int cli_split(bp_dataset **from, bp_dataset **held, double fraction,
              uint64_t seed, const char *option)
{
    bp_error err;
    bp_status st = bp_dataset_split(from, held, fraction, seed, &err);
    if (st)
        return cli_error(cli_exit_code(st), "option %s: %s", option, err.msg);
    return EXIT_OK;
}

/* An IDX label file: given only where the data takes one, and readable. */
static int check_label_file(const char *option, const char *path,
                            const char *data, const char *needs)
{
    if (!path)
        return EXIT_OK;
    if (cli_generated(data, NULL) || strcmp(data, "fashion-mnist") == 0)
        return cli_error(EXIT_USAGE, "option --%s: --data %s takes no label "
                                     "file", option, data);
    if (needs)
        return cli_error(EXIT_USAGE, "option --%s: %s", option, needs);
    if (access(path, R_OK) != 0)
        return cli_error(EXIT_USAGE, "option --%s: cannot read '%s' (%s)",
                         option, path, strerror(errno));
    return EXIT_OK;
}

int cli_check_data_options(const cli_config *cfg)
{
    static const char *const csv_only[] = {"header", "delimiter", "label"};
    static const char *const file_only[] = {"task", "no-standardize", "limit"};
    int generated = cli_generated(cfg->data, NULL);
    int idx = cfg->labels || strcmp(cfg->data, "fashion-mnist") == 0;
    for (size_t k = 0; k < 3; k++)
        if ((generated || idx) && cli_given(cfg, csv_only[k]))
            return cli_error(EXIT_USAGE, "option --%s: --data %s is not a "
                                         "CSV file", csv_only[k], cfg->data);
    for (size_t k = 0; k < 3; k++)
        if (generated && cli_given(cfg, file_only[k]))
            return cli_error(EXIT_USAGE, "option --%s: applies to files, "
                                         "not --data %s", file_only[k],
                             cfg->data);
    int rc = check_label_file("labels", cfg->labels, cfg->data, NULL);
    if (rc == EXIT_OK)
        rc = check_label_file("test-labels", cfg->test_labels,
                              cfg->test_path ? cfg->test_path : cfg->data,
                              cfg->test_path ? NULL
                                             : "it labels --test FILE, which "
                                               "is not given");
    return rc;
}

static int load_generated(const cli_config *cfg, cli_data *d)
{
    d->generated = 1;
    d->output = BP_OUT_SIGMOID;
    d->loss = cfg->loss;
    snprintf(d->name, sizeof d->name, "%s", cfg->data);
    d->train = cli_dataset(cfg);
    return d->train ? EXIT_OK : EXIT_USAGE;
}

/* A library message about the file at path, with its name in front. */
static int file_error(bp_status st, const char *path, const bp_error *err,
                      const char *hint)
{
    return cli_error(cli_exit_code(st), "%s: %s%s", path, err->msg, hint);
}

static bp_task task_of(const cli_config *cfg)
{
    if (!cfg->task)
        return BP_TASK_AUTO;
    return strcmp(cfg->task, "regression") == 0 ? BP_TASK_REGRESSION
                                                : BP_TASK_CLASSIFICATION;
}

/* The held-out file of --test (or Fashion-MNIST's) into p->test. */
static int load_test(const cli_config *cfg, int fashion, const char *test,
                     const char *test_labels, bp_prepared *p)
{
    int rc;
    bp_table *u = read_table(cfg, test, test_labels, NULL, fashion, &rc);
    if (!u)
        return rc;
    bp_error err;
    bp_status st = bp_prepare_test(p, u, cfg->limit, &err);
    bp_table_free(u);
    if (!st)
        return EXIT_OK;
    return file_error(st, test, &err,
                      strstr(err.msg, "does not appear")
                          ? ": add rows of it to the training file, or hold "
                            "out part of one file with --split instead of "
                            "--test"
                          : "");
}

int cli_load_data(const cli_config *cfg, cli_data *d)
{
    memset(d, 0, sizeof *d);
    if (cli_generated(cfg->data, NULL))
        return load_generated(cfg, d);
    int fashion = strcmp(cfg->data, "fashion-mnist") == 0;
    const char *path = fashion ? FASHION_DIR "/train-images-idx3-ubyte.gz"
                               : cfg->data;
    if (!fashion && access(path, R_OK) != 0) {
        char list[128], text[48];
        cli_generated_list(list, sizeof list, ", ");
        return cli_error(EXIT_USAGE, "option --data: '%s' is not %s, "
                                     "fashion-mnist or a readable file (%s)",
                         bp_excerpt(text, path), list, strerror(errno));
    }
    if (fashion && access(path, R_OK) != 0)
        return cli_error(EXIT_USAGE, "option --data: fashion-mnist needs "
                                     "Debian's dataset-fashion-mnist package "
                                     "(make deps)");
    const char *labels = fashion ? FASHION_DIR "/train-labels-idx1-ubyte.gz"
                                 : cfg->labels;
    const char *slash = strrchr(cfg->data, '/');
    snprintf(d->name, sizeof d->name, "%s", slash ? slash + 1 : cfg->data);

    int rc;
    bp_table *t = read_table(cfg, path, labels, NULL, fashion, &rc);
    if (!t)
        return rc;
    if (labels)
        d->shape = idx_shape(path);
    const char *test = cfg->train_only ? NULL
                       : fashion       ? FASHION_DIR "/t10k-images-idx3-ubyte.gz"
                                       : cfg->test_path;
    const char *test_labels = fashion ? FASHION_DIR "/t10k-labels-idx1-ubyte.gz"
                                      : cfg->test_labels;
    bp_prepare_opts o = {.task = task_of(cfg),
                         .no_standardize = !cfg->standardize,
                         .split = test ? 0 : cfg->split,
                         .split_seed = cfg->split_seed,
                         .limit = cfg->limit};
    bp_prepared p;
    bp_error err;
    bp_status st = bp_prepare(t, &o, &p, &err);
    size_t distinct = t->n_classes, rows = t->n;
    int whole = 1;
    for (size_t s = 0; t->labels_numeric && s < rows; s++)
        whole = whole && t->label_value[s] == floor(t->label_value[s]);
    d->feature_names = t->feature_names;    /* for the figures' axes */
    d->n_features = t->d;
    t->feature_names = NULL;
    bp_table_free(t);
    if (st && strstr(err.msg, "leaves an empty set"))
        return cli_error(EXIT_USAGE, "option --split: %s", err.msg);
    if (st)
        return file_error(st, path, &err,
                          strstr(err.msg, "single class")
                              ? ""
                              : strstr(err.msg, "numeric labels")
                                    ? " (text labels are classes: leave "
                                      "--task out, or --task classification)"
                                    : "");
    if (p.task_detected)
        fprintf(stderr, "backprop: note: %s: the label column holds %zu "
                        "distinct numbers%s, so this trains a regression "
                        "(--task classification to train classes)\n",
                d->name, distinct,
                whole ? ", too many classes for the rows"
                      : ", not all whole");
    rc = test ? load_test(cfg, fashion, test, test_labels, &p) : EXIT_OK;
    if (rc != EXIT_OK) {
        bp_prepared_free(&p);
        return rc;
    }
    d->train = p.train;
    d->test = p.test;
    d->extra = p.extra;
    d->regression = p.task == BP_TASK_REGRESSION;
    d->output = p.output;
    d->loss = p.loss;
    return EXIT_OK;
}

int cli_load_for_model(const cli_config *cfg, const bp_net *net,
                       const bp_model_extra *extra, cli_data *d,
                       int training)
{
    memset(d, 0, sizeof *d);
    const bp_arch *a = bp_net_arch(net);
    if (cli_generated(cfg->data, NULL)) {
        int rc = load_generated(cfg, d);
        /* the shapes first: the model's statistics have sizes[0] entries */
        if (rc == EXIT_OK && (a->sizes[0] != d->train->n_in ||
                              a->sizes[a->n_layers] != d->train->n_out)) {
            rc = cli_error(EXIT_USAGE, "%s takes %zu inputs and gives %zu "
                                       "outputs; --data %s has %zu and %zu",
                           cfg->resume ? cfg->resume : cfg->model, a->sizes[0],
                           a->sizes[a->n_layers], cfg->data, d->train->n_in,
                           d->train->n_out);
            cli_data_free(d);
            return rc;
        }
        if (rc == EXIT_OK && extra->mean)
            bp_standardize(d->train->x, d->train->n, d->train->n_in,
                           extra->mean, extra->std);
        return rc;
    }
    int fashion = strcmp(cfg->data, "fashion-mnist") == 0;
    const char *path = !fashion ? cfg->data
                       : training ? FASHION_DIR "/train-images-idx3-ubyte.gz"
                                  : FASHION_DIR "/t10k-images-idx3-ubyte.gz";
    const char *labels = !fashion ? cfg->labels
                         : training ? FASHION_DIR "/train-labels-idx1-ubyte.gz"
                                    : FASHION_DIR "/t10k-labels-idx1-ubyte.gz";
    const char *slash = strrchr(path, '/');
    snprintf(d->name, sizeof d->name, "%s", slash ? slash + 1 : path);
    d->regression = a->output == BP_OUT_LINEAR;
    d->output = a->output;
    d->loss = a->loss;
    int rc;
    bp_table *t = read_table(cfg, path, labels, extra, fashion, &rc);
    if (!t)
        return rc;
    bp_error err;
    d->train = bp_prepare_for_model(t, net, extra, cfg->limit, &err);
    d->feature_names = t->feature_names;    /* for the figures' axes */
    d->n_features = t->d;
    t->feature_names = NULL;
    bp_table_free(t);
    if (!d->train)
        return file_error(err.code, path, &err,
                          strstr(err.msg, "does not appear")
                              ? ": a model predicts only the classes it "
                                "was trained on"
                              : "");
    return EXIT_OK;
}
