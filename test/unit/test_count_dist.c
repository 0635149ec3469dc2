/*
 * test_count_dist.c — conditional distribution of future purchase counts:
 * the PMF sums to 1 with its tail, its mean is the models' conditional
 * expected purchases and its k = 0 term their P(no purchase), for the
 * interior models and every limit model; Monte Carlo checks of the whole
 * distribution against simulated posterior customers; prediction
 * intervals; the incomplete beta and gamma functions; bad arguments and
 * interruption.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit_common.h"

#include "btyd.h"
#include "btyd_fixture.h"
#include "btyd_limits.h"
#include "btyd_model.h"
#include "count_dist.h"
#include "interrupt.h"

#define S CL_LIMIT_SHIFT
#define HR CL_LIMIT_HOMOGENEOUS_RATE
#define ND CL_LIMIT_NO_DROPOUT
#define HD CL_LIMIT_HOMOGENEOUS_DROPOUT

/* CDNOW fits (weeks) and every supported limit (btyd_limits.h) */
static const cl_btyd_model models[] = {
	{CL_BTYD_BGNBD, {0.2425945, 4.4136027, 0.7929218, 2.4259057}},
	{CL_BTYD_MBGNBD, {0.5248432, 6.183085, 0.8913594, 1.614002}},
	{CL_BTYD_PARETO_NBD, {0.5532771, 10.57768, 0.6062399, 11.66873}},
	{CL_BTYD_BGNBD | ND << S, {0.5, 4.0}},
	{CL_BTYD_BGNBD | (HR | ND) << S, {0.1}},
	{CL_BTYD_BGNBD | HR << S, {0.1, 0.8, 2.4}},
	{CL_BTYD_BGNBD | HD << S, {0.3, 4.0, 0.2}},
	{CL_BTYD_BGNBD | (HR | HD) << S, {0.1, 0.2}},
	{CL_BTYD_BGNBD | (HR | HD) << S, {0.1, 1.0}},
	{CL_BTYD_MBGNBD | HR << S, {0.1, 0.8, 2.4}},
	{CL_BTYD_MBGNBD | HD << S, {0.3, 4.0, 0.2}},
	{CL_BTYD_MBGNBD | ND << S, {0.5, 4.0}},
	{CL_BTYD_MBGNBD | (HR | ND) << S, {0.1}},
	{CL_BTYD_MBGNBD | (HR | HD) << S, {0.1, 0.2}},
	{CL_BTYD_PARETO_NBD | ND << S, {0.5, 4.0}},
	{CL_BTYD_PARETO_NBD | (HR | ND) << S, {0.1}},
	{CL_BTYD_PARETO_NBD | HR << S, {0.1, 0.6, 11.0}},
	{CL_BTYD_PARETO_NBD | HD << S, {0.5, 10.0, 0.05}},
	{CL_BTYD_PARETO_NBD | (HR | HD) << S, {0.1, 0.05}},
};

static const double customers[][3] = {
	{0, 0, 38}, {2, 30.43, 38.86}, {6, 20, 40}, {15, 36, 37}, {50, 38, 39}, {1, 1, 60},
};

static const double horizons[] = {0.5, 39.0, 200.0};

static double pmf[4097];

/*
 * The PMF with a kmax large enough that the tail no longer matters for the
 * mean: kmax doubles from 32 until kmax × tail < 1e-13 × (mean + 1e-3).
 */
static int
full_pmf(const cl_btyd_model *m, double h, double x, double t_x, double T,
		 double e, double *tail)
{
	int			kmax;

	for (kmax = 32; kmax <= 4096; kmax *= 2)
	{
		assert_int_equal(cl_count_pmf(m, h, x, t_x, T, kmax, pmf, tail), CL_OK);
		if (*tail * kmax * 10.0 < 1e-13 * (e + 1e-3))
			return kmax;
	}
	fail_msg("tail too heavy for the test buffer");
	return 0;
}

static void
test_pmf_identities(void **state)
{
	size_t		mi,
				ci,
				hi;
	int			checked = 0;
	double		worst_sum = 0.0,
				worst_mean = 0.0;

	(void) state;
	for (mi = 0; mi < NELEM(models); mi++)
		for (ci = 0; ci < NELEM(customers); ci++)
			for (hi = 0; hi < NELEM(horizons); hi++)
			{
				const cl_btyd_model *m = &models[mi];
				double		x = customers[ci][0],
							t_x = customers[ci][1],
							T = customers[ci][2],
							h = horizons[hi],
							e,
							p0,
							tail,
							sum = 0.0,
							mean = 0.0;
				int			kmax,
							k;

				assert_int_equal(cl_btyd_expected_purchases_steps(m, h, 1, x, t_x, T, &e), CL_OK);
				assert_int_equal(cl_btyd_p_no_purchase(m, h, x, t_x, T, &p0), CL_OK);
				kmax = full_pmf(m, h, x, t_x, T, e, &tail);
				for (k = kmax; k >= 0; k--)
				{
					assert_true(pmf[k] >= 0.0 && pmf[k] <= 1.0);
					sum += pmf[k];
					mean += k * pmf[k];
				}
				if (!(fabs(sum + tail - 1.0) <= 1e-12))
					fail_msg("model %zu customer %zu h %g: sum + tail - 1 = %.3g",
							 mi, ci, h, sum + tail - 1.0);
				if (!(fabs(mean - e) <= 1e-10 * e))
					fail_msg("model %zu customer %zu h %g: mean %.17g, expected purchases %.17g",
							 mi, ci, h, mean, e);
				assert_true(pmf[0] == p0);
				worst_sum = fmax(worst_sum, fabs(sum + tail - 1.0));
				worst_mean = fmax(worst_mean, e > 0.0 ? fabs(mean - e) / e : 0.0);
				checked++;
			}
	printf("%d distributions: |sum + tail - 1| <= %.2g, mean vs expected purchases <= %.2g relative\n",
		   checked, worst_sum, worst_mean);
}

/* a short kmax: the tail carries the rest */
static void
test_tail(void **state)
{
	size_t		mi;

	(void) state;
	for (mi = 0; mi < NELEM(models); mi++)
	{
		double		tail,
					tail_full,
					sum = 0.0,
					e;
		int			k,
					kmax;

		assert_int_equal(cl_btyd_expected_purchases_steps(&models[mi], 39.0, 1, 15, 36, 37, &e), CL_OK);
		kmax = full_pmf(&models[mi], 39.0, 15, 36, 37, e, &tail_full);
		for (k = 3; k <= kmax; k++)
			sum += pmf[k];
		assert_int_equal(cl_count_pmf(&models[mi], 39.0, 15, 36, 37, 2, pmf, &tail), CL_OK);
		assert_rel(tail, sum + tail_full, 1e-11, "tail beyond 2");
	}
}

static void
test_zero_horizon(void **state)
{
	double		tail;

	(void) state;
	assert_int_equal(cl_count_pmf(&models[2], 0.0, 2, 30, 38, 5, pmf, &tail), CL_OK);
	assert_true(pmf[0] == 1.0 && pmf[1] == 0.0 && pmf[5] == 0.0 && tail == 0.0);
	assert_int_equal(cl_count_pmf(&models[0], 0.0, 2, 30, 38, 0, pmf, NULL), CL_OK);
	assert_true(pmf[0] == 1.0);
}

/*
 * Pareto/NBD with homogeneous rate and dropout has the PMF in closed form,
 * which checks the quadrature: given alive, with c = λ + μ,
 *   P(X = k | alive) = e^(-μh) Pois(k; λh) + μ λ^k / c^(k+1) P(k+1, c h)
 * (P the regularized lower incomplete gamma function).
 */
static void
test_pareto_closed_form(void **state)
{
	const double lam = 0.1,
				mu = 0.05,
				h = 39.0,
				c = lam + mu;
	const cl_btyd_model m = {CL_BTYD_PARETO_NBD | (HR | HD) << S, {lam, mu}};
	double		pa,
				tail;
	int			k;

	(void) state;
	assert_int_equal(cl_btyd_p_alive(&m, 2, 30, 38, &pa), CL_OK);
	assert_int_equal(cl_count_pmf(&m, h, 2, 30, 38, 40, pmf, &tail), CL_OK);
	for (k = 1; k <= 40; k++)
	{
		double		pinc,
					want;

		assert_int_equal(cl_gammainc_lower(k + 1.0, c * h, &pinc), CL_OK);
		want = pa * (exp(-mu * h + k * log(lam * h) - lam * h - lgamma(k + 1.0))
					 + exp(log(mu) + k * log(lam) - (k + 1.0) * log(c)) * pinc);
		assert_rel(pmf[k], want, 1e-12, "closed form");
	}
}

/* ---- Monte Carlo: simulated posterior customers -------------------------- */

/*
 * Draw the count of one customer given the summary: alive with
 * probability P(alive), then the model's process from T on, with the
 * posterior rates drawn as count_dist.h states them.
 */
static int
draw_count(fixture_rng *g, const cl_btyd_model *m, double pa, double h,
		   double x, double T)
{
	int			base = CL_BTYD_BASE(m->family),
				n = 0;
	double		lambda,
				t = 0.0;

	if (rng_unif(g) >= pa)
		return 0;
	lambda = rng_gamma(g, m->p[0] + x) / (m->p[1] + T);
	if (base == CL_BTYD_PARETO_NBD)
	{
		double		mu = rng_gamma(g, m->p[2]) / (m->p[3] + T),
					life = -log(rng_unif(g)) / mu,
					end = fmin(h, life);

		for (;;)
		{
			t += -log(rng_unif(g)) / lambda;
			if (t > end)
				return n;
			n++;
		}
	}
	else
	{
		double		p = rng_beta(g, m->p[2], m->p[3] + x + (base == CL_BTYD_MBGNBD));

		for (;;)
		{
			t += -log(rng_unif(g)) / lambda;
			if (t > h)
				return n;
			n++;
			if (rng_unif(g) < p)
				return n;
		}
	}
}

static void
test_monte_carlo(void **state)
{
	enum
	{
		DRAWS = 100000, KS = 8
	};
	size_t		mi,
				ci;
	fixture_rng g = {20261129};

	(void) state;
	for (mi = 0; mi < 3; mi++)
		for (ci = 1; ci < 4; ci++)
		{
			const cl_btyd_model *m = &models[mi];
			double		x = customers[ci][0],
						t_x = customers[ci][1],
						T = customers[ci][2],
						pa,
						tail;
			int			counts[KS] = {0},
						i,
						k;

			assert_int_equal(cl_btyd_p_alive(m, x, t_x, T, &pa), CL_OK);
			assert_int_equal(cl_count_pmf(m, 39.0, x, t_x, T, KS - 1, pmf, &tail), CL_OK);
			for (i = 0; i < DRAWS; i++)
			{
				k = draw_count(&g, m, pa, 39.0, x, T);
				if (k < KS)
					counts[k]++;
			}
			for (k = 0; k < KS; k++)
			{
				double		f = (double) counts[k] / DRAWS,
							sd = sqrt(pmf[k] * (1.0 - pmf[k]) / DRAWS);

				/* 5 standard errors: 72 comparisons stay well clear of chance failures */
				if (!(fabs(f - pmf[k]) <= 5.0 * sd + 1e-6))
					fail_msg("model %zu customer %zu k %d: simulated %.5f, pmf %.5f (sd %.5f)",
							 mi, ci, k, f, pmf[k], sd);
			}
		}
}

/* ---- prediction intervals ------------------------------------------------- */

static void
test_interval(void **state)
{
	static const double levels[] = {0.5, 0.8, 0.9, 0.95, 0.99};
	size_t		mi,
				ci,
				l;

	(void) state;
	for (mi = 0; mi < NELEM(models); mi++)
		for (ci = 0; ci < NELEM(customers); ci++)
		{
			double		x = customers[ci][0],
						t_x = customers[ci][1],
						T = customers[ci][2],
						tail;
			int			prev_lo = 1 << 30,
						prev_hi = -1;

			for (l = 0; l < NELEM(levels); l++)
			{
				int			lo,
							hi,
							k;
				double		below = 0.0,
							inside = 0.0;

				assert_int_equal(cl_count_interval(&models[mi], 39.0, x, t_x, T, levels[l], &lo, &hi), CL_OK);
				assert_true(0 <= lo && lo <= hi);
				assert_int_equal(cl_count_pmf(&models[mi], 39.0, x, t_x, T, hi, pmf, &tail), CL_OK);
				for (k = 0; k < lo; k++)
					below += pmf[k];
				for (k = lo; k <= hi; k++)
					inside += pmf[k];
				/* the coverage, and neither end can move inwards */
				assert_true(inside >= levels[l] - 1e-13);
				assert_true(below < 0.5 * (1.0 - levels[l]) + 1e-13);
				assert_true(tail <= 0.5 * (1.0 - levels[l]) + 1e-13);
				assert_true(hi == 0 || tail + pmf[hi] > 0.5 * (1.0 - levels[l]) - 1e-13);
				/* a higher level never narrows the interval */
				assert_true(lo <= prev_lo && hi >= prev_hi);
				prev_lo = lo;
				prev_hi = hi;
			}
		}
}

/* ---- special functions ---------------------------------------------------- */

static void
test_special_functions(void **state)
{
	double		v;

	(void) state;
	/* I_x(a, b) of small integer arguments: binomial sums */
	assert_int_equal(cl_ibeta(2, 3, 0.5, 0.5, &v), CL_OK);
	assert_rel(v, 11.0 / 16.0, 1e-14, "I_0.5(2,3)");
	assert_int_equal(cl_ibeta(1, 1, 0.3, 0.7, &v), CL_OK);
	assert_rel(v, 0.3, 1e-14, "I_0.3(1,1)");
	assert_int_equal(cl_ibeta(5, 2, 0.9, 0.1, &v), CL_OK);
	/* I_x(5,2) = 6x^5 - 5x^6 */
	assert_rel(v, 6 * pow(0.9, 5) - 5 * pow(0.9, 6), 1e-14, "I_0.9(5,2)");
	/* symmetry I_x(a,b) = 1 - I_{1-x}(b,a) */
	{
		double		w;

		assert_int_equal(cl_ibeta(3.7, 12.2, 0.31, 0.69, &v), CL_OK);
		assert_int_equal(cl_ibeta(12.2, 3.7, 0.69, 0.31, &w), CL_OK);
		assert_rel(v + w, 1.0, 1e-14, "symmetry");
	}
	/* a deep tail keeps its relative accuracy: I_x(a, 1) = x^a */
	assert_int_equal(cl_ibeta(200, 1, 0.5, 0.5, &v), CL_OK);
	assert_rel(v, pow(0.5, 200), 1e-12, "x^a tail");
	assert_int_equal(cl_ibeta(2, 3, 0.0, 1.0, &v), CL_OK);
	assert_true(v == 0.0);
	assert_int_equal(cl_ibeta(2, 3, 1.0, 0.0, &v), CL_OK);
	assert_true(v == 1.0);
	assert_int_equal(cl_ibeta(0, 3, 0.5, 0.5, &v), CL_EINVAL);
	assert_int_equal(cl_ibeta(NAN, 3, 0.5, 0.5, &v), CL_ENOTFINITE);

	/* P(1, x) = 1 - e^-x; P(3, 2) = 1 - e^-2 (1 + 2 + 2) */
	assert_int_equal(cl_gammainc_lower(1, 0.7, &v), CL_OK);
	assert_rel(v, -expm1(-0.7), 1e-14, "P(1,0.7)");
	assert_int_equal(cl_gammainc_lower(3, 2, &v), CL_OK);
	assert_rel(v, 1.0 - exp(-2.0) * 5.0, 1e-14, "P(3,2)");
	assert_int_equal(cl_gammainc_lower(3, 20, &v), CL_OK);
	assert_rel(v, 1.0 - exp(-20.0) * (1 + 20 + 200), 1e-14, "P(3,20)");
	/* a deep lower tail: P(50, 1) ~ e^-1 / 50! (1 + 1/51 + ...) */
	assert_int_equal(cl_gammainc_lower(50, 1, &v), CL_OK);
	assert_rel(v, exp(-1.0 - lgamma(51.0)) * (1.0 + 1.0 / 51 + 1.0 / (51 * 52) + 1.0 / (51.0 * 52 * 53)
											+ 1.0 / (51.0 * 52 * 53 * 54) + 1.0 / (51.0 * 52 * 53 * 54 * 55)),
			   1e-10, "P(50,1)");
	assert_int_equal(cl_gammainc_lower(3, 0, &v), CL_OK);
	assert_true(v == 0.0);
	assert_int_equal(cl_gammainc_lower(-1, 1, &v), CL_EINVAL);
}

/* ---- arguments and interruption ------------------------------------------ */

static int	polls;

static int
stop_now(void)
{
	polls++;
	return 1;
}

static void
test_arguments(void **state)
{
	const cl_btyd_model bad = {9, {1, 1, 1, 1}};
	const cl_btyd_model neg = {CL_BTYD_PARETO_NBD, {-1, 1, 1, 1}};
	double		tail;
	int			lo,
				hi;

	(void) state;
	assert_int_equal(cl_count_pmf(&models[0], -1.0, 2, 30, 38, 5, pmf, &tail), CL_EINVAL);
	assert_int_equal(cl_count_pmf(&models[0], NAN, 2, 30, 38, 5, pmf, &tail), CL_ENOTFINITE);
	assert_int_equal(cl_count_pmf(&models[0], INFINITY, 2, 30, 38, 5, pmf, &tail), CL_ENOTFINITE);
	assert_int_equal(cl_count_pmf(&models[0], 39.0, 2, 30, 38, -1, pmf, &tail), CL_EINVAL);
	assert_int_equal(cl_count_pmf(&models[0], 39.0, 2, 30, 38, CL_COUNT_MAX_K + 1, pmf, &tail), CL_ESIZE);
	assert_int_equal(cl_count_pmf(&models[0], 39.0, 2, 40, 38, 5, pmf, &tail), CL_EINVAL);
	assert_int_equal(cl_count_pmf(&models[0], 39.0, 2.5, 30, 38, 5, pmf, &tail), CL_EINVAL);
	assert_int_equal(cl_count_pmf(&bad, 39.0, 2, 30, 38, 5, pmf, &tail), CL_EINVAL);
	assert_int_equal(cl_count_pmf(&neg, 39.0, 2, 30, 38, 5, pmf, &tail), CL_EINVAL);
	assert_int_equal(cl_count_interval(&models[0], 39.0, 2, 30, 38, 1.0, &lo, &hi), CL_EINVAL);
	assert_int_equal(cl_count_interval(&models[0], 39.0, 2, 30, 38, 1.0 - 1e-10, &lo, &hi), CL_EINVAL);
	assert_int_equal(cl_count_interval(&models[2], 39.0, 2, 30, 38, CL_COUNT_MAX_LEVEL, &lo, &hi), CL_OK);
	assert_true(lo == 0 && hi > 10);
	assert_int_equal(cl_count_interval(&models[0], 39.0, 2, 30, 38, 0.0, &lo, &hi), CL_EINVAL);
	assert_int_equal(cl_count_interval(&models[0], 39.0, 2, 30, 38, NAN, &lo, &hi), CL_ENOTFINITE);

	/* a cancel request stops the loops */
	polls = 0;
	cl_set_interrupt_hook(stop_now);
	assert_int_equal(cl_count_pmf(&models[2], 39.0, 2, 30, 38, 200, pmf, &tail), CL_ENOCONVERGE);
	assert_int_equal(cl_count_interval(&models[0], 39.0, 2, 30, 38, 0.9, &lo, &hi), CL_ENOCONVERGE);
	cl_set_interrupt_hook(NULL);
	assert_true(polls >= 2);
}

/* many purchases, a long horizon: the quadrature and the series stay bounded */
static void
test_heavy_customer(void **state)
{
	const cl_btyd_model *pn = &models[2];
	double		e,
				tail,
				sum = 0.0,
				mean = 0.0;
	int			k,
				kmax;
	double		t0 = now_seconds();

	(void) state;
	assert_int_equal(cl_btyd_expected_purchases_steps(pn, 52.0, 1, 300, 77, 78, &e), CL_OK);
	kmax = full_pmf(pn, 52.0, 300, 77, 78, e, &tail);
	for (k = 0; k <= kmax; k++)
	{
		sum += pmf[k];
		mean += k * pmf[k];
	}
	printf("Pareto/NBD x = 300: E = %.6f, kmax %d, %.3f s\n", e, kmax, now_seconds() - t0);
	assert_true(fabs(sum + tail - 1.0) <= 1e-12);
	assert_rel(mean, e, 1e-10, "heavy mean");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pmf_identities),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_zero_horizon),
		cmocka_unit_test(test_pareto_closed_form),
		cmocka_unit_test(test_monte_carlo),
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_special_functions),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_heavy_customer),
	};

	return cmocka_run_group_tests_name("count_dist", tests, NULL, NULL);
}
