/*
 * glue_common.c — argument checks and conversions shared by the glue files.
 */
#include "compat.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "glue_common.h"

void *
cl_context_realloc(void *ctx, void *ptr, size_t size)
{
	if (ptr == NULL)
		return MemoryContextAlloc((MemoryContext) ctx, size);
	return repalloc(ptr, size);
}

MemoryContext
cl_agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggctx;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
	return aggctx;
}

static char *
interval_text(const Interval *iv)
{
	return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(iv)));
}

cl_period
cl_period_arg(const Interval *iv, const char *argname)
{
	cl_period	p;

	if (cl_period_make(iv->month, iv->day, iv->time, &p) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s \"%s\"", argname, interval_text(iv)),
				 errdetail("A %s must be a positive length of time or a whole number of months, not both.",
						   argname),
				 errhint("Use e.g. '1 day', '7 days', '12 hours' or '1 month'.")));
	return p;
}

int64
cl_unit_arg(const Interval *iv, const char *argname)
{
	int64		usec;

	if (cl_unit_make(iv->month, iv->day, iv->time, &usec) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s \"%s\"", argname, interval_text(iv)),
				 errdetail("A time unit must be a positive fixed length of time; months vary in length."),
				 errhint("Use e.g. '1 day', '7 days' or '30 days'.")));
	return usec;
}

TimestampTz
cl_timestamp_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	TimestampTz ts;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", argname),
				 errhint("Pass the observation end explicitly, e.g. '2024-12-31'::timestamptz.")));
	ts = PG_GETARG_TIMESTAMPTZ(argno);
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be finite", argname),
				 errhint("Use a real point in time instead of infinity.")));
	return ts;
}

TupleDesc
cl_result_tupdesc(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;

	if (tupdesc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = tupdesc;
	}
	return tupdesc;
}

int
cl_float8_array(ArrayType *arr, const char *argname, double **out)
{
	int			n;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", argname)));
	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		elog(ERROR, "%s: expected float8[]", argname);
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain NULL values", argname)));
	n = ARR_NDIM(arr) == 0 ? 0 : ARR_DIMS(arr)[0];
	*out = (double *) ARR_DATA_PTR(arr);
	return n;
}

static int
field_number(TupleDesc td, const char *name)
{
	int			i;

	for (i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i + 1;
	}
	elog(ERROR, "customer_profile has no field \"%s\"", name);
	return 0;
}

const ProfileFields *
cl_profile_fields(FunctionCallInfo fcinfo, HeapTupleHeader th)
{
	ProfileFields *pf = (ProfileFields *) fcinfo->flinfo->fn_extra;
	Oid			typid = HeapTupleHeaderGetTypeId(th);

	if (pf == NULL || pf->typid != typid)
	{
		TupleDesc	td = lookup_rowtype_tupdesc(typid, HeapTupleHeaderGetTypMod(th));

		pf = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ProfileFields));
		pf->typid = typid;
		pf->frequency = field_number(td, "frequency");
		pf->recency = field_number(td, "recency");
		pf->t = field_number(td, "t");
		pf->monetary = field_number(td, "monetary");
		pf->unit = field_number(td, "unit");
		ReleaseTupleDesc(td);
		fcinfo->flinfo->fn_extra = pf;
	}
	return pf;
}

