/* cli.h - the backprop command: shared configuration and helpers. */
#ifndef BP_CLI_H
#define BP_CLI_H

#include <stdio.h>

#include "backprop.h"

/* Exit codes of the command. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_INTERRUPTED = 130 };

#define MAX_EPOCHS 1000000000UL
#define MAX_SAMPLES 10000000UL

/* Rows of the option table (cli/options.c checks it at compile time). */
#define CLI_MAX_OPTIONS 128

/* Everything a subcommand can be told on its command line. */
typedef struct {
    const char *data;            /* linear | xor                       */
    size_t n;                    /* points of the linear set            */
    uint64_t data_seed;
    size_t hidden[BP_MAX_LAYERS];
    int n_hidden;
    bp_activation activation;
    /* --layers: the hidden layers as the grammar gives them (n_layers of
     * them; 0: the network is --hidden and --activation) */
    const char *layers;
    bp_layer layer[BP_MAX_LAYERS];
    int n_layers;
    /* a sample's shape: --input-shape, or an IDX file's 1 x rows x
     * columns once the data is read (c 0: flat) */
    bp_shape input_shape;
    bp_loss loss;
    int bias;
    bp_init init;
    uint64_t seed;
    bp_optimizer optimizer;
    double momentum;
    double lr;
    size_t epochs;
    size_t log_every;
    int quiet;
    int timing;
    const char *model;
    const char *input;
    const char *plot_dir;        /* train: figures into this folder     */
    const char *history_path;    /* train: per-epoch CSV                 */
    int log_y;
    const char *out_dir;         /* lab: the report folder              */
    size_t seeds;                /* lab: seeds per experiment           */
    const char *data_list;       /* lab: "linear,xor"                   */
    size_t threads;              /* lab: worker threads                 */
    size_t train_threads;        /* train: threads sharing each batch   */
    bp_dtype dtype;              /* train: f64 or f32                   */
    bp_isa isa;                  /* the kernels' instruction set        */
    int isa_env;                 /* ... taken from BP_ISA, not --isa    */
    int force;                   /* lab: write into a foreign folder    */
    const char *extra;           /* lab: extra sections ("cnn")         */
    size_t cnn_epochs;           /* lab: epochs of section 5C           */
    size_t cnn_limit;            /* lab: 5C's images per set (0: all)   */
    size_t sample;               /* trace: which sample                 */
    int markdown;                /* trace: Markdown tables              */
    int proba;                   /* predict: class probabilities        */
    int full;                    /* trace: every row of every table     */
    /* real data */
    const char *labels;          /* IDX label file for --data IMAGES    */
    const char *test_path;       /* held-out file                       */
    const char *test_labels;     /* its IDX labels                      */
    double split;                /* fraction held out                   */
    uint64_t split_seed;
    const char *header;          /* auto | yes | no                     */
    const char *delimiter;
    const char *label;           /* label column: name or index         */
    const char *task;            /* classification | regression         */
    int standardize;
    size_t batch;                /* 0: full batch (generated) or 32     */
    size_t limit;                /* use the first rows only (0: all)    */
    double val_split;            /* fraction of training rows held out  */
    size_t patience;             /* early stopping (0: off)             */
    double weight_decay, beta1, beta2, rho, eps;
    const char *resume;          /* continue training this model        */
    int save_state;              /* save the optimizer state too        */
    double tol;                  /* stopping rule: least improvement    */
    size_t n_iter_no_change;     /* stopping rule: epochs (0: off)      */
    /* set by the command, not by options */
    unsigned long long given[CLI_MAX_OPTIONS / 64]; /* options given (bits) */
    int rule_on;                 /* train: the stopping rule applies    */
    int init_given;              /* --init was on the command line      */
    int optimizer_given;         /* --optimizer was                     */
    bp_output output;
    int file_data;
    int train_only;              /* gradcheck: no test set is read      */
    double h;                    /* gradcheck step                      */
    double tolerance;            /* gradcheck bound                     */
} cli_config;

/* Which subcommand an option belongs to (a bit mask). */
enum {
    CMD_TRAIN = 1 << 0,
    CMD_TEST = 1 << 1,
    CMD_PREDICT = 1 << 2,
    CMD_GRADCHECK = 1 << 3,
    CMD_LAB = 1 << 4,
    CMD_TRACE = 1 << 5
};

/* The defaults: the seed's configuration, with biases on. */
void cli_defaults(cli_config *cfg);
/* The seed's method exactly (no bias, standard-normal weights). */
void cli_preset_seed(cli_config *cfg);

/*
 * Parses argv (argv[0] is the subcommand's name) into cfg, which holds the
 * defaults.  Returns -1 to go on, or an exit code: 0 after --help, 2 after
 * printing an error.
 */
int cli_parse(int argc, char **argv, unsigned cmd, const char *summary,
              cli_config *cfg);

/* "backprop: error: <message>" on stderr; returns code. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int cli_error(int code, const char *fmt, ...);

/* train's instruction set from the environment variable BP_ISA (read by
 * the command only: the library takes bp_train_opts.isa), before
 * cli_parse so that --isa overrides it: -1 when unset or valid, else the
 * exit code of the message it printed. */
int cli_isa_from_env(cli_config *cfg);
/* EXIT_OK when this CPU runs cfg->isa, else EXIT_USAGE and a message
 * naming where it came from (--isa or BP_ISA). */
int cli_check_isa(const cli_config *cfg);

/* Whether data names a generated set (linear, xor: the library's table),
 * and which, into *g when g is given. */
int cli_generated(const char *data, bp_generated *g);
/* names joined for a message: sep between them, last before the last one
 * ("a, b or c"); cut where buf ends. */
void cli_join(char *buf, size_t size, const char *const *names, size_t n,
              const char *sep, const char *last);
/* The generated sets' names, "linear, xor" (sep between them, last before
 * the last one: "linear or xor" with ", " and " or "). */
void cli_generated_list(char *buf, size_t size, const char *last);

/* Whether option --name was on the command line (--preset counts as
 * itself only). */
int cli_given(const cli_config *cfg, const char *name);

/* Exit code for a library status: 1 for a runtime failure, else 2. */
int cli_exit_code(bp_status st);

/* "10,10": the hidden widths as --hidden takes them. */
void cli_hidden_text(const cli_config *cfg, char *buf, size_t size);

/* The architecture the configuration asks for, for n_in inputs: the
 * dense shorthand of --hidden and --activation, or with --layers the
 * layer list (cfg->input_shape, or n_in flat values, then the layers,
 * then the dense output layer of n_out). */
void cli_arch(const cli_config *cfg, size_t n_in, size_t n_out, bp_arch *a);

/* "conv:4:3,relu,maxpool:2": the --layers text of cfg's layer list, in
 * the library's spelling (bp_layers_format). */
void cli_layers_text(const cli_config *cfg, char *buf, size_t size);

/* Whether the network cfg describes fits n_in inputs and n_out outputs,
 * checked (bp_arch_resolve) before any training: EXIT_OK, or the exit
 * code after a one-line message ("--layers: layer 2 (maxpool:4) does not
 * fit: ..."). */
int cli_check_arch(const cli_config *cfg, size_t n_in, size_t n_out);

/* cfg->layer from a network's architecture when it is not the dense
 * shorthand (a kind other than dense, or hidden activations that
 * differ), so that titles name its layers; cfg->n_layers 0 otherwise. */
void cli_layers_from_arch(cli_config *cfg, const bp_arch *a);

/* The generated data set named by cfg->data; prints the error itself. */
bp_dataset *cli_dataset(const cli_config *cfg);

/* The seed's test output: "Testing ...", predictions, accuracy (with isa's
 * kernels). */
/* How the command's evaluations run: its --isa, and the arithmetic it
 * trained in (--dtype; f64 for commands that do not train). */
bp_eval_opts cli_eval_opts(const cli_config *cfg);

int cli_print_test(FILE *out, const bp_net *net, const bp_dataset *ds,
                   bp_eval_opts run);

/* Seconds on a monotonic clock. */
double cli_seconds(void);

int cmd_train(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_gradcheck(int argc, char **argv);
int cmd_lab(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_trace(int argc, char **argv);

/* Training with the seed's log lines; shared by train and lab.  Returns an
 * exit code; on success *net_out (when not NULL) receives the network. */
struct history;
/* val (may be NULL) is evaluated after every epoch: logged, recorded in
 * hist, and watched by --patience.  SIGINT ends training after the current
 * epoch (the result is kept and the exit code is EXIT_INTERRUPTED). */
int cli_run_training(const cli_config *cfg, bp_dataset *ds,
                     const bp_dataset *val, FILE *out, bp_net **net_out,
                     struct history *hist);

#endif
