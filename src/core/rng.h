/*
 * rng.h — a small, seedable, deterministic random number generator and the
 * samplers the simulators need.
 *
 * splitmix64 seeds a xoshiro256** generator; both are tiny, fast and pass
 * the usual statistical batteries, and an explicit state means no globals:
 * two customers seeded from (seed, customer index) get independent streams,
 * so a customer's orders do not depend on how many others are generated.
 */
#ifndef CL_RNG_H
#define CL_RNG_H

#include <stdint.h>

typedef struct cl_rng
{
	uint64_t	s[4];
} cl_rng;

/* Seed from two 64-bit values (e.g. a user seed and a customer index). */
extern void cl_rng_seed(cl_rng *rng, uint64_t seed, uint64_t stream);

extern uint64_t cl_rng_next(cl_rng *rng);

/* Uniform on the open interval (0, 1). */
extern double cl_rng_uniform(cl_rng *rng);

/* Standard normal (Box-Muller, one value per call). */
extern double cl_rng_normal(cl_rng *rng);

/* Exponential with the given rate. */
extern double cl_rng_exponential(cl_rng *rng, double rate);

/* Gamma with shape k > 0 and rate beta > 0 (Marsaglia-Tsang). */
extern double cl_rng_gamma(cl_rng *rng, double shape, double rate);

/* Beta(a, b) as G_a / (G_a + G_b). */
extern double cl_rng_beta(cl_rng *rng, double a, double b);

#endif							/* CL_RNG_H */
