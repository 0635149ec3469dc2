/*
 * tier_scheme.c — SQL glue of relative loyalty tiers.
 *
 *   loyalty_scheme(value numeric [, shares float8[], names text[]])
 *       aggregate -> tier_scheme (default: top 1% / next 9% / next 20% / rest)
 */
#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "errors.h"
#include "glue_common.h"
#include "numeric_money.h"
#include "tier_glue.h"

/* shares[i] is the share of names[i + 1]: Silver 20%, Gold 9%, Platinum 1% */
const double tier_default_shares[CL_DEFAULT_TIER_NSHARES] = CL_DEFAULT_TIER_SHARES;
const char *const tier_default_names[CL_DEFAULT_TIER_NSHARES + 1] = CL_DEFAULT_TIER_NAMES;

void
tier_scheme_push(MemoryContext ctx, SchemeState *s, cl_i128 units, int scale)
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
	const double *shares = tier_default_shares;
	int			nshares = CL_DEFAULT_TIER_NSHARES;
	char	   *const *names = (char *const *) tier_default_names;
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
	tier_scheme_push(aggctx, state, units, scale);
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
		tier_scheme_push(aggctx, a, b->v[i], b->scale);
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
											tier_core_interrupt, NULL),
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

