/*
 * hooks.h - the trainer's internals that its tests look at (internal; not
 * part of the library's interface).
 */
#ifndef BP_TRAIN_HOOKS_H
#define BP_TRAIN_HOOKS_H

#include "backprop.h"

/* Nonzero: new trainers never go by rows (trainer.c), so that a test can
 * run the same training both ways and compare the bits.  0 by default. */
extern int bp_hook_no_rows;

/* Bit i set: bp_isa_supported (nn/simd.c) says no to instruction set i
 * (above BP_ISA_NAIVE), as on a CPU without it, so that a test can see
 * the trainer refuse it.  0 by default. */
extern int bp_hook_isa_lacks;

/* Whether tr goes by rows. */
int bp_hook_by_rows(const bp_trainer *tr);

#endif
