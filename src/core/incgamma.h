/*
 * incgamma.h — the upper incomplete gamma function of any real order, in
 * the scaled form the Pareto/NBD limit models need.
 *
 * Mixing the exponential lifetime (or the Poisson purchase rate) of one
 * customer over a Gamma distribution, with the other rate fixed, leaves
 * integrals of e^(-cu) u^(-m) over a range of u; all of them are values of
 *
 *   K(a, z) = ∫_0^∞ e^(-z t) (1+t)^(-a-1) dt = e^z z^a Γ(-a, z) = U(1, 1-a, z)
 *
 * (U Tricomi's confluent hypergeometric function), for a > -1 and z >= 0.
 * K is smooth and bounded where the unscaled Γ(-a, z) over- or underflows:
 * 1/(z+a+1) < K(a, z) < 1/(z+a) for a > 0, K -> 1/a as z -> 0 (a > 0) and
 * K ~ 1/z as z -> ∞.  Two identities (integration by parts) keep every
 * formula built from it a sum of positive terms:
 *
 *   (a+1) K(a+1, z) + z K(a, z) = 1.
 */
#ifndef CL_INCGAMMA_H
#define CL_INCGAMMA_H

/*
 * ln K(a, z) for a >= -1 and z = e^lnz >= 0 (lnz may be -INFINITY or
 * +INFINITY); relative error of K below 1e-14 in the whole range, in at
 * most ~200 steps: the Legendre continued fraction where it converges fast
 * (z >= 1/2 or a > 24), else the power series at a0 = a - n in [-1, 1/2]
 * and n <= 25 steps of the recurrence above.  K(-1, z) = 1/z, the limit
 * that a = s - 1 rounds to for s below 1e-16.  NaN for a < -1 or NaN input;
 * +INFINITY at z = 0 with a <= 0.
 */
extern double cl_log_kfun(double a, double lnz);

/*
 * ln(z K(a, z)) = ln(1 - (a+1) K(a+1, z)), the same for z = e^lnz; 0 at
 * z = ∞, -INFINITY at z = 0.
 */
extern double cl_log_zkfun(double a, double lnz);

#endif							/* CL_INCGAMMA_H */
