/*
 * layer.h - the table of layer kinds (internal to the library).
 *
 * Each kind of layer is one file in src/nn/ (dense.c, conv.c, pool.c,
 * dropout.c) that defines one row of this table: how many parameters it
 * has, the shape of its output, the fans its initialisation scales by, and
 * its forward and backward pass in double and float.  The loop over the
 * layers (src/nn/workspace_impl.h) calls the rows; the dense-only networks
 * keep their fused fast paths there, chosen where they apply.
 *
 * Layout: as everywhere in the kernels, data is feature-major,
 * [features][n] for a pass of n samples, and a spatial layer's features
 * are (channel, row, column) in that order, so that x[c][y][x][s] is
 * x[((c * h + y) * w + x) * n + s]: every inner loop runs over the n
 * samples, contiguous.  A convolution of that layout is a matrix product
 * of the weights [filters][c k k] with the patches [c k k][h w n], whose
 * rows are runs of n samples copied from the input.
 */
#ifndef BP_NN_LAYER_H
#define BP_NN_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "backprop.h"

/* What a pass over a layer needs besides its arrays. */
typedef struct {
    const bp_layer *layer;  /* kind, numbers and resolved shapes         */
    int index;              /* the layer's number in its network (from 0) */
    size_t n;               /* samples in the pass                        */
    bp_isa isa;             /* the kernels' instruction set (never AUTO)  */
    int train;              /* dropout drops only while training          */
    uint64_t seed;          /* dropout's masks: the run's seed,           */
    uint64_t step;          /* the optimizer step the pass belongs to,    */
    size_t first;           /* and the index in its batch of the pass's
                             * first sample, so that a sample's mask does
                             * not depend on how the batch is split       */
} bp_layer_run;

#define BP_DECLARE_LAYER_PASS(REAL, SFX)                                     \
    /* out ([out features][n]) from in ([in features][n]), the layer's      \
     * activation applied; w and b are the layer's slice of the             \
     * parameters (b NULL without biases; both unused by kinds without).    \
     * scratch holds scratch(layer) * n values. */                          \
    typedef void (*bp_layer_forward##SFX)(const bp_layer_run *r, REAL *out, \
                                          const REAL *in, const REAL *w,    \
                                          const REAL *b, REAL *scratch);    \
    /* From delta = dJ/dz of the layer's output before its activation      \
     * ([out features][n]): dw and db, the gradient of the mean over the n  \
     * samples (db NULL: no biases; both unused by kinds without), and din  \
     * = dJ/d(input) ([in features][n]; NULL: not wanted, the first         \
     * layer).  in and out are the forward pass's; scratch as forward's,    \
     * its content left by forward not relied on. */                         \
    typedef void (*bp_layer_backward##SFX)(                                  \
        const bp_layer_run *r, REAL *din, REAL *dw, REAL *db,                \
        const REAL *delta, const REAL *in, const REAL *out, const REAL *w,   \
        REAL *scratch);

BP_DECLARE_LAYER_PASS(double, _f64)
BP_DECLARE_LAYER_PASS(float, _f32)

typedef struct bp_layer_ops {
    const char *name;       /* as in --layers: "dense", "conv", ...       */
    int has_act;            /* takes an activation after it               */
    int has_params;         /* has weights (and biases when the net has)  */
    /* The output shape of layer L on input `in` (L->in not yet set), or
     * BP_EINVAL with a message naming the shapes when L does not fit it
     * (the caller prefixes the layer's number and item). */
    bp_status (*shape)(const bp_layer *L, bp_shape in, bp_shape *out,
                       bp_error *err);
    /* Weights and biases of a resolved layer (0 for kinds without). */
    size_t (*weights)(const bp_layer *L);
    size_t (*biases)(const bp_layer *L);
    /* The fans Xavier's and He's scales take: inputs and outputs that one
     * weight connects, kernel area included for a convolution. */
    void (*fans)(const bp_layer *L, double *fan_in, double *fan_out);
    /* Values of scratch per sample that a pass needs (0: none). */
    size_t (*scratch)(const bp_layer *L);
    bp_layer_forward_f64 forward_f64;
    bp_layer_backward_f64 backward_f64;
    bp_layer_forward_f32 forward_f32;
    bp_layer_backward_f32 backward_f32;
} bp_layer_ops;

/* The rows, one per file, and the table indexed by bp_layer_kind. */
extern const bp_layer_ops bp_dense_ops;      /* dense.c   */
extern const bp_layer_ops bp_conv_ops;       /* conv.c    */
extern const bp_layer_ops bp_maxpool_ops;    /* pool.c    */
extern const bp_layer_ops bp_avgpool_ops;    /* pool.c    */
extern const bp_layer_ops bp_dropout_ops;    /* dropout.c */

const bp_layer_ops *bp_layer_ops_of(bp_layer_kind kind);

/* The rows of kinds without parameters or scratch: 0, and fans of 0. */
size_t bp_layer_none(const bp_layer *L);
void bp_layer_no_fans(const bp_layer *L, double *fan_in, double *fan_out);

/* One layer as its --layers item without its activation ("conv:32:3",
 * "maxpool:2"), as snprintf writes. */
size_t bp_layer_item(const bp_layer *L, char *buf, size_t size);

/* A convolution's zero rows (or columns) before the first of a side of
 * `in` values with `out` outputs: 0 for "valid". */
size_t bp_conv_pad(const bp_layer *L, size_t in, size_t out);

/* Flat size of a shape, c h w. */
static inline size_t bp_shape_size(bp_shape s) { return s.c * s.h * s.w; }

/*
 * Dropout's mask: 1 when unit `unit` of sample `sample` (its index in the
 * batch) is kept by layer `index` at step `step` of the run seeded `seed`,
 * with probability 1 - rate; a hash of the five (splitmix64's finaliser),
 * so that the masks repeat for a seed whatever the threads and the pass
 * sizes, and gradcheck holds them fixed by holding the step.
 */
int bp_dropout_keep(uint64_t seed, uint64_t step, int index, size_t sample,
                    size_t unit, double rate);

#endif
