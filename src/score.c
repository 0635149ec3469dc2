/*
 * score.c — SQL glue of the per-customer scores: P(alive), churn
 * probability, expected purchases, expected spend and CLV.
 *
 * The purchase-model scores serve bgnbd_model, mbgnbd_model and
 * pareto_nbd_model alike: each SQL overload calls the same C function, which
 * dispatches on the model's kind (btyd_model.h).
 *
 * Every function takes the model as an argument and reads no setting or
 * clock, so all are IMMUTABLE.  Horizons given as float8 are in the model's
 * time unit; horizons given as interval are converted into it.  Profiles
 * carry their own unit, which must match the model's.
 */
#include "compat.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "windowapi.h"
#include "utils/timestamp.h"

#include "bgnbd.h"
#include "btyd_model.h"
#include "clv.h"
#include "defaults.h"
#include "errors.h"
#include "fit.h"
#include "gamma_gamma.h"
#include "glue_common.h"
#include "interrupt.h"
#include "models.h"
#include "period.h"

/*
 * The core polls this in its long loops (interrupt.h): a score of an
 * extreme model can take milliseconds, and a CLV over 1200 months a
 * thousand such evaluations.
 */
static int
score_interrupt(void)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/* limit models included (models.c) */
static cl_btyd_model
purchase_model(const ModelValue *m)
{
	cl_set_interrupt_hook(score_interrupt);
	return cl_model_btyd(m);
}

static cl_gg_params
gg_params(const ModelValue *m)
{
	return cl_model_gg(m);
}

/* A length of time in model units (cl_interval_units: mean Gregorian months). */
static double
interval_in_units(const Interval *iv, int64 unit_usec, const char *argname)
{
	double		units;

	if (cl_interval_units(iv->month, iv->day, iv->time, unit_usec, &units) != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", argname)));
	return units;
}

static void
report(cl_status st, const char *fname, double x, double t_x, double T)
{
	if (st == CL_OK)
		return;
	if (st == CL_ENOCONVERGE || st == CL_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: value out of range for this model and customer (frequency %g, recency %g, t %g)",
						fname, x, t_x, T),
				 errdetail("The score cannot be evaluated to full double precision, or does not fit in a double, for these parameters."),
				 errhint("The model's parameters are extreme (a boundary fit or a hand-made value); refit the model, or check the customer summary and horizon.")));
	if (st == CL_EINVAL || st == CL_ENOTFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: invalid customer summary (frequency %g, recency %g, t %g)",
						fname, x, t_x, T),
				 errdetail("frequency must be a whole number >= 0, 0 <= recency <= t, horizons >= 0, all finite."),
				 errhint("Use the frequency, recency and t of crm_profile(), in the model's time unit.")));
	cl_check_status(st, fname);
}

/* frequency, recency, t from arguments argno.. or from a profile */
typedef struct Summary
{
	double		x,
				t_x,
				T,
				m;
	int64		unit_usec;		/* 0 when given as plain numbers */
} Summary;

static void
summary_from_profile_datum(FunctionCallInfo fcinfo, Datum profile, Summary *s)
{
	ProfileRow	row;
	int			i;

	cl_profile_read(fcinfo, profile, &row);
	for (i = 0; i < CL_PF_NFIELDS; i++)
		if (row.isnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("profile field %s is NULL", cl_profile_field_names[i])));
	s->x = row.x;
	s->t_x = row.t_x;
	s->T = row.T;
	s->m = row.m;
	s->unit_usec = cl_unit_arg(&row.unit, "unit");
}

static void
summary_from_profile(FunctionCallInfo fcinfo, int argno, Summary *s)
{
	summary_from_profile_datum(fcinfo, PG_GETARG_DATUM(argno), s);
}

static void
summary_from_args(FunctionCallInfo fcinfo, int argno, Summary *s)
{
	s->x = PG_GETARG_FLOAT8(argno);
	s->t_x = PG_GETARG_FLOAT8(argno + 1);
	s->T = PG_GETARG_FLOAT8(argno + 2);
	s->m = 0.0;
	s->unit_usec = 0;
}

static void
check_unit(const Summary *s, const ModelValue *m, const char *fname)
{
	if (s->unit_usec != 0 && s->unit_usec != m->unit_usec)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the profile is in units of %s but the model in units of %s",
						fname, cl_unit_text(s->unit_usec), cl_unit_text(m->unit_usec)),
				 errhint("Build the profiles with unit => '%s', or fit the model on profiles in %s.",
						 cl_unit_text(m->unit_usec), cl_unit_text(s->unit_usec))));
}

/* ---- P(alive) and churn ------------------------------------------------ */

static double
p_alive(const Summary *s, const ModelValue *m, const char *fname)
{
	cl_btyd_model p = purchase_model(m);
	double		out;

	check_unit(s, m, fname);
	report(cl_btyd_p_alive(&p, s->x, s->t_x, s->T, &out), fname, s->x, s->t_x, s->T);
	return out;
}

/* 1 - P(alive), computed as such: a small churn probability stays accurate */
static double
p_dead(const Summary *s, const ModelValue *m, const char *fname)
{
	cl_btyd_model p = purchase_model(m);
	double		out;

	check_unit(s, m, fname);
	report(cl_btyd_p_dead(&p, s->x, s->t_x, s->T, &out), fname, s->x, s->t_x, s->T);
	return out;
}

PG_FUNCTION_INFO_V1(bgnbd_p_alive);
Datum
bgnbd_p_alive(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_args(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(p_alive(&s, cl_purchase_model_arg(fcinfo, 3), "p_alive"));
}

PG_FUNCTION_INFO_V1(bgnbd_p_alive_profile);
Datum
bgnbd_p_alive_profile(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_profile(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(p_alive(&s, cl_purchase_model_arg(fcinfo, 1), "p_alive"));
}

PG_FUNCTION_INFO_V1(bgnbd_churn);
Datum
bgnbd_churn(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_args(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(p_dead(&s, cl_purchase_model_arg(fcinfo, 3), "churn_probability"));
}

PG_FUNCTION_INFO_V1(bgnbd_churn_profile);
Datum
bgnbd_churn_profile(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_profile(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(p_dead(&s, cl_purchase_model_arg(fcinfo, 1), "churn_probability"));
}

/* P(no purchase in (T, T+h]) */
static double
no_purchase_named(const Summary *s, const ModelValue *m, double h, const char *fname)
{
	cl_btyd_model p = purchase_model(m);
	double		out;

	check_unit(s, m, fname);
	report(cl_btyd_p_no_purchase(&p, h, s->x, s->t_x, s->T, &out),
		   fname, s->x, s->t_x, s->T);
	return out;
}

static double
no_purchase(const Summary *s, const ModelValue *m, double h)
{
	return no_purchase_named(s, m, h, "churn_probability");
}

PG_FUNCTION_INFO_V1(bgnbd_churn_horizon);
Datum
bgnbd_churn_horizon(PG_FUNCTION_ARGS)
{
	Summary		s;
	const ModelValue *m = cl_purchase_model_arg(fcinfo, 3);

	summary_from_args(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(no_purchase(&s, m, interval_in_units(PG_GETARG_INTERVAL_P(4), m->unit_usec, "horizon")));
}

PG_FUNCTION_INFO_V1(bgnbd_churn_horizon_profile);
Datum
bgnbd_churn_horizon_profile(PG_FUNCTION_ARGS)
{
	Summary		s;
	const ModelValue *m = cl_purchase_model_arg(fcinfo, 1);

	summary_from_profile(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(no_purchase(&s, m, interval_in_units(PG_GETARG_INTERVAL_P(2), m->unit_usec, "horizon")));
}

/* ---- expected purchases ---------------------------------------------- */

static double
expected(const Summary *s, const ModelValue *m, double t)
{
	cl_btyd_model p = purchase_model(m);
	double		out;

	check_unit(s, m, "expected_purchases");
	report(cl_btyd_expected_purchases_steps(&p, t, 1, s->x, s->t_x, s->T, &out),
		   "expected_purchases", s->x, s->t_x, s->T);
	return out;
}

PG_FUNCTION_INFO_V1(bgnbd_expected);
Datum
bgnbd_expected(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_args(fcinfo, 1, &s);
	PG_RETURN_FLOAT8(expected(&s, cl_purchase_model_arg(fcinfo, 4), PG_GETARG_FLOAT8(0)));
}

PG_FUNCTION_INFO_V1(bgnbd_expected_interval);
Datum
bgnbd_expected_interval(PG_FUNCTION_ARGS)
{
	Summary		s;
	const ModelValue *m = cl_purchase_model_arg(fcinfo, 4);

	summary_from_args(fcinfo, 1, &s);
	PG_RETURN_FLOAT8(expected(&s, m, interval_in_units(PG_GETARG_INTERVAL_P(0), m->unit_usec, "horizon")));
}

PG_FUNCTION_INFO_V1(bgnbd_expected_profile);
Datum
bgnbd_expected_profile(PG_FUNCTION_ARGS)
{
	Summary		s;
	const ModelValue *m = cl_purchase_model_arg(fcinfo, 2);

	summary_from_profile(fcinfo, 1, &s);
	PG_RETURN_FLOAT8(expected(&s, m, interval_in_units(PG_GETARG_INTERVAL_P(0), m->unit_usec, "horizon")));
}

PG_FUNCTION_INFO_V1(bgnbd_expected_new);
Datum
bgnbd_expected_new(PG_FUNCTION_ARGS)
{
	const ModelValue *m = cl_purchase_model_arg(fcinfo, 1);
	cl_btyd_model p = purchase_model(m);
	double		out;
	double		t = get_fn_expr_argtype(fcinfo->flinfo, 0) == INTERVALOID
		? interval_in_units(PG_GETARG_INTERVAL_P(0), m->unit_usec, "horizon")
		: PG_GETARG_FLOAT8(0);

	report(cl_btyd_expected_purchases_new(&p, t, &out), "expected_purchases", 0, 0, t);
	PG_RETURN_FLOAT8(out);
}

/* ---- spend and CLV ----------------------------------------------------- */

static double
spend(const ModelValue *gm, double x, double mon)
{
	cl_gg_params p = gg_params(gm);
	double		out;

	/* a customer the fit leaves out is scored at the population mean */
	cl_status	st = cl_gg_customer_spend(&p, x, mon, &out);

	if (st == CL_ERANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("expected spend is infinite for this model (q = %g <= 1)", gm->param[1]),
				 errhint("The Gamma-Gamma fit did not produce a usable model; refit on more repeat customers.")));
	if (st != CL_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expected_spend: invalid customer summary (frequency %g, monetary %g)", x, mon),
				 errdetail("frequency must be >= 0 and monetary finite; a customer with frequency 0 or monetary <= 0 is scored at the population mean spend."),
				 errhint("Use the frequency and monetary of crm_profile().")));
	return out;
}

PG_FUNCTION_INFO_V1(gg_expected_spend);
Datum
gg_expected_spend(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(spend(cl_model_arg(fcinfo, 2, MODEL_GAMMA_GAMMA),
						   PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1)));
}

PG_FUNCTION_INFO_V1(gg_expected_spend_profile);
Datum
gg_expected_spend_profile(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_profile(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(spend(cl_model_arg(fcinfo, 1, MODEL_GAMMA_GAMMA), s.x, s.m));
}

/*
 * clv_estimate(..., months, monthly_discount, month_length): optional
 * arguments start at argno.
 */
static double
clv(FunctionCallInfo fcinfo, const Summary *s, const ModelValue *bm,
	const ModelValue *gm, int argno)
{
	cl_btyd_model bp = purchase_model(bm);
	cl_gg_params gp = gg_params(gm);
	int32		months = PG_NARGS() > argno ? PG_GETARG_INT32(argno) : CL_DEFAULT_CLV_MONTHS;
	double		discount = PG_NARGS() > argno + 1 ? PG_GETARG_FLOAT8(argno + 1)
		: CL_DEFAULT_MONTHLY_DISCOUNT;
	double		per_month;
	double		out;

	if (PG_NARGS() > argno + 2)
		per_month = interval_in_units(PG_GETARG_INTERVAL_P(argno + 2), bm->unit_usec,
									  "month_length");
	else if (cl_clv_default_periods_per_month(bm->unit_usec, &per_month) != CL_OK)
		elog(ERROR, "clv_estimate: model unit of %lld microseconds", (long long) bm->unit_usec);

	check_unit(s, bm, "clv_estimate");
	switch (cl_clv_check_args(months, discount, per_month))
	{
		case CL_CLV_ARGS_OK:
			break;
		case CL_CLV_BAD_MONTHS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("months must be between 0 and %d, not %d", CL_CLV_MAX_MONTHS, months)));
			break;
		case CL_CLV_BAD_DISCOUNT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("monthly_discount must be a finite number above -1, not %g", discount),
					 errhint("Use e.g. 0.01 for 1%% per month.")));
			break;
		case CL_CLV_BAD_MONTH_LENGTH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("month_length must be positive")));
			break;
	}
	/* the spend model is checked first for the clearer message on q <= 1 */
	(void) spend(gm, s->x, s->m);
	report(cl_clv_customer(&bp, &gp, s->x, s->t_x, s->T, s->m, months, discount,
						   per_month, &out),
		   "clv_estimate", s->x, s->t_x, s->T);
	return out;
}

/* ---- the same scores on purchase_model ---------------------------------
 *
 * One argument order for all: the customer (frequency, recency, t or a
 * profile), then the model(s), then horizon and options; the one exception
 * is expected_purchases(horizon float8, frequency, recency, t, model), kept
 * in the order callers have always used.  The per-kind entry points above
 * stay for the scripts of earlier releases.
 */

PG_FUNCTION_INFO_V1(pm_p_alive);
Datum
pm_p_alive(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_args(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(p_alive(&s, cl_pm_arg(fcinfo, 3), "p_alive"));
}

PG_FUNCTION_INFO_V1(pm_p_alive_profile);
Datum
pm_p_alive_profile(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_profile(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(p_alive(&s, cl_pm_arg(fcinfo, 1), "p_alive"));
}

PG_FUNCTION_INFO_V1(pm_churn);
Datum
pm_churn(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_args(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(p_dead(&s, cl_pm_arg(fcinfo, 3), "churn_probability"));
}

PG_FUNCTION_INFO_V1(pm_churn_profile);
Datum
pm_churn_profile(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_profile(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(p_dead(&s, cl_pm_arg(fcinfo, 1), "churn_probability"));
}

PG_FUNCTION_INFO_V1(pm_no_purchase);
Datum
pm_no_purchase(PG_FUNCTION_ARGS)
{
	Summary		s;
	const ModelValue *m = cl_pm_arg(fcinfo, 3);

	summary_from_args(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(no_purchase_named(&s, m, interval_in_units(PG_GETARG_INTERVAL_P(4), m->unit_usec, "horizon"),
									   "p_no_purchase"));
}

PG_FUNCTION_INFO_V1(pm_no_purchase_profile);
Datum
pm_no_purchase_profile(PG_FUNCTION_ARGS)
{
	Summary		s;
	const ModelValue *m = cl_pm_arg(fcinfo, 1);

	summary_from_profile(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(no_purchase_named(&s, m, interval_in_units(PG_GETARG_INTERVAL_P(2), m->unit_usec, "horizon"),
									   "p_no_purchase"));
}

/* expected_purchases(horizon float8, frequency, recency, t, model) */
PG_FUNCTION_INFO_V1(pm_expected);
Datum
pm_expected(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_args(fcinfo, 1, &s);
	PG_RETURN_FLOAT8(expected(&s, cl_pm_arg(fcinfo, 4), PG_GETARG_FLOAT8(0)));
}

/* expected_purchases(profile, model, horizon interval) */
PG_FUNCTION_INFO_V1(pm_expected_profile);
Datum
pm_expected_profile(PG_FUNCTION_ARGS)
{
	Summary		s;
	const ModelValue *m = cl_pm_arg(fcinfo, 1);

	summary_from_profile(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(expected(&s, m, interval_in_units(PG_GETARG_INTERVAL_P(2), m->unit_usec, "horizon")));
}

/* expected_purchases(model, horizon interval): a new customer */
PG_FUNCTION_INFO_V1(pm_expected_new);
Datum
pm_expected_new(PG_FUNCTION_ARGS)
{
	const ModelValue *m = cl_pm_arg(fcinfo, 0);
	cl_btyd_model p = purchase_model(m);
	double		out;
	double		t = interval_in_units(PG_GETARG_INTERVAL_P(1), m->unit_usec, "horizon");

	report(cl_btyd_expected_purchases_new(&p, t, &out), "expected_purchases", 0, 0, t);
	PG_RETURN_FLOAT8(out);
}

PG_FUNCTION_INFO_V1(pm_clv);
Datum
pm_clv(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_args(fcinfo, 0, &s);
	s.m = PG_GETARG_FLOAT8(3);
	PG_RETURN_FLOAT8(clv(fcinfo, &s, cl_pm_arg(fcinfo, 4),
						 cl_model_arg(fcinfo, 5, MODEL_GAMMA_GAMMA), 6));
}

PG_FUNCTION_INFO_V1(pm_clv_profile);
Datum
pm_clv_profile(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_profile(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(clv(fcinfo, &s, cl_pm_arg(fcinfo, 1),
						 cl_model_arg(fcinfo, 2, MODEL_GAMMA_GAMMA), 3));
}

PG_FUNCTION_INFO_V1(clv_estimate);
Datum
clv_estimate(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_args(fcinfo, 0, &s);
	s.m = PG_GETARG_FLOAT8(3);
	PG_RETURN_FLOAT8(clv(fcinfo, &s, cl_purchase_model_arg(fcinfo, 4),
						 cl_model_arg(fcinfo, 5, MODEL_GAMMA_GAMMA), 6));
}

PG_FUNCTION_INFO_V1(clv_estimate_profile);
Datum
clv_estimate_profile(PG_FUNCTION_ARGS)
{
	Summary		s;

	summary_from_profile(fcinfo, 0, &s);
	PG_RETURN_FLOAT8(clv(fcinfo, &s, cl_purchase_model_arg(fcinfo, 1),
						 cl_model_arg(fcinfo, 2, MODEL_GAMMA_GAMMA), 3));
}

/* ---------------------------------------------------------------------
 * Window forms: fit the models over the window partition, score the row
 *
 *   churn_probability(frequency, recency, t [, unit]) OVER (...)
 *   churn_probability(profile) OVER (...)
 *   clv_estimate(frequency, recency, t, monetary [, unit]) OVER (...)
 *   clv_estimate(profile) OVER (...)
 *
 * The first row of a partition reads every row of it, fits BG/NBD (and
 * Gamma-Gamma for CLV) exactly as bgnbd_fit / gamma_gamma_fit would over
 * the same rows, and keeps the models in partition-local memory; every row
 * is then scored against them.  Rows with a NULL argument take no part in
 * the fit and score NULL.  Plain numbers are in days unless unit is given.
 * ---------------------------------------------------------------------
 */

typedef struct WindowModels
{
	bool		ready;			/* the partition has been read */
	bool		empty;			/* no row to fit: every score is NULL */
	ModelValue	bg;
	ModelValue	gg;
} WindowModels;

/* Summary of partition row pos (or the current row, pos < 0); false if NULL. */
static bool
window_summary(FunctionCallInfo fcinfo, WindowObject win, bool profile,
			   bool with_m, int64 pos, Summary *s)
{
	int			nargs = profile ? 1 : (with_m ? 4 : 3);
	Datum		d[4];
	int			i;

	for (i = 0; i < nargs; i++)
	{
		bool		isnull,
					isout = false;

		d[i] = pos < 0 ? WinGetFuncArgCurrent(win, i, &isnull)
			: WinGetFuncArgInPartition(win, i, (int) pos, WINDOW_SEEK_HEAD, false,
									   &isnull, &isout);
		if (isnull || isout)
			return false;
	}
	if (profile)
	{
		summary_from_profile_datum(fcinfo, d[0], s);
		return true;
	}
	s->x = DatumGetFloat8(d[0]);
	s->t_x = DatumGetFloat8(d[1]);
	s->T = DatumGetFloat8(d[2]);
	s->m = with_m ? DatumGetFloat8(d[3]) : 0.0;
	s->unit_usec = 0;
	return true;
}

static const WindowModels *
window_models(FunctionCallInfo fcinfo, bool profile, bool with_gg, int unit_arg,
			  const char *fname)
{
	WindowObject win = PG_WINDOW_OBJECT();
	WindowModels *wm = WinGetPartitionLocalMemory(win, sizeof(WindowModels));
	int64		nrows,
				i;
	int64		unit_usec = 0;
	cl_btyd_cell *cells;
	cl_gg_cell *gcells;
	size_t		nb = 0,
				ng = 0;
	ModelValue *m;

	if (wm->ready)
		return wm;

	if (unit_arg >= 0)
	{
		bool		isnull;
		Datum		u = WinGetFuncArgCurrent(win, unit_arg, &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s: unit must not be NULL", fname)));
		unit_usec = cl_unit_arg(DatumGetIntervalP(u), "unit");
	}
	nrows = WinGetPartitionRowCount(win);
	cells = palloc(sizeof(cl_btyd_cell) * Max(nrows, 1));
	gcells = with_gg ? palloc(sizeof(cl_gg_cell) * Max(nrows, 1)) : NULL;
	for (i = 0; i < nrows; i++)
	{
		Summary		s;
		cl_btyd_cell *c;

		CHECK_FOR_INTERRUPTS();
		if (!window_summary(fcinfo, win, profile, with_gg, i, &s))
			continue;
		if (profile)
		{
			/* every profile of the partition must share one unit */
			if (unit_usec == 0)
				unit_usec = s.unit_usec;
			else if (s.unit_usec != unit_usec)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: the partition holds profiles in units of %s and of %s",
								fname, cl_unit_text(unit_usec), cl_unit_text(s.unit_usec)),
						 errhint("Build every profile with the same unit.")));
		}
		if (cl_btyd_check(s.x, s.t_x, s.T) != CL_OK)
			report(CL_EINVAL, fname, s.x, s.t_x, s.T);
		c = &cells[nb++];
		c->x = s.x;
		c->t_x = s.x > 0 ? s.t_x : 0.0;
		c->T = s.T;
		c->weight = 1.0;
		/* Gamma-Gamma: the customers gamma_gamma_fit would use */
		if (with_gg && cl_gg_eligible(s.x, s.m))
		{
			cl_gg_cell *g = &gcells[ng++];

			g->x = s.x;
			g->m = s.m;
			g->weight = 1.0;
		}
	}
	if (unit_usec == 0)
		unit_usec = CL_USECS_PER_DAY;

	m = cl_fit_bgnbd_cells(cells, &nb, unit_usec, fname);
	if (m == NULL)
		wm->empty = true;
	else
	{
		wm->bg = *m;
		if (with_gg)
			wm->gg = *cl_fit_gamma_gamma_cells(gcells, &ng, fname);
	}
	pfree(cells);
	if (gcells)
		pfree(gcells);
	wm->ready = true;
	return wm;
}

static Datum
churn_window(FunctionCallInfo fcinfo, bool profile, int unit_arg)
{
	const WindowModels *wm = window_models(fcinfo, profile, false, unit_arg,
										   "churn_probability_window");
	Summary		s;

	if (wm->empty || !window_summary(fcinfo, PG_WINDOW_OBJECT(), profile, false, -1, &s))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(p_dead(&s, &wm->bg, "churn_probability_window"));
}

static Datum
clv_window(FunctionCallInfo fcinfo, bool profile, int unit_arg)
{
	const WindowModels *wm = window_models(fcinfo, profile, true, unit_arg,
										   "clv_estimate_window");
	Summary		s;

	if (wm->empty || !window_summary(fcinfo, PG_WINDOW_OBJECT(), profile, true, -1, &s))
		PG_RETURN_NULL();
	/* no optional arguments: the defaults of defaults.h */
	PG_RETURN_FLOAT8(clv(fcinfo, &s, &wm->bg, &wm->gg, PG_NARGS()));
}

PG_FUNCTION_INFO_V1(churn_probability_window);
Datum
churn_probability_window(PG_FUNCTION_ARGS)
{
	return churn_window(fcinfo, false, PG_NARGS() > 3 ? 3 : -1);
}

PG_FUNCTION_INFO_V1(churn_probability_window_profile);
Datum
churn_probability_window_profile(PG_FUNCTION_ARGS)
{
	return churn_window(fcinfo, true, -1);
}

PG_FUNCTION_INFO_V1(clv_estimate_window);
Datum
clv_estimate_window(PG_FUNCTION_ARGS)
{
	return clv_window(fcinfo, false, PG_NARGS() > 4 ? 4 : -1);
}

PG_FUNCTION_INFO_V1(clv_estimate_window_profile);
Datum
clv_estimate_window_profile(PG_FUNCTION_ARGS)
{
	return clv_window(fcinfo, true, -1);
}
