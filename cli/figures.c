/* figures.c - the figures of one training run. */
#include <errno.h>
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
    bp_status st = BP_OK;
    if (access(dir, W_OK | X_OK) != 0)
        st = bp_fail(err, BP_EIO, "cannot write %s: %s", path,
                     strerror(errno));
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

static bp_status learning_curve(const char *path, const history *h,
                                const char *title, int log_y, bp_error *err)
{
    double *epochs = malloc((h->n ? h->n : 1) * sizeof *epochs);
    if (!epochs)
        return bp_fail(err, BP_ENOMEM, "out of memory");
    for (size_t e = 0; e < h->n; e++)
        epochs[e] = (double)(e + 1);
    bp_plot_series s = {epochs, h->loss, h->n, NULL, NULL, NULL};
    bp_status st = bp_plot_curves(path, title, "epoch", "loss", &s, 1, log_y,
                                  err);
    free(epochs);
    return st;
}

bp_status figures_for_run(const char *dir, const bp_net *net,
                          const bp_dataset *ds, const history *h,
                          const char *title, int log_y, bp_error *err)
{
    char path[4096];
    bp_status st = make_folder(dir, err);
    if (st)
        return st;
    if (!path_join(path, sizeof path, dir, "learning-curve.png"))
        return bp_fail(err, BP_EINVAL, "folder name too long: %s", dir);
    if ((st = learning_curve(path, h, title, log_y, err)))
        return st;
    if (ds->n_in != 2 || ds->n_out != 1) {
        fprintf(stderr,
                "backprop: note: comparison and decision-boundary figures "
                "need 2-D inputs and one output; skipped\n");
        return BP_OK;
    }
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
    if ((st = bp_plot_comparison(path, ds->x, truth, pred, ds->n, err)))
        goto done;
    path_join(path, sizeof path, dir, "decision-boundary.png");
    st = bp_plot_decision(path, title, predict_fn, (void *)net, ds->x, truth,
                          ds->n, err);
done:
    free(p);
    free(truth);
    free(pred);
    return st;
}
