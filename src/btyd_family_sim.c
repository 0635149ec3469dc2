/*
 * btyd_family_sim.c — SQL glue of the MBG/NBD and Pareto/NBD simulators.
 *
 *   mbgnbd_simulate(customers, r, alpha, a, b, t [, seed])
 *   pareto_nbd_simulate(customers, r, alpha, s, beta, t [, seed])
 *     RETURNS TABLE (customer_id bigint, frequency float8, recency float8, t float8)
 *
 * One cohort observed for t units; customer i depends only on (seed, i), as
 * in btyd_simulate, so any subset of customers is reproducible.
 */
#include "compat.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"

#include "btyd_sim.h"
#include "interrupt.h"
#include "rng.h"

typedef enum SimKind
{
	SIM_MBGNBD,
	SIM_PARETO_NBD
} SimKind;

typedef struct FamilySimState
{
	SimKind		kind;
	double		p[4];
	double		T;
	int64		seed;
	int64		customers;
	int64		next;
} FamilySimState;

static const char *const sim_names[2][5] = {
	{"mbgnbd_simulate", "r", "alpha", "a", "b"},
	{"pareto_nbd_simulate", "r", "alpha", "s", "beta"},
};

static double
sim_positive_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	double		v;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
	v = PG_GETARG_FLOAT8(argno);
	if (!isfinite(v) || v <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a positive finite number, not %g", name, v)));
	return v;
}

/* The simulators poll this between purchases (interrupt.h). */
static int
sim_interrupt(void)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

static Datum
family_simulate(FunctionCallInfo fcinfo, SimKind kind)
{
	const char *fname = sim_names[kind][0];
	FuncCallContext *funcctx;
	FamilySimState *st;
	Datum		values[4];
	bool		nulls[4] = {0};
	cl_rng		rng;
	cl_status	status;
	double		x,
				t_x;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;
		int32		customers;
		int			i;

		if (PG_ARGISNULL(0) || (customers = PG_GETARG_INT32(0)) < 1 || customers > 100000000)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("customers must be between 1 and 100000000")));
		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		st = palloc0(sizeof(FamilySimState));
		st->kind = kind;
		st->customers = customers;
		for (i = 0; i < 4; i++)
			st->p[i] = sim_positive_arg(fcinfo, 1 + i, sim_names[kind][1 + i]);
		st->T = sim_positive_arg(fcinfo, 5, "t");
		st->seed = PG_ARGISNULL(6) ? 1 : PG_GETARG_INT64(6);
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = (FamilySimState *) funcctx->user_fctx;
	if (st->next >= st->customers)
		SRF_RETURN_DONE(funcctx);
	st->next++;

	cl_set_interrupt_hook(sim_interrupt);
	cl_rng_seed(&rng, (uint64) st->seed, (uint64) st->next);
	if (st->kind == SIM_MBGNBD)
	{
		cl_bgnbd_params p = {st->p[0], st->p[1], st->p[2], st->p[3]};

		status = cl_sim_mbgnbd(&rng, &p, st->T, &x, &t_x);
	}
	else
	{
		cl_pnbd_params p = {st->p[0], st->p[1], st->p[2], st->p[3]};

		status = cl_sim_pareto_nbd(&rng, &p, st->T, &x, &t_x);
	}
	if (status != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: customer " INT64_FORMAT " would make more than %d repeat purchases",
						fname, st->next, CL_SIM_MAX_PURCHASES),
				 errhint("Use parameters with a realistic purchase rate (r/alpha * t well below a million).")));
	CHECK_FOR_INTERRUPTS();
	values[0] = Int64GetDatum(st->next);
	values[1] = Float8GetDatum(x);
	values[2] = Float8GetDatum(t_x);
	values[3] = Float8GetDatum(st->T);
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
}

PG_FUNCTION_INFO_V1(mbgnbd_simulate);
Datum
mbgnbd_simulate(PG_FUNCTION_ARGS)
{
	return family_simulate(fcinfo, SIM_MBGNBD);
}

PG_FUNCTION_INFO_V1(pareto_nbd_simulate);
Datum
pareto_nbd_simulate(PG_FUNCTION_ARGS)
{
	return family_simulate(fcinfo, SIM_PARETO_NBD);
}
