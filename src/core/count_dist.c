/*
 * count_dist.c — P(X(t) = x) under BG/NBD, MBG/NBD and Pareto/NBD (the
 * formulas are in count_dist.h).
 */
#include <math.h>

#include "bgnbd.h"
#include "btyd_limits.h"
#include "count_dist.h"
#include "interrupt.h"
#include "pareto_nbd.h"
#include "specfun.h"

/* terms of one upper-tail series before falling back to 1 - Σ */
#define TAIL_TERMS_MAX 1000000

/* ln NB(j) */
static double
log_nb(double r, double lnp0, double lnq, int j)
{
	double		jd = (double) j;

	return cl_lgamma_ratio(r + jd, r) - cl_lgamma(jd + 1.0) + r * lnp0 + (j > 0 ? jd * lnq : 0.0);
}

/*
 * S(x) = Σ_{j>=x} NB(j) for x = 0..n-1 into s[].  Below the median the
 * complement 1 - F(x-1) is accurate; above it the upper tail is summed
 * term by term (NB(j+1)/NB(j) = q (r+j)/(j+1), positive terms), so a small
 * tail keeps its relative accuracy.  A series longer than TAIL_TERMS_MAX
 * (q within ~1e-5 of 1, which puts the median far beyond any x asked for)
 * falls back to the complement.
 */
static cl_status
nb_upper_tails(double r, double lnp0, double lnq, double q, int n, double *s)
{
	double		cdf = 0.0;
	int			x;
	long		polls = 0;

	for (x = 0; x < n; x++)
	{
		if (cdf <= 0.5)
			s[x] = 1.0 - cdf;
		else
		{
			double		term = exp(log_nb(r, lnp0, lnq, x)),
						sum = 0.0;
			long		j;

			for (j = x; j < (long) x + TAIL_TERMS_MAX; j++)
			{
				sum += term;
				if (term <= 1e-17 * sum)
					break;
				term *= q * (r + (double) j) / ((double) j + 1.0);
				if (CL_POLL(polls++))
					return CL_ENOCONVERGE;
			}
			s[x] = j < (long) x + TAIL_TERMS_MAX ? sum : 1.0 - cdf;
		}
		cdf += exp(log_nb(r, lnp0, lnq, x));
	}
	return CL_OK;
}

/* ln[B(a, b+y)/B(a, b)] */
static double
log_beta_shift(double a, double b, double y)
{
	return cl_lgamma_ratio(b + y, a + b + y) - cl_lgamma_ratio(b, a + b);
}

static cl_status
bg_family_pmf(const cl_btyd_model *m, int modified, double t, int n, double *pmf)
{
	double		r = m->p[0],
				alpha = m->p[1],
				a = m->p[2],
				b = m->p[3];
	double		lnp0 = -log1p(t / alpha),
				q = t / (alpha + t),
				lnq = log(t) - log(alpha + t);
	double		s[CL_COUNT_PMF_MAX];
	cl_status	st;
	int			x;

	st = nb_upper_tails(r, lnp0, lnq, q, n, s);
	if (st != CL_OK)
		return st;
	for (x = 0; x < n; x++)
	{
		double		xd = (double) x,
					sh = modified ? 1.0 : 0.0,
					alive = exp(log_beta_shift(a, b, xd + sh) + log_nb(r, lnp0, lnq, x)),
					dead = 0.0;

		/* dropped out right after purchase x (BG/NBD: only after a repeat one) */
		if (modified || x > 0)
			dead = exp(log_beta_shift(a, b, xd + sh - 1.0)) * a / (a + b + xd + sh - 1.0) * s[x];
		pmf[x] = alive + dead;
	}
	return CL_OK;
}

/* ln H_x(c; a', b') with d = a' - b' given exactly (see count_dist.h) */
static cl_status
log_h(double A, double B, double c, double ap, double bp, double d, double *out)
{
	double		lf;
	int			sign;
	cl_status	st;

	if (d >= 0.0)
	{
		/* u a' + (1-u) b' = a' (1 - (1-u) z), 1-u ~ Beta(B, A) */
		st = cl_log_hyp2f1_zw(c, B, A + B, d / ap, bp / ap, &lf, &sign);
		*out = lf - c * log(ap);
	}
	else
	{
		st = cl_log_hyp2f1_zw(c, A, A + B, -d / bp, ap / bp, &lf, &sign);
		*out = lf - c * log(bp);
	}
	if (st != CL_OK)
		return st;
	if (sign <= 0 || !isfinite(*out))
		return CL_ENOCONVERGE;
	return CL_OK;
}

static cl_status
pnbd_pmf(const cl_btyd_model *m, double t, int n, double *pmf)
{
	double		r = m->p[0],
				alpha = m->p[1],
				s = m->p[2],
				beta = m->p[3];
	double		lnp0 = -log1p(t / alpha),
				lnq = log(t) - log(alpha + t),
				lnsurv = -s * log1p(t / beta),
				lnab = r * log(alpha) + s * log(beta),
				lnt = log(t),
				lbrs = cl_lbeta(r, s);
	cl_status	st;
	int			x,
				j;
	long		polls = 0;

	for (x = 0; x < n; x++)
	{
		double		xd = (double) x,
					A = r + xd,
					B = s + 1.0,
					l0,
					sum = 0.0,
					bracket;

		st = log_h(A, B, r + s, alpha, beta, alpha - beta, &l0);
		if (st != CL_OK)
			return st;
		for (j = 0; j <= x; j++)
		{
			double		jd = (double) j,
						lh,
						lj;

			st = log_h(A, B, r + s + jd, alpha + t, beta + t, alpha - beta, &lh);
			if (st != CL_OK)
				return st;
			lj = cl_lgamma_ratio(r + s + jd, r + s) - cl_lgamma(jd + 1.0)
				+ (j > 0 ? jd * lnt : 0.0) + lh;
			sum += exp(lj - l0);
			if (CL_POLL(polls++))
				return CL_ENOCONVERGE;
		}
		bracket = 1.0 - sum;
		if (bracket < 0.0)
			bracket = 0.0;
		pmf[x] = exp(log_nb(r, lnp0, lnq, x) + lnsurv)
			+ exp(lnab + cl_lbeta(A, B) - lbrs + l0) * bracket;
	}
	return CL_OK;
}

cl_status
cl_btyd_count_pmf(const cl_btyd_model *m, double t, int n, double *pmf, double *tail)
{
	double		total = 0.0;
	cl_status	st;
	int			x;

	if (m == NULL || pmf == NULL || tail == NULL || n < 1 || n > CL_COUNT_PMF_MAX)
		return CL_EINVAL;
	if (!isfinite(t))
		return CL_ENOTFINITE;
	if (t < 0.0 || CL_BTYD_LIMIT(m->family) != 0)
		return CL_EINVAL;
	switch (m->family)
	{
		case CL_BTYD_BGNBD:
		case CL_BTYD_MBGNBD:
			st = cl_bgnbd_check_params(&(const cl_bgnbd_params) {m->p[0], m->p[1], m->p[2], m->p[3]});
			break;
		case CL_BTYD_PARETO_NBD:
			st = cl_pnbd_check_params(&(const cl_pnbd_params) {m->p[0], m->p[1], m->p[2], m->p[3]});
			break;
		default:
			st = CL_EINVAL;
	}
	if (st != CL_OK)
		return st;
	if (t == 0.0)
	{
		for (x = 0; x < n; x++)
			pmf[x] = x == 0 ? 1.0 : 0.0;
		*tail = 0.0;
		return CL_OK;
	}
	if (m->family == CL_BTYD_PARETO_NBD)
		st = pnbd_pmf(m, t, n, pmf);
	else
		st = bg_family_pmf(m, m->family == CL_BTYD_MBGNBD, t, n, pmf);
	if (st != CL_OK)
		return st;
	for (x = 0; x < n; x++)
	{
		if (!isfinite(pmf[x]) || pmf[x] < 0.0)
			return CL_ENOCONVERGE;
		total += pmf[x];
	}
	*tail = total >= 1.0 ? 0.0 : 1.0 - total;
	return CL_OK;
}
