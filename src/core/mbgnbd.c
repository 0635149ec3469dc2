/*
 * mbgnbd.c — the modified BG/NBD model, through the shared BG/NBD code
 * (bgnbd_family.h explains the one-purchase shift that separates them).
 */
#include "bgnbd_family.h"
#include "mbgnbd.h"

cl_status
cl_mbgnbd_loglik_total(const cl_bgnbd_params *p, const cl_btyd_cell *cells,
					   size_t n, double *ll, double *grad, double *hess)
{
	return cl_bgfam_loglik_total(1, p, cells, n, ll, grad, hess);
}

cl_status
cl_mbgnbd_loglik(const cl_bgnbd_params *p, double x, double t_x, double T,
				 double *out)
{
	cl_btyd_cell c = {x, x == 0.0 ? 0.0 : t_x, T, 1.0};

	return cl_bgfam_loglik_total(1, p, &c, 1, out, NULL, NULL);
}

cl_status
cl_mbgnbd_p_alive(const cl_bgnbd_params *p, double x, double t_x, double T,
				  double *out)
{
	return cl_bgfam_p_alive(1, p, x, t_x, T, out);
}

cl_status
cl_mbgnbd_p_dead(const cl_bgnbd_params *p, double x, double t_x, double T,
				 double *out)
{
	return cl_bgfam_p_dead(1, p, x, t_x, T, out);
}

cl_status
cl_mbgnbd_expected_purchases(const cl_bgnbd_params *p, double t, double x,
							 double t_x, double T, double *out)
{
	return cl_bgfam_expected_purchases_steps(1, p, t, 1, x, t_x, T, out);
}

cl_status
cl_mbgnbd_expected_purchases_steps(const cl_bgnbd_params *p, double step, int k,
								   double x, double t_x, double T, double *out)
{
	return cl_bgfam_expected_purchases_steps(1, p, step, k, x, t_x, T, out);
}

cl_status
cl_mbgnbd_expected_purchases_new(const cl_bgnbd_params *p, double t, double *out)
{
	return cl_bgfam_expected_purchases_steps(1, p, t, 1, 0.0, 0.0, 0.0, out);
}

cl_status
cl_mbgnbd_p_no_purchase(const cl_bgnbd_params *p, double h, double x,
						double t_x, double T, double *out)
{
	return cl_bgfam_p_no_purchase(1, p, h, x, t_x, T, out);
}

cl_status
cl_mbgnbd_fit(const cl_btyd_cell *cells, size_t n, const cl_fit_options *opt,
			  cl_fit_result *res)
{
	return cl_bgfam_fit(1, cells, n, opt, res);
}
