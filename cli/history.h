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
} history;

/* Reserves room for `epochs` epochs up front, so that training allocates
 * nothing per epoch.  Returns 0 when memory runs out. */
int history_reserve(history *h, size_t epochs);
void history_add(history *h, double loss, double accuracy);
void history_free(history *h);

/* Writes "epoch,loss,accuracy" rows, atomically. */
bp_status history_write(const history *h, const char *path, bp_error *err);

/* Reads a file written by history_write (any epoch numbering starting at
 * 1 and rising by 1).  Errors name the file and line. */
bp_status history_read(history *h, const char *path, bp_error *err);

#endif
