/*
 * btyd_sim.c — simulating BG/NBD customers and Gamma-Gamma spend.
 */
#include "btyd_sim.h"

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
		if (t > T)
			return CL_OK;
		*x += 1.0;
		*t_x = t;
		if (cl_rng_uniform(rng) < drop)
			return CL_OK;
		if (*x >= CL_SIM_MAX_PURCHASES)
			return CL_ESIZE;
	}
}

double
cl_sim_gamma_gamma(cl_rng *rng, const cl_gg_params *p, double x)
{
	double		nu = cl_rng_gamma(rng, p->q, p->v);
	double		sum = 0.0;
	int			i;

	for (i = 0; i < (int) x; i++)
		sum += cl_rng_gamma(rng, p->p, nu);
	return sum / x;
}
