/*
 * models.h — the stored form of fitted models (bgnbd_model, mbgnbd_model,
 * pareto_nbd_model, gamma_gamma_model).
 *
 * A model is a fixed-length value: up to four parameters, the fit's
 * log-likelihood and size, convergence and the time unit the parameters are
 * expressed in.  Its text form is a JSON object with the parameter names as
 * keys, floats printed shortest-exact so text -> value -> text round-trips
 * bit for bit; the jsonb cast reuses it.
 */
#ifndef CL_MODELS_H
#define CL_MODELS_H

#include "postgres.h"

#include "fmgr.h"

#define CL_MODEL_MAX_PARAMS 4

typedef struct ModelValue
{
	double		param[CL_MODEL_MAX_PARAMS];
	double		ll;				/* log-likelihood of the fit; NaN if not fitted */
	double		n;				/* customers in the fit; 0 if not fitted */
	int64		unit_usec;		/* time unit of rates and ages; 0 if none */
	int32		converged;		/* 1, 0, or -1 when not fitted */
	int32		kind;			/* ModelKind, checked on every read */
} ModelValue;

typedef enum ModelKind
{
	MODEL_BGNBD = 1,
	MODEL_GAMMA_GAMMA = 2,
	MODEL_PARETO_NBD = 3,
	MODEL_MBGNBD = 4
} ModelKind;

/* Argument accessors that check the kind (a corrupted value is an error). */
extern const ModelValue *cl_model_arg(FunctionCallInfo fcinfo, int argno, ModelKind kind);

/*
 * A purchase model argument (bgnbd_model, mbgnbd_model or pareto_nbd_model):
 * the scoring functions are shared by the three types.
 */
extern const ModelValue *cl_purchase_model_arg(FunctionCallInfo fcinfo, int argno);

/* Build a validated model value (palloc'd); raises 22023 on bad parameters. */
extern ModelValue *cl_model_make(ModelKind kind, const double *param, int64 unit_usec,
								 double ll, double n, int converged);

/* Text of a unit such as "7 days", "3600 seconds". */
extern char *cl_unit_text(int64 unit_usec);

#endif							/* CL_MODELS_H */
