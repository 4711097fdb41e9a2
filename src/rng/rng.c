/*
 * rng.c - the project's random numbers.
 *
 * Two engines behind one bp_rng:
 *   xoshiro256** 1.0 (Blackman & Vigna, 2018), seeded by expanding the
 *   64-bit seed with splitmix64 as its authors recommend;
 *   MT19937 (Matsumoto & Nishimura, 1998) seeded like numpy's legacy
 *   RandomState(seed) (init_genrand), with numpy's conversions to doubles
 *   and normals, so that a C run and a numpy script can start from the same
 *   numbers.
 */
#include <math.h>
#include <string.h>

#include "backprop.h"

/* ----------------------------------------------------------- xoshiro256** */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro_next(uint64_t s[4])
{
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* ---------------------------------------------------------------- MT19937 */

enum { MT_N = 624, MT_M = 397 };

static void mt_seed(bp_rng *rng, uint32_t seed)
{
    rng->mt[0] = seed;
    for (int i = 1; i < MT_N; i++) {
        uint32_t prev = rng->mt[i - 1];
        rng->mt[i] = 1812433253u * (prev ^ (prev >> 30)) + (uint32_t)i;
    }
    rng->mti = MT_N;
}

static void mt_refill(uint32_t *mt)
{
    static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
    const uint32_t upper = 0x80000000u, lower = 0x7fffffffu;
    int k;
    for (k = 0; k < MT_N - MT_M; k++) {
        uint32_t y = (mt[k] & upper) | (mt[k + 1] & lower);
        mt[k] = mt[k + MT_M] ^ (y >> 1) ^ mag01[y & 1u];
    }
    for (; k < MT_N - 1; k++) {
        uint32_t y = (mt[k] & upper) | (mt[k + 1] & lower);
        mt[k] = mt[k + (MT_M - MT_N)] ^ (y >> 1) ^ mag01[y & 1u];
    }
    uint32_t y = (mt[MT_N - 1] & upper) | (mt[0] & lower);
    mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ mag01[y & 1u];
}

static uint32_t mt_next(bp_rng *rng)
{
    if (rng->mti >= MT_N) {
        mt_refill(rng->mt);
        rng->mti = 0;
    }
    uint32_t y = rng->mt[rng->mti++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* ------------------------------------------------------------ public API */

void bp_rng_seed(bp_rng *rng, bp_rng_kind kind, uint64_t seed)
{
    memset(rng, 0, sizeof *rng);
    rng->kind = kind;
    if (kind == BP_RNG_NUMPY) {
        /* numpy accepts seeds in [0, 2^32); callers check the range. */
        mt_seed(rng, (uint32_t)seed);
    } else {
        uint64_t sm = seed;
        for (int i = 0; i < 4; i++)
            rng->s[i] = splitmix64(&sm);
    }
}

uint64_t bp_rng_u64(bp_rng *rng)
{
    if (rng->kind == BP_RNG_NUMPY) {
        uint64_t hi = mt_next(rng);
        return (hi << 32) | mt_next(rng);
    }
    return xoshiro_next(rng->s);
}

double bp_rng_uniform(bp_rng *rng)
{
    if (rng->kind == BP_RNG_NUMPY) {
        /* numpy's random_sample: 27 + 26 bits of two draws. */
        uint32_t a = mt_next(rng) >> 5, b = mt_next(rng) >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }
    return (double)(xoshiro_next(rng->s) >> 11) * 0x1.0p-53;
}

/*
 * Marsaglia's polar method, as numpy's legacy gauss: each accepted pair
 * gives two normals; the second is kept for the next call.
 */
double bp_rng_normal(bp_rng *rng)
{
    if (rng->has_gauss) {
        rng->has_gauss = 0;
        return rng->gauss;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * bp_rng_uniform(rng) - 1.0;
        x2 = 2.0 * bp_rng_uniform(rng) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    rng->gauss = f * x1;
    rng->has_gauss = 1;
    return f * x2;
}

/* Unbiased integer in [0, bound) by rejecting the short last interval. */
uint64_t bp_rng_below(bp_rng *rng, uint64_t bound)
{
    if (bound <= 1)
        return 0;
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t r = bp_rng_u64(rng);
        if (r >= threshold)
            return r % bound;
    }
}
