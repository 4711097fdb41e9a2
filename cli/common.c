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
    a->n_layers = cfg->n_hidden + 1;
    a->sizes[0] = n_in;
    for (int k = 0; k < cfg->n_hidden; k++)
        a->sizes[k + 1] = cfg->hidden[k];
    a->sizes[a->n_layers] = n_out;
    a->hidden = cfg->activation;
    a->bias = cfg->bias;
    a->loss = cfg->loss;
    a->output = cfg->output;
}

bp_dataset *cli_dataset(const cli_config *cfg)
{
    bp_error err;
    bp_dataset *ds;
    if (strcmp(cfg->data, "xor") != 0 && strcmp(cfg->data, "linear") != 0) {
        char text[48];
        cli_error(EXIT_USAGE, "option --data: expects linear or xor here, "
                              "got '%s'", bp_excerpt(text, cfg->data));
        return NULL;
    }
    /* The linear points always come from numpy's stream, so that a numpy
     * script can regenerate them from the same --data-seed. */
    if (strcmp(cfg->data, "xor") == 0)
        ds = bp_data_xor(&err);
    else
        ds = bp_data_linear(cfg->n, cfg->data_seed, 1, &err);
    if (!ds)
        cli_error(cli_exit_code(err.code), "option --data-seed: %s", err.msg);
    return ds;
}

int cli_print_test(FILE *out, const bp_net *net, const bp_dataset *ds)
{
    bp_error err;
    double *p = malloc(ds->n * ds->n_out * sizeof *p);
    if (!p)
        return cli_error(EXIT_RUNTIME, "out of memory for predictions");
    double accuracy;
    bp_status st = bp_predict(net, ds->x, ds->n, p, &err);
    if (!st)
        st = bp_evaluate(net, ds, NULL, &accuracy, &err);
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
