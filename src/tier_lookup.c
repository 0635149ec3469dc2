/*
 * tier_lookup.c — SQL glue of the explicit-threshold tier lookup.
 *
 *   loyalty_tier(value numeric, thresholds numeric[], names text[]) -> text
 *
 * The name of the highest tier whose threshold the value reaches, NULL
 * below the first; thresholds must be ascending (equal ones allowed), not
 * NaN (tier.h).  Numerics are compared exactly, whatever their size.
 */
#include "compat.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "errors.h"
#include "tier_glue.h"

/*
 * Cancel from inside the core: it works on palloc'd arrays and holds
 * nothing that needs cleaning up, so CHECK_FOR_INTERRUPTS may throw here.
 */
int
tier_core_interrupt(void *ctx)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

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
text *
tier_name_for(Datum value, ArrayType *thresholds, ArrayType *names)
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

void
tier_check_value(Datum value, const char *argname)
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

	tier_check_value(PG_GETARG_DATUM(0), "value");
	t = tier_name_for(PG_GETARG_DATUM(0), PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2));
	if (t == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(t);
}

