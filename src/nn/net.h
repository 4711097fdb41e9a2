/* net.h - the network's layout (internal to the library). */
#ifndef BP_NN_NET_H
#define BP_NN_NET_H

#include "backprop.h"

#define BP_NO_BIAS ((size_t)-1)

/*
 * All parameters live in one block, layer after layer: W_l then, with
 * biases, b_l (layers without parameters take none).  Gradients and optimizer state use the same
 * offsets, so every optimizer, save and load works on one flat vector.
 */
struct bp_layer_ops;

struct bp_net {
    bp_arch arch;                  /* resolved: both forms filled         */
    size_t n_params;
    const struct bp_layer_ops *ops[BP_MAX_LAYERS]; /* each layer's kind   */
    size_t w_off[BP_MAX_LAYERS];   /* offset of W_l in params            */
    size_t n_w[BP_MAX_LAYERS];     /* weights of layer l (0: none)        */
    size_t b_off[BP_MAX_LAYERS];   /* offset of b_l, or BP_NO_BIAS        */
    double *params;
};

/* Whether every layer is dense (the fused fast paths apply). */
int bp_arch_is_dense(const bp_arch *arch);

/* The widest layer, inputs included. */
size_t bp_arch_max_width(const bp_arch *arch);

#endif
