/*
 * rng.c — xoshiro256** seeded by splitmix64, and samplers.
 */
#include <math.h>

#include "rng.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void
cl_rng_seed(cl_rng *rng, uint64_t seed, uint64_t stream)
{
	/* mix the stream first so that nearby indexes give unrelated states */
	uint64_t	x = seed ^ splitmix64(&stream);
	int			i;

	for (i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
cl_rng_next(cl_rng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
cl_rng_uniform(cl_rng *rng)
{
	/* 53 random bits, shifted by half a step so 0 never occurs */
	return ((double) (cl_rng_next(rng) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double
cl_rng_normal(cl_rng *rng)
{
	double		u1 = cl_rng_uniform(rng);
	double		u2 = cl_rng_uniform(rng);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double
cl_rng_exponential(cl_rng *rng, double rate)
{
	return -log(cl_rng_uniform(rng)) / rate;
}

double
cl_rng_gamma(cl_rng *rng, double shape, double rate)
{
	double		d,
				c;

	/*
	 * Marsaglia & Tsang (2000) for shape >= 1; for shape < 1 draw with
	 * shape + 1 and multiply by U^(1/shape) (the standard boost).
	 */
	if (shape < 1.0)
	{
		/* g1 / rate is the rate-scaled draw exactly as before (d v / rate) */
		double		g1 = cl_rng_gamma(rng, shape + 1.0, 1.0),
					u = cl_rng_uniform(rng),
					v = g1 / rate * pow(u, 1.0 / shape);

		/*
		 * With a tiny shape and rate, g1 / rate overflows while
		 * U^(1/shape) underflows (∞ × 0 = NaN); the product is then
		 * exp(ln g1 - ln rate + ln U / shape), from the same draws.
		 */
		if (isnan(v))
			v = exp(log(g1) - log(rate) + log(u) / shape);
		return v;
	}
	d = shape - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;)
	{
		double		z = cl_rng_normal(rng);
		double		v = 1.0 + c * z;
		double		u;

		if (v <= 0.0)
			continue;
		v = v * v * v;
		u = cl_rng_uniform(rng);
		if (log(u) < 0.5 * z * z + d - d * v + d * log(v))
			return d * v / rate;
	}
}

double
cl_rng_beta(cl_rng *rng, double a, double b)
{
	double		x = cl_rng_gamma(rng, a, 1.0);
	double		y = cl_rng_gamma(rng, b, 1.0);

	/*
	 * With tiny shapes both draws can underflow to 0; then compare their
	 * logarithms instead (G_k = G_{k+1} U^(1/k), so ln G = ln G_{k+1} + ln U / k).
	 */
	if (!(x + y > 0.0))
	{
		double		lx = log(cl_rng_gamma(rng, a + 1.0, 1.0)) + log(cl_rng_uniform(rng)) / a;
		double		ly = log(cl_rng_gamma(rng, b + 1.0, 1.0)) + log(cl_rng_uniform(rng)) / b;

		return 1.0 / (1.0 + exp(ly - lx));
	}
	return x / (x + y);
}
