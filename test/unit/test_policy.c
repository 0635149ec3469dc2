/*
 * test_policy.c — the rules the SQL functions apply around the models:
 * defaults, interval -> model-unit conversion, the CLV arguments and its
 * value for customers without positive spend, Gamma-Gamma eligibility and
 * cell compression, the explicit-threshold tier lookup, and the shared
 * quickselect.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit_common.h"

#include "btyd_model.h"
#include "clv.h"
#include "defaults.h"
#include "gamma_gamma.h"
#include "period.h"
#include "rfm.h"
#include "select.h"
#include "tier.h"

#define DAY CL_USECS_PER_DAY
#define WEEK (7 * CL_USECS_PER_DAY)

static const cl_gg_params cdnow_gg = {6.24957, 3.74422, 15.44352};
static const cl_btyd_model cdnow_bg = {CL_BTYD_BGNBD, {0.2425945, 4.4136027, 0.7929218, 2.4259057}};

/* xorshift64: deterministic test data */
static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- defaults ------------------------------------------------------- */

static void
test_defaults(void **state)
{
	const double shares[CL_DEFAULT_TIER_NSHARES] = CL_DEFAULT_TIER_SHARES;
	const char *const names[CL_DEFAULT_TIER_NSHARES + 1] = CL_DEFAULT_TIER_NAMES;
	double		ppm;

	(void) state;
	assert_int_equal(CL_DEFAULT_CLV_MONTHS, 12);
	assert_true(CL_DEFAULT_MONTHLY_DISCOUNT == 0.01);
	assert_int_equal(CL_DEFAULT_MONTH_DAYS, 30);
	assert_int_equal(CL_DEFAULT_RFM_BINS, 5);
	assert_int_equal(CL_DEFAULT_VIEW_HORIZON_DAYS, 90);
	/* Silver 20%, Gold 9%, Platinum 1%: a valid scheme, 30% above Bronze */
	assert_int_equal(cl_tier_check_shares(shares, CL_DEFAULT_TIER_NSHARES), CL_OK);
	assert_true(fabs(shares[0] + shares[1] + shares[2] - 0.30) < 1e-15);
	assert_true(shares[2] == 0.01);
	assert_string_equal(names[0], "Bronze");
	assert_string_equal(names[CL_DEFAULT_TIER_NSHARES], "Platinum");
	/* the defaults are in range for the functions that use them */
	assert_int_equal(cl_clv_default_periods_per_month(DAY, &ppm), CL_OK);
	assert_true(ppm == 30.0);
	assert_int_equal(cl_clv_check_args(CL_DEFAULT_CLV_MONTHS, CL_DEFAULT_MONTHLY_DISCOUNT, ppm),
					 CL_CLV_ARGS_OK);
	assert_true(CL_DEFAULT_RFM_BINS >= CL_RFM_MIN_BINS && CL_DEFAULT_RFM_BINS <= CL_RFM_MAX_BINS);
}

/* ---- interval -> model units ---------------------------------------- */

static void
test_interval_units(void **state)
{
	double		u;

	(void) state;
	/* fixed lengths */
	assert_int_equal(cl_interval_units(0, 30, 0, DAY, &u), CL_OK);
	assert_true(u == 30.0);
	assert_int_equal(cl_interval_units(0, 30, 0, WEEK, &u), CL_OK);
	assert_true(u == 30.0 / 7.0);
	assert_int_equal(cl_interval_units(0, 0, 12 * 3600 * INT64_C(1000000), DAY, &u), CL_OK);
	assert_true(u == 0.5);
	assert_int_equal(cl_interval_units(0, 0, 0, DAY, &u), CL_OK);
	assert_true(u == 0.0);

	/* a month is the mean Gregorian month, not 30 days */
	assert_int_equal(cl_interval_units(1, 0, 0, DAY, &u), CL_OK);
	assert_true(u == 30.436875);
	assert_true(CL_USECS_PER_MEAN_MONTH == (int64_t) (365.2425 / 12.0 * 86400.0) * INT64_C(1000000));
	assert_int_equal(cl_interval_units(12, 0, 0, DAY, &u), CL_OK);
	assert_true(u == 365.2425);
	/* 400 years of months are 146097 days exactly */
	assert_int_equal(cl_interval_units(4800, 0, 0, DAY, &u), CL_OK);
	assert_true(u == 146097.0);
	assert_int_equal(cl_interval_units(1, 0, 0, WEEK, &u), CL_OK);
	assert_rel(u, 30.436875 / 7.0, 1e-15, "1 month in weeks");

	/* mixed signs: only the total must be >= 0 */
	assert_int_equal(cl_interval_units(1, -30, 0, DAY, &u), CL_OK);
	assert_rel(u, 0.436875, 1e-12, "1 month -30 days");
	assert_int_equal(cl_interval_units(0, 1, -3600 * INT64_C(1000000), DAY, &u), CL_OK);
	assert_rel(u, 23.0 / 24.0, 1e-15, "1 day -1 hour");
	assert_int_equal(cl_interval_units(1, -31, 0, DAY, &u), CL_EINVAL);
	assert_int_equal(cl_interval_units(0, 0, -1, DAY, &u), CL_EINVAL);
	assert_int_equal(cl_interval_units(-1, 0, 0, DAY, &u), CL_EINVAL);

	/* the unit must be positive */
	assert_int_equal(cl_interval_units(0, 1, 0, 0, &u), CL_EINVAL);
	assert_int_equal(cl_interval_units(0, 1, 0, -DAY, &u), CL_EINVAL);

	/* no field combination overflows: the extremes stay finite */
	assert_int_equal(cl_interval_units(INT32_MAX, INT32_MAX, INT64_MAX, 1, &u), CL_OK);
	assert_true(isfinite(u) && u > 5.8e21 && u < 5.9e21);
	assert_int_equal(cl_interval_units(INT32_MAX, 0, 0, DAY, &u), CL_OK);
	assert_rel(u, 2147483647.0 * 30.436875, 1e-15, "int32 max months");
	assert_int_equal(cl_interval_units(INT32_MIN, INT32_MIN, INT64_MIN, DAY, &u), CL_EINVAL);
	/* a huge positive month part outweighs the most negative time part */
	assert_int_equal(cl_interval_units(INT32_MAX, 0, INT64_MIN, DAY, &u), CL_OK);
	assert_true(u > 0.0 && isfinite(u));
	assert_int_equal(cl_interval_units(0, INT32_MAX, INT64_MIN, DAY, &u), CL_OK);
	assert_int_equal(cl_interval_units(0, 100000, INT64_MIN, DAY, &u), CL_EINVAL);
}

/* Units are fixed lengths; the period and unit rules at their edges. */
static void
test_unit_and_period_rules(void **state)
{
	int64_t		unit;
	cl_period	p;

	(void) state;
	assert_int_equal(cl_unit_make(0, 30, 0, &unit), CL_OK);
	assert_true(unit == 30 * DAY);
	assert_int_equal(cl_unit_make(1, 0, 0, &unit), CL_EINVAL);	/* months vary */
	assert_int_equal(cl_unit_make(0, 0, 0, &unit), CL_EINVAL);
	assert_int_equal(cl_unit_make(0, -1, 0, &unit), CL_EINVAL);
	assert_int_equal(cl_unit_make(0, 36600, 0, &unit), CL_OK);
	assert_int_equal(cl_unit_make(0, 36601, 0, &unit), CL_EINVAL);
	assert_int_equal(cl_unit_make(0, 36600, INT64_MAX, &unit), CL_EINVAL);	/* overflow */
	assert_int_equal(cl_period_make(1, 0, 0, &p), CL_OK);
	assert_int_equal(p.months, 1);
	assert_int_equal(cl_period_make(1, 1, 0, &p), CL_EINVAL);	/* not a grid */
}

/* ---- CLV arguments and customers without positive spend -------------- */

static void
test_clv_args(void **state)
{
	(void) state;
	assert_int_equal(cl_clv_check_args(0, 0.0, 1.0), CL_CLV_ARGS_OK);
	assert_int_equal(cl_clv_check_args(CL_CLV_MAX_MONTHS, -0.999, 1e-9), CL_CLV_ARGS_OK);
	assert_int_equal(cl_clv_check_args(-1, 0.01, 30.0), CL_CLV_BAD_MONTHS);
	assert_int_equal(cl_clv_check_args(CL_CLV_MAX_MONTHS + 1, 0.01, 30.0), CL_CLV_BAD_MONTHS);
	assert_int_equal(cl_clv_check_args(12, -1.0, 30.0), CL_CLV_BAD_DISCOUNT);
	assert_int_equal(cl_clv_check_args(12, NAN, 30.0), CL_CLV_BAD_DISCOUNT);
	assert_int_equal(cl_clv_check_args(12, INFINITY, 30.0), CL_CLV_BAD_DISCOUNT);
	assert_int_equal(cl_clv_check_args(12, 0.01, 0.0), CL_CLV_BAD_MONTH_LENGTH);
	assert_int_equal(cl_clv_check_args(12, 0.01, -1.0), CL_CLV_BAD_MONTH_LENGTH);
	assert_int_equal(cl_clv_check_args(12, 0.01, NAN), CL_CLV_BAD_MONTH_LENGTH);
	assert_int_equal(cl_clv_check_args(12, 0.01, INFINITY), CL_CLV_BAD_MONTH_LENGTH);
	/* the first bad argument is the one reported */
	assert_int_equal(cl_clv_check_args(-1, NAN, 0.0), CL_CLV_BAD_MONTHS);
	assert_int_equal(cl_clv_check_args(1, NAN, 0.0), CL_CLV_BAD_DISCOUNT);
}

static void
test_clv_month_lengths(void **state)
{
	double		d30,
				mean_month,
				clv30,
				clv_cal;

	(void) state;
	/* weekly model: '30 days' (the default) vs '1 month' */
	assert_int_equal(cl_clv_default_periods_per_month(WEEK, &d30), CL_OK);
	assert_true(d30 == 30.0 / 7.0);
	assert_int_equal(cl_interval_units(1, 0, 0, WEEK, &mean_month), CL_OK);
	assert_int_equal(cl_clv_default_periods_per_month(0, &d30), CL_EINVAL);
	assert_int_equal(cl_clv_default_periods_per_month(WEEK, &d30), CL_OK);
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 2, 30.43, 38.86, 22.35,
									 12, 0.01, d30, &clv30), CL_OK);
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 2, 30.43, 38.86, 22.35,
									 12, 0.01, mean_month, &clv_cal), CL_OK);
	/* longer months, more purchases per month: a larger CLV, by < 1.5% */
	assert_true(clv_cal > clv30);
	assert_true(clv_cal < clv30 * 1.015);
}

/* The CLV of the old glue: with m = 1, rescaled to the population mean. */
static double
clv_by_rescaling(double x, double t_x, double T)
{
	double		unit_clv,
				spend1,
				mean;

	assert_int_equal(cl_clv_estimate_model(&cdnow_bg, &cdnow_gg, x, t_x, T, 1.0, 12, 0.01,
										   30.0 / 7.0, &unit_clv), CL_OK);
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, x, 1.0, &spend1), CL_OK);
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 0.0, 0.0, &mean), CL_OK);
	return unit_clv / spend1 * mean;
}

static void
test_clv_without_positive_spend(void **state)
{
	const double ms[] = {0.0, -0.0, -25.0, -1e300, 1e-320 * 0.0};
	double		mean,
				ref,
				got,
				strict,
				purchases,
				e12;
	size_t		i;

	(void) state;
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 0.0, 0.0, &mean), CL_OK);
	assert_rel(mean, 6.24957 * 15.44352 / (3.74422 - 1.0), 1e-15, "population mean");

	/* x > 0 and m <= 0: population mean spend times discounted purchases */
	ref = clv_by_rescaling(3, 20, 38);
	for (i = 0; i < NELEM(ms); i++)
	{
		assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 3, 20, 38, ms[i], 12, 0.01,
										 30.0 / 7.0, &got), CL_OK);
		assert_rel(got, ref, 1e-13, "CLV at m <= 0");
	}
	/* and the strict form refuses such a customer */
	assert_int_equal(cl_clv_estimate_model(&cdnow_bg, &cdnow_gg, 3, 20, 38, 0.0, 12, 0.01,
										   30.0 / 7.0, &strict), CL_EINVAL);

	/* no discount, one month: CLV = mean x E[Y(f)] */
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 3, 20, 38, -5.0, 1, 0.0,
									 30.0 / 7.0, &got), CL_OK);
	assert_int_equal(cl_btyd_expected_purchases_steps(&cdnow_bg, 30.0 / 7.0, 1, 3, 20, 38,
													  &purchases), CL_OK);
	assert_rel(got, mean * purchases, 1e-14, "one month, no discount");

	/* x = 0: m is ignored (but must be finite), the same mean spend */
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 0, 0, 38, 0.0, 12, 0.01,
									 30.0 / 7.0, &ref), CL_OK);
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 0, 0, 38, 123.0, 12, 0.01,
									 30.0 / 7.0, &got), CL_OK);
	assert_true(got == ref);
	assert_int_equal(cl_clv_estimate_model(&cdnow_bg, &cdnow_gg, 0, 0, 38, 0.0, 12, 0.01,
										   30.0 / 7.0, &e12), CL_OK);
	assert_true(got == e12);

	/* an eligible customer: exactly cl_clv_estimate_model */
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 3, 20, 38, 40.0, 12, 0.01,
									 30.0 / 7.0, &got), CL_OK);
	assert_int_equal(cl_clv_estimate_model(&cdnow_bg, &cdnow_gg, 3, 20, 38, 40.0, 12, 0.01,
										   30.0 / 7.0, &ref), CL_OK);
	assert_true(got == ref);

	/* months = 0: nothing to sum */
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 3, 20, 38, 0.0, 0, 0.01,
									 30.0 / 7.0, &got), CL_OK);
	assert_true(got == 0.0);

	/* NULL-like inputs: NaN or infinite monetary is an error, never a mean */
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 3, 20, 38, NAN, 12, 0.01,
									 30.0 / 7.0, &got), CL_ENOTFINITE);
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 3, 20, 38, -INFINITY, 12, 0.01,
									 30.0 / 7.0, &got), CL_ENOTFINITE);
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 0, 0, 38, NAN, 12, 0.01,
									 30.0 / 7.0, &got), CL_ENOTFINITE);
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, NAN, 20, 38, 0.0, 12, 0.01,
									 30.0 / 7.0, &got), CL_ENOTFINITE);
	/* the purchase summary is still checked */
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 3, 40, 38, 0.0, 12, 0.01,
									 30.0 / 7.0, &got), CL_EINVAL);
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, -1, 0, 38, 0.0, 12, 0.01,
									 30.0 / 7.0, &got), CL_EINVAL);
	/* arguments */
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 3, 20, 38, 0.0, CL_CLV_MAX_MONTHS + 1,
									 0.01, 30.0 / 7.0, &got), CL_ESIZE);
	assert_int_equal(cl_clv_customer(&cdnow_bg, &cdnow_gg, 3, 20, 38, 0.0, 12, -1.0,
									 30.0 / 7.0, &got), CL_EINVAL);
	{
		/* q <= 1: the mean spend is infinite, for the fallback too */
		cl_gg_params heavy = {6.0, 0.9, 15.0};

		assert_int_equal(cl_clv_customer(&cdnow_bg, &heavy, 3, 20, 38, 0.0, 12, 0.01,
										 30.0 / 7.0, &got), CL_ERANGE);
		assert_int_equal(cl_clv_customer(&cdnow_bg, &heavy, 3, 20, 38, 10.0, 12, 0.01,
										 30.0 / 7.0, &got), CL_OK);
	}
}

/* ---- Gamma-Gamma eligibility ------------------------------------------ */

static void
test_gg_eligible(void **state)
{
	(void) state;
	assert_true(cl_gg_eligible(1, 10));
	assert_true(cl_gg_eligible(3, 1e-300));
	assert_true(cl_gg_eligible(1e6, 1e300));
	assert_false(cl_gg_eligible(0, 10));	/* one-time buyer */
	assert_false(cl_gg_eligible(-0.0, 10));
	assert_false(cl_gg_eligible(2, 0));	/* repeat periods net to nothing */
	assert_false(cl_gg_eligible(2, -0.0));
	assert_false(cl_gg_eligible(2, -5));	/* refunds exceed purchases */
	assert_false(cl_gg_eligible(2, NAN));
	assert_false(cl_gg_eligible(2, INFINITY));
	assert_false(cl_gg_eligible(NAN, 10));
	assert_false(cl_gg_eligible(INFINITY, 10));
	assert_false(cl_gg_eligible(-1, 10));

	/* the input rule of the fit, eligible or not */
	assert_int_equal(cl_gg_customer_check(0, 0), CL_OK);
	assert_int_equal(cl_gg_customer_check(2, -5), CL_OK);
	assert_int_equal(cl_gg_customer_check(2, 10), CL_OK);
	assert_int_equal(cl_gg_customer_check(1.5, 10), CL_EINVAL);
	assert_int_equal(cl_gg_customer_check(-1, 10), CL_EINVAL);
	assert_int_equal(cl_gg_customer_check(NAN, 10), CL_ENOTFINITE);
	assert_int_equal(cl_gg_customer_check(2, INFINITY), CL_ENOTFINITE);
	assert_int_equal(cl_gg_customer_check(2, NAN), CL_ENOTFINITE);
}

static void
test_gg_customer_spend(void **state)
{
	double		mean,
				got,
				want;

	(void) state;
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 0, 0, &mean), CL_OK);
	/* eligible: the posterior mean */
	assert_int_equal(cl_gg_customer_spend(&cdnow_gg, 2, 30, &got), CL_OK);
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 2, 30, &want), CL_OK);
	assert_true(got == want);
	assert_rel(got, 6.24957 * (15.44352 + 60.0) / (6.24957 * 2 + 3.74422 - 1.0), 1e-15,
			   "E[M | 2, 30]");
	/* not eligible: the population mean */
	assert_int_equal(cl_gg_customer_spend(&cdnow_gg, 2, 0, &got), CL_OK);
	assert_true(got == mean);
	assert_int_equal(cl_gg_customer_spend(&cdnow_gg, 2, -40, &got), CL_OK);
	assert_true(got == mean);
	assert_int_equal(cl_gg_customer_spend(&cdnow_gg, 0, 99, &got), CL_OK);
	assert_true(got == mean);
	/* invalid input is an error as in the strict form */
	assert_int_equal(cl_gg_customer_spend(&cdnow_gg, 2, NAN, &got), CL_ENOTFINITE);
	assert_int_equal(cl_gg_customer_spend(&cdnow_gg, 2, INFINITY, &got), CL_ENOTFINITE);
	assert_int_equal(cl_gg_customer_spend(&cdnow_gg, NAN, 10, &got), CL_ENOTFINITE);
	assert_int_equal(cl_gg_customer_spend(&cdnow_gg, -1, 10, &got), CL_EINVAL);
	/* the strict form refuses a repeat customer with m <= 0 */
	assert_int_equal(cl_gg_expected_spend(&cdnow_gg, 2, 0, &got), CL_EINVAL);
	{
		cl_gg_params heavy = {6.0, 0.9, 15.0};

		assert_int_equal(cl_gg_customer_spend(&heavy, 2, -1, &got), CL_ERANGE);
	}
}

/* The fit uses exactly the eligible cells: others change nothing. */
static void
test_gg_fit_uses_eligible(void **state)
{
	cl_gg_cell	mixed[] = {
		{0, 0, 50}, {1, 12.5, 3}, {1, 30, 2}, {2, 22, 4}, {0, 0, 7},
		{3, 18, 2}, {4, 40, 1}, {2, 9, 3}, {0, 0, 1}
	};
	cl_gg_cell	only[NELEM(mixed)];
	cl_fit_result a,
				b;
	size_t		i,
				n = 0;
	double		w = 0.0;

	(void) state;
	for (i = 0; i < NELEM(mixed); i++)
		if (cl_gg_eligible(mixed[i].x, mixed[i].m))
		{
			only[n++] = mixed[i];
			w += mixed[i].weight;
		}
	(void) cl_gg_fit(mixed, NELEM(mixed), NULL, &a);
	(void) cl_gg_fit(only, n, NULL, &b);
	assert_true(a.n == w && b.n == w);
	assert_true(a.ll == b.ll);
	for (i = 0; i < 3; i++)
		assert_true(a.params[i] == b.params[i]);
	/* no eligible cell: nothing to fit */
	assert_int_equal(cl_gg_fit(mixed, 1, NULL, &a), CL_EDEGENERATE);
	assert_true(a.n == 0.0);
}

/* ---- Gamma-Gamma cell compression -------------------------------------- */

static void
test_gg_cells_sort_merge(void **state)
{
	enum
	{
		N = 3000
	};
	static cl_gg_cell a[N],
				b[N],
				scratch[N];
	uint64_t	seed = 4242;
	size_t		na,
				nb,
				i,
				half;
	double		w = 0.0,
				wa = 0.0;
	cl_fit_result ra,
				rb;

	(void) state;
	for (i = 0; i < N; i++)
	{
		a[i].x = (double) (1 + next_rand(&seed) % 6);
		a[i].m = 5.0 + (double) (next_rand(&seed) % 40);	/* many ties */
		a[i].weight = 1.0;
		w += 1.0;
	}
	memcpy(b, a, sizeof(a));
	na = cl_gg_cells_sort_merge(a, N);
	assert_true(na < N);
	assert_int_equal(cl_gg_cells_sorted_prefix(a, na), na);
	for (i = 0; i < na; i++)
	{
		wa += a[i].weight;
		if (i > 0)
			assert_true(a[i - 1].x < a[i].x || (a[i - 1].x == a[i].x && a[i - 1].m < a[i].m));
	}
	assert_true(wa == w);

	/* incremental: sort half, append the rest, merge the tail */
	half = N / 2;
	nb = cl_gg_cells_sort_merge(b, half);
	memmove(b + nb, b + half, (N - half) * sizeof(cl_gg_cell));
	nb = cl_gg_cells_merge_tail(b, nb, nb + (N - half), scratch);
	assert_int_equal(nb, na);
	assert_memory_equal(a, b, na * sizeof(cl_gg_cell));

	/* an unsorted prefix is found */
	{
		cl_gg_cell	c[3] = {{2, 5, 1}, {1, 5, 1}, {3, 1, 1}};
		cl_gg_cell	d[2] = {{2, 5, 1}, {2, 5, 2}};

		assert_int_equal(cl_gg_cells_sorted_prefix(c, 3), 1);
		assert_int_equal(cl_gg_cells_sorted_prefix(d, 2), 1);	/* equal summaries */
		assert_int_equal(cl_gg_cells_sort_merge(d, 2), 1);
		assert_true(d[0].weight == 3.0);
		assert_int_equal(cl_gg_cells_sort_merge(c, 0), 0);
	}

	/* compression does not change the fit */
	(void) cl_gg_fit(a, na, NULL, &ra);
	memcpy(b, a, na * sizeof(cl_gg_cell));
	/* the same cells split into unit weights, unsorted */
	{
		static cl_gg_cell u[N];
		size_t		k = 0,
					j;

		for (i = 0; i < na; i++)
			for (j = 0; j < (size_t) a[i].weight; j++)
			{
				u[k] = a[i];
				u[k].weight = 1.0;
				k++;
			}
		for (i = k; i-- > 1;)
		{
			size_t		r = (size_t) (next_rand(&seed) % (i + 1));
			cl_gg_cell	t = u[i];

			u[i] = u[r];
			u[r] = t;
		}
		k = cl_gg_cells_sort_merge(u, k);
		assert_int_equal(k, na);
		(void) cl_gg_fit(u, k, NULL, &rb);
	}
	assert_true(ra.ll == rb.ll);
	for (i = 0; i < 3; i++)
		assert_true(ra.params[i] == rb.params[i]);
}

/* ---- explicit-threshold tiers ----------------------------------------- */

static void
test_tier_lookup(void **state)
{
	const double th[] = {0, 500, 2000};
	const double values[] = {-5, 0, 499.99, 500, 1999.999, 2000, 1e6, -INFINITY, INFINITY};
	const int	want[] = {-1, 0, 0, 1, 1, 2, 2, -1, 2};
	int			tier,
				bad;
	size_t		i;

	(void) state;
	for (i = 0; i < NELEM(values); i++)
	{
		assert_int_equal(cl_tier_lookup_double(th, 3, values[i], &tier, &bad), CL_OK);
		assert_int_equal(tier, want[i]);
		assert_int_equal(bad, -1);
	}
	{
		/* equal thresholds: the higher tier wins, the lower stays empty */
		const double eq[] = {0, 100, 100, 200};

		assert_int_equal(cl_tier_lookup_double(eq, 4, 100, &tier, &bad), CL_OK);
		assert_int_equal(tier, 2);
		assert_int_equal(cl_tier_lookup_double(eq, 4, 99.5, &tier, &bad), CL_OK);
		assert_int_equal(tier, 0);
	}
	{
		/* -Infinity first: every value has a tier */
		const double open[] = {-INFINITY, 10};

		assert_int_equal(cl_tier_lookup_double(open, 2, -1e308, &tier, &bad), CL_OK);
		assert_int_equal(tier, 0);
	}
	{
		/* descending: the first threshold below its predecessor */
		const double desc[] = {0, 500, 400, 300};

		assert_int_equal(cl_tier_lookup_double(desc, 4, 1000, &tier, &bad), CL_ENOTASCENDING);
		assert_int_equal(bad, 2);
	}
	{
		/* NaN: reported at its position, before a later descent */
		const double nan_th[] = {0, NAN, -5};
		const double nan_first[] = {NAN};
		const double desc_then_nan[] = {5, 1, NAN};

		assert_int_equal(cl_tier_lookup_double(nan_th, 3, 1, &tier, &bad), CL_ENOTFINITE);
		assert_int_equal(bad, 1);
		assert_int_equal(cl_tier_lookup_double(nan_first, 1, 1, &tier, &bad), CL_ENOTFINITE);
		assert_int_equal(bad, 0);
		assert_int_equal(cl_tier_lookup_double(desc_then_nan, 3, 1, &tier, &bad), CL_ENOTASCENDING);
		assert_int_equal(bad, 1);
	}
	/* a NaN value */
	assert_int_equal(cl_tier_lookup_double(th, 3, NAN, &tier, &bad), CL_ENOTFINITE);
	assert_int_equal(bad, -1);
	/* the thresholds are validated whatever the value: below every tier */
	{
		const double desc[] = {10, 5};

		assert_int_equal(cl_tier_lookup_double(desc, 2, -100, &tier, &bad), CL_ENOTASCENDING);
	}
	/* no thresholds: no tier */
	assert_int_equal(cl_tier_lookup_double(th, 0, 5, &tier, &bad), CL_OK);
	assert_int_equal(tier, -1);

	/* counts */
	assert_int_equal(cl_tier_check_counts(3, 3), CL_OK);
	assert_int_equal(cl_tier_check_counts(CL_TIER_MAX, CL_TIER_MAX), CL_OK);
	assert_int_equal(cl_tier_check_counts(0, 0), CL_EINVAL);
	assert_int_equal(cl_tier_check_counts(2, 1), CL_EINVAL);
	assert_int_equal(cl_tier_check_counts(CL_TIER_MAX + 1, CL_TIER_MAX + 1), CL_EINVAL);
}

/* ---- quickselect ------------------------------------------------------ */

static int
cmp_d(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static void
test_select(void **state)
{
	enum
	{
		N = 257
	};
	double		v[N],
				sorted[N];
	cl_i128		w[N];
	uint64_t	seed = 12345;
	int			round,
				i;

	(void) state;
	for (round = 0; round < 6; round++)
	{
		/* distinct, few distinct values, all equal, sorted, reversed, negative */
		for (i = 0; i < N; i++)
		{
			uint64_t	r = next_rand(&seed);

			v[i] = round == 0 ? (double) (r % 100000)
				: round == 1 ? (double) (r % 3)
				: round == 2 ? 7.0
				: round == 3 ? (double) i
				: round == 4 ? (double) (N - i)
				: -(double) (r % 1000) - 0.5;
			sorted[i] = v[i];
		}
		qsort(sorted, N, sizeof(double), cmp_d);
		for (i = 0; i < N; i += 7)
		{
			double		t[N];
			cl_i128		ti[N];
			int			j;

			memcpy(t, v, sizeof(v));
			assert_int_equal(cl_select_double(t, 0, N, (size_t) i, NULL, NULL), 0);
			assert_true(t[i] == sorted[i]);
			for (j = 0; j < N; j++)
				assert_true(j < i ? t[j] <= t[i] : t[j] >= t[i]);
			for (j = 0; j < N; j++)
				ti[j] = (cl_i128) (v[j] * 2.0) * (cl_i128) 1000000000000000000LL;
			assert_int_equal(cl_select_i128(ti, 0, N, (size_t) i, NULL, NULL), 0);
			assert_true(ti[i] == (cl_i128) (sorted[i] * 2.0) * (cl_i128) 1000000000000000000LL);
		}
		/* a sub-range, as the cut points use it */
		memcpy(v, sorted, sizeof(v));
		v[10] = sorted[N - 1];
		v[N - 1] = sorted[10];
		assert_int_equal(cl_select_double(v, 10, N, 10, NULL, NULL), 0);
		assert_true(v[10] == sorted[10]);
	}
	(void) w;
}

static int
stop_now(void *ctx)
{
	(*(int *) ctx)++;
	return 1;
}

static int
never(void *ctx)
{
	(*(int *) ctx)++;
	return 0;
}

/* The interrupt callback is polled over large ranges and can stop it. */
static void
test_select_interrupt(void **state)
{
	size_t		n = 200000,
				i;
	double	   *v = malloc(n * sizeof(double));
	int			calls = 0;
	uint64_t	seed = 99;

	(void) state;
	assert_non_null(v);
	for (i = 0; i < n; i++)
		v[i] = (double) (next_rand(&seed) % 1000000);
	assert_int_equal(cl_select_double(v, 0, n, n / 2, stop_now, &calls), 1);
	assert_int_equal(calls, 1);
	calls = 0;
	assert_int_equal(cl_select_double(v, 0, n, n / 2, never, &calls), 0);
	assert_true(calls >= 1);
	for (i = 0; i < n; i++)
		assert_true(i < n / 2 ? v[i] <= v[n / 2] : v[i] >= v[n / 2]);
	/* small ranges are not polled */
	calls = 0;
	assert_int_equal(cl_select_double(v, 0, 1000, 500, stop_now, &calls), 0);
	assert_int_equal(calls, 0);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_interval_units),
		cmocka_unit_test(test_unit_and_period_rules),
		cmocka_unit_test(test_clv_args),
		cmocka_unit_test(test_clv_month_lengths),
		cmocka_unit_test(test_clv_without_positive_spend),
		cmocka_unit_test(test_gg_eligible),
		cmocka_unit_test(test_gg_customer_spend),
		cmocka_unit_test(test_gg_fit_uses_eligible),
		cmocka_unit_test(test_gg_cells_sort_merge),
		cmocka_unit_test(test_tier_lookup),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_select_interrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
