/*
 * btyd_fixture.h — test data for the BTYD unit tests: the CDNOW calibration
 * summary, and a tiny deterministic sampler for parameter-recovery tests
 * (independent of the project's simulator, which it is meant to check).
 *
 * Header-only (static inline functions, so a test that uses only some of
 * them compiles warning-free) so that each test program stays one file
 * compiled against the core.
 */
#ifndef CL_BTYD_FIXTURE_H
#define CL_BTYD_FIXTURE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- CDNOW -------------------------------------------------------------- */

#define CDNOW_CUSTOMERS 2357
#define CDNOW_MAX_ORDERS 8000

typedef struct cdnow_customer
{
	double		x,				/* frequency: distinct purchase days - 1 */
				t_x,			/* recency in weeks */
				T,				/* age in weeks at 1997-09-30 */
				m;				/* mean of the repeat-day sums (0 if x = 0) */
} cdnow_customer;

typedef struct cdnow_order
{
	int			id;
	long		day;			/* days since 1970-01-01 */
	double		amount;
} cdnow_order;

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static inline long
fixture_days(long y, long m, long d)
{
	long		era,
				yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static inline int
cmp_order(const void *pa, const void *pb)
{
	const cdnow_order *a = pa,
			   *b = pb;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return (a->day > b->day) - (a->day < b->day);
}

/* The data file: $CL_CDNOW_FILE, else ../shared/data/cdnow/CDNOW_sample.txt. */
static inline FILE *
cdnow_open(void)
{
	const char *path = getenv("CL_CDNOW_FILE");

	if (path == NULL || path[0] == '\0')
		path = "../shared/data/cdnow/CDNOW_sample.txt";
	return fopen(path, "r");
}

/*
 * Calibration summary as in the literature: orders up to 1997-09-30, orders
 * of one day merged, times in weeks.  Returns the number of customers, or 0
 * when the file is not there (the caller skips).
 */
static inline int
cdnow_load(cdnow_customer *out)
{
	static cdnow_order orders[CDNOW_MAX_ORDERS];
	const long	end = fixture_days(1997, 9, 30);
	char		line[256];
	int			norders = 0,
				ncust = 0,
				i = 0;
	FILE	   *f = cdnow_open();

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL && norders < CDNOW_MAX_ORDERS)
	{
		long		full_id,
					date;
		int			id,
					cds;
		double		amount;

		/* whitespace-separated; the CR of the CRLF ending is whitespace too */
		if (sscanf(line, "%ld %d %ld %d %lf", &full_id, &id, &date, &cds, &amount) != 5)
			continue;
		orders[norders].id = id;
		orders[norders].day = fixture_days(date / 10000, date / 100 % 100, date % 100);
		orders[norders].amount = amount;
		if (orders[norders].day <= end)
			norders++;
	}
	fclose(f);
	qsort(orders, norders, sizeof(cdnow_order), cmp_order);

	while (i < norders && ncust < CDNOW_CUSTOMERS)
	{
		int			id = orders[i].id;
		long		first = orders[i].day,
					last = first,
					day = -1;	/* no day yet (all days are > 0) */
		double		repeat_sum = 0.0,
					day_sum = 0.0;
		int			days = 0;

		for (; i < norders && orders[i].id == id; i++)
		{
			if (orders[i].day != day)
			{
				if (days > 1)	/* the day just finished was a repeat day */
					repeat_sum += day_sum;
				days++;
				day = orders[i].day;
				day_sum = 0.0;
			}
			day_sum += orders[i].amount;
			last = orders[i].day;
		}
		if (days > 1)
			repeat_sum += day_sum;
		out[ncust].x = days - 1;
		out[ncust].t_x = (double) (last - first) / 7.0;
		out[ncust].T = (double) (end - first) / 7.0;
		out[ncust].m = days > 1 ? repeat_sum / (days - 1) : 0.0;
		ncust++;
	}
	return ncust;
}

/* ---- sampler ------------------------------------------------------------ */

typedef struct fixture_rng
{
	uint64_t	s;
} fixture_rng;

/* splitmix64: small, fast, and good enough for Monte Carlo tests */
static inline uint64_t
rng_next(fixture_rng *g)
{
	uint64_t	z = (g->s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* uniform on (0, 1) */
static inline double
rng_unif(fixture_rng *g)
{
	return ((double) (rng_next(g) >> 11) + 0.5) * 0x1p-53;
}

static inline double
rng_normal(fixture_rng *g)
{
	return sqrt(-2.0 * log(rng_unif(g))) * cos(2.0 * M_PI * rng_unif(g));
}

/* Gamma(shape, 1) by Marsaglia & Tsang; shape < 1 via U^(1/shape) boosting. */
static inline double
rng_gamma(fixture_rng *g, double shape)
{
	double		d,
				c;

	if (shape < 1.0)
		return rng_gamma(g, shape + 1.0) * pow(rng_unif(g), 1.0 / shape);
	d = shape - 1.0 / 3.0;
	c = 1.0 / sqrt(9.0 * d);
	for (;;)
	{
		double		z = rng_normal(g),
					v = 1.0 + c * z,
					u;

		if (v <= 0.0)
			continue;
		v = v * v * v;
		u = rng_unif(g);
		if (log(u) < 0.5 * z * z + d - d * v + d * log(v))
			return d * v;
	}
}

static inline double
rng_beta(fixture_rng *g, double a, double b)
{
	double		x = rng_gamma(g, a);

	return x / (x + rng_gamma(g, b));
}

/*
 * One BG/NBD customer observed for T time units after the first purchase:
 * λ ~ Gamma(r, rate α), p ~ Beta(a, b); purchases are a Poisson(λ) process
 * and the customer drops out after each repeat purchase with probability p.
 * Times are rounded down to multiples of grain (0 = continuous), as daily
 * data would be.
 */
static inline void
simulate_bgnbd(fixture_rng *g, double r, double alpha, double a, double b,
			   double T, double grain, double *x, double *t_x)
{
	double		lambda = rng_gamma(g, r) / alpha;
	double		p = rng_beta(g, a, b);
	double		t = 0.0;

	*x = 0.0;
	*t_x = 0.0;
	for (;;)
	{
		t += -log(rng_unif(g)) / lambda;
		if (t > T)
			break;
		*x += 1.0;
		*t_x = t;
		if (rng_unif(g) < p)
			break;
	}
	if (grain > 0.0)
		*t_x = floor(*t_x / grain) * grain;
}

/* ---- derivative check ---------------------------------------------------- */

#if defined(CL_BTYD_H) && defined(cmocka_unit_test)
/*
 * A four-parameter log-likelihood over cells at log-parameters u, with its
 * gradient and (when h is not NULL) Hessian in u.
 */
typedef void (*fixture_ll_fn) (const cl_btyd_cell *cells, size_t n, const double *u,
							   double *ll, double *g, double *h);

/*
 * Check the analytic gradient and Hessian of ll_at against central
 * differences (step 1e-5: truncation ~1e-10, rounding ~1e-11 |LL|) at every
 * point, and the Hessian's symmetry.
 */
static inline void
fixture_check_derivatives(fixture_ll_fn ll_at, const cl_btyd_cell *cells, size_t n,
						  const double (*points)[4], size_t npoints)
{
	size_t		k;

	for (k = 0; k < npoints; k++)
	{
		double		u[4],
					ll,
					g[4],
					h[16];
		int			i,
					j;

		memcpy(u, points[k], sizeof(u));
		ll_at(cells, n, u, &ll, g, h);
		for (i = 0; i < 4; i++)
		{
			double		step = 1e-5,
						up[4],
						dn[4],
						llp,
						llm,
						gp[4],
						gm[4];

			memcpy(up, u, sizeof(u));
			memcpy(dn, u, sizeof(u));
			up[i] += step;
			dn[i] -= step;
			ll_at(cells, n, up, &llp, gp, NULL);
			ll_at(cells, n, dn, &llm, gm, NULL);
			if (!(fabs((llp - llm) / (2.0 * step) - g[i]) <= 1e-6 * (fabs(g[i]) + 1e-3 * fabs(ll))))
				fail_msg("point %zu: dLL/du%d = %.12g, finite difference %.12g", k, i,
						 g[i], (llp - llm) / (2.0 * step));
			for (j = 0; j < 4; j++)
			{
				double		fd = (gp[j] - gm[j]) / (2.0 * step);

				if (!(fabs(fd - h[i * 4 + j]) <= 1e-6 * (fabs(h[i * 4 + j]) + 1e-3 * fabs(ll))))
					fail_msg("point %zu: H[%d][%d] = %.12g, finite difference %.12g",
							 k, i, j, h[i * 4 + j], fd);
				assert_true(h[i * 4 + j] == h[j * 4 + i]);
			}
		}
	}
}
#endif

#endif							/* CL_BTYD_FIXTURE_H */
