/*
 * profile_glue.h — what the two ways to a customer_profile share: the
 * crm_profile aggregate (profile.c) and crm_profile of a stored
 * profile_state (profile_state.c).
 */
#ifndef CL_PROFILE_GLUE_H
#define CL_PROFILE_GLUE_H

#include "postgres.h"
#include "fmgr.h"
#include "datatype/timestamp.h"

#include "profile.h"

/* The unit used when none is given: the period itself, or a fixed month
 * (CL_DEFAULT_MONTH_DAYS days) for monthly periods, months being no unit. */
extern Interval cl_profile_default_unit(const Interval *period);

/* The customer_profile composite of prof, total_spend shown with
 * display_scale decimals, in unit (copied). */
extern Datum cl_profile_result(FunctionCallInfo fcinfo, const cl_profile *prof,
							   int display_scale, const Interval *unit);

#endif							/* CL_PROFILE_GLUE_H */
