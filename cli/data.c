/* data.c - generated sets, CSV and IDX files, as data sets for training. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "data/table.h"

void cli_standardize(double *x, size_t n, size_t d, const double *mean,
                     const double *std)
{
    for (size_t s = 0; s < n; s++)
        for (size_t f = 0; f < d; f++)
            x[s * d + f] = (x[s * d + f] - mean[f]) / std[f];
}

void cli_data_free(cli_data *d)
{
    bp_dataset_free(d->train);
    bp_dataset_free(d->test);
    bp_model_extra_free(&d->extra);
    bp_free_names(d->feature_names, d->n_features);
    memset(d, 0, sizeof *d);
}

static int is_generated(const char *name)
{
    return strcmp(name, "linear") == 0 || strcmp(name, "xor") == 0;
}

/* Reads cfg->data (or path) as a table: CSV, or IDX with --labels. */
static bp_table *read_table(const cli_config *cfg, const char *path,
                            const char *labels, bp_error *err)
{
    if (labels)
        return bp_idx_read(path, labels, err);
    bp_csv_opts o = {.header = -1, .delimiter = ',', .label = cfg->label};
    if (cfg->header && strcmp(cfg->header, "yes") == 0)
        o.header = 1;
    else if (cfg->header && strcmp(cfg->header, "no") == 0)
        o.header = 0;
    if (cfg->delimiter)
        o.delimiter = cfg->delimiter[0] == '\\' && cfg->delimiter[1] == 't'
                          ? '\t'
                          : cfg->delimiter[0];
    return bp_csv_read(path, &o, err);
}

/* Targets for the table's rows: one-hot over `classes` outputs (more than
 * two classes), the class index 0/1 (two), or the numeric label. `map`
 * turns the table's class indices into the model's (NULL: the same).  The
 * features move from the table into the data set (both are n x d,
 * row-major), so a large file is held once, not twice. */
static bp_dataset *to_dataset(bp_table *t, int regression,
                              size_t classes, const size_t *map,
                              bp_error *err)
{
    size_t outs = regression || classes <= 2 ? 1 : classes;
    bp_dataset *ds = bp_dataset_new(t->n, t->d, outs, err);
    if (!ds)
        return NULL;
    free(ds->x);
    ds->x = t->x;
    t->x = NULL;
    /* the reader grows its buffer by doubling: give back the unused end */
    double *fit = realloc(ds->x, t->n * t->d * sizeof *ds->x);
    if (fit)
        ds->x = fit;
    for (size_t s = 0; s < t->n; s++) {
        size_t c = (size_t)t->target[s];
        if (map)
            c = map[c];
        if (regression)
            ds->y[s] = t->label_value[s];
        else if (outs == 1)
            ds->y[s] = (double)c;
        else
            for (size_t k = 0; k < outs; k++)
                ds->y[s * outs + k] = k == c ? 1.0 : 0.0;
    }
    return ds;
}

/* Copies the table's class names into the model's extras. */
static int keep_class_names(const bp_table *t, bp_model_extra *extra)
{
    extra->class_names = calloc(t->n_classes, sizeof *extra->class_names);
    if (!extra->class_names)
        return 0;
    extra->n_classes = t->n_classes;
    for (size_t k = 0; k < t->n_classes; k++)
        if (!(extra->class_names[k] = strdup(t->class_names[k])))
            return 0;
    return 1;
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

/* Index map from the table's classes to the names a model knows; prints
 * the error for a class the model never saw. */
static size_t *class_map(const bp_table *t, const bp_model_extra *extra,
                         const char *file)
{
    size_t *map = malloc((t->n_classes ? t->n_classes : 1) * sizeof *map);
    if (!map) {
        cli_error(EXIT_RUNTIME, "out of memory");
        return NULL;
    }
    for (size_t c = 0; c < t->n_classes; c++) {
        size_t k = 0;
        while (k < extra->n_classes &&
               strcmp(extra->class_names[k], t->class_names[c]) != 0)
            k++;
        if (k == extra->n_classes) {
            cli_error(EXIT_USAGE, "%s: class '%s' does not appear in the "
                                  "training data", file, t->class_names[c]);
            free(map);
            return NULL;
        }
        map[c] = k;
    }
    return map;
}

/* Mean and std of each feature of ds (std 1 where a feature is constant). */
static int standardisation(const bp_dataset *ds, bp_model_extra *extra)
{
    size_t d = ds->n_in;
    extra->mean = calloc(d, sizeof *extra->mean);
    extra->std = calloc(d, sizeof *extra->std);
    if (!extra->mean || !extra->std)
        return 0;
    for (size_t s = 0; s < ds->n; s++)
        for (size_t f = 0; f < d; f++)
            extra->mean[f] += ds->x[s * d + f];
    for (size_t f = 0; f < d; f++)
        extra->mean[f] /= (double)ds->n;
    for (size_t s = 0; s < ds->n; s++)
        for (size_t f = 0; f < d; f++) {
            double e = ds->x[s * d + f] - extra->mean[f];
            extra->std[f] += e * e;
        }
    for (size_t f = 0; f < d; f++) {
        double sd = sqrt(extra->std[f] / (double)ds->n);
        extra->std[f] = sd > 1e-12 ? sd : 1.0;
    }
    return 1;
}

int cli_split(bp_dataset **from, bp_dataset **held, double fraction,
              uint64_t seed, const char *option)
{
    bp_dataset *all = *from;
    size_t n_test = (size_t)llround(fraction * (double)all->n);
    if (n_test == 0 || n_test >= all->n)
        return cli_error(EXIT_USAGE, "option %s: %g of %zu rows leaves "
                                     "an empty set", option, fraction, all->n);
    size_t *order = malloc(all->n * sizeof *order);
    bp_error err;
    bp_dataset *tr = bp_dataset_new(all->n - n_test, all->n_in, all->n_out, &err);
    bp_dataset *te = bp_dataset_new(n_test, all->n_in, all->n_out, &err);
    if (!order || !tr || !te) {
        free(order);
        bp_dataset_free(tr);
        bp_dataset_free(te);
        return cli_error(EXIT_RUNTIME, "out of memory");
    }
    bp_rng rng;
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, seed);
    for (size_t s = 0; s < all->n; s++)
        order[s] = s;
    for (size_t i = all->n - 1; i > 0; i--) {
        size_t j = (size_t)bp_rng_below(&rng, (uint64_t)i + 1);
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t s = 0; s < all->n; s++) {
        bp_dataset *to = s < n_test ? te : tr;
        size_t at = s < n_test ? s : s - n_test;
        memcpy(to->x + at * all->n_in, all->x + order[s] * all->n_in,
               all->n_in * sizeof *all->x);
        memcpy(to->y + at * all->n_out, all->y + order[s] * all->n_out,
               all->n_out * sizeof *all->y);
    }
    free(order);
    bp_dataset_free(all);
    *from = tr;
    *held = te;
    return EXIT_OK;
}

/* Keeps the first `limit` rows of each set (rows are contiguous, so the
 * arrays stay valid; the rest is freed with the set). */
static void limit_rows(cli_data *d, size_t limit)
{
    if (d->train && d->train->n > limit)
        d->train->n = limit;
    if (d->test && d->test->n > limit)
        d->test->n = limit;
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

int cli_load_data(const cli_config *cfg, cli_data *d)
{
    memset(d, 0, sizeof *d);
    if (is_generated(cfg->data))
        return load_generated(cfg, d);
    int fashion = strcmp(cfg->data, "fashion-mnist") == 0;
    const char *path = fashion ? FASHION_DIR "/train-images-idx3-ubyte.gz"
                               : cfg->data;
    if (!fashion && access(path, R_OK) != 0)
        return cli_error(EXIT_USAGE, "option --data: '%s' is not linear, xor, "
                                     "fashion-mnist or a readable file (%s)",
                         path, strerror(errno));
    if (fashion && access(path, R_OK) != 0)
        return cli_error(EXIT_USAGE, "option --data: fashion-mnist needs "
                                     "Debian's dataset-fashion-mnist package "
                                     "(make deps)");
    const char *labels = fashion ? FASHION_DIR "/train-labels-idx1-ubyte.gz"
                                 : cfg->labels;
    const char *slash = strrchr(cfg->data, '/');
    snprintf(d->name, sizeof d->name, "%s", slash ? slash + 1 : cfg->data);
    d->regression = cfg->task && strcmp(cfg->task, "regression") == 0;

    bp_error err;
    bp_table *t = read_table(cfg, path, labels, &err);
    if (!t)
        return cli_error(err.code == BP_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE,
                         "%s", err.msg);
    int rc = EXIT_OK;
    if (fashion && !name_fashion_classes(t))
        rc = cli_error(EXIT_RUNTIME, "out of memory");
    else if (d->regression && !t->labels_numeric)
        rc = cli_error(EXIT_USAGE, "%s: --task regression needs numeric "
                                   "labels", path);
    else if (!d->regression && t->n_classes < 2)
        rc = cli_error(EXIT_USAGE, "%s: the labels hold a single class ('%s'); "
                                   "classification needs two or more",
                       path, t->n_classes ? t->class_names[0] : "");
    if (rc == EXIT_OK && !d->regression && !keep_class_names(t, &d->extra))
        rc = cli_error(EXIT_RUNTIME, "out of memory");

    if (rc == EXIT_OK &&
        !(d->train = to_dataset(t, d->regression, t->n_classes, NULL, &err)))
        rc = cli_error(cli_exit_code(err.code), "%s", err.msg);
    size_t d_in = t->d;
    d->feature_names = t->feature_names;    /* for the figures' axes */
    d->n_features = t->d;
    t->feature_names = NULL;
    bp_table_free(t);
    d->output = d->regression          ? BP_OUT_LINEAR
                : d->extra.n_classes > 2 ? BP_OUT_SOFTMAX
                                         : BP_OUT_SIGMOID;
    d->loss = d->regression ? BP_LOSS_MSE
              : d->output == BP_OUT_SOFTMAX ? BP_LOSS_CE
                                            : BP_LOSS_BCE;

    /* the held-out set: Fashion-MNIST's own, --test FILE, or --split */
    const char *test = fashion ? FASHION_DIR "/t10k-images-idx3-ubyte.gz"
                               : cfg->test_path;
    const char *test_labels = fashion ? FASHION_DIR "/t10k-labels-idx1-ubyte.gz"
                                      : cfg->test_labels;
    if (rc == EXIT_OK && test) {
        bp_table *u = read_table(cfg, test, test_labels, &err);
        size_t *map = NULL;
        if (!u)
            rc = cli_error(err.code == BP_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE,
                           "%s", err.msg);
        else if (fashion && !name_fashion_classes(u))
            rc = cli_error(EXIT_RUNTIME, "out of memory");
        else if (u->d != d_in)
            rc = cli_error(EXIT_USAGE, "%s has %zu features but the training "
                                       "data has %zu", test, u->d, d_in);
        else if (!d->regression && !(map = class_map(u, &d->extra, test)))
            rc = EXIT_USAGE;
        else if (!(d->test = to_dataset(u, d->regression, d->extra.n_classes,
                                        map, &err)))
            rc = cli_error(cli_exit_code(err.code), "%s", err.msg);
        free(map);
        bp_table_free(u);
    } else if (rc == EXIT_OK && cfg->split > 0) {
        rc = cli_split(&d->train, &d->test, cfg->split, cfg->split_seed,
                       "--split");
    }
    if (rc == EXIT_OK && cfg->limit)
        limit_rows(d, cfg->limit);
    if (rc == EXIT_OK && cfg->standardize) {
        if (!standardisation(d->train, &d->extra))
            rc = cli_error(EXIT_RUNTIME, "out of memory");
        else {
            cli_standardize(d->train->x, d->train->n, d_in, d->extra.mean,
                            d->extra.std);
            if (d->test)
                cli_standardize(d->test->x, d->test->n, d_in, d->extra.mean,
                                d->extra.std);
        }
    }
    if (rc != EXIT_OK)
        cli_data_free(d);
    return rc;
}

int cli_load_for_model(const cli_config *cfg, const bp_net *net,
                       const bp_model_extra *extra, cli_data *d,
                       int training)
{
    memset(d, 0, sizeof *d);
    const bp_arch *a = bp_net_arch(net);
    if (is_generated(cfg->data)) {
        int rc = load_generated(cfg, d);
        if (rc == EXIT_OK && extra->mean)
            cli_standardize(d->train->x, d->train->n, d->train->n_in,
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
    bp_error err;
    bp_table *t = read_table(cfg, path, labels, &err);
    if (!t)
        return cli_error(err.code == BP_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE,
                         "%s", err.msg);
    int rc = EXIT_OK;
    size_t *map = NULL;
    if (fashion && !name_fashion_classes(t))
        rc = cli_error(EXIT_RUNTIME, "out of memory");
    else if (t->d != a->sizes[0])
        rc = cli_error(EXIT_USAGE, "%s has %zu features but the model takes "
                                   "%zu", path, t->d, a->sizes[0]);
    else if (d->regression && !t->labels_numeric)
        rc = cli_error(EXIT_USAGE, "%s: the model predicts numbers but the "
                                   "labels are not numeric", path);
    else if (!d->regression && !extra->n_classes)
        rc = cli_error(EXIT_USAGE, "the model holds no class names to match "
                                   "the labels of %s", path);
    else if (!d->regression && !(map = class_map(t, extra, path)))
        rc = EXIT_USAGE;
    else if (!(d->train = to_dataset(t, d->regression, extra->n_classes, map,
                                     &err)))
        rc = cli_error(cli_exit_code(err.code), "%s", err.msg);
    free(map);
    d->feature_names = t->feature_names;    /* for the figures' axes */
    d->n_features = t->d;
    t->feature_names = NULL;
    bp_table_free(t);
    if (rc == EXIT_OK && cfg->limit)
        limit_rows(d, cfg->limit);
    if (rc == EXIT_OK && extra->mean)
        cli_standardize(d->train->x, d->train->n, d->train->n_in, extra->mean,
                        extra->std);
    if (rc != EXIT_OK)
        cli_data_free(d);
    return rc;
}
