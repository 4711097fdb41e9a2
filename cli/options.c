/*
 * options.c - one table of options for every subcommand.
 *
 * Each option names its field in cli_config, its kind and its bounds, so
 * that parsing, validation, error messages and the --help text (with the
 * default read from the same field) come from one place.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "core/error.h"

typedef enum {
    OPT_FLAG,        /* int field set to 1          */
    OPT_UNSET,       /* int field set to 0          */
    OPT_REAL,        /* double in [min, max]        */
    OPT_COUNT,       /* size_t in [min, max]        */
    OPT_SEED,        /* uint64_t, any               */
    OPT_STRING,      /* const char *                */
    OPT_HIDDEN,      /* comma-separated widths      */
    OPT_LAYERS,      /* the --layers grammar        */
    OPT_SHAPE,       /* bp_shape, CxHxW             */
    OPT_ACTIVATION,
    OPT_LOSS,
    OPT_OPTIMIZER,
    OPT_INIT,
    OPT_DTYPE,
    OPT_ISA,
    OPT_DATA,
    OPT_PRESET,
    OPT_CHOICE,      /* const char *, one of a list */
    OPT_CHAR,        /* const char *, one character */
    OPT_HELP
} opt_kind;

typedef struct {
    const char *name;
    opt_kind kind;
    size_t offset;
    unsigned cmds;
    const char *metavar;
    const char *help;
    double min, max;     /* bounds of OPT_REAL and OPT_COUNT; for reals a
                            bound is exclusive when min_open/max_open */
    int min_open, max_open;
} cli_option;

#define F(field) offsetof(cli_config, field)
#define ALL (CMD_TRAIN | CMD_TEST | CMD_PREDICT | CMD_GRADCHECK | CMD_LAB | \
             CMD_TRACE)
#define NET (CMD_TRAIN | CMD_GRADCHECK | CMD_LAB | CMD_TRACE)
#define DATA (CMD_TRAIN | CMD_TEST | CMD_GRADCHECK | CMD_TRACE)

static const cli_option options[] = {
    {"preset", OPT_PRESET, 0, CMD_TRAIN | CMD_GRADCHECK | CMD_TRACE, "NAME",
     "seed: the report's method exactly (no bias, normal init)", 0, 0, 0, 0},
    {"data", OPT_DATA, F(data), CMD_TRAIN | CMD_TEST, "NAME",
     "linear | xor | fashion-mnist | a CSV file | an IDX image file",
     0, 0, 0, 0},
    {"data", OPT_DATA, F(data), CMD_GRADCHECK, "NAME",
     "linear | xor | fashion-mnist | a CSV file | an IDX image file",
     0, 0, 0, 0},
    {"data", OPT_DATA, F(data), CMD_TRACE, "NAME",
     "linear | xor; with --model also a CSV or IDX file", 0, 0, 0, 0},
    {"data", OPT_STRING, F(data_list), CMD_LAB, "LIST",
     "data sets, comma-separated: linear, xor", 0, 0, 0, 0},
    {"labels", OPT_STRING, F(labels), CMD_TRAIN | CMD_TEST | CMD_GRADCHECK,
     "FILE",
     "IDX label file, when --data names an IDX image file", 0, 0, 0, 0},
    {"test", OPT_STRING, F(test_path), CMD_TRAIN, "FILE",
     "held-out data (same columns as --data)", 0, 0, 0, 0},
    {"test-labels", OPT_STRING, F(test_labels), CMD_TRAIN, "FILE",
     "IDX label file of --test", 0, 0, 0, 0},
    {"split", OPT_REAL, F(split), CMD_TRAIN, "F",
     "hold out this fraction of --data as the test set", 0, 1, 1, 1},
    {"split-seed", OPT_SEED, F(split_seed), CMD_TRAIN, "S",
     "seed of the --split shuffle", 0, 0, 0, 0},
    {"header", OPT_CHOICE, F(header), CMD_GRADCHECK, "WHEN",
     "CSV header row: auto | yes | no", 0, 0, 0, 0},
    {"delimiter", OPT_CHAR, F(delimiter), CMD_GRADCHECK, "C",
     "CSV field separator, \\t for tab (default: the most frequent of , tab "
     "; on the first line)", 0, 0, 0, 0},
    {"label", OPT_STRING, F(label), CMD_GRADCHECK, "COL",
     "CSV label column: a header name or a 0-based index (default: the "
     "last)", 0, 0, 0, 0},
    {"header", OPT_CHOICE, F(header), CMD_TRAIN | CMD_TEST | CMD_PREDICT,
     "WHEN", "CSV header row: auto | yes | no (test: the model's)",
     0, 0, 0, 0},
    {"delimiter", OPT_CHAR, F(delimiter), CMD_TRAIN | CMD_TEST | CMD_PREDICT,
     "C", "CSV field separator, \\t for tab (default: the model's, or the "
     "most frequent of , tab ; on the first line)", 0, 0, 0, 0},
    {"label", OPT_STRING, F(label), CMD_TRAIN | CMD_TEST | CMD_PREDICT,
     "COL", "CSV label column: a header name or a 0-based index (default: "
     "the model's, or the last)", 0, 0, 0, 0},
    {"task", OPT_CHOICE, F(task), CMD_TRAIN, "KIND",
     "classification | regression (default: regression when the labels "
     "are numbers that are not all whole, or too many classes for the "
     "rows)", 0, 0, 0, 0},
    {"no-standardize", OPT_UNSET, F(standardize), CMD_TRAIN, NULL,
     "keep file features and a regression target as they are (default: "
     "scale to mean 0, std 1)", 0, 0, 0, 0},
    {"val-split", OPT_REAL, F(val_split), CMD_TRAIN, "F",
     "hold out this fraction of the training rows for validation, "
     "evaluated every epoch", 0, 1, 1, 1},
    {"patience", OPT_COUNT, F(patience), CMD_TRAIN, "K",
     "stop when the validation loss has not improved for K epochs, keeping "
     "the best weights (0: never)", 0, MAX_EPOCHS, 0, 0},
    {"tol", OPT_REAL, F(tol), CMD_TRAIN, "T",
     "stopping rule: the loss must improve by more than T to count",
     0, 1e6, 0, 0},
    {"n-iter-no-change", OPT_COUNT, F(n_iter_no_change), CMD_TRAIN, "K",
     "stopping rule: stop when the loss has not improved by --tol for more "
     "than K epochs in a row; on for files unless --epochs is given, on "
     "anywhere with --tol or this option (0: off)", 0, MAX_EPOCHS, 0, 0},
    {"resume", OPT_STRING, F(resume), CMD_TRAIN, "MODEL",
     "continue training a saved model for --epochs more epochs (its "
     "optimizer state too, when saved with --save-state)", 0, 0, 0, 0},
    {"save-state", OPT_FLAG, F(save_state), CMD_TRAIN, NULL,
     "save the optimizer state with --model, for --resume", 0, 0, 0, 0},
    {"limit", OPT_COUNT, F(limit), CMD_TRAIN, "N",
     "use only the first N rows of the training and test files (0: all)",
     0, MAX_SAMPLES, 0, 0},
    {"limit", OPT_COUNT, F(limit), CMD_TEST, "N",
     "test on the first N rows of a CSV or IDX --data only (0: all; linear "
     "and xor are tested whole)", 0, MAX_SAMPLES, 0, 0},
    {"limit", OPT_COUNT, F(limit), CMD_GRADCHECK, "N",
     "check on the first N rows of a CSV or IDX --data (0: all; linear and "
     "xor are used whole)", 0, MAX_SAMPLES, 0, 0},
    {"batch", OPT_COUNT, F(batch), CMD_TRAIN, "N",
     "samples per step; auto (0): full batch for linear/xor, min(200, rows) "
     "for files",
     0, MAX_SAMPLES, 0, 0},
    {"weight-decay", OPT_REAL, F(weight_decay), CMD_TRAIN, "L",
     "L2 penalty on the weights (files: 1e-4/batch, 2e-4/batch for a "
     "regression)", 0, 1, 0, 0},
    {"beta1", OPT_REAL, F(beta1), CMD_TRAIN, "B", "Adam's first-moment decay",
     0, 1, 1, 1},
    {"beta2", OPT_REAL, F(beta2), CMD_TRAIN, "B",
     "Adam's second-moment decay", 0, 1, 1, 1},
    {"rho", OPT_REAL, F(rho), CMD_TRAIN, "R", "RMSprop's decay", 0, 1, 1, 1},
    {"eps", OPT_REAL, F(eps), CMD_TRAIN, "E", "RMSprop's and Adam's epsilon",
     0, 1, 1, 0},
    {"n", OPT_COUNT, F(n), DATA | CMD_LAB, "N", "points of the linear data set",
     1, MAX_SAMPLES, 0, 0},
    {"data-seed", OPT_SEED, F(data_seed), DATA, "S",
     "seed of the linear points (numpy's RandomState(S).uniform)", 0, 0, 0, 0},
    {"hidden", OPT_HIDDEN, 0, CMD_TRAIN | CMD_LAB | CMD_TRACE, "LIST",
     "hidden layer widths, comma-separated (files: 100)", 0, 0, 0, 0},
    {"hidden", OPT_HIDDEN, 0, CMD_GRADCHECK, "LIST",
     "hidden layer widths, comma-separated", 0, 0, 0, 0},
    {"activation", OPT_ACTIVATION, F(activation),
     CMD_TRAIN | CMD_LAB | CMD_TRACE, "NAME",
     "hidden activation: {} (files: relu)", 0, 0, 0, 0},
    {"activation", OPT_ACTIVATION, F(activation), CMD_GRADCHECK, "NAME",
     "hidden activation: {}", 0, 0, 0, 0},
    {"layers", OPT_LAYERS, F(layers), CMD_TRAIN | CMD_GRADCHECK | CMD_TRACE, "LIST",
     "the hidden layers instead of --hidden and --activation: items "
     "conv:FILTERS:K[:sS][:valid], maxpool:K, avgpool:K, dense:UNITS, "
     "dropout:RATE, each conv or dense followed by its activation (relu, "
     "tanh, sigmoid or none; none when left out), comma-separated; the "
     "output layer comes from the data.  A CNN: conv:32:3,relu,maxpool:2,"
     "conv:64:3,relu,maxpool:2,dense:128,relu", 0, 0, 0, 0},
    {"input-shape", OPT_SHAPE, F(input_shape), CMD_TRAIN | CMD_GRADCHECK | CMD_TRACE,
     "CxHxW", "a sample's channels x height x width for --layers, like "
     "3x32x32; its product is the number of features (default: an IDX "
     "file's 1xROWSxCOLUMNS; other data flat, FEATURESx1x1)", 0, 0, 0, 0},
    {"loss", OPT_LOSS, F(loss), NET, "NAME", "loss: bce | mse", 0, 0, 0, 0},
    {"bias", OPT_FLAG, F(bias), NET, NULL, "give every layer a bias",
     0, 0, 0, 0},
    {"no-bias", OPT_UNSET, F(bias), NET, NULL,
     "no biases (the seed's network)", 0, 0, 0, 0},
    {"init", OPT_INIT, F(init), CMD_TRAIN, "NAME",
     "initial weights: {} (files: xavier)",
     0, 0, 0, 0},
    {"init", OPT_INIT, F(init), CMD_GRADCHECK, "NAME",
     "initial weights: {} (files: xavier)", 0, 0, 0, 0},
    {"init", OPT_INIT, F(init), CMD_LAB | CMD_TRACE, "NAME",
     "initial weights: {}", 0, 0, 0, 0},
    {"seed", OPT_SEED, F(seed), NET, "S", "seed of the initial weights",
     0, 0, 0, 0},
    {"optimizer", OPT_OPTIMIZER, F(optimizer), CMD_TRAIN | CMD_LAB, "NAME",
     "{} (files: adam)", 0, 0, 0, 0},
    {"momentum", OPT_REAL, F(momentum), CMD_TRAIN | CMD_LAB, "MU",
     "momentum coefficient, in [0, 1)", 0, 1, 0, 1},
    {"lr", OPT_REAL, F(lr), CMD_TRAIN | CMD_LAB, "LR",
     "learning rate, > 0 (files: 0.001)", 0, 1e6, 1, 0},
    {"out", OPT_STRING, F(out_dir), CMD_LAB, "DIR",
     "the report folder", 0, 0, 0, 0},
    {"seeds", OPT_COUNT, F(seeds), CMD_LAB, "N",
     "seeds per experiment: --seed S to S+N-1 (--seed 5 --seeds 2 runs "
     "seeds 5 and 6)", 1, 1000, 0, 0},
    {"dtype", OPT_DTYPE, F(dtype), CMD_TRAIN, "TYPE",
     "arithmetic of training: {} (float: about twice as fast)",
     0, 0, 0, 0},
    {"isa", OPT_ISA, F(isa),
     CMD_TRAIN | CMD_TEST | CMD_PREDICT | CMD_GRADCHECK | CMD_TRACE, "SET",
     "kernels' instruction set: {}; naive runs the reference kernels (for "
     "debugging), auto the widest this CPU runs; the environment variable "
     "BP_ISA sets it too", 0, 0, 0, 0},
    {"threads", OPT_COUNT, F(train_threads), CMD_TRAIN, "T",
     "threads sharing each batch (a run repeats exactly for a given T)",
     1, BP_MAX_THREADS, 0, 0},
    {"threads", OPT_COUNT, F(threads), CMD_LAB, "T",
     "worker threads, each running whole trainings (the results do not "
     "depend on it; default: one per CPU); with --extra cnn also the "
     "threads of each of 5C's trainings, whose numbers do depend on it",
     1, 256, 0, 0},
    {"force", OPT_FLAG, F(force), CMD_LAB, NULL,
     "write into a folder that holds files not written by backprop lab",
     0, 0, 0, 0},
    {"extra", OPT_STRING, F(extra), CMD_LAB, "LIST",
     "extra sections, comma-separated: cnn (5C. Convolution: an MLP and "
     "the anchor CNN trained on Fashion-MNIST, about a minute on 2 "
     "threads; off by default)", 0, 0, 0, 0},
    {"cnn-epochs", OPT_COUNT, F(cnn_epochs), CMD_LAB, "E",
     "with --extra cnn: epochs of each of 5C's two trainings",
     1, 1000, 0, 0},
    {"cnn-limit", OPT_COUNT, F(cnn_limit), CMD_LAB, "N",
     "with --extra cnn: train on the first N Fashion-MNIST training images "
     "and test on the first N test images (0: all)", 0, MAX_SAMPLES, 0, 0},
    {"sample", OPT_COUNT, F(sample), CMD_TRACE, "K",
     "the sample to trace (0-based)", 0, MAX_SAMPLES, 0, 0},
    {"markdown", OPT_FLAG, F(markdown), CMD_TRACE, NULL,
     "print Markdown tables", 0, 0, 0, 0},
    {"full", OPT_FLAG, F(full), CMD_TRACE, NULL,
     "print every row of every table (default: the first 10 of a long one)",
     0, 0, 0, 0},
    {"model", OPT_STRING, F(model), CMD_TRACE, "FILE",
     "trace this saved network (then --data may be any data it takes: "
     "linear, xor, a CSV or IDX file, standardised as the model says)",
     0, 0, 0, 0},
    {"label", OPT_STRING, F(label), CMD_TRACE, "COL",
     "with --model and a CSV --data: the label column", 0, 0, 0, 0},
    {"delimiter", OPT_CHAR, F(delimiter), CMD_TRACE, "C",
     "with --model and a CSV --data: the field separator", 0, 0, 0, 0},
    {"header", OPT_CHOICE, F(header), CMD_TRACE, "WHEN",
     "with --model and a CSV --data: auto | yes | no", 0, 0, 0, 0},
    {"labels", OPT_STRING, F(labels), CMD_TRACE, "FILE",
     "with --model and an IDX --data: its label file", 0, 0, 0, 0},
    {"optimizer", OPT_OPTIMIZER, F(optimizer), CMD_TRACE, "NAME",
     "the optimizer whose first step (from zero state) is shown: sgd | "
     "momentum | nesterov | rmsprop | adam", 0, 0, 0, 0},
    {"lr", OPT_REAL, F(lr), CMD_TRACE, "LR", "its learning rate, > 0", 0, 1e6,
     1, 0},
    {"momentum", OPT_REAL, F(momentum), CMD_TRACE, "MU",
     "momentum and nesterov's coefficient, in [0, 1)", 0, 1, 0, 1},
    {"beta1", OPT_REAL, F(beta1), CMD_TRACE, "B", "Adam's first-moment decay",
     0, 1, 1, 1},
    {"beta2", OPT_REAL, F(beta2), CMD_TRACE, "B",
     "Adam's second-moment decay", 0, 1, 1, 1},
    {"rho", OPT_REAL, F(rho), CMD_TRACE, "R", "RMSprop's decay", 0, 1, 1, 1},
    {"eps", OPT_REAL, F(eps), CMD_TRACE, "E", "RMSprop's and Adam's epsilon",
     0, 1, 1, 0},
    {"epochs", OPT_COUNT, F(epochs), CMD_TRAIN, "E",
     "training epochs; auto (0): 5000 for linear/xor; for files at most 200, "
     "ended by the stopping rule", 0, MAX_EPOCHS, 0, 0},
    {"epochs", OPT_COUNT, F(epochs), CMD_LAB, "E",
     "training epochs of every run", 1, MAX_EPOCHS, 0, 0},
    {"log-every", OPT_COUNT, F(log_every), CMD_TRAIN, "K",
     "print the loss every K epochs; auto (0): 100 for linear/xor, about 20 "
     "lines for files",
     0, MAX_EPOCHS, 0, 0},
    {"log-every", OPT_COUNT, F(log_every), CMD_LAB, "K",
     "print the loss of the seed's two runs on stdout every K epochs; "
     "auto (0): 100", 0, MAX_EPOCHS, 0, 0},
    {"quiet", OPT_FLAG, F(quiet), CMD_TRAIN | CMD_LAB, NULL,
     "no epoch lines (and no progress bar)", 0, 0, 0, 0},
    {"timing", OPT_FLAG, F(timing), CMD_TRAIN, NULL,
     "print the training time on stderr", 0, 0, 0, 0},
    {"model", OPT_STRING, F(model), CMD_TRAIN, "FILE",
     "save the trained network (and the file data's standardisation and "
     "class names) to FILE", 0, 0, 0, 0},
    {"model", OPT_STRING, F(model), CMD_TEST, "FILE",
     "the model to test, as saved by backprop train --model (required)",
     0, 0, 0, 0},
    {"model", OPT_STRING, F(model), CMD_PREDICT, "FILE",
     "the model to run, as saved by backprop train --model (required)",
     0, 0, 0, 0},
    {"plot", OPT_STRING, F(plot_dir), CMD_TRAIN, "DIR",
     "write comparison, learning-curve and decision-boundary PNGs into DIR",
     0, 0, 0, 0},
    {"history", OPT_STRING, F(history_path), CMD_TRAIN, "FILE",
     "write epoch,loss,accuracy of every epoch as CSV", 0, 0, 0, 0},
    {"log-y", OPT_FLAG, F(log_y), CMD_TRAIN, NULL,
     "logarithmic loss axis in the learning curve", 0, 0, 0, 0},
    {"input", OPT_STRING, F(input), CMD_PREDICT, "FILE",
     "a CSV/TSV file as train reads it, with or without the label column "
     "(default: stdin, one row of features a line)", 0, 0, 0, 0},
    {"proba", OPT_FLAG, F(proba), CMD_PREDICT, NULL,
     "print each class's probability, under a header naming the classes",
     0, 0, 0, 0},
    {"h", OPT_REAL, F(h), CMD_GRADCHECK | CMD_TRACE, "H",
     "finite-difference step", 0, 1, 1, 1},
    {"tolerance", OPT_REAL, F(tolerance), CMD_GRADCHECK | CMD_TRACE, "T",
     "largest relative error accepted", 0, 1, 1, 0},
    {"help", OPT_HELP, 0, ALL, NULL, "show this help and exit", 0, 0, 0, 0},
};

#define N_OPTIONS (sizeof options / sizeof options[0])
_Static_assert(N_OPTIONS <= CLI_MAX_OPTIONS,
               "cli_config.given has a bit for every option row");

void cli_defaults(cli_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->data = "linear";
    cfg->n = 100;
    cfg->data_seed = 1;
    cfg->hidden[0] = cfg->hidden[1] = 10;
    cfg->n_hidden = 2;
    cfg->activation = BP_ACT_SIGMOID;
    cfg->loss = BP_LOSS_BCE;
    cfg->bias = 1;
    cfg->init = BP_INIT_NORMAL;
    cfg->seed = 1;
    cfg->optimizer = BP_OPT_MOMENTUM;
    cfg->momentum = 0.9;
    cfg->lr = 0.1;
    cfg->epochs = 0;              /* train: chosen from the data */
    cfg->log_every = 0;
    cfg->h = 1e-5;
    cfg->out_dir = "lab-report";
    cfg->seeds = 10;
    cfg->data_list = "linear,xor";
    cfg->header = "auto";
    cfg->delimiter = NULL;        /* detected, or the model's */
    cfg->task = NULL;             /* detected from the labels */
    cfg->standardize = 1;
    cfg->beta1 = 0.9;
    cfg->beta2 = 0.999;
    cfg->rho = 0.99;
    cfg->eps = 1e-8;
    cfg->threads = 2;
    cfg->train_threads = 1;
    cfg->tolerance = 1e-6;
    cfg->tol = 1e-4;
    cfg->n_iter_no_change = 10;
}

int cli_given(const cli_config *cfg, const char *name)
{
    for (size_t k = 0; k < N_OPTIONS; k++)
        if (strcmp(options[k].name, name) == 0 &&
            (cfg->given[k / 64] >> (k % 64) & 1))
            return 1;
    return 0;
}

void cli_preset_seed(cli_config *cfg)
{
    cfg->hidden[0] = cfg->hidden[1] = 10;
    cfg->n_hidden = 2;
    cfg->activation = BP_ACT_SIGMOID;
    cfg->loss = BP_LOSS_BCE;
    cfg->bias = 0;
    cfg->init = BP_INIT_NORMAL;
    cfg->optimizer = BP_OPT_MOMENTUM;
    cfg->momentum = 0.9;
    cfg->lr = 0.1;
    cfg->epochs = 5000;
}

/* The message is one line whatever it quotes: control bytes (from a model
 * file, a command name, an option value) are shown as '?'.  stdout is
 * flushed first, so that the message follows the output before it. */
int cli_error(int code, const char *fmt, ...)
{
    char buf[8192];        /* a path of PATH_MAX and more fits */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "backprop: error: %s\n", bp_mask_controls(buf));
    return code;
}

int cli_exit_code(bp_status st)
{
    return st == BP_EDIVERGED || st == BP_ENOMEM || st == BP_EIO
               ? EXIT_RUNTIME
               : EXIT_USAGE;
}

/* ------------------------------------------------------------ the values */

static int parse_real(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* A whole number without sign; returns 0 on junk or overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno == ERANGE)
        return 0;
    *out = v;
    return 1;
}

/*
 * A count: a whole number, or one written in scientific notation that is
 * exactly a whole number (1e3, 2.5e4).  Returns 1 with *out set, 0 on junk,
 * -1 when the value is a number but not a whole one (1.5, 1e-3), -2 when it
 * is a whole number beyond 2^53 (1e30).
 */
static int parse_count(const char *s, uint64_t *out)
{
    if (parse_u64(s, out))
        return 1;
    if (*s < '0' || *s > '9' || strspn(s, "0123456789.eE+-") != strlen(s))
        return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end)
        return 0;
    if (isinf(v) || (errno == ERANGE && v > 1))
        return -2;                   /* 1e999 */
    if (v != floor(v) || errno == ERANGE)
        return -1;                   /* 1.5, 1e-999 */
    if (v > 9007199254740992.0)
        return -2;
    *out = (uint64_t)v;
    return 1;
}

static int parse_hidden(const char *s, cli_config *cfg)
{
    size_t widths[BP_MAX_LAYERS];
    int count = 0;
    const char *p = s;
    for (;;) {
        char item[32];
        size_t len = strcspn(p, ",");
        uint64_t v;
        if (len == 0 || len >= sizeof item || count == BP_MAX_LAYERS - 1)
            return 0;
        memcpy(item, p, len);
        item[len] = '\0';
        if (!parse_u64(item, &v) || v < 1 || v > BP_MAX_WIDTH)
            return 0;
        widths[count++] = (size_t)v;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    memcpy(cfg->hidden, widths, sizeof widths[0] * (size_t)count);
    cfg->n_hidden = count;
    return 1;
}

/* --input-shape CxHxW: three whole numbers 1 to BP_MAX_WIDTH joined by
 * x (or X). */
static int parse_shape(const char *s, bp_shape *out)
{
    size_t v[3];
    const char *p = s;
    for (int k = 0; k < 3; k++) {
        char item[16];
        size_t len = strcspn(p, "xX");
        uint64_t n;
        if (len == 0 || len >= sizeof item)
            return 0;
        memcpy(item, p, len);
        item[len] = '\0';
        if (!parse_u64(item, &n) || n < 1 || n > BP_MAX_WIDTH)
            return 0;
        v[k] = (size_t)n;
        p += len;
        if ((k < 2) != (*p == 'x' || *p == 'X'))
            return 0;
        if (k < 2)
            p++;
    }
    *out = (bp_shape){v[0], v[1], v[2]};
    return 1;
}

static int bad_value(const cli_option *o, const char *value, const char *why)
{
    char text[48];
    return cli_error(EXIT_USAGE, "option --%s: %s '%s'", o->name, why,
                     bp_excerpt(text, value));
}

/* value in lower case into buf (names are matched case-insensitively:
 * --optimizer Adam, --activation ReLU); NULL when too long to be a name. */
static const char *lower(const char *value, char *buf, size_t size)
{
    size_t len = strlen(value);
    if (len >= size)
        return NULL;
    for (size_t i = 0; i <= len; i++)
        buf[i] = (char)tolower((unsigned char)value[i]);
    return buf;
}

/* The names of an enumeration, "a, b or c" (or "a | b | c" when bar),
 * from its table of names. */
static void choices(opt_kind kind, char *buf, size_t size, int bar)
{
    const int count = kind == OPT_ACTIVATION  ? BP_ACT_COUNT
                      : kind == OPT_LOSS      ? BP_LOSS_COUNT
                      : kind == OPT_OPTIMIZER ? BP_OPT_COUNT
                      : kind == OPT_INIT      ? BP_INIT_COUNT
                      : kind == OPT_ISA       ? BP_ISA_COUNT
                                              : BP_DTYPE_COUNT;
    const char *names[16];
    int n = 0;
    for (int v = 0; v < count && v < 16; v++) {
        const char *name =
            kind == OPT_ACTIVATION  ? bp_activation_name((bp_activation)v)
            : kind == OPT_LOSS      ? bp_loss_name((bp_loss)v)
            : kind == OPT_OPTIMIZER ? bp_optimizer_name((bp_optimizer)v)
            : kind == OPT_INIT      ? bp_init_name((bp_init)v)
            : kind == OPT_ISA       ? bp_isa_name((bp_isa)v)
                                    : bp_dtype_name((bp_dtype)v);
        names[n++] = name;
    }
    cli_join(buf, size, names, (size_t)n, bar ? " | " : ", ",
             bar ? " | " : " or ");
}

/* An enumeration's value, any case; an unknown one is refused with the
 * list of valid names. */
static int set_name(const cli_option *o, const char *value, void *field,
                    const char *what)
{
    char buf[32], list[128];
    const char *v = lower(value, buf, sizeof buf);
    bp_status st = BP_EINVAL;
    if (v) {
        switch (o->kind) {
        case OPT_ACTIVATION: st = bp_activation_parse(v, field); break;
        case OPT_LOSS: st = bp_loss_parse(v, field); break;
        case OPT_OPTIMIZER: st = bp_optimizer_parse(v, field); break;
        case OPT_INIT: st = bp_init_parse(v, field); break;
        case OPT_DTYPE: st = bp_dtype_parse(v, field); break;
        case OPT_ISA: st = bp_isa_parse(v, field); break;
        default: break;
        }
    }
    if (st == BP_OK)
        return -1;
    char text[48];
    choices(o->kind, list, sizeof list, 0);
    return cli_error(EXIT_USAGE, "option --%s: unknown %s '%s' (expects %s)",
                     o->name, what, bp_excerpt(text, value), list);
}

/* --log-every, --batch and train's --epochs: 0, also written "auto", means
 * chosen from the data. */
static int count_is_auto(const cli_option *o)
{
    return o->kind == OPT_COUNT && o->min == 0 &&
           (o->offset == F(log_every) || o->offset == F(batch) ||
            o->offset == F(epochs));
}

static int set_option(const cli_option *o, const char *value, cli_config *cfg)
{
    char *field = (char *)cfg + o->offset;
    switch (o->kind) {
    case OPT_FLAG:
        *(int *)field = 1;
        return -1;
    case OPT_UNSET:
        *(int *)field = 0;
        return -1;
    case OPT_REAL: {
        double v;
        char text[48];
        if (!parse_real(value, &v))
            return bad_value(o, value, "expects a finite number, got");
        if ((o->min_open ? v <= o->min : v < o->min) ||
            (o->max_open ? v >= o->max : v > o->max)) {
            return cli_error(EXIT_USAGE,
                             "option --%s: %s is outside %s%g, %g%s", o->name,
                             bp_excerpt(text, value), o->min_open ? "(" : "[",
                             o->min, o->max, o->max_open ? ")" : "]");
        }
        *(double *)field = v;
        return -1;
    }
    case OPT_COUNT: {
        uint64_t v = 0;
        char text[48];
        int got = count_is_auto(o) && strcasecmp(value, "auto") == 0
                      ? 1
                      : parse_count(value, &v);
        if (got == 0)
            return bad_value(o, value,
                             count_is_auto(o)
                                 ? "expects a whole number (like 1000 or 1e3) "
                                   "or auto, got"
                                 : "expects a whole number (like 1000 or 1e3), "
                                   "got");
        if (got == -1)
            return cli_error(EXIT_USAGE,
                             "option --%s: %s is not a whole number", o->name,
                             bp_excerpt(text, value));
        if (got == -2 || (double)v < o->min || (double)v > o->max)
            return cli_error(EXIT_USAGE,
                             "option --%s: %s is outside %.0f to %.0f",
                             o->name, bp_excerpt(text, value), o->min, o->max);
        *(size_t *)field = (size_t)v;
        return -1;
    }
    case OPT_SEED:
        if (!parse_u64(value, (uint64_t *)field))
            return bad_value(o, value,
                             "expects a whole number 0 to 2^64-1, got");
        return -1;
    case OPT_STRING:
        if (!*value)
            return cli_error(EXIT_USAGE, "option --%s: empty value", o->name);
        *(const char **)field = value;
        return -1;
    case OPT_HIDDEN: {
        char text[48];
        if (!parse_hidden(value, cfg))
            return cli_error(EXIT_USAGE,
                             "option --hidden: expects 1 to %d widths of 1 to "
                             "%d units, like 10,10; got '%s'",
                             BP_MAX_LAYERS - 1, BP_MAX_WIDTH,
                             bp_excerpt(text, value));
        return -1;
    }
    case OPT_LAYERS: {
        /* the library's grammar; the layers fit their input later, once
         * the data's shape is known (cli_check_arch) */
        bp_arch a;
        bp_error err;
        memset(&a, 0, sizeof a);
        if (bp_layers_parse(value, &a, &err) != BP_OK)
            return cli_error(EXIT_USAGE, "option --layers: %s", err.msg);
        memcpy(cfg->layer, a.layer, sizeof a.layer);
        cfg->n_layers = a.n_layers;
        cfg->layers = value;
        return -1;
    }
    case OPT_SHAPE: {
        char text[48];
        if (!parse_shape(value, (bp_shape *)field))
            return cli_error(EXIT_USAGE,
                             "option --input-shape: expects channels x "
                             "height x width, each 1 to %d, like 1x28x28; "
                             "got '%s'", BP_MAX_WIDTH,
                             bp_excerpt(text, value));
        return -1;
    }
    case OPT_ACTIVATION:
        return set_name(o, value, field, "activation");
    case OPT_LOSS:
        return set_name(o, value, field, "loss");
    case OPT_OPTIMIZER:
        cfg->optimizer_given = 1;
        return set_name(o, value, field, "optimizer");
    case OPT_INIT:
        cfg->init_given = 1;
        return set_name(o, value, field, "initialisation");
    case OPT_DTYPE:
        return set_name(o, value, field, "type");
    case OPT_ISA:
        cfg->isa_env = 0;
        return set_name(o, value, field, "instruction set");
    case OPT_DATA:
        if (!*value)
            return cli_error(EXIT_USAGE, "option --data: empty value");
        *(const char **)field = value;
        return -1;
    case OPT_CHOICE: {
        static const char *const choices[] = {"auto", "yes", "no",
                                              "classification", "regression"};
        int from = strcmp(o->name, "task") == 0 ? 3 : 0;
        int to = from == 3 ? 5 : 3;
        for (int k = from; k < to; k++)
            if (strcasecmp(value, choices[k]) == 0) {
                *(const char **)field = choices[k];
                return -1;
            }
        return bad_value(o, value, from == 3
                                       ? "expects classification or regression, got"
                                       : "expects auto, yes or no, got");
    }
    case OPT_CHAR:
        if (!(strlen(value) == 1 || strcmp(value, "\\t") == 0) ||
            strchr("\"\r\n", value[0]))
            return bad_value(o, value, "expects one character (or \\t), got");
        *(const char **)field = value;
        return -1;
    case OPT_PRESET:      /* applied before the other options */
    case OPT_HELP:
        return -1;
    }
    return -1;
}

/* ------------------------------------------------------------------ help */

void cli_hidden_text(const cli_config *cfg, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < cfg->n_hidden && len < size; k++)
        len += (size_t)snprintf(buf + len, size - len, k ? ",%zu" : "%zu",
                                cfg->hidden[k]);
}

static void default_text(const cli_option *o, const cli_config *d, char *buf,
                         size_t size)
{
    const char *field = (const char *)d + o->offset;
    buf[0] = '\0';
    switch (o->kind) {
    case OPT_REAL: snprintf(buf, size, "%g", *(const double *)field); break;
    case OPT_COUNT:
        if (*(const size_t *)field == 0 && count_is_auto(o))
            snprintf(buf, size, "auto");
        else
            snprintf(buf, size, "%zu", *(const size_t *)field);
        break;
    case OPT_SEED:
        snprintf(buf, size, "%llu",
                 (unsigned long long)*(const uint64_t *)field);
        break;
    case OPT_STRING:
    case OPT_CHOICE:
    case OPT_CHAR:
    case OPT_DATA: {
        const char *s = *(const char *const *)field;
        if (s)
            snprintf(buf, size, "%s", s);
        break;
    }
    case OPT_HIDDEN:
        cli_hidden_text(d, buf, size);
        break;
    case OPT_ACTIVATION:
        snprintf(buf, size, "%s", bp_activation_name(*(const bp_activation *)field));
        break;
    case OPT_LOSS:
        snprintf(buf, size, "%s", bp_loss_name(*(const bp_loss *)field));
        break;
    case OPT_OPTIMIZER:
        snprintf(buf, size, "%s", bp_optimizer_name(*(const bp_optimizer *)field));
        break;
    case OPT_INIT:
        snprintf(buf, size, "%s", bp_init_name(*(const bp_init *)field));
        break;
    case OPT_DTYPE:
        snprintf(buf, size, "%s", bp_dtype_name(*(const bp_dtype *)field));
        break;
    case OPT_ISA:
        snprintf(buf, size, "%s", bp_isa_name(*(const bp_isa *)field));
        break;
    case OPT_FLAG:      /* of --bias and --no-bias, the one in force */
        if (o->offset == F(bias) && d->bias)
            snprintf(buf, size, "default");
        break;
    case OPT_UNSET:
        if (o->offset == F(bias) && !d->bias)
            snprintf(buf, size, "default");
        break;
    default: break;
    }
}

static void print_help(const char *cmd, unsigned mask, const char *summary,
                       const cli_config *defaults)
{
    printf("usage: backprop %s [options]\n\n%s\n\noptions:\n", cmd, summary);
    for (size_t k = 0; k < N_OPTIONS; k++) {
        const cli_option *o = &options[k];
        if (!(o->cmds & mask))
            continue;
        char left[48], def[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        default_text(o, defaults, def, sizeof def);
        /* an enumeration's "{}" is its names, from the library's table */
        const char *at = strstr(o->help, "{}");
        char names[128] = "";
        if (at)
            choices(o->kind, names, sizeof names, 1);
        printf("  %-20s %.*s%s%s", left, at ? (int)(at - o->help) : 0,
               o->help, names, at ? at + 2 : o->help);
        if (def[0])
            printf(" [%s]", def);
        putchar('\n');
    }
}

/* ---------------------------------------------------------------- parsing */

/* --preset is applied first wherever it stands, so the options after it
 * and before it both override it. */
static int apply_preset(int argc, char **argv, unsigned mask, cli_config *cfg)
{
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--preset") == 0)
            value = i + 1 < argc ? argv[i + 1] : "";
        else if (strncmp(argv[i], "--preset=", 9) == 0)
            value = argv[i] + 9;
        if (!value)
            continue;
        if (!(mask & (CMD_TRAIN | CMD_GRADCHECK | CMD_TRACE)))
            return -1;      /* reported as unknown by getopt */
        char text[48];
        if (strcasecmp(value, "seed") != 0)
            return cli_error(EXIT_USAGE,
                             "option --preset: unknown preset '%s' (expects "
                             "seed)", bp_excerpt(text, value));
        cli_preset_seed(cfg);
    }
    return -1;
}

int cli_parse(int argc, char **argv, unsigned mask, const char *summary,
              cli_config *cfg)
{
    cli_config defaults = *cfg;
    struct option longopts[N_OPTIONS + 1];
    size_t count = 0;
    for (size_t k = 0; k < N_OPTIONS; k++) {
        if (!(options[k].cmds & mask))
            continue;
        int has_arg = options[k].kind == OPT_FLAG ||
                              options[k].kind == OPT_UNSET ||
                              options[k].kind == OPT_HELP
                          ? no_argument
                          : required_argument;
        longopts[count++] = (struct option){options[k].name, has_arg, NULL,
                                            256 + (int)k};
    }
    longopts[count] = (struct option){NULL, 0, NULL, 0};

    int rc = apply_preset(argc, argv, mask, cfg);
    if (rc >= 0)
        return rc;
    opterr = 0;
    optind = 0;    /* glibc: restart the scan */
    for (;;) {
        int prev = optind ? optind : 1;
        int c = getopt_long(argc, argv, ":", longopts, NULL);
        if (c == -1)
            break;
        if (c == '?' || c == ':') {
            char text[48];
            const char *arg = bp_excerpt(
                text, argv[optind - 1 >= prev ? optind - 1 : prev]);
            if (c == ':')
                return cli_error(EXIT_USAGE, "option %s needs a value", arg);
            return cli_error(EXIT_USAGE,
                             "unknown option '%s' (see backprop %s --help)",
                             arg, argv[0]);
        }
        const cli_option *o = &options[c - 256];
        cfg->given[(c - 256) / 64] |= 1ULL << ((c - 256) % 64);
        if (o->kind == OPT_HELP) {
            print_help(argv[0], mask, summary, &defaults);
            return EXIT_OK;
        }
        rc = set_option(o, optarg, cfg);
        if (rc >= 0)
            return rc;
    }
    if (optind < argc) {
        char text[48];
        return cli_error(EXIT_USAGE,
                         "unexpected argument '%s' (see backprop %s --help)",
                         bp_excerpt(text, argv[optind]), argv[0]);
    }
    if (cli_given(cfg, "layers") &&
        (cli_given(cfg, "hidden") || cli_given(cfg, "activation")))
        return cli_error(EXIT_USAGE,
                         "options --layers and --%s cannot be used together: "
                         "--layers names every hidden layer and its "
                         "activation", cli_given(cfg, "hidden") ? "hidden"
                                                                : "activation");
    return -1;
}

int cli_isa_from_env(cli_config *cfg)
{
    const char *v = getenv("BP_ISA");
    if (!v || !*v)
        return -1;
    char buf[32], list[128], text[48];
    const char *low = lower(v, buf, sizeof buf);
    if (low && bp_isa_parse(low, &cfg->isa) == BP_OK) {
        cfg->isa_env = 1;
        return -1;
    }
    choices(OPT_ISA, list, sizeof list, 0);
    return cli_error(EXIT_USAGE,
                     "environment variable BP_ISA: unknown instruction set "
                     "'%s' (expects %s)", bp_excerpt(text, v), list);
}

int cli_check_isa(const cli_config *cfg)
{
    if (bp_isa_supported(cfg->isa))
        return EXIT_OK;
    return cli_error(EXIT_USAGE, "%s: this CPU does not run the %s kernels "
                                 "(it runs %s at most)",
                     cfg->isa_env ? "environment variable BP_ISA"
                                  : "option --isa",
                     bp_isa_name(cfg->isa), bp_isa_name(bp_isa_best()));
}
