/*
 * clv.c — discounted customer lifetime value.
 */
#include <math.h>

#include "clv.h"

cl_status
cl_clv_estimate(const cl_bgnbd_params *bg, const cl_gg_params *gg,
				double x, double t_x, double T, double m,
				int months, double monthly_discount,
				double periods_per_month, double *out)
{
	cl_btyd_model model = {CL_BTYD_BGNBD, {bg->r, bg->alpha, bg->a, bg->b}};
	cl_status	st = cl_bgnbd_check_params(bg);

	if (st != CL_OK)
		return st;
	return cl_clv_estimate_model(&model, gg, x, t_x, T, m, months,
								 monthly_discount, periods_per_month, out);
}

cl_status
cl_clv_estimate_model(const cl_btyd_model *model, const cl_gg_params *gg,
					  double x, double t_x, double T, double m,
					  int months, double monthly_discount,
					  double periods_per_month, double *out)
{
	double		spend,
				prev = 0.0,
				discount = 1.0,
				total = 0.0;
	cl_status	st;
	double		e[CL_CLV_MAX_MONTHS];
	int			k;

	if (!isfinite(monthly_discount) || !isfinite(periods_per_month))
		return CL_ENOTFINITE;
	if (months < 0 || !(monthly_discount > -1.0) || !(periods_per_month > 0.0))
		return CL_EINVAL;
	if (months > CL_CLV_MAX_MONTHS)
		return CL_ESIZE;
	if ((st = cl_btyd_check(x, t_x, T)) != CL_OK
		|| (st = cl_gg_expected_spend(gg, x, m, &spend)) != CL_OK)
		return st;

	/* E[Y] at every month end in one pass (shared series coefficients) */
	st = cl_btyd_expected_purchases_steps(model, periods_per_month, months,
										  x, t_x, T, e);
	if (st != CL_OK)
		return st;
	for (k = 0; k < months; k++)
	{
		if (!(e[k] >= 0.0))
			return CL_ERANGE;	/* the models never return this; be sure */
		discount /= 1.0 + monthly_discount;
		total += spend * (e[k] - prev) * discount;
		prev = e[k];
	}
	if (!isfinite(total))
		return CL_ERANGE;

	/*
	 * E[Y] does not decrease with the horizon, so every term is >= 0 up to
	 * the rounding of the difference of two expectations: a sum below zero
	 * by less than that rounding is zero; anything else is a defect, not a
	 * value to return.
	 */
	if (total < 0.0)
	{
		if (-total > 1e-13 * spend * prev * (double) months)
			return CL_ERANGE;
		total = 0.0;
	}
	*out = total;
	return CL_OK;
}
