/*
 * test_gamma_gamma.c — Gamma-Gamma spend model (CDNOW reference fit, exact
 * derivatives, expected spend, recovery, degenerate data) and the CLV sum.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "unit_common.h"

#include "bgnbd.h"
#include "btyd_fixture.h"
#include "clv.h"
#include "gamma_gamma.h"

static const cl_gg_params cdnow_gg = {6.24957, 3.74422, 15.44352};
static const cl_bgnbd_params cdnow_bg = {0.2425945, 4.4136027, 0.7929218, 2.4259057};

static void
test_cdnow_fit(void **state)
{
	static cdnow_customer cust[CDNOW_CUSTOMERS];
	static cl_gg_cell cells[CDNOW_CUSTOMERS];
	cl_fit_result res;
	int			ncust,
				i;

	(void) state;
	ncust = cdnow_load(cust);
	if (ncust == 0)
	{
		printf("SKIP: CDNOW sample not found (set CL_CDNOW_FILE or run from the repository root)\n");
		skip();
	}
	/* all customers: the fit itself skips those without repeat purchases */
	for (i = 0; i < ncust; i++)
		cells[i] = (cl_gg_cell) {cust[i].x, cust[i].m, 1.0};
	assert_int_equal(cl_gg_fit(cells, (size_t) ncust, NULL, &res), CL_OK);
	printf("CDNOW Gamma-Gamma: p = %.5f q = %.5f v = %.5f LL = %.4f n = %g, %d iterations\n",
		   res.params[0], res.params[1], res.params[2], res.ll, res.n, res.iterations);
	assert_true(res.converged);
	assert_true(res.n == 946.0);
	assert_rel(res.params[0], 6.24957, 1e-3, "p");
	assert_rel(res.params[1], 3.74422, 1e-3, "q");
	assert_rel(res.params[2], 15.44352, 1e-3, "v");
}

static void
test_gradient_hessian(void **state)
{
	static cl_gg_cell cells[300];
	fixture_rng g = {3};
	const double u0[3] = {1.2, 0.9, 2.1};
	double		ll,
				grad[3],
				hess[9];
	size_t		i;
	int			k,
				j;

	(void) state;
	for (i = 0; i < NELEM(cells); i++)
		cells[i] = (cl_gg_cell) {floor(1.0 + 6.0 * rng_unif(&g)),
			5.0 + 60.0 * rng_unif(&g), 1.0 + floor(2.0 * rng_unif(&g))};
	{
		cl_gg_params p = {exp(u0[0]), exp(u0[1]), exp(u0[2])};

		assert_int_equal(cl_gg_loglik_total(&p, cells, NELEM(cells), &ll, grad, hess, NULL), CL_OK);
	}
	for (k = 0; k < 3; k++)
	{
		double		step = 1e-5,
					up[3],
					dn[3],
					llp,
					llm,
					gp[3],
					gm[3];
		cl_gg_params pp,
					pm;

		memcpy(up, u0, sizeof(up));
		memcpy(dn, u0, sizeof(dn));
		up[k] += step;
		dn[k] -= step;
		pp = (cl_gg_params) {exp(up[0]), exp(up[1]), exp(up[2])};
		pm = (cl_gg_params) {exp(dn[0]), exp(dn[1]), exp(dn[2])};
		assert_int_equal(cl_gg_loglik_total(&pp, cells, NELEM(cells), &llp, gp, NULL, NULL), CL_OK);
		assert_int_equal(cl_gg_loglik_total(&pm, cells, NELEM(cells), &llm, gm, NULL, NULL), CL_OK);
		if (!(fabs((llp - llm) / (2 * step) - grad[k]) <= 1e-6 * (fabs(grad[k]) + 1e-3 * fabs(ll))))
			fail_msg("dLL/du%d = %.12g, finite difference %.12g", k, grad[k], (llp - llm) / (2 * step));
		for (j = 0; j < 3; j++)
		{
			double		fd = (gp[j] - gm[j]) / (2 * step);

			if (!(fabs(fd - hess[k * 3 + j]) <= 1e-6 * (fabs(hess[k * 3 + j]) + 1e-3 * fabs(ll))))
				fail_msg("H[%d][%d] = %.12g, finite difference %.12g", k, j, hess[k * 3 + j], fd);
		}
	}
	/* the total is the sum of the customers' log-likelihoods */
	{
		cl_gg_params p = {exp(u0[0]), exp(u0[1]), exp(u0[2])};
		double		sum = 0.0,
					one;

		for (i = 0; i < NELEM(cells); i++)
		{
			assert_int_equal(cl_gg_loglik(&p, cells[i].x, cells[i].m, &one), CL_OK);
			sum += cells[i].weight * one;
		}
		assert_rel(ll, sum, 1e-12, "total = sum");
	}
}

static void
test_expected_spend(void **state)
{
	cl_gg_params heavy = {2.0, 0.8, 10.0};
	double		e;

	(void) state;
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 0.0, 0.0, &e), CL_OK);
	assert_rel(e, 6.24957 * 15.44352 / 2.74422, 1e-15, "population mean");
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 2.0, 30.0, &e), CL_OK);
	assert_rel(e, 6.24957 * (15.44352 + 60.0) / (2 * 6.24957 + 2.74422), 1e-15, "E[M|x,m]");
	/* shrinkage: between the population mean and the customer's own mean */
	assert_true(e > 30.0 && e < 6.24957 * 15.44352 / 2.74422);
	/* many purchases: the customer's own mean dominates */
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 1e6, 30.0, &e), CL_OK);
	assert_rel(e, 30.0, 1e-5, "E[M|x large]");

	assert_int_equal(cl_gg_expected_spend(&heavy, 0.0, 0.0, &e), CL_ERANGE);
	assert_int_equal(cl_gg_expected_spend(&heavy, 1.0, 20.0, &e), CL_OK);
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 1.0, 0.0, &e), CL_EINVAL);
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, -1.0, 3.0, &e), CL_EINVAL);
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 1.0, NAN, &e), CL_ENOTFINITE);
	heavy.q = 0.0;
	assert_int_equal(cl_gg_expected_spend(&heavy, 1.0, 20.0, &e), CL_EINVAL);
}

/* one customer-level draw: mean of x Gamma(p, ν) values, ν ~ Gamma(q, v) */
static double
simulate_m(fixture_rng *g, double p, double q, double v, double x)
{
	double		nu = rng_gamma(g, q) / v,
				s = 0.0;
	int			k;

	for (k = 0; k < (int) x; k++)
		s += rng_gamma(g, p) / nu;
	return s / x;
}

static void
test_recovery(void **state)
{
	static cl_gg_cell cells[20000];
	fixture_rng g = {11};
	cl_fit_result res;
	size_t		i;

	(void) state;
	for (i = 0; i < NELEM(cells); i++)
	{
		double		x = floor(1.0 + 8.0 * rng_unif(&g));

		cells[i] = (cl_gg_cell) {x, simulate_m(&g, 6.0, 4.0, 15.0, x), 1.0};
	}
	assert_int_equal(cl_gg_fit(cells, NELEM(cells), NULL, &res), CL_OK);
	printf("recovery (20000 simulated customers): p = %.4f q = %.4f v = %.4f (truth 6, 4, 15)\n",
		   res.params[0], res.params[1], res.params[2]);
	assert_rel(res.params[0], 6.0, 0.1, "p");
	assert_rel(res.params[1], 4.0, 0.1, "q");
	assert_rel(res.params[2], 15.0, 0.15, "v");
}

static void
test_degenerate(void **state)
{
	static cl_gg_cell cells[4000];
	cl_gg_cell	none[2] = {{0.0, 0.0, 3.0}, {0.0, 12.0, 1.0}};
	fixture_rng g = {5};
	cl_fit_result res;
	size_t		i;

	(void) state;
	/* nobody with a repeat purchase */
	assert_int_equal(cl_gg_fit(none, 2, NULL, &res), CL_EDEGENERATE);
	assert_true(res.n == 0.0);
	/* a repeat customer with a non-positive mean is bad input, not skipped */
	none[0].x = 2.0;
	assert_int_equal(cl_gg_fit(none, 2, NULL, &res), CL_EINVAL);

	/* everyone spends the same: no heterogeneity, q and v run off together */
	for (i = 0; i < 50; i++)
		cells[i] = (cl_gg_cell) {1.0 + (double) (i % 4), 25.0, 1.0};
	assert_int_equal(cl_gg_fit(cells, 50, NULL, &res), CL_EDEGENERATE);

	/* heavy-tailed spend (true q = 0.7): the maximum has q <= 1, no finite mean */
	for (i = 0; i < NELEM(cells); i++)
	{
		double		x = floor(1.0 + 3.0 * rng_unif(&g));

		cells[i] = (cl_gg_cell) {x, simulate_m(&g, 3.0, 0.7, 10.0, x), 1.0};
	}
	assert_int_equal(cl_gg_fit(cells, NELEM(cells), NULL, &res), CL_EDEGENERATE);
	assert_true(res.converged && res.params[1] <= 1.0);
}

/* ---- CLV ---------------------------------------------------------------- */

static void
test_clv(void **state)
{
	const double f = 30.0 / 7.0;	/* weeks per 30-day month */
	double		clv,
				clv0,
				e,
				spend;

	(void) state;
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 2.0, 30.0, &spend), CL_OK);

	/* without discounting the sum telescopes to m̂ E[Y(K f)] */
	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 2.0, 30.43, 38.86, 30.0,
									 12, 0.0, f, &clv0), CL_OK);
	assert_int_equal(cl_bgnbd_expected_purchases(&cdnow_bg, 12.0 * f, 2.0, 30.43, 38.86, &e), CL_OK);
	assert_rel(clv0, spend * e, 1e-13, "undiscounted CLV");

	/* discounting lowers it, but by less than the last month's factor */
	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 2.0, 30.43, 38.86, 30.0,
									 12, 0.01, f, &clv), CL_OK);
	assert_true(clv < clv0 && clv > clv0 / pow(1.01, 12.0));

	/* one month: m̂ E[Y(f)] / (1 + d) */
	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 2.0, 30.43, 38.86, 30.0,
									 1, 0.01, f, &clv), CL_OK);
	assert_int_equal(cl_bgnbd_expected_purchases(&cdnow_bg, f, 2.0, 30.43, 38.86, &e), CL_OK);
	assert_rel(clv, spend * e / 1.01, 1e-14, "one month");

	/* a customer without repeat purchases is valued at the population mean spend */
	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 0.0, 0.0, 38.86, 0.0,
									 12, 0.0, f, &clv), CL_OK);
	assert_int_equal(cl_bgnbd_expected_purchases(&cdnow_bg, 12.0 * f, 0.0, 0.0, 38.86, &e), CL_OK);
	assert_rel(clv, 6.24957 * 15.44352 / 2.74422 * e, 1e-13, "CLV at x = 0");

	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 2.0, 30.43, 38.86, 30.0,
									 0, 0.01, f, &clv), CL_OK);
	assert_true(clv == 0.0);
	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 2.0, 30.43, 38.86, 30.0,
									 -1, 0.01, f, &clv), CL_EINVAL);
	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 2.0, 30.43, 38.86, 30.0,
									 12, -1.0, f, &clv), CL_EINVAL);
	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 2.0, 30.43, 38.86, 30.0,
									 12, 0.01, 0.0, &clv), CL_EINVAL);
	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 2.0, 30.43, 38.86, 30.0,
									 CL_CLV_MAX_MONTHS + 1, 0.01, f, &clv), CL_ESIZE);
	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 2.0, 40.0, 38.86, 30.0,
									 12, 0.01, f, &clv), CL_EINVAL);
	assert_int_equal(cl_clv_estimate(&cdnow_bg, &cdnow_gg, 2.0, 30.43, 38.86, NAN,
									 12, 0.01, f, &clv), CL_ENOTFINITE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdnow_fit),
		cmocka_unit_test(test_gradient_hessian),
		cmocka_unit_test(test_expected_spend),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_clv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
