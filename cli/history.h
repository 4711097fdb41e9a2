/* history.h - per-epoch loss and accuracy of a run, as CSV files. */
#ifndef BP_CLI_HISTORY_H
#define BP_CLI_HISTORY_H

#include <stddef.h>

#include "backprop.h"

/* Epoch e (1-based) is at index e - 1. */
typedef struct history {
    size_t n, cap;
    double *loss;
    double *accuracy;
    double *val_loss;        /* NULL without a validation set */
    double *val_accuracy;
    int no_accuracy;         /* a regression's: no accuracy columns        */
} history;

/* Reserves room for `epochs` epochs up front, so that training allocates
 * nothing per epoch.  Returns 0 when memory runs out. */
int history_reserve(history *h, size_t epochs, int validation);
void history_add(history *h, double loss, double accuracy);
/* The validation columns of the epoch added last. */
void history_add_val(history *h, double loss, double accuracy);
void history_free(history *h);

/* Writes "epoch,loss,accuracy" rows (with ",val_loss,val_accuracy" when
 * there was a validation set; without the accuracy columns when
 * no_accuracy is set, as for a regression), atomically, each number in its shortest
 * form that reads back as the same double (format_repr). */
bp_status history_write(const history *h, const char *path, bp_error *err);

/* Reads a file written by history_write: every column, the validation
 * ones when the header has them (epochs numbered 1, 2, 3, ...; any number
 * strtod reads, "nan" and "inf" included).  Errors name the file and
 * line. */
bp_status history_read(history *h, const char *path, bp_error *err);

/* The column called name ("loss", "accuracy", "val_loss",
 * "val_accuracy"), h->n values; NULL when h has no such column. */
const double *history_column(const history *h, const char *name);

/* The names of h's columns, ", "-separated, into buf (64 bytes suffice). */
void history_column_names(const history *h, char *buf, size_t size);

#endif
