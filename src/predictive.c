/*
 * predictive.c — SQL glue of the predictive distribution of a customer's
 * purchase count: purchase_count_probabilities and purchase_count_interval
 * (count_dist.h), for any purchase model, limit models included.
 *
 * Like the point scores (score.c), every function takes the model as an
 * argument and reads no setting or clock, so all are IMMUTABLE.  Horizons
 * are intervals, converted into the model's time unit as p_no_purchase
 * converts them; profiles carry their own unit, which must match the
 * model's.
 */
#include "compat.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "access/htup_details.h"
#include "utils/array.h"
#include "utils/timestamp.h"

#include "btyd_model.h"
#include "count_dist.h"
#include "errors.h"
#include "glue_common.h"
#include "interrupt.h"
#include "models.h"
#include "period.h"

/* Largest max_count of purchase_count_probabilities. */
#define PRED_MAX_COUNT 10000

/* The core polls this in its PMF loops and quadratures (interrupt.h). */
static int
predictive_interrupt(void)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

typedef struct PredSummary
{
	double		x,
				t_x,
				T;
} PredSummary;

static void
summary_args(FunctionCallInfo fcinfo, PredSummary *s)
{
	s->x = PG_GETARG_FLOAT8(0);
	s->t_x = PG_GETARG_FLOAT8(1);
	s->T = PG_GETARG_FLOAT8(2);
}

/* The summary of a profile argument 0, whose unit must be the model's. */
static void
summary_profile(FunctionCallInfo fcinfo, const ModelValue *m, const char *fname,
				PredSummary *s)
{
	ProfileRow	row;
	int64		unit;
	int			i;

	cl_profile_read(fcinfo, PG_GETARG_DATUM(0), &row);
	for (i = 0; i < CL_PF_NFIELDS; i++)
		if (row.isnull[i] && i != CL_PF_MONETARY)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("profile field %s is NULL", cl_profile_field_names[i])));
	unit = cl_unit_arg(&row.unit, "unit");
	if (unit != m->unit_usec)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the profile is in units of %s but the model in units of %s",
						fname, cl_unit_text(unit), cl_unit_text(m->unit_usec)),
				 errhint("Build the profiles with unit => '%s', or fit the model on profiles in %s.",
						 cl_unit_text(m->unit_usec), cl_unit_text(unit))));
	s->x = row.x;
	s->t_x = row.t_x;
	s->T = row.T;
}

/* A horizon in model units, as p_no_purchase converts it. */
static double
horizon_units(const Interval *iv, const ModelValue *m)
{
	double		units;

	if (cl_interval_units(iv->month, iv->day, iv->time, m->unit_usec, &units) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("horizon must not be negative")));
	return units;
}

static void
report(cl_status st, const char *fname, const PredSummary *s)
{
	if (st == CL_OK)
		return;
	if (st == CL_ENOCONVERGE || st == CL_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: value out of range for this model and customer (frequency %g, recency %g, t %g)",
						fname, s->x, s->t_x, s->T),
				 errdetail("The distribution cannot be evaluated to full double precision for these parameters."),
				 errhint("The model's parameters are extreme (a boundary fit or a hand-made value); refit the model, or check the customer summary and horizon.")));
	if (st == CL_EINVAL || st == CL_ENOTFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: invalid customer summary (frequency %g, recency %g, t %g)",
						fname, s->x, s->t_x, s->T),
				 errdetail("frequency must be a whole number >= 0, 0 <= recency <= t, horizons >= 0, all finite."),
				 errhint("Use the frequency, recency and t of crm_profile(), in the model's time unit.")));
	if (st == CL_ESIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: the prediction interval reaches beyond %d purchases (frequency %g, recency %g, t %g)",
						fname, CL_COUNT_MAX_K, s->x, s->t_x, s->T),
				 errhint("Use a shorter horizon or a lower level.")));
	cl_check_status(st, fname);
}

/* ---- purchase_count_probabilities ----------------------------------------- */

static Datum
count_probabilities(const PredSummary *s, const ModelValue *m, double h, int32 kmax)
{
	const char *fname = "purchase_count_probabilities";
	cl_btyd_model p;
	double	   *pmf;
	double		tail;
	Datum	   *elems;
	int			k;

	if (kmax < 0 || kmax > PRED_MAX_COUNT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: max_count %d is out of range", fname, kmax),
				 errhint("Use an integer from 0 to %d.", PRED_MAX_COUNT)));
	cl_set_interrupt_hook(predictive_interrupt);
	p = cl_model_btyd(m);
	pmf = palloc((kmax + 1) * sizeof(double));
	report(cl_count_pmf(&p, h, s->x, s->t_x, s->T, kmax, pmf, &tail), fname, s);
	elems = palloc((kmax + 2) * sizeof(Datum));
	for (k = 0; k <= kmax; k++)
		elems[k] = Float8GetDatum(pmf[k]);
	elems[kmax + 1] = Float8GetDatum(tail);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, kmax + 2, FLOAT8OID, sizeof(float8),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* purchase_count_probabilities(frequency, recency, t, model, horizon, max_count) */
PG_FUNCTION_INFO_V1(pm_count_probabilities);
Datum
pm_count_probabilities(PG_FUNCTION_ARGS)
{
	PredSummary s;
	const ModelValue *m = cl_pm_arg(fcinfo, 3);

	summary_args(fcinfo, &s);
	return count_probabilities(&s, m, horizon_units(PG_GETARG_INTERVAL_P(4), m),
							   PG_GETARG_INT32(5));
}

/* purchase_count_probabilities(profile, model, horizon, max_count) */
PG_FUNCTION_INFO_V1(pm_count_probabilities_profile);
Datum
pm_count_probabilities_profile(PG_FUNCTION_ARGS)
{
	PredSummary s;
	const ModelValue *m = cl_pm_arg(fcinfo, 1);

	summary_profile(fcinfo, m, "purchase_count_probabilities", &s);
	return count_probabilities(&s, m, horizon_units(PG_GETARG_INTERVAL_P(2), m),
							   PG_GETARG_INT32(3));
}

/* ---- purchase_count_interval ---------------------------------------------- */

/*
 * The result row (lower, upper).  The descriptor is built per call: the
 * profile form keeps the profile reader in fn_extra.
 */
static Datum
count_interval(FunctionCallInfo fcinfo, const PredSummary *s, const ModelValue *m,
			   double h, double level)
{
	const char *fname = "purchase_count_interval";
	cl_btyd_model p;
	int			lo,
				hi;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (!(level > 0.0 && level <= CL_COUNT_MAX_LEVEL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: level %g is out of range", fname, level),
				 errhint("Use a level greater than 0 and at most 1 - 1e-9, e.g. 0.9.")));
	cl_set_interrupt_hook(predictive_interrupt);
	p = cl_model_btyd(m);
	report(cl_count_interval(&p, h, s->x, s->t_x, s->T, level, &lo, &hi), fname, s);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = Int32GetDatum(lo);
	values[1] = Int32GetDatum(hi);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* purchase_count_interval(frequency, recency, t, model, horizon, level) */
PG_FUNCTION_INFO_V1(pm_count_interval);
Datum
pm_count_interval(PG_FUNCTION_ARGS)
{
	PredSummary s;
	const ModelValue *m = cl_pm_arg(fcinfo, 3);

	summary_args(fcinfo, &s);
	return count_interval(fcinfo, &s, m, horizon_units(PG_GETARG_INTERVAL_P(4), m),
						  PG_GETARG_FLOAT8(5));
}

/* purchase_count_interval(profile, model, horizon, level) */
PG_FUNCTION_INFO_V1(pm_count_interval_profile);
Datum
pm_count_interval_profile(PG_FUNCTION_ARGS)
{
	PredSummary s;
	const ModelValue *m = cl_pm_arg(fcinfo, 1);

	summary_profile(fcinfo, m, "purchase_count_interval", &s);
	return count_interval(fcinfo, &s, m, horizon_units(PG_GETARG_INTERVAL_P(2), m),
						  PG_GETARG_FLOAT8(3));
}
