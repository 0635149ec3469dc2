/*
 * tier_spend.c — SQL glue of the rolling-window spend aggregates.
 *
 *   qualifying_spend(order_ts, amount, as_of, window) aggregate -> numeric
 *   loyalty_tier(order_ts, amount, as_of, window, thresholds, names)
 *       aggregate -> text
 */
#include "compat.h"

#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "glue_common.h"
#include "numeric_money.h"
#include "tier_glue.h"

/* ---------------------------------------------------------------------
 * Rolling-window qualifying spend, and the tier it earns
 * ---------------------------------------------------------------------
 */

typedef struct SpendState
{
	TimestampTz as_of;
	Interval	window;
	TimestampTz start;			/* as_of - window, computed in UTC */
	int32		scale;
	int32		display_scale;
	cl_i128		total;
	ArrayType  *thresholds;		/* tier aggregate only */
	ArrayType  *names;
} SpendState;

static Interval *
window_arg(FunctionCallInfo fcinfo, int argno)
{
	Interval   *w;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("window must not be NULL"),
				 errhint("Use e.g. '12 months' or '365 days'.")));
	w = PG_GETARG_INTERVAL_P(argno);
	if (w->month < 0 || w->day < 0 || w->time < 0 ||
		(w->month == 0 && w->day == 0 && w->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window must be a positive interval"),
				 errhint("Use e.g. '12 months' or '365 days'.")));
	return w;
}

/*
 * The state for both spend aggregates: (order_ts, amount, as_of, window).
 * The window start is as_of - window evaluated as UTC wall-clock arithmetic
 * (timestamp, not timestamptz), so "1 month" means the same instant whatever
 * the session TimeZone.
 */
static SpendState *
spend_accumulate(FunctionCallInfo fcinfo, MemoryContext aggctx)
{
	SpendState *state = PG_ARGISNULL(0) ? NULL : (SpendState *) PG_GETARG_POINTER(0);
	TimestampTz as_of = cl_timestamp_arg(fcinfo, 3, "as_of");
	Interval   *w = window_arg(fcinfo, 4);
	TimestampTz ts;
	cl_i128		units;
	int			scale;

	if (state == NULL)
	{
		state = MemoryContextAllocZero(aggctx, sizeof(SpendState));
		state->as_of = as_of;
		state->window = *w;
		state->start = DatumGetTimestamp(DirectFunctionCall2(timestamp_mi_interval,
															 TimestampGetDatum(as_of),
															 IntervalPGetDatum(w)));
	}
	else if (state->as_of != as_of || state->window.month != w->month ||
			 state->window.day != w->day || state->window.time != w->time)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of and window must be the same for every row of a group"),
				 errhint("Pass constants or columns that are constant within each group.")));

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return state;
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("order time must be finite"),
				 errhint("Filter out rows whose order time is infinity.")));
	/* bad amounts are errors wherever they are, as in crm_profile */
	cl_numeric_decode_arg(PG_GETARG_DATUM(2), "amount", &units, &scale);
	if (ts <= state->start || ts > state->as_of)
		return state;			/* outside (as_of - window, as_of] */
	if ((scale > state->scale && cl_money_rescale(&state->total, state->scale, scale) != CL_OK) ||
		(scale < state->scale && cl_money_rescale(&units, scale, state->scale) != CL_OK) ||
		cl_money_add(&state->total, units) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("qualifying spend out of range")));
	state->scale = Max(state->scale, scale);
	state->display_scale = Max(state->display_scale,
							   Min(cl_numeric_dscale(PG_GETARG_DATUM(2)), CL_MONEY_MAX_SCALE));
	return state;
}

PG_FUNCTION_INFO_V1(qualifying_spend_trans);
Datum
qualifying_spend_trans(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(spend_accumulate(fcinfo, cl_agg_context(fcinfo, "qualifying_spend_trans")));
}

PG_FUNCTION_INFO_V1(qualifying_spend_combine);
Datum
qualifying_spend_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "qualifying_spend_combine");
	SpendState *a = PG_ARGISNULL(0) ? NULL : (SpendState *) PG_GETARG_POINTER(0);
	SpendState *b = PG_ARGISNULL(1) ? NULL : (SpendState *) PG_GETARG_POINTER(1);
	cl_i128		units;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = MemoryContextAlloc(aggctx, sizeof(SpendState));
		*a = *b;
		PG_RETURN_POINTER(a);
	}
	if (a->as_of != b->as_of || a->start != b->start)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("qualifying_spend: cannot combine states with different as_of or window")));
	units = b->total;
	if ((b->scale > a->scale && cl_money_rescale(&a->total, a->scale, b->scale) != CL_OK) ||
		(b->scale < a->scale && cl_money_rescale(&units, b->scale, a->scale) != CL_OK) ||
		cl_money_add(&a->total, units) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("qualifying spend out of range")));
	a->scale = Max(a->scale, b->scale);
	a->display_scale = Max(a->display_scale, b->display_scale);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(qualifying_spend_serialize);
Datum
qualifying_spend_serialize(PG_FUNCTION_ARGS)
{
	SpendState *s;
	StringInfoData buf;

	cl_agg_context(fcinfo, "qualifying_spend_serialize");
	s = (SpendState *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	pq_sendint64(&buf, s->as_of);
	pq_sendint64(&buf, s->window.time);
	pq_sendint32(&buf, s->window.day);
	pq_sendint32(&buf, s->window.month);
	pq_sendint64(&buf, s->start);
	pq_sendint32(&buf, s->scale);
	pq_sendint32(&buf, s->display_scale);
	pq_sendint64(&buf, (int64) (s->total >> 64));
	pq_sendint64(&buf, (int64) (uint64) s->total);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(qualifying_spend_deserialize);
Datum
qualifying_spend_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "qualifying_spend_deserialize");
	bytea	   *ser = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	SpendState *s;
	int64		hi;
	uint64		lo;

	initReadOnlyStringInfo(&buf, VARDATA_ANY(ser), VARSIZE_ANY_EXHDR(ser));
	s = MemoryContextAllocZero(aggctx, sizeof(SpendState));
	s->as_of = pq_getmsgint64(&buf);
	s->window.time = pq_getmsgint64(&buf);
	s->window.day = pq_getmsgint(&buf, 4);
	s->window.month = pq_getmsgint(&buf, 4);
	s->start = pq_getmsgint64(&buf);
	s->scale = pq_getmsgint(&buf, 4);
	s->display_scale = pq_getmsgint(&buf, 4);
	hi = pq_getmsgint64(&buf);
	lo = (uint64) pq_getmsgint64(&buf);
	pq_getmsgend(&buf);
	if (s->scale < 0 || s->scale > CL_MONEY_MAX_SCALE ||
		s->display_scale < 0 || s->display_scale > CL_MONEY_MAX_SCALE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid qualifying_spend aggregate state")));
	s->total = (cl_i128) (((unsigned __int128) (uint64) hi << 64) | lo);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(qualifying_spend_final);
Datum
qualifying_spend_final(PG_FUNCTION_ARGS)
{
	SpendState *s;

	cl_agg_context(fcinfo, "qualifying_spend_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (SpendState *) PG_GETARG_POINTER(0);
	PG_RETURN_DATUM(cl_numeric_encode_display(s->total, s->scale, s->display_scale));
}

/*
 * loyalty_tier(order_ts, amount, as_of, window, thresholds, names): the same
 * accumulation; the scheme is validated and kept from the first row.
 */
static bool
same_array(const ArrayType *a, const ArrayType *b)
{
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

PG_FUNCTION_INFO_V1(loyalty_tier_spend_trans);
Datum
loyalty_tier_spend_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "loyalty_tier_spend_trans");
	bool		first = PG_ARGISNULL(0);
	SpendState *state = spend_accumulate(fcinfo, aggctx);

	if (first)
	{
		MemoryContext old;

		if (PG_ARGISNULL(5) || PG_ARGISNULL(6))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("thresholds and names must not be NULL")));
		old = MemoryContextSwitchTo(aggctx);
		state->thresholds = PG_GETARG_ARRAYTYPE_P_COPY(5);
		state->names = PG_GETARG_ARRAYTYPE_P_COPY(6);
		MemoryContextSwitchTo(old);
		/* validate now, with a dummy value, so bad schemes fail early */
		(void) tier_name_for(DirectFunctionCall1(int4_numeric, Int32GetDatum(0)),
						state->thresholds, state->names);
	}
	else if (PG_ARGISNULL(5) || PG_ARGISNULL(6) ||
			 !same_array(state->thresholds, PG_GETARG_ARRAYTYPE_P(5)) ||
			 !same_array(state->names, PG_GETARG_ARRAYTYPE_P(6)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loyalty_tier: thresholds and names differ between rows of a group"),
				 errhint("Pass constants, or compute qualifying_spend() first and call loyalty_tier(value, ...) on it.")));
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(loyalty_tier_spend_final);
Datum
loyalty_tier_spend_final(PG_FUNCTION_ARGS)
{
	SpendState *s;
	text	   *t;

	cl_agg_context(fcinfo, "loyalty_tier_spend_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (SpendState *) PG_GETARG_POINTER(0);
	t = tier_name_for(cl_numeric_encode_display(s->total, s->scale, s->display_scale),
				 s->thresholds, s->names);
	if (t == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(t);
}

