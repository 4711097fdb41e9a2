/* cmd_test.c - backprop test: a saved model on a data set. */
#include "cli.h"
#include "data.h"
#include "metrics.h"

static const char summary[] =
    "Loads --model FILE and tests it on --data.  On the seed's linear and\n"
    "XOR sets it prints the predictions and accuracy as the report does; on\n"
    "a CSV or IDX file (fashion-mnist: its 10 000 test images) it prints\n"
    "the accuracy, a confusion matrix and each class's precision and recall\n"
    "(RMSE and MAE for a regression model), with the model's class names and\n"
    "standardisation applied.";

int cmd_test(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    int rc = cli_isa_from_env(&cfg);
    if (rc >= 0 || (rc = cli_parse(argc, argv, CMD_TEST, summary, &cfg)) >= 0)
        return rc;
    if ((rc = cli_check_isa(&cfg)) != EXIT_OK)
        return rc;
    if (!cfg.model)
        return cli_error(EXIT_USAGE, "backprop test needs --model FILE");
    if ((rc = cli_check_data_options(&cfg)) != EXIT_OK)
        return rc;
    bp_error err;
    bp_model_extra extra;
    bp_net *net = bp_model_load_extra(cfg.model, &extra, &err);
    if (!net)
        return cli_error(EXIT_USAGE, "%s", err.msg);
    cli_data d;
    rc = cli_load_for_model(&cfg, net, &extra, &d, 0);
    if (rc == EXIT_OK && d.generated)
        rc = cli_print_test(stdout, net, d.train, cli_eval_opts(&cfg));
    else if (rc == EXIT_OK)
        rc = print_metrics(stdout, "test", net, d.train, &extra, 1,
                           cli_eval_opts(&cfg));
    cli_data_free(&d);
    bp_model_extra_free(&extra);
    bp_net_free(net);
    return rc;
}
