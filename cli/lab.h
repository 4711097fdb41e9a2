/* lab.h - the seed report's experiments, run over many seeds. */
#ifndef BP_CLI_LAB_H
#define BP_CLI_LAB_H

#include <stddef.h>

#include "cli.h"
#include "history.h"

/* One configuration that differs from the base by the factor studied. */
typedef struct {
    const char *key;          /* file-name friendly: "lr1", "relu" ...   */
    double lr;                /* 0: the base's                           */
    size_t hidden;            /* both hidden layers; 0: the base's       */
    int activation;           /* -1: the base's                          */
    int optimizer;            /* -1: the base's                          */
} lab_variant;

/* A comparison of the report: curves of some variants, one figure. */
typedef struct {
    const char *key;          /* "learning-rate" ...                     */
    const char *section;      /* "4A" ...                                */
    const char *title;        /* "Learning rates"                        */
    const char *factor;       /* what changes, for the findings' prose   */
    int n;                    /* variants compared                       */
    int variant[4];           /* indices into lab_variants               */
    const char *label[4];     /* legend names                            */
} lab_comparison;

extern const lab_variant lab_variants[];
extern const int lab_n_variants;
extern const lab_comparison lab_comparisons[];
extern const int lab_n_comparisons;

/* The loss a run must fall below to count as converged. */
#define LAB_TARGET_LOSS 0.05

/* The outcome of one training run. */
typedef struct {
    int data;                 /* index into the lab's data sets          */
    int variant;
    uint64_t seed;
    double *loss;             /* [epochs] loss of each epoch; NaN after a
                                 divergence                              */
    double final_loss;        /* loss of the last epoch run              */
    double accuracy;          /* percent, after training                 */
    size_t epochs_to_target;  /* first epoch with loss < target; 0 never */
    size_t diverged_at;       /* epoch of a NaN/Inf; 0 when it did not   */
    double seconds;           /* wall time of the training               */
    int failed;               /* not diverged but could not run (memory) */
} lab_run;

/* Section 5C (--extra cnn): one network trained on Fashion-MNIST. */
typedef struct {
    const char *name;         /* "MLP", "CNN"                            */
    char layers[256];         /* its hidden layers, as the options say   */
    char command[768];        /* the same training by backprop train     */
    size_t params;
    history hist;             /* per epoch: training loss and accuracy,
                                 test loss and accuracy (val_ columns)   */
    size_t epochs;            /* epochs run                              */
    double seconds;           /* training alone, every epoch             */
    double eval_seconds;      /* the test evaluations, every epoch       */
} lab_net_result;

/* How many misclassified test images 5C shows. */
#define LAB_CNN_SHOWN 12

typedef struct {
    int on;                   /* --extra cnn                             */
    size_t epochs, limit, threads;
    size_t n_train, n_test, n_classes;
    char **class_names;       /* n_classes garment names                 */
    double load_seconds;
    lab_net_result net[2];    /* MLP, CNN                                */
    double *filters;          /* the CNN's first layer: n_filters x k x k */
    size_t n_filters, k;
    size_t conv_params;       /* the CNN's convolutional layers' share   */
    size_t flat;              /* values entering its first dense layer   */
    double *shown;            /* n_shown test images, raw pixels         */
    size_t n_shown, img_h, img_w;
    int truth[LAB_CNN_SHOWN], pred[LAB_CNN_SHOWN];
    size_t index[LAB_CNN_SHOWN];   /* their rows in the test set          */
    size_t wrong;             /* test images the CNN gets wrong          */
    size_t *confusion;        /* n_classes x n_classes: [truth][pred]    */
} lab_cnn;

typedef struct {
    cli_config base;          /* the seed's configuration + options      */
    lab_cnn cnn;              /* section 5C, when asked for              */
    const char *data[2];      /* data set names                          */
    int n_data;
    size_t n_runs;
    lab_run *runs;            /* [data][variant][seed], seed fastest     */
    double seconds;           /* wall time of all runs                   */
} lab_state;

/* The configuration of variant v on top of base. */
void lab_config(const cli_config *base, const lab_variant *v, cli_config *out);

/* Index of run (data d, variant v, seed index s). */
size_t lab_index(const lab_state *lab, int d, int v, size_t s);

/* Runs every (data, variant, seed) on `threads` threads; the results do not
 * depend on the thread count.  progress: print a line per finished
 * experiment (or a bar on a terminal) to stderr. */
int lab_run_all(lab_state *lab, size_t threads);
void lab_free(lab_state *lab);

/* EXIT_OK when dir is missing, empty or holds only what a lab writes;
 * otherwise an error unless force. */
int lab_check_folder(const char *dir, int force);

/* --extra LIST into lab->cnn.on: EXIT_OK, or EXIT_USAGE after a message
 * naming the valid sections; and the options that only 5C takes. */
int lab_extra_parse(lab_state *lab);

/* 5C's data is there (Debian's dataset-fashion-mnist): EXIT_OK, else
 * EXIT_USAGE after a message; called before any training. */
int lab_cnn_check(void);

/* Trains 5C's two networks on lab->base.threads threads. */
int lab_cnn_run(lab_state *lab);

/* Section 5C of REPORT.md, its figures into dir/figures and the
 * per-epoch CSVs into dir/logs. */
int lab_cnn_section(FILE *f, const lab_state *lab, const char *dir);

void lab_cnn_free(lab_cnn *c);

/* Writes REPORT.md, summary.csv and the figures into cfg->out_dir. */
int lab_write_report(const lab_state *lab);

#endif
