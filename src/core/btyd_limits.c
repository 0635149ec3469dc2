/*
 * btyd_limits.c — limit models of BG/NBD, MBG/NBD, Pareto/NBD and
 * Gamma-Gamma: likelihoods, closed-form scores and the boundary-aware fits
 * (btyd_limits.h describes the limits).
 *
 * Notation as in the models: a customer made x repeat purchases, the last
 * at t_x, and is observed until T.  For the BG/NBD family k = x is the
 * number of purchases after which the customer could have left (MBG/NBD:
 * k = x + 1, the first purchase included), and the data say either
 *   alive:  survived k chances:             A = (1-p)^k  R(T)
 *   dead:   left after the last purchase:   D = p (1-p)^(k-1) R(t_x)
 * (BG/NBD has no D term for x = 0), with R(t) the purchase part of the
 * likelihood up to t: λ^x e^(-λt) for a homogeneous rate, and
 * Γ(r+x)/Γ(r) α^r (α+t)^-(r+x) for Gamma-distributed rates.  Given alive
 * at T a customer keeps buying at rate λ (posterior Gamma(r+x, α+T)) and
 * leaves after each purchase with probability p, so with p fixed
 *   E[purchases in (T, T+t] | alive, λ] = (1 - e^(-λ p t)) / p,
 * and with λ ~ Gamma(r+x, α+T) the mean of e^(-λ p t) is
 * ((α+T)/(α+T+p t))^(r+x).  Without dropout that is λ t.
 *
 * Pareto/NBD with homogeneous rate λ and dropout rate μ (c = λ + μ):
 *   L = λ^x e^(-c t_x) (μ + λ e^(-c (T - t_x))) / c,
 *   P(alive) = c e^(-c (T-t_x)) / (μ + λ e^(-c (T-t_x))),
 *   E[Y(t) | alive] = λ/μ (1 - e^(-μ t)),
 *   P(a purchase in (T, T+h] | alive) = λ/c (1 - e^(-c h)).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "bgnbd.h"
#include "btyd_limits.h"
#include "incgamma.h"
#include "mbgnbd.h"
#include "pareto_nbd.h"
#include "specfun.h"

#define HR	CL_LIMIT_HOMOGENEOUS_RATE
#define ND	CL_LIMIT_NO_DROPOUT
#define HD	CL_LIMIT_HOMOGENEOUS_DROPOUT

/*
 * A clean interior optimum whose (data-scaled) parameters lie beyond
 * 1e3 or 1e-3 is near an edge: the limit there may still be better, so the
 * limits are checked too.  CDNOW-like fits are far inside (within 1e1).
 */
#define NEAR_EDGE 6.907755278982137	/* ln(1e3) */

int
cl_btyd_limit_nparams(int base, int flags)
{
	if (base != CL_BTYD_BGNBD && base != CL_BTYD_MBGNBD && base != CL_BTYD_PARETO_NBD)
		return -1;
	switch (flags)
	{
		case 0:
			return 4;
		case ND:
			return 2;
		case HR | ND:
			return 1;
		case HR:
		case HD:
			return 3;
		case HR | HD:
			return 2;
	}
	return -1;
}

static int
finite_pos(double v)
{
	return isfinite(v) && v > 0.0;
}

cl_status
cl_btyd_limit_check(const cl_btyd_model *m)
{
	int			base = CL_BTYD_BASE(m->family);
	int			flags = CL_BTYD_LIMIT(m->family);
	int			np = cl_btyd_limit_nparams(base, flags);
	int			i;

	if (np < 0 || flags == 0)
		return CL_EINVAL;
	for (i = 0; i < np; i++)
		if (!isfinite(m->p[i]))
			return CL_ENOTFINITE;
	for (i = 0; i < np; i++)
		if (!(m->p[i] > 0.0))
			return CL_EINVAL;
	/* the dropout probability: p < 1, or p = 1 for BG/NBD's HR | HD */
	if (flags == HD && base != CL_BTYD_PARETO_NBD && !(m->p[2] < 1.0))
		return CL_EINVAL;
	if (flags == (HR | HD) && base != CL_BTYD_PARETO_NBD
		&& !(m->p[1] < 1.0 || (m->p[1] == 1.0 && base == CL_BTYD_BGNBD)))
		return CL_EINVAL;
	return CL_OK;
}

/* k * v with 0 * (-inf) = 0 (no chance to leave means no factor) */
static double
times(double k, double v)
{
	return k == 0.0 ? 0.0 : k * v;
}

/* a * b with 0 * inf = 0: a shape r + x that overflowed times a term that underflowed */
static double
mul0(double a, double b)
{
	return a == 0.0 || b == 0.0 ? 0.0 : a * b;
}

/*
 * ln A and ln D of the BG/NBD family (common factors dropped: x ln λ, or
 * ln Γ(r+x) - ln Γ(r) + r ln α).  lnD = -inf when there is no dead term.
 */
static void
bg_terms(int base, int flags, const double *p, double x, double t_x, double T,
		 double *lnA, double *lnD)
{
	int			modified = base == CL_BTYD_MBGNBD;
	double		k = modified ? x + 1.0 : x;
	double		q = (flags & HR) ? p[1] : p[2];
	double		l1q = q == 1.0 ? -INFINITY : log1p(-q);
	double		rA,
				rD;

	if (flags & HR)
	{
		rA = -p[0] * T;
		rD = -p[0] * t_x;
	}
	else
	{
		rA = -(p[0] + x) * log(p[1] + T);
		rD = -(p[0] + x) * log(p[1] + t_x);
	}
	*lnA = times(k, l1q) + rA;
	*lnD = (modified || x > 0.0) ? log(q) + times(k - 1.0, l1q) + rD : -INFINITY;
}

/*
 * Beta(a, b) with a + b beyond 1e17 max(1, k²) (or overflowing) has a
 * spread below the rounding of its moments up to order k: it is the point
 * mass at a/(a+b), and the Γ ratios would lose b + k to rounding.
 */
static int
beta_is_point(double a, double b, double k)
{
	double		s = a + b;

	return !isfinite(s) || s > 1e17 * fmax(1.0, k * k);
}

/*
 * The terms of a customer's likelihood that depend on x alone (Γ ratios),
 * computed once per run of equal x when a fit sums over cells grouped by x:
 *   NBD rates (ND, HD):  xt[0] = ln Γ(r+x) - ln Γ(r);
 *   homogeneous rate, p ~ Beta(a, b) (HR): the Beta means
 *     xt[0] = ln E[(1-p)^k]        = ln B(a, b+k) - ln B(a, b),
 *     xt[1] = ln E[p (1-p)^(k-1)]  = ln a + ln B(a+1, b+k-1) - ... (-inf
 *             when there is no dead term), as Γ ratios accurate for large b.
 */
static void
x_terms(int base, int flags, const double *p, double x, double *xt)
{
	int			modified = base == CL_BTYD_MBGNBD;
	double		k = modified ? x + 1.0 : x;

	xt[0] = xt[1] = 0.0;
	if (base == CL_BTYD_PARETO_NBD)
	{
		/* ND, HD: ln Γ(r+x) - ln Γ(r); HR, HR | HD: nothing depends on x alone */
		if ((flags == ND || flags == HD) && x > 0.0)
			xt[0] = cl_lgamma_ratio(p[0] + x, p[0]);
	}
	else if (flags == HR && beta_is_point(p[1], p[2], k))
	{
		/* Beta(a, b) is a point mass at a/(a+b) to double precision */
		double		p0 = 1.0 / (1.0 + p[2] / p[1]),
					l1q = log1p(-p0);

		xt[0] = times(k, l1q);
		xt[1] = (modified || x > 0.0) ? log(p0) + times(k - 1.0, l1q) : -INFINITY;
	}
	else if (flags == HR)
	{
		double		a = p[1],
					b = p[2],
					tail = cl_lgamma_ratio(a + b + k, a + b);

		xt[0] = cl_lgamma_ratio(b + k, b) - tail;
		xt[1] = (modified || x > 0.0)
			? log(a) + cl_lgamma_ratio(b + k - 1.0, b) - tail : -INFINITY;
	}
	else if ((flags == ND || flags == HD) && x > 0.0)
		xt[0] = cl_lgamma_ratio(p[0] + x, p[0]);
}

/* ln A and ln D of the HR limit (common factor x ln λ dropped) */
static void
hr_beta_terms(const double *p, const double *xt, double t_x, double T,
			  double *lnA, double *lnD)
{
	*lnA = xt[0] - p[0] * T;
	*lnD = xt[1] == -INFINITY ? -INFINITY : xt[1] - p[0] * t_x;
}

/*
 * ---- Pareto/NBD with one homogeneous rate --------------------------------
 *
 * Homogeneous rate (λ fixed, μ ~ Gamma(s, β)) and homogeneous dropout (μ
 * fixed, λ ~ Gamma(r, α)).  Mixing the individual likelihood
 *   λ^x [μ/(λ+μ) e^(-(λ+μ) t_x) + λ/(λ+μ) e^(-(λ+μ) T)]
 *   = λ^x e^(-λT) e^(-μT) + λ^x μ ∫_{t_x}^{T} e^(-λy) e^(-μy) dy
 * over the Gamma rate turns the integral over the death time into an
 * incomplete gamma function of order 1 - m (m = s + 1 or r + x), which
 * with K(a, z) = e^z z^a Γ(-a, z) (incgamma.h) and the identity
 * (a+1) K(a+1, z) + z K(a, z) = 1 becomes a sum of two positive terms
 * (no cancellation, however close t_x is to T):
 *
 *   homogeneous rate, z_t = λ (β + t):
 *     L = λ^x [ e^(-λT) (β/(β+T))^s z_T K(s-1, z_T)
 *              + s e^(-λ t_x) (β/(β+t_x))^s K(s, z_tx) ]
 *   homogeneous dropout, k = r + x, z_t = μ (α + t):
 *     L = Γ(k)/Γ(r) α^r [ e^(-μT) (α+T)^-k k K(k, z_T)
 *                        + e^(-μ t_x) (α+t_x)^-k z_tx K(k-1, z_tx) ]
 *
 * The alive term is e^(-λT) (β/(β+T))^s (resp. e^(-μT) (α+T)^-k times the
 * Γ factor), so 1/P(alive) is the bracket over it, again two positive
 * terms.  Given alive at T the customer's Gamma rate has the posterior
 * Gamma(s, β+T) (resp. Gamma(r+x, α+T)), so
 *   E[Y(t) | alive] = λ (β+T) [1 - ((β+T)/(β+T+t))^(s-1)] / (s-1)
 *                   resp. (r+x)/(α+T) (1 - e^(-μt))/μ,
 * and the probability of no purchase before min(h, death), B = β+T
 * (resp. α+T), z = rate × B, z' = rate × (B+h):
 *   homogeneous rate:    s K(s, z) + e^(-λh) (B/(B+h))^s z' K(s-1, z')
 *   homogeneous dropout: z K(k-1, z) + e^(-μh) (B/(B+h))^k k K(k, z')
 * (death first, plus neither within h): both 1 at h = 0.
 */

/* ln(u + v), u > 0, v >= 0, also where u + v overflows */
static double
ln_add(double u, double v)
{
	double		hi = fmax(u, v),
				lo = fmin(u, v);

	return log(hi) + log1p(lo / hi);
}

/* ln(a K(a, z)), a > 0, z = e^lnz; a/(a+1+z) to rounding for a beyond 1e150 */
static double
log_akfun(double a, double lnz)
{
	if (a > 1e150)
		return -log1p(exp(cl_log1pexp(lnz) - log(a)));
	return log(a) + cl_log_kfun(a, lnz);
}

/* homogeneous rate: p = λ, s, β */
static double
pnbd_hr_ll(const double *p, double x, double t_x, double T)
{
	double		ll = log(p[0]),
				s = p[1],
				b = p[2],
				t1 = -p[0] * T - s * log1p(T / b) + cl_log_zkfun(s - 1.0, ll + ln_add(b, T)),
				t2 = log(s) - p[0] * t_x - s * log1p(t_x / b) + cl_log_kfun(s, ll + ln_add(b, t_x));

	return times(x, ll) + cl_logsumexp2(t1, t2);
}

/* homogeneous dropout: p = r, α, μ; without ln Γ(r+x) - ln Γ(r) */
static double
pnbd_hd_ll(const double *p, double x, double t_x, double T)
{
	double		r = p[0],
				a = p[1],
				lmu = log(p[2]),
				laT = ln_add(a, T),
				lat = ln_add(a, t_x),
				t1 = -p[2] * T - r * log1p(T / a) - times(x, laT) + log_akfun(r + x, lmu + laT),
				t2 = -p[2] * t_x - r * log1p(t_x / a) - times(x, lat)
				+ cl_log_zkfun(r + x - 1.0, lmu + lat);

	return cl_logsumexp2(t1, t2);
}

/* ln(1/P(alive)) of either limit, Δ = T - t_x > 0 */
static double
pnbd_one_log_inv_alive(int flags, const double *p, double x, double t_x, double T)
{
	double		d = T - t_x;

	if (flags == HR)
	{
		double		ll = log(p[0]),
					s = p[1],
					b = p[2];

		return cl_logsumexp2(cl_log_zkfun(s - 1.0, ll + ln_add(b, T)),
							 log(s) + p[0] * d + s * log1p(d / (b + t_x))
							 + cl_log_kfun(s, ll + ln_add(b, t_x)));
	}
	else
	{
		double		k = p[0] + x,
					a = p[1],
					lmu = log(p[2]);

		if (k == INFINITY)
			return INFINITY;	/* a rate beyond any bound who stopped buying left */
		return cl_logsumexp2(log_akfun(k, lmu + ln_add(a, T)),
							 p[2] * d + mul0(k, log1p(d / (a + t_x)))
							 + cl_log_zkfun(k - 1.0, lmu + ln_add(a, t_x)));
	}
}

/*
 * P(dead) = R/(1+R) with R = D/A the ratio of the dead and alive terms,
 * computed so that a small P(dead) keeps its relative accuracy (1 - P(alive)
 * would not).  With B = β+T, c = λ, m = s+1 (homogeneous rate; factor
 * s/B) or B = α+T, c = μ, m = r+x (homogeneous dropout; factor μ):
 *   R = factor ∫_0^Δ e^(cv) (1 - v/B)^(-m) dv,
 * and in K (from the two positive terms of 1/P(alive) = 1 + R):
 *   homogeneous rate:    R = s [E K(s, z_tx) - K(s, z_T)]
 *   homogeneous dropout: R = E z_tx K(k-1, z_tx) - z_T K(k-1, z_T)
 * with E = e^(cΔ) ((B)/(B-Δ))^(m-1 or m).  The difference cancels when the
 * integrand changes little over (0, Δ): there (φ(Δ) = cΔ - m ln(1 - Δ/B)
 * at most 2, Δ at most B/4) the integral is taken directly, by
 * Gauss-Legendre panels over which φ grows by at most 1/3 and whose
 * distance to the singularity at v = B is at least 3 widths, which the
 * 10-point rule integrates to rounding.
 */
static const double GL10_X[5] = {
	0.148874338981631210885, 0.433395394129247190799, 0.679409568299024406234,
	0.865063366688984510732, 0.973906528517171720078
};
static const double GL10_W[5] = {
	0.295524224714752870174, 0.269266719309996355091, 0.219086362515982043996,
	0.149451349150580593146, 0.0666713443086881375936
};

/* ln ∫_0^d e^(c v) (1 - v/B)^(-m) dv when short (see above), else NAN */
static double
log_short_integral(double c, double m, double B, double d)
{
	double		phi = c * d - m * log1p(-d / B),
				sum = 0.0,
				w;
	int			np,
				j,
				i;

	if (!(d <= 0.25 * B) || !(phi <= 2.0))
		return NAN;
	np = (int) ceil(4.0 * phi) + 1;
	w = d / np;
	for (j = 0; j < np; j++)
	{
		double		mid = (j + 0.5) * w;

		for (i = -5; i < 5; i++)
		{
			int			g = i < 0 ? -i - 1 : i;
			double		v = mid + (i < 0 ? -GL10_X[g] : GL10_X[g]) * 0.5 * w;

			sum += GL10_W[g] * 0.5 * w * exp(c * v - m * log1p(-v / B));
		}
	}
	return log(sum);
}

/* ln R of either limit (Δ = T - t_x > 0) */
static double
pnbd_one_log_ratio(int flags, const double *p, double x, double t_x, double T)
{
	double		d = T - t_x,
				ls,
				lE,
				l2;

	if (flags == HR)
	{
		double		ll = log(p[0]),
					s = p[1],
					B = p[2] + T;

		ls = log_short_integral(p[0], s + 1.0, B, d);
		if (!isnan(ls))
			return log(s) - log(B) + ls;
		lE = p[0] * d + s * log1p(d / (p[2] + t_x)) + cl_log_kfun(s, ll + ln_add(p[2], t_x));
		l2 = cl_log_kfun(s, ll + ln_add(p[2], T));
		return log(s) + lE + log(-expm1(l2 - lE));
	}
	else
	{
		double		k = p[0] + x,
					lmu = log(p[2]),
					B = p[1] + T;

		ls = log_short_integral(p[2], k, B, d);
		if (!isnan(ls))
			return lmu + ls;
		lE = p[2] * d + mul0(k, log1p(d / (p[1] + t_x))) + cl_log_zkfun(k - 1.0, lmu + ln_add(p[1], t_x));
		l2 = cl_log_zkfun(k - 1.0, lmu + ln_add(p[1], T));
		return lE + log(-expm1(l2 - lE));
	}
}

/* ln((1 - e^(-μt))/μ), t > 0 */
static double
log_expected_lifetime_part(double mu, double t)
{
	double		y = mu * t;

	if (y == 0.0)
		return log(t);
	if (!isfinite(y))
		return -log(mu);
	if (y < 1.0)
		return log(t) + log(-expm1(-y) / y);
	return log(-expm1(-y)) - log(mu);
}

/* E[Y(t) | alive at T], t > 0 */
static double
pnbd_one_expected(int flags, const double *p, double x, double T, double t)
{
	if (flags == HR)
	{
		double		bT = p[2] + T,
					q = t / bT,
					mlnw = isfinite(q) ? log1p(q) : log(t) - ln_add(p[2], T);

		return exp(log(p[0]) + ln_add(p[2], T) + cl_log_pow_bracket(p[1] - 1.0, mlnw));
	}
	return exp(ln_add(p[0], x) - ln_add(p[1], T) + log_expected_lifetime_part(p[2], t));
}

/* P(no purchase before min(h, death) | alive at T), h > 0 */
static double
pnbd_one_quiet(int flags, const double *p, double x, double T, double h)
{
	double		lB,
				lBh,
				B,
				q1,
				q2;

	if (flags == HR)
	{
		double		ll = log(p[0]),
					s = p[1];

		lB = ln_add(p[2], T);
		lBh = ln_add(p[2], T + h);
		B = p[2] + T;
		q1 = log_akfun(s, ll + lB);
		q2 = -p[0] * h - s * log1p(h / B) + cl_log_zkfun(s - 1.0, ll + lBh);
	}
	else
	{
		double		k = p[0] + x,
					lmu = log(p[2]);

		lB = ln_add(p[1], T);
		lBh = ln_add(p[1], T + h);
		B = p[1] + T;
		q1 = cl_log_zkfun(k - 1.0, lmu + lB);
		q2 = -p[2] * h - mul0(k, log1p(h / B)) + log_akfun(k, lmu + lBh);
	}
	return fmin(1.0, exp(cl_logsumexp2(q1, q2)));
}

/* Log-likelihood of one customer (t_x already 0 when x = 0; xt from x_terms). */
static double
limit_cell_ll(int base, int flags, const double *p, const double *xt,
			  double x, double t_x, double T)
{
	double		lnA,
				lnD;

	switch (flags)
	{
		case ND:
			/* ln Γ(r+x) - ln Γ(r) + r ln α - (r+x) ln(α+T) */
			return xt[0] + p[0] * log(p[1]) - (p[0] + x) * log(p[1] + T);
		case HR | ND:
			return times(x, log(p[0])) - p[0] * T;
		case HR:
			if (base == CL_BTYD_PARETO_NBD)
				return pnbd_hr_ll(p, x, t_x, T);
			hr_beta_terms(p, xt, t_x, T, &lnA, &lnD);
			return times(x, log(p[0])) + cl_logsumexp2(lnA, lnD);
		case HD:
			if (base == CL_BTYD_PARETO_NBD)
				return xt[0] + pnbd_hd_ll(p, x, t_x, T);
			bg_terms(base, flags, p, x, t_x, T, &lnA, &lnD);
			return xt[0] + p[0] * log(p[1]) + cl_logsumexp2(lnA, lnD);
		case HR | HD:
			if (base == CL_BTYD_PARETO_NBD)
			{
				double		c = p[0] + p[1];

				return times(x, log(p[0])) - c * t_x
					+ log((p[1] + p[0] * exp(-c * (T - t_x))) / c);
			}
			bg_terms(base, flags, p, x, t_x, T, &lnA, &lnD);
			return times(x, log(p[0])) + cl_logsumexp2(lnA, lnD);
	}
	return NAN;
}

static cl_status
check_customer(const cl_btyd_model *m, double x, double *t_x, double T)
{
	cl_status	st = cl_btyd_limit_check(m);

	if (st != CL_OK || (st = cl_btyd_check(x, *t_x, T)) != CL_OK)
		return st;
	if (x == 0.0)
		*t_x = 0.0;
	return CL_OK;
}

cl_status
cl_btyd_limit_loglik(const cl_btyd_model *m, double x, double t_x, double T,
					 double *out)
{
	cl_status	st = check_customer(m, x, &t_x, T);
	int			base = CL_BTYD_BASE(m->family),
				flags = CL_BTYD_LIMIT(m->family);
	double		ll,
				xt[2];

	if (st != CL_OK)
		return st;
	x_terms(base, flags, m->p, x, xt);
	ll = limit_cell_ll(base, flags, m->p, xt, x, t_x, T);
	if (isnan(ll) || ll == INFINITY)
		return CL_ERANGE;
	*out = ll;
	return CL_OK;
}

/* 1 / (1 + e^d) without overflow; d = +inf gives 0 */
static double
logistic_neg(double d)
{
	return d > 0.0 ? exp(-d) / (1.0 + exp(-d)) : 1.0 / (1.0 + exp(d));
}

/* ln(λ + μ) without overflow */
static double
log_sum(double l, double m)
{
	double		hi = fmax(l, m),
				lo = fmin(l, m);

	return log(hi) + log1p(lo / hi);
}

/*
 * P(alive at T); inputs checked.  Computed from the log-ratio d = ln(D/A),
 * formed from differences (λ (T - t_x), (r+x) ln((α+T)/(α+t_x))) rather
 * than from ln A and ln D, which overflow separately for extreme λ or T.
 */
static double
alive_prob(int base, int flags, const double *p, double x, double t_x, double T)
{
	int			modified = base == CL_BTYD_MBGNBD;
	double		d,
				q;

	if (flags & ND)
		return 1.0;
	if (base == CL_BTYD_PARETO_NBD && (flags == HR || flags == HD))
	{
		if (T - t_x == 0.0)
			return 1.0;
		d = pnbd_one_log_inv_alive(flags, p, x, t_x, T);
		return isnan(d) ? NAN : d <= 0.0 ? 1.0 : exp(-d);
	}
	if (base == CL_BTYD_PARETO_NBD)
	{
		/*
		 * A/(A+D) = 1 / (1 + μ/c (e^(cΔ) - 1)), Δ = T - t_x: d = ln μ - ln c
		 * + ln(e^(cΔ) - 1), with ln(e^y - 1) = y + ln(1 - e^-y) for large y.
		 */
		double		lam = p[0],
					mu = p[1],
					y = exp(log_sum(lam, mu)) * (T - t_x);

		if (T - t_x == 0.0)
			return 1.0;
		if (!isfinite(y))
			return 0.0;
		d = log(mu) - log_sum(lam, mu) + (y > 30.0 ? y + log1p(-exp(-y)) : log(expm1(y)));
		return logistic_neg(d);
	}
	if (!modified && x == 0.0)
		return 1.0;				/* BG/NBD: no chance to leave before a repeat purchase */
	if (flags == HR)
	{
		/*
		 * d = ln E[p (1-p)^(k-1)] - ln E[(1-p)^k] + λ (T - t_x), and the
		 * Beta moments' ratio is B(a+1, b+k-1) / B(a, b+k) = a / (b+k-1)
		 */
		double		k = modified ? x + 1.0 : x;

		d = log(p[1]) - log_sum(p[2], k - 1.0) + (T == t_x ? 0.0 : p[0] * (T - t_x));
		return logistic_neg(d);
	}
	/* point p: d = ln p - ln(1-p) + rate term; p = 1 (BG/NBD, x > 0): dead */
	q = (flags & HR) ? p[1] : p[2];
	if (q == 1.0)
		return 0.0;
	d = log(q) - log1p(-q);
	if (T == t_x)
		return logistic_neg(d);	/* the rate terms cancel */
	if (flags & HR)
		d += p[0] * (T - t_x);
	else
		d += mul0(p[0] + x, log1p((T - t_x) / (p[1] + t_x)));
	return logistic_neg(d);
}

/*
 * E[(1 - e^(-c p)) / p] for p ~ Beta(a, b): the expected purchases in a
 * time with c = λ t expected arrivals of a customer who leaves after each
 * purchase with probability p.  The (n+1)-th arrival is a purchase when
 * the customer survived the n before it, with probability
 *   w_n = E[(1-p)^n] = (b)_n / (a+b)_n,
 * so the value is E[W(N)] with N ~ Poisson(c) and W(k) = Σ_{n<k} w_n:
 * a sum of positive terms, with no cancellation whatever a, b and c.
 * W telescopes: with u_k = (b)_k / (a+b-1)_k, w_n = (a+b-1)/(a-1) (u_n -
 * u_{n+1}), so W(k) = (a+b-1)/(a-1) (1 - u_k) (b ψ-differences at a = 1);
 * it starts the sum where the Poisson mass begins (c - 12 √c - 40), and
 * the recurrences w_{n+1} = w_n (b+n)/(a+b+n), P(N = k+1) = P(N = k)
 * c/(k+1) carry it to where the mass ends (c + 12 √c + 40): O(√c) terms,
 * at most ~80,000 (c <= BETA_MEAN_SUM_MAX); beyond, an expansion in 1/c.
 */
#define BETA_MEAN_SUM_MAX 1e7

static double
beta_dropout_mean(double c, double a, double b)
{
	double		half = 12.0 * sqrt(c) + 40.0;
	double		k0 = floor(c - half),
				k1 = ceil(c + half),
				k,
				lnw,
				w,
				W,
				pk,
				sum = 0.0,
				mass = 0.0;

	if (c <= 0.0)
		return 0.0;
	if (beta_is_point(a, b, fmax(1.0, c)))
	{
		double		p0 = 1.0 / (1.0 + b / a);

		return c * p0 == 0.0 ? c : c * (-expm1(-c * p0) / (c * p0));
	}
	if (c > BETA_MEAN_SUM_MAX)
	{
		/*
		 * The Poisson mass is within a relative 1e-3 of c, where W is smooth
		 * (its n-th derivative is ~ W / c^n): with the Poisson central
		 * moments c, c, 3c² + c, E[W(N)] = W(c) + c W''(c) / 2 + O(W / c²).
		 * W'' = -(a+b-1)/(a-1) u (D1² + D2), D1 = ψ(b+c) - ψ(a+b-1+c),
		 * D2 = ψ'(b+c) - ψ'(a+b-1+c); at a = 1, W'' = b ψ''(b+c) ~ -b/(b+c)².
		 */
		if (fabs(a - 1.0) > 1e-9)
		{
			double		lnu = cl_lgamma_ratio(b + c, b) - cl_lgamma_ratio(a + b - 1.0 + c, a + b - 1.0),
						d1 = cl_digamma(b + c) - cl_digamma(a + b - 1.0 + c),
						d2 = cl_trigamma(b + c) - cl_trigamma(a + b - 1.0 + c),
						f = (a + b - 1.0) / (a - 1.0);

			return f * -expm1(lnu) - 0.5 * c * f * exp(lnu) * (d1 * d1 + d2);
		}
		return b * (cl_digamma(b + c) - cl_digamma(b)) - 0.5 * c * b / ((b + c) * (b + c));
	}
	if (k0 < 0.0)
		k0 = 0.0;
	/* w_{k0} and W(k0) */
	lnw = cl_lgamma_ratio(b + k0, b) - cl_lgamma_ratio(a + b + k0, a + b);
	w = exp(lnw);
	if (k0 == 0.0)
		W = 0.0;
	else if (fabs(a - 1.0) > 1e-9)
	{
		double		lnu = cl_lgamma_ratio(b + k0, b) - cl_lgamma_ratio(a + b - 1.0 + k0, a + b - 1.0);

		W = (a + b - 1.0) / (a - 1.0) * -expm1(lnu);
	}
	else
		W = b * (cl_digamma(b + k0) - cl_digamma(b));
	pk = exp(-c + k0 * log(c) - cl_lgamma(k0 + 1.0));
	for (k = k0; k <= k1; k += 1.0)
	{
		sum += pk * W;
		mass += pk;
		W += w;
		w *= (b + k) / (a + b + k);
		pk *= c / (k + 1.0);
	}
	/*
	 * The window holds all but ~1e-30 of the Poisson mass, but the first
	 * P(N = k0) carries the rounding of -c + k0 ln c - ln Γ(k0+1), terms of
	 * size c ln c: dividing by the mass summed cancels that error.
	 */
	return sum / mass;
}

/* E[purchases in (T, T+t] | alive at T] */
static double
expected_if_alive(int base, int flags, const double *p, double x, double T, double t)
{
	if (t == 0.0)
		return 0.0;				/* also where a rate would make it inf * 0 */
	if (base == CL_BTYD_PARETO_NBD && (flags == HR || flags == HD))
		return pnbd_one_expected(flags, p, x, T, t);
	switch (flags)
	{
		case ND:
			return mul0(p[0] + x, t / (p[1] + T));
		case HR | ND:
			return p[0] * t;
		case HR:
			return beta_dropout_mean(p[0] * t, p[1],
									 p[2] + (base == CL_BTYD_MBGNBD ? x + 1.0 : x));
		case HD:
			return -expm1(-mul0(p[0] + x, log1p(p[2] * t / (p[1] + T)))) / p[2];
		case HR | HD:
			if (base == CL_BTYD_PARETO_NBD)
				return t == 0.0 ? 0.0 : p[0] * t * (-expm1(-p[1] * t) / (p[1] * t));
			return -expm1(-p[0] * p[1] * t) / p[1];
	}
	return NAN;
}

/* P(at least one purchase in (T, T+h] | alive at T) */
static double
buy_if_alive(int base, int flags, const double *p, double x, double T, double h)
{
	if (h == 0.0)
		return 0.0;
	switch (flags)
	{
		case ND:
		case HD:
			return -expm1(-mul0(p[0] + x, log1p(h / (p[1] + T))));
		case HR | ND:
		case HR:
			return -expm1(-p[0] * h);
		case HR | HD:
			if (base == CL_BTYD_PARETO_NBD)
				return 1.0 / (1.0 + p[1] / p[0]) * -expm1(-exp(log_sum(p[0], p[1])) * h);
			return -expm1(-p[0] * h);
	}
	return NAN;
}

cl_status
cl_btyd_limit_p_dead(const cl_btyd_model *m, double x, double t_x, double T,
					 double *out)
{
	cl_status	st = check_customer(m, x, &t_x, T);
	int			base = CL_BTYD_BASE(m->family),
				flags = CL_BTYD_LIMIT(m->family);
	double		alive;

	if (st != CL_OK)
		return st;
	alive = alive_prob(base, flags, m->p, x, t_x, T);
	if (isnan(alive))
		return CL_ERANGE;
	if (base == CL_BTYD_PARETO_NBD && (flags == HR || flags == HD) && alive > 0.5 && T > t_x)
	{
		/* R < 1: R/(1+R) from ln R, unless that failed to be a number */
		double		lr = pnbd_one_log_ratio(flags, m->p, x, t_x, T);

		if (!isnan(lr))
		{
			*out = exp(-cl_log1pexp(-lr));
			return CL_OK;
		}
	}
	*out = 1.0 - alive;
	return CL_OK;
}

cl_status
cl_btyd_limit_p_alive(const cl_btyd_model *m, double x, double t_x, double T,
					  double *out)
{
	cl_status	st = check_customer(m, x, &t_x, T);

	if (st != CL_OK)
		return st;
	*out = alive_prob(CL_BTYD_BASE(m->family), CL_BTYD_LIMIT(m->family), m->p, x, t_x, T);
	return isnan(*out) ? CL_ERANGE : CL_OK;
}

cl_status
cl_btyd_limit_expected_purchases_steps(const cl_btyd_model *m, double step, int k,
									   double x, double t_x, double T, double *out)
{
	cl_status	st = check_customer(m, x, &t_x, T);
	int			base = CL_BTYD_BASE(m->family),
				flags = CL_BTYD_LIMIT(m->family);
	double		alive;
	int			i;

	if (st != CL_OK)
		return st;
	if (!isfinite(step))
		return CL_ENOTFINITE;
	if (step < 0.0 || k < 0)
		return CL_EINVAL;
	alive = alive_prob(base, flags, m->p, x, t_x, T);
	if (isnan(alive))
		return CL_ERANGE;
	for (i = 0; i < k; i++)
	{
		out[i] = alive * expected_if_alive(base, flags, m->p, x, T, step * (i + 1));
		if (!isfinite(out[i]))
			return CL_ERANGE;
	}
	return CL_OK;
}

cl_status
cl_btyd_limit_expected_purchases_new(const cl_btyd_model *m, double t, double *out)
{
	/* a customer seen at time 0 for no time yet: x = t_x = T = 0 */
	return cl_btyd_limit_expected_purchases_steps(m, t, 1, 0.0, 0.0, 0.0, out);
}

cl_status
cl_btyd_limit_p_no_purchase(const cl_btyd_model *m, double h, double x,
							double t_x, double T, double *out)
{
	cl_status	st = check_customer(m, x, &t_x, T);
	int			base = CL_BTYD_BASE(m->family),
				flags = CL_BTYD_LIMIT(m->family);
	double		v;

	if (st != CL_OK)
		return st;
	if (!isfinite(h))
		return CL_ENOTFINITE;
	if (h < 0.0)
		return CL_EINVAL;
	if (base == CL_BTYD_PARETO_NBD && (flags == HR || flags == HD))
	{
		/*
		 * 1 - P(alive) P(buy | alive), or where that product is above 1/2,
		 * P(dead) + P(alive) P(quiet | alive), so that a small result is not
		 * the difference of two numbers near 1.
		 */
		double		alive = alive_prob(base, flags, m->p, x, t_x, T),
					quiet = h == 0.0 ? 1.0 : pnbd_one_quiet(flags, m->p, x, T, h);

		if (isnan(alive) || isnan(quiet))
			return CL_ERANGE;
		v = alive * (1.0 - quiet) <= 0.5 ? 1.0 - alive * (1.0 - quiet)
			: (1.0 - alive) + alive * quiet;
	}
	else
		v = 1.0 - alive_prob(base, flags, m->p, x, t_x, T)
			* buy_if_alive(base, flags, m->p, x, T, h);
	*out = fmin(1.0, fmax(0.0, v));
	return CL_OK;
}

/* ---- fits ------------------------------------------------------------------ */

int
cl_btyd_cells_unbounded(const cl_btyd_cell *cells, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (cells[i].x > 0.0 && cells[i].t_x == 0.0 && cells[i].weight > 0.0)
			return 1;
	return 0;
}

/*
 * A limit candidate: parameters theta from unconstrained u.  Rates and
 * ages are scaled by the mean age (so u is unit-free, as in the interior
 * fits); a probability is the logistic of its coordinate.
 */
typedef struct cand_ctx
{
	int			base;
	int			flags;
	int			dim;
	const cl_btyd_cell *cells;
	size_t		n;
	double		w;				/* total weight */
	double		lnscale;		/* ln(mean age) */
	const cl_fit_options *opt;
} cand_ctx;

static double
logistic(double u)
{
	return u >= 0.0 ? 1.0 / (1.0 + exp(-u)) : exp(u) / (1.0 + exp(u));
}

static void
cand_theta(const cand_ctx *c, const double *u, double *theta)
{
	switch (c->flags)
	{
		case ND:
			theta[0] = exp(u[0]);
			theta[1] = exp(u[1] + c->lnscale);
			break;
		case HD:
			theta[0] = exp(u[0]);
			theta[1] = exp(u[1] + c->lnscale);
			/* Pareto/NBD: the dropout rate μ; else the probability p */
			theta[2] = c->base == CL_BTYD_PARETO_NBD ? exp(u[2] - c->lnscale) : logistic(u[2]);
			break;
		case HR:
			theta[0] = exp(u[0] - c->lnscale);
			theta[1] = exp(u[1]);
			/* Pareto/NBD: s and the age-valued β; else Beta(a, b) */
			theta[2] = c->base == CL_BTYD_PARETO_NBD ? exp(u[2] + c->lnscale) : exp(u[2]);
			break;
		case HR | HD:
			theta[0] = exp(u[0] - c->lnscale);
			theta[1] = c->base == CL_BTYD_PARETO_NBD ? exp(u[1] - c->lnscale) : logistic(u[1]);
			break;
	}
}

static double
cand_ll(const cand_ctx *c, const double *theta)
{
	double		ll = 0.0,
				xt[2] = {0.0, 0.0},
				xprev = -1.0;
	size_t		i;

	for (i = 0; i < c->n; i++)
	{
		const cl_btyd_cell *e = &c->cells[i];

		if (!(e->weight > 0.0))
			continue;
		if (e->x != xprev)
		{
			x_terms(c->base, c->flags, theta, e->x, xt);
			xprev = e->x;
		}
		ll += e->weight * limit_cell_ll(c->base, c->flags, theta, xt, e->x, e->t_x, e->T);
	}
	return ll;
}

static double
cand_f(const cand_ctx *c, const double *u)
{
	double		theta[4];

	cand_theta(c, u, theta);
	return -cand_ll(c, theta) / c->w;
}

/*
 * The objective for cl_minimize with central-difference derivatives: the
 * candidates have two or three parameters and closed-form likelihoods, so
 * 1 + 2d + 2d(d-1) + 2d evaluations per iteration cost little, and the
 * minimiser needs the gradient only to the rounding noise of f / h (about
 * 1e-11 here) to stop at the optimum.
 */
#define FD_STEP 1e-4
#define CAND_MAX_ITER 50

static cl_status
cand_objective(void *vctx, const double *u, double *f, double *g, double *h)
{
	const cand_ctx *c = vctx;
	int			d = c->dim,
				i,
				j;
	double		f0 = cand_f(c, u),
				fp[4],
				fm[4],
				v[4];

	if (!isfinite(f0))
		return CL_ERANGE;
	/* each call passes over the cells 2d² + 1 times: let a cancel in between */
	if (c->opt != NULL && c->opt->interrupt != NULL && c->opt->interrupt(c->opt->interrupt_ctx))
		return CL_ERANGE;
	for (i = 0; i < d; i++)
	{
		memcpy(v, u, sizeof(double) * d);
		v[i] = u[i] + FD_STEP;
		fp[i] = cand_f(c, v);
		v[i] = u[i] - FD_STEP;
		fm[i] = cand_f(c, v);
		if (!isfinite(fp[i]) || !isfinite(fm[i]))
			return CL_ERANGE;
		g[i] = (fp[i] - fm[i]) / (2.0 * FD_STEP);
		h[i * d + i] = (fp[i] - 2.0 * f0 + fm[i]) / (FD_STEP * FD_STEP);
	}
	for (i = 0; i < d; i++)
		for (j = 0; j < i; j++)
		{
			double		fpp,
						fpm,
						fmp,
						fmm;

			memcpy(v, u, sizeof(double) * d);
			v[i] = u[i] + FD_STEP;
			v[j] = u[j] + FD_STEP;
			fpp = cand_f(c, v);
			v[j] = u[j] - FD_STEP;
			fpm = cand_f(c, v);
			v[i] = u[i] - FD_STEP;
			fmm = cand_f(c, v);
			v[j] = u[j] + FD_STEP;
			fmp = cand_f(c, v);
			h[i * d + j] = h[j * d + i] = (fpp - fpm - fmp + fmm) / (4.0 * FD_STEP * FD_STEP);
			if (!isfinite(h[i * d + j]))
				return CL_ERANGE;
		}
	*f = f0;
	return CL_OK;
}

/* The best limit found so far. */
typedef struct best_limit
{
	int			flags;			/* 0: none yet */
	int			nparams;
	double		theta[4];
	double		ll;
	int			iterations;
} best_limit;

/* Keep cand if better (ties go to the earlier, simpler candidate). */
static void
offer(best_limit *best, int flags, int np, const double *theta, double ll, int iterations)
{
	best->iterations += iterations;
	if (!isfinite(ll))
		return;
	if (best->flags != 0 && !(ll > best->ll + 1e-13 * fabs(best->ll)))
		return;
	best->flags = flags;
	best->nparams = np;
	memcpy(best->theta, theta, sizeof(double) * np);
	best->ll = ll;
}

/* Fit one candidate by Newton from u; offered only from a clean interior optimum. */
static void
fit_candidate(cand_ctx *c, double *u, best_limit *best)
{
	cl_fit_options opt;
	double		f,
				theta[4];
	int			iterations = 0,
				converged = 0;
	cl_status	st;

	if (c->opt != NULL)
		opt = *c->opt;
	else
		cl_fit_options_init(&opt);
	/*
	 * The gradient is good to ~1e-11 (see cand_objective).  A candidate
	 * that has not converged in CAND_MAX_ITER Newton steps is running to an
	 * edge of its own, which a simpler candidate covers.
	 */
	opt.gtol = fmax(opt.gtol, 1e-8);
	opt.max_iter = CAND_MAX_ITER;
	st = cl_minimize(cand_objective, c, c->dim, u, &opt, &f, &iterations, &converged);
	if (st != CL_OK || !converged || cl_fit_at_boundary(u, c->dim))
	{
		best->iterations += iterations;
		return;
	}
	cand_theta(c, u, theta);
	offer(best, c->flags, c->dim, theta, cand_ll(c, theta), iterations);
}

static int
near_edge(int base, const double *p, double lnscale)
{
	double		u[4] = {log(p[0]), log(p[1]) - lnscale, log(p[2]),
	log(p[3]) - (base == CL_BTYD_PARETO_NBD ? lnscale : 0.0)};
	int			i;

	for (i = 0; i < 4; i++)
		if (!(fabs(u[i]) <= NEAR_EDGE))
			return 1;
	return 0;
}

typedef cl_status (*interior_fit_fn) (const cl_btyd_cell *cells, size_t n,
									  const cl_fit_options *opt, cl_fit_result *res);

cl_status
cl_btyd_fit_boundary(cl_btyd_family base, const cl_btyd_cell *cells, size_t n,
					 const cl_fit_options *opt, cl_fit_result *res, int *family_out)
{
	interior_fit_fn fit = base == CL_BTYD_BGNBD ? cl_bgnbd_fit
		: base == CL_BTYD_MBGNBD ? cl_mbgnbd_fit : cl_pnbd_fit;
	double		w = 0.0,
				wx = 0.0,
				wT = 0.0,
				ll_int,
				lambda,
				ll_pois;
	best_limit	best;
	cand_ctx	c;
	size_t		i;
	cl_status	st;
	int			max_x_le_1 = 1,
				clean;
	double		tol;

	*family_out = base;
	if (base != CL_BTYD_BGNBD && base != CL_BTYD_MBGNBD && base != CL_BTYD_PARETO_NBD)
		return CL_EINVAL;
	for (i = 0; i < n; i++)
		if ((st = cl_btyd_cell_check(&cells[i])) != CL_OK)
			return st;
	st = fit(cells, n, opt, res);
	if (st != CL_OK && st != CL_ENOCONVERGE && st != CL_EDEGENERATE)
		return st;
	if (st == CL_EDEGENERATE && res->iterations == 0)
		return st;				/* nothing to fit: no repeat purchases */

	for (i = 0; i < n; i++)
	{
		w += cells[i].weight;
		wx += cells[i].weight * cells[i].x;
		wT += cells[i].weight * cells[i].T;
		if (cells[i].weight > 0.0 && cells[i].x > 1.0)
			max_x_le_1 = 0;
	}
	/* Poisson: LL = Σ w (x ln λ - λ T), maximal at λ = Σwx / ΣwT */
	lambda = wx / wT;
	ll_pois = wx * (log(lambda) - 1.0);
	ll_int = isfinite(res->ll) ? res->ll : -INFINITY;
	clean = st == CL_OK && res->converged;
	if (clean && ll_int >= ll_pois && !near_edge(base, res->params, log(wT / w)))
		return CL_OK;			/* a clean interior optimum */

	memset(&best, 0, sizeof(best));
	offer(&best, HR | ND, 1, &lambda, ll_pois, 0);

	c.base = base;
	c.cells = cells;
	c.n = n;
	c.w = w;
	c.lnscale = log(wT / w);
	c.opt = opt;
	{
		/* starts: r = 1 with α from the mean rate; p = 1/4; μ = 1 / mean age */
		double		lnalpha = log(wT / wx) - c.lnscale;
		double		lnlam = log(wx / wT) + c.lnscale;
		double		u_nd[2] = {0.0, lnalpha};
		double		u_hd[3] = {0.0, lnalpha, -log(3.0)};
		double		u_hh[2] = {lnlam, base == CL_BTYD_PARETO_NBD ? 0.0 : -log(3.0)};

		double		u_hr[3] = {lnlam, 0.0, log(3.0)};

		c.flags = ND;
		c.dim = 2;
		fit_candidate(&c, u_nd, &best);
		if (base != CL_BTYD_PARETO_NBD)
		{
			c.flags = HR;
			c.dim = 3;
			fit_candidate(&c, u_hr, &best);
			c.flags = HD;
			c.dim = 3;
			fit_candidate(&c, u_hd, &best);
		}
		c.flags = HR | HD;
		c.dim = 2;
		fit_candidate(&c, u_hh, &best);
		if (base == CL_BTYD_PARETO_NBD)
		{
			/*
			 * One rate homogeneous, the other Gamma-distributed, after the
			 * simpler limits, so that they win only when strictly better.
			 * Starts: where the interior fit was running to this edge (r,
			 * or s, beyond 1e3) with the other pair inside, its point (λ =
			 * r/α, μ = s/β), from where a few Newton steps reach the limit's
			 * optimum; else s = 1, β = mean age, λ from the mean rate, and
			 * r = 1, α from the mean rate, μ = 1 / mean age.
			 */
			double		u_phr[3] = {lnlam, 0.0, 0.0};
			double		u_phd[3] = {0.0, lnalpha, 0.0};
			const double *ip = res->params;
			int			inside = 1;
			int			r_edge,
						s_edge;

			for (i = 0; i < 4; i++)
				if (!finite_pos(ip[i]))
					inside = 0;
			if (inside && fabs(log(ip[0])) > NEAR_EDGE && fabs(log(ip[2])) < NEAR_EDGE
				&& fabs(log(ip[3]) - c.lnscale) < NEAR_EDGE)
			{
				u_phr[0] = log(ip[0]) - log(ip[1]) + c.lnscale;
				u_phr[1] = log(ip[2]);
				u_phr[2] = log(ip[3]) - c.lnscale;
			}
			if (inside && fabs(log(ip[2])) > NEAR_EDGE && fabs(log(ip[0])) < NEAR_EDGE
				&& fabs(log(ip[1]) - c.lnscale) < NEAR_EDGE)
			{
				u_phd[0] = log(ip[0]);
				u_phd[1] = log(ip[1]) - c.lnscale;
				u_phd[2] = log(ip[2]) - log(ip[3]) + c.lnscale;
			}

			/*
			 * An interior fit that ran both pairs to an edge (r or α, and s
			 * or β, beyond 1e3 of their scale; steady buyers) points at a
			 * corner, which the two-parameter candidates above cover; the
			 * one-sided limits then cost as much as the interior fit and
			 * only re-find that corner, so they are tried only when one
			 * pair stayed inside or the interior fit gave no usable point.
			 */
			r_edge = fabs(log(ip[0])) > NEAR_EDGE
				|| fabs(log(ip[1]) - c.lnscale) > NEAR_EDGE;
			s_edge = fabs(log(ip[2])) > NEAR_EDGE
				|| fabs(log(ip[3]) - c.lnscale) > NEAR_EDGE;

			if (!(inside && r_edge && s_edge))
			{
				c.flags = HR;
				c.dim = 3;
				fit_candidate(&c, u_phr, &best);
				c.flags = HD;
				c.dim = 3;
				fit_candidate(&c, u_phd, &best);
			}
		}
	}
	if (base == CL_BTYD_BGNBD && max_x_le_1)
	{
		/*
		 * BG/NBD with p = 1: a repeat buyer left right after the repeat
		 * purchase.  LL = Σ_{x=1} w (ln λ - λ t_x) - Σ_{x=0} w λ T, maximal at
		 * λ = Σ_{x=1} w / (Σ_{x=1} w t_x + Σ_{x=0} w T).
		 */
		double		w1 = 0.0,
					expo = 0.0,
					theta[2];

		for (i = 0; i < n; i++)
			if (cells[i].weight > 0.0)
			{
				if (cells[i].x > 0.0)
				{
					w1 += cells[i].weight;
					expo += cells[i].weight * cells[i].t_x;
				}
				else
					expo += cells[i].weight * cells[i].T;
			}
		if (w1 > 0.0 && expo > 0.0)
		{
			theta[0] = w1 / expo;
			theta[1] = 1.0;
			offer(&best, HR | HD, 2, theta, w1 * (log(theta[0]) - 1.0), 0);
		}
	}

	/*
	 * A clean interior optimum stays unless a limit is at least as good.  An
	 * interior fit that ran to the boundary evaluated its likelihood at
	 * parameters of 1e6 to 1e10, where the terms r ln α and (r+x) ln(α+T)
	 * cancel to ~1e-7 of their size: its value is only that good, and the
	 * limit it was running to is the answer.
	 */
	if (clean)
		tol = 0.0;
	else if (st == CL_EDEGENERATE)
		tol = 1e-6 * fmax(1.0, fabs(ll_int));
	else
		tol = 1e-9 * fmax(1.0, fabs(ll_int));
	if (!(best.ll >= ll_int - tol))
	{
		/*
		 * The interior point is better: report it as it is, unless the
		 * likelihood is unbounded and the fit was running to infinity.
		 */
		if (!clean && cl_btyd_cells_unbounded(cells, n))
			return CL_EINVAL;
		return st;
	}
	memset(res->params, 0, sizeof(res->params));
	memcpy(res->params, best.theta, sizeof(double) * best.nparams);
	res->nparams = best.nparams;
	res->ll = best.ll;
	res->n = w;
	res->iterations += best.iterations;
	res->converged = 1;
	*family_out = base | best.flags << CL_LIMIT_SHIFT;
	return CL_OK;
}

/* ---- Gamma-Gamma ------------------------------------------------------------ */

/*
 * Homogeneous spend (q -> ∞): x m ~ Gamma(p x, ν), so the mean m of x
 * purchases has
 *   ln f(m) = p x ln(x ν) - ln Γ(p x) + (p x - 1) ln m - x ν m;
 * u = (ln p, ln(ν s)) with s the weighted mean of m.
 * Constant spend per customer (p -> ∞ with p v = w fixed): every purchase of
 * a customer is worth m = p/ν exactly, and m ~ InverseGamma(q, w):
 *   ln f(m) = q ln w - ln Γ(q) - (q+1) ln m - w/m;
 * u = (ln q, ln(w / s)).
 */
typedef struct gg_cand_ctx
{
	const cl_gg_cell *cells;
	size_t		n;
	double		w;
	double		lnscale;
	int			limit;
} gg_cand_ctx;

static double
gg_limit_ll(const gg_cand_ctx *c, double a, double b)
{
	double		ll = 0.0;
	size_t		i;

	for (i = 0; i < c->n; i++)
	{
		const cl_gg_cell *e = &c->cells[i];

		if (!cl_gg_eligible(e->x, e->m) || !(e->weight > 0.0))
			continue;
		if (c->limit == CL_LIMIT_HOMOGENEOUS_SPEND)
		{
			double		px = a * e->x;

			ll += e->weight * (px * log(e->x * b) - cl_lgamma(px) + (px - 1.0) * log(e->m)
							   - e->x * b * e->m);
		}
		else
			ll += e->weight * (a * log(b) - cl_lgamma(a) - (a + 1.0) * log(e->m) - b / e->m);
	}
	return ll;
}

static void
gg_theta(const gg_cand_ctx *c, const double *u, double *a, double *b)
{
	*a = exp(u[0]);
	*b = c->limit == CL_LIMIT_HOMOGENEOUS_SPEND ? exp(u[1] - c->lnscale) : exp(u[1] + c->lnscale);
}

static double
gg_f(const gg_cand_ctx *c, const double *u)
{
	double		a,
				b;

	gg_theta(c, u, &a, &b);
	return -gg_limit_ll(c, a, b) / c->w;
}

static cl_status
gg_objective(void *vctx, const double *u, double *f, double *g, double *h)
{
	const gg_cand_ctx *c = vctx;
	double		f0 = gg_f(c, u),
				v[2],
				fp[2],
				fm[2],
				fpp,
				fpm,
				fmp,
				fmm;
	int			i;

	if (!isfinite(f0))
		return CL_ERANGE;
	for (i = 0; i < 2; i++)
	{
		v[0] = u[0];
		v[1] = u[1];
		v[i] = u[i] + FD_STEP;
		fp[i] = gg_f(c, v);
		v[i] = u[i] - FD_STEP;
		fm[i] = gg_f(c, v);
		g[i] = (fp[i] - fm[i]) / (2.0 * FD_STEP);
		h[i * 3] = (fp[i] - 2.0 * f0 + fm[i]) / (FD_STEP * FD_STEP);
	}
	v[0] = u[0] + FD_STEP;
	v[1] = u[1] + FD_STEP;
	fpp = gg_f(c, v);
	v[1] = u[1] - FD_STEP;
	fpm = gg_f(c, v);
	v[0] = u[0] - FD_STEP;
	fmm = gg_f(c, v);
	v[1] = u[1] + FD_STEP;
	fmp = gg_f(c, v);
	h[1] = h[2] = (fpp - fpm - fmp + fmm) / (4.0 * FD_STEP * FD_STEP);
	for (i = 0; i < 4; i++)
		if (!isfinite(h[i]) || (i < 2 && !isfinite(g[i])))
			return CL_ERANGE;
	*f = f0;
	return CL_OK;
}

/* Fit one Gamma-Gamma limit from u; 1 and (a, b, ll) when it ends at a clean optimum. */
static int
gg_fit_candidate(gg_cand_ctx *c, double *u, const cl_fit_options *opt,
				 double *a, double *b, double *ll, int *iterations)
{
	cl_fit_options o;
	double		f;
	int			it = 0,
				converged = 0;
	cl_status	st;

	if (opt != NULL)
		o = *opt;
	else
		cl_fit_options_init(&o);
	o.gtol = fmax(o.gtol, 1e-8);
	o.max_iter = CAND_MAX_ITER;
	st = cl_minimize(gg_objective, c, 2, u, &o, &f, &it, &converged);
	*iterations += it;
	if (st != CL_OK || !converged || cl_fit_at_boundary(u, 2))
		return 0;
	gg_theta(c, u, a, b);
	*ll = gg_limit_ll(c, *a, *b);
	return isfinite(*ll);
}

cl_status
cl_gg_fit_boundary(const cl_gg_cell *cells, size_t n, const cl_fit_options *opt,
				   cl_fit_result *res, int *limit_out)
{
	gg_cand_ctx c = {cells, n, 0.0, 0.0, 0};
	double		wm = 0.0,
				m0 = NAN,
				ll_int,
				tol,
				u[2],
				hs[2],
				cs[2],
				hs_ll = -INFINITY,
				cs_ll = -INFINITY,
				best_a,
				best_b,
				best_ll;
	int			same = 1,
				towards_hs,
				towards_cs,
				hs_ok,
				cs_ok,
				best,
				iterations = 0;
	size_t		i;
	cl_status	st = cl_gg_fit(cells, n, opt, res);

	*limit_out = 0;
	if (st != CL_OK && st != CL_ENOCONVERGE && st != CL_EDEGENERATE)
		return st;
	if (st == CL_EDEGENERATE && res->iterations == 0)
		return st;				/* no repeat customer */
	if (st == CL_OK)
		return st;				/* a clean interior optimum */

	for (i = 0; i < n; i++)
		if (cl_gg_eligible(cells[i].x, cells[i].m) && cells[i].weight > 0.0)
		{
			if (isnan(m0))
				m0 = cells[i].m;
			else if (cells[i].m != m0)
				same = 0;
			c.w += cells[i].weight;
			wm += cells[i].weight * cells[i].m;
		}
	if (same)
	{
		/* every purchase has the same value: a point mass, likelihood +∞ */
		memset(res->params, 0, sizeof(res->params));
		res->params[0] = m0;
		res->nparams = 1;
		res->ll = INFINITY;
		res->n = c.w;
		res->converged = 1;
		*limit_out = CL_LIMIT_CONSTANT_SPEND;
		return CL_OK;
	}

	ll_int = isfinite(res->ll) ? res->ll : -INFINITY;
	c.lnscale = log(wm / c.w);

	/*
	 * An interior fit that ran q (and v) to infinity with p inside was
	 * heading for the homogeneous spend; one that ran p to infinity with q
	 * inside, for the constant spend per customer.  Its log-likelihood there
	 * is only as good as the cancellation of terms like q ln v allows, so
	 * the limit it was heading for is taken when that limit converges.
	 */
	towards_hs = st == CL_EDEGENERATE && res->params[1] > 1e6
		&& finite_pos(res->params[0]) && fabs(log(res->params[0])) < CL_FIT_PARAM_LIMIT;
	towards_cs = st == CL_EDEGENERATE && res->params[0] > 1e6
		&& finite_pos(res->params[1]) && fabs(log(res->params[1])) < CL_FIT_PARAM_LIMIT;

	/* homogeneous spend from the interior's p (or 1), ν = p / mean(m) */
	c.limit = CL_LIMIT_HOMOGENEOUS_SPEND;
	u[0] = finite_pos(res->params[0]) && fabs(log(res->params[0])) < CL_FIT_PARAM_LIMIT
		? log(res->params[0]) : 0.0;
	u[1] = u[0];
	hs_ok = gg_fit_candidate(&c, u, opt, &hs[0], &hs[1], &hs_ll, &iterations);
	/*
	 * Constant spend per customer from the interior's q (or 3), w = (q-1)
	 * mean(m); only with q > 1, where customers without purchases have a
	 * finite mean spend (as the interior fit requires).
	 */
	c.limit = CL_LIMIT_CONSTANT_SPEND_PER_CUSTOMER;
	u[0] = finite_pos(res->params[1]) && fabs(log(res->params[1])) < CL_FIT_PARAM_LIMIT
		? log(res->params[1]) : log(3.0);
	u[1] = log(fmax(exp(u[0]) - 1.0, 0.5));
	cs_ok = gg_fit_candidate(&c, u, opt, &cs[0], &cs[1], &cs_ll, &iterations) && cs[0] > 1.0;
	res->iterations += iterations;

	tol = (st == CL_EDEGENERATE ? 1e-6 : 1e-9) * fmax(1.0, fabs(ll_int));
	if (towards_hs && hs_ok)
		best = CL_LIMIT_HOMOGENEOUS_SPEND;
	else if (towards_cs && cs_ok)
		best = CL_LIMIT_CONSTANT_SPEND_PER_CUSTOMER;
	else if (hs_ok && hs_ll >= ll_int - tol && !(cs_ok && cs_ll > hs_ll))
		best = CL_LIMIT_HOMOGENEOUS_SPEND;
	else if (cs_ok && cs_ll >= ll_int - tol)
		best = CL_LIMIT_CONSTANT_SPEND_PER_CUSTOMER;
	else
		return st;
	best_a = best == CL_LIMIT_HOMOGENEOUS_SPEND ? hs[0] : cs[0];
	best_b = best == CL_LIMIT_HOMOGENEOUS_SPEND ? hs[1] : cs[1];
	best_ll = best == CL_LIMIT_HOMOGENEOUS_SPEND ? hs_ll : cs_ll;
	memset(res->params, 0, sizeof(res->params));
	res->params[0] = best_a;
	res->params[1] = best_b;
	res->nparams = 2;
	res->ll = best_ll;
	res->n = c.w;
	res->converged = 1;
	*limit_out = best;
	return CL_OK;
}

cl_status
cl_gg_limit_expected_spend(const cl_gg_params *p, double x, double m, double *out)
{
	if (!isfinite(x) || !isfinite(m))
		return CL_ENOTFINITE;
	if (x < 0.0 || (x > 0.0 && !(m > 0.0)))
		return CL_EINVAL;
	if (p->p == INFINITY && finite_pos(p->q) && finite_pos(p->v))
	{
		/*
		 * Constant spend per customer: the customer's own mean is exact;
		 * without purchases, the population mean w / (q - 1) (infinite for
		 * q <= 1, as in the interior model).
		 */
		if (x > 0.0)
		{
			*out = m;
			return CL_OK;
		}
		if (!(p->q > 1.0))
			return CL_ERANGE;
		*out = p->v / (p->q - 1.0);
		return isfinite(*out) ? CL_OK : CL_ERANGE;
	}
	if (!(p->q == INFINITY) || !(p->v > 0.0) || !(p->p > 0.0))
		return CL_EINVAL;
	/* one spend distribution for all: the customer's own purchases add nothing */
	if (!isfinite(p->v))
		return CL_ERANGE;		/* p / ν overflowed */
	*out = p->v;
	return CL_OK;
}
