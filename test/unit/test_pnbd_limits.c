/*
 * test_pnbd_limits.c — the Pareto/NBD limits with one homogeneous rate
 * ("homogeneous_rate": λ fixed, μ ~ Gamma(s, β); "homogeneous_dropout":
 * μ fixed, λ ~ Gamma(r, α)) and the scaled incomplete gamma function they
 * are built on: against 40-digit references (vectors/gen_pnbd_limits.py),
 * against the interior model taken towards each limit, the boundary-aware
 * fit on data simulated on each edge, and the cost of a score.
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

#include "btyd.h"
#include "btyd_limits.h"
#include "btyd_model.h"
#include "btyd_sim.h"
#include "clv.h"
#include "incgamma.h"
#include "pareto_nbd.h"
#include "rng.h"

#include "vectors/pnbd_limits_vectors.h"

#define HR CL_LIMIT_HOMOGENEOUS_RATE
#define HD CL_LIMIT_HOMOGENEOUS_DROPOUT
#define PN_HR ((cl_btyd_family) (CL_BTYD_PARETO_NBD | HR << CL_LIMIT_SHIFT))
#define PN_HD ((cl_btyd_family) (CL_BTYD_PARETO_NBD | HD << CL_LIMIT_SHIFT))

/* K to 1e-13 relative: ln K to 1e-13 absolute, plus the rounding of a large ln K */
static void
test_kfun_vectors(void **state)
{
	size_t		i;
	double		worst = 0.0;

	(void) state;
	for (i = 0; i < NELEM(ref_kfun_cases); i++)
	{
		const ref_kfun *c = &ref_kfun_cases[i];
		double		v = cl_log_kfun(c->a, log(c->z)),
					err = fabs(v - c->log_k),
					tol = 1e-13 + 4e-16 * fabs(c->log_k);

		if (!(err <= tol))
			fail_msg("ln K(%.17g, %.17g) = %.17g, reference %.17g (error %.3g)",
					 c->a, c->z, v, c->log_k, err);
		worst = fmax(worst, err / (1.0 + fabs(c->log_k)));
	}
	printf("K(a, z): %zu reference values, worst error of ln K %.3g (relative to 1 + |ln K|)\n",
		   NELEM(ref_kfun_cases), worst);
}

static void
check_rel(double v, double ref, double tol, const char *what, size_t i)
{
	if (!(fabs(v - ref) <= tol * fabs(ref)))
		fail_msg("case %zu %s: %.17g, reference %.17g (relative error %.3g)",
				 i, what, v, ref, fabs(v / ref - 1.0));
}

/* LL and every score of both limits against the references, to 1e-12 */
static void
test_limit_vectors(void **state)
{
	size_t		i;
	double		worst = 0.0;

	(void) state;
	for (i = 0; i < NELEM(ref_pnbd_limit_cases); i++)
	{
		const ref_pnbd_limit *c = &ref_pnbd_limit_cases[i];
		cl_btyd_model m = {c->homogeneous_rate ? PN_HR : PN_HD, {c->p[0], c->p[1], c->p[2]}};
		double		ll,
					alive,
					dead,
					e,
					q,
					en;

		assert_int_equal(cl_btyd_loglik(&m, c->x, c->t_x, c->T, &ll), CL_OK);
		assert_int_equal(cl_btyd_p_alive(&m, c->x, c->t_x, c->T, &alive), CL_OK);
		assert_int_equal(cl_btyd_p_dead(&m, c->x, c->t_x, c->T, &dead), CL_OK);
		assert_int_equal(cl_btyd_expected_purchases_steps(&m, c->t, 1, c->x, c->t_x, c->T, &e), CL_OK);
		assert_int_equal(cl_btyd_p_no_purchase(&m, c->h, c->x, c->t_x, c->T, &q), CL_OK);
		assert_int_equal(cl_btyd_expected_purchases_new(&m, c->t, &en), CL_OK);
		check_rel(ll, c->ll, 1e-12, "LL", i);
		check_rel(alive, c->p_alive, 1e-12, "P(alive)", i);
		/* churn = 1 - P(alive), to its own relative accuracy however small */
		check_rel(dead, c->p_dead, 1e-12, "P(dead)", i);
		check_rel(e, c->expected, 1e-12, "E[Y(t)]", i);
		check_rel(q, c->p_no_purchase, 1e-12, "P(no purchase)", i);
		check_rel(en, c->expected_new, 1e-12, "E[X(t)] new", i);
		worst = fmax(worst, fabs(ll / c->ll - 1.0));
		worst = fmax(worst, fabs(alive / c->p_alive - 1.0));
		worst = fmax(worst, fabs(dead / c->p_dead - 1.0));
		worst = fmax(worst, fabs(e / c->expected - 1.0));
		worst = fmax(worst, fabs(q / c->p_no_purchase - 1.0));
		worst = fmax(worst, fabs(en / c->expected_new - 1.0));
	}
	printf("homogeneous_rate, homogeneous_dropout: %zu reference customers, worst relative error %.3g\n",
		   NELEM(ref_pnbd_limit_cases), worst);
}

/*
 * The limit is the limit of the interior model: Pareto/NBD with r = α λ,
 * α = 1e8 (resp. s = β μ, β = 1e8) against the limit, for the LL and every
 * score; the distance is of order 1/α (1/β): 1e-6 relative for the LL,
 * 1e-5 for the scores.
 */
static void
test_limit_of_interior(void **state)
{
	const double big = 1e8;
	const struct
	{
		double		x,
					t_x,
					T;
	}			cust[] = {{0, 0, 38}, {3, 20, 38}, {12, 37.5, 38}, {1, 2, 60}, {40, 30, 31}};
	const double hr[3] = {0.2, 0.6, 12.0},
				hd[3] = {0.55, 10.58, 0.05};
	size_t		i;
	int			j;

	(void) state;
	for (j = 0; j < 2; j++)
	{
		cl_btyd_model lim = {j == 0 ? PN_HR : PN_HD, {0}};
		cl_btyd_model in = {CL_BTYD_PARETO_NBD, {0}};

		if (j == 0)
		{
			memcpy(lim.p, hr, sizeof(hr));
			in.p[0] = big * hr[0];
			in.p[1] = big;
			in.p[2] = hr[1];
			in.p[3] = hr[2];
		}
		else
		{
			memcpy(lim.p, hd, sizeof(hd));
			in.p[0] = hd[0];
			in.p[1] = hd[1];
			in.p[2] = big * hd[2];
			in.p[3] = big;
		}
		for (i = 0; i < NELEM(cust); i++)
		{
			double		a,
						b,
						ea[3],
						eb[3];
			double		x = cust[i].x,
						tx = cust[i].t_x,
						T = cust[i].T;

			assert_int_equal(cl_btyd_loglik(&lim, x, tx, T, &a), CL_OK);
			assert_int_equal(cl_btyd_loglik(&in, x, tx, T, &b), CL_OK);
			printf("%s, customer (%g, %g, %g): limit LL %.15g, Pareto/NBD at 1e8 %.15g\n",
				   j == 0 ? "homogeneous_rate" : "homogeneous_dropout", x, tx, T, a, b);
			check_rel(b, a, 1e-6, "LL", i);
			assert_int_equal(cl_btyd_p_alive(&lim, x, tx, T, &a), CL_OK);
			assert_int_equal(cl_btyd_p_alive(&in, x, tx, T, &b), CL_OK);
			check_rel(b, a, 1e-5, "P(alive)", i);
			assert_int_equal(cl_btyd_expected_purchases_steps(&lim, 10.0, 3, x, tx, T, ea), CL_OK);
			assert_int_equal(cl_btyd_expected_purchases_steps(&in, 10.0, 3, x, tx, T, eb), CL_OK);
			check_rel(eb[2], ea[2], 1e-5, "E[Y]", i);
			assert_int_equal(cl_btyd_p_no_purchase(&lim, 7.0, x, tx, T, &a), CL_OK);
			assert_int_equal(cl_btyd_p_no_purchase(&in, 7.0, x, tx, T, &b), CL_OK);
			check_rel(b, a, 1e-5, "P(no purchase)", i);
		}
		{
			double		a,
						b;

			assert_int_equal(cl_btyd_expected_purchases_new(&lim, 25.0, &a), CL_OK);
			assert_int_equal(cl_btyd_expected_purchases_new(&in, 25.0, &b), CL_OK);
			check_rel(b, a, 1e-5, "E[X] new", 0);
		}
	}
}

/*
 * Customers on an edge, weekly units as the CDNOW calibration: first
 * purchases spread over 12 weeks of a 39-week window.
 *   homogeneous rate: every customer buys like clockwork every 1/λ weeks
 *     (random phase) while alive, lifetimes Exp(μ) with μ ~ Gamma(s, β):
 *     purchase counts less dispersed than any Gamma mixture of Poisson
 *     rates, so the supremum has r, α -> ∞;
 *   homogeneous dropout: Poisson purchases at rates λ ~ Gamma(r, α),
 *     lifetimes Gamma(3, 3μ) (mean 1/μ): less dispersed than any Gamma
 *     mixture of exponential lifetimes, so the supremum has s, β -> ∞.
 */
static size_t
edge_customers(cl_btyd_cell *c, int n, int homogeneous_rate, const double *p, uint64_t seed)
{
	cl_rng		g;
	int			i;

	cl_rng_seed(&g, seed, 7);
	for (i = 0; i < n; i++)
	{
		double		T = 27.0 + 12.0 * cl_rng_uniform(&g),
					life,
					rate,
					t,
					tx = 0.0;
		int			x = 0;

		if (homogeneous_rate)
		{
			life = cl_rng_exponential(&g, cl_rng_gamma(&g, p[1], p[2]));
			rate = p[0];
			t = cl_rng_uniform(&g) / rate;
		}
		else
		{
			life = cl_rng_gamma(&g, 3.0, 3.0 * p[2]);
			rate = cl_rng_gamma(&g, p[0], p[1]);
			t = cl_rng_exponential(&g, rate);
		}
		while (t <= fmin(T, life))
		{
			x++;
			tx = t;
			t += homogeneous_rate ? 1.0 / rate : cl_rng_exponential(&g, rate);
		}
		/* in days, as crm_profile makes them, so that customers share cells */
		c[i] = (cl_btyd_cell) {x, floor(7.0 * tx) / 7.0, floor(7.0 * T) / 7.0, 1.0};
		if (x > 0 && c[i].t_x == 0.0)
			c[i].t_x = 1.0 / 7.0;
	}
	return cl_btyd_cells_sort_merge(c, (size_t) n);
}

/*
 * Data simulated on each edge: the boundary-aware fit returns that limit,
 * converged, with an LL at least the interior optimiser's and equal to the
 * limit's LL summed over the customers.
 */
static void
test_fit_on_edges(void **state)
{
	static cl_btyd_cell c[3000];
	const struct
	{
		const char *name;
		cl_btyd_family fam;
		double		lim[3];
	}			cases[] = {
		{"homogeneous_rate", PN_HR, {0.15, 0.6, 12.0}},
		{"homogeneous_dropout", PN_HD, {0.55, 10.58, 0.05}},
	};
	size_t		i;
	uint64_t	seed;

	(void) state;
	for (i = 0; i < NELEM(cases); i++)
		for (seed = 1; seed <= 2; seed++)
		{
			size_t		n = edge_customers(c, 3000, i == 0, cases[i].lim, seed * 10 + i);
			cl_fit_result in,
						res;
			cl_status	st_in = cl_pnbd_fit(c, n, NULL, &in);
			int			fam,
						k;
			cl_btyd_model m;
			double		sum = 0.0,
						v;
			size_t		j;

			assert_int_equal(cl_btyd_fit_boundary(CL_BTYD_PARETO_NBD, c, n, NULL, &res, &fam), CL_OK);
			printf("%s seed %d: interior status %d converged %d LL %.12g (r %.4g alpha %.4g s %.4g beta %.4g); "
				   "limit %d LL %.12g params %.6g %.6g %.6g\n",
				   cases[i].name, (int) seed, st_in, in.converged, in.ll,
				   in.params[0], in.params[1], in.params[2], in.params[3],
				   CL_BTYD_LIMIT(fam), res.ll, res.params[0], res.params[1], res.params[2]);
			assert_int_equal(fam, cases[i].fam);
			assert_true(res.converged);
			assert_int_equal(res.nparams, 3);
			assert_true(res.ll >= in.ll - 1e-9 * fabs(in.ll));
			m.family = fam;
			memcpy(m.p, res.params, sizeof(m.p));
			for (j = 0; j < n; j++)
			{
				assert_int_equal(cl_btyd_loglik(&m, c[j].x, c[j].t_x, c[j].T, &v), CL_OK);
				sum += c[j].weight * v;
			}
			check_rel(sum, res.ll, 1e-12, "LL of the fit", i);
			/* the data are not Pareto/NBD: only the mean rate is comparable */
			k = i == 0 ? 0 : 2;
			check_rel(res.params[k], cases[i].lim[k], 0.25, "rate", i);
		}
}

/* Cost of the scores of the new limits (a 12-month CLV is 12 increments) */
static void
test_score_speed(void **state)
{
	const cl_btyd_model ms[3] = {
		{PN_HR, {0.15, 0.6, 12.0}},
		{PN_HD, {0.55, 10.58, 0.05}},
		{CL_BTYD_PARETO_NBD, {0.55, 10.58, 0.61, 11.67}},
	};
	const char *names[3] = {"homogeneous_rate", "homogeneous_dropout", "CDNOW Pareto/NBD"};
	cl_gg_params gg = {6.25, 3.74, 15.44};
	int			j;

	(void) state;
	for (j = 0; j < 3; j++)
	{
		const int	N = 20000;
		double		t0,
					s = 0.0,
					v,
					e[12];
		int			i;

		t0 = now_seconds();
		for (i = 0; i < N; i++)
		{
			assert_int_equal(cl_btyd_p_alive(&ms[j], 1 + i % 7, 10.0 + (i % 20), 38.0, &v), CL_OK);
			s += v;
		}
		printf("%s: P(alive) %.2f us", names[j], (now_seconds() - t0) / N * 1e6);
		t0 = now_seconds();
		for (i = 0; i < N; i++)
		{
			assert_int_equal(cl_btyd_p_no_purchase(&ms[j], 4.0, 1 + i % 7, 10.0 + (i % 20), 38.0, &v), CL_OK);
			s += v;
		}
		printf(", P(no purchase) %.2f us", (now_seconds() - t0) / N * 1e6);
		t0 = now_seconds();
		for (i = 0; i < N; i++)
		{
			assert_int_equal(cl_btyd_expected_purchases_steps(&ms[j], 4.3, 12, 1 + i % 7, 10.0 + (i % 20), 38.0, e), CL_OK);
			s += e[11];
		}
		printf(", 12 expected-purchase steps %.2f us", (now_seconds() - t0) / N * 1e6);
		t0 = now_seconds();
		for (i = 0; i < N; i++)
		{
			assert_int_equal(cl_btyd_loglik(&ms[j], 1 + i % 7, 10.0 + (i % 20), 38.0, &v), CL_OK);
			s += v;
		}
		printf(", LL %.2f us", (now_seconds() - t0) / N * 1e6);
		t0 = now_seconds();
		for (i = 0; i < N; i++)
		{
			assert_int_equal(cl_clv_estimate_model(&ms[j], &gg, 1 + i % 7, 10.0 + (i % 20), 38.0, 50.0,
												   12, 0.01, 30.0 / 7.0, &v), CL_OK);
			s += v;
		}
		printf(", clv_estimate (12 months) %.2f us (sum %g)\n", (now_seconds() - t0) / N * 1e6, s);
		assert_true(isfinite(s));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kfun_vectors),
		cmocka_unit_test(test_limit_vectors),
		cmocka_unit_test(test_limit_of_interior),
		cmocka_unit_test(test_fit_on_edges),
		cmocka_unit_test(test_score_speed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
