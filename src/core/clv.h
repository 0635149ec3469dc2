/*
 * clv.h — customer lifetime value from a BG/NBD and a Gamma-Gamma model.
 */
#ifndef CL_CLV_H
#define CL_CLV_H

#include <stdint.h>

#include "bgnbd.h"
#include "btyd_model.h"
#include "cl_status.h"
#include "gamma_gamma.h"

/* Longest horizon accepted, in months (100 years); longer gives CL_ESIZE. */
#define CL_CLV_MAX_MONTHS 1200

/*
 * CLV = Σ_{k=1..K} m̂ (E[Y(k f)] - E[Y((k-1) f)]) / (1 + d)^k
 * with E[Y(t)] the BG/NBD conditional expected purchases in (T, T+t]
 * (cl_bgnbd_expected_purchases), m̂ the Gamma-Gamma expected spend
 * (cl_gg_expected_spend(x, m)), K = months, d = monthly_discount and
 * f = periods_per_month model time units per month.  Each month's purchases
 * are discounted at the end of that month.
 *
 * months >= 0 (0 gives 0), monthly_discount > -1, periods_per_month > 0,
 * all finite; the customer summary and parameters as for the models.
 */
extern cl_status cl_clv_estimate(const cl_bgnbd_params *bg, const cl_gg_params *gg,
								 double x, double t_x, double T, double m,
								 int months, double monthly_discount,
								 double periods_per_month, double *out);

/* The same with any purchase model of btyd_model.h for E[Y]. */
extern cl_status cl_clv_estimate_model(const cl_btyd_model *model, const cl_gg_params *gg,
									   double x, double t_x, double T, double m,
									   int months, double monthly_discount,
									   double periods_per_month, double *out);

/*
 * The CLV clv_estimate reports for a customer: cl_clv_estimate_model with
 * m̂ = cl_gg_customer_spend(gg, x, m), so a customer the spend model does
 * not describe (cl_gg_eligible false: x = 0, or repeat purchases that net
 * to monetary <= 0, e.g. after refunds) is valued at the population mean
 * spend p v / (q - 1) per purchase instead of being an error.  Expected
 * purchases still come from the customer's own (x, t_x, T).  m must be
 * finite; the other arguments as for cl_clv_estimate_model.
 */
extern cl_status cl_clv_customer(const cl_btyd_model *model, const cl_gg_params *gg,
								 double x, double t_x, double T, double m,
								 int months, double monthly_discount,
								 double periods_per_month, double *out);

/*
 * The arguments of clv_estimate besides the customer and the models, in
 * the order they are checked; cl_clv_check_args returns the first one
 * outside its domain, or CL_CLV_ARGS_OK:
 *   months             0 .. CL_CLV_MAX_MONTHS
 *   monthly_discount   finite and > -1 (a rate of -100% or less has no
 *                      discount factor)
 *   periods_per_month  > 0 and finite (model time units per month)
 */
typedef enum cl_clv_arg
{
	CL_CLV_ARGS_OK = 0,
	CL_CLV_BAD_MONTHS,
	CL_CLV_BAD_DISCOUNT,
	CL_CLV_BAD_MONTH_LENGTH
} cl_clv_arg;

extern cl_clv_arg cl_clv_check_args(int months, double monthly_discount,
									double periods_per_month);

/*
 * Model time units per month when clv_estimate is given no month_length:
 * CL_DEFAULT_MONTH_DAYS days (defaults.h) in units of unit_usec > 0.
 */
extern cl_status cl_clv_default_periods_per_month(int64_t unit_usec, double *out);

#endif							/* CL_CLV_H */
