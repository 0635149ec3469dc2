/*
 * test_profile.c — unit tests of periods, exact money and the profile core.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "money.h"
#include "period.h"
#include "profile.h"

#define DAY CL_USECS_PER_DAY

static void *
heap_realloc(void *ctx, void *ptr, size_t size)
{
	(void) ctx;
	return realloc(ptr, size);
}

/* Timestamp (PostgreSQL epoch microseconds) of a UTC date and time. */
static int64_t
ts(int y, int m, int d, int hh, int mm)
{
	return cl_days_from_civil(y, m, d) * DAY + ((int64_t) hh * 3600 + mm * 60) * 1000000;
}

static void
test_civil_round_trip(void **state)
{
	int64_t		days;

	(void) state;
	assert_int_equal(cl_days_from_civil(2000, 1, 1), 0);
	assert_int_equal(cl_days_from_civil(2000, 3, 1), 60);	/* 2000 is a leap year */
	assert_int_equal(cl_days_from_civil(1970, 1, 1), -10957);
	for (days = -800000; days <= 800000; days += 997)
	{
		int64_t		y;
		int			m,
					d;

		cl_civil_from_days(days, &y, &m, &d);
		assert_int_equal(cl_days_from_civil(y, m, d), days);
	}
}

static void
test_period_make(void **state)
{
	cl_period	p;
	int64_t		u;

	(void) state;
	assert_int_equal(cl_period_make(0, 1, 0, &p), CL_OK);
	assert_int_equal(p.usec, DAY);
	assert_int_equal(cl_period_make(1, 0, 0, &p), CL_OK);
	assert_int_equal(p.months, 1);
	assert_int_equal(cl_period_make(0, 0, 0, &p), CL_EINVAL);
	assert_int_equal(cl_period_make(0, -1, 0, &p), CL_EINVAL);
	assert_int_equal(cl_period_make(1, 1, 0, &p), CL_EINVAL);
	assert_int_equal(cl_unit_make(1, 0, 0, &u), CL_EINVAL);
	assert_int_equal(cl_unit_make(0, 7, 0, &u), CL_OK);
	assert_int_equal(u, 7 * DAY);
}

static void
test_period_floor(void **state)
{
	cl_period	day = {DAY, 0};
	cl_period	week = {7 * DAY, 0};
	cl_period	month = {0, 1};
	cl_period	quarter = {0, 3};

	(void) state;
	/* days start at midnight UTC, before and after the epoch */
	assert_int_equal(cl_period_start(&day, cl_period_index(&day, ts(2024, 1, 1, 23, 59))),
					 ts(2024, 1, 1, 0, 0));
	assert_int_equal(cl_period_start(&day, cl_period_index(&day, ts(1997, 1, 1, 0, 1))),
					 ts(1997, 1, 1, 0, 0));
	/* weeks start on Monday: 2024-01-07 is a Sunday, 2024-01-08 a Monday */
	assert_int_equal(cl_period_start(&week, cl_period_index(&week, ts(2024, 1, 7, 12, 0))),
					 ts(2024, 1, 1, 0, 0));
	assert_int_equal(cl_period_start(&week, cl_period_index(&week, ts(2024, 1, 8, 0, 0))),
					 ts(2024, 1, 8, 0, 0));
	assert_int_equal(cl_period_start(&week, cl_period_index(&week, ts(1999, 12, 31, 0, 0))),
					 ts(1999, 12, 27, 0, 0));
	/* calendar months and quarters */
	assert_int_equal(cl_period_start(&month, cl_period_index(&month, ts(2024, 2, 29, 23, 0))),
					 ts(2024, 2, 1, 0, 0));
	assert_int_equal(cl_period_start(&month, cl_period_index(&month, ts(1999, 12, 31, 0, 0))),
					 ts(1999, 12, 1, 0, 0));
	assert_int_equal(cl_period_start(&quarter, cl_period_index(&quarter, ts(2024, 6, 30, 0, 0))),
					 ts(2024, 4, 1, 0, 0));
	assert_int_equal(cl_period_start(&quarter, cl_period_index(&quarter, ts(1998, 2, 1, 0, 0))),
					 ts(1998, 1, 1, 0, 0));
}

/* Period arithmetic near the ends of 64-bit microseconds is checked. */
static void
test_period_overflow(void **state)
{
	cl_period	p;
	cl_period	huge_months = {0, 178956970};
	int64_t		start;
	int64_t		t1999 = ts(1999, 12, 31, 0, 0);

	(void) state;
	/* a day plus a time part near INT64_MAX does not wrap to a valid period */
	assert_int_equal(cl_period_make(0, 1, INT64_MAX, &p), CL_EINVAL);
	assert_int_equal(cl_period_make(0, 36600, INT64_MAX - 1000, &p), CL_EINVAL);
	/* 178956970 months: the period of 1999-12-31 starts 14.9 million years back */
	assert_int_equal(cl_period_index(&huge_months, t1999), -1);
	assert_int_equal(cl_period_start_checked(&huge_months, -1, &start), CL_ETIMERANGE);
	assert_true(cl_period_start(&huge_months, -1) == INT64_MIN);
	assert_int_equal(cl_period_start_checked(&huge_months, 0, &start), CL_OK);
	assert_true(start == 0);
	/* fixed periods: index * length beyond int64 */
	p = (cl_period) {DAY, 0};
	assert_int_equal(cl_period_start_checked(&p, INT64_MAX / 1000, &start), CL_ETIMERANGE);
	assert_int_equal(cl_period_start_checked(&p, INT64_MIN / 1000, &start), CL_ETIMERANGE);
}

/* An order in 4713 BC and as_of in 294276 AD: t is the span, not a wrapped negative. */
static void
test_profile_extreme_span(void **state)
{
	cl_period	day = {DAY, 0};
	cl_period	huge_months = {0, 178956970};
	cl_profile_acc acc;
	cl_profile	p;
	int			has;
	int64_t		first = ts(-4713, 11, 24, 0, 0);
	int64_t		as_of = ts(294276, 12, 31, 0, 0);
	double		want = ((double) as_of - (double) first) / (double) DAY;

	(void) state;
	cl_profile_init(&acc, &day, DAY, as_of);
	assert_int_equal(cl_profile_add(&acc, first, 1, 100, 2, heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_profile_finish(&acc, &p, &has), CL_OK);
	assert_true(has);
	assert_true(p.t > 0);
	assert_true(fabs(p.t - want) <= 1e-9 * want);
	assert_true(p.recency == 0.0);
	assert_true(fabs(p.recency_days - want) <= 1e-9 * want);
	free(acc.sums);

	/* a period whose start is not representable is an error, not garbage */
	cl_profile_init(&acc, &huge_months, DAY, ts(2024, 1, 1, 0, 0));
	assert_int_equal(cl_profile_add(&acc, ts(1999, 12, 31, 0, 0), 1, 100, 2, heap_realloc, NULL),
					 CL_OK);
	assert_int_equal(cl_profile_finish(&acc, &p, &has), CL_ETIMERANGE);
	free(acc.sums);
}

static void
test_money(void **state)
{
	cl_i128		v = 1230;
	int			scale = 3;
	char		buf[64];

	(void) state;
	cl_money_normalize(&v, &scale);
	assert_true(v == 123 && scale == 2);
	{
		/* the 64-bit path and the 128-bit path strip zeros alike */
		cl_i128		n = -1500;
		int			ns = 3;

		cl_money_normalize(&n, &ns);
		assert_true(n == -15 && ns == 1);
		n = 0;
		ns = 4;
		cl_money_normalize(&n, &ns);
		assert_true(n == 0 && ns == 0);
		n = INT64_MIN;
		ns = 2;
		cl_money_normalize(&n, &ns);
		assert_true(n == INT64_MIN && ns == 2);
		n = (cl_i128) INT64_MAX + 3;	/* 9223372036854775810 */
		ns = 1;
		cl_money_normalize(&n, &ns);
		assert_true(n == (cl_i128) 922337203685477581 && ns == 0);
		n = (cl_i128) 1000000000000000LL * 1000000000000000LL;	/* 10^30 */
		ns = 5;
		cl_money_normalize(&n, &ns);
		assert_true(n == (cl_i128) 1000000000000000LL * 10000000000LL && ns == 0);
	}
	assert_int_equal(cl_money_format(-123, 2, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "-1.23");
	cl_money_format(5, 3, buf, sizeof(buf));
	assert_string_equal(buf, "0.005");
	cl_money_format(0, 0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	assert_int_equal(cl_money_rescale(&v, 2, 5), CL_OK);
	assert_true(v == 123000);
	assert_int_equal(cl_money_rescale(&v, 5, 2), CL_ERANGE);
	assert_int_equal(cl_money_cmp(15, 1, 150, 2), 0);
	assert_int_equal(cl_money_cmp(-1, 0, 1, 24), -1);
	assert_true(cl_money_to_double(2233, 2) == 22.33);
	{
		cl_i128		big = (cl_i128) 1 << 126;

		assert_int_equal(cl_money_add(&big, big), CL_ERANGE);
		assert_int_equal(cl_money_rescale(&big, 0, 1), CL_ERANGE);
	}
}

/* Accumulate (day offset, cents or -1 for NULL amount) pairs into acc. */
static void
add_orders(cl_profile_acc *acc, const int *days, const int *cents, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		assert_int_equal(cl_profile_add(acc, ts(2024, 1, 1, 10, 0) + (int64_t) days[i] * DAY,
										cents[i] != -1, cents[i], 2, heap_realloc, NULL),
						 CL_OK);
}

static void
test_profile_definitions(void **state)
{
	cl_period	day = {DAY, 0};
	cl_profile_acc acc;
	cl_profile	p;
	int			has;
	/* day 0 twice (one purchase), day 14, refund-only day 31, day 33, day 91 after as_of */
	const int	days[] = {0, 0, 14, 31, 33, 91};
	const int	cents[] = {1050, 450, 2000, -500, 725, 10000};

	(void) state;
	cl_profile_init(&acc, &day, 7 * DAY, ts(2024, 3, 1, 0, 0));
	add_orders(&acc, days, cents, 6);
	assert_int_equal(cl_profile_finish(&acc, &p, &has), CL_OK);
	assert_true(has);
	assert_int_equal(p.orders, 4);
	assert_int_equal(p.refunds, 1);
	assert_int_equal(p.periods, 3);
	assert_true(p.frequency == 2.0);
	assert_true(p.recency == 33.0 / 7.0);
	assert_true(p.t == 60.0 / 7.0);
	assert_true(p.recency_days == 27.0);
	assert_true(p.monetary == 13.625);
	assert_true(p.total == 3725 && p.scale == 2);
	free(acc.sums);
}

static void
test_profile_refunds_only_and_null_amount(void **state)
{
	cl_period	day = {DAY, 0};
	cl_profile_acc acc;
	cl_profile	p;
	int			has;
	const int	r_days[] = {1, 5};
	const int	r_cents[] = {-100, -200};
	const int	n_days[] = {0, 7};
	const int	n_cents[] = {-1, 3000};

	(void) state;
	cl_profile_init(&acc, &day, DAY, ts(2024, 3, 1, 0, 0));
	add_orders(&acc, r_days, r_cents, 2);
	assert_int_equal(cl_profile_finish(&acc, &p, &has), CL_OK);
	assert_false(has);
	free(acc.sums);

	cl_profile_init(&acc, &day, DAY, ts(2024, 3, 1, 0, 0));
	add_orders(&acc, n_days, n_cents, 2);
	assert_int_equal(cl_profile_finish(&acc, &p, &has), CL_OK);
	assert_true(has);
	assert_int_equal(p.periods, 2);
	assert_true(p.monetary == 30.0);
	free(acc.sums);
}

/* A small deterministic generator (LCG) for order streams. */
static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void
profile_of(const int *days, const int *cents, const int *order, int n,
		   int split, cl_profile *out)
{
	cl_period	day = {DAY, 0};
	cl_profile_acc a;
	cl_profile_acc b;
	int			has;
	int			i;

	cl_profile_init(&a, &day, 7 * DAY, ts(2024, 12, 31, 0, 0));
	cl_profile_init(&b, &day, 7 * DAY, ts(2024, 12, 31, 0, 0));
	for (i = 0; i < n; i++)
	{
		int			k = order[i];

		assert_int_equal(cl_profile_add(i < split ? &a : &b,
										ts(2024, 1, 1, 0, 0) + (int64_t) days[k] * DAY + k,
										1, cents[k], 2, heap_realloc, NULL), CL_OK);
	}
	assert_int_equal(cl_profile_merge(&a, &b, heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_profile_finish(&a, out, &has), CL_OK);
	assert_true(has);
	free(a.sums);
	free(b.sums);
}

static void
test_profile_order_and_merge_invariance(void **state)
{
	enum
	{
	N = 500};
	int			days[N],
				cents[N],
				order[N];
	uint32_t	s = 42;
	cl_profile	ref,
				got;
	int			i,
				round;

	(void) state;
	for (i = 0; i < N; i++)
	{
		days[i] = (int) (lcg(&s) % 300);
		cents[i] = (int) (lcg(&s) % 20000) - (i % 17 == 0 ? 25000 : 0);
		order[i] = i;
	}
	profile_of(days, cents, order, N, N, &ref);
	for (round = 0; round < 20; round++)
	{
		/* shuffle, then split at a random point: merge must equal one pass */
		for (i = N - 1; i > 0; i--)
		{
			int			j = (int) (lcg(&s) % (uint32_t) (i + 1));
			int			t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		profile_of(days, cents, order, N, (int) (lcg(&s) % N), &got);
		assert_int_equal(got.periods, ref.periods);
		assert_int_equal(got.orders, ref.orders);
		assert_int_equal(got.refunds, ref.refunds);
		assert_true(got.total == ref.total);
		assert_true(got.recency == ref.recency);
		assert_true(got.t == ref.t);
		assert_true(got.monetary == ref.monetary);
		assert_int_equal(got.first_ts, ref.first_ts);
		assert_int_equal(got.last_ts, ref.last_ts);
	}
}

static void
test_profile_merge_mismatch_and_overflow(void **state)
{
	cl_period	day = {DAY, 0};
	cl_profile_acc a;
	cl_profile_acc b;
	cl_i128		huge = ((cl_i128) 1 << 126);

	(void) state;
	cl_profile_init(&a, &day, DAY, ts(2024, 3, 1, 0, 0));
	cl_profile_init(&b, &day, 7 * DAY, ts(2024, 3, 1, 0, 0));
	assert_int_equal(cl_profile_merge(&a, &b, heap_realloc, NULL), CL_EMISMATCH);

	assert_int_equal(cl_profile_add(&a, ts(2024, 1, 1, 0, 0), 1, huge, 0, heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_profile_add(&a, ts(2024, 1, 1, 0, 0), 1, huge, 0, heap_realloc, NULL), CL_ERANGE);
	assert_int_equal(cl_profile_add(&a, ts(2024, 1, 2, 0, 0), 1, 1, 25, heap_realloc, NULL), CL_ERANGE);
	free(a.sums);
}

static void
test_profile_scale_mixing(void **state)
{
	cl_period	day = {DAY, 0};
	cl_profile_acc acc;
	cl_profile	p;
	int			has;

	(void) state;
	cl_profile_init(&acc, &day, DAY, ts(2024, 3, 1, 0, 0));
	/* 0.1 + 0.2 + 0.005 + 7 = 7.305 exactly */
	assert_int_equal(cl_profile_add(&acc, ts(2024, 1, 1, 0, 0), 1, 1, 1, heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_profile_add(&acc, ts(2024, 1, 2, 0, 0), 1, 2, 1, heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_profile_add(&acc, ts(2024, 1, 3, 0, 0), 1, 5, 3, heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_profile_add(&acc, ts(2024, 1, 4, 0, 0), 1, 7, 0, heap_realloc, NULL), CL_OK);
	assert_int_equal(cl_profile_finish(&acc, &p, &has), CL_OK);
	assert_true(p.total == 7305 && p.scale == 3);
	free(acc.sums);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil_round_trip),
		cmocka_unit_test(test_period_make),
		cmocka_unit_test(test_period_floor),
		cmocka_unit_test(test_period_overflow),
		cmocka_unit_test(test_profile_extreme_span),
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_profile_definitions),
		cmocka_unit_test(test_profile_refunds_only_and_null_amount),
		cmocka_unit_test(test_profile_order_and_merge_invariance),
		cmocka_unit_test(test_profile_merge_mismatch_and_overflow),
		cmocka_unit_test(test_profile_scale_mixing),
	};

	return cmocka_run_group_tests_name("profile core", tests, NULL, NULL);
}
