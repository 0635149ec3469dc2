/*
 * optim.h — the maximum-likelihood minimiser shared by the model fits.
 *
 * The models have three or four parameters, all positive; the fits work on
 * their logarithms (so every step keeps them positive and the problem is
 * better scaled) and supply the exact gradient and Hessian of the mean
 * negative log-likelihood.  The minimiser is a damped Newton method
 * (Levenberg-Marquardt damping, trust-region style acceptance): full Newton
 * steps near the optimum, where convergence is quadratic, and gradient-like
 * steps where the Hessian is indefinite.  All scratch space is fixed-size on
 * the stack: a fit never allocates, so the caller may longjmp out of the
 * interrupt callback.
 */
#ifndef CL_OPTIM_H
#define CL_OPTIM_H

#include "cl_status.h"

#define CL_FIT_MAXPARAM 4

typedef struct cl_fit_options
{
	int			max_iter;		/* Newton iterations; default 200 */

	/*
	 * Converged when the largest gradient component of the mean negative
	 * log-likelihood (per unit of weight, w.r.t. log-parameters) is below
	 * gtol; default 1e-9.
	 */
	double		gtol;

	/*
	 * Also converged when an accepted step changes the mean negative
	 * log-likelihood by less than ftol * max(1, |f|) while the gradient is
	 * below sqrt(gtol); default 1e-15.  This ends fits whose gradient sits at
	 * the rounding noise of a very large sum.
	 */
	double		ftol;

	/*
	 * Called once per iteration when not NULL; a nonzero return stops the
	 * fit with CL_ENOCONVERGE.  The SQL glue may instead longjmp out of it.
	 */
	int			(*interrupt) (void *ctx);
	void	   *interrupt_ctx;
} cl_fit_options;

/* Fill opt with the defaults above. */
extern void cl_fit_options_init(cl_fit_options *opt);

typedef struct cl_fit_result
{
	/* BG/NBD: r, alpha, a, b.  Gamma-Gamma: p, q, v (params[3] = 0). */
	double		params[CL_FIT_MAXPARAM];
	int			nparams;
	double		ll;				/* total weighted log-likelihood */
	double		n;				/* total weight of the cells used */
	int			iterations;
	int			converged;		/* 1 iff the convergence test passed */
} cl_fit_result;

/*
 * Objective: at log-parameters u[0..dim-1] write f, the gradient g[dim] and
 * the Hessian h[dim*dim] (row-major).  A non-CL_OK return at a trial point
 * makes the minimiser shorten the step; at the start point it is returned.
 */
typedef cl_status (*cl_objective_fn) (void *ctx, const double *u,
									  double *f, double *g, double *h);

/*
 * Minimise fn from u (updated in place to the best point found).
 * Returns CL_OK (converged), CL_ENOCONVERGE (iteration limit, no further
 * progress possible, or interrupted; u is the best point so far),
 * CL_EDEGENERATE (a log-parameter left [-CL_FIT_LOG_BOUND, CL_FIT_LOG_BOUND]:
 * the likelihood keeps increasing towards a boundary of the parameter
 * space, so the data do not identify the model), or the objective's error.
 */
#define CL_FIT_LOG_BOUND 25.0

/*
 * A maximum with a (data-scaled) log-parameter beyond ±ln(1e6) is a
 * boundary solution: the likelihood is flat towards 0 or infinity there
 * (e.g. r, α -> infinity together when purchase rates do not vary between
 * customers), so the optimiser's "convergence" only reflects that flatness.
 * The fits scale their time- or money-valued parameter by a data scale
 * first, so the limit does not depend on the unit of the data.
 */
#define CL_FIT_PARAM_LIMIT 13.815510557964274	/* ln(1e6) */

/* 1 if some |u[i]| > CL_FIT_PARAM_LIMIT. */
extern int	cl_fit_at_boundary(const double *u, int dim);

extern cl_status cl_minimize(cl_objective_fn fn, void *ctx, int dim, double *u,
							 const cl_fit_options *opt,
							 double *f_out, int *iterations, int *converged);

#endif							/* CL_OPTIM_H */
