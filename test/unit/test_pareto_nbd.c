/*
 * test_pareto_nbd.c — Pareto/NBD core: CDNOW reference fit, mpmath
 * reference values (likelihood, death term by both methods, P(alive),
 * expected purchases, P(no purchase)), the 2F1 evaluator's known gap and
 * the quadrature fallback, exact derivatives against finite differences, a
 * numerics sweep over x <= 1e6 and T <= 1e5, properties, parameter recovery
 * from simulated data, degenerate data and interrupts.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "unit_common.h"

#include "btyd.h"
#include "btyd_fixture.h"
#include "pareto_nbd.h"
#include "vectors/btyd_family_vectors.h"

/* ---- CDNOW -------------------------------------------------------------- */

static void
test_cdnow_fit(void **state)
{
	static cdnow_customer cust[CDNOW_CUSTOMERS];
	static cl_btyd_cell cells[CDNOW_CUSTOMERS];
	cl_fit_result res;
	size_t		n;
	int			ncust,
				i;
	double		t0;

	(void) state;
	ncust = cdnow_load(cust);
	if (ncust == 0)
	{
		printf("SKIP: CDNOW sample not found (set CL_CDNOW_FILE or run from the repository root)\n");
		skip();
	}
	for (i = 0; i < ncust; i++)
		cells[i] = (cl_btyd_cell) {cust[i].x, cust[i].t_x, cust[i].T, 1.0};
	n = cl_btyd_cells_sort_merge(cells, (size_t) ncust);
	t0 = now_seconds();
	assert_int_equal(cl_pnbd_fit(cells, n, NULL, &res), CL_OK);
	printf("CDNOW Pareto/NBD: %zu cells, r = %.7f alpha = %.7f s = %.7f beta = %.7f "
		   "LL = %.4f, %d iterations, %.3f s\n", n, res.params[0], res.params[1],
		   res.params[2], res.params[3], res.ll, res.iterations, now_seconds() - t0);
	assert_true(res.converged);
	assert_true(res.n == 2357.0);
	/* lifetimes' ParetoNBDFitter and the published estimates */
	assert_rel(res.params[0], 0.553277, 2e-3, "r");
	assert_rel(res.params[1], 10.57768, 2e-3, "alpha");
	assert_rel(res.params[2], 0.606240, 2e-3, "s");
	assert_rel(res.params[3], 11.66873, 2e-3, "beta");
	assert_true(fabs(res.ll + 9594.9762) < 0.01);
}

/* ---- mpmath references --------------------------------------------------- */

static void
test_reference(void **state)
{
	size_t		i;
	int			hyp_ok = 0,
				hyp_gap = 0;
	double		worst_ll = 0.0,
				worst_quad = 0.0,
				worst_hyp = 0.0,
				worst_e = 0.0,
				worst_pnp = 0.0;

	(void) state;
	for (i = 0; i < NELEM(ref_pnbd_cases); i++)
	{
		const ref_pnbd *c = &ref_pnbd_cases[i];
		cl_pnbd_params p = {c->r, c->alpha, c->s, c->beta};
		double		ll,
					lq,
					lh,
					pa,
					e,
					pnp;
		cl_status	st;

		assert_int_equal(cl_pnbd_loglik(&p, c->x, c->t_x, c->T, &ll), CL_OK);
		worst_ll = fmax(worst_ll, fabs(ll - c->ll) / fmax(1.0, fabs(c->ll)));
		assert_int_equal(cl_pnbd_log_death_quad(&p, c->x, c->t_x, c->T, &lq), CL_OK);
		if (isinf(c->log_death))
			assert_true(isinf(lq) && lq < 0);
		else
			worst_quad = fmax(worst_quad, fabs(lq - c->log_death) / fmax(1.0, fabs(c->log_death)));
		st = cl_pnbd_log_death_hyp(&p, c->x, c->t_x, c->T, &lh);
		if (st == CL_OK)
		{
			hyp_ok++;
			if (!isinf(c->log_death))
				worst_hyp = fmax(worst_hyp, fabs(lh - c->log_death) / fmax(1.0, fabs(c->log_death)));
		}
		else
		{
			/* never a wrong value: only "did not converge" (or cancelled) */
			assert_int_equal(st, CL_ENOCONVERGE);
			hyp_gap++;
		}
		assert_int_equal(cl_pnbd_p_alive(&p, c->x, c->t_x, c->T, &pa), CL_OK);
		if (!(fabs(pa - c->p_alive) <= 1e-12))
			fail_msg("case %zu: P(alive) %.17g, mpmath %.17g", i, pa, c->p_alive);
		assert_int_equal(cl_pnbd_expected_purchases(&p, c->t, c->x, c->t_x, c->T, &e), CL_OK);
		worst_e = fmax(worst_e, fabs(e - c->expected) / fmax(1e-300, c->expected));
		assert_int_equal(cl_pnbd_p_no_purchase(&p, c->h, c->x, c->t_x, c->T, &pnp), CL_OK);
		worst_pnp = fmax(worst_pnp, fabs(pnp - c->p_no_purchase));
	}
	printf("Pareto/NBD vs mpmath, %zu cases: LL %.2g, ln(sI) quadrature %.2g, closed form %.2g "
		   "(%d cases; %d left to the quadrature), E[Y] %.2g (relative), P(no purchase) %.2g (absolute)\n",
		   NELEM(ref_pnbd_cases), worst_ll, worst_quad, worst_hyp, hyp_ok, hyp_gap, worst_e, worst_pnp);
	assert_true(worst_ll <= 1e-13);
	assert_true(worst_quad <= 1e-13);
	assert_true(worst_hyp <= 1e-13);
	assert_true(worst_e <= 2e-12);
	assert_true(worst_pnp <= 1e-12);
}

/*
 * The 2F1 evaluator's known gap: parameters above 20, z -> 1 and c - a - b
 * near an integer (c - a - b = -s, here s = 2) returns CL_ENOCONVERGE; the
 * scores must then come from the quadrature and still be right.  The
 * references are mpmath's (test/unit/vectors/gen_btyd_family.py, PNBD_GAP).
 */
static void
test_hyp_gap(void **state)
{
	cl_pnbd_params p = {2.5, 1e4, 1.0, 1e-3};
	double		lh,
				lq,
				pa,
				x = 60.0,
				t_x = 0.01,
				T = 1.0;
	cl_status	st;
	size_t		i;
	int			gaps = 0;

	(void) state;
	/* the case of the mpmath vectors with these parameters that the closed form misses */
	for (i = 0; i < NELEM(ref_pnbd_cases); i++)
	{
		const ref_pnbd *c = &ref_pnbd_cases[i];
		cl_pnbd_params q = {c->r, c->alpha, c->s, c->beta};

		if (cl_pnbd_log_death_hyp(&q, c->x, c->t_x, c->T, &lh) == CL_ENOCONVERGE)
		{
			gaps++;
			assert_int_equal(cl_pnbd_p_alive(&q, c->x, c->t_x, c->T, &pa), CL_OK);
			if (!(fabs(pa - c->p_alive) <= 1e-12))
				fail_msg("gap case %zu: P(alive) %.17g, mpmath %.17g", i, pa, c->p_alive);
		}
	}
	printf("closed form gaps among the mpmath cases: %d (answered by the quadrature)\n", gaps);
	assert_true(gaps > 0);

	/* the closed form gives up (never a wrong value); the quadrature answers */
	st = cl_pnbd_log_death_hyp(&p, x, t_x, T, &lh);
	assert_int_equal(st, CL_ENOCONVERGE);
	assert_int_equal(cl_pnbd_log_death_quad(&p, x, t_x, T, &lq), CL_OK);
	assert_rel(lq, -571.14777022677378916, 1e-14, "ln(sI) by quadrature vs mpmath");
	assert_int_equal(cl_pnbd_p_alive(&p, x, t_x, T, &pa), CL_OK);
	assert_true(pa >= 0.0 && pa <= 1.0);
	/* close to the gap, where both methods answer, they agree */
	p.alpha = 100.0;
	assert_int_equal(cl_pnbd_log_death_hyp(&p, x, t_x, T, &lh), CL_OK);
	assert_int_equal(cl_pnbd_log_death_quad(&p, x, t_x, T, &lq), CL_OK);
	assert_rel(lh, lq, 1e-13, "closed form vs quadrature near the gap");
}

/* ---- derivatives --------------------------------------------------------- */

static size_t
make_cells(cl_btyd_cell *cells, size_t max, uint64_t seed)
{
	fixture_rng g = {seed};
	size_t		i;

	for (i = 0; i < max; i++)
	{
		double		T = 1.0 + 60.0 * rng_unif(&g);
		double		x = floor(12.0 * rng_unif(&g) * rng_unif(&g));
		double		t_x = x > 0 ? T * rng_unif(&g) : 0.0;

		if (i % 50 == 0)
			x = 400.0 + i;		/* a few heavy buyers */
		cells[i] = (cl_btyd_cell) {x, t_x, T, 1.0 + (double) (i % 3)};
	}
	return cl_btyd_cells_sort_merge(cells, max);
}

static void
ll_at(const cl_btyd_cell *cells, size_t n, const double *u, double *ll,
	  double *g, double *h)
{
	cl_pnbd_params p = {exp(u[0]), exp(u[1]), exp(u[2]), exp(u[3])};

	assert_int_equal(cl_pnbd_loglik_total(&p, cells, n, ll, g, h), CL_OK);
}

static void
test_gradient_hessian(void **state)
{
	static cl_btyd_cell cells[300];
	static const double points[][4] = {
		{-0.6, 2.3, -0.5, 2.4}, {0.3, -0.5, 1.2, -1.0}, {1.5, 4.0, -2.0, 0.5}, {-2.0, 0.0, 0.0, 3.0}
	};
	size_t		n = make_cells(cells, NELEM(cells), 11);

	(void) state;
	fixture_check_derivatives(ll_at, cells, n, points, NELEM(points));
}

/* ---- numerics sweep ------------------------------------------------------ */

static void
test_sweep(void **state)
{
	static const cl_pnbd_params params[] = {
		{0.553277, 10.57768, 0.60624, 11.66873},
		{3.0, 0.05, 1.0, 0.2},	/* s = 1: the E[Y] limit */
		{0.01, 300.0, 0.05, 40.0},
		{50.0, 2.0, 3.0, 1e-3},	/* whole s, z -> 1: the 2F1 gap region */
		{0.5, 1e-3, 0.5, 1e3},
	};
	static const double xs[] = {0, 1, 2, 5, 20, 100, 1e3, 1e4, 1e5, 1e6};
	static const double Ts[] = {0, 1e-3, 1, 39, 1000, 1e5};
	static const double fr[] = {0.0, 0.5, 1.0};
	static const double hs[] = {0.5, 52, 1e3, 1e5};
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
					const cl_pnbd_params *p = &params[ip];
					double		x = xs[ix],
								T = Ts[iT],
								t_x = fr[ifr] * T,
								pa,
								ll,
								prev = 0.0,
								prevp = 1.0;
					cl_status	st;

					if (x > 0 && T == 0.0)
						continue;
					st = cl_pnbd_p_alive(p, x, t_x, T, &pa);
					if (st != CL_OK)
						fail_msg("P(alive) params %zu x=%g t_x=%g T=%g: %s", ip, x, t_x, T,
								 cl_status_text(st));
					assert_true(pa >= 0.0 && pa <= 1.0);
					assert_int_equal(cl_pnbd_loglik(p, x, t_x, T, &ll), CL_OK);
					assert_true(isfinite(ll));
					for (ih = 0; ih < NELEM(hs); ih++)
					{
						double		e,
									pnp;

						st = cl_pnbd_expected_purchases(p, hs[ih], x, t_x, T, &e);
						if (st != CL_OK)
							fail_msg("E[Y(%g)] params %zu x=%g t_x=%g T=%g: %s", hs[ih],
									 ip, x, t_x, T, cl_status_text(st));
						assert_true(isfinite(e) && e >= 0.0);
						assert_true(e >= prev * (1.0 - 1e-12));
						prev = e;
						st = cl_pnbd_p_no_purchase(p, hs[ih], x, t_x, T, &pnp);
						if (st != CL_OK)
							fail_msg("P(no purchase in %g) params %zu x=%g t_x=%g T=%g: %s",
									 hs[ih], ip, x, t_x, T, cl_status_text(st));
						assert_true(pnp >= 1.0 - pa - 1e-12 && pnp <= 1.0);
						assert_true(pnp <= prevp + 1e-12);
						prevp = pnp;
						checked++;
					}
				}
	printf("sweep: %ld (params, x, t_x, T, horizon) points finite and in range\n", checked);
}

/* ---- properties ---------------------------------------------------------- */

static void
test_properties(void **state)
{
	cl_pnbd_params p = {0.553277, 10.57768, 0.60624, 11.66873};
	cl_pnbd_params s1 = {0.7, 5.0, 1.0, 8.0},
				s1m = {0.7, 5.0, 1.0 - 1e-9, 8.0};
	double		e,
				e2,
				steps[24],
				pa,
				ll;
	int			k;

	(void) state;
	/* a new customer is a customer observed for no time */
	assert_int_equal(cl_pnbd_expected_purchases_new(&p, 39.0, &e), CL_OK);
	assert_int_equal(cl_pnbd_expected_purchases(&p, 39.0, 0.0, 0.0, 0.0, &e2), CL_OK);
	assert_true(e == e2);
	assert_rel(e, p.r * p.beta / (p.alpha * (p.s - 1.0)) * (1.0 - pow(p.beta / (p.beta + 39.0), p.s - 1.0)),
			   1e-14, "E[X(t)] closed form");
	/* nobody has died at age 0 */
	assert_int_equal(cl_pnbd_p_alive(&p, 0.0, 0.0, 0.0, &pa), CL_OK);
	assert_true(pa == 1.0);
	assert_int_equal(cl_pnbd_loglik(&p, 0.0, 0.0, 0.0, &ll), CL_OK);
	assert_true(fabs(ll) < 1e-15);
	/* at s = 1 the bracket's limit joins the general formula continuously */
	assert_int_equal(cl_pnbd_expected_purchases(&s1, 52.0, 3.0, 20.0, 30.0, &e), CL_OK);
	assert_int_equal(cl_pnbd_expected_purchases(&s1m, 52.0, 3.0, 20.0, 30.0, &e2), CL_OK);
	assert_rel(e, e2, 1e-8, "s = 1 limit");
	/* the stepped form equals one call per horizon */
	assert_int_equal(cl_pnbd_expected_purchases_steps(&p, 4.3, 24, 4.0, 20.0, 38.0, steps), CL_OK);
	for (k = 0; k < 24; k++)
	{
		assert_int_equal(cl_pnbd_expected_purchases(&p, 4.3 * (k + 1), 4.0, 20.0, 38.0, &e), CL_OK);
		assert_true(steps[k] == e);
	}
	assert_int_equal(cl_pnbd_expected_purchases(&p, 0.0, 4.0, 20.0, 38.0, &e), CL_OK);
	assert_true(e == 0.0);
	/* a purchase at the end of the window: alive for sure */
	assert_int_equal(cl_pnbd_p_alive(&p, 4.0, 38.0, 38.0, &pa), CL_OK);
	assert_true(pa == 1.0);
	/* the longer the silence, the lower P(alive) */
	assert_int_equal(cl_pnbd_p_alive(&p, 4.0, 10.0, 38.0, &e), CL_OK);
	assert_int_equal(cl_pnbd_p_alive(&p, 4.0, 30.0, 38.0, &e2), CL_OK);
	assert_true(e < e2);
}

/* ---- recovery, degenerate data, interrupts ------------------------------- */

static int
interrupt_counter(void *ctx)
{
	return ++*(int *) ctx >= 2;
}

static void
test_recovery_and_interrupt(void **state)
{
	static cl_btyd_cell cells[40000];
	const double truth[4] = {0.8, 6.0, 0.9, 12.0};
	fixture_rng g = {77};
	cl_fit_result res;
	cl_fit_options opt;
	size_t		i,
				n;
	int			calls = 0;

	(void) state;
	for (i = 0; i < NELEM(cells); i++)
	{
		/* the Pareto/NBD process: λ ~ Gamma(r, α), lifetime ~ Exp(μ), μ ~ Gamma(s, β) */
		double		T = 52.0 + floor(52.0 * rng_unif(&g));
		double		lambda = rng_gamma(&g, truth[0]) / truth[1];
		double		mu = rng_gamma(&g, truth[2]) / truth[3];
		double		life = -log(rng_unif(&g)) / mu,
					end = fmin(life, T),
					t = 0.0,
					x = 0.0,
					t_x = 0.0;

		for (;;)
		{
			t += -log(rng_unif(&g)) / lambda;
			if (t > end)
				break;
			x += 1.0;
			t_x = t;
		}
		cells[i] = (cl_btyd_cell) {x, floor(t_x * 7.0) / 7.0, T, 1.0};
	}
	n = cl_btyd_cells_sort_merge(cells, NELEM(cells));
	assert_int_equal(cl_pnbd_fit(cells, n, NULL, &res), CL_OK);
	printf("recovery (40000 simulated customers, %zu cells): r = %.4f alpha = %.4f "
		   "s = %.4f beta = %.4f (truth 0.8, 6, 0.9, 12)\n", n, res.params[0],
		   res.params[1], res.params[2], res.params[3]);
	for (i = 0; i < 4; i++)
		assert_rel(res.params[i], truth[i], 0.2, "recovered parameter");

	cl_fit_options_init(&opt);
	opt.interrupt = interrupt_counter;
	opt.interrupt_ctx = &calls;
	assert_int_equal(cl_pnbd_fit(cells, n, &opt, &res), CL_ENOCONVERGE);
	assert_false(res.converged);
	/*
	 * With this many cells the callback is also polled inside each
	 * likelihood evaluation (every 4096 cells): the second poll comes
	 * during the first evaluation, and the fit stops there.
	 */
	assert_int_equal(calls, 2);
	assert_int_equal(res.iterations, 0);

	/* a small fit polls once per iteration: stopped after one */
	calls = 0;
	assert_int_equal(cl_pnbd_fit(cells, 3000, &opt, &res), CL_ENOCONVERGE);
	assert_false(res.converged);
	assert_int_equal(res.iterations, 1);
}

static void
test_degenerate_invalid(void **state)
{
	cl_btyd_cell none[3] = {{0, 0, 10, 1}, {0, 0, 20, 2}, {0, 0, 5, 1}};
	cl_btyd_cell bad[1] = {{1.5, 1, 2, 1}};
	cl_pnbd_params p = {0.5, 10, 0.6, 11};
	cl_pnbd_params neg = {0.5, -10, 0.6, 11};
	cl_pnbd_params nan_p = {0.5, 10, NAN, 11};
	cl_fit_result res;
	double		out;

	(void) state;
	assert_int_equal(cl_pnbd_fit(none, 3, NULL, &res), CL_EDEGENERATE);
	assert_int_equal(res.iterations, 0);
	assert_int_equal(cl_pnbd_fit(none, 0, NULL, &res), CL_EDEGENERATE);
	assert_int_equal(cl_pnbd_fit(bad, 1, NULL, &res), CL_EINVAL);
	assert_int_equal(cl_pnbd_p_alive(&neg, 1, 1, 2, &out), CL_EINVAL);
	assert_int_equal(cl_pnbd_p_alive(&nan_p, 1, 1, 2, &out), CL_ENOTFINITE);
	assert_int_equal(cl_pnbd_p_alive(&p, 1, 3, 2, &out), CL_EINVAL);
	assert_int_equal(cl_pnbd_expected_purchases(&p, -1, 1, 1, 2, &out), CL_EINVAL);
	assert_int_equal(cl_pnbd_expected_purchases(&p, INFINITY, 1, 1, 2, &out), CL_ENOTFINITE);
	assert_int_equal(cl_pnbd_p_no_purchase(&p, -1, 1, 1, 2, &out), CL_EINVAL);
	assert_int_equal(cl_pnbd_loglik(&p, 1, NAN, 2, &out), CL_ENOTFINITE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdnow_fit),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_hyp_gap),
		cmocka_unit_test(test_gradient_hessian),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_recovery_and_interrupt),
		cmocka_unit_test(test_degenerate_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
