/* output.c - output_impl.h for double and for float. */
#include <float.h>
#include <math.h>

#include "nn/output.h"

#define REAL double
#define OFN(name) name
#define OEXP exp
#define OMIN DBL_MIN
#include "nn/output_impl.h"
#undef REAL
#undef OFN
#undef OEXP
#undef OMIN

#define REAL float
#define OFN(name) name##_f32
#define OEXP expf
#define OMIN FLT_MIN
#include "nn/output_impl.h"
#undef REAL
#undef OFN
#undef OEXP
#undef OMIN
