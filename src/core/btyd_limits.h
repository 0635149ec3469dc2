/*
 * btyd_limits.h — the models on the edge of the parameter space, and fits
 * that return them when the likelihood's supremum lies there.
 *
 * The mixtures of the BTYD models have limits that are models in their own
 * right, with fewer parameters:
 *
 *   homogeneous rate   r, α -> ∞ with r/α = λ fixed: every customer buys at
 *                      the same rate λ (the Gamma heterogeneity vanishes);
 *   no dropout         BG/NBD, MBG/NBD: p ≡ 0 (a -> 0 or b -> ∞);
 *                      Pareto/NBD: μ ≡ 0 (s -> 0 or β -> ∞): nobody leaves;
 *   homogeneous dropout
 *                      BG/NBD, MBG/NBD: a, b -> ∞ with a/(a+b) = p fixed;
 *                      Pareto/NBD: s, β -> ∞ with s/β = μ fixed.
 *
 * Data on which nobody lapses and everybody buys at about the same rate
 * ("steady buyers") have their supremum at homogeneous rate + no dropout,
 * the Poisson process, where the interior fit would run its parameters to
 * infinity.  The limits supported, with their parameters in order:
 *
 *   family          limit flags        parameters
 *   BG/NBD, MBG     NO_DROPOUT         r, α          (NBD)
 *   all three       HR | NO_DROPOUT    λ             (Poisson)
 *   BG/NBD, MBG     HR                 λ, a, b       (dropout Beta(a, b))
 *   BG/NBD, MBG     HOM_DROPOUT        r, α, p
 *   BG/NBD, MBG     HR | HOM_DROPOUT   λ, p
 *   Pareto/NBD      NO_DROPOUT         r, α          (NBD)
 *   Pareto/NBD      HR                 λ, s, β       (dropout rate Gamma(s, β))
 *   Pareto/NBD      HOM_DROPOUT        r, α, μ       (purchase rate Gamma(r, α))
 *   Pareto/NBD      HR | HOM_DROPOUT   λ, μ
 *
 * with p the dropout probability after a purchase (0 < p < 1; BG/NBD's
 * homogeneous rate + homogeneous dropout also takes p = 1: every repeat
 * buyer left after the last purchase) and μ the dropout rate.  A limit model
 * travels in cl_btyd_model with family = base | flags << CL_LIMIT_SHIFT and
 * its parameters in p[0..].  btyd_model.c sends every score of such a model
 * here; all of them are closed forms (Pareto/NBD's HR and HOM_DROPOUT in
 * terms of the scaled incomplete gamma function of incgamma.h).
 *
 * Gamma-Gamma: spend per purchase ~ Gamma(p, ν), ν ~ Gamma(q, v).
 *   homogeneous spend  q, v -> ∞ with v/q = 1/ν fixed: every customer's
 *                      purchases come from one Gamma(p, ν) distribution, so
 *                      a customer's own mean tells nothing more: E[M] = p/ν;
 *   constant spend     in addition p -> ∞: every purchase of every customer
 *                      has the same value.  The spend density is then a
 *                      point mass, so the likelihood is unbounded (+∞).
 *   constant spend per customer
 *                      p -> ∞ with p v = w fixed: each customer's purchases
 *                      all have the same value m = p/ν, which varies between
 *                      customers as InverseGamma(q, w); E[M | x > 0, m] = m,
 *                      and w / (q - 1) for a customer without purchases.
 * cl_gg_params carries them as q = +∞ with v = the mean spend p/ν
 * (homogeneous spend), p = q = +∞ with v = the spend (constant spend), and
 * p = +∞ with q, v = w (constant spend per customer);
 * cl_gg_expected_spend dispatches them to cl_gg_limit_expected_spend.
 */
#ifndef CL_BTYD_LIMITS_H
#define CL_BTYD_LIMITS_H

#include <stddef.h>

#include "btyd.h"
#include "btyd_model.h"
#include "cl_status.h"
#include "gamma_gamma.h"
#include "optim.h"

#define CL_LIMIT_SHIFT 8
#define CL_LIMIT_HOMOGENEOUS_RATE		0x01
#define CL_LIMIT_NO_DROPOUT				0x02
#define CL_LIMIT_HOMOGENEOUS_DROPOUT	0x04
#define CL_LIMIT_HOMOGENEOUS_SPEND		0x08
#define CL_LIMIT_CONSTANT_SPEND			0x10
#define CL_LIMIT_CONSTANT_SPEND_PER_CUSTOMER	0x20

#define CL_BTYD_BASE(family)	((int) (family) & ((1 << CL_LIMIT_SHIFT) - 1))
#define CL_BTYD_LIMIT(family)	((int) (family) >> CL_LIMIT_SHIFT)

/*
 * Number of parameters of the limit "flags" of a purchase-model family
 * (base family, no flags shifted in), or -1 when the combination is not a
 * supported limit.  flags = 0 gives 4 (the interior model).
 */
extern int	cl_btyd_limit_nparams(int base_family, int flags);

/* Parameters of a limit model in range (see the table above). */
extern cl_status cl_btyd_limit_check(const cl_btyd_model *m);

/* The scores of btyd_model.h for a limit model (m->family has flags). */
extern cl_status cl_btyd_limit_loglik(const cl_btyd_model *m, double x,
									  double t_x, double T, double *out);
extern cl_status cl_btyd_limit_p_alive(const cl_btyd_model *m, double x,
									   double t_x, double T, double *out);
/* 1 - P(alive), a small value to its relative accuracy where it can be small */
extern cl_status cl_btyd_limit_p_dead(const cl_btyd_model *m, double x,
									  double t_x, double T, double *out);
extern cl_status cl_btyd_limit_expected_purchases_steps(const cl_btyd_model *m,
														double step, int k,
														double x, double t_x,
														double T, double *out);
extern cl_status cl_btyd_limit_expected_purchases_new(const cl_btyd_model *m,
													  double t, double *out);
extern cl_status cl_btyd_limit_p_no_purchase(const cl_btyd_model *m, double h,
											 double x, double t_x, double T,
											 double *out);

/*
 * Maximum likelihood with the edge of the parameter space included.
 *
 * Fits the interior model first (cl_bgnbd_fit, cl_mbgnbd_fit or
 * cl_pnbd_fit, unchanged).  When that fit is a clean interior optimum whose
 * log-likelihood is at least the Poisson limit's, it is the answer.
 * Otherwise every supported limit of the family is fitted (the Poisson rate
 * in closed form, the others by a small Newton fit) and the best limit is
 * returned when its log-likelihood is at least the best interior value
 * found (to 1e-10 relative): res holds the limit's parameters, its exact
 * log-likelihood and converged = 1, and *family_out = base | flags <<
 * CL_LIMIT_SHIFT.  If no limit reaches the interior value, the interior
 * result and status are returned as cl_*_fit gave them (*family_out = base).
 *
 * A repeat buyer with recency 0 (x > 0, t_x = 0, weight > 0, e.g. a
 * repeat purchase in the first period) makes the mixture likelihoods
 * unbounded (one customer with an infinite rate who then left).  An
 * interior fit that converges anyway is a local maximum and is returned as
 * above; one that runs to infinity with no limit to stop at gives
 * CL_EINVAL (res filled).  No repeat purchase at all: CL_EDEGENERATE with
 * res->iterations = 0, as from the interior fits.
 */
extern cl_status cl_btyd_fit_boundary(cl_btyd_family base, const cl_btyd_cell *cells,
									  size_t n, const cl_fit_options *opt,
									  cl_fit_result *res, int *family_out);

/* 1 when some cell has x > 0, t_x = 0 and positive weight (see above). */
extern int	cl_btyd_cells_unbounded(const cl_btyd_cell *cells, size_t n);

/*
 * Gamma-Gamma with its limits.  *limit_out = 0 (interior), or
 * CL_LIMIT_HOMOGENEOUS_SPEND (res->params = p, ν), or
 * CL_LIMIT_CONSTANT_SPEND_PER_CUSTOMER (res->params = q, w), or
 * CL_LIMIT_CONSTANT_SPEND (res->params[0] = the spend, res->ll = +∞).
 * Same rules as cl_btyd_fit_boundary.
 */
extern cl_status cl_gg_fit_boundary(const cl_gg_cell *cells, size_t n,
									const cl_fit_options *opt, cl_fit_result *res,
									int *limit_out);

/* cl_gg_expected_spend of a limit (q = +∞ or p = +∞) parameter set. */
extern cl_status cl_gg_limit_expected_spend(const cl_gg_params *p, double x,
											double m, double *out);

#endif							/* CL_BTYD_LIMITS_H */
