/*
 * test_uncertainty.c — parameter covariance and delta-method intervals:
 * CDNOW standard errors of BG/NBD, MBG/NBD and Gamma-Gamma against
 * published reference values, the Pareto/NBD covariance against a
 * Richardson-extrapolated numerical Hessian, non-identified models, the
 * normal quantile, and the properties of the intervals.
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
#include <cmocka.h>

#include "unit_common.h"

#include "bgnbd.h"
#include "btyd.h"
#include "btyd_fixture.h"
#include "clv.h"
#include "btyd_limits.h"
#include "gamma_gamma.h"
#include "mbgnbd.h"
#include "pareto_nbd.h"
#include "uncertainty.h"

/* ---- CDNOW calibration cells (fitted once per program) -------------------- */

static cl_btyd_cell cd_cells[CDNOW_CUSTOMERS];
static cl_gg_cell cd_gg[CDNOW_CUSTOMERS];
static size_t cd_n;
static int	cd_ncust;

static int
cdnow_cells(void)
{
	static cdnow_customer cust[CDNOW_CUSTOMERS];
	int			i;

	if (cd_ncust > 0)
		return 1;
	cd_ncust = cdnow_load(cust);
	if (cd_ncust == 0)
	{
		printf("SKIP: CDNOW sample not found (set CL_CDNOW_FILE or run from the repository root)\n");
		return 0;
	}
	for (i = 0; i < cd_ncust; i++)
	{
		cd_cells[i] = (cl_btyd_cell) {cust[i].x, cust[i].t_x, cust[i].T, 1.0};
		cd_gg[i] = (cl_gg_cell) {cust[i].x, cust[i].m, 1.0};
	}
	cd_n = cl_btyd_cells_sort_merge(cd_cells, (size_t) cd_ncust);
	return 1;
}

static cl_btyd_model
fit_family(cl_btyd_family fam)
{
	cl_fit_result res;
	cl_status	st;

	st = fam == CL_BTYD_BGNBD ? cl_bgnbd_fit(cd_cells, cd_n, NULL, &res)
		: fam == CL_BTYD_MBGNBD ? cl_mbgnbd_fit(cd_cells, cd_n, NULL, &res)
		: cl_pnbd_fit(cd_cells, cd_n, NULL, &res);
	assert_int_equal(st, CL_OK);
	return (cl_btyd_model) {fam, {res.params[0], res.params[1], res.params[2], res.params[3]}};
}

static void
check_se(cl_btyd_family fam, const char *name, const double want[4])
{
	static const char *pn[4] = {"se[0]", "se[1]", "se[2]", "se[3]"};
	cl_btyd_model m;
	cl_cov_result cv;
	int			i;

	m = fit_family(fam);
	assert_int_equal(cl_btyd_covariance(&m, cd_cells, cd_n, &cv), CL_OK);
	printf("CDNOW %s: se = %.6g %.6g %.6g %.6g\n", name, cv.se[0], cv.se[1],
		   cv.se[2], cv.se[3]);
	assert_int_equal(cv.nparams, 4);
	assert_int_equal(cv.unidentified, 0);
	for (i = 0; i < 4; i++)
	{
		assert_rel(cv.se[i], want[i], 1e-3, pn[i]);
		assert_rel(cv.cov[CL_COV_IDX(i, i)], cv.se[i] * cv.se[i], 1e-14, "cov diag");
	}
}

static void
test_cdnow_bgnbd(void **state)
{
	static const double want[4] = {0.0125574, 0.378224, 0.185734, 0.705414};

	(void) state;
	if (!cdnow_cells())
		skip();
	check_se(CL_BTYD_BGNBD, "BG/NBD", want);
}

static void
test_cdnow_mbgnbd(void **state)
{
	static const double want[4] = {0.0832681, 0.695620, 0.154790, 0.537495};

	(void) state;
	if (!cdnow_cells())
		skip();
	check_se(CL_BTYD_MBGNBD, "MBG/NBD", want);
}

static void
test_cdnow_gamma_gamma(void **state)
{
	static const double want[3] = {1.19006, 0.290133, 4.15942};
	cl_fit_result res;
	cl_cov_result cv;
	cl_gg_params p;
	int			i,
				j;

	(void) state;
	if (!cdnow_cells())
		skip();
	assert_int_equal(cl_gg_fit(cd_gg, (size_t) cd_ncust, NULL, &res), CL_OK);
	p = (cl_gg_params) {res.params[0], res.params[1], res.params[2]};
	assert_int_equal(cl_gg_covariance(&p, cd_gg, (size_t) cd_ncust, &cv), CL_OK);
	printf("CDNOW Gamma-Gamma: se = %.6g %.6g %.6g\n", cv.se[0], cv.se[1], cv.se[2]);
	assert_int_equal(cv.nparams, 3);
	for (i = 0; i < 3; i++)
		assert_rel(cv.se[i], want[i], 1e-3, "gamma-gamma se");
	/* a covariance: every correlation inside (-1, 1) */
	for (i = 0; i < 3; i++)
		for (j = 0; j < i; j++)
			assert_true(fabs(cv.cov[CL_COV_IDX(i, j)]) < cv.se[i] * cv.se[j]);
}

/*
 * The analytic Hessian against a numerical one: central differences of the
 * analytic gradient in ln θ at steps h, h/2, h/4, extrapolated twice
 * (error O(h^6)); the two standard-error vectors agree to 1e-7.
 */
static void
numeric_log_hessian(const cl_btyd_model *m, double *g, double *h)
{
	const cl_pnbd_params p0 = {m->p[0], m->p[1], m->p[2], m->p[3]};
	double		ll;
	int			i,
				j,
				s;

	assert_int_equal(cl_pnbd_loglik_total(&p0, cd_cells, cd_n, &ll, g, NULL), CL_OK);
	for (j = 0; j < 4; j++)
	{
		double		d[3][4];

		for (s = 0; s < 3; s++)
		{
			double		step = ldexp(1e-2, -s),
						gp[4],
						gm[4],
						th[4];

			memcpy(th, m->p, sizeof(th));
			th[j] = m->p[j] * exp(step);
			assert_int_equal(cl_pnbd_loglik_total(&(cl_pnbd_params) {th[0], th[1], th[2], th[3]},
												  cd_cells, cd_n, &ll, gp, NULL), CL_OK);
			th[j] = m->p[j] * exp(-step);
			assert_int_equal(cl_pnbd_loglik_total(&(cl_pnbd_params) {th[0], th[1], th[2], th[3]},
												  cd_cells, cd_n, &ll, gm, NULL), CL_OK);
			for (i = 0; i < 4; i++)
				d[s][i] = (gp[i] - gm[i]) / (2.0 * step);
		}
		for (i = 0; i < 4; i++)
		{
			double		r1a = (4.0 * d[1][i] - d[0][i]) / 3.0,
						r1b = (4.0 * d[2][i] - d[1][i]) / 3.0;

			h[i * 4 + j] = (16.0 * r1b - r1a) / 15.0;
		}
	}
}

static void
test_cdnow_pareto_numeric(void **state)
{
	cl_btyd_model m;
	cl_cov_result cv,
				cvn;
	double		g[4],
				h[16];
	int			i,
				j;

	(void) state;
	if (!cdnow_cells())
		skip();
	m = fit_family(CL_BTYD_PARETO_NBD);
	assert_int_equal(cl_btyd_covariance(&m, cd_cells, cd_n, &cv), CL_OK);
	numeric_log_hessian(&m, g, h);
	assert_int_equal(cl_cov_from_log_hessian(4, m.p, g, h, &cvn), CL_OK);
	printf("CDNOW Pareto/NBD: r = %.6g alpha = %.6g s = %.6g beta = %.6g\n"
		   "  se = %.6g %.6g %.6g %.6g (numerical Hessian: %.6g %.6g %.6g %.6g)\n",
		   m.p[0], m.p[1], m.p[2], m.p[3], cv.se[0], cv.se[1], cv.se[2], cv.se[3],
		   cvn.se[0], cvn.se[1], cvn.se[2], cvn.se[3]);
	for (i = 0; i < 4; i++)
	{
		assert_rel(cv.se[i], cvn.se[i], 1e-7, "pareto se vs numeric");
		for (j = 0; j <= i; j++)
			assert_true(fabs(cv.cov[CL_COV_IDX(i, j)] - cvn.cov[CL_COV_IDX(i, j)])
						<= 1e-7 * cv.se[i] * cv.se[j]);
	}
}

/* ---- covariance algebra --------------------------------------------------- */

static void
test_cov_algebra(void **state)
{
	/* LL = -(1/2) (u - u0)' A (u - u0) in u = ln θ at u = u0: Cov_u = A⁻¹ */
	const double theta[2] = {2.0, 0.5};
	const double g[2] = {0.0, 0.0};
	const double h[4] = {-4.0, -1.0, -1.0, -2.0};
	cl_cov_result cv;
	double		det = 4.0 * 2.0 - 1.0;

	(void) state;
	assert_int_equal(cl_cov_from_log_hessian(2, theta, g, h, &cv), CL_OK);
	/* Cov_θ = diag(θ) A⁻¹ diag(θ) */
	assert_rel(cv.cov[CL_COV_IDX(0, 0)], 2.0 / det * 4.0, 1e-14, "c00");
	assert_rel(cv.cov[CL_COV_IDX(1, 0)], -1.0 / det * 1.0, 1e-14, "c10");
	assert_rel(cv.cov[CL_COV_IDX(0, 1)], -1.0 / det * 1.0, 1e-14, "c01");
	assert_rel(cv.cov[CL_COV_IDX(1, 1)], 4.0 / det * 0.25, 1e-14, "c11");
	assert_rel(cv.se[0], sqrt(8.0 / det), 1e-14, "se0");

	/* the gradient term: ∂²LL/∂θ² = (H - g)/θ² */
	{
		const double g1[1] = {3.0},
					h1[1] = {-1.0},
					t1[1] = {2.0};

		assert_int_equal(cl_cov_from_log_hessian(1, t1, g1, h1, &cv), CL_OK);
		assert_rel(cv.se[0], sqrt(4.0 / 4.0), 1e-15, "gradient term");
	}
}

static void
test_cov_not_identified(void **state)
{
	const double theta[3] = {1.0, 1.0, 1.0};
	const double g[3] = {0.0, 0.0, 0.0};
	/* parameters 1 and 2 enter only through their sum: a null direction */
	const double h[9] = {-2.0, 0.5, 0.5,
		0.5, -1.0, -1.0,
	0.5, -1.0, -1.0};
	const double h_flat[9] = {-2.0, 0.0, 0.0,
		0.0, 0.0, 0.0,
	0.0, 0.0, -3.0};
	const double h_indef[4] = {-1.0, 2.0, 2.0, -1.0};
	cl_cov_result cv;
	int			i;

	(void) state;
	assert_int_equal(cl_cov_from_log_hessian(3, theta, g, h, &cv), CL_EDEGENERATE);
	assert_int_equal(cv.unidentified, 0x6);
	for (i = 0; i < 3; i++)
		assert_true(isnan(cv.se[i]) && !isinf(cv.se[i]));

	/* a flat direction of one parameter */
	assert_int_equal(cl_cov_from_log_hessian(3, theta, g, h_flat, &cv), CL_EDEGENERATE);
	assert_int_equal(cv.unidentified, 0x2);

	/* a saddle: indefinite, both parameters named */
	assert_int_equal(cl_cov_from_log_hessian(2, theta, g, h_indef, &cv), CL_EDEGENERATE);
	assert_int_equal(cv.unidentified, 0x3);

	/* bad input */
	assert_int_equal(cl_cov_from_log_hessian(5, theta, g, h, &cv), CL_EINVAL);
	assert_int_equal(cl_cov_from_log_hessian(1, (double[]) {-1.0}, g, h, &cv), CL_EINVAL);
	assert_int_equal(cl_cov_from_log_hessian(1, (double[]) {NAN}, g, h, &cv), CL_ENOTFINITE);
}

static void
test_cov_limit_models(void **state)
{
	cl_btyd_cell c[2] = {{2, 10, 20, 1}, {0, 0, 15, 3}};
	cl_btyd_model poisson = {CL_BTYD_BGNBD | (CL_LIMIT_HOMOGENEOUS_RATE | CL_LIMIT_NO_DROPOUT) << CL_LIMIT_SHIFT, {0.1}};
	cl_btyd_model nbd = {CL_BTYD_PARETO_NBD | CL_LIMIT_NO_DROPOUT << CL_LIMIT_SHIFT, {0.5, 4.0}};
	cl_btyd_model hr = {CL_BTYD_MBGNBD | CL_LIMIT_HOMOGENEOUS_RATE << CL_LIMIT_SHIFT, {0.1, 1.0, 2.0}};
	cl_btyd_model bad = {7, {1, 1, 1, 1}};
	cl_cov_result cv;

	(void) state;
	assert_int_equal(cl_btyd_covariance(&poisson, c, 2, &cv), CL_EDEGENERATE);
	assert_int_equal(cv.unidentified, 0xf);
	assert_true(isnan(cv.se[0]) && isnan(cv.cov[0]));
	assert_int_equal(cl_btyd_covariance(&nbd, c, 2, &cv), CL_EDEGENERATE);
	assert_int_equal(cv.unidentified, 0xc);
	assert_int_equal(cl_btyd_covariance(&hr, c, 2, &cv), CL_EDEGENERATE);
	assert_int_equal(cv.unidentified, 0x3);
	assert_int_equal(cl_btyd_covariance(&bad, c, 2, &cv), CL_EINVAL);

	/* Gamma-Gamma limits */
	{
		cl_gg_cell g[2] = {{2, 30, 1}, {3, 45, 2}};
		cl_gg_params hs = {6.0, INFINITY, 40.0},
					cspc = {INFINITY, 3.0, 80.0},
					cs = {INFINITY, INFINITY, 40.0};

		assert_int_equal(cl_gg_covariance(&hs, g, 2, &cv), CL_EDEGENERATE);
		assert_int_equal(cv.unidentified, 0x6);
		assert_int_equal(cv.nparams, 3);
		assert_int_equal(cl_gg_covariance(&cspc, g, 2, &cv), CL_EDEGENERATE);
		assert_int_equal(cv.unidentified, 0x5);
		assert_int_equal(cl_gg_covariance(&cs, g, 2, &cv), CL_EDEGENERATE);
		assert_int_equal(cv.unidentified, 0x7);
		assert_true(isnan(cv.se[0]) && isnan(cv.cov[5]));
		cs.v = NAN;
		assert_int_equal(cl_gg_covariance(&cs, g, 2, &cv), CL_ENOTFINITE);
	}
}

/*
 * Data without a repeat purchase say nothing about BG/NBD's dropout: a and
 * b do not enter the likelihood of x = 0, so their information is zero.
 */
static void
test_cov_no_repeat_buyers(void **state)
{
	cl_btyd_cell c[3] = {{0, 0, 20, 5}, {0, 0, 30, 7}, {0, 0, 52, 2}};
	cl_btyd_model bg = {CL_BTYD_BGNBD, {0.5, 10.0, 1.0, 3.0}};
	cl_cov_result cv;

	(void) state;
	assert_int_equal(cl_btyd_covariance(&bg, c, 3, &cv), CL_EDEGENERATE);
	assert_true((cv.unidentified & 0xc) == 0xc);
	assert_true(isnan(cv.se[2]) && isnan(cv.se[3]));
}

/* ---- delta method -------------------------------------------------------- */

static void
test_normal_quantile(void **state)
{
	(void) state;
	assert_rel(cl_normal_quantile(0.975), 1.959963984540054, 1e-14, "z 0.975");
	assert_rel(cl_normal_quantile(0.95), 1.6448536269514722, 1e-14, "z 0.95");
	assert_rel(cl_normal_quantile(0.995), 2.5758293035489004, 1e-14, "z 0.995");
	assert_rel(cl_normal_quantile(1e-10), -6.361340902404056, 1e-13, "z 1e-10");
	/* the upper tail keeps its accuracy: 1 - 2^-40 is exact, as is its complement */
	assert_rel(cl_normal_quantile(1.0 - 0x1p-40), -cl_normal_quantile(0x1p-40), 1e-13, "upper tail");
	assert_true(cl_normal_quantile(0.5) == 0.0 || fabs(cl_normal_quantile(0.5)) < 1e-16);
	assert_rel(cl_normal_quantile(0.3), -cl_normal_quantile(0.7), 1e-14, "symmetry");
}

static cl_status
square_score(void *ctx, const double *th, double *out)
{
	(void) ctx;
	*out = th[0] * th[0] * th[1] + log(th[1]);
	return CL_OK;
}

static void
test_score_gradient(void **state)
{
	const double th[2] = {1.5, 0.7};
	double		g[2];

	(void) state;
	assert_int_equal(cl_score_gradient(square_score, NULL, 2, th, g), CL_OK);
	assert_rel(g[0], 2.0 * 1.5 * 0.7, 1e-10, "d/dth0");
	assert_rel(g[1], 1.5 * 1.5 + 1.0 / 0.7, 1e-10, "d/dth1");
}

/*
 * The numerical gradient of a real score against its analytic form: BG/NBD
 * P(alive) = σ(-D), D = ln a - ln(b+x-1) + (r+x) ln((α+T)/(α+t_x)), so
 * ∂P/∂θ = -P (1-P) ∂D/∂θ.
 */
typedef struct pa_ctx
{
	double		x,
				t_x,
				T;
} pa_ctx;

static cl_status
pa_score(void *vctx, const double *th, double *out)
{
	const pa_ctx *c = vctx;
	cl_btyd_model m = {CL_BTYD_BGNBD, {th[0], th[1], th[2], th[3]}};

	return cl_btyd_p_alive(&m, c->x, c->t_x, c->T, out);
}

static void
test_score_gradient_p_alive(void **state)
{
	static const double cust[][3] = {{2, 30.43, 38.86}, {6, 20, 40}, {1, 1, 60}, {15, 36, 37}};
	const double *th = (const double[]) {0.2425945, 4.4136027, 0.7929218, 2.4259057};
	size_t		i;
	int			j;

	(void) state;
	for (i = 0; i < NELEM(cust); i++)
	{
		pa_ctx		c = {cust[i][0], cust[i][1], cust[i][2]};
		double		r = th[0],
					al = th[1],
					a = th[2],
					b = th[3],
					pa,
					g[4],
					dD[4],
					want;

		assert_int_equal(pa_score(&c, th, &pa), CL_OK);
		dD[0] = log((al + c.T) / (al + c.t_x));
		dD[1] = (r + c.x) * (1.0 / (al + c.T) - 1.0 / (al + c.t_x));
		dD[2] = 1.0 / a;
		dD[3] = -1.0 / (b + c.x - 1.0);
		assert_int_equal(cl_score_gradient(pa_score, &c, 4, th, g), CL_OK);
		for (j = 0; j < 4; j++)
		{
			want = -pa * (1.0 - pa) * dD[j];
			if (!(fabs(g[j] - want) <= 1e-10 * fabs(want) + 1e-15))
				fail_msg("customer %zu parameter %d: numerical %.17g analytic %.17g", i, j, g[j], want);
		}
	}
}

/* a covariance of CDNOW-like size for the interval tests */
static const cl_btyd_model bg_cdnow = {CL_BTYD_BGNBD, {0.2425945, 4.4136027, 0.7929218, 2.4259057}};

static void
bg_cov(double scale, double cov[CL_COV_PACKED])
{
	/* CDNOW BG/NBD se on the diagonal, a positive r-alpha correlation */
	static const double se[4] = {0.0125574, 0.378224, 0.185734, 0.705414};
	int			i,
				j;

	for (i = 0; i < 4; i++)
		for (j = 0; j <= i; j++)
			cov[CL_COV_IDX(i, j)] = scale * se[i] * se[j]
				* (i == j ? 1.0 : (i == 1 && j == 0) ? 0.8 : (i == 3 && j == 2) ? 0.9 : 0.0);
}

static void
check_interval(const double out[3], int probability)
{
	assert_true(out[1] >= 0.0);
	assert_true(out[1] <= out[0] && out[0] <= out[2]);
	if (probability)
		assert_true(out[2] <= 1.0);
}

static void
test_intervals(void **state)
{
	static const double cust[][3] = {{0, 0, 38}, {2, 30.43, 38.86}, {6, 20, 40},
	{15, 36, 37}, {1, 1, 60}};
	static const double levels[] = {0.5, 0.8, 0.9, 0.95, 0.99, 0.999};
	double		cov[CL_COV_PACKED];
	size_t		i,
				l;

	(void) state;
	bg_cov(1.0, cov);
	for (i = 0; i < NELEM(cust); i++)
	{
		double		x = cust[i][0],
					t_x = cust[i][1],
					T = cust[i][2];
		double		pa[3],
					ep[3],
					prev_pa[3] = {0, 0, 0},
					prev_ep[3] = {0, 0, 0},
					pa_small[3],
					ep_small[3],
					pa_est,
					ep_est;

		assert_int_equal(cl_btyd_p_alive(&bg_cdnow, x, t_x, T, &pa_est), CL_OK);
		assert_int_equal(cl_btyd_expected_purchases_steps(&bg_cdnow, 39.0, 1, x, t_x, T, &ep_est), CL_OK);
		for (l = 0; l < NELEM(levels); l++)
		{
			assert_int_equal(cl_p_alive_interval(&bg_cdnow, cov, x, t_x, T, levels[l], pa), CL_OK);
			assert_int_equal(cl_expected_purchases_interval(&bg_cdnow, cov, 39.0, x, t_x, T, levels[l], ep), CL_OK);
			assert_true(pa[0] == pa_est && ep[0] == ep_est);
			check_interval(pa, 1);
			check_interval(ep, 0);
			if (l > 0)
			{
				/* a higher level gives a wider interval that contains the narrower one */
				assert_true(pa[1] <= prev_pa[1] && pa[2] >= prev_pa[2]);
				assert_true(ep[1] <= prev_ep[1] && ep[2] >= prev_ep[2]);
			}
			memcpy(prev_pa, pa, sizeof(pa));
			memcpy(prev_ep, ep, sizeof(ep));
		}
		/* a quarter of the covariance (four times the data): about half the width */
		{
			double		cov4[CL_COV_PACKED];

			bg_cov(0.25, cov4);
			assert_int_equal(cl_p_alive_interval(&bg_cdnow, cov4, x, t_x, T, 0.999, pa_small), CL_OK);
			assert_int_equal(cl_expected_purchases_interval(&bg_cdnow, cov4, 39.0, x, t_x, T, 0.999, ep_small), CL_OK);
			check_interval(pa_small, 1);
			assert_true(pa_small[2] - pa_small[1] < pa[2] - pa[1] || pa[2] == pa[1]);
			assert_true(ep_small[2] - ep_small[1] < ep[2] - ep[1]);
			/* on the log scale the width in ln is exactly halved */
			assert_rel(log(ep_small[2] / ep_small[1]), 0.5 * log(ep[2] / ep[1]), 1e-12, "log width");
		}
		printf("x=%g t_x=%g T=%g: P(alive) %.4f [%.4f, %.4f], E[Y(39)] %.4f [%.4f, %.4f] (99.9%%)\n",
			   x, t_x, T, pa[0], pa[1], pa[2], ep[0], ep[1], ep[2]);
	}

	/* a zero covariance gives the point */
	{
		double		zero[CL_COV_PACKED] = {0},
					out[3];

		assert_int_equal(cl_p_alive_interval(&bg_cdnow, zero, 2, 30, 38, 0.95, out), CL_OK);
		assert_true(out[0] == out[1] && out[1] == out[2]);
	}
}

/* the other two purchase models, with their CDNOW standard errors */
static void
test_intervals_other_models(void **state)
{
	static const cl_btyd_model ms[2] = {
		{CL_BTYD_MBGNBD, {0.5248432, 6.183085, 0.8913594, 1.614002}},
		{CL_BTYD_PARETO_NBD, {0.5532771, 10.57768, 0.6062399, 11.66873}},
	};
	static const double se[2][4] = {{0.0832682, 0.695621, 0.15479, 0.537495},
	{0.0476279, 0.842723, 0.187281, 6.21111}};
	int			mi,
				i;

	(void) state;
	for (mi = 0; mi < 2; mi++)
	{
		double		cov[CL_COV_PACKED] = {0},
					a90[3],
					a99[3],
					e90[3],
					e99[3];

		for (i = 0; i < 4; i++)
			cov[CL_COV_IDX(i, i)] = se[mi][i] * se[mi][i];
		assert_int_equal(cl_p_alive_interval(&ms[mi], cov, 2, 30.43, 38.86, 0.90, a90), CL_OK);
		assert_int_equal(cl_p_alive_interval(&ms[mi], cov, 2, 30.43, 38.86, 0.99, a99), CL_OK);
		assert_int_equal(cl_expected_purchases_interval(&ms[mi], cov, 39.0, 2, 30.43, 38.86, 0.90, e90), CL_OK);
		assert_int_equal(cl_expected_purchases_interval(&ms[mi], cov, 39.0, 2, 30.43, 38.86, 0.99, e99), CL_OK);
		check_interval(a90, 1);
		check_interval(a99, 1);
		check_interval(e90, 0);
		check_interval(e99, 0);
		assert_true(a99[1] < a90[1] && a99[2] > a90[2]);
		assert_true(e99[1] < e90[1] && e99[2] > e90[2]);
	}
}

static void
test_interval_edges(void **state)
{
	double		out[3],
				g[1] = {1.0},
				c[1] = {0.04},
				cn[1] = {NAN},
				cov[CL_COV_PACKED];

	(void) state;
	/* a probability near 1 stays below 1, near 0 stays above 0 */
	assert_int_equal(cl_delta_interval(0.999999, 1, g, (double[]) {1e-14}, CL_SCALE_LOGIT, 0.99, out), CL_OK);
	check_interval(out, 1);
	assert_true(out[2] < 1.0);
	assert_int_equal(cl_delta_interval(1e-9, 1, g, (double[]) {1e-18}, CL_SCALE_LOGIT, 0.99, out), CL_OK);
	check_interval(out, 1);
	assert_true(out[1] > 0.0);
	/* the edges themselves */
	assert_int_equal(cl_delta_interval(1.0, 1, g, c, CL_SCALE_LOGIT, 0.95, out), CL_OK);
	assert_true(out[1] == 1.0 && out[2] == 1.0);
	assert_int_equal(cl_delta_interval(0.0, 1, g, c, CL_SCALE_LOG, 0.95, out), CL_OK);
	assert_true(out[1] == 0.0 && out[2] == 0.0);
	/* log scale: [g e^-w, g e^w] */
	assert_int_equal(cl_delta_interval(2.0, 1, g, c, CL_SCALE_LOG, 0.95, out), CL_OK);
	assert_rel(out[2], 2.0 * exp(1.959963984540054 * 0.2 / 2.0), 1e-13, "log upper");
	assert_rel(out[1] * out[2], 4.0, 1e-14, "log symmetric");
	/* bad arguments */
	assert_int_equal(cl_delta_interval(0.5, 1, g, c, CL_SCALE_LOGIT, 1.0, out), CL_EINVAL);
	assert_int_equal(cl_delta_interval(0.5, 1, g, c, CL_SCALE_LOGIT, 0.0, out), CL_EINVAL);
	assert_int_equal(cl_delta_interval(1.5, 1, g, c, CL_SCALE_LOGIT, 0.9, out), CL_EINVAL);
	assert_int_equal(cl_delta_interval(-1.0, 1, g, c, CL_SCALE_LOG, 0.9, out), CL_EINVAL);
	assert_int_equal(cl_delta_interval(0.5, 1, g, c, CL_SCALE_LOG, NAN, out), CL_ENOTFINITE);
	assert_int_equal(cl_delta_interval(0.5, 1, g, cn, CL_SCALE_LOG, 0.9, out), CL_EDEGENERATE);
	/* a limit model has no covariance */
	bg_cov(1.0, cov);
	{
		cl_btyd_model lim = {CL_BTYD_BGNBD | CL_LIMIT_NO_DROPOUT << CL_LIMIT_SHIFT, {0.5, 4.0}};

		assert_int_equal(cl_p_alive_interval(&lim, cov, 2, 30, 38, 0.9, out), CL_EINVAL);
	}
}

static void
test_clv_interval(void **state)
{
	const cl_gg_params gg = {6.24957, 3.74422, 15.44352};
	double		cov[CL_COV_PACKED],
				cov_gg[CL_COV_PACKED] = {0},
				out[3],
				out_m[3],
				prev[3] = {0, 0, 0};
	static const double levels[] = {0.5, 0.9, 0.95, 0.99};
	size_t		l;

	(void) state;
	bg_cov(1.0, cov);
	cov_gg[CL_COV_IDX(0, 0)] = 1.19006 * 1.19006;
	cov_gg[CL_COV_IDX(1, 1)] = 0.290133 * 0.290133;
	cov_gg[CL_COV_IDX(2, 2)] = 4.15942 * 4.15942;
	cov_gg[CL_COV_IDX(2, 0)] = 0.5 * 1.19006 * 4.15942;
	for (l = 0; l < NELEM(levels); l++)
	{
		assert_int_equal(cl_clv_interval(&bg_cdnow, cov, &gg, cov_gg, 2, 30.43, 38.86, 35.0,
										 12, 0.01, 4.345, levels[l], out), CL_OK);
		check_interval(out, 0);
		assert_true(out[1] <= prev[1] || l == 0);
		assert_true(out[2] >= prev[2]);
		memcpy(prev, out, sizeof(out));
	}
	printf("CLV 12 months: %.3f [%.3f, %.3f] (99%%)\n", out[0], out[1], out[2]);
	/* the spend model's uncertainty adds to the purchase model's */
	{
		double		zero[CL_COV_PACKED] = {0};

		assert_int_equal(cl_clv_interval(&bg_cdnow, cov, &gg, zero, 2, 30.43, 38.86, 35.0,
										 12, 0.01, 4.345, 0.99, out_m), CL_OK);
		assert_true(out_m[2] - out_m[1] < out[2] - out[1]);
	}
}

/*
 * The intervals take a one-step central-difference gradient of the purchase
 * model's scores and the closed-form Gamma-Gamma part of the CLV gradient;
 * both must give the variance that the extrapolated cl_score_gradient gives
 * (a customer the spend model describes, a one-time buyer, and one whose
 * spend nets to nothing: the last two use the population mean spend).
 */
typedef struct ref_ctx
{
	const cl_btyd_model *m;
	const cl_gg_params *gg;
	double		x,
				t_x,
				T,
				mval;
	int			part;			/* 0: purchase-model parameters, 1: Gamma-Gamma, 2: P(alive), 3: E[Y(39)] */
} ref_ctx;

static cl_status
ref_score(void *v, const double *th, double *out)
{
	ref_ctx    *c = v;
	cl_btyd_model m = *c->m;
	cl_gg_params gg = *c->gg;

	if (c->part == 1)
		gg = (cl_gg_params) {th[0], th[1], th[2]};
	else
		memcpy(m.p, th, sizeof(m.p));
	if (c->part == 2)
		return cl_btyd_p_alive(&m, c->x, c->t_x, c->T, out);
	if (c->part == 3)
		return cl_btyd_expected_purchases_steps(&m, 39.0, 1, c->x, c->t_x, c->T, out);
	return cl_clv_customer(&m, &gg, c->x, c->t_x, c->T, c->mval, 12, 0.01, 4.345, out);
}

static void
test_interval_gradients(void **state)
{
	const cl_gg_params gg = {6.24957, 3.74422, 15.44352};
	static const double cust[][4] = {{2, 30.43, 38.86, 35.0}, {0, 0, 38.86, 0.0},
	{3, 20.0, 32.0, -5.0}, {14, 37.0, 38.0, 120.0}};
	double		cov[CL_COV_PACKED],
				cov_gg[CL_COV_PACKED] = {0};
	size_t		i;

	(void) state;
	bg_cov(1.0, cov);
	cov_gg[CL_COV_IDX(0, 0)] = 1.19006 * 1.19006;
	cov_gg[CL_COV_IDX(1, 1)] = 0.290133 * 0.290133;
	cov_gg[CL_COV_IDX(2, 2)] = 4.15942 * 4.15942;
	cov_gg[CL_COV_IDX(2, 0)] = 0.5 * 1.19006 * 4.15942;
	for (i = 0; i < NELEM(cust); i++)
	{
		ref_ctx		c = {&bg_cdnow, &gg, cust[i][0], cust[i][1], cust[i][2], cust[i][3], 0};
		double		ggt[3] = {gg.p, gg.q, gg.v},
					gm[4],
					gs[3],
					var = 0.0,
					est,
					out[3],
					want;
		int			a,
					b,
					part;

		assert_int_equal(cl_score_gradient(ref_score, &c, 4, bg_cdnow.p, gm), CL_OK);
		c.part = 1;
		assert_int_equal(cl_score_gradient(ref_score, &c, 3, ggt, gs), CL_OK);
		for (a = 0; a < 4; a++)
			for (b = 0; b < 4; b++)
				var += gm[a] * cov[CL_COV_IDX(a, b)] * gm[b];
		for (a = 0; a < 3; a++)
			for (b = 0; b < 3; b++)
				var += gs[a] * cov_gg[CL_COV_IDX(a, b)] * gs[b];
		c.part = 0;
		assert_int_equal(ref_score(&c, bg_cdnow.p, &est), CL_OK);
		assert_int_equal(cl_clv_interval(&bg_cdnow, cov, &gg, cov_gg, c.x, c.t_x, c.T, c.mval,
										 12, 0.01, 4.345, 0.9, out), CL_OK);
		/* log scale: ln(upper/estimate) = z se / estimate */
		want = 1.6448536269514722 * sqrt(var) / est;
		assert_rel(log(out[2] / out[0]), want, 1e-5, "clv interval vs extrapolated gradient");

		for (part = 2; part <= 3; part++)
		{
			c.part = part;
			assert_int_equal(cl_score_gradient(ref_score, &c, 4, bg_cdnow.p, gm), CL_OK);
			assert_int_equal(ref_score(&c, bg_cdnow.p, &est), CL_OK);
			var = 0.0;
			for (a = 0; a < 4; a++)
				for (b = 0; b < 4; b++)
					var += gm[a] * cov[CL_COV_IDX(a, b)] * gm[b];
			if (part == 2)
			{
				if (est >= 1.0)
					continue;	/* BG/NBD one-time buyer: P(alive) = 1 */
				assert_int_equal(cl_p_alive_interval(&bg_cdnow, cov, c.x, c.t_x, c.T, 0.9, out), CL_OK);
				want = 1.6448536269514722 * sqrt(var) / (est * (1.0 - est));
				assert_rel(log(out[2] / (1.0 - out[2])) - log(est / (1.0 - est)), want, 1e-5,
						   "p_alive interval vs extrapolated gradient");
			}
			else
			{
				assert_int_equal(cl_expected_purchases_interval(&bg_cdnow, cov, 39.0, c.x, c.t_x, c.T,
																0.9, out), CL_OK);
				want = 1.6448536269514722 * sqrt(var) / est;
				assert_rel(log(out[2] / out[0]), want, 1e-5, "expected interval vs extrapolated gradient");
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdnow_bgnbd),
		cmocka_unit_test(test_interval_gradients),
		cmocka_unit_test(test_cdnow_mbgnbd),
		cmocka_unit_test(test_cdnow_gamma_gamma),
		cmocka_unit_test(test_cdnow_pareto_numeric),
		cmocka_unit_test(test_cov_algebra),
		cmocka_unit_test(test_cov_not_identified),
		cmocka_unit_test(test_cov_limit_models),
		cmocka_unit_test(test_cov_no_repeat_buyers),
		cmocka_unit_test(test_normal_quantile),
		cmocka_unit_test(test_score_gradient),
		cmocka_unit_test(test_score_gradient_p_alive),
		cmocka_unit_test(test_intervals),
		cmocka_unit_test(test_intervals_other_models),
		cmocka_unit_test(test_interval_edges),
		cmocka_unit_test(test_clv_interval),
	};

	return cmocka_run_group_tests_name("uncertainty", tests, NULL, NULL);
}
