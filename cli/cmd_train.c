/* cmd_train.c - backprop train: the seed's training run. */
#include <string.h>

#include "cli.h"
#include "data.h"
#include "figures.h"
#include "format.h"
#include "history.h"
#include "metrics.h"
#include "plot/plot.h"

int cli_run_training(const cli_config *cfg, bp_dataset *ds, FILE *out,
                     bp_net **net_out, history *hist)
{
    bp_error err;
    bp_arch arch;
    cli_arch(cfg, ds->n_in, ds->n_out, &arch);
    bp_net *net = bp_net_new(&arch, &err);
    if (!net)
        return cli_error(cli_exit_code(err.code), "%s", err.msg);
    bp_status st = bp_net_init(net, cfg->init, cfg->seed, &err);
    if (st) {
        bp_net_free(net);
        return cli_error(EXIT_USAGE, "option --seed: %s", err.msg);
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
                          .shuffle_seed = cfg->seed};
    bp_trainer *tr = bp_trainer_new(net, ds, &opts, &err);
    if (!tr) {
        bp_net_free(net);
        return cli_error(cli_exit_code(err.code), "%s", err.msg);
    }
    /* log every 100 epochs for the seed's sets, every epoch for files */
    size_t log_every = cfg->log_every ? cfg->log_every
                                      : cfg->file_data ? 1 : 100;
    fprintf(out, "Training ...\n");
    double t0 = cli_seconds();
    size_t epoch;
    for (epoch = 1; epoch <= cfg->epochs; epoch++) {
        double loss;
        st = bp_trainer_epoch(tr, &loss, &err);
        if (st)
            break;
        if (hist)
            history_add(hist, loss, bp_trainer_accuracy(tr));
        if (!cfg->quiet && epoch % log_every == 0) {
            char text[32];
            format_repr(text, sizeof text, loss);
            fprintf(out, "epoch %zu loss : %s\n", epoch, text);
        }
    }
    double seconds = cli_seconds() - t0;
    bp_trainer_free(tr);
    if (st) {
        bp_net_free(net);
        fflush(out);
        return cli_error(EXIT_RUNTIME,
                         "training diverged at epoch %zu: %s (try a smaller "
                         "--lr)", epoch, err.msg);
    }
    if (cfg->timing)
        fprintf(stderr, "backprop: trained %zu epochs in %.6f s (%.3f us/epoch)\n",
                cfg->epochs, seconds, seconds * 1e6 / (double)cfg->epochs);
    int rc = cfg->file_data ? print_metrics(out, "train", net, ds, NULL, 0)
                            : cli_print_test(out, net, ds);
    if (rc == EXIT_OK && net_out)
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
    if ((rc = cli_load_data(&cfg, &d)) != EXIT_OK)
        return rc;
    if (!d.generated) {
        cfg.file_data = 1;
        cfg.output = d.output;
        cfg.loss = d.loss;
        if (cfg.batch == 0)
            cfg.batch = 32;
        if (d.regression)
            fprintf(stderr, "backprop: %s: %zu training rows, %zu features, "
                            "regression, %zu test rows\n", d.name, d.train->n,
                    d.train->n_in, d.test ? d.test->n : 0);
        else
            fprintf(stderr, "backprop: %s: %zu training rows, %zu features, "
                            "%zu classes, %zu test rows\n", d.name, d.train->n,
                    d.train->n_in, d.extra.n_classes, d.test ? d.test->n : 0);
    }
    int want_history = cfg.history_path || cfg.plot_dir;
    history hist = {0};
    if (want_history && !history_reserve(&hist, cfg.epochs)) {
        cli_data_free(&d);
        return cli_error(EXIT_RUNTIME,
                         "out of memory for a history of %zu epochs",
                         cfg.epochs);
    }
    bp_net *net = NULL;
    rc = cli_run_training(&cfg, d.train, stdout, &net,
                          want_history ? &hist : NULL);
    if (rc == EXIT_OK && d.test)
        rc = print_metrics(stdout, "test", net, d.test, &d.extra, 1);
    if (rc == EXIT_OK && cfg.model)
        st = bp_model_save_extra(net, &d.extra, cfg.model, &err);
    if (rc == EXIT_OK && !st && cfg.history_path)
        st = history_write(&hist, cfg.history_path, &err);
    if (rc == EXIT_OK && !st && cfg.plot_dir) {
        char title[320], hidden[96];
        cli_hidden_text(&cfg, hidden, sizeof hidden);
        snprintf(title, sizeof title, "%s data, hidden %s, %s, lr %g, %s",
                 strcmp(cfg.data, "xor") == 0      ? "XOR"
                 : strcmp(cfg.data, "linear") == 0 ? "Linear"
                                                   : d.name,
                 hidden, bp_activation_name(cfg.activation), cfg.lr,
                 bp_optimizer_name(cfg.optimizer));
        st = figures_for_run(cfg.plot_dir, net, d.train, &hist, title,
                             cfg.log_y, &err);
    }
    if (st)
        rc = cli_error(cli_exit_code(st), "%s", err.msg);
    history_free(&hist);
    bp_net_free(net);
    cli_data_free(&d);
    return rc;
}
