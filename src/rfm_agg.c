/*
 * rfm_agg.c — SQL glue of RFM cut points, and the argument checks the RFM
 * glue files share.
 *
 *   rfm_breaks(recency_days, frequency, monetary [, bins]) -> rfm_cut_points
 *       aggregate: type-7 quantile cut points over the customer base
 *   rfm_cut_points(recency_days float8[], frequency float8[], monetary float8[])
 *       user-supplied cut points, validated
 */
#include "compat.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "defaults.h"
#include "errors.h"
#include "glue_common.h"
#include "rfm_glue.h"

/*
 * Cancel from inside the core: the core works on palloc'd arrays and holds
 * nothing that needs cleaning up, so CHECK_FOR_INTERRUPTS may throw here.
 */
int
rfm_core_interrupt(void *ctx)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/* ---------------------------------------------------------------------
 * rfm_breaks aggregate
 * ---------------------------------------------------------------------
 */

typedef struct ValueList
{
	size_t		n;
	size_t		cap;
	double	   *v;
} ValueList;

typedef struct BreaksState
{
	int32		bins;
	ValueList	dim[3];			/* recency_days, frequency, monetary */
} BreaksState;

const char *const rfm_dim_names[3] = {"recency_days", "frequency", "monetary"};

static void
value_push(MemoryContext ctx, ValueList *l, double x)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		if (l->cap > MaxAllocHugeSize / sizeof(double))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("rfm_breaks: too many values")));
		l->v = l->v == NULL
			? MemoryContextAllocHuge(ctx, l->cap * sizeof(double))
			: repalloc_huge(l->v, l->cap * sizeof(double));
	}
	l->v[l->n++] = x;
}

int32
rfm_check_bins(int32 bins)
{
	if (bins < CL_RFM_MIN_BINS || bins > CL_RFM_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bins must be between %d and %d, not %d",
						CL_RFM_MIN_BINS, CL_RFM_MAX_BINS, bins),
				 errhint("Five bins (the default) gives the classic 1..5 scores.")));
	return bins;
}

void
rfm_check_not_nan(double x, const char *argname)
{
	if (isnan(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NaN", argname),
				 errhint("Filter out or correct rows whose %s is NaN.", argname)));
}

PG_FUNCTION_INFO_V1(rfm_breaks_trans);
Datum
rfm_breaks_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "rfm_breaks_trans");
	BreaksState *state = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	int32		bins = CL_DEFAULT_RFM_BINS;
	int			i;

	if (PG_NARGS() > 4)
	{
		if (PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("bins must not be NULL")));
		bins = PG_GETARG_INT32(4);
	}
	if (state == NULL)
	{
		state = MemoryContextAllocZero(aggctx, sizeof(BreaksState));
		state->bins = rfm_check_bins(bins);
	}
	else if (state->bins != bins)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm_breaks: bins differs between rows (%d and %d)", state->bins, bins),
				 errhint("Pass a constant number of bins.")));

	for (i = 0; i < 3; i++)
	{
		double		x;

		if (PG_ARGISNULL(i + 1))
			continue;			/* like percentile_cont, NULLs are skipped */
		x = PG_GETARG_FLOAT8(i + 1);
		rfm_check_not_nan(x, rfm_dim_names[i]);
		value_push(aggctx, &state->dim[i], x);
	}
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(rfm_breaks_combine);
Datum
rfm_breaks_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "rfm_breaks_combine");
	BreaksState *a = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	BreaksState *b = PG_ARGISNULL(1) ? NULL : (BreaksState *) PG_GETARG_POINTER(1);
	int			i;
	size_t		k;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = MemoryContextAllocZero(aggctx, sizeof(BreaksState));
		a->bins = b->bins;
	}
	else if (a->bins != b->bins)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm_breaks: cannot combine states with different bins"),
				 errdetail("One state has %d bins, the other %d.", a->bins, b->bins)));
	for (i = 0; i < 3; i++)
		for (k = 0; k < b->dim[i].n; k++)
		{
			CHECK_FOR_INTERRUPTS();
			value_push(aggctx, &a->dim[i], b->dim[i].v[k]);
		}
	PG_RETURN_POINTER(a);
}

/*
 * Serialized form: bins, then per dimension a count and the raw doubles.
 * States only travel between processes of one server, so native byte order
 * is fine; lengths are still checked because the input is a plain bytea.
 */
PG_FUNCTION_INFO_V1(rfm_breaks_serialize);
Datum
rfm_breaks_serialize(PG_FUNCTION_ARGS)
{
	BreaksState *state;
	StringInfoData buf;
	int			i;

	cl_agg_context(fcinfo, "rfm_breaks_serialize");
	state = (BreaksState *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, state->bins);
	for (i = 0; i < 3; i++)
	{
		pq_sendint64(&buf, (int64) state->dim[i].n);
		if (state->dim[i].n > 0)
			appendBinaryStringInfo(&buf, (const char *) state->dim[i].v,
								   (int) (state->dim[i].n * sizeof(double)));
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(rfm_breaks_deserialize);
Datum
rfm_breaks_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "rfm_breaks_deserialize");
	bytea	   *ser = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	BreaksState *state;
	int			i;

	initReadOnlyStringInfo(&buf, VARDATA_ANY(ser), VARSIZE_ANY_EXHDR(ser));
	state = MemoryContextAllocZero(aggctx, sizeof(BreaksState));
	state->bins = pq_getmsgint(&buf, 4);
	if (state->bins < CL_RFM_MIN_BINS || state->bins > CL_RFM_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid rfm_breaks aggregate state"),
				 errdetail("Bins out of range.")));
	for (i = 0; i < 3; i++)
	{
		int64		n = pq_getmsgint64(&buf);

		if (n < 0 || n > (int64) ((buf.len - buf.cursor) / sizeof(double)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid rfm_breaks aggregate state"),
					 errdetail("Value count does not match the state's length.")));
		state->dim[i].n = state->dim[i].cap = (size_t) n;
		if (n > 0)
		{
			state->dim[i].v = MemoryContextAllocHuge(aggctx, n * sizeof(double));
			memcpy(state->dim[i].v, pq_getmsgbytes(&buf, (int) (n * sizeof(double))),
				   n * sizeof(double));
		}
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(state);
}

static ArrayType *
float8_array(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_array(d, n, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

Datum
rfm_cut_points_datum(FunctionCallInfo fcinfo, int bins, double *const cuts[3])
{
	TupleDesc	tupdesc = cl_result_tupdesc(fcinfo);
	Datum		values[4];
	bool		nulls[4] = {0};
	int			i;

	values[0] = Int32GetDatum(bins);
	for (i = 0; i < 3; i++)
		values[i + 1] = PointerGetDatum(float8_array(cuts[i], bins - 1));
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

PG_FUNCTION_INFO_V1(rfm_breaks_final);
Datum
rfm_breaks_final(PG_FUNCTION_ARGS)
{
	BreaksState *state;
	double	   *cuts[3];
	int			i;

	cl_agg_context(fcinfo, "rfm_breaks_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (BreaksState *) PG_GETARG_POINTER(0);
	for (i = 0; i < 3; i++)
	{
		if (state->dim[i].n == 0)
			PG_RETURN_NULL();	/* a dimension with no values has no cut points */
	}
	for (i = 0; i < 3; i++)
	{
		/*
		 * Sorting in place is harmless to the state (the multiset is the
		 * same), so a shared or window-reused state stays valid.
		 */
		cuts[i] = palloc(sizeof(double) * (state->bins - 1));
		cl_check_status(cl_rfm_cut_points_poll(state->dim[i].v, state->dim[i].n,
											   state->bins, cuts[i], rfm_core_interrupt, NULL),
						"rfm_breaks");
	}
	PG_RETURN_DATUM(rfm_cut_points_datum(fcinfo, state->bins, cuts));
}

/* ---------------------------------------------------------------------
 * User-supplied cut points
 * ---------------------------------------------------------------------
 */

void
rfm_check_cuts(const double *cuts, int n, const char *argname)
{
	switch (cl_rfm_check_cuts(cuts, (size_t) n))
	{
		case CL_OK:
			return;
		case CL_ENOTASCENDING:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s cut points must be in ascending order", argname),
					 errdetail("Cut point k must not be below cut point k-1; equal cut points are allowed and leave a score empty."),
					 errhint("Sort the thresholds ascending, e.g. {30, 90, 180, 365} for recency_days.")));
			break;
		case CL_ENOTFINITE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s cut points must not be NaN", argname)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must have between %d and %d cut points, not %d",
							argname, CL_RFM_MIN_BINS - 1, CL_RFM_MAX_BINS - 1, n),
					 errhint("n bins need n - 1 cut points.")));
	}
}

PG_FUNCTION_INFO_V1(rfm_cut_points_make);
Datum
rfm_cut_points_make(PG_FUNCTION_ARGS)
{
	double	   *cuts[3];
	int			n[3];
	int			i;

	for (i = 0; i < 3; i++)
	{
		n[i] = cl_float8_array(PG_GETARG_ARRAYTYPE_P(i), rfm_dim_names[i], &cuts[i]);
		rfm_check_cuts(cuts[i], n[i], rfm_dim_names[i]);
	}
	if (n[0] != n[1] || n[1] != n[2])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm_cut_points: the three arrays must have the same length"),
				 errdetail("recency_days has %d, frequency %d, monetary %d cut points.",
						   n[0], n[1], n[2]),
				 errhint("All three dimensions use the same number of bins.")));
	PG_RETURN_DATUM(rfm_cut_points_datum(fcinfo, n[0] + 1, cuts));
}

