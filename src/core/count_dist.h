/*
 * count_dist.h — the conditional predictive distribution of a customer's
 * number of purchases in (T, T+h], given the summary (x, t_x, T), for the
 * purchase models of btyd_model.h and their limit models (btyd_limits.h).
 *
 * A customer dead at T makes no purchase.  Given alive at T, the posterior
 * of the customer's rates is that of the prior updated by x purchases and
 * survival to T, and the future is the model's process started afresh:
 *
 *   purchases   λ ~ Gamma(r+x, α+T) (NBD counts), or λ fixed (homogeneous
 *               rate limit: Poisson counts);
 *   BG/NBD      drop out after each future purchase with p ~ Beta(a, b+x)
 *               (MBG/NBD: Beta(a, b+x+1), the first purchase was a chance
 *               to leave too), or p fixed (homogeneous dropout), or never;
 *   Pareto/NBD  exponential remaining lifetime with μ ~ Gamma(s, β+T), or
 *               μ fixed (homogeneous dropout), or none.
 *
 * With N(t) the Poisson-mixture count of an immortal customer and
 * D(k) = E[(1-p)^k] (BG/NBD family):
 *   P(X = 0)           = P(dead) + P(alive) P(N(h) = 0)
 *   P(X = k | alive)   = E[p (1-p)^(k-1)] P(N(h) >= k) + D(k) P(N(h) = k),  k >= 1
 *   P(X > k | alive)   = D(k) P(N(h) >= k+1)
 * (the k-th purchase happens and is followed by dropout, or the customer
 * survives it and buys no more in the window), the conditional PMF of
 * Fader, Hardie & Lee's note for BG/NBD.  With L(u) the survival function
 * of the remaining lifetime and ℓ = -L' its density (Pareto/NBD family):
 *   P(X = k | alive)   = L(h) P(N(h) = k) + ∫_0^h ℓ(u) P(N(u) = k) du
 *   P(X > k | alive)   = ∫_0^h f_{k+1}(u) L(u) du
 * with f_{k+1} the density of the time of the (k+1)-th purchase.
 * P(N(h) >= j) is the regularized incomplete beta I_z(j, r+x),
 * z = h/(α+T+h) (NBD) or the regularized lower incomplete gamma P(j, λh)
 * (Poisson); the Pareto/NBD integrals are computed by composite 16-point
 * Gauss-Legendre quadrature whose panel count doubles until two successive
 * results agree to 1e-12 relative (1e-17 absolute).
 */
#ifndef CL_COUNT_DIST_H
#define CL_COUNT_DIST_H

#include "btyd_model.h"
#include "cl_status.h"

/* Largest count the functions evaluate (pmf length, interval search). */
#define CL_COUNT_MAX_K 1000000

/*
 * P(exactly k purchases in (T, T+h] | x, t_x, T) into pmf[0..kmax], and
 * P(more than kmax) into *tail (may be NULL).  h >= 0 (h = 0: all mass at
 * 0), 0 <= kmax <= CL_COUNT_MAX_K (else CL_ESIZE).  pmf[0] is computed as
 * cl_btyd_p_no_purchase is; Σ pmf + tail = 1 up to rounding.  Statuses of
 * the model's scores for bad parameters or summaries; CL_ENOCONVERGE when
 * a quadrature or continued fraction does not converge within its bound.
 * Polls the interrupt hook (interrupt.h).
 */
extern cl_status cl_count_pmf(const cl_btyd_model *m, double h, double x,
							  double t_x, double T, int kmax, double *pmf,
							  double *tail);

/*
 * Highest level of a prediction interval: the PMF's running sum is exact
 * to ~1e-13, so (1 + level)/2 must stay well below 1 for the search to
 * find its end.
 */
#define CL_COUNT_MAX_LEVEL (1.0 - 1e-9)

/*
 * The central prediction interval of the count at level
 * (0 < level <= CL_COUNT_MAX_LEVEL, else CL_EINVAL):
 * k_low = the smallest k with P(X <= k) >= (1 - level)/2 and k_high the
 * smallest k with P(X <= k) >= (1 + level)/2, so that
 * P(k_low <= X <= k_high) >= level.  The running sum of the PMF is
 * compared with a margin of 1e-14 for its rounding.  CL_ESIZE when k_high
 * would exceed CL_COUNT_MAX_K.
 */
extern cl_status cl_count_interval(const cl_btyd_model *m, double h, double x,
								   double t_x, double T, double level,
								   int *k_low, int *k_high);

/*
 * Regularized incomplete beta I_x(a, b), with y = 1 - x passed separately
 * so that a small 1 - x keeps its digits; and the regularized lower
 * incomplete gamma P(a, x).  a, b > 0, 0 <= x <= 1 (incomplete beta),
 * x >= 0.  Relative error ~1e-14 times the size of the exponents'
 * cancellation (a few 1e-13 for arguments near 1e3).  CL_ENOCONVERGE
 * after 100000 continued-fraction or series terms.  Exposed for the tests.
 */
extern cl_status cl_ibeta(double a, double b, double x, double y, double *out);
extern cl_status cl_gammainc_lower(double a, double x, double *out);

#endif							/* CL_COUNT_DIST_H */
