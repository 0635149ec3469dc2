/*
 * demo_shop_sql.c — SQL glue of the simulators: the demo shop and the BTYD
 * generative processes.
 *
 *   crm_demo_orders(customers integer DEFAULT 20000, seed bigint DEFAULT 1,
 *                   start_date date DEFAULT '2024-01-01', days integer DEFAULT 730)
 *     RETURNS TABLE (customer_id bigint, ordered_at timestamptz, amount numeric)
 *
 * A value-per-call SRF: it holds one customer's orders at a time, so ten
 * million rows stream in constant memory.  Timestamps are start_date 00:00
 * UTC plus offsets, never the session TimeZone; amounts are built from
 * integer cents, so they are exact with two decimals.
 */
#include "compat.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/date.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include <math.h>

#include "btyd_sim.h"
#include "interrupt.h"
#include "demo_shop.h"
#include "rng.h"

typedef struct DemoState
{
	int64		seed;
	int32		customers;
	int32		days;
	TimestampTz start;
	int64		customer;		/* current customer, 1-based */
	size_t		n;				/* its orders */
	size_t		next;			/* next order to return */
	cl_demo_order orders[CL_DEMO_MAX_ORDERS];
} DemoState;

PG_FUNCTION_INFO_V1(crm_demo_orders);
Datum
crm_demo_orders(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	DemoState  *st;
	Datum		values[3];
	bool		nulls[3] = {0};
	HeapTuple	tuple;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;
		int32		customers = PG_GETARG_INT32(0);
		int32		days = PG_GETARG_INT32(3);
		DateADT		start = PG_GETARG_DATEADT(2);

		if (customers < 1 || customers > 100000000)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("customers must be between 1 and 100000000, not %d", customers)));
		if (days < 1 || days > 36500)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("days must be between 1 and 36500, not %d", days)));
		if (DATE_NOT_FINITE(start))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("start_date must be finite")));
		/* every generated instant must be a valid timestamptz */
		if ((int64) start + days > (int64) (TIMESTAMP_END_JULIAN - POSTGRES_EPOCH_JDATE) ||
			start < (DateADT) (DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("start_date plus days is outside the timestamp range")));

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		st = palloc0(sizeof(DemoState));
		st->seed = PG_GETARG_INT64(1);
		st->customers = customers;
		st->days = days;
		/* a date's midnight as a UTC instant: days since 2000-01-01 in usec */
		st->start = (TimestampTz) start * USECS_PER_DAY;
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}

	funcctx = SRF_PERCALL_SETUP();
	st = (DemoState *) funcctx->user_fctx;
	if (st->next >= st->n)
	{
		if (st->customer >= st->customers)
			SRF_RETURN_DONE(funcctx);
		st->customer++;
		st->n = cl_demo_customer((uint64) st->seed, st->customer, st->days, st->orders);
		st->next = 0;
	}

	values[0] = Int64GetDatum(st->customer);
	values[1] = TimestampTzGetDatum(st->start + st->orders[st->next].offset_usec);
	values[2] = NumericGetDatum(int64_div_fast_to_numeric(st->orders[st->next].cents, 2));
	st->next++;
	tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
}

/*
 * btyd_simulate(customers, r, alpha, a, b, t [, seed [, p, q, v]])
 *   RETURNS TABLE (customer_id bigint, frequency float8, recency float8,
 *                  t float8, monetary float8)
 * Customers of one cohort observed for t units; monetary from the
 * Gamma-Gamma process when p, q, v are given (NULL otherwise or when
 * frequency = 0).  Customer i depends only on (seed, i).
 */
typedef struct SimState
{
	cl_bgnbd_params bg;
	cl_gg_params gg;
	bool		with_spend;
	double		T;
	int64		seed;
	int64		customers;
	int64		next;
} SimState;

static double
positive_arg(FunctionCallInfo fcinfo, int argno, const char *name)
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

PG_FUNCTION_INFO_V1(btyd_simulate);
Datum
btyd_simulate(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	SimState   *st;
	Datum		values[5];
	bool		nulls[5] = {0};
	cl_rng		rng;
	double		x,
				t_x;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;
		int32		customers;
		int			given = 0;
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
		st = palloc0(sizeof(SimState));
		st->customers = customers;
		st->bg.r = positive_arg(fcinfo, 1, "r");
		st->bg.alpha = positive_arg(fcinfo, 2, "alpha");
		st->bg.a = positive_arg(fcinfo, 3, "a");
		st->bg.b = positive_arg(fcinfo, 4, "b");
		st->T = positive_arg(fcinfo, 5, "t");
		st->seed = PG_ARGISNULL(6) ? 1 : PG_GETARG_INT64(6);
		for (i = 7; i < 10; i++)
			given += !PG_ARGISNULL(i);
		if (given != 0 && given != 3)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("give all three Gamma-Gamma parameters p, q, v, or none")));
		if (given == 3)
		{
			st->with_spend = true;
			st->gg.p = positive_arg(fcinfo, 7, "p");
			st->gg.q = positive_arg(fcinfo, 8, "q");
			st->gg.v = positive_arg(fcinfo, 9, "v");
		}
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = (SimState *) funcctx->user_fctx;
	if (st->next >= st->customers)
		SRF_RETURN_DONE(funcctx);
	st->next++;

	cl_set_interrupt_hook(sim_interrupt);
	cl_rng_seed(&rng, (uint64) st->seed, (uint64) st->next);
	if (cl_sim_bgnbd(&rng, &st->bg, st->T, &x, &t_x) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("btyd_simulate: customer " INT64_FORMAT " would make more than %d repeat purchases",
						st->next, CL_SIM_MAX_PURCHASES),
				 errhint("Use parameters with a realistic purchase rate and drop-out (r/alpha * t well below a million).")));
	CHECK_FOR_INTERRUPTS();
	values[0] = Int64GetDatum(st->next);
	values[1] = Float8GetDatum(x);
	values[2] = Float8GetDatum(t_x);
	values[3] = Float8GetDatum(st->T);
	if (st->with_spend && x >= 1)
	{
		double		m;

		if (cl_sim_gamma_gamma(&rng, &st->gg, x, &m) != CL_OK)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("btyd_simulate: the mean spend of customer " INT64_FORMAT " is out of range",
							st->next),
					 errdetail("With p = %g, q = %g, v = %g the simulated purchase values overflow or underflow a double.",
							   st->gg.p, st->gg.q, st->gg.v),
					 errhint("Use Gamma-Gamma parameters of a realistic spend model.")));
		values[4] = Float8GetDatum(m);
	}
	else
		nulls[4] = true;
	SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(heap_form_tuple(funcctx->tuple_desc, values, nulls)));
}
