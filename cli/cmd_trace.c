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
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data.h"
#include "io/model.h"
#include "nn/kernels.h"
#include "nn/layer.h"
#include "nn/net.h"
#include "metrics.h"
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
    case BP_ACT_COUNT: break;
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
    case BP_ACT_COUNT: break;
    }
    return NAN;
}

/* The output layer's activation as a hidden one (softmax: see
 * output_backward). */
static bp_activation output_act(const bp_arch *a)
{
    return a->output == BP_OUT_LINEAR ? BP_ACT_NONE : BP_ACT_SIGMOID;
}

/*
 * The output end of the pass for one sample: p holds the output layer's
 * values (a softmax's sums, normalised here in place; a sigmoid's or a
 * linear output's as they are).  Returns the loss as the library takes
 * it (BCE and MSE the mean over the outputs, CE the sum) and writes
 * dJ/dp into da and dJ/dz of the output layer into dz.
 */
static double output_backward(const bp_arch *a, double *p, const double *y,
                              size_t k, double *da, double *dz)
{
    if (a->output == BP_OUT_SOFTMAX) {
        double top = p[0], sum = 0;
        for (size_t i = 1; i < k; i++)
            top = fmax(top, p[i]);
        for (size_t i = 0; i < k; i++)
            sum += p[i] = exp(p[i] - top);
        for (size_t i = 0; i < k; i++)
            p[i] /= sum;
    }
    /* the loss and its derivative as the seed writes them */
    double loss = 0;
    for (size_t i = 0; i < k; i++) {
        if (a->output == BP_OUT_SOFTMAX) {
            loss -= y[i] != 0 ? y[i] * log(fmax(p[i], DBL_MIN)) : 0.0;
            da[i] = y[i] != 0 ? -y[i] / p[i] : 0.0;
        } else if (a->loss == BP_LOSS_BCE) {
            loss -= (y[i] * log(p[i] + BP_BCE_EPS) +
                     (1 - y[i]) * log(1 - p[i] + BP_BCE_EPS)) / (double)k;
            da[i] = -(y[i] / (p[i] + BP_BCE_EPS) -
                      (1 - y[i]) / (1 - p[i] + BP_BCE_EPS)) / (double)k;
        } else {
            loss += (p[i] - y[i]) * (p[i] - y[i]) / (double)k;
            da[i] = 2 * (p[i] - y[i]) / (double)k;
        }
    }
    if (a->output == BP_OUT_SOFTMAX) {
        /* the softmax's Jacobian: dz_j = p_j (da_j - sum_i da_i p_i) */
        double s = 0;
        for (size_t i = 0; i < k; i++)
            s += da[i] * p[i];
        for (size_t j = 0; j < k; j++)
            dz[j] = p[j] * (da[j] - s);
    } else {
        for (size_t j = 0; j < k; j++)
            dz[j] = act_slope(output_act(a), p[j]) * da[j];
    }
    return loss;
}

/*
 * The textbook pass of one sample x with target y (n_out values), for a
 * network of dense layers with one hidden activation.  Output sigmoid
 * (BCE or MSE), softmax (cross-entropy) or linear (MSE).
 */
static int trace_pass(bp_net *net, const double *x, const double *y,
                      trace_state *t)
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
        bp_activation f = l < t->L ? a->hidden : output_act(a);
        for (size_t j = 0; j < a->sizes[l]; j++) {
            double z = b ? b[j] : 0.0;
            for (size_t i = 0; i < a->sizes[l - 1]; i++)
                z += W[j * a->sizes[l - 1] + i] * t->a[l - 1][i];
            t->z[l][j] = z;
            t->a[l][j] = a->output == BP_OUT_SOFTMAX && l == t->L ? z : act(f, z);
        }
    }
    t->loss = output_backward(a, t->a[t->L], y, a->sizes[t->L], t->da[t->L],
                              t->dz[t->L]);
    for (int l = t->L; l >= 1; l--) {
        if (l < t->L)
            for (size_t j = 0; j < a->sizes[l]; j++)
                t->dz[l][j] = act_slope(a->hidden, t->a[l][j]) * t->da[l][j];
        const double *W = bp_net_weight(net, l - 1);
        for (size_t i = 0; i < a->sizes[l - 1]; i++) {
            double sum = 0;
            for (size_t j = 0; j < a->sizes[l]; j++)
                sum += W[j * a->sizes[l - 1] + i] * t->dz[l][j];
            t->da[l - 1][i] = sum;
        }
    }
    return 1;
}

/* Table helpers: Markdown or aligned text. */
static void row_start(FILE *o, int md) { fputs(md ? "| " : "  ", o); }
static void cell_sep(FILE *o, int md) { fputs(md ? " | " : "  ", o); }
static void row_end(FILE *o, int md) { fputs(md ? " |\n" : "\n", o); }

/* One parameter's row: its name, the gradients both ways, their
 * relative error. */
static void gradient_row(FILE *o, int md, const char *name, double g,
                         double numeric, double rel)
{
    row_start(o, md);
    fprintf(o, md ? "%s" : "%-22s", name);
    cell_sep(o, md);
    fprintf(o, md ? "%.10g" : "%-22.10g", g);
    cell_sep(o, md);
    fprintf(o, md ? "%.10g" : "%-22.10g", numeric);
    cell_sep(o, md);
    fprintf(o, md ? "%.2e" : "%-22.2e", rel);
    row_end(o, md);
}

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

/* v as "(a, b, c)": the first 8 values and "..." unless full. */
/* "(v0, v1, ... k more)": the first `shown` of n values. */
static void print_values(FILE *o, const double *v, size_t n, size_t shown)
{
    fputc('(', o);
    for (size_t i = 0; i < shown; i++)
        fprintf(o, i ? ", %g" : "%g", v[i]);
    if (shown < n)
        fprintf(o, ", ... %zu more", n - shown);
    fputc(')', o);
}

static void print_vector(FILE *o, const double *v, size_t n, int full)
{
    print_values(o, v, n, full || n <= 10 ? n : 8);
}

/* Values a layer's summary shows of n: all of ten or fewer, else 8, or
 * up to 32 with --full. */
static size_t summary_shown(size_t n, int full)
{
    return full ? (n < 32 ? n : 32) : (n <= 10 ? n : 8);
}

/* Each optimizer's first step as a student writes it, in the enum's order
 * (one row per optimizer: the count below checks it). */
static const char *const rule_by_hand[] = {
    [BP_OPT_SGD] = "dW = -lr*g",
    [BP_OPT_MOMENTUM] = "V = mu*0 - lr*g; dW = V = -lr*g",
    [BP_OPT_NESTEROV] = "V = mu*0 - lr*g; dW = mu*V - lr*g = -(1 + mu)*lr*g",
    [BP_OPT_RMSPROP] =
        "s = rho*0 + (1 - rho)*g^2; dW = -lr*g / (sqrt(s) + eps)",
    [BP_OPT_ADAM] = "m = (1 - beta1)*g, v = (1 - beta2)*g^2; mhat = m / "
                    "(1 - beta1) = g, vhat = v / (1 - beta2) = g^2; dW = "
                    "-lr*mhat / (sqrt(vhat) + eps)",
};
_Static_assert(sizeof rule_by_hand / sizeof rule_by_hand[0] == BP_OPT_COUNT,
               "rule_by_hand needs one row per optimizer");

/*
 * The update the optimizer makes from gradient g, for a first step from
 * zero state (velocity, moments), by hand, into dw; returns the rule as a
 * student writes it.
 */
static const char *step_by_hand(const cli_config *cfg, const double *g,
                                double *dw, size_t count)
{
    double lr = cfg->lr, mu = cfg->momentum;
    for (size_t k = 0; k < count; k++) {
        switch (cfg->optimizer) {
        case BP_OPT_SGD:
        case BP_OPT_MOMENTUM: dw[k] = -lr * g[k]; break;
        case BP_OPT_NESTEROV: dw[k] = mu * (-lr * g[k]) - lr * g[k]; break;
        case BP_OPT_RMSPROP: {
            double s2 = (1 - cfg->rho) * g[k] * g[k];
            dw[k] = -lr * g[k] / (sqrt(s2) + cfg->eps);
            break;
        }
        case BP_OPT_ADAM: {
            double m = (1 - cfg->beta1) * g[k], v = (1 - cfg->beta2) * g[k] * g[k];
            dw[k] = -lr * (m / (1 - cfg->beta1)) /
                    (sqrt(v / (1 - cfg->beta2)) + cfg->eps);
            break;
        }
        case BP_OPT_COUNT:      /* not an optimizer */
            dw[k] = 0;
            break;
        }
    }
    return rule_by_hand[cfg->optimizer];
}

static void print_constants(FILE *o, const cli_config *cfg)
{
    fprintf(o, "lr = %g", cfg->lr);
    if (cfg->optimizer == BP_OPT_MOMENTUM || cfg->optimizer == BP_OPT_NESTEROV)
        fprintf(o, ", mu = %g", cfg->momentum);
    else if (cfg->optimizer == BP_OPT_RMSPROP)
        fprintf(o, ", rho = %g, eps = %g", cfg->rho, cfg->eps);
    else if (cfg->optimizer == BP_OPT_ADAM)
        fprintf(o, ", beta1 = %g, beta2 = %g, eps = %g", cfg->beta1, cfg->beta2,
                cfg->eps);
}

/*
 * The update table: each weight's gradient, the library's optimizer step
 * (bp_optimizer_step from zero state) and the rule by hand.  Returns 0
 * when they disagree beyond rounding, -1 when out of memory.
 */
static int update_tables(FILE *o, int md, const cli_config *cfg, bp_net *net,
                         const double *grad, const trace_state *t)
{
    size_t P = bp_net_param_count(net);
    size_t slen = bp_optimizer_state_len(cfg->optimizer, P);
    double *params = bp_net_params(net);
    double *after = malloc(P * sizeof *after), *hand = malloc(P * sizeof *hand);
    double *state = calloc(slen ? slen : 1, sizeof *state);
    if (!after || !hand || !state) {
        free(after);
        free(hand);
        free(state);
        return -1;
    }
    memcpy(after, params, P * sizeof *after);
    bp_train_opts opts = {.optimizer = cfg->optimizer, .lr = cfg->lr,
                          .momentum = cfg->momentum, .beta1 = cfg->beta1,
                          .beta2 = cfg->beta2, .rho = cfg->rho, .eps = cfg->eps};
    bp_optimizer_step(&opts, after, grad, state, P, 1);
    const char *rule = step_by_hand(cfg, grad, hand, P);
    fprintf(o, md ? "The update %s makes from this gradient, for a first step "
                    "from zero state (" : "update by %s, first step from zero "
                                          "state (",
            bp_optimizer_name(cfg->optimizer));
    print_constants(o, cfg);
    fprintf(o, md ? "): `%s`; the library's step (bp_optimizer_step) beside "
                    "the rule by hand:\n\n"
                  : "): %s\n",
            rule);
    double worst = 0;
    static const char *const names[] = {"weight", "dJ/dW", "dW library step",
                                        "dW by hand"};
    for (int l = t->L; l >= 1; l--) {
        const bp_arch *a = bp_net_arch(net);
        size_t in = a->sizes[l - 1], out = a->sizes[l];
        size_t base = (size_t)(bp_net_weight(net, l - 1) - params);
        size_t count = in * out, shown = 0;
        fprintf(o, md ? "dW%d (%zu x %zu):\n\n" : "dW%d (%zu x %zu)\n", l, out,
                in);
        header(o, md, names, 4);
        for (size_t k = 0; k < count; k++) {
            double w = params[base + k], lib = after[base + k] - w;
            double h = hand[base + k] + 0.0;   /* no "-0" */
            /* the library's step is w + dW rounded: compare at w's scale */
            double gap = fabs(lib - h) / (fabs(w) + fabs(h) + DBL_MIN);
            worst = fmax(worst, gap);
            if (!cfg->full && count > 20 && shown >= 10)
                continue;
            shown++;
            char wname[64];
            snprintf(wname, sizeof wname, "W%d[%zu][%zu]", l, k / in + 1,
                     k % in + 1);
            row_start(o, md);
            fprintf(o, md ? "%s" : "%-22s", wname);
            double v[3] = {grad[base + k], lib, h};
            for (int c = 0; c < 3; c++) {
                cell_sep(o, md);
                fprintf(o, md ? "%.10g" : "%-22.10g", v[c]);
            }
            row_end(o, md);
        }
        if (shown < count)
            fprintf(o, md ? "| … %zu more (--full shows them) | | | |\n"
                          : "  ... %zu more (--full shows them)\n",
                    count - shown);
        fputs("\n", o);
    }
    fprintf(o, md ? "Library step against the rule by hand: largest "
                    "difference %.1e of the weight's size.\n\n"
                  : "library step vs rule by hand: largest difference %.1e of "
                    "the weight's size\n",
            worst);
    free(after);
    free(hand);
    free(state);
    return worst <= 8 * DBL_EPSILON;
}

/*
 * dJ/dW: the library's back-propagation (grad) against central differences
 * of the library's loss on the one sample, a table per layer.  *worst_out
 * receives the largest relative error, *gap_out the largest relative gap
 * between the textbook pass t and the library's gradient.
 */
static void gradient_tables(FILE *o, int md, const cli_config *cfg,
                            bp_net *net, const bp_dataset *one,
                            const double *grad, const trace_state *t,
                            double *worst_out, double *gap_out)
{
    const bp_arch *arch = bp_net_arch(net);
    double *params = bp_net_params(net), worst_all = 0, trace_gap = 0;
    fprintf(o, md ? "Weight gradients, back-propagation beside the central "
                    "difference (J(w+h) - J(w-h)) / 2h, h = %g:\n\n"
                  : "weight gradients (h = %g)\n", cfg->h);
    for (int l = t->L; l >= 1; l--) {
        size_t n_in = arch->sizes[l - 1], n_out = arch->sizes[l];
        double *W = bp_net_weight(net, l - 1);
        size_t base = (size_t)(W - params), count = n_in * n_out, shown = 0;
        double worst = 0;
        static const char *const names[] = {"weight", "dJ/dW back-prop",
                                            "central difference", "rel. error"};
        fprintf(o, md ? "W%d (%zu x %zu):\n\n" : "W%d (%zu x %zu)\n", l, n_out,
                n_in);
        header(o, md, names, 4);
        for (size_t k = 0; k < count; k++) {
            double saved = params[base + k], up, down;
            params[base + k] = saved + cfg->h;
            bp_evaluate_with(net, (bp_eval_opts){cfg->isa, BP_F64}, one, &up, NULL, NULL);
            params[base + k] = saved - cfg->h;
            bp_evaluate_with(net, (bp_eval_opts){cfg->isa, BP_F64}, one, &down, NULL, NULL);
            params[base + k] = saved;
            double numeric = (up - down) / (2 * cfg->h), g = grad[base + k];
            double rel = fabs(g - numeric) / fmax(fmax(fabs(g), fabs(numeric)), 1e-4);
            worst = fmax(worst, rel);
            /* the textbook pass above must give the library's gradient */
            double mine = t->dz[l][k / n_in] * t->a[l - 1][k % n_in];
            trace_gap = fmax(trace_gap, fabs(mine - g) / fmax(fabs(g), 1e-12));
            if (!cfg->full && count > 20 && shown >= 10)
                continue;
            shown++;
            char wname[64];
            snprintf(wname, sizeof wname, "W%d[%zu][%zu]", l, k / n_in + 1,
                     k % n_in + 1);
            gradient_row(o, md, wname, g, numeric, rel);
        }
        if (shown < count)
            fprintf(o, md ? "| … %zu more (--full shows them) | | | |\n"
                          : "  ... %zu more (--full shows them)\n",
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
                    "library gradient %.1e\n\n",
            worst_all, trace_gap);
    *worst_out = worst_all;
    *gap_out = trace_gap;
}

/* The network and the data of the trace: a saved model on any data it
 * takes (--model), or a new network on a generated set. */
typedef struct {
    bp_net *net;
    bp_dataset *ds;          /* d.train with a model, else owned here */
    cli_data d;
    bp_model_extra extra;
    int have_model;
} trace_input;

static void trace_input_free(trace_input *in)
{
    if (in->have_model) {
        cli_data_free(&in->d);
        bp_model_extra_free(&in->extra);
    } else {
        bp_dataset_free(in->ds);
    }
    bp_net_free(in->net);
}

/* Network options with --model: the network is the model's, so they
 * would be dropped without a word; refuse them instead. */
static int network_options_given(const cli_config *cfg)
{
    cli_config d;
    cli_defaults(&d);
    cli_preset_seed(&d);
    return cfg->n_hidden != d.n_hidden ||
           memcmp(cfg->hidden, d.hidden, sizeof d.hidden) != 0 ||
           cfg->activation != d.activation || cfg->loss != d.loss ||
           cfg->bias != d.bias || cfg->init_given || cfg->seed != d.seed ||
           cli_given(cfg, "layers") || cli_given(cfg, "input-shape");
}

static int trace_load(const cli_config *cfg, trace_input *in)
{
    bp_error err;
    memset(in, 0, sizeof *in);
    /* CSV and IDX options with data that takes none are refused */
    int rc = cli_check_data_options(cfg);
    if (rc != EXIT_OK)
        return rc;
    if (cfg->model) {
        if (network_options_given(cfg))
            return cli_error(EXIT_USAGE,
                             "option --model: the network is the model's; "
                             "--hidden, --layers, --input-shape, "
                             "--activation, --loss, --bias, --no-bias, "
                             "--init and --seed do not apply");
        in->net = bp_model_load_extra(cfg->model, &in->extra, &err);
        if (!in->net)
            return cli_error(EXIT_USAGE, "%s", err.msg);
        in->have_model = 1;
        rc = cli_load_for_model(cfg, in->net, &in->extra, &in->d, 0);
        if (rc != EXIT_OK)
            return rc;
        in->ds = in->d.train;
        return EXIT_OK;
    }
    in->ds = cli_dataset(cfg);
    if (!in->ds)
        return EXIT_USAGE;
    if ((rc = cli_check_input_shape(cfg, in->ds->n_in, cfg->data)) ||
        (rc = cli_check_arch(cfg, in->ds->n_in, in->ds->n_out)))
        return rc;
    bp_arch arch;
    cli_arch(cfg, in->ds->n_in, in->ds->n_out, &arch);
    in->net = bp_net_new(&arch, &err);
    if (!in->net || bp_net_init(in->net, cfg->init, cfg->seed, &err))
        return cli_error(cli_exit_code(err.code), "%s", err.msg);
    return EXIT_OK;
}

/* The sample's target for the title: a class name, or the value(s). */
static void print_target(FILE *o, const trace_input *in, const double *y)
{
    size_t k = in->ds->n_out;
    if (in->have_model && in->extra.n_classes && !in->d.regression) {
        size_t c = class_of(y, k);
        char text[48];
        fprintf(o, "class %s", c < in->extra.n_classes
                                   ? bp_excerpt(text, in->extra.class_names[c])
                                   : "?");
        return;
    }
    fputs("y = ", o);
    if (k == 1)
        fprintf(o, "%g", y[0]);
    else
        print_vector(o, y, k, 1);
}

/* ------------------------------------------------ any list of layers */

/*
 * A network that is not dense layers with one hidden activation
 * (convolutions, pools, dropout, an activation per layer, an input
 * shape) is traced through the layer table (src/nn/layer.h) itself: each
 * layer's forward and backward pass on the one sample, in double with the
 * reference kernels, in evaluation (dropout passes its input on, as
 * bp_evaluate runs it).  Its layers are too wide to print value by value,
 * so each is summarised (its shapes, its first values and largest
 * magnitude), and the gradient is checked on a sample of each layer's
 * parameters.
 */
typedef struct {
    int L;                           /* layers                             */
    double *act[BP_MAX_LAYERS + 1];  /* act[0] = x, act[l + 1] layer l's   */
    double *delta[BP_MAX_LAYERS];    /* dJ/dz of layer l's output          */
    double *da;                      /* dJ/dp of the outputs               */
    double *grad;                    /* the pass's gradient, as params     */
    double *block;
    double loss;
} layer_trace;

/* The pass; 1 when done, 0 out of memory, -1 when layer *missing has no
 * pass in this build. */
static int layers_pass(bp_net *net, const double *x, const double *y,
                       layer_trace *t, int *missing)
{
    const bp_arch *a = bp_net_arch(net);
    const double *params = bp_net_params_const(net);
    t->L = a->n_layers;
    /* act[0..L], delta[0..L-1], dJ/d(input), dJ/dp, the gradient, the
     * scratch of the layer that needs most */
    const size_t widest = bp_arch_max_width(a);
    size_t total = widest + a->sizes[t->L] + bp_net_param_count(net);
    size_t scratch = 1;
    for (int l = 0; l <= t->L; l++)
        total += a->sizes[l] + (l ? a->sizes[l] : 0);
    for (int l = 0; l < t->L; l++) {
        size_t s = net->ops[l]->scratch(&a->layer[l]);
        scratch = s > scratch ? s : scratch;
    }
    double *p = t->block = calloc(total + scratch, sizeof *p);
    if (!p)
        return 0;
    for (int l = 0; l <= t->L; l++) {
        t->act[l] = p;
        p += a->sizes[l];
    }
    for (int l = 0; l < t->L; l++) {
        t->delta[l] = p;
        p += a->sizes[l + 1];
    }
    double *din = p;                 /* dJ/d(input) of the layer below   */
    p += widest;
    t->da = p;
    p += a->sizes[t->L];
    t->grad = p;
    p += bp_net_param_count(net);
    double *work = p;
    memcpy(t->act[0], x, a->sizes[0] * sizeof *x);
    for (int l = 0; l < t->L; l++) {
        const bp_layer_ops *ops = net->ops[l];
        if (!ops->forward_f64 || !ops->backward_f64) {
            *missing = l;
            return -1;
        }
        bp_layer_run r = {.layer = &a->layer[l], .index = l, .n = 1,
                          .isa = BP_ISA_NAIVE};
        ops->forward_f64(&r, t->act[l + 1], t->act[l], params + net->w_off[l],
                         net->b_off[l] == BP_NO_BIAS ? NULL
                                                     : params + net->b_off[l],
                         work);
    }
    /* the output layer's row leaves its sums; a sigmoid output is
     * applied here (softmax by output_backward) */
    if (a->output == BP_OUT_SIGMOID)
        for (size_t i = 0; i < a->sizes[t->L]; i++)
            t->act[t->L][i] = 1 / (1 + exp(-t->act[t->L][i]));
    t->loss = output_backward(a, t->act[t->L], y, a->sizes[t->L], t->da,
                              t->delta[t->L - 1]);
    for (int l = t->L - 1; l >= 0; l--) {
        bp_layer_run r = {.layer = &a->layer[l], .index = l, .n = 1,
                          .isa = BP_ISA_NAIVE};
        double *dw = net->n_w[l] ? t->grad + net->w_off[l] : NULL;
        double *db = net->b_off[l] == BP_NO_BIAS ? NULL
                                                 : t->grad + net->b_off[l];
        net->ops[l]->backward_f64(&r, l ? din : NULL, dw, db, t->delta[l],
                                  t->act[l], t->act[l + 1],
                                  params + net->w_off[l], work);
        /* dJ/dz of the layer below through its own activation */
        for (size_t i = 0; l && i < a->sizes[l]; i++)
            t->delta[l - 1][i] =
                act_slope(a->layer[l - 1].act, t->act[l][i]) * din[i];
    }
    return 1;
}

/* Layer L's item and activation, "conv:32:3, relu". */
static void item_text(char *buf, size_t size, const bp_layer *L)
{
    size_t len = bp_layer_item(L, buf, size);
    if (L->act != BP_ACT_NONE && len < size)
        snprintf(buf + len, size - len, ", %s", bp_activation_name(L->act));
}

static void shape_text(char *buf, size_t size, bp_shape s)
{
    if (s.h == 1 && s.w == 1)
        snprintf(buf, size, "%zu", s.c);
    else
        snprintf(buf, size, "%zux%zux%zu", s.c, s.h, s.w);
}

/* "name = (first values ...); max |name| = m", bounded. */
static void summary_row(FILE *o, int md, const char *name, const double *v,
                        size_t n, int full)
{
    double top = 0;
    for (size_t i = 0; i < n; i++)
        top = fmax(top, fabs(v[i]));
    if (md) {
        fprintf(o, "| %s | ", name);
    } else {
        fprintf(o, "  %-7s ", name);
    }
    print_values(o, v, n, summary_shown(n, full));
    fprintf(o, md ? " | %.6g |\n" : "; max |.| = %.6g\n", top);
}

/* The network's shape as a line: input, layers, outputs. */
static void network_text(char *buf, size_t size, const bp_arch *a)
{
    char in[64], list[1024];
    shape_text(in, sizeof in, a->input);
    bp_layers_format(a, list, sizeof list);
    snprintf(buf, size, "%s -> %s%s%zu", in, list, *list ? " -> " : "",
             a->sizes[a->n_layers]);
}

/* The name of parameter k of layer l: W2[f][c][i][j], W3[j][i], b3[j]. */
static void param_name(char *buf, size_t size, const bp_net *net, int l,
                       size_t k)
{
    const bp_layer *L = &net->arch.layer[l];
    if (k >= net->n_w[l]) {
        snprintf(buf, size, "b%d[%zu]", l + 1, k - net->n_w[l] + 1);
    } else if (L->kind == BP_LAYER_CONV) {
        size_t kk = (size_t)L->k, c = L->in.c;
        snprintf(buf, size, "W%d[%zu][%zu][%zu][%zu]", l + 1,
                 k / (c * kk * kk) + 1, k / (kk * kk) % c + 1, k / kk % kk + 1,
                 k % kk + 1);
    } else {
        size_t in = net->arch.sizes[l];
        snprintf(buf, size, "W%d[%zu][%zu]", l + 1, k / in + 1, k % in + 1);
    }
}

/* Whether a dropout layer drops anything while training: then the
 * library's gradient (a training pass) is not the evaluation's. */
static int drops(const bp_arch *a)
{
    for (int l = 0; l < a->n_layers; l++)
        if (a->layer[l].kind == BP_LAYER_DROPOUT && a->layer[l].rate > 0)
            return 1;
    return 0;
}

/*
 * The trace of a network of any layers: per layer its item and shapes,
 * its outputs and deltas summarised; then a sample of each layer's
 * parameters, the pass's gradient beside the central difference of the
 * library's loss, and the pass's whole gradient against the library's
 * (bp_gradient; scaled by its largest value).  Returns an exit code.
 */
static int trace_layers(FILE *o, int md, const cli_config *cfg, bp_net *net,
                        const bp_dataset *one)
{
    const bp_arch *a = bp_net_arch(net);
    layer_trace t;
    memset(&t, 0, sizeof t);
    int missing = 0, rc = EXIT_OK;
    int got = layers_pass(net, one->x, one->y, &t, &missing);
    if (got <= 0) {
        char item[96] = "";
        if (got < 0)
            bp_layer_item(&a->layer[missing], item, sizeof item);
        rc = got ? cli_error(EXIT_RUNTIME, "trace: layer %d (%s) has no "
                                           "pass in this build",
                             missing + 1, item)
                 : cli_error(EXIT_RUNTIME, "out of memory");
        free(t.block);
        return rc;
    }
    char shape_in[64], shape_out[64];
    fprintf(o, md ? "Forward and backward pass through the layer table, one "
                    "sample in double, evaluation (dropout passes its input "
                    "on); each layer's output a and dJ/dz (before its "
                    "activation), the first values and the largest "
                    "magnitude:\n\n"
                  : "forward and backward pass (layer table, evaluation: "
                    "dropout passes its input on):\n");
    shape_text(shape_in, sizeof shape_in, a->input);
    if (md)
        fprintf(o, "| | values | largest magnitude |\n|---|---|---|\n"
                   "| input %s | ", shape_in);
    else
        fprintf(o, "input %s\n", shape_in);
    if (md) {
        size_t n = a->sizes[0];
        print_values(o, one->x, n, summary_shown(n, cfg->full));
        fputs(" | |\n", o);
    } else {
        summary_row(o, md, "x", one->x, a->sizes[0], cfg->full);
    }
    for (int l = 0; l < t.L; l++) {
        const bp_layer *L = &a->layer[l];
        char item[128];
        item_text(item, sizeof item, L);
        if (l + 1 == t.L)
            snprintf(item + strlen(item), sizeof item - strlen(item),
                     ", %s output", bp_output_name(a->output));
        shape_text(shape_in, sizeof shape_in, L->in);
        shape_text(shape_out, sizeof shape_out, L->out);
        size_t params = net->n_w[l] +
                        (net->b_off[l] == BP_NO_BIAS ? 0 : L->out.c);
        fprintf(o, md ? "| **layer %d: %s** | %s -> %s, %zu parameters | |\n"
                      : "layer %d %s: %s -> %s, %zu parameters\n",
                l + 1, item, shape_in, shape_out, params);
        summary_row(o, md, l + 1 == t.L ? "p" : "a", t.act[l + 1],
                    a->sizes[l + 1], cfg->full);
        summary_row(o, md, "dJ/dz", t.delta[l], a->sizes[l + 1], cfg->full);
    }
    fprintf(o, md ? "\nLoss J = %.17g.\n\n" : "loss J = %.17g\n\n", t.loss);

    size_t P = bp_net_param_count(net);
    double *lib = malloc((P ? P : 1) * sizeof *lib);
    bp_error err;
    if (!lib || bp_gradient_with(net, cfg->isa, one, lib, NULL, &err)) {
        rc = cli_error(EXIT_RUNTIME, "%s", lib ? err.msg : "out of memory");
        free(lib);
        free(t.block);
        return rc;
    }
    double *params = bp_net_params(net), worst_all = 0;
    size_t checked = 0;
    fprintf(o, md ? "Parameter gradients, the pass above beside the central "
                    "difference (J(w+h) - J(w-h)) / 2h, h = %g, on a sample of "
                    "each layer's parameters:\n\n"
                  : "parameter gradients (h = %g), a sample of each layer's\n",
            cfg->h);
    static const char *const names[] = {"parameter", "dJ/dw back-prop",
                                        "central difference", "rel. error"};
    for (int l = t.L - 1; l >= 0; l--) {
        size_t nw = net->n_w[l];
        if (!nw)
            continue;
        size_t nb = net->b_off[l] == BP_NO_BIAS ? 0 : a->layer[l].out.c;
        size_t want_w = cfg->full ? 100 : 10, want_b = cfg->full ? 100 : 2;
        size_t sw = nw < want_w ? nw : want_w, sb = nb < want_b ? nb : want_b;
        double worst = 0;
        fprintf(o, md ? "Layer %d, %zu of %zu weights and %zu of %zu "
                        "biases:\n\n"
                      : "layer %d: %zu of %zu weights, %zu of %zu biases\n",
                l + 1, sw, nw, sb, nb);
        header(o, md, names, 4);
        for (size_t i = 0; i < sw + sb; i++) {
            /* evenly spread over the weights, then the first biases */
            size_t k = i < sw ? i * nw / sw : nw + (i - sw);
            size_t at = k < nw ? net->w_off[l] + k : net->b_off[l] + (k - nw);
            double saved = params[at], up, down;
            params[at] = saved + cfg->h;
            bp_evaluate_with(net, (bp_eval_opts){cfg->isa, BP_F64}, one, &up,
                             NULL, NULL);
            params[at] = saved - cfg->h;
            bp_evaluate_with(net, (bp_eval_opts){cfg->isa, BP_F64}, one,
                             &down, NULL, NULL);
            params[at] = saved;
            double numeric = (up - down) / (2 * cfg->h), g = t.grad[at];
            double rel = fabs(g - numeric) /
                         fmax(fmax(fabs(g), fabs(numeric)), 1e-4);
            worst = fmax(worst, rel);
            checked++;
            char name[128];
            param_name(name, sizeof name, net, l, k);
            gradient_row(o, md, name, g, numeric, rel);
        }
        fprintf(o, md ? "\nLargest relative error of layer %d's sample: "
                        "%.2e.\n\n"
                      : "  largest relative error of layer %d's sample: "
                        "%.2e\n\n",
                l + 1, worst);
        worst_all = fmax(worst_all, worst);
    }
    /* the pass's whole gradient against the library's, at the scale of
     * the largest (the sums of a convolution round differently) */
    double top = 0, gap = 0;
    for (size_t k = 0; k < P; k++)
        top = fmax(top, fabs(lib[k]));
    for (size_t k = 0; k < P; k++)
        gap = fmax(gap, fabs(t.grad[k] - lib[k]) / fmax(top, 1e-300));
    int compared = !drops(a);
    if (compared)
        fprintf(o, md ? "Over the %zu sampled parameters: largest relative "
                        "error %.2e; the pass above and the library's "
                        "gradient agree to %.1e of its largest value.\n\n"
                      : "every sampled parameter (%zu): largest relative error "
                        "%.2e; trace vs library gradient %.1e\n\n",
                checked, worst_all, gap);
    else
        fprintf(o, md ? "Over the %zu sampled parameters: largest relative "
                        "error %.2e (the library's gradient is a training "
                        "pass, with dropout: not compared).\n\n"
                      : "every sampled parameter (%zu): largest relative error "
                        "%.2e; library gradient not compared (it trains with "
                        "dropout)\n\n",
                checked, worst_all);
    if (!(worst_all <= cfg->tolerance) || (compared && !(gap <= 1e-10)))
        rc = cli_error(EXIT_RUNTIME,
                       "back-propagation and central differences disagree "
                       "(%.2e > %g, or the trace's pass against the library's "
                       "gradient %.1e > 1e-10)", worst_all, cfg->tolerance,
                       gap);
    free(lib);
    free(t.block);
    return rc;
}

int trace_write(FILE *o, const cli_config *cfg)
{
    int md = cfg->markdown;
    trace_input in;
    trace_state t;
    memset(&t, 0, sizeof t);
    bp_dataset *one = NULL;
    double *grad = NULL;
    int rc = trace_load(cfg, &in);
    if (rc != EXIT_OK)
        goto done;
    bp_dataset *ds = in.ds;
    bp_net *net = in.net;
    const bp_arch *arch = bp_net_arch(net);
    if (cfg->sample >= ds->n) {
        rc = cli_error(EXIT_USAGE,
                       "option --sample: %zu is past the last sample (the "
                       "%s data has %zu, numbered from 0)",
                       cfg->sample, cfg->data, ds->n);
        goto done;
    }
    bp_error err;
    one = bp_dataset_new(1, ds->n_in, ds->n_out, &err);
    if (!one) {
        rc = cli_error(cli_exit_code(err.code), "%s", err.msg);
        goto done;
    }
    memcpy(one->x, ds->x + cfg->sample * ds->n_in, ds->n_in * sizeof(double));
    memcpy(one->y, ds->y + cfg->sample * ds->n_out, ds->n_out * sizeof(double));
    if (!bp_model_is_dense_shorthand(arch)) {
        /* any other list of layers: through the layer table */
        fputs(md ? "**" : "trace: ", o);
        char text[48], net_text[1200];
        network_text(net_text, sizeof net_text, arch);
        fprintf(o, "%s sample %zu: x = ", in.have_model && !in.d.generated
                                              ? in.d.name
                                          : strcmp(cfg->data, "xor") ? "Linear"
                                                                     : "XOR",
                cfg->sample);
        print_vector(o, one->x, ds->n_in, 0);
        fprintf(o, "%s, ", in.extra.mean ? " (standardised)" : "");
        print_target(o, &in, one->y);
        fprintf(o, "; network %s", net_text);
        if (in.have_model)
            fprintf(o, " of %s", bp_excerpt(text, cfg->model));
        fprintf(o, ", %s output, %s loss, %s", bp_output_name(arch->output),
                bp_loss_name(arch->loss), arch->bias ? "biases" : "no biases");
        if (!in.have_model)
            fprintf(o, ", weights %s with seed %llu", bp_init_name(cfg->init),
                    (unsigned long long)cfg->seed);
        fputs(md ? "**\n\n" : "\n\n", o);
        rc = trace_layers(o, md, cfg, net, one);
        goto done;
    }
    if (!trace_pass(net, one->x, one->y, &t)) {
        rc = cli_error(EXIT_RUNTIME, "out of memory");
        goto done;
    }

    char sizes[192];
    size_t len = 0;
    for (int l = 0; l <= arch->n_layers && len < sizeof sizes; l++)
        len += (size_t)snprintf(sizes + len, sizeof sizes - len,
                                l ? "-%zu" : "%zu", arch->sizes[l]);
    fputs(md ? "**" : "trace: ", o);
    if (in.have_model) {
        char text[48];
        fprintf(o, "%s sample %zu: x = ", in.d.generated
                                              ? (strcmp(cfg->data, "xor") ? "Linear" : "XOR")
                                              : in.d.name,
                cfg->sample);
        print_vector(o, one->x, ds->n_in, cfg->full);
        fprintf(o, "%s, ", in.extra.mean ? " (standardised)" : "");
        print_target(o, &in, one->y);
        fprintf(o, "; network %s of %s, %s hidden, %s output, %s loss",
                sizes, bp_excerpt(text, cfg->model),
                bp_activation_name(arch->hidden), bp_output_name(arch->output),
                bp_loss_name(arch->loss));
    } else {
        fprintf(o, "%s sample %zu: x = (%g, %g), y = %g; network %s, %s "
                   "hidden, sigmoid output, %s loss, %s, weights %s with seed "
                   "%llu",
                strcmp(cfg->data, "xor") ? "Linear" : "XOR", cfg->sample,
                one->x[0], one->x[1], one->y[0], sizes,
                bp_activation_name(arch->hidden), bp_loss_name(arch->loss),
                arch->bias ? "biases" : "no biases", bp_init_name(cfg->init),
                (unsigned long long)cfg->seed);
    }
    fputs(md ? "**\n\n" : "\n\n", o);
    fprintf(o, md ? "Forward and backward pass, layer by layer (z = W a + b, "
                    "a = f(z); dJ/dz = f'(z) dJ/da; dJ/da of the layer below "
                    "= Wᵀ dJ/dz):\n\n"
                  : "forward and backward pass:\n");
    for (int l = t.L; l >= 1; l--) {
        char what[64];
        snprintf(what, sizeof what, "output, %s", bp_output_name(arch->output));
        fprintf(o, md ? "Layer %d (%s):\n\n" : "layer %d (%s)\n", l,
                l == t.L ? what : bp_activation_name(arch->hidden));
        unit_table(o, md, &t, l);
        fputs("\n", o);
    }
    fprintf(o, md ? "Loss J = %.17g.\n\n" : "loss J = %.17g\n\n", t.loss);

    /* dJ/dW: the library's back-propagation against central differences */
    size_t P = bp_net_param_count(net);
    grad = malloc(P * sizeof *grad);
    if (!grad || bp_gradient_with(net, cfg->isa, one, grad, NULL, &err)) {
        rc = cli_error(EXIT_RUNTIME, "%s", grad ? err.msg : "out of memory");
        goto done;
    }
    double worst_all, trace_gap;
    gradient_tables(o, md, cfg, net, one, grad, &t, &worst_all, &trace_gap);
    int step = update_tables(o, md, cfg, net, grad, &t);
    if (step < 0)
        rc = cli_error(EXIT_RUNTIME, "out of memory");
    else if (!(worst_all <= cfg->tolerance) || !(trace_gap <= 1e-12))
        rc = cli_error(EXIT_RUNTIME,
                       "back-propagation and central differences disagree "
                       "(%.2e > %g, or the trace's pass against the library's "
                       "gradient %.1e > 1e-12)", worst_all, cfg->tolerance,
                       trace_gap);
    else if (!step)
        rc = cli_error(EXIT_RUNTIME, "the optimizer's step and the rule by "
                                     "hand disagree");
done:
    free(grad);
    free(t.z[0]);
    bp_dataset_free(one);
    trace_input_free(&in);
    return rc;
}

static const char summary[] =
    "Follows one sample through the network: prints every z, a, dJ/da and\n"
    "dJ/dz of the forward and backward pass, each weight's gradient beside\n"
    "its central-difference estimate, and the update --optimizer makes from\n"
    "that gradient (a first step, from zero velocity or moments) beside the\n"
    "rule by hand, so that a hand derivation can be checked line by line.\n"
    "The network is new (the network options, --preset seed by default) or\n"
    "a saved one (--model FILE, on any data it takes, standardised as it\n"
    "was trained).  A network of other layers (convolutions, pools,\n"
    "dropout, an activation per layer) is followed through each layer:\n"
    "its shapes, its outputs and dJ/dz summarised, and a sample of each\n"
    "layer's parameters checked against central differences.  Exits 1\n"
    "when the gradients disagree by more than --tolerance.";

int cmd_trace(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    cli_preset_seed(&cfg);
    cfg.data = "xor";
    cfg.tolerance = 1e-6;
    int rc = cli_isa_from_env(&cfg);
    if (rc >= 0 || (rc = cli_parse(argc, argv, CMD_TRACE, summary, &cfg)) >= 0)
        return rc;
    if ((rc = cli_check_isa(&cfg)) != EXIT_OK)
        return rc;
    return trace_write(stdout, &cfg);
}
