/* main.c - backprop: the command-line front door. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"

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

/* Set when the caller closed stdout (`>&-`). */
static int stdout_closed;

/*
 * A standard stream the caller closed (`>&-`) is given a read-only
 * /dev/null: the descriptor is taken, so that no file the command opens
 * (a model, a history) becomes its stdout or stderr by accident, and every
 * write to it still fails (EBADF), which close_stdout reports.
 */
static void reserve_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        if (fd == STDOUT_FILENO)
            stdout_closed = 1;
        int got = open("/dev/null", O_RDONLY);
        if (got >= 0 && got != fd)
            close(got);
    }
}

/*
 * Everything a command printed is checked once, here, as coreutils'
 * close_stdout does: a write that failed on the way (ferror), the last
 * flush and the close.  A full disk or a closed stdout then ends with exit
 * status 1 and one message, never with status 0 and the output lost.
 */
static int close_stdout(int rc)
{
    errno = 0;
    int failed = fflush(stdout) != 0;
    int why = failed ? errno : 0;
    failed |= ferror(stdout) != 0;
    errno = 0;
    if (fclose(stdout) != 0 && !failed) {
        failed = 1;
        why = errno;
    }
    if (!failed)
        return rc;
    if (stdout_closed)
        cli_error(EXIT_RUNTIME, "cannot write to standard output: it is "
                                "closed");
    else if (why)
        cli_error(EXIT_RUNTIME, "cannot write to standard output: %s",
                  strerror(why));
    else
        cli_error(EXIT_RUNTIME, "cannot write to standard output: a write "
                                "failed, output is lost");
    return rc == EXIT_OK ? EXIT_RUNTIME : rc;
}

static int run(int argc, char **argv)
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
    char text[48];
    return cli_error(EXIT_USAGE, "unknown command '%s' (see backprop --help)",
                     bp_excerpt(text, cmd));
}

int main(int argc, char **argv)
{
    reserve_std_fds();
    /* stdout is line-buffered even into a pipe or a file, so that a note
     * or an error on stderr lands after the stdout lines printed before
     * it, not between them (or before all of them) when both streams go
     * to one place */
    setvbuf(stdout, NULL, _IOLBF, 0);
    return close_stdout(run(argc, argv));
}
