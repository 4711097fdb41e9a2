/* cmd_train.c - backprop train: the seed's training run, and more. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/error.h"
#include "data.h"
#include "figures.h"
#include "format.h"
#include "history.h"
#include "metrics.h"
#include "plot/plot.h"

/* Set by SIGINT: training stops after the epoch under way. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Early stopping: the best validation loss so far and its weights. */
typedef struct {
    double best;
    size_t best_epoch, waited;
    double *weights;
} watch;

int cli_run_training(const cli_config *cfg, bp_dataset *ds,
                     const bp_dataset *val, FILE *out, bp_net **net_out,
                     history *hist)
{
    bp_error err;
    bp_arch arch;
    bp_net *net = cfg->start_net;
    bp_status st = BP_OK;
    if (!net) {
        cli_arch(cfg, ds->n_in, ds->n_out, &arch);
        if (!(net = bp_net_new(&arch, &err)))
            return cli_error(cli_exit_code(err.code), "%s", err.msg);
        if ((st = bp_net_init(net, cfg->init, cfg->seed, &err))) {
            bp_net_free(net);
            return cli_error(EXIT_USAGE, "option --seed: %s", err.msg);
        }
    }
    bp_train_opts opts = {.optimizer = cfg->optimizer,
                          .lr = cfg->lr,
                          .momentum = cfg->momentum,
                          .beta1 = cfg->beta1,
                          .beta2 = cfg->beta2,
                          .rho = cfg->rho,
                          .eps = cfg->eps,
                          .weight_decay = cfg->weight_decay,
                          .batch = cfg->batch,
                          .shuffle_seed = cfg->seed,
                          .dtype = cfg->dtype,
                          .threads = (int)cfg->train_threads};
    bp_trainer *tr = bp_trainer_new(net, ds, &opts, &err);
    watch w = {INFINITY, 0, 0, NULL};
    size_t n_params = bp_net_param_count(net);
    if (tr && val && cfg->patience &&
        !(w.weights = malloc(n_params * sizeof *w.weights)))
        bp_fail(&err, BP_ENOMEM, "out of memory for the best weights");
    /* resuming: the optimizer goes on from its saved state */
    const bp_model_extra *from = cfg->start_extra;
    if (tr && from && from->state) {
        if (from->optimizer != cfg->optimizer)
            fprintf(stderr, "backprop: note: the model's optimizer state is "
                            "for %s; %s starts afresh\n",
                    bp_optimizer_name(from->optimizer),
                    bp_optimizer_name(cfg->optimizer));
        else if (bp_trainer_restore(tr, from->state, from->state_len,
                                    from->steps, from->epochs, &err)) {
            bp_trainer_free(tr);
            tr = NULL;
        }
    }
    if (!tr || (val && cfg->patience && !w.weights)) {
        bp_trainer_free(tr);
        bp_net_free(net);
        return cli_error(cli_exit_code(err.code), "%s", err.msg);
    }
    /* log every 100 epochs for the seed's sets, every epoch for files */
    size_t log_every = cfg->log_every ? cfg->log_every
                                      : cfg->file_data ? 1 : 100;
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_sa);

    fprintf(out, "Training ...\n");
    double t0 = cli_seconds();
    size_t first = from ? from->epochs + 1 : 1, last = first + cfg->epochs - 1;
    size_t epoch, done = 0;
    const char *stop = NULL;
    for (epoch = first; epoch <= last; epoch++) {
        double loss, vloss = 0, vacc = 0;
        st = bp_trainer_epoch(tr, &loss, &err);
        if (st)
            break;
        done = epoch;
        if (val && (st = bp_evaluate(net, val, &vloss, &vacc, &err)))
            break;
        if (hist) {
            history_add(hist, loss, bp_trainer_accuracy(tr));
            history_add_val(hist, vloss, vacc);
        }
        if (!cfg->quiet && epoch % log_every == 0) {
            char text[32], vtext[32], atext[32];
            format_repr(text, sizeof text, loss);
            if (val) {
                format_repr(vtext, sizeof vtext, vloss);
                format_repr(atext, sizeof atext, vacc);
                fprintf(out, "epoch %zu loss : %s val_loss : %s "
                             "val_accuracy : %s %%\n", epoch, text, vtext,
                        atext);
            } else {
                fprintf(out, "epoch %zu loss : %s\n", epoch, text);
            }
        }
        if (w.weights && vloss < w.best) {
            w.best = vloss;
            w.best_epoch = epoch;
            w.waited = 0;
            memcpy(w.weights, bp_net_params_const(net),
                   n_params * sizeof *w.weights);
        } else if (w.weights && ++w.waited >= cfg->patience) {
            stop = "patience";
            break;
        }
        if (interrupted) {
            stop = "interrupt";
            break;
        }
    }
    double seconds = cli_seconds() - t0;
    sigaction(SIGINT, &old_sa, NULL);
    if (cfg->state_out && !st) {
        size_t len;
        uint64_t steps;
        const double *state = bp_trainer_state(tr, &len, &steps);
        free(cfg->state_out->state);
        cfg->state_out->state = len ? malloc(len * sizeof *state) : NULL;
        if (cfg->state_out->state)
            memcpy(cfg->state_out->state, state, len * sizeof *state);
        cfg->state_out->state_len = cfg->state_out->state ? len : 0;
        cfg->state_out->steps = steps;
        cfg->state_out->optimizer = cfg->optimizer;
    }
    if (cfg->state_out)
        cfg->state_out->epochs = done;
    bp_trainer_free(tr);
    if (st) {
        free(w.weights);
        bp_net_free(net);
        fflush(out);
        if (st == BP_EDIVERGED)
            return cli_error(EXIT_RUNTIME,
                             "training diverged at epoch %zu: %s (try a "
                             "smaller --lr)", epoch, err.msg);
        return cli_error(cli_exit_code(st), "%s", err.msg);
    }
    if (stop && strcmp(stop, "patience") == 0) {
        memcpy(bp_net_params(net), w.weights, n_params * sizeof *w.weights);
        fprintf(stderr, "backprop: early stop at epoch %zu: the validation "
                        "loss has not improved for %zu epochs; keeping the "
                        "weights of epoch %zu\n",
                done, cfg->patience, w.best_epoch);
    } else if (stop) {
        fprintf(stderr, "backprop: interrupted after epoch %zu of %zu%s\n",
                done, last,
                cfg->model ? "; saving the model as it is" : "");
    }
    free(w.weights);
    size_t ran = done ? done - first + 1 : 0;
    if (cfg->timing)
        fprintf(stderr, "backprop: trained %zu epochs in %.6f s (%.3f us/epoch)\n",
                ran, seconds, ran ? seconds * 1e6 / (double)ran : 0.0);
    int rc = cfg->file_data ? print_metrics(out, "train", net, ds, NULL, 0)
                            : cli_print_test(out, net, ds);
    if (rc == EXIT_OK && stop && strcmp(stop, "interrupt") == 0)
        rc = EXIT_INTERRUPTED;
    if ((rc == EXIT_OK || rc == EXIT_INTERRUPTED) && net_out)
        *net_out = net;
    else
        bp_net_free(net);
    return rc;
}

static const char summary[] =
    "Trains a fully connected network by back-propagation, prints the loss\n"
    "every --log-every epochs and the predictions and accuracy on the\n"
    "training set, as the seed report does; --model FILE saves the network.";

int cmd_train(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    int rc = cli_parse(argc, argv, CMD_TRAIN, summary, &cfg);
    if (rc >= 0)
        return rc;
    if (cfg.plot_dir && !bp_plot_available())
        return cli_error(EXIT_USAGE,
                         "option --plot: plotting is unavailable (backprop "
                         "was built without PLplot; run make deps, then make)");
    /* Fail before training, not after, when an output cannot be written. */
    bp_error err;
    bp_status st = BP_OK;
    if (cfg.plot_dir)
        st = make_folder(cfg.plot_dir, &err);
    if (!st && cfg.plot_dir)
        st = check_writable(cfg.plot_dir, 1, &err);
    if (!st && cfg.history_path)
        st = check_writable(cfg.history_path, 0, &err);
    if (!st && cfg.model)
        st = check_writable(cfg.model, 0, &err);
    if (st)
        return cli_error(EXIT_USAGE, "%s", err.msg);

    cli_data d;
    if (cfg.resume) {
        /* the saved network, its classes, standardisation and optimizer
         * state; the data is shaped by the model, not anew */
        if (cfg.test_path || cfg.split > 0)
            return cli_error(EXIT_USAGE, "--resume reads its data through "
                                         "the model; --test and --split "
                                         "cannot be used with it");
        bp_model_extra ex;
        bp_net *start = bp_model_load_extra(cfg.resume, &ex, &err);
        if (!start)
            return cli_error(EXIT_USAGE, "option --resume: %s", err.msg);
        if ((rc = cli_load_for_model(&cfg, start, &ex, &d, 1)) != EXIT_OK) {
            bp_model_extra_free(&ex);
            bp_net_free(start);
            return rc;
        }
        d.extra = ex;
        const bp_arch *a = bp_net_arch(start);
        cfg.activation = a->hidden;
        cfg.n_hidden = a->n_layers - 1;
        for (int k = 0; k < cfg.n_hidden; k++)
            cfg.hidden[k] = a->sizes[k + 1];
        if (!cfg.optimizer_given && ex.state)
            cfg.optimizer = ex.optimizer;
        cfg.start_net = start;
        cfg.start_extra = &d.extra;
    } else if ((rc = cli_load_data(&cfg, &d)) != EXIT_OK) {
        return rc;
    }
    cfg.state_out = &d.extra;
    if (!d.generated) {
        cfg.file_data = 1;
        cfg.output = d.output;
        cfg.loss = d.loss;
        if (cfg.batch == 0)
            cfg.batch = 32;
        /* the seed's N(0, 1) weights saturate wide layers; files start
         * from Xavier's, as scikit-learn and Keras do (He's generalised
         * worse on iris: bench/results/tabular-100seeds.md) */
        if (!cfg.init_given)
            cfg.init = BP_INIT_XAVIER;
        if (d.regression)
            fprintf(stderr, "backprop: %s: %zu training rows, %zu features, "
                            "regression, %zu test rows\n", d.name, d.train->n,
                    d.train->n_in, d.test ? d.test->n : 0);
        else
            fprintf(stderr, "backprop: %s: %zu training rows, %zu features, "
                            "%zu classes, %zu test rows\n", d.name, d.train->n,
                    d.train->n_in, d.extra.n_classes, d.test ? d.test->n : 0);
    }
    bp_dataset *val = NULL;
    if (cfg.val_split > 0 &&
        (rc = cli_split(&d.train, &val, cfg.val_split, cfg.seed + 1,
                        "--val-split")) != EXIT_OK) {
        bp_net_free(cfg.start_net);
        cli_data_free(&d);
        return rc;
    }
    if (cfg.epochs == 0) {
        /* auto: the seed's 5000 for its sets; for files about 100 000
         * samples seen (of the rows left for training), at least 10 and
         * at most 5000 epochs (iris: 953, Fashion-MNIST: 10) */
        size_t n = d.train->n;
        cfg.epochs = d.generated ? 5000 : (100000 + n - 1) / n;
        if (cfg.epochs < 10)
            cfg.epochs = 10;
        if (cfg.epochs > 5000)
            cfg.epochs = 5000;
    }
    if (cfg.patience && !val) {
        bp_net_free(cfg.start_net);
        cli_data_free(&d);
        return cli_error(EXIT_USAGE, "option --patience needs --val-split");
    }
    int want_history = cfg.history_path || cfg.plot_dir;
    history hist = {0};
    if (want_history && !history_reserve(&hist, cfg.epochs, val != NULL)) {
        bp_net_free(cfg.start_net);
        cli_data_free(&d);
        bp_dataset_free(val);
        return cli_error(EXIT_RUNTIME,
                         "out of memory for a history of %zu epochs",
                         cfg.epochs);
    }
    bp_net *net = NULL;
    rc = cli_run_training(&cfg, d.train, val, stdout, &net,
                          want_history ? &hist : NULL);
    cfg.start_net = NULL;          /* cli_run_training took it over */
    /* an interrupted run still reports, saves and draws what it has */
    int ok = rc == EXIT_OK || rc == EXIT_INTERRUPTED;
    if (ok && d.test) {
        int mrc = print_metrics(stdout, "test", net, d.test, &d.extra, 1);
        if (mrc != EXIT_OK)
            rc = mrc, ok = 0;
    }
    if (!cfg.save_state) {
        /* a model saved without --save-state carries no stale state */
        free(d.extra.state);
        d.extra.state = NULL;
        d.extra.state_len = 0;
    }
    if (ok && cfg.model)
        st = bp_model_save_extra(net, &d.extra, cfg.model, &err);
    if (ok && !st && cfg.history_path)
        st = history_write(&hist, cfg.history_path, &err);
    if (ok && !st && cfg.plot_dir) {
        char title[320], hidden[96];
        cli_hidden_text(&cfg, hidden, sizeof hidden);
        snprintf(title, sizeof title, "%s data, hidden %s, %s, lr %g, %s",
                 strcmp(cfg.data, "xor") == 0      ? "XOR"
                 : strcmp(cfg.data, "linear") == 0 ? "Linear"
                                                   : d.name,
                 hidden, bp_activation_name(cfg.activation), cfg.lr,
                 bp_optimizer_name(cfg.optimizer));
        figure_meta meta = {d.extra.class_names, d.extra.n_classes,
                            d.feature_names, d.extra.mean, d.extra.std,
                            d.regression};
        st = figures_for_data(cfg.plot_dir, net, d.train, &hist, title,
                              cfg.log_y, &meta, &err);
    }
    if (st)
        rc = cli_error(cli_exit_code(st), "%s", err.msg);
    history_free(&hist);
    bp_net_free(net);
    bp_dataset_free(val);
    cli_data_free(&d);
    return rc;
}
