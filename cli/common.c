/* common.c - pieces shared by the subcommands. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/error.h"
#include "format.h"

double cli_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_arch(const cli_config *cfg, size_t n_in, size_t n_out, bp_arch *a)
{
    memset(a, 0, sizeof *a);
    a->bias = cfg->bias;
    a->loss = cfg->loss;
    a->output = cfg->output;
    if (cfg->n_layers > 0) {
        /* the layer list: bp_arch_resolve checks it against its input */
        int k = cfg->n_layers < BP_MAX_LAYERS ? cfg->n_layers
                                              : BP_MAX_LAYERS - 1;
        a->input = cfg->input_shape.c ? cfg->input_shape
                                      : (bp_shape){n_in, 1, 1};
        for (int l = 0; l < k; l++)
            a->layer[l] = cfg->layer[l];
        a->layer[k] = (bp_layer){.kind = BP_LAYER_DENSE, .units = n_out,
                                 .stride = 1, .act = BP_ACT_NONE};
        a->n_layers = k + 1;
        return;
    }
    a->n_layers = cfg->n_hidden + 1;
    a->sizes[0] = n_in;
    for (int k = 0; k < cfg->n_hidden; k++)
        a->sizes[k + 1] = cfg->hidden[k];
    a->sizes[a->n_layers] = n_out;
    a->hidden = cfg->activation;
}

void cli_layers_text(const cli_config *cfg, char *buf, size_t size)
{
    bp_arch a;
    memset(&a, 0, sizeof a);
    int k = cfg->n_layers < BP_MAX_LAYERS ? cfg->n_layers : BP_MAX_LAYERS - 1;
    for (int l = 0; l < k; l++)
        a.layer[l] = cfg->layer[l];
    a.n_layers = k + 1;         /* bp_layers_format leaves the last out */
    bp_layers_format(&a, buf, size);
}

int cli_check_arch(const cli_config *cfg, size_t n_in, size_t n_out)
{
    if (cli_given(cfg, "input-shape") && cfg->n_layers == 0)
        return cli_error(EXIT_USAGE, "option --input-shape: applies to "
                                     "--layers (a dense network reads its "
                                     "input flat)");
    bp_arch a;
    bp_error err;
    cli_arch(cfg, n_in, n_out, &a);
    bp_status st = bp_arch_resolve(&a, &err);
    if (st == BP_OK)
        return EXIT_OK;
    if (cfg->n_layers == 0 || strncmp(err.msg, "layer ", 6) != 0)
        return cli_error(cli_exit_code(st), "%s", err.msg);
    /* a spatial layer on flat data whose shape was not given: only a
     * shape for the input helps, when every layer before the first
     * spatial one (dropout) keeps it */
    int hint = a.input.h == 1 && a.input.w == 1 &&
               strstr(err.msg, "flat values") != NULL;
    for (int l = 0; hint && l < a.n_layers; l++) {
        bp_layer_kind k = a.layer[l].kind;
        if (k == BP_LAYER_CONV || k == BP_LAYER_MAXPOOL ||
            k == BP_LAYER_AVGPOOL)
            break;
        if (k != BP_LAYER_DROPOUT)
            hint = 0;
    }
    return cli_error(EXIT_USAGE, "--layers: %s%s", err.msg,
                     hint ? "; give --input-shape CxHxW" : "");
}

void cli_layers_from_arch(cli_config *cfg, const bp_arch *a)
{
    int list = 0;
    for (int l = 0; l + 1 < a->n_layers; l++)
        if (a->layer[l].kind != BP_LAYER_DENSE ||
            a->layer[l].act != a->layer[0].act)
            list = 1;
    cfg->n_layers = 0;
    if (!list)
        return;
    for (int l = 0; l + 1 < a->n_layers; l++)
        cfg->layer[l] = a->layer[l];
    cfg->n_layers = a->n_layers - 1;
    cfg->input_shape = a->input;
}

bp_dataset *cli_dataset(const cli_config *cfg)
{
    bp_error err;
    bp_dataset *ds;
    bp_generated g;
    if (!cli_generated(cfg->data, &g)) {
        char text[48], list[128];
        cli_generated_list(list, sizeof list, " or ");
        cli_error(EXIT_USAGE, "option --data: expects %s here, got '%s'",
                  list, bp_excerpt(text, cfg->data));
        return NULL;
    }
    /* The linear points always come from numpy's stream, so that a numpy
     * script can regenerate them from the same --data-seed. */
    ds = bp_generate(g, cfg->n, cfg->data_seed, 1, &err);
    if (!ds)
        cli_error(cli_exit_code(err.code), "option --data-seed: %s", err.msg);
    return ds;
}

bp_eval_opts cli_eval_opts(const cli_config *cfg)
{
    return (bp_eval_opts){.isa = cfg->isa, .dtype = cfg->dtype};
}

int cli_print_test(FILE *out, const bp_net *net, const bp_dataset *ds,
                   bp_eval_opts run)
{
    bp_error err;
    double *p = malloc(ds->n * ds->n_out * sizeof *p);
    if (!p)
        return cli_error(EXIT_RUNTIME, "out of memory for predictions");
    double accuracy;
    bp_status st = bp_predict_with(net, run, ds->x, ds->n, p, &err);
    if (!st)
        st = bp_evaluate_with(net, run, ds, NULL, &accuracy, &err);
    if (st) {
        free(p);
        return cli_error(cli_exit_code(st), "%s", err.msg);
    }
    char acc[32];
    format_repr(acc, sizeof acc, accuracy);
    fprintf(out, "Testing ...\n");
    print_numpy_row(out, p, ds->n * ds->n_out);
    fprintf(out, "accuracy : %s %%\n", acc);
    free(p);
    return EXIT_OK;
}

int cli_generated(const char *data, bp_generated *g)
{
    bp_generated v;
    if (bp_generated_parse(data, &v) != BP_OK)
        return 0;
    if (g)
        *g = v;
    return 1;
}

void cli_join(char *buf, size_t size, const char *const *names, size_t n,
              const char *sep, const char *last)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && len < size; k++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s",
                                k == 0 ? "" : k + 1 < n ? sep : last,
                                names[k]);
}

void cli_generated_list(char *buf, size_t size, const char *last)
{
    const char *names[BP_GEN_COUNT];
    for (int g = 0; g < BP_GEN_COUNT; g++)
        names[g] = bp_generated_name((bp_generated)g);
    cli_join(buf, size, names, BP_GEN_COUNT, ", ", last);
}
