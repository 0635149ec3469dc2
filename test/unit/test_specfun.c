/*
 * test_specfun.c — special functions against mpmath reference values
 * (test/unit/vectors/gen_hyp2f1.py) and algebraic identities.
 *
 * Tolerances: ln|2F1| is compared with an absolute tolerance, which is the
 * relative error of 2F1 itself: 1e-10, plus
 *  - 8 ulps of |ln 2F1|, because a logarithm as large as 1e7 (x = 1e6 near
 *    z = 1) cannot be represented more closely than that in a double;
 *  - 2 ulps of the largest parameter times (|ln(1-z)| + ln(max parameter)):
 *    the transformations form c-a, c-b and c-a-b in double precision, and
 *    an absolute rounding error δ there moves ln 2F1 by about δ ψ(c) through
 *    the gamma functions and δ ln(1-z) through (1-z)^(c-a-b).  This matters
 *    only for parameters near 1e6 ("Pareto/NBD-like" cases, 4e-9); the
 *    BG/NBD code passes its Euler-form parameters computed directly from
 *    the model parameters and is not affected.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "specfun.h"
#include "vectors/hyp2f1_vectors.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
assert_rel(double got, double want, double tol, const char *what)
{
	double		err = fabs(got - want) / fmax(fabs(want), 1e-300);

	if (!(err <= tol))
		fail_msg("%s: got %.17g want %.17g (relative error %.3g > %.3g)",
				 what, got, want, err, tol);
}

static void
test_hyp2f1_vectors(void **state)
{
	size_t		i;
	double		worst = 0.0;
	size_t		worst_i = 0;

	(void) state;
	for (i = 0; i < NELEM(ref_hyp2f1_cases); i++)
	{
		const ref_hyp2f1 *v = &ref_hyp2f1_cases[i];
		double		la;
		int			sg;
		cl_status	st = cl_log_hyp2f1(v->a, v->b, v->c, v->z, &la, &sg);
		double		pmax = fmax(fabs(v->a), fmax(fabs(v->b), fabs(v->c)));
		double		err,
					tol = 1e-10 + 8.0 * DBL_EPSILON * fabs(v->log_abs)
			+ 2.0 * DBL_EPSILON * pmax * (fabs(log1p(-v->z)) + log1p(pmax));

		if (st != CL_OK)
			fail_msg("2F1(%.17g, %.17g; %.17g; %.17g) [%s]: %s", v->a, v->b,
					 v->c, v->z, v->what, cl_status_text(st));
		err = fabs(la - v->log_abs);
		if (!(err <= tol) || sg != v->sign)
			fail_msg("2F1(%.17g, %.17g; %.17g; %.17g) [%s]: ln|F| %.17g want %.17g "
					 "(error %.3g), sign %d want %d", v->a, v->b, v->c, v->z,
					 v->what, la, v->log_abs, err, sg, v->sign);
		/* relative error of F, over the cases not limited by the rounding above */
		if (pmax < 1e3 && err > worst)
		{
			worst = err;
			worst_i = i;
		}
	}
	printf("2F1: %zu reference values, max relative error %.3g (%s, z = %g)\n",
		   NELEM(ref_hyp2f1_cases), worst, ref_hyp2f1_cases[worst_i].what,
		   ref_hyp2f1_cases[worst_i].z);
}

/* Closed forms: 2F1(1,1;2;z) = -ln(1-z)/z, 2F1(a,b;b;z) = (1-z)^-a. */
static void
test_hyp2f1_closed_forms(void **state)
{
	static const double zs[] = {-50.0, -0.7, 1e-3, 0.3, 0.75, 0.999, 1.0 - 0x1p-40};
	size_t		i;

	(void) state;
	for (i = 0; i < NELEM(zs); i++)
	{
		double		z = zs[i],
					la;
		int			sg;

		assert_int_equal(cl_log_hyp2f1(1.0, 1.0, 2.0, z, &la, &sg), CL_OK);
		assert_rel(exp(la), -log1p(-z) / z, 1e-14, "2F1(1,1;2;z)");
		assert_int_equal(sg, 1);
		assert_int_equal(cl_log_hyp2f1(2.75, 1.25, 1.25, z, &la, &sg), CL_OK);
		assert_true(fabs(la - -2.75 * log1p(-z)) <= 1e-13 * fmax(1.0, fabs(la)));
	}
	/* near z = 0 ln F = z/2 + 5z^2/24 + O(z^3) must keep its relative accuracy */
	{
		double		la;
		int			sg;

		assert_int_equal(cl_log_hyp2f1(1.0, 1.0, 2.0, 1e-9, &la, &sg), CL_OK);
		assert_rel(la, 5e-10 + 5e-18 / 24.0, 1e-15, "2F1(1,1;2;1e-9)");
	}
}

/* Euler and Pfaff transformations hold in our implementation too. */
static void
test_hyp2f1_transformations(void **state)
{
	static const double p[][3] = {{0.3, 2.2, 1.7}, {5.5, 0.45, 3.1}, {1.1, 1.2, 2.3}};
	static const double zs[] = {0.2, 0.6, 0.95, 0.9999};
	size_t		i,
				j;

	(void) state;
	for (i = 0; i < NELEM(p); i++)
		for (j = 0; j < NELEM(zs); j++)
		{
			double		a = p[i][0],
						b = p[i][1],
						c = p[i][2],
						z = zs[j];
			double		l1,
						l2,
						l3;
			int			s1,
						s2,
						s3;

			assert_int_equal(cl_log_hyp2f1(a, b, c, z, &l1, &s1), CL_OK);
			assert_int_equal(cl_log_hyp2f1(c - a, c - b, c, z, &l2, &s2), CL_OK);
			assert_int_equal(cl_log_hyp2f1(a, b, c, z / (z - 1.0), &l3, &s3), CL_OK);
			/* Euler: F(a,b;c;z) = (1-z)^(c-a-b) F(c-a,c-b;c;z) */
			assert_true(fabs(l1 - (l2 + (c - a - b) * log1p(-z))) < 1e-11);
			/* Pfaff, read backwards: F(a,b;c;z/(z-1)) = (1-z)^a F(a,c-b;c;z) */
			{
				double		l4;
				int			s4;

				assert_int_equal(cl_log_hyp2f1(a, c - b, c, z, &l4, &s4), CL_OK);
				assert_true(fabs(l3 - (a * log1p(-z) + l4)) < 1e-11);
				assert_int_equal(s3, s4);
			}
			assert_int_equal(s1, s2);
		}
}

static void
test_hyp2f1_domain(void **state)
{
	double		la;
	int			sg;

	(void) state;
	assert_int_equal(cl_log_hyp2f1(1.0, 1.0, 2.0, 1.0, &la, &sg), CL_EINVAL);
	assert_int_equal(cl_log_hyp2f1(1.0, 1.0, 0.0, 0.5, &la, &sg), CL_EINVAL);
	assert_int_equal(cl_log_hyp2f1(1.0, 1.0, -1.5, 0.5, &la, &sg), CL_EINVAL);
	assert_int_equal(cl_log_hyp2f1(NAN, 1.0, 2.0, 0.5, &la, &sg), CL_ENOTFINITE);
	assert_int_equal(cl_log_hyp2f1(1.0, 1.0, 2.0, -INFINITY, &la, &sg), CL_ENOTFINITE);
	assert_int_equal(cl_log_hyp2f1_zw(1.0, 1.0, 2.0, 0.5, 0.0, &la, &sg), CL_EINVAL);
	assert_int_equal(cl_log_hyp2f1(3.0, 1.0, 2.0, 0.0, &la, &sg), CL_OK);
	assert_true(la == 0.0 && sg == 1);
}

/* The supplied 1 - z is what counts near z = 1. */
static void
test_hyp2f1_zw(void **state)
{
	double		w = 1e-12,
				la;
	int			sg;

	(void) state;
	/* 2F1(1,1;2;z) = -ln(w)/(1-w) */
	assert_int_equal(cl_log_hyp2f1_zw(1.0, 1.0, 2.0, 1.0 - w, w, &la, &sg), CL_OK);
	assert_rel(la, log(-log(w) / (1.0 - w)), 1e-13, "2F1(1,1;2;1-1e-12)");
}

static void
test_psi_vectors(void **state)
{
	size_t		i;

	(void) state;
	for (i = 0; i < NELEM(ref_psi_cases); i++)
	{
		assert_rel(cl_digamma(ref_psi_cases[i].x), ref_psi_cases[i].digamma,
				   4e-15, "digamma");
		assert_rel(cl_trigamma(ref_psi_cases[i].x), ref_psi_cases[i].trigamma,
				   4e-15, "trigamma");
	}
}

static void
test_lgamma(void **state)
{
	size_t		i;

	(void) state;
	for (i = 0; i < NELEM(ref_lgamma_ratio_cases); i++)
	{
		const ref_lgamma_ratio *v = &ref_lgamma_ratio_cases[i];

		assert_rel(cl_lgamma_ratio(v->x, v->y), v->value, 1e-13, "lgamma ratio");
	}
	assert_rel(cl_lgamma(0.5), 0.5 * log(M_PI), 1e-15, "lgamma(1/2)");
	assert_rel(cl_lgamma(10.0), log(362880.0), 1e-15, "lgamma(10)");
	/* B(2, 3) = 1/12; B(a, 1) = 1/a */
	assert_rel(cl_lbeta(2.0, 3.0), -log(12.0), 1e-14, "lbeta(2,3)");
	assert_rel(cl_lbeta(1e6, 1.0), -log(1e6), 1e-14, "lbeta(1e6,1)");
}

static void
test_logsumexp(void **state)
{
	double		la;
	int			sg;

	(void) state;
	assert_rel(cl_logsumexp2(log(2.0), log(3.0)), log(5.0), 1e-15, "lse");
	assert_true(cl_logsumexp2(-INFINITY, 1.5) == 1.5);
	assert_true(cl_logsumexp2(-INFINITY, -INFINITY) == -INFINITY);
	assert_rel(cl_logsumexp2(1000.0, 1000.0), 1000.0 + log(2.0), 1e-15, "lse big");
	assert_rel(cl_log1pexp(-800.0), exp(-800.0), 1e-15, "softplus tiny");
	assert_rel(cl_log1pexp(800.0), 800.0, 1e-15, "softplus big");
	cl_logsumexp_signed(log(5.0), 1, log(3.0), -1, &la, &sg);
	assert_rel(la, log(2.0), 1e-15, "5 - 3");
	assert_int_equal(sg, 1);
	cl_logsumexp_signed(log(3.0), 1, log(5.0), -1, &la, &sg);
	assert_rel(la, log(2.0), 1e-15, "3 - 5");
	assert_int_equal(sg, -1);
	cl_logsumexp_signed(log(1.0 + 1e-12), 1, 0.0, -1, &la, &sg);
	assert_rel(la, log(1e-12), 1e-4, "near cancellation");
	cl_logsumexp_signed(1.0, 1, 1.0, -1, &la, &sg);
	assert_true(la == -INFINITY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hyp2f1_vectors),
		cmocka_unit_test(test_hyp2f1_closed_forms),
		cmocka_unit_test(test_hyp2f1_transformations),
		cmocka_unit_test(test_hyp2f1_domain),
		cmocka_unit_test(test_hyp2f1_zw),
		cmocka_unit_test(test_psi_vectors),
		cmocka_unit_test(test_lgamma),
		cmocka_unit_test(test_logsumexp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
