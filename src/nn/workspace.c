/* workspace.c - workspace_impl.h for double and for float. */
#include <stdlib.h>
#include <string.h>

#include "core/clones.h"
#include "core/error.h"
#include "nn/kernels.h"
#include "nn/layer.h"
#include "nn/output.h"
#include "nn/workspace.h"

size_t ws_scratch(const bp_arch *arch)
{
    size_t most = 0;
    for (int l = 0; l < arch->n_layers; l++) {
        const bp_layer_ops *ops = bp_layer_ops_of(arch->layer[l].kind);
        size_t s = ops ? ops->scratch(&arch->layer[l]) : 0;
        if (s > most)
            most = s;
    }
    return most;
}

size_t ws_units(const bp_arch *arch)
{
    size_t units = arch->sizes[0];
    for (int l = 1; l <= arch->n_layers; l++)
        units += 2 * arch->sizes[l];            /* outputs and deltas */
    units += arch->sizes[arch->n_layers];       /* targets */
    return units + ws_scratch(arch);
}

#define REAL double
#define WS bp_workspace
#define WFN(name) name
#define KERNELS(isa) kernels_f64(isa)
#define KT bp_kernels_f64
#define WS_OUTPUT1 1
#define LAYER_PASS(ops, pass) (ops)->pass##_f64
#define DENSE_ACT_FORWARD dense_act_forward_f64
#include "nn/workspace_impl.h"
#undef WS_OUTPUT1
#undef LAYER_PASS
#undef DENSE_ACT_FORWARD
#undef REAL
#undef WS
#undef WFN
#undef KERNELS
#undef KT

#define REAL float
#define WS bp_workspace_f32
#define WFN(name) name##_f32
#define LAYER_PASS(ops, pass) (ops)->pass##_f32
#define DENSE_ACT_FORWARD dense_act_forward_f32
#define KERNELS(isa) kernels_f32(isa)
#define KT bp_kernels_f32
#include "nn/workspace_impl.h"
#undef LAYER_PASS
#undef DENSE_ACT_FORWARD
#undef REAL
#undef WS
#undef WFN
#undef KERNELS
#undef KT
