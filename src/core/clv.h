/*
 * clv.h — customer lifetime value from a BG/NBD and a Gamma-Gamma model.
 */
#ifndef CL_CLV_H
#define CL_CLV_H

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

#endif							/* CL_CLV_H */
