/* atomic.h - writing a file so that readers see the old or the new whole. */
#ifndef BP_IO_ATOMIC_H
#define BP_IO_ATOMIC_H

#include <stdio.h>

#include "backprop.h"

/*
 * bp_atomic_open creates a temporary file beside path (path.tmp.XXXXXX, so
 * that the final rename stays within one file system) and returns it open
 * for writing.  bp_atomic_commit flushes, fsyncs and renames it over path,
 * then fsyncs the folder; bp_atomic_abort closes and removes it.  Only a
 * regular file (or a symbolic link to one, which is followed) is replaced.  Exactly
 * one of commit/abort must follow a successful open.
 */
typedef struct {
    FILE *f;
    char *tmp_path;
    const char *path;      /* the file replaced on commit           */
    const char *asked;     /* the name the caller gave, for messages */
    char *resolved;        /* path's target when path is a symlink   */
} bp_atomic_file;

bp_status bp_atomic_open(bp_atomic_file *af, const char *path, bp_error *err);
bp_status bp_atomic_commit(bp_atomic_file *af, bp_error *err);
void bp_atomic_abort(bp_atomic_file *af);

#endif
