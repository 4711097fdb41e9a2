/* model.h - the model format's choices the command shares (internal). */
#ifndef BP_IO_MODEL_H
#define BP_IO_MODEL_H

#include "backprop.h"

/*
 * Whether the format's versions 1 and 2 describe arch exactly: every
 * layer dense, every hidden layer with the same activation, and a flat
 * input (c x 1 x 1).  Such a network is saved as those versions were,
 * byte for byte; any other as version 3, which stores the layer list.
 * arch must be resolved (a network's).  trace prints the textbook dense
 * pass for exactly these networks.
 */
int bp_model_is_dense_shorthand(const bp_arch *arch);

#endif
