/*
 * pareto_nbd.h — the Pareto/NBD model (Schmittlein, Morrison & Colombo
 * 1987; likelihood as in Fader, Hardie & Lee 2005, "A Note on Deriving the
 * Pareto/NBD Model and Related Expressions"): likelihood with exact
 * derivatives, fit and per-customer scores.
 *
 * While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α)
 * and has an exponential lifetime with rate μ ~ Gamma(s, β), independent of
 * λ.  Times are in the unit the summaries (x, t_x, T) were computed in.
 *
 * Log-likelihood of one customer:
 *   LL = ln Γ(r+x) - ln Γ(r) + r ln α + s ln β + ln(E + s I)
 *   E  = (α+T)^-(r+x) (β+T)^-s                       (alive at T)
 *   I  = ∫_{t_x}^{T} (α+y)^-(r+x) (β+y)^-(s+1) dy    (died in (t_x, T])
 * The published closed form writes s I = s/(r+s+x) A0 with A0 a difference
 * of two 2F1(r+s+x, s+1; r+s+x+1; z) terms (α >= β; the other branch for
 * α < β); see pareto_nbd.c for how both are evaluated.
 *
 *   P(alive) = E / (E + s I)
 *   E[Y(t)]  = (r+x)(β+T) / ((α+T)(s-1)) [1 - ((β+T)/(β+T+t))^(s-1)] P(alive)
 *              (at s = 1 the bracket over s-1 is ln(1 + t/(β+T)))
 */
#ifndef CL_PARETO_NBD_H
#define CL_PARETO_NBD_H

#include <stddef.h>

#include "btyd.h"
#include "cl_status.h"
#include "optim.h"

typedef struct cl_pnbd_params
{
	double		r,
				alpha,
				s,
				beta;
} cl_pnbd_params;

/* All four parameters finite and > 0. */
extern cl_status cl_pnbd_check_params(const cl_pnbd_params *p);

/* Log-likelihood of one customer. */
extern cl_status cl_pnbd_loglik(const cl_pnbd_params *p, double x,
								double t_x, double T, double *out);

/*
 * Total weighted log-likelihood of cells[0..n-1] and, when not NULL, its
 * gradient grad[4] and Hessian hess[16] (row-major) with respect to
 * (ln r, ln α, ln s, ln β).
 */
extern cl_status cl_pnbd_loglik_total(const cl_pnbd_params *p,
									  const cl_btyd_cell *cells, size_t n,
									  double *ll, double *grad, double *hess);

/*
 * ln(s I), the death term of the likelihood, by two independent methods:
 * the published 2F1 closed form in log space (may return CL_ENOCONVERGE
 * where cl_log_hyp2f1 has its known gap) and Gauss-Legendre quadrature of
 * the integral.  Exposed for the unit tests; the scores use the first and
 * fall back to the second.
 */
extern cl_status cl_pnbd_log_death_hyp(const cl_pnbd_params *p, double x,
									   double t_x, double T, double *out);
extern cl_status cl_pnbd_log_death_quad(const cl_pnbd_params *p, double x,
										double t_x, double T, double *out);

extern cl_status cl_pnbd_p_alive(const cl_pnbd_params *p, double x,
								 double t_x, double T, double *out);

/* 1 - P(alive), computed as such (a small value keeps its relative accuracy). */
extern cl_status cl_pnbd_p_dead(const cl_pnbd_params *p, double x,
								double t_x, double T, double *out);

/* E[number of purchases in (T, T+t] | x, t_x, T], t >= 0. */
extern cl_status cl_pnbd_expected_purchases(const cl_pnbd_params *p, double t,
											double x, double t_x, double T,
											double *out);

/* The same at t = step, 2 step, ..., k step into out[0..k-1]. */
extern cl_status cl_pnbd_expected_purchases_steps(const cl_pnbd_params *p,
												  double step, int k,
												  double x, double t_x,
												  double T, double *out);

/* E[X(t)] of a new customer = rβ/(α(s-1)) [1 - (β/(β+t))^(s-1)]. */
extern cl_status cl_pnbd_expected_purchases_new(const cl_pnbd_params *p,
												double t, double *out);

/*
 * P(no purchase in (T, T+h] | x, t_x, T) = 1 - P(alive) P(buy | alive), with
 *   P(buy | alive) = ∫_0^h (r+x)/(α+T) ((α+T)/(α+T+τ))^(r+x+1) ((β+T)/(β+T+τ))^s dτ
 * the probability that the first purchase after T comes before both the
 * horizon and the customer's death (posterior λ ~ Gamma(r+x, α+T),
 * μ ~ Gamma(s, β+T), independent, given alive at T).
 */
extern cl_status cl_pnbd_p_no_purchase(const cl_pnbd_params *p, double h,
									   double x, double t_x, double T,
									   double *out);

/*
 * Maximum-likelihood fit with cl_minimize (exact gradient and Hessian).
 * Start: r = s = 1, α from the mean purchase rate (r/α = Σx/ΣT), β = mean
 * age.  Statuses as for cl_bgnbd_fit.
 */
extern cl_status cl_pnbd_fit(const cl_btyd_cell *cells, size_t n,
							 const cl_fit_options *opt, cl_fit_result *res);

#endif							/* CL_PARETO_NBD_H */
