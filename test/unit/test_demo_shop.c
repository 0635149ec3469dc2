/*
 * test_demo_shop.c — unit tests of the random number generator, its
 * samplers and the demo shop generator.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "demo_shop.h"
#include "rng.h"

static void
test_rng_determinism(void **state)
{
	cl_rng		a,
				b,
				c;
	int			i,
				same = 0;

	(void) state;
	cl_rng_seed(&a, 1, 7);
	cl_rng_seed(&b, 1, 7);
	cl_rng_seed(&c, 1, 8);
	for (i = 0; i < 1000; i++)
	{
		uint64_t	x = cl_rng_next(&a);

		assert_true(x == cl_rng_next(&b));
		same += x == cl_rng_next(&c);
	}
	assert_int_equal(same, 0);
}

/* Moments of n draws against their expectations, within 5 standard errors. */
static void
test_sampler_moments(void **state)
{
	cl_rng		rng;
	const int	n = 400000;
	double		s1 = 0,
				s2 = 0,
				b1 = 0,
				u1 = 0,
				e1 = 0,
				g1 = 0;
	int			i;

	(void) state;
	cl_rng_seed(&rng, 42, 0);
	for (i = 0; i < n; i++)
	{
		double		g = cl_rng_gamma(&rng, 3.5, 2.0);	/* mean 1.75, var 0.875 */
		double		u = cl_rng_uniform(&rng);

		assert_true(u > 0.0 && u < 1.0);
		s1 += g;
		s2 += g * g;
		b1 += cl_rng_beta(&rng, 0.8, 3.2);	/* mean 0.2 */
		u1 += u;
		e1 += cl_rng_exponential(&rng, 4.0);	/* mean 0.25 */
		g1 += cl_rng_gamma(&rng, 0.5, 1.0); /* shape < 1: mean 0.5 */
	}
	s1 /= n;
	s2 = s2 / n - s1 * s1;
	assert_true(fabs(s1 - 1.75) < 5 * sqrt(0.875 / n));
	assert_true(fabs(s2 - 0.875) < 0.02);
	assert_true(fabs(b1 / n - 0.2) < 5 * sqrt(0.2 * 0.8 / 5.0 / n));
	assert_true(fabs(u1 / n - 0.5) < 5 * sqrt(1.0 / 12.0 / n));
	assert_true(fabs(e1 / n - 0.25) < 5 * 0.25 / sqrt(n));
	assert_true(fabs(g1 / n - 0.5) < 5 * sqrt(0.5 / n));
}

static void
test_demo_customers(void **state)
{
	cl_demo_order a[CL_DEMO_MAX_ORDERS];
	cl_demo_order b[CL_DEMO_MAX_ORDERS];
	int64_t		customer;
	size_t		total = 0,
				refunds = 0;

	(void) state;
	for (customer = 1; customer <= 5000; customer++)
	{
		size_t		n = cl_demo_customer(1, customer, 730, a);
		size_t		m = cl_demo_customer(1, customer, 730, b);
		size_t		i;
		int64_t		top = 0;

		assert_true(n >= 1 && n == m);
		assert_true(a[0].cents > 0);	/* the first order is a purchase */
		for (i = 0; i < n; i++)
		{
			assert_true(a[i].offset_usec == b[i].offset_usec && a[i].cents == b[i].cents);
			assert_true(a[i].offset_usec >= 0 && a[i].offset_usec < INT64_C(730) * 86400000000);
			if (i > 0)
				assert_true(a[i].offset_usec >= a[i - 1].offset_usec);
			if (a[i].cents > top)
				top = a[i].cents;
			if (a[i].cents < 0)
			{
				assert_true(-a[i].cents <= top);
				refunds++;
			}
			else
				assert_true(a[i].cents >= 100);
		}
		total += n;
	}
	/* about 5 orders per customer and 2-3% refunds with these parameters */
	assert_true(total > 5000 * 3 && total < 5000 * 8);
	assert_true(refunds * 100 > total * 1 && refunds * 100 < total * 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_determinism),
		cmocka_unit_test(test_sampler_moments),
		cmocka_unit_test(test_demo_customers),
	};

	return cmocka_run_group_tests_name("rng and demo shop", tests, NULL, NULL);
}
