/* cmd_lab.c - backprop lab: the seed report, regenerated. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "figures.h"
#include "lab.h"

static const char summary[] =
    "Runs every experiment of the seed report over many seeds, both cores\n"
    "busy, and writes the report: DIR/REPORT.md (the seed's sections with\n"
    "figures, tables and findings computed by this run), DIR/summary.csv\n"
    "(one row per training), DIR/figures/ and DIR/logs/.  The seed's own two\n"
    "experiments are printed on stdout as the report prints them.  The base\n"
    "configuration is the seed's method (--preset seed); the network and\n"
    "training options change it.  Output does not depend on --threads.\n"
    "\n"
    "--extra cnn adds section 5C: an MLP (hidden 256,128 relu) against a\n"
    "CNN (conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,dense:128,relu)\n"
    "on Fashion-MNIST, --cnn-epochs epochs each on --threads threads (about\n"
    "a minute on 2; its numbers depend on the thread count), with learning\n"
    "curves, a table, the CNN's first-layer filters and misclassified test\n"
    "images.  It needs Debian's dataset-fashion-mnist; without it the lab\n"
    "exits 2 before training.  --cnn-limit N trains and tests on the first N\n"
    "images of each set (a quick check).";

/* "linear,xor" into names; returns the count or -1 on a bad name. */
static int parse_sets(const char *list, const char *names[2])
{
    int n = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *name = len == 6 && !strncmp(p, "linear", 6) ? "linear"
                           : len == 3 && !strncmp(p, "xor", 3)  ? "xor"
                                                                 : NULL;
        if (!name || n == 2 || (n == 1 && names[0] == name))
            return -1;
        names[n++] = name;
        p += len;
        if (*p == ',' && *++p == '\0')
            return -1;
    }
    return n ? n : -1;
}

int cmd_lab(int argc, char **argv)
{
    lab_state lab;
    memset(&lab, 0, sizeof lab);
    cli_defaults(&lab.base);
    cli_preset_seed(&lab.base);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    lab.base.threads = cpus > 0 ? (size_t)cpus : 1;
    lab.base.cnn_epochs = 3;
    int rc = cli_parse(argc, argv, CMD_LAB, summary, &lab.base);
    if (rc >= 0)
        return rc;
    if ((rc = lab_extra_parse(&lab)) != EXIT_OK ||
        (lab.cnn.on && (rc = lab_cnn_check()) != EXIT_OK))
        return rc;
    lab.n_data = parse_sets(lab.base.data_list, lab.data);
    if (lab.n_data < 0)
        return cli_error(EXIT_USAGE,
                         "option --data: expects linear, xor or linear,xor; "
                         "got '%s'", lab.base.data_list);
    if (lab.base.init == BP_INIT_NUMPY &&
        lab.base.seed + lab.base.seeds - 1 > UINT32_MAX)
        return cli_error(EXIT_USAGE, "option --seed: numpy's seeds end at "
                                     "4294967295");
    if ((rc = lab_check_folder(lab.base.out_dir, lab.base.force)) != EXIT_OK)
        return rc;
    /* an unwritable folder is found before the runs, not after them */
    bp_error err;
    if (make_folder(lab.base.out_dir, &err) ||
        check_writable(lab.base.out_dir, 1, &err))
        return cli_error(EXIT_USAGE, "option --out: %s", err.msg);

    /* The seed's own experiments first, on stdout, as the report shows
     * them; then every comparison over all seeds. */
    for (int d = 0; d < lab.n_data; d++) {
        cli_config cfg = lab.base;
        cfg.data = lab.data[d];
        cfg.data_seed = cfg.seed;
        printf("%s## %s data (backprop train --preset seed --data %s "
               "--seed %llu --data-seed %llu)\n\n",
               d ? "\n" : "", strcmp(cfg.data, "xor") ? "Linear" : "XOR",
               cfg.data, (unsigned long long)cfg.seed,
               (unsigned long long)cfg.data_seed);
        bp_dataset *ds = cli_dataset(&cfg);
        if (!ds)
            return EXIT_USAGE;
        rc = cli_run_training(&cfg, ds, NULL, stdout, NULL, NULL);
        bp_dataset_free(ds);
        if (rc != EXIT_OK)
            return rc;
    }
    fflush(stdout);
    if ((rc = lab_run_all(&lab, lab.base.threads)) == EXIT_OK && lab.cnn.on)
        rc = lab_cnn_run(&lab);
    if (rc == EXIT_OK)
        rc = lab_write_report(&lab);
    if (rc == EXIT_OK)
        fprintf(stderr, "backprop lab: %zu trainings in %.2f s on %zu "
                        "threads; report in %s/REPORT.md\n",
                lab.n_runs, lab.seconds, lab.base.threads, lab.base.out_dir);
    lab_free(&lab);
    return rc;
}
