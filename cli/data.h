/* data.h - the data a command works on: generated sets or files. */
#ifndef BP_CLI_DATA_H
#define BP_CLI_DATA_H

#include "cli.h"

/* Debian's dataset-fashion-mnist package. */
#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

typedef struct {
    bp_dataset *train;       /* what the network learns from              */
    bp_dataset *test;        /* held-out set, or NULL                     */
    bp_model_extra extra;    /* class names and standardisation (owned)   */
    int generated;           /* the seed's linear or XOR set              */
    int regression;          /* numeric target, linear output             */
    bp_output output;        /* the output layer the labels call for      */
    bp_loss loss;
    char name[64];           /* "iris.csv", "fashion-mnist", ...          */
    char **feature_names;    /* the file's n_features column names, or NULL */
    size_t n_features;
    bp_shape shape;          /* IDX images: 1 x rows x columns; else 0   */
} cli_data;

/*
 * Loads cfg->data: "linear" or "xor" (generated), "fashion-mnist" (its
 * 60 000 training and 10 000 test images), an IDX image file with
 * cfg->labels, or a CSV file.  Files become one-hot targets for more than
 * two classes (softmax, cross-entropy), a 0/1 target for two (sigmoid,
 * BCE), or the numeric label with --task regression (linear, MSE).  The
 * test set comes from --test FILE or --split F; the features are
 * standardised with the training set's mean and std unless
 * --no-standardize.  Prints its own error; returns an exit code.
 */
int cli_load_data(const cli_config *cfg, cli_data *d);

/*
 * For test and --resume: loads cfg->data shaped for a saved model: its
 * class names map the labels, its standardisation is applied.  For
 * fashion-mnist, training picks the training images, else the test ones.
 */
int cli_load_for_model(const cli_config *cfg, const bp_net *net,
                       const bp_model_extra *extra, cli_data *d,
                       int training);

void cli_data_free(cli_data *d);

/* A sample's shape for --layers into cfg->input_shape: --input-shape when
 * given (its product must be the data's feature count), else the IDX
 * images' 1 x rows x columns, else none (flat).  Prints the error itself;
 * returns an exit code. */
int cli_data_shape(cli_config *cfg, const cli_data *d);
/* A file's labels choose its output and loss: a --loss that differs is
 * refused.  Prints the error itself, returns an exit code. */
int cli_check_loss(const cli_config *cfg, const cli_data *d);
/* The --input-shape given (if any) against `features` of the data named
 * `name`; prints the error itself, returns an exit code. */
int cli_check_input_shape(const cli_config *cfg, size_t features,
                          const char *name);

/* Options that do not apply to cfg->data (CSV options with other data,
 * file options with linear/xor, label files where none is taken or that
 * cannot be read) are refused: prints the error, returns an exit code. */
int cli_check_data_options(const cli_config *cfg);

/* Moves a shuffled fraction of *from into a new set *held (seeded); prints
 * the error itself and returns an exit code. */
int cli_split(bp_dataset **from, bp_dataset **held, double fraction,
              uint64_t seed, const char *option);

/* --delimiter's character, or 0 when it was not given. */
char cli_delimiter(const cli_config *cfg);

/* The CSV reader's options: the command line's first, then (extra not
 * NULL) the model's label column, delimiter and header, then detection. */
void cli_csv_opts(const cli_config *cfg, const bp_model_extra *extra,
                  bp_csv_opts *o);

/* Prints a reader's error (with a --delimiter hint for a file read as one
 * column); returns the exit code. */
int cli_table_error(const cli_config *cfg, const bp_error *err);

#endif
