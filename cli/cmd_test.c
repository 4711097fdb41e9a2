/* cmd_test.c - backprop test: a saved model on a data set. */
#include "cli.h"

static const char summary[] =
    "Loads --model FILE and prints its predictions and accuracy on a data\n"
    "set, as the seed report's testing step does.";

int cmd_test(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    int rc = cli_parse(argc, argv, CMD_TEST, summary, &cfg);
    if (rc >= 0)
        return rc;
    if (!cfg.model)
        return cli_error(EXIT_USAGE, "backprop test needs --model FILE");
    bp_error err;
    bp_net *net = bp_model_load(cfg.model, &err);
    if (!net)
        return cli_error(EXIT_USAGE, "%s", err.msg);
    const bp_arch *a = bp_net_arch(net);
    bp_dataset *ds = cli_dataset(&cfg);
    if (!ds) {
        bp_net_free(net);
        return EXIT_USAGE;
    }
    if (a->sizes[0] != ds->n_in || a->sizes[a->n_layers] != ds->n_out)
        rc = cli_error(EXIT_USAGE,
                       "%s takes %zu inputs and gives %zu outputs; the %s data "
                       "has %zu and %zu", cfg.model, a->sizes[0],
                       a->sizes[a->n_layers], cfg.data, ds->n_in, ds->n_out);
    else
        rc = cli_print_test(stdout, net, ds);
    bp_dataset_free(ds);
    bp_net_free(net);
    return rc;
}
