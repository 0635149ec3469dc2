/*
 * test_limits.c — models at the edge of the parameter space: the
 * boundary-aware fits return the limit model with the supremum's
 * log-likelihood (checked against the limit's closed-form MLE where there
 * is one, against stationarity where there is not), and the closed-form
 * scores of every limit agree with the interior model's scores taken
 * towards that limit, and with direct evaluation of their definitions.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "unit_common.h"

#include "bgnbd.h"
#include "btyd.h"
#include "btyd_limits.h"
#include "btyd_model.h"
#include "clv.h"
#include "gamma_gamma.h"
#include "mbgnbd.h"
#include "pareto_nbd.h"
#include "btyd_sim.h"
#include "rng.h"

#define HR CL_LIMIT_HOMOGENEOUS_RATE
#define ND CL_LIMIT_NO_DROPOUT
#define HD CL_LIMIT_HOMOGENEOUS_DROPOUT
#define FAM(base, flags) ((cl_btyd_family) ((base) | (flags) << CL_LIMIT_SHIFT))

static const cl_btyd_family bases[3] = {CL_BTYD_BGNBD, CL_BTYD_MBGNBD, CL_BTYD_PARETO_NBD};

/*
 * Steady buyers: every customer places 10 orders at uniform random days
 * of 600; nobody lapses.  Summaries in days, as crm_profile() makes them
 * (orders on the same day are one purchase).
 */
static size_t
steady_buyers(cl_btyd_cell *cells, int ncust, uint64_t seed)
{
	cl_rng		g;
	int			i,
				j;

	cl_rng_seed(&g, seed, 1);
	for (i = 0; i < ncust; i++)
	{
		double		d[10],
					first = 1e9,
					last = -1.0;
		int			distinct = 0;

		for (j = 0; j < 10; j++)
		{
			int			k;

			d[j] = floor(600.0 * cl_rng_uniform(&g));
			for (k = 0; k < j; k++)
				if (d[k] == d[j])
					break;
			if (k == j)
				distinct++;
			first = fmin(first, d[j]);
			last = fmax(last, d[j]);
		}
		cells[i] = (cl_btyd_cell) {distinct - 1, last - first, 600.0 - first, 1.0};
	}
	return cl_btyd_cells_sort_merge(cells, (size_t) ncust);
}

/* Σwx, ΣwT, and the Poisson limit's MLE and log-likelihood */
static void
poisson_mle(const cl_btyd_cell *c, size_t n, double *lambda, double *ll)
{
	double		wx = 0.0,
				wT = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		wx += c[i].weight * c[i].x;
		wT += c[i].weight * c[i].T;
	}
	*lambda = wx / wT;
	*ll = wx * (log(wx / wT) - 1.0);
}

static double
total_ll(const cl_btyd_model *m, const cl_btyd_cell *c, size_t n)
{
	double		s = 0.0,
				v;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		assert_int_equal(cl_btyd_loglik(m, c[i].x, c[i].t_x, c[i].T, &v), CL_OK);
		s += c[i].weight * v;
	}
	return s;
}

static void
test_steady_buyers_poisson(void **state)
{
	static cl_btyd_cell c[1000];
	size_t		n = steady_buyers(c, 1000, 7);
	double		lambda,
				ll;
	int			i;

	(void) state;
	poisson_mle(c, n, &lambda, &ll);
	for (i = 0; i < 3; i++)
	{
		cl_fit_result res;
		int			fam;
		cl_btyd_model m;

		assert_int_equal(cl_btyd_fit_boundary(bases[i], c, n, NULL, &res, &fam), CL_OK);
		printf("steady buyers, family %d: limit %d, lambda %.17g (analytic %.17g), LL %.17g (analytic %.17g)\n",
			   bases[i], CL_BTYD_LIMIT(fam), res.params[0], lambda, res.ll, ll);
		assert_int_equal(fam, FAM(bases[i], HR | ND));
		assert_true(res.converged);
		assert_int_equal(res.nparams, 1);
		assert_rel(res.params[0], lambda, 1e-14, "lambda");
		assert_rel(res.ll, ll, 1e-12, "LL");
		/* the limit's likelihood through the public function too */
		m.family = fam;
		m.p[0] = res.params[0];
		assert_rel(total_ll(&m, c, n), ll, 1e-10, "LL by cl_btyd_loglik");
	}
}

/*
 * Customers with Gamma-distributed rates who never lapse: the no-dropout
 * limit (NBD).  No closed-form MLE: check it is a stationary point of the
 * NBD likelihood and that the interior fits' best value does not exceed it.
 */
static void
test_no_dropout_nbd(void **state)
{
	static cl_btyd_cell c[2000];
	cl_rng		g;
	size_t		n;
	int			i;

	(void) state;
	cl_rng_seed(&g, 11, 2);
	for (i = 0; i < 2000; i++)
	{
		double		f = 600.0 * cl_rng_uniform(&g),
					lam = cl_rng_gamma(&g, 2.0, 60.0),
					t = f,
					last = f;
		int			x = 0;

		for (;;)
		{
			t += cl_rng_exponential(&g, lam);
			if (t > 600.0)
				break;
			x++;
			last = t;
		}
		c[i] = (cl_btyd_cell) {x, last - f, 600.0 - f, 1.0};
	}
	n = cl_btyd_cells_sort_merge(c, 2000);
	for (i = 0; i < 3; i++)
	{
		cl_fit_result res;
		int			fam,
					k;
		cl_btyd_model m;
		double		ll0;

		assert_int_equal(cl_btyd_fit_boundary(bases[i], c, n, NULL, &res, &fam), CL_OK);
		printf("no dropout, family %d: limit %d, r %.10g alpha %.10g LL %.12g\n",
			   bases[i], CL_BTYD_LIMIT(fam), res.params[0], res.params[1], res.ll);
		assert_int_equal(fam, FAM(bases[i], ND));
		assert_true(res.converged);
		/* the truth is r = 2, α = 60 */
		assert_rel(res.params[0], 2.0, 0.15, "r");
		assert_rel(res.params[1], 60.0, 0.15, "alpha");
		m.family = fam;
		m.p[0] = res.params[0];
		m.p[1] = res.params[1];
		ll0 = total_ll(&m, c, n);
		assert_rel(ll0, res.ll, 1e-12, "LL");
		/* stationary: relative steps of 1e-4 in r or α change LL by < 1e-6 */
		for (k = 0; k < 2; k++)
		{
			double		s[2] = {1.0 + 1e-4, 1.0 - 1e-4};
			int			j;

			for (j = 0; j < 2; j++)
			{
				cl_btyd_model q = m;

				q.p[k] *= s[j];
				assert_true(total_ll(&q, c, n) <= ll0 + 1e-6);
			}
		}
	}
}

/* One customer: the mixture can do no better than one point: p = 1, λ = 1/t_x. */
static void
test_single_customer(void **state)
{
	cl_btyd_cell one = {1.0, 0.5, 1.0, 1.0};
	cl_btyd_cell three = {3.0, 5.0, 10.0, 1.0};
	cl_btyd_cell bad = {1.0, 0.0, 1.0, 1.0};
	cl_btyd_cell none[2] = {{0.0, 0.0, 1.0, 1.0}, {0.0, 0.0, 3.0, 2.0}};
	cl_fit_result res;
	int			fam,
				i;

	(void) state;
	assert_int_equal(cl_btyd_fit_boundary(CL_BTYD_BGNBD, &one, 1, NULL, &res, &fam), CL_OK);
	assert_int_equal(fam, FAM(CL_BTYD_BGNBD, HR | HD));
	assert_rel(res.params[0], 2.0, 1e-15, "lambda");
	assert_true(res.params[1] == 1.0);
	assert_rel(res.ll, log(2.0) - 1.0, 1e-15, "LL");
	/* MBG/NBD and Pareto/NBD cannot leave before the repeat purchase: Poisson */
	for (i = 1; i < 3; i++)
	{
		assert_int_equal(cl_btyd_fit_boundary(bases[i], &one, 1, NULL, &res, &fam), CL_OK);
		assert_int_equal(fam, FAM(bases[i], HR | ND));
		assert_rel(res.ll, -1.0, 1e-15, "LL");
	}
	/*
	 * x = 3, t_x = 5, T = 10: homogeneous rate and dropout; the LL is the
	 * best over (λ, p) of x ln λ + ln((1-p)^k e^(-λT) + p (1-p)^(k-1) e^(-λ t_x)):
	 * check against a dense grid.
	 */
	for (i = 0; i < 3; i++)
	{
		double		best = -INFINITY;
		int			a,
					b;

		assert_int_equal(cl_btyd_fit_boundary(bases[i], &three, 1, NULL, &res, &fam), CL_OK);
		assert_int_equal(fam, FAM(bases[i], HR | HD));
		for (a = 1; a <= 400; a++)
			for (b = 1; b < 400; b++)
			{
				cl_btyd_model m = {fam, {res.params[0] * (0.8 + 0.001 * a),
				bases[i] == CL_BTYD_PARETO_NBD ? res.params[1] * (0.005 * b) : 0.0025 * b}};
				double		v;

				if (cl_btyd_loglik(&m, 3.0, 5.0, 10.0, &v) == CL_OK)
					best = fmax(best, v);
			}
		printf("single customer (3, 5, 10), family %d: lambda %.10g, %s %.10g, LL %.15g (grid %.15g)\n",
			   bases[i], res.params[0], bases[i] == CL_BTYD_PARETO_NBD ? "mu" : "p",
			   res.params[1], res.ll, best);
		assert_true(res.ll >= best - 1e-12);
		assert_true(res.ll - best < 1e-5);
	}
	/* recency 0 with repeat purchases, alone: the likelihood has no maximum */
	for (i = 0; i < 3; i++)
		assert_int_equal(cl_btyd_fit_boundary(bases[i], &bad, 1, NULL, &res, &fam), CL_EINVAL);
	/* nobody repeated */
	assert_int_equal(cl_btyd_fit_boundary(CL_BTYD_BGNBD, none, 2, NULL, &res, &fam), CL_EDEGENERATE);
	assert_int_equal(res.iterations, 0);
}

/* Ten customers, one of each frequency: every family ends at a limit or inside, never racing. */
static void
test_ten_customers(void **state)
{
	cl_btyd_cell c[10];
	int			i;

	(void) state;
	for (i = 0; i < 10; i++)
		c[i] = (cl_btyd_cell) {i, 3.0 * i, 40.0, 1.0};
	for (i = 0; i < 3; i++)
	{
		cl_fit_result res;
		int			fam,
					k;
		cl_btyd_model m;

		assert_int_equal(cl_btyd_fit_boundary(bases[i], c, 10, NULL, &res, &fam), CL_OK);
		assert_true(res.converged);
		assert_true(CL_BTYD_LIMIT(fam) != 0);
		m.family = fam;
		memcpy(m.p, res.params, sizeof(m.p));
		printf("ten customers, family %d: limit %d, params %.8g %.8g %.8g, LL %.12g\n",
			   bases[i], CL_BTYD_LIMIT(fam), res.params[0], res.params[1], res.params[2], res.ll);
		assert_rel(total_ll(&m, c, 10), res.ll, 1e-12, "LL");
		for (k = 0; k < res.nparams; k++)
			assert_true(res.params[k] > 1e-6 && res.params[k] < 1e6);
	}
}

/* Heavy buyers (x up to 1e5): a limit, finite scores, P(alive) in [0, 1]. */
static void
test_heavy_buyers(void **state)
{
	static cl_btyd_cell c[500];
	cl_rng		g;
	size_t		n;
	int			i;

	(void) state;
	cl_rng_seed(&g, 5, 3);
	for (i = 0; i < 500; i++)
	{
		double		T = 600.0 * (0.01 + 0.99 * cl_rng_uniform(&g));
		double		x = floor((100.0 + 70.0 * cl_rng_uniform(&g)) * T);

		c[i] = (cl_btyd_cell) {x, T - 0.5 * T / x, T, 1.0};
	}
	n = cl_btyd_cells_sort_merge(c, 500);
	assert_true(c[n - 1].x > 9e4);
	for (i = 0; i < 3; i++)
	{
		cl_fit_result res;
		int			fam;
		cl_btyd_model m;
		double		v[12];

		assert_int_equal(cl_btyd_fit_boundary(bases[i], c, n, NULL, &res, &fam), CL_OK);
		assert_true(res.converged);
		assert_true(CL_BTYD_LIMIT(fam) != 0);
		m.family = fam;
		memcpy(m.p, res.params, sizeof(m.p));
		printf("heavy buyers, family %d: limit %d, params %.10g %.10g, LL %.15g\n",
			   bases[i], CL_BTYD_LIMIT(fam), res.params[0], res.params[1], res.ll);
		assert_int_equal(cl_btyd_p_alive(&m, 1e5, 500.0, 600.0, &v[0]), CL_OK);
		assert_true(v[0] >= 0.0 && v[0] <= 1.0);
		assert_int_equal(cl_btyd_expected_purchases_steps(&m, 30.0, 12, 1e5, 599.0, 600.0, v), CL_OK);
		assert_true(isfinite(v[11]) && v[11] > v[0]);
	}
}

/* ---- scores --------------------------------------------------------------- */

/* E[(1 - e^(-cp))/p], p ~ Beta(a, b), by the midpoint rule on p = u^(1/a) */
static double
beta_mean_quad(double c, double a, double b)
{
	const int	N = 2000000;
	double		s = 0.0,
				lnB = lgamma(a) + lgamma(b) - lgamma(a + b);
	int			i;

	/* p^(a-1) dp = du / a; the integrand (1 - e^(-cp))/p (1-p)^(b-1) is smooth in u */
	for (i = 0; i < N; i++)
	{
		double		u = (i + 0.5) / N,
					p = pow(u, 1.0 / a);

		s += -expm1(-c * p) / p * exp((b - 1.0) * log1p(-p));
	}
	return s / N / a / exp(lnB);
}

/*
 * Each limit's scores against the interior model taken close to the limit
 * (agreement to the distance from the limit), and the Beta-dropout mean
 * against quadrature.
 */
static void
test_scores_against_interior(void **state)
{
	const double x = 4.0,
				tx = 20.0,
				T = 30.0;
	const double big = 1e9;
	struct
	{
		cl_btyd_family base;
		int			flags;
		double		lp[3];		/* limit parameters */
		double		ip[4];		/* interior parameters near it */
		double		tol;
	}			cases[] = {
		/* Poisson: r = big, α = big/λ; p -> 0 with a = 1e-9 */
		{CL_BTYD_BGNBD, HR | ND, {0.2}, {big, big / 0.2, 1e-9, 1.0}, 1e-7},
		{CL_BTYD_MBGNBD, HR | ND, {0.2}, {big, big / 0.2, 1e-9, 1.0}, 1e-7},
		{CL_BTYD_PARETO_NBD, HR | ND, {0.2}, {big, big / 0.2, 1e-9, 1.0}, 1e-6},
		/* NBD */
		{CL_BTYD_BGNBD, ND, {0.8, 12.0}, {0.8, 12.0, 1e-9, 1.0}, 1e-7},
		{CL_BTYD_PARETO_NBD, ND, {0.8, 12.0}, {0.8, 12.0, 1e-9, 1.0}, 1e-6},
		/* homogeneous dropout p = 0.3: a = 0.3 big, b = 0.7 big */
		{CL_BTYD_BGNBD, HD, {0.8, 12.0, 0.3}, {0.8, 12.0, 0.3 * big, 0.7 * big}, 1e-6},
		{CL_BTYD_MBGNBD, HD, {0.8, 12.0, 0.3}, {0.8, 12.0, 0.3 * big, 0.7 * big}, 1e-6},
		/* homogeneous rate with Beta(a, b) dropout */
		{CL_BTYD_BGNBD, HR, {0.2, 0.7, 2.5}, {big, big / 0.2, 0.7, 2.5}, 1e-6},
		{CL_BTYD_MBGNBD, HR, {0.2, 0.7, 2.5}, {big, big / 0.2, 0.7, 2.5}, 1e-6},
		/* both homogeneous */
		{CL_BTYD_BGNBD, HR | HD, {0.2, 0.3}, {big, big / 0.2, 0.3 * big, 0.7 * big}, 1e-6},
		{CL_BTYD_MBGNBD, HR | HD, {0.2, 0.3}, {big, big / 0.2, 0.3 * big, 0.7 * big}, 1e-6},
		/* Pareto: μ = 0.05 as s = 0.05 big, β = big */
		{CL_BTYD_PARETO_NBD, HR | HD, {0.2, 0.05}, {big, big / 0.2, 0.05 * big, big}, 1e-6},
	};
	size_t		i;

	(void) state;
	for (i = 0; i < NELEM(cases); i++)
	{
		cl_btyd_model lim = {FAM(cases[i].base, cases[i].flags), {0}};
		cl_btyd_model in = {cases[i].base, {cases[i].ip[0], cases[i].ip[1], cases[i].ip[2], cases[i].ip[3]}};
		double		a,
					b,
					e1[3],
					e2[3];
		char		what[64];

		memcpy(lim.p, cases[i].lp, sizeof(cases[i].lp));
		snprintf(what, sizeof(what), "case %zu P(alive)", i);
		assert_int_equal(cl_btyd_p_alive(&lim, x, tx, T, &a), CL_OK);
		assert_int_equal(cl_btyd_p_alive(&in, x, tx, T, &b), CL_OK);
		assert_rel(a, b, cases[i].tol, what);
		snprintf(what, sizeof(what), "case %zu E[Y]", i);
		assert_int_equal(cl_btyd_expected_purchases_steps(&lim, 10.0, 3, x, tx, T, e1), CL_OK);
		assert_int_equal(cl_btyd_expected_purchases_steps(&in, 10.0, 3, x, tx, T, e2), CL_OK);
		assert_rel(e1[2], e2[2], cases[i].tol, what);
		snprintf(what, sizeof(what), "case %zu E[X] new", i);
		assert_int_equal(cl_btyd_expected_purchases_new(&lim, 25.0, &a), CL_OK);
		assert_int_equal(cl_btyd_expected_purchases_new(&in, 25.0, &b), CL_OK);
		assert_rel(a, b, cases[i].tol, what);
		snprintf(what, sizeof(what), "case %zu P(no purchase)", i);
		assert_int_equal(cl_btyd_p_no_purchase(&lim, 15.0, x, tx, T, &a), CL_OK);
		assert_int_equal(cl_btyd_p_no_purchase(&in, 15.0, x, tx, T, &b), CL_OK);
		assert_rel(a, b, cases[i].tol, what);
		snprintf(what, sizeof(what), "case %zu LL", i);
		assert_int_equal(cl_btyd_loglik(&lim, x, tx, T, &a), CL_OK);
		assert_int_equal(cl_btyd_loglik(&in, x, tx, T, &b), CL_OK);
		assert_rel(a, b, 1e-5, what);
	}
}

/*
 * Extreme parameters and summaries: every score is a finite number in its
 * range, or an error status; never NaN.
 */
static void
test_scores_extreme(void **state)
{
	const double vals[] = {5e-324, 1e-300, 1e-10, 0.5, 1.0, 7.0, 1e10, 1e300, 1.7976931348623157e308};
	const double xs[] = {0.0, 1.0, 1e6, 1e300};
	const double ts[] = {0.0, 1e-300, 1.0, 1e5, 1e300};
	const struct
	{
		cl_btyd_family base;
		int			flags;
		int			np;
	}			lims[] = {
		{CL_BTYD_BGNBD, HR | ND, 1}, {CL_BTYD_BGNBD, ND, 2}, {CL_BTYD_BGNBD, HD, 3},
		{CL_BTYD_BGNBD, HR, 3}, {CL_BTYD_BGNBD, HR | HD, 2}, {CL_BTYD_MBGNBD, HD, 3},
		{CL_BTYD_MBGNBD, HR, 3}, {CL_BTYD_MBGNBD, HR | HD, 2}, {CL_BTYD_PARETO_NBD, ND, 2},
		{CL_BTYD_PARETO_NBD, HR | HD, 2}, {CL_BTYD_PARETO_NBD, HR, 3}, {CL_BTYD_PARETO_NBD, HD, 3},
	};
	size_t		l,
				i,
				j,
				k,
				a,
				b;
	long		calls = 0;

	(void) state;
	for (l = 0; l < NELEM(lims); l++)
		for (a = 0; a < NELEM(vals); a++)
			for (b = 0; b < NELEM(vals); b += 2)
			{
				cl_btyd_model m = {FAM(lims[l].base, lims[l].flags), {vals[a], vals[b], vals[(a + b) % NELEM(vals)]}};
				int			pi = lims[l].base == CL_BTYD_PARETO_NBD ? -1
					: lims[l].flags == HD ? 2 : lims[l].flags == (HR | HD) ? 1 : -1;

				if (pi >= 0 && !(m.p[pi] < 1.0))
					m.p[pi] = 0.999999;
				for (i = 0; i < NELEM(xs); i++)
					for (j = 0; j < NELEM(ts); j++)
						for (k = 0; k <= j; k++)
						{
							double		x = xs[i],
										T = ts[j],
										tx = x > 0 ? ts[k] : 0.0,
										v,
										e[3];
							cl_status	st;

							st = cl_btyd_p_alive(&m, x, tx, T, &v);
							assert_int_equal(st, CL_OK);
							if (!(v >= 0.0 && v <= 1.0))
								fail_msg("P(alive) %g: limit %d params %g %g %g x %g t_x %g T %g",
										 v, lims[l].flags, m.p[0], m.p[1], m.p[2], x, tx, T);
							st = cl_btyd_p_no_purchase(&m, 30.0, x, tx, T, &v);
							assert_int_equal(st, CL_OK);
							assert_true(v >= 0.0 && v <= 1.0);
							st = cl_btyd_expected_purchases_steps(&m, 30.0, 3, x, tx, T, e);
							if (st == CL_OK)
								assert_true(isfinite(e[2]) && e[2] >= 0.0);
							else
								assert_int_equal(st, CL_ERANGE);
							calls += 3;
						}
			}
	printf("extreme parameters: %ld score calls, all in range\n", calls);
}

/* The closed forms written out for two limits, and the Beta mean by quadrature. */
static void
test_scores_closed_forms(void **state)
{
	cl_btyd_model pois = {FAM(CL_BTYD_BGNBD, HR | ND), {0.25}};
	cl_btyd_model nbd = {FAM(CL_BTYD_PARETO_NBD, ND), {0.8, 12.0}};
	cl_btyd_model hr = {FAM(CL_BTYD_BGNBD, HR), {0.0, 0.7, 2.5}};
	double		v,
				e[12];
	const double cs[] = {0.01, 1.0, 30.0, 400.0};
	size_t		i;

	(void) state;
	assert_int_equal(cl_btyd_p_alive(&pois, 7, 10, 50, &v), CL_OK);
	assert_true(v == 1.0);
	assert_int_equal(cl_btyd_expected_purchases_steps(&pois, 30.0, 12, 7, 10, 50, e), CL_OK);
	for (i = 0; i < 12; i++)
		assert_rel(e[i], 0.25 * 30.0 * (i + 1), 1e-15, "lambda t");
	assert_int_equal(cl_btyd_p_no_purchase(&pois, 4.0, 7, 10, 50, &v), CL_OK);
	assert_rel(v, exp(-1.0), 1e-15, "e^(-lambda h)");
	/* no dropout with Gamma rates: E[Y(t) | x, T] = (r+x)/(α+T) t */
	assert_int_equal(cl_btyd_expected_purchases_steps(&nbd, 26.0, 1, 7, 10, 50, e), CL_OK);
	assert_rel(e[0], 7.8 / 62.0 * 26.0, 1e-15, "(r+x)/(alpha+T) t");
	assert_int_equal(cl_btyd_p_no_purchase(&nbd, 26.0, 7, 10, 50, &v), CL_OK);
	assert_rel(v, pow(62.0 / 88.0, 7.8), 1e-14, "((alpha+T)/(alpha+T+h))^(r+x)");
	/* the expansion beyond c = 1e7 joins the exact sum */
	{
		cl_btyd_model h1 = {FAM(CL_BTYD_BGNBD, HR), {1e6, 0.7, 2.5}};
		cl_btyd_model h2 = {FAM(CL_BTYD_BGNBD, HR), {1e6, 1.0, 2.5}};
		cl_btyd_model h3 = {FAM(CL_BTYD_BGNBD, HR), {1e6, 3.5, 2.5}};
		const cl_btyd_model *hs[3] = {&h1, &h2, &h3};
		int			j;

		for (j = 0; j < 3; j++)
		{
			double		below,
						above;

			assert_int_equal(cl_btyd_expected_purchases_steps(hs[j], 9.999999, 1, 3, 40, 40, &below), CL_OK);
			assert_int_equal(cl_btyd_expected_purchases_steps(hs[j], 10.000001, 1, 3, 40, 40, &above), CL_OK);
			printf("Beta dropout mean at c = 1e7, a = %g: sum %.17g, expansion %.17g\n",
				   hs[j]->p[1], below, above);
			assert_rel(above, below, 1e-7, "expansion vs sum at c = 1e7");
		}
	}
	/* E[(1-e^(-cp))/p] under Beta(0.7, 2.5 + x) */
	for (i = 0; i < NELEM(cs); i++)
	{
		double		alive,
					q = beta_mean_quad(cs[i], 0.7, 2.5 + 3.0);

		hr.p[0] = cs[i] / 10.0;
		assert_int_equal(cl_btyd_p_alive(&hr, 3, 40, 40, &alive), CL_OK);
		assert_rel(alive, 1.0 / (1.0 + 0.7 / (2.5 + 2.0)), 1e-13, "P(alive), t_x = T");
		assert_int_equal(cl_btyd_expected_purchases_steps(&hr, 10.0, 1, 3, 40, 40, &v), CL_OK);
		printf("Beta dropout mean c = %g: %.17g, quadrature %.17g\n", cs[i], v / alive, q);
		assert_rel(v / alive, q, 1e-8, "Beta dropout mean");
	}
}

/* Limit scores are closed forms: time per call next to an interior model's. */
static void
test_score_speed(void **state)
{
	cl_btyd_model lim = {FAM(CL_BTYD_BGNBD, HR | ND), {0.0165}};
	cl_btyd_model hrb = {FAM(CL_BTYD_BGNBD, HR), {0.0165, 0.7, 2.5}};
	cl_btyd_model in = {CL_BTYD_BGNBD, {0.243, 4.414, 0.793, 2.426}};
	cl_gg_params gg = {6.25, 3.74, 15.44};
	const cl_btyd_model *ms[3] = {&lim, &hrb, &in};
	const char *names[3] = {"Poisson limit", "homogeneous rate limit", "CDNOW BG/NBD"};
	int			j;

	(void) state;
	for (j = 0; j < 3; j++)
	{
		double		t0 = now_seconds(),
					s = 0.0,
					v,
					us;
		int			i;

		for (i = 0; i < 20000; i++)
		{
			assert_int_equal(cl_clv_estimate_model(ms[j], &gg, 9.0, 500.0 + (i % 50), 590.0, 50.0,
												   12, 0.01, 30.0, &v), CL_OK);
			s += v;
		}
		us = (now_seconds() - t0) / 20000 * 1e6;
		printf("clv_estimate (12 months), %s: %.2f us per call (sum %g)\n", names[j], us, s);
		assert_true(isfinite(s) && s > 0.0);
	}
}

/* ---- Gamma-Gamma ----------------------------------------------------------- */

static void
test_gamma_gamma_limits(void **state)
{
	static cl_gg_cell c[1000];
	cl_gg_cell same[3] = {{1, 10, 1}, {3, 10, 1}, {5, 10, 2}};
	cl_gg_params lp;
	cl_rng		g;
	cl_fit_result res;
	int			limit,
				i;
	double		wx = 0.0,
				wxm = 0.0,
				v;

	(void) state;
	assert_int_equal(cl_gg_fit_boundary(same, 3, NULL, &res, &limit), CL_OK);
	assert_int_equal(limit, CL_LIMIT_CONSTANT_SPEND);
	assert_true(res.params[0] == 10.0 && res.ll == INFINITY && res.n == 4.0);

	/* every purchase of every customer ~ Gamma(4, 0.1): the homogeneous limit */
	cl_rng_seed(&g, 3, 4);
	for (i = 0; i < 1000; i++)
	{
		int			x = 1 + i % 9,
					k;
		double		s = 0.0;

		for (k = 0; k < x; k++)
			s += cl_rng_gamma(&g, 4.0, 0.1);
		c[i] = (cl_gg_cell) {x, s / x, 1.0};
	}
	assert_int_equal(cl_gg_fit_boundary(c, 1000, NULL, &res, &limit), CL_OK);
	printf("homogeneous spend: p %.10g nu %.10g LL %.12g\n", res.params[0], res.params[1], res.ll);
	assert_int_equal(limit, CL_LIMIT_HOMOGENEOUS_SPEND);
	assert_rel(res.params[0], 4.0, 0.1, "p");
	assert_rel(res.params[1], 0.1, 0.1, "nu");
	/* given p, the MLE of ν is p Σx / Σxm (closed form) */
	for (i = 0; i < 1000; i++)
	{
		wx += c[i].x;
		wxm += c[i].x * c[i].m;
	}
	assert_rel(res.params[1], res.params[0] * wx / wxm, 1e-7, "nu = p sum x / sum xm");
	/* scores: the common mean p/ν whatever the customer's own mean */
	lp = (cl_gg_params) {res.params[0], INFINITY, res.params[0] / res.params[1]};
	assert_int_equal(cl_gg_expected_spend(&lp, 7.0, 1000.0, &v), CL_OK);
	assert_rel(v, res.params[0] / res.params[1], 1e-15, "E[M]");
	assert_int_equal(cl_gg_expected_spend(&lp, 0.0, 0.0, &v), CL_OK);
	assert_int_equal(cl_gg_expected_spend(&lp, 2.0, -1.0, &v), CL_EINVAL);
	/*
	 * every customer always spends the same amount, m ~ InverseGamma(3, 100)
	 * between customers: the constant spend per customer (p -> infinity)
	 */
	{
		double		sw = 0.0,
					sinv = 0.0;

		for (i = 0; i < 1000; i++)
		{
			c[i] = (cl_gg_cell) {1 + i % 7, 1.0 / cl_rng_gamma(&g, 3.0, 100.0), 1.0};
			sw += 1.0;
			sinv += 1.0 / c[i].m;
		}
		assert_int_equal(cl_gg_fit_boundary(c, 1000, NULL, &res, &limit), CL_OK);
		printf("constant spend per customer: q %.10g w %.10g LL %.12g\n", res.params[0], res.params[1], res.ll);
		assert_int_equal(limit, CL_LIMIT_CONSTANT_SPEND_PER_CUSTOMER);
		assert_rel(res.params[0], 3.0, 0.15, "q");
		assert_rel(res.params[1], 100.0, 0.15, "w");
		/* given q, the MLE of w is q n / sum(1/m) */
		assert_rel(res.params[1], res.params[0] * sw / sinv, 1e-7, "w = q n / sum 1/m");
		lp = (cl_gg_params) {INFINITY, res.params[0], res.params[1]};
		assert_int_equal(cl_gg_expected_spend(&lp, 4.0, 37.5, &v), CL_OK);
		assert_true(v == 37.5);
		assert_int_equal(cl_gg_expected_spend(&lp, 0.0, 0.0, &v), CL_OK);
		assert_rel(v, res.params[1] / (res.params[0] - 1.0), 1e-15, "w / (q - 1)");
	}
	/* the interior CDNOW-like data stay interior */
	for (i = 0; i < 1000; i++)
		c[i].m = c[i].m * (0.3 + 2.0 * cl_rng_gamma(&g, 1.0, 1.0));
	assert_int_equal(cl_gg_fit_boundary(c, 1000, NULL, &res, &limit), CL_OK);
	assert_int_equal(limit, 0);
}

/* The CDNOW-scale interior fits are returned exactly as the interior fit gives them. */
static void
test_interior_unchanged(void **state)
{
	static cl_btyd_cell c[3000];
	cl_rng		g;
	size_t		n;
	int			i;

	(void) state;
	{
	cl_bgnbd_params truth = {0.243, 4.414, 0.793, 2.426};

	cl_rng_seed(&g, 99, 5);
	for (i = 0; i < 3000; i++)
	{
		double		T = 27.0 + 12.0 * cl_rng_uniform(&g),
					x,
					tx;

		assert_int_equal(cl_sim_bgnbd(&g, &truth, T, &x, &tx), CL_OK);
		c[i] = (cl_btyd_cell) {x, tx, T, 1.0};
	}
	n = cl_btyd_cells_sort_merge(c, 3000);
	for (i = 0; i < 3; i++)
	{
		cl_fit_result a,
					b;
		int			fam;
		cl_status	st = (i == 0 ? cl_bgnbd_fit : i == 1 ? cl_mbgnbd_fit : cl_pnbd_fit) (c, n, NULL, &a);

		assert_int_equal(cl_btyd_fit_boundary(bases[i], c, n, NULL, &b, &fam), st);
		assert_int_equal(fam, bases[i]);
		assert_memory_equal(a.params, b.params, sizeof(a.params));
		assert_true(a.ll == b.ll);
	}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_buyers_poisson),
		cmocka_unit_test(test_no_dropout_nbd),
		cmocka_unit_test(test_single_customer),
		cmocka_unit_test(test_ten_customers),
		cmocka_unit_test(test_heavy_buyers),
		cmocka_unit_test(test_scores_against_interior),
		cmocka_unit_test(test_scores_closed_forms),
		cmocka_unit_test(test_scores_extreme),
		cmocka_unit_test(test_score_speed),
		cmocka_unit_test(test_gamma_gamma_limits),
		cmocka_unit_test(test_interior_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
