/* figures.h - the figures of one training run, through src/plot. */
#ifndef BP_CLI_FIGURES_H
#define BP_CLI_FIGURES_H

#include "backprop.h"
#include "history.h"

/* Creates dir and its parents when missing; errors name the folder. */
bp_status make_folder(const char *dir, bp_error *err);

/* Whether path (a folder, or a file whose folder is checked) can take a
 * file, by making and removing one, so that a run fails before training
 * rather than after. */
bp_status check_writable(const char *path, int is_folder, bp_error *err);

/* dir/name into buf; 0 when it does not fit. */
int path_join(char *buf, size_t size, const char *dir, const char *name);

/*
 * What the figures of file data show beyond the numbers; any field may be
 * NULL (0), which keeps the seed's figures ("class 0", x1, standardised
 * coordinates).
 */
typedef struct {
    char *const *class_names;    /* n_classes names, class-index order   */
    size_t n_classes;
    char *const *feature_names;  /* the inputs' names (n_in of them)     */
    const double *mean, *std;    /* the inputs' standardisation (n_in)   */
    int regression;              /* no classes: no class figures         */
} figure_meta;

/*
 * Writes into dir: learning-curve.png (always; the training loss, and the
 * validation loss beside it when h has one), and for a 2-D data set with
 * one output comparison.png and decision-boundary.png (otherwise a note
 * on stderr says why they are skipped).  title names the run.  meta (NULL:
 * the seed's figures) gives the class and feature names for the legends
 * and axes, and the standardisation that the axes undo, so that they show
 * the file's units.
 */
bp_status figures_for_data(const char *dir, const bp_net *net,
                           const bp_dataset *ds, const history *h,
                           const char *title, int log_y,
                           const figure_meta *meta, bp_error *err);

/* figures_for_data without metadata (the seed's data sets). */
bp_status figures_for_run(const char *dir, const bp_net *net,
                          const bp_dataset *ds, const history *h,
                          const char *title, int log_y, bp_error *err);

/* Class labels (0/1) of the targets and of the predictions p > 0.5. */
int *labels_of(const double *values, size_t n);

#endif
