/*
 * clv.c — discounted customer lifetime value.
 */
#include <math.h>

#include "clv.h"
#include "defaults.h"
#include "period.h"

static cl_status clv_sum(const cl_btyd_model *model, double spend,
						 double x, double t_x, double T, int months,
						 double monthly_discount, double periods_per_month,
						 double *out);

/* The checks of every CLV entry point, before the spend is known. */
static cl_status
clv_check(double x, double t_x, double T, int months, double monthly_discount,
		  double periods_per_month)
{
	if (!isfinite(monthly_discount) || !isfinite(periods_per_month))
		return CL_ENOTFINITE;
	if (months < 0 || !(monthly_discount > -1.0) || !(periods_per_month > 0.0))
		return CL_EINVAL;
	if (months > CL_CLV_MAX_MONTHS)
		return CL_ESIZE;
	return cl_btyd_check(x, t_x, T);
}

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
	double		spend;
	cl_status	st;

	if ((st = clv_check(x, t_x, T, months, monthly_discount, periods_per_month)) != CL_OK
		|| (st = cl_gg_expected_spend(gg, x, m, &spend)) != CL_OK)
		return st;
	return clv_sum(model, spend, x, t_x, T, months, monthly_discount,
				   periods_per_month, out);
}

cl_status
cl_clv_customer(const cl_btyd_model *model, const cl_gg_params *gg,
				double x, double t_x, double T, double m,
				int months, double monthly_discount,
				double periods_per_month, double *out)
{
	double		spend;
	cl_status	st;

	if ((st = clv_check(x, t_x, T, months, monthly_discount, periods_per_month)) != CL_OK
		|| (st = cl_gg_customer_spend(gg, x, m, &spend)) != CL_OK)
		return st;
	return clv_sum(model, spend, x, t_x, T, months, monthly_discount,
				   periods_per_month, out);
}

cl_clv_arg
cl_clv_check_args(int months, double monthly_discount, double periods_per_month)
{
	if (months < 0 || months > CL_CLV_MAX_MONTHS)
		return CL_CLV_BAD_MONTHS;
	if (!isfinite(monthly_discount) || !(monthly_discount > -1.0))
		return CL_CLV_BAD_DISCOUNT;
	if (!isfinite(periods_per_month) || !(periods_per_month > 0.0))
		return CL_CLV_BAD_MONTH_LENGTH;
	return CL_CLV_ARGS_OK;
}

cl_status
cl_clv_default_periods_per_month(int64_t unit_usec, double *out)
{
	return cl_interval_units(0, CL_DEFAULT_MONTH_DAYS, 0, unit_usec, out);
}

/* Σ_k spend (E[Y(k f)] - E[Y((k-1) f)]) / (1 + d)^k, arguments checked. */
static cl_status
clv_sum(const cl_btyd_model *model, double spend, double x, double t_x, double T,
		int months, double monthly_discount, double periods_per_month,
		double *out)
{
	double		prev = 0.0,
				discount = 1.0,
				total = 0.0;
	cl_status	st;
	double		e[CL_CLV_MAX_MONTHS];
	int			k;

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
