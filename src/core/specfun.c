/*
 * specfun.c — log-gamma, digamma, log-sum-exp and the Gauss hypergeometric
 * function in log space.
 *
 * The 2F1 strategy is described in doc/btyd-core.md; in short, for
 * 0 <= z < 1 we try, cheapest first:
 *   1. the Maclaurin series of F(a,b;c;z) or of its Euler transform
 *      (1-z)^(c-a-b) F(c-a,c-b;c;z), whichever has smaller "pressure"
 *      |ab| vs |(c-a)(c-b)| (the first-term ratio times c);
 *   2. for z > 1/2, the z -> 1-z connection formula when c-a-b is at least
 *      0.05 away from an integer (closer, its two terms cancel);
 *   3. for z > 1/2 and parameters up to 20 in size, Taylor steps along the
 *      hypergeometric ODE from z = 1/2 towards 1, each step halving the
 *      distance to the singularity at z = 1 (no trouble at integer c-a-b);
 *   4. the series with a large term budget.
 * Every series is summed in scaled form (a running power-of-two exponent)
 * so that neither terms nor partial sums overflow.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1		/* lgamma_r in <math.h> */
#endif

#include <float.h>
#include <math.h>

#include "interrupt.h"
#include "specfun.h"

#define CL_LN_PI		1.14472988584940017414
#define CL_LN2			0.69314718055994530942

/*
 * Target relative accuracy of a converged series: a little below
 * DBL_EPSILON so that the truncation error is invisible next to rounding.
 */
#define HYP_EPS			(DBL_EPSILON / 16.0)

/* Rescale running sums by 2^-HYP_SCALE_BITS when a term exceeds 2^HYP_SCALE_BITS. */
#define HYP_SCALE_BITS	600

/* Term budgets (see cl_log_hyp2f1_zw for where each applies). */
#define HYP_QUICK_TERMS		2000L	/* large parameters: no cheap alternative */
#define HYP_QUICK_SMALL		300L	/* small ones: connection/ODE cost ~1-10 us */
#define HYP_NEAR_TERMS		1000000L
#define HYP_CONN_TERMS		20000L
#define HYP_LAST_TERMS		1000000L	/* ~5 ms: bounds the cost of any call */
#define HYP_ODE_STEP_TERMS	5000L
#define HYP_ODE_MAX_STEPS	400

/*
 * The ODE recurrence (hyp_ode) carries the rounding error of every step
 * into the other solution of the ODE, e.g. z^(1-c), whose Taylor terms
 * around z = 1/2 grow like binomial coefficients in c before they decay.
 * Measured against the series at z = 0.95 with a, b, c uniform on [0, P]:
 * worst error 2e-14 for P = 10, 6e-13 for P = 20, 4e-8 for P = 40.
 */
#define HYP_ODE_MAX_PARAM	20.0

/* The connection formula's two terms are ~1/|eps| where eps = distance of c-a-b to an integer. */
#define HYP_CONN_MIN_EPS	0.05

/* Accept a cancelling connection sum only if at most this factor is lost. */
#define HYP_CONN_MAX_LOSS	1e4

double
cl_lgamma(double x)
{
	int			sign;

	return lgamma_r(x, &sign);
}

/*
 * R(x) - R(y) for Stirling's remainder
 *   R(x) = ln Γ(x) - [(x - 1/2) ln x - x + ln(2π)/2] = Σ_m c_m x^-m,
 * m = 1, 3, ..., 15, c_m = B_(m+1) / (m (m+1)), which reaches 1e-17 relative
 * accuracy for x >= 10.  Subtracting R(x) and R(y) would leave the rounding
 * error of two ~1/(12x) values; instead each power difference is factored,
 *   x^-m - y^-m = -(x - y) / (xy) Σ_{j=0}^{m-1} x^-(m-1-j) y^-j,
 * whose sum has only positive terms (built up as h_m = h_{m-1}/x + y^-(m-1)).
 */
static double
stirling_remainder_diff_d(double x, double y, double d)
{
	static const double coef[8] = {
		1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0,
		1.0 / 1188.0, -691.0 / 360360.0, 1.0 / 156.0, -3617.0 / 122400.0
	};
	double		ix = 1.0 / x,
				iy = 1.0 / y;
	double		h = 1.0,		/* h_m, starting at m = 1 */
				iypow = 1.0,	/* y^-(m-1) */
				acc = 0.0;
	int			m;

	for (m = 1; m <= 15; m++)
	{
		if (m > 1)
		{
			iypow *= iy;
			h = h * ix + iypow;
		}
		if (m % 2 == 1)
			acc += coef[m / 2] * h;
	}
	return -d * ix * iy * acc;
}

static double
stirling_remainder_diff(double x, double y)
{
	return stirling_remainder_diff_d(x, y, x - y);
}

double
cl_lgamma_ratio(double x, double y)
{
	double		d;

	if (x < 10.0 || y < 10.0)
		return cl_lgamma(x) - cl_lgamma(y);

	/*
	 * With d = x - y, Stirling gives
	 *   ln Γ(x) - ln Γ(y) = (y - 1/2) ln(1 + d/y) + d (ln x - 1) + R(x) - R(y)
	 * in which no term is much larger than the result, unlike the two
	 * ~x ln x sized lgamma values whose difference it is.
	 */
	d = x - y;
	return (y - 0.5) * log1p(d / y) + d * (log(x) - 1.0)
		+ stirling_remainder_diff(x, y);
}

double
cl_lgamma_delta(double y, double d)
{
	double		acc = 0.0,
				x;
	int			i;

	/* ln Γ(y+d) - ln Γ(y) = ln Γ(y+1+d) - ln Γ(y+1) - ln(1 + d/y) */
	for (i = 0; i < 64 && (y < 10.0 || y + d < 10.0); i++)
	{
		acc -= log1p(d / y);
		y += 1.0;
	}
	x = y + d;
	if (i == 64)
		return acc + cl_lgamma(x) - cl_lgamma(y);	/* y + d tiny against a huge y */
	return acc + (y - 0.5) * log1p(d / y) + d * (log(x) - 1.0)
		+ stirling_remainder_diff_d(x, y, d);
}

double
cl_lbeta(double a, double b)
{
	double		big = a > b ? a : b;
	double		small = a > b ? b : a;

	/* pair the two large gamma functions so that their ratio is exact-ish */
	return cl_lgamma_ratio(big, a + b) + cl_lgamma(small);
}

double
cl_digamma(double x)
{
	double		acc = 0.0;
	double		x2;

	/* ψ(x) = ψ(x+1) - 1/x until the asymptotic series is accurate */
	while (x < 10.0)
	{
		acc -= 1.0 / x;
		x += 1.0;
	}

	/*
	 * ψ(x) ~ ln x - 1/(2x) - Σ B_2k / (2k x^2k); seven terms give 1e-16
	 * relative accuracy at x >= 10.
	 */
	x2 = 1.0 / (x * x);
	return acc + log(x) - 0.5 / x
		- x2 * (1.0 / 12.0 - x2 * (1.0 / 120.0 - x2 * (1.0 / 252.0 - x2 * (1.0 / 240.0
		- x2 * (1.0 / 132.0 - x2 * (691.0 / 32760.0 - x2 / 12.0))))));
}

double
cl_trigamma(double x)
{
	double		acc = 0.0;
	double		x2;

	/* ψ'(x) = ψ'(x+1) + 1/x^2 */
	while (x < 10.0)
	{
		acc += 1.0 / (x * x);
		x += 1.0;
	}

	/* ψ'(x) ~ 1/x + 1/(2x^2) + Σ B_2k / x^(2k+1) */
	x2 = 1.0 / (x * x);
	return acc + 1.0 / x + 0.5 * x2
		+ x2 / x * (1.0 / 6.0 - x2 * (1.0 / 30.0 - x2 * (1.0 / 42.0 - x2 * (1.0 / 30.0
		- x2 * (5.0 / 66.0 - x2 * (691.0 / 2730.0 - x2 * 7.0 / 6.0))))));
}

double
cl_logsumexp2(double a, double b)
{
	double		hi = a > b ? a : b;
	double		lo = a > b ? b : a;

	if (lo == -INFINITY || isinf(hi))
		return hi;
	return hi + log1p(exp(lo - hi));
}

double
cl_log1pexp(double x)
{
	/* ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|) */
	return (x > 0.0 ? x : 0.0) + log1p(exp(-fabs(x)));
}

void
cl_logsumexp_signed(double la, int sa, double lb, int sb,
					double *log_abs, int *sign)
{
	double		d;

	if (lb > la)
	{
		double		tl = la;
		int			ts = sa;

		la = lb;
		sa = sb;
		lb = tl;
		sb = ts;
	}
	if (lb == -INFINITY)
	{
		*log_abs = la;
		*sign = la == -INFINITY ? 1 : sa;
		return;
	}
	d = lb - la;				/* <= 0 */
	*sign = sa;
	if (sa == sb)
		*log_abs = la + log1p(exp(d));
	else if (d == 0.0)
	{
		*log_abs = -INFINITY;
		*sign = 1;
	}
	else if (d > -CL_LN2)
		*log_abs = la + log(-expm1(d));	/* 1 - e^d without cancellation */
	else
		*log_abs = la + log1p(-exp(d));
}

/* sin(π x), accurate near the integers where sin(M_PI * x) is not. */
static double
sinpi(double x)
{
	double		n = nearbyint(x);
	double		s = sin(M_PI * (x - n));	/* x - n is exact */

	return fmod(n, 2.0) != 0.0 ? -s : s;
}

static int
is_nonpositive_integer(double x)
{
	return x <= 0.0 && x == nearbyint(x);
}

/* Insert v into the descending array arr[0..*n-1]. */
static void
insert_desc(double *arr, int *n, double v)
{
	int			i = *n;

	while (i > 0 && arr[i - 1] < v)
	{
		arr[i] = arr[i - 1];
		i--;
	}
	arr[i] = v;
	(*n)++;
}

/*
 * ln|Π Γ(num_i) / Π Γ(den_j)| and its sign, for up to two arguments on each
 * side, any real non-pole values.  Negative arguments are moved to the other
 * side with the reflection formula Γ(x) Γ(1-x) = π / sin(πx); then the
 * largest numerator is paired with the largest denominator and so on, and
 * each pair goes through cl_lgamma_ratio so that large, close arguments do
 * not cancel catastrophically.
 *
 * Returns 0 when the quotient is zero (a denominator argument is a pole),
 * 1 otherwise.  A numerator pole is the caller's responsibility to avoid.
 */
static int
log_gamma_quotient(const double *num, int nnum, const double *den, int nden,
				   double *log_abs, int *sign)
{
	double		top[4],
				bot[4];
	int			ntop = 0,
				nbot = 0,
				i;
	double		acc = 0.0;
	int			sg = 1;

	for (i = 0; i < nnum; i++)
	{
		if (num[i] > 0.0)
			insert_desc(top, &ntop, num[i]);
		else
		{
			double		s = sinpi(num[i]);

			acc += CL_LN_PI - log(fabs(s));
			sg *= s < 0.0 ? -1 : 1;
			insert_desc(bot, &nbot, 1.0 - num[i]);
		}
	}
	for (i = 0; i < nden; i++)
	{
		if (den[i] > 0.0)
			insert_desc(bot, &nbot, den[i]);
		else if (is_nonpositive_integer(den[i]))
		{
			*log_abs = -INFINITY;
			*sign = 1;
			return 0;
		}
		else
		{
			double		s = sinpi(den[i]);

			acc -= CL_LN_PI - log(fabs(s));
			sg *= s < 0.0 ? -1 : 1;
			insert_desc(top, &ntop, 1.0 - den[i]);
		}
	}
	for (i = 0; i < ntop || i < nbot; i++)
	{
		if (i < ntop && i < nbot)
			acc += cl_lgamma_ratio(top[i], bot[i]);
		else if (i < ntop)
			acc += cl_lgamma(top[i]);
		else
			acc -= cl_lgamma(bot[i]);
	}
	*log_abs = acc;
	*sign = sg;
	return 1;
}

/*
 * Maclaurin series Σ (a)_n (b)_n / ((c)_n n!) z^n for 0 < z < 1, summed with
 * Neumaier compensation in scaled form.  Returns 1 and (log|F|, sign) if the
 * estimated truncation error fell below HYP_EPS |F| within maxterms terms.
 *
 * Stopping rule: once all later factors (a+k), (b+k), (c+k) are positive
 * (k >= n0) the term ratio ρ_k = (a+k)(b+k) z / ((c+k)(k+1)) tends to z.
 * If ρ_n >= z it decreases towards z and the tail is at most
 * |t_n| ρ_n / (1 - ρ_n).  If ρ_n < z it increases towards z; the tail is then
 * bounded by |t_n| z / (1 - z), and because ρ_k ≈ z (1 - s/k) with
 * s = c + 1 - a - b the terms decay at least like k^-s, so for s > 1 the
 * tail is also about |t_n| n / (s - 1) (we use twice that).
 */
static int
hyp_series(double a, double b, double c, double z, long maxterms,
		   double *log_abs, int *sign)
{
	double		one = 1.0;		/* the n = 0 term, in scaled units */
	double		sum = 0.0,		/* Σ_{n>=1} t_n, scaled */
				comp = 0.0,
				t = 1.0;
	long		e2 = 0;			/* true values = scaled values * 2^e2 */
	double		s = c + 1.0 - a - b;
	double		n0 = 0.0;
	double		zbound = z / (1.0 - z);
	long		n;

	if (-a > n0)
		n0 = ceil(-a);
	if (-b > n0)
		n0 = ceil(-b);
	if (-c > n0)
		n0 = ceil(-c);

	for (n = 0;; n++)
	{
		double		dn = (double) n;
		double		ratio = (a + dn) * (b + dn) / ((c + dn) * (dn + 1.0)) * z;
		double		total,
					tmp;

		if (ratio == 0.0)
			break;				/* a or b is -n: the series is a polynomial */
		if (dn >= n0 && fabs(ratio) < 1.0)
		{
			double		r = fabs(ratio);
			double		k = r / (1.0 - r);

			if (r < z)
			{
				double		kz = zbound;

				if (s > 1.0 && 2.0 * (dn + 1.0) / (s - 1.0) < kz)
					kz = 2.0 * (dn + 1.0) / (s - 1.0);
				if (kz > k)
					k = kz;
			}
			/*
			 * Relative to the sum of the terms after the first too, because
			 * ln F is returned as log1p of that sum when F is near 1.
			 */
			total = one + (sum + comp);
			if (fabs(t) * k <= HYP_EPS * fmin(fabs(total), fabs(sum + comp)))
				break;
		}
		if (n >= maxterms || CL_POLL(n))
			return 0;

		t *= ratio;
		/* Neumaier's compensated addition of t to sum */
		tmp = sum + t;
		if (fabs(sum) >= fabs(t))
			comp += (sum - tmp) + t;
		else
			comp += (t - tmp) + sum;
		sum = tmp;

		if (fabs(t) > 0x1p600 || fabs(sum) > 0x1p600)
		{
			t = ldexp(t, -HYP_SCALE_BITS);
			sum = ldexp(sum, -HYP_SCALE_BITS);
			comp = ldexp(comp, -HYP_SCALE_BITS);
			one = ldexp(one, -HYP_SCALE_BITS);
			e2 += HYP_SCALE_BITS;
		}
	}

	sum += comp;
	if (e2 == 0 && sum > -1.0)
	{
		/* F = 1 + sum: log1p keeps full relative accuracy of ln F near 0 */
		*log_abs = log1p(sum);
		*sign = 1;
	}
	else
	{
		double		total = one + sum;

		if (total == 0.0)
			return 0;
		*log_abs = log(fabs(total)) + (double) e2 * CL_LN2;
		*sign = total < 0.0 ? -1 : 1;
	}
	return 1;
}

/* The series of F or of its Euler transform (1-z)^(c-a-b) F(c-a, c-b; c; z). */
static int
hyp_series_form(int euler, double a, double b, double c, double z, double w,
				long maxterms, double *log_abs, int *sign)
{
	if (!euler)
		return hyp_series(a, b, c, z, maxterms, log_abs, sign);
	if (!hyp_series(c - a, c - b, c, z, maxterms, log_abs, sign))
		return 0;
	if (c - a - b != 0.0)
		*log_abs += (c - a - b) * (z < 0.5 ? log1p(-z) : log(w));
	return 1;
}

/*
 * Connection formula (Abramowitz & Stegun 15.3.6), m = c - a - b:
 *   F(a,b;c;z) = Γ(c)Γ(m)/(Γ(c-a)Γ(c-b))   F(a, b; 1-m; w)
 *              + w^m Γ(c)Γ(-m)/(Γ(a)Γ(b))  F(c-a, c-b; 1+m; w),   w = 1 - z.
 * Both coefficients have poles at integer m; their sum does not, but near
 * an integer the two terms nearly cancel, so we decline when m is within
 * HYP_CONN_MIN_EPS of one or when the sum loses more than HYP_CONN_MAX_LOSS.
 */
static int
hyp_connection(double a, double b, double c, double w,
			   double *log_abs, int *sign)
{
	double		m = c - a - b;
	double		l1 = -INFINITY,
				l2 = -INFINITY,
				lf,
				lg;
	int			s1 = 1,
				s2 = 1,
				sf,
				sg;

	if (fabs(m - nearbyint(m)) < HYP_CONN_MIN_EPS)
		return 0;

	{
		const double num[2] = {c, m};
		const double den[2] = {c - a, c - b};

		if (log_gamma_quotient(num, 2, den, 2, &lg, &sg))
		{
			if (!hyp_series(a, b, 1.0 - m, w, HYP_CONN_TERMS, &lf, &sf))
				return 0;
			l1 = lg + lf;
			s1 = sg * sf;
		}
	}
	{
		const double num[2] = {c, -m};
		const double den[2] = {a, b};

		if (log_gamma_quotient(num, 2, den, 2, &lg, &sg))
		{
			if (!hyp_series(c - a, c - b, 1.0 + m, w, HYP_CONN_TERMS, &lf, &sf))
				return 0;
			l2 = m * log(w) + lg + lf;
			s2 = sg * sf;
		}
	}

	cl_logsumexp_signed(l1, s1, l2, s2, log_abs, sign);
	if (!isfinite(*log_abs)
		|| *log_abs < fmax(l1, l2) - log(HYP_CONN_MAX_LOSS))
		return 0;
	return 1;
}

/*
 * Taylor steps along the hypergeometric ODE
 *   z(1-z) f'' + [c - (a+b+1) z] f' - ab f = 0
 * from z = 1/2 to z = 1 - w.  Around a point zc, with u = z - zc and
 * f = Σ d_n (u/h)^n, the ODE gives the recurrence
 *   d_{n+2} = [(n+a)(n+b) h^2 d_n - (n+1)(q0 + p1 n) h d_{n+1}] / (p0 (n+1)(n+2))
 * with p0 = zc(1-zc), p1 = 1-2zc, q0 = c-(a+b+1)zc.  The expansion
 * converges within distance 1-zc (the singularity at z = 1), so each step
 * covers half of the remaining distance and its terms shrink like 2^-n.
 * The position is tracked as the distance s = 1 - z, so the last step ends
 * exactly at the caller's w.  f is renormalised to 1 after every step and
 * its logarithm accumulated.  The start values come from the series:
 * f'(z) = (ab/c) F(a+1, b+1; c+1; z).
 */
static int
hyp_ode(double a, double b, double c, double w, double *log_abs, int *sign)
{
	double		lf,
				ld;
	int			sf,
				sd,
				steps = 0;
	double		s = 0.5;
	double		yp;				/* f'/f at the current point */

	if (!hyp_series(a, b, c, 0.5, HYP_NEAR_TERMS, &lf, &sf)
		|| !hyp_series(a + 1.0, b + 1.0, c + 1.0, 0.5, HYP_NEAR_TERMS, &ld, &sd))
		return 0;
	yp = a * b / c * (double) (sf * sd) * exp(ld - lf);

	while (s > w)
	{
		double		h = s - w;
		double		zc,
					p0,
					p1,
					q0,
					d0,
					d1,
					f,
					fp;
		long		n;

		if (h > 0.5 * s)
			h = 0.5 * s;
		zc = 1.0 - s;
		p0 = zc * s;
		p1 = 2.0 * s - 1.0;
		q0 = c - (a + b + 1.0) * zc;

		d0 = 1.0;
		d1 = yp * h;
		f = d0 + d1;
		fp = d1;				/* Σ n d_n = h f'(zc + h) */
		for (n = 0;; n++)
		{
			double		dn = (double) n;
			double		d2 = ((a + dn) * (b + dn) * h * h * d0
							  - (dn + 1.0) * (q0 + p1 * dn) * h * d1)
				/ (p0 * (dn + 1.0) * (dn + 2.0));
			double		tail = fabs(d1) + fabs(d2);

			f += d2;
			fp += (dn + 2.0) * d2;
			if (n >= 3 && tail <= HYP_EPS * fabs(f)
				&& (dn + 2.0) * tail <= HYP_EPS * fmax(fabs(fp), fabs(f)))
				break;
			if (n >= HYP_ODE_STEP_TERMS || !isfinite(f) || CL_POLL(n))
				return 0;
			d0 = d1;
			d1 = d2;
		}
		if (f == 0.0 || ++steps > HYP_ODE_MAX_STEPS)
			return 0;
		lf += log(fabs(f));
		sf *= f < 0.0 ? -1 : 1;
		yp = fp / (h * f);
		s = (h == 0.5 * s) ? 0.5 * s : w;
	}
	*log_abs = lf;
	*sign = sf;
	return 1;
}

/* 2F1 for 0 < z < 1 (w = 1 - z), a and b nonzero. */
static cl_status
hyp_unit(double a, double b, double c, double z, double w,
		 double *log_abs, int *sign)
{
	/*
	 * The first term ratio of each series is ab z / c resp.
	 * (c-a)(c-b) z / c: the form with the smaller one has the smaller peak
	 * and reaches its geometric tail sooner (for BG/NBD with large x the
	 * Euler form has tiny ratios, the direct form astronomically large terms).
	 */
	int			euler = fabs((c - a) * (c - b)) < fabs(a * b);
	double		pmax = fmax(fabs(a), fmax(fabs(b), fabs(c)));

	if (z <= 0.5)
	{
		if (hyp_series_form(euler, a, b, c, z, w, HYP_NEAR_TERMS, log_abs, sign)
			|| hyp_series_form(!euler, a, b, c, z, w, HYP_NEAR_TERMS, log_abs, sign)
			|| hyp_connection(a, b, c, w, log_abs, sign))
			return CL_OK;
		return CL_ENOCONVERGE;
	}

	if (hyp_series_form(euler, a, b, c, z, w,
						pmax <= HYP_ODE_MAX_PARAM ? HYP_QUICK_SMALL : HYP_QUICK_TERMS,
						log_abs, sign)
		|| hyp_connection(a, b, c, w, log_abs, sign)
		|| (pmax <= HYP_ODE_MAX_PARAM && hyp_ode(a, b, c, w, log_abs, sign))
		|| hyp_series_form(euler, a, b, c, z, w, HYP_LAST_TERMS, log_abs, sign)
		|| hyp_series_form(!euler, a, b, c, z, w, HYP_LAST_TERMS, log_abs, sign))
		return CL_OK;
	return CL_ENOCONVERGE;
}

cl_status
cl_log_hyp2f1_zw(double a, double b, double c, double z, double w,
				 double *log_abs, int *sign)
{
	if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(z)
		|| !isfinite(w))
		return CL_ENOTFINITE;
	if (c <= 0.0 || z >= 1.0 || w <= 0.0)
		return CL_EINVAL;

	if (z == 0.0 || a == 0.0 || b == 0.0)
	{
		*log_abs = 0.0;
		*sign = 1;
		return CL_OK;
	}
	if (z < 0.0)
	{
		/*
		 * Pfaff: F(a,b;c;z) = (1-z)^-a F(a, c-b; c; z/(z-1)), which maps
		 * z < 0 into (0, 1) with 1 - z/(z-1) = 1/(1-z).  Keep whichever of
		 * a, b gives the smaller first term ratio.
		 */
		double		zp = -z / w;
		double		wp = 1.0 / w;
		double		keep,
					other;
		cl_status	st;

		if (fabs(a * (c - b)) <= fabs(b * (c - a)))
		{
			keep = a;
			other = b;
		}
		else
		{
			keep = b;
			other = a;
		}
		if (c - other == 0.0)
		{
			*log_abs = -keep * log1p(-z);
			*sign = 1;
			return CL_OK;
		}
		st = hyp_unit(keep, c - other, c, zp, wp, log_abs, sign);
		if (st == CL_OK)
			*log_abs -= keep * log1p(-z);
		return st;
	}
	return hyp_unit(a, b, c, z, w, log_abs, sign);
}

cl_status
cl_log_hyp2f1(double a, double b, double c, double z,
			  double *log_abs, int *sign)
{
	/* for z >= 1/2, 1 - z is exact (Sterbenz); below, its error is harmless */
	return cl_log_hyp2f1_zw(a, b, c, z, 1.0 - z, log_abs, sign);
}
