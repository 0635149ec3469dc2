/*
 * fit.h — model fits over customer cells, shared by the fit aggregates
 * (fit.c) and the window forms of churn_probability and clv_estimate
 * (score.c).
 */
#ifndef CL_FIT_H
#define CL_FIT_H

#include "postgres.h"

#include "btyd.h"
#include "gamma_gamma.h"
#include "models.h"

/*
 * Fit over cells[0..*ncells-1], sorted and merged in place (*ncells is
 * set to the number of merged cells).  A fit that
 * does not converge gives a WARNING and a model with converged = false;
 * data that cannot identify a model is an error (22023).  BG/NBD returns
 * NULL for no cells; Gamma-Gamma raises 22023.
 */
extern ModelValue *cl_fit_bgnbd_cells(cl_btyd_cell *cells, size_t *ncells, int64 unit_usec,
									  const char *fname);
extern ModelValue *cl_fit_gamma_gamma_cells(cl_gg_cell *cells, size_t *ncells,
											const char *fname);

#endif							/* CL_FIT_H */
