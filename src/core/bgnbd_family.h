/*
 * bgnbd_family.h — BG/NBD and modified BG/NBD share one implementation.
 *
 * The MBG/NBD (Batislam, Denizel & Filiztekin 2007) lets a customer drop out
 * after every purchase including the first, so one-time buyers are not
 * assumed alive.  Its formulas are BG/NBD's with the purchase count in the
 * dropout terms shifted by one, x' = x + 1:
 *   likelihood: A2 = ln Γ(a+b) + ln Γ(b+x') - ln Γ(b) - ln Γ(a+b+x'),
 *               A4 = ln a - ln(b+x'-1) - (r+x) ln(α+t_x) for every x;
 *   scores: P(alive), E[Y(t)] and P(no purchase) are the BG/NBD formulas
 *           with b replaced by b + 1 and no x > 0 switch.
 * "modified" selects the variant; bgnbd.h and mbgnbd.h are the public
 * interfaces and this header is internal to the core.
 */
#ifndef CL_BGNBD_FAMILY_H
#define CL_BGNBD_FAMILY_H

#include "bgnbd.h"

extern cl_status cl_bgfam_loglik_total(int modified, const cl_bgnbd_params *p,
									   const cl_btyd_cell *cells, size_t n,
									   double *ll, double *grad, double *hess);
extern cl_status cl_bgfam_p_alive(int modified, const cl_bgnbd_params *p,
								  double x, double t_x, double T, double *out);
extern cl_status cl_bgfam_p_dead(int modified, const cl_bgnbd_params *p,
								 double x, double t_x, double T, double *out);
extern cl_status cl_bgfam_expected_purchases_steps(int modified,
												   const cl_bgnbd_params *p,
												   double step, int k,
												   double x, double t_x,
												   double T, double *out);
extern cl_status cl_bgfam_p_no_purchase(int modified, const cl_bgnbd_params *p,
										double h, double x, double t_x,
										double T, double *out);
extern cl_status cl_bgfam_fit(int modified, const cl_btyd_cell *cells, size_t n,
							  const cl_fit_options *opt, cl_fit_result *res);

#endif							/* CL_BGNBD_FAMILY_H */
