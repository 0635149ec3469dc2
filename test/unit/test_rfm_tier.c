/*
 * test_rfm_tier.c — unit tests of quantile cut points, RFM scoring, segment
 * rule coverage and relative tier thresholds.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rfm.h"
#include "tier.h"
#include "unit_common.h"

static void
test_quantile7(void **state)
{
	const double x[] = {1, 2, 3, 4, 10};

	(void) state;
	/* h = (n-1) p: p = 0.5 -> x[2]; p = 0.9 -> x[3] + 0.6 (x[4] - x[3]) */
	assert_true(cl_quantile7(x, 5, 0.0) == 1.0);
	assert_true(cl_quantile7(x, 5, 0.5) == 3.0);
	assert_true(fabs(cl_quantile7(x, 5, 0.9) - 7.6) < 1e-12);
	assert_true(cl_quantile7(x, 5, 1.0) == 10.0);
	assert_true(cl_quantile7(x, 1, 0.3) == 1.0);
	{
		/* infinities: exact positions and infinite neighbours are not NaN */
		const double y[] = {1, 2, 3, 4, 5, INFINITY};

		assert_true(cl_quantile7(y, 6, 0.8) == 5.0);
		assert_true(isinf(cl_quantile7(y, 6, 0.9)));
	}
}

static void
test_cut_points(void **state)
{
	double		v[10] = {9, 1, 8, 2, 7, 3, 6, 4, 5, 0};
	double		cuts[4];
	double		nan_v[2] = {1, NAN};

	(void) state;
	assert_int_equal(cl_rfm_cut_points(v, 10, 5, cuts), CL_OK);
	/* sorted 0..9, h = 9k/5 */
	assert_true(fabs(cuts[0] - 1.8) < 1e-12);
	assert_true(fabs(cuts[1] - 3.6) < 1e-12);
	assert_true(fabs(cuts[2] - 5.4) < 1e-12);
	assert_true(fabs(cuts[3] - 7.2) < 1e-12);
	assert_int_equal(cl_rfm_cut_points(v, 10, 1, cuts), CL_EINVAL);
	assert_int_equal(cl_rfm_cut_points(v, 10, 101, cuts), CL_EINVAL);
	assert_int_equal(cl_rfm_cut_points(v, 0, 5, cuts), CL_EINVAL);
	assert_int_equal(cl_rfm_cut_points(nan_v, 2, 2, cuts), CL_ENOTFINITE);
}

static int
cmp_double(const void *pa, const void *pb)
{
	double		a = *(const double *) pa,
				b = *(const double *) pb;

	return (a > b) - (a < b);
}

/*
 * The cut points are found by selection, not by sorting: they must equal,
 * bit for bit, the type-7 quantiles of the sorted values, over 3,000
 * random arrays (sizes 1..50,000; few or many distinct values, sorted,
 * reversed, constant, with infinities) and every bin count 2..100 in turn.
 */
static void
test_cut_points_selection(void **state)
{
	enum
	{
		MAXN = 50000
	};
	static double v[MAXN],
				sorted[MAXN];
	double		cuts[CL_RFM_MAX_BINS - 1];
	uint64_t	seed = 12345;
	int			trial;

	(void) state;
	for (trial = 0; trial < 3000; trial++)
	{
		size_t		n,
					i;
		int			bins = CL_RFM_MIN_BINS + trial % (CL_RFM_MAX_BINS - CL_RFM_MIN_BINS + 1),
					pattern = trial % 6,
					k;
		uint64_t	distinct;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		n = 1 + (size_t) ((seed >> 33) % (trial < 2500 ? 300 : MAXN));
		distinct = 1 + (seed >> 20) % 1000;
		for (i = 0; i < n; i++)
		{
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			switch (pattern)
			{
				case 0:
					v[i] = (double) ((seed >> 33) % distinct);
					break;
				case 1:
					v[i] = (double) (seed >> 11) / 9007199254740992.0;
					break;
				case 2:
					v[i] = (double) i;
					break;
				case 3:
					v[i] = (double) (n - i);
					break;
				case 4:
					v[i] = 42.0;
					break;
				default:
					v[i] = (seed >> 40) % 7 == 0 ? INFINITY : ((seed >> 40) % 7 == 1 ? -INFINITY : (double) ((seed >> 33) % 50));
					break;
			}
		}
		memcpy(sorted, v, n * sizeof(double));
		qsort(sorted, n, sizeof(double), cmp_double);
		assert_int_equal(cl_rfm_cut_points(v, n, bins, cuts), CL_OK);
		for (k = 1; k < bins; k++)
		{
			double		want = cl_quantile7(sorted, n, (double) k / (double) bins);

			if (memcmp(&want, &cuts[k - 1], sizeof(double)) != 0)
				fail_msg("trial %d n %zu bins %d cut %d: got %.17g want %.17g",
						 trial, n, bins, k, cuts[k - 1], want);
		}
		/* the values are only reordered */
		qsort(v, n, sizeof(double), cmp_double);
		assert_memory_equal(v, sorted, n * sizeof(double));
	}
}

static void
test_scores(void **state)
{
	const double cuts[4] = {10, 20, 20, 40};
	const double bad[2] = {2, 1};
	const double inf[2] = {1, INFINITY};
	const double nan_cut[2] = {1, NAN};

	(void) state;
	/* right-closed: a value equal to a cut point is not above it */
	assert_int_equal(cl_rfm_score(cuts, 4, 10, 0), 1);
	assert_int_equal(cl_rfm_score(cuts, 4, 10.5, 0), 2);
	assert_int_equal(cl_rfm_score(cuts, 4, 20, 0), 2);
	assert_int_equal(cl_rfm_score(cuts, 4, 21, 0), 4);	/* score 3 is empty: tied cuts */
	assert_int_equal(cl_rfm_score(cuts, 4, 1e9, 0), 5);
	/* recency is reversed: small values (recent) score high */
	assert_int_equal(cl_rfm_score(cuts, 4, 0, 1), 5);
	assert_int_equal(cl_rfm_score(cuts, 4, 1e9, 1), 1);
	assert_int_equal(cl_rfm_check_cuts(cuts, 4), CL_OK);
	assert_int_equal(cl_rfm_check_cuts(bad, 2), CL_ENOTASCENDING);
	assert_int_equal(cl_rfm_check_cuts(inf, 2), CL_OK);
	assert_int_equal(cl_rfm_check_cuts(nan_cut, 2), CL_ENOTFINITE);
	assert_int_equal(cl_rfm_check_cuts(cuts, 0), CL_EINVAL);
}

static void
test_default_rules(void **state)
{
	long		fires[CL_RFM_DEFAULT_NRULES];
	long		others;
	int			cells[125];
	int32_t		work[5 * 5 * 7 + 5 * 7 + 7];
	int			i;
	long		total = 0;

	(void) state;
	assert_int_equal(cl_rfm_match(cl_rfm_default_rules, CL_RFM_DEFAULT_NRULES, 5, 5, 5), 0);
	assert_string_equal(cl_rfm_default_names[cl_rfm_match(cl_rfm_default_rules,
														  CL_RFM_DEFAULT_NRULES, 1, 1, 1)], "Lost");
	assert_int_equal(cl_rfm_match(cl_rfm_default_rules, CL_RFM_DEFAULT_NRULES, 2, 1, 5), -1);
	assert_int_equal(cl_rfm_coverage(cl_rfm_default_rules, CL_RFM_DEFAULT_NRULES, 5, fires, &others,
									 cells, 125, work, NULL, NULL), CL_OK);
	for (i = 0; i < CL_RFM_DEFAULT_NRULES; i++)
	{
		assert_true(fires[i] > 0);	/* every default rule can fire */
		total += fires[i];
	}
	assert_int_equal(others, 10);
	assert_int_equal(total + others, 125);
	assert_int_equal(cells[0], CL_RFM_CELL(2, 1, 5));
	assert_int_equal(cl_rfm_coverage_work(5), 5 * 5 * 7 + 5 * 7 + 7);
}

static void
test_rule_shadowing(void **state)
{
	const cl_rfm_rule rules[2] = {{1, 5, 1, 5, 1, 5}, {5, 5, 5, 5, 5, 5}};
	const cl_rfm_rule bad = {3, 2, 1, 5, 1, 5};
	long		fires[2];
	long		others;
	int32_t		work[5 * 5 * 7 + 5 * 7 + 7];

	(void) state;
	assert_int_equal(cl_rfm_coverage(rules, 2, 5, fires, &others, NULL, 0, work, NULL, NULL), CL_OK);
	assert_int_equal(fires[0], 125);
	assert_int_equal(fires[1], 0);
	assert_int_equal(others, 0);
	assert_int_equal(cl_rfm_check_rule(&bad, 5), CL_EINVAL);
	assert_int_equal(cl_rfm_check_rule(&rules[0], 4), CL_EINVAL);
}

static int	cut_polls;

static int
stop_cut_points(void *ctx)
{
	(void) ctx;
	return ++cut_polls >= 3;
}

/* Cut points of many values poll the interrupt callback and stop when told. */
static void
test_cut_points_interrupt(void **state)
{
	size_t		n = 1000000,
				i;
	double	   *v = malloc(sizeof(double) * n);
	double		cuts[99],
				want[99];

	(void) state;
	for (i = 0; i < n; i++)
		v[i] = (double) ((i * 7919) % n);
	cut_polls = 0;
	assert_int_equal(cl_rfm_cut_points_poll(v, n, 100, cuts, stop_cut_points, NULL), CL_ENOCONVERGE);
	assert_int_equal(cut_polls, 3);
	/* without a stop the polling variant agrees with the plain one */
	for (i = 0; i < n; i++)
		v[i] = (double) ((i * 7919) % n);
	assert_int_equal(cl_rfm_cut_points(v, n, 100, want), CL_OK);
	for (i = 0; i < n; i++)
		v[i] = (double) ((i * 7919) % n);
	cut_polls = -1000000;
	assert_int_equal(cl_rfm_cut_points_poll(v, n, 100, cuts, stop_cut_points, NULL), CL_OK);
	assert_memory_equal(cuts, want, sizeof(cuts));
	free(v);
}

/* Brute force: the first matching rule of every cell. */
static void
coverage_reference(const cl_rfm_rule *rules, int nrules, int bins, long *fires, long *others)
{
	int			r,
				f,
				m,
				i;

	for (i = 0; i < nrules; i++)
		fires[i] = 0;
	*others = 0;
	for (r = 1; r <= bins; r++)
		for (f = 1; f <= bins; f++)
			for (m = 1; m <= bins; m++)
			{
				int			hit = cl_rfm_match(rules, nrules, r, f, m);

				if (hit >= 0)
					fires[hit]++;
				else
					(*others)++;
			}
}

/* Painting agrees with testing every rule at every cell, on random rule sets. */
static void
test_coverage_matches_reference(void **state)
{
	int			trial;

	(void) state;
	srand(12345);
	for (trial = 0; trial < 200; trial++)
	{
		int			bins = 2 + rand() % 11;
		int			nrules = rand() % 30;
		cl_rfm_rule rules[30];
		long		fires[30],
					want[30],
					others,
					want_others;
		int32_t    *work = malloc(sizeof(int32_t) * cl_rfm_coverage_work(bins));
		int			i;

		for (i = 0; i < nrules; i++)
		{
			int			v[6];
			int			k;

			for (k = 0; k < 6; k += 2)
			{
				int			a = 1 + rand() % bins,
							b = 1 + rand() % bins;

				v[k] = a < b ? a : b;
				v[k + 1] = a < b ? b : a;
			}
			rules[i] = (cl_rfm_rule) {v[0], v[1], v[2], v[3], v[4], v[5]};
		}
		assert_int_equal(cl_rfm_coverage(rules, nrules, bins, fires, &others, NULL, 0,
										 work, NULL, NULL), CL_OK);
		coverage_reference(rules, nrules, bins, want, &want_others);
		for (i = 0; i < nrules; i++)
			assert_int_equal(fires[i], want[i]);
		assert_int_equal(others, want_others);
		free(work);
	}
}

/* Scores up to 100 are encoded and decoded without running into each other. */
static void
test_coverage_100_bins(void **state)
{
	const cl_rfm_rule rule = {2, 100, 1, 100, 1, 100};
	long		fires[1],
				others;
	int			cells[200];
	int32_t    *work = malloc(sizeof(int32_t) * cl_rfm_coverage_work(100));

	(void) state;
	assert_int_equal(cl_rfm_coverage(&rule, 1, 100, fires, &others, cells, 200,
									 work, NULL, NULL), CL_OK);
	assert_int_equal(fires[0], 99L * 100 * 100);
	assert_int_equal(others, 100 * 100);
	assert_int_equal(cells[99], CL_RFM_CELL(1, 1, 100));
	assert_int_equal(CL_RFM_CELL_R(cells[99]), 1);
	assert_int_equal(CL_RFM_CELL_F(cells[99]), 1);
	assert_int_equal(CL_RFM_CELL_M(cells[99]), 100);
	assert_int_equal(CL_RFM_CELL_F(cells[100]), 2);
	assert_int_equal(CL_RFM_CELL_M(cells[100]), 1);
	free(work);
}

static int	polls;

static int
stop_at_second_poll(void *ctx)
{
	(void) ctx;
	return ++polls >= 2;
}

/* 10,000 rules over 100 bins: fast, and the interrupt callback can stop it. */
static void
test_coverage_many_rules(void **state)
{
	enum
	{
	NRULES = 10000};
	cl_rfm_rule *rules = malloc(sizeof(cl_rfm_rule) * NRULES);
	long	   *fires = malloc(sizeof(long) * NRULES);
	long		others;
	int32_t    *work = malloc(sizeof(int32_t) * cl_rfm_coverage_work(100));
	double		t0;
	int			i;

	(void) state;
	for (i = 0; i < NRULES; i++)
		rules[i] = (cl_rfm_rule) {1, 5, 1, 5, 1, 5};
	t0 = now_seconds();
	assert_int_equal(cl_rfm_coverage(rules, NRULES, 100, fires, &others, NULL, 0,
									 work, NULL, NULL), CL_OK);
	assert_true(now_seconds() - t0 < 0.5);
	assert_int_equal(fires[0], 125);
	assert_int_equal(fires[NRULES - 1], 0);
	assert_int_equal(others, 1000000 - 125);

	/*
	 * A partial box repeated: every rule steps through rows that are not
	 * full, the worst case (bins^2 steps per rule).
	 */
	for (i = 0; i < NRULES; i++)
		rules[i] = (cl_rfm_rule) {1, 100, 1, 100, 1, 50};
	t0 = now_seconds();
	assert_int_equal(cl_rfm_coverage(rules, NRULES / 10, 100, fires, &others, NULL, 0,
									 work, NULL, NULL), CL_OK);
	assert_true(now_seconds() - t0 < 5.0);
	assert_int_equal(fires[0], 500000);
	assert_int_equal(others, 500000);

	polls = 0;
	assert_int_equal(cl_rfm_coverage(rules, NRULES, 100, fires, &others, NULL, 0,
									 work, stop_at_second_poll, NULL), CL_ENOCONVERGE);
	assert_int_equal(polls, 2);
	free(rules);
	free(fires);
	free(work);
}

static void
test_tier_thresholds(void **state)
{
	cl_i128		v[1000];
	cl_i128		th[3];
	const double shares[3] = {0.01, 0.09, 0.20};
	const double too_much[2] = {0.7, 0.4};
	int			i;

	(void) state;
	for (i = 0; i < 1000; i++)
		v[i] = 1000 - i;		/* 1..1000, reversed */
	assert_int_equal(cl_tier_thresholds(v, 1000, shares, 3, th), CL_OK);
	/* top 10 start at 991, top 100 at 901, top 300 at 701 */
	assert_true(th[2] == 991);
	assert_true(th[1] == 901);
	assert_true(th[0] == 701);
	assert_int_equal(cl_tier_check_shares(too_much, 2), CL_EINVAL);
	assert_int_equal(cl_tier_thresholds(v, 0, shares, 3, th), CL_EINVAL);

	/* one customer: every tier opens at that customer's value */
	v[0] = 42;
	assert_int_equal(cl_tier_thresholds(v, 1, shares, 3, th), CL_OK);
	assert_true(th[0] == 42 && th[2] == 42);
}

static int
cmp_i128_test(const void *pa, const void *pb)
{
	const cl_i128 *a = pa;
	const cl_i128 *b = pb;

	return (*a > *b) - (*a < *b);
}

static int	tier_polls;

static int
stop_tier(void *ctx)
{
	(void) ctx;
	return ++tier_polls >= 2;
}

/*
 * Thresholds by selection equal the values at the same ranks of a sorted
 * copy, on random data with many ties; the interrupt callback stops a large
 * selection.
 */
static void
test_tier_thresholds_selection(void **state)
{
	size_t		n = 300000,
				i;
	cl_i128    *v = malloc(sizeof(cl_i128) * n);
	cl_i128    *sorted = malloc(sizeof(cl_i128) * n);
	const double shares[4] = {0.01, 0.09, 0.20, 0.30};
	cl_i128		th[4];
	int			trial,
				k;

	(void) state;
	srand(777);
	for (trial = 0; trial < 20; trial++)
	{
		size_t		m = trial < 10 ? 1 + (size_t) (rand() % 50) : n;
		double		cum = 0.0;

		for (i = 0; i < m; i++)
			sorted[i] = v[i] = (cl_i128) (rand() % (trial % 2 ? 7 : 100000)) - 3;
		qsort(sorted, m, sizeof(cl_i128), cmp_i128_test);
		assert_int_equal(cl_tier_thresholds(v, m, shares, 4, th), CL_OK);
		for (k = 0; k < 4; k++)
		{
			double		want;
			size_t		rank;

			cum += shares[k];
			want = ceil(cum * (double) m - 1e-9);
			rank = want < 1.0 ? 1 : (want > (double) m ? m : (size_t) want);
			assert_true(th[3 - k] == sorted[m - rank]);
		}
	}
	tier_polls = 0;
	assert_int_equal(cl_tier_thresholds_poll(v, n, shares, 4, th, stop_tier, NULL), CL_ENOCONVERGE);
	assert_int_equal(tier_polls, 2);
	free(v);
	free(sorted);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantile7),
		cmocka_unit_test(test_cut_points),
		cmocka_unit_test(test_cut_points_selection),
		cmocka_unit_test(test_scores),
		cmocka_unit_test(test_default_rules),
		cmocka_unit_test(test_rule_shadowing),
		cmocka_unit_test(test_cut_points_interrupt),
		cmocka_unit_test(test_coverage_matches_reference),
		cmocka_unit_test(test_coverage_100_bins),
		cmocka_unit_test(test_coverage_many_rules),
		cmocka_unit_test(test_tier_thresholds),
		cmocka_unit_test(test_tier_thresholds_selection),
	};

	return cmocka_run_group_tests_name("rfm and tier core", tests, NULL, NULL);
}
