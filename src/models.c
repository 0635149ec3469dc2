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
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "glue_common.h"
#include "models.h"
#include "period.h"

typedef struct ModelSpec
{
	ModelKind	kind;
	const char *type_name;
	int			nparams;
	const char *names[CL_MODEL_MAX_PARAMS];
	bool		has_unit;
} ModelSpec;

static const ModelSpec model_specs[] = {
	{MODEL_BGNBD, "bgnbd_model", 4, {"r", "alpha", "a", "b"}, true},
	{MODEL_GAMMA_GAMMA, "gamma_gamma_model", 3, {"p", "q", "v"}, false},
	{MODEL_PARETO_NBD, "pareto_nbd_model", 4, {"r", "alpha", "s", "beta"}, true},
	{MODEL_MBGNBD, "mbgnbd_model", 4, {"r", "alpha", "a", "b"}, true},
};

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

const ModelValue *
cl_model_arg(FunctionCallInfo fcinfo, int argno, ModelKind kind)
{
	const ModelValue *m = (const ModelValue *) PG_GETARG_POINTER(argno);

	if (m->kind != (int32) kind)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid %s value", spec_of(kind)->type_name)));
	return m;
}

const ModelValue *
cl_purchase_model_arg(FunctionCallInfo fcinfo, int argno)
{
	const ModelValue *m = (const ModelValue *) PG_GETARG_POINTER(argno);

	if (m->kind != MODEL_BGNBD && m->kind != MODEL_MBGNBD && m->kind != MODEL_PARETO_NBD)
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
	m->kind = kind;
	return m;
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
	const ModelSpec *spec = spec_of((ModelKind) m->kind);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < spec->nparams; i++)
	{
		appendStringInfo(&buf, "\"%s\": ", spec->names[i]);
		append_double(&buf, m->param[i]);
		appendStringInfoString(&buf, ", ");
	}
	if (spec->has_unit)
		appendStringInfo(&buf, "\"unit\": \"%s\", ", cl_unit_text(m->unit_usec));
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
			 errmsg("invalid input syntax for type %s: \"%s\"", spec->type_name, input),
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
	JsonbIteratorToken tok;
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
		for (i = 0; i < spec->nparams; i++)
			if (strcmp(key, spec->names[i]) == 0)
				break;
		if (i < spec->nparams)
		{
			param[i] = json_number(spec, input, &v, key);
			seen[i] = true;
		}
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

			if (v.type != jbvString)
				raise_syntax(spec, input, "Key \"unit\" must be an interval string such as \"7 days\".");
			iv = DatumGetIntervalP(DirectFunctionCall3(interval_in,
													   CStringGetDatum(pnstrdup(v.val.string.val, v.val.string.len)),
													   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
			unit_usec = cl_unit_arg(iv, "unit");
		}
		else
			raise_syntax(spec, input, psprintf("Unknown key \"%s\".", key));
	}
	for (i = 0; i < spec->nparams; i++)
		if (!seen[i])
			raise_syntax(spec, input, psprintf("Key \"%s\" is missing.", spec->names[i]));
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
