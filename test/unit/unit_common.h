/*
 * unit_common.h — helpers shared by the model unit tests: an element count,
 * a relative-error assertion and a monotonic clock.  Include after
 * <cmocka.h>.
 */
#ifndef CL_UNIT_COMMON_H
#define CL_UNIT_COMMON_H

#include <float.h>
#include <math.h>
#include <time.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Fail unless got is within relative tolerance tol of want. */
static inline void
assert_rel(double got, double want, double tol, const char *what)
{
	double		err = fabs(got - want) / fmax(fabs(want), DBL_MIN);

	if (!(err <= tol))
		fail_msg("%s: got %.17g want %.17g (relative error %.3g > %.3g)",
				 what, got, want, err, tol);
}

static inline double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

#endif							/* CL_UNIT_COMMON_H */
