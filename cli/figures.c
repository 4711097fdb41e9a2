/* figures.c - the figures of one training run. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "core/error.h"
#include "figures.h"
#include "plot/plot.h"

bp_status make_folder(const char *dir, bp_error *err)
{
    char *path = strdup(dir);
    if (!path)
        return bp_fail(err, BP_ENOMEM, "out of memory");
    /* mkdir each prefix in turn, like mkdir -p */
    for (char *p = path + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            bp_fail(err, BP_EIO, "cannot create the folder %s: %s", path,
                        strerror(e));
            free(path);
            return BP_EIO;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    free(path);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return bp_fail(err, BP_EIO, "%s is not a folder", dir);
    return BP_OK;
}

bp_status check_writable(const char *path, int is_folder, bp_error *err)
{
    char *copy = strdup(path);
    if (!copy)
        return bp_fail(err, BP_ENOMEM, "out of memory");
    const char *dir = copy;
    if (!is_folder) {
        char *slash = strrchr(copy, '/');
        if (!slash)
            dir = ".";
        else if (slash == copy)
            dir = "/";
        else
            *slash = '\0';
    }
    /* a file made and removed: a folder can pass access(W_OK) and still
     * take no file (/proc, a read-only mount for root, a full quota) */
    bp_status st = BP_OK;
    char name[PATH_MAX];
    int n = snprintf(name, sizeof name, "%s/.backprop-probe-XXXXXX", dir);
    int fd = n < 0 || (size_t)n >= sizeof name ? -2 : mkstemp(name);
    if (fd == -2)
        st = bp_fail(err, BP_EIO, "cannot write %s: the path is too long",
                     path);
    else if (fd < 0)
        st = bp_fail(err, BP_EIO, "cannot write %s: %s", path,
                     strerror(errno));
    else {
        close(fd);
        unlink(name);
    }
    free(copy);
    return st;
}

int path_join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    return n > 0 && (size_t)n < size;
}

int *labels_of(const double *values, size_t n)
{
    int *labels = malloc((n ? n : 1) * sizeof *labels);
    for (size_t s = 0; labels && s < n; s++)
        labels[s] = values[s] > 0.5;
    return labels;
}

static bp_status predict_fn(void *ctx, const double *xy, size_t m, double *p,
                            bp_error *err)
{
    return bp_predict(ctx, xy, m, p, err);
}

/* The training loss, with the validation loss beside it (and a legend)
 * when there is one. */
static bp_status learning_curve(const char *path, const history *h,
                                const char *title, int log_y, bp_error *err)
{
    double *epochs = malloc((h->n ? h->n : 1) * sizeof *epochs);
    if (!epochs)
        return bp_fail(err, BP_ENOMEM, "out of memory");
    for (size_t e = 0; e < h->n; e++)
        epochs[e] = (double)(e + 1);
    bp_plot_series s[2] = {
        {epochs, h->loss, h->n, h->val_loss ? "training" : NULL, NULL, NULL},
        {epochs, h->val_loss, h->n, "validation", NULL, NULL},
    };
    bp_status st = bp_plot_curves(path, title, "epoch", "loss", s,
                                  h->val_loss ? 2 : 1, log_y, err);
    free(epochs);
    return st;
}

bp_status figures_for_run(const char *dir, const bp_net *net,
                          const bp_dataset *ds, const history *h,
                          const char *title, int log_y, bp_error *err)
{
    return figures_for_data(dir, net, ds, h, title, log_y, NULL, err);
}

/* The plot module's labels for meta's 2-D data. */
static bp_plot_labels labels_of_meta(const figure_meta *meta)
{
    bp_plot_labels l = {{NULL, NULL}, {NULL, NULL}, NULL, NULL};
    if (!meta)
        return l;
    if (meta->class_names && meta->n_classes == 2) {
        l.class_names[0] = meta->class_names[0];
        l.class_names[1] = meta->class_names[1];
    }
    if (meta->feature_names) {
        l.axis_names[0] = meta->feature_names[0];
        l.axis_names[1] = meta->feature_names[1];
    }
    l.mean = meta->mean;
    l.std = meta->std;
    return l;
}

bp_status figures_for_data(const char *dir, const bp_net *net,
                           const bp_dataset *ds, const history *h,
                           const char *title, int log_y,
                           const figure_meta *meta, bp_error *err)
{
    char path[4096];
    bp_status st = make_folder(dir, err);
    if (st)
        return st;
    if (!path_join(path, sizeof path, dir, "learning-curve.png"))
        return bp_fail(err, BP_EINVAL, "folder name too long: %s", dir);
    if ((st = learning_curve(path, h, title, log_y, err)))
        return st;
    if (ds->n_in != 2 || ds->n_out != 1 || (meta && meta->regression)) {
        fprintf(stderr,
                "backprop: note: comparison and decision-boundary figures "
                "need 2-D inputs and two classes; skipped\n");
        return BP_OK;
    }
    bp_plot_labels labels = labels_of_meta(meta);
    double *p = malloc(ds->n * sizeof *p);
    int *truth = labels_of(ds->y, ds->n);
    int *pred = NULL;
    if (!p || !truth) {
        st = bp_fail(err, BP_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = bp_predict(net, ds->x, ds->n, p, err)))
        goto done;
    if (!(pred = labels_of(p, ds->n))) {
        st = bp_fail(err, BP_ENOMEM, "out of memory");
        goto done;
    }
    path_join(path, sizeof path, dir, "comparison.png");
    if ((st = bp_plot_comparison(path, ds->x, truth, pred, ds->n, &labels,
                                 err)))
        goto done;
    path_join(path, sizeof path, dir, "decision-boundary.png");
    st = bp_plot_decision(path, title, predict_fn, (void *)net, ds->x, truth,
                          ds->n, &labels, err);
done:
    free(p);
    free(truth);
    free(pred);
    return st;
}
