/*
 * tier.c — SQL glue of loyalty tiers.
 *
 *   loyalty_tier(value numeric, thresholds numeric[], names text[]) -> text
 *   loyalty_scheme(value numeric [, shares float8[], names text[]])
 *       aggregate -> tier_scheme (relative tiers: top 1% / 9% / 20% / rest)
 *   qualifying_spend(order_ts, amount, as_of, window) aggregate -> numeric
 *   loyalty_tier(order_ts, amount, as_of, window, thresholds, names)
 *       aggregate -> text
 *   loyalty_tier(value numeric) OVER (...) -> text   (window form)
 *
 * Amounts are summed and ranked as exact scaled integers (numeric_money.c).
 */
#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "windowapi.h"

#include "defaults.h"
#include "errors.h"
#include "glue_common.h"
#include "numeric_money.h"
#include "tier.h"

/*
 * Cancel from inside the core: it works on palloc'd arrays and holds
 * nothing that needs cleaning up, so CHECK_FOR_INTERRUPTS may throw here.
 */
static int
core_interrupt(void *ctx)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/* ---------------------------------------------------------------------
 * loyalty_tier(value, thresholds, names)
 * ---------------------------------------------------------------------
 */

static int
numeric_compare(Datum a, Datum b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a, b));
}

static bool
numeric_is_nan_datum(Datum d)
{
	return numeric_is_nan(DatumGetNumeric(d));
}

/* The numeric thresholds and value, as the core's lookup sees them. */
typedef struct NumericTiers
{
	const Datum *th;
	Datum		value;
} NumericTiers;

static int
tiers_is_nan(void *ctx, int i)
{
	return numeric_is_nan_datum(((const NumericTiers *) ctx)->th[i]);
}

static int
tiers_compare(void *ctx, int i, int j)
{
	const Datum *th = ((const NumericTiers *) ctx)->th;

	return numeric_compare(th[i], th[j]);
}

static int
tiers_reaches(void *ctx, int i)
{
	const NumericTiers *t = ctx;

	return numeric_compare(t->value, t->th[i]) >= 0;
}

/*
 * Validate a scheme and return the tier name for value (NULL when value is
 * below the lowest threshold); the rules are the core's (tier.h).  The
 * first problem in array order is reported, a NULL element before a bad
 * threshold at the same position.
 */
static text *
tier_for(Datum value, ArrayType *thresholds, ArrayType *names)
{
	Datum	   *th;
	Datum	   *nm;
	bool	   *thn;
	bool	   *nmn;
	int			n_th;
	int			n_nm;
	int			first_null;
	int			hit;
	int			bad;
	NumericTiers ctx;
	cl_tier_order order = {tiers_is_nan, tiers_compare, tiers_reaches, &ctx};
	cl_status	st;

	if (ARR_NDIM(thresholds) > 1 || ARR_NDIM(names) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("thresholds and names must be one-dimensional arrays")));
	deconstruct_array(thresholds, NUMERICOID, -1, false, TYPALIGN_INT, &th, &thn, &n_th);
	deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &nm, &nmn, &n_nm);
	if (cl_tier_check_counts(n_th, n_nm) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("thresholds and names must have the same number of elements, between 1 and %d",
						CL_TIER_MAX),
				 errdetail("Got %d thresholds and %d names.", n_th, n_nm),
				 errhint("Give one threshold per tier name, lowest tier first.")));
	for (first_null = 0; first_null < n_th; first_null++)
		if (thn[first_null] || nmn[first_null])
			break;
	/* the core sees the thresholds before the first NULL element */
	ctx.th = th;
	ctx.value = value;
	st = cl_tier_lookup(first_null, &order, &hit, &bad);
	if (st == CL_ENOTFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("threshold %d is NaN", bad + 1)));
	if (st == CL_ENOTASCENDING)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("thresholds must be in ascending order"),
				 errdetail("Threshold %d (%s) is below threshold %d (%s).", bad + 1,
						   DatumGetCString(DirectFunctionCall1(numeric_out, th[bad])), bad,
						   DatumGetCString(DirectFunctionCall1(numeric_out, th[bad - 1]))),
				 errhint("List tiers from the lowest to the highest threshold.")));
	cl_check_status(st, "loyalty_tier");
	if (first_null < n_th)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("thresholds and names must not contain NULL values")));
	return hit >= 0 ? DatumGetTextPCopy(nm[hit]) : NULL;
}

static void
check_value(Datum value, const char *argname)
{
	if (numeric_is_nan_datum(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be NaN", argname)));
}

PG_FUNCTION_INFO_V1(loyalty_tier);
Datum
loyalty_tier(PG_FUNCTION_ARGS)
{
	text	   *t;

	check_value(PG_GETARG_DATUM(0), "value");
	t = tier_for(PG_GETARG_DATUM(0), PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2));
	if (t == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(t);
}

/* ---------------------------------------------------------------------
 * loyalty_scheme aggregate: thresholds from shares of the population
 * ---------------------------------------------------------------------
 */

typedef struct SchemeState
{
	int32		scale;			/* common scale of all values */
	size_t		n;
	size_t		cap;
	cl_i128    *v;
	int			nshares;		/* 0 until the first row sets the scheme */
	double		shares[CL_TIER_MAX];
	char	   *names[CL_TIER_MAX + 1];
} SchemeState;

/* shares[i] is the share of names[i + 1]: Silver 20%, Gold 9%, Platinum 1% */
static const double default_shares[CL_DEFAULT_TIER_NSHARES] = CL_DEFAULT_TIER_SHARES;
static const char *const default_names[CL_DEFAULT_TIER_NSHARES + 1] = CL_DEFAULT_TIER_NAMES;

static void
scheme_push(MemoryContext ctx, SchemeState *s, cl_i128 units, int scale)
{
	size_t		i;

	if (scale > s->scale)
	{
		for (i = 0; i < s->n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			if (cl_money_rescale(&s->v[i], s->scale, scale) != CL_OK)
				goto overflow;
		}
		s->scale = scale;
	}
	else if (cl_money_rescale(&units, scale, s->scale) != CL_OK)
		goto overflow;

	if (s->n == s->cap)
	{
		s->cap = s->cap == 0 ? 64 : s->cap * 2;
		if (s->cap > MaxAllocHugeSize / sizeof(cl_i128))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("loyalty_scheme: too many values")));
		s->v = s->v == NULL ? MemoryContextAllocHuge(ctx, s->cap * sizeof(cl_i128))
			: repalloc_huge(s->v, s->cap * sizeof(cl_i128));
	}
	s->v[s->n++] = units;
	return;

overflow:
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("loyalty_scheme: values differ too much in scale to rank exactly"),
			 errhint("Round the values, e.g. with round(value, 2).")));
}

/* Set the scheme (shares top tier first, names lowest tier first). */
static void
scheme_set(MemoryContext ctx, SchemeState *s, const double *shares, int nshares,
		   char *const *names, int nnames)
{
	int			i;

	if (nnames != nshares + 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loyalty_scheme needs one more name than shares"),
				 errdetail("Got %d shares and %d names.", nshares, nnames),
				 errhint("Names run from the lowest tier to the highest; shares give the share of every tier but the lowest, which takes the rest, in the same order.")));
	if (cl_tier_check_shares(shares, nshares) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid shares for loyalty_scheme"),
				 errdetail("Each share must be in (0, 1], at most %d shares, summing to at most 1.",
						   CL_TIER_MAX),
				 errhint("The default is {0.20, 0.09, 0.01} for Silver, Gold and Platinum: next 20%%, next 9%%, top 1%%.")));
	s->nshares = nshares;
	for (i = 0; i < nshares; i++)
		s->shares[i] = shares[i];
	for (i = 0; i < nnames; i++)
		s->names[i] = MemoryContextStrdup(ctx, names[i]);
}

/*
 * Whether a row's scheme equals the state's.  nnames is the length of names:
 * a later row may pass fewer names than the first, and names must not be
 * read past its end.
 */
static bool
scheme_same(const SchemeState *s, const double *shares, int nshares,
			char *const *names, int nnames)
{
	int			i;

	if (s->nshares != nshares || nnames != nshares + 1)
		return false;
	for (i = 0; i < nshares; i++)
		if (s->shares[i] != shares[i])
			return false;
	for (i = 0; i <= nshares; i++)
		if (strcmp(s->names[i], names[i]) != 0)
			return false;
	return true;
}

PG_FUNCTION_INFO_V1(loyalty_scheme_trans);
Datum
loyalty_scheme_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "loyalty_scheme_trans");
	SchemeState *state = PG_ARGISNULL(0) ? NULL : (SchemeState *) PG_GETARG_POINTER(0);
	cl_i128		units;
	int			scale;
	const double *shares = default_shares;
	int			nshares = CL_DEFAULT_TIER_NSHARES;
	char	   *const *names = (char *const *) default_names;
	int			nnames = CL_DEFAULT_TIER_NSHARES + 1;

	if (PG_NARGS() > 2)
	{
		Datum	   *nd;
		bool	   *nn;
		char	  **nm;
		int			i;

		if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("shares and names must not be NULL")));
		nshares = cl_float8_array(PG_GETARG_ARRAYTYPE_P(2), "shares", (double **) &shares);
		deconstruct_array(PG_GETARG_ARRAYTYPE_P(3), TEXTOID, -1, false, TYPALIGN_INT,
						  &nd, &nn, &nnames);
		nm = palloc(sizeof(char *) * Max(nnames, 1));
		for (i = 0; i < nnames; i++)
		{
			if (nn[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("names must not contain NULL values")));
			nm[i] = TextDatumGetCString(nd[i]);
		}
		names = nm;
	}
	if (state == NULL)
	{
		state = MemoryContextAllocZero(aggctx, sizeof(SchemeState));
		scheme_set(aggctx, state, shares, nshares, names, nnames);
	}
	else if (!scheme_same(state, shares, nshares, names, nnames))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loyalty_scheme: shares and names differ between rows"),
				 errhint("Pass constants.")));

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);
	cl_numeric_decode_arg(PG_GETARG_DATUM(1), "value", &units, &scale);
	scheme_push(aggctx, state, units, scale);
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(loyalty_scheme_combine);
Datum
loyalty_scheme_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "loyalty_scheme_combine");
	SchemeState *a = PG_ARGISNULL(0) ? NULL : (SchemeState *) PG_GETARG_POINTER(0);
	SchemeState *b = PG_ARGISNULL(1) ? NULL : (SchemeState *) PG_GETARG_POINTER(1);
	size_t		i;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = MemoryContextAllocZero(aggctx, sizeof(SchemeState));
		scheme_set(aggctx, a, b->shares, b->nshares, b->names, b->nshares + 1);
	}
	else if (!scheme_same(a, b->shares, b->nshares, b->names, b->nshares + 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("loyalty_scheme: cannot combine states with different schemes")));
	for (i = 0; i < b->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		scheme_push(aggctx, a, b->v[i], b->scale);
	}
	PG_RETURN_POINTER(a);
}

/*
 * Serialized form: scale, nshares, shares, names (NUL-terminated), count,
 * raw values.  Checked on the way in like any other untrusted bytea.
 */
PG_FUNCTION_INFO_V1(loyalty_scheme_serialize);
Datum
loyalty_scheme_serialize(PG_FUNCTION_ARGS)
{
	SchemeState *s;
	StringInfoData buf;
	int			i;

	cl_agg_context(fcinfo, "loyalty_scheme_serialize");
	s = (SchemeState *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, s->scale);
	pq_sendint32(&buf, s->nshares);
	for (i = 0; i < s->nshares; i++)
		pq_sendfloat8(&buf, s->shares[i]);
	for (i = 0; i <= s->nshares; i++)
		pq_sendstring(&buf, s->names[i]);
	pq_sendint64(&buf, (int64) s->n);
	if (s->n > 0)
		appendBinaryStringInfo(&buf, (const char *) s->v, (int) (s->n * sizeof(cl_i128)));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(loyalty_scheme_deserialize);
Datum
loyalty_scheme_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "loyalty_scheme_deserialize");
	bytea	   *ser = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	SchemeState *s;
	double		shares[CL_TIER_MAX];
	char	   *names[CL_TIER_MAX + 1];
	int			nshares;
	int64		n;
	int			i;

	initReadOnlyStringInfo(&buf, VARDATA_ANY(ser), VARSIZE_ANY_EXHDR(ser));
	s = MemoryContextAllocZero(aggctx, sizeof(SchemeState));
	s->scale = pq_getmsgint(&buf, 4);
	nshares = pq_getmsgint(&buf, 4);
	if (nshares < 1 || nshares > CL_TIER_MAX)
		goto corrupt;
	for (i = 0; i < nshares; i++)
		shares[i] = pq_getmsgfloat8(&buf);
	for (i = 0; i <= nshares; i++)
		names[i] = (char *) pq_getmsgstring(&buf);
	scheme_set(aggctx, s, shares, nshares, names, nshares + 1);
	n = pq_getmsgint64(&buf);
	if (s->scale < 0 || s->scale > CL_MONEY_MAX_SCALE || n < 0 ||
		(size_t) (buf.len - buf.cursor) != (size_t) n * sizeof(cl_i128))
		goto corrupt;
	s->n = s->cap = (size_t) n;
	if (n > 0)
	{
		s->v = MemoryContextAllocHuge(aggctx, n * sizeof(cl_i128));
		memcpy(s->v, pq_getmsgbytes(&buf, (int) (n * sizeof(cl_i128))), n * sizeof(cl_i128));
	}
	PG_RETURN_POINTER(s);

corrupt:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid loyalty_scheme aggregate state"),
			 errdetail("Scale, shares or value count do not match the state's length.")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(loyalty_scheme_final);
Datum
loyalty_scheme_final(PG_FUNCTION_ARGS)
{
	SchemeState *s;
	cl_i128		th[CL_TIER_MAX];
	double		top_first[CL_TIER_MAX];
	Datum		thd[CL_TIER_MAX + 1];
	Datum		nmd[CL_TIER_MAX + 1];
	Datum		values[2];
	bool		nulls[2] = {0};
	int			i;

	cl_agg_context(fcinfo, "loyalty_scheme_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (SchemeState *) PG_GETARG_POINTER(0);
	if (s->n == 0)
		PG_RETURN_NULL();

	/* the core takes shares from the top tier down */
	for (i = 0; i < s->nshares; i++)
		top_first[i] = s->shares[s->nshares - 1 - i];
	/* the values are only reordered: harmless to a shared state */
	cl_check_status(cl_tier_thresholds_poll(s->v, s->n, top_first, s->nshares, th,
											core_interrupt, NULL),
					"loyalty_scheme");

	/* the base tier starts at -Infinity so that every value has a tier */
	thd[0] = DirectFunctionCall3(numeric_in, CStringGetDatum("-Infinity"),
								 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	for (i = 0; i < s->nshares; i++)
		thd[i + 1] = cl_numeric_encode(th[i], s->scale);
	for (i = 0; i <= s->nshares; i++)
		nmd[i] = CStringGetTextDatum(s->names[i]);
	values[0] = PointerGetDatum(construct_array(nmd, s->nshares + 1, TEXTOID, -1, false, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(thd, s->nshares + 1, NUMERICOID, -1, false, TYPALIGN_INT));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(cl_result_tupdesc(fcinfo), values, nulls)));
}

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
		(void) tier_for(DirectFunctionCall1(int4_numeric, Int32GetDatum(0)),
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
	t = tier_for(cl_numeric_encode_display(s->total, s->scale, s->display_scale),
				 s->thresholds, s->names);
	if (t == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(t);
}

/* ---------------------------------------------------------------------
 * Window form: loyalty_tier(value) OVER (...) ranks the partition with the
 * default relative scheme (top 1% Platinum, next 9% Gold, next 20% Silver,
 * the rest Bronze), exactly as loyalty_scheme(value) + loyalty_tier would.
 * NULL values take no part and get no tier.
 * ---------------------------------------------------------------------
 */

typedef struct TierWindowState
{
	bool		ready;
	bool		empty;
	int32		scale;
	cl_i128		th[CL_DEFAULT_TIER_NSHARES];	/* of the tiers above the base, lowest first */
} TierWindowState;

PG_FUNCTION_INFO_V1(loyalty_tier_window);
Datum
loyalty_tier_window(PG_FUNCTION_ARGS)
{
	WindowObject win = PG_WINDOW_OBJECT();
	TierWindowState *ws = WinGetPartitionLocalMemory(win, sizeof(TierWindowState));
	bool		isnull;
	Datum		value;
	cl_i128		units;
	int			scale,
				i,
				tier = 0;

	if (!ws->ready)
	{
		int64		nrows = WinGetPartitionRowCount(win),
					row;
		SchemeState st;
		double		top_first[CL_DEFAULT_TIER_NSHARES];

		memset(&st, 0, sizeof(st));
		for (row = 0; row < nrows; row++)
		{
			bool		isout;
			Datum		d = WinGetFuncArgInPartition(win, 0, (int) row, WINDOW_SEEK_HEAD,
													 false, &isnull, &isout);

			CHECK_FOR_INTERRUPTS();
			if (isnull || isout)
				continue;
			cl_numeric_decode_arg(d, "value", &units, &scale);
			scheme_push(CurrentMemoryContext, &st, units, scale);
		}
		ws->empty = st.n == 0;
		if (!ws->empty)
		{
			for (i = 0; i < CL_DEFAULT_TIER_NSHARES; i++)
				top_first[i] = default_shares[CL_DEFAULT_TIER_NSHARES - 1 - i];
			cl_check_status(cl_tier_thresholds_poll(st.v, st.n, top_first, CL_DEFAULT_TIER_NSHARES, ws->th,
													core_interrupt, NULL),
							"loyalty_tier");
			ws->scale = st.scale;
			pfree(st.v);
		}
		ws->ready = true;
	}

	value = WinGetFuncArgCurrent(win, 0, &isnull);
	if (ws->empty || isnull)
		PG_RETURN_NULL();
	cl_numeric_decode_arg(value, "value", &units, &scale);
	for (i = 0; i < CL_DEFAULT_TIER_NSHARES; i++)
		if (cl_money_cmp(units, scale, ws->th[i], ws->scale) >= 0)
			tier = i + 1;
	PG_RETURN_TEXT_P(cstring_to_text(default_names[tier]));
}
