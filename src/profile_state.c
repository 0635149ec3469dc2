/*
 * profile_state.c — SQL glue of the storable customer state.
 *
 *   type profile_state                     per-period order history (varlena)
 *   crm_profile_state(order_ts, amount [, period])  -> profile_state (aggregate)
 *   profile_state_merge(a, b)              -> profile_state
 *   profile_state_merge(profile_state)     -> profile_state (aggregate)
 *   crm_profile(profile_state, as_of [, unit])  -> customer_profile
 *
 * Both aggregates share one internal state (a cl_pstate in the aggregate
 * context), one combine function and one serialized form: the encoded
 * profile_state itself.  Arithmetic and formats live in
 * src/core/profile_state.c; this file converts types and reports errors.
 */
#include "compat.h"

#include "access/htup_details.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "errors.h"
#include "glue_common.h"
#include "numeric_money.h"
#include "profile_glue.h"
#include "profile_state.h"
#include "defaults.h"

static void *
pstate_realloc(void *ctx, void *ptr, size_t size)
{
	return cl_context_realloc(ctx, ptr, size);
}

/* Raise the error of a core status met while adding or merging. */
static void
report_pstate_error(cl_status st, const char *fname)
{
	if (st == CL_OK)
		return;
	if (st == CL_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: amount or count out of range", fname),
				 errdetail("Amounts are summed exactly in 128-bit integers at the largest decimal scale seen in each period."),
				 errhint("Round amounts to fewer decimal places.")));
	if (st == CL_ETIMERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s: a purchase period starts outside the timestamp range", fname),
				 errhint("Use a shorter period.")));
	cl_check_status(st, fname);
}

static void
raise_period_mismatch(const char *fname, const cl_pstate *a, const cl_pstate *b)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: the states have different periods", fname),
			 errdetail("One state has periods of %d months %d days %lld microseconds, the other of %d months %d days %lld microseconds.",
					   a->months, a->days, (long long) a->usec,
					   b->months, b->days, (long long) b->usec),
			 errhint("Merge only states built with the same period.")));
}

/* Every timestamp a state holds must be a valid, finite timestamptz. */
static bool
pstate_times_valid(const cl_pstate *s)
{
	size_t		i;

	if (s->first_ts != INT64_MAX && !IS_VALID_TIMESTAMP(s->first_ts))
		return false;
	for (i = 0; i < s->n; i++)
		if (s->e[i].purchases > 0 && !IS_VALID_TIMESTAMP(s->e[i].last_ts))
			return false;
	return true;
}

/* Encode a compacted state as a profile_state varlena. */
static bytea *
pstate_to_datum(cl_pstate *s, const char *fname)
{
	size_t		len;
	bytea	   *out;

	report_pstate_error(cl_pstate_compact(s), fname);
	len = cl_pstate_encoded_size(s);
	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: state too large", fname),
				 errdetail("The state needs %zu bytes.", len)));
	out = palloc(len + VARHDRSZ);
	SET_VARSIZE(out, len + VARHDRSZ);
	cl_pstate_encode(s, (uint8_t *) VARDATA(out));
	return out;
}

/* Decode a stored profile_state into s (entries in memory context ctx). */
static void
pstate_from_datum(Datum d, cl_pstate *s, MemoryContext ctx)
{
	bytea	   *v = DatumGetByteaPP(d);
	cl_status	st;

	st = cl_pstate_decode((const uint8_t *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v),
						  s, pstate_realloc, ctx);
	if (st != CL_OK || !pstate_times_valid(s))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupt profile_state value"),
				 errdetail("%s", st == CL_EMISMATCH ? "Unknown format version." : "The stored bytes fail validation.")));
}

/* ---- type I/O ---------------------------------------------------------- */

PG_FUNCTION_INFO_V1(profile_state_in);
Datum
profile_state_in(PG_FUNCTION_ARGS)
{
	const char *text = PG_GETARG_CSTRING(0);
	cl_pstate	s;
	cl_status	st;

	st = cl_pstate_parse(text, &s, pstate_realloc, CurrentMemoryContext);
	if (st == CL_EINVAL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type profile_state: \"%s\"", text),
				 errdetail("Expected {\"v\":1,\"period\":[months,days,usec],\"first\":ts|null,\"p\":[[period,purchases,refunds,\"net\",dscale,last_ts],...]}."),
				 errhint("Use the text a profile_state value prints as.")));
	if (st == CL_OK)
		st = cl_pstate_validate(&s);
	if (st == CL_OK && !pstate_times_valid(&s))
		st = CL_EINVAL;
	if (st == CL_ENOMEM)
		cl_check_status(st, "profile_state_in");
	if (st != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid profile_state value: \"%s\"", text),
				 errdetail("%s", st == CL_EMISMATCH
						   ? "Only format version 1 is known."
						   : "The version is 1; the period is a valid crm_profile period; periods ascend strictly; counts are non-negative with at least one per period; scales are 0 to 24; a period without purchases has a negative net and last_ts 0; last_ts lies in its period; first is the earliest purchase, in the first purchase period, or null when there is none."),
				 errhint("Use the text a profile_state value prints as.")));
	PG_RETURN_BYTEA_P(pstate_to_datum(&s, "profile_state_in"));
}

PG_FUNCTION_INFO_V1(profile_state_out);
Datum
profile_state_out(PG_FUNCTION_ARGS)
{
	cl_pstate	s;
	size_t		len;
	char	   *buf;

	pstate_from_datum(PG_GETARG_DATUM(0), &s, CurrentMemoryContext);
	len = cl_pstate_format(&s, NULL, 0);
	buf = palloc(len + 1);
	cl_pstate_format(&s, buf, len + 1);
	PG_RETURN_CSTRING(buf);
}

PG_FUNCTION_INFO_V1(profile_state_recv);
Datum
profile_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	const char *data = pq_getmsgbytes(buf, len);
	cl_pstate	s;
	cl_status	st;
	bytea	   *out;

	st = cl_pstate_decode((const uint8_t *) data, (size_t) len, &s,
						  pstate_realloc, CurrentMemoryContext);
	if (st != CL_OK || !pstate_times_valid(&s))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary profile_state"),
				 errdetail("%s", st == CL_EMISMATCH
						   ? "Unknown format version (the first byte must be 1)."
						   : "The bytes are truncated, malformed or inconsistent.")));
	/* the decoder accepts only the canonical encoding: store the bytes as sent */
	out = palloc(len + VARHDRSZ);
	SET_VARSIZE(out, len + VARHDRSZ);
	memcpy(VARDATA(out), data, len);
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(profile_state_send);
Datum
profile_state_send(PG_FUNCTION_ARGS)
{
	bytea	   *v = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---- aggregates -------------------------------------------------------- */

static cl_pstate *
new_agg_state(MemoryContext aggctx, const Interval *period)
{
	cl_pstate  *s = MemoryContextAllocZero(aggctx, sizeof(cl_pstate));

	/* validates the period exactly as crm_profile does */
	(void) cl_period_arg(period, "period");
	if (cl_pstate_init(s, period->month, period->day, period->time) != CL_OK)
		elog(ERROR, "period accepted by crm_profile but not by the state");
	return s;
}

PG_FUNCTION_INFO_V1(crm_profile_state_trans);
Datum
crm_profile_state_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "crm_profile_state_trans");
	cl_pstate  *s = PG_ARGISNULL(0) ? NULL : (cl_pstate *) PG_GETARG_POINTER(0);
	Interval	period_default = {.time = 0,.day = 1,.month = 0};
	const Interval *period = &period_default;
	TimestampTz ts;
	cl_i128		units = 0;
	int			scale = 0;
	int			dscale = 0;
	bool		has_amount;

	if (PG_NARGS() > 3)
	{
		if (PG_ARGISNULL(3))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("period must not be NULL"),
					 errhint("Omit the argument for the default of '1 day'.")));
		period = PG_GETARG_INTERVAL_P(3);
	}
	if (s == NULL)
		s = new_agg_state(aggctx, period);
	else if (s->months != period->month || s->days != period->day || s->usec != period->time)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("crm_profile_state: period differs between rows of one customer"),
				 errdetail("period must be the same for every order that is aggregated together."),
				 errhint("Pass a constant or a column that is constant within each GROUP BY group.")));

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);	/* no order time: the row is skipped */
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("order time must be finite"),
				 errhint("Filter out rows whose order time is infinity.")));
	has_amount = !PG_ARGISNULL(2);
	if (has_amount)
	{
		cl_numeric_decode_arg(PG_GETARG_DATUM(2), "amount", &units, &scale);
		dscale = cl_numeric_dscale(PG_GETARG_DATUM(2));
	}
	report_pstate_error(cl_pstate_add(s, ts, has_amount, units, scale, dscale,
									  pstate_realloc, aggctx),
						"crm_profile_state");
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(profile_state_merge_trans);
Datum
profile_state_merge_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "profile_state_merge_trans");
	cl_pstate  *s = PG_ARGISNULL(0) ? NULL : (cl_pstate *) PG_GETARG_POINTER(0);
	cl_pstate	in;
	cl_status	st;

	if (PG_ARGISNULL(1))
	{
		/* NULL states add nothing */
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	if (s == NULL)
	{
		s = MemoryContextAllocZero(aggctx, sizeof(cl_pstate));
		pstate_from_datum(PG_GETARG_DATUM(1), s, aggctx);
		PG_RETURN_POINTER(s);
	}
	pstate_from_datum(PG_GETARG_DATUM(1), &in, CurrentMemoryContext);
	st = cl_pstate_merge(s, &in, pstate_realloc, aggctx);
	if (st == CL_EMISMATCH)
		raise_period_mismatch("profile_state_merge", s, &in);
	report_pstate_error(st, "profile_state_merge");
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(crm_profile_state_combine);
Datum
crm_profile_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "crm_profile_state_combine");
	cl_pstate  *a = PG_ARGISNULL(0) ? NULL : (cl_pstate *) PG_GETARG_POINTER(0);
	cl_pstate  *b = PG_ARGISNULL(1) ? NULL : (cl_pstate *) PG_GETARG_POINTER(1);
	cl_status	st;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		/* copy b into the aggregate context */
		a = MemoryContextAllocZero(aggctx, sizeof(cl_pstate));
		*a = *b;
		a->e = NULL;
		a->n = a->cap = a->sorted = 0;
	}
	st = cl_pstate_merge(a, b, pstate_realloc, aggctx);
	if (st == CL_EMISMATCH)
		raise_period_mismatch("crm_profile_state", a, b);
	report_pstate_error(st, "crm_profile_state");
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(crm_profile_state_serialize);
Datum
crm_profile_state_serialize(PG_FUNCTION_ARGS)
{
	cl_agg_context(fcinfo, "crm_profile_state_serialize");
	PG_RETURN_BYTEA_P(pstate_to_datum((cl_pstate *) PG_GETARG_POINTER(0),
									  "crm_profile_state"));
}

PG_FUNCTION_INFO_V1(crm_profile_state_deserialize);
Datum
crm_profile_state_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = cl_agg_context(fcinfo, "crm_profile_state_deserialize");
	cl_pstate  *s = MemoryContextAllocZero(aggctx, sizeof(cl_pstate));

	pstate_from_datum(PG_GETARG_DATUM(0), s, aggctx);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(crm_profile_state_final);
Datum
crm_profile_state_final(PG_FUNCTION_ARGS)
{
	cl_agg_context(fcinfo, "crm_profile_state_final");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_BYTEA_P(pstate_to_datum((cl_pstate *) PG_GETARG_POINTER(0),
									  "crm_profile_state"));
}

/* ---- two-state merge and the profile ----------------------------------- */

PG_FUNCTION_INFO_V1(profile_state_merge2);
Datum
profile_state_merge2(PG_FUNCTION_ARGS)
{
	cl_pstate	a;
	cl_pstate	b;
	cl_status	st;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	pstate_from_datum(PG_GETARG_DATUM(0), &a, CurrentMemoryContext);
	pstate_from_datum(PG_GETARG_DATUM(1), &b, CurrentMemoryContext);
	st = cl_pstate_merge(&a, &b, pstate_realloc, CurrentMemoryContext);
	if (st == CL_EMISMATCH)
		raise_period_mismatch("profile_state_merge", &a, &b);
	report_pstate_error(st, "profile_state_merge");
	PG_RETURN_BYTEA_P(pstate_to_datum(&a, "profile_state_merge"));
}

PG_FUNCTION_INFO_V1(crm_profile_from_state);
Datum
crm_profile_from_state(PG_FUNCTION_ARGS)
{
	TimestampTz as_of;
	cl_pstate	s;
	Interval	unit;
	int64		unit_usec;
	cl_profile_acc acc;
	cl_profile	prof;
	int			has_profile;

	as_of = cl_timestamp_arg(fcinfo, 1, "as_of");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	pstate_from_datum(PG_GETARG_DATUM(0), &s, CurrentMemoryContext);
	if (PG_NARGS() > 2)
	{
		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("unit must not be NULL"),
					 errhint("Omit the argument to express times in periods.")));
		unit = *PG_GETARG_INTERVAL_P(2);
	}
	else
	{
		/* as crm_profile: the period itself, or a fixed month for monthly periods */
		Interval	period;

		period.month = s.months;
		period.day = s.days;
		period.time = s.usec;
		unit = cl_profile_default_unit(&period);
	}
	unit_usec = cl_unit_arg(&unit, "unit");

	report_pstate_error(cl_pstate_to_acc(&s, as_of, unit_usec, &acc,
										 pstate_realloc, CurrentMemoryContext),
						"crm_profile");
	report_pstate_error(cl_profile_finish(&acc, &prof, &has_profile), "crm_profile");
	if (!has_profile)
		PG_RETURN_NULL();		/* no purchase up to as_of: nothing to describe */
	PG_RETURN_DATUM(cl_profile_result(fcinfo, &prof, acc.display_scale, &unit));
}
