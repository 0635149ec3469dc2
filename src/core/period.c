/*
 * period.c — flooring timestamps to periods, in UTC.
 */
#include "period.h"

/* Floor division: C's "/" truncates toward zero, we need toward -inf. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

cl_status
cl_period_make(int32_t months, int32_t days, int64_t usec, cl_period *out)
{
	if (months < 0 || days < 0 || usec < 0)
		return CL_EINVAL;
	if (months > 0)
	{
		if (days != 0 || usec != 0)
			return CL_EINVAL;
		out->months = months;
		out->usec = 0;
		return CL_OK;
	}
	/* 100 years of days is far beyond any sensible period; it bounds overflow. */
	if (days > 36600)
		return CL_EINVAL;
	out->months = 0;
	/* days <= 36600 cannot overflow; adding a huge time part can */
	if (__builtin_add_overflow((int64_t) days * CL_USECS_PER_DAY, usec, &out->usec))
		return CL_EINVAL;
	if (out->usec <= 0)
		return CL_EINVAL;
	return CL_OK;
}

cl_status
cl_unit_make(int32_t months, int32_t days, int64_t usec, int64_t *unit_usec)
{
	cl_period	p;
	cl_status	st;

	if (months != 0)
		return CL_EINVAL;
	st = cl_period_make(0, days, usec, &p);
	if (st != CL_OK)
		return st;
	*unit_usec = p.usec;
	return CL_OK;
}

cl_status
cl_interval_units(int32_t months, int32_t days, int64_t usec, int64_t unit_usec,
				  double *out)
{
	/* in this order, so results match earlier releases bit for bit */
	double		total = (double) usec + (double) days * (double) CL_USECS_PER_DAY +
		(double) months * (double) CL_USECS_PER_MEAN_MONTH;

	if (unit_usec <= 0 || total < 0.0)
		return CL_EINVAL;
	*out = total / (double) unit_usec;
	return CL_OK;
}

/*
 * Days since 2000-01-01 of a proleptic Gregorian date.  The classic
 * era-based formula: shift the year to start in March so the leap day is
 * the last day of the year, then count 400-year eras of 146097 days.
 */
int64_t
cl_days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	int64_t		yoe;
	int64_t		doy;
	int64_t		doe;

	y -= (m <= 2);
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	/* 730425 = days from 0000-03-01 to 2000-01-01 */
	return era * 146097 + doe - 730425;
}

void
cl_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t		z = days + 730425;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int64_t
cl_period_index(const cl_period *p, int64_t ts)
{
	int64_t		y;
	int			m;
	int			d;

	if (p->months == 0)
		return floor_div(ts - CL_PERIOD_ORIGIN, p->usec);

	/* Calendar months: count months since 2000-01, then group by p->months. */
	cl_civil_from_days(floor_div(ts, CL_USECS_PER_DAY), &y, &m, &d);
	return floor_div((y - 2000) * 12 + (m - 1), p->months);
}

/*
 * Start of period idx.  Every step is overflow-checked: a calendar period
 * of millions of months can start before the first representable instant
 * (CL_ETIMERANGE), and so can a fixed period far from the origin.
 */
cl_status
cl_period_start_checked(const cl_period *p, int64_t idx, int64_t *start)
{
	int64_t		mon;
	int64_t		y;
	int64_t		days;
	int64_t		off;

	if (p->months == 0)
	{
		if (__builtin_mul_overflow(idx, p->usec, &off) ||
			__builtin_add_overflow(off, CL_PERIOD_ORIGIN, start))
			return CL_ETIMERANGE;
		return CL_OK;
	}

	if (__builtin_mul_overflow(idx, (int64_t) p->months, &mon))
		return CL_ETIMERANGE;
	y = floor_div(mon, 12);
	/* |y| stays far below 2^62 here, so the date formula cannot overflow */
	if (y > INT64_C(100000000000) || y < -INT64_C(100000000000))
		return CL_ETIMERANGE;
	days = cl_days_from_civil(2000 + y, (int) (mon - y * 12) + 1, 1);
	if (__builtin_mul_overflow(days, CL_USECS_PER_DAY, start))
		return CL_ETIMERANGE;
	return CL_OK;
}

int64_t
cl_period_start(const cl_period *p, int64_t idx)
{
	int64_t		start;

	if (cl_period_start_checked(p, idx, &start) != CL_OK)
		return idx < 0 ? INT64_MIN : INT64_MAX;
	return start;
}
