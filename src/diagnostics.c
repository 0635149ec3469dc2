/*
 * diagnostics.c — SQL glue of the model diagnostics.
 *
 *   purchase_count_distribution(model_kind text, model text, t float8,
 *                               buckets integer) -> float8[]
 *
 * P(X(t) = 0), ..., P(X(t) = buckets-2) and P(X(t) >= buckets-1) for a
 * customer of the population of a purchase model (repeat_dist.h).  The model
 * comes as its kind and its text form (model::text), read by the type's own
 * input function, so one function serves every purchase-model type;
 * repeat_purchase_distribution() sums it over the customers of a table.
 */
#include "compat.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "btyd_model.h"
#include "repeat_dist.h"
#include "errors.h"
#include "glue_common.h"
#include "interrupt.h"
#include "models.h"

/* the Pareto/NBD sums poll this (interrupt.h) */
static int
diagnostics_interrupt(void)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/* the input functions of the purchase-model types (models.c) */
extern PGDLLEXPORT Datum bgnbd_model_in(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum mbgnbd_model_in(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum pareto_nbd_model_in(PG_FUNCTION_ARGS);

PG_FUNCTION_INFO_V1(purchase_count_distribution);
Datum
purchase_count_distribution(PG_FUNCTION_ARGS)
{
	char	   *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *model = text_to_cstring(PG_GETARG_TEXT_PP(1));
	double		t = PG_GETARG_FLOAT8(2);
	int32		buckets = PG_GETARG_INT32(3);
	PGFunction	in;
	const ModelValue *mv;
	cl_btyd_model m;
	Datum	   *d;
	double	   *pmf;
	double		tail;
	cl_status	st;
	int			i;

	if (strcmp(kind, "bgnbd") == 0)
		in = bgnbd_model_in;
	else if (strcmp(kind, "mbgnbd") == 0)
		in = mbgnbd_model_in;
	else if (strcmp(kind, "pareto_nbd") == 0)
		in = pareto_nbd_model_in;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("purchase_count_distribution: unknown model kind \"%s\"", kind),
				 errhint("The purchase models are bgnbd, mbgnbd and pareto_nbd.")));
	/* the type's own parser: the same validation, limit models included */
	mv = (const ModelValue *) DatumGetPointer(DirectFunctionCall1(in, CStringGetDatum(model)));
	m = cl_model_btyd(mv);
	if (!isfinite(t) || t < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("purchase_count_distribution: t must be a finite number >= 0, not %g", t),
				 errhint("t is the length of the period, in the model's time unit.")));
	if (buckets < 2 || buckets > CL_COUNT_PMF_MAX + 1)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("purchase_count_distribution: buckets %d is out of range", buckets),
				 errhint("Use 2 to %d buckets (the last one holds every larger count).",
						 CL_COUNT_PMF_MAX + 1)));

	pmf = palloc(sizeof(double) * buckets);
	cl_set_interrupt_hook(diagnostics_interrupt);
	st = cl_btyd_count_pmf(&m, t, buckets - 1, pmf, &tail);
	cl_set_interrupt_hook(NULL);
	if (st == CL_ENOCONVERGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("purchase_count_distribution: no accurate value for t = %g", t),
				 errdetail("A hypergeometric function of the Pareto/NBD distribution did not converge."),
				 errhint("Use fewer buckets, or another purchase model.")));
	cl_check_status(st, "purchase_count_distribution");
	pmf[buckets - 1] = tail;

	d = palloc(sizeof(Datum) * buckets);
	for (i = 0; i < buckets; i++)
		d[i] = Float8GetDatum(pmf[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, buckets, FLOAT8OID, sizeof(float8),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
