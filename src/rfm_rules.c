/*
 * rfm_rules.c — SQL glue of the RFM segment rules.
 *
 *   rfm_default_rules() -> rfm_rule[]     the built-in rule set, in order
 *   rfm_segment(r, f, m [, rules]) -> text
 *   rfm_rules_check(rules, bins) -> (problem, segment, cell)
 *
 * Rules are evaluated in order, the first match wins, ranges inclusive;
 * a cell no rule matches is "Others" (rfm.h).
 */
#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "errors.h"
#include "rfm_glue.h"

/* Parse an rfm_rule[] into ctx; validates ranges against bins. */
void
rfm_parse_rules(ArrayType *arr, int bins, MemoryContext ctx, ParsedRules *out)
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

/*
 * The segment of scores (r, f, m) under rules, or under the default rules
 * when rules is NULL: the first matching rule's name, "Others" when none
 * matches.  NULL when the default rules are asked for scores of other than
 * CL_RFM_DEFAULT_RULES_BINS bins: they are written for 1..5 scores.
 */
const char *
rfm_segment_name(const ParsedRules *rules, int bins, int r, int f, int m)
{
	int			hit;

	if (rules == NULL)
	{
		if (bins != CL_RFM_DEFAULT_RULES_BINS)
			return NULL;
		hit = cl_rfm_match(cl_rfm_default_rules, CL_RFM_DEFAULT_NRULES, r, f, m);
		return hit >= 0 ? cl_rfm_default_names[hit] : "Others";
	}
	hit = cl_rfm_match(rules->rules, rules->n, r, f, m);
	return hit >= 0 ? rules->names[hit] : "Others";
}

/* '545' for up to 9 bins; '10-3-7' once scores can have two digits. */
char *
rfm_cell_text(int bins, int r, int f, int m)
{
	return bins <= 9 ? psprintf("%d%d%d", r, f, m) : psprintf("%d-%d-%d", r, f, m);
}

PG_FUNCTION_INFO_V1(rfm_segment);
Datum
rfm_segment(PG_FUNCTION_ARGS)
{
	int			r = PG_GETARG_INT32(0);
	int			f = PG_GETARG_INT32(1);
	int			m = PG_GETARG_INT32(2);
	if (PG_NARGS() < 4)
	{
		if (r < 1 || r > CL_RFM_DEFAULT_RULES_BINS || f < 1 || f > CL_RFM_DEFAULT_RULES_BINS ||
			m < 1 || m > CL_RFM_DEFAULT_RULES_BINS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("scores must be between 1 and 5 for the default rules"),
					 errdetail("Got r = %d, f = %d, m = %d.", r, f, m),
					 errhint("Pass your own rules for other score ranges.")));
		PG_RETURN_TEXT_P(cstring_to_text(rfm_segment_name(NULL, CL_RFM_DEFAULT_RULES_BINS, r, f, m)));
	}
	else
	{
		ParsedRules rules;

		rfm_parse_rules(PG_GETARG_ARRAYTYPE_P(3), CL_RFM_MAX_BINS, CurrentMemoryContext, &rules);
		PG_RETURN_TEXT_P(cstring_to_text(rfm_segment_name(&rules, CL_RFM_MAX_BINS, r, f, m)));
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
	int32		bins = rfm_check_bins(PG_GETARG_INT32(1));
	ParsedRules rules;
	long	   *fires;
	long		others;
	long		ncells = (long) bins * bins * bins;
	int		   *cells;
	int			i;
	cl_status	st;

	rfm_parse_rules(PG_GETARG_ARRAYTYPE_P(0), bins, CurrentMemoryContext, &rules);
	InitMaterializedSRF(fcinfo, 0);

	fires = palloc(sizeof(long) * Max(rules.n, 1));
	cells = palloc(sizeof(int) * ncells);
	st = cl_rfm_coverage(rules.rules, rules.n, bins, fires, &others, cells, ncells,
						 palloc(sizeof(int32) * cl_rfm_coverage_work(bins)),
						 rfm_core_interrupt, NULL);
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
		v[2] = CStringGetTextDatum(rfm_cell_text(bins, CL_RFM_CELL_R(c), CL_RFM_CELL_F(c), CL_RFM_CELL_M(c)));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nulls);
	}
	return (Datum) 0;
}

