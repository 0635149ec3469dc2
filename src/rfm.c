/*
 * rfm.c — SQL glue of RFM: the rfm_breaks aggregate, rfm_cut_points,
 * rfm_score, rfm_segment, rfm_default_rules and rfm_rules_check.
 *
 * Cut points travel as the composite rfm_cut_points (bins, and three float8
 * arrays), so they can be stored in a table and reused day after day.
 * rfm_score is called once per customer with the same cut points and rules,
 * so it keeps the parsed values in fn_extra and re-parses only when the
 * bytes of its arguments change.
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
#include "utils/lsyscache.h"
#include "utils/typcache.h"
#include "windowapi.h"

#include "defaults.h"
#include "errors.h"
#include "glue_common.h"
#include "rfm.h"

/*
 * Cancel from inside the core: the core works on palloc'd arrays and holds
 * nothing that needs cleaning up, so CHECK_FOR_INTERRUPTS may throw here.
 */
static int
core_interrupt(void *ctx)
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

static const char *const dim_names[3] = {"recency_days", "frequency", "monetary"};

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

static int32
check_bins(int32 bins)
{
	if (bins < CL_RFM_MIN_BINS || bins > CL_RFM_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bins must be between %d and %d, not %d",
						CL_RFM_MIN_BINS, CL_RFM_MAX_BINS, bins),
				 errhint("Five bins (the default) gives the classic 1..5 scores.")));
	return bins;
}

static void
check_not_nan(double x, const char *argname)
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
		state->bins = check_bins(bins);
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
		check_not_nan(x, dim_names[i]);
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

static Datum
make_cut_points(FunctionCallInfo fcinfo, int bins, double *const cuts[3])
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
											   state->bins, cuts[i], core_interrupt, NULL),
						"rfm_breaks");
	}
	PG_RETURN_DATUM(make_cut_points(fcinfo, state->bins, cuts));
}

/* ---------------------------------------------------------------------
 * User-supplied cut points
 * ---------------------------------------------------------------------
 */

static void
check_cuts(const double *cuts, int n, const char *argname)
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
		n[i] = cl_float8_array(PG_GETARG_ARRAYTYPE_P(i), dim_names[i], &cuts[i]);
		check_cuts(cuts[i], n[i], dim_names[i]);
	}
	if (n[0] != n[1] || n[1] != n[2])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rfm_cut_points: the three arrays must have the same length"),
				 errdetail("recency_days has %d, frequency %d, monetary %d cut points.",
						   n[0], n[1], n[2]),
				 errhint("All three dimensions use the same number of bins.")));
	PG_RETURN_DATUM(make_cut_points(fcinfo, n[0] + 1, cuts));
}

/* ---------------------------------------------------------------------
 * Rules
 * ---------------------------------------------------------------------
 */

typedef struct ParsedRules
{
	int			n;
	cl_rfm_rule *rules;
	char	  **names;
} ParsedRules;

/* Parse an rfm_rule[] into ctx; validates ranges against bins. */
static void
parse_rules(ArrayType *arr, int bins, MemoryContext ctx, ParsedRules *out)
{
	Oid			elemtype = ARR_ELEMTYPE(arr);
	TupleDesc	tupdesc;
	Datum	   *elems;
	bool	   *enulls;
	int			n;
	int			i;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("rules must be a one-dimensional array")));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &enulls, &n);
	tupdesc = lookup_rowtype_tupdesc(elemtype, -1);

	out->n = n;
	out->rules = MemoryContextAlloc(ctx, sizeof(cl_rfm_rule) * Max(n, 1));
	out->names = MemoryContextAlloc(ctx, sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		HeapTupleHeader th;
		HeapTupleData tuple;
		Datum		v[7];
		bool		isnull[7];
		int			k;

		CHECK_FOR_INTERRUPTS();
		if (enulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("rule %d is NULL", i + 1)));
		th = DatumGetHeapTupleHeader(elems[i]);
		tuple.t_len = HeapTupleHeaderGetDatumLength(th);
		tuple.t_data = th;
		heap_deform_tuple(&tuple, tupdesc, v, isnull);
		for (k = 0; k < 7; k++)
		{
			if (isnull[k])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("rule %d has a NULL field", i + 1),
						 errhint("Every rule needs a segment name and six score bounds.")));
		}
		out->names[i] = MemoryContextStrdup(ctx, TextDatumGetCString(v[0]));
		out->rules[i].r_min = DatumGetInt32(v[1]);
		out->rules[i].r_max = DatumGetInt32(v[2]);
		out->rules[i].f_min = DatumGetInt32(v[3]);
		out->rules[i].f_max = DatumGetInt32(v[4]);
		out->rules[i].m_min = DatumGetInt32(v[5]);
		out->rules[i].m_max = DatumGetInt32(v[6]);
		if (cl_rfm_check_rule(&out->rules[i], bins) != CL_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rule %d (\"%s\") has invalid score ranges", i + 1, out->names[i]),
					 errdetail("Ranges must satisfy 1 <= min <= max <= %d.", bins),
					 errhint("Scores run from 1 to the number of bins.")));
	}
	ReleaseTupleDesc(tupdesc);
}

PG_FUNCTION_INFO_V1(rfm_default_rules);
Datum
rfm_default_rules(PG_FUNCTION_ARGS)
{
	Oid			arraytype = get_fn_expr_rettype(fcinfo->flinfo);
	Oid			elemtype = get_element_type(arraytype);
	TupleDesc	tupdesc;
	Datum		elems[CL_RFM_DEFAULT_NRULES];
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			i;

	if (!OidIsValid(elemtype))
		elog(ERROR, "rfm_default_rules must return an array");
	tupdesc = lookup_rowtype_tupdesc_copy(elemtype, -1);
	BlessTupleDesc(tupdesc);
	for (i = 0; i < CL_RFM_DEFAULT_NRULES; i++)
	{
		const cl_rfm_rule *r = &cl_rfm_default_rules[i];
		Datum		v[7];
		bool		nulls[7] = {0};

		v[0] = CStringGetTextDatum(cl_rfm_default_names[i]);
		v[1] = Int32GetDatum(r->r_min);
		v[2] = Int32GetDatum(r->r_max);
		v[3] = Int32GetDatum(r->f_min);
		v[4] = Int32GetDatum(r->f_max);
		v[5] = Int32GetDatum(r->m_min);
		v[6] = Int32GetDatum(r->m_max);
		elems[i] = HeapTupleGetDatum(heap_form_tuple(tupdesc, v, nulls));
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, CL_RFM_DEFAULT_NRULES, elemtype,
										  typlen, typbyval, typalign));
}

/* ---------------------------------------------------------------------
 * Scoring
 * ---------------------------------------------------------------------
 */

typedef struct ScoreCache
{
	TupleDesc	result;			/* blessed rfm_scores descriptor */
	struct varlena *breaks_raw; /* bytes of the cut points last parsed */
	int			bins;
	double	   *cuts[3];
	struct varlena *rules_raw;	/* bytes of the rules last parsed */
	ParsedRules rules;
	bool		default_rules;
	MemoryContext parsed;		/* holds everything parsed from arguments */
} ScoreCache;

static bool
same_bytes(const struct varlena *cached, const struct varlena *now)
{
	return cached != NULL &&
		VARSIZE_ANY(cached) == VARSIZE_ANY(now) &&
		memcmp(cached, now, VARSIZE_ANY(now)) == 0;
}

static struct varlena *
copy_bytes(MemoryContext ctx, const struct varlena *v)
{
	struct varlena *c = MemoryContextAlloc(ctx, VARSIZE_ANY(v));

	memcpy(c, v, VARSIZE_ANY(v));
	return c;
}

static void
parse_breaks(ScoreCache *cache, HeapTupleHeader th)
{
	MemoryContext old = MemoryContextSwitchTo(cache->parsed);
	bool		isnull;
	int			n[3];
	int			i;
	Datum		d;

	d = GetAttributeByNum(th, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("rfm_cut_points has a NULL bins field")));
	cache->bins = check_bins(DatumGetInt32(d));
	for (i = 0; i < 3; i++)
	{
		double	   *src;

		d = GetAttributeByNum(th, i + 2, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("rfm_cut_points has a NULL %s field", dim_names[i])));
		n[i] = cl_float8_array(DatumGetArrayTypeP(d), dim_names[i], &src);
		check_cuts(src, n[i], dim_names[i]);
		if (n[i] != cache->bins - 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rfm_cut_points: %s has %d cut points but bins is %d",
							dim_names[i], n[i], cache->bins),
					 errhint("Build cut points with rfm_breaks() or rfm_cut_points().")));
		cache->cuts[i] = palloc(sizeof(double) * Max(n[i], 1));
		memcpy(cache->cuts[i], src, sizeof(double) * n[i]);
	}
	MemoryContextSwitchTo(old);
}

static ScoreCache *
score_cache(FunctionCallInfo fcinfo)
{
	ScoreCache *cache = (ScoreCache *) fcinfo->flinfo->fn_extra;

	if (cache == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		TupleDesc	td;

		cache = palloc0(sizeof(ScoreCache));
		if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "rfm_score must return a row type");
		cache->result = BlessTupleDesc(CreateTupleDescCopy(td));
		cache->parsed = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt,
											  "rfm_score cache", ALLOCSET_SMALL_SIZES);
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = cache;
	}
	return cache;
}

/* Refresh the cache from the current arguments (cut points, rules). */
static void
score_prepare(FunctionCallInfo fcinfo, ScoreCache *cache, int breaks_arg, int rules_arg)
{
	struct varlena *breaks = (struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(breaks_arg));
	struct varlena *rules = rules_arg >= 0
		? (struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(rules_arg)) : NULL;
	bool		breaks_same = same_bytes(cache->breaks_raw, breaks);
	bool		rules_same = rules == NULL ? cache->default_rules
		: same_bytes(cache->rules_raw, rules);

	if (breaks_same && rules_same)
		return;

	/* start over: parsed rules are validated against the bins */
	MemoryContextReset(cache->parsed);
	cache->breaks_raw = NULL;
	cache->rules_raw = NULL;
	cache->default_rules = false;

	parse_breaks(cache, (HeapTupleHeader) breaks);
	if (rules != NULL)
	{
		parse_rules((ArrayType *) rules, cache->bins, cache->parsed, &cache->rules);
		cache->rules_raw = copy_bytes(cache->parsed, rules);
	}
	else
		cache->default_rules = true;
	cache->breaks_raw = copy_bytes(cache->parsed, breaks);
}

static const char *
segment_of(const ScoreCache *cache, int r, int f, int m)
{
	int			hit;

	if (cache->default_rules)
	{
		/* the default rules are written for 1..5 scores */
		if (cache->bins != 5)
			return NULL;
		hit = cl_rfm_match(cl_rfm_default_rules, CL_RFM_DEFAULT_NRULES, r, f, m);
		return hit >= 0 ? cl_rfm_default_names[hit] : "Others";
	}
	hit = cl_rfm_match(cache->rules.rules, cache->rules.n, r, f, m);
	return hit >= 0 ? cache->rules.names[hit] : "Others";
}

/* '545' for up to 9 bins; '10-3-7' once scores can have two digits. */
static char *
cell_text(int bins, int r, int f, int m)
{
	return bins <= 9 ? psprintf("%d%d%d", r, f, m) : psprintf("%d-%d-%d", r, f, m);
}

/* The rfm_scores row of values x[] under the cached cut points and rules. */
static Datum
score_values(const ScoreCache *cache, const double *x)
{
	int			s[3];
	int			i;
	Datum		values[5];
	bool		nulls[5] = {0};
	const char *segment;

	for (i = 0; i < 3; i++)
		s[i] = cl_rfm_score(cache->cuts[i], cache->bins - 1, x[i], i == 0);

	segment = segment_of(cache, s[0], s[1], s[2]);
	values[0] = Int32GetDatum(s[0]);
	values[1] = Int32GetDatum(s[1]);
	values[2] = Int32GetDatum(s[2]);
	values[3] = CStringGetTextDatum(cell_text(cache->bins, s[0], s[1], s[2]));
	if (segment != NULL)
		values[4] = CStringGetTextDatum(segment);
	else
		nulls[4] = true;
	return HeapTupleGetDatum(heap_form_tuple(cache->result, values, nulls));
}

static Datum
score_common(FunctionCallInfo fcinfo, int rules_arg)
{
	ScoreCache *cache = score_cache(fcinfo);
	double		x[3];
	int			i;

	for (i = 0; i < 3; i++)
	{
		x[i] = PG_GETARG_FLOAT8(i);
		check_not_nan(x[i], dim_names[i]);
	}
	score_prepare(fcinfo, cache, 3, rules_arg);
	PG_RETURN_DATUM(score_values(cache, x));
}

PG_FUNCTION_INFO_V1(rfm_score);
Datum
rfm_score(PG_FUNCTION_ARGS)
{
	return score_common(fcinfo, -1);
}

PG_FUNCTION_INFO_V1(rfm_score_rules);
Datum
rfm_score_rules(PG_FUNCTION_ARGS)
{
	return score_common(fcinfo, 4);
}

PG_FUNCTION_INFO_V1(rfm_segment);
Datum
rfm_segment(PG_FUNCTION_ARGS)
{
	int			r = PG_GETARG_INT32(0);
	int			f = PG_GETARG_INT32(1);
	int			m = PG_GETARG_INT32(2);
	int			hit;

	if (PG_NARGS() < 4)
	{
		if (r < 1 || r > 5 || f < 1 || f > 5 || m < 1 || m > 5)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("scores must be between 1 and 5 for the default rules"),
					 errdetail("Got r = %d, f = %d, m = %d.", r, f, m),
					 errhint("Pass your own rules for other score ranges.")));
		hit = cl_rfm_match(cl_rfm_default_rules, CL_RFM_DEFAULT_NRULES, r, f, m);
		PG_RETURN_TEXT_P(cstring_to_text(hit >= 0 ? cl_rfm_default_names[hit] : "Others"));
	}
	else
	{
		ParsedRules rules;

		parse_rules(PG_GETARG_ARRAYTYPE_P(3), CL_RFM_MAX_BINS, CurrentMemoryContext, &rules);
		hit = cl_rfm_match(rules.rules, rules.n, r, f, m);
		PG_RETURN_TEXT_P(cstring_to_text(hit >= 0 ? rules.names[hit] : "Others"));
	}
}

/*
 * rfm_rules_check(rules, bins) -> (problem, segment, cell)
 * One row per rule that can never fire (every cell it covers is won by an
 * earlier rule) and one per score cell that no rule matches.
 */
PG_FUNCTION_INFO_V1(rfm_rules_check);
Datum
rfm_rules_check(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		bins = check_bins(PG_GETARG_INT32(1));
	ParsedRules rules;
	long	   *fires;
	long		others;
	long		ncells = (long) bins * bins * bins;
	int		   *cells;
	int			i;
	cl_status	st;

	parse_rules(PG_GETARG_ARRAYTYPE_P(0), bins, CurrentMemoryContext, &rules);
	InitMaterializedSRF(fcinfo, 0);

	fires = palloc(sizeof(long) * Max(rules.n, 1));
	cells = palloc(sizeof(int) * ncells);
	st = cl_rfm_coverage(rules.rules, rules.n, bins, fires, &others, cells, ncells,
						 palloc(sizeof(int32) * cl_rfm_coverage_work(bins)),
						 core_interrupt, NULL);
	cl_check_status(st, "rfm_rules_check");

	for (i = 0; i < rules.n; i++)
	{
		Datum		v[3];
		bool		nulls[3] = {false, false, true};

		if (fires[i] > 0)
			continue;
		v[0] = CStringGetTextDatum("never fires");
		v[1] = CStringGetTextDatum(rules.names[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
	}
	for (i = 0; i < others; i++)
	{
		Datum		v[3];
		bool		nulls[3] = {false, false, false};
		int			c = cells[i];

		CHECK_FOR_INTERRUPTS();
		v[0] = CStringGetTextDatum("falls to Others");
		v[1] = CStringGetTextDatum("Others");
		v[2] = CStringGetTextDatum(cell_text(bins, CL_RFM_CELL_R(c), CL_RFM_CELL_F(c), CL_RFM_CELL_M(c)));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Window form: rfm_score(recency_days, frequency, monetary [, bins])
 * OVER (...) computes the cut points over the partition and scores the
 * current row with them and the default rules, as rfm_breaks + rfm_score
 * would.  Rows with a NULL value take no part and score NULL.
 * ---------------------------------------------------------------------
 */

typedef struct RfmWindowState
{
	bool		ready;
	bool		empty;
	int			bins;
	double		cuts[3][CL_RFM_MAX_BINS - 1];
} RfmWindowState;

PG_FUNCTION_INFO_V1(rfm_score_window);
Datum
rfm_score_window(PG_FUNCTION_ARGS)
{
	WindowObject win = PG_WINDOW_OBJECT();
	RfmWindowState *ws = WinGetPartitionLocalMemory(win, sizeof(RfmWindowState));
	ScoreCache *cache = score_cache(fcinfo);
	double		x[3];
	bool		isnull;
	int			i;

	if (!ws->ready)
	{
		int64		nrows = WinGetPartitionRowCount(win),
					row;
		double	   *vals[3];
		size_t		n = 0;

		ws->bins = CL_DEFAULT_RFM_BINS;
		if (PG_NARGS() > 3)
		{
			Datum		b = WinGetFuncArgCurrent(win, 3, &isnull);

			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("rfm_score: bins must not be NULL")));
			ws->bins = check_bins(DatumGetInt32(b));
		}
		for (i = 0; i < 3; i++)
			vals[i] = palloc(sizeof(double) * Max(nrows, 1));
		for (row = 0; row < nrows; row++)
		{
			double		v[3];
			bool		skip = false;

			CHECK_FOR_INTERRUPTS();
			for (i = 0; i < 3 && !skip; i++)
			{
				bool		isout;
				Datum		d = WinGetFuncArgInPartition(win, i, (int) row, WINDOW_SEEK_HEAD,
														 false, &isnull, &isout);

				skip = isnull || isout;
				if (!skip)
				{
					v[i] = DatumGetFloat8(d);
					check_not_nan(v[i], dim_names[i]);
				}
			}
			if (skip)
				continue;
			for (i = 0; i < 3; i++)
				vals[i][n] = v[i];
			n++;
		}
		ws->empty = n == 0;
		for (i = 0; i < 3 && n > 0; i++)
			cl_check_status(cl_rfm_cut_points_poll(vals[i], n, ws->bins, ws->cuts[i],
												   core_interrupt, NULL),
							"rfm_score");
		for (i = 0; i < 3; i++)
			pfree(vals[i]);
		ws->ready = true;
	}

	if (ws->empty)
		PG_RETURN_NULL();
	for (i = 0; i < 3; i++)
	{
		x[i] = DatumGetFloat8(WinGetFuncArgCurrent(win, i, &isnull));
		if (isnull)
			PG_RETURN_NULL();
		check_not_nan(x[i], dim_names[i]);
	}
	/* the cache points at this partition's cut points; default rules */
	cache->bins = ws->bins;
	for (i = 0; i < 3; i++)
		cache->cuts[i] = ws->cuts[i];
	cache->default_rules = true;
	cache->breaks_raw = NULL;
	cache->rules_raw = NULL;
	PG_RETURN_DATUM(score_values(cache, x));
}
