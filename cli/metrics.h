/* metrics.h - how well a network does on a data set, for people. */
#ifndef BP_CLI_METRICS_H
#define BP_CLI_METRICS_H

#include <stdio.h>

#include "backprop.h"

/*
 * Classification: "NAME accuracy : A %", then (with details) a confusion
 * matrix (rows: true class, columns: predicted) and each class's precision
 * and recall.  Regression: "NAME rmse : R" and "NAME mae : M".  Returns an
 * exit code.
 */
int print_metrics(FILE *out, const char *name, const bp_net *net,
                  const bp_dataset *ds, const bp_model_extra *extra,
                  int details, bp_eval_opts run);

/* The class an output vector (or a one-hot / 0-1 target) picks: p > 0.5
 * for one sigmoid output, else the first largest of the k outputs. */
size_t class_of(const double *v, size_t k);

#endif
