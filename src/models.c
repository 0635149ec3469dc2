/*
 * models.c — SQL glue of the model types: input/output, validation,
 * constructors and the jsonb cast.
 *
 *   '{"r": 0.2426, "alpha": 4.414, "a": 0.7929, "b": 2.426, "unit": "7 days"}'::bgnbd_model
 *   bgnbd_model(r, alpha, a, b [, unit interval])
 *   gamma_gamma_model(p, q, v)
 *   model::jsonb
 */
#include "compat.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "btyd_limits.h"
#include "glue_common.h"
#include "mb/pg_wchar.h"
#include "models.h"
#include "period.h"

typedef struct ModelSpec
{
	ModelKind	kind;
	const char *type_name;
	int			nparams;
	const char *names[CL_MODEL_MAX_PARAMS];
	bool		has_unit;
	bool		with_kind;		/* purchase_model: a "kind" key is read and written */
} ModelSpec;

static const ModelSpec model_specs[] = {
	{MODEL_BGNBD, "bgnbd_model", 4, {"r", "alpha", "a", "b"}, true},
	{MODEL_GAMMA_GAMMA, "gamma_gamma_model", 3, {"p", "q", "v"}, false},
	{MODEL_PARETO_NBD, "pareto_nbd_model", 4, {"r", "alpha", "s", "beta"}, true},
	{MODEL_MBGNBD, "mbgnbd_model", 4, {"r", "alpha", "a", "b"}, true},
};

/*
 * The limits each kind accepts (btyd_limits.h), with the limit model's
 * parameter names, in param[] order.  The name is the "limit" key of the
 * text form.
 */
typedef struct LimitSpec
{
	ModelKind	kind;
	int			flags;
	const char *name;
	int			nparams;
	const char *names[3];
} LimitSpec;

#define L_HR CL_LIMIT_HOMOGENEOUS_RATE
#define L_ND CL_LIMIT_NO_DROPOUT
#define L_HD CL_LIMIT_HOMOGENEOUS_DROPOUT

static const LimitSpec limit_specs[] = {
	{MODEL_BGNBD, L_ND, "no_dropout", 2, {"r", "alpha"}},
	{MODEL_BGNBD, L_HR | L_ND, "homogeneous_rate+no_dropout", 1, {"lambda"}},
	{MODEL_BGNBD, L_HR, "homogeneous_rate", 3, {"lambda", "a", "b"}},
	{MODEL_BGNBD, L_HD, "homogeneous_dropout", 3, {"r", "alpha", "p"}},
	{MODEL_BGNBD, L_HR | L_HD, "homogeneous_rate+homogeneous_dropout", 2, {"lambda", "p"}},
	{MODEL_MBGNBD, L_ND, "no_dropout", 2, {"r", "alpha"}},
	{MODEL_MBGNBD, L_HR | L_ND, "homogeneous_rate+no_dropout", 1, {"lambda"}},
	{MODEL_MBGNBD, L_HR, "homogeneous_rate", 3, {"lambda", "a", "b"}},
	{MODEL_MBGNBD, L_HD, "homogeneous_dropout", 3, {"r", "alpha", "p"}},
	{MODEL_MBGNBD, L_HR | L_HD, "homogeneous_rate+homogeneous_dropout", 2, {"lambda", "p"}},
	{MODEL_PARETO_NBD, L_ND, "no_dropout", 2, {"r", "alpha"}},
	{MODEL_PARETO_NBD, L_HR | L_ND, "homogeneous_rate+no_dropout", 1, {"lambda"}},
	{MODEL_PARETO_NBD, L_HR, "homogeneous_rate", 3, {"lambda", "s", "beta"}},
	{MODEL_PARETO_NBD, L_HD, "homogeneous_dropout", 3, {"r", "alpha", "mu"}},
	{MODEL_PARETO_NBD, L_HR | L_HD, "homogeneous_rate+homogeneous_dropout", 2, {"lambda", "mu"}},
	{MODEL_GAMMA_GAMMA, CL_LIMIT_HOMOGENEOUS_SPEND, "homogeneous_spend", 2, {"p", "nu"}},
	{MODEL_GAMMA_GAMMA, CL_LIMIT_CONSTANT_SPEND_PER_CUSTOMER, "constant_spend_per_customer", 2, {"q", "w"}},
	{MODEL_GAMMA_GAMMA, CL_LIMIT_CONSTANT_SPEND, "constant_spend", 1, {"spend"}},
};

static const LimitSpec *
limit_of(ModelKind kind, int flags)
{
	size_t		i;

	for (i = 0; i < lengthof(limit_specs); i++)
		if (limit_specs[i].kind == kind && limit_specs[i].flags == flags)
			return &limit_specs[i];
	return NULL;
}

static const LimitSpec *
limit_named(ModelKind kind, const char *name, int len)
{
	size_t		i;

	for (i = 0; i < lengthof(limit_specs); i++)
		if (limit_specs[i].kind == kind && (int) strlen(limit_specs[i].name) == len
			&& strncmp(limit_specs[i].name, name, len) == 0)
			return &limit_specs[i];
	return NULL;
}

/* At most 100 characters of s for a message, "..." when cut (whole characters). */
static char *
short_text(const char *s, int len)
{
	int			cut;

	if (len <= 100)
		return pnstrdup(s, len);
	cut = pg_mbcliplen(s, len, 100);
	return psprintf("%s...", pnstrdup(s, cut));
}

static const ModelSpec *
spec_of(ModelKind kind)
{
	size_t		i;

	for (i = 0; i < lengthof(model_specs); i++)
		if (model_specs[i].kind == kind)
			return &model_specs[i];
	elog(ERROR, "unknown model kind %d", (int) kind);
	return NULL;
}

/*
 * A stored value written by a newer release (format version above ours,
 * models.h) has a layout this library does not know: refuse it.
 */
static void
check_format(const ModelValue *m, const char *type_name)
{
	if (MODEL_FORMAT(m) > MODEL_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid %s value", type_name),
				 errdetail("The value has storage format version %d; this version of crm_loyalty reads versions 0 to %d.",
						   MODEL_FORMAT(m), MODEL_FORMAT_VERSION),
				 errhint("Update the extension's library to the release that wrote the value.")));
}

const ModelValue *
cl_model_arg(FunctionCallInfo fcinfo, int argno, ModelKind kind)
{
	const ModelValue *m = (const ModelValue *) PG_GETARG_POINTER(argno);

	check_format(m, spec_of(kind)->type_name);
	if (MODEL_BASE_KIND(m) != kind ||
		(MODEL_LIMIT_FLAGS(m) != 0 && limit_of(kind, MODEL_LIMIT_FLAGS(m)) == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid %s value", spec_of(kind)->type_name)));
	return m;
}

const ModelValue *
cl_purchase_model_arg(FunctionCallInfo fcinfo, int argno)
{
	const ModelValue *m = (const ModelValue *) PG_GETARG_POINTER(argno);

	ModelKind	kind = MODEL_BASE_KIND(m);

	check_format(m, "purchase model");
	if ((kind != MODEL_BGNBD && kind != MODEL_MBGNBD && kind != MODEL_PARETO_NBD) ||
		(MODEL_LIMIT_FLAGS(m) != 0 && limit_of(kind, MODEL_LIMIT_FLAGS(m)) == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid purchase model value")));
	return m;
}

char *
cl_unit_text(int64 unit_usec)
{
	if (unit_usec % CL_USECS_PER_DAY == 0)
	{
		int64		d = unit_usec / CL_USECS_PER_DAY;

		return psprintf(INT64_FORMAT " day%s", d, d == 1 ? "" : "s");
	}
	if (unit_usec % INT64CONST(1000000) == 0)
		return psprintf(INT64_FORMAT " seconds", unit_usec / INT64CONST(1000000));
	return psprintf(INT64_FORMAT " microseconds", unit_usec);
}

ModelValue *
cl_model_make(ModelKind kind, const double *param, int64 unit_usec,
			  double ll, double n, int converged)
{
	const ModelSpec *spec = spec_of(kind);
	ModelValue *m = palloc0(sizeof(ModelValue));
	int			i;

	for (i = 0; i < spec->nparams; i++)
	{
		if (!isfinite(param[i]) || param[i] <= 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s parameter \"%s\" must be a positive finite number, not %g",
							spec->type_name, spec->names[i], param[i]),
					 errhint("All parameters of the model are positive.")));
		m->param[i] = param[i];
	}
	if (spec->has_unit && unit_usec <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs a positive time unit", spec->type_name)));
	if (!isnan(ll) && !isfinite(ll))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s log-likelihood must be finite", spec->type_name)));
	if (!isfinite(n) || n < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s n must be a non-negative number", spec->type_name)));
	m->ll = ll;
	m->n = n;
	m->unit_usec = spec->has_unit ? unit_usec : 0;
	m->converged = converged;
	m->kind = MODEL_KIND_WORD(kind, 0);
	return m;
}

ModelValue *
cl_model_make_limit(ModelKind kind, int flags, const double *param, int64 unit_usec,
					double ll, double n, int converged)
{
	const ModelSpec *spec = spec_of(kind);
	const LimitSpec *lim = limit_of(kind, flags);
	ModelValue *m;
	int			i;

	if (lim == NULL)
		elog(ERROR, "unknown limit %d of %s", flags, spec->type_name);
	for (i = 0; i < lim->nparams; i++)
		if (!isfinite(param[i]) || param[i] <= 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s parameter \"%s\" must be a positive finite number, not %g",
							spec->type_name, lim->names[i], param[i]),
					 errhint("All parameters of the limit \"%s\" are positive.", lim->name)));
	if (kind != MODEL_GAMMA_GAMMA)
	{
		cl_btyd_model bm;

		memset(&bm, 0, sizeof(bm));
		bm.family = (cl_btyd_family) ((kind == MODEL_PARETO_NBD ? CL_BTYD_PARETO_NBD
									   : kind == MODEL_MBGNBD ? CL_BTYD_MBGNBD : CL_BTYD_BGNBD)
									  | flags << CL_LIMIT_SHIFT);
		memcpy(bm.p, param, sizeof(double) * lim->nparams);
		if (cl_btyd_limit_check(&bm) != CL_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s parameter \"p\" of the limit \"%s\" must be a probability below 1, not %g",
							spec->type_name, lim->name, param[lim->nparams - 1]),
					 errhint("p is the probability of dropping out after a purchase%s.",
							 kind == MODEL_BGNBD && flags == (L_HR | L_HD) ? " (1 is allowed here)" : "")));
	}
	if (flags == CL_LIMIT_CONSTANT_SPEND_PER_CUSTOMER && !(param[0] > 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s parameter \"q\" of the limit \"%s\" must be above 1, not %g",
						spec->type_name, lim->name, param[0]),
				 errhint("With q <= 1 the mean spend w / (q - 1) of a customer without repeat purchases is infinite.")));
	m = cl_model_make(kind, (const double[]) {1.0, 1.0, 1.0, 1.0}, unit_usec,
					  ll, n, converged);
	memset(m->param, 0, sizeof(m->param));
	memcpy(m->param, param, sizeof(double) * lim->nparams);
	m->kind = MODEL_KIND_WORD(kind, flags);
	return m;
}

cl_btyd_model
cl_model_btyd(const ModelValue *m)
{
	ModelKind	kind = MODEL_BASE_KIND(m);
	cl_btyd_model p;

	memset(&p, 0, sizeof(p));
	p.family = (cl_btyd_family) ((kind == MODEL_PARETO_NBD ? CL_BTYD_PARETO_NBD
								  : kind == MODEL_MBGNBD ? CL_BTYD_MBGNBD : CL_BTYD_BGNBD)
								 | MODEL_LIMIT_FLAGS(m) << CL_LIMIT_SHIFT);
	memcpy(p.p, m->param, sizeof(p.p));
	return p;
}

/*
 * Gamma-Gamma limits reach the core as q = +∞ with v the mean spend
 * (btyd_limits.h): p / ν for a homogeneous spend, the spend itself for a
 * constant one.
 */
cl_gg_params
cl_model_gg(const ModelValue *m)
{
	cl_gg_params p;

	switch (MODEL_LIMIT_FLAGS(m))
	{
		case CL_LIMIT_HOMOGENEOUS_SPEND:
			p.p = m->param[0];
			p.q = INFINITY;
			p.v = m->param[0] / m->param[1];
			break;
		case CL_LIMIT_CONSTANT_SPEND_PER_CUSTOMER:
			p.p = INFINITY;
			p.q = m->param[0];
			p.v = m->param[1];
			break;
		case CL_LIMIT_CONSTANT_SPEND:
			p.p = INFINITY;
			p.q = INFINITY;
			p.v = m->param[0];
			break;
		default:
			p.p = m->param[0];
			p.q = m->param[1];
			p.v = m->param[2];
			break;
	}
	return p;
}

static void
append_double(StringInfo buf, double x)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(x, tmp);
	appendStringInfoString(buf, tmp);
}

static char *
model_text(const ModelValue *m)
{
	const ModelSpec *spec = spec_of(MODEL_BASE_KIND(m));
	const LimitSpec *lim = MODEL_LIMIT_FLAGS(m) != 0
		? limit_of(MODEL_BASE_KIND(m), MODEL_LIMIT_FLAGS(m)) : NULL;
	int			nparams = lim != NULL ? lim->nparams : spec->nparams;
	const char *const *names = lim != NULL ? lim->names : spec->names;
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < nparams; i++)
	{
		appendStringInfo(&buf, "\"%s\": ", names[i]);
		append_double(&buf, m->param[i]);
		appendStringInfoString(&buf, ", ");
	}
	if (spec->has_unit)
		appendStringInfo(&buf, "\"unit\": \"%s\", ", cl_unit_text(m->unit_usec));
	if (lim != NULL)
		appendStringInfo(&buf, "\"limit\": \"%s\", ", lim->name);
	appendStringInfoString(&buf, "\"ll\": ");
	if (isnan(m->ll))
		appendStringInfoString(&buf, "null");
	else
		append_double(&buf, m->ll);
	appendStringInfoString(&buf, ", \"n\": ");
	append_double(&buf, m->n);
	appendStringInfo(&buf, ", \"converged\": %s}",
					 m->converged < 0 ? "null" : (m->converged ? "true" : "false"));
	return buf.data;
}

static const char *
example_of(ModelKind kind)
{
	switch (kind)
	{
		case MODEL_BGNBD:
			return "'{\"r\": 0.24, \"alpha\": 4.4, \"a\": 0.79, \"b\": 2.4, \"unit\": \"7 days\"}'";
		case MODEL_MBGNBD:
			return "'{\"r\": 0.52, \"alpha\": 6.2, \"a\": 0.89, \"b\": 1.6, \"unit\": \"7 days\"}'";
		case MODEL_PARETO_NBD:
			return "'{\"r\": 0.55, \"alpha\": 10.6, \"s\": 0.61, \"beta\": 11.7, \"unit\": \"7 days\"}'";
		case MODEL_GAMMA_GAMMA:
			break;
	}
	return "'{\"p\": 6.25, \"q\": 3.74, \"v\": 15.44}'";
}

static void raise_syntax(const ModelSpec *spec, const char *input, const char *detail) pg_attribute_noreturn();

static void
raise_syntax(const ModelSpec *spec, const char *input, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", spec->type_name,
					short_text(input, strlen(input))),
			 errdetail("%s", detail),
			 errhint("Use a JSON object such as %s.", example_of(spec->kind))));
}

static double
json_number(const ModelSpec *spec, const char *input, const JsonbValue *v, const char *key)
{
	if (v->type != jbvNumeric)
		raise_syntax(spec, input, psprintf("Key \"%s\" must be a number.", key));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

static ModelValue *
model_parse(const ModelSpec *spec, char *input)
{
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(input)));
	JsonbIterator *it;
	JsonbValue	v;
	JsonbValue *limv;
	JsonbIteratorToken tok;
	const LimitSpec *lim = NULL;
	int			nparams = spec->nparams;
	const char *const *names = spec->names;
	double		param[CL_MODEL_MAX_PARAMS];
	bool		seen[CL_MODEL_MAX_PARAMS] = {0};
	int64		unit_usec = CL_USECS_PER_DAY;
	double		ll = NAN;
	double		n = 0.0;
	int			converged = -1;
	char	   *key = NULL;
	int			i;

	if (!JB_ROOT_IS_OBJECT(jb))
		raise_syntax(spec, input, "The value must be a JSON object.");

	/* a "limit" key selects the limit model and its parameter names */
	limv = getKeyJsonValueFromContainer(&jb->root, "limit", 5, NULL);
	if (limv != NULL)
	{
		if (limv->type != jbvString)
			raise_syntax(spec, input, "Key \"limit\" must be the name of a limit model, a string.");
		lim = limit_named(spec->kind, limv->val.string.val, limv->val.string.len);
		if (lim == NULL)
		{
			StringInfoData known;

			initStringInfo(&known);
			for (i = 0; i < (int) lengthof(limit_specs); i++)
				if (limit_specs[i].kind == spec->kind)
					appendStringInfo(&known, "%s\"%s\"", known.len > 0 ? ", " : "",
									 limit_specs[i].name);
			raise_syntax(spec, input,
						 psprintf("\"%s\" is not a limit of %s; the limits are %s.",
								  short_text(limv->val.string.val, limv->val.string.len),
								  spec->type_name, known.data));
		}
		nparams = lim->nparams;
		names = lim->names;
	}

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		for (i = 0; i < nparams; i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (i < nparams)
		{
			param[i] = json_number(spec, input, &v, key);
			seen[i] = true;
		}
		else if (strcmp(key, "limit") == 0)
			continue;
		else if (strcmp(key, "kind") == 0 && spec->with_kind)
			continue;
		else if (strcmp(key, "ll") == 0)
			ll = v.type == jbvNull ? NAN : json_number(spec, input, &v, key);
		else if (strcmp(key, "n") == 0)
			n = json_number(spec, input, &v, key);
		else if (strcmp(key, "converged") == 0)
		{
			if (v.type == jbvBool)
				converged = v.val.boolean ? 1 : 0;
			else if (v.type != jbvNull)
				raise_syntax(spec, input, "Key \"converged\" must be true, false or null.");
		}
		else if (strcmp(key, "unit") == 0 && spec->has_unit)
		{
			Interval   *iv;

			if (v.type != jbvString || v.val.string.len > 100)
				raise_syntax(spec, input, "Key \"unit\" must be an interval string such as \"7 days\".");
			iv = DatumGetIntervalP(DirectFunctionCall3(interval_in,
													   CStringGetDatum(pnstrdup(v.val.string.val, v.val.string.len)),
													   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
			unit_usec = cl_unit_arg(iv, "unit");
		}
		else if (lim != NULL)
			raise_syntax(spec, input,
						 psprintf("Key \"%s\" is not a parameter of the limit \"%s\", whose parameters are %s.",
								  short_text(key, strlen(key)), lim->name,
								  nparams == 1 ? psprintf("\"%s\"", names[0])
								  : nparams == 2 ? psprintf("\"%s\" and \"%s\"", names[0], names[1])
								  : psprintf("\"%s\", \"%s\" and \"%s\"", names[0], names[1], names[2])));
		else
			raise_syntax(spec, input, psprintf("Unknown key \"%s\".", short_text(key, strlen(key))));
	}
	for (i = 0; i < nparams; i++)
		if (!seen[i])
			raise_syntax(spec, input,
						 lim != NULL
						 ? psprintf("Key \"%s\" is missing: the limit \"%s\" has it.", names[i], lim->name)
						 : psprintf("Key \"%s\" is missing.", names[i]));
	if (lim != NULL)
		return cl_model_make_limit(spec->kind, lim->flags, param, unit_usec, ll, n, converged);
	return cl_model_make(spec->kind, param, unit_usec, ll, n, converged);
}

PG_FUNCTION_INFO_V1(bgnbd_model_in);
Datum
bgnbd_model_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(model_parse(spec_of(MODEL_BGNBD), PG_GETARG_CSTRING(0)));
}

PG_FUNCTION_INFO_V1(gamma_gamma_model_in);
Datum
gamma_gamma_model_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(model_parse(spec_of(MODEL_GAMMA_GAMMA), PG_GETARG_CSTRING(0)));
}

PG_FUNCTION_INFO_V1(bgnbd_model_out);
Datum
bgnbd_model_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(model_text(cl_model_arg(fcinfo, 0, MODEL_BGNBD)));
}

PG_FUNCTION_INFO_V1(gamma_gamma_model_out);
Datum
gamma_gamma_model_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(model_text(cl_model_arg(fcinfo, 0, MODEL_GAMMA_GAMMA)));
}

static Datum
model_jsonb(const ModelValue *m)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(model_text(m)));
}

PG_FUNCTION_INFO_V1(bgnbd_model_jsonb);
Datum
bgnbd_model_jsonb(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(model_jsonb(cl_model_arg(fcinfo, 0, MODEL_BGNBD)));
}

PG_FUNCTION_INFO_V1(gamma_gamma_model_jsonb);
Datum
gamma_gamma_model_jsonb(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(model_jsonb(cl_model_arg(fcinfo, 0, MODEL_GAMMA_GAMMA)));
}

PG_FUNCTION_INFO_V1(bgnbd_model_make);
Datum
bgnbd_model_make(PG_FUNCTION_ARGS)
{
	double		p[4];
	int64		unit_usec = CL_USECS_PER_DAY;
	int			i;

	for (i = 0; i < 4; i++)
		p[i] = PG_GETARG_FLOAT8(i);
	if (PG_NARGS() > 4)
		unit_usec = cl_unit_arg(PG_GETARG_INTERVAL_P(4), "unit");
	PG_RETURN_POINTER(cl_model_make(MODEL_BGNBD, p, unit_usec, NAN, 0.0, -1));
}

PG_FUNCTION_INFO_V1(gamma_gamma_model_make);
Datum
gamma_gamma_model_make(PG_FUNCTION_ARGS)
{
	double		p[3];
	int			i;

	for (i = 0; i < 3; i++)
		p[i] = PG_GETARG_FLOAT8(i);
	PG_RETURN_POINTER(cl_model_make(MODEL_GAMMA_GAMMA, p, 0, NAN, 0.0, -1));
}

/* ---- Pareto/NBD and MBG/NBD --------------------------------------------- */

PG_FUNCTION_INFO_V1(pareto_nbd_model_in);
Datum
pareto_nbd_model_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(model_parse(spec_of(MODEL_PARETO_NBD), PG_GETARG_CSTRING(0)));
}

PG_FUNCTION_INFO_V1(mbgnbd_model_in);
Datum
mbgnbd_model_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(model_parse(spec_of(MODEL_MBGNBD), PG_GETARG_CSTRING(0)));
}

PG_FUNCTION_INFO_V1(pareto_nbd_model_out);
Datum
pareto_nbd_model_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(model_text(cl_model_arg(fcinfo, 0, MODEL_PARETO_NBD)));
}

PG_FUNCTION_INFO_V1(mbgnbd_model_out);
Datum
mbgnbd_model_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(model_text(cl_model_arg(fcinfo, 0, MODEL_MBGNBD)));
}

PG_FUNCTION_INFO_V1(pareto_nbd_model_jsonb);
Datum
pareto_nbd_model_jsonb(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(model_jsonb(cl_model_arg(fcinfo, 0, MODEL_PARETO_NBD)));
}

PG_FUNCTION_INFO_V1(mbgnbd_model_jsonb);
Datum
mbgnbd_model_jsonb(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(model_jsonb(cl_model_arg(fcinfo, 0, MODEL_MBGNBD)));
}

/* pareto_nbd_model(r, alpha, s, beta [, unit]), mbgnbd_model(r, alpha, a, b [, unit]) */
static Datum
purchase_model_make(FunctionCallInfo fcinfo, ModelKind kind)
{
	double		p[4];
	int64		unit_usec = CL_USECS_PER_DAY;
	int			i;

	for (i = 0; i < 4; i++)
		p[i] = PG_GETARG_FLOAT8(i);
	if (PG_NARGS() > 4)
		unit_usec = cl_unit_arg(PG_GETARG_INTERVAL_P(4), "unit");
	PG_RETURN_POINTER(cl_model_make(kind, p, unit_usec, NAN, 0.0, -1));
}

PG_FUNCTION_INFO_V1(pareto_nbd_model_make);
Datum
pareto_nbd_model_make(PG_FUNCTION_ARGS)
{
	return purchase_model_make(fcinfo, MODEL_PARETO_NBD);
}

PG_FUNCTION_INFO_V1(mbgnbd_model_make);
Datum
mbgnbd_model_make(PG_FUNCTION_ARGS)
{
	return purchase_model_make(fcinfo, MODEL_MBGNBD);
}

/* ---- Binary wire format (SEND / RECEIVE) --------------------------------
 *
 * Independent of the storage layout (models.h), big-endian as every
 * PostgreSQL wire value, and exactly as long as its content says:
 *
 *   byte      format version, MODEL_WIRE_VERSION (1)
 *   byte      limit flags (btyd_limits.h); 0 for the interior model
 *   float8    the parameters, in the order and number of the text form:
 *             the type's (r, alpha, a, b / r, alpha, s, beta / p, q, v), or
 *             the limit's (e.g. lambda)
 *   int64     time unit in microseconds (bgnbd_model, mbgnbd_model and
 *             pareto_nbd_model only; gamma_gamma_model has none)
 *   float8    log-likelihood; NaN when unknown (null in the text form)
 *   float8    n, customers in the fit
 *   byte      converged: 0 false, 1 true, 2 unknown (null in the text form)
 *
 * Receive checks the length before it reads, then builds the value with the
 * same constructors and checks as the text input: a wrong version, an
 * unknown limit, a short or long message or a bad converged byte is 22P03
 * (invalid_binary_representation), a parameter, unit, ll or n out of range
 * is 22023, as in the text input.
 */

#define MODEL_WIRE_VERSION 1
#define WIRE_CONVERGED_UNKNOWN 2

StaticAssertDecl(CL_LIMIT_SHIFT == 8, "limit flags sit in bits 8..23 of ModelValue.kind");

static void raise_binary(const char *type_name, const char *detail) pg_attribute_noreturn();

static void
raise_binary(const char *type_name, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary data for type %s", type_name),
			 errdetail("%s", detail)));
}

static bytea *
model_send(const ModelValue *m)
{
	const ModelSpec *spec = spec_of(MODEL_BASE_KIND(m));
	int			flags = MODEL_LIMIT_FLAGS(m);
	int			nparams = flags != 0 ? limit_of(spec->kind, flags)->nparams : spec->nparams;
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, MODEL_WIRE_VERSION);
	pq_sendbyte(&buf, flags);
	for (i = 0; i < nparams; i++)
		pq_sendfloat8(&buf, m->param[i]);
	if (spec->has_unit)
		pq_sendint64(&buf, m->unit_usec);
	pq_sendfloat8(&buf, m->ll);
	pq_sendfloat8(&buf, m->n);
	pq_sendbyte(&buf, m->converged < 0 ? WIRE_CONVERGED_UNKNOWN : m->converged != 0);
	return pq_endtypsend(&buf);
}

static ModelValue *
model_recv(const ModelSpec *spec, StringInfo buf, int trailing)
{
	const LimitSpec *lim = NULL;
	int			left = buf->len - buf->cursor;
	int			version;
	int			flags;
	int			nparams;
	int			need;
	double		param[CL_MODEL_MAX_PARAMS];
	int64		unit_usec = 0;
	double		ll;
	double		n;
	int			converged;
	int			i;

	if (left < 2)
		raise_binary(spec->type_name,
					 psprintf("The value is %d byte%s long; it needs at least 2 (format version and limit).",
							  left, left == 1 ? "" : "s"));
	version = pq_getmsgbyte(buf);
	if (version != MODEL_WIRE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type %s", spec->type_name),
				 errdetail("Binary format version %d is not supported; this version of crm_loyalty reads version %d.",
						   version, MODEL_WIRE_VERSION),
				 errhint("Send the value in text form, or update the extension.")));
	flags = pq_getmsgbyte(buf);
	if (flags != 0)
	{
		lim = limit_of(spec->kind, flags);
		if (lim == NULL)
			raise_binary(spec->type_name,
						 psprintf("Limit flags %d do not name a limit of %s.", flags, spec->type_name));
	}
	nparams = lim != NULL ? lim->nparams : spec->nparams;
	need = 8 * nparams + (spec->has_unit ? 8 : 0) + 8 + 8 + 1;
	left = buf->len - buf->cursor - trailing;
	if (left != need)
		raise_binary(spec->type_name,
					 psprintf("After the header the value has %d bytes; %s needs exactly %d.",
							  left, lim != NULL ? psprintf("the limit \"%s\"", lim->name) : "the model", need));
	for (i = 0; i < nparams; i++)
		param[i] = pq_getmsgfloat8(buf);
	if (spec->has_unit)
	{
		unit_usec = pq_getmsgint64(buf);
		if (cl_unit_make(0, 0, unit_usec, &unit_usec) != CL_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s needs a positive time unit, not " INT64_FORMAT " microseconds",
							spec->type_name, unit_usec)));
	}
	ll = pq_getmsgfloat8(buf);
	n = pq_getmsgfloat8(buf);
	converged = pq_getmsgbyte(buf);
	if (converged > WIRE_CONVERGED_UNKNOWN)
		raise_binary(spec->type_name,
					 psprintf("The converged byte is %d; it must be 0 (false), 1 (true) or 2 (unknown).",
							  converged));
	converged = converged == WIRE_CONVERGED_UNKNOWN ? -1 : converged;
	if (lim != NULL)
		return cl_model_make_limit(spec->kind, flags, param, unit_usec, ll, n, converged);
	return cl_model_make(spec->kind, param, unit_usec, ll, n, converged);
}

PG_FUNCTION_INFO_V1(bgnbd_model_send);
Datum
bgnbd_model_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(model_send(cl_model_arg(fcinfo, 0, MODEL_BGNBD)));
}

PG_FUNCTION_INFO_V1(bgnbd_model_recv);
Datum
bgnbd_model_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(model_recv(spec_of(MODEL_BGNBD), (StringInfo) PG_GETARG_POINTER(0), 0));
}

PG_FUNCTION_INFO_V1(mbgnbd_model_send);
Datum
mbgnbd_model_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(model_send(cl_model_arg(fcinfo, 0, MODEL_MBGNBD)));
}

PG_FUNCTION_INFO_V1(mbgnbd_model_recv);
Datum
mbgnbd_model_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(model_recv(spec_of(MODEL_MBGNBD), (StringInfo) PG_GETARG_POINTER(0), 0));
}

PG_FUNCTION_INFO_V1(pareto_nbd_model_send);
Datum
pareto_nbd_model_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(model_send(cl_model_arg(fcinfo, 0, MODEL_PARETO_NBD)));
}

PG_FUNCTION_INFO_V1(pareto_nbd_model_recv);
Datum
pareto_nbd_model_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(model_recv(spec_of(MODEL_PARETO_NBD), (StringInfo) PG_GETARG_POINTER(0), 0));
}

PG_FUNCTION_INFO_V1(gamma_gamma_model_send);
Datum
gamma_gamma_model_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(model_send(cl_model_arg(fcinfo, 0, MODEL_GAMMA_GAMMA)));
}

PG_FUNCTION_INFO_V1(gamma_gamma_model_recv);
Datum
gamma_gamma_model_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(model_recv(spec_of(MODEL_GAMMA_GAMMA), (StringInfo) PG_GETARG_POINTER(0), 0));
}

/* ---- purchase_model: any purchase model in one type ----------------------
 *
 *   '{"kind": "bgnbd", "r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}'::purchase_model
 *   bgnbd_model_value::purchase_model            (implicit)
 *   purchase_model_value::bgnbd_model            (explicit; 22023 on another kind)
 *
 * Storage layout and reading rule: models.h.  The text form is the per-kind
 * text with a leading "kind" key.
 */

static const struct
{
	ModelKind	kind;
	const char *name;
} pm_kinds[] = {
	{MODEL_BGNBD, "bgnbd"},
	{MODEL_MBGNBD, "mbgnbd"},
	{MODEL_PARETO_NBD, "pareto_nbd"},
};

static const char *
pm_kind_name(ModelKind kind)
{
	size_t		i;

	for (i = 0; i < lengthof(pm_kinds); i++)
		if (pm_kinds[i].kind == kind)
			return pm_kinds[i].name;
	return NULL;
}

/* the per-kind spec, renamed so that messages name purchase_model */
static ModelSpec
pm_spec(ModelKind kind)
{
	ModelSpec	s = *spec_of(kind);

	s.type_name = "purchase_model";
	s.with_kind = true;
	return s;
}

static void pm_corrupted(const char *detail) pg_attribute_noreturn();

static void
pm_corrupted(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid purchase_model value"),
			 errdetail("%s", detail)));
}

/* Validate a stored purchase_model and copy its model out. */
static void
pm_read(const struct varlena *v, ModelValue *out)
{
	PurchaseModelData hdr;
	Size		size = VARSIZE_ANY(v);
	Size		off;
	int			i;
	ModelKind	kind;

	if (VARATT_IS_SHORT(v) || size < sizeof(PurchaseModelData))
		pm_corrupted(psprintf("The value is %zu bytes long; a purchase model has at least %zu.",
							  size, sizeof(PurchaseModelData)));
	memcpy(&hdr, v, sizeof(hdr));
	if (hdr.version < 1 || hdr.version > PM_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid purchase_model value"),
				 errdetail("The value has format version %d; this version of crm_loyalty reads versions 1 to %d.",
						   hdr.version, PM_FORMAT_VERSION),
				 errhint("Update the extension's library to the release that wrote the value.")));
	/* optional blocks: check every length, skip the payloads */
	off = sizeof(PurchaseModelData);
	for (i = 0; i < hdr.nblocks; i++)
	{
		PurchaseModelBlock b;

		if (size - off < sizeof(b))
			pm_corrupted(psprintf("Block %d of %d starts beyond the end of the value.", i + 1, hdr.nblocks));
		memcpy(&b, (const char *) v + off, sizeof(b));
		off += sizeof(b);
		if (size - off < TYPEALIGN(8, (Size) b.nbytes))
			pm_corrupted(psprintf("Block %d of %d is longer than the value.", i + 1, hdr.nblocks));
		off += TYPEALIGN(8, (Size) b.nbytes);
	}
	if (off != size)
		pm_corrupted("The value has bytes after its last block.");
	*out = hdr.model;
	check_format(out, "purchase_model");
	kind = MODEL_BASE_KIND(out);
	if (pm_kind_name(kind) == NULL ||
		(MODEL_LIMIT_FLAGS(out) != 0 && limit_of(kind, MODEL_LIMIT_FLAGS(out)) == NULL))
		pm_corrupted("The model kind is not one of bgnbd, mbgnbd, pareto_nbd.");
}

const ModelValue *
cl_pm_arg(FunctionCallInfo fcinfo, int argno)
{
	ModelValue *m = palloc(sizeof(ModelValue));

	pm_read((const struct varlena *) PG_DETOAST_DATUM(PG_GETARG_DATUM(argno)), m);
	return m;
}

/* A purchase_model holding m (no optional block). */
static PurchaseModelData *
pm_make(const ModelValue *m)
{
	PurchaseModelData *pm = palloc0(sizeof(PurchaseModelData));

	SET_VARSIZE(pm, sizeof(PurchaseModelData));
	pm->version = PM_FORMAT_VERSION;
	pm->model = *m;
	/* the embedded model is written in the current per-kind layout */
	pm->model.kind = MODEL_KIND_WORD(MODEL_BASE_KIND(m), MODEL_LIMIT_FLAGS(m));
	return pm;
}

static const char *const pm_example =
	"'{\"kind\": \"bgnbd\", \"r\": 0.24, \"alpha\": 4.4, \"a\": 0.79, \"b\": 2.4, \"unit\": \"7 days\"}'";

PG_FUNCTION_INFO_V1(purchase_model_in);
Datum
purchase_model_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	const char *p = input;
	Jsonb	   *jb;
	JsonbValue *kv;
	ModelKind	kind = 0;
	ModelSpec	spec;
	size_t		i;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '{')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type purchase_model: \"%s\"",
						short_text(input, strlen(input))),
				 errdetail("A purchase model is a JSON object."),
				 errhint("Use a JSON object such as %s. To fit a model over the rows of a window, use churn_probability_window or clv_estimate_window.",
						 pm_example)));
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(input)));
	kv = getKeyJsonValueFromContainer(&jb->root, "kind", 4, NULL);
	if (kv != NULL)
	{
		if (kv->type == jbvString)
			for (i = 0; i < lengthof(pm_kinds); i++)
				if ((int) strlen(pm_kinds[i].name) == kv->val.string.len &&
					strncmp(pm_kinds[i].name, kv->val.string.val, kv->val.string.len) == 0)
					kind = pm_kinds[i].kind;
		if (kind == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type purchase_model: \"%s\"",
							short_text(input, strlen(input))),
					 errdetail("Key \"kind\" must be \"bgnbd\", \"mbgnbd\" or \"pareto_nbd\".")));
	}
	else if (getKeyJsonValueFromContainer(&jb->root, "s", 1, NULL) != NULL ||
			 getKeyJsonValueFromContainer(&jb->root, "beta", 4, NULL) != NULL ||
			 getKeyJsonValueFromContainer(&jb->root, "mu", 2, NULL) != NULL)
		/* parameter names only Pareto/NBD uses: the kind is not in doubt */
		kind = MODEL_PARETO_NBD;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type purchase_model: \"%s\"",
						short_text(input, strlen(input))),
				 errdetail("Key \"kind\" is missing: BG/NBD and MBG/NBD have the same parameter names, so the parameters alone do not say which model this is."),
				 errhint("Add \"kind\": \"bgnbd\", \"mbgnbd\" or \"pareto_nbd\", e.g. %s, or cast a per-kind value such as '{...}'::bgnbd_model.",
						 pm_example)));
	spec = pm_spec(kind);
	PG_RETURN_POINTER(pm_make(model_parse(&spec, input)));
}

static char *
pm_text(const ModelValue *m)
{
	char	   *body = model_text(m);

	/* body starts with '{' */
	return psprintf("{\"kind\": \"%s\", %s", pm_kind_name(MODEL_BASE_KIND(m)), body + 1);
}

PG_FUNCTION_INFO_V1(purchase_model_out);
Datum
purchase_model_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(pm_text(cl_pm_arg(fcinfo, 0)));
}

PG_FUNCTION_INFO_V1(purchase_model_jsonb);
Datum
purchase_model_jsonb(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(pm_text(cl_pm_arg(fcinfo, 0)))));
}

/*
 * Binary wire format: independent of the storage layout, big-endian.
 *
 *   byte      wire format version, PM_WIRE_VERSION (1)
 *   byte      kind: 1 bgnbd, 4 mbgnbd, 3 pareto_nbd (ModelKind)
 *   ...       the per-kind wire value after its version byte (limit flags,
 *             parameters, unit, ll, n, converged; see model_send above)
 *   int16     number of optional blocks that follow (0 in version 1; a
 *             block will be int16 tag, int32 length, payload)
 *
 * This release knows no block, so receive refuses a value that has one
 * (22P03) rather than dropping information.
 */
#define PM_WIRE_VERSION 1

PG_FUNCTION_INFO_V1(purchase_model_send);
Datum
purchase_model_send(PG_FUNCTION_ARGS)
{
	const ModelValue *m = cl_pm_arg(fcinfo, 0);
	bytea	   *inner = model_send(m);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, PM_WIRE_VERSION);
	pq_sendbyte(&buf, MODEL_BASE_KIND(m));
	/* the per-kind value without its own version byte */
	pq_sendbytes(&buf, VARDATA(inner) + 1, VARSIZE(inner) - VARHDRSZ - 1);
	pq_sendint16(&buf, 0);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(purchase_model_recv);
Datum
purchase_model_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			left = buf->len - buf->cursor;
	int			version;
	int			kind;
	int			nblocks;
	ModelSpec	spec;
	ModelValue *m;
	StringInfoData inner;

	if (left < 2)
		raise_binary("purchase_model",
					 psprintf("The value is %d byte%s long; it needs at least 2 (format version and kind).",
							  left, left == 1 ? "" : "s"));
	version = pq_getmsgbyte(buf);
	if (version != PM_WIRE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary data for type purchase_model"),
				 errdetail("Binary format version %d is not supported; this version of crm_loyalty reads version %d.",
						   version, PM_WIRE_VERSION),
				 errhint("Send the value in text form, or update the extension.")));
	kind = pq_getmsgbyte(buf);
	if (pm_kind_name((ModelKind) kind) == NULL)
		raise_binary("purchase_model",
					 psprintf("Kind %d is not a purchase model (1 bgnbd, 3 pareto_nbd, 4 mbgnbd).", kind));
	spec = pm_spec((ModelKind) kind);

	/* the per-kind reader wants its version byte in front */
	left = buf->len - buf->cursor;
	initStringInfo(&inner);
	appendStringInfoChar(&inner, MODEL_WIRE_VERSION);
	appendBinaryStringInfo(&inner, buf->data + buf->cursor, left);
	m = model_recv(&spec, &inner, 2);
	buf->cursor += inner.cursor - 1;
	nblocks = (int16) pq_getmsgint(buf, 2);
	if (nblocks != 0)
		raise_binary("purchase_model",
					 psprintf("The value has %d optional block%s; this version of crm_loyalty reads none.",
							  nblocks, nblocks == 1 ? "" : "s"));
	PG_RETURN_POINTER(pm_make(m));
}

/* implicit cast from bgnbd_model, mbgnbd_model, pareto_nbd_model */
PG_FUNCTION_INFO_V1(purchase_model_from_kind);
Datum
purchase_model_from_kind(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(pm_make(cl_purchase_model_arg(fcinfo, 0)));
}

/* explicit cast back to one kind: 22023 when the value holds another */
static Datum
pm_to_kind(FunctionCallInfo fcinfo, ModelKind kind)
{
	const ModelValue *m = cl_pm_arg(fcinfo, 0);
	ModelValue *out;

	if (MODEL_BASE_KIND(m) != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot cast a %s purchase_model to %s",
						pm_kind_name(MODEL_BASE_KIND(m)), spec_of(kind)->type_name),
				 errhint("Cast to %s_model, the kind the value holds.", pm_kind_name(MODEL_BASE_KIND(m)))));
	out = palloc(sizeof(ModelValue));
	*out = *m;
	PG_RETURN_POINTER(out);
}

PG_FUNCTION_INFO_V1(purchase_model_to_bgnbd);
Datum
purchase_model_to_bgnbd(PG_FUNCTION_ARGS)
{
	return pm_to_kind(fcinfo, MODEL_BGNBD);
}

PG_FUNCTION_INFO_V1(purchase_model_to_mbgnbd);
Datum
purchase_model_to_mbgnbd(PG_FUNCTION_ARGS)
{
	return pm_to_kind(fcinfo, MODEL_MBGNBD);
}

PG_FUNCTION_INFO_V1(purchase_model_to_pareto_nbd);
Datum
purchase_model_to_pareto_nbd(PG_FUNCTION_ARGS)
{
	return pm_to_kind(fcinfo, MODEL_PARETO_NBD);
}
