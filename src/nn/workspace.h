/* workspace.h - buffers for one forward/backward pass (internal). */
#ifndef BP_TRAIN_WORKSPACE_H
#define BP_TRAIN_WORKSPACE_H

#include <stdint.h>

#include "nn/kernels.h"
#include "nn/net.h"

/*
 * Everything a pass over up to `cap` samples needs, in one allocation.
 * act[0] holds the inputs and act[l] the output of layer l, feature-major
 * ([sizes[l]][n] for a batch of n <= cap samples); target is [n_out][n];
 * delta[l] is dJ/dz of layer l's output ([sizes[l + 1]][n]), kept for
 * every layer so that the parameter gradients can be taken later, a block
 * of rows at a time (the trainer's threads split them by rows).
 *
 * Declared once per real type: bp_workspace and ws_* work in double,
 * bp_workspace_f32 and ws_*_f32 in float.  Both take the network for its
 * shape and the parameters separately, in their own type (a float trainer
 * keeps a float copy of the weights).  Data sets stay double; loading
 * converts.
 */
#define BP_DECLARE_WORKSPACE(REAL, WS, SFX, KT)                              \
    typedef struct {                                                         \
        size_t cap;                                                          \
        REAL *act[BP_MAX_LAYERS + 1];                                        \
        REAL *delta[BP_MAX_LAYERS];                                          \
        REAL *target;                                                        \
        REAL *scratch;  /* the layers' scratch, ws_scratch values a sample */\
        REAL *block;                                                         \
        int train;      /* a training pass: dropout drops (bp_layer_run) */  \
        uint64_t seed;  /* dropout's masks: the run's seed, the step, and   \
                         * the index in its batch of the pass's first       \
                         * sample */                                         \
        uint64_t step;                                                       \
        size_t first;                                                        \
        bp_isa isa;     /* the kernels' (never AUTO): ws_init's widest,      \
                         * which a trainer overrides with its own */         \
        const KT *k;    /* isa's table of kernels (kernels.h); ws_set_isa    \
                         * sets both */                                      \
    } WS;                                                                    \
                                                                             \
    void ws_set_isa##SFX(WS *ws, bp_isa isa);                                \
                                                                             \
    bp_status ws_init##SFX(WS *ws, const bp_arch *arch, size_t cap,          \
                           bp_error *err);                                   \
    void ws_free##SFX(WS *ws);                                               \
    /* Copies samples rows[0..n) of ds (or start..start+n when rows is      \
     * NULL) into act[0] and target. */                                      \
    void ws_gather##SFX(WS *ws, const bp_dataset *ds, const size_t *rows,    \
                        size_t start, size_t n);                             \
    /* ws_gather's targets alone. */                                        \
    void ws_gather_targets##SFX(WS *ws, const bp_dataset *ds,                \
                                const size_t *rows, size_t start, size_t n); \
    /* ws_gather's inputs into dst, row stride ld (columns [0, n)). */       \
    void gather_inputs##SFX(REAL *dst, size_t ld, const bp_dataset *ds,      \
                            const size_t *rows, size_t start, size_t n);     \
    /* Rows [r0, r1) of layer l's output (its activation applied) into out  \
     * ([r1 - r0][n]) from its input in ([sizes[l]][n]), with the kernels   \
     * of table k. */                                                       \
    void layer_forward##SFX(const bp_net *net, const REAL *params, int l,    \
                            size_t r0, size_t r1, REAL *out, const REAL *in, \
                            size_t n, const KT *k);                          \
    /* ws_forward from layer first on, act[first] already there. */          \
    const REAL *ws_forward_from##SFX(const bp_net *net, const REAL *params,  \
                                     WS *ws, size_t n, int first);           \
    /* Copies n input rows x (n x n_in, row-major) into act[0]. */           \
    void ws_load_inputs##SFX(WS *ws, const double *x, size_t n_in,           \
                             size_t n);                                      \
    /* The outputs of n input rows x (n x n_in, row-major) into out (n x   \
     * n_out, row-major), in passes of the workspace's capacity. */         \
    void ws_predict##SFX(const bp_net *net, const REAL *params, WS *ws,      \
                         const double *x, size_t n, double *out);            \
    /* Forward pass over the n loaded samples; returns the output,          \
     * [n_out][n]. */                                                        \
    const REAL *ws_forward##SFX(const bp_net *net, const REAL *params,       \
                                WS *ws, size_t n);                           \
    /* Mean loss of the last forward pass against the loaded targets. */     \
    double ws_loss##SFX(const bp_net *net, const WS *ws, size_t n);          \
    /* Samples of the last forward pass whose class is the target's. */      \
    size_t ws_correct##SFX(const bp_net *net, const WS *ws, size_t n);       \
    /* Gradient of the mean loss after ws_forward, in the parameter         \
     * layout. */                                                            \
    void ws_backward##SFX(const bp_net *net, const REAL *params, WS *ws,     \
                          size_t n, REAL *grad);                             \
    /* ws_forward, ws_loss and ws_backward into grad, in one; returns the   \
     * loss. */                                                              \
    double ws_pass##SFX(const bp_net *net, const REAL *params, WS *ws,       \
                        size_t n, REAL *grad);                               \
    /* The first half of ws_backward: every layer's delta, no gradient. */   \
    void ws_backward_deltas##SFX(const bp_net *net, const REAL *params,      \
                                 WS *ws, size_t n);                          \
    /* The second half, for rows [r0, r1) of layer l: their weights'        \
     * gradient into dw ([r1 - r0][sizes[l]]) and their biases' into db     \
     * (ignored when the layer has none). */                                 \
    void ws_backward_rows##SFX(const bp_net *net, const WS *ws, size_t n,    \
                               int l, size_t r0, size_t r1, REAL *dw,        \
                               REAL *db);                                    \
    /* The class that k values name: v[0] > 0.5 for one output, else the    \
     * largest (the first of equals).  Value i is at v[i * step]. */         \
    size_t ws_class_at##SFX(const REAL *v, size_t k, size_t step);

/* Values of one sample in a workspace: every layer's units, every
 * layer's deltas, the targets and the layers' scratch (ws_init allocates
 * cap times this).  The arch must be resolved (a net's). */
size_t ws_units(const bp_arch *arch);
/* The largest scratch of one sample any layer asks for. */
size_t ws_scratch(const bp_arch *arch);

BP_DECLARE_WORKSPACE(double, bp_workspace, , bp_kernels_f64)
BP_DECLARE_WORKSPACE(float, bp_workspace_f32, _f32, bp_kernels_f32)

#endif
