/*
 * train_run.c - the training loop that train and lab share: the epochs,
 * the stopping rule, the epoch log and the progress bar.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"
#include "format.h"
#include "history.h"
#include "train_run.h"

/* Set by SIGINT: training stops after the epoch under way. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* ------------------------------------------------------- stopping rule */

/* The rule the configuration asks for, on the validation loss when there
 * is a validation set, else on the training loss. */
static bp_status rule_start(stop_rule *r, const cli_config *cfg, int has_val,
                            size_t n_params, bp_error *err)
{
    memset(r, 0, sizeof *r);
    r->best = INFINITY;
    if (cfg->patience) {              /* --patience K: validation, tol 0 */
        r->on = r->on_val = 1;
        r->limit = cfg->patience;
        r->tol = cli_given(cfg, "tol") ? cfg->tol : 0;
    } else if (cfg->rule_on && cfg->n_iter_no_change) {
        r->on = 1;
        r->on_val = has_val;
        r->limit = cfg->n_iter_no_change + 1;   /* scikit-learn's count */
        r->tol = cfg->tol;
    }
    if (r->on_val && !(r->weights = malloc(n_params * sizeof *r->weights)))
        return bp_fail(err, BP_ENOMEM, "out of memory for the best weights");
    return BP_OK;
}

/* scikit-learn's _update_no_improvement_count: an epoch counts as no
 * improvement unless its loss beats the best by more than tol; the best
 * (and, on validation, its weights) follows every new low.  Returns 1 when
 * training should stop. */
static int rule_update(stop_rule *r, double loss, size_t epoch,
                       const bp_net *net)
{
    if (!r->on)
        return 0;
    if (loss > r->best - r->tol) {
        r->waited++;
    } else {
        r->waited = 0;
        r->progress_epoch = epoch;
    }
    if (loss < r->best) {
        r->best = loss;
        r->best_epoch = epoch;
        if (r->weights)
            memcpy(r->weights, bp_net_params_const(net),
                   bp_net_param_count(net) * sizeof *r->weights);
    }
    return r->waited >= r->limit;
}

/* ------------------------------------------------------------- output */

static void progress_init(progress *p, const cli_config *cfg, int wanted,
                          size_t n)
{
    memset(p, 0, sizeof *p);
    p->on = wanted && !cfg->quiet && isatty(STDERR_FILENO);
    p->samples = n;
}

static void progress_clear(progress *p)
{
    if (p->on && p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = 0;
    }
}

/* "epoch 37/200 [=======>.............] 52.1k samples/s, 0:03 left",
 * `done` samples into the epoch running (p->epoch); 0 at an epoch's end
 * (then the epoch counts as whole). */
static void progress_draw(progress *p, size_t done)
{
    double now = cli_seconds();
    int at_end = done == 0 && p->epoch == p->end;
    if (!p->on || (now - p->last < 0.1 && !at_end))
        return;
    p->last = now;
    double frac = done ? (double)done / (double)p->samples : 1.0;
    double ran = (double)(p->epoch - p->first) + frac;
    double total = (double)(p->end - p->first + 1);
    double per = (now - p->t0) / ran;
    double rate = per > 0 ? (double)p->samples / per : 0;
    double left = per * (total - ran);
    char bar[31];
    size_t fill = total > 0 ? (size_t)(ran * 30 / total) : 30;
    for (size_t k = 0; k < 30; k++)
        bar[k] = k < fill ? '=' : k == fill ? '>' : '.';
    bar[30] = '\0';
    const char *unit = "";
    if (rate >= 1e6)
        rate /= 1e6, unit = "M";
    else if (rate >= 1e3)
        rate /= 1e3, unit = "k";
    unsigned long secs = (unsigned long)(left + 0.5);
    char within[48] = "";
    if (done)      /* a long epoch: how far into it */
        snprintf(within, sizeof within, " (%.0f %%)", frac * 100);
    fprintf(stderr, "\r\033[Kepoch %zu/%zu%s [%s] %.1f%s samples/s, "
                    "%lu:%02lu left",
            p->epoch, p->end, within, bar, rate, unit, secs / 60, secs % 60);
    fflush(stderr);
    p->shown = 1;
}

/* bp_trainer_on_batch's callback: the bar within an epoch. */
static void progress_batch(void *ctx, size_t done, size_t total)
{
    progress *p = ctx;
    (void)total;
    progress_draw(p, done);
}

/* has_val: 0 (no validation set), 1 (loss and accuracy), 2 (a regression:
 * the loss only, an "accuracy" of numbers would mean nothing). */
static void log_epoch(FILE *out, size_t epoch, double loss, int has_val,
                      double vloss, double vacc)
{
    char text[32], vtext[32], atext[32];
    format_repr(text, sizeof text, loss);
    if (has_val) {
        format_repr(vtext, sizeof vtext, vloss);
        fprintf(out, "epoch %zu loss : %s val_loss : %s", epoch, text, vtext);
        if (has_val == 1) {
            format_percent(atext, sizeof atext, vacc);
            fprintf(out, " val_accuracy : %s %%", atext);
        }
        fputc('\n', out);
    } else {
        fprintf(out, "epoch %zu loss : %s\n", epoch, text);
    }
}

/* Every 100 epochs for the seed's sets; for files about 20 lines over the
 * most epochs the run may take. */
static size_t log_interval(const cli_config *cfg)
{
    if (cfg->log_every)
        return cfg->log_every;
    if (!cfg->file_data)
        return 100;
    return cfg->epochs > 20 ? (cfg->epochs + 19) / 20 : 1;
}

/* -------------------------------------------------------------- setup */

/* A new network; on failure NULL and *rc, the error printed. */
static bp_net *new_network(const cli_config *cfg, const bp_dataset *ds,
                           int *rc)
{
    bp_error err;
    bp_arch arch;
    cli_arch(cfg, ds->n_in, ds->n_out, &arch);
    bp_net *net = bp_net_new(&arch, &err);
    if (!net) {
        *rc = cli_error(cli_exit_code(err.code), "%s", err.msg);
        return NULL;
    }
    if (bp_net_init(net, cfg->init, cfg->seed, &err)) {
        bp_net_free(net);
        *rc = cli_error(EXIT_USAGE, "option --seed: %s", err.msg);
        return NULL;
    }
    return net;
}

static bp_trainer *new_trainer(const cli_config *cfg, const train_start *from,
                               bp_net *net, bp_dataset *ds, bp_error *err)
{
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
                          .threads = (int)cfg->train_threads,
                          .isa = cfg->isa};
    bp_trainer *tr = bp_trainer_new(net, ds, &opts, err);
    /* resuming: the optimizer goes on from its saved state */
    const bp_model_extra *ex = from ? from->extra : NULL;
    if (tr && ex && ex->state) {
        if (ex->optimizer != cfg->optimizer)
            fprintf(stderr, "backprop: note: the model's optimizer state is "
                            "for %s; %s starts afresh\n",
                    bp_optimizer_name(ex->optimizer),
                    bp_optimizer_name(cfg->optimizer));
        else if (bp_trainer_restore(tr, ex->state, ex->state_len, ex->steps,
                                    ex->epochs, err)) {
            bp_trainer_free(tr);
            tr = NULL;
        }
    }
    return tr;
}

/* The optimizer's state at the end, for --save-state and --resume. */
static int keep_state(train_result *res, const bp_trainer *tr,
                      bp_optimizer o)
{
    size_t len;
    uint64_t steps;
    const double *state = bp_trainer_state(tr, &len, &steps);
    res->state = len ? malloc(len * sizeof *state) : NULL;
    if (len && !res->state)
        return 0;
    if (len)
        memcpy(res->state, state, len * sizeof *state);
    res->state_len = len;
    res->steps = steps;
    res->optimizer = o;
    return 1;
}

/* -------------------------------------------------------------- epochs */

typedef struct {
    bp_trainer *tr;
    bp_net *net;
    const bp_dataset *val;
    stop_rule rule;
    progress bar;
    size_t log_every;
} run_state;

/* What log_epoch prints of the validation set (see there). */
static int val_kind(const run_state *s)
{
    if (!s->val)
        return 0;
    return bp_net_arch(s->net)->output == BP_OUT_LINEAR ? 2 : 1;
}

/* The epochs from res->first to at most last.  Returns the library's
 * status; res->done is the last epoch finished. */
static bp_status run_epochs(const cli_config *cfg, run_state *s, size_t last,
                            FILE *out, history *hist, train_result *res,
                            bp_error *err)
{
    double t0 = cli_seconds();
    size_t epoch;
    double loss = 0, vloss = 0, vacc = 0;
    size_t logged = 0;
    bp_status st = BP_OK;
    s->bar.first = res->first;
    s->bar.end = last;
    s->bar.t0 = t0;
    if (s->bar.on)
        bp_trainer_on_batch(s->tr, progress_batch, &s->bar);
    for (epoch = res->first; epoch <= last; epoch++) {
        s->bar.epoch = epoch;
        if ((st = bp_trainer_epoch(s->tr, &loss, err)))
            break;
        res->done = epoch;
        if (s->val && (st = bp_evaluate_with(s->net, cli_eval_opts(cfg), s->val,
                                             &vloss, &vacc, err)))
            break;
        if (hist) {
            history_add(hist, loss, bp_trainer_accuracy(s->tr));
            history_add_val(hist, vloss, vacc);
        }
        if (!cfg->quiet && epoch % s->log_every == 0) {
            progress_clear(&s->bar);
            log_epoch(out, epoch, loss, val_kind(s), vloss, vacc);
            fflush(out);
            logged = epoch;
        }
        progress_draw(&s->bar, 0);
        if (rule_update(&s->rule, s->rule.on_val ? vloss : loss, epoch,
                        s->net)) {
            res->stop = STOP_RULE;
            break;
        }
        if (interrupted) {
            res->stop = STOP_INTERRUPT;
            break;
        }
    }
    progress_clear(&s->bar);
    /* files: the last epoch's line too, when the interval skipped it */
    if (!st && cfg->file_data && !cfg->quiet && !cfg->log_every &&
        res->done && logged != res->done)
        log_epoch(out, res->done, loss, val_kind(s), vloss, vacc);
    res->seconds = cli_seconds() - t0;
    if (st)
        res->failed_epoch = epoch;
    return st;
}

/* What ended the run, on stderr. */
static void say_stop(const cli_config *cfg, const stop_rule *r,
                     const train_result *res, size_t last)
{
    if (res->stop == STOP_RULE && r->on_val)
        fprintf(stderr, "backprop: early stop at epoch %zu: the validation "
                        "loss has not improved%s for %zu epochs; keeping the "
                        "weights of epoch %zu\n",
                res->done, r->tol > 0 ? " by --tol" : "", r->limit,
                r->best_epoch);
    else if (res->stop == STOP_RULE)
        fprintf(stderr, "backprop: stopped at epoch %zu: the training loss "
                        "has not improved by --tol %g for %zu epochs\n",
                res->done, r->tol, r->limit);
    else if (res->stop == STOP_INTERRUPT)
        fprintf(stderr, "backprop: interrupted after epoch %zu of %zu%s\n",
                res->done, last,
                cfg->model ? "; saving the model as it is" : "");
    else if (r->on && res->done == last && cfg->file_data)
        fprintf(stderr, "backprop: note: the stopping rule did not end "
                        "training within %zu epochs, the most (--epochs); "
                        "the %s loss last improved by --tol at epoch %zu\n",
                cfg->epochs, r->on_val ? "validation" : "training",
                r->progress_epoch);
    if (res->stop == STOP_NONE && res->best_epoch &&
        res->best_epoch != res->done)
        fprintf(stderr, "backprop: keeping the weights of epoch %zu, the "
                        "lowest validation loss\n", res->best_epoch);
}

/* The failure after the loop (or the state's copy): frees and prints. */
static int run_failed(run_state *s, train_result *res, bp_status st,
                      const bp_error *err, FILE *out)
{
    free(s->rule.weights);
    bp_net_free(s->net);
    train_result_free(res);
    fflush(out);
    if (!st)
        return cli_error(EXIT_RUNTIME, "out of memory for the optimizer "
                                       "state");
    if (st == BP_EDIVERGED)
        return cli_error(EXIT_RUNTIME,
                         "training diverged at epoch %zu: %s (try a "
                         "smaller --lr)", res->failed_epoch, err->msg);
    return cli_error(cli_exit_code(st), "%s", err->msg);
}

int train_run(const cli_config *cfg, const train_start *from, bp_dataset *ds,
              const bp_dataset *val, FILE *out, history *hist,
              train_result *res)
{
    bp_error err;
    memset(res, 0, sizeof *res);
    run_state s = {0};
    int rc = EXIT_USAGE;
    s.net = from && from->net ? from->net : new_network(cfg, ds, &rc);
    if (!s.net)
        return rc;
    s.val = val;
    s.tr = new_trainer(cfg, from, s.net, ds, &err);
    bp_status st = s.tr ? rule_start(&s.rule, cfg, val != NULL,
                                     bp_net_param_count(s.net), &err)
                        : err.code;
    if (st) {
        bp_trainer_free(s.tr);
        return run_failed(&s, res, st, &err, out);
    }
    s.log_every = log_interval(cfg);
    progress_init(&s.bar, cfg, from && from->progress, ds->n);

    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, &sa, &old_sa);
    fprintf(out, "Training ...\n");
    res->first = from && from->extra ? from->extra->epochs + 1 : 1;
    size_t last = res->first + cfg->epochs - 1;
    st = run_epochs(cfg, &s, last, out, hist, res, &err);
    sigaction(SIGINT, &old_sa, NULL);

    int kept = st || keep_state(res, s.tr, cfg->optimizer);
    bp_trainer_free(s.tr);
    if (st || !kept)
        return run_failed(&s, res, st, &err, out);
    /* on validation the best epoch's weights, whether the rule stopped
     * the run or the epochs ran out (as scikit-learn's early_stopping) */
    res->best_epoch = s.rule.weights && res->stop != STOP_INTERRUPT
                          ? s.rule.best_epoch : 0;
    if (res->best_epoch)
        memcpy(bp_net_params(s.net), s.rule.weights,
               bp_net_param_count(s.net) * sizeof *s.rule.weights);
    free(s.rule.weights);
    say_stop(cfg, &s.rule, res, last);
    res->net = s.net;
    return res->stop == STOP_INTERRUPT ? EXIT_INTERRUPTED : EXIT_OK;
}

void train_result_free(train_result *res)
{
    free(res->state);
    res->state = NULL;
    res->state_len = 0;
}

int cli_run_training(const cli_config *cfg, bp_dataset *ds,
                     const bp_dataset *val, FILE *out, bp_net **net_out,
                     history *hist)
{
    train_result res;
    int rc = train_run(cfg, NULL, ds, val, out, hist, &res);
    train_result_free(&res);
    if (rc != EXIT_OK && rc != EXIT_INTERRUPTED)
        return rc;
    int prc = cfg->file_data ? EXIT_OK
                             : cli_print_test(out, res.net, ds, cli_eval_opts(cfg));
    if (prc != EXIT_OK)
        rc = prc;
    if ((rc == EXIT_OK || rc == EXIT_INTERRUPTED) && net_out)
        *net_out = res.net;
    else
        bp_net_free(res.net);
    return rc;
}
