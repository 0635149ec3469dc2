/*
 * btyd_model.c — dispatch of the purchase-model scores by family.  A
 * family with limit flags (btyd_limits.h) goes to the closed forms of the
 * limit models.
 */
#include "bgnbd.h"
#include "btyd_limits.h"
#include "btyd_model.h"
#include "mbgnbd.h"
#include "pareto_nbd.h"

#define BG(m)	(&(const cl_bgnbd_params) {(m)->p[0], (m)->p[1], (m)->p[2], (m)->p[3]})
#define PN(m)	(&(const cl_pnbd_params) {(m)->p[0], (m)->p[1], (m)->p[2], (m)->p[3]})

cl_status
cl_btyd_loglik(const cl_btyd_model *m, double x, double t_x, double T, double *out)
{
	if (CL_BTYD_LIMIT(m->family) != 0)
		return cl_btyd_limit_loglik(m, x, t_x, T, out);
	switch (m->family)
	{
		case CL_BTYD_BGNBD:
			return cl_bgnbd_loglik(BG(m), x, t_x, T, out);
		case CL_BTYD_MBGNBD:
			return cl_mbgnbd_loglik(BG(m), x, t_x, T, out);
		case CL_BTYD_PARETO_NBD:
			return cl_pnbd_loglik(PN(m), x, t_x, T, out);
	}
	return CL_EINVAL;
}

cl_status
cl_btyd_p_alive(const cl_btyd_model *m, double x, double t_x, double T, double *out)
{
	if (CL_BTYD_LIMIT(m->family) != 0)
		return cl_btyd_limit_p_alive(m, x, t_x, T, out);
	switch (m->family)
	{
		case CL_BTYD_BGNBD:
			return cl_bgnbd_p_alive(BG(m), x, t_x, T, out);
		case CL_BTYD_MBGNBD:
			return cl_mbgnbd_p_alive(BG(m), x, t_x, T, out);
		case CL_BTYD_PARETO_NBD:
			return cl_pnbd_p_alive(PN(m), x, t_x, T, out);
	}
	return CL_EINVAL;
}

cl_status
cl_btyd_expected_purchases_steps(const cl_btyd_model *m, double step, int k,
								 double x, double t_x, double T, double *out)
{
	if (CL_BTYD_LIMIT(m->family) != 0)
		return cl_btyd_limit_expected_purchases_steps(m, step, k, x, t_x, T, out);
	switch (m->family)
	{
		case CL_BTYD_BGNBD:
			return cl_bgnbd_expected_purchases_steps(BG(m), step, k, x, t_x, T, out);
		case CL_BTYD_MBGNBD:
			return cl_mbgnbd_expected_purchases_steps(BG(m), step, k, x, t_x, T, out);
		case CL_BTYD_PARETO_NBD:
			return cl_pnbd_expected_purchases_steps(PN(m), step, k, x, t_x, T, out);
	}
	return CL_EINVAL;
}

cl_status
cl_btyd_expected_purchases_new(const cl_btyd_model *m, double t, double *out)
{
	if (CL_BTYD_LIMIT(m->family) != 0)
		return cl_btyd_limit_expected_purchases_new(m, t, out);
	switch (m->family)
	{
		case CL_BTYD_BGNBD:
			return cl_bgnbd_expected_purchases_new(BG(m), t, out);
		case CL_BTYD_MBGNBD:
			return cl_mbgnbd_expected_purchases_new(BG(m), t, out);
		case CL_BTYD_PARETO_NBD:
			return cl_pnbd_expected_purchases_new(PN(m), t, out);
	}
	return CL_EINVAL;
}

cl_status
cl_btyd_p_no_purchase(const cl_btyd_model *m, double h, double x, double t_x,
					  double T, double *out)
{
	if (CL_BTYD_LIMIT(m->family) != 0)
		return cl_btyd_limit_p_no_purchase(m, h, x, t_x, T, out);
	switch (m->family)
	{
		case CL_BTYD_BGNBD:
			return cl_bgnbd_p_no_purchase(BG(m), h, x, t_x, T, out);
		case CL_BTYD_MBGNBD:
			return cl_mbgnbd_p_no_purchase(BG(m), h, x, t_x, T, out);
		case CL_BTYD_PARETO_NBD:
			return cl_pnbd_p_no_purchase(PN(m), h, x, t_x, T, out);
	}
	return CL_EINVAL;
}

cl_status
cl_btyd_p_dead(const cl_btyd_model *m, double x, double t_x, double T, double *out)
{
	if (CL_BTYD_LIMIT(m->family) != 0)
		return cl_btyd_limit_p_dead(m, x, t_x, T, out);
	switch (m->family)
	{
		case CL_BTYD_BGNBD:
			return cl_bgnbd_p_dead(BG(m), x, t_x, T, out);
		case CL_BTYD_MBGNBD:
			return cl_mbgnbd_p_dead(BG(m), x, t_x, T, out);
		case CL_BTYD_PARETO_NBD:
			return cl_pnbd_p_dead(PN(m), x, t_x, T, out);
	}
	return CL_EINVAL;
}
