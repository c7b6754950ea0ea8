/*
 * rng.h -- a small deterministic random number generator (splitmix64).
 *
 * Used where behaviour must be reproducible from a seed: the fault-injecting
 * disk, crash tests, fuzzers.  Not for anything secret.
 */
#ifndef LO_RNG_H
#define LO_RNG_H

#include <stdint.h>

typedef struct { uint64_t state; } lo_rng;

static inline void lo_rng_seed(lo_rng *r, uint64_t seed)
{
    r->state = seed;
}

static inline uint64_t lo_rng_next(lo_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, bound); bound > 0.  The tiny modulo bias is irrelevant
 * for testing purposes. */
static inline uint64_t lo_rng_below(lo_rng *r, uint64_t bound)
{
    return lo_rng_next(r) % bound;
}

#endif
