/* cmd_train.c - backprop train: check, load, choose defaults, train, save,
 * report; the loop itself is in train_run.c. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"
#include "data.h"
#include "figures.h"
#include "format.h"
#include "history.h"
#include "metrics.h"
#include "plot/plot.h"
#include "train_run.h"

/* Everything train reads before the first epoch. */
typedef struct {
    cli_data d;
    bp_dataset *val;         /* --val-split rows, or NULL                */
    train_start start;       /* --resume: the saved network             */
} train_inputs;

static void inputs_free(train_inputs *in)
{
    bp_net_free(in->start.net);
    bp_dataset_free(in->val);
    cli_data_free(&in->d);
}

/* --------------------------------------------------------- the options */

static int check_applicable(const cli_config *cfg)
{
    if (cli_generated(cfg->data, NULL) && (cfg->test_path || cfg->split > 0))
        return cli_error(EXIT_USAGE, "option --%s: --data %s has no held-out "
                                     "rows; --test and --split apply to files",
                         cfg->test_path ? "test" : "split", cfg->data);
    if (cfg->resume && (cfg->test_path || cfg->split > 0))
        return cli_error(EXIT_USAGE, "--resume reads its data through the "
                                     "model; --test and --split cannot be "
                                     "used with it");
    if (cfg->patience && cfg->val_split <= 0)
        return cli_error(EXIT_USAGE, "option --patience needs --val-split");
    return cli_check_data_options(cfg);
}

/* ---------------------------------------------------------- the outputs */

/* The file a path names or will name, as "folder's real path/name". */
static char *resolved(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX], real[PATH_MAX];
    size_t len = slash ? (size_t)(slash - path) : 1;
    if (len >= sizeof dir)
        return NULL;
    memcpy(dir, slash ? path : ".", len);
    dir[len] = '\0';
    if (slash && len == 0)
        strcpy(dir, "/");
    if (!realpath(dir, real))
        return NULL;
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(real) + strlen(base) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", real, base);
    return out;
}

/* resolved(), through a symbolic link whose target does not exist yet
 * (one level: the link's text, taken from the link's folder). */
static char *resolved_link(const char *path)
{
    struct stat st;
    char target[PATH_MAX];
    ssize_t n;
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode) ||
        (n = readlink(path, target, sizeof target - 1)) <= 0)
        return resolved(path);
    target[n] = '\0';
    const char *slash = strrchr(path, '/');
    if (target[0] == '/' || !slash)
        return resolved(target);
    size_t len = (size_t)(slash - path) + 1 + (size_t)n + 1;
    char *joined = malloc(len);
    if (!joined)
        return NULL;
    snprintf(joined, len, "%.*s/%s", (int)(slash - path), path, target);
    char *r = resolved(joined);
    free(joined);
    return r;
}

/* Whether two output paths name one file: the same inode (hard and
 * symbolic links too), or the same name in the same folder. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char *ra = resolved_link(a), *rb = resolved_link(b);
    int same = ra && rb ? strcmp(ra, rb) == 0 : strcmp(a, b) == 0;
    free(ra);
    free(rb);
    return same;
}

/* An output file: a regular file or none yet, in a folder that can take
 * one. */
static bp_status probe_file(const char *option, const char *path,
                            bp_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return bp_fail(err, BP_EIO, "option --%s: cannot write %s: %s",
                       option, path, S_ISDIR(st.st_mode)
                                         ? "it is a folder"
                                         : "it is not a regular file");
    return check_writable(path, 0, err);
}

/* Every output is checked before training: two on one file, a folder
 * that cannot take the file. */
static int check_outputs(const cli_config *cfg)
{
    const char *names[3] = {"model", "history", "plot"};
    const char *paths[3] = {cfg->model, cfg->history_path, cfg->plot_dir};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (paths[i] && paths[j] && same_file(paths[i], paths[j]))
                return cli_error(EXIT_USAGE, "options --%s and --%s name one "
                                             "file, '%s': give each its own",
                                 names[i], names[j], paths[j]);
    if (cfg->plot_dir && !bp_plot_available())
        return cli_error(EXIT_USAGE,
                         "option --plot: plotting is unavailable (backprop "
                         "was built without PLplot; run make deps, then make)");
    bp_error err;
    bp_status st = BP_OK;
    if (cfg->plot_dir && !(st = make_folder(cfg->plot_dir, &err)))
        st = check_writable(cfg->plot_dir, 1, &err);
    if (!st && cfg->history_path)
        st = probe_file("history", cfg->history_path, &err);
    if (!st && cfg->model)
        st = probe_file("model", cfg->model, &err);
    return st ? cli_error(EXIT_USAGE, "%s", err.msg) : EXIT_OK;
}

/* ------------------------------------------------------------ the data */

/* --resume: options that describe the network must match the model's. */
static int check_resume(const cli_config *cfg, const bp_arch *a,
                        const bp_model_extra *ex)
{
    const char *bad = NULL;
    char want[512] = "", have[512] = "";
    if (cli_given(cfg, "hidden")) {
        cli_config m = *cfg;
        m.n_hidden = a->n_layers - 1;
        for (int k = 0; k < m.n_hidden; k++)
            m.hidden[k] = a->sizes[k + 1];
        cli_hidden_text(cfg, want, sizeof want);
        cli_hidden_text(&m, have, sizeof have);
        if (strcmp(want, have) != 0)
            bad = "hidden";
    }
    if (!bad && cli_given(cfg, "layers")) {
        bp_arch m = *a;
        cli_layers_text(cfg, want, sizeof want);
        bp_layers_format(&m, have, sizeof have);
        if (strcmp(want, have) != 0)
            bad = "layers";
    }
    if (!bad && cli_given(cfg, "input-shape") &&
        memcmp(&cfg->input_shape, &a->input, sizeof a->input) != 0) {
        bad = "input-shape";
        snprintf(want, sizeof want, "%zux%zux%zu", cfg->input_shape.c,
                 cfg->input_shape.h, cfg->input_shape.w);
        snprintf(have, sizeof have, "%zux%zux%zu", a->input.c, a->input.h,
                 a->input.w);
    }
    if (!bad && cli_given(cfg, "activation") && cfg->activation != a->hidden) {
        bad = "activation";
        snprintf(want, sizeof want, "%s", bp_activation_name(cfg->activation));
        snprintf(have, sizeof have, "%s", bp_activation_name(a->hidden));
    }
    if (!bad && cli_given(cfg, "loss") && cfg->loss != a->loss) {
        bad = "loss";
        snprintf(want, sizeof want, "%s", bp_loss_name(cfg->loss));
        snprintf(have, sizeof have, "%s", bp_loss_name(a->loss));
    }
    if (!bad && (cli_given(cfg, "bias") || cli_given(cfg, "no-bias")) &&
        !cfg->bias != !a->bias) {
        bad = cfg->bias ? "bias" : "no-bias";
        snprintf(want, sizeof want, "%s", cfg->bias ? "biases" : "no biases");
        snprintf(have, sizeof have, "%s", a->bias ? "biases" : "no biases");
    }
    int regression = a->output == BP_OUT_LINEAR;
    if (!bad && cli_given(cfg, "task") && cfg->task &&
        (strcmp(cfg->task, "regression") == 0) != regression) {
        bad = "task";
        snprintf(want, sizeof want, "%s", cfg->task);
        snprintf(have, sizeof have, "%s",
                 regression ? "regression" : "classification");
    }
    if (!bad && cli_given(cfg, "no-standardize") && ex->mean) {
        bad = "no-standardize";
        snprintf(want, sizeof want, "raw features");
        snprintf(have, sizeof have, "standardised features");
    }
    if (bad)
        return cli_error(EXIT_USAGE, "option --%s: %s contradicts the model "
                                     "%s (%s); leave it out with --resume",
                         bad, want, cfg->resume, have);
    if (cli_given(cfg, "init") || cli_given(cfg, "preset"))
        return cli_error(EXIT_USAGE, "option --%s: --resume takes the "
                                     "network and its weights from %s",
                         cli_given(cfg, "init") ? "init" : "preset",
                         cfg->resume);
    return EXIT_OK;
}

/* The saved network, its classes, standardisation and optimizer state;
 * the data is shaped by the model, not anew. */
static int load_resume(cli_config *cfg, train_inputs *in)
{
    bp_error err;
    bp_model_extra ex;
    bp_net *net = bp_model_load_extra(cfg->resume, &ex, &err);
    if (!net)
        return cli_error(EXIT_USAGE, "option --resume: %s", err.msg);
    const bp_arch *a = bp_net_arch(net);
    int rc = check_resume(cfg, a, &ex);
    if (rc == EXIT_OK)
        rc = cli_load_for_model(cfg, net, &ex, &in->d, 1);
    if (rc != EXIT_OK) {
        bp_model_extra_free(&ex);
        bp_net_free(net);
        return rc;
    }
    in->d.extra = ex;
    cfg->activation = a->hidden;
    cfg->n_hidden = a->n_layers - 1;
    for (int k = 0; k < cfg->n_hidden; k++)
        cfg->hidden[k] = a->sizes[k + 1];
    cli_layers_from_arch(cfg, a);
    cfg->bias = a->bias;
    if (!cfg->optimizer_given && ex.state)
        cfg->optimizer = ex.optimizer;
    in->start.net = net;
    in->start.extra = &in->d.extra;
    return EXIT_OK;
}

static int load_inputs(cli_config *cfg, train_inputs *in)
{
    memset(in, 0, sizeof *in);
    int rc = cfg->resume ? load_resume(cfg, in) : cli_load_data(cfg, &in->d);
    if (rc == EXIT_OK && cfg->val_split > 0)
        rc = cli_split(&in->d.train, &in->val, cfg->val_split, cfg->seed + 1,
                       "--val-split");
    if (rc != EXIT_OK) {
        bp_net_free(in->start.net);
        in->start.net = NULL;
        cli_data_free(&in->d);
    }
    return rc;
}

/* ---------------------------------------------------------- defaults */

static int given_any(const cli_config *cfg, const char *a, const char *b)
{
    return cli_given(cfg, a) || (b && cli_given(cfg, b));
}

/*
 * Files train as scikit-learn's MLPClassifier() and MLPRegressor() do:
 * one hidden layer of 100 ReLU units, Glorot's weight scale, Adam at
 * 0.001, batches of min(200, n), an L2 penalty of alpha 1e-4 on its scale,
 * at most 200 epochs, stopping when the loss has not improved by 1e-4 for
 * more than 10 epochs.  Every option given keeps its value; the seed's
 * sets keep the seed's defaults.
 */
static void choose_defaults(cli_config *cfg, const train_inputs *in)
{
    const cli_data *d = &in->d;
    int files = !d->generated, preset = cli_given(cfg, "preset");
    cfg->file_data = files;
    if (files) {
        cfg->output = d->output;
        cfg->loss = d->loss;
    }
    if (files && !preset && !cfg->resume) {
        if (!cli_given(cfg, "hidden")) {
            cfg->n_hidden = 1;
            cfg->hidden[0] = 100;
        }
        if (!cli_given(cfg, "activation"))
            cfg->activation = BP_ACT_RELU;
        if (!cfg->init_given)
            cfg->init = BP_INIT_XAVIER;
    }
    if (files && !preset) {
        if (!cfg->optimizer_given && !(in->start.extra &&
                                       in->start.extra->state))
            cfg->optimizer = BP_OPT_ADAM;
        if (!cli_given(cfg, "lr"))
            cfg->lr = 0.001;
    }
    if (files && cfg->batch == 0)
        cfg->batch = d->train->n < 200 ? d->train->n : 200;
    /* scikit-learn adds 0.5 alpha |W|^2 / batch to a loss whose squared
     * error is halved: alpha / batch on backprop's scale (2 alpha / batch
     * for its MSE) */
    size_t batch = cfg->batch < d->train->n ? cfg->batch : d->train->n;
    if (files && !preset && !cli_given(cfg, "weight-decay"))
        cfg->weight_decay = (d->loss == BP_LOSS_MSE ? 2e-4 : 1e-4) /
                            (double)(batch ? batch : 1);
    int rule = cfg->n_iter_no_change > 0 &&
               (given_any(cfg, "n-iter-no-change", "tol") ||
                (files && !preset && !cli_given(cfg, "epochs")));
    cfg->rule_on = rule;
    if (cfg->epochs == 0)
        cfg->epochs = d->generated ? 5000 : 200;
}

static void announce(const cli_data *d)
{
    if (d->generated)
        return;
    if (d->regression)
        fprintf(stderr, "backprop: %s: %zu training rows, %zu features, "
                        "regression, %zu test rows\n", d->name, d->train->n,
                d->train->n_in, d->test ? d->test->n : 0);
    else
        fprintf(stderr, "backprop: %s: %zu training rows, %zu features, "
                        "%zu classes, %zu test rows\n", d->name, d->train->n,
                d->train->n_in, d->extra.n_classes, d->test ? d->test->n : 0);
}

/* ------------------------------------------------- after the training */

static int report(const cli_config *cfg, const train_inputs *in,
                  const train_result *res)
{
    size_t ran = res->done ? res->done - res->first + 1 : 0;
    if (cfg->timing) {
        char total[32], per[32];
        format_seconds(total, sizeof total, res->seconds);
        format_seconds(per, sizeof per,
                       ran ? res->seconds / (double)ran : 0.0);
        fprintf(stderr, "backprop: trained %zu epochs in %s (%s/epoch)\n",
                ran, total, per);
    }
    const cli_data *d = &in->d;
    int rc = cfg->file_data
                 ? print_metrics(stdout, "train", res->net, d->train,
                                 &d->extra, 0, cli_eval_opts(cfg))
                 : cli_print_test(stdout, res->net, d->train,
                                  cli_eval_opts(cfg));
    if (rc == EXIT_OK && d->test)
        rc = print_metrics(stdout, "test", res->net, d->test, &d->extra, 1,
                           cli_eval_opts(cfg));
    return rc;
}

static bp_status save_outputs(const cli_config *cfg, train_inputs *in,
                              const train_result *res, const history *hist,
                              bp_error *err)
{
    bp_model_extra *ex = &in->d.extra;
    free(ex->state);
    ex->state = NULL;
    ex->state_len = 0;
    ex->epochs = res->done;
    if (cfg->save_state && res->state_len) {
        /* a model saved without --save-state carries no stale state */
        ex->state = malloc(res->state_len * sizeof *ex->state);
        if (!ex->state)
            return bp_fail(err, BP_ENOMEM, "out of memory");
        memcpy(ex->state, res->state, res->state_len * sizeof *ex->state);
        ex->state_len = res->state_len;
    }
    ex->steps = res->steps;
    ex->optimizer = res->optimizer;
    bp_status st = BP_OK;
    if (cfg->model)
        st = bp_model_save_extra(res->net, ex, cfg->model, err);
    if (!st && cfg->history_path)
        st = history_write(hist, cfg->history_path, err);
    if (!st && cfg->plot_dir) {
        char title[768], hidden[512], net[600];
        /* the dense shorthand as "hidden 10,10, sigmoid", a layer list
         * as its --layers text */
        if (cfg->n_layers > 0) {
            cli_layers_text(cfg, hidden, sizeof hidden);
            snprintf(net, sizeof net, "layers %s", hidden);
        } else {
            cli_hidden_text(cfg, hidden, sizeof hidden);
            snprintf(net, sizeof net, "hidden %s, %s", hidden,
                     bp_activation_name(cfg->activation));
        }
        snprintf(title, sizeof title, "%s data, %s, lr %g, %s",
                 strcmp(cfg->data, "xor") == 0      ? "XOR"
                 : strcmp(cfg->data, "linear") == 0 ? "Linear"
                                                    : in->d.name,
                 net, cfg->lr, bp_optimizer_name(cfg->optimizer));
        const cli_data *d = &in->d;
        figure_meta meta = {d->extra.class_names, d->extra.n_classes,
                            d->feature_names, d->extra.mean, d->extra.std,
                            d->regression};
        st = figures_for_data(cfg->plot_dir, res->net, d->train, hist, title,
                              cfg->log_y, &meta, err);
    }
    return st;
}

/* ------------------------------------------------------------ command */

static const char summary[] =
    "Trains a network by back-propagation, prints the loss every --log-every\n"
    "epochs and the predictions and accuracy on the training set, as the\n"
    "seed report does; --model FILE saves the network.  The network is\n"
    "fully connected (--hidden, --activation), or any list of --layers:\n"
    "convolutions, pooling, dropout and dense layers (README: Layers).\n"
    "\n"
    "linear and xor keep the seed's defaults shown below.  Files (CSV, IDX,\n"
    "fashion-mnist) default to what scikit-learn's MLPClassifier() and\n"
    "MLPRegressor() do: one hidden layer of 100 relu units, xavier weights,\n"
    "adam at lr 0.001, batches of min(200, rows), weight decay 1e-4/batch\n"
    "(2e-4/batch for a regression: scikit-learn's alpha on backprop's scale),\n"
    "and at most 200 epochs with the stopping rule: training stops when the\n"
    "loss has not improved by more than --tol (1e-4) for more than\n"
    "K = --n-iter-no-change (10) epochs in a row.  The rule watches the\n"
    "training loss, or with --val-split the validation loss (then the best\n"
    "epoch's weights are kept).  An explicit --epochs E trains exactly E\n"
    "epochs unless --tol or --n-iter-no-change is given too (then E is the\n"
    "most); --n-iter-no-change 0 turns the rule off; --patience K stops after\n"
    "K epochs without a better validation loss.  Files log about 20 epoch\n"
    "lines; on a terminal a one-line "
    "progress bar shows on stderr.";

int cmd_train(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    int rc = cli_isa_from_env(&cfg);
    if (rc >= 0)
        return rc;
    rc = cli_parse(argc, argv, CMD_TRAIN, summary, &cfg);
    if (rc >= 0)
        return rc;
    if ((rc = cli_check_isa(&cfg)) != EXIT_OK ||
        (rc = check_applicable(&cfg)) != EXIT_OK ||
        (rc = check_outputs(&cfg)) != EXIT_OK)
        return rc;
    train_inputs in;
    if ((rc = load_inputs(&cfg, &in)) != EXIT_OK)
        return rc;
    if (!cfg.resume && (rc = cli_check_loss(&cfg, &in.d)) != EXIT_OK) {
        inputs_free(&in);
        return rc;
    }
    choose_defaults(&cfg, &in);
    /* the layers against the data's shape, before anything trains */
    if (!cfg.resume &&
        ((rc = cli_data_shape(&cfg, &in.d)) != EXIT_OK ||
         (rc = cli_check_arch(&cfg, in.d.train->n_in,
                              in.d.train->n_out)) != EXIT_OK)) {
        inputs_free(&in);
        return rc;
    }
    announce(&in.d);

    int want_history = cfg.history_path || cfg.plot_dir;
    history hist = {0};
    if (want_history && !history_reserve(&hist, cfg.epochs, in.val != NULL)) {
        inputs_free(&in);
        return cli_error(EXIT_RUNTIME,
                         "out of memory for a history of %zu epochs",
                         cfg.epochs);
    }
    hist.no_accuracy = in.d.regression;   /* an accuracy of numbers: none */
    train_result res;
    in.start.progress = 1;
    rc = train_run(&cfg, &in.start, in.d.train, in.val, stdout,
                   want_history ? &hist : NULL, &res);
    in.start.net = NULL;           /* train_run took it over */
    /* an interrupted run still reports, saves and draws what it has */
    if (rc == EXIT_OK || rc == EXIT_INTERRUPTED) {
        int rrc = report(&cfg, &in, &res);
        bp_error err;
        if (rrc != EXIT_OK)
            rc = rrc;
        else if (save_outputs(&cfg, &in, &res, &hist, &err))
            rc = cli_error(cli_exit_code(err.code), "%s", err.msg);
        else if (cfg.file_data && !cfg.model)
            fprintf(stderr, "backprop: note: the trained network is not "
                            "saved (--model FILE keeps it)\n");
    }
    bp_net_free(res.net);
    train_result_free(&res);
    history_free(&hist);
    inputs_free(&in);
    return rc;
}
