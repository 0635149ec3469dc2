/*
 * mbgnbd.h — the modified BG/NBD model (Batislam, Denizel & Filiztekin
 * 2007): likelihood, fit and per-customer scores.
 *
 * While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
 * at time 0 and after every purchase they drop out with probability
 * p ~ Beta(a, b).  Unlike BG/NBD, a customer without repeat purchases may
 * already be gone.  The parameters are BG/NBD's (cl_bgnbd_params); times
 * are in the unit the summaries were computed in.
 *
 *   LL = A1 + A2 + ln(e^A3 + e^A4)
 *   A1 = ln Γ(r+x) - ln Γ(r) + r ln α
 *   A2 = ln Γ(a+b) + ln Γ(b+x+1) - ln Γ(b) - ln Γ(a+b+x+1)
 *   A3 = -(r+x) ln(α+T)
 *   A4 = ln a - ln(b+x) - (r+x) ln(α+t_x)                 (every x)
 *   P(alive) = 1 / (1 + a/(b+x) ((α+T)/(α+t_x))^(r+x))
 *   E[Y(t)] = (a+b+x)/(a-1) [1 - ((α+T)/(α+T+t))^(r+x)
 *                              2F1(r+x, b+x+1; a+b+x; t/(α+T+t))] P(alive)
 *
 * These match lifetimes' ModifiedBetaGeoFitter.
 */
#ifndef CL_MBGNBD_H
#define CL_MBGNBD_H

#include "bgnbd.h"

/* Log-likelihood of one customer. */
extern cl_status cl_mbgnbd_loglik(const cl_bgnbd_params *p, double x,
								  double t_x, double T, double *out);

/* Weighted total with gradient grad[4] and Hessian hess[16] w.r.t. the log-parameters. */
extern cl_status cl_mbgnbd_loglik_total(const cl_bgnbd_params *p,
										const cl_btyd_cell *cells, size_t n,
										double *ll, double *grad, double *hess);

extern cl_status cl_mbgnbd_p_alive(const cl_bgnbd_params *p, double x,
								   double t_x, double T, double *out);

/* 1 - P(alive), computed as such (see cl_bgnbd_p_dead). */
extern cl_status cl_mbgnbd_p_dead(const cl_bgnbd_params *p, double x,
								  double t_x, double T, double *out);

/* E[number of purchases in (T, T+t] | x, t_x, T], t >= 0. */
extern cl_status cl_mbgnbd_expected_purchases(const cl_bgnbd_params *p, double t,
											  double x, double t_x, double T,
											  double *out);

/* The same at t = step, 2 step, ..., k step into out[0..k-1], in one pass. */
extern cl_status cl_mbgnbd_expected_purchases_steps(const cl_bgnbd_params *p,
													double step, int k,
													double x, double t_x,
													double T, double *out);

/*
 * E[X(t)] of a new customer = b/(a-1) [1 - (α/(α+t))^r 2F1(r, b+1; a+b; t/(α+t))]
 * (the conditional expectation at x = t_x = T = 0, P(alive) = b/(a+b)).
 */
extern cl_status cl_mbgnbd_expected_purchases_new(const cl_bgnbd_params *p,
												  double t, double *out);

/* P(no purchase in (T, T+h]) = 1 - P(alive) (1 - ((α+T)/(α+T+h))^(r+x)),
 * computed as P(dead) + P(alive) ((α+T)/(α+T+h))^(r+x). */
extern cl_status cl_mbgnbd_p_no_purchase(const cl_bgnbd_params *p, double h,
										 double x, double t_x, double T,
										 double *out);

/* Maximum-likelihood fit; same start, scaling and statuses as cl_bgnbd_fit. */
extern cl_status cl_mbgnbd_fit(const cl_btyd_cell *cells, size_t n,
							   const cl_fit_options *opt, cl_fit_result *res);

#endif							/* CL_MBGNBD_H */
