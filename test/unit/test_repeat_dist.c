/*
 * test_repeat_dist.c — P(X(t) = x) of the three purchase models
 * (repeat_dist.h) against values computed here independently, by numeric
 * integration of the conditional (Poisson / dropout) probabilities over the
 * Gamma and Beta mixing distributions; the total over x, the mean against
 * E[X(t)] of the scoring core, argument checks, and the CDNOW histogram.
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

#include "btyd_fixture.h"
#include "btyd_limits.h"
#include "btyd_model.h"
#include "repeat_dist.h"

/* ---- slow reference: double-exponential quadrature ---------------------- */

/*
 * Nodes of E[φ(λ)] for λ ~ Gamma(shape, rate): λ = e^v / rate with
 * v = (π/2) sinh(τ), so the integrand y^shape e^-y dv decays double
 * exponentially at both ends and the trapezoid rule in τ converges
 * geometrically in 1/h.  ln λ and the weights (summing to 1) are returned.
 */
#define QN 769
typedef struct quad
{
	double		lnx[QN],
				x[QN],
				w[QN];
} quad;

static void
gamma_nodes(double shape, double rate, quad *q)
{
	double		h = 13.0 / (QN - 1),
				total = 0.0;
	int			i;

	for (i = 0; i < QN; i++)
	{
		double		tau = -9.0 + i * h,
					v = M_PI_2 * sinh(tau);

		q->lnx[i] = v - log(rate);
		q->x[i] = exp(q->lnx[i]);
		q->w[i] = v > 700.0 ? 0.0 : exp(shape * v - exp(v) - lgamma(shape)) * M_PI_2 * cosh(tau) * h;
		total += q->w[i];
	}
	assert_true(fabs(total - 1.0) < 1e-13);
}

/*
 * E[(1-p)^k p^l] for p ~ Beta(a, b), numerically: p = logistic(v),
 * p^(a-1) (1-p)^(b-1) dp = p^a (1-p)^b dv, v = 4 sinh(τ).
 */
static double
beta_moment(double a, double b, double k, double l)
{
	double		h = 1.0 / 256,
				sum = 0.0,
				norm = 0.0;
	int			i;

	for (i = -1536; i <= 1536; i++)
	{
		double		tau = i * h,
					v = 4.0 * sinh(tau),
					lnp = -log1p(exp(-v)),
					ln1p = -log1p(exp(v)),
					dv = 4.0 * cosh(tau) * h,
					base = a * lnp + b * ln1p;

		if (v > 700.0 || v < -700.0)
			continue;
		norm += exp(base) * dv;
		sum += exp(base + k * ln1p + l * lnp) * dv;
	}
	return sum / norm;
}

/* P(N >= n) for N ~ Poisson(z), summed from the smaller side */
static double
poisson_upper(int n, double z)
{
	double		term,
				sum = 0.0;
	int			j;

	if (n <= 0)
		return 1.0;
	if (z <= 0.0)
		return 0.0;
	if (z > n + 1.0)
	{
		for (j = 0; j < n; j++)
			sum += exp(-z + j * log(z) - lgamma(j + 1.0));
		return 1.0 - sum;
	}
	term = exp(-z + n * log(z) - lgamma(n + 1.0));
	for (j = n; term > 1e-19 * sum; j++)
	{
		sum += term;
		term *= z / (j + 1.0);
	}
	return sum;
}

static double
poisson_pmf(int x, double z)
{
	if (z <= 0.0)
		return x == 0 ? 1.0 : 0.0;
	return exp(-z + x * log(z) - lgamma(x + 1.0));
}

/* BG/NBD and MBG/NBD: dropout p per purchase (MBG: at the first one too) */
static double
ref_bg(int modified, const double *p, double t, int x)
{
	static quad lam;
	double		alive = 0.0,
				reached = 0.0,
				sh = modified ? 1.0 : 0.0;
	int			i;

	gamma_nodes(p[0], p[1], &lam);
	for (i = 0; i < QN; i++)
	{
		alive += lam.w[i] * poisson_pmf(x, lam.x[i] * t);
		reached += lam.w[i] * poisson_upper(x, lam.x[i] * t);
	}
	alive *= beta_moment(p[2], p[3], x + sh, 0.0);
	if (!modified && x == 0)
		return alive;
	return alive + beta_moment(p[2], p[3], x + sh - 1.0, 1.0) * reached;
}

/*
 * Pareto/NBD: lifetime Exp(μ); alive at t: e^-μt Poisson(x; λt); died at
 * τ < t after x purchases: ∫ μ e^-(λ+μ)τ (λτ)^x/x! dτ
 *   = μ λ^x/(λ+μ)^(x+1) P(Poisson((λ+μ)t) >= x+1).
 */
static double
ref_pnbd(const double *p, double t, int x)
{
	static quad lam,
				mu;
	double		sum = 0.0;
	int			i,
				k;

	gamma_nodes(p[0], p[1], &lam);
	gamma_nodes(p[2], p[3], &mu);
	for (i = 0; i < QN; i++)
	{
		if (lam.w[i] < 1e-300)
			continue;
		for (k = 0; k < QN; k++)
		{
			double		l = lam.x[i],
						m = mu.x[k],
						hi = fmax(lam.lnx[i], mu.lnx[k]),
						lnsum = hi + log1p(exp(fmin(lam.lnx[i], mu.lnx[k]) - hi)),
						f;

			if (mu.w[k] < 1e-300)
				continue;
			f = exp(-m * t) * poisson_pmf(x, l * t)
				+ exp(mu.lnx[k] + x * lam.lnx[i] - (x + 1.0) * lnsum)
				* poisson_upper(x + 1, exp(lnsum) * t);
			sum += lam.w[i] * mu.w[k] * f;
		}
	}
	return sum;
}

/* ---- tests -------------------------------------------------------------- */

typedef struct pmf_case
{
	cl_btyd_family family;
	double		p[4];
	double		t;
} pmf_case;

static const pmf_case cases[] = {
	{CL_BTYD_BGNBD, {0.243, 4.414, 0.793, 2.426}, 39.0},
	{CL_BTYD_BGNBD, {2.5, 1.5, 3.0, 0.7}, 0.5},
	{CL_BTYD_BGNBD, {0.8, 20.0, 1.3, 5.0}, 120.0},
	{CL_BTYD_MBGNBD, {0.525, 6.183, 0.891, 1.614}, 39.0},
	{CL_BTYD_MBGNBD, {1.7, 0.9, 0.4, 8.0}, 3.0},
	{CL_BTYD_PARETO_NBD, {0.553, 10.578, 0.606, 11.669}, 39.0},
	{CL_BTYD_PARETO_NBD, {1.2, 3.0, 2.5, 0.8}, 5.0},
	{CL_BTYD_PARETO_NBD, {0.3, 2.0, 0.9, 40.0}, 70.0},
};

static void
test_reference(void **state)
{
	size_t		c;
	double		worst = 0.0;

	(void) state;
	for (c = 0; c < NELEM(cases); c++)
	{
		cl_btyd_model m = {cases[c].family, {0}};
		double		pmf[12],
					tail;
		int			x;

		memcpy(m.p, cases[c].p, sizeof(m.p));
		assert_int_equal(cl_btyd_count_pmf(&m, cases[c].t, 12, pmf, &tail), CL_OK);
		for (x = 0; x < 12; x++)
		{
			double		ref = m.family == CL_BTYD_PARETO_NBD
				? ref_pnbd(m.p, cases[c].t, x)
				: ref_bg(m.family == CL_BTYD_MBGNBD, m.p, cases[c].t, x);
			double		err = fabs(pmf[x] - ref) / fmax(ref, 1e-6);

			if (err > worst)
				worst = err;
			if (!(err < 1e-10))
				fail_msg("case %zu x = %d: closed form %.17g, integral %.17g", c, x, pmf[x], ref);
		}
	}
	printf("P(X(t)=x), %zu parameter sets, x = 0..11: worst relative difference to the integrals %.2g\n",
		   NELEM(cases), worst);
}

static void
test_total_and_mean(void **state)
{
	size_t		c;

	(void) state;
	for (c = 0; c < NELEM(cases); c++)
	{
		static double pmf[CL_COUNT_PMF_MAX];
		cl_btyd_model m = {cases[c].family, {0}};
		double		tail,
					total = 0.0,
					mean = 0.0,
					ex;
		int			x;

		memcpy(m.p, cases[c].p, sizeof(m.p));
		assert_int_equal(cl_btyd_count_pmf(&m, cases[c].t, CL_COUNT_PMF_MAX, pmf, &tail), CL_OK);
		for (x = 0; x < CL_COUNT_PMF_MAX; x++)
		{
			assert_true(pmf[x] >= 0.0);
			total += pmf[x];
			mean += x * pmf[x];
		}
		if (!(fabs(total - 1.0) < 1e-12))
			fail_msg("case %zu: sum over x = 0..%d is %.17g", c, CL_COUNT_PMF_MAX - 1, total);
		assert_true(tail >= 0.0 && tail < 1e-12);
		assert_int_equal(cl_btyd_expected_purchases_new(&m, cases[c].t, &ex), CL_OK);
		assert_rel(mean, ex, 1e-9, "mean of the distribution vs E[X(t)]");
	}
}

static void
test_arguments(void **state)
{
	cl_btyd_model bg = {CL_BTYD_BGNBD, {0.243, 4.414, 0.793, 2.426}},
				lim = {CL_BTYD_PARETO_NBD | (CL_LIMIT_HOMOGENEOUS_RATE | CL_LIMIT_HOMOGENEOUS_DROPOUT | CL_LIMIT_NO_DROPOUT) << CL_LIMIT_SHIFT, {0.5, 2.0, 3.0, 0}},
				bad = {CL_BTYD_PARETO_NBD, {0.5, -1.0, 1.0, 1.0}};
	double		pmf[4],
				tail;

	(void) state;
	assert_int_equal(cl_btyd_count_pmf(&bg, 0.0, 4, pmf, &tail), CL_OK);
	assert_true(pmf[0] == 1.0 && pmf[1] == 0.0 && tail == 0.0);
	assert_int_equal(cl_btyd_count_pmf(&bg, -1.0, 4, pmf, &tail), CL_EINVAL);
	assert_int_equal(cl_btyd_count_pmf(&bg, NAN, 4, pmf, &tail), CL_ENOTFINITE);
	assert_int_equal(cl_btyd_count_pmf(&bg, 1.0, 0, pmf, &tail), CL_EINVAL);
	assert_int_equal(cl_btyd_count_pmf(&bg, 1.0, CL_COUNT_PMF_MAX + 1, pmf, &tail), CL_EINVAL);
	assert_int_equal(cl_btyd_count_pmf(&lim, 1.0, 4, pmf, &tail), CL_EINVAL);
	assert_int_equal(cl_btyd_count_pmf(&bad, 1.0, 4, pmf, &tail), CL_EINVAL);
	/* one bucket: P(X = 0) and the rest */
	assert_int_equal(cl_btyd_count_pmf(&bg, 1e5, 1, pmf, &tail), CL_OK);
	assert_true(pmf[0] > 0.0 && pmf[0] < 1.0 && fabs(pmf[0] + tail - 1.0) < 1e-15);
}

#define LIM(base, flags) ((cl_btyd_family) ((base) | (flags) << CL_LIMIT_SHIFT))
#define HR CL_LIMIT_HOMOGENEOUS_RATE
#define ND CL_LIMIT_NO_DROPOUT
#define HD CL_LIMIT_HOMOGENEOUS_DROPOUT

/*
 * The limit models (btyd_limits.h): the probabilities sum to 1, their mean
 * is the limit's E[X(t)], and each is the limit of the interior model's
 * distribution (parameters pushed far towards the edge).
 */
static void
test_limits(void **state)
{
	static const struct
	{
		cl_btyd_model lim;
		cl_btyd_model near;		/* interior model close to the limit */
	}			lims[] = {
		{{LIM(CL_BTYD_BGNBD, ND), {0.7, 3.0}}, {CL_BTYD_BGNBD, {0.7, 3.0, 1e-9, 1.0}}},
		{{LIM(CL_BTYD_BGNBD, HR | ND), {0.4}}, {CL_BTYD_BGNBD, {4e7, 1e8, 1e-9, 1.0}}},
		{{LIM(CL_BTYD_BGNBD, HR), {0.4, 0.8, 2.5}}, {CL_BTYD_BGNBD, {4e7, 1e8, 0.8, 2.5}}},
		{{LIM(CL_BTYD_BGNBD, HD), {0.7, 3.0, 0.2}}, {CL_BTYD_BGNBD, {0.7, 3.0, 2e7, 8e7}}},
		{{LIM(CL_BTYD_BGNBD, HR | HD), {0.4, 0.2}}, {CL_BTYD_BGNBD, {4e7, 1e8, 2e7, 8e7}}},
		{{LIM(CL_BTYD_MBGNBD, ND), {0.7, 3.0}}, {CL_BTYD_MBGNBD, {0.7, 3.0, 1e-9, 1.0}}},
		{{LIM(CL_BTYD_MBGNBD, HR), {0.4, 0.8, 2.5}}, {CL_BTYD_MBGNBD, {4e7, 1e8, 0.8, 2.5}}},
		{{LIM(CL_BTYD_MBGNBD, HR | HD), {0.4, 0.2}}, {CL_BTYD_MBGNBD, {4e7, 1e8, 2e7, 8e7}}},
		{{LIM(CL_BTYD_PARETO_NBD, ND), {0.7, 3.0}}, {CL_BTYD_PARETO_NBD, {0.7, 3.0, 1e-9, 1.0}}},
		{{LIM(CL_BTYD_PARETO_NBD, HR | ND), {0.4}}, {CL_BTYD_PARETO_NBD, {4e3, 1e4, 1e-9, 1.0}}},
		{{LIM(CL_BTYD_PARETO_NBD, HR | HD), {0.4, 0.05}}, {CL_BTYD_PARETO_NBD, {0.4e4, 1e4, 0.05e4, 1e4}}},
		{{LIM(CL_BTYD_PARETO_NBD, HR), {0.4, 0.8, 2.5}}, {CL_BTYD_PARETO_NBD, {0.4e4, 1e4, 0.8, 2.5}}},
		{{LIM(CL_BTYD_PARETO_NBD, HR), {3.0, 2.0, 30.0}}, {CL_BTYD_PARETO_NBD, {3e4, 1e4, 2.0, 30.0}}},
		{{LIM(CL_BTYD_PARETO_NBD, HD), {0.7, 3.0, 0.05}}, {CL_BTYD_PARETO_NBD, {0.7, 3.0, 0.05e4, 1e4}}},
		{{LIM(CL_BTYD_PARETO_NBD, HD), {2.5, 5.0, 0.01}}, {CL_BTYD_PARETO_NBD, {2.5, 5.0, 0.01e4, 1e4}}},
	};
	static const cl_btyd_model bg_all_leave = {LIM(CL_BTYD_BGNBD, HR | HD), {0.4, 1.0}};
	size_t		c;

	(void) state;
	for (c = 0; c < NELEM(lims); c++)
	{
		static double pmf[CL_COUNT_PMF_MAX],
					near[CL_COUNT_PMF_MAX];
		double		tail,
					total = 0.0,
					mean = 0.0,
					ex;
		int			x;

		assert_int_equal(cl_btyd_count_pmf(&lims[c].lim, 20.0, 200, pmf, &tail), CL_OK);
		if (cl_btyd_count_pmf(&lims[c].near, 20.0, 40, near, &tail) != CL_OK)
			fail_msg("limit %zu: the interior model near it fails", c);
		for (x = 0; x < 200; x++)
		{
			total += pmf[x];
			mean += x * pmf[x];
			if (x < 40 && !(fabs(pmf[x] - near[x]) < 2e-3))
				fail_msg("limit %zu x = %d: %.17g, near the limit %.17g", c, x, pmf[x], near[x]);
		}
		if (!(fabs(total - 1.0) < 1e-12))
			fail_msg("limit %zu: total %.17g", c, total);
		assert_int_equal(cl_btyd_expected_purchases_new(&lims[c].lim, 20.0, &ex), CL_OK);
		assert_rel(mean, ex, 1e-9, "mean of a limit's distribution vs its E[X(t)]");
	}
	/* BG/NBD, everybody leaves at the first repeat purchase: X <= 1 */
	{
		double		pmf[3],
					tail;

		assert_int_equal(cl_btyd_count_pmf(&bg_all_leave, 20.0, 3, pmf, &tail), CL_OK);
		assert_true(fabs(pmf[0] - exp(-8.0)) < 1e-15 && pmf[2] == 0.0 && fabs(pmf[1] - (1.0 - exp(-8.0))) < 1e-15);
	}
}

/*
 * CDNOW: every customer's P(X(T_i) = x) with their own T, summed: the
 * buckets 0..6 and 7+ add up to the number of customers.
 */
static void
test_cdnow(void **state)
{
	static cdnow_customer cust[CDNOW_CUSTOMERS];
	static const cl_btyd_model models[] = {
		{CL_BTYD_BGNBD, {0.242594, 4.413603, 0.792925, 2.425892}},
		{CL_BTYD_MBGNBD, {0.524843, 6.183082, 0.891360, 1.614003}},
		{CL_BTYD_PARETO_NBD, {0.553325, 10.578326, 0.606059, 11.669266}},
	};
	int			ncust,
				i,
				k,
				x;

	(void) state;
	ncust = cdnow_load(cust);
	if (ncust == 0)
	{
		printf("SKIP: CDNOW sample not found (set CL_CDNOW_FILE or run from the repository root)\n");
		skip();
	}
	for (k = 0; k < 3; k++)
	{
		double		obs[8] = {0},
					exp_[8] = {0},
					total = 0.0;

		for (i = 0; i < ncust; i++)
		{
			double		pmf[7],
						tail;

			assert_int_equal(cl_btyd_count_pmf(&models[k], cust[i].T, 7, pmf, &tail), CL_OK);
			for (x = 0; x < 7; x++)
				exp_[x] += pmf[x];
			exp_[7] += tail;
			obs[cust[i].x >= 7 ? 7 : (int) cust[i].x] += 1.0;
		}
		printf("CDNOW %s, repeat purchases 0..6, 7+: observed / expected\n",
			   k == 0 ? "BG/NBD" : k == 1 ? "MBG/NBD" : "Pareto/NBD");
		for (x = 0; x < 8; x++)
		{
			printf("  %d%s %5.0f %9.2f\n", x, x == 7 ? "+" : " ", obs[x], exp_[x]);
			total += exp_[x];
		}
		assert_true(fabs(total - ncust) < 1e-9);
		assert_true(obs[0] == 1411.0);
		/* the fitted models reproduce the zero bucket to within a few percent */
		assert_rel(exp_[0], obs[0], 0.05, "expected customers without repeat purchase");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_total_and_mean),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_cdnow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
