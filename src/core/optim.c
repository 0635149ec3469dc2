/*
 * optim.c — damped Newton minimiser on log-parameters.
 *
 * Each iteration solves (H + mu I) p = -g by Cholesky.  mu = 0 gives the
 * Newton step; a larger mu bends the step towards steepest descent and
 * shortens it, which is how an indefinite or badly predicted Hessian is
 * handled.  A step is accepted when the actual decrease is at least a small
 * fraction of the decrease the quadratic model predicts,
 *   pred = -(g'p + p'Hp/2),   rho = (f - f_new) / pred,
 * and mu is lowered after good agreement (rho > 3/4) and raised after poor
 * agreement (rho < 1/4) or rejection, as in a trust-region method.  Steps are
 * also capped at MAX_LOG_STEP in every log-parameter (a factor e^2 per
 * iteration), which keeps early iterations from wandering into regions where
 * the likelihood underflows.
 */
#include <float.h>
#include <math.h>

#include <stddef.h>

#include "optim.h"

#define MAX_LOG_STEP	2.0
#define MAX_TRIES		60		/* mu can grow by 4^60: enough to reach any scale */
#define MU_FLOOR		1e-10	/* relative to the Hessian's diagonal scale */

void
cl_fit_options_init(cl_fit_options *opt)
{
	opt->max_iter = 200;
	opt->gtol = 1e-9;
	opt->ftol = 1e-15;
	opt->interrupt = NULL;
	opt->interrupt_ctx = NULL;
}

/*
 * Solve (H + mu I) p = -g for symmetric H (dim <= CL_FIT_MAXPARAM).
 * Returns 0 when H + mu I is not numerically positive definite.
 */
static int
solve_damped(int dim, const double *h, double mu, const double *g, double *p)
{
	double		l[CL_FIT_MAXPARAM * CL_FIT_MAXPARAM];
	double		y[CL_FIT_MAXPARAM];
	int			i,
				j,
				k;

	for (i = 0; i < dim; i++)
	{
		for (j = 0; j <= i; j++)
		{
			double		s = h[i * dim + j] + (i == j ? mu : 0.0);

			for (k = 0; k < j; k++)
				s -= l[i * dim + k] * l[j * dim + k];
			if (i == j)
			{
				/* a pivot lost to rounding means "not positive definite" */
				if (!(s > 1e-14 * fabs(h[i * dim + i] + mu)))
					return 0;
				l[i * dim + i] = sqrt(s);
			}
			else
				l[i * dim + j] = s / l[j * dim + j];
		}
	}
	for (i = 0; i < dim; i++)
	{
		double		s = -g[i];

		for (k = 0; k < i; k++)
			s -= l[i * dim + k] * y[k];
		y[i] = s / l[i * dim + i];
	}
	for (i = dim - 1; i >= 0; i--)
	{
		double		s = y[i];

		for (k = i + 1; k < dim; k++)
			s -= l[k * dim + i] * p[k];
		p[i] = s / l[i * dim + i];
	}
	for (i = 0; i < dim; i++)
		if (!isfinite(p[i]))
			return 0;
	return 1;
}

static double
max_abs(const double *v, int n)
{
	double		m = 0.0;
	int			i;

	for (i = 0; i < n; i++)
		if (fabs(v[i]) > m)
			m = fabs(v[i]);
	return m;
}

int
cl_fit_at_boundary(const double *u, int dim)
{
	return max_abs(u, dim) > CL_FIT_PARAM_LIMIT;
}

cl_status
cl_minimize(cl_objective_fn fn, void *ctx, int dim, double *u,
			const cl_fit_options *opt, double *f_out, int *iterations,
			int *converged)
{
	cl_fit_options defaults;
	double		f,
				g[CL_FIT_MAXPARAM],
				h[CL_FIT_MAXPARAM * CL_FIT_MAXPARAM];
	double		mu = 0.0;
	int			it,
				i,
				j,
				conv = 0;
	cl_status	st,
				result = CL_ENOCONVERGE;

	if (dim < 1 || dim > CL_FIT_MAXPARAM)
		return CL_EINVAL;
	if (opt == NULL)
	{
		cl_fit_options_init(&defaults);
		opt = &defaults;
	}

	st = fn(ctx, u, &f, g, h);
	if (st != CL_OK)
		return st;
	if (!isfinite(f))
		return CL_ENOTFINITE;

	for (it = 0; it < opt->max_iter; it++)
	{
		double		gmax = max_abs(g, dim);
		double		hscale = 0.0;
		int			tries,
					accepted = 0,
					stalled = 0;

		if (gmax <= opt->gtol)
		{
			conv = 1;
			break;
		}
		if (opt->interrupt != NULL && opt->interrupt(opt->interrupt_ctx))
			break;

		for (i = 0; i < dim; i++)
			hscale = fmax(hscale, fabs(h[i * dim + i]));
		hscale = fmax(hscale, DBL_MIN);

		for (tries = 0; tries < MAX_TRIES; tries++)
		{
			double		p[CL_FIT_MAXPARAM],
						un[CL_FIT_MAXPARAM],
						gn[CL_FIT_MAXPARAM],
						hn[CL_FIT_MAXPARAM * CL_FIT_MAXPARAM];
			double		fnew,
						pmax,
						gp = 0.0,
						php = 0.0,
						pred,
						rho;

			if (!solve_damped(dim, h, mu, g, p))
			{
				mu = fmax(4.0 * mu, MU_FLOOR * hscale);
				continue;
			}
			pmax = max_abs(p, dim);
			if (pmax > MAX_LOG_STEP)
				for (i = 0; i < dim; i++)
					p[i] *= MAX_LOG_STEP / pmax;
			for (i = 0; i < dim; i++)
			{
				gp += g[i] * p[i];
				for (j = 0; j < dim; j++)
					php += p[i] * h[i * dim + j] * p[j];
			}
			pred = -(gp + 0.5 * php);

			/*
			 * A predicted decrease below ftol |f| is beneath the rounding
			 * noise of the likelihood sum: nothing more can be gained.
			 */
			if (pred <= opt->ftol * fmax(1.0, fabs(f)))
			{
				stalled = 1;
				break;
			}

			for (i = 0; i < dim; i++)
				un[i] = u[i] + p[i];
			st = fn(ctx, un, &fnew, gn, hn);
			if (st != CL_OK || !isfinite(fnew) || !(fnew < f))
			{
				mu = fmax(4.0 * mu, MU_FLOOR * hscale);
				continue;
			}
			rho = (f - fnew) / pred;
			if (rho < 1e-4)
			{
				mu = fmax(4.0 * mu, MU_FLOOR * hscale);
				continue;
			}
			if (rho > 0.75)
				mu = (mu < MU_FLOOR * hscale) ? 0.0 : mu / 4.0;
			else if (rho < 0.25)
				mu = fmax(2.0 * mu, MU_FLOOR * hscale);

			accepted = 1;
			for (i = 0; i < dim; i++)
			{
				u[i] = un[i];
				g[i] = gn[i];
			}
			for (i = 0; i < dim * dim; i++)
				h[i] = hn[i];
			if (f - fnew <= opt->ftol * fmax(1.0, fabs(fnew))
				&& max_abs(g, dim) <= sqrt(opt->gtol))
				conv = 1;
			f = fnew;
			break;
		}

		if (accepted && max_abs(u, dim) > CL_FIT_LOG_BOUND)
		{
			result = CL_EDEGENERATE;
			conv = 0;
			it++;
			break;
		}
		if (!accepted)
		{
			/* at the optimum to working precision, or stuck */
			conv = stalled && max_abs(g, dim) <= sqrt(opt->gtol);
			it++;
			break;
		}
		if (conv)
		{
			it++;
			break;
		}
	}

	if (!conv && result != CL_EDEGENERATE && max_abs(g, dim) <= opt->gtol)
		conv = 1;
	if (conv)
		result = CL_OK;
	*f_out = f;
	*iterations = it;
	*converged = conv;
	return result;
}
