/*
 * fuzz_args.c - libFuzzer harness for the command-line parser.
 *
 * The first byte of the input picks the subcommand (train, test, predict,
 * gradcheck, lab, trace); the rest is split on NUL bytes into its
 * arguments, so that "--hidden\0" "10,10\0" "--lr=0.5" becomes
 *   argv = {"train", "--hidden", "10,10", "--lr=0.5", NULL}.
 * cli_parse (cli/options.c, linked in as it is) parses them into a fresh
 * cli_config from cli_defaults.  It must never crash, and what it accepts
 * must be within the documented bounds; anything else calls abort().
 * cli_parse resets getopt's optind itself, as the command relies on.
 *
 * Help and error text goes to stdout/stderr: run with -close_fd_mask=3
 * (mk/fuzz.mk does) to keep the log readable.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *name;
    unsigned mask;
} commands[] = {
    {"train", CMD_TRAIN},         {"test", CMD_TEST},
    {"predict", CMD_PREDICT},     {"gradcheck", CMD_GRADCHECK},
    {"lab", CMD_LAB},           {"trace", CMD_TRACE},
};

#define MAX_ARGS 64

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_args: accepted a bad value: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t which = data[0] % (sizeof commands / sizeof commands[0]);
    /* A private, NUL-terminated copy: getopt_long permutes argv and the
     * parser keeps pointers into the strings. */
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)commands[which].name;
    if (size > 1) {
        char *p = text, *end = text + size - 1;
        while (argc <= MAX_ARGS && p < end) {
            argv[argc++] = p;
            p += strlen(p) + 1;
        }
    }
    argv[argc] = NULL;

    cli_config cfg;
    cli_defaults(&cfg);
    int rc = cli_parse(argc, argv, commands[which].mask, "fuzz", &cfg);
    if (rc != -1 && rc != EXIT_OK && rc != EXIT_USAGE) {
        fprintf(stderr, "fuzz_args: cli_parse returned %d\n", rc);
        abort();
    }
    if (rc == -1) {
        /* Accepted: what the options documented in the README promise.
         * Enumerations are checked by a round trip through the library's
         * own names, so that a new activation or optimizer needs no change
         * here. */
        check(cfg.data && *cfg.data, "--data");
        check(cfg.n >= 1 && cfg.n <= MAX_SAMPLES, "--n");
        check(cfg.n_hidden >= 1 && cfg.n_hidden <= BP_MAX_LAYERS - 1,
              "--hidden count");
        for (int k = 0; k < cfg.n_hidden; k++)
            check(cfg.hidden[k] >= 1 && cfg.hidden[k] <= BP_MAX_WIDTH,
                  "--hidden width");
        const char *name;
        bp_activation act;
        name = bp_activation_name(cfg.activation);
        check(name && !bp_activation_parse(name, &act) &&
              act == cfg.activation, "--activation");
        bp_loss loss;
        name = bp_loss_name(cfg.loss);
        check(name && !bp_loss_parse(name, &loss) && loss == cfg.loss,
              "--loss");
        bp_init init;
        name = bp_init_name(cfg.init);
        check(name && !bp_init_parse(name, &init) && init == cfg.init,
              "--init");
        bp_optimizer opt;
        name = bp_optimizer_name(cfg.optimizer);
        check(name && !bp_optimizer_parse(name, &opt) &&
              opt == cfg.optimizer, "--optimizer");
        check(cfg.bias == 0 || cfg.bias == 1, "--bias");
        check(cfg.momentum >= 0 && cfg.momentum < 1, "--momentum");
        check(cfg.lr > 0 && isfinite(cfg.lr), "--lr");
        check(cfg.epochs <= MAX_EPOCHS, "--epochs");   /* 0: auto */
        bp_dtype dt;
        name = bp_dtype_name(cfg.dtype);
        check(name && !bp_dtype_parse(name, &dt) && dt == cfg.dtype,
              "--dtype");
        check(cfg.train_threads >= 1 && cfg.train_threads <= BP_MAX_THREADS,
              "--threads");
        check(cfg.log_every <= MAX_EPOCHS, "--log-every");  /* 0: auto */
        check(cfg.h > 0 && isfinite(cfg.h), "--h");
        check(cfg.tolerance > 0 && isfinite(cfg.tolerance), "--tolerance");
        check(!cfg.model || *cfg.model, "--model");
        check(!cfg.input || *cfg.input, "--input");
        /* The architecture it asks for passes the library's check, except
         * for the parameter budget, which bp_net_new reports itself. */
        bp_arch a;
        memset(&a, 0, sizeof a);
        a.n_layers = cfg.n_hidden + 1;
        a.sizes[0] = 2;
        for (int k = 0; k < cfg.n_hidden; k++)
            a.sizes[k + 1] = cfg.hidden[k];
        a.sizes[a.n_layers] = 1;
        a.hidden = cfg.activation;
        a.bias = cfg.bias;
        a.loss = cfg.loss;
        bp_error err;
        if (bp_arch_check(&a, &err) != BP_OK &&
            strstr(err.msg, "parameters") == NULL) {
            fprintf(stderr, "fuzz_args: accepted architecture refused: %s\n",
                    err.msg);
            abort();
        }
    }
    free(text);
    return 0;
}
