/*
 * period_sql.c — SQL glue of the period arithmetic.
 *
 *   period_start(ts timestamptz, period interval) -> timestamptz
 *
 * The start of the period that contains ts, exactly as crm_profile floors
 * order times (periods counted in UTC from Monday 2000-01-03; calendar
 * months from the first of the month, UTC).  Lets SQL group orders into
 * the same purchase periods the profile counts.
 */
#include "compat.h"

#include "utils/timestamp.h"

#include "glue_common.h"
#include "period.h"

PG_FUNCTION_INFO_V1(period_start);
Datum
period_start(PG_FUNCTION_ARGS)
{
	TimestampTz ts = cl_timestamp_arg(fcinfo, 0, "ts");
	cl_period	p = cl_period_arg(PG_GETARG_INTERVAL_P(1), "period");
	int64		start;

	if (cl_period_start_checked(&p, cl_period_index(&p, (int64) ts), &start) != CL_OK ||
		!IS_VALID_TIMESTAMP(start))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("period_start: the period of %s starts outside the timestamp range",
						timestamptz_to_str(ts)),
				 errhint("Use a shorter period.")));
	PG_RETURN_TIMESTAMPTZ((TimestampTz) start);
}
