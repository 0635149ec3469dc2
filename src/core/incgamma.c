/*
 * incgamma.c — K(a, z) = e^z z^a Γ(-a, z) in log space (incgamma.h).
 *
 * Three regimes, chosen by where each converges in a bounded number of
 * steps (measured against 40-digit references, test_incgamma.c):
 *
 *   z or a huge    K = 1/(z+a+1) (1 + O((a+1)/(z+a+1)^2)): that first
 *                  term alone once the correction is below 1e-17;
 *   z >= 1/2 or a > 24
 *                  Legendre's continued fraction
 *                    K = 1/(z+1+a - 1(1+a)/(z+3+a - 2(2+a)/(z+5+a - ...)))
 *                  by the modified Lentz method: at most ~180 terms at
 *                  z = 1/2, ~30 for a > 24 at any z, 3 to 10 for z > 100;
 *   z < 1/2, a <= 24
 *                  the power series of Γ(-a0, z) at a0 = a - n in
 *                  (-1/2, 1/2] (or a0 = a in [-1, -1/2]), then the n <= 25
 *                  forward steps K(a+1) = (1 - z K(a)) / (a+1).  Forward is
 *                  the stable direction here: 1 - z K(a) = (a+1) K(a+1, z)
 *                  is at least about 0.3 for a >= -1/2 and z < 1/2, so a
 *                  step loses at most a factor ~3 (measured), and the
 *                  errors of earlier steps are damped by z/(a+1) each.
 *
 * The series: with b = -a0, Γ(b, z) = Γ(b) - z^b Σ_{n>=0} (-z)^n / (n! (b+n)),
 * so that
 *   K(a0, z) = e^z [z^a0 Γ(-a0) + 1/a0 - Σ_{n>=1} (-z)^n / (n! (n - a0))].
 * Near a0 = 0 the first two terms are each infinite; written as
 *   z^a0 g1(-a0) - expm1(a0 ln z) / a0,   g1(b) = (Γ(1+b) - 1) / b,
 * both are smooth (g1(0) = -γ, and the second is -ln z at a0 = 0).  g1
 * comes from the Taylor series of ln Γ(1+b) = -γ b + Σ (-1)^k ζ(k) b^k / k,
 * 56 terms for |b| <= 1/2.  For z < 1/2 the alternating sum loses at most
 * a factor ~3 to cancellation.
 */
#include <float.h>
#include <math.h>

#include "incgamma.h"
#include "specfun.h"

#define EULER_GAMMA 0.5772156649015329

/* (-1)^k ζ(k) / k for k = 2, 3, ... */
static const double LNGAMMA1P[] = {
	0.8224670334241132, -0.40068563438653143, 0.27058080842778454,
	-0.20738555102867398, 0.1695571769974082, -0.1440498967688461,
	0.12550966952474304, -0.11133426586956469, 0.1000994575127818,
	-0.09095401714582904, 0.083353840546109, -0.0769325164113522,
	0.07143294629536133, -0.06666870588242046, 0.06250095514121304,
	-0.058823978658684585, 0.055555767627403614, -0.05263167937961666,
	0.05000004769810169, -0.047619070330142226, 0.04545455629320467,
	-0.04347826605304026, 0.04166666915034121, -0.04000000119214014,
	0.03846153903467518, -0.037037037312989324, 0.035714285847333355,
	-0.034482758684919304, 0.03333333336437758, -0.03225806453115042,
	0.03125000000727597, -0.030303030306558044, 0.029411764707594344,
	-0.02857142857226011, 0.027777777778181998, -0.027027027027223673,
	0.02631578947377995, -0.025641025641072283, 0.025000000000022737,
	-0.024390243902450117, 0.023809523809529224, -0.023255813953491015,
	0.02272727272727402, -0.022222222222222855, 0.021739130434782917,
	-0.021276595744681003, 0.02083333333333341, -0.02040816326530616,
	0.020000000000000018, -0.019607843137254912, 0.019230769230769235,
	-0.01886792452830189, 0.01851851851851852, -0.01818181818181818,
	0.017857142857142856, -0.017543859649122806,
};

#define NLNGAMMA1P ((int) (sizeof(LNGAMMA1P) / sizeof(LNGAMMA1P[0])))

/* g1(b) = (Γ(1+b) - 1) / b for |b| <= 1/2 */
static double
gamma1pm1_over(double b)
{
	double		q = 0.0,
				L;
	int			k;

	/* L / b = -γ + Σ_{k>=2} c_k b^(k-1), Horner from the top */
	for (k = NLNGAMMA1P - 1; k >= 0; k--)
		q = q * b + LNGAMMA1P[k];
	q = -EULER_GAMMA + q * b;
	if (b == 0.0)
		return q;
	L = q * b;
	return expm1(L) / b;
}

/* ln K by the continued fraction (z >= 1/2 or a > 24; z finite, > 0) */
#define CF_MAX_TERMS 2000

static double
log_k_cf(double a, double z)
{
	const double tiny = 1e-300;
	double		b = z + 1.0 + a,
				C = 1.0 / tiny,
				D = 1.0 / b,
				h = D;
	int			n;

	for (n = 1; n < CF_MAX_TERMS; n++)
	{
		double		an = -(double) n * ((double) n + a),
					delta;

		b += 2.0;
		D = an * D + b;
		if (fabs(D) < tiny)
			D = tiny;
		C = b + an / C;
		if (fabs(C) < tiny)
			C = tiny;
		D = 1.0 / D;
		delta = C * D;
		h *= delta;
		if (fabs(delta - 1.0) < 1e-16)
			break;
	}
	return log(h);
}

/*
 * ln K(a0, z) by the series, a0 in (-1, 1/2], 0 < z < 1/2 (lnz = ln z).
 * Σ_{n>=1} (-z)^n / (n! (n - a0)) to rounding: z^n/n! < 1e-17 by n = 30.
 */
static double
log_k_series(double a0, double z, double lnz)
{
	double		term = 1.0,
				sum = 0.0,
				head;
	int			n;

	for (n = 1; n < 40; n++)
	{
		double		t;

		term *= -z / n;
		t = term / (n - a0);
		sum += t;
		if (fabs(t) < 1e-17 * fabs(sum))
			break;
	}
	if (a0 <= -0.5)
	{
		/* z^a0 Γ(-a0) + 1/a0: Γ(-a0) in [Γ(1), Γ(1/2)] is plain */
		double		lp = a0 * lnz + cl_lgamma(-a0),
					rest = 1.0 / a0 - sum;

		if (lp > 600.0)
			return z + lp + log1p(rest * exp(-lp));
		head = exp(lp) + rest;
		return z + log(head);
	}
	if (a0 == 0.0)
		head = -EULER_GAMMA - lnz;
	else
		head = exp(a0 * lnz) * gamma1pm1_over(-a0) - expm1(a0 * lnz) / a0;
	return z + log(head - sum);
}

double
cl_log_kfun(double a, double lnz)
{
	double		z,
				la1;

	if (isnan(a) || isnan(lnz) || !(a >= -1.0))
		return NAN;
	if (a == INFINITY)
		return -INFINITY;
	if (lnz == -INFINITY)
		return a > 0.0 ? -log(a) : INFINITY;
	z = exp(lnz);
	/* the first term 1/(z+a+1) when (a+1)/(z+a+1)^2 < 1e-17 */
	la1 = log1p(a);
	{
		double		lzs = la1 > lnz ? la1 + log1p(exp(lnz - la1)) : lnz + log1p(exp(la1 - lnz));

		if (la1 - 2.0 * lzs < -39.2)
			return -lzs;
	}
	if (z >= 0.5 || a > 24.0)
		return log_k_cf(a, z);
	{
		double		n = a > -0.5 ? ceil(a - 0.5) : 0.0,
					a0 = a - n,
					lk = log_k_series(a0, z, lnz),
					k;
		int			i;

		if (n == 0.0)
			return lk;
		/* K(a0+1) = (1 - z K(a0)) / (a0+1), ... up to a */
		k = exp(lk);
		for (i = 1; i <= (int) n; i++)
		{
			double		ai = a0 + i;

			k = (1.0 - z * k) / ai;
		}
		return log(k);
	}
}

double
cl_log_zkfun(double a, double lnz)
{
	if (isnan(a) || isnan(lnz) || !(a >= -1.0))
		return NAN;
	if (lnz == INFINITY)
		return 0.0;
	if (lnz == -INFINITY)
		return -INFINITY;
	return lnz + cl_log_kfun(a, lnz);
}
