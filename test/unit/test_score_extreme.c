/*
 * test_score_extreme.c — the per-customer scores at extreme parameters:
 * every call gives a finite value in range (probabilities in [0, 1], counts
 * and values >= 0) or an error status, never NaN, a negative value or an
 * unwritten output; values agree with mpmath references; long loops stop
 * when the interrupt hook asks them to.
 *
 * References: vectors/score_extreme_vectors.h (gen_score_extreme.py).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "btyd_model.h"
#include "btyd_sim.h"
#include "clv.h"
#include "interrupt.h"
#include "rng.h"

#include "unit_common.h"

typedef struct score_vector
{
	cl_btyd_family family;
	const char *func;
	double		r,
				alpha,
				a,
				b,
				x,
				t_x,
				T,
				h,
				ref;
} score_vector;

#include "vectors/score_extreme_vectors.h"

static const cl_gg_params test_gg = {6.25, 3.74, 15.44};

/* The sweep's functions (bench/score_sweep.c): CLV over 12 months of length h. */
static cl_status
eval(const char *func, const cl_btyd_model *m, double x, double t_x, double T,
	 double h, double *out)
{
	if (strcmp(func, "p_alive") == 0)
		return cl_btyd_p_alive(m, x, t_x, T, out);
	if (strcmp(func, "churn") == 0)
		return cl_btyd_p_dead(m, x, t_x, T, out);
	if (strcmp(func, "no_purchase") == 0)
		return cl_btyd_p_no_purchase(m, h, x, t_x, T, out);
	if (strcmp(func, "expected") == 0)
		return cl_btyd_expected_purchases_steps(m, h, 1, x, t_x, T, out);
	if (strcmp(func, "expected_new") == 0)
		return cl_btyd_expected_purchases_new(m, h, out);
	if (strcmp(func, "clv") == 0)
		return cl_clv_estimate_model(m, &test_gg, x, t_x, T, 35.0, 12, 0.01, h, out);
	fail_msg("unknown function %s", func);
	return CL_EINVAL;
}

static int
is_probability(const char *func)
{
	return strcmp(func, "p_alive") == 0 || strcmp(func, "churn") == 0
		|| strcmp(func, "no_purchase") == 0;
}

/* OK with a finite value in range, or an error status that leaves no value */
static void
assert_answer(cl_status st, const char *func, double out, const char *what)
{
	if (st != CL_OK)
	{
		if (st != CL_ERANGE && st != CL_ENOCONVERGE)
			fail_msg("%s: status %s for valid arguments", what, cl_status_text(st));
		return;
	}
	if (!isfinite(out) || out < 0.0 || (is_probability(func) && out > 1.0))
		fail_msg("%s: %s = %.17g is not in range", what, func, out);
}

/* ---- the reported defects ------------------------------------------------ */

static void
test_reported_cases(void **state)
{
	const cl_btyd_model fit_of_one = {CL_BTYD_BGNBD,
	{274201978379.76968, 1.328171203747514e-11, 3.181108979003139, 0.9430673453193379}};
	const cl_btyd_model tiny_huge = {CL_BTYD_BGNBD,
	{5e-324, 5e-324, 1.7976931348623157e308, 1.7976931348623157e308}};
	const cl_btyd_model huge_r = {CL_BTYD_BGNBD,
	{1.7976931348623157e308, 1e-10, 1.7976931348623157e308, 1e-300}};
	const cl_btyd_model far = {CL_BTYD_BGNBD,
	{98.28592244216856, 0.00011758579914132793, 2.986524807557692, 0.05626667376232444}};
	const cl_btyd_model b_huge = {CL_BTYD_BGNBD, {1e-10, 1e-10, 1.0, 1e300}};
	const cl_gg_params gg_huge = {9044404.721863287, 2238130.568850499, 1099857857.59306};
	double		out;
	cl_status	st;

	(void) state;

	/* a non-converging series used to leave the output unwritten */
	out = NAN;
	assert_int_equal(cl_btyd_expected_purchases_steps(&fit_of_one, 30.0, 1, 1, 0, 1, &out), CL_OK);
	assert_true(out == 0.0);	/* P(alive) = e^(-7e12) */

	/* NaN from ∞ - ∞ and ∞ × 0 */
	out = NAN;
	assert_int_equal(cl_btyd_p_alive(&tiny_huge, 1e308, 1e-308, 0.1, &out), CL_OK);
	assert_true(out == 0.0);
	assert_int_equal(cl_btyd_p_dead(&huge_r, 1e300, 1, 1, &out), CL_OK);
	assert_rel(out, 0.99999999443731538468, 1e-15, "churn, t_x = T");
	assert_int_equal(cl_btyd_p_alive(&huge_r, 1e300, 1, 1, &out), CL_OK);
	assert_rel(out, 5.5626846153245440657e-09, 1e-13, "p_alive, t_x = T");

	/* was -1.4e-216: ln w of w = 1 - 1.5e-216 */
	assert_int_equal(cl_btyd_expected_purchases_steps(&far, 9007199254740993.0, 1, 1,
													  5.8650328420574476e+231,
													  5.8650328420574476e+231, &out), CL_OK);
	assert_rel(out, 2.8195905578474083e-216, 1e-12, "expected, z = 1.5e-216");

	/* was -2.3e287: with the spend model and 30-day months of a 36600-day unit */
	st = cl_clv_estimate_model(&b_huge, &gg_huge, 19, 187.9847023325327, 351.59264469880384,
							   556.5402118636599, 12, 0.01, 30.0 / 36600.0, &out);
	assert_answer(st, "clv", out, "clv, b = 1e300");
	assert_int_equal(st, CL_OK);
}

/* Cases from the SQL fuzzer: in range, and right where mpmath can tell. */
static void
test_fuzzer_cases(void **state)
{
	const cl_btyd_model pn1 = {CL_BTYD_PARETO_NBD,
	{0.0026278114709757717, 2.3159207152674246, 23.33930318040577, 1.180731826535817}};
	const cl_btyd_model pn2 = {CL_BTYD_PARETO_NBD, {0.24, 4.4, 0.79, 2.43}};
	const cl_btyd_model pn3 = {CL_BTYD_PARETO_NBD,
	{3.628037290784512e-08, 1.3893615243934772, 0.1493438966267474, 0.026388867747345984}};
	const cl_btyd_model pn4 = {CL_BTYD_PARETO_NBD,
	{0.9567344747094326, 3.342484655403243, 1.0840799341107925, 3.5933571132995654}};
	const cl_btyd_model mb1 = {CL_BTYD_MBGNBD,
	{794308.4526201282, 1e300, 3.4632154916591076, 1.149896054979367}};
	const cl_btyd_model mb2 = {CL_BTYD_MBGNBD,
	{309806.43908087024, 1.1379886780995225, 4.769940911403535, 0.28992457220607715}};
	const cl_btyd_model bg1 = {CL_BTYD_BGNBD,
	{92.58665311609654, 1.3648312037129366, 1.0000000000000002, 0.34268356911935216}};
	const cl_btyd_model bg2 = {CL_BTYD_BGNBD, {5e-324, 4.4, 0.79, 2.43}};
	double		out;

	(void) state;
	assert_int_equal(cl_btyd_p_dead(&pn1, 1e308, 14.0, 1.7976931348623157e308, &out), CL_OK);
	assert_true(out == 1.0);
	assert_int_equal(cl_btyd_p_dead(&pn2, 1e308, 41.128111359350335, 73.89073731937853, &out), CL_OK);
	assert_true(out == 1.0);
	/* T - t_x = 1.4e-177: the closed form cancels and the fit's quadrature gave NaN */
	assert_int_equal(cl_btyd_p_dead(&pn3, 56.0, 1e-308, 1.3689602448729654e-177, &out), CL_OK);
	assert_rel(out, 7.7474281675842e-177, 1e-12, "churn, T - t_x = 1.4e-177");
	assert_int_equal(cl_btyd_p_alive(&pn4, 1e308, 294.14000750406734, 7.65287703064809e+284, &out), CL_OK);
	assert_true(out == 0.0);
	assert_int_equal(cl_btyd_p_alive(&pn2, 1.7976931348623157e308, 350.57773586471063,
									 1.579869361643372e+197, &out), CL_OK);
	assert_true(out == 0.0);
	assert_int_equal(cl_btyd_expected_purchases_new(&mb1, 365.2425, &out), CL_OK);
	assert_true(isfinite(out) && out >= 0.0 && out < 1e-290);
	assert_int_equal(cl_btyd_expected_purchases_new(&mb2, 2.2250738585072014e-308, &out), CL_OK);
	assert_true(isfinite(out) && out >= 0.0 && out < 1e-300);
	/* a = 1 + 2^-52 */
	assert_int_equal(cl_btyd_expected_purchases_new(&bg1, 2100.0 / 27.0, &out), CL_OK);
	assert_rel(out, 3.97698551534264, 1e-12, "expected_new, a = 1 + 2^-52");
	/* r = 5e-324: E <= r t/alpha is below the smallest double */
	assert_int_equal(cl_btyd_expected_purchases_new(&bg2, 0.024897440618717532, &out), CL_OK);
	assert_true(out == 0.0);
}

/* The CLV that ran 179 s: bounded, and stopped by the interrupt hook. */
static int	polls;

static int
stop_now(void)
{
	polls++;
	return 1;
}

static void
test_bounded_and_interruptible(void **state)
{
	const cl_btyd_model m = {CL_BTYD_BGNBD,
	{1.5149246709789581e-06, 0.06205575146472858, 0.005881684293994939, 6994169.311407967}};
	double		out = NAN,
				t0;
	cl_status	st;

	(void) state;
	t0 = now_seconds();
	st = cl_clv_estimate_model(&m, &test_gg, 0, 0, 2.0207673633376895e-209, 35.0, 1200,
							   0.01, 30.0, &out);
	printf("1200-month CLV of the reported model: %s, %.6g, %.3f s\n",
		   cl_status_text(st), out, now_seconds() - t0);
	assert_answer(st, "clv", out, "1200-month CLV");

	polls = 0;
	cl_set_interrupt_hook(stop_now);
	st = cl_clv_estimate_model(&m, &test_gg, 0, 0, 2.0207673633376895e-209, 35.0, 1200,
							   0.01, 30.0, &out);
	cl_set_interrupt_hook(NULL);
	assert_int_equal(st, CL_ENOCONVERGE);
	assert_true(polls >= 1);
}

/* the simulators: spend never NaN, infinite or zero; recency never NaN */
static void
test_sim_spend(void **state)
{
	static const cl_gg_params gg[] = {
		{5e-324, 5e-324, 1.0}, {1e308, 1e-308, 1e308}, {1e-300, 1e300, 1e-300},
		{1e300, 1e-300, 1e300}, {6.25, 3.74, 15.44}
	};
	size_t		i;
	uint64_t	seed;

	(void) state;

	/* a rate of 2e-308 with a shape of 7e-252: ∞ × 0 in the gamma draw gave t_x = NaN */
	for (seed = 1; seed <= 141; seed++)
	{
		const cl_bgnbd_params p = {7.29634227485986e-252, 2.2250738585072014e-308,
		1.6649195987842684, 2.733543664368358};
		const double T = 9007199254740992.0;
		cl_rng		rng;
		double		x = NAN,
					t_x = NAN;
		cl_status	st;

		cl_rng_seed(&rng, 1, seed);
		st = cl_sim_mbgnbd(&rng, &p, T, &x, &t_x);
		if (st == CL_OK)
			assert_true(x >= 0.0 && isfinite(x) && t_x >= 0.0 && t_x <= T);
		else
			assert_int_equal(st, CL_ESIZE);
	}
	for (i = 0; i < NELEM(gg); i++)
		for (seed = 1; seed <= 200; seed++)
		{
			cl_rng		rng;
			double		m = NAN;
			cl_status	st;

			cl_rng_seed(&rng, seed, 7);
			st = cl_sim_gamma_gamma(&rng, &gg[i], 3.0, &m);
			if (st == CL_OK)
				assert_true(isfinite(m) && m > 0.0);
			else
				assert_int_equal(st, CL_ERANGE);
		}
}

/* ---- the grid of bench/score_sweep --------------------------------------- */

static void
test_grid(void **state)
{
	static const double pv[] = {1e-8, 1e-3, 1.0, 1e3, 1e9};
	static const double cust[][3] = {
		{0, 0, 0}, {0, 0, 40}, {2, 10, 30}, {30, 25, 40}, {1e3, 900, 1e3},
		{1e6, 9e4, 1e5}, {5, 1, 1e5}
	};
	/* P(alive) and churn take no horizon; CLV one month length */
	static const char *const funcs[] = {"p_alive", "churn", "no_purchase", "no_purchase",
	"expected", "expected", "clv"};
	static const double hs[] = {0.0, 0.0, 1.0, 1e4, 1.0, 1e4, 30.0};
	long		n = 0,
				declined = 0;
	double		worst_sum = 0.0,
				t0 = now_seconds();
	int			fam,
				i1,
				i2,
				i3,
				i4;

	(void) state;
	for (fam = 1; fam <= 3; fam++)
		for (i1 = 0; i1 < 5; i1++)
			for (i2 = 0; i2 < 5; i2++)
				for (i3 = 0; i3 < 5; i3++)
					for (i4 = 0; i4 < 5; i4++)
					{
						cl_btyd_model m = {(cl_btyd_family) fam, {pv[i1], pv[i2], pv[i3], pv[i4]}};
						size_t		c,
									f;

						for (c = 0; c < NELEM(cust); c++)
						{
							double		x = cust[c][0],
										t_x = cust[c][1],
										T = cust[c][2],
										alive,
										dead;
							cl_status	sa = cl_btyd_p_alive(&m, x, t_x, T, &alive),
										sd = cl_btyd_p_dead(&m, x, t_x, T, &dead);

							/* the two are computed separately: they must add up */
							if (sa == CL_OK && sd == CL_OK)
								worst_sum = fmax(worst_sum, fabs(alive + dead - 1.0));
							for (f = 0; f < NELEM(funcs); f++)
							{
								char		what[160];
								double		out = NAN;
								cl_status	st = eval(funcs[f], &m, x, t_x, T, hs[f], &out);

								snprintf(what, sizeof(what), "%d (%g, %g, %g, %g) x %g t_x %g T %g h %g",
										 fam, pv[i1], pv[i2], pv[i3], pv[i4], x, t_x, T, hs[f]);
								assert_answer(st, funcs[f], out, what);
								n++;
								declined += st != CL_OK;
							}
						}
					}
	printf("grid: %ld calls, %ld declined with an error status, |P(alive) + P(dead) - 1| <= %.1e, %.2f s\n",
		   n, declined, worst_sum, now_seconds() - t0);
	assert_true(worst_sum <= 4e-16);
}

/* ---- the methods' seams ------------------------------------------------------ */

/*
 * Where one method hands over to the next the score must not jump:
 * BG/NBD and MBG/NBD expected purchases switch from the shared series to
 * the logit quadrature at z = t/(alpha+T+t) = 0.95; the Pareto/NBD
 * quadrature treats alpha = beta (no bend) apart from alpha close to beta.
 */
static void
test_method_seams(void **state)
{
	const cl_btyd_model bg = {CL_BTYD_BGNBD, {0.2425945, 4.4136027, 0.7929218, 2.4259057}};
	const cl_btyd_model mbg = {CL_BTYD_MBGNBD, {0.524843, 6.183082, 0.891360, 1.614003}};
	const double cust[][3] = {{0, 0, 0}, {0, 0, 30}, {3, 20, 30}};
	size_t		c;

	(void) state;
	for (c = 0; c < NELEM(cust); c++)
	{
		const cl_btyd_model *ms[2] = {&bg, &mbg};
		int			i;

		for (i = 0; i < 2; i++)
		{
			/* z = 0.95 at t = 19 (alpha + T) */
			double		t = 19.0 * (ms[i]->p[1] + cust[c][2]),
						lo,
						hi;

			assert_int_equal(cl_btyd_expected_purchases_steps(ms[i], t * (1.0 - 1e-14), 1, cust[c][0],
															  cust[c][1], cust[c][2], &lo), CL_OK);
			assert_int_equal(cl_btyd_expected_purchases_steps(ms[i], t * (1.0 + 1e-14), 1, cust[c][0],
															  cust[c][1], cust[c][2], &hi), CL_OK);
			assert_rel(hi, lo, 1e-12, "expected purchases across z = 0.95");
		}
	}
	for (c = 0; c < NELEM(cust); c++)
	{
		const cl_btyd_model eq = {CL_BTYD_PARETO_NBD, {0.55, 10.5, 0.6, 10.5}};
		const cl_btyd_model near = {CL_BTYD_PARETO_NBD, {0.55, 10.5, 0.6, 10.5 * (1.0 + 0x1p-40)}};
		double		a,
					b;

		if (cust[c][2] == 0.0)
			continue;
		assert_int_equal(cl_btyd_p_dead(&eq, cust[c][0], cust[c][1], cust[c][2], &a), CL_OK);
		assert_int_equal(cl_btyd_p_dead(&near, cust[c][0], cust[c][1], cust[c][2], &b), CL_OK);
		assert_rel(b, a, 1e-11, "Pareto/NBD churn, alpha = beta and alpha ~ beta");
		assert_int_equal(cl_btyd_p_no_purchase(&eq, 1e4, cust[c][0], cust[c][1], cust[c][2], &a), CL_OK);
		assert_int_equal(cl_btyd_p_no_purchase(&near, 1e4, cust[c][0], cust[c][1], cust[c][2], &b), CL_OK);
		assert_rel(b, a, 1e-11, "Pareto/NBD P(no purchase), alpha = beta and alpha ~ beta");
	}
}

/* ---- the mpmath references ------------------------------------------------- */


static void
test_vectors(void **state)
{
	size_t		i;
	int			declined = 0;
	double		worst = 0.0;
	size_t		worst_i = 0;

	(void) state;
	for (i = 0; i < NELEM(score_vectors); i++)
	{
		const score_vector *v = &score_vectors[i];
		cl_btyd_model m = {v->family, {v->r, v->alpha, v->a, v->b}};
		double		out = NAN,
					err;
		char		what[64];
		cl_status	st = eval(v->func, &m, v->x, v->t_x, v->T, v->h, &out);

		snprintf(what, sizeof(what), "vector %zu (%s)", i, v->func);
		assert_answer(st, v->func, out, what);
		if (st != CL_OK)
		{
			declined++;
			continue;
		}
		err = v->ref == 0.0 ? fabs(out) : fabs(out - v->ref) / fabs(v->ref);
		if (err > worst)
		{
			worst = err;
			worst_i = i;
		}
		if (err > 1e-10)
			fail_msg("vector %zu: %s family %d (%.17g, %.17g, %.17g, %.17g) x %.17g t_x %.17g "
					 "T %.17g h %.17g: got %.17g want %.17g (relative error %.3g)",
					 i, v->func, (int) v->family, v->r, v->alpha, v->a, v->b, v->x, v->t_x,
					 v->T, v->h, out, v->ref, err);
	}
	printf("%zu reference values: max relative error %.2e (vector %zu), %d declined with an error status\n",
		   NELEM(score_vectors), worst, worst_i, declined);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reported_cases),
		cmocka_unit_test(test_fuzzer_cases),
		cmocka_unit_test(test_bounded_and_interruptible),
		cmocka_unit_test(test_sim_spend),
		cmocka_unit_test(test_grid),
		cmocka_unit_test(test_method_seams),
		cmocka_unit_test(test_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
