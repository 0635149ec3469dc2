/*
 * btyd_sim.c — simulating BG/NBD, MBG/NBD and Pareto/NBD customers and
 * Gamma-Gamma spend.
 */
#include <math.h>

#include "btyd_sim.h"
#include "interrupt.h"

cl_status
cl_sim_bgnbd(cl_rng *rng, const cl_bgnbd_params *p, double T, double *x, double *t_x)
{
	double		lambda = cl_rng_gamma(rng, p->r, p->alpha);
	double		drop = cl_rng_beta(rng, p->a, p->b);
	double		t = 0.0;

	*x = 0.0;
	*t_x = 0.0;
	for (;;)
	{
		t += cl_rng_exponential(rng, lambda);
		if (!(t <= T))
			return CL_OK;
		*x += 1.0;
		*t_x = t;
		if (cl_rng_uniform(rng) < drop)
			return CL_OK;
		if (*x >= CL_SIM_MAX_PURCHASES)
			return CL_ESIZE;
		if (CL_POLL((long) *x))
			return CL_ENOCONVERGE;
	}
}

cl_status
cl_sim_mbgnbd(cl_rng *rng, const cl_bgnbd_params *p, double T, double *x, double *t_x)
{
	double		lambda = cl_rng_gamma(rng, p->r, p->alpha);
	double		drop = cl_rng_beta(rng, p->a, p->b);
	double		t = 0.0;

	*x = 0.0;
	*t_x = 0.0;
	for (;;)
	{
		/* the coin after the previous purchase (the first one included) */
		if (cl_rng_uniform(rng) < drop)
			return CL_OK;
		t += cl_rng_exponential(rng, lambda);
		if (!(t <= T))
			return CL_OK;
		if (*x >= CL_SIM_MAX_PURCHASES)
			return CL_ESIZE;
		if (CL_POLL((long) *x))
			return CL_ENOCONVERGE;
		*x += 1.0;
		*t_x = t;
	}
}

cl_status
cl_sim_pareto_nbd(cl_rng *rng, const cl_pnbd_params *p, double T, double *x, double *t_x)
{
	double		lambda = cl_rng_gamma(rng, p->r, p->alpha);
	double		mu = cl_rng_gamma(rng, p->s, p->beta);
	double		end = fmin(cl_rng_exponential(rng, mu), T);
	double		t = 0.0;

	*x = 0.0;
	*t_x = 0.0;
	for (;;)
	{
		t += cl_rng_exponential(rng, lambda);
		if (!(t <= end))
			return CL_OK;
		if (*x >= CL_SIM_MAX_PURCHASES)
			return CL_ESIZE;
		if (CL_POLL((long) *x))
			return CL_ENOCONVERGE;
		*x += 1.0;
		*t_x = t;
	}
}

cl_status
cl_sim_gamma_gamma(cl_rng *rng, const cl_gg_params *p, double x, double *out)
{
	double		nu = cl_rng_gamma(rng, p->q, p->v);
	double		sum = 0.0;
	long		i;

	for (i = 0; i < (long) x; i++)
	{
		if (CL_POLL(i))
			return CL_ENOCONVERGE;
		sum += cl_rng_gamma(rng, p->p, nu);
	}

	/*
	 * Extreme parameters make the draws leave the double range: a rate ν
	 * that underflows to 0 gives infinite values (or 0 × ∞ = NaN inside the
	 * gamma sampler), a huge shape overflows the sum.  Those are reported,
	 * not returned.
	 */
	*out = sum / x;
	if (!isfinite(*out) || !(*out > 0.0))
		return CL_ERANGE;
	return CL_OK;
}
