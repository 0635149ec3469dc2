/*
 * btyd_sim.h — the generative processes of the BG/NBD, MBG/NBD, Pareto/NBD
 * and Gamma-Gamma models, for parameter-recovery tests and benchmarks.
 */
#ifndef CL_BTYD_SIM_H
#define CL_BTYD_SIM_H

#include "bgnbd.h"
#include "gamma_gamma.h"
#include "pareto_nbd.h"
#include "rng.h"

/*
 * One BG/NBD customer observed for T units after the first purchase (made
 * at time 0): lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b); repeat
 * purchases arrive as a Poisson process with rate lambda, and after each
 * repeat purchase the customer drops out with probability p (the model
 * assumes nobody drops out right after the first purchase).  Writes the
 * repeat purchases x and the time of the last one, t_x (0 when x = 0).
 */
/*
 * A customer who would make more than CL_SIM_MAX_PURCHASES repeat purchases
 * (extreme parameters: a drop-out probability of 0, or lambda*T in the
 * millions) stops the simulation with CL_ESIZE, so it always ends.
 */
#define CL_SIM_MAX_PURCHASES 1000000

extern cl_status cl_sim_bgnbd(cl_rng *rng, const cl_bgnbd_params *p, double T,
							  double *x, double *t_x);

/*
 * One MBG/NBD customer: as cl_sim_bgnbd, but the drop-out coin is also
 * tossed right after the first purchase (time 0), before any repeat one.
 */
extern cl_status cl_sim_mbgnbd(cl_rng *rng, const cl_bgnbd_params *p, double T,
							   double *x, double *t_x);

/*
 * One Pareto/NBD customer: lambda ~ Gamma(r, rate alpha), mu ~ Gamma(s,
 * rate beta); the customer lives an Exp(mu) time after the first purchase
 * and buys as a Poisson(lambda) process while alive.
 */
extern cl_status cl_sim_pareto_nbd(cl_rng *rng, const cl_pnbd_params *p, double T,
								   double *x, double *t_x);

/*
 * Mean value of x >= 1 transactions of one Gamma-Gamma customer:
 * nu ~ Gamma(q, rate v), each value ~ Gamma(p, rate nu).  CL_ERANGE when
 * the mean is not a finite positive double (parameters so extreme that the
 * draws overflow or underflow).
 */
extern cl_status cl_sim_gamma_gamma(cl_rng *rng, const cl_gg_params *p, double x,
									double *out);

#endif							/* CL_BTYD_SIM_H */
