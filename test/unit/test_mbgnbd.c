/*
 * test_mbgnbd.c — modified BG/NBD core: CDNOW reference fit (lifetimes'
 * ModifiedBetaGeoFitter), mpmath reference values, exact derivatives
 * against finite differences, a numerics sweep over x <= 1e6 and T <= 1e5,
 * the relations to BG/NBD, parameter recovery and degenerate data.
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
#include "btyd_fixture.h"
#include "mbgnbd.h"
#include "vectors/btyd_family_vectors.h"

static void
test_cdnow_fit(void **state)
{
	static cdnow_customer cust[CDNOW_CUSTOMERS];
	static cl_btyd_cell cells[CDNOW_CUSTOMERS];
	cl_fit_result res;
	size_t		n;
	int			ncust,
				i;

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
	assert_int_equal(cl_mbgnbd_fit(cells, n, NULL, &res), CL_OK);
	printf("CDNOW MBG/NBD: r = %.7f alpha = %.7f a = %.7f b = %.7f LL = %.4f, %d iterations\n",
		   res.params[0], res.params[1], res.params[2], res.params[3], res.ll, res.iterations);
	assert_true(res.converged);
	assert_rel(res.params[0], 0.524843, 1e-3, "r");
	assert_rel(res.params[1], 6.183082, 1e-3, "alpha");
	assert_rel(res.params[2], 0.891360, 1e-3, "a");
	assert_rel(res.params[3], 1.614003, 1e-3, "b");
	assert_true(fabs(res.ll + 9582.1357) < 0.01);
}

static void
test_reference(void **state)
{
	size_t		i;
	double		worst_ll = 0.0,
				worst_pa = 0.0,
				worst_e = 0.0;

	(void) state;
	for (i = 0; i < NELEM(ref_mbg_cases); i++)
	{
		const ref_mbg *c = &ref_mbg_cases[i];
		cl_bgnbd_params p = {c->r, c->alpha, c->a, c->b};
		double		ll,
					pa,
					e;
		cl_status	st;

		assert_int_equal(cl_mbgnbd_loglik(&p, c->x, c->t_x, c->T, &ll), CL_OK);
		worst_ll = fmax(worst_ll, fabs(ll - c->ll) / fmax(1.0, fabs(c->ll)));
		assert_int_equal(cl_mbgnbd_p_alive(&p, c->x, c->t_x, c->T, &pa), CL_OK);
		worst_pa = fmax(worst_pa, fabs(pa - c->p_alive));
		st = cl_mbgnbd_expected_purchases(&p, c->t, c->x, c->t_x, c->T, &e);
		if (st != CL_OK)
			fail_msg("case %zu: %s", i, cl_status_text(st));
		if (c->expected > 1e-300)
			worst_e = fmax(worst_e, fabs(e - c->expected) / c->expected);
		else
			assert_true(e < 1e-290);
	}
	printf("MBG/NBD vs mpmath, %zu cases: LL %.2g, P(alive) %.2g (absolute), E[Y] %.2g (relative)\n",
		   NELEM(ref_mbg_cases), worst_ll, worst_pa, worst_e);
	assert_true(worst_ll <= 1e-13);
	assert_true(worst_pa <= 1e-13);
	assert_true(worst_e <= 1e-12);
}

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
			x = 400.0 + i;
		cells[i] = (cl_btyd_cell) {x, t_x, T, 1.0 + (double) (i % 3)};
	}
	return cl_btyd_cells_sort_merge(cells, max);
}

static void
ll_at(const cl_btyd_cell *cells, size_t n, const double *u, double *ll,
	  double *g, double *h)
{
	cl_bgnbd_params p = {exp(u[0]), exp(u[1]), exp(u[2]), exp(u[3])};

	assert_int_equal(cl_mbgnbd_loglik_total(&p, cells, n, ll, g, h), CL_OK);
}

static void
test_gradient_hessian(void **state)
{
	static cl_btyd_cell cells[300];
	static const double points[][4] = {
		{-1.4, 1.5, -0.2, 0.9}, {0.3, -0.5, 1.2, -1.0}, {2.0, 3.0, -2.0, 2.5}
	};
	size_t		n = make_cells(cells, NELEM(cells), 5);

	(void) state;
	fixture_check_derivatives(ll_at, cells, n, points, NELEM(points));
}

static void
test_sweep(void **state)
{
	static const cl_bgnbd_params params[] = {
		{0.524843, 6.183082, 0.89136, 1.614003},
		{3.0, 0.05, 1.5, 0.2},
		{0.01, 300.0, 0.05, 40.0},
		{50.0, 2.0, 1.0, 1.0},	/* a = 1: the a -> 1 limit path */
		{0.5, 10.0, 0.3, 0.4},	/* a + b < 1 */
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
					const cl_bgnbd_params *p = &params[ip];
					double		x = xs[ix],
								T = Ts[iT],
								t_x = fr[ifr] * T,
								pa,
								ll,
								prev = 0.0;

					if (x > 0 && T == 0.0)
						continue;
					assert_int_equal(cl_mbgnbd_p_alive(p, x, t_x, T, &pa), CL_OK);
					assert_true(pa >= 0.0 && pa <= 1.0);
					assert_int_equal(cl_mbgnbd_loglik(p, x, t_x, T, &ll), CL_OK);
					assert_true(isfinite(ll));
					for (ih = 0; ih < NELEM(hs); ih++)
					{
						double		e,
									pnp;
						cl_status	st = cl_mbgnbd_expected_purchases(p, hs[ih], x, t_x, T, &e);

						if (st != CL_OK)
							fail_msg("E[Y(%g)] params %zu x=%g t_x=%g T=%g: %s", hs[ih],
									 ip, x, t_x, T, cl_status_text(st));
						assert_true(isfinite(e) && e >= 0.0);
						assert_true(e >= prev * (1.0 - 1e-12));
						prev = e;
						assert_int_equal(cl_mbgnbd_p_no_purchase(p, hs[ih], x, t_x, T, &pnp), CL_OK);
						assert_true(pnp >= 1.0 - pa - 1e-15 && pnp <= 1.0);
						checked++;
					}
				}
	printf("sweep: %ld (params, x, t_x, T, horizon) points finite and in range\n", checked);
}

/*
 * MBG/NBD is BG/NBD with the purchase count in the dropout terms shifted by
 * one: for x > 0 its scores are BG/NBD's at b + 1 (same x), its P(alive) at
 * x = 0 is 1/(1 + a/b ((α+T)/α)^r), and a new customer is alive with
 * probability b/(a+b).
 */
static void
test_relations(void **state)
{
	cl_bgnbd_params p = {0.524843, 6.183082, 0.89136, 1.614003};
	cl_bgnbd_params pb1 = {p.r, p.alpha, p.a, p.b + 1.0};
	double		m,
				b,
				steps[30];
	int			k;

	(void) state;
	assert_int_equal(cl_mbgnbd_p_alive(&p, 3.0, 20.0, 38.0, &m), CL_OK);
	assert_int_equal(cl_bgnbd_p_alive(&pb1, 3.0, 20.0, 38.0, &b), CL_OK);
	assert_true(m == b);
	assert_int_equal(cl_mbgnbd_expected_purchases(&p, 39.0, 3.0, 20.0, 38.0, &m), CL_OK);
	assert_int_equal(cl_bgnbd_expected_purchases(&pb1, 39.0, 3.0, 20.0, 38.0, &b), CL_OK);
	assert_true(m == b);
	assert_int_equal(cl_mbgnbd_p_alive(&p, 0.0, 0.0, 10.0, &m), CL_OK);
	assert_rel(m, 1.0 / (1.0 + p.a / p.b * pow((p.alpha + 10.0) / p.alpha, p.r)), 1e-15, "P(alive | x = 0)");
	assert_int_equal(cl_mbgnbd_p_alive(&p, 0.0, 0.0, 0.0, &m), CL_OK);
	assert_rel(m, p.b / (p.a + p.b), 1e-15, "P(alive) at age 0");
	/* the new-customer formula b/(a-1) [...] is the conditional one at age 0 */
	assert_int_equal(cl_mbgnbd_expected_purchases_new(&p, 39.0, &m), CL_OK);
	assert_int_equal(cl_bgnbd_expected_purchases_new(&pb1, 39.0, &b), CL_OK);
	assert_rel(m, b * p.b / (p.a + p.b), 1e-14, "E[X(t)]");
	/* stepped = single */
	assert_int_equal(cl_mbgnbd_expected_purchases_steps(&p, 4.3, 30, 2.0, 20.0, 38.0, steps), CL_OK);
	for (k = 0; k < 30; k++)
	{
		assert_int_equal(cl_mbgnbd_expected_purchases(&p, 4.3 * (k + 1), 2.0, 20.0, 38.0, &m), CL_OK);
		assert_true(steps[k] == m);
	}
}

static int
interrupt_counter(void *ctx)
{
	return ++*(int *) ctx >= 2;
}

static void
test_recovery_degenerate(void **state)
{
	static cl_btyd_cell cells[60000];
	const double truth[4] = {0.8, 6.0, 0.7, 2.5};
	fixture_rng g = {99};
	cl_btyd_cell none[2] = {{0, 0, 10, 1}, {0, 0, 20, 2}};
	cl_fit_result res;
	cl_fit_options opt;
	size_t		i,
				n;
	int			calls = 0;

	(void) state;
	for (i = 0; i < NELEM(cells); i++)
	{
		/* the MBG/NBD process: a dropout coin also right after the first purchase */
		double		T = 52.0 + floor(52.0 * rng_unif(&g));
		double		lambda = rng_gamma(&g, truth[0]) / truth[1];
		double		p = rng_beta(&g, truth[2], truth[3]);
		double		t = 0.0,
					x = 0.0,
					t_x = 0.0;

		while (rng_unif(&g) >= p)
		{
			t += -log(rng_unif(&g)) / lambda;
			if (t > T)
				break;
			x += 1.0;
			t_x = t;
		}
		cells[i] = (cl_btyd_cell) {x, floor(t_x * 7.0) / 7.0, T, 1.0};
	}
	n = cl_btyd_cells_sort_merge(cells, NELEM(cells));
	assert_int_equal(cl_mbgnbd_fit(cells, n, NULL, &res), CL_OK);
	printf("recovery (60000 simulated customers): r = %.4f alpha = %.4f a = %.4f b = %.4f "
		   "(truth 0.8, 6, 0.7, 2.5)\n", res.params[0], res.params[1], res.params[2], res.params[3]);
	for (i = 0; i < 4; i++)
		assert_rel(res.params[i], truth[i], 0.15, "recovered parameter");

	cl_fit_options_init(&opt);
	opt.interrupt = interrupt_counter;
	opt.interrupt_ctx = &calls;
	assert_int_equal(cl_mbgnbd_fit(cells, n, &opt, &res), CL_ENOCONVERGE);
	assert_false(res.converged);

	assert_int_equal(cl_mbgnbd_fit(none, 2, NULL, &res), CL_EDEGENERATE);
	assert_int_equal(res.iterations, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdnow_fit),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_gradient_hessian),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_relations),
		cmocka_unit_test(test_recovery_degenerate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
