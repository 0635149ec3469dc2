/*
 * specfun.h — special functions for the BTYD models, in log space.
 *
 * Everything here is pure and thread-safe (no global state; lgamma_r, not
 * lgamma, whose sign output is a global).  Likelihoods and scoring formulas
 * combine gamma-function ratios and hypergeometric functions whose values
 * overflow a double long before the quantities of interest do, so the
 * functions return logarithms and the callers stay in log space.
 */
#ifndef CL_SPECFUN_H
#define CL_SPECFUN_H

#include <math.h>

#include "cl_status.h"

/* ln Γ(x) for x > 0. */
extern double cl_lgamma(double x);

/*
 * ln Γ(x) - ln Γ(y) for x, y > 0, accurate to a few ulps of the result even
 * when x and y are large and close (e.g. ln Γ(b+x) - ln Γ(a+b+x) with
 * x = 1e6), where subtracting two lgamma values would lose ~9 digits.
 */
extern double cl_lgamma_ratio(double x, double y);

/*
 * ln Γ(y+d) - ln Γ(y) for y > 0 and |d| <= y/2, with the difference d given
 * by the caller: its error is a few ulps of |d| (ψ(y) + 1/y + 1) also where
 * y + d and y round to close or equal doubles (d tiny against y), whose
 * difference cl_lgamma_ratio(y + d, y) would take from the rounded values.
 */
extern double cl_lgamma_delta(double y, double d);

/* ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a+b) for a, b > 0. */
extern double cl_lbeta(double a, double b);

/* Digamma ψ(x) = d ln Γ(x)/dx and trigamma ψ'(x), for x > 0. */
extern double cl_digamma(double x);
extern double cl_trigamma(double x);

/* ln(e^a + e^b); either argument may be -INFINITY. */
extern double cl_logsumexp2(double a, double b);

/* ln(1 + e^x) without overflow (the softplus function). */
extern double cl_log1pexp(double x);

/*
 * Signed log-sum: (log_abs, sign) of sa*e^la + sb*e^lb.  A zero operand is
 * la = -INFINITY.  An exact cancellation gives -INFINITY with sign +1.
 */
extern void cl_logsumexp_signed(double la, int sa, double lb, int sb,
								double *log_abs, int *sign);

/*
 * Gauss hypergeometric function 2F1(a, b; c; z) as ln|2F1| and its sign.
 *
 * Domain: a, b real; c > 0; z < 1 (z < 0 goes through Pfaff's
 * transformation).  The algorithm (see doc/btyd-core.md) chooses among the
 * Maclaurin series of 2F1 and of its Euler transform, the z -> 1-z
 * connection formula, and Taylor steps along the hypergeometric ODE towards
 * z = 1, so that the result stays accurate where the plain series would
 * need millions of terms or overflow.
 *
 * Returns CL_ENOTFINITE for NaN/infinite arguments, CL_EINVAL outside the
 * domain, and CL_ENOCONVERGE when no method converges within its term
 * budget (large a, b and c with z near 1 and c-a-b near an integer); a
 * value is never returned unless one method converged.
 */
extern cl_status cl_log_hyp2f1(double a, double b, double c, double z,
							   double *log_abs, int *sign);

/*
 * As cl_log_hyp2f1, with w = 1 - z supplied by the caller.  Near z = 1 the
 * function depends on 1 - z, which a caller often knows more accurately
 * (e.g. (alpha+T)/(alpha+T+t)) than 1 - z computed in floating point.
 * Requires w > 0; z is used where it is the better-conditioned input.
 */
extern cl_status cl_log_hyp2f1_zw(double a, double b, double c,
								  double z, double w,
								  double *log_abs, int *sign);

/* the logistic 1/(1 + e^-e), without overflow for either sign of e */
static inline double
cl_logistic(double e)
{
	return e >= 0.0 ? 1.0 / (1.0 + exp(-e)) : exp(e) / (1.0 + exp(e));
}

/*
 * ln(1 - σ + σ e^d) from σ and 1 - σ (both given exactly): log1p wherever
 * its argument stays above -1/2, since the plain log of a value near 1 would
 * leave an absolute error that a large factor in front of it multiplies.
 */
static inline double
cl_log_mix_exp(double sigma, double one_minus_sigma, double d)
{
	if (d < -1.0 && sigma > 0.5)
		return log(one_minus_sigma + sigma * exp(d));
	if (d > 700.0)
		return d + log(sigma + one_minus_sigma * exp(-d));
	return log1p(sigma * expm1(d));
}

/*
 * ln of [1 - w^(s-1)]/(s-1) from sm1 = s - 1 and mlnw = -ln w >= 0 (at
 * s = 1 it is mlnw; -inf at w = 1).  In logs because for s < 1 it grows like
 * w^(s-1) and may overflow: there (e^-u - 1)/(1 - s) = e^-u (1 - e^u)/(1 - s).
 */
static inline double
cl_log_pow_bracket(double sm1, double mlnw)
{
	double		u = sm1 * mlnw;

	if (mlnw == 0.0)
		return -INFINITY;
	if (u == 0.0)
		return log(mlnw);
	if (u > 0.0)
		return log(-expm1(-u)) - log(sm1);
	return -u + log(-expm1(u)) - log(-sm1);
}

#endif							/* CL_SPECFUN_H */
