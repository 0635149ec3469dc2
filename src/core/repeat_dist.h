/*
 * repeat_dist.h — the distribution of the number of repeat purchases in a
 * period of length t, P(X(t) = x), under the three purchase models, for a
 * customer drawn at random from the population (no purchase history
 * conditioned on).  Summed over the customers of a table, each with their
 * own age T, it gives the expected number of customers with 0, 1, 2, ...
 * repeat purchases in the calibration period, the literature's check of a
 * fitted model against the observed frequency histogram.
 *
 * With NB(j) = Γ(r+j)/(Γ(r) j!) (α/(α+t))^r (t/(α+t))^j (the negative
 * binomial count of a Gamma(r, α) mixture of Poisson processes) and
 * S(x) = Σ_{j>=x} NB(j):
 *
 *   BG/NBD (Fader, Hardie & Lee 2005, eq. 8)
 *     P(X=x) = B(a, b+x)/B(a, b) NB(x) + [x>0] B(a+1, b+x-1)/B(a, b) S(x)
 *   MBG/NBD (Batislam, Denizel & Filiztekin 2007; dropout possible at the
 *   first purchase too)
 *     P(X=x) = B(a, b+x+1)/B(a, b) NB(x) + B(a+1, b+x)/B(a, b) S(x)
 *   Pareto/NBD (Fader & Hardie, "Deriving an expression for P(X(t) = x)
 *   under the Pareto/NBD model")
 *     P(X=x) = NB(x) (β/(β+t))^s
 *            + α^r β^s B(r+x, s+1)/B(r, s)
 *              [ H_x(r+s; α, β) - Σ_{j=0..x} (r+s)_j/j! t^j H_x(r+s+j; α+t, β+t) ]
 *     with H_x(c; a', b') = E[(u a' + (1-u) b')^-c], u ~ Beta(r+x, s+1),
 *     a 2F1 with z = 1 - min(a', b')/max(a', b') in [0, 1) (Euler's
 *     integral), evaluated by cl_log_hyp2f1_zw with w = min/max exactly.
 *
 * S(x) is summed from the smaller side: 1 - Σ_{j<x} NB(j) while that sum is
 * at most 1/2, otherwise from the upper tail, so it keeps its relative
 * accuracy.  The Pareto/NBD bracket is a difference of positive terms; its
 * absolute error is a few ulps of H_x(r+s; α, β) α^r β^s, i.e. of order
 * 1e-16 in probability.  Limit models (btyd_limits.h) are not covered.
 */
#ifndef CL_REPEAT_DIST_H
#define CL_REPEAT_DIST_H

#include "btyd_model.h"
#include "cl_status.h"

/* Largest n accepted by cl_btyd_count_pmf (the Pareto/NBD cost is O(n^2)). */
#define CL_COUNT_PMF_MAX 1000

/*
 * pmf[x] = P(X(t) = x) for x = 0..n-1 and *tail = P(X(t) >= n)
 * = 1 - Σ pmf (clamped to [0, 1]).  t >= 0 finite (t = 0: X = 0 surely);
 * 1 <= n <= CL_COUNT_PMF_MAX.  CL_EINVAL for bad arguments or a limit
 * model; CL_ENOCONVERGE when a 2F1 did not converge or the interrupt hook
 * asked to stop.
 */
extern cl_status cl_btyd_count_pmf(const cl_btyd_model *m, double t, int n,
								   double *pmf, double *tail);

#endif							/* CL_REPEAT_DIST_H */
