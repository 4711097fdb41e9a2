/* train_run.h - one training run: epochs, stopping rule, log, progress. */
#ifndef BP_CLI_TRAIN_RUN_H
#define BP_CLI_TRAIN_RUN_H

#include <stdio.h>

#include "cli.h"
#include "history.h"

/* Where a run starts: a saved network and its extra (--resume), or
 * nothing (a new network from the configuration); and whether a progress
 * bar may show (train's runs; not the lab's). */
typedef struct {
    bp_net *net;                 /* taken over by train_run               */
    const bp_model_extra *extra; /* its optimizer state and epochs       */
    int progress;                /* the bar, when stderr is a terminal    */
} train_start;

typedef enum { STOP_NONE, STOP_RULE, STOP_INTERRUPT } stop_reason;

/* What a run gives back. */
typedef struct {
    bp_net *net;             /* the trained network; the caller frees it */
    size_t first, done;      /* first epoch run, last one finished        */
    size_t failed_epoch;
    size_t best_epoch;       /* whose weights were kept (validation), or 0 */
    double seconds;          /* of the epochs                             */
    stop_reason stop;
    double *state;           /* the optimizer state at the end (owned)    */
    size_t state_len;
    uint64_t steps;
    bp_optimizer optimizer;
} train_result;

/* The stopping rule: scikit-learn's tol / n_iter_no_change on the training
 * loss, or on the validation loss (keeping the best weights). */
typedef struct {
    int on, on_val;
    double tol;
    size_t limit;            /* epochs without improvement that stop      */
    double best;
    size_t best_epoch, waited;
    size_t progress_epoch;   /* the last that improved by tol             */
    double *weights;         /* the best weights (validation only)        */
} stop_rule;

/* The progress bar on a terminal. */
typedef struct {
    int on, shown;
    size_t samples;          /* per epoch                                 */
    double last;             /* when it was last drawn                    */
    size_t epoch, first, end; /* the epoch running, the run's first, last */
    double t0;               /* the run's start                           */
} progress;

/*
 * Trains for at most cfg->epochs epochs (more than the model's, when
 * resuming) with the stopping rule cfg asks for, logging to out and
 * recording into hist (may be NULL).  Returns EXIT_OK, EXIT_INTERRUPTED
 * (res->net holds the network either way) or an error's exit code after
 * printing it (res->net is NULL).
 */
int train_run(const cli_config *cfg, const train_start *from, bp_dataset *ds,
              const bp_dataset *val, FILE *out, history *hist,
              train_result *res);
void train_result_free(train_result *res);


#endif
