/* dataset.c - data sets: allocation and the seed's generated sets. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Generated and read data sets are capped so that a forged size cannot ask
 * for an absurd allocation (2^28 values, 2 GiB of doubles). */
#define BP_MAX_DATA_VALUES ((size_t)1 << 28)

bp_dataset *bp_dataset_new(size_t n, size_t n_in, size_t n_out, bp_error *err)
{
    size_t nx, ny;
    if (n == 0 || n_in == 0 || n_out == 0) {
        bp_fail(err, BP_EINVAL, "a data set needs samples, inputs and outputs");
        return NULL;
    }
    if (!bp_mul_size(n, n_in, &nx) || !bp_mul_size(n, n_out, &ny) ||
        nx > BP_MAX_DATA_VALUES || ny > BP_MAX_DATA_VALUES) {
        bp_fail(err, BP_EINVAL, "a data set of %zu x %zu is too large", n,
                n_in);
        return NULL;
    }
    bp_dataset *ds = calloc(1, sizeof *ds);
    double *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y);
    if (!ds || !x || !y) {
        free(ds);
        free(x);
        free(y);
        bp_fail(err, BP_ENOMEM, "out of memory for %zu samples", n);
        return NULL;
    }
    ds->n = n;
    ds->n_in = n_in;
    ds->n_out = n_out;
    ds->x = x;
    ds->y = y;
    return ds;
}

void bp_dataset_free(bp_dataset *ds)
{
    if (!ds)
        return;
    free(ds->x);
    free(ds->y);
    free(ds);
}

/*
 * The seed's generate_linear: n points uniform in [0,1]^2, label 0 when
 * x > y, else 1.  Drawn from numpy's RandomState(seed).uniform(0, 1, (n, 2))
 * stream when numpy is set, so a numpy script sees the same points.
 */
bp_dataset *bp_data_linear(size_t n, uint64_t seed, int numpy, bp_error *err)
{
    if (numpy && seed > UINT32_MAX) {
        bp_fail(err, BP_EINVAL,
                "numpy's RandomState takes seeds 0 to 4294967295");
        return NULL;
    }
    bp_dataset *ds = bp_dataset_new(n, 2, 1, err);
    if (!ds)
        return NULL;
    bp_rng rng;
    bp_rng_seed(&rng, numpy ? BP_RNG_NUMPY : BP_RNG_XOSHIRO, seed);
    for (size_t s = 0; s < n; s++) {
        double x = bp_rng_uniform(&rng), y = bp_rng_uniform(&rng);
        ds->x[2 * s] = x;
        ds->x[2 * s + 1] = y;
        ds->y[s] = x > y ? 0.0 : 1.0;
    }
    return ds;
}

/*
 * The seed's generate_XOR_easy: for i = 0..10 the point (0.1 i, 0.1 i) of
 * class 0 and, except at the centre, (0.1 i, 1 - 0.1 i) of class 1; 21
 * points in that order.  0.1 * i is computed as the seed does, so the points
 * are bit-identical to numpy's.
 */
bp_dataset *bp_data_xor(bp_error *err)
{
    bp_dataset *ds = bp_dataset_new(21, 2, 1, err);
    if (!ds)
        return NULL;
    size_t s = 0;
    for (int i = 0; i < 11; i++) {
        double t = 0.1 * i;
        ds->x[2 * s] = t;
        ds->x[2 * s + 1] = t;
        ds->y[s++] = 0.0;
        if (t == 0.5)
            continue;
        ds->x[2 * s] = t;
        ds->x[2 * s + 1] = 1 - t;
        ds->y[s++] = 1.0;
    }
    return ds;
}

static bp_dataset *make_linear(size_t n, uint64_t seed, int numpy,
                               bp_error *err)
{
    return bp_data_linear(n, seed, numpy, err);
}

static bp_dataset *make_xor(size_t n, uint64_t seed, int numpy,
                            bp_error *err)
{
    (void)n, (void)seed, (void)numpy;
    return bp_data_xor(err);
}

/* The generated sets, in bp_generated's order: one row adds one. */
static const struct {
    const char *name;
    bp_dataset *(*make)(size_t n, uint64_t seed, int numpy, bp_error *err);
} generated[] = {
    [BP_GEN_LINEAR] = {"linear", make_linear},
    [BP_GEN_XOR] = {"xor", make_xor},
};
_Static_assert(sizeof generated / sizeof generated[0] == BP_GEN_COUNT,
               "one row of generated[] per bp_generated");

const char *bp_generated_name(bp_generated g)
{
    return (unsigned)g < BP_GEN_COUNT ? generated[g].name : "unknown";
}

bp_status bp_generated_parse(const char *name, bp_generated *out)
{
    for (int g = 0; name && g < BP_GEN_COUNT; g++)
        if (strcmp(generated[g].name, name) == 0) {
            *out = (bp_generated)g;
            return BP_OK;
        }
    return BP_EINVAL;
}

bp_dataset *bp_generate(bp_generated g, size_t n, uint64_t seed, int numpy,
                        bp_error *err)
{
    if ((unsigned)g >= BP_GEN_COUNT) {
        bp_fail(err, BP_EINVAL, "unknown generated data set %d", (int)g);
        return NULL;
    }
    return generated[g].make(n, seed, numpy, err);
}
