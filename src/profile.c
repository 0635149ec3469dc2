/*
 * profile.c — SQL glue of the crm_profile aggregate.
 *
 *   crm_profile(order_ts timestamptz, amount numeric, as_of timestamptz
 *               [, period interval [, unit interval]]) -> customer_profile
 *
 * The state is internal (a cl_profile_acc in the aggregate context) with
 * serialize/deserialize so that parallel workers can build partial states.
 * All arithmetic lives in src/core/profile.c; this file checks arguments,
 * converts types and reports errors.
 */
#include "compat.h"

#include "access/htup_details.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "defaults.h"
#include "errors.h"
#include "glue_common.h"
#include "numeric_money.h"
#include "profile.h"
#include "profile_glue.h"

/*
 * Half the customers of a typical shop buy in at most three periods, and the
 * state without entries is 160 bytes, which the allocator rounds up to a
 * 256-byte chunk anyway: the first three entries live in the state itself,
 * so those customers cost one allocation instead of two.  Smaller states
 * also mean fewer spills to disk when a hash aggregate runs out of work_mem.
 */
#define PROFILE_INLINE_ENTRIES 3

typedef struct ProfileAggState
{
	cl_profile_acc acc;
	Interval	period;			/* as given, for comparing later rows */
	Interval	unit;			/* as given (or defaulted), for the result */
	cl_period_sum inline_sums[PROFILE_INLINE_ENTRIES];
} ProfileAggState;

/* Allocate a state with its entries inline, in the aggregate context. */
static ProfileAggState *
new_state(MemoryContext ctx)
{
	ProfileAggState *state = MemoryContextAllocZero(ctx, sizeof(ProfileAggState));

	return state;
}

/* Point an initialised accumulator at the state's inline entries. */
static void
use_inline_entries(ProfileAggState *state)
{
	state->acc.sums = state->inline_sums;
	state->acc.cap = PROFILE_INLINE_ENTRIES;
}

/*
 * Allocator handed to the core (ctx is the state): entries outgrowing the
 * inline buffer move to their own chunk in the state's memory context.
 */
static void *
profile_realloc(void *ctx, void *ptr, size_t size)
{
	ProfileAggState *state = (ProfileAggState *) ctx;

	if (ptr == NULL || ptr == (void *) state->inline_sums)
	{
		void	   *p = MemoryContextAlloc(GetMemoryChunkContext(state), size);

		if (ptr != NULL)
			memcpy(p, ptr, Min(size, sizeof(state->inline_sums)));
		return p;
	}
	return repalloc(ptr, size);
}

Interval
cl_profile_default_unit(const Interval *period)
{
	Interval	u = *period;

	if (period->month != 0)
	{
		u.month = 0;
		u.day = CL_DEFAULT_MONTH_DAYS;
		u.time = 0;
	}
	return u;
}

static bool
interval_same(const Interval *a, const Interval *b)
{
	return a->month == b->month && a->day == b->day && a->time == b->time;
}

static void
raise_param_mismatch(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("crm_profile: %s differs between rows of one customer", what),
			 errdetail("as_of, period and unit must be the same for every order that is aggregated together."),
			 errhint("Pass constants or columns that are constant within each GROUP BY group.")));
}

static void
report_core_error(cl_status st)
{
	if (st == CL_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("crm_profile: total amount out of range"),
				 errdetail("Amounts are summed exactly in 128-bit integers at the largest decimal scale seen."),
				 errhint("Round amounts to fewer decimal places.")));
	if (st == CL_ETIMERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("crm_profile: a purchase period starts outside the timestamp range"),
				 errhint("Use a shorter period.")));
	cl_check_status(st, "crm_profile");
}

PG_FUNCTION_INFO_V1(crm_profile_trans);
Datum
crm_profile_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "crm_profile_trans");
	ProfileAggState *state = PG_ARGISNULL(0) ? NULL : (ProfileAggState *) PG_GETARG_POINTER(0);
	TimestampTz as_of = cl_timestamp_arg(fcinfo, 3, "as_of");
	Interval	period_default = {.time = 0,.day = 1,.month = 0};
	const Interval *period = &period_default;
	Interval	unit;
	TimestampTz ts;
	cl_i128		units = 0;
	int			scale = 0;
	bool		has_amount;
	cl_status	st;

	if (PG_NARGS() > 4)
	{
		if (PG_ARGISNULL(4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("period must not be NULL"),
					 errhint("Omit the argument for the default of '1 day'.")));
		period = PG_GETARG_INTERVAL_P(4);
	}
	if (PG_NARGS() > 5)
	{
		if (PG_ARGISNULL(5))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("unit must not be NULL"),
					 errhint("Omit the argument to express times in periods.")));
		unit = *PG_GETARG_INTERVAL_P(5);
	}
	else
		unit = cl_profile_default_unit(period);

	if (state == NULL)
	{
		cl_period	p = cl_period_arg(period, "period");
		int64		unit_usec = cl_unit_arg(&unit, "unit");

		state = new_state(aggctx);
		cl_profile_init(&state->acc, &p, unit_usec, as_of);
		use_inline_entries(state);
		state->period = *period;
		state->unit = unit;
	}
	else
	{
		if (state->acc.as_of != as_of)
			raise_param_mismatch("as_of");
		if (!interval_same(&state->period, period))
			raise_param_mismatch("period");
		if (!interval_same(&state->unit, &unit))
			raise_param_mismatch("unit");
	}

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(state);	/* no order time: the row is skipped */
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("order time must be finite"),
				 errhint("Filter out rows whose order time is infinity.")));

	has_amount = !PG_ARGISNULL(2);
	if (has_amount)
	{
		int			dscale;

		cl_numeric_decode_arg(PG_GETARG_DATUM(2), "amount", &units, &scale);
		dscale = cl_numeric_dscale(PG_GETARG_DATUM(2));
		/* only rows that count in the total decide how it is shown */
		if (dscale > state->acc.display_scale &&
			cl_period_index(&state->acc.period, ts) <= state->acc.as_of_index)
			state->acc.display_scale = Min(dscale, CL_MONEY_MAX_SCALE);
	}

	st = cl_profile_add(&state->acc, ts, has_amount, units, scale,
						profile_realloc, state);
	if (st != CL_OK)
		report_core_error(st);
	PG_RETURN_POINTER(state);
}

/* Deep copy of a state into the aggregate context (for combine). */
static ProfileAggState *
copy_state(MemoryContext ctx, const ProfileAggState *src)
{
	ProfileAggState *dst = new_state(ctx);

	*dst = *src;
	if (src->acc.n <= PROFILE_INLINE_ENTRIES)
		use_inline_entries(dst);
	else
	{
		dst->acc.sums = MemoryContextAlloc(ctx, src->acc.n * sizeof(cl_period_sum));
		dst->acc.cap = src->acc.n;
	}
	if (src->acc.n > 0)
		memcpy(dst->acc.sums, src->acc.sums, src->acc.n * sizeof(cl_period_sum));
	return dst;
}

PG_FUNCTION_INFO_V1(crm_profile_combine);
Datum
crm_profile_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "crm_profile_combine");
	ProfileAggState *a = PG_ARGISNULL(0) ? NULL : (ProfileAggState *) PG_GETARG_POINTER(0);
	ProfileAggState *b = PG_ARGISNULL(1) ? NULL : (ProfileAggState *) PG_GETARG_POINTER(1);
	cl_status	st;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		PG_RETURN_POINTER(copy_state(aggctx, b));

	if (!interval_same(&a->period, &b->period) || !interval_same(&a->unit, &b->unit) ||
		a->acc.as_of != b->acc.as_of)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("crm_profile: cannot combine states built with different parameters"),
				 errdetail("One state has as_of %s, period %s, unit %s; the other as_of %s, period %s, unit %s.",
						   timestamptz_to_str(a->acc.as_of),
						   DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(&a->period))),
						   DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(&a->unit))),
						   timestamptz_to_str(b->acc.as_of),
						   DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(&b->period))),
						   DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(&b->unit))))));

	st = cl_profile_merge(&a->acc, &b->acc, profile_realloc, a);
	if (st != CL_OK)
		report_core_error(st);
	PG_RETURN_POINTER(a);
}

/*
 * Serialized form (network byte order): format version, period and unit
 * intervals, as_of, scale, counters, bounds, total, then n entries of
 * (period, purchases, net).  Every length is checked on the way back in.
 */
#define PROFILE_SER_VERSION 1
#define PROFILE_SER_ENTRY (8 + 8 + 16)

static void
send_interval(StringInfo buf, const Interval *iv)
{
	pq_sendint64(buf, iv->time);
	pq_sendint32(buf, iv->day);
	pq_sendint32(buf, iv->month);
}

static void
recv_interval(StringInfo buf, Interval *iv)
{
	iv->time = pq_getmsgint64(buf);
	iv->day = pq_getmsgint(buf, 4);
	iv->month = pq_getmsgint(buf, 4);
}

static void
send_i128(StringInfo buf, cl_i128 v)
{
	pq_sendint64(buf, (int64) (v >> 64));
	pq_sendint64(buf, (int64) (uint64) v);
}

static cl_i128
recv_i128(StringInfo buf)
{
	int64		hi = pq_getmsgint64(buf);
	uint64		lo = (uint64) pq_getmsgint64(buf);

	return (cl_i128) (((unsigned __int128) (uint64) hi << 64) | lo);
}

PG_FUNCTION_INFO_V1(crm_profile_serialize);
Datum
crm_profile_serialize(PG_FUNCTION_ARGS)
{
	ProfileAggState *state;
	StringInfoData buf;
	size_t		i;

	cl_agg_context(fcinfo, "crm_profile_serialize");
	state = (ProfileAggState *) PG_GETARG_POINTER(0);
	/* compacting first keeps the message as small as the customer's history */
	report_core_error(cl_profile_compact(&state->acc));

	pq_begintypsend(&buf);
	pq_sendint32(&buf, PROFILE_SER_VERSION);
	send_interval(&buf, &state->period);
	send_interval(&buf, &state->unit);
	pq_sendint64(&buf, state->acc.as_of);
	pq_sendint32(&buf, state->acc.scale);
	pq_sendint32(&buf, state->acc.display_scale);
	pq_sendint64(&buf, state->acc.orders);
	pq_sendint64(&buf, state->acc.refunds);
	pq_sendint64(&buf, state->acc.first_ts);
	pq_sendint64(&buf, state->acc.last_ts);
	send_i128(&buf, state->acc.total);
	pq_sendint64(&buf, (int64) state->acc.n);
	for (i = 0; i < state->acc.n; i++)
	{
		pq_sendint64(&buf, state->acc.sums[i].period);
		pq_sendint64(&buf, state->acc.sums[i].purchases);
		send_i128(&buf, state->acc.sums[i].net);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void raise_corrupt(const char *detail) pg_attribute_noreturn();

static void
raise_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid crm_profile aggregate state"),
			 errdetail("%s", detail)));
}

PG_FUNCTION_INFO_V1(crm_profile_deserialize);
Datum
crm_profile_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "crm_profile_deserialize");
	bytea	   *ser = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	ProfileAggState *state;
	Interval	period;
	Interval	unit;
	cl_period	p;
	int64		unit_usec;
	int64		n;
	int64		i;

	initReadOnlyStringInfo(&buf, VARDATA_ANY(ser), VARSIZE_ANY_EXHDR(ser));
	if (buf.len < 4 || pq_getmsgint(&buf, 4) != PROFILE_SER_VERSION)
		raise_corrupt("Unknown format version.");
	recv_interval(&buf, &period);
	recv_interval(&buf, &unit);
	if (cl_period_make(period.month, period.day, period.time, &p) != CL_OK ||
		cl_unit_make(unit.month, unit.day, unit.time, &unit_usec) != CL_OK)
		raise_corrupt("Invalid period or unit.");

	state = new_state(aggctx);
	state->period = period;
	state->unit = unit;
	cl_profile_init(&state->acc, &p, unit_usec, pq_getmsgint64(&buf));
	use_inline_entries(state);
	state->acc.scale = pq_getmsgint(&buf, 4);
	state->acc.display_scale = pq_getmsgint(&buf, 4);
	if (state->acc.scale < 0 || state->acc.scale > CL_MONEY_MAX_SCALE ||
		state->acc.display_scale < 0 || state->acc.display_scale > CL_MONEY_MAX_SCALE)
		raise_corrupt("Invalid decimal scale.");
	state->acc.orders = pq_getmsgint64(&buf);
	state->acc.refunds = pq_getmsgint64(&buf);
	state->acc.first_ts = pq_getmsgint64(&buf);
	state->acc.last_ts = pq_getmsgint64(&buf);
	state->acc.total = recv_i128(&buf);
	n = pq_getmsgint64(&buf);
	if (state->acc.orders < 0 || state->acc.refunds < 0 || n < 0 ||
		n != (buf.len - buf.cursor) / PROFILE_SER_ENTRY ||
		(buf.len - buf.cursor) % PROFILE_SER_ENTRY != 0)
		raise_corrupt("Entry count does not match the state's length.");

	if (n > PROFILE_INLINE_ENTRIES)
	{
		state->acc.sums = MemoryContextAlloc(aggctx, n * sizeof(cl_period_sum));
		state->acc.cap = (size_t) n;
	}
	state->acc.n = (size_t) n;
	for (i = 0; i < n; i++)
	{
		state->acc.sums[i].period = pq_getmsgint64(&buf);
		state->acc.sums[i].purchases = pq_getmsgint64(&buf);
		state->acc.sums[i].net = recv_i128(&buf);
		if (state->acc.sums[i].purchases < 0 ||
			state->acc.sums[i].period > state->acc.as_of_index)
			raise_corrupt("Invalid period entry.");
	}
	/* entries are not trusted to be sorted: the next compaction sorts them */
	state->acc.sorted = 0;
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(crm_profile_final);
Datum
crm_profile_final(PG_FUNCTION_ARGS)
{
	ProfileAggState *state;
	cl_profile	prof;
	int			has_profile;

	cl_agg_context(fcinfo, "crm_profile_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (ProfileAggState *) PG_GETARG_POINTER(0);
	report_core_error(cl_profile_finish(&state->acc, &prof, &has_profile));
	if (!has_profile)
		PG_RETURN_NULL();		/* no purchase up to as_of: nothing to describe */
	PG_RETURN_DATUM(cl_profile_result(fcinfo, &prof, state->acc.display_scale, &state->unit));
}

Datum
cl_profile_result(FunctionCallInfo fcinfo, const cl_profile *prof,
				  int display_scale, const Interval *unit)
{
	TupleDesc	tupdesc = cl_result_tupdesc(fcinfo);
	Datum		values[12];
	bool		nulls[12] = {0};
	Interval   *u = palloc(sizeof(Interval));

	*u = *unit;
	values[0] = TimestampTzGetDatum(prof->first_ts);
	values[1] = TimestampTzGetDatum(prof->last_ts);
	values[2] = Int64GetDatum(prof->orders);
	values[3] = Int64GetDatum(prof->refunds);
	values[4] = Int64GetDatum(prof->periods);
	values[5] = Float8GetDatum(prof->frequency);
	values[6] = Float8GetDatum(prof->recency);
	values[7] = Float8GetDatum(prof->t);
	values[8] = Float8GetDatum(prof->recency_days);
	values[9] = Float8GetDatum(prof->monetary);
	values[10] = cl_numeric_encode_display(prof->total, prof->scale, display_scale);
	values[11] = IntervalPGetDatum(u);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}
