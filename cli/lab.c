/* lab.c - the seed report's experiments: which runs, and running them. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"

/* Every configuration the report trains; the first is its own method. */
const lab_variant lab_variants[] = {
    {"base", 0, 0, -1, -1},
    {"lr1", 1.0, 0, -1, -1},
    {"lr0.01", 0.01, 0, -1, -1},
    {"hidden15", 0, 15, -1, -1},
    {"hidden5", 0, 5, -1, -1},
    {"none", 0, 0, BP_ACT_NONE, -1},
    {"sgd", 0, 0, -1, BP_OPT_SGD},
    {"relu", 0, 0, BP_ACT_RELU, -1},
    {"tanh", 0, 0, BP_ACT_TANH, -1},
    {"relu-lr1", 1.0, 0, BP_ACT_RELU, -1},
    {"tanh-lr1", 1.0, 0, BP_ACT_TANH, -1},
};
const int lab_n_variants = sizeof lab_variants / sizeof lab_variants[0];

/* The report's sections 4A-5B, each a figure and a table. */
const lab_comparison lab_comparisons[] = {
    {"learning-rate", "4A", "Learning rates", "learning rate", 3, {0, 1, 2},
     {"lr 0.1", "lr 1", "lr 0.01"}},
    {"hidden-units", "4B", "Hidden units", "hidden width", 3, {0, 3, 4},
     {"n = 10", "n = 15", "n = 5"}},
    {"no-activation", "4C", "Without activation functions", "activation", 2,
     {0, 5}, {"sigmoid", "no activation"}},
    {"optimizer", "5A", "Optimizers", "optimizer", 2, {6, 0},
     {"SGD", "momentum"}},
    {"activation-lr0.1", "5B", "Activations at learning rate 0.1",
     "activation", 3, {0, 7, 8}, {"sigmoid", "ReLU", "tanh"}},
    {"activation-lr1", "5B", "Activations at learning rate 1", "activation",
     3, {1, 9, 10}, {"sigmoid", "ReLU", "tanh"}},
};
const int lab_n_comparisons = sizeof lab_comparisons / sizeof lab_comparisons[0];

void lab_config(const cli_config *base, const lab_variant *v, cli_config *out)
{
    *out = *base;
    if (v->lr > 0)
        out->lr = v->lr;
    if (v->hidden)
        for (int k = 0; k < out->n_hidden; k++)
            out->hidden[k] = v->hidden;
    if (v->activation >= 0)
        out->activation = (bp_activation)v->activation;
    if (v->optimizer >= 0)
        out->optimizer = (bp_optimizer)v->optimizer;
}

size_t lab_index(const lab_state *lab, int d, int v, size_t s)
{
    return ((size_t)d * (size_t)lab_n_variants + (size_t)v) * lab->base.seeds +
           s;
}

/* Trains one run; everything it needs is its own, so runs can go on in
 * parallel. */
static void run_one(const lab_state *lab, lab_run *r)
{
    cli_config cfg;
    lab_config(&lab->base, &lab_variants[r->variant], &cfg);
    cfg.data = lab->data[r->data];
    cfg.seed = r->seed;
    cfg.data_seed = r->seed;       /* a new linear data set per seed too */
    size_t epochs = cfg.epochs;
    for (size_t e = 0; e < epochs; e++)
        r->loss[e] = NAN;
    r->final_loss = NAN;

    bp_error err;
    bp_generated g = BP_GEN_LINEAR;
    bp_generated_parse(cfg.data, &g);   /* the lab's sets are generated */
    bp_dataset *ds = bp_generate(g, cfg.n, cfg.data_seed, 1, &err);
    bp_arch arch;
    bp_net *net = NULL;
    bp_trainer *tr = NULL;
    if (ds) {
        cli_arch(&cfg, ds->n_in, ds->n_out, &arch);
        net = bp_net_new(&arch, &err);
    }
    bp_train_opts opts = {.optimizer = cfg.optimizer, .lr = cfg.lr, .momentum = cfg.momentum};
    if (net && bp_net_init(net, cfg.init, cfg.seed, &err) == BP_OK)
        tr = bp_trainer_new(net, ds, &opts, &err);
    if (!tr) {
        r->failed = 1;
        goto done;
    }
    double t0 = cli_seconds();
    for (size_t e = 0; e < epochs; e++) {
        double loss;
        bp_status st = bp_trainer_epoch(tr, &loss, &err);
        if (st) {
            r->diverged_at = e + 1;
            break;
        }
        r->loss[e] = loss;
        r->final_loss = loss;
        if (!r->epochs_to_target && loss < LAB_TARGET_LOSS)
            r->epochs_to_target = e + 1;
    }
    r->seconds = cli_seconds() - t0;
    if (!r->diverged_at && bp_evaluate(net, ds, NULL, &r->accuracy, &err))
        r->failed = 1;
done:
    bp_trainer_free(tr);
    bp_net_free(net);
    bp_dataset_free(ds);
}

/* ------------------------------------------------------------- the pool */

typedef struct {
    lab_state *lab;
    atomic_size_t next;            /* the next run to claim               */
    atomic_size_t finished;
    atomic_int *left;              /* runs left per (data, variant)       */
    pthread_mutex_t print;         /* one progress line at a time         */
    int tty;
} pool;

static void progress(pool *p, const lab_run *r)
{
    lab_state *lab = p->lab;
    size_t done = atomic_fetch_add(&p->finished, 1) + 1;
    int group = r->data * lab_n_variants + r->variant;
    int left = atomic_fetch_sub(&p->left[group], 1) - 1;
    pthread_mutex_lock(&p->print);
    if (p->tty) {
        int width = 40, filled = (int)(done * (size_t)width / lab->n_runs);
        fprintf(stderr, "\rbackprop lab: [%.*s%*s] %zu/%zu runs", filled,
                "########################################", width - filled,
                "", done, lab->n_runs);
        if (done == lab->n_runs)
            fputc('\n', stderr);
    } else if (left == 0) {
        fprintf(stderr, "backprop lab: %s %s: %zu runs done (%zu/%zu)\n",
                lab->data[r->data], lab_variants[r->variant].key,
                lab->base.seeds, done, lab->n_runs);
    }
    pthread_mutex_unlock(&p->print);
}

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        size_t k = atomic_fetch_add(&p->next, 1);
        if (k >= p->lab->n_runs)
            return NULL;
        run_one(p->lab, &p->lab->runs[k]);
        progress(p, &p->lab->runs[k]);
    }
}

int lab_run_all(lab_state *lab, size_t threads)
{
    size_t epochs = lab->base.epochs;
    lab->n_runs = (size_t)lab->n_data * (size_t)lab_n_variants * lab->base.seeds;
    lab->runs = calloc(lab->n_runs, sizeof *lab->runs);
    double *losses = lab->runs && epochs <= SIZE_MAX / sizeof(double) / lab->n_runs
                         ? malloc(lab->n_runs * epochs * sizeof *losses)
                         : NULL;
    if (!losses)
        return cli_error(EXIT_RUNTIME,
                         "out of memory for %zu runs of %zu epochs",
                         lab->n_runs, epochs);
    for (int d = 0; d < lab->n_data; d++)
        for (int v = 0; v < lab_n_variants; v++)
            for (size_t s = 0; s < lab->base.seeds; s++) {
                size_t k = lab_index(lab, d, v, s);
                lab_run *r = &lab->runs[k];
                r->data = d;
                r->variant = v;
                r->seed = lab->base.seed + s;
                r->loss = losses + k * epochs;
            }

    pool p = {.lab = lab, .tty = isatty(2)};
    atomic_init(&p.next, 0);
    atomic_init(&p.finished, 0);
    int groups = lab->n_data * lab_n_variants;
    p.left = malloc((size_t)groups * sizeof *p.left);
    if (!p.left)
        return cli_error(EXIT_RUNTIME, "out of memory");
    for (int g = 0; g < groups; g++)
        atomic_init(&p.left[g], (int)lab->base.seeds);
    pthread_mutex_init(&p.print, NULL);

    double t0 = cli_seconds();
    pthread_t *tids = calloc(threads, sizeof *tids);
    size_t started = 0;
    for (; tids && started < threads; started++)
        if (pthread_create(&tids[started], NULL, worker, &p) != 0)
            break;
    if (started == 0)
        worker(&p);                /* no thread could start: run here */
    for (size_t t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    lab->seconds = cli_seconds() - t0;
    free(tids);
    free(p.left);
    pthread_mutex_destroy(&p.print);

    for (size_t k = 0; k < lab->n_runs; k++)
        if (lab->runs[k].failed)
            return cli_error(EXIT_RUNTIME, "a lab run could not start "
                                           "(out of memory?)");
    return EXIT_OK;
}

void lab_free(lab_state *lab)
{
    if (lab->runs)
        free(lab->runs[0].loss);
    free(lab->runs);
    lab->runs = NULL;
    lab_cnn_free(&lab->cnn);
}
