/*
 * bgnbd.h — the BG/NBD model (Fader, Hardie & Lee 2005): likelihood, fit
 * and per-customer scores.
 *
 * While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
 * after each purchase they drop out with probability p ~ Beta(a, b).  Times
 * are in the unit the summaries (x, t_x, T) were computed in.  Every
 * function validates its inputs (cl_btyd_check, cl_bgnbd_check_params) and
 * returns CL_EINVAL / CL_ENOTFINITE instead of computing on bad ones.
 */
#ifndef CL_BGNBD_H
#define CL_BGNBD_H

#include <stddef.h>

#include "btyd.h"
#include "cl_status.h"
#include "optim.h"

typedef struct cl_bgnbd_params
{
	double		r,
				alpha,
				a,
				b;
} cl_bgnbd_params;

/* All four parameters finite and > 0. */
extern cl_status cl_bgnbd_check_params(const cl_bgnbd_params *p);

/*
 * Log-likelihood of one customer (Fader, Hardie & Lee 2005):
 *   A1 = lnΓ(r+x) - lnΓ(r) + r ln α
 *   A2 = lnΓ(a+b) + lnΓ(b+x) - lnΓ(b) - lnΓ(a+b+x)
 *   A3 = -(r+x) ln(α+T)
 *   A4 = ln a - ln(b+x-1) - (r+x) ln(α+t_x)      (only when x > 0)
 *   LL = A1 + A2 + logsumexp(A3, A4)
 */
extern cl_status cl_bgnbd_loglik(const cl_bgnbd_params *p, double x,
								 double t_x, double T, double *out);

/*
 * Total weighted log-likelihood of cells[0..n-1] and, when not NULL, its
 * gradient grad[4] and Hessian hess[16] (row-major) with respect to
 * (ln r, ln α, ln a, ln b).  Cells grouped by x are fastest (btyd.h).
 */
extern cl_status cl_bgnbd_loglik_total(const cl_bgnbd_params *p,
									   const cl_btyd_cell *cells, size_t n,
									   double *ll, double *grad, double *hess);

/* P(alive at T | x, t_x, T) = 1 / (1 + [x>0] a/(b+x-1) ((α+T)/(α+t_x))^(r+x)). */
extern cl_status cl_bgnbd_p_alive(const cl_bgnbd_params *p, double x,
								  double t_x, double T, double *out);

/*
 * P(dead at T | x, t_x, T) = 1 - P(alive), computed as such, so that a
 * small churn probability keeps its relative accuracy.
 */
extern cl_status cl_bgnbd_p_dead(const cl_bgnbd_params *p, double x,
								 double t_x, double T, double *out);

/* E[number of purchases in (T, T+t] | x, t_x, T], t >= 0. */
extern cl_status cl_bgnbd_expected_purchases(const cl_bgnbd_params *p, double t,
											 double x, double t_x, double T,
											 double *out);

/*
 * The same at t = step, 2 step, ..., k step into out[0..k-1], in one pass
 * (the horizons share the hypergeometric series coefficients).
 */
extern cl_status cl_bgnbd_expected_purchases_steps(const cl_bgnbd_params *p,
												   double step, int k,
												   double x, double t_x,
												   double T, double *out);

/* E[X(t)]: expected purchases in (0, t] of a customer not yet observed. */
extern cl_status cl_bgnbd_expected_purchases_new(const cl_bgnbd_params *p,
												 double t, double *out);

/*
 * P(no purchase in (T, T+h] | x, t_x, T)
 *   = 1 - P(alive) (1 - ((α+T)/(α+T+h))^(r+x)),  h >= 0.
 * (Dead customers never buy; an alive one has posterior λ ~ Gamma(r+x, α+T),
 * and cannot drop out before buying, so it makes no purchase with probability
 * E[e^(-λh)] = ((α+T)/(α+T+h))^(r+x).)  Tends to 1 - P(alive) as h grows.
 */
extern cl_status cl_bgnbd_p_no_purchase(const cl_bgnbd_params *p, double h,
										double x, double t_x, double T,
										double *out);

/*
 * Maximum-likelihood fit.  Starts from moment-style values (the mean
 * purchase rate sets α for r = 1; a, b start at a mean dropout probability
 * of 1/4) and minimises the mean negative log-likelihood on log-parameters
 * with cl_minimize.  opt may be NULL for defaults.  Allocates nothing.
 *
 * Returns CL_OK with res->converged = 1; CL_ENOCONVERGE (res filled with
 * the last iterate, converged = 0); CL_EDEGENERATE when the data cannot
 * identify the model: no cells with positive weight, no repeat purchases
 * at all, or a maximum on the boundary of the parameter space (r, a, b or
 * α/mean(T) outside [1e-6, 1e6], see CL_FIT_PARAM_LIMIT; res is filled with
 * the estimates and the optimiser's converged flag when a fit was
 * attempted); CL_EINVAL / CL_ENOTFINITE for bad cells.
 */
extern cl_status cl_bgnbd_fit(const cl_btyd_cell *cells, size_t n,
							  const cl_fit_options *opt, cl_fit_result *res);

#endif							/* CL_BGNBD_H */
