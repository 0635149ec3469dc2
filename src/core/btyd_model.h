/*
 * btyd_model.h — one interface to the scores of the three purchase models
 * (BG/NBD, MBG/NBD, Pareto/NBD), so that the SQL glue and the CLV sum do
 * not repeat themselves per model.  Parameters are in each model's order:
 * (r, α, a, b) for BG/NBD and MBG/NBD, (r, α, s, β) for Pareto/NBD.
 */
#ifndef CL_BTYD_MODEL_H
#define CL_BTYD_MODEL_H

#include "cl_status.h"

typedef enum cl_btyd_family
{
	CL_BTYD_BGNBD = 1,
	CL_BTYD_MBGNBD = 2,
	CL_BTYD_PARETO_NBD = 3
} cl_btyd_family;

typedef struct cl_btyd_model
{
	cl_btyd_family family;
	double		p[4];
} cl_btyd_model;

/* CL_EINVAL for an unknown family; otherwise the model's own function. */
extern cl_status cl_btyd_loglik(const cl_btyd_model *m, double x, double t_x,
								double T, double *out);
extern cl_status cl_btyd_p_alive(const cl_btyd_model *m, double x, double t_x,
								 double T, double *out);
/*
 * 1 - P(alive), the churn probability, computed as such: a small value
 * keeps its relative accuracy, which 1 - P(alive) in floating point loses.
 */
extern cl_status cl_btyd_p_dead(const cl_btyd_model *m, double x, double t_x,
								double T, double *out);
extern cl_status cl_btyd_expected_purchases_steps(const cl_btyd_model *m,
												  double step, int k, double x,
												  double t_x, double T,
												  double *out);
extern cl_status cl_btyd_expected_purchases_new(const cl_btyd_model *m,
												double t, double *out);
extern cl_status cl_btyd_p_no_purchase(const cl_btyd_model *m, double h,
									   double x, double t_x, double T,
									   double *out);

#endif							/* CL_BTYD_MODEL_H */
