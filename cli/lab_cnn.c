/* lab_cnn.c - the lab's section 5C (--extra cnn): a fully connected
 * network against the anchor CNN on Fashion-MNIST, their learning curves,
 * the CNN's first-layer filters and some test images it gets wrong.
 *
 * Both networks train as `backprop train` trains them with the options
 * printed in the report (Adam at 0.001, batches of 128, float, Xavier
 * weights, weight decay 1e-4/batch, standardised pixels), on the lab's
 * threads, one after the other; the test set is evaluated after every
 * epoch, outside the epoch's timing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "data.h"
#include "figures.h"
#include "lab.h"
#include "plot/plot.h"

#define CNN_LAYERS "conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2," \
                   "dense:128,relu"
#define MLP_HIDDEN "256,128"
#define CNN_BATCH 128

/* ------------------------------------------------------------ options */

int lab_extra_parse(lab_state *lab)
{
    const cli_config *b = &lab->base;
    const char *p = b->extra;
    while (p) {
        size_t len = strcspn(p, ",");
        if (len == 3 && strncmp(p, "cnn", 3) == 0)
            lab->cnn.on = 1;
        else if (len == 0)
            return cli_error(EXIT_USAGE, "option --extra: expects section "
                                         "names separated by commas: cnn");
        else
            return cli_error(EXIT_USAGE, "option --extra: unknown section "
                                         "'%.*s'; the sections are: cnn",
                             (int)(len < 40 ? len : 40), p);
        p = p[len] == ',' ? p + len + 1 : NULL;
    }
    if (!lab->cnn.on &&
        (cli_given(b, "cnn-epochs") || cli_given(b, "cnn-limit")))
        return cli_error(EXIT_USAGE, "option --%s: applies to --extra cnn",
                         cli_given(b, "cnn-epochs") ? "cnn-epochs"
                                                    : "cnn-limit");
    lab->cnn.epochs = b->cnn_epochs;
    lab->cnn.limit = b->cnn_limit;
    lab->cnn.threads = b->threads < BP_MAX_THREADS ? b->threads
                                                    : BP_MAX_THREADS;
    return EXIT_OK;
}

int lab_cnn_check(void)
{
    static const char *const files[] = {
        FASHION_DIR "/train-images-idx3-ubyte.gz",
        FASHION_DIR "/train-labels-idx1-ubyte.gz",
        FASHION_DIR "/t10k-images-idx3-ubyte.gz",
        FASHION_DIR "/t10k-labels-idx1-ubyte.gz"};
    for (size_t k = 0; k < 4; k++)
        if (access(files[k], R_OK) != 0)
            return cli_error(EXIT_USAGE, "option --extra: cnn trains on "
                                         "Fashion-MNIST, which is missing "
                                         "(%s): install Debian's "
                                         "dataset-fashion-mnist (make deps)",
                             files[k]);
    return EXIT_OK;
}

void lab_cnn_free(lab_cnn *c)
{
    for (int k = 0; k < 2; k++)
        history_free(&c->net[k].hist);
    if (c->class_names)
        for (size_t k = 0; k < c->n_classes; k++)
            free(c->class_names[k]);
    free(c->class_names);
    free(c->filters);
    free(c->shown);
    free(c->confusion);
    c->class_names = NULL;
    c->filters = c->shown = NULL;
    c->confusion = NULL;
}

/* ----------------------------------------------------------- training */

/* The configuration of network k (0 MLP, 1 CNN), as train would take it
 * with the options of r->command. */
static int net_config(const lab_state *lab, int k, const cli_data *d,
                      cli_config *cfg, lab_net_result *r)
{
    const lab_cnn *c = &lab->cnn;
    cli_defaults(cfg);
    cfg->data = "fashion-mnist";
    cfg->file_data = 1;
    cfg->output = d->output;
    cfg->loss = d->loss;
    cfg->init = BP_INIT_XAVIER;
    cfg->optimizer = BP_OPT_ADAM;
    cfg->lr = 0.001;
    cfg->batch = CNN_BATCH;
    cfg->weight_decay = 1e-4 / CNN_BATCH;   /* train's default for files */
    cfg->dtype = BP_F32;
    cfg->train_threads = c->threads;
    cfg->seed = lab->base.seed;
    cfg->epochs = c->epochs;
    cfg->limit = c->limit;
    char limit[48] = "";
    if (c->limit)
        snprintf(limit, sizeof limit, " --limit %zu", c->limit);
    if (k == 0) {
        r->name = "MLP";
        cfg->n_hidden = 2;
        cfg->hidden[0] = 256;
        cfg->hidden[1] = 128;
        cfg->activation = BP_ACT_RELU;
        snprintf(r->layers, sizeof r->layers, "dense:256,relu,dense:128,relu");
        snprintf(r->command, sizeof r->command,
                 "--hidden " MLP_HIDDEN " --activation relu");
    } else {
        r->name = "CNN";
        bp_arch a;
        bp_error err;
        memset(&a, 0, sizeof a);
        if (bp_layers_parse(CNN_LAYERS, &a, &err))
            return cli_error(EXIT_RUNTIME, "%s", err.msg);
        memcpy(cfg->layer, a.layer, sizeof a.layer);
        cfg->n_layers = a.n_layers;
        cfg->layers = CNN_LAYERS;
        cfg->input_shape = d->shape;
        snprintf(r->layers, sizeof r->layers, "%s", CNN_LAYERS);
        snprintf(r->command, sizeof r->command, "--layers " CNN_LAYERS);
    }
    char tail[256];
    snprintf(tail, sizeof tail,
             " --optimizer adam --lr 0.001 --batch %d --epochs %zu --dtype "
             "f32 --threads %zu --seed %llu%s", CNN_BATCH, c->epochs,
             c->threads, (unsigned long long)cfg->seed, limit);
    char net[256];
    snprintf(net, sizeof net, "%s", r->command);
    snprintf(r->command, sizeof r->command,
             "backprop train --data fashion-mnist %s%s", net, tail);
    return EXIT_OK;
}

typedef struct {
    const char *name;
    size_t epoch, epochs;
    int tty;
} bar;

static void on_batch(void *ctx, size_t done, size_t total)
{
    bar *b = ctx;
    fprintf(stderr, "\r\033[Kbackprop lab: 5C: %s epoch %zu/%zu (%.0f %%)",
            b->name, b->epoch, b->epochs,
            total ? 100.0 * (double)done / (double)total : 100.0);
    fflush(stderr);
}

/* Trains network k; *net_out receives it. */
static int train_net(lab_state *lab, int k, const cli_data *d,
                     bp_net **net_out)
{
    lab_cnn *c = &lab->cnn;
    lab_net_result *r = &c->net[k];
    cli_config cfg;
    int rc = net_config(lab, k, d, &cfg, r);
    if (rc != EXIT_OK)
        return rc;
    if ((rc = cli_check_arch(&cfg, d->train->n_in, d->train->n_out)))
        return rc;
    if (!history_reserve(&r->hist, c->epochs, 1))
        return cli_error(EXIT_RUNTIME, "out of memory");
    bp_error err;
    bp_arch arch;
    cli_arch(&cfg, d->train->n_in, d->train->n_out, &arch);
    bp_net *net = bp_net_new(&arch, &err);
    if (!net)
        return cli_error(cli_exit_code(err.code), "%s", err.msg);
    bp_train_opts opts = BP_TRAIN_OPTS_DEFAULT;
    opts.optimizer = cfg.optimizer;
    opts.lr = cfg.lr;
    opts.weight_decay = cfg.weight_decay;
    opts.batch = cfg.batch;
    opts.shuffle_seed = cfg.seed;
    opts.dtype = cfg.dtype;
    opts.threads = (int)cfg.train_threads;
    bp_trainer *tr = NULL;
    if (bp_net_init(net, cfg.init, cfg.seed, &err) == BP_OK)
        tr = bp_trainer_new(net, d->train, &opts, &err);
    if (!tr) {
        bp_net_free(net);
        return cli_error(cli_exit_code(err.code), "%s", err.msg);
    }
    r->params = bp_net_param_count(net);
    bar b = {r->name, 0, c->epochs, isatty(2) && !lab->base.quiet};
    if (b.tty)
        bp_trainer_on_batch(tr, on_batch, &b);
    bp_status st = BP_OK;
    for (size_t e = 1; e <= c->epochs; e++) {
        double loss, tloss, tacc;
        b.epoch = e;
        double t0 = cli_seconds();
        if ((st = bp_trainer_epoch(tr, &loss, &err)))
            break;
        double t1 = cli_seconds();
        if ((st = bp_evaluate(net, d->test, &tloss, &tacc, &err)))
            break;
        r->seconds += t1 - t0;
        r->eval_seconds += cli_seconds() - t1;
        history_add(&r->hist, loss, bp_trainer_accuracy(tr));
        history_add_val(&r->hist, tloss, tacc);
        r->epochs = e;
        if (!lab->base.quiet)
            fprintf(stderr, "%sbackprop lab: 5C: %s epoch %zu/%zu: loss %.4f, "
                            "test accuracy %.2f %% (%.1f s)\n",
                    b.tty ? "\r\033[K" : "", r->name, e, c->epochs, loss,
                    tacc, t1 - t0);
    }
    bp_trainer_free(tr);
    if (st) {
        bp_net_free(net);
        if (st == BP_EDIVERGED)
            return cli_error(EXIT_RUNTIME, "5C: the %s diverged at epoch "
                                           "%zu: %s", r->name, r->epochs + 1,
                             err.msg);
        return cli_error(cli_exit_code(st), "%s", err.msg);
    }
    *net_out = net;
    return EXIT_OK;
}

static size_t argmax(const double *v, size_t n)
{
    size_t best = 0;
    for (size_t j = 1; j < n; j++)
        if (v[j] > v[best])
            best = j;
    return best;
}

/* The CNN's first-layer weights, its confusion matrix and the first
 * LAB_CNN_SHOWN test images it gets wrong, in the file's pixel values. */
static int inspect_cnn(lab_cnn *c, bp_net *net, const cli_data *d)
{
    const bp_arch *a = bp_net_arch(net);
    const bp_layer *l0 = &a->layer[0];
    c->k = (size_t)l0->k;
    c->n_filters = l0->units;
    size_t taps = l0->in.c * c->k * c->k;   /* one input channel here */
    c->filters = malloc(c->n_filters * taps * sizeof *c->filters);
    const bp_dataset *t = d->test;
    size_t K = t->n_out;
    double *out = malloc(t->n * K * sizeof *out);
    c->confusion = calloc(K * K, sizeof *c->confusion);
    c->img_h = d->shape.h;
    c->img_w = d->shape.w;
    c->shown = malloc(LAB_CNN_SHOWN * t->n_in * sizeof *c->shown);
    bp_error err;
    if (!c->filters || !out || !c->confusion || !c->shown) {
        free(out);
        return cli_error(EXIT_RUNTIME, "out of memory");
    }
    for (int l = 0; l < a->n_layers; l++) {
        const bp_layer *y = &a->layer[l];
        if (y->kind == BP_LAYER_CONV)
            c->conv_params += y->units * y->in.c * (size_t)y->k *
                                  (size_t)y->k + (a->bias ? y->units : 0);
        if (l > 0 && y->kind == BP_LAYER_DENSE && !c->flat)
            c->flat = y->in.c * y->in.h * y->in.w;
    }
    memcpy(c->filters, bp_net_weight(net, 0),
           c->n_filters * taps * sizeof *c->filters);
    if (bp_predict(net, t->x, t->n, out, &err)) {
        free(out);
        return cli_error(cli_exit_code(err.code), "%s", err.msg);
    }
    for (size_t s = 0; s < t->n; s++) {
        size_t truth = argmax(t->y + s * K, K), pred = argmax(out + s * K, K);
        c->confusion[truth * K + pred]++;
        if (truth == pred)
            continue;
        c->wrong++;
        if (c->n_shown == LAB_CNN_SHOWN)
            continue;
        /* back from the standardised values to the file's */
        double *img = c->shown + c->n_shown * t->n_in;
        for (size_t f = 0; f < t->n_in; f++)
            img[f] = d->extra.mean ? t->x[s * t->n_in + f] * d->extra.std[f] +
                                         d->extra.mean[f]
                                   : t->x[s * t->n_in + f];
        c->truth[c->n_shown] = (int)truth;
        c->pred[c->n_shown] = (int)pred;
        c->index[c->n_shown] = s;
        c->n_shown++;
    }
    free(out);
    return EXIT_OK;
}

int lab_cnn_run(lab_state *lab)
{
    lab_cnn *c = &lab->cnn;
    cli_config cfg;
    cli_defaults(&cfg);
    cfg.data = "fashion-mnist";
    cfg.limit = c->limit;
    cli_data d;
    double t0 = cli_seconds();
    if (!lab->base.quiet)
        fprintf(stderr, "backprop lab: 5C: reading Fashion-MNIST\n");
    int rc = cli_load_data(&cfg, &d);
    if (rc != EXIT_OK)
        return rc;
    c->load_seconds = cli_seconds() - t0;
    if (!d.test || !d.shape.c || d.shape.c * d.shape.h * d.shape.w !=
                                     d.train->n_in) {
        cli_data_free(&d);
        return cli_error(EXIT_RUNTIME, "5C: Fashion-MNIST has no test set "
                                       "or no image shape");
    }
    c->n_train = d.train->n;
    c->n_test = d.test->n;
    c->n_classes = d.extra.n_classes;
    c->class_names = calloc(c->n_classes, sizeof *c->class_names);
    for (size_t k = 0; c->class_names && k < c->n_classes; k++)
        c->class_names[k] = strdup(d.extra.class_names[k]);
    for (size_t k = 0; c->class_names && k < c->n_classes; k++)
        if (!c->class_names[k]) {
            cli_data_free(&d);
            return cli_error(EXIT_RUNTIME, "out of memory");
        }
    bp_net *net[2] = {NULL, NULL};
    for (int k = 0; k < 2 && rc == EXIT_OK; k++)
        rc = train_net(lab, k, &d, &net[k]);
    if (rc == EXIT_OK)
        rc = inspect_cnn(c, net[1], &d);
    bp_net_free(net[0]);
    bp_net_free(net[1]);
    cli_data_free(&d);
    return rc;
}

/* ------------------------------------------------------------ report */

static double last(const history *h, const double *col)
{
    return h->n ? col[h->n - 1] : NAN;
}

static bp_status curves_figure(const lab_cnn *c, const char *path, int acc,
                               bp_error *err)
{
    size_t E = c->net[0].hist.n > c->net[1].hist.n ? c->net[0].hist.n
                                                     : c->net[1].hist.n;
    double *x = malloc((E ? E : 1) * sizeof *x);
    if (!x)
        return bp_fail(err, BP_ENOMEM, "out of memory for a figure");
    for (size_t e = 0; e < E; e++)
        x[e] = (double)(e + 1);
    /* training loss, test accuracy: one colour per network in both */
    bp_plot_series s[2];
    for (int k = 0; k < 2; k++) {
        const history *h = &c->net[k].hist;
        s[k] = (bp_plot_series){x, acc ? h->val_accuracy : h->loss, h->n,
                                c->net[k].name, NULL, NULL};
    }
    size_t n = 2;
    char title[96];
    snprintf(title, sizeof title, "Fashion-MNIST: %s",
             acc ? "test accuracy after each epoch"
                 : "training loss of each epoch");
    bp_status st = bp_plot_curves(path, title, "epoch",
                                  acc ? "test accuracy (%)"
                                      : "cross-entropy loss (training)",
                                  s, n, 0, err);
    free(x);
    return st;
}

static bp_status filters_figure(const lab_cnn *c, const char *path,
                                bp_error *err)
{
    size_t taps = c->k * c->k;
    bp_plot_image *im = calloc(c->n_filters, sizeof *im);
    if (!im)
        return bp_fail(err, BP_ENOMEM, "out of memory for a figure");
    for (size_t f = 0; f < c->n_filters; f++) {
        double m = 0;
        for (size_t j = 0; j < taps; j++)
            m = fmax(m, fabs(c->filters[f * taps + j]));
        im[f] = (bp_plot_image){c->filters + f * taps, NULL,
                                m > 0 ? -m : -1, m > 0 ? m : 1};
    }
    char title[96];
    snprintf(title, sizeof title, "The CNN's first layer: %zu learned "
             "%zu x %zu filters", c->n_filters, c->k, c->k);
    bp_status st = bp_plot_images(path, title, "each filter scaled to its "
                                  "largest |weight|: blue < 0 < red, white 0",
                                  im, c->n_filters, c->k, c->k, 8,
                                  BP_PLOT_CMAP_DIVERGING, err);
    free(im);
    return st;
}

static bp_status wrong_figure(const lab_cnn *c, const char *path,
                              bp_error *err)
{
    bp_plot_image im[LAB_CNN_SHOWN];
    char text[LAB_CNN_SHOWN][160];
    size_t px = c->img_h * c->img_w;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < c->n_shown * px; j++) {
        lo = fmin(lo, c->shown[j]);
        hi = fmax(hi, c->shown[j]);
    }
    if (!(lo < hi)) {
        lo = 0;
        hi = 1;
    }
    for (size_t k = 0; k < c->n_shown; k++) {
        snprintf(text[k], sizeof text[k], "true: %s\npredicted: %s",
                 c->class_names[c->truth[k]], c->class_names[c->pred[k]]);
        im[k] = (bp_plot_image){c->shown + k * px, text[k], lo, hi};
    }
    char title[96];
    snprintf(title, sizeof title, "The first %zu test images the CNN gets "
             "wrong", c->n_shown);
    return bp_plot_images(path, title, NULL, im, c->n_shown, c->img_h,
                          c->img_w, 4, BP_PLOT_CMAP_GREY_INVERTED, err);
}

/* Filters whose weights mostly cancel (|sum| < 30 % of sum |w|): they
 * respond to a change of brightness, an edge; and those mostly of one sign
 * (|sum| > 70 %): they respond to brightness itself. */
static void filter_kinds(const lab_cnn *c, size_t *edges, size_t *blobs)
{
    size_t taps = c->k * c->k;
    *edges = *blobs = 0;
    for (size_t f = 0; f < c->n_filters; f++) {
        double sum = 0, abs = 0;
        for (size_t j = 0; j < taps; j++) {
            sum += c->filters[f * taps + j];
            abs += fabs(c->filters[f * taps + j]);
        }
        if (abs > 0 && fabs(sum) < 0.3 * abs)
            (*edges)++;
        else if (abs > 0 && fabs(sum) > 0.7 * abs)
            (*blobs)++;
    }
}

/* The off-diagonal cells of the confusion matrix, largest first: up to
 * three into a[] (truth, pred, count); returns how many. */
static int top_confusions(const lab_cnn *c, size_t a[3][3])
{
    int n = 0;
    size_t K = c->n_classes;
    for (int r = 0; r < 3; r++) {
        size_t bt = 0, bp = 0, best = 0;
        for (size_t t = 0; t < K; t++)
            for (size_t p = 0; p < K; p++) {
                size_t v = c->confusion[t * K + p];
                int taken = 0;
                for (int q = 0; q < n; q++)
                    taken |= a[q][0] == t && a[q][1] == p;
                if (t != p && !taken && v > best) {
                    best = v;
                    bt = t;
                    bp = p;
                }
            }
        if (!best)
            break;
        a[n][0] = bt;
        a[n][1] = bp;
        a[n][2] = best;
        n++;
    }
    return n;
}

int lab_cnn_section(FILE *f, const lab_state *lab, const char *dir)
{
    const lab_cnn *c = &lab->cnn;
    const lab_net_result *m = &c->net[0], *n = &c->net[1];
    char path[4096];
    bp_error err;
    static const char *const csv[2] = {"logs/fashion-mlp.csv",
                                       "logs/fashion-cnn.csv"};
    for (int k = 0; k < 2; k++) {
        path_join(path, sizeof path, dir, csv[k]);
        if (history_write(&c->net[k].hist, path, &err))
            return cli_error(EXIT_RUNTIME, "%s", err.msg);
    }
    int plots = bp_plot_available();
    static const char *const fig[4] = {
        "figures/fashion-loss.png", "figures/fashion-accuracy.png",
        "figures/fashion-cnn-filters.png", "figures/fashion-cnn-wrong.png"};
    for (int k = 0; plots && k < 4; k++) {
        path_join(path, sizeof path, dir, fig[k]);
        bp_status st = k < 2   ? curves_figure(c, path, k == 1, &err)
                       : k == 2 ? filters_figure(c, path, &err)
                       : c->n_shown ? wrong_figure(c, path, &err)
                                    : BP_OK;
        if (st)
            return cli_error(cli_exit_code(err.code), "%s", err.msg);
    }

    double macc = last(&m->hist, m->hist.val_accuracy);
    double nacc = last(&n->hist, n->hist.val_accuracy);
    fprintf(f, "### 5C. Convolution\n\n");
    fprintf(f, "The networks above see two numbers per sample.  An image is "
               "different: its pixels have neighbours, and a pattern (an "
               "edge, a collar, a heel) means the same wherever it appears.  "
               "A *convolutional* layer slides small filters over the image, "
               "the same few weights at every position, so that it looks for "
               "local patterns and needs far fewer weights than a dense "
               "layer; pooling then halves the image, keeping each 2 x 2 "
               "window's largest response.  Here a fully connected network "
               "(MLP) and a small convolutional network (CNN) learn "
               "Fashion-MNIST: %zu training images of 28 x 28 grey pixels, "
               "10 kinds of garment, tested on %zu images neither has "
               "seen.%s\n\n",
            c->n_train, c->n_test,
            c->limit ? "  (This run was limited with --cnn-limit to the first "
                       "images of each set: the numbers are those of a "
                       "short check, not of the full data.)" : "");
    fprintf(f, "Both train the same way for %zu epochs: Adam at learning "
               "rate 0.001, mini-batches of %d, float arithmetic on %zu "
               "thread%s, Xavier initial weights (seed %llu), weight decay "
               "1e-4 per batch, pixels standardised.  Each row below is the "
               "same run as the `backprop train` command under the table.  "
               "Reading the data took %.1f s.\n\n",
            c->epochs, CNN_BATCH, c->threads, c->threads == 1 ? "" : "s",
            (unsigned long long)lab->base.seed, c->load_seconds);
    fprintf(f, "| network | hidden layers | parameters | epochs | seconds "
               "an epoch | test loss | test accuracy |\n"
               "|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < 2; k++) {
        const lab_net_result *r = &c->net[k];
        fprintf(f, "| %s | `%s` | %zu | %zu | %.2f | %.4f | %.2f %% |\n",
                r->name, r->layers, r->params, r->epochs,
                r->epochs ? r->seconds / (double)r->epochs : 0.0,
                last(&r->hist, r->hist.val_loss), last(&r->hist,
                                                       r->hist.val_accuracy));
    }
    fprintf(f, "\n```\n%s\n%s\n```\n\n", m->command, n->command);
    fprintf(f, "Seconds an epoch count the training alone; evaluating the "
               "%zu test images after every epoch took another %.1f s (MLP) "
               "and %.1f s (CNN) in all.  The per-epoch numbers are in "
               "`logs/fashion-mlp.csv` and `logs/fashion-cnn.csv` (test "
               "columns named val_).\n\n",
            c->n_test, m->eval_seconds, n->eval_seconds);

    if (plots)
        fprintf(f, "| training loss | test accuracy |\n|---|---|\n"
                   "| ![loss](%s) | ![accuracy](%s) |\n\n", fig[0], fig[1]);
    double ratio = n->params ? (double)m->params / (double)n->params : 0;
    double speed = m->seconds > 0 ? n->seconds / m->seconds : 0;
    fprintf(f, "- Accuracy: after %zu epoch%s the CNN classifies %.2f %% "
               "of the test images correctly and the MLP %.2f %%: the %s is "
               "ahead by %.2f points.\n",
            c->epochs, c->epochs == 1 ? "" : "s", nacc, macc,
            nacc >= macc ? "CNN" : "MLP", fabs(nacc - macc));
    fprintf(f, "- Size: the CNN has %zu parameters and the MLP %zu; the %s "
               "has %.1f times as many.  The CNN's two convolutional layers "
               "hold only %zu of its parameters (%.1f %%): most sit in the "
               "dense layer after them, which sees the %zu values the "
               "convolutions and poolings leave of an image.\n",
            n->params, m->params, ratio >= 1 ? "MLP" : "CNN",
            ratio >= 1 ? ratio : 1 / ratio, c->conv_params,
            n->params ? 100.0 * (double)c->conv_params / (double)n->params
                      : 0.0,
            c->flat);
    fprintf(f, "- Cost: an epoch of the CNN took %.2f s, %.1f times the "
               "MLP's %.2f s: every filter is applied at every position of "
               "the image, so the CNN does many more multiplications per "
               "weight.\n",
            n->epochs ? n->seconds / (double)n->epochs : 0.0, speed,
            m->epochs ? m->seconds / (double)m->epochs : 0.0);
    for (int k = 0; k < 2 && c->epochs > 1; k++) {
        const history *h = &c->net[k].hist;
        size_t best = 0;
        for (size_t e = 1; e < h->n; e++)
            if (h->val_accuracy[e] > h->val_accuracy[best])
                best = e;
        fprintf(f, "- Curves, %s: the training loss %s from %.4f in epoch "
                   "1 to %.4f in epoch %zu, and the test accuracy went from "
                   "%.2f %% to %.2f %%",
                c->net[k].name,
                h->loss[h->n - 1] < h->loss[0] ? "fell" : "went", h->loss[0], h->loss[h->n - 1], h->n,
                h->val_accuracy[0], h->val_accuracy[h->n - 1]);
        if (best + 1 == h->n)
            fprintf(f, ", its best in the last epoch: more epochs would "
                       "likely still help.\n");
        else
            fprintf(f, "; its best was %.2f %% after epoch %zu.  From one "
                       "epoch to the next the test accuracy moves by a few "
                       "tenths of a point, so one step down is not yet a "
                       "sign of over-fitting.\n",
                    h->val_accuracy[best], best + 1);
    }
    if (m->hist.n && n->hist.n) {
        double mgap = last(&m->hist, m->hist.accuracy) - macc;
        double ngap = last(&n->hist, n->hist.accuracy) - nacc;
        fprintf(f, "- Over-fitting: in the last epoch the MLP's training "
                   "accuracy (counted on the batches as it learned) was "
                   "%.2f %%, %.2f points %s its test accuracy; the CNN's "
                   "%.2f %%, %.2f points %s.  A test accuracy that stops "
                   "rising while the training accuracy goes on would mean "
                   "the network is memorising the training images.\n\n",
                last(&m->hist, m->hist.accuracy), fabs(mgap),
                mgap >= 0 ? "above" : "below",
                last(&n->hist, n->hist.accuracy), fabs(ngap),
                ngap >= 0 ? "above" : "below");
    }

    size_t edges, blobs;
    filter_kinds(c, &edges, &blobs);
    fprintf(f, "#### What the first layer learned\n\n");
    if (plots)
        fprintf(f, "![The CNN's first-layer filters](%s)\n\n", fig[2]);
    fprintf(f, "Each square is one of the %zu filters of the first "
               "convolution, %zu x %zu weights that are multiplied with "
               "every %zu x %zu patch of the image (red positive, blue "
               "negative, each filter on its own scale).  A filter whose "
               "weights of both signs cancel responds to a change of "
               "brightness across the patch, an edge, in the direction from "
               "blue to red; one of a single sign responds to brightness "
               "itself.  Of these %zu filters, %zu are edge-like (the sum of "
               "their weights is less than 30 %% of the sum of the weights' "
               "magnitudes) "
               "and %zu are mostly of one sign (more than 70 %%); the "
               "second layer combines them into larger patterns.\n\n",
            c->n_filters, c->k, c->k, c->k, c->k, c->n_filters, edges,
            blobs);

    fprintf(f, "#### What it gets wrong\n\n");
    if (plots && c->n_shown)
        fprintf(f, "![Test images the CNN gets wrong](%s)\n\n", fig[3]);
    size_t top[3][3];
    int nt = top_confusions(c, top);
    fprintf(f, "The CNN gets %zu of the %zu test images wrong.  Above are "
               "the first %zu of them in the test set's order (not chosen), "
               "with their true and predicted garments.",
            c->wrong, c->n_test, c->n_shown);
    if (nt) {
        fprintf(f, "  Its most frequent mistakes:");
        for (int q = 0; q < nt; q++)
            fprintf(f, "%s %s taken for %s (%zu times)",
                    q == 0 ? "" : q + 1 == nt ? " and" : ",",
                    c->class_names[top[q][0]], c->class_names[top[q][1]],
                    top[q][2]);
        fprintf(f, ".");
        /* Fashion-MNIST's tops: T-shirt/top, Pullover, Coat, Shirt */
        int tops = c->n_classes == 10;
        for (int q = 0; tops && q < nt; q++)
            for (int e = 0; e < 2; e++)
                tops &= top[q][e] == 0 || top[q][e] == 2 ||
                        top[q][e] == 4 || top[q][e] == 6;
        if (tops)
            fprintf(f, "  These are all tops: shirts, T-shirts, pullovers "
                       "and coats share their outline at 28 x 28 pixels and "
                       "differ in details (a collar, buttons, a zip) that a "
                       "few pixels carry, and some of the images above "
                       "may puzzle a person too.");
    }
    fprintf(f, "\n\n");
    if (!plots)
        fprintf(f, "(No figures: backprop was built without PLplot.)\n\n");
    return EXIT_OK;
}
