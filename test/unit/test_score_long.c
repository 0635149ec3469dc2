/*
 * test_score_long.c — BG/NBD and MBG/NBD expected purchases at horizons
 * long against α + T, where bgnbd.c expands E[Y | alive] in powers of 1/τ
 * instead of integrating over the dropout probability: the slowest
 * parameter sets of the score sweep (bench/score_sweep), the same near
 * a = 1 (where the expansion divides by a - 1), small r + x (with the
 * τ^-k series of the connection formula), the 12 monthly horizons of
 * a CLV, and customers with x = 0 under a + b <= 1 whose shared series
 * cancelled among its own terms (values wrong by up to 1e52 before).
 *
 * References: E[Y(t)] = P(alive) E[Y(t) | alive] by mpmath at 40 digits
 * from the functions of vectors/gen_score_extreme.py (the published 2F1
 * form where mpmath agrees with itself at two precisions, else the integral
 * over p ~ Beta(a, b')), independent of the methods in bgnbd.c.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "btyd_model.h"
#include "specfun.h"

#include "unit_common.h"

typedef struct long_case
{
	cl_btyd_family family;
	double		r,
				alpha,
				a,
				b,
				x,
				t_x,
				T,
				h,
				ref;
} long_case;

#define BG CL_BTYD_BGNBD
#define MBG CL_BTYD_MBGNBD

static const long_case long_cases[] = {
	/* the slowest sets of the sweep: a customer first seen now, α = 1e-8 */
	{BG, 1000, 1e-8, 0.001, 1e-8, 0, 0, 0, 10000, 9664505275.105468750459957},
	{BG, 1000, 1e-8, 0.001, 1e-8, 0, 0, 0, 1, 975393.98402967501067989},
	{MBG, 1000, 1e-8, 1e-8, 1e-8, 0, 0, 0, 52, 2599999249707.8306288554},
	{BG, 1000, 1e-8, 1, 1, 0, 0, 0, 1, 25.905151604502710384800},
	{MBG, 1000, 1e-8, 1e-8, 1, 0, 0, 0, 10000, 999999658835138.56425196},
	{BG, 1000, 1e-8, 0.001, 0.001, 0, 0, 0, 30.0 / 7.0, 208711259783.69925555424},
	{BG, 1000, 1e-8, 0.001, 0.001, 0, 0, 0, 360.0 / 7.0, 2498319307483.0237520260},
	{MBG, 1000, 1e-8, 1, 1, 0, 0, 0, 360.0 / 7.0, 28.845345486897747432199},
	{BG, 1e9, 1e-8, 1, 1, 0, 0, 0, 30, 43.122359626962464864242},
	{BG, 445.3960229111045, 0.010590561140149847, 1e-08, 1e-08, 0, 0, 0, 2723.8958305152187,
	57277992.367741409082419},
	/* near a = 1, with b' = 1e-8: the bracket is formed as C expm1(L)/(1 - a) */
	{BG, 39.10239112617438, 0.11827246604837437, 0.99999, 1e-08, 0, 0, 0, 2.615981027165997,
	1.0000000732604995784106},
	{BG, 745915199.8215352, 0.00022953035106658531, 0.999999999, 1e-08, 0, 0, 0,
	0.4129510452379239, 1.0000002850238759431377},
	{BG, 216.9015986785159, 4.97773649469074e-08, 1.0, 1e-08, 0, 0, 0, 11.987587162313178,
	1.0000002525392965939562},
	/* a customer with purchases */
	{BG, 11.57522590369438, 0.0003521712869043553, 0.001, 1.0, 2, 0.5, 3, 2484.3504070778945,
	0.00061442050998528953631},
	{MBG, 30, 1e-3, 2.5, 3, 4, 30, 40, 1e4, 0.0010021063083053752953},
	/* small r + x: with the τ^-k series (the quadrature was off by up to 2e-7 here) */
	{MBG, 0.001409940814279358, 6.929510454992638e-05, 0.550218631372195, 1000.0, 1, 0, 0,
	445.5130961248295, 99564.087600894771589367},
	{MBG, 0.4438096925028122, 3.9851632055932295e-07, 0.004577708508900871, 166.0837523222741,
	0, 0, 0, 2085.8463817931124, 2156416898.0181879482239},
	{BG, 0.05443770480072302, 4.129698703903029e-07, 0.554437704800723, 1.0, 1, 0, 0,
	4608.906619024534, 54588.432532075967685959},
	{MBG, 0.03151972214283315, 1.8477427485940476e-07, 0.001, 1.0, 1, 0, 0, 3.9264578837082755,
	21574247.639591007258668},
	{MBG, 0.15301238240041773, 1.139257484766839e-08, 0.0006087843879260875,
	0.0005193676641258505, 1, 0, 0, 0.2911789185786722, 29163388.852634020859018},
	/* x = 0 and a + b <= 1: the shared series cancelled among its terms */
	{BG, 200, 1e-8, 0.001, 1e-8, 0, 0, 0, 10, 1949431.3637191341182624},
	{BG, 53.36765395513793, 0.10203496227539348, 0.001, 1e-08, 0, 0, 0, 0.9577514546681459,
	1.0049703855356342862114},
	{BG, 227.38745550692724, 22.796063277680307, 0.001, 0.11983627594774504, 0, 0, 0,
	208.1084394489619, 2044.2553351953681975517},
};

static void
test_long_horizons(void **state)
{
	size_t		i;
	double		worst = 0.0;

	(void) state;
	for (i = 0; i < NELEM(long_cases); i++)
	{
		const long_case *c = &long_cases[i];
		cl_btyd_model m = {c->family, {c->r, c->alpha, c->a, c->b}};
		double		out = NAN;
		cl_status	st;
		char		what[64];

		st = cl_btyd_expected_purchases_steps(&m, c->h, 1, c->x, c->t_x, c->T, &out);
		snprintf(what, sizeof(what), "case %zu", i);
		if (st != CL_OK)
			fail_msg("%s: %s", what, cl_status_text(st));
		assert_rel(out, c->ref, 1e-10, what);
		worst = fmax(worst, fabs(out - c->ref) / c->ref);
	}
	printf("%zu long-horizon references, max relative error %.3g\n", NELEM(long_cases), worst);
}

/*
 * The 12 monthly horizons of a CLV in one call agree with one call per
 * horizon (each horizon takes its own method; the expansion shares its
 * gamma-function terms across them).
 */
static void
test_steps_match_single(void **state)
{
	static const double params[][4] = {
		{1000, 1e-8, 0.001, 0.001}, {1000, 1e-8, 1, 1}, {1e9, 1e-8, 1, 1},
		{1000, 1e-8, 1e-8, 1e-8}, {1, 1e-8, 1, 1e-8}, {30, 1e-3, 2.5, 3}
	};
	size_t		i;
	int			fam,
				j;

	(void) state;
	for (fam = 0; fam < 2; fam++)
		for (i = 0; i < NELEM(params); i++)
		{
			cl_btyd_model m = {fam == 0 ? BG : MBG,
			{params[i][0], params[i][1], params[i][2], params[i][3]}};
			double		steps[12],
						one;
			double		step = 30.0 / 7.0;

			assert_int_equal(cl_btyd_expected_purchases_steps(&m, step, 12, 0, 0, 0, steps), CL_OK);
			for (j = 0; j < 12; j++)
			{
				assert_int_equal(cl_btyd_expected_purchases_steps(&m, step * (j + 1), 1, 0, 0, 0,
																  &one), CL_OK);
				assert_rel(steps[j], one, 1e-13, "steps against one horizon");
				if (j > 0)
					assert_true(steps[j] >= steps[j - 1]);
			}
		}
}

/* ln Γ(y+d) - ln Γ(y) with d given exactly (mpmath references) */
static void
test_lgamma_delta(void **state)
{
	static const double v[][3] = {
		{1e9, -1e-5, -0.00020723265836446407851},
		{1e-8, -5e-9, 0.69314718344602357224},
		{2.5, 1e-12, 7.0315664064548835196e-13},
		{3.0, -1.5, -0.81392941819519053176},
		{1000.0, 0.999, 6.9008470242862384837},
	};
	size_t		i;

	(void) state;
	for (i = 0; i < NELEM(v); i++)
		assert_rel(cl_lgamma_delta(v[i][0], v[i][1]), v[i][2], 1e-13, "cl_lgamma_delta");
	/* at the minimum of Γ the result is far below d: accurate to ~1e-16 d */
	assert_true(fabs(cl_lgamma_delta(1.4616321449683622, 1e-7) - 4.8383610704091237833e-15)
				<= 1e-15 * 1e-7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_horizons),
		cmocka_unit_test(test_steps_match_single),
		cmocka_unit_test(test_lgamma_delta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
