/* lab_report.c - REPORT.md, summary.csv and the figures of a lab run.
 *
 * Every number in the report is computed here from the runs of this
 * invocation; the prose around the numbers is chosen from them too (which
 * setting converged first, which diverged), never written in advance. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "figures.h"
#include "format.h"
#include "history.h"
#include "io/atomic.h"
#include "lab.h"
#include "plot/plot.h"
#include "trace.h"

/* The seed report's published numbers, quoted beside ours. */
#define SEED_FINAL_LINEAR 0.005413959730086311
#define SEED_FINAL_XOR 0.007911262611439804
#define SEED_PLATEAU_XOR 0.6920093402625231

/* Statistics of one (data, variant) over the seeds. */
typedef struct {
    size_t runs, ok;            /* all runs; runs that did not diverge    */
    double loss_mean, loss_std, loss_min, loss_max;
    double acc_mean, acc_min;
    size_t reached;             /* runs whose loss fell below the target  */
    double epochs_mean;         /* mean epoch of those                    */
    size_t diverged;
    double seconds;
} lab_stats;

static lab_stats stats_of(const lab_state *lab, int d, int v)
{
    lab_stats st = {0};
    st.loss_min = INFINITY;
    st.loss_max = -INFINITY;
    st.acc_min = INFINITY;
    double sum = 0, sq = 0, acc = 0, ep = 0;
    for (size_t s = 0; s < lab->base.seeds; s++) {
        const lab_run *r = &lab->runs[lab_index(lab, d, v, s)];
        st.runs++;
        st.seconds += r->seconds;
        if (r->diverged_at) {
            st.diverged++;
            continue;
        }
        st.ok++;
        sum += r->final_loss;
        sq += r->final_loss * r->final_loss;
        st.loss_min = fmin(st.loss_min, r->final_loss);
        st.loss_max = fmax(st.loss_max, r->final_loss);
        acc += r->accuracy;
        st.acc_min = fmin(st.acc_min, r->accuracy);
        if (r->epochs_to_target) {
            st.reached++;
            ep += (double)r->epochs_to_target;
        }
    }
    if (st.ok) {
        st.loss_mean = sum / (double)st.ok;
        double var = sq / (double)st.ok - st.loss_mean * st.loss_mean;
        st.loss_std = var > 0 ? sqrt(var) : 0;
        st.acc_mean = acc / (double)st.ok;
    }
    st.epochs_mean = st.reached ? ep / (double)st.reached : 0;
    return st;
}

/* ----------------------------------------------------------- formatting */

static const char *data_title(const char *data)
{
    return strcmp(data, "xor") == 0 ? "XOR" : "Linear";
}

/* "0.002131 ± 0.0001532", or "diverged" when no run finished. */
static void fmt_loss(char *buf, size_t size, const lab_stats *st)
{
    if (!st->ok)
        snprintf(buf, size, "all diverged");
    else
        snprintf(buf, size, "%.4g ± %.2g", st->loss_mean, st->loss_std);
}

static void fmt_epochs(char *buf, size_t size, const lab_stats *st)
{
    if (!st->reached)
        snprintf(buf, size, "never");
    else
        snprintf(buf, size, "%.0f (%zu/%zu runs)", st->epochs_mean,
                 st->reached, st->runs);
}

static void stats_table(FILE *f, const lab_state *lab, int d, const lab_comparison *c)
{
    fprintf(f, "| setting | final loss (mean ± std) | accuracy mean | "
               "accuracy min | epochs to loss < %g | diverged |\n",
            LAB_TARGET_LOSS);
    fprintf(f, "|---|---|---|---|---|---|\n");
    for (int k = 0; k < c->n; k++) {
        lab_stats st = stats_of(lab, d, c->variant[k]);
        char loss[64], ep[64];
        fmt_loss(loss, sizeof loss, &st);
        fmt_epochs(ep, sizeof ep, &st);
        if (st.ok)
            fprintf(f, "| %s | %s | %.1f %% | %.1f %% | %s | %zu/%zu |\n",
                    c->label[k], loss, st.acc_mean, st.acc_min, ep,
                    st.diverged, st.runs);
        else
            fprintf(f, "| %s | %s | – | – | %s | %zu/%zu |\n", c->label[k],
                    loss, ep, st.diverged, st.runs);
    }
}

/* Findings: the settings ordered by how soon they reach the target loss
 * (more runs reaching it first, then fewer epochs), then the lowest final
 * loss, then any divergence. */
static void findings(FILE *f, const lab_state *lab, int d, const lab_comparison *c)
{
    lab_stats st[4];
    int order[4];
    for (int k = 0; k < c->n; k++) {
        st[k] = stats_of(lab, d, c->variant[k]);
        order[k] = k;
    }
    for (int i = 1; i < c->n; i++)          /* insertion sort, n <= 4 */
        for (int j = i; j > 0; j--) {
            const lab_stats *a = &st[order[j - 1]], *b = &st[order[j]];
            int later = b->reached > a->reached ||
                        (b->reached == a->reached && b->reached &&
                         b->epochs_mean < a->epochs_mean);
            if (!later)
                break;
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    fprintf(f, "- Speed: ");
    for (int i = 0; i < c->n; i++) {
        const lab_stats *s = &st[order[i]];
        fprintf(f, "%s%s ", i == 0 ? "" : i + 1 == c->n ? " and " : ", ",
                c->label[order[i]]);
        if (s->reached)
            fprintf(f, "reaches loss %g at epoch %.0f on average (%zu of %zu "
                       "runs)", LAB_TARGET_LOSS, s->epochs_mean, s->reached,
                    s->runs);
        else
            fprintf(f, "never reaches loss %g within %zu epochs",
                    LAB_TARGET_LOSS, lab->base.epochs);
    }
    fprintf(f, ".\n");
    int best = -1;
    for (int k = 0; k < c->n; k++)
        if (st[k].ok && (best < 0 || st[k].loss_mean < st[best].loss_mean))
            best = k;
    if (best >= 0)
        fprintf(f, "- Lowest final loss: %s, %.4g ± %.2g (range %.4g to "
                   "%.4g); accuracy %.1f %% on average, %.1f %% at worst.\n",
                c->label[best], st[best].loss_mean, st[best].loss_std,
                st[best].loss_min, st[best].loss_max, st[best].acc_mean,
                st[best].acc_min);
    for (int k = 0; k < c->n; k++)
        if (st[k].diverged)
            fprintf(f, "- %s diverged (the loss became NaN or infinite) in "
                       "%zu of %zu runs; those runs are left out of the loss "
                       "and accuracy columns.\n",
                    c->label[k], st[k].diverged, st[k].runs);
    for (int k = 0; k < c->n; k++)
        if (st[k].ok && st[k].acc_min < 100.0)
            fprintf(f, "- %s does not always classify every point: accuracy "
                       "%.1f %% on average, %.1f %% at worst.\n",
                    c->label[k], st[k].acc_mean, st[k].acc_min);
}

/* --------------------------------------------------------------- figures */

static bp_status comparison_figure(const lab_state *lab, int d,
                                   const lab_comparison *c, const char *path,
                                   bp_error *err)
{
    size_t E = lab->base.epochs, N = lab->base.seeds;
    double *buf = malloc((size_t)(1 + 3 * c->n) * E * sizeof *buf);
    if (!buf)
        return bp_fail(err, BP_ENOMEM, "out of memory for a figure");
    double *epochs = buf;
    for (size_t e = 0; e < E; e++)
        epochs[e] = (double)(e + 1);
    bp_plot_series series[4];
    for (int k = 0; k < c->n; k++) {
        double *mean = buf + (size_t)(1 + 3 * k) * E, *lo = mean + E,
               *hi = lo + E;
        /* mean, min and max over the seeds; a diverged run is left out
         * from its divergence on */
        for (size_t e = 0; e < E; e++) {
            double sum = 0, mn = INFINITY, mx = -INFINITY;
            size_t cnt = 0;
            for (size_t s = 0; s < N; s++) {
                double v = lab->runs[lab_index(lab, d, c->variant[k], s)].loss[e];
                if (!isfinite(v))
                    continue;
                sum += v;
                cnt++;
                mn = fmin(mn, v);
                mx = fmax(mx, v);
            }
            mean[e] = cnt ? sum / (double)cnt : NAN;
            lo[e] = cnt ? mn : NAN;
            hi[e] = cnt ? mx : NAN;
        }
        series[k] = (bp_plot_series){epochs, mean, E, c->label[k],
                                     N > 1 ? lo : NULL, N > 1 ? hi : NULL};
    }
    char title[128];
    snprintf(title, sizeof title, "%s data: %s", data_title(lab->data[d]),
             c->title);
    bp_status st = bp_plot_curves(path, title, "epoch", "loss", series,
                                  (size_t)c->n, 0, err);
    free(buf);
    return st;
}

/* Writes len bytes of text to path atomically. */
static bp_status write_text_file(const char *path, const char *text,
                                 size_t len, bp_error *err)
{
    bp_atomic_file af;
    bp_status st = bp_atomic_open(&af, path, err);
    if (st)
        return st;
    if (fwrite(text, 1, len, af.f) != len) {
        int e = errno;
        bp_atomic_abort(&af);
        return bp_fail(err, BP_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return bp_atomic_commit(&af, err);
}

/* ------------------------------------------------------- the seed's run */

/* Trains the seed experiment again in this thread, capturing its log as
 * `backprop train` prints it, and draws its three figures. */
static int seed_experiment(FILE *f, const lab_state *lab, int d, const char *dir)
{
    cli_config cfg = lab->base;
    cfg.data = lab->data[d];
    cfg.data_seed = cfg.seed;
    char *text = NULL;
    size_t len = 0;
    FILE *log = open_memstream(&text, &len);
    if (!log)
        return cli_error(EXIT_RUNTIME, "out of memory");
    bp_dataset *ds = cli_dataset(&cfg);
    history hist;
    if (!ds || !history_reserve(&hist, cfg.epochs, 0)) {
        fclose(log);
        free(text);
        bp_dataset_free(ds);
        return cli_error(EXIT_RUNTIME, "out of memory");
    }
    bp_net *net = NULL;
    int rc = cli_run_training(&cfg, ds, NULL, log, &net, &hist);
    fclose(log);
    char path[4096], sub[64];
    bp_error err;
    if (rc == EXIT_OK) {
        snprintf(sub, sizeof sub, "logs/%s-seed.log", cfg.data);
        path_join(path, sizeof path, dir, sub);
        if (write_text_file(path, text, len, &err))
            rc = cli_error(EXIT_RUNTIME, "%s", err.msg);
    }
    if (rc == EXIT_OK) {
        snprintf(sub, sizeof sub, "figures/%s-seed", cfg.data);
        path_join(path, sizeof path, dir, sub);
        char title[96];
        snprintf(title, sizeof title, "%s data, the seed's method, seed %llu",
                 data_title(cfg.data), (unsigned long long)cfg.seed);
        if (figures_for_run(path, net, ds, &hist, title, 0, &err))
            rc = cli_error(cli_exit_code(err.code), "%s", err.msg);
    }
    if (rc == EXIT_OK) {
        /* the log: the first lines, the last lines, and the test */
        fprintf(f, "```\n");
        const char *p = text;
        int line = 0, epoch_lines = 0;
        for (const char *q = text; *q; q++)
            epoch_lines += strncmp(q, "epoch ", 6) == 0 && (q == text || q[-1] == '\n');
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t l = nl ? (size_t)(nl - p + 1) : strlen(p);
            int is_epoch = strncmp(p, "epoch ", 6) == 0;
            if (is_epoch)
                line++;
            if (!is_epoch || line <= 5 || line > epoch_lines - 3)
                fwrite(p, 1, l, f);
            else if (line == 6)
                fprintf(f, "... (%d more epoch lines in logs/%s-seed.log)\n",
                        epoch_lines - 8, cfg.data);
            p += l;
        }
        fprintf(f, "```\n\n");
        fprintf(f, "| ground truth and prediction | learning curve | "
                   "decision boundary |\n|---|---|---|\n");
        fprintf(f, "| ![comparison](figures/%s-seed/comparison.png) | "
                   "![learning curve](figures/%s-seed/learning-curve.png) | "
                   "![decision boundary](figures/%s-seed/decision-boundary.png)"
                   " |\n\n", cfg.data, cfg.data, cfg.data);
    }
    history_free(&hist);
    bp_net_free(net);
    bp_dataset_free(ds);
    free(text);
    return rc;
}

/* ------------------------------------------------------------ the report */

static int write_summary(const lab_state *lab, const char *dir)
{
    char path[4096];
    bp_error err;
    bp_atomic_file af;
    path_join(path, sizeof path, dir, "summary.csv");
    if (bp_atomic_open(&af, path, &err))
        return cli_error(EXIT_RUNTIME, "%s", err.msg);
    fprintf(af.f, "experiment,data,seed,lr,hidden,activation,optimizer,"
                  "final_loss,accuracy,epochs_to_%g,diverged_at,seconds\n",
            LAB_TARGET_LOSS);
    for (size_t k = 0; k < lab->n_runs; k++) {
        const lab_run *r = &lab->runs[k];
        cli_config cfg;
        lab_config(&lab->base, &lab_variants[r->variant], &cfg);
        char hidden[96];
        cli_hidden_text(&cfg, hidden, sizeof hidden);
        fprintf(af.f, "%s,%s,%llu,%g,\"%s\",%s,%s,%.17g,%.17g,%zu,%zu,%.6f\n",
                lab_variants[r->variant].key, lab->data[r->data],
                (unsigned long long)r->seed, cfg.lr, hidden,
                bp_activation_name(cfg.activation),
                bp_optimizer_name(cfg.optimizer), r->final_loss, r->accuracy,
                r->epochs_to_target, r->diverged_at, r->seconds);
    }
    if (bp_atomic_commit(&af, &err))
        return cli_error(EXIT_RUNTIME, "%s", err.msg);
    return EXIT_OK;
}

static void setup_section(FILE *f, const lab_state *lab)
{
    const cli_config *b = &lab->base;
    char hidden[96];
    cli_hidden_text(b, hidden, sizeof hidden);
    fprintf(f, "## 2. Experiment setup\n\n");
    fprintf(f, "| | |\n|---|---|\n");
    fprintf(f, "| network | 2 inputs, hidden %s, 1 sigmoid output, %s |\n",
            hidden, b->bias ? "with biases" : "no biases (as the seed)");
    fprintf(f, "| hidden activation | %s |\n", bp_activation_name(b->activation));
    fprintf(f, "| loss | %s |\n", b->loss == BP_LOSS_BCE
                                      ? "cross-entropy with ε = 10⁻⁴ (the seed's)"
                                      : "mean squared error");
    fprintf(f, "| optimizer | %s, lr %g%s |\n", bp_optimizer_name(b->optimizer),
            b->lr, b->optimizer == BP_OPT_MOMENTUM ? ", momentum 0.9" : "");
    fprintf(f, "| epochs | %zu, full batch |\n", b->epochs);
    fprintf(f, "| initial weights | %s, seeds %llu to %llu |\n",
            bp_init_name(b->init), (unsigned long long)b->seed,
            (unsigned long long)(b->seed + b->seeds - 1));
    fprintf(f, "| data | linear: %zu points uniform in [0,1]², a new set per "
               "seed; XOR: the seed's 21 points |\n\n", b->n);
    fprintf(f, "Each comparison below changes one factor of this "
               "configuration.  Within a seed, every setting of a comparison "
               "starts from the same data and, where the shapes agree, the "
               "same initial weights (the same generator stream), so that a "
               "difference between curves comes from the factor studied.  "
               "Curves are the mean over the %zu seeds with a band from the "
               "smallest to the largest loss.  The seed's ε inside the "
               "logarithms lets the loss of a nearly perfect network go "
               "slightly below zero (to about -log(1 + ε) = -1.0e-4), so "
               "small negative losses below are real, not a bug.\n\n",
            b->seeds);
}

/* Runs of (d, v) that classify every point. */
static size_t count_perfect(const lab_state *lab, int d, int v)
{
    size_t n = 0;
    for (size_t s = 0; s < lab->base.seeds; s++) {
        const lab_run *r = &lab->runs[lab_index(lab, d, v, s)];
        n += !r->diverged_at && r->accuracy == 100.0;
    }
    return n;
}

static void results_paragraph(FILE *f, const lab_state *lab, int d)
{
    lab_stats st = stats_of(lab, d, 0);
    int xor = strcmp(lab->data[d], "xor") == 0;
    double seed_final = xor ? SEED_FINAL_XOR : SEED_FINAL_LINEAR;
    char loss[64];
    fmt_loss(loss, sizeof loss, &st);
    fprintf(f, "Over %zu seeds: final loss %s (range %.4g to %.4g), "
               "accuracy %.1f %% on average and %.1f %% at worst, %zu of %zu "
               "runs at 100 %%.  The seed report's single run ended at %.3g "
               "with 100 %%.\n\n",
            st.runs, loss, st.loss_min, st.loss_max, st.acc_mean, st.acc_min,
            count_perfect(lab, d, 0), st.runs, seed_final);
}

/* Section 4C's special finding: without an activation the network is
 * linear, and on XOR its loss stalls; the seed saw about 0.6920. */
static void plateau_finding(FILE *f, const lab_state *lab, int d)
{
    if (strcmp(lab->data[d], "xor") != 0)
        return;
    lab_stats st = stats_of(lab, d, 5);
    if (!st.ok)
        return;
    fprintf(f, "- Without an activation the network computes a linear "
               "function, which cannot separate XOR: the loss stalls at "
               "%.4f ± %.4f (range %.4f to %.4f; the seed report saw %.4f), "
               "and accuracy is %.1f %% on average.\n",
            st.loss_mean, st.loss_std, st.loss_min, st.loss_max,
            SEED_PLATEAU_XOR, st.acc_mean);
}

static int comparison_section(FILE *f, const lab_state *lab,
                              const lab_comparison *c, const char *dir)
{
    fprintf(f, "### %s. %s\n\n", c->section, c->title);
    for (int d = 0; d < lab->n_data; d++) {
        char name[128], path[4096];
        snprintf(name, sizeof name, "figures/%s-%s.png", lab->data[d], c->key);
        path_join(path, sizeof path, dir, name);
        bp_error err;
        if (comparison_figure(lab, d, c, path, &err))
            return cli_error(cli_exit_code(err.code), "%s", err.msg);
        fprintf(f, "#### %s data\n\n![%s, %s data](%s)\n\n",
                data_title(lab->data[d]), c->title, lab->data[d], name);
        stats_table(f, lab, d, c);
        fprintf(f, "\n");
        findings(f, lab, d, c);
        if (strcmp(c->key, "no-activation") == 0)
            plateau_finding(f, lab, d);
        fprintf(f, "\n");
    }
    return EXIT_OK;
}

static const char *const section_of[] = {"4A", "4B", "4C", "5A", "5B"};

static int write_body(FILE *f, const lab_state *lab, const char *dir)
{
    const cli_config *b = &lab->base;
    fprintf(f, "# Lab 1: back-propagation, regenerated\n\n");
    fprintf(f, "Written by `backprop lab --seeds %zu --epochs %zu --data ",
            b->seeds, b->epochs);
    for (int d = 0; d < lab->n_data; d++)
        fprintf(f, "%s%s", d ? "," : "", lab->data[d]);
    if (lab->cnn.on) {
        fprintf(f, " --extra cnn --cnn-epochs %zu", lab->cnn.epochs);
        if (lab->cnn.limit)
            fprintf(f, " --cnn-limit %zu", lab->cnn.limit);
    }
    fprintf(f, "` (backprop %s): %zu trainings of %zu epochs in %.2f s of "
               "wall time.  Every number below was computed by this run; "
               "`summary.csv` holds one row per training.\n\n",
            BP_VERSION, lab->n_runs, b->epochs, lab->seconds);

    fprintf(f, "## 1. Back-propagation, checked on one sample\n\n");
    fprintf(f, "The seed derives dJ/dW by the chain rule (its section 1B).  "
               "Below, `backprop trace --preset seed --data xor --sample 1 "
               "--seed %llu` follows one XOR point through the network: "
               "every z, a, dJ/da and dJ/dz, and each weight's gradient beside "
               "its central-difference estimate.\n\n",
            (unsigned long long)b->seed);
    cli_config tcfg = *b;
    tcfg.data = "xor";
    tcfg.sample = 1;
    tcfg.markdown = 1;
    int rc = trace_write(f, &tcfg);
    if (rc != EXIT_OK)
        return rc;

    setup_section(f, lab);

    fprintf(f, "## 3. Results: the seed's experiment\n\n");
    for (int d = 0; d < lab->n_data; d++) {
        fprintf(f, "### %s data\n\n`backprop train --preset seed --data %s "
                   "--seed %llu --data-seed %llu`:\n\n",
                data_title(lab->data[d]), lab->data[d],
                (unsigned long long)b->seed, (unsigned long long)b->seed);
        if ((rc = seed_experiment(f, lab, d, dir)) != EXIT_OK)
            return rc;
        results_paragraph(f, lab, d);
    }

    for (size_t s = 0; s < sizeof section_of / sizeof section_of[0]; s++) {
        if (s == 0)
            fprintf(f, "## 4. Discussion\n\n");
        if (s == 3)
            fprintf(f, "## 5. Extra\n\n");
        for (int k = 0; k < lab_n_comparisons; k++)
            if (strcmp(lab_comparisons[k].section, section_of[s]) == 0 &&
                (rc = comparison_section(f, lab, &lab_comparisons[k], dir)))
                return rc;
    }
    if (lab->cnn.on && (rc = lab_cnn_section(f, lab, dir)) != EXIT_OK)
        return rc;
    fprintf(f, "## Files\n\n- `summary.csv`: experiment, data, seed, "
               "settings, final loss, accuracy, epochs to loss %g (0: never), "
               "epoch of divergence (0: none), seconds.\n- `figures/`: "
               "every figure above.\n- `logs/`: the full training logs of "
               "the seed's experiment.\n", LAB_TARGET_LOSS);
    if (lab->cnn.on)
        fprintf(f, "- `logs/fashion-mlp.csv`, `logs/fashion-cnn.csv`: "
                   "section 5C's epochs: training loss and accuracy, test "
                   "loss and accuracy (val_loss, val_accuracy).\n");
    return EXIT_OK;
}

/* The entries a lab folder may hold; anything else means the folder is
 * someone else's. */
static int ours(const char *name)
{
    static const char *const names[] = {".", "..", "REPORT.md", "summary.csv",
                                        "figures", "logs"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strcmp(name, names[k]) == 0)
            return 1;
    return 0;
}

int lab_check_folder(const char *dir, int force)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? EXIT_OK
                               : cli_error(EXIT_USAGE, "cannot read the folder "
                                           "%s: %s", dir, strerror(errno));
    struct dirent *e;
    const char *foreign = NULL;
    char name[256];
    while ((e = readdir(d)))
        if (!ours(e->d_name) && !foreign) {
            snprintf(name, sizeof name, "%s", e->d_name);
            foreign = name;
        }
    closedir(d);
    if (foreign && !force)
        return cli_error(EXIT_USAGE,
                         "%s holds '%s', which backprop lab did not write; "
                         "choose another --out or add --force", dir, foreign);
    return EXIT_OK;
}

int lab_write_report(const lab_state *lab)
{
    const char *dir = lab->base.out_dir;
    char path[4096];
    bp_error err;
    static const char *const sub[] = {"", "figures", "logs"};
    for (size_t k = 0; k < 3; k++) {
        path_join(path, sizeof path, dir, sub[k]);
        if (make_folder(k ? path : dir, &err) ||
            check_writable(k ? path : dir, 1, &err))
            return cli_error(EXIT_USAGE, "%s", err.msg);
    }
    int rc = write_summary(lab, dir);
    if (rc != EXIT_OK)
        return rc;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return cli_error(EXIT_RUNTIME, "out of memory");
    rc = write_body(f, lab, dir);
    fclose(f);
    if (rc == EXIT_OK) {
        path_join(path, sizeof path, dir, "REPORT.md");
        if (write_text_file(path, text, len, &err))
            rc = cli_error(EXIT_RUNTIME, "%s", err.msg);
    }
    free(text);
    return rc;
}
