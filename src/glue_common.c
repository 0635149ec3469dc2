/*
 * glue_common.c — argument checks and conversions shared by the glue files.
 */
#include "compat.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "access/htup_details.h"
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
field_index(TupleDesc td, const char *name)
{
	int			i;

	for (i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i;
	}
	elog(ERROR, "customer_profile has no field \"%s\"", name);
	return -1;
}

/*
 * What cl_profile_read keeps per call site (fn_extra): a private copy of
 * the row type's descriptor, so no type-cache lookup or reference counting
 * happens per row, and the arrays a row is deformed into.
 */
typedef struct ProfileReader
{
	Oid			typid;
	int32		typmod;
	TupleDesc	tupdesc;
	Datum	   *values;			/* deformed row */
	bool	   *nulls;
	int			field[CL_PF_NFIELDS];
} ProfileReader;

const char *const cl_profile_field_names[CL_PF_NFIELDS] = {
	"frequency", "recency", "t", "monetary", "unit"
};

static ProfileReader *
profile_reader(FunctionCallInfo fcinfo, HeapTupleHeader th)
{
	ProfileReader *pr = (ProfileReader *) fcinfo->flinfo->fn_extra;
	Oid			typid = HeapTupleHeaderGetTypeId(th);
	int32		typmod = HeapTupleHeaderGetTypMod(th);

	if (pr == NULL || pr->typid != typid || pr->typmod != typmod)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		TupleDesc	td = lookup_rowtype_tupdesc(typid, typmod);
		int			i;

		if (pr == NULL)
			pr = palloc0(sizeof(ProfileReader));
		else
		{
			FreeTupleDesc(pr->tupdesc);
			pfree(pr->values);
			pfree(pr->nulls);
		}
		pr->tupdesc = CreateTupleDescCopy(td);
		ReleaseTupleDesc(td);
		pr->typid = typid;
		pr->typmod = typmod;
		pr->values = palloc(sizeof(Datum) * pr->tupdesc->natts);
		pr->nulls = palloc(sizeof(bool) * pr->tupdesc->natts);
		for (i = 0; i < CL_PF_NFIELDS; i++)
			pr->field[i] = field_index(pr->tupdesc, cl_profile_field_names[i]);
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = pr;
	}
	return pr;
}

void
cl_profile_read(FunctionCallInfo fcinfo, Datum profile, ProfileRow *row)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(profile);
	union
	{
		HeapTupleHeaderData h;
		double		align;
		char		bytes[256];
	}			local;
	HeapTupleData tuple;
	ProfileReader *pr;
	Datum		fields[CL_PF_NFIELDS];
	int			i;

	/*
	 * A stored profile is short enough for a 1-byte varlena header, so it
	 * arrives unaligned; copy it to aligned stack space rather than have the
	 * detoaster palloc a copy for every row.
	 */
	if (VARATT_IS_SHORT(v) && VARSIZE_SHORT(v) - VARHDRSZ_SHORT + VARHDRSZ <= sizeof(local))
	{
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		memcpy(local.bytes + VARHDRSZ, VARDATA_SHORT(v), len);
		SET_VARSIZE(&local.h, len + VARHDRSZ);
		tuple.t_data = &local.h;
	}
	else
		tuple.t_data = (HeapTupleHeader) PG_DETOAST_DATUM(profile);
	tuple.t_len = HeapTupleHeaderGetDatumLength(tuple.t_data);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;

	pr = profile_reader(fcinfo, tuple.t_data);

	heap_deform_tuple(&tuple, pr->tupdesc, pr->values, pr->nulls);
	for (i = 0; i < CL_PF_NFIELDS; i++)
	{
		row->isnull[i] = pr->nulls[pr->field[i]];
		fields[i] = pr->values[pr->field[i]];
	}
	row->x = row->isnull[CL_PF_FREQUENCY] ? 0.0 : DatumGetFloat8(fields[CL_PF_FREQUENCY]);
	row->t_x = row->isnull[CL_PF_RECENCY] ? 0.0 : DatumGetFloat8(fields[CL_PF_RECENCY]);
	row->T = row->isnull[CL_PF_T] ? 0.0 : DatumGetFloat8(fields[CL_PF_T]);
	row->m = row->isnull[CL_PF_MONETARY] ? 0.0 : DatumGetFloat8(fields[CL_PF_MONETARY]);
	if (row->isnull[CL_PF_UNIT])
		memset(&row->unit, 0, sizeof(row->unit));
	else
		row->unit = *DatumGetIntervalP(fields[CL_PF_UNIT]);
}
