/*
 * cmd_trace.c - backprop trace: one sample through the network.
 *
 * The forward and backward passes are written out here once more in their
 * textbook form, one sample, one layer at a time, so that each quantity of
 * the seed's derivation can be printed: z = W a (+ b), a = f(z),
 * dJ/da, dJ/dz = f'(a) dJ/da, dJ/dW = dJ/dz a_prev^T, dJ/da_prev = W^T dJ/dz.
 * The weight gradients are then taken from the library (bp_gradient) and
 * checked against central differences of the library's loss, so the trace
 * is a worked example and an independent check of the library at once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/kernels.h"
#include "trace.h"

typedef struct {
    int L;                        /* weight layers                          */
    const size_t *sizes;
    double *z[BP_MAX_LAYERS + 1]; /* [sizes[l]], z[0] unused                */
    double *a[BP_MAX_LAYERS + 1]; /* a[0] = x                               */
    double *da[BP_MAX_LAYERS + 1];
    double *dz[BP_MAX_LAYERS + 1];
    double loss;
} trace_state;

static double act(bp_activation f, double z)
{
    switch (f) {
    case BP_ACT_SIGMOID: return 1.0 / (1.0 + exp(-z));
    case BP_ACT_TANH: return tanh(z);
    case BP_ACT_RELU: return z > 0 ? z : 0.0;
    case BP_ACT_NONE: return z;
    }
    return NAN;
}

/* f'(z) from a = f(z), as the seed computes it. */
static double act_slope(bp_activation f, double a)
{
    switch (f) {
    case BP_ACT_SIGMOID: return a * (1.0 - a);
    case BP_ACT_TANH: return 1.0 - a * a;
    case BP_ACT_RELU: return a > 0 ? 1.0 : 0.0;
    case BP_ACT_NONE: return 1.0;
    }
    return NAN;
}

static int trace_pass(bp_net *net, const double *x, double y, trace_state *t)
{
    const bp_arch *a = bp_net_arch(net);
    t->L = a->n_layers;
    t->sizes = a->sizes;
    size_t total = 0;
    for (int l = 0; l <= t->L; l++)
        total += 4 * a->sizes[l];
    double *block = calloc(total, sizeof *block);
    if (!block)
        return 0;
    for (int l = 0; l <= t->L; l++) {
        t->z[l] = block;
        t->a[l] = block + a->sizes[l];
        t->da[l] = block + 2 * a->sizes[l];
        t->dz[l] = block + 3 * a->sizes[l];
        block += 4 * a->sizes[l];
    }
    memcpy(t->a[0], x, a->sizes[0] * sizeof *x);
    for (int l = 1; l <= t->L; l++) {
        const double *W = bp_net_weight(net, l - 1), *b = bp_net_bias(net, l - 1);
        bp_activation f = l == t->L ? BP_ACT_SIGMOID : a->hidden;
        for (size_t j = 0; j < a->sizes[l]; j++) {
            double z = b ? b[j] : 0.0;
            for (size_t i = 0; i < a->sizes[l - 1]; i++)
                z += W[j * a->sizes[l - 1] + i] * t->a[l - 1][i];
            t->z[l][j] = z;
            t->a[l][j] = act(f, z);
        }
    }
    /* one output: the loss and its derivative as the seed writes them */
    double p = t->a[t->L][0];
    if (a->loss == BP_LOSS_BCE) {
        t->loss = -(y * log(p + BP_BCE_EPS) + (1 - y) * log(1 - p + BP_BCE_EPS));
        t->da[t->L][0] = -(y / (p + BP_BCE_EPS) - (1 - y) / (1 - p + BP_BCE_EPS));
    } else {
        t->loss = (p - y) * (p - y);
        t->da[t->L][0] = 2 * (p - y);
    }
    for (int l = t->L; l >= 1; l--) {
        bp_activation f = l == t->L ? BP_ACT_SIGMOID : a->hidden;
        for (size_t j = 0; j < a->sizes[l]; j++)
            t->dz[l][j] = act_slope(f, t->a[l][j]) * t->da[l][j];
        const double *W = bp_net_weight(net, l - 1);
        for (size_t i = 0; i < a->sizes[l - 1]; i++) {
            double s = 0;
            for (size_t j = 0; j < a->sizes[l]; j++)
                s += W[j * a->sizes[l - 1] + i] * t->dz[l][j];
            t->da[l - 1][i] = s;
        }
    }
    return 1;
}

/* Table helpers: Markdown or aligned text. */
static void row_start(FILE *o, int md) { fputs(md ? "| " : "  ", o); }
static void cell_sep(FILE *o, int md) { fputs(md ? " | " : "  ", o); }
static void row_end(FILE *o, int md) { fputs(md ? " |\n" : "\n", o); }

static void header(FILE *o, int md, const char *const *names, int n)
{
    row_start(o, md);
    for (int k = 0; k < n; k++) {
        if (k)
            cell_sep(o, md);
        fprintf(o, md ? "%s" : "%-22s", names[k]);
    }
    row_end(o, md);
    if (md) {
        fputs("|", o);
        for (int k = 0; k < n; k++)
            fputs("---|", o);
        fputs("\n", o);
    }
}

static void unit_table(FILE *o, int md, const trace_state *t, int l)
{
    static const char *const names[] = {"unit", "z", "a", "dJ/da", "dJ/dz"};
    header(o, md, names, 5);
    for (size_t j = 0; j < t->sizes[l]; j++) {
        row_start(o, md);
        fprintf(o, md ? "%zu" : "%-22zu", j + 1);
        double v[4] = {t->z[l][j], t->a[l][j], t->da[l][j], t->dz[l][j]};
        for (int k = 0; k < 4; k++) {
            cell_sep(o, md);
            fprintf(o, md ? "%.10g" : "%-22.10g", v[k]);
        }
        row_end(o, md);
    }
}

int trace_write(FILE *o, const cli_config *cfg)
{
    int md = cfg->markdown;
    bp_dataset *ds = cli_dataset(cfg);
    if (!ds)
        return EXIT_USAGE;
    if (cfg->sample >= ds->n) {
        size_t n = ds->n;    /* read before the set is freed */
        bp_dataset_free(ds);
        return cli_error(EXIT_USAGE,
                         "option --sample: %zu is past the last sample (the "
                         "%s data has %zu, numbered from 0)",
                         cfg->sample, cfg->data, n);
    }
    bp_error err;
    bp_arch arch;
    cli_arch(cfg, ds->n_in, ds->n_out, &arch);
    bp_net *net = bp_net_new(&arch, &err);
    bp_dataset *one = bp_dataset_new(1, ds->n_in, ds->n_out, &err);
    trace_state t;
    memset(&t, 0, sizeof t);
    int rc = EXIT_OK;
    if (!net || !one || bp_net_init(net, cfg->init, cfg->seed, &err)) {
        rc = cli_error(cli_exit_code(err.code), "%s", err.msg);
        goto done;
    }
    memcpy(one->x, ds->x + cfg->sample * ds->n_in, ds->n_in * sizeof(double));
    one->y[0] = ds->y[cfg->sample];
    if (!trace_pass(net, one->x, one->y[0], &t)) {
        rc = cli_error(EXIT_RUNTIME, "out of memory");
        goto done;
    }

    char sizes[128];
    size_t len = 0;
    for (int l = 0; l <= arch.n_layers; l++)
        len += (size_t)snprintf(sizes + len, sizeof sizes - len,
                                l ? "-%zu" : "%zu", arch.sizes[l]);
    char title[512];
    snprintf(title, sizeof title,
             "%s sample %zu: x = (%g, %g), y = %g; network %s, %s hidden, "
             "sigmoid output, %s loss, %s, weights %s with seed %llu",
             strcmp(cfg->data, "xor") ? "Linear" : "XOR", cfg->sample,
             one->x[0], one->x[1], one->y[0], sizes,
             bp_activation_name(arch.hidden), bp_loss_name(arch.loss),
             arch.bias ? "biases" : "no biases", bp_init_name(cfg->init),
             (unsigned long long)cfg->seed);
    fprintf(o, md ? "**%s**\n\n" : "trace: %s\n\n", title);
    fprintf(o, md ? "Forward and backward pass, layer by layer (z = W a + b, "
                    "a = f(z); dJ/dz = f'(z) dJ/da; dJ/da of the layer below "
                    "= Wᵀ dJ/dz):\n\n"
                  : "forward and backward pass:\n");
    for (int l = t.L; l >= 1; l--) {
        fprintf(o, md ? "Layer %d (%s):\n\n" : "layer %d (%s)\n", l,
                l == t.L ? "output, sigmoid" : bp_activation_name(arch.hidden));
        unit_table(o, md, &t, l);
        fputs("\n", o);
    }
    fprintf(o, md ? "Loss J = %.17g.\n\n" : "loss J = %.17g\n\n", t.loss);

    /* dJ/dW: the library's back-propagation against central differences */
    size_t P = bp_net_param_count(net);
    double *grad = malloc(P * sizeof *grad);
    if (!grad || bp_gradient(net, one, grad, NULL, &err)) {
        free(grad);
        rc = cli_error(EXIT_RUNTIME, "%s", grad ? err.msg : "out of memory");
        goto done;
    }
    double *params = bp_net_params(net), worst_all = 0, trace_gap = 0;
    fprintf(o, md ? "Weight gradients, back-propagation beside the central "
                    "difference (J(w+h) - J(w-h)) / 2h, h = %g:\n\n"
                  : "weight gradients (h = %g)\n", cfg->h);
    for (int l = t.L; l >= 1; l--) {
        size_t in = arch.sizes[l - 1], out = arch.sizes[l];
        double *W = bp_net_weight(net, l - 1);
        size_t base = (size_t)(W - params), count = in * out, shown = 0;
        double worst = 0;
        static const char *const names[] = {"weight", "dJ/dW back-prop",
                                            "central difference", "rel. error"};
        fprintf(o, md ? "W%d (%zu x %zu):\n\n" : "W%d (%zu x %zu)\n", l, out,
                in);
        header(o, md, names, 4);
        for (size_t k = 0; k < count; k++) {
            double saved = params[base + k], up, down;
            params[base + k] = saved + cfg->h;
            bp_evaluate(net, one, &up, NULL, NULL);
            params[base + k] = saved - cfg->h;
            bp_evaluate(net, one, &down, NULL, NULL);
            params[base + k] = saved;
            double numeric = (up - down) / (2 * cfg->h), g = grad[base + k];
            double rel = fabs(g - numeric) / fmax(fmax(fabs(g), fabs(numeric)), 1e-4);
            worst = fmax(worst, rel);
            /* the textbook pass above must give the library's gradient */
            double mine = t.dz[l][k / in] * t.a[l - 1][k % in];
            trace_gap = fmax(trace_gap, fabs(mine - g) / fmax(fabs(g), 1e-12));
            if (count > 20 && shown >= 10)
                continue;
            shown++;
            char wname[64];
            snprintf(wname, sizeof wname, "W%d[%zu][%zu]", l, k / in + 1,
                     k % in + 1);
            row_start(o, md);
            fprintf(o, md ? "%s" : "%-22s", wname);
            cell_sep(o, md);
            fprintf(o, md ? "%.10g" : "%-22.10g", g);
            cell_sep(o, md);
            fprintf(o, md ? "%.10g" : "%-22.10g", numeric);
            cell_sep(o, md);
            fprintf(o, md ? "%.2e" : "%-22.2e", rel);
            row_end(o, md);
        }
        if (shown < count)
            fprintf(o, md ? "| … %zu more | | | |\n" : "  ... %zu more\n",
                    count - shown);
        fprintf(o, md ? "\nLargest relative error over all %zu weights of "
                        "W%d: %.2e.\n\n"
                      : "  largest relative error over %zu weights of W%d: "
                        "%.2e\n\n",
                count, l, worst);
        worst_all = fmax(worst_all, worst);
    }
    fprintf(o, md ? "Over every weight: largest relative error %.2e; the "
                    "layer-by-layer pass above and the library's gradient "
                    "agree to %.1e.\n\n"
                  : "every weight: largest relative error %.2e; trace vs "
                    "library gradient %.1e\n",
            worst_all, trace_gap);
    free(grad);
    if (!(worst_all <= cfg->tolerance) || !(trace_gap <= 1e-12))
        rc = cli_error(EXIT_RUNTIME,
                       "back-propagation and central differences disagree "
                       "(%.2e > %g)", worst_all, cfg->tolerance);
done:
    free(t.z[0]);
    bp_dataset_free(one);
    bp_dataset_free(ds);
    bp_net_free(net);
    return rc;
}

static const char summary[] =
    "Follows one sample through the network: prints every z, a, dJ/da and\n"
    "dJ/dz of the forward and backward pass, and each weight's gradient\n"
    "beside its central-difference estimate, so that a hand derivation can\n"
    "be checked line by line.  Exits 1 when they disagree by more than\n"
    "--tolerance.";

int cmd_trace(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    cli_preset_seed(&cfg);
    cfg.data = "xor";
    cfg.tolerance = 1e-6;
    int rc = cli_parse(argc, argv, CMD_TRACE, summary, &cfg);
    if (rc >= 0)
        return rc;
    return trace_write(stdout, &cfg);
}
