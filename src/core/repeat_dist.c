/*
 * repeat_dist.c — P(X(t) = x) under BG/NBD, MBG/NBD and Pareto/NBD (the
 * formulas are in repeat_dist.h).
 */
#include <math.h>

#include "bgnbd.h"
#include "btyd_limits.h"
#include "repeat_dist.h"
#include "interrupt.h"
#include "pareto_nbd.h"
#include "specfun.h"

/* terms of one upper-tail series before falling back to 1 - Σ */
#define TAIL_TERMS_MAX 1000000

/*
 * The purchase count of an alive customer over (0, t]: negative binomial
 * (rate ~ Gamma(r, α)) or, for a homogeneous-rate limit, Poisson(λt).
 */
typedef struct rate_dist
{
	int			poisson;
	double		r,
				lnp0,			/* ln(α/(α+t)) */
				lnq,			/* ln(t/(α+t)) */
				q;				/* t/(α+t) */
	double		z,				/* λt */
				lnz;
} rate_dist;

static double
rate_log_pmf(const rate_dist *d, long j)
{
	double		jd = (double) j;

	if (d->poisson)
		return -d->z + (j > 0 ? jd * d->lnz : 0.0) - cl_lgamma(jd + 1.0);
	return cl_lgamma_ratio(d->r + jd, d->r) - cl_lgamma(jd + 1.0) + d->r * d->lnp0 + (j > 0 ? jd * d->lnq : 0.0);
}

/* pmf(j+1)/pmf(j) */
static double
rate_ratio(const rate_dist *d, long j)
{
	if (d->poisson)
		return d->z / ((double) j + 1.0);
	return d->q * (d->r + (double) j) / ((double) j + 1.0);
}

/*
 * S(x) = Σ_{j>=x} pmf(j) for x = 0..n-1 into s[].  Below the median the
 * complement 1 - F(x-1) is accurate; above it the upper tail is summed
 * term by term (positive terms), so a small tail keeps its relative
 * accuracy.  A series longer than TAIL_TERMS_MAX (a ratio within ~1e-5 of
 * 1, which puts the median far beyond any x asked for) falls back to the
 * complement.
 */
static cl_status
upper_tails(const rate_dist *d, int n, double *s)
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
			double		term = exp(rate_log_pmf(d, x)),
						sum = 0.0;
			long		j;

			for (j = x; j < (long) x + TAIL_TERMS_MAX; j++)
			{
				sum += term;
				if (term <= 1e-17 * sum)
					break;
				term *= rate_ratio(d, j);
				if (CL_POLL(polls++))
					return CL_ENOCONVERGE;
			}
			s[x] = j < (long) x + TAIL_TERMS_MAX ? sum : 1.0 - cdf;
		}
		cdf += exp(rate_log_pmf(d, x));
	}
	return CL_OK;
}

static void
rate_gamma(rate_dist *d, double r, double alpha, double t)
{
	d->poisson = 0;
	d->r = r;
	d->lnp0 = -log1p(t / alpha);
	d->q = t / (alpha + t);
	d->lnq = log(t) - log(alpha + t);
}

static void
rate_poisson(rate_dist *d, double lambda, double t)
{
	d->poisson = 1;
	d->z = lambda * t;
	d->lnz = log(lambda) + log(t);
}

/* ln[B(a, b+y)/B(a, b)] */
static double
log_beta_shift(double a, double b, double y)
{
	return cl_lgamma_ratio(b + y, a + b + y) - cl_lgamma_ratio(b, a + b);
}

/* the dropout probability p after a purchase: Beta(a, b), fixed, or none */
typedef enum
{
	DROP_NONE,
	DROP_BETA,
	DROP_FIXED
} drop_kind;

/*
 * BG/NBD and MBG/NBD with their limits: with k = x (BG) or x + 1 (MBG)
 * dropout chances passed, P(X = x) = E[(1-p)^k] pmf(x) + E[p (1-p)^(k-1)] S(x),
 * the second term only when the k-th chance came after a purchase in
 * (0, t] or at the first purchase (MBG).
 */
static cl_status
bg_family_pmf(int modified, const rate_dist *rate, drop_kind dk, double a, double b,
			  int n, double *pmf)
{
	double		s[CL_COUNT_PMF_MAX];
	cl_status	st;
	int			x;

	st = upper_tails(rate, n, s);
	if (st != CL_OK)
		return st;
	for (x = 0; x < n; x++)
	{
		double		k = (double) x + (modified ? 1.0 : 0.0),
					alive,
					dead = 0.0;

		switch (dk)
		{
			case DROP_BETA:
				alive = exp(log_beta_shift(a, b, k));
				if (k > 0.0)
					dead = exp(log_beta_shift(a, b, k - 1.0)) * a / (a + b + k - 1.0);
				break;
			case DROP_FIXED:
				/* a = p */
				alive = pow(1.0 - a, k);
				if (k > 0.0)
					dead = a * pow(1.0 - a, k - 1.0);
				break;
			default:
				alive = 1.0;
				break;
		}
		pmf[x] = alive * exp(rate_log_pmf(rate, x)) + (dead > 0.0 ? dead * s[x] : 0.0);
	}
	return CL_OK;
}

/*
 * Pareto/NBD's homogeneous limit (rate λ, dropout rate μ):
 * e^-(λ+μ)t (λt)^x/x! + μ λ^x/(λ+μ)^(x+1) P(Poisson((λ+μ)t) >= x+1).
 */
static cl_status
pnbd_poisson_exp_pmf(double lambda, double mu, double t, int n, double *pmf)
{
	rate_dist	all,
				buy;
	double		s[CL_COUNT_PMF_MAX + 1];
	cl_status	st;
	int			x;

	rate_poisson(&all, lambda + mu, t);
	rate_poisson(&buy, lambda, t);
	st = upper_tails(&all, n + 1, s);
	if (st != CL_OK)
		return st;
	for (x = 0; x < n; x++)
		pmf[x] = exp(rate_log_pmf(&buy, x) - mu * t)
			+ exp(log(mu) + x * log(lambda) - (x + 1.0) * log(lambda + mu)) * s[x + 1];
	return CL_OK;
}

/* ln H_x(c; a', b') with d = a' - b' given exactly (see repeat_dist.h) */
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

/*
 * Pareto/NBD limits with one mixture left (homogeneous rate: λ, s, β;
 * homogeneous dropout: r, α, μ).  The lifetime τ is independent of the
 * purchases, so with S(t) its survival, f its density and N(t) the count of
 * an alive customer:
 *   P(X = x) = S(t) P(N(t) = x) + ∫_0^t f(τ) P(N(τ) = x) dτ.
 * The integral has no elementary form (a Tricomi function); it is computed
 * by tanh-sinh quadrature, split at the mode of P(N(τ) = x) in τ so that the
 * peak sits at an end of each piece, where the nodes crowd.  Checked in the
 * unit tests against the limit's E[X(t)] and against the interior model
 * near the limit.
 */
#define TS_LEVEL_H (1.0 / 64.0)
#define TS_HALF_NODES 320		/* k h up to 5: weights below 1e-300 */

static double
lifetime_density(const cl_btyd_model *m, int hom_rate, double tau)
{
	if (hom_rate)
	{
		double		s = m->p[1],
					beta = m->p[2];

		/* Lomax: s/β (β/(β+τ))^(s+1) */
		return exp(log(s / beta) - (s + 1.0) * log1p(tau / beta));
	}
	return m->p[2] * exp(-m->p[2] * tau);
}

static double
count_pmf_at(const cl_btyd_model *m, int hom_rate, int x, double tau)
{
	rate_dist	d;

	if (tau <= 0.0)
		return x == 0 ? 1.0 : 0.0;
	if (hom_rate)
		rate_poisson(&d, m->p[0], tau);
	else
		rate_gamma(&d, m->p[0], m->p[1], tau);
	return exp(rate_log_pmf(&d, x));
}

/* ∫_a^b f(τ) P(N(τ) = x) dτ by tanh-sinh */
static double
lifetime_piece(const cl_btyd_model *m, int hom_rate, int x, double a, double b)
{
	double		sum = 0.0,
				len = b - a;
	int			k;

	if (!(len > 0.0))
		return 0.0;
	for (k = -TS_HALF_NODES; k <= TS_HALF_NODES; k++)
	{
		double		kh = k * TS_LEVEL_H,
					v = M_PI_2 * sinh(kh),
					e = exp(-2.0 * fabs(v)),
					/* the distance to the nearer end, as a fraction of len */
					near = e / (1.0 + e),
					w = 4.0 * e / ((1.0 + e) * (1.0 + e)) * M_PI_2 * cosh(kh) * TS_LEVEL_H * len / 2.0,
					tau = v < 0.0 ? a + len * near : b - len * near;

		if (w == 0.0)
			continue;
		sum += w * lifetime_density(m, hom_rate, tau) * count_pmf_at(m, hom_rate, x, tau);
	}
	return sum;
}

static cl_status
pnbd_lifetime_pmf(const cl_btyd_model *m, int hom_rate, double t, int n, double *pmf)
{
	double		surv = hom_rate ? exp(-m->p[1] * log1p(t / m->p[2])) : exp(-m->p[2] * t);
	int			x;

	for (x = 0; x < n; x++)
	{
		/* the mode of P(N(τ) = x) in τ: x/λ, or x α/r for the NB count */
		double		mode = hom_rate ? x / m->p[0] : x * m->p[1] / m->p[0];

		if (mode > t)
			mode = t;
		pmf[x] = surv * count_pmf_at(m, hom_rate, x, t)
			+ lifetime_piece(m, hom_rate, x, 0.0, mode)
			+ lifetime_piece(m, hom_rate, x, mode, t);
		if (cl_interrupted())
			return CL_ENOCONVERGE;
	}
	return CL_OK;
}

static cl_status
pnbd_pmf(const cl_btyd_model *m, double t, int n, double *pmf)
{
	double		r = m->p[0],
				alpha = m->p[1],
				s = m->p[2],
				beta = m->p[3];
	double		lnsurv = -s * log1p(t / beta),
				lnab = r * log(alpha) + s * log(beta),
				lnt = log(t),
				lbrs = cl_lbeta(r, s);
	rate_dist	nb;
	cl_status	st;
	int			x,
				j;
	long		polls = 0;

	rate_gamma(&nb, r, alpha, t);
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
		pmf[x] = exp(rate_log_pmf(&nb, x) + lnsurv)
			+ exp(lnab + cl_lbeta(A, B) - lbrs + l0) * bracket;
	}
	return CL_OK;
}

cl_status
cl_btyd_count_pmf(const cl_btyd_model *m, double t, int n, double *pmf, double *tail)
{
	int			base = CL_BTYD_BASE(m == NULL ? 0 : m->family),
				flags = CL_BTYD_LIMIT(m == NULL ? 0 : m->family);
	double		total = 0.0;
	rate_dist	rate;
	cl_status	st;
	int			x;

	if (m == NULL || pmf == NULL || tail == NULL || n < 1 || n > CL_COUNT_PMF_MAX)
		return CL_EINVAL;
	if (!isfinite(t))
		return CL_ENOTFINITE;
	if (t < 0.0)
		return CL_EINVAL;
	if (flags != 0)
		st = cl_btyd_limit_check(m);
	else if (base == CL_BTYD_BGNBD || base == CL_BTYD_MBGNBD)
		st = cl_bgnbd_check_params(&(const cl_bgnbd_params) {m->p[0], m->p[1], m->p[2], m->p[3]});
	else if (base == CL_BTYD_PARETO_NBD)
		st = cl_pnbd_check_params(&(const cl_pnbd_params) {m->p[0], m->p[1], m->p[2], m->p[3]});
	else
		st = CL_EINVAL;
	if (st != CL_OK)
		return st;
	if (t == 0.0)
	{
		for (x = 0; x < n; x++)
			pmf[x] = x == 0 ? 1.0 : 0.0;
		*tail = 0.0;
		return CL_OK;
	}

	if (flags & CL_LIMIT_HOMOGENEOUS_RATE)
		rate_poisson(&rate, m->p[0], t);
	else
		rate_gamma(&rate, m->p[0], m->p[1], t);
	if (base == CL_BTYD_PARETO_NBD)
	{
		switch (flags)
		{
			case 0:
				st = pnbd_pmf(m, t, n, pmf);
				break;
			case CL_LIMIT_NO_DROPOUT:
			case CL_LIMIT_HOMOGENEOUS_RATE | CL_LIMIT_NO_DROPOUT:
				st = bg_family_pmf(0, &rate, DROP_NONE, 0.0, 0.0, n, pmf);
				break;
			case CL_LIMIT_HOMOGENEOUS_RATE | CL_LIMIT_HOMOGENEOUS_DROPOUT:
				st = pnbd_poisson_exp_pmf(m->p[0], m->p[1], t, n, pmf);
				break;
			case CL_LIMIT_HOMOGENEOUS_RATE:
			case CL_LIMIT_HOMOGENEOUS_DROPOUT:
				st = pnbd_lifetime_pmf(m, flags == CL_LIMIT_HOMOGENEOUS_RATE, t, n, pmf);
				break;
			default:
				return CL_EINVAL;
		}
	}
	else
	{
		int			modified = base == CL_BTYD_MBGNBD;
		/* the dropout parameters follow the rate's: (r, α) or (λ) */
		int			k = (flags & CL_LIMIT_HOMOGENEOUS_RATE) ? 1 : 2;

		if (flags & CL_LIMIT_NO_DROPOUT)
			st = bg_family_pmf(modified, &rate, DROP_NONE, 0.0, 0.0, n, pmf);
		else if (flags & CL_LIMIT_HOMOGENEOUS_DROPOUT)
			st = bg_family_pmf(modified, &rate, DROP_FIXED, m->p[k], 0.0, n, pmf);
		else
			st = bg_family_pmf(modified, &rate, DROP_BETA, m->p[k], m->p[k + 1], n, pmf);
	}
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
