/*
 * coverage.c — how well the uncertainty of the math core is calibrated
 * (driver of bench/coverage.sh).
 *
 *   coverage study FAMILY N REPS EVAL SEED [BOOT]
 *       Simulate REPS shops of N customers from known parameters (FAMILY
 *       bgnbd or pareto_nbd with CDNOW-like parameters in weeks, ages
 *       spread like CDNOW's, Gamma-Gamma spend), fit the purchase model and
 *       Gamma-Gamma, and for EVAL customers of each shop (the first EVAL;
 *       all when N <= EVAL) compute the delta-method intervals of P(alive),
 *       expected purchases in 39 weeks and 12-month CLV at 80/90/95%; count
 *       how often each covers the customer's true conditional expectation
 *       (the score at the true parameters).  One Markdown table row per
 *       score and level: mean coverage over the shops, its standard error
 *       across shops, and the same for the log-scale interval of P(alive).
 *       With BOOT > 0 also the parametric percentile bootstrap: BOOT shops
 *       simulated from each shop's fitted parameters (same ages), refitted,
 *       and the evaluated customers' scores at the refits.
 *   coverage cdnow
 *       BG/NBD fitted on CDNOW's calibration period; for each customer the
 *       central 80% and 90% prediction intervals of the number of purchase
 *       days in the 39-week holdout, and the share of customers whose
 *       actual count falls inside; predicted vs observed counts k = 0..7+
 *       and the non-randomised PIT histogram (10 bins).
 *   coverage speed N
 *       CDNOW-fitted BG/NBD and Gamma-Gamma, the CDNOW customers repeated
 *       to N: time of the three point scores vs the three intervals.
 *
 * Deterministic: the seeds are arguments, the rest is arithmetic.
 */
#define _GNU_SOURCE 1
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgnbd.h"
#include "btyd.h"
#include "btyd_model.h"
#include "btyd_sim.h"
#include "clv.h"
#include "count_dist.h"
#include "gamma_gamma.h"
#include "pareto_nbd.h"
#include "rng.h"
#include "uncertainty.h"

#include "../test/unit/btyd_fixture.h"

#define HORIZON 39.0			/* weeks */
#define MONTHS 12
#define DISCOUNT 0.01
#define PPM 4.348				/* weeks per month: 365.25 / 7 / 12 */
#define NLEVEL 3

static const double levels[NLEVEL] = {0.80, 0.90, 0.95};

/* CDNOW's published fits (weeks) */
static const cl_btyd_model true_bg = {CL_BTYD_BGNBD, {0.243, 4.414, 0.793, 2.426}};
static const cl_btyd_model true_pn = {CL_BTYD_PARETO_NBD, {0.553, 10.578, 0.606, 11.669}};
static const cl_gg_params true_gg = {6.25, 3.74, 15.44};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
die(const char *what, cl_status st)
{
	fprintf(stderr, "coverage: %s: status %d\n", what, (int) st);
	exit(1);
}

typedef struct customer
{
	double		x,
				t_x,
				T,
				m;
} customer;

/* ---- the scores as functions of the parameters (as uncertainty.c has them) */

typedef struct sctx
{
	cl_btyd_family fam;
	const customer *c;
	const cl_btyd_model *model;
	const cl_gg_params *gg;
} sctx;

static cl_status
f_alive(void *v, const double *th, double *out)
{
	sctx	   *s = v;
	cl_btyd_model m = {s->fam, {th[0], th[1], th[2], th[3]}};

	return cl_btyd_p_alive(&m, s->c->x, s->c->t_x, s->c->T, out);
}

static cl_status
f_exp(void *v, const double *th, double *out)
{
	sctx	   *s = v;
	cl_btyd_model m = {s->fam, {th[0], th[1], th[2], th[3]}};

	return cl_btyd_expected_purchases_steps(&m, HORIZON, 1, s->c->x, s->c->t_x,
											s->c->T, out);
}

static cl_status
f_clv_m(void *v, const double *th, double *out)
{
	sctx	   *s = v;
	cl_btyd_model m = {s->fam, {th[0], th[1], th[2], th[3]}};

	return cl_clv_customer(&m, s->gg, s->c->x, s->c->t_x, s->c->T, s->c->m,
						   MONTHS, DISCOUNT, PPM, out);
}

static cl_status
f_clv_gg(void *v, const double *th, double *out)
{
	sctx	   *s = v;
	cl_gg_params gg = {th[0], th[1], th[2]};

	return cl_clv_customer(s->model, &gg, s->c->x, s->c->t_x, s->c->T, s->c->m,
						   MONTHS, DISCOUNT, PPM, out);
}

static double
quad_form(int k, const double *g, const double *cov)
{
	double		v = 0.0;
	int			i,
				j;

	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++)
			v += g[i] * cov[CL_COV_IDX(i, j)] * g[j];
	return v;
}

/* ---- study --------------------------------------------------------------- */

enum
{
	S_ALIVE, S_ALIVE_LOG, S_EXP, S_CLV, B_ALIVE, B_EXP, B_CLV, NSCORE
};
static const char *const score_names[NSCORE] = {
	"P(alive), logit scale", "P(alive), log scale", "expected purchases, 39 weeks",
	"CLV, 12 months", "P(alive), bootstrap percentile",
	"expected purchases, bootstrap percentile", "CLV, bootstrap percentile"
};

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * Parametric bootstrap: nboot shops simulated from the fitted parameters
 * (same n, same ages), refitted; each evaluated customer's scores at the
 * refitted parameters into out[score][b * neval + i] (NaN for a failed refit).
 */
static void
bootstrap(cl_btyd_family fam, int n, int neval, const cl_btyd_model *fm,
		  const cl_gg_params *fg, const customer *cs, int nboot, uint64_t seed,
		  double *out[3])
{
	cl_bgnbd_params bgp = {fm->p[0], fm->p[1], fm->p[2], fm->p[3]};
	cl_pnbd_params pnp = {fm->p[0], fm->p[1], fm->p[2], fm->p[3]};
	cl_btyd_cell *cells = malloc(sizeof(cl_btyd_cell) * (size_t) n);
	cl_gg_cell *gcells = malloc(sizeof(cl_gg_cell) * (size_t) n);
	int			b,
				i;

	if (cells == NULL || gcells == NULL)
		die("out of memory", CL_ENOMEM);
	for (b = 0; b < nboot; b++)
	{
		cl_rng		rng;
		cl_fit_result res;
		cl_btyd_model bm;
		cl_gg_params bg;
		size_t		nc,
					ng = 0;
		int			ok;

		cl_rng_seed(&rng, seed, (uint64_t) b);
		for (i = 0; i < n; i++)
		{
			double		x,
						t_x,
						m = 0.0;
			cl_status	st;

			st = fam == CL_BTYD_BGNBD ? cl_sim_bgnbd(&rng, &bgp, cs[i].T, &x, &t_x)
				: cl_sim_pareto_nbd(&rng, &pnp, cs[i].T, &x, &t_x);
			if (st != CL_OK || (x > 0 && cl_sim_gamma_gamma(&rng, fg, x, &m) != CL_OK))
				die("bootstrap simulation", st);
			cells[i] = (cl_btyd_cell) {x, t_x, cs[i].T, 1.0};
			if (x > 0)
				gcells[ng++] = (cl_gg_cell) {x, m, 1.0};
		}
		nc = cl_btyd_cells_sort_merge(cells, (size_t) n);
		ok = (fam == CL_BTYD_BGNBD ? cl_bgnbd_fit(cells, nc, NULL, &res)
			  : cl_pnbd_fit(cells, nc, NULL, &res)) == CL_OK;
		bm.family = fam;
		memcpy(bm.p, res.params, sizeof(bm.p));
		ok = ok && cl_gg_fit(gcells, ng, NULL, &res) == CL_OK;
		bg = (cl_gg_params) {res.params[0], res.params[1], res.params[2]};
		for (i = 0; i < neval && i < n; i++)
		{
			sctx		sx = {fam, &cs[i], &bm, &bg};
			double	   *o = &out[0][b * neval + i];

			if (!ok || f_alive(&sx, bm.p, o) != CL_OK)
				*o = NAN;
			o = &out[1][b * neval + i];
			if (!ok || f_exp(&sx, bm.p, o) != CL_OK)
				*o = NAN;
			o = &out[2][b * neval + i];
			if (!ok || f_clv_m(&sx, bm.p, o) != CL_OK)
				*o = NAN;
		}
	}
	free(cells);
	free(gcells);
}

/*
 * One shop: simulate, fit, count covered / evaluated per score and level.
 * Returns 0 when a fit or covariance failed (the shop is counted as such).
 */
static int
one_shop(cl_btyd_family fam, int n, int neval, cl_rng *rng, customer *cs,
		 cl_btyd_cell *cells, cl_gg_cell *gcells, double cover[NSCORE][NLEVEL],
		 double evaluated[NSCORE], double fitted[7], int nboot, uint64_t bseed)
{
	double	   *boot[3] = {NULL, NULL, NULL};
	double	   *col = NULL;
	const cl_btyd_model *truth = fam == CL_BTYD_BGNBD ? &true_bg : &true_pn;
	cl_bgnbd_params bgp = {truth->p[0], truth->p[1], truth->p[2], truth->p[3]};
	cl_pnbd_params pnp = {truth->p[0], truth->p[1], truth->p[2], truth->p[3]};
	cl_fit_result res;
	cl_cov_result cv,
				gcv;
	cl_btyd_model fm;
	cl_gg_params fg;
	size_t		nc,
				ng = 0;
	double		z[NLEVEL];
	int			i,
				l,
				s;
	cl_status	st;

	for (l = 0; l < NLEVEL; l++)
		z[l] = cl_normal_quantile(0.5 + 0.5 * levels[l]);
	for (i = 0; i < n; i++)
	{
		/* first purchase on one of the 84 days of a quarter; end 273 days after its start */
		int			day = (int) (cl_rng_uniform(rng) * 84.0);
		customer   *c = &cs[i];

		c->T = (273 - day) / 7.0;
		st = fam == CL_BTYD_BGNBD ? cl_sim_bgnbd(rng, &bgp, c->T, &c->x, &c->t_x)
			: cl_sim_pareto_nbd(rng, &pnp, c->T, &c->x, &c->t_x);
		if (st != CL_OK)
			die("simulation", st);
		c->m = 0.0;
		if (c->x > 0 && (st = cl_sim_gamma_gamma(rng, &true_gg, c->x, &c->m)) != CL_OK)
			die("spend simulation", st);
		cells[i] = (cl_btyd_cell) {c->x, c->t_x, c->T, 1.0};
		if (c->x > 0)
			gcells[ng++] = (cl_gg_cell) {c->x, c->m, 1.0};
	}
	nc = cl_btyd_cells_sort_merge(cells, (size_t) n);
	st = fam == CL_BTYD_BGNBD ? cl_bgnbd_fit(cells, nc, NULL, &res)
		: cl_pnbd_fit(cells, nc, NULL, &res);
	if (st != CL_OK)
		return 0;
	fm.family = fam;
	memcpy(fm.p, res.params, sizeof(fm.p));
	if (cl_btyd_covariance(&fm, cells, nc, &cv) != CL_OK)
		return 0;
	if (cl_gg_fit(gcells, ng, NULL, &res) != CL_OK)
		return 0;
	fg = (cl_gg_params) {res.params[0], res.params[1], res.params[2]};
	if (cl_gg_covariance(&fg, gcells, ng, &gcv) != CL_OK)
		return 0;
	memcpy(fitted, fm.p, 4 * sizeof(double));
	fitted[4] = fg.p;
	fitted[5] = fg.q;
	fitted[6] = fg.v;

	if (nboot > 0)
	{
		for (s = 0; s < 3; s++)
			if ((boot[s] = malloc(sizeof(double) * (size_t) nboot * (size_t) neval)) == NULL)
				die("out of memory", CL_ENOMEM);
		if ((col = malloc(sizeof(double) * (size_t) nboot)) == NULL)
			die("out of memory", CL_ENOMEM);
		bootstrap(fam, n, neval, &fm, &fg, cs, nboot, bseed, boot);
	}
	for (i = 0; i < neval && i < n; i++)
	{
		const customer *c = &cs[i];
		sctx		sx = {fam, c, &fm, &fg};
		double		ggt[3] = {fg.p, fg.q, fg.v};
		double		est[NSCORE],
					tru[NSCORE],
					grad[4],
					ggrad[3],
					var[NSCORE],
					out[3];

		/* estimates, gradients and variances at the fit */
		if ((st = f_alive(&sx, fm.p, &est[S_ALIVE])) != CL_OK
			|| (st = cl_score_gradient(f_alive, &sx, 4, fm.p, grad)) != CL_OK)
			die("p_alive", st);
		var[S_ALIVE] = var[S_ALIVE_LOG] = quad_form(4, grad, cv.cov);
		est[S_ALIVE_LOG] = est[S_ALIVE];
		if ((st = f_exp(&sx, fm.p, &est[S_EXP])) != CL_OK
			|| (st = cl_score_gradient(f_exp, &sx, 4, fm.p, grad)) != CL_OK)
			die("expected", st);
		var[S_EXP] = quad_form(4, grad, cv.cov);
		if ((st = f_clv_m(&sx, fm.p, &est[S_CLV])) != CL_OK
			|| (st = cl_score_gradient(f_clv_m, &sx, 4, fm.p, grad)) != CL_OK
			|| (st = cl_score_gradient(f_clv_gg, &sx, 3, ggt, ggrad)) != CL_OK)
			die("clv", st);
		var[S_CLV] = quad_form(4, grad, cv.cov) + quad_form(3, ggrad, gcv.cov);

		/* the truth: the scores at the true parameters */
		sx.model = truth;
		sx.gg = &true_gg;
		if (f_alive(&sx, truth->p, &tru[S_ALIVE]) != CL_OK
			|| f_exp(&sx, truth->p, &tru[S_EXP]) != CL_OK
			|| f_clv_m(&sx, truth->p, &tru[S_CLV]) != CL_OK)
			die("truth", CL_ERANGE);
		tru[S_ALIVE_LOG] = tru[S_ALIVE];

		/*
		 * the library's own interval at 90% agrees with the one here (its
		 * forward differences give the standard error to ~1e-6 relative)
		 */
		if (i < 3)
		{
			double		mine[3],
						one = 1.0,
						v1[1] = {var[S_CLV]};

			if (cl_clv_interval(&fm, cv.cov, &fg, gcv.cov, c->x, c->t_x, c->T, c->m,
								MONTHS, DISCOUNT, PPM, 0.9, out) != CL_OK
				|| cl_delta_interval(est[S_CLV], 1, &one, v1, CL_SCALE_LOG, 0.9, mine) != CL_OK
				|| fabs(out[1] - mine[1]) > 1e-4 * mine[0] || fabs(out[2] - mine[2]) > 1e-4 * mine[0])
				{
				fprintf(stderr, "%.17g %.17g %.17g / %.17g %.17g %.17g\n", out[0], out[1], out[2], mine[0], mine[1], mine[2]);
				die("cl_clv_interval differs from the study's interval", CL_EINVAL);
			}
		}

		for (s = 0; s < B_ALIVE; s++)
		{
			double		g = est[s],
						se = sqrt(fmax(var[s], 0.0));

			/* a P(alive) of exactly 1 (BG/NBD, x = 0) has no sampling error */
			if ((s == S_ALIVE || s == S_ALIVE_LOG) && (g >= 1.0 || tru[s] >= 1.0))
				continue;
			evaluated[s] += 1.0;
			for (l = 0; l < NLEVEL; l++)
			{
				double		lo,
							hi;

				if (s == S_ALIVE)
				{
					double		w = z[l] * se / (g * (1.0 - g));

					lo = g / (g + (1.0 - g) * exp(w));
					hi = g / (g + (1.0 - g) * exp(-w));
				}
				else
				{
					double		w = z[l] * se / g;

					lo = g * exp(-w);
					hi = g * exp(w);
				}
				if (tru[s] >= lo && tru[s] <= hi)
					cover[s][l] += 1.0;
			}
		}

		/* the bootstrap percentile intervals of the same customer */
		for (s = 0; s < 3 && nboot > 0; s++)
		{
			int			nb = 0,
						b;
			double		t = s == 0 ? tru[S_ALIVE] : s == 1 ? tru[S_EXP] : tru[S_CLV];

			if (s == 0 && (est[S_ALIVE] >= 1.0 || t >= 1.0))
				continue;
			for (b = 0; b < nboot; b++)
				if (!isnan(boot[s][b * neval + i]))
					col[nb++] = boot[s][b * neval + i];
			if (nb < 2)
				continue;
			qsort(col, nb, sizeof(double), cmp_double);
			evaluated[B_ALIVE + s] += 1.0;
			for (l = 0; l < NLEVEL; l++)
			{
				/* type-7 quantiles (linear interpolation) */
				double		ql = 0.5 * (1.0 - levels[l]) * (nb - 1),
							qh = 0.5 * (1.0 + levels[l]) * (nb - 1);
				int			jl = (int) ql,
							jh = (int) qh;
				double		lo = col[jl] + (ql - jl) * (jl + 1 < nb ? col[jl + 1] - col[jl] : 0.0),
							hi = col[jh] + (qh - jh) * (jh + 1 < nb ? col[jh + 1] - col[jh] : 0.0);

				if (t >= lo && t <= hi)
					cover[B_ALIVE + s][l] += 1.0;
			}
		}
	}
	for (s = 0; s < 3; s++)
		free(boot[s]);
	free(col);
	return 1;
}

static int
study(const char *fam_s, int n, int reps, int neval, unsigned long seed, int nboot)
{
	cl_btyd_family fam = strcmp(fam_s, "pareto_nbd") == 0 ? CL_BTYD_PARETO_NBD : CL_BTYD_BGNBD;
	customer   *cs = malloc(sizeof(customer) * (size_t) n);
	cl_btyd_cell *cells = malloc(sizeof(cl_btyd_cell) * (size_t) n);
	cl_gg_cell *gcells = malloc(sizeof(cl_gg_cell) * (size_t) n);
	double		sum[NSCORE][NLEVEL] = {{0}},
				sum2[NSCORE][NLEVEL] = {{0}},
				pooled_ev[NSCORE] = {0};
	double		psum[7] = {0},
				psum2[7] = {0};
	int			ok = 0,
				failed = 0,
				rep,
				s,
				l,
				j;
	double		t0 = now_s();

	if (cs == NULL || cells == NULL || gcells == NULL)
		die("out of memory", CL_ENOMEM);
	for (rep = 0; rep < reps; rep++)
	{
		cl_rng		rng;
		double		cover[NSCORE][NLEVEL] = {{0}},
					ev[NSCORE] = {0},
					fitted[7];

		cl_rng_seed(&rng, seed, (uint64_t) rep);
		if (!one_shop(fam, n, neval, &rng, cs, cells, gcells, cover, ev, fitted,
					  nboot, (uint64_t) seed * 1000003u + (uint64_t) rep))
		{
			failed++;
			continue;
		}
		ok++;
		for (j = 0; j < 7; j++)
		{
			psum[j] += fitted[j];
			psum2[j] += fitted[j] * fitted[j];
		}
		for (s = 0; s < NSCORE; s++)
		{
			pooled_ev[s] += ev[s];
			for (l = 0; l < NLEVEL; l++)
			{
				double		c = ev[s] > 0 ? cover[s][l] / ev[s] : 0.0;

				sum[s][l] += c;
				sum2[s][l] += c * c;
			}
		}
	}
	printf("%s n=%d shops=%d (failed fits %d) customers evaluated per shop %d, %.1f s\n",
		   fam_s, n, ok, failed, n < neval ? n : neval, now_s() - t0);
	printf("  fitted (mean ± sd over shops):");
	for (j = 0; j < 7; j++)
	{
		double		m = psum[j] / ok;

		printf(" %.4g±%.2g", m, sqrt(fmax(psum2[j] / ok - m * m, 0.0)));
	}
	printf("\n");
	for (s = 0; s < (nboot > 0 ? NSCORE : B_ALIVE); s++)
	{
		printf("| %s | %d | %s |", fam_s, n, score_names[s]);
		for (l = 0; l < NLEVEL; l++)
		{
			double		m = sum[s][l] / ok,
						sd = sqrt(fmax(sum2[s][l] / ok - m * m, 0.0) * ok / fmax(ok - 1, 1));

			printf(" %.1f ± %.1f |", 100.0 * m, 100.0 * sd / sqrt((double) ok));
		}
		printf("\n");
	}
	fflush(stdout);
	free(cs);
	free(cells);
	free(gcells);
	return 0;
}

/* ---- CDNOW prediction intervals ------------------------------------------ */

typedef struct hcust
{
	int			id;
	double		x,
				t_x,
				T,
				m;
	int			holdout;		/* purchase days in (end, end + 273 days] */
} hcust;

static int
cdnow_holdout(hcust *out)
{
	static cdnow_order orders[CDNOW_MAX_ORDERS];
	cdnow_customer cal[CDNOW_CUSTOMERS];
	const long	end = fixture_days(1997, 9, 30),
				hend = fixture_days(1998, 6, 30);
	char		line[256];
	int			norders = 0,
				ncal = cdnow_load(cal),
				ncust = 0,
				i = 0;
	FILE	   *f;

	if (ncal == 0 || (f = cdnow_open()) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL && norders < CDNOW_MAX_ORDERS)
	{
		long		full_id,
					date;
		int			id,
					cds;
		double		amount;

		if (sscanf(line, "%ld %d %ld %d %lf", &full_id, &id, &date, &cds, &amount) != 5)
			continue;
		orders[norders].id = id;
		orders[norders].day = fixture_days(date / 10000, date / 100 % 100, date % 100);
		orders[norders].amount = amount;
		norders++;
	}
	fclose(f);
	qsort(orders, norders, sizeof(cdnow_order), cmp_order);
	while (i < norders)
	{
		int			id = orders[i].id,
					cal_days = 0,
					hold_days = 0;
		long		day = -1;

		for (; i < norders && orders[i].id == id; i++)
		{
			if (orders[i].day == day)
				continue;
			day = orders[i].day;
			if (day <= end)
				cal_days++;
			else if (day <= hend)
				hold_days++;
		}
		if (cal_days == 0)
			continue;
		if (ncust >= ncal)
			die("more CDNOW customers than the calibration summary has", CL_EINVAL);
		out[ncust] = (hcust) {id, cal[ncust].x, cal[ncust].t_x, cal[ncust].T, cal[ncust].m, hold_days};
		if (cal[ncust].x != cal_days - 1)
			die("CDNOW customers out of step with the calibration summary", CL_EINVAL);
		ncust++;
	}
	return ncust;
}

#define PMF_K 8					/* 0..7 and 8+ */

static int
cdnow(void)
{
	static hcust cs[CDNOW_CUSTOMERS];
	static cl_btyd_cell cells[CDNOW_CUSTOMERS];
	static double pmf[CL_COUNT_MAX_K + 1];
	int			n = cdnow_holdout(cs),
				i,
				k;
	size_t		nc;
	cl_fit_result res;
	cl_btyd_model m;
	cl_status	st;
	const double plev[2] = {0.80, 0.90};
	double		inside[2] = {0},
				implied[2] = {0},
				width[2] = {0},
				pred[PMF_K + 1] = {0},
				obs[PMF_K + 1] = {0},
				pit[10] = {0},
				sum_pred = 0.0,
				sum_obs = 0.0;

	if (n == 0)
	{
		printf("SKIP: CDNOW sample not found (../shared/data/cdnow/CDNOW_sample.txt or $CL_CDNOW_FILE)\n");
		return 0;
	}
	for (i = 0; i < n; i++)
		cells[i] = (cl_btyd_cell) {cs[i].x, cs[i].t_x, cs[i].T, 1.0};
	nc = cl_btyd_cells_sort_merge(cells, (size_t) n);
	if ((st = cl_bgnbd_fit(cells, nc, NULL, &res)) != CL_OK)
		die("CDNOW BG/NBD fit", st);
	m.family = CL_BTYD_BGNBD;
	memcpy(m.p, res.params, sizeof(m.p));
	for (i = 0; i < n; i++)
	{
		const hcust *c = &cs[i];
		int			y = c->holdout,
					kmax = y > PMF_K ? y : PMF_K,
					j;
		double		tail,
					below = 0.0,
					at,
					e;

		int			lo[2],
					hi[2];

		for (j = 0; j < 2; j++)
		{
			if ((st = cl_count_interval(&m, HORIZON, c->x, c->t_x, c->T, plev[j], &lo[j], &hi[j])) != CL_OK)
				die("count interval", st);
			inside[j] += y >= lo[j] && y <= hi[j];
			width[j] += hi[j] - lo[j];
			if (hi[j] > kmax)
				kmax = hi[j];
		}
		if ((st = cl_count_pmf(&m, HORIZON, c->x, c->t_x, c->T, kmax, pmf, &tail)) != CL_OK)
			die("count pmf", st);
		/* the probability the model gives the interval (>= level: counts are discrete) */
		for (j = 0; j < 2; j++)
			for (k = lo[j]; k <= hi[j]; k++)
				implied[j] += pmf[k];
		for (k = 0; k < PMF_K; k++)
			pred[k] += pmf[k];
		e = tail;
		for (k = PMF_K; k <= kmax; k++)
			e += pmf[k];
		pred[PMF_K] += e;
		obs[y < PMF_K ? y : PMF_K] += 1.0;
		if ((st = cl_btyd_expected_purchases_steps(&m, HORIZON, 1, c->x, c->t_x, c->T, &e)) != CL_OK)
			die("expected", st);
		sum_pred += e;
		sum_obs += y;

		/* non-randomised PIT: uniform on [F(y-1), F(y)], spread over the bins */
		for (k = 0; k < y; k++)
			below += pmf[k];
		at = below + pmf[y];
		if (at > 1.0)
			at = 1.0;
		for (j = 0; j < 10; j++)
		{
			double		a = fmax(below, j / 10.0),
						b = fmin(at, (j + 1) / 10.0);

			if (b > a)
				pit[j] += (b - a) / (at - below);
		}
	}
	printf("CDNOW BG/NBD calibration to 1997-09-30 (weeks): r %.4f alpha %.4f a %.4f b %.4f; %d customers, holdout 39 weeks\n",
		   m.p[0], m.p[1], m.p[2], m.p[3], n);
	printf("expected purchase days in the holdout %.1f, actual %.0f\n\n", sum_pred, sum_obs);
	printf("| central prediction interval | customers inside | share inside | share the model expects inside | mean k_high - k_low |\n|---|---|---|---|---|\n");
	for (i = 0; i < 2; i++)
		printf("| %.0f%% | %.0f | %.1f%% | %.1f%% | %.2f |\n", 100 * plev[i], inside[i],
			   100.0 * inside[i] / n, 100.0 * implied[i] / n, width[i] / n);
	printf("\n| purchase days in holdout | predicted customers | observed customers |\n|---|---|---|\n");
	for (k = 0; k <= PMF_K; k++)
		printf("| %d%s | %.1f | %.0f |\n", k, k == PMF_K ? "+" : "", pred[k], obs[k]);
	printf("\n| PIT bin | share of customers (10%% expected) |\n|---|---|\n");
	for (k = 0; k < 10; k++)
		printf("| %.1f–%.1f | %.1f%% |\n", k / 10.0, (k + 1) / 10.0, 100.0 * pit[k] / n);
	return 0;
}

/* ---- speed --------------------------------------------------------------- */

static int
speed(int n)
{
	static cdnow_customer cal[CDNOW_CUSTOMERS];
	static cl_btyd_cell cells[CDNOW_CUSTOMERS];
	static cl_gg_cell gcells[CDNOW_CUSTOMERS];
	int			nc0 = cdnow_load(cal),
				i;
	size_t		nc,
				ng = 0;
	cl_fit_result res;
	cl_cov_result cv,
				gcv;
	cl_btyd_model m;
	cl_gg_params gg;
	cl_status	st;
	double		t0,
				t_point,
				t_int,
				acc = 0.0;

	if (nc0 == 0)
	{
		printf("SKIP: CDNOW sample not found (../shared/data/cdnow/CDNOW_sample.txt or $CL_CDNOW_FILE)\n");
		return 0;
	}
	for (i = 0; i < nc0; i++)
	{
		cells[i] = (cl_btyd_cell) {cal[i].x, cal[i].t_x, cal[i].T, 1.0};
		if (cal[i].x > 0)
			gcells[ng++] = (cl_gg_cell) {cal[i].x, cal[i].m, 1.0};
	}
	nc = cl_btyd_cells_sort_merge(cells, (size_t) nc0);
	if ((st = cl_bgnbd_fit(cells, nc, NULL, &res)) != CL_OK)
		die("fit", st);
	m.family = CL_BTYD_BGNBD;
	memcpy(m.p, res.params, sizeof(m.p));
	if ((st = cl_btyd_covariance(&m, cells, nc, &cv)) != CL_OK)
		die("covariance", st);
	if ((st = cl_gg_fit(gcells, ng, NULL, &res)) != CL_OK)
		die("gg fit", st);
	gg = (cl_gg_params) {res.params[0], res.params[1], res.params[2]};
	if ((st = cl_gg_covariance(&gg, gcells, ng, &gcv)) != CL_OK)
		die("gg covariance", st);

	/* each score and its interval alone, on a tenth of the customers */
	{
		const char *names[3] = {"P(alive)", "expected purchases, 39 weeks", "CLV, 12 months"};
		int			f,
					n10 = n / 10 > 0 ? n / 10 : 1;

		printf("| score | point µs | interval µs | ratio |\n|---|---|---|---|\n");
		for (f = 0; f < 3; f++)
		{
			double		tp,
						ti;
			int			pass;

			for (pass = 0; pass < 2; pass++)
			{
				t0 = now_s();
				for (i = 0; i < n10; i++)
				{
					const cdnow_customer *c = &cal[i % nc0];
					double		o[3];

					if (pass == 0)
						st = f == 0 ? cl_btyd_p_alive(&m, c->x, c->t_x, c->T, o)
							: f == 1 ? cl_btyd_expected_purchases_steps(&m, HORIZON, 1, c->x, c->t_x, c->T, o)
							: cl_clv_customer(&m, &gg, c->x, c->t_x, c->T, c->m, MONTHS, DISCOUNT, PPM, o);
					else
						st = f == 0 ? cl_p_alive_interval(&m, cv.cov, c->x, c->t_x, c->T, 0.9, o)
							: f == 1 ? cl_expected_purchases_interval(&m, cv.cov, HORIZON, c->x, c->t_x, c->T, 0.9, o)
							: cl_clv_interval(&m, cv.cov, &gg, gcv.cov, c->x, c->t_x, c->T, c->m,
											  MONTHS, DISCOUNT, PPM, 0.9, o);
					if (st != CL_OK)
						die("score", st);
					acc += o[0];
				}
				if (pass == 0)
					tp = now_s() - t0;
				else
					ti = now_s() - t0;
			}
			printf("| %s | %.3f | %.3f | %.1f |\n", names[f], 1e6 * tp / n10, 1e6 * ti / n10, ti / tp);
		}
	}

	t0 = now_s();
	for (i = 0; i < n; i++)
	{
		const cdnow_customer *c = &cal[i % nc0];
		double		a,
					e,
					v;

		if (cl_btyd_p_alive(&m, c->x, c->t_x, c->T, &a) != CL_OK
			|| cl_btyd_expected_purchases_steps(&m, HORIZON, 1, c->x, c->t_x, c->T, &e) != CL_OK
			|| cl_clv_customer(&m, &gg, c->x, c->t_x, c->T, c->m, MONTHS, DISCOUNT, PPM, &v) != CL_OK)
			die("point scores", CL_EINVAL);
		acc += a + e + v;
	}
	t_point = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < n; i++)
	{
		const cdnow_customer *c = &cal[i % nc0];
		double		a[3],
					e[3],
					v[3];

		if (cl_p_alive_interval(&m, cv.cov, c->x, c->t_x, c->T, 0.9, a) != CL_OK
			|| cl_expected_purchases_interval(&m, cv.cov, HORIZON, c->x, c->t_x, c->T, 0.9, e) != CL_OK
			|| cl_clv_interval(&m, cv.cov, &gg, gcv.cov, c->x, c->t_x, c->T, c->m,
							   MONTHS, DISCOUNT, PPM, 0.9, v) != CL_OK)
			die("intervals", CL_EINVAL);
		acc += a[1] + e[1] + v[1];
	}
	t_int = now_s() - t0;
	printf("%d customers (CDNOW repeated), BG/NBD + Gamma-Gamma fitted on CDNOW (checksum %.6g)\n", n, acc);
	printf("| work | total s | µs per customer |\n|---|---|---|\n");
	printf("| P(alive) + expected purchases (39 weeks) + CLV (12 months) | %.2f | %.2f |\n",
		   t_point, 1e6 * t_point / n);
	printf("| the three 90%% intervals | %.2f | %.2f |\n", t_int, 1e6 * t_int / n);
	printf("ratio intervals / point scores: %.1f\n", t_int / t_point);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 7 && strcmp(argv[1], "study") == 0)
		return study(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
					 strtoul(argv[6], NULL, 10), argc >= 8 ? atoi(argv[7]) : 0);
	if (argc >= 2 && strcmp(argv[1], "cdnow") == 0)
		return cdnow();
	if (argc >= 3 && strcmp(argv[1], "speed") == 0)
		return speed(atoi(argv[2]));
	fprintf(stderr, "usage: coverage study bgnbd|pareto_nbd N REPS EVAL SEED [BOOT] | cdnow | speed N\n");
	return 2;
}
