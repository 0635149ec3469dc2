/*
 * uncertainty.h — sampling uncertainty of the fitted models: the parameter
 * covariance at the optimum and delta-method intervals for the scores.
 *
 * Covariance.  The asymptotic covariance of the maximum-likelihood
 * estimates is the inverse of the observed information, the Hessian of the
 * negative log-likelihood summed over the customers, taken in the natural
 * parameters: (r, α, a, b) for BG/NBD and MBG/NBD, (r, α, s, β) for
 * Pareto/NBD, (p, q, v) for Gamma-Gamma.  The fits already compute the exact
 * gradient g and Hessian H of the log-likelihood with respect to the
 * log-parameters u = ln θ; the chain rule gives the natural-parameter
 * Hessian exactly, with no numerical differentiation:
 *   ∂²LL/∂θi∂θj = (H_ij - δ_ij g_i) / (θi θj).
 * The information matrix is scaled to unit diagonal (a correlation-type
 * matrix C = D I D, D = diag(I_ii^-1/2)) and factored by Cholesky; the
 * covariance is D C⁻¹ D.  A pivot of C below CL_COV_PIVOT_TOL (C's
 * condition is then ~1e12 or worse), or a non-positive diagonal entry,
 * means the data do not identify the model at these parameters: the
 * symmetric eigen-decomposition of C then names the parameters that load
 * on its (near-)null directions.
 */
#ifndef CL_UNCERTAINTY_H
#define CL_UNCERTAINTY_H

#include <stddef.h>

#include "btyd.h"
#include "btyd_model.h"
#include "cl_status.h"
#include "gamma_gamma.h"

#define CL_COV_MAXPARAM 4
/* packed lower triangle of a CL_COV_MAXPARAM square matrix */
#define CL_COV_PACKED (CL_COV_MAXPARAM * (CL_COV_MAXPARAM + 1) / 2)

/* index of (i, j) in the packed lower triangle, row by row: (0,0) (1,0) (1,1) (2,0) ... */
#define CL_COV_IDX(i, j) ((i) >= (j) ? (i) * ((i) + 1) / 2 + (j) : (j) * ((j) + 1) / 2 + (i))

/* Smallest Cholesky pivot (squared) of the unit-diagonal information accepted. */
#define CL_COV_PIVOT_TOL 1e-12

typedef struct cl_cov_result
{
	int			nparams;		/* 4 (purchase models) or 3 (Gamma-Gamma) */
	double		se[CL_COV_MAXPARAM];	/* standard errors; NaN when not identified */
	double		cov[CL_COV_PACKED];	/* CL_COV_IDX order; NaN when not identified */

	/*
	 * Bit i set: parameter i is not identified (it loads on a null or
	 * near-null direction of the information, or the model is a limit in
	 * which it went to 0 or infinity).  0 when the covariance is valid.
	 */
	unsigned	unidentified;
	double		ll;				/* log-likelihood at the parameters */
} cl_cov_result;

/*
 * Covariance of the parameters of a purchase model (interior family, or a
 * limit model: see below) from the cells it was fitted on.
 *
 * CL_OK: se and cov filled, unidentified = 0.  CL_EDEGENERATE: the
 * information is not positive definite at these parameters, or the model
 * is a limit model of btyd_limits.h (its interior parameters went to 0 or
 * infinity, e.g. HOMOGENEOUS_RATE sets the bits of r and α, NO_DROPOUT and
 * HOMOGENEOUS_DROPOUT those of a, b or s, β): se and cov are NaN and
 * unidentified names the parameters concerned.  CL_EINVAL / CL_ENOTFINITE
 * for bad parameters or cells; CL_ERANGE when the likelihood is not finite.
 *
 * The covariance is meaningful at a maximum of the likelihood (the fit's
 * estimates); elsewhere it is the inverse observed information all the same.
 */
extern cl_status cl_btyd_covariance(const cl_btyd_model *m,
									const cl_btyd_cell *cells, size_t n,
									cl_cov_result *out);

/*
 * The same for a Gamma-Gamma model (cells with x = 0 carry no
 * information).  Its limit models (btyd_limits.h: p or q infinite) give
 * CL_EDEGENERATE with the parameters that went to an edge: q and v for
 * homogeneous spend, p and v for constant spend per customer, all three
 * for constant spend.
 */
extern cl_status cl_gg_covariance(const cl_gg_params *p,
								  const cl_gg_cell *cells, size_t n,
								  cl_cov_result *out);

/*
 * The covariance of k <= CL_COV_MAXPARAM parameters θ from the log-likelihood
 * gradient g[k] and Hessian h[k*k] (row-major) with respect to ln θ, as above.
 * Exposed for the tests and for models with their own derivatives.
 */
extern cl_status cl_cov_from_log_hessian(int k, const double *theta,
										 const double *g, const double *h,
										 cl_cov_result *out);

/* ---- delta-method intervals ---------------------------------------------- */

/* The scale on which the normal approximation is taken. */
typedef enum cl_interval_scale
{
	CL_SCALE_LOGIT,				/* probabilities: logit g ± z se/(g(1-g)) */
	CL_SCALE_LOG				/* counts and values: ln g ± z se/g */
} cl_interval_scale;

/*
 * z with Φ(z) = p, 0 < p < 1 (Acklam's rational approximation refined by
 * one Halley step on erfc; relative error below 1e-14).
 */
extern double cl_normal_quantile(double p);

/*
 * A score g(θ) as a function of the parameter vector (natural parameters,
 * in the order of the model).  Returns the core status of the score.
 */
typedef cl_status (*cl_score_fn) (void *ctx, const double *theta, double *out);

/*
 * Gradient of fn at theta[0..k-1] by central differences in ln θ with two
 * Richardson extrapolations (steps 1e-2, 5e-3, 2.5e-3 of ln θ; truncation
 * error O(h^6)), converted to ∂g/∂θ.  Non-CL_OK when the score fails at
 * any point.
 */
extern cl_status cl_score_gradient(cl_score_fn fn, void *ctx, int k,
								   const double *theta, double *grad);

/*
 * var = grad' Cov grad; the interval at level (0 < level < 1) is
 * estimate ± z se on the given scale, mapped back (z = Φ⁻¹((1+level)/2)).
 * The estimate is returned unchanged as out[0]; out[1] = lower, out[2] =
 * upper.  An estimate at the edge of its range (0 or 1 for a probability,
 * 0 for a count or value) has the degenerate interval [g, g]; a negative
 * value on the log scale, or a probability outside [0, 1], is CL_EINVAL.
 * cov is packed (CL_COV_IDX); a NaN in it (not identified) gives
 * CL_EDEGENERATE.
 */
extern cl_status cl_delta_interval(double estimate, int k, const double *grad,
								   const double *cov, cl_interval_scale scale,
								   double level, double out[3]);

/*
 * Delta-method intervals of the purchase-model scores: the score, its
 * gradient over the model's parameters and cl_delta_interval with the
 * covariance cov (packed, from cl_btyd_covariance).  The gradient is one
 * forward difference per parameter, step 1e-6 of ln θ, from the score
 * itself (four more score evaluations; the standard error agrees with the
 * one from cl_score_gradient to ~1e-6 relative).  Interior families only
 * (a limit model has no covariance: CL_EINVAL).
 */
extern cl_status cl_p_alive_interval(const cl_btyd_model *m, const double *cov,
									 double x, double t_x, double T,
									 double level, double out[3]);
extern cl_status cl_expected_purchases_interval(const cl_btyd_model *m,
												const double *cov, double h,
												double x, double t_x, double T,
												double level, double out[3]);

/*
 * CLV (cl_clv_customer) with the purchase model's and the Gamma-Gamma
 * model's covariances.  The two models are fitted separately, on
 * different likelihoods, and their estimates are taken as independent:
 * var = g_m' Cov_m g_m + g_gg' Cov_gg g_gg.  Log scale.  g_m by forward
 * differences as above; g_gg in closed form (CLV is the expected spend
 * per purchase times a sum that does not depend on p, q, v).
 */
extern cl_status cl_clv_interval(const cl_btyd_model *m, const double *cov_m,
								 const cl_gg_params *gg, const double *cov_gg,
								 double x, double t_x, double T, double mval,
								 int months, double monthly_discount,
								 double periods_per_month, double level,
								 double out[3]);

#endif							/* CL_UNCERTAINTY_H */
