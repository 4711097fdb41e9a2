/* kernels.c - instantiates kernels_impl.h for double and for float. */
#include <math.h>

#include "nn/kernels.h"

#define REAL double
#define FN(name) name##_f64
#define EXP exp
#define TANH tanh
#include "nn/kernels_impl.h"
#undef REAL
#undef FN
#undef EXP
#undef TANH

#define REAL float
#define FN(name) name##_f32
#define EXP expf
#define TANH tanhf
#include "nn/kernels_impl.h"
#undef REAL
#undef FN
#undef EXP
#undef TANH
