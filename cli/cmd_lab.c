/* cmd_lab.c - backprop lab: the seed report's experiments. */
#include <stdio.h>

#include "cli.h"

static const char summary[] =
    "Runs the seed report's two experiments with its method (--preset seed):\n"
    "linear data, then XOR data, printing each run's log, predictions and\n"
    "accuracy as the report does.";

int cmd_lab(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    cli_preset_seed(&cfg);
    int rc = cli_parse(argc, argv, CMD_LAB, summary, &cfg);
    if (rc >= 0)
        return rc;
    static const char *const sets[] = {"linear", "xor"};
    static const char *const titles[] = {"Linear data", "XOR data"};
    for (int k = 0; k < 2; k++) {
        cfg.data = sets[k];
        printf("%s## %s (backprop train --preset seed --data %s --seed %llu)\n\n",
               k ? "\n" : "", titles[k], sets[k],
               (unsigned long long)cfg.seed);
        bp_dataset *ds = cli_dataset(&cfg);
        if (!ds)
            return EXIT_USAGE;
        rc = cli_run_training(&cfg, ds, stdout, NULL);
        bp_dataset_free(ds);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}
