/*
 * gamma_gamma.h — the Gamma-Gamma spend model (Fader, Hardie & Lee 2005,
 * "RFM and CLV: using iso-value curves"; Fader & Hardie's note on it).
 *
 * A customer's purchase values are Gamma(p, ν) with customer-specific rate
 * ν ~ Gamma(q, v).  The model sees, per repeat customer, the number of
 * repeat purchases x and their mean value m; customers with x = 0 carry no
 * information about spend and are skipped by the fit.
 */
#ifndef CL_GAMMA_GAMMA_H
#define CL_GAMMA_GAMMA_H

#include <math.h>
#include <stddef.h>

#include "cl_status.h"
#include "optim.h"

typedef struct cl_gg_params
{
	double		p,
				q,
				v;
} cl_gg_params;

typedef struct cl_gg_cell
{
	double		x;				/* repeat purchases, >= 0 (x = 0: skipped) */
	double		m;				/* mean repeat-purchase value, > 0 when x > 0 */
	double		weight;			/* number of customers, >= 0 */
} cl_gg_cell;

/* All three parameters finite and > 0. */
extern cl_status cl_gg_check_params(const cl_gg_params *p);

/*
 * Which customers the model describes, the one rule the fit, its window
 * form and scoring share: repeat customers (x > 0) whose repeat purchases
 * have a positive, finite mean value m.  The model's likelihood has ln m
 * and its posterior needs v + x m > 0, so a customer whose repeat periods
 * net to nothing or less (refunds) carries no information about spend and
 * takes no part in a fit; one-time buyers (x = 0) carry none either.
 * NaN in either argument is not eligible.
 */
static inline int
cl_gg_eligible(double x, double m)
{
	return x > 0.0 && isfinite(x) && m > 0.0 && isfinite(m);
}

/*
 * A customer summary as gamma_gamma_fit accepts it, eligible or not:
 * x and m finite (CL_ENOTFINITE), x a whole number >= 0 (CL_EINVAL).
 */
extern cl_status cl_gg_customer_check(double x, double m);

/*
 * Expected spend per purchase of any customer, as the scores use it:
 * E[M | x, m] for an eligible customer (cl_gg_eligible), the population
 * mean p v / (q - 1) for a repeat customer without usable spend (x > 0,
 * m <= 0), exactly as if x were 0.  Everything else as
 * cl_gg_expected_spend: x >= 0 and m finite, else CL_EINVAL/CL_ENOTFINITE;
 * CL_ERANGE when the mean is infinite (q <= 1).
 */
extern cl_status cl_gg_customer_spend(const cl_gg_params *p, double x, double m,
									  double *out);

/* Finite fields, x >= 0, weight >= 0, and m > 0 when x > 0. */
extern cl_status cl_gg_cell_check(const cl_gg_cell *cell);

/*
 * Compression of (x, m) cells, as cl_btyd_cells_sort_merge and its
 * incremental pair compress (x, t_x, T) cells (btyd.h, cell_sort.h): sort
 * by (x, m, weight), merge equal (x, m) by summing weights, return the new
 * count.  The fit's sums are grouped by x, so the sorted order is also the
 * fast one.  Cells must have passed cl_gg_cell_check.
 */
extern size_t cl_gg_cells_sort_merge(cl_gg_cell *cells, size_t n);
extern size_t cl_gg_cells_sorted_prefix(cl_gg_cell *cells, size_t n);
extern size_t cl_gg_cells_merge_tail(cl_gg_cell *cells, size_t nsorted,
									 size_t n, cl_gg_cell *scratch);

/*
 * Log-likelihood of one customer with x > 0, m > 0 (Fader, Hardie & Lee 2005):
 *   lnΓ(px+q) - lnΓ(px) - lnΓ(q) + q ln v + (px-1) ln m + px ln x
 *   - (px+q) ln(xm + v)
 */
extern cl_status cl_gg_loglik(const cl_gg_params *p, double x, double m,
							  double *out);

/*
 * Total weighted log-likelihood over the cells with x > 0 and, when not
 * NULL, gradient grad[3] and Hessian hess[9] (row-major) with respect to
 * (ln p, ln q, ln v).  Cells grouped by x are fastest.  *n_used (if not
 * NULL) receives the total weight of the cells with x > 0.
 */
extern cl_status cl_gg_loglik_total(const cl_gg_params *p,
									const cl_gg_cell *cells, size_t n,
									double *ll, double *grad, double *hess,
									double *n_used);

/*
 * E[M | x, m] = p (v + x m) / (p x + q - 1); for x = 0 (m ignored) the
 * population mean p v / (q - 1).  CL_ERANGE when the denominator is <= 0,
 * i.e. the posterior mean spend is infinite (q <= 1 for x = 0).
 */
extern cl_status cl_gg_expected_spend(const cl_gg_params *p, double x, double m,
									  double *out);

/*
 * Maximum-likelihood fit over the cells with x > 0 (res->n is their total
 * weight; res->params = p, q, v).  Starts at p = 1, q = 3 and v matching the
 * weighted mean of m (E[m] = p v / (q - 1)).  Allocates nothing.
 *
 * Returns CL_OK; CL_ENOCONVERGE (res filled, converged = 0); CL_EDEGENERATE
 * when no cell has x > 0 and positive weight, when the maximum is on the
 * boundary (p, q or v/mean(m) outside [1e-6, 1e6], CL_FIT_PARAM_LIMIT; e.g.
 * every customer has the same m), or when the maximum
 * has q <= 1: then the population mean spend p v / (q - 1) is infinite and
 * the model cannot score x = 0 customers (res is filled, converged set by
 * the convergence test, so the caller can report the estimates).
 */
extern cl_status cl_gg_fit(const cl_gg_cell *cells, size_t n,
						   const cl_fit_options *opt, cl_fit_result *res);

#endif							/* CL_GAMMA_GAMMA_H */
