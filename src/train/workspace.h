/* workspace.h - buffers for one forward/backward pass (internal). */
#ifndef BP_TRAIN_WORKSPACE_H
#define BP_TRAIN_WORKSPACE_H

#include "nn/net.h"

/*
 * Everything a pass over up to `cap` samples needs, in one allocation.
 * act[0] holds the inputs and act[l] the output of layer l, feature-major
 * ([sizes[l]][n] for a batch of n <= cap samples); target is [n_out][n];
 * delta[0], delta[1] alternate as dJ/dz of the layer being processed.
 */
typedef struct {
    size_t cap;
    double *act[BP_MAX_LAYERS + 1];
    double *delta[2];
    double *target;
    double *block;
} bp_workspace;

bp_status ws_init(bp_workspace *ws, const bp_arch *arch, size_t cap,
                  bp_error *err);
void ws_free(bp_workspace *ws);

/* Copies samples [start, start + n) of ds into act[0] and target. */
void ws_load(bp_workspace *ws, const bp_dataset *ds, size_t start, size_t n);
/* Copies n input rows x (n x n_in, row-major) into act[0]. */
void ws_load_inputs(bp_workspace *ws, const double *x, size_t n_in, size_t n);

/* Forward pass over the n loaded samples; returns the output, [n_out][n]. */
const double *ws_forward(const bp_net *net, bp_workspace *ws, size_t n);
/* Mean loss of the last forward pass against the loaded targets. */
double ws_loss(const bp_net *net, const bp_workspace *ws, size_t n);
/* Gradient of the mean loss after ws_forward, in the parameter layout. */
void ws_backward(const bp_net *net, bp_workspace *ws, size_t n, double *grad);

#endif
