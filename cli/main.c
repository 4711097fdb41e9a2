/* main.c - backprop: the command-line front door. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *what;
} command;

static const command commands[] = {
    {"train", cmd_train, "train a network and test it on its training set"},
    {"test", cmd_test, "test a saved model on a data set"},
    {"predict", cmd_predict, "outputs of a saved model for rows of inputs"},
    {"gradcheck", cmd_gradcheck, "back-propagation against finite differences"},
    {"trace", cmd_trace, "one sample through the network, every quantity"},
    {"plot", cmd_plot, "overlay learning curves from history files"},
    {"lab", cmd_lab, "the seed report's experiments"},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: backprop COMMAND [options]\n\n"
            "A neural-network trainer with hand-written back-propagation.\n\n"
            "commands:\n");
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        fprintf(out, "  %-10s %s\n", commands[k].name, commands[k].what);
    fprintf(out,
            "\n'backprop COMMAND --help' lists a command's options and their "
            "defaults.\n"
            "Exit status: 0 success, 1 runtime failure (e.g. training "
            "diverged),\n2 bad usage or input.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("backprop %s\n", BP_VERSION);
        return EXIT_OK;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(cmd, commands[k].name) == 0)
            return commands[k].run(argc - 1, argv + 1);
    return cli_error(EXIT_USAGE, "unknown command '%s' (see backprop --help)",
                     cmd);
}
