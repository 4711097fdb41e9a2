/* workspace.c - workspace_impl.h for double and for float. */
#include <stdlib.h>
#include <string.h>

#include "core/clones.h"
#include "core/error.h"
#include "nn/kernels.h"
#include "nn/output.h"
#include "nn/workspace.h"

size_t ws_units(const bp_arch *arch)
{
    size_t units = arch->sizes[0];
    for (int l = 1; l <= arch->n_layers; l++)
        units += 2 * arch->sizes[l];            /* outputs and deltas */
    return units + arch->sizes[arch->n_layers]; /* targets */
}

#define REAL double
#define WS bp_workspace
#define WFN(name) name
#define KERNELS(isa) kernels_f64(isa)
#define KT bp_kernels_f64
#define WS_OUTPUT1 1
#include "nn/workspace_impl.h"
#undef WS_OUTPUT1
#undef REAL
#undef WS
#undef WFN
#undef KERNELS
#undef KT

#define REAL float
#define WS bp_workspace_f32
#define WFN(name) name##_f32
#define KERNELS(isa) kernels_f32(isa)
#define KT bp_kernels_f32
#include "nn/workspace_impl.h"
#undef REAL
#undef WS
#undef WFN
#undef KERNELS
#undef KT
