/*
 * demo_shop.c — the demo shop's customers.
 *
 * Per customer (rates per day, amounts in dollars):
 *   first purchase day   = days * U^1.6     (more customers early, a shop that
 *                                            acquired its base then slowed)
 *   purchase rate lambda ~ Gamma(0.75, rate 30)      mean one purchase / 40 days
 *   dropout p            ~ Beta(0.8, 3.2)            after each purchase
 *   spend: nu ~ Gamma(3.5, rate 25), basket ~ Gamma(6, rate nu)   mean ~ $60
 *   same-day repeat order: 4% of purchases, a smaller basket
 *   refund: 2.5% of orders, 1..14 days later, full (60%) or 20-80% partial
 * These are in the range of published BTYD fits of online retailers.
 */
#include <math.h>

#include "demo_shop.h"
#include "rng.h"

#define USEC_PER_DAY INT64_C(86400000000)
#define USEC_PER_SEC INT64_C(1000000)

static int64_t
basket_cents(cl_rng *rng, double nu, double scale)
{
	double		dollars = cl_rng_gamma(rng, 6.0, nu) * scale;
	int64_t		cents = (int64_t) llround(dollars * 100.0);

	return cents < 100 ? 100 : cents;	/* nothing sells below $1.00 */
}

/* A time of day between 07:00 and 23:00, in microseconds. */
static int64_t
time_of_day(cl_rng *rng)
{
	return (int64_t) (7 * 3600 + cl_rng_uniform(rng) * 16 * 3600) * USEC_PER_SEC;
}

static void
insert_sorted(cl_demo_order *out, size_t *n, int64_t offset, int64_t cents)
{
	size_t		i = *n;

	if (*n >= CL_DEMO_MAX_ORDERS)
		return;
	while (i > 0 && out[i - 1].offset_usec > offset)
	{
		out[i] = out[i - 1];
		i--;
	}
	out[i].offset_usec = offset;
	out[i].cents = cents;
	(*n)++;
}

size_t
cl_demo_customer(uint64_t seed, int64_t customer, int days, cl_demo_order *out)
{
	cl_rng		rng;
	double		lambda,
				p,
				nu;
	double		t;
	size_t		n = 0;
	int64_t		end = (int64_t) days * USEC_PER_DAY;

	cl_rng_seed(&rng, seed, (uint64_t) customer);
	t = floor((double) days * pow(cl_rng_uniform(&rng), 1.6));
	lambda = cl_rng_gamma(&rng, 0.75, 30.0);
	p = cl_rng_beta(&rng, 0.8, 3.2);
	nu = cl_rng_gamma(&rng, 3.5, 25.0);

	for (;;)
	{
		int64_t		day_start = (int64_t) floor(t) * USEC_PER_DAY;
		int64_t		at = day_start + time_of_day(&rng);
		int64_t		cents = basket_cents(&rng, nu, 1.0);

		insert_sorted(out, &n, at, cents);
		if (cl_rng_uniform(&rng) < 0.04)
		{
			/* a second order the same day, minutes to hours later */
			int64_t		later = at + (int64_t) (cl_rng_uniform(&rng) * 3600 * 4) * USEC_PER_SEC;

			if (later >= day_start + USEC_PER_DAY)
				later = day_start + USEC_PER_DAY - USEC_PER_SEC;
			insert_sorted(out, &n, later, basket_cents(&rng, nu, 0.4));
		}
		if (cl_rng_uniform(&rng) < 0.025)
		{
			int64_t		when = at + (int64_t) (1 + floor(cl_rng_uniform(&rng) * 14)) * USEC_PER_DAY;
			int64_t		back = cl_rng_uniform(&rng) < 0.6
				? cents
				: (int64_t) llround((double) cents * (0.2 + 0.6 * cl_rng_uniform(&rng)));

			if (when < end)
				insert_sorted(out, &n, when, -back);
		}
		if (n >= CL_DEMO_MAX_ORDERS || cl_rng_uniform(&rng) < p)
			break;				/* the customer drops out after this purchase */
		t += cl_rng_exponential(&rng, lambda);
		if (t >= (double) days)
			break;
	}
	return n;
}
