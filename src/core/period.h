/*
 * period.h — period arithmetic on PostgreSQL-style timestamps.
 *
 * Timestamps are int64 microseconds since 2000-01-01 00:00:00 UTC (the
 * PostgreSQL epoch), so the core needs no PostgreSQL header to use them.
 * Every computation here is in UTC: a result never depends on a session
 * time zone.  Callers that want local-calendar periods shift timestamps into
 * local wall-clock time before calling.
 */
#ifndef CL_PERIOD_H
#define CL_PERIOD_H

#include <stdint.h>

#include "cl_status.h"

#define CL_USECS_PER_DAY INT64_C(86400000000)

/*
 * A period is either a fixed length (usec > 0, months = 0) or a whole number
 * of calendar months (months > 0, usec = 0).  Mixing the two has no single
 * meaning ("1 month 1 day" is not a grid), so cl_period_make rejects it.
 */
typedef struct cl_period
{
	int64_t		usec;
	int32_t		months;
} cl_period;

/*
 * Fixed-length periods are counted from Monday 2000-01-03 00:00 UTC, so
 * daily periods start at midnight UTC and 7-day periods are ISO weeks.
 */
#define CL_PERIOD_ORIGIN (2 * CL_USECS_PER_DAY)

/* Build a period from an interval's fields (days are 24 h in UTC). */
extern cl_status cl_period_make(int32_t months, int32_t days, int64_t usec,
								cl_period *out);

/* Build a time unit: a fixed, positive length.  Months are not a unit. */
extern cl_status cl_unit_make(int32_t months, int32_t days, int64_t usec,
							  int64_t *unit_usec);

/*
 * The mean Gregorian month, 365.2425 / 12 days (2,629,746 s): twelve of
 * them make the mean calendar year, so a horizon of '12 months' is a year
 * of days on average, whatever month it starts in.
 */
#define CL_USECS_PER_MEAN_MONTH INT64_C(2629746000000)

/*
 * A length of time given as an interval's fields (months, days,
 * microseconds) in model time units of unit_usec microseconds: a day is
 * 24 hours, a month the mean Gregorian month (CL_USECS_PER_MEAN_MONTH).
 * This is how horizons and month lengths reach the models; '30 days' and
 * '1 month' are therefore different lengths (30 vs 30.436875 days).
 *
 * The fields may differ in sign ('1 month -3 days'); their total must not
 * be negative (CL_EINVAL), and unit_usec must be positive (CL_EINVAL).  The
 * sum is taken in double precision, so no combination of field values
 * overflows: the largest total (every field at its maximum) is about
 * 5.8e21 microseconds, finite, rounded to 53 bits.
 */
extern cl_status cl_interval_units(int32_t months, int32_t days, int64_t usec,
								   int64_t unit_usec, double *out);

/*
 * Index of the period containing ts (floor), and the start of period idx.
 * cl_period_start_checked gives CL_ETIMERANGE when the start does not fit
 * in 64-bit microseconds; cl_period_start saturates to INT64_MIN/INT64_MAX
 * instead (for callers that range-check the result anyway).
 */
extern int64_t cl_period_index(const cl_period *p, int64_t ts);
extern cl_status cl_period_start_checked(const cl_period *p, int64_t idx,
										 int64_t *start);
extern int64_t cl_period_start(const cl_period *p, int64_t idx);

/* Civil date helpers (proleptic Gregorian), days relative to 2000-01-01. */
extern int64_t cl_days_from_civil(int64_t y, int m, int d);
extern void cl_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif							/* CL_PERIOD_H */
