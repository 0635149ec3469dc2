/*
 * test_bgnbd.c — BG/NBD core: CDNOW reference fit, mpmath reference scores,
 * exact derivatives against finite differences, a numerics sweep over
 * x <= 1e6 and T <= 1e5, algebraic properties, parameter recovery from
 * simulated data, degenerate data, and the fit time on 1M customers.
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
#include <time.h>
#include <cmocka.h>

#include "unit_common.h"

#include "bgnbd.h"
#include "btyd.h"
#include "btyd_fixture.h"
#include "interrupt.h"
#include "specfun.h"
#include "vectors/hyp2f1_vectors.h"

static const cl_bgnbd_params cdnow_params = {0.2425945, 4.4136027, 0.7929218, 2.4259057};

/* ---- CDNOW -------------------------------------------------------------- */

static void
test_cdnow_fit(void **state)
{
	static cdnow_customer cust[CDNOW_CUSTOMERS];
	static cl_btyd_cell cells[CDNOW_CUSTOMERS];
	cl_fit_result res;
	size_t		n;
	int			ncust,
				i,
				repeaters = 0;
	double		sumx = 0.0;

	(void) state;
	ncust = cdnow_load(cust);
	if (ncust == 0)
	{
		printf("SKIP: CDNOW sample not found (set CL_CDNOW_FILE or run from the repository root)\n");
		skip();
	}
	assert_int_equal(ncust, 2357);
	for (i = 0; i < ncust; i++)
	{
		cells[i] = (cl_btyd_cell) {cust[i].x, cust[i].t_x, cust[i].T, 1.0};
		sumx += cust[i].x;
		repeaters += cust[i].x > 0;
	}
	/* the summary the literature reports */
	assert_true(sumx == 2457.0);
	assert_int_equal(repeaters, 946);

	n = cl_btyd_cells_sort_merge(cells, (size_t) ncust);
	assert_int_equal(cl_bgnbd_fit(cells, n, NULL, &res), CL_OK);
	printf("CDNOW BG/NBD: %zu cells, r = %.7f alpha = %.7f a = %.7f b = %.7f "
		   "LL = %.4f, %d iterations\n", n, res.params[0], res.params[1],
		   res.params[2], res.params[3], res.ll, res.iterations);
	assert_true(res.converged);
	assert_true(res.n == 2357.0);
	assert_rel(res.params[0], 0.2425945, 1e-3, "r");
	assert_rel(res.params[1], 4.4136027, 1e-3, "alpha");
	assert_rel(res.params[2], 0.7929218, 1e-3, "a");
	assert_rel(res.params[3], 2.4259057, 1e-3, "b");
	assert_true(fabs(res.ll - -9582.4292) < 0.01);

	/* the published estimates are a maximum: no better point nearby */
	{
		double		ll;

		assert_int_equal(cl_bgnbd_loglik_total(&cdnow_params, cells, n, &ll, NULL, NULL), CL_OK);
		assert_true(ll <= res.ll + 1e-9);
		assert_true(ll > res.ll - 1e-3);
	}
}

/* ---- reference scores (mpmath) ------------------------------------------ */

/*
 * 1e-10 relative; the per-customer log-likelihood absolutely as well, since
 * for x = 1e6 it is ~1e6 and its ulp is 1e-10.
 */
static void
test_reference_scores(void **state)
{
	size_t		i;

	(void) state;
	for (i = 0; i < NELEM(ref_bgnbd_cases); i++)
	{
		const ref_bgnbd *v = &ref_bgnbd_cases[i];
		cl_bgnbd_params p = {v->r, v->alpha, v->a, v->b};
		double		e,
					pa,
					pnp,
					ll;

		assert_int_equal(cl_bgnbd_expected_purchases(&p, v->t, v->x, v->t_x, v->T, &e), CL_OK);
		assert_int_equal(cl_bgnbd_p_alive(&p, v->x, v->t_x, v->T, &pa), CL_OK);
		assert_int_equal(cl_bgnbd_p_no_purchase(&p, v->t, v->x, v->t_x, v->T, &pnp), CL_OK);
		assert_int_equal(cl_bgnbd_loglik(&p, v->x, v->t_x, v->T, &ll), CL_OK);
		assert_rel(e, v->expected, 1e-10, "E[Y(t)]");
		assert_rel(pa, v->p_alive, 1e-10, "P(alive)");
		assert_rel(pnp, v->p_no_purchase, 1e-10, "P(no purchase)");
		if (!(fabs(ll - v->ll) <= 1e-10 * fmax(1.0, fabs(v->ll))))
			fail_msg("LL(x=%g): got %.17g want %.17g", v->x, ll, v->ll);
	}
}

/* ---- derivatives -------------------------------------------------------- */

static size_t
make_cells(cl_btyd_cell *cells, size_t max, uint64_t seed)
{
	fixture_rng g = {seed};
	size_t		i;

	for (i = 0; i < max; i++)
	{
		double		T = 1.0 + 60.0 * rng_unif(&g);
		double		x,
					t_x;

		simulate_bgnbd(&g, 0.6, 5.0, 0.9, 2.2, T, 0.0, &x, &t_x);
		cells[i] = (cl_btyd_cell) {x, t_x, T, floor(1.0 + 3.0 * rng_unif(&g))};
	}
	return cl_btyd_cells_sort_merge(cells, max);
}

static void
ll_at(const cl_btyd_cell *cells, size_t n, const double *u, double *ll,
	  double *g, double *h)
{
	cl_bgnbd_params p = {exp(u[0]), exp(u[1]), exp(u[2]), exp(u[3])};

	assert_int_equal(cl_bgnbd_loglik_total(&p, cells, n, ll, g, h), CL_OK);
}

static void
test_gradient_hessian(void **state)
{
	static cl_btyd_cell cells[400];
	static const double points[][4] = {
		{-1.4, 1.5, -0.2, 0.9}, {0.3, -0.5, 1.2, -1.0}, {2.0, 3.0, -2.0, 2.5}
	};
	size_t		n = make_cells(cells, NELEM(cells), 7);

	(void) state;
	fixture_check_derivatives(ll_at, cells, n, points, NELEM(points));
}

/* ---- numerics sweep ----------------------------------------------------- */

static void
test_sweep(void **state)
{
	static const cl_bgnbd_params params[] = {
		{0.2425945, 4.4136027, 0.7929218, 2.4259057},
		{3.0, 0.05, 1.5, 0.2},
		{0.01, 300.0, 0.05, 40.0},
		{50.0, 2.0, 1.0, 1.0},	/* a = 1 exactly: the a -> 1 limit path */
	};
	static const double xs[] = {0, 1, 2, 5, 10, 15, 20, 25, 30, 50, 100, 1e3, 1e4, 1e5, 1e6};
	static const double Ts[] = {0, 1e-3, 1, 39, 1000, 1e5};
	static const double fr[] = {0.0, 0.5, 1.0};
	static const double hs[] = {0.5, 52, 1e3, 1e5, 1e7};
	size_t		ip,
				ix,
				iT,
				ifr,
				ih;
	long		checked = 0;

	(void) state;
	for (ip = 0; ip < NELEM(params); ip++)
		for (ix = 0; ix < NELEM(xs); ix++)
			for (iT = 0; iT < NELEM(Ts); iT++)
				for (ifr = 0; ifr < NELEM(fr); ifr++)
				{
					const cl_bgnbd_params *p = &params[ip];
					double		x = xs[ix],
								T = Ts[iT],
								t_x = fr[ifr] * T,
								pa,
								ll,
								prev = 0.0;

					if (x > 0 && T == 0.0)
						continue;	/* cannot have repeat purchases at age 0... */
					assert_int_equal(cl_bgnbd_p_alive(p, x, t_x, T, &pa), CL_OK);
					assert_true(pa >= 0.0 && pa <= 1.0);
					assert_int_equal(cl_bgnbd_loglik(p, x, t_x, T, &ll), CL_OK);
					assert_true(isfinite(ll));	/* a density in t_x: may be > 0 */
					for (ih = 0; ih < NELEM(hs); ih++)
					{
						double		e,
									pnp;
						cl_status	st = cl_bgnbd_expected_purchases(p, hs[ih], x, t_x, T, &e);

						if (st != CL_OK)
							fail_msg("E[Y(%g)] params %zu x=%g t_x=%g T=%g: %s", hs[ih],
									 ip, x, t_x, T, cl_status_text(st));
						assert_true(isfinite(e) && e >= 0.0);
						/* more time, more purchases (up to rounding) */
						assert_true(e >= prev * (1.0 - 1e-12));
						prev = e;
						assert_int_equal(cl_bgnbd_p_no_purchase(p, hs[ih], x, t_x, T, &pnp), CL_OK);
						assert_true(pnp >= 1.0 - pa - 1e-15 && pnp <= 1.0);
						checked++;
					}
				}
	printf("sweep: %ld (params, x, t_x, T, horizon) points finite and in range\n", checked);
}

/* ---- properties --------------------------------------------------------- */

static void
test_properties(void **state)
{
	const cl_bgnbd_params *p = &cdnow_params;
	double		e1,
				e2,
				v,
				pa;
	int			k;

	(void) state;
	/* the new-customer expectation is the conditional one at x = t_x = T = 0 */
	assert_int_equal(cl_bgnbd_expected_purchases_new(p, 39.0, &e1), CL_OK);
	assert_int_equal(cl_bgnbd_expected_purchases(p, 39.0, 0.0, 0.0, 0.0, &e2), CL_OK);
	assert_true(e1 == e2);
	/* published CDNOW check: E[X(39)] ≈ 1.4 repeat purchases per new customer... */
	assert_true(e1 > 0.5 && e1 < 2.0);
	/* ... and for small t, E[X(t)] ≈ E[λ] t = (r/α) t */
	assert_int_equal(cl_bgnbd_expected_purchases_new(p, 1e-6, &v), CL_OK);
	assert_rel(v, p->r / p->alpha * 1e-6, 1e-5, "E[X(t)] ~ r t / alpha");

	/* t_x is ignored when x = 0 */
	assert_int_equal(cl_bgnbd_expected_purchases(p, 10.0, 0.0, 7.0, 30.0, &e1), CL_OK);
	assert_int_equal(cl_bgnbd_expected_purchases(p, 10.0, 0.0, 0.0, 30.0, &e2), CL_OK);
	assert_true(e1 == e2);

	/* P(alive) = 1 right after a purchase at T, and without repeat purchases */
	assert_int_equal(cl_bgnbd_p_alive(p, 3.0, 20.0, 20.0, &pa), CL_OK);
	assert_rel(pa, 1.0 / (1.0 + p->a / (p->b + 2.0)), 1e-15, "P(alive | t_x = T)");
	assert_int_equal(cl_bgnbd_p_alive(p, 0.0, 0.0, 20.0, &pa), CL_OK);
	assert_true(pa == 1.0);

	/* P(no purchase): 1 for h = 0, 1 - P(alive) for h -> infinity */
	assert_int_equal(cl_bgnbd_p_alive(p, 2.0, 5.0, 30.0, &pa), CL_OK);
	assert_int_equal(cl_bgnbd_p_no_purchase(p, 0.0, 2.0, 5.0, 30.0, &v), CL_OK);
	assert_true(v == 1.0);
	assert_int_equal(cl_bgnbd_p_no_purchase(p, 1e300, 2.0, 5.0, 30.0, &v), CL_OK);
	assert_rel(v, 1.0 - pa, 1e-15, "P(no purchase, h = inf)");

	/* E[Y] is continuous through a = 1, where the formula is 0/0 */
	{
		cl_bgnbd_params lo = *p,
					one = *p,
					hi = *p;
		double		elo,
					eone,
					ehi;

		lo.a = 1.0 - 1e-3;
		one.a = 1.0;
		hi.a = 1.0 + 1e-3;
		for (k = 0; k < 3; k++)
		{
			double		x = k * 4.0;

			assert_int_equal(cl_bgnbd_expected_purchases(&lo, 26.0, x, x, 30.0, &elo), CL_OK);
			assert_int_equal(cl_bgnbd_expected_purchases(&one, 26.0, x, x, 30.0, &eone), CL_OK);
			assert_int_equal(cl_bgnbd_expected_purchases(&hi, 26.0, x, x, 30.0, &ehi), CL_OK);
			/* second-order accurate midpoint: error ~ (1e-3)^2 E'' */
			assert_rel(eone, 0.5 * (elo + ehi), 1e-5, "E[Y] at a = 1");
			assert_true((elo - eone) * (eone - ehi) >= 0.0);	/* monotone in a */
		}
		/* both sides of the A_NEAR_ONE switch agree */
		lo.a = 1.0 - 0.99e-4;
		hi.a = 1.0 - 1.01e-4;
		assert_int_equal(cl_bgnbd_expected_purchases(&lo, 26.0, 3.0, 10.0, 30.0, &elo), CL_OK);
		assert_int_equal(cl_bgnbd_expected_purchases(&hi, 26.0, 3.0, 10.0, 30.0, &ehi), CL_OK);
		assert_rel(elo, ehi, 1e-5, "E[Y] across |a-1| = 1e-4");
	}
}

/* Total = sum of per-customer LLs; merge and input order do not matter. */
static void
test_cells(void **state)
{
	static cl_btyd_cell a[300],
				b[300];
	fixture_rng g = {99};
	double		lla,
				llb,
				sum = 0.0,
				wa = 0.0,
				wb = 0.0;
	size_t		i,
				na,
				nb;

	(void) state;
	for (i = 0; i < NELEM(a); i++)
	{
		double		T = floor(1.0 + 5.0 * rng_unif(&g));
		double		x = floor(3.0 * rng_unif(&g));
		double		t_x = x > 0 ? floor(T * rng_unif(&g)) : 17.0;	/* junk t_x at x = 0 */
		double		ll;

		a[i] = (cl_btyd_cell) {x, t_x, T, 1.0};
		b[NELEM(a) - 1 - i] = a[i];
		assert_int_equal(cl_bgnbd_loglik(&cdnow_params, x, t_x, T, &ll), CL_OK);
		sum += ll;
	}
	assert_int_equal(cl_bgnbd_loglik_total(&cdnow_params, a, NELEM(a), &lla, NULL, NULL), CL_OK);
	assert_rel(lla, sum, 1e-13, "total = sum of customers");

	na = cl_btyd_cells_sort_merge(a, NELEM(a));
	nb = cl_btyd_cells_sort_merge(b, NELEM(b));
	assert_true(na < NELEM(a) / 2);	/* few distinct cells */
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(cl_btyd_cell));
	for (i = 0; i < na; i++)
	{
		wa += a[i].weight;
		wb += b[i].weight;
		if (i > 0)
			assert_true(a[i - 1].x < a[i].x || (a[i - 1].x == a[i].x
				&& (a[i - 1].t_x < a[i].t_x || (a[i - 1].t_x == a[i].t_x && a[i - 1].T < a[i].T))));
		if (a[i].x == 0.0)
			assert_true(a[i].t_x == 0.0);
	}
	assert_true(wa == (double) NELEM(a) && wb == wa);
	assert_int_equal(cl_bgnbd_loglik_total(&cdnow_params, a, na, &llb, NULL, NULL), CL_OK);
	assert_rel(llb, sum, 1e-13, "merged total");
}

static void
test_invalid(void **state)
{
	cl_bgnbd_params bad = {0.0, 1.0, 1.0, 1.0},
				nan_p = {NAN, 1.0, 1.0, 1.0};
	const cl_bgnbd_params *p = &cdnow_params;
	cl_btyd_cell c = {1.0, 2.0, 1.0, 1.0};
	cl_fit_result res;
	double		v;

	(void) state;
	assert_int_equal(cl_bgnbd_p_alive(&bad, 1.0, 1.0, 2.0, &v), CL_EINVAL);
	assert_int_equal(cl_bgnbd_p_alive(&nan_p, 1.0, 1.0, 2.0, &v), CL_ENOTFINITE);
	assert_int_equal(cl_bgnbd_p_alive(p, -1.0, 1.0, 2.0, &v), CL_EINVAL);
	assert_int_equal(cl_bgnbd_p_alive(p, 1.5, 1.0, 2.0, &v), CL_EINVAL);
	assert_int_equal(cl_bgnbd_p_alive(p, 1.0, 3.0, 2.0, &v), CL_EINVAL);
	assert_int_equal(cl_bgnbd_p_alive(p, 1.0, -1.0, 2.0, &v), CL_EINVAL);
	assert_int_equal(cl_bgnbd_p_alive(p, 1.0, 1.0, INFINITY, &v), CL_ENOTFINITE);
	assert_int_equal(cl_bgnbd_expected_purchases(p, -1.0, 1.0, 1.0, 2.0, &v), CL_EINVAL);
	assert_int_equal(cl_bgnbd_expected_purchases(p, NAN, 1.0, 1.0, 2.0, &v), CL_ENOTFINITE);
	assert_int_equal(cl_bgnbd_p_no_purchase(p, -1.0, 1.0, 1.0, 2.0, &v), CL_EINVAL);
	assert_int_equal(cl_bgnbd_loglik(p, 1.0, 1.0, -2.0, &v), CL_EINVAL);
	assert_int_equal(cl_bgnbd_fit(&c, 1, NULL, &res), CL_EINVAL);
	c.t_x = 0.5;
	c.weight = -1.0;
	assert_int_equal(cl_bgnbd_fit(&c, 1, NULL, &res), CL_EINVAL);
	c.weight = NAN;
	assert_int_equal(cl_bgnbd_fit(&c, 1, NULL, &res), CL_ENOTFINITE);
}

/* ---- fits on simulated and degenerate data ------------------------------ */

static void
test_degenerate(void **state)
{
	cl_btyd_cell c[3] = {{0, 0, 10, 5}, {0, 0, 20, 3}, {0, 0, 30, 1}};
	cl_fit_result res;

	(void) state;
	assert_int_equal(cl_bgnbd_fit(c, 0, NULL, &res), CL_EDEGENERATE);
	assert_int_equal(cl_bgnbd_fit(c, 3, NULL, &res), CL_EDEGENERATE);	/* no repeats */
	assert_true(res.n == 9.0 && !res.converged);
	c[0].x = 2;
	c[0].t_x = 4;
	c[0].weight = 0;
	assert_int_equal(cl_bgnbd_fit(c, 3, NULL, &res), CL_EDEGENERATE);	/* only with weight 0 */
}

/*
 * Every customer buys at exactly the same rate and never drops out: no
 * heterogeneity, so r, α -> infinity (and a -> 0) at the maximum; the same
 * data in hours instead of days must give the same answer.
 */
static void
test_no_heterogeneity(void **state)
{
	cl_btyd_cell c[40];
	cl_fit_result res;
	int			i;

	(void) state;
	for (i = 0; i < 40; i++)
		c[i] = (cl_btyd_cell) {10.0 + i, 10.0 + i, 10.0 + i, 1.0};
	assert_int_equal(cl_bgnbd_fit(c, 40, NULL, &res), CL_EDEGENERATE);
	assert_true(res.params[0] > 1e6);
	for (i = 0; i < 40; i++)
	{
		c[i].t_x *= 24.0;
		c[i].T *= 24.0;
	}
	assert_int_equal(cl_bgnbd_fit(c, 40, NULL, &res), CL_EDEGENERATE);
}

/* A fit is invariant to the time unit: α scales, r, a, b and LL + Σx ln s do not. */
static void
test_unit_invariance(void **state)
{
	static cl_btyd_cell c[400];
	size_t		n = make_cells(c, NELEM(c), 5),
				i;
	cl_fit_result days,
				hours;
	double		sumx = 0.0;

	(void) state;
	assert_int_equal(cl_bgnbd_fit(c, n, NULL, &days), CL_OK);
	for (i = 0; i < n; i++)
	{
		c[i].t_x *= 24.0;
		c[i].T *= 24.0;
		sumx += c[i].weight * c[i].x;
	}
	assert_int_equal(cl_bgnbd_fit(c, n, NULL, &hours), CL_OK);
	assert_rel(hours.params[0], days.params[0], 1e-6, "r");
	assert_rel(hours.params[1], 24.0 * days.params[1], 1e-6, "alpha");
	assert_rel(hours.params[2], days.params[2], 1e-6, "a");
	assert_rel(hours.params[3], days.params[3], 1e-6, "b");
	assert_rel(hours.ll + sumx * log(24.0), days.ll, 1e-10, "LL");
}

static int
interrupt_counter(void *ctx)
{
	return ++*(int *) ctx >= 2;
}

/* qsort order of the reference: (x, t_x, T, weight) */
static int
ref_cmp(const void *pa, const void *pb)
{
	const cl_btyd_cell *a = pa,
			   *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->t_x != b->t_x)
		return a->t_x < b->t_x ? -1 : 1;
	if (a->T != b->T)
		return a->T < b->T ? -1 : 1;
	return (a->weight > b->weight) - (a->weight < b->weight);
}

/* The obvious sort-and-merge, to check the fast one against. */
static size_t
ref_sort_merge(cl_btyd_cell *c, size_t n)
{
	size_t		i,
				out = 0;

	for (i = 0; i < n; i++)
		if (c[i].x == 0.0)
			c[i].t_x = 0.0;
	if (n == 0)
		return 0;
	qsort(c, n, sizeof(*c), ref_cmp);
	for (i = 1; i < n; i++)
	{
		if (c[i].x == c[out].x && c[i].t_x == c[out].t_x && c[i].T == c[out].T)
			c[out].weight += c[i].weight;
		else
			c[++out] = c[i];
	}
	return out + 1;
}

/* Counts the polls of the cell sort and merge, and asks them to stop. */
static long compression_polls;

static int
count_poll(void)
{
	compression_polls++;
	return 1;
}

/*
 * The introsort and the incremental compression (sorted prefix + sorted,
 * merged tail) against qsort: 2,000 random buffers of up to 20,000 cells
 * with many or few duplicates, runs of equal cells, already sorted and
 * reverse-sorted input, and every split point class between the prefix and
 * the appended tail.  Results must be identical cell for cell.  The hook is
 * polled during long compressions (a server cancel leaves by longjmp), and
 * a hook that returns "stop" still gets a correctly sorted result.
 */
static void
test_compression(void **state)
{
	enum
	{
		MAXN = 20000
	};
	static cl_btyd_cell input[MAXN],
				want[MAXN],
				got[MAXN],
				scratch[MAXN];
	fixture_rng g = {4242};
	int			trial;

	(void) state;
	compression_polls = 0;
	cl_set_interrupt_hook(count_poll);
	for (trial = 0; trial < 2000; trial++)
	{
		size_t		n = (size_t) (rng_unif(&g) * (trial < 1500 ? 200 : MAXN));
		double		range = 1.0 + floor(50.0 * rng_unif(&g));
		int			pattern = trial % 5;
		size_t		i,
					nwant,
					cut,
					pre,
					sorted,
					ngot;

		for (i = 0; i < n; i++)
		{
			double		x = floor(4.0 * rng_unif(&g));

			input[i].x = x;
			input[i].t_x = floor(range * rng_unif(&g));
			input[i].T = pattern == 1 ? (double) i : range + floor(range * rng_unif(&g));
			input[i].weight = 1.0 + floor(3.0 * rng_unif(&g));
			if (pattern == 2 && i > 0)
				input[i] = input[0];
			if (pattern == 3)
				input[i] = (cl_btyd_cell) {0.0, (double) (n - i), (double) (n - i), 1.0};
		}
		memcpy(want, input, n * sizeof(cl_btyd_cell));
		nwant = ref_sort_merge(want, n);

		memcpy(got, input, n * sizeof(cl_btyd_cell));
		ngot = cl_btyd_cells_sort_merge(got, n);
		assert_int_equal(ngot, nwant);
		assert_memory_equal(got, want, nwant * sizeof(cl_btyd_cell));

		/* compress a first part, append the rest, compress incrementally */
		cut = n == 0 ? 0 : (size_t) (rng_unif(&g) * (double) (n + 1));
		if (cut > n)
			cut = n;
		memcpy(got, input, n * sizeof(cl_btyd_cell));
		pre = cl_btyd_cells_sort_merge(got, cut);
		if (pattern == 4)
		{
			/* the appended part is itself sorted and merged (another state) */
			size_t		m;

			memcpy(scratch, input + cut, (n - cut) * sizeof(cl_btyd_cell));
			m = cl_btyd_cells_sort_merge(scratch, n - cut);
			memcpy(got + pre, scratch, m * sizeof(cl_btyd_cell));
			ngot = pre + m;
		}
		else
		{
			memmove(got + pre, input + cut, (n - cut) * sizeof(cl_btyd_cell));
			ngot = pre + (n - cut);
		}
		sorted = cl_btyd_cells_sorted_prefix(got, ngot);
		assert_true(sorted >= (pre < ngot ? pre : ngot));
		ngot = cl_btyd_cells_merge_tail(got, sorted, ngot, scratch);
		assert_int_equal(ngot, nwant);
		assert_memory_equal(got, want, nwant * sizeof(cl_btyd_cell));
		assert_int_equal(cl_btyd_cells_sorted_prefix(got, ngot), ngot);
	}
	cl_set_interrupt_hook(NULL);
	assert_true(compression_polls > 0);
}

/*
 * A fit over more than 32,768 cells starts from a fit to a 1/16 sample;
 * it must still end at the full data's optimum: the gradient of the mean
 * log-likelihood over all cells at the answer is at the convergence level.
 */
static void
test_warm_start_optimum(void **state)
{
	static cl_btyd_cell cells[150000];
	const double truth[4] = {0.5, 4.0, 0.8, 2.0};
	fixture_rng g = {31337};
	cl_fit_result res;
	cl_bgnbd_params p;
	double		ll,
				grad[4],
				hess[16],
				w = 0.0;
	size_t		i,
				n;

	(void) state;
	for (i = 0; i < NELEM(cells); i++)
	{
		double		T = floor(700.0 * rng_unif(&g)) / 7.0;
		double		x,
					t_x;

		simulate_bgnbd(&g, truth[0], truth[1], truth[2], truth[3], T, 1.0 / 7.0, &x, &t_x);
		cells[i] = (cl_btyd_cell) {x, t_x, T, 1.0};
	}
	n = cl_btyd_cells_sort_merge(cells, NELEM(cells));
	assert_true(n >= 32768);
	assert_int_equal(cl_bgnbd_fit(cells, n, NULL, &res), CL_OK);
	assert_true(res.converged);
	p = (cl_bgnbd_params) {res.params[0], res.params[1], res.params[2], res.params[3]};
	assert_int_equal(cl_bgnbd_loglik_total(&p, cells, n, &ll, grad, hess), CL_OK);
	for (i = 0; i < n; i++)
		w += cells[i].weight;
	assert_rel(ll, res.ll, 1e-12, "reported LL = LL at the answer");
	for (i = 0; i < 4; i++)
		if (!(fabs(grad[i]) / w <= 1e-8))
			fail_msg("gradient component %zu at the answer: %.3g per customer", i, grad[i] / w);
	printf("warm start: %zu cells, %d full-data iterations, max |gradient| per customer %.2g\n",
		   n, res.iterations,
		   fmax(fmax(fabs(grad[0]), fabs(grad[1])), fmax(fabs(grad[2]), fabs(grad[3]))) / w);
}

static void
test_recovery_and_interrupt(void **state)
{
	static cl_btyd_cell cells[60000];
	const double truth[4] = {0.8, 6.0, 0.7, 2.5};
	fixture_rng g = {2024};
	cl_fit_result res;
	cl_fit_options opt;
	size_t		i,
				n;
	int			calls = 0;

	(void) state;
	for (i = 0; i < NELEM(cells); i++)
	{
		double		T = 52.0 + floor(52.0 * rng_unif(&g)) / 1.0;
		double		x,
					t_x;

		simulate_bgnbd(&g, truth[0], truth[1], truth[2], truth[3], T, 1.0 / 7.0, &x, &t_x);
		cells[i] = (cl_btyd_cell) {x, t_x, T, 1.0};
	}
	n = cl_btyd_cells_sort_merge(cells, NELEM(cells));
	assert_int_equal(cl_bgnbd_fit(cells, n, NULL, &res), CL_OK);
	printf("recovery (60000 simulated customers, %zu cells): r = %.4f alpha = %.4f "
		   "a = %.4f b = %.4f (truth 0.8, 6, 0.7, 2.5)\n", n, res.params[0],
		   res.params[1], res.params[2], res.params[3]);
	/* standard errors at this size are a few percent; 15% is ~4 of them */
	for (i = 0; i < 4; i++)
		assert_rel(res.params[i], truth[i], 0.15, "recovered parameter");

	cl_fit_options_init(&opt);
	opt.interrupt = interrupt_counter;
	opt.interrupt_ctx = &calls;
	assert_int_equal(cl_bgnbd_fit(cells, n, &opt, &res), CL_ENOCONVERGE);
	assert_int_equal(calls, 2);
	assert_false(res.converged);
	assert_int_equal(res.iterations, 1);
}

/*
 * 1M customers with daily data over two years of acquisition: the fit
 * time (not asserted: this is a unit test, not a benchmark) is printed.
 */
static void
test_fit_1m(void **state)
{
	static cl_btyd_cell cells[1000000];
	fixture_rng g = {77};
	cl_fit_result res;
	size_t		i,
				n;
	double		t0,
				t1,
				t2;

	(void) state;
	for (i = 0; i < NELEM(cells); i++)
	{
		double		T = floor(730.0 * rng_unif(&g)) / 7.0;	/* first purchase in the last 2 years */
		double		x,
					t_x;

		simulate_bgnbd(&g, 0.24, 4.4, 0.79, 2.4, T, 1.0 / 7.0, &x, &t_x);
		cells[i] = (cl_btyd_cell) {x, t_x, T, 1.0};
	}
	t0 = now_seconds();
	n = cl_btyd_cells_sort_merge(cells, NELEM(cells));
	t1 = now_seconds();
	assert_int_equal(cl_bgnbd_fit(cells, n, NULL, &res), CL_OK);
	t2 = now_seconds();
	printf("1M customers: %zu cells; sort+merge %.3f s, fit %.3f s (%d iterations); "
		   "r = %.4f alpha = %.4f a = %.4f b = %.4f\n", n, t1 - t0, t2 - t1,
		   res.iterations, res.params[0], res.params[1], res.params[2], res.params[3]);
	assert_rel(res.params[0], 0.24, 0.1, "r");
	assert_rel(res.params[2], 0.79, 0.1, "a");
}

/* ---- stepped horizons ---------------------------------------------------- */

/*
 * cl_bgnbd_expected_purchases_steps (shared series coefficients) against one
 * cl_bgnbd_expected_purchases call per horizon, over parameter sets that
 * take every branch: the shared sum (A > -1, z <= 0.9), the per-horizon
 * fallback for long horizons and for A <= -1, a = 1 and a within 1e-4 of 1,
 * x = 0 and x up to 1e6, young and old customers.
 */
static void
test_steps(void **state)
{
	static const cl_bgnbd_params params[] = {
		{0.2425945, 4.4136027, 0.7929218, 2.4259057},	/* CDNOW */
		{0.25, 4.4, 0.8, 2.4},
		{2.0, 1.0, 1.0, 3.0},	/* a = 1 */
		{0.5, 10.0, 1.00004, 0.7},	/* |a - 1| < 1e-4 */
		{3.0, 0.5, 0.2, 0.1},	/* A = -3.7: fallback */
		{0.1, 100.0, 5.0, 20.0},	/* a > r + 2 */
		{50.0, 2.0, 0.05, 0.4},
	};
	static const double xs[] = {0, 1, 2, 7, 40, 1000, 1e6};
	static const double Ts[] = {0, 0.5, 3, 39, 400, 1e5};
	static const double steps[] = {4.345, 0.1, 30};
	double		e[120],
				worst = 0.0;
	int			nchecked = 0;
	size_t		ip,
				ix,
				iT,
				is;

	(void) state;
	for (ip = 0; ip < NELEM(params); ip++)
		for (ix = 0; ix < NELEM(xs); ix++)
			for (iT = 0; iT < NELEM(Ts); iT++)
				for (is = 0; is < NELEM(steps); is++)
				{
					double		x = xs[ix],
								T = Ts[iT],
								t_x = x > 0 ? 0.6 * T : 0.0;
					int			j;

					if (x > 0 && T == 0.0)
						continue;
					assert_int_equal(cl_bgnbd_expected_purchases_steps(&params[ip], steps[is],
																	   (int) NELEM(e), x, t_x, T, e),
									 CL_OK);
					for (j = 0; j < (int) NELEM(e); j++)
					{
						double		want;
						char		what[160];

						assert_int_equal(cl_bgnbd_expected_purchases(&params[ip], (j + 1) * steps[is],
																	 x, t_x, T, &want), CL_OK);
						snprintf(what, sizeof(what), "E[Y] params %zu x %g T %g t %g",
								 ip, x, T, (j + 1) * steps[is]);
						/* the scores' accuracy vs mpmath is 1e-10 (test_reference_scores) */
						assert_rel(e[j], want, 1e-10, what);
						worst = fmax(worst, fabs(e[j] - want) / want);
						nchecked++;
					}
				}
	assert_true(nchecked > 10000);
	printf("stepped vs single-horizon E[Y]: %d values, max relative difference %.2g\n",
		   nchecked, worst);

	/*
	 * x = 0 under a + b <= 1 (C = a+b-1 <= 0): mpmath references of
	 * (a+b-1)/(a-1) [1 - (aT/(aT+t))^r 2F1(r, b; a+b-1; t/(aT+t))]
	 * (a + b = 1 as the limit), 60 digits.
	 */
	{
		static const double ref[][7] = {
			{3.0, 0.5, 0.2, 0.1, 0, 1, 2.2417419510740645392},
			{3.0, 0.5, 0.2, 0.1, 0, 52, 38.679891086715866765},
			{3.0, 0.5, 0.2, 0.1, 39, 4.345, 0.28866682202979419738},
			{3.0, 0.5, 0.2, 0.1, 39, 52, 1.7373503977015671337},
			{3.0, 0.5, 0.2, 0.1, 0.5, 300, 89.248494502793503945},
			{0.3, 2.0, 0.4, 0.5, 0, 1, 0.1329266511128377798},
			{0.3, 2.0, 0.4, 0.5, 0, 52, 2.4809800777768403789},
			{0.3, 2.0, 0.4, 0.5, 39, 4.345, 0.030873707993007029101},
			{0.3, 2.0, 0.4, 0.5, 39, 52, 0.29592196023240870953},
			{0.3, 2.0, 0.4, 0.5, 0.5, 300, 6.3468083339974555916},
			{0.5, 3.0, 0.4, 0.6, 0, 1, 0.15263678863040324802},
			{0.5, 3.0, 0.4, 0.6, 0, 52, 3.1647842952615833492},
			{0.5, 3.0, 0.4, 0.6, 39, 4.345, 0.050211207099598331031},
			{0.5, 3.0, 0.4, 0.6, 39, 52, 0.4801592769569932434},
			{0.5, 3.0, 0.4, 0.6, 0.5, 300, 8.5702634914011895673},
			{0.25, 4.4, 0.3, 0.65, 0, 1, 0.054523187205304896729},
			{0.25, 4.4, 0.3, 0.65, 0, 52, 1.6039200544372903197},
			{0.25, 4.4, 0.3, 0.65, 39, 4.345, 0.024557533331043943711},
			{0.25, 4.4, 0.3, 0.65, 39, 52, 0.25344423182168563516},
			{0.25, 4.4, 0.3, 0.65, 0.5, 300, 5.3131330999919085337},
		};
		size_t		i;

		for (i = 0; i < NELEM(ref); i++)
		{
			cl_bgnbd_params bp = {ref[i][0], ref[i][1], ref[i][2], ref[i][3]};
			double		got,
						nnew;

			assert_int_equal(cl_bgnbd_expected_purchases(&bp, ref[i][5], 0.0, 0.0,
														 ref[i][4], &got), CL_OK);
			assert_rel(got, ref[i][6], 1e-12, "E[Y], x = 0, a + b <= 1");
			if (ref[i][4] == 0.0)
			{
				assert_int_equal(cl_bgnbd_expected_purchases_new(&bp, ref[i][5], &nnew), CL_OK);
				assert_rel(nnew, ref[i][6], 1e-12, "E[X(t)], a + b <= 1");
			}
		}
	}

	/* zero horizons, a zero step, and bad arguments */
	assert_int_equal(cl_bgnbd_expected_purchases_steps(&cdnow_params, 1.0, 0, 2, 30, 38, e), CL_OK);
	assert_int_equal(cl_bgnbd_expected_purchases_steps(&cdnow_params, 0.0, 3, 2, 30, 38, e), CL_OK);
	assert_true(e[0] == 0.0 && e[2] == 0.0);
	assert_int_equal(cl_bgnbd_expected_purchases_steps(&cdnow_params, -1.0, 3, 2, 30, 38, e), CL_EINVAL);
	assert_int_equal(cl_bgnbd_expected_purchases_steps(&cdnow_params, NAN, 3, 2, 30, 38, e), CL_ENOTFINITE);
	assert_int_equal(cl_bgnbd_expected_purchases_steps(&cdnow_params, 1.0, 3, 2, 40, 38, e), CL_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdnow_fit),
		cmocka_unit_test(test_reference_scores),
		cmocka_unit_test(test_gradient_hessian),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_no_heterogeneity),
		cmocka_unit_test(test_unit_invariance),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_warm_start_optimum),
		cmocka_unit_test(test_recovery_and_interrupt),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_fit_1m),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
