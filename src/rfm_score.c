/*
 * rfm_score.c — SQL glue of RFM scoring against stored cut points.
 *
 *   rfm_score(recency_days, frequency, monetary, breaks [, rules]) -> rfm_scores
 *
 * Scores are 1..bins: F and M are 1 + the number of cut points strictly
 * below the value, R the reverse (most recent = bins); the segment comes
 * from the rules, the default ones when none are given.
 */
#include "compat.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "glue_common.h"
#include "rfm_glue.h"

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
	cache->bins = rfm_check_bins(DatumGetInt32(d));
	for (i = 0; i < 3; i++)
	{
		double	   *src;

		d = GetAttributeByNum(th, i + 2, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("rfm_cut_points has a NULL %s field", rfm_dim_names[i])));
		n[i] = cl_float8_array(DatumGetArrayTypeP(d), rfm_dim_names[i], &src);
		rfm_check_cuts(src, n[i], rfm_dim_names[i]);
		if (n[i] != cache->bins - 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rfm_cut_points: %s has %d cut points but bins is %d",
							rfm_dim_names[i], n[i], cache->bins),
					 errhint("Build cut points with rfm_breaks() or rfm_cut_points().")));
		cache->cuts[i] = palloc(sizeof(double) * Max(n[i], 1));
		memcpy(cache->cuts[i], src, sizeof(double) * n[i]);
	}
	MemoryContextSwitchTo(old);
}

ScoreCache *
rfm_score_cache(FunctionCallInfo fcinfo)
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
		rfm_parse_rules((ArrayType *) rules, cache->bins, cache->parsed, &cache->rules);
		cache->rules_raw = copy_bytes(cache->parsed, rules);
	}
	else
		cache->default_rules = true;
	cache->breaks_raw = copy_bytes(cache->parsed, breaks);
}



/* The rfm_scores row of values x[] under the cached cut points and rules. */
Datum
rfm_score_row(const ScoreCache *cache, const double *x)
{
	int			s[3];
	int			i;
	Datum		values[5];
	bool		nulls[5] = {0};
	const char *segment;

	for (i = 0; i < 3; i++)
		s[i] = cl_rfm_score(cache->cuts[i], cache->bins - 1, x[i], i == 0);

	segment = rfm_segment_name(cache->default_rules ? NULL : &cache->rules, cache->bins,
							   s[0], s[1], s[2]);
	values[0] = Int32GetDatum(s[0]);
	values[1] = Int32GetDatum(s[1]);
	values[2] = Int32GetDatum(s[2]);
	values[3] = CStringGetTextDatum(rfm_cell_text(cache->bins, s[0], s[1], s[2]));
	if (segment != NULL)
		values[4] = CStringGetTextDatum(segment);
	else
		nulls[4] = true;
	return HeapTupleGetDatum(heap_form_tuple(cache->result, values, nulls));
}

static Datum
score_common(FunctionCallInfo fcinfo, int rules_arg)
{
	ScoreCache *cache = rfm_score_cache(fcinfo);
	double		x[3];
	int			i;

	for (i = 0; i < 3; i++)
	{
		x[i] = PG_GETARG_FLOAT8(i);
		rfm_check_not_nan(x[i], rfm_dim_names[i]);
	}
	score_prepare(fcinfo, cache, 3, rules_arg);
	PG_RETURN_DATUM(rfm_score_row(cache, x));
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

